import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { EngineError, EngineErrorCode } from '../../domain/errors.ts';
import { type Renderer, sendJson } from '../kit/render.ts';

/**
 * Paymega's failures: every engine error code in one total table (HTTP status, field,
 * Symfony's message), the status-only error lists, and the renderer that answers every
 * failure of both APIs in these shapes, with HTTP status codes.
 */

/** A failure already in Paymega's format; thrown anywhere, rendered by the error handler. */
export class WireError extends Error {
  constructor(
    readonly http: number,
    readonly body: ErrorBody,
    readonly headers: Record<string, string> = {},
  ) {
    super(`paymega ${http}`);
  }
}

export const fieldError = (fields: Record<string, string>) => new WireError(422, { errors: fields });
export const statusError = (http: number, headers?: Record<string, string>) =>
  new WireError(http, errorListOf(http), headers);
export const fromEngine = (error: EngineError) => {
  const failure = engineFailure(error);
  return new WireError(failure.http, failure.body);
};

export type PmFail = { http: 401 | 403 | 404 | 409 | 422 | 502 | 503; message?: string; field?: string };

export const pmFail = {
  invalid_amount: { http: 422, field: 'amount', message: 'This value should be greater than 0.' },
  invalid_currency: { http: 422, field: 'currency', message: 'This value is not a valid currency.' },
  invalid_card: { http: 422, field: 'payment_card', message: 'This value is not valid.' },
  invalid_argument: { http: 422, message: 'This value is not valid.' },
  merchant_not_found: { http: 401 },
  merchant_disabled: { http: 403 },
  payment_not_found: { http: 404 },
  refund_not_found: { http: 404 },
  payout_not_found: { http: 404 },
  card_not_found: { http: 404 },
  invoice_not_found: { http: 404 },
  service_not_found: {
    http: 422,
    field: 'service',
    message: 'The value you selected is not a valid choice.',
  },
  user_not_found: { http: 404 },
  exists_with_different_amount: { http: 409 },
  exists_with_different_currency: { http: 409 },
  exists_with_different_request: { http: 409 },
  illegal_transition: { http: 422, field: 'status', message: 'The invoice is not in a suitable status.' },
  payment_expired: { http: 422, field: 'status', message: 'The invoice has expired.' },
  attempts_exhausted: { http: 422, field: 'status', message: 'No payment attempts are left.' },
  capture_exceeds_authorized: {
    http: 422,
    field: 'amount',
    message: 'This value should be less than or equal to the reserved amount.',
  },
  refund_exceeds_captured: {
    http: 422,
    field: 'amount',
    message: 'This value should be less than or equal to the refundable amount.',
  },
  refund_limit_reached: { http: 422, field: 'amount', message: 'The daily refund limit is reached.' },
  insufficient_balance: { http: 422, field: 'amount', message: 'Insufficient balance.' },
  currency_mismatch: {
    http: 422,
    field: 'currency',
    message: 'This value does not match the service currency.',
  },
  declined: { http: 422, field: 'status', message: 'Declined by the provider.' },
  connector_unavailable: { http: 502 },
} as const satisfies Record<EngineErrorCode, PmFail>;

/** Engine field names as Paymega's clients know them. */
const wireFields: Readonly<Record<string, string>> = {
  externalId: 'reference_id',
  callbackUrl: 'callback_url',
  expiresAt: 'expires',
  'returnUrls.success': 'return_urls.success',
  'returnUrls.fail': 'return_urls.fail',
  'returnUrls.pending': 'return_urls.pending',
  'returnUrls.cancel': 'return_url',
};

const reasonPhrases: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

export type ErrorBody =
  | { errors: { status: string; code: string; title?: string; detail?: string }[] }
  | { errors: Record<string, string> };

/** `{"errors":[{"status":"Not Found","code":"404"}]}`; 5xx in the spec's `internal_error` shape. */
export function errorListOf(http: number): ErrorBody {
  if (http >= 500) {
    const name = http === 500 ? 'internal_error' : (reasonPhrases[http] ?? 'internal_error');
    const detail = http === 500 ? 'Internal server error.' : `${reasonPhrases[http] ?? 'Server error'}.`;
    return { errors: [{ status: name, code: String(http), title: name, detail }] };
  }
  return { errors: [{ status: reasonPhrases[http] ?? 'Error', code: String(http) }] };
}

/** An engine failure as Paymega renders it: 422 with the field at fault, else the status list. */
export function engineFailure(error: EngineError): { http: number; body: ErrorBody } {
  const row: PmFail = pmFail[error.code];
  if (row.http !== 422) return { http: row.http, body: errorListOf(row.http) };
  const field = error.field ? (wireFields[error.field] ?? error.field) : (row.field ?? 'request');
  const message =
    error.code === 'invalid_argument' && error.detail === 'not an http(s) URL'
      ? 'This value is not a valid URL.'
      : (row.message ?? 'This value is not valid.');
  return { http: 422, body: { errors: { [field]: message } } };
}

/** Any failure as Paymega answers it: its own, a Fastify 4xx as a status list, else a logged 500. */
export const paymegaRenderer: Renderer = {
  json: {},
  failure(error, req) {
    if (error instanceof WireError) return { http: error.http, body: error.body, headers: error.headers };
    const status = (error as { statusCode?: number } | null)?.statusCode;
    if (status && status >= 400 && status < 500) return { http: status, body: errorListOf(status) };
    req.log.error({ err: error }, 'paymega: unhandled error');
    return { http: 500, body: errorListOf(500) };
  },
  notFound: () => ({ http: 404, body: errorListOf(404) }),
};

/**
 * What Fastify refuses before any route or plugin runs (a malformed URL escape such as `%ZZ`:
 * 400), in Paymega's error list like every other failure; web/app.ts hands these over for
 * URLs under the dialect's prefixes. A path parameter over Fastify's length bound is an id
 * that names nothing: 404 as for any unknown id (the spec has no 414).
 */
export function frameworkError(error: FastifyError, req: FastifyRequest, reply: FastifyReply) {
  const status =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 404
      : error.statusCode && error.statusCode >= 400
        ? error.statusCode
        : 400;
  if (status >= 500) req.log.error({ err: error }, 'paymega: framework error');
  return sendJson(reply, status, errorListOf(status));
}
