import { STATUS_CODES } from 'node:http';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { DialectModule } from '../dialect.ts';
import { impayPaymentGate } from './check.ts';
import { frameworkRefusals } from './errors.ts';
import { impayApi, send } from './http.ts';
import { callbackChannel, callbackHandler, callbackRetryPolicy, impayNotifier } from './notify.ts';
import { impayOperations } from './routes/index.ts';

/** Where ImPay's API lives: every URL under it answers in ImPay's format. */
export const impayPrefix = '/v1';

/** A malformed URL under `/v1` (refused before routing), in the framework's format with its status. */
function frameworkError(error: FastifyError, _req: FastifyRequest, reply: FastifyReply) {
  const status =
    error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 400;
  const name = STATUS_CODES[status] ?? 'Bad Request';
  return send(
    reply,
    status,
    status === 404 ? frameworkRefusals.notFound : { name, message: error.message, code: 0, status },
  );
}

/** ImPay API v1.2 (shared/specs/impay-api-1.2.txt, COMPAT.md): JSON POSTs, X-Login / X-Token. */
export const impay: DialectModule = {
  name: 'impay',
  plugin: async (app, options) => {
    await app.register(impayApi(impayOperations), { ...options, prefix: impayPrefix });
  },
  notifiers: [impayNotifier],
  handlers: (host) => new Map([[callbackChannel, callbackHandler(host)]]),
  retryPolicies: new Map([[callbackChannel, callbackRetryPolicy]]),
  paymentGate: impayPaymentGate,
  frameworkErrors: { prefixes: [impayPrefix], handler: frameworkError },
  endpoints: (url) => [
    `ImPay API     ${url}${impayPrefix}/  (X-Login merchant id, X-Token sha1 over the body)`,
  ],
};
