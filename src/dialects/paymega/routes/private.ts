import type { FastifyPluginAsync } from 'fastify';
import type { Payment } from '../../../engine/payments/view.ts';
import { accountOf, privateAuth } from '../auth.ts';
import { paymentServiceOf, privateInvoiceOf } from '../documents.ts';
import { fieldError, fromEngine, statusError } from '../errors.ts';
import { refuseOtherMethods, send, setUpWire } from '../http.ts';
import { type Account, type InvoiceContext, loadInvoice, loadInvoices, servicesOf } from '../invoice.ts';
import {
  invoiceIdOf,
  isPlainObject,
  type PmService,
  publicIdOf,
  refundAmountOf,
  serviceIdOf,
  settlementCurrencyOf,
  tolerantInvoiceFields,
  toPmService,
} from '../map.ts';
import { openApiDocument } from '../openapi.ts';
import { pageParam, pageSizeMax, referenceFilter, schemaFindings } from '../parse.ts';
import { isStorableText, PrivateInvoiceRequest, RefundRequest } from '../wire.ts';
import { createInvoice } from './invoices.ts';

/**
 * `/api`: what merchant back ends call with Basic auth (account id : secret key), in
 * JSON:API documents. Services, invoices (create, list, read) and refunds.
 */

export const privateApi: FastifyPluginAsync<{ ctx: InvoiceContext }> = async (app, { ctx }) => {
  setUpWire(app);
  const { engine } = ctx;
  const auth = privateAuth(ctx);

  const render = async (account: Account, payment: Payment) => ({
    data: privateInvoiceOf(await loadInvoice(ctx, account, payment)),
  });
  const offeredServices = async (account: Account) =>
    (await servicesOf(ctx, account))
      .map(toPmService)
      .filter((s): s is PmService & { engine: NonNullable<PmService['engine']> } => s?.engine != null);
  const invoiceOf = async (account: Account, id: string) => {
    const publicId = publicIdOf(id);
    const payment = publicId ? await engine.getPayment({ publicId }, account.merchant.id) : null;
    if (!payment) throw statusError(404);
    return payment;
  };

  const serviceDocument = (account: Account, service: Parameters<typeof paymentServiceOf>[0]) =>
    paymentServiceOf(service, settlementCurrencyOf(account.merchant.settings, service));

  app.get('/payment-services', { onRequest: auth }, async (req, reply) => {
    const query = req.query as Record<string, unknown>;
    const size = pageParam(query, 'page[size]', 20, pageSizeMax);
    const number = pageParam(query, 'page[number]', 1, 1_000_000);
    const account = accountOf(req);
    const all = await offeredServices(account);
    const pages = Math.max(1, Math.ceil(all.length / size));
    const link = (n: number) => `/api/payment-services?page[number]=${n}&page[size]=${size}`;
    return send(reply, 200, {
      meta: { total: all.length, pages, page: number },
      links: {
        first: link(1),
        ...(number > 1 && { prev: link(Math.min(number - 1, pages)) }),
        ...(number < pages && { next: link(number + 1) }),
        last: link(pages),
      },
      data: all.slice((number - 1) * size, number * size).map((s) => serviceDocument(account, s)),
    });
  });
  refuseOtherMethods(app, '/payment-services', ['GET']);

  app.get<{ Params: { id: string } }>('/payment-services/:id', { onRequest: auth }, async (req, reply) => {
    const account = accountOf(req);
    const found = (await offeredServices(account)).find((s) => serviceIdOf(s.engine) === req.params.id);
    if (!found) throw statusError(404);
    return send(reply, 200, { data: serviceDocument(account, found) });
  });
  refuseOtherMethods(app, '/payment-services/:id', ['GET']);

  app.post('/payment-invoices', { onRequest: auth }, async (req, reply) => {
    const account = accountOf(req);
    const body = req.body ?? {};
    const data = isPlainObject(body) && isPlainObject(body.data) ? body.data : null;
    const attributes =
      data?.attributes === undefined
        ? undefined
        : tolerantInvoiceFields(data.attributes, { referenceOptional: false });
    const document = data && attributes !== undefined ? { ...body, data: { ...data, attributes } } : body;
    const { outcome, payment } = await createInvoice(ctx, account, {
      attributes,
      findings: schemaFindings(PrivateInvoiceRequest, document),
      // the spec: `false` when the request does not say
      testMode: (fields) => fields.test_mode ?? false,
      publicKey: false,
    });
    return send(reply, outcome === 'created' ? 201 : 409, await render(account, payment));
  });

  app.get('/payment-invoices', { onRequest: auth }, async (req, reply) => {
    const account = accountOf(req);
    const merchantId = account.merchant.id;
    const query = req.query as Record<string, unknown>;
    const size = pageParam(query, 'page[size]', 20, pageSizeMax);
    const cursor = async (name: string) => {
      const raw = query[name];
      if (raw === undefined || raw === '') return undefined;
      const publicId = typeof raw === 'string' ? publicIdOf(raw) : null;
      const payment = publicId ? await engine.getPayment({ publicId }, merchantId) : null;
      if (!payment) throw fieldError({ [name]: 'This value is not valid.' });
      return payment.id;
    };
    const reference = referenceFilter(query);
    let payments: Payment[];
    let older = false;
    let newer = false;
    if (reference !== undefined) {
      // '' and a NUL (which PostgreSQL cannot even compare) name no invoice
      const found =
        reference !== '' && isStorableText(reference)
          ? await engine.getPayment({ externalId: reference }, merchantId)
          : null;
      payments = found ? [found] : [];
    } else {
      const beforeId = await cursor('page[before]');
      const afterId = beforeId === undefined ? await cursor('page[after]') : undefined;
      const rows = await engine.listPayments({ merchantId, beforeId, afterId, limit: size + 1 });
      const more = rows.length > size;
      // newest first either way; `after` pages come oldest first from the engine
      payments = afterId === undefined ? rows.slice(0, size) : rows.slice(0, size).reverse();
      older = afterId === undefined ? more : true;
      newer = afterId === undefined ? beforeId !== undefined : more;
    }
    const facts = await loadInvoices(ctx, account, payments);
    const first = payments[0];
    const last = payments.at(-1);
    const filter = reference ? `&filter[reference_id]=${encodeURIComponent(reference)}` : '';
    const link = (cursorName: string, p: Payment) =>
      `/api/payment-invoices?page[size]=${size}&page[${cursorName}]=${invoiceIdOf(p.publicId)}${filter}`;
    return send(reply, 200, {
      meta: {
        count: payments.length,
        size,
        before: last ? invoiceIdOf(last.publicId) : null,
        after: first ? invoiceIdOf(first.publicId) : null,
      },
      links: {
        prev: newer && first ? link('after', first) : '',
        next: older && last ? link('before', last) : '',
      },
      data: facts.map(privateInvoiceOf),
    });
  });
  refuseOtherMethods(app, '/payment-invoices', ['GET', 'POST']);

  app.get<{ Params: { id: string } }>('/payment-invoices/:id', { onRequest: auth }, async (req, reply) => {
    const account = accountOf(req);
    return send(reply, 200, await render(account, await invoiceOf(account, req.params.id)));
  });
  refuseOtherMethods(app, '/payment-invoices/:id', ['GET']);

  // Refunds of processed invoices (Paymega's `POST /api/payment-invoices/{id}/refund`).
  app.post<{ Params: { id: string } }>(
    '/payment-invoices/:id/refund',
    { onRequest: auth },
    async (req, reply) => {
      const account = accountOf(req);
      const payment = await invoiceOf(account, req.params.id);
      // the schema's findings and the value checks, all at once (as for invoices)
      const body = req.body ?? {};
      const errors = schemaFindings(RefundRequest, body);
      const data = isPlainObject(body) && isPlainObject(body.data) ? body.data : {};
      const given = isPlainObject(data.attributes) ? data.attributes : {};
      if (typeof given.invoiceId === 'string' && given.invoiceId !== req.params.id)
        errors.invoiceId ??= 'This value should be equal to the invoice of the URL.';
      const amount = 'amount' in errors ? null : refundAmountOf(given.amount, payment.currency);
      if (amount && !amount.ok) errors.amount ??= amount.error;
      if (Object.keys(errors).length > 0 || !amount?.ok) throw fieldError(errors);
      const { attributes } = (body as RefundRequest).data;
      const refunded = await engine.refundPayment({
        merchantId: account.merchant.id,
        paymentId: payment.id,
        amountMinor: amount.value,
        externalId: attributes.reference_id,
        reason: attributes.description ?? '',
      });
      if (!refunded.ok) {
        if (refunded.error.code.startsWith('exists_with_')) {
          const current = (await engine.getPayment({ id: payment.id }, account.merchant.id)) ?? payment;
          return send(reply, 409, await render(account, current));
        }
        throw fromEngine(refunded.error);
      }
      return send(reply, 201, await render(account, refunded.value.payment));
    },
  );
  refuseOtherMethods(app, '/payment-invoices/:id/refund', ['POST']);

  app.get('/openapi.json', async (_req, reply) => send(reply, 200, openApiDocument(ctx.publicUrl)));
  refuseOtherMethods(app, '/openapi.json', ['GET']);
};
