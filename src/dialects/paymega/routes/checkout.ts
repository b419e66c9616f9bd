import type { FastifyRequest } from 'fastify';
import { isCurrency } from '../../../domain/currency.ts';
import type { DialectHost, PageHandoff } from '../../dialect.ts';
import { accountOf, authenticatePublic } from '../auth.ts';
import { sendFailure } from '../http.ts';
import { type Account, type InvoiceContext, invoiceContext } from '../invoice.ts';
import { formToObject, nestForm } from '../parse.ts';
import { activeServices, publicInvoices } from './invoices.ts';

/**
 * The hosted checkout link `/hpp/?public_key=…`: the public API's HTML form in a URL, at an
 * address the payment pages own and hand over (dialect.ts's PageHandoff).
 */

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
export function hppCheckout(host: DialectHost): PageHandoff {
  const ctx = invoiceContext(host);
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
