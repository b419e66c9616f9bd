import type { CardBrand } from '../../domain/card.ts';
import type { CardStatus } from '../../domain/states.ts';
import type { CardRow } from '../../store/schema.ts';

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
  purpose: row.purpose,
  status: row.status,
  mask: row.mask,
  bin: row.bin,
  last4: row.last4,
  brand: row.brand,
  expiry: row.expiry,
  holder: row.holder,
  paymentId: row.payment_id,
  createdAt: new Date(Number(row.created_at)),
  updatedAt: new Date(Number(row.updated_at)),
});

/** The vault context of a card number: a ciphertext copied to another card or merchant does not open. */
export const panAad = (merchantId: bigint, cardId: bigint): string => `${merchantId}:card:${cardId}`;
