import assert from 'node:assert/strict';
import type { Updateable } from 'kysely';
import { type CardBrand, type CardView, parseExpiry } from '../domain/card.ts';
import type { CardData } from '../domain/card-data.ts';
import { type CardStatus, cardMachine, type PaymentStatus, transition } from '../domain/states.ts';
import { Secret } from '../security/secret.ts';
import type { Flavor, Tx } from '../store/database.ts';
import type { CardRow, CardTable, PaymentRow } from '../store/schema.ts';
import type { EngineDeps } from './context.ts';

/**
 * The card vault's rows. A kept card holds its PAN sealed by the vault (AES-256-GCM, the key
 * id in `pan_key_id`), bound to the card and its merchant; beside it only what may be shown:
 * mask, BIN, last four, brand, expiry, holder. The CVC is never kept. The PAN is sealed when
 * the payer submits it (`created → pending`), so a 3-D Secure step or a bank timeout can end
 * in `active` later; it is erased whenever the card does not become active.
 */

/** pay: autopay and payouts (ImPay type 0); payout: payouts only (ImPay type 1). */
export type CardPurpose = 'pay' | 'payout';
export const cardPurposes = ['pay', 'payout'] as const satisfies readonly CardPurpose[];

/**
 * How a payment uses a vault card: `verify` is a registration's hold (voided once approved),
 * `save` keeps the card a payment is paid with, `charge` is a merchant-initiated charge of it.
 */
export type CardRole = 'verify' | 'save' | 'charge';
export type CardLink = { cardId: bigint; role: CardRole };

/** A kept card as the engine hands it out: never the PAN, never the CVC. */
export type Card = {
  id: bigint;
  merchantId: bigint;
  externalId: string | null;
  purpose: CardPurpose;
  status: CardStatus;
  mask: string | null;
  bin: string | null;
  last4: string | null;
  brand: CardBrand | null;
  /** `MM/YY` */
  expiry: string | null;
  holder: string | null;
  /** The payment that registered or saved it. */
  paymentId: bigint | null;
  createdAt: Date;
  updatedAt: Date;
};

export const toCard = (row: CardRow): Card => ({
  id: row.id,
  merchantId: row.merchant_id,
  externalId: row.external_id,
  purpose: row.purpose as CardPurpose,
  status: row.status as CardStatus,
  mask: row.mask,
  bin: row.bin,
  last4: row.last4,
  brand: row.brand as CardBrand | null,
  expiry: row.expiry,
  holder: row.holder,
  paymentId: row.payment_id,
  createdAt: new Date(Number(row.created_at)),
  updatedAt: new Date(Number(row.updated_at)),
});

/** The vault context of a card number: a ciphertext copied to another card or merchant does not open. */
export const panAad = (merchantId: bigint, cardId: bigint): string => `${merchantId}:card:${cardId}`;

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
  deps: EngineDeps,
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
  deps: EngineDeps,
  before: CardRow,
  to: CardStatus,
  patch: Updateable<CardTable> = {},
): Promise<CardRow | null> {
  const from = before.status as CardStatus;
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
export const deleteCardRow = (trx: Tx, deps: EngineDeps, card: CardRow) =>
  moveCard(trx, deps, card, 'deleted', erased);

/** A payment created with `saveCard`: a card of its own, to be filled when the payer pays. */
export async function attachNewCard(trx: Tx, deps: EngineDeps, payment: PaymentRow): Promise<PaymentRow> {
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
  deps: EngineDeps,
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
export async function followPayment(
  trx: Tx,
  deps: EngineDeps,
  before: PaymentRow | null,
  after: PaymentRow,
): Promise<void> {
  if (after.card_id === null || (after.card_role !== 'verify' && after.card_role !== 'save')) return;
  if (before === null || before.status === after.status) return;
  const to = cardStatusAfter[after.status as PaymentStatus];
  if (to === undefined) return;
  const card = await lockCard(trx, deps.database.flavor, after.card_id, after.merchant_id);
  if (!card || card.status === to || !transition(cardMachine, card.status as CardStatus, to).ok) return;
  if (to === 'active' && card.status !== 'pending') return;
  await moveCard(trx, deps, card, to, to === 'active' ? {} : erased);
}

/**
 * The kept card, opened: PAN, expiry and holder inside a `Secret`, for one bank call. There
 * is no CVC: a kept card is charged merchant-initiated, or paid out to.
 */
export function openCard(deps: EngineDeps, row: CardRow): Secret<CardData> {
  assert(row.pan_encrypted !== null && row.pan_key_id !== null, 'an active card has its number sealed');
  const expiry = parseExpiry(row.expiry ?? '');
  assert(expiry.ok, 'a kept card has a valid expiry');
  const pan = deps.vault.decrypt(
    { keyId: row.pan_key_id, ciphertext: row.pan_encrypted },
    panAad(row.merchant_id, row.id),
  );
  return new Secret({ pan, expiry: expiry.value, holder: row.holder ?? '' });
}
