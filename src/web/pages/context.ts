import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Engine } from '../../engine/engine.ts';
import type { Gateway } from '../../runtime.ts';
import type { Assets } from './assets.ts';
import { isLang, type Lang, messages, pickLang } from './i18n.ts';
import { errorPage } from './pay-views.ts';
import { type CsrfGuard, type PageSecurity, parseCookies, setPageHeaders } from './security.ts';

/** What every page route needs; built once by the plugin and passed explicitly. */
export type Pages = {
  gateway: Gateway;
  engine: Engine;
  assets: Assets;
  csrf: CsrfGuard;
  /** The public URL is https: cookies are `Secure` (and responses carry HSTS, plugin.ts). */
  https: boolean;
  /** How long a result page shows before it sends the payer back to the shop. */
  resultRedirectSeconds: number;
};

const langCookie = 'kopek_lang';

export const cookiesOf = (req: FastifyRequest): Map<string, string> => parseCookies(req.headers.cookie);

export function langOf(req: FastifyRequest): Lang {
  const query = (req.query as Record<string, unknown> | undefined)?.lang;
  return pickLang(query, cookiesOf(req).get(langCookie), req.headers['accept-language']);
}

/** A form body as parsed by the plugin: names to first values, nothing inherited. The plugin
 * parses nothing else (JSON, text): a value is a string or absent. */
export type FormBody = Record<string, string | undefined>;
export const formOf = (req: FastifyRequest): FormBody =>
  req.body && typeof req.body === 'object' ? (req.body as FormBody) : {};

/**
 * Sends an HTML page with the security headers. A `?lang=` choice is remembered in a cookie,
 * so the bank's return (which carries no query) comes back in the same language. No script
 * reads that cookie: HttpOnly, and Secure on https like the CSRF cookie.
 */
export function sendPage(
  pages: Pages,
  req: FastifyRequest,
  reply: FastifyReply,
  status: number,
  body: string,
  security: PageSecurity = {},
): FastifyReply {
  setPageHeaders(reply, security);
  const chosen = (req.query as Record<string, unknown> | undefined)?.lang;
  if (isLang(chosen))
    reply.header(
      'set-cookie',
      `${langCookie}=${chosen}; Path=/; SameSite=Lax; Max-Age=31536000; HttpOnly${pages.https ? '; Secure' : ''}`,
    );
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

/** A POST answered with a redirect to a page (Post/Redirect/Get): a reload never re-submits. */
export const seeOther = (reply: FastifyReply, url: string): FastifyReply =>
  reply.header('cache-control', 'no-store').header('referrer-policy', 'no-referrer').redirect(url, 303);

type ErrorKind = 'notFound' | 'forbidden' | 'tooMany' | 'badRequest' | 'serverError' | 'threeDsRefused';
const errorStatus: Record<ErrorKind, number> = {
  notFound: 404,
  forbidden: 403,
  tooMany: 429,
  badRequest: 400,
  serverError: 500,
  threeDsRefused: 400,
};

/**
 * An error page in the payer's language; `status` overrides the kind's (413 is a bad request
 * too). `link` is the way back, the payment page (its label "open the payment page" unless
 * told otherwise); the language switch reloads that page, or this one if it can be GET.
 */
export function sendError(
  pages: Pages,
  req: FastifyRequest,
  reply: FastifyReply,
  kind: ErrorKind,
  link?: { href: string; label?: string },
  status = errorStatus[kind],
): FastifyReply {
  const lang = langOf(req);
  const t = messages[lang];
  const texts: Record<ErrorKind, [title: string, text: string]> = {
    notFound: [t.notFoundTitle, t.notFoundText],
    forbidden: [t.forbiddenTitle, t.forbiddenText],
    tooMany: [t.tooManyTitle, t.tooManyText],
    badRequest: [t.badRequestTitle, t.badRequestText],
    serverError: [t.serverErrorTitle, t.serverErrorText],
    threeDsRefused: [t.threeDsRefusedTitle, t.threeDsRefusedText],
  };
  const [title, text] = texts[kind];
  const here = link?.href ?? (req.method === 'GET' || req.method === 'HEAD' ? req.url : undefined);
  const body = errorPage({
    lang,
    assets: pages.assets,
    title,
    text,
    ...(link && { link: { href: link.href, label: link.label ?? t.openPaymentPage } }),
    ...(here !== undefined && { here }),
  });
  return sendPage(pages, req, reply, status, body);
}
