import { randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { callbackUrlProblem } from '../../../delivery/outgoing.ts';
import { type Currency, isCurrency } from '../../../domain/currency.ts';
import { limits } from '../../../domain/limits.ts';
import type { Payment } from '../../../engine/payments/view.ts';
import { approximate, ExactNumber } from '../../kit/json.ts';
import { accountOf } from '../auth.ts';
import { publicInvoiceOf } from '../documents.ts';
import { fieldError, fromEngine, statusError } from '../errors.ts';
import { send } from '../http.ts';
import { type Account, type InvoiceContext, loadInvoice, servicesOf } from '../invoice.ts';
import {
  checkAmountBounds,
  checkServiceFields,
  checkUrls,
  isPlainObject,
  type PmService,
  pmAmount,
  publicInvoiceFields,
  testOutcomeOf,
  toPmService,
  toReturnUrls,
} from '../map.ts';
import { engineCustomer, inFieldOrder, parseExpires, schemaFindings } from '../parse.ts';
import { type InvoiceAttributes, PublicInvoiceRequest } from '../wire.ts';

/**
 * Creating an invoice, the same for both APIs, the HTML form and the `/hpp/` link: every
 * check at once as Paymega reports them, then the engine; the test service settles at once.
 */

/** `repeated`: the same request again; `conflict`: its reference id names another invoice. */
type Creation = { outcome: 'created' | 'repeated' | 'conflict'; payment: Payment };

/** The account's services a payer can pay with: the Paymega ones, enabled; of one currency if named. */
export async function activeServices(ctx: InvoiceContext, account: Account, currency?: Currency) {
  return (await servicesOf(ctx, account))
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
  const callbackUrl = text('callback_url');
  const refused = callbackUrl && !('callback_url' in errors) ? callbackUrlProblem(callbackUrl) : null;
  if (refused) add('callback_url', `Callbacks may not go to this address: ${refused}.`);
  let expiresAt: Date | undefined;
  // a number a double would change (kit/json.ts) is read from its digits, as the others
  const given = a.expires instanceof ExactNumber ? a.expires.text : a.expires;
  const expires = 'expires' in errors ? undefined : given;
  if (typeof expires === 'string' || typeof expires === 'number') {
    const parsed = parseExpires(expires, ctx.now());
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
  /** Made with the public key, which anyone holds (it is in shop pages). */
  publicKey: boolean;
};

/**
 * Checks the request, all at once as Paymega reports it, then creates the payment. The test
 * service settles at once when its `status` field asks for an outcome.
 */
export async function createInvoice(
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
  // no findings: the fields match the schema. Past the amount, numbers are what a double
  // makes of them (metadata is stored as JSON, and read back as such)
  const input = approximate(raw) as InvoiceAttributes;
  const externalId = input.reference_id ?? randomUUID();
  const status = input.service_fields?.status;
  const outcome = service.method.code === 'test' && typeof status === 'string' ? testOutcomeOf(status) : null;
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
    ...(outcome && { testOutcome: outcome }),
    publicCreate: request.publicKey,
  });
  const asked = {
    amountMinor,
    currency,
    serviceId: service.engine!.id,
    returnUrls: toReturnUrls(input.return_url, input.return_urls),
    // as the engine fills it in: the account's default when the request names none
    callbackUrl: input.callback_url ?? account.merchant.settings.callbackUrl ?? null,
  };
  if (!created.ok) {
    if (!created.error.code.startsWith('exists_with_')) throw fromEngine(created.error);
    const existing = await engine.getPayment({ externalId }, merchantId);
    if (!existing) throw fromEngine(created.error);
    refuseStrangersInvoice(existing, asked, request.publicKey);
    return { outcome: 'conflict', payment: existing };
  }
  if (!created.value.created) refuseStrangersInvoice(created.value.payment, asked, request.publicKey);
  let { payment } = created.value;
  // settled at once; a repeat finishes what a crashed first request left `created` (the
  // outcome it asked for is stored with the payment), so the retry answers with the result
  const stranded = payment.status === 'created' && payment.attempts === 0 && payment.testOutcome !== null;
  if (outcome && (created.value.created || stranded)) {
    const settled = await engine.payWithTestMethod({
      payment: { id: payment.id },
      merchantId,
      outcome: payment.testOutcome ?? outcome,
    });
    if (settled.ok) payment = settled.value.payment;
    else ctx.log.warn({ code: settled.error.code }, 'paymega: test service did not settle');
  }
  return { outcome: created.value.created ? 'created' : 'repeated', payment };
}

/**
 * The rule of a `reference_id` held by an invoice made through the other API (README,
 * "Public API abuse"): the public key is in shop pages, so anyone can create invoices with it,
 * with any `reference_id`. An invoice made through one API is handed back to a create through
 * the other only when it is what that create asked for (amount, currency, service, return
 * URLs, callback URL); otherwise the answer is a bare 409, which names no invoice: the
 * merchant's server never receives a stranger's invoice as its own, and a public-key holder
 * never sees the merchant's. Within one API, a repeated reference is COMPAT's 409 with the
 * existing invoice.
 */
function refuseStrangersInvoice(
  existing: Payment,
  asked: {
    amountMinor: bigint;
    currency: Currency;
    serviceId: bigint;
    returnUrls: Payment['returnUrls'];
    callbackUrl: string | null;
  },
  publicKey: boolean,
): void {
  if (existing.publicCreate === publicKey) return;
  const urls = (u: Payment['returnUrls']) =>
    JSON.stringify(
      Object.entries(u)
        .filter(([, v]) => typeof v === 'string' && v !== '')
        .sort(),
    );
  const same =
    existing.amountMinor === asked.amountMinor &&
    existing.currency === asked.currency &&
    existing.serviceId === asked.serviceId &&
    urls(existing.returnUrls) === urls(asked.returnUrls) &&
    existing.callbackUrl === asked.callbackUrl;
  if (!same) throw statusError(409);
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
export function publicInvoices(ctx: InvoiceContext) {
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
      publicKey: true,
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
