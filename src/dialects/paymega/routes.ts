import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { type Currency, isCurrency } from '../../domain/currency.ts';
import { limits } from '../../domain/limits.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import type { Customer as EngineCustomer, Payment } from '../../engine/payments/view.ts';
import type { Gateway } from '../../runtime.ts';
import type { PageHandoff } from '../dialect.ts';
import { paymentServiceOf, privateInvoiceOf, publicInvoiceOf } from './documents.ts';
import {
  accountOf,
  authenticatePublic,
  fieldError,
  formToObject,
  fromEngine,
  nestForm,
  privateAuth,
  publicAuth,
  refuseOtherMethods,
  schemaFindings,
  send,
  sendFailure,
  setUpWire,
  statusError,
} from './http.ts';
import { type Account, type InvoiceContext, invoiceContext, loadInvoice, loadInvoices } from './invoice.ts';
import { RawNumber } from './json.ts';
import {
  checkAmountBounds,
  checkServiceFields,
  checkUrls,
  invoiceIdOf,
  isPlainObject,
  type PmService,
  paymentMethodOf,
  pmAmount,
  publicIdOf,
  publicInvoiceFields,
  refundAmountOf,
  serviceIdOf,
  settlementCurrencyOf,
  testOutcomeOf,
  tolerantInvoiceFields,
  toPmService,
  toReturnUrls,
} from './map.ts';
import { openApiDocument } from './openapi.ts';
import {
  InvoiceAttributes,
  isStorableText,
  Prerequest,
  PrivateInvoiceRequest,
  PublicInvoiceRequest,
  RefundRequest,
} from './wire.ts';

/**
 * Paymega's two APIs: `/public-api` (browsers and apps, `public_key` in the request) and
 * `/api` (merchant back ends, Basic auth, JSON:API documents). Each is an encapsulated plugin
 * with its own body parser, schema validator, error format, 404 and 405 (http.ts): every
 * failure leaves in Paymega's shape. Routes authenticate, parse, map, call the engine, render.
 */

// ---- creating an invoice (both APIs and the form) ----

const minuteMs = 60_000;
const expiresWindowMs = { min: 14 * minuteMs, max: 2 * 24 * 60 * minuteMs };

/**
 * True when the fields name a real wall-clock time. JavaScript's Date rolls what it cannot
 * name over (February 30 → March 2, 24:00 → the next day); PHP's DateTime checks refuse them.
 */
function isRealTime(date: string, time: string): boolean {
  const [year, month, day] = date.split('-').map(Number) as [number, number, number];
  // the regexp gave hours and minutes; seconds may be missing, their fraction is no matter
  const [hour = 0, minute = 0, second = 0] = time.split(':').map((part) => Math.trunc(Number(part)));
  const wall = new Date(0);
  wall.setUTCFullYear(year, month - 1, day); // not Date.UTC, which reads years below 100 as 19xx
  wall.setUTCHours(hour, minute, second);
  return (
    wall.getUTCFullYear() === year &&
    wall.getUTCMonth() === month - 1 &&
    wall.getUTCDate() === day &&
    wall.getUTCHours() === hour &&
    wall.getUTCMinutes() === minute &&
    wall.getUTCSeconds() === second
  );
}

/**
 * `expires` as the spec writes it (a DateTime) or as PayCore's checkout reference does (an int
 * UNIX timestamp, UTC): a JSON integer, or its digits in a form or a query.
 */
function readExpires(value: string | number): Date | null {
  const text = String(value).trim();
  if (/^\d+$/.test(text)) {
    const ms = Number(text) * 1000;
    const at = new Date(ms);
    return Number.isSafeInteger(ms) && !Number.isNaN(at.getTime()) ? at : null;
  }
  const iso = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?$/i.exec(
    text,
  );
  if (!iso || !isRealTime(iso[1]!, iso[2]!)) return null;
  // no zone means UTC; `+0300` means `+03:00`
  const zone = iso[3] ? iso[3].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2') : 'Z';
  const at = new Date(`${iso[1]}T${iso[2]}${zone}`);
  return Number.isNaN(at.getTime()) ? null : at;
}

function parseExpires(value: string | number, now: Date): Result<Date, string> {
  const at = readExpires(value);
  if (!at) return fail('This value is not a valid datetime.');
  const ahead = at.getTime() - now.getTime();
  if (ahead < expiresWindowMs.min || ahead > expiresWindowMs.max)
    return fail('This value should be between 14 minutes and 2 days from now.');
  return ok(at);
}

/** `repeated`: the same request again; `conflict`: its reference id names another invoice. */
type Creation = { outcome: 'created' | 'repeated' | 'conflict'; payment: Payment };

function engineCustomer(c: InvoiceAttributes['customer']): EngineCustomer | undefined {
  if (!c) return undefined;
  const { reference_id, ...rest } = c;
  return { id: reference_id, ...rest };
}

/** Field errors in the order Paymega's validator walks the fields (envelope first). */
const fieldOrder = ['data', 'public_key', ...Object.keys(InvoiceAttributes.properties)];
function inFieldOrder(errors: Record<string, string>): Record<string, string> {
  const rank = (name: string) => {
    const at = fieldOrder.indexOf(name.split('.')[0]!);
    return at === -1 ? fieldOrder.length : at;
  };
  return Object.fromEntries(Object.entries(errors).sort(([a], [b]) => rank(a) - rank(b)));
}

/** The account's services a payer can pay with: the Paymega ones, enabled; of one currency if named. */
async function activeServices(ctx: InvoiceContext, account: Account, currency?: Currency) {
  return (await ctx.engine.listServices(account.merchant.id))
    .map(toPmService)
    .filter(
      (s): s is PmService =>
        s?.engine?.enabled === true && (currency === undefined || s.currency === currency),
    );
}

/** With no currency to go by, an amount is read with the most decimals any currency has. */
const anyCurrency: Currency = 'KWD';

type Checked = { service: PmService; currency: Currency; amountMinor: bigint; expiresAt?: Date };

/**
 * Checks what the schema cannot (currencies, the account's services, Paymega's bounds,
 * service fields, URLs, `expires`) on every field the schema found no fault with, and adds
 * those findings to the schema's: a client learns of every field at fault at once, as
 * Symfony's validator reports them, not the schema's faults first and the rest next time.
 */
async function checkInvoice(
  ctx: InvoiceContext,
  account: Account,
  a: Record<string, unknown>,
  findings: Record<string, string>,
): Promise<Checked> {
  const errors: Record<string, string> = { ...findings };
  const add = (name: string, message: string) => {
    errors[name] ??= message;
  };
  const text = (name: string) =>
    typeof a[name] === 'string' && !(name in errors) ? (a[name] as string) : undefined;

  let currency: Currency | undefined;
  const currencyText = text('currency')?.toUpperCase();
  if (currencyText !== undefined) {
    if (isCurrency(currencyText)) currency = currencyText;
    else add('currency', 'This value is not a valid currency.');
  }
  const serviceCode = text('service');
  let service: PmService | undefined;
  if (serviceCode !== undefined) {
    service = (await activeServices(ctx, account)).find((s) => s.code === serviceCode);
    if (!service) add('service', 'The value you selected is not a valid choice.');
    else if (currency && service.currency !== currency)
      add('currency', 'This value does not match the service currency.');
  }
  let amountMinor = 0n;
  if (a.amount !== undefined && !('amount' in errors)) {
    const amount = pmAmount.parse(a.amount, currency ?? service?.currency ?? anyCurrency);
    if (!amount.ok) add('amount', amount.error);
    else if (service && currency) {
      amountMinor = amount.value;
      const bound = checkAmountBounds(amountMinor, service.method, currency);
      if (bound) add('amount', bound);
    }
  }
  if (service && !('service_fields' in errors))
    for (const [name, message] of Object.entries(
      checkServiceFields(service.method, a.service_fields as Record<string, unknown> | undefined),
    ))
      add(name, message);
  const returnUrls = isPlainObject(a.return_urls) && !('return_urls' in errors) ? a.return_urls : {};
  const urls = checkUrls({
    return_url: text('return_url'),
    return_urls: Object.fromEntries(
      Object.entries(returnUrls).filter(
        (e): e is [string, string] => typeof e[1] === 'string' && !(`return_urls.${e[0]}` in errors),
      ),
    ),
    callback_url: text('callback_url'),
  });
  for (const [name, message] of Object.entries(urls)) add(name, message);
  let expiresAt: Date | undefined;
  const expires = 'expires' in errors ? undefined : a.expires;
  if (typeof expires === 'string' || typeof expires === 'number') {
    const parsed = parseExpires(expires, ctx.engine.deps.now());
    if (parsed.ok) expiresAt = parsed.value;
    else add('expires', parsed.error);
  }
  // the engine's own bound, checked here so that it is reported with the rest
  if (isPlainObject(a.metadata) && Buffer.byteLength(JSON.stringify(a.metadata)) > limits.metadataBytesMax)
    add('metadata', 'This value is not valid.');

  if (Object.keys(errors).length > 0 || !service || !currency) throw fieldError(inFieldOrder(errors));
  return { service, currency, amountMinor, ...(expiresAt && { expiresAt }) };
}

/**
 * A create request of either API: `attributes` as sent (tolerated, see map.ts), `findings`
 * the schema's. `testMode` reads the checked fields (the public API goes by its key).
 */
type CreateRequest = {
  attributes: unknown;
  findings: Record<string, string>;
  testMode: (fields: InvoiceAttributes) => boolean;
};

/**
 * Checks the request, all at once as Paymega reports it, then creates the payment. The test
 * service settles at once when its `status` field asks for an outcome.
 */
async function createInvoice(
  ctx: InvoiceContext,
  account: Account,
  request: CreateRequest,
): Promise<Creation> {
  const { engine } = ctx;
  const merchantId = account.merchant.id;
  const raw = isPlainObject(request.attributes) ? request.attributes : {};
  const { service, currency, amountMinor, expiresAt } = await checkInvoice(
    ctx,
    account,
    raw,
    request.findings,
  );
  // no findings: the fields match the schema
  const input = raw as InvoiceAttributes;
  const externalId = input.reference_id ?? randomUUID();
  const created = await engine.createPayment({
    merchantId,
    origin: 'paymega',
    amountMinor,
    currency,
    flow: input.flow === 'verify' ? 'hold' : 'charge',
    externalId,
    description: input.description ?? '',
    customer: engineCustomer(input.customer),
    metadata: input.metadata,
    returnUrls: toReturnUrls(input.return_url, input.return_urls),
    callbackUrl: input.callback_url ?? null,
    expiresAt,
    testMode: request.testMode(input),
    serviceCode: service.engine!.code,
  });
  if (!created.ok) {
    if (!created.error.code.startsWith('exists_with_')) throw fromEngine(created.error);
    const existing = await engine.getPayment({ externalId }, merchantId);
    if (!existing) throw fromEngine(created.error);
    return { outcome: 'conflict', payment: existing };
  }
  let { payment } = created.value;
  const status = input.service_fields?.status;
  const outcome = typeof status === 'string' ? testOutcomeOf(status) : null;
  if (created.value.created && service.method.code === 'test' && outcome) {
    const settled = await engine.payWithTestMethod({ payment: { id: payment.id }, merchantId, outcome });
    if (settled.ok) payment = settled.value.payment;
    else engine.deps.log.warn({ code: settled.error.code }, 'paymega: test service did not settle');
  }
  return { outcome: created.value.created ? 'created' : 'repeated', payment };
}

// ---- the public API ----

/**
 * A sandbox key (`pk_test_…`) never makes a live invoice; a live key (`pk_live_…`) makes a
 * test one when `test_mode` asks, as the private API does.
 */
const testModeOf = (account: Account & { testKey: boolean }, value: unknown) =>
  account.testKey || value === true || value === 'true' || value === '1' || value === 1;

/**
 * Invoices from the public API's flat fields: its JSON body, the HTML form, and the `/hpp/`
 * checkout link, which answers as the form does. The request's account is set (auth) first.
 */
function publicInvoices(ctx: InvoiceContext) {
  const render = async (account: Account, payment: Payment) => ({
    data: publicInvoiceOf(await loadInvoice(ctx, account, payment)),
  });
  /** `findings`: faults found before the checks (the `/hpp/` link's missing service). */
  const create = (req: FastifyRequest, fields: unknown, findings: Record<string, string> = {}) => {
    const account = accountOf(req);
    const attributes = publicInvoiceFields(fields);
    return createInvoice(ctx, account, {
      attributes,
      findings: { ...schemaFindings(PublicInvoiceRequest, attributes), ...findings },
      testMode: (checked) => testModeOf(account, checked.test_mode),
    });
  };
  /**
   * A browser's answer: the payment page, also for the same form sent again (the back
   * button, a reload), so the payer lands on the invoice already made; a reference id that
   * names a different invoice is the API's 409 with that invoice.
   */
  const process = async (
    req: FastifyRequest,
    reply: FastifyReply,
    fields: unknown,
    findings?: Record<string, string>,
  ) => {
    const { outcome, payment } = await create(req, fields, findings);
    if (outcome === 'conflict') return send(reply, 409, await render(accountOf(req), payment));
    // the address names a payment: no cache keeps it, no Referer carries it on (as /hpp/?cpi=)
    return reply
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .redirect(`${ctx.publicUrl}/pay/${payment.publicId}`, 302);
  };
  return { render, create, process };
}

const publicApi: FastifyPluginAsync<{ ctx: InvoiceContext }> = async (app, { ctx }) => {
  setUpWire(app);
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

  app.get<{ Params: { id: string } }>(
    '/payment-invoices/:id',
    { preValidation: reads },
    async (req, reply) => {
      const account = accountOf(req);
      const publicId = publicIdOf(req.params.id);
      const payment = publicId ? await ctx.engine.getPayment({ publicId }, account.merchant.id) : null;
      if (!payment) throw statusError(404);
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

// ---- the hosted checkout link ----

/**
 * The service of a `/hpp/` link that names none (PayCore's checkout form makes it optional):
 * the account's one active payer-facing service for the currency. With none or several, a finding on
 * `service` that says so (Corefy's checkout would offer a choice of methods; Kopek has no such
 * page). A currency that is none leaves `service` blank, reported beside the currency's fault.
 */
async function checkoutService(
  ctx: InvoiceContext,
  account: Account,
  fields: Record<string, unknown>,
): Promise<{ service?: string; findings: Record<string, string> }> {
  if (fields.service !== undefined && fields.service !== '') return { findings: {} };
  const currency = typeof fields.currency === 'string' ? fields.currency.toUpperCase() : '';
  if (!isCurrency(currency)) return { findings: {} };
  // A payer's link means a payer's method: the test service (outcome chosen by a field, for
  // merchants' automated tests) is never picked for them.
  const offered = (await activeServices(ctx, account, currency)).filter((s) => s.method.code !== 'test');
  if (offered.length === 1) return { service: offered[0]!.code, findings: {} };
  const service =
    offered.length === 0
      ? `The account has no service for ${currency}.`
      : `This value should not be blank: the account has several services for ${currency} (${offered.map((s) => s.code).join(', ')}).`;
  return { findings: { service } };
}

/**
 * `/hpp/?public_key=…&currency=…&amount=…&customer[reference_id]=…`: the checkout link that
 * Corefy's widget (merchant-widget-js) and merchants build, and PayCore's `<form
 * action="…/hpp/" method="get">` sends (POSTed too). It is the HTML form of `POST
 * /public-api/payment-invoices/process` in a URL, answered by the same code: the same checks,
 * refusals and answers, in the API's words (`service` may be left out, see checkoutService).
 * The payment pages own the address (`/hpp/?cpi=` is theirs) and hand these requests over.
 */
export function hppCheckout(gateway: Pick<Gateway, 'engine' | 'config'>): PageHandoff {
  const ctx = invoiceContext(gateway);
  const invoices = publicInvoices(ctx);
  // the pages' form parser keeps names as sent: brackets are read here, as the API's parser does
  const fieldsOf = (req: FastifyRequest): Record<string, unknown> => {
    if (req.method === 'POST') return nestForm(Object.entries((req.body ?? {}) as Record<string, string>));
    const at = req.url.indexOf('?');
    return at === -1 ? {} : formToObject(req.url.slice(at + 1));
  };
  return {
    path: '/hpp',
    // a link to an invoice (`cpi`) is the pages'; a HEAD (a link checker) makes no invoice
    accepts: (req) => {
      if (req.method === 'HEAD') return false;
      const fields = fieldsOf(req);
      return fields.public_key !== undefined && (fields.cpi === undefined || fields.cpi === '');
    },
    handle: async (req, reply) => {
      try {
        const fields = fieldsOf(req);
        await authenticatePublic(ctx, req, fields.public_key, { creates: true });
        const { service, findings } = await checkoutService(ctx, accountOf(req), fields);
        return await invoices.process(req, reply, service ? { ...fields, service } : fields, findings);
      } catch (error) {
        return sendFailure(error, req, reply);
      }
    },
  };
}

/** A plain badge for method logos and the default account icon, served by Kopek itself. */
function svg(reply: FastifyReply, label: string) {
  const text = label.replace(/[^A-Z_]/g, '');
  return reply
    .type('image/svg+xml')
    .header('cache-control', 'public, max-age=86400')
    .send(
      `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="40" viewBox="0 0 64 40"><rect width="64" height="40" rx="6" fill="#2b3a55"/><text x="32" y="25" font-family="sans-serif" font-size="12" fill="#fff" text-anchor="middle">${text}</text></svg>`,
    );
}

// ---- the private API ----

const pageSizeMax = 100;

/** `page[size]` and friends: a positive integer up to the bound, or a 422 naming the parameter. */
function pageParam(query: Record<string, unknown>, name: string, fallback: number, max: number): number {
  const raw = query[name];
  if (raw === undefined || raw === '') return fallback;
  const value = typeof raw === 'string' && /^\d{1,9}$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= 1 && value <= max))
    throw fieldError({ [name]: `This value should be between 1 and ${max}.` });
  return value;
}

/**
 * The list's `filter[reference_id]`: undefined when the query asks for no filter. A filter is
 * never dropped, since the whole list would then answer a client that reads `data[0]` as its
 * invoice: a value that names no invoice (empty) is an empty list, and one that is not a
 * single string (repeated, `filter=x`, `filter[reference_id][]=x`, a filter we do not have)
 * is a 422 naming the parameter, as PHP's query arrays would make Symfony's validator say.
 */
function referenceFilter(query: Record<string, unknown>): string | undefined {
  const errors: Record<string, string> = {};
  const name = 'filter[reference_id]';
  for (const key of Object.keys(query)) {
    if (key === name) {
      if (typeof query[key] !== 'string') errors[key] = 'This value should be of type string.';
    } else if (key === 'filter') errors[key] = 'This value should be of type array.';
    else if (key.startsWith(`${name}[`)) errors[name] = 'This value should be of type string.';
    else if (key.startsWith('filter[')) errors[key] = 'This field was not expected.';
  }
  if (Object.keys(errors).length > 0) throw fieldError(errors);
  return query[name] as string | undefined;
}

const privateApi: FastifyPluginAsync<{ ctx: InvoiceContext }> = async (app, { ctx }) => {
  setUpWire(app);
  const { engine } = ctx;
  const auth = privateAuth(ctx);

  const render = async (account: Account, payment: Payment) => ({
    data: privateInvoiceOf(await loadInvoice(ctx, account, payment)),
  });
  const offeredServices = async (account: Account) =>
    (await engine.listServices(account.merchant.id))
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

/** Where the two APIs live; every URL under them answers in Paymega's format. */
export const paymegaPrefixes = { public: '/public-api', private: '/api' } as const;

/** The Paymega dialect: both APIs, registered by web/app.ts. */
export const paymegaPlugin: FastifyPluginAsync<{ gateway: Gateway }> = async (app, { gateway }) => {
  const ctx = invoiceContext(gateway);
  await app.register(publicApi, { prefix: paymegaPrefixes.public, ctx });
  await app.register(privateApi, { prefix: paymegaPrefixes.private, ctx });
};
