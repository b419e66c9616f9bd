import { apiUrl, type Params, pkGet, pkPost } from './client.ts';
import type {
  AllSum,
  HttpLog,
  LastVisit,
  PaymentById,
  PaymentOptions,
  PaymentParams,
  PaymentRow,
  PaymentsByDateCount,
  PkSuccess,
  RefundsOfPayment,
  SystemsList,
  SystemsSums,
  SystemsSumsDetails,
  UserSettings,
} from './types.ts';

/** A period of Moscow calendar days, both ends included, `YYYY-MM-DD`. */
export type Period = { start: string; end: string };

/** The registry's filter (2.1/2.2), with the search text the cabinet adds. */
export type PaymentFilter = Period & {
  statuses: readonly string[];
  systems: readonly string[];
  search: string;
};

/** 2.1's filter as sent: both lists spelled out (the caller fills an empty choice with "all"). */
const filterParams = (f: Omit<PaymentFilter, 'search'>): Params => ({
  start: f.start,
  end: f.end,
  status: f.statuses,
  payment_system_id: f.systems,
});

export const pk = {
  // ---- 1. statistics ----
  systems: (signal?: AbortSignal) => pkGet<SystemsList>('/info/systems/list/', {}, signal),
  sums: (p: Period, signal?: AbortSignal) => pkGet<SystemsSums>('/info/systems/sums/', p, signal),
  sumsDetails: (p: Period, signal?: AbortSignal) =>
    pkGet<SystemsSumsDetails>('/info/systems/sums/details/', p, signal),
  allSum: (p: Period, signal?: AbortSignal) => pkGet<AllSum>('/info/systems/allsum/', p, signal),

  // ---- 2. payments ----
  byDate: (f: PaymentFilter, from: number, limit: number, signal?: AbortSignal) =>
    f.search
      ? pkGet<PaymentRow[]>(
          '/info/payments/search/',
          {
            query: f.search,
            beg_date: f.start,
            end_date: f.end,
            // the choice as made: an empty list is left out, and then filters nothing
            status: f.statuses,
            payment_system_id: f.systems,
            from: String(from),
            limit: String(limit),
          },
          signal,
        )
      : pkGet<PaymentRow[]>(
          '/info/payments/bydate/',
          { ...filterParams(f), from: String(from), limit: String(limit) },
          signal,
        ),
  /** 2.2; an empty list is left out, and then filters nothing. */
  byDateCount: (f: Omit<PaymentFilter, 'search'>, signal?: AbortSignal) =>
    pkGet<PaymentsByDateCount>('/info/payments/bydatecount/', filterParams(f), signal),
  byId: (id: string, signal?: AbortSignal) => pkGet<PaymentById>('/info/payments/byid/', { id }, signal),
  options: (id: string, signal?: AbortSignal) => pkGet<PaymentOptions>('/info/options/byid/', { id }, signal),
  params: (id: string, signal?: AbortSignal) => pkGet<PaymentParams>('/info/params/byid/', { id }, signal),
  httpLog: (id: string, signal?: AbortSignal) => pkGet<HttpLog>('/info/httplog/byid/', { id }, signal),
  refunds: (id: string, signal?: AbortSignal) =>
    pkGet<RefundsOfPayment>('/info/refunds/bypaymentid/', { id }, signal),
  /** 2.8: `amount` as the user typed it (validated text), never a float. */
  reverse: (id: string, amount: string, partial: boolean) =>
    pkPost<PkSuccess>('/change/payment/reverse/', { id, amount, partial: partial ? 'true' : 'false' }),
  /** 2.9: sends a stuck payment's notification again. */
  repeatNotification: (id: string) => pkPost<PkSuccess>('/change/payment/repeatcnt/', { id }),
  /**
   * The streaming XLSX export (X-Total-Count first): the registry's filter, and for a search
   * its text too (the export leaves an empty list out: it filters nothing).
   */
  exportUrl: (f: PaymentFilter) =>
    apiUrl('/export/payments/all/', {
      type: 'xlsx',
      ...filterParams(f),
      ...(f.search && { search: f.search }),
    }),

  // ---- 4. the user ----
  userSettings: (signal?: AbortSignal) => pkGet<UserSettings>('/info/user/settings/', {}, signal),
  lastVisit: (signal?: AbortSignal) => pkGet<LastVisit>('/info/user/lastvisit/', {}, signal),
};
