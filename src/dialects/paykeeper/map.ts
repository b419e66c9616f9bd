import type { DeclineReason } from '../../acquiring/connector.ts';
import { limits } from '../../domain/limits.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import type { InvoiceStatus, PaymentStatus, RefundStatus } from '../../domain/states.ts';

/**
 * Engine facts → PayKeeper's names: the payment statuses of Appendix 1, the invoice
 * statuses, and the `partial` flag of a reverse. Every table is total over the engine's
 * values, so a new engine status is a compile error here.
 */

export const pkPaymentStatuses = [
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
export type PkPaymentStatus = (typeof pkPaymentStatuses)[number];

/**
 * Where the informer stands for a payment: its outbox row's `notice` (`queued`, `delivered`,
 * `exhausted`), or `none` when the merchant has no informer (nothing to wait for, so a paid
 * payment is `success` at once, as PayKeeper shows it).
 */
export const informerNotices = ['none', 'queued', 'delivered', 'exhausted'] as const;
export type InformerNotice = (typeof informerNotices)[number];

type ByNotice = Readonly<Record<InformerNotice, PkPaymentStatus>>;
const same = (status: PkPaymentStatus): ByNotice => ({
  none: status,
  queued: status,
  delivered: status,
  exhausted: status,
});
/** Money taken: `obtained` until the merchant confirms, `success` after, `stuck` when it never did. */
const paid: ByNotice = { none: 'success', queued: 'obtained', delivered: 'success', exhausted: 'stuck' };

/**
 * Appendix 1, keyed by the payment's state AND its informer's. An authorized hold counts as
 * paid (the informer goes out for it with `batch_date`, and Appendix 1 has no hold status);
 * an expired payment is `canceled`, PayKeeper's one word for "will not be paid".
 */
export const pkPaymentStatusTable = {
  created: same('pending'),
  pending: same('pending'),
  unknown: same('pending'),
  authorized: paid,
  captured: paid,
  partially_refunded: same('partially_refunded'),
  refunded: same('refunded'),
  failed: same('failed'),
  canceled: same('canceled'),
  expired: same('canceled'),
} as const satisfies Record<PaymentStatus, ByNotice>;

export type PaymentFacts = {
  status: PaymentStatus;
  notice: InformerNotice;
  /** A refund asked of the bank and not answered yet (`refundReservedMinor > 0`). */
  refundInFlight: boolean;
};

/** The status a PayKeeper client sees: a refund in flight shows as `refunding` over the table. */
export function pkPaymentStatus(p: PaymentFacts): PkPaymentStatus {
  const refundable = p.status === 'captured' || p.status === 'partially_refunded';
  if (refundable && p.refundInFlight) return 'refunding';
  return pkPaymentStatusTable[p.status][p.notice];
}

/**
 * The engine states a `status[]` filter selects. `obtained`/`success`/`stuck` also need the
 * informer's state, and `refunding` a refund in flight: the caller adds those conditions.
 */
export function engineStatesOf(wanted: readonly PkPaymentStatus[]): PaymentStatus[] {
  const states = Object.keys(pkPaymentStatusTable) as PaymentStatus[];
  return states.filter((s) => {
    const names = new Set<PkPaymentStatus>(Object.values(pkPaymentStatusTable[s]));
    if (s === 'captured' || s === 'partially_refunded') names.add('refunding');
    return wanted.some((w) => names.has(w));
  });
}

export const isPkPaymentStatus = (text: string): text is PkPaymentStatus =>
  (pkPaymentStatuses as readonly string[]).includes(text);

// ---- refunds (2.7) ----

export const pkRefundStatusTable = {
  pending: 'started',
  unknown: 'started',
  succeeded: 'done',
  failed: 'failed',
} as const satisfies Record<RefundStatus, 'started' | 'done' | 'failed'>;

// ---- ids, paging and filters as they arrive ----

const int64Max = 2n ** 63n - 1n;

/** `?id=` → a positive id below 2^63; `"0"`, `"-1"`, `"1e3"`, `" 1"` and 20 digits are not ids. */
export function parsePkId(text: string | undefined): bigint | null {
  if (text === undefined || !/^[0-9]{1,19}$/.test(text)) return null;
  const id = BigInt(text);
  return id > 0n && id <= int64Max ? id : null;
}

export type PageProblem = {
  field: 'from' | 'limit';
  problem: 'required' | 'not_a_count' | 'limit_too_large';
};

/**
 * `from` (skip N) and `limit` (at most `limits.pageSizeMax`, which is also 8.1's 1 000).
 * Both are required by 2.1, 3.2 and 8.1; where they are not, a default page is used.
 */
export function parsePkPage(
  q: { from?: string | undefined; limit?: string | undefined },
  required: boolean,
): Result<{ offset: number; limit: number }, PageProblem> {
  const count = (
    field: 'from' | 'limit',
    text: string | undefined,
    fallback: number,
  ): Result<number, PageProblem> => {
    if (text === undefined || text === '')
      return required ? fail({ field, problem: 'required' }) : ok(fallback);
    if (!/^[0-9]{1,9}$/.test(text)) return fail({ field, problem: 'not_a_count' });
    return ok(Number(text));
  };
  const offset = count('from', q.from, 0);
  if (!offset.ok) return offset;
  const limit = count('limit', q.limit, limits.pageSizeMax);
  if (!limit.ok) return limit;
  if (limit.value > limits.pageSizeMax) return fail({ field: 'limit', problem: 'limit_too_large' });
  return ok({ offset: offset.value, limit: limit.value });
}

/** `status[]` values: each must be one the spec lists for the object; duplicates collapse. */
export function parseStatusFilter<S extends string>(
  values: readonly string[] | undefined,
  allowed: readonly S[],
): Result<S[], { value: string }> {
  const out = new Set<S>();
  for (const v of values ?? []) {
    if (!(allowed as readonly string[]).includes(v)) return fail({ value: v });
    out.add(v as S);
  }
  return ok([...out]);
}

// ---- invoices ----

export const pkInvoiceStatuses = ['created', 'sent', 'paid', 'expired'] as const;
export type PkInvoiceStatus = (typeof pkInvoiceStatuses)[number];

/**
 * A revoked (`canceled`) invoice shows as `expired`: clients know four values, and to a payer
 * both mean "can no longer be paid".
 */
export const pkInvoiceStatusTable = {
  created: 'created',
  sent: 'sent',
  paid: 'paid',
  expired: 'expired',
  canceled: 'expired',
} as const satisfies Record<InvoiceStatus, PkInvoiceStatus>;

/** Invoice list filters take `sent`, `paid`, `expired` (spec 3.2); `created` is never listed. */
export const pkListedInvoiceStatuses = [
  'sent',
  'paid',
  'expired',
] as const satisfies readonly PkInvoiceStatus[];

export function invoiceStatesOf(wanted: readonly PkInvoiceStatus[]): InvoiceStatus[] {
  const states = Object.keys(pkInvoiceStatusTable) as InvoiceStatus[];
  return states.filter((s) => wanted.includes(pkInvoiceStatusTable[s]));
}

// ---- reverse: the `partial` flag ----

/** `true/false`, `1/0`, `True/False` (any case); missing or empty (a bare `&partial&`) is null. */
export function parsePartialFlag(raw: string | undefined): Result<boolean | null, 'not_a_flag'> {
  if (raw === undefined) return ok(null);
  const text = raw.trim().toLowerCase();
  if (text === '') return ok(null);
  if (text === 'true' || text === '1') return ok(true);
  if (text === 'false' || text === '0') return ok(false);
  return fail('not_a_flag');
}

export type ReverseProblem =
  | 'amount_required'
  | 'amount_exceeds_remaining'
  | 'full_with_partial_amount'
  | 'nothing_left';
export type ReversePlan = { kind: 'full' | 'partial'; amountMinor: bigint };

/**
 * What a reverse asks for. `partial=false` (a full refund, spec 2.8: "сумма возврата не
 * должна быть указана") takes all that remains; an amount given with it must be exactly
 * that. `partial=true` needs an amount, at most what remains. No flag: partial iff the amount
 * is below what remains, full when it is missing or equal. The engine checks the remainder
 * again in its conditional UPDATE; this only answers the caller in PayKeeper's words.
 */
export function planReverse(
  q: { partial: boolean | null; amountMinor: bigint | null },
  remainingMinor: bigint,
): Result<ReversePlan, ReverseProblem> {
  if (remainingMinor <= 0n) return fail('nothing_left');
  const { partial, amountMinor } = q;
  if (amountMinor !== null && amountMinor > remainingMinor) return fail('amount_exceeds_remaining');
  if (partial === true) {
    if (amountMinor === null) return fail('amount_required');
    return ok({ kind: amountMinor === remainingMinor ? 'full' : 'partial', amountMinor });
  }
  if (partial === false && amountMinor !== null && amountMinor !== remainingMinor)
    return fail('full_with_partial_amount');
  if (amountMinor === null || amountMinor === remainingMinor)
    return ok({ kind: 'full', amountMinor: remainingMinor });
  return ok({ kind: 'partial', amountMinor });
}

// ---- status filters as the engine's registry takes them ----

type NoticeClause = { states: PaymentStatus[]; refundInFlight?: boolean; notices?: InformerNotice[] };

/**
 * The engine registry's filter (a disjunction) selecting exactly the payments whose
 * `pkPaymentStatus` is one of `wanted`: derived from the status table itself, so the filter
 * and the status shown can never disagree.
 */
export function registryClausesOf(wanted: readonly PkPaymentStatus[]): NoticeClause[] {
  const clauses: NoticeClause[] = [];
  for (const status of Object.keys(pkPaymentStatusTable) as PaymentStatus[]) {
    const byFlight = [false, true].map((refundInFlight) =>
      informerNotices.filter((notice) =>
        wanted.includes(pkPaymentStatus({ status, notice, refundInFlight })),
      ),
    );
    const [still, flying] = byFlight as [InformerNotice[], InformerNotice[]];
    const all = (n: InformerNotice[]) => (n.length === informerNotices.length ? undefined : n);
    if (still.join() === flying.join()) {
      if (still.length > 0) clauses.push({ states: [status], ...(all(still) && { notices: still }) });
      continue;
    }
    if (still.length > 0)
      clauses.push({ states: [status], refundInFlight: false, ...(all(still) && { notices: still }) });
    if (flying.length > 0)
      clauses.push({ states: [status], refundInFlight: true, ...(all(flying) && { notices: flying }) });
  }
  return clauses;
}

// ---- payment systems (1.1) ----

/** The names a cabinet shows for a payment method (`site_description`). */
export const pkSiteDescriptions: Readonly<Record<string, string>> = {
  card: 'Банковские карты',
  test: 'Тестовый платёж',
  account: 'Банковский счёт',
};
export const siteDescriptionOf = (method: string): string => pkSiteDescriptions[method] ?? method;

/** PayKeeper writes the rouble as `RUR` (spec 1.2), other currencies by their ISO code. */
export const pkCurrency = (currency: string): string => (currency === 'RUB' ? 'RUR' : currency);

// ---- decline reasons (COMPAT.md errors/total) ----

export const pkDeclineDescriptions = {
  do_not_honor: 'Отказ банка-эмитента.',
  insufficient_funds: 'Недостаточно средств на карте.',
  expired_card: 'Истёк срок действия карты.',
  lost_card: 'Карта утеряна.',
  stolen_card: 'Карта украдена.',
  invalid_card: 'Неверные данные карты.',
  processing_error: 'Ошибка обработки платежа.',
  authentication_failed: 'Не пройдена проверка 3-D Secure.',
  not_permitted: 'Операция запрещена для карты.',
} as const satisfies Record<DeclineReason, string>;

/** A bank's reason in the cabinet's words; a reason another bank invents reads as a plain refusal. */
export const declineDescriptionOf = (reason: string): string =>
  (pkDeclineDescriptions as Readonly<Record<string, string>>)[reason] ?? 'Платёж отклонён.';
