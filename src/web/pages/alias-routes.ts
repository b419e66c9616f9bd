import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Pages, sendError } from './context.ts';
import { isLang } from './i18n.ts';
import { publicIdPattern } from './pay-routes.ts';
import { pageLimits } from './security.ts';

/**
 * The payment-page addresses the emulated providers hand out, each redirected to the one
 * hosted page: Paymega's `/hpp/?cpi=cpi_<publicId>` and PayKeeper's `/bill/<invoice id>/`.
 * A merchant that builds such links itself keeps working after changing only the host.
 * Paymega's checkout link without an invoice (`/hpp/?public_key=…&amount=…`, also POSTed)
 * creates one: the dialect answers it (its PageHandoff), as its API answers the same form.
 */
type InvoiceParams = { Params: { invoiceId: string } };

/** PayKeeper invoice ids are 19-digit numbers (engine/invoices.ts). */
const invoiceIdPattern = /^\d{1,19}$/;

export function registerAliasRoutes(app: FastifyInstance, pages: Pages): void {
  /** A chosen language travels along; the rest of the query does not. */
  const toPay = (req: FastifyRequest, reply: FastifyReply, publicId: string, fallbackLang?: unknown) => {
    const asked = (req.query as Record<string, unknown>).lang;
    const lang = isLang(asked) ? asked : fallbackLang;
    // The address names a payment: no cache keeps it, no Referer carries it on.
    return reply
      .header('cache-control', 'no-store')
      .header('referrer-policy', 'no-referrer')
      .redirect(`/pay/${publicId}${isLang(lang) ? `?lang=${lang}` : ''}`, 302);
  };

  const handoffs = pages.gateway.dialects.flatMap((d) => d.pageHandoffs?.(pages.gateway) ?? []);

  const hpp = async (req: FastifyRequest, reply: FastifyReply) => {
    const handoff = handoffs.find((h) => h.path === '/hpp' && h.accepts(req));
    if (handoff) return handoff.handle(req, reply);
    if (req.method === 'POST') return sendError(pages, req, reply, 'notFound');
    const cpi = (req.query as Record<string, unknown>).cpi;
    const publicId = typeof cpi === 'string' && cpi.startsWith('cpi_') ? cpi.slice(4) : '';
    if (!publicIdPattern.test(publicId)) return sendError(pages, req, reply, 'notFound');
    return toPay(req, reply, publicId);
  };
  for (const url of ['/hpp', '/hpp/']) {
    app.get(url, hpp);
    app.post(url, hpp);
  }

  const bill = async (req: FastifyRequest<InvoiceParams>, reply: FastifyReply) => {
    const { invoiceId } = req.params;
    const invoice = invoiceIdPattern.test(invoiceId)
      ? await pages.engine.getInvoice({ id: invoiceId })
      : null;
    if (!invoice) return sendError(pages, req, reply, 'notFound');
    // the language the shop chose for its payer (PayKeeper's `lang`), unless the link names one
    return toPay(req, reply, invoice.paymentPublicId, invoice.data.lang);
  };
  // Counted per client IP, found or not: an invoice id can be guessed by counting (security.ts).
  const billOptions = {
    config: { rateLimit: { max: pageLimits.billLookupsPerIpPerMinute, timeWindow: 60_000 } },
  };
  app.get<InvoiceParams>('/bill/:invoiceId', billOptions, bill);
  app.get<InvoiceParams>('/bill/:invoiceId/', billOptions, bill);
}
