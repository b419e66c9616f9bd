import { sendCallback } from '../../delivery/outgoing.ts';
import { type DeliveryHandler, type RetryPolicy, scheduleBackoff } from '../../delivery/worker.ts';
import type { Notifier } from '../../engine/outbox/notify.ts';
import type { Payment } from '../../engine/payments/view.ts';
import type { DialectHost } from '../dialect.ts';
import { impayAmount } from './amount.ts';
import { callbackDelivered } from './callbacks.ts';
import { type ImpayState, impayStates, paymentState, payoutState, toImpayId } from './map.ts';
import { impaySettingsOf } from './settings.ts';
import { callbackKey } from './sign.ts';

/**
 * ImPay callbacks through the outbox: the notifier records what happened (the state reached
 * and its sum) in the payment's transaction; the handler reads the merchant's callback URL and
 * key when it sends, so settings changed before delivery are honoured.
 */

export const callbackChannel = 'callback.impay';

/** The sum a callback tells: captured once paid (a hold confirmed for less), held while held. */
function sumOf(payment: Payment, state: ImpayState): bigint {
  if (state === impayStates.success && payment.capturedMinor > 0n) return payment.capturedMinor;
  if (state === impayStates.held && payment.authorizedMinor > 0n) return payment.authorizedMinor;
  return payment.amountMinor;
}

/**
 * ImPay payments and payouts that reach 1, 2, 3 or 4. A card registration's verification hold
 * is the card's business (card/get), not a payment of the merchant's: its hold and void are not
 * told.
 */
export const impayNotifier: Notifier = (event) => {
  if (event.type === 'payout') {
    const { payout } = event;
    if (payout.origin !== 'impay') return [];
    const state = payoutState[payout.status];
    if (state === impayStates.processing) return [];
    return [
      {
        channel: callbackChannel,
        payload: {
          kind: 'payout',
          id: payout.id.toString(),
          status: state,
          sum: impayAmount.print(payout.amountMinor),
        },
      },
    ];
  }
  if (event.type !== 'payment') return [];
  const { payment } = event;
  if (payment.origin !== 'impay' || payment.cardLink?.role === 'verify') return [];
  const state = paymentState[payment.status];
  if (state === impayStates.processing) return [];
  return [
    {
      channel: callbackChannel,
      payload: {
        kind: 'payment',
        id: payment.id.toString(),
        status: state,
        sum: impayAmount.print(sumOf(payment, state)),
      },
    },
  ];
};

/** At least the ten tries COMPAT.md asks, over about a day: 1, 2, 5, 10, 30 minutes, then hourly. */
export const callbackRetryPolicy: RetryPolicy = scheduleBackoff(
  [60_000, 120_000, 300_000, 600_000, 1_800_000, 3_600_000],
  30,
);

/**
 * GET callbackUrl?extid=&id=&sum=&status=&key=, key = md5(extid + id + sum + status + callback
 * key) over the strings sent. Delivered once the merchant answers below 500; retried otherwise
 * or when it does not answer (a thrown network error is a failed attempt to the worker).
 */
export function callbackHandler(host: DialectHost): DeliveryHandler {
  const { engine } = host;
  return async (job, signal) => {
    const id = BigInt(String(job.payload.id));
    const operation =
      job.payload.kind === 'payout'
        ? await engine.getPayout(job.merchantId, { id })
        : await engine.getPayment({ id }, job.merchantId);
    if (operation?.origin !== 'impay')
      return { delivered: false, error: `${String(job.payload.kind)} not found`, permanent: true };
    const auth = await engine.merchantAuth('impay', job.merchantId);
    if (!auth) return { delivered: false, error: 'merchant has no ImPay credentials', permanent: true };
    const url = impaySettingsOf(auth.merchant.settings).callbackUrl;
    if (!url) return { delivered: true, error: 'no callback URL' };
    const fields = {
      extid: operation.externalId ?? '',
      id: String(toImpayId(operation.id)),
      sum: String(job.payload.sum),
      status: String(job.payload.status),
    };
    const key = callbackKey(fields, auth.secret2() ?? '');
    const answer = await sendCallback(
      { url, body: { query: [...Object.entries(fields), ['key', key]] } },
      signal,
    );
    return {
      delivered: callbackDelivered(answer.status),
      responseStatus: answer.status,
      responseBody: answer.body,
    };
  };
}
