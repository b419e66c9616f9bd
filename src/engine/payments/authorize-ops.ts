import type { AuthorizeInput, ConnectorData, ConnectorOutcome } from '../../acquiring/connector.ts';
import { type CardView, cardView, isExpired, normalizePan, validCvc } from '../../domain/card.ts';
import type { CardData } from '../../domain/card-data.ts';
import { type EngineError, engineError } from '../../domain/errors.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import { Secret } from '../../security/secret.ts';
import type { Tx } from '../../store/database.ts';
import type { PaymentRow } from '../../store/schema.ts';
import { inTransaction, inTransactionOrRollback, Rollback } from '../../store/transaction.ts';
import { answer, bankOperation, connectorFor, proceed } from '../bank.ts';
import { collectPayoutCard } from '../cards/collect-ops.ts';
import { lockCard, sealAttempt } from '../cards/store.ts';
import type { EngineContext } from '../context.ts';
import { voidHold } from '../holds/ops.ts';
import { expirePastDeadline } from '../holds/store.ts';
import { mustPost } from '../ledger/store.ts';
import { gateRefusal } from './gate-ops.ts';
import { lockPayment, noChallenge, updatePayment, withChallenge } from './store.ts';
import { type Payment, toPayment } from './view.ts';

/**
 * Authorization as an operation at the bank: a card attempt (the payer's, or a merchant's
 * charge of a kept card), its 3-D Secure continuation, and the application of the bank's
 * answer, which the janitor and the sweep of lapsed challenges use too.
 */

export type PayResult = { payment: Payment; outcome: ConnectorOutcome['kind'] };

export const opIdOf = (row: PaymentRow): string | null => {
  const data = row.connector_data ? (JSON.parse(row.connector_data) as ConnectorData) : null;
  return typeof data?.operationId === 'string' ? data.operationId : null;
};

export function checkCard(card: CardData, now: Date): EngineError | null {
  const pan = normalizePan(card.pan);
  if (!pan.ok) return engineError('invalid_card', { field: 'pan', detail: pan.error });
  if (isExpired(card.expiry, now)) return engineError('invalid_card', { field: 'expiry', detail: 'expired' });
  if (card.cvc !== undefined && !validCvc(card.cvc, cardView(pan.value, card.expiry, '').brand))
    return engineError('invalid_card', { field: 'cvc', detail: 'bad_cvc' });
  if (card.holder.length > 100) return engineError('invalid_card', { field: 'holder', detail: 'too long' });
  return null;
}

export type PayWithCardInput = {
  payment: { publicId: string } | { id: bigint };
  merchantId?: bigint;
  card: Secret<CardData>;
  threeDsReturnUrl?: string;
  /** 3-D Secure v2 in two phases (a PCI DSS back end): see `AuthorizeInput.threeDsMethodFirst`. */
  threeDsMethodFirst?: boolean;
};

/**
 * payWithCard, and the merchant-initiated charge of a kept card (cards/cards.ts, `initiator:
 * 'merchant'`): no payer present, so no CVC and no 3-D Secure. Each initiator only reaches
 * the payments meant for it.
 */
export async function attemptCard(
  deps: EngineContext,
  input: PayWithCardInput,
  initiator: NonNullable<AuthorizeInput['initiator']>,
): Promise<Result<PayResult, EngineError>> {
  const now = deps.now();
  // signed into the PaReq/CReq by the bank: only an http(s) URL may ever be a TermUrl
  if (input.threeDsReturnUrl !== undefined && !/^https?:\/\/[^\s]+$/i.test(input.threeDsReturnUrl))
    return fail(engineError('invalid_argument', { field: 'threeDsReturnUrl', detail: 'not an http(s) URL' }));
  const card = input.card.reveal();
  const invalid = checkCard(card, now);
  if (invalid) return fail(invalid);
  const pan = normalizePan(card.pan);
  if (!pan.ok) return fail(engineError('invalid_card', { field: 'pan' }));
  const view = cardView(pan.value, card.expiry, card.holder.trim());
  if (initiator === 'payer') {
    const collected = await collectPayoutCard(deps, input.payment, input.merchantId, pan.value, view);
    if (collected) return collected;
  }
  const refused = await gateRefusal(deps, input.payment, input.merchantId);
  if (refused) return refused;

  return bankOperation(deps, {
    what: 'authorize',
    claim: async () => {
      const started = await claimAttempt(deps, input, initiator, view, pan.value);
      return started.ok ? proceed(started.value) : answer(started);
    },
    call: (row, signal) =>
      connectorFor(deps, row.connector).authorize({
        operationId: opIdOf(row)!,
        testMode: row.test_mode === 1n,
        signal,
        amountMinor: row.amount_minor,
        currency: row.currency,
        capture: row.flow === 'charge',
        card: input.card,
        initiator,
        threeDsReturnUrl: input.threeDsReturnUrl ?? `${deps.config.publicUrl}/pay/${row.public_id}/3ds`,
        description: row.description,
        expiresAt: new Date(Number(row.expires_at)),
        ...(input.threeDsMethodFirst && { threeDsMethodFirst: true }),
      }),
    apply: (row, outcome) => applyAuthOutcome(deps, row.id, opIdOf(row)!, outcome),
  });
}

/** The attempt marked `pending` on the payment, its number sealed into the card it registers or saves. */
async function claimAttempt(
  deps: EngineContext,
  input: PayWithCardInput,
  initiator: NonNullable<AuthorizeInput['initiator']>,
  view: CardView,
  pan: string,
): Promise<Result<PaymentRow, EngineError>> {
  return inTransaction(deps.database, async (trx): Promise<Result<PaymentRow, EngineError>> => {
    const row = await lockPayment(trx, deps.database.flavor, input.payment, input.merchantId);
    if (!row) return fail(engineError('payment_not_found'));
    if (await expirePastDeadline(trx, deps, row, 'payer attempt after expiry'))
      return fail(engineError('payment_expired'));
    if (row.status === 'expired') return fail(engineError('payment_expired'));
    if (row.status !== 'created')
      return fail(engineError('illegal_transition', { detail: `payment is ${row.status}` }));
    if (row.attempts >= row.attempts_max) return fail(engineError('attempts_exhausted'));
    if ((row.card_role === 'charge') !== (initiator === 'merchant'))
      return fail(
        engineError('illegal_transition', {
          detail: initiator === 'merchant' ? 'not a saved-card charge' : 'a saved-card charge takes no card',
        }),
      );
    // a card registration takes its number from the payer's page, never from a merchant's back end
    if (row.card_role === 'verify' && input.merchantId !== undefined)
      return fail(
        engineError('illegal_transition', { detail: 'a card registration is paid on the payment page' }),
      );
    if (row.card_role === 'verify' && row.card_id !== null) {
      // a registration whose card no longer waits for a number (deleted meanwhile) takes none
      const registered = await lockCard(trx, deps.database.flavor, row.card_id);
      if (registered?.status !== 'created')
        return fail(engineError('illegal_transition', { detail: 'the card registration is closed' }));
    }
    const attempt = row.attempts + 1n;
    const connector = row.connector ?? deps.defaultConnector;
    const after = await updatePayment(trx, deps, row, 'pending', {
      attempts: attempt,
      connector,
      connector_data: JSON.stringify({ operationId: `pay-${row.id}-${attempt}` }),
      card_mask: view.mask,
      card_brand: view.brand,
      card_holder: view.holder,
      card_expiry: view.expiry,
      system: row.system === 'card' ? 'card' : row.system,
      ...noChallenge,
      decline_reason: null,
      decline_message: null,
      // a janitor's wait before asking about an earlier attempt is not this one's
      next_check_at: null,
    });
    if (!after) return fail(engineError('illegal_transition'));
    // the card this payment registers or saves keeps the number, sealed, from now on
    if (after.card_role === 'verify' || after.card_role === 'save')
      await sealAttempt(trx, deps, after, new Secret(pan), view);
    return ok(after);
  });
}

/**
 * The bank refused a 3-DS answer, or never received it, but not the authorization: the
 * challenge is still open, and the payment waits at it again for the payer's answer. Only the
 * continuation's claim is released; a continuation that timed out (`unknown`) is `pending`
 * again. False when the attempt moved on meanwhile.
 */
export async function reopenChallenge(
  deps: EngineContext,
  paymentId: bigint,
  operationId: string,
): Promise<boolean> {
  return inTransaction(deps.database, async (trx) => {
    const row = await lockPayment(trx, deps.database.flavor, { id: paymentId });
    if (!row?.challenge || row.op_in_flight !== '3ds' || opIdOf(row) !== operationId) return false;
    // a wait left from asking about the continuation is not one for the challenge's lapse
    const after = await updatePayment(trx, deps, row, 'pending', {
      op_in_flight: null,
      op_started_at: null,
      next_check_at: null,
    });
    return after !== null;
  });
}

/**
 * Applies the bank's answer to an authorization attempt: state, receipt, ledger and
 * notifications in one transaction. Also used by the janitor for `unknown` payments.
 */
export async function applyAuthOutcome(
  deps: EngineContext,
  paymentId: bigint,
  operationId: string,
  outcome: ConnectorOutcome,
): Promise<Result<PayResult, EngineError>> {
  const applied = await inTransactionOrRollback<
    Result<PayResult, EngineError>,
    Result<PayResult, EngineError>
  >(deps.database, async (trx) => {
    const row = await lockPayment(trx, deps.database.flavor, { id: paymentId });
    if (!row) return fail(engineError('payment_not_found'));
    // A late answer for an attempt that is no longer current changes nothing.
    if ((row.status !== 'pending' && row.status !== 'unknown') || opIdOf(row) !== operationId)
      return ok({ payment: toPayment(row), outcome: outcome.kind });
    const connectorData = JSON.stringify({
      ...JSON.parse(row.connector_data ?? '{}'),
      ...outcome.connectorData,
      operationId,
    });
    const after = await applyToRow(trx, deps, row, outcome, connectorData);
    if (!after) throw new Rollback(fail(engineError('illegal_transition')));
    return ok({ payment: toPayment(after), outcome: outcome.kind });
  });
  if (applied.ok) await releaseVerificationHold(deps, applied.value.payment);
  return applied;
}

/**
 * A card registration's hold has done its job once approved (the card is active): void it,
 * after the transaction, so no payer's money stays held. The answer the payer sees is still
 * the approval. Should the void not go through now, `releaseVerificationHolds` retries.
 */
async function releaseVerificationHold(deps: EngineContext, payment: Payment): Promise<void> {
  if (payment.cardLink?.role !== 'verify' || payment.status !== 'authorized') return;
  const voided = await voidHold(deps, payment.merchantId, payment.id);
  if (!voided.ok)
    deps.log.warn(
      { paymentId: payment.id.toString(), code: voided.error.code },
      'card verification hold not voided yet; the janitor retries',
    );
}

async function applyToRow(
  trx: Tx,
  deps: EngineContext,
  row: PaymentRow,
  outcome: ConnectorOutcome,
  connectorData: string,
): Promise<PaymentRow | null> {
  const now = deps.now().getTime();
  switch (outcome.kind) {
    case 'approved': {
      const charge = row.flow === 'charge';
      const after = await updatePayment(
        trx,
        deps,
        row,
        charge ? 'captured' : 'authorized',
        {
          authorized_minor: row.amount_minor,
          captured_minor: charge ? row.amount_minor : 0n,
          fee_minor: charge ? row.fee_minor : 0n,
          rc: outcome.rc,
          rrn: outcome.rrn,
          approval_code: outcome.approvalCode,
          bank_ref: outcome.bankRef,
          connector_data: connectorData,
          ...noChallenge,
          op_in_flight: null,
          op_started_at: null,
          paid_at: charge ? now : null,
          // an uncaptured hold lapses after the hold period
          expires_at: charge ? row.expires_at : now + deps.config.holdTtlMs,
        },
        { rc: outcome.rc },
      );
      if (!after) return null;
      await mustPost(
        trx,
        {
          merchantId: row.merchant_id,
          currency: row.currency,
          kind: charge ? 'capture' : 'authorize',
          refType: 'payment',
          refId: row.id,
          postings: charge
            ? [
                { account: 'acquirer', amountMinor: -row.amount_minor },
                { account: 'available', amountMinor: row.amount_minor - row.fee_minor },
                { account: 'fees', amountMinor: row.fee_minor },
              ]
            : [
                { account: 'holds', amountMinor: -row.amount_minor },
                { account: 'held', amountMinor: row.amount_minor },
              ],
        },
        now,
      );
      return after;
    }
    case 'declined': {
      // An `unknown` attempt may be settled long after the payer left: it reopens the payment
      // only while another attempt could still be made, and fails it otherwise.
      const open = row.status !== 'unknown' || row.expires_at > now;
      const retry = row.attempts < row.attempts_max && open;
      return updatePayment(
        trx,
        deps,
        row,
        retry ? 'created' : 'failed',
        {
          rc: outcome.rc,
          decline_reason: outcome.reason,
          decline_message: outcome.message,
          connector_data: connectorData,
          ...noChallenge,
          op_in_flight: null,
          op_started_at: null,
        },
        { rc: outcome.rc, reason: outcome.reason },
      );
    }
    case 'challenge':
      return updatePayment(trx, deps, row, 'pending', {
        ...withChallenge(outcome.challenge),
        connector_data: connectorData,
        op_in_flight: null,
        op_started_at: null,
      });
    case 'unknown':
      // A 3-DS continuation keeps its marker (`op_in_flight = '3ds'`): the janitor asks the
      // bank about that operation, not about the authorization it continues.
      return updatePayment(trx, deps, row, 'unknown', { connector_data: connectorData });
  }
}
