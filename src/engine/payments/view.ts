import type { ConnectorData, ThreeDsChallenge } from '../../acquiring/connector.ts';
import type { Currency } from '../../domain/currency.ts';
import type { PaymentStatus } from '../../domain/states.ts';
import type { PaymentRow } from '../../store/schema.ts';
import type { CardLink } from '../cards/view.ts';

export type Origin = 'core' | 'paykeeper' | 'impay' | 'paymega';
export type Flow = 'charge' | 'hold';
export type Customer = {
  id?: string;
  name?: string;
  email?: string;
  phone?: string;
  [field: string]: unknown;
};
export type ReturnUrls = { success?: string; fail?: string; cancel?: string; pending?: string };

/** A payment as the engine hands it to dialects and pages: camelCase, typed, no card data. */
/** What the merchant's automated test asks the test method to do with the payment. */
export type TestOutcome = 'approve' | 'decline';

export type Payment = {
  id: bigint;
  publicId: string;
  merchantId: bigint;
  externalId: string | null;
  origin: Origin;
  flow: Flow;
  status: PaymentStatus;
  amountMinor: bigint;
  currency: Currency;
  feeMinor: bigint;
  authorizedMinor: bigint;
  capturedMinor: bigint;
  refundedMinor: bigint;
  /** Refunds asked of the bank and not yet answered. */
  refundReservedMinor: bigint;
  serviceId: bigint | null;
  system: string;
  description: string;
  customer: Customer;
  metadata: Record<string, unknown>;
  returnUrls: ReturnUrls;
  callbackUrl: string | null;
  testMode: boolean;
  /** A test-service payment's requested outcome, kept until it is applied (payments/test-method.ts). */
  testOutcome: TestOutcome | null;
  /** Created with a public (browser) key, which anyone holds: see the Paymega dialect's create. */
  publicCreate: boolean;
  attempts: number;
  attemptsMax: number;
  expiresAt: Date;
  card: { mask: string; brand: string; holder: string; expiry: string } | null;
  /** The vault card this payment registers (`verify`), saves (`save`) or charges (`charge`). */
  cardLink: CardLink | null;
  receipt: { rc: string | null; rrn: string | null; approvalCode: string | null; bankRef: string | null };
  decline: { reason: string; message: string } | null;
  challenge: ThreeDsChallenge | null;
  connector: string | null;
  connectorData: ConnectorData | null;
  opInFlight: string | null;
  createdAt: Date;
  updatedAt: Date;
  paidAt: Date | null;
};

const date = (ms: bigint) => new Date(Number(ms));

export function toPayment(row: PaymentRow): Payment {
  return {
    id: row.id,
    publicId: row.public_id,
    merchantId: row.merchant_id,
    externalId: row.external_id,
    origin: row.origin,
    flow: row.flow,
    status: row.status,
    amountMinor: row.amount_minor,
    currency: row.currency,
    feeMinor: row.fee_minor,
    authorizedMinor: row.authorized_minor,
    capturedMinor: row.captured_minor,
    refundedMinor: row.refunded_minor,
    refundReservedMinor: row.refund_reserved_minor,
    serviceId: row.service_id,
    system: row.system,
    description: row.description,
    customer: JSON.parse(row.customer),
    metadata: JSON.parse(row.metadata),
    returnUrls: JSON.parse(row.return_urls),
    callbackUrl: row.callback_url,
    testMode: row.test_mode === 1n,
    testOutcome: row.test_outcome === 'approve' || row.test_outcome === 'decline' ? row.test_outcome : null,
    publicCreate: Number(row.public_create) === 1,
    attempts: Number(row.attempts),
    attemptsMax: Number(row.attempts_max),
    expiresAt: date(row.expires_at),
    card: row.card_mask
      ? {
          mask: row.card_mask,
          brand: row.card_brand ?? 'unknown',
          holder: row.card_holder ?? '',
          expiry: row.card_expiry ?? '',
        }
      : null,
    cardLink:
      row.card_id === null || row.card_role === null ? null : { cardId: row.card_id, role: row.card_role },
    receipt: { rc: row.rc, rrn: row.rrn, approvalCode: row.approval_code, bankRef: row.bank_ref },
    decline: row.decline_reason ? { reason: row.decline_reason, message: row.decline_message ?? '' } : null,
    challenge: row.challenge ? JSON.parse(row.challenge) : null,
    connector: row.connector,
    connectorData: row.connector_data ? JSON.parse(row.connector_data) : null,
    opInFlight: row.op_in_flight,
    createdAt: date(row.created_at),
    updatedAt: date(row.updated_at),
    paidAt: row.paid_at === null ? null : date(row.paid_at),
  };
}
