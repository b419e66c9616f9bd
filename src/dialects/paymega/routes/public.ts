import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import { isCurrency } from '../../../domain/currency.ts';
import { clientAddressOf, overLimit } from '../../kit/rate-limit.ts';
import { accountIfAny, accountOf, optionalPublicAuth, publicAuth } from '../auth.ts';
import { fieldError, statusError } from '../errors.ts';
import { refuseOtherMethods, send, setUpWire } from '../http.ts';
import type { Account, InvoiceContext } from '../invoice.ts';
import { RawNumber } from '../json.ts';
import { paymentMethodOf, publicIdOf } from '../map.ts';
import { openApiDocument } from '../openapi.ts';
import { Prerequest } from '../wire.ts';
import { activeServices, publicInvoices } from './invoices.ts';

/**
 * `/public-api`: what browsers and apps call with the account's `public_key` (in the body,
 * or the query of a GET). The prerequest, invoices as JSON or as an HTML form, method logos.
 */

export const publicApi: FastifyPluginAsync<{ ctx: InvoiceContext }> = async (app, { ctx }) => {
  setUpWire(app);
  limitPublicRequests(app, ctx);
  const reads = publicAuth(ctx, { creates: false });
  const creates = publicAuth(ctx, { creates: true });
  const invoices = publicInvoices(ctx);
  const renderPublic = invoices.render;

  app.post(
    '/payment-prerequest',
    { schema: { body: Prerequest }, preValidation: reads },
    async (req, reply) => {
      const account = accountOf(req);
      const currency = (req.body as Prerequest).currency.toUpperCase();
      if (!isCurrency(currency)) throw fieldError({ currency: 'This value is not a valid currency.' });
      const offered = await activeServices(ctx, account, currency);
      const services = Object.fromEntries(
        offered.map((s) => [
          s.code,
          {
            code: s.code,
            method: s.method.code,
            flow: s.method.flow,
            currency: s.currency,
            fields: s.method.fields,
            amount_min: new RawNumber(s.method.amountMinMajor),
            amount_max: new RawNumber(s.method.amountMaxMajor),
          },
        ]),
      );
      const methods = Object.fromEntries(
        offered.map((s) => [s.method.code, paymentMethodOf(s.method, ctx.publicUrl)]),
      );
      const settings = account.merchant.settings;
      const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
      return send(reply, 200, {
        data: {
          currency,
          test_mode: account.testKey,
          // PHP writes an empty associative array as []
          services: offered.length > 0 ? services : [],
          methods: offered.length > 0 ? methods : [],
          account: {
            name: account.merchant.name,
            description: text(settings.description) ?? '',
            icon: text(settings.icon) ?? `${ctx.publicUrl}/public-api/static/account.svg`,
            website: text(settings.website),
          },
        },
      });
    },
  );
  refuseOtherMethods(app, '/payment-prerequest', ['POST']);

  app.post('/payment-invoices', { preValidation: creates }, async (req, reply) => {
    const { outcome, payment } = await invoices.create(req, req.body ?? {});
    return send(reply, outcome === 'created' ? 201 : 409, await renderPublic(accountOf(req), payment));
  });
  refuseOtherMethods(app, '/payment-invoices', ['POST']);

  // The HTML form of a merchant's page: the browser lands on the payment page.
  app.post('/payment-invoices/process', { preValidation: creates }, async (req, reply) =>
    invoices.process(req, reply, req.body ?? {}),
  );
  refuseOtherMethods(app, '/payment-invoices/process', ['POST']);

  // The invoice id is the capability (COMPAT: clients check status with no key at all)
  app.get<{ Params: { id: string } }>(
    '/payment-invoices/:id',
    { preValidation: optionalPublicAuth(ctx) },
    async (req, reply) => {
      const keyed = accountIfAny(req);
      const publicId = publicIdOf(req.params.id);
      const payment = publicId ? await ctx.engine.getPayment({ publicId }, keyed?.merchant.id) : null;
      if (payment?.origin !== 'paymega') throw statusError(404);
      const account = keyed ?? (await accountOfInvoice(ctx, payment.merchantId));
      if (!account) throw statusError(404);
      return send(reply, 200, await renderPublic(account, payment));
    },
  );
  refuseOtherMethods(app, '/payment-invoices/:id', ['GET']);

  app.get('/openapi.json', async (_req, reply) => send(reply, 200, openApiDocument(ctx.publicUrl)));
  refuseOtherMethods(app, '/openapi.json', ['GET']);

  app.get<{ Params: { code: string } }>('/static/payment-methods/:code', async (req, reply) => {
    const code = /^([a-z_]{1,32})\.svg$/.exec(req.params.code)?.[1];
    if (!code) throw statusError(404);
    return svg(reply, code === 'payment_card' ? 'CARD' : code.toUpperCase().slice(0, 4));
  });
  app.get('/static/account.svg', async (_req, reply) => svg(reply, 'SHOP'));
};

/**
 * The public key is in shop pages, so anyone can call this API as any shop: requests are
 * bounded per client address (before anything else is done for them) and per merchant (once
 * the key named one), in counters every process shares. Over the bound: Paymega's 429, with
 * `Retry-After`.
 */
function limitPublicRequests(app: FastifyInstance, ctx: InvoiceContext): void {
  const minute = 60_000;
  const refuse = (seconds: number) => {
    throw statusError(429, { 'retry-after': String(seconds) });
  };
  app.addHook('onRequest', async (req) => {
    const limit = { max: ctx.publicLimits.perAddressPerMinute, windowMs: minute };
    const wait = await overLimit(ctx.engine.hitRateLimit, `paymega:address:${clientAddressOf(req)}`, limit);
    if (wait !== null) refuse(wait);
  });
  app.addHook('preHandler', async (req) => {
    const account = accountIfAny(req);
    if (!account) return;
    const limit = { max: ctx.publicLimits.perMerchantPerMinute, windowMs: minute };
    const wait = await overLimit(ctx.engine.hitRateLimit, `paymega:merchant:${account.merchant.id}`, limit);
    if (wait !== null) refuse(wait);
  });
}

/** The Paymega account of an invoice found by its id alone; null when the merchant cannot be served. */
async function accountOfInvoice(ctx: InvoiceContext, merchantId: bigint): Promise<Account | null> {
  const auth = await ctx.engine.merchantAuth('paymega', merchantId);
  if (auth?.merchant.status !== 'active') return null;
  return { merchant: auth.merchant, accountId: auth.login };
}

function svg(reply: FastifyReply, label: string) {
  const text = label.replace(/[^A-Z_]/g, '');
  return reply
    .type('image/svg+xml')
    .header('cache-control', 'public, max-age=86400')
    .send(
      `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="40" viewBox="0 0 64 40"><rect width="64" height="40" rx="6" fill="#2b3a55"/><text x="32" y="25" font-family="sans-serif" font-size="12" fill="#fff" text-anchor="middle">${text}</text></svg>`,
    );
}
