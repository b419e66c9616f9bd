import assert from 'node:assert/strict';
import type { Updateable } from 'kysely';
import { type CardView, isExpired, parseExpiry } from '../../domain/card.ts';
import type { CardData } from '../../domain/card-data.ts';
import { type EngineError, engineError } from '../../domain/errors.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import { type CardStatus, cardMachine, type PaymentStatus, transition } from '../../domain/states.ts';
import { Secret } from '../../security/secret.ts';
import type { Flavor, Tx } from '../../store/database.ts';
import type { CardRow, CardTable, PaymentRow } from '../../store/schema.ts';
import type { EngineContext, EngineDeps, PaymentFollower } from '../context.ts';
import { type Card, type CardPurpose, panAad, toCard } from './view.ts';

/**
 * The card vault's rows. A kept card holds its PAN sealed by the vault (AES-256-GCM, the key
 * id in `pan_key_id`), bound to the card and its merchant; beside it only what may be shown:
 * mask, BIN, last four, brand, expiry, holder. The CVC is never kept. The PAN is sealed when
 * the payer submits it (`created → pending`), so a 3-D Secure step or a bank timeout can end
 * in `active` later; it is erased whenever the card does not become active.
 */

const erased = { pan_key_id: null, pan_encrypted: null } as const;

/** Reads a card in a transaction, row-locked on PostgreSQL; scoped by merchant when given. */
export async function lockCard(
  trx: Tx,
  flavor: Flavor,
  cardId: bigint,
  merchantId?: bigint,
): Promise<CardRow | undefined> {
  let query = trx.selectFrom('cards').selectAll().where('id', '=', cardId);
  if (merchantId !== undefined) query = query.where('merchant_id', '=', merchantId);
  if (flavor === 'postgres') query = query.forUpdate();
  return query.executeTakeFirst();
}

/** A new card in `created`; undefined when the merchant's external id is taken already. */
export async function insertCard(
  trx: Tx,
  deps: EngineContext,
  v: { merchantId: bigint; purpose: CardPurpose; externalId: string | null; paymentId?: bigint },
): Promise<CardRow | undefined> {
  const now = deps.now().getTime();
  return trx
    .insertInto('cards')
    .values({
      merchant_id: v.merchantId,
      external_id: v.externalId,
      status: 'created',
      purpose: v.purpose,
      payment_id: v.paymentId ?? null,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.columns(['merchant_id', 'external_id']).doNothing())
    .returningAll()
    .executeTakeFirst();
}

/**
 * Moves a card along `cardMachine` with a conditional UPDATE on the status it was read in.
 * Null when the move is illegal or another request moved it first.
 */
export async function moveCard(
  trx: Tx,
  deps: EngineContext,
  before: CardRow,
  to: CardStatus,
  patch: Updateable<CardTable> = {},
): Promise<CardRow | null> {
  const from = before.status;
  if (!transition(cardMachine, from, to).ok) return null;
  const after = await trx
    .updateTable('cards')
    .set({ ...patch, status: to, updated_at: deps.now().getTime() })
    .where('id', '=', before.id)
    .where('status', '=', from)
    .returningAll()
    .executeTakeFirst();
  return after ?? null;
}

/** A card is deleted with its ciphertext: the number cannot be recovered afterwards. */
export const deleteCardRow = (trx: Tx, deps: EngineContext, card: CardRow) =>
  moveCard(trx, deps, card, 'deleted', erased);

/** A payment created with `saveCard`: a card of its own, to be filled when the payer pays. */
export async function attachNewCard(trx: Tx, deps: EngineContext, payment: PaymentRow): Promise<PaymentRow> {
  const card = await insertCard(trx, deps, {
    merchantId: payment.merchant_id,
    purpose: 'pay',
    externalId: null,
    paymentId: payment.id,
  });
  assert(card, 'a card without an external id always inserts');
  return trx
    .updateTable('payments')
    .set({ card_id: card.id, card_role: 'save' })
    .where('id', '=', payment.id)
    .returningAll()
    .executeTakeFirstOrThrow();
}

/**
 * Seals the number the payer just typed into the card this payment registers or saves, in
 * the transaction that starts the attempt (`created → pending`). False when the card is not
 * waiting for a number (deleted meanwhile).
 */
export async function sealAttempt(
  trx: Tx,
  deps: EngineContext,
  payment: PaymentRow,
  pan: Secret<string>,
  view: CardView,
): Promise<boolean> {
  if (payment.card_id === null) return false;
  const card = await lockCard(trx, deps.database.flavor, payment.card_id, payment.merchant_id);
  if (card?.status !== 'created') return false;
  const sealed = deps.vault.encrypt(pan.reveal(), panAad(card.merchant_id, card.id));
  const after = await moveCard(trx, deps, card, 'pending', {
    pan_key_id: sealed.keyId,
    pan_encrypted: sealed.ciphertext,
    mask: view.mask,
    bin: view.bin,
    last4: view.last4,
    brand: view.brand,
    expiry: view.expiry,
    holder: view.holder,
  });
  return after !== null;
}

/** What a payment's new status means for the card it registers or saves. */
const cardStatusAfter: Partial<Record<PaymentStatus, CardStatus>> = {
  authorized: 'active',
  captured: 'active',
  created: 'created', // declined, the payer may try again (another card, perhaps)
  failed: 'failed',
  canceled: 'failed',
  expired: 'expired',
};

/**
 * Called for every payment status change, in its transaction: the card a payment registers
 * or saves follows it. Only a `pending` card (its number sealed) becomes `active`; every
 * other outcome erases the ciphertext. The machine keeps an active card active when its
 * verification hold is voided or a saved payment is refunded.
 */
export const cardFollowsPayment: PaymentFollower = async (trx, deps, before, after) => {
  if (after.card_id === null || (after.card_role !== 'verify' && after.card_role !== 'save')) return;
  if (before === null || before.status === after.status) return;
  const to = cardStatusAfter[after.status];
  if (to === undefined) return;
  const card = await lockCard(trx, deps.database.flavor, after.card_id, after.merchant_id);
  if (!card || card.status === to || !transition(cardMachine, card.status, to).ok) return;
  if (to === 'active' && card.status !== 'pending') return;
  await moveCard(trx, deps, card, to, to === 'active' ? {} : erased);
};

/**
 * The kept card, opened: PAN, expiry and holder inside a `Secret`, for one bank call. There
 * is no CVC: a kept card is charged merchant-initiated, or paid out to.
 */
export function openCard(deps: Pick<EngineDeps, 'vault'>, row: CardRow): Secret<CardData> {
  assert(row.pan_encrypted !== null && row.pan_key_id !== null, 'an active card has its number sealed');
  const expiry = parseExpiry(row.expiry ?? '');
  assert(expiry.ok, 'a kept card has a valid expiry');
  const pan = deps.vault.decrypt(
    { keyId: row.pan_key_id, ciphertext: row.pan_encrypted },
    panAad(row.merchant_id, row.id),
  );
  return new Secret({ pan, expiry: expiry.value, holder: row.holder ?? '' });
}

/** An active card of this merchant, or why it cannot be used. */
export async function usableCard(
  deps: EngineDeps,
  merchantId: bigint,
  cardId: bigint,
  use: 'charge' | 'payout',
): Promise<Result<CardRow, EngineError>> {
  const row = await deps.database.db
    .selectFrom('cards')
    .selectAll()
    .where('id', '=', cardId)
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  if (!row) return fail(engineError('card_not_found', { field: 'cardId' }));
  if (row.status !== 'active')
    return fail(engineError('illegal_transition', { field: 'cardId', detail: `card is ${row.status}` }));
  if (use === 'charge' && row.purpose !== 'pay')
    return fail(engineError('invalid_argument', { field: 'cardId', detail: 'a card kept for payouts only' }));
  const expiry = parseExpiry(row.expiry ?? '');
  if (!expiry.ok || isExpired(expiry.value, deps.now()))
    return fail(engineError('invalid_card', { field: 'cardId', detail: 'expired' }));
  return ok(row);
}

/**
 * The destination of a payout to a kept card, opened from the vault: its number travels in a
 * `Secret` to the bank and nowhere else. Any active card of the merchant can receive money.
 */
export async function savedCardForPayout(
  deps: EngineDeps,
  merchantId: bigint,
  cardId: bigint,
): Promise<Result<{ card: Card; data: Secret<CardData> }, EngineError>> {
  const row = await usableCard(deps, merchantId, cardId, 'payout');
  if (!row.ok) return row;
  return ok({ card: toCard(row.value), data: openCard(deps, row.value) });
}
