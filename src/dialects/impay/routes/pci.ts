import { setTimeout as sleep } from 'node:timers/promises';
import { awaitsBrowserData, type BrowserData } from '../../../acquiring/connector.ts';
import { isExpired } from '../../../domain/card.ts';
import type { Payment } from '../../../engine/payments/view.ts';
import { safeEqual } from '../../kit/auth.ts';
import { fieldMessage, fieldRefusal, type ImpayFail, messages, refusalOf } from '../errors.ts';
import { toImpayId } from '../map.ts';
import type { ImpayAnswer, ImpayCall, ImpayOperations } from '../operation.ts';
import {
  type BrowserInfo,
  type PayConfirmCmd,
  parsePayAuth,
  parsePayConfirm,
  parsePayStart,
} from '../parse.ts';

/**
 * The PCI DSS flow: the merchant's back end sends the card itself (`pay/start`), sends the payer
 * through 3-D Secure, and finishes with `pay/confirm`. v1: `pa`/`md` to the ACS `url`, PaRes
 * back. v2 in two phases: the 3DS Method `url` and `threedsservertransid`, then `pay/auth` with
 * the browser data, where the bank decides frictionless (`auth3ds`, `dstransid`, `eci`: the
 * payment is authorized already, pay/confirm checks them) or a challenge (`creq`, CRes back).
 *
 * Every answer is drawn from the payment's state, so a repeat (the same extid, or the same
 * step again) answers what the first call did, and no step reaches the bank twice.
 */

const minuteMs = 60_000;

const ok = (more: ImpayAnswer = {}): ImpayAnswer => ({ status: 1, message: '', ...more });

/** The bank's refusal of the payment (or its lapse): ImPay's status 2, with the bank's words. */
const refused = (payment: Payment): ImpayAnswer => ({
  status: 2,
  message: payment.decline?.message || messages.declined,
});

const isOver = (payment: Payment): boolean =>
  payment.status === 'failed' || payment.status === 'expired' || payment.status === 'canceled';

/** An ImPay payment of this merchant; another dialect's payment is not ImPay's to show. */
async function impayPayment(call: ImpayCall, id: bigint): Promise<Payment | null> {
  const payment = await call.host.engine.getPayment({ id }, call.merchant.id);
  return payment?.origin === 'impay' ? payment : null;
}

const notFound: ImpayFail = { status: 0, message: messages.notFound };

const text = (value: unknown): string | null => (typeof value === 'string' && value !== '' ? value : null);

/** A bank call of another request on this payment is under way: its answer is coming. */
const atTheBank = (p: Payment): boolean =>
  (p.status === 'pending' && p.challenge === null) || (p.status === 'pending' && p.opInFlight !== null);

const settlePollMs = 25;

/**
 * The payment once a concurrent request's bank call on it is answered (a duplicate extid sent
 * at once, pay/auth twice): so the duplicate answers what the first one did, 3-D Secure data
 * included. Bounded by the bank's own deadline; after it the state is what it is (`unknown`
 * is the janitor's, and pay/state tells the merchant).
 */
async function settled(call: ImpayCall, id: bigint): Promise<Payment | null> {
  const deadline = performance.now() + call.host.config.connectorTimeoutMs + 1000;
  let payment = await impayPayment(call, id);
  while (payment && atTheBank(payment) && performance.now() < deadline) {
    await sleep(settlePollMs);
    payment = await impayPayment(call, id);
  }
  return payment;
}

/** The card this payment keeps, once it may be charged again (`pay/auto`). */
const idcardOf = (payment: Payment): { idcard?: number } =>
  payment.cardLink?.role === 'save' && !isOver(payment) ? { idcard: toImpayId(payment.cardLink.cardId) } : {};

/** `pay/start`'s answer for the payment as it now is. */
function startAnswer(payment: Payment): ImpayAnswer {
  const id = toImpayId(payment.id);
  if (isOver(payment)) return { ...refused(payment), id };
  const c = payment.status === 'pending' ? payment.challenge : null;
  if (c?.version === '1')
    return ok({ id, '3dsvers': 1, url: c.acsUrl, pa: c.form.PaReq, md: c.form.MD, ...idcardOf(payment) });
  if (c?.version === '2')
    return ok({
      id,
      '3dsvers': 2,
      threedsservertransid: c.threeDsServerTransId,
      url: c.methodUrl ?? c.acsUrl,
      ...idcardOf(payment),
    });
  // approved, or the bank's answer is still awaited: pay/state and the callback tell the end
  return ok({ id, ...idcardOf(payment) });
}

/** `pay/auth`'s answer: the challenge to send the payer to, or the frictionless result. */
function authAnswer(payment: Payment): ImpayAnswer {
  if (isOver(payment)) return refused(payment);
  const c = payment.status === 'pending' ? payment.challenge : null;
  if (c?.version === '2' && !awaitsBrowserData(c))
    return ok({ url: c.acsUrl, creq: c.form.creq, threedssessiondata: c.form.threeDSSessionData });
  const frictionless = frictionlessOf(payment);
  if (frictionless)
    return ok({ auth3ds: frictionless.auth3ds, dstransid: frictionless.dsTransId, eci: frictionless.eci });
  if (c?.version === '1')
    return { status: 0, message: 'Платеж проходит 3DS v1: завершите его запросом /pay/confirm с pares и md' };
  // an approval without 3-D Secure, or the bank's answer still awaited: pay/state tells
  return ok();
}

type Frictionless = { auth3ds: string; dsTransId: string; eci: string };

/** The bank's frictionless authentication, kept with the authorization it led to. */
function frictionlessOf(payment: Payment): Frictionless | null {
  const data = payment.connectorData ?? {};
  const auth3ds = text(data.authenticationValue);
  const dsTransId = text(data.dsTransId);
  if (auth3ds === null || dsTransId === null) return null;
  return { auth3ds, dsTransId, eci: text(data.eci) ?? '' };
}

/**
 * The browser data for the bank; absent fields left out. The caller's address is the
 * merchant's server, never the payer's, so a missing `clientip` stays missing.
 */
function browserData(browser: BrowserInfo): BrowserData {
  return Object.fromEntries(Object.entries(browser).filter(([, value]) => value !== null));
}

/** `pay/confirm` after a frictionless `pay/auth`: the values must be the bank's, exactly. */
function confirmFrictionless(
  payment: Payment,
  cmd: Extract<PayConfirmCmd, { kind: 'frictionless' }>,
  idcard: unknown,
) {
  const kept = payment.status === 'captured' ? frictionlessOf(payment) : null;
  if (!kept || !safeEqual(cmd.auth3ds, kept.auth3ds))
    return { status: 0, message: fieldMessage.invalid('auth3ds') };
  if (cmd.dsTransId !== null && cmd.dsTransId !== kept.dsTransId)
    return { status: 0, message: fieldMessage.invalid('dstransid') };
  if (cmd.eci !== null && cmd.eci !== kept.eci) return { status: 0, message: fieldMessage.invalid('eci') };
  // the card the payment kept, if the merchant names one
  const given = idcard === undefined || idcard === null || idcard === '' ? null : String(idcard);
  if (given !== null && given !== String(idcardOf(payment).idcard))
    return { status: 0, message: fieldMessage.invalid('idcard') };
  return ok();
}

/** The field an ACS answer came in, for a refusal naming it. */
const answerField = (cmd: Extract<PayConfirmCmd, { kind: 'challenge' }>) =>
  cmd.result.version === '1' ? 'pares' : 'cres';

/**
 * An ACS answer for a payment that no longer waits for one: the same confirmation again after
 * success is answered as success (clients retry on a lost answer), as long as it is about this
 * payment's challenge (v1: its `md`). Anything else is refused, never taken for a new answer.
 */
function confirmSettled(payment: Payment, cmd: Extract<PayConfirmCmd, { kind: 'challenge' }>): ImpayAnswer {
  if (isOver(payment)) return refused(payment);
  const data = payment.connectorData ?? {};
  const version = text(data.threeDsVersion);
  const sameChallenge =
    version === cmd.result.version && (cmd.result.version === '2' || cmd.result.md === text(data.md));
  if (payment.status === 'captured' && sameChallenge) return ok();
  return { status: 0, message: fieldMessage.invalid(answerField(cmd)) };
}

export const pciOperations: ImpayOperations = {
  /**
   * Creates the payment (idempotent by extid) and makes its one card attempt; the card is kept
   * for `pay/auto` (`idcard`). A repeat of the extid answers the first call's outcome without a
   * second attempt.
   */
  'pay/start': async (call) => {
    const cmd = parsePayStart(call.body);
    if (!cmd.ok) return fieldRefusal(cmd.error);
    const c = cmd.value;
    // an expired card is the payer's typing error, refused before any payment is made
    if (isExpired(c.card.reveal().expiry, call.host.now()))
      return { status: 0, message: fieldMessage.invalid('cardyear') };
    const created = await call.host.engine.createPayment({
      merchantId: call.merchant.id,
      origin: 'impay',
      amountMinor: c.amountMinor,
      currency: 'RUB',
      flow: 'charge',
      externalId: c.externalId,
      saveCard: true,
      singleAttempt: true,
      ...(c.returnUrl === null ? {} : { returnUrls: { success: c.returnUrl } }),
      ...(c.timeoutMinutes === null
        ? {}
        : { expiresAt: new Date(call.host.now().getTime() + c.timeoutMinutes * minuteMs) }),
      ...(c.fullname === null ? {} : { customer: { name: c.fullname } }),
      ...(c.documentId === null ? {} : { metadata: { document_id: c.documentId } }),
    });
    if (!created.ok) return refusalOf(call.path, created.error);
    const { payment } = created.value;
    // a repeat of the extid answers the first call's outcome; the card is tried only while no
    // attempt was made (a concurrent duplicate may still be about to make it)
    if (payment.status !== 'created') return startAnswer((await settled(call, payment.id)) ?? payment);
    const paid = await call.host.engine.payWithCard({
      payment: { id: payment.id },
      merchantId: call.merchant.id,
      card: c.card,
      threeDsMethodFirst: true,
      ...(c.returnUrl === null ? {} : { threeDsReturnUrl: c.returnUrl }),
    });
    if (paid.ok) return startAnswer(paid.value.payment);
    // a concurrent duplicate made the attempt: answer what it did
    const now = paid.error.code === 'illegal_transition' ? await settled(call, payment.id) : null;
    if (now && now.status !== 'created') return startAnswer(now);
    return { ...refusalOf(call.path, paid.error), id: toImpayId(payment.id) };
  },

  'pay/auth': async (call) => {
    const cmd = parsePayAuth(call.body);
    if (!cmd.ok) return fieldRefusal(cmd.error);
    const payment = await impayPayment(call, cmd.value.id);
    if (!payment) return notFound;
    const c = payment.challenge;
    const transId = cmd.value.threeDsServerTransId;
    const ourTransId =
      c?.version === '2' ? c.threeDsServerTransId : text(payment.connectorData?.threeDsServerTransId);
    if (transId !== null && transId !== ourTransId)
      return { status: 0, message: fieldMessage.invalid('threedsservertransid') };
    if (payment.status !== 'pending' || !awaitsBrowserData(c)) return authAnswer(payment);
    const authenticated = await call.host.engine.authenticateThreeDs({
      payment: { id: payment.id },
      merchantId: call.merchant.id,
      browser: browserData(cmd.value.browser),
    });
    if (authenticated.ok) return authAnswer(authenticated.value.payment);
    // a concurrent pay/auth got there first: its answer is this one's
    const now = authenticated.error.code === 'illegal_transition' ? await settled(call, payment.id) : null;
    if (now && !awaitsBrowserData(now.challenge)) return authAnswer(now);
    return refusalOf(call.path, authenticated.error);
  },

  'pay/confirm': async (call) => {
    const cmd = parsePayConfirm(call.body);
    if (!cmd.ok) return fieldRefusal(cmd.error);
    const payment = await impayPayment(call, cmd.value.id);
    if (!payment) return notFound;
    const c = cmd.value;
    if (c.kind === 'frictionless')
      return confirmFrictionless(payment, c, (call.body as { idcard?: unknown }).idcard);
    const waits =
      payment.status === 'pending' && payment.challenge !== null && !awaitsBrowserData(payment.challenge);
    if (!waits) {
      if (awaitsBrowserData(payment.challenge))
        return { status: 0, message: 'Сначала отправьте данные браузера запросом /pay/auth' };
      return confirmSettled(payment, c);
    }
    const continued = await call.host.engine.continueThreeDs({
      payment: { id: payment.id },
      merchantId: call.merchant.id,
      result: c.result,
    });
    if (!continued.ok) {
      // the bank refused this answer (forged, damaged, another payment's): the challenge stays open
      if (continued.error.code === 'invalid_argument')
        return { status: 0, message: fieldMessage.invalid(answerField(c)) };
      // a concurrent confirmation got there first: its outcome is this one's
      const now = continued.error.code === 'illegal_transition' ? await settled(call, payment.id) : null;
      if (now && now.status !== 'pending') return confirmSettled(now, c);
      return refusalOf(call.path, continued.error);
    }
    const after = continued.value.payment;
    if (isOver(after)) return refused(after);
    return after.status === 'captured'
      ? ok()
      : { status: 0, message: 'Ответ банка еще не получен: проверьте статус запросом /pay/state' };
  },
};
