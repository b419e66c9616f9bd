/**
 * The PayKeeper wire as the cabinet reads it: a browser-side mirror of
 * src/dialects/paykeeper/wire.ts (that file holds the schemas; these are their static types,
 * kept apart so the bundle never pulls TypeBox or server code). Amounts are strings with two
 * decimals ("1205.98"): the cabinet shows them as text and never does arithmetic on them.
 * test/cabinet-wire.test.ts checks the mirror against the schemas.
 */

/** Roubles with two decimals, "1205.98". */
export type Amount = string;
/** `YYYY-MM-DD HH:MM:SS`, Moscow time. */
export type Datetime = string;
/** A count as PHP prints a database integer: a string of digits. */
export type Count = string;
/** Ids are digit strings below 2^63 (above 2^53: never numbers). */
export type Id = string;
export type Flag = 'true' | 'false';

export const paymentStatuses = [
  'pending',
  'obtained',
  'success',
  'stuck',
  'failed',
  'canceled',
  'refunding',
  'refunded',
  'partially_refunded',
] as const;
export type PaymentStatus = (typeof paymentStatuses)[number];

// ---- the session (cabinet contract) ----

export type SessionUser = { login: string; admin: boolean; refund_allowed: boolean; refund: number };
export type Session = {
  user: SessionUser;
  merchant: { id: string; name: string };
  last_visit: { ip: string; datetime: Datetime } | null;
};

// ---- 1. statistics ----

type SystemNames = { id: Id; system_description: string; site_description: string };
/** 1.1. */
export type SystemsList = SystemNames[];
/** 1.2: success = paid and confirmed, account = paid, stuck = paid but never confirmed. */
export type SystemsSums = (SystemNames & {
  success: Amount;
  account: Amount;
  stuck: Amount;
  currency: string;
})[];
/** 1.3: `[ms since epoch, roubles]` per point. */
export type SystemsSumsDetails = { payment_system_id: Id; label: string; data: [number, number][] }[];
/** 1.4. */
export type AllSum = { success: Amount; account: Amount; stuck: Amount };

// ---- 2. payments ----

export type PaymentRow = {
  id: Id;
  pay_amount: Amount;
  refund_amount: Amount;
  clientid: string | null;
  orderid: string | null;
  payment_system_id: Id;
  unique_id: string | null;
  status: PaymentStatus;
  repeat_counter: Count;
  pending_datetime: Datetime;
  obtain_datetime: Datetime | null;
  success_datetime: Datetime | null;
};
/** 2.3: an array of one. */
export type PaymentById = (PaymentRow & { site_description: string; system_description: string })[];
/** 2.2. */
export type PaymentsByDateCount = {
  statuses: { status: PaymentStatus; count: Count }[];
  payment_systems: { payment_system_id: Id; count: Count }[];
  fullcount: [{ count: Count }];
};
/** 2.4: keys depend on the payment system. */
export type PaymentOptions = Record<string, string | null>;
/** 2.5. */
export type PaymentParams = { id: Id; payment_id: Id; field: string; value: string | null }[];
/** 2.6. */
export type HttpLog = {
  id: Id;
  payment_id: Id;
  request_method: string;
  request_uri: string;
  ip: string;
  body: string;
  datetime: Datetime;
}[];
export type RefundStatus = 'started' | 'done' | 'failed';
/** 2.7: `reminder` (sic) is what remains after this refund. */
export type RefundsOfPayment = {
  id: Id;
  payment_id: Id;
  refund_number: Count;
  user: string;
  amount: Amount;
  reminder: Amount;
  datetime: Datetime;
  status: RefundStatus;
}[];

// ---- 4. settings (read) ----

/** 4.1. */
export type UserSettings = {
  user: string;
  refund_allowed: Flag;
  refund_allow: Flag;
  refund: Count;
  admin: Flag;
};
/** 4.2. */
export type LastVisit = { ip: string; datetime: Datetime };

// ---- common ----

export type PkSuccess = { result: 'success' };
export type PkFail = { result: 'fail'; msg: string; error_code?: number };
/** 6.1. */
export type TokenResponse = { token: string };
