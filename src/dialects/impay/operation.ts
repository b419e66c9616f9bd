import type { MerchantAuth } from '../../engine/merchants/merchants.ts';
import type { Merchant } from '../../engine/merchants/view.ts';
import type { DialectHost } from '../dialect.ts';
import type { OperationPath } from './wire.ts';

/**
 * How an ImPay operation is written. The plugin (http.ts) has already authenticated the
 * caller (X-Login / X-Token over the raw bytes, IP allow-list) and checked the body's shape
 * against wire.ts; an operation parses the body (parse.ts), calls the engine and returns the
 * answer ImPay sends at HTTP 200: `{status:1,…}`, or a refusal (`refusalOf`, `fieldRefusal`).
 * Route files (routes/*.ts) each export an `ImpayOperations` object; routes/index.ts joins them.
 */

/** One authenticated request to one operation. */
export type ImpayCall = {
  host: DialectHost;
  path: OperationPath;
  merchant: Merchant;
  /** The merchant's ImPay credentials (its key and callback key, opened on demand). */
  auth: MerchantAuth;
  /** The JSON body, its numbers as plain numbers or, where a double would change them, text. */
  body: unknown;
  /** The caller's address (request.ip: configure trustProxy behind a proxy). */
  ip: string;
};

/** The body of a 200 answer; written as JSON (an `ExactNumber` as its digits). */
export type ImpayAnswer = Record<string, unknown>;

export type ImpayOperation = (call: ImpayCall) => Promise<ImpayAnswer>;

/** A route file's operations, by their path under `/v1`. */
export type ImpayOperations = Partial<Record<OperationPath, ImpayOperation>>;
