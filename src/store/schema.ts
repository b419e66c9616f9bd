import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';
import type { CardBrand } from '../domain/card.ts';
import type { Currency } from '../domain/currency.ts';
import type {
  CardStatus,
  IdentificationStatus,
  InvoiceStatus,
  PaymentStatus,
  PayoutStatus,
  RefundStatus,
} from '../domain/states.ts';

/**
 * Row types of every table. Integers of any kind come back as bigint on both databases
 * (better-sqlite3 safe integers, pg int8 parser), so money never passes through a double.
 * Times are epoch milliseconds; JSON is stored as text; booleans are 0/1.
 */
/** The two databases Kopek runs on (here, not in database.ts, so migrations need not import it). */
export type Flavor = 'sqlite' | 'postgres';

export type Int = ColumnType<bigint, bigint | number, bigint | number>;
export type Id = Generated<bigint>;
export type Json = string;

export interface MerchantTable {
  id: Id;
  name: string;
  status: 'active' | 'disabled';
  settings: Json;
  created_at: Int;
  updated_at: Int;
}

export interface CredentialTable {
  id: Id;
  merchant_id: Int;
  dialect: string; // paykeeper | impay | paymega
  login: string;
  /** sha256 of a random, high-entropy secret that only needs verifying (Basic passwords). */
  verifier: string | null;
  /** AES-256-GCM of a secret that must be used, e.g. to sign callbacks. */
  secret: string | null;
  secret2: string | null;
  public_key: string | null;
  created_at: Int;
}

export interface UserTable {
  id: Id;
  merchant_id: Int | null; // null: a platform administrator
  login: string;
  password_hash: string;
  role: 'admin' | 'operator';
  created_at: Int;
  /** PayKeeper refund rights (0012): allowed at all (0/1), and how many a Moscow day (null: no limit). */
  refunds_allowed: ColumnType<bigint, bigint | number | undefined, bigint | number>;
  refunds_per_day: ColumnType<bigint | null, bigint | number | null | undefined, bigint | number | null>;
  /** 0015: renewed by every change and the deletion; with the password hash, the credential stamp. */
  stamp: ColumnType<string | null, string | null | undefined, string | null>;
  deleted_at: ColumnType<bigint | null, bigint | number | null | undefined, bigint | number | null>;
  /** 0015: this Moscow day's first visit, and the visit before it (PayKeeper 4.2). */
  visit_at: ColumnType<bigint | null, bigint | number | null | undefined, bigint | number | null>;
  visit_ip: ColumnType<string | null, string | null | undefined, string | null>;
  prev_visit_at: ColumnType<bigint | null, bigint | number | null | undefined, bigint | number | null>;
  prev_visit_ip: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ServiceTable {
  id: Id;
  merchant_id: Int;
  code: string;
  kind: 'pay' | 'payout';
  method: string; // card | test | account
  currency: Currency;
  fee_rate_ppm: Int;
  fee_fixed_minor: Int;
  fee_min_minor: Int;
  fee_max_minor: Int | null;
  enabled: Int;
  created_at: Int;
}

export interface PaymentTable {
  id: Id;
  public_id: string;
  merchant_id: Int;
  external_id: string | null;
  origin: 'core' | 'paykeeper' | 'impay' | 'paymega';
  flow: 'charge' | 'hold';
  status: PaymentStatus;
  amount_minor: Int;
  currency: Currency;
  fee_minor: Int;
  authorized_minor: Int;
  captured_minor: Int;
  refunded_minor: Int;
  refund_reserved_minor: Int;
  service_id: Int | null;
  system: string;
  description: string;
  customer: Json;
  metadata: Json;
  return_urls: Json;
  callback_url: string | null;
  test_mode: Int;
  /** The outcome a test-service payment asked for (0011), applied by the retry or the janitor. */
  test_outcome: string | null;
  /** 1: created with a public (browser) key (0011). */
  public_create: ColumnType<bigint, bigint | number | undefined, bigint | number>;
  attempts: Int;
  attempts_max: Int;
  expires_at: Int;
  card_mask: string | null;
  card_brand: string | null;
  card_holder: string | null;
  card_expiry: string | null;
  connector: string | null;
  connector_data: Json | null;
  /** The bank operation in flight (capture, void, 3-DS continuation) — guards against a second one. */
  op_in_flight: string | null;
  op_started_at: Int | null;
  challenge: Json | null;
  rc: string | null;
  rrn: string | null;
  approval_code: string | null;
  bank_ref: string | null;
  decline_reason: string | null;
  decline_message: string | null;
  created_at: Int;
  updated_at: Int;
  paid_at: Int | null;
  /** The vault card this payment registers, saves or charges (0002_card_vault). */
  card_id: Int | null;
  card_role: 'verify' | 'save' | 'charge' | null;
  /**
   * The fee terms of the payment's service when it was created (0005_money_paths). Null in a
   * payment made without them (before 0005, or by a process of the version before): it pays
   * its service's terms at capture (engine/holds/ops.ts feeTermsOf). `fee_max_minor` null: no maximum.
   */
  fee_rate_ppm: Int | null;
  fee_fixed_minor: Int | null;
  fee_min_minor: Int | null;
  fee_max_minor: Int | null;
  /** Captures and voids claimed so far; numbers each one's bank operation id. */
  op_seq: Int;
  /**
   * The janitor asks the bank about this payment's unsettled operation no sooner (and the
   * sweep of lapsed challenges about its lapsed challenge).
   */
  next_check_at: Int | null;
  /** When the challenge in `challenge` lapses, as the bank said; set and cleared with it. */
  challenge_expires_at: Int | null;
}

export interface PaymentEventTable {
  id: Id;
  payment_id: Int;
  from_status: PaymentStatus | null;
  to_status: PaymentStatus;
  detail: Json;
  created_at: Int;
}

export interface RefundTable {
  id: Id;
  payment_id: Int;
  merchant_id: Int;
  external_id: string | null;
  amount_minor: Int;
  currency: Currency;
  status: RefundStatus;
  reason: string;
  rc: string | null;
  bank_ref: string | null;
  connector_data: Json | null;
  created_at: Int;
  updated_at: Int;
  /** The part of the payment's fee this refund gives back (0005_money_paths). */
  fee_minor: Int;
  next_check_at: Int | null;
  /** Who asked for the refund (0012): the cabinet user, and the login as it was (null: not said). */
  user_id: ColumnType<bigint | null, bigint | null | undefined, bigint | null>;
  initiated_by: ColumnType<string | null, string | null | undefined, string | null>;
}

/** A user's refunds on one Moscow day (0012): the daily limit's counter. */
export interface UserRefundDayTable {
  user_id: Int;
  day: string;
  count: Int;
}

/** A request at one of a payment's pages (0012, PayKeeper 2.6); card fields never kept. */
export interface PaymentHttpLogTable {
  id: Id;
  merchant_id: Int;
  payment_id: Int;
  method: string;
  uri: string;
  ip: string;
  body: string;
  created_at: Int;
}

/** A 54-FZ receipt the cabinet printed (0012). */
export interface ReceiptTable {
  id: Id;
  merchant_id: Int;
  payment_id: Int;
  kind: string;
  cart: Json;
  created_at: Int;
}

export interface PayoutTable {
  id: Id;
  merchant_id: Int;
  external_id: string | null;
  amount_minor: Int;
  fee_minor: Int;
  currency: Currency;
  status: PayoutStatus;
  destination_kind: 'card' | 'account';
  destination_mask: string;
  destination: Json; // account details or card view; never a PAN
  card_id: Int | null;
  test_mode: Int;
  connector: string;
  connector_data: Json | null;
  rc: string | null;
  bank_ref: string | null;
  decline_reason: string | null;
  created_at: Int;
  updated_at: Int;
  next_check_at: Int | null;
  /** 0010_impay_payouts_ident. */
  origin: Generated<string>;
}

export interface CardTable {
  id: Id;
  merchant_id: Int;
  external_id: string | null;
  status: CardStatus;
  /** pay: autopay and payouts; payout: payouts only (0002_card_vault). */
  purpose: 'pay' | 'payout';
  /** The payment that registered or saved the card. */
  payment_id: Int | null;
  /** AES-256-GCM of the PAN (vault), with the id of the master key that sealed it; never the CVC. */
  pan_key_id: string | null;
  pan_encrypted: string | null;
  mask: string | null;
  bin: string | null;
  last4: string | null;
  brand: CardBrand | null;
  expiry: string | null;
  holder: string | null;
  customer_ref: string | null;
  created_at: Int;
  updated_at: Int;
}

export interface LedgerAccountTable {
  id: string; // `${merchantId}:${currency}:${kind}`
  merchant_id: Int;
  currency: Currency;
  kind: string;
  balance_minor: Int;
  non_negative: Int;
  updated_at: Int;
}

export interface LedgerEntryTable {
  id: Id;
  merchant_id: Int;
  currency: Currency;
  kind: string;
  ref_type: string;
  ref_id: Int;
  created_at: Int;
}

export interface LedgerPostingTable {
  id: Id;
  entry_id: Int;
  account_id: string;
  amount_minor: Int;
}

export interface OutboxTable {
  id: Id;
  merchant_id: Int;
  channel: string;
  event: string;
  ref_type: string;
  ref_id: Int;
  payload: Json;
  notice: string; // queued | delivered | exhausted | superseded
  attempts: Int;
  next_attempt_at: Int;
  locked_until: Int | null;
  locked_by: string | null;
  created_at: Int;
  updated_at: Int;
  delivered_at: Int | null;
}

export interface DeliveryAttemptTable {
  id: Id;
  outbox_id: Int;
  merchant_id: Int;
  attempt_no: Int;
  started_at: Int;
  duration_ms: Int;
  delivered: Int;
  response_status: Int | null;
  response_body: string | null;
  error: string | null;
}

export interface DailyStatTable {
  merchant_id: Int;
  day: string; // YYYY-MM-DD in the statistics time zone
  system: string;
  status: string;
  currency: Currency;
  /** A bucket is spread over a few rows to spread lock contention; readers sum them. */
  shard: Int;
  count: Int;
  amount_minor: Int;
  captured_minor: Int;
  refunded_minor: Int;
  fee_minor: Int;
}

export interface InvoiceTable {
  /** 19 digits (PayKeeper-style, below 2^63): a JSON string on the wire, never a number. */
  id: string;
  merchant_id: Int;
  payment_id: Int;
  status: InvoiceStatus;
  email: string | null;
  /** What the dialect keeps with the invoice (cart, service name, language). */
  data: Json;
  created_at: Int;
  updated_at: Int;
  sent_at: Int | null;
  paid_at: Int | null;
  /** Who made it (0013): the cabinet user, null for the merchant's API credential; its login then. */
  user_id: Int | null;
  user_login: string | null;
}

export interface SimBankOperationTable {
  operation_id: string;
  data: Json;
  created_at: Int;
}

export interface DB {
  merchants: MerchantTable;
  credentials: CredentialTable;
  users: UserTable;
  services: ServiceTable;
  payments: PaymentTable;
  payment_events: PaymentEventTable;
  refunds: RefundTable;
  payouts: PayoutTable;
  cards: CardTable;
  ledger_accounts: LedgerAccountTable;
  ledger_entries: LedgerEntryTable;
  ledger_postings: LedgerPostingTable;
  outbox: OutboxTable;
  delivery_attempts: DeliveryAttemptTable;
  daily_stats: DailyStatTable;
  sim_bank_operations: SimBankOperationTable;
  invoices: InvoiceTable;
  rate_limits: RateLimitTable;
  identifications: IdentificationTable;
  beneficiaries: BeneficiaryTable;
  user_refund_days: UserRefundDayTable;
  receipts: ReceiptTable;
  payment_http_log: PaymentHttpLogTable;
  cabinet_sessions: CabinetSessionTable;
  form_fields: FormFieldTable;
  report_emails: ReportEmailTable;
}

/** Requests counted per key and fixed window, shared by every process (0011). */
export interface RateLimitTable {
  key: string;
  window_start: Int;
  hits: Int;
  expires_at: Int;
}

export type PaymentRow = Selectable<PaymentTable>;
export type NewPayment = Insertable<PaymentTable>;
export type RefundRow = Selectable<RefundTable>;
export type PayoutRow = Selectable<PayoutTable>;
export type MerchantRow = Selectable<MerchantTable>;
export type OutboxRow = Selectable<OutboxTable>;
export type ServiceRow = Selectable<ServiceTable>;
export type CardRow = Selectable<CardTable>;
export type InvoiceRow = Selectable<InvoiceTable>;

/** 0010: a person's identification (ImPay ident/req); the passport form sealed by the vault. */
export interface IdentificationTable {
  id: Id;
  merchant_id: Int;
  status: IdentificationStatus;
  person_sealed: string;
  phone: string | null;
  code_salt: string | null;
  code_hash: string | null;
  code_expires_at: Int | null;
  code_attempts: Int;
  rc: string | null;
  test_mode: Int;
  created_at: Int;
  updated_at: Int;
}
export type IdentificationRow = Selectable<IdentificationTable>;

/** 0010: a registered beneficiary (ImPay benific/reg); the form sealed by the vault. */
export interface BeneficiaryTable {
  id: Id;
  merchant_id: Int;
  kind: 'person' | 'sole_trader' | 'company';
  inn: string | null;
  kpp: string | null;
  ogrn: string | null;
  name: string;
  form_sealed: string;
  created_at: Int;
  updated_at: Int;
}
export type BeneficiaryRow = Selectable<BeneficiaryTable>;

type IntOrNull = ColumnType<bigint | null, bigint | number | null | undefined, bigint | number | null>;

/** The merchant cabinet's login sessions (0017): the token's SHA-256 only, never the token. */
export interface CabinetSessionTable {
  id: Id;
  token_hash: string;
  merchant_id: Int;
  /** null: the merchant's PayKeeper credential (its login in `login`). */
  user_id: IntOrNull;
  login: string;
  /** The credential's stamp at login; a session whose user's stamp changed is over. */
  stamp: string;
  created_at: Int;
  last_seen_at: Int;
  expires_at: Int;
  revoked_at: IntOrNull;
  ip: string;
  user_agent: string;
  prev_visit_at: IntOrNull;
  prev_visit_ip: string | null;
}

/** A payment form field as the organization changed it (0015, PayKeeper 4.5/5.2). */
export interface FormFieldTable {
  merchant_id: Int;
  pk_name: string;
  displayed_name: string;
  placeholder: string;
  required: Int;
  enabled: Int;
  type: string;
  sort_order: Int;
  updated_at: Int;
}

/** An address that receives reports of accepted payments (0015, PayKeeper 4.6/5.3/5.4). */
export interface ReportEmailTable {
  id: Id;
  merchant_id: Int;
  email: string;
  /** The address lower-cased: one address once per merchant. */
  email_key: string;
  created_at: Int;
}
