import { type Currency, currencies, isCurrency } from '../../domain/currency.ts';
import { type EngineError, engineError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import { type CardStatus, cardStates } from '../../domain/states.ts';
import { inTransactionOrRollback, Rollback } from '../../store/transaction.ts';
import type { EngineContext } from '../context.ts';
import { voidHold } from '../holds/ops.ts';
import { attemptCard } from '../payments/authorize-ops.ts';
import { type Created, insertPayment } from '../payments/create-store.ts';
import { findPayment, lockPayment, updatePayment } from '../payments/store.ts';
import { type Origin, type Payment, type ReturnUrls, toPayment } from '../payments/view.ts';
import { type CardVerification, numberOnlyMark } from './collect-ops.ts';
import { deleteCardRow, insertCard, lockCard, openCard, usableCard } from './store.ts';
import { type Card, type CardPurpose, cardPurposes, toCard } from './view.ts';

/**
 * The card vault's use cases: register a card through the hosted page (a small hold, voided
 * once approved), read and delete kept cards, and charge one without the payer (autopay).
 * Payouts to a kept card are in payouts/. Every lookup is scoped by merchant.
 */

export type { Card, CardPurpose } from './view.ts';

export type RegisterCardCmd = {
  merchantId: bigint;
  origin: Origin;
  purpose: CardPurpose;
  /** The merchant's id of this registration; a repeat returns the same card. */
  externalId?: string | null;
  returnUrls?: ReturnUrls;
  /** When the payer's chance to enter the card ends; the card then `expired`. */
  expiresAt?: Date;
  callbackUrl?: string | null;
  testMode?: boolean;
  /** Of the verification hold; RUB unless given. */
  currency?: Currency;
  description?: string;
  /**
   * The verification hold's amount; one currency unit unless given (ImPay charges a random
   * 1–10 RUB, which the payer may be asked to confirm). Voided like any verification hold.
   */
  verificationAmountMinor?: bigint;
  /**
   * `number_only`: a card kept for payouts only is not verified with a hold; the page's number
   * is sealed and the card is active at once, no bank call (cards/collect-ops.ts). ImPay's
   * `type: 1`. The default, `hold`, verifies every card with a voided hold.
   */
  verification?: CardVerification;
};

export type Registration = {
  card: Card;
  /** The verification payment (a hold of one currency unit) the payer completes. */
  payment: Payment;
  /** The hosted page where the payer enters the card. */
  url: string;
  created: boolean;
};

const oneUnitMinor = (currency: Currency): bigint => 10n ** BigInt(currencies[currency].exponent);

const badExternalId = (externalId: string | null | undefined): EngineError | null =>
  externalId != null && (externalId.length === 0 || externalId.length > limits.externalIdLengthMax)
    ? engineError('invalid_argument', {
        field: 'externalId',
        detail: `1 to ${limits.externalIdLengthMax} characters`,
      })
    : null;

/**
 * Starts a card registration: a card in `created` and its verification payment, a hold of
 * one unit (1.00 RUB) that the payer completes on the hosted page. Approval makes the card
 * `active` (payments/authorize-ops.ts seals the number, cards/store.ts follows the payment) and the hold
 * is voided; a decline, cancel or expiry leaves it `failed` or `expired`. The number only
 * ever comes from the payer, never from the merchant. Idempotent by external id.
 */
export async function registerCard(
  deps: EngineContext,
  cmd: RegisterCardCmd,
): Promise<Result<Registration, EngineError>> {
  const currency = cmd.currency ?? 'RUB';
  if (!isCurrency(currency)) return fail(engineError('invalid_currency', { field: 'currency' }));
  if (!cardPurposes.includes(cmd.purpose))
    return fail(engineError('invalid_argument', { field: 'purpose', detail: 'pay or payout' }));
  const invalid = badExternalId(cmd.externalId);
  if (invalid) return fail(invalid);
  if (cmd.verification === 'number_only' && cmd.purpose !== 'payout')
    return fail(engineError('invalid_argument', { field: 'verification', detail: 'payout cards only' }));
  const verificationMinor = cmd.verificationAmountMinor ?? oneUnitMinor(currency);
  if (verificationMinor <= 0n || verificationMinor > limits.amountMinorMax)
    return fail(engineError('invalid_amount', { field: 'verificationAmountMinor' }));
  const made = await inTransactionOrRollback<
    Result<Omit<Registration, 'url'>, EngineError>,
    Result<Omit<Registration, 'url'>, EngineError>
  >(deps.database, async (trx) => {
    const merchant = await trx
      .selectFrom('merchants')
      .select('status')
      .where('id', '=', cmd.merchantId)
      .executeTakeFirst();
    if (!merchant) return fail(engineError('merchant_not_found'));
    if (merchant.status !== 'active') return fail(engineError('merchant_disabled'));
    const externalId = cmd.externalId ?? null;
    const inserted = await insertCard(trx, deps, {
      merchantId: cmd.merchantId,
      purpose: cmd.purpose,
      externalId,
    });
    if (!inserted) {
      // this external id registered a card before: the same registration, or a conflict
      const existing = await trx
        .selectFrom('cards')
        .selectAll()
        .where('merchant_id', '=', cmd.merchantId)
        .where('external_id', '=', externalId)
        .executeTakeFirstOrThrow();
      if (existing.purpose !== cmd.purpose)
        return fail(engineError('exists_with_different_request', { field: 'purpose' }));
      const payment =
        existing.payment_id === null
          ? undefined
          : await lockPayment(trx, deps.database.flavor, { id: existing.payment_id });
      if (!payment) throw new Error(`card ${existing.id} has no registration payment`);
      return ok({ card: toCard(existing), payment: toPayment(payment), created: false });
    }
    const created = await insertPayment(
      trx,
      deps,
      {
        merchantId: cmd.merchantId,
        origin: cmd.origin,
        amountMinor: verificationMinor,
        currency,
        flow: 'hold',
        description: cmd.description ?? 'Card registration',
        ...(cmd.verification === 'number_only' ? { metadata: numberOnlyMark } : {}),
        returnUrls: cmd.returnUrls,
        expiresAt: cmd.expiresAt,
        callbackUrl: cmd.callbackUrl,
        testMode: cmd.testMode,
      },
      { cardId: inserted.id, role: 'verify' },
    );
    if (!created.ok) throw new Rollback(created);
    const card = await trx
      .updateTable('cards')
      .set({ payment_id: created.value.payment.id })
      .where('id', '=', inserted.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    return ok({ card: toCard(card), payment: created.value.payment, created: true });
  });
  if (!made.ok) return made;
  return ok({ ...made.value, url: `${deps.config.publicUrl}/pay/${made.value.payment.publicId}` });
}

export type CardRef = { id: bigint } | { externalId: string } | { paymentId: bigint };

/** One card of one merchant: by id, by the merchant's external id, or by its registration payment. */
export async function getCard(deps: EngineContext, merchantId: bigint, ref: CardRef): Promise<Card | null> {
  let query = deps.database.db.selectFrom('cards').selectAll().where('merchant_id', '=', merchantId);
  if ('id' in ref) query = query.where('id', '=', ref.id);
  else if ('externalId' in ref) query = query.where('external_id', '=', ref.externalId);
  else query = query.where('payment_id', '=', ref.paymentId);
  const row = await query.executeTakeFirst();
  return row ? toCard(row) : null;
}

export type CardQuery = {
  merchantId: bigint;
  statuses?: CardStatus[];
  purpose?: CardPurpose;
  /** Keyset pagination: cards with an id below this one. */
  beforeId?: bigint;
  limit?: number;
};

/** A merchant's cards, newest first. */
export async function listCards(deps: EngineContext, q: CardQuery): Promise<Card[]> {
  const limit = Math.min(Math.max(q.limit ?? 50, 1), limits.pageSizeMax);
  let query = deps.database.db.selectFrom('cards').selectAll().where('merchant_id', '=', q.merchantId);
  const statuses = (q.statuses ?? []).filter((s) => (cardStates as readonly string[]).includes(s));
  if (statuses.length > 0) query = query.where('status', 'in', statuses);
  if (q.purpose) query = query.where('purpose', '=', q.purpose);
  if (q.beforeId !== undefined) query = query.where('id', '<', q.beforeId);
  const rows = await query.orderBy('id', 'desc').limit(limit).execute();
  return rows.map(toCard);
}

/**
 * Deletes a kept card, or withdraws a registration the payer has not completed: the card
 * becomes `deleted` and its ciphertext is erased. A repeat answers the deleted card. A card
 * the bank is checking right now (`pending`) cannot be deleted until it has an answer.
 */
export async function deleteCard(
  deps: EngineContext,
  input: { merchantId: bigint; cardId: bigint },
): Promise<Result<Card, EngineError>> {
  return inTransactionOrRollback(deps.database, async (trx) => {
    const peek = await trx
      .selectFrom('cards')
      .select(['payment_id', 'status'])
      .where('id', '=', input.cardId)
      .where('merchant_id', '=', input.merchantId)
      .executeTakeFirst();
    if (!peek) return fail(engineError('card_not_found'));
    // payment before card, the order every other use case locks them in
    const payment =
      peek.status === 'created' && peek.payment_id !== null
        ? await lockPayment(trx, deps.database.flavor, { id: peek.payment_id }, input.merchantId)
        : undefined;
    const card = await lockCard(trx, deps.database.flavor, input.cardId, input.merchantId);
    if (!card) return fail(engineError('card_not_found'));
    if (card.status === 'deleted') return ok(toCard(card));
    const after = await deleteCardRow(trx, deps, card);
    if (!after) return fail(engineError('illegal_transition', { detail: `card is ${card.status}` }));
    // an open registration is withdrawn with its card; a payment that saves a card goes on
    if (payment?.card_role === 'verify' && payment.status === 'created') {
      const canceled = await updatePayment(trx, deps, payment, 'canceled', {}, { by: 'card deleted' });
      if (!canceled) throw new Rollback(fail(engineError('illegal_transition')));
    }
    return ok(toCard(after));
  });
}

export type ChargeSavedCardCmd = {
  merchantId: bigint;
  cardId: bigint;
  origin: Origin;
  amountMinor: bigint;
  currency: Currency;
  /** A repeat with the same external id returns the same payment and charges nothing more. */
  externalId?: string | null;
  description?: string;
  callbackUrl?: string | null;
  metadata?: Record<string, unknown>;
  testMode?: boolean;
};

/**
 * Autopay: charges a kept card without the payer. A payment (`cardLink.role = 'charge'`, one
 * attempt) is created and authorized with the card opened from the vault, merchant-initiated:
 * no CVC, no 3-D Secure. Declined → `failed`. Idempotent by external id like createPayment;
 * a retry charges again only if the first call never reached the bank.
 */
export async function chargeSavedCard(
  deps: EngineContext,
  cmd: ChargeSavedCardCmd,
): Promise<Result<Created, EngineError>> {
  const card = await usableCard(deps, cmd.merchantId, cmd.cardId, 'charge');
  if (!card.ok) return card;
  const created = await inTransactionOrRollback<Result<Created, EngineError>, Result<Created, EngineError>>(
    deps.database,
    (trx) =>
      insertPayment(
        trx,
        deps,
        {
          merchantId: cmd.merchantId,
          origin: cmd.origin,
          amountMinor: cmd.amountMinor,
          currency: cmd.currency,
          flow: 'charge',
          externalId: cmd.externalId,
          description: cmd.description,
          callbackUrl: cmd.callbackUrl,
          metadata: cmd.metadata,
          testMode: cmd.testMode,
        },
        { cardId: cmd.cardId, role: 'charge' },
      ),
  );
  if (!created.ok) return created;
  const { payment } = created.value;
  if (payment.status !== 'created') return created; // a repeat of a charge already made
  const paid = await attemptCard(
    deps,
    { payment: { id: payment.id }, merchantId: cmd.merchantId, card: openCard(deps, card.value) },
    'merchant',
  );
  if (paid.ok) return ok({ payment: paid.value.payment, created: created.value.created });
  // a concurrent repeat reached the bank first: its payment is the answer, and `created` still
  // tells whichever call inserted the payment that it did
  const now = await findPayment(deps.database, { id: payment.id }, cmd.merchantId);
  if (paid.error.code === 'illegal_transition' && now && now.status !== 'created')
    return ok({ payment: toPayment(now), created: created.value.created });
  return paid;
}

/**
 * Voids verification holds left authorized (the void right after approval did not go
 * through, or the process stopped before it). Run by the background loop; idempotent.
 */
export async function releaseVerificationHolds(
  deps: EngineContext,
  batch: number = limits.outboxBatchMax,
): Promise<number> {
  const held = await deps.database.db
    .selectFrom('payments')
    .select(['id', 'merchant_id'])
    .where('card_role', '=', 'verify')
    .where('status', '=', 'authorized')
    .where('op_in_flight', 'is', null)
    .limit(batch)
    .execute();
  let released = 0;
  for (const p of held) {
    const voided = await voidHold(deps, p.merchant_id, p.id);
    if (voided.ok) released++;
  }
  return released;
}
