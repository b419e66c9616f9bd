import type { Payment } from '../../../engine/payments/view.ts';
import { fieldRefusal, messages, refusalOf } from '../errors.ts';
import { paymentStateRes, toImpayId } from '../map.ts';
import type { ImpayAnswer, ImpayCall, ImpayOperations } from '../operation.ts';
import { type PayPageCmd, parseById, parsePayAuto, parsePayPage } from '../parse.ts';

/** Pay-ins: `pay/lk` (the hosted page), `pay/auto` (a kept card, no payer), `pay/state`. */

const minuteMs = 60_000;

/** The page where the payer pays, as every hosted-page create answers it. */
export const pageUrlOf = (call: ImpayCall, payment: Payment): string =>
  `${call.host.config.publicUrl}/pay/${payment.publicId}`;

/**
 * `pay/lk` and `hold/create`: a payment the payer completes on the hosted page. A repeat of
 * the extid with the same request answers the original exactly as the first time.
 */
export async function createPagePayment(call: ImpayCall, flow: PayPageCmd['flow']): Promise<ImpayAnswer> {
  const cmd = parsePayPage(call.body, flow);
  if (!cmd.ok) return fieldRefusal(cmd.error);
  const c = cmd.value;
  const created = await call.host.engine.createPayment({
    merchantId: call.merchant.id,
    origin: 'impay',
    amountMinor: c.amountMinor,
    currency: 'RUB',
    flow,
    externalId: c.externalId,
    returnUrls: c.returnUrls,
    ...(c.timeoutMinutes === null
      ? {}
      : { expiresAt: new Date(call.host.now().getTime() + c.timeoutMinutes * minuteMs) }),
    ...(c.fullname === null ? {} : { customer: { name: c.fullname } }),
    ...(c.documentId === null ? {} : { metadata: { document_id: c.documentId } }),
  });
  if (!created.ok) return refusalOf(call.path, created.error);
  const { payment } = created.value;
  return { status: 1, message: '', id: toImpayId(payment.id), url: pageUrlOf(call, payment) };
}

/** An ImPay payment of this merchant; another dialect's payment is not ImPay's to show. */
export async function impayPayment(call: ImpayCall, id: bigint): Promise<Payment | null> {
  const payment = await call.host.engine.getPayment({ id }, call.merchant.id);
  return payment?.origin === 'impay' ? payment : null;
}

export const notFound = { status: 0, message: messages.notFound } as const;

export const paymentsOperations: ImpayOperations = {
  'pay/lk': (call) => createPagePayment(call, 'charge'),

  /**
   * Charges a kept card. The bank's refusal is `status: 2` with the payment's id (COMPAT.md),
   * so the merchant can still ask `pay/state` for its `rc`.
   */
  'pay/auto': async (call) => {
    const cmd = parsePayAuto(call.body);
    if (!cmd.ok) return fieldRefusal(cmd.error);
    const paid = await call.host.engine.chargeSavedCard({
      merchantId: call.merchant.id,
      cardId: cmd.value.cardId,
      origin: 'impay',
      amountMinor: cmd.value.amountMinor,
      currency: 'RUB',
      externalId: cmd.value.externalId,
    });
    if (!paid.ok) return refusalOf(call.path, paid.error);
    const { payment } = paid.value;
    const id = toImpayId(payment.id);
    if (payment.status === 'failed')
      return { status: 2, message: payment.decline?.message || messages.declined, id };
    return { status: 1, message: '', id };
  },

  'pay/state': async (call) => {
    const cmd = parseById(call.body);
    if (!cmd.ok) return fieldRefusal(cmd.error);
    const payment = await impayPayment(call, cmd.value.id);
    return payment ? paymentStateRes(payment) : notFound;
  },
};
