import type { PayoutDestination } from '../../acquiring/connector.ts';
import type { Currency } from '../../domain/currency.ts';
import type { PayoutStatus } from '../../domain/states.ts';
import type { PayoutRow } from '../../store/schema.ts';

export type Payout = {
  id: bigint;
  merchantId: bigint;
  externalId: string | null;
  amountMinor: bigint;
  feeMinor: bigint;
  currency: Currency;
  status: PayoutStatus;
  destinationKind: 'card' | 'account';
  destinationMask: string;
  destination: Record<string, string>;
  /** The vault card paid out to, for `saved_card` payouts. */
  cardId: bigint | null;
  testMode: boolean;
  /** The API that made it (`impay`, or `core`): whose callbacks announce it. */
  origin: string;
  rc: string | null;
  bankRef: string | null;
  declineReason: string | null;
  createdAt: Date;
  updatedAt: Date;
};

export const toPayout = (row: PayoutRow): Payout => ({
  id: row.id,
  merchantId: row.merchant_id,
  externalId: row.external_id,
  amountMinor: row.amount_minor,
  feeMinor: row.fee_minor,
  currency: row.currency,
  status: row.status,
  destinationKind: row.destination_kind,
  destinationMask: row.destination_mask,
  destination: JSON.parse(row.destination),
  cardId: row.card_id,
  testMode: row.test_mode === 1n,
  origin: row.origin,
  rc: row.rc,
  bankRef: row.bank_ref,
  declineReason: row.decline_reason,
  createdAt: new Date(Number(row.created_at)),
  updatedAt: new Date(Number(row.updated_at)),
});

/** Where a payout goes: a card or account given now, or a card kept in the vault (cards/). */
export type PayoutTarget = PayoutDestination | { kind: 'saved_card'; cardId: bigint };

export type PayoutCmd = {
  merchantId: bigint;
  externalId?: string;
  amountMinor: bigint;
  currency: Currency;
  destination: PayoutTarget;
  testMode?: boolean;
  /** The API that makes it; `core` when absent. */
  origin?: string;
};
