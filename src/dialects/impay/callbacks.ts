import { impayAmount } from './amount.ts';
import type { ImpayState } from './map.ts';
import { callbackKey } from './sign.ts';

/**
 * What ImPay sends a merchant, and what it reads back, as pure functions; the sending itself
 * is the dialect kit's (docs/impay-plan.md, "Callbacks").
 */

/** One finished operation, as its callback tells it. */
export type CallbackFacts = { externalId: string | null; id: number; amountMinor: bigint; state: ImpayState };

/**
 * The callback's query, in ImPay's order: `extid, id, sum, status, key`. `sum` is `%.2f`; the
 * key is over these exact strings, so a merchant recomputing it from the query gets ours.
 */
export function callbackQuery(facts: CallbackFacts, callbackSecret: string): string {
  const fields = {
    extid: facts.externalId ?? '',
    id: String(facts.id),
    sum: impayAmount.print(facts.amountMinor),
    status: String(facts.state),
  };
  return new URLSearchParams({ ...fields, key: callbackKey(fields, callbackSecret) }).toString();
}

/** `url` with the query appended, after any query of its own (`?shop=1` → `?shop=1&extid=…`). */
export function callbackUrl(url: string, query: string): string {
  const parsed = new URL(url);
  parsed.search = parsed.search ? `${parsed.search.slice(1)}&${query}` : query;
  return parsed.toString();
}

/** A callback is delivered once the merchant answers below 500; else it is retried. */
export const callbackDelivered = (httpStatus: number): boolean => httpStatus < 500;

/** The query of the check request sent before a payment: `extid, sum`. */
export const checkQuery = (externalId: string | null, amountMinor: bigint): string =>
  new URLSearchParams({ extid: externalId ?? '', sum: impayAmount.print(amountMinor) }).toString();

export type CheckVerdict = { allowed: true } | { allowed: false; message: string };

/**
 * The merchant's answer to a check request: `{"success":true}` allows the payment. Anything
 * else refuses it, including an error status, a body that is not that JSON, or no answer (the
 * caller passes `null`). It is better to take no money than money the merchant cannot serve.
 * The merchant's `message` is passed on to the payer's side, bounded.
 */
export function checkVerdict(httpStatus: number | null, body: string | null): CheckVerdict {
  const refused = (message: string): CheckVerdict => ({ allowed: false, message: message.slice(0, 255) });
  if (httpStatus === null || body === null) return refused('Магазин не ответил на запрос проверки');
  if (httpStatus >= 400) return refused('Магазин отклонил платеж');
  let answer: unknown;
  try {
    answer = JSON.parse(body);
  } catch {
    return refused('Магазин отклонил платеж');
  }
  if (typeof answer !== 'object' || answer === null) return refused('Магазин отклонил платеж');
  const { success, message } = answer as { success?: unknown; message?: unknown };
  if (success === true) return { allowed: true };
  return refused(typeof message === 'string' && message !== '' ? message : 'Магазин отклонил платеж');
}
