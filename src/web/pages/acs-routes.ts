import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { acsErrorPage, answerPage, challengePage, methodPage } from './acs-views.ts';
import { type FormBody, formOf, langOf, type Pages, sendPage } from './context.ts';
import { isLang, type Lang } from './i18n.ts';
import { httpUrl, originOf, pageLimits } from './security.ts';

/**
 * The simulator bank's ACS, as a payer's browser meets a real one: it arrives by a form POST
 * (PaReq+MD+TermUrl for 3-D Secure 1, creq+threeDSSessionData for 2), types the one-time
 * code, and is sent back by an auto-submitted form (PaRes+MD, or cres+threeDSSessionData).
 * What to show and where to return come only from the bank's signed token, never from
 * fields the browser could change; `gateway.simulator.acs` signs the answer.
 *
 * A real 3-D Secure 1 ACS posts its PaRes to whatever TermUrl the browser brought: the PaRes
 * is signed and names its transaction, so elsewhere it is worthless. This one is stricter:
 * the return URL is the one signed into the PaReq, a TermUrl that differs is refused, and a
 * return URL that is not http(s) (which only a bug could sign) is refused too, so the
 * auto-submitted answer can never become a `javascript:` or `data:` navigation.
 */
const answerLimit = { max: pageLimits.acsAnswersPerIpPerMinute, timeWindow: 60_000 };
const postLimit = { max: pageLimits.postsPerIpPerMinute, timeWindow: 60_000 };

const str = (value: string | undefined): string => value ?? '';

/**
 * A switch's `?lang=` (a choice, remembered), then the `lang` the challenge page posts along
 * with the answer, then the payer's cookie or browser.
 */
function acsLang(req: FastifyRequest): Lang {
  const chosen = (req.query as Record<string, unknown> | undefined)?.lang;
  const carried = formOf(req).lang;
  return !isLang(chosen) && isLang(carried) ? carried : langOf(req);
}

/** The fields of 3-D Secure and of these pages: what the error page's language switch posts again. */
const knownFields = [
  'PaReq',
  'MD',
  'TermUrl',
  'creq',
  'threeDSSessionData',
  'otp',
  'cancel',
  'threeDSMethodData',
];

const pathOf = (req: FastifyRequest): string => req.url.split('?')[0]!;

export function registerAcsRoutes(app: FastifyInstance, pages: Pages): void {
  const acs = pages.gateway.simulator.acs;
  const publicOrigin = originOf(pages.gateway.config.publicUrl);

  const refuse = (req: FastifyRequest, reply: FastifyReply) => {
    const body = formOf(req);
    const fields = Object.fromEntries(
      knownFields.flatMap((name) => (typeof body[name] === 'string' ? [[name, body[name]]] : [])),
    );
    const token = body.PaReq ?? body.creq;
    const page = acsErrorPage({
      lang: acsLang(req),
      assets: pages.assets,
      again: { action: pathOf(req), fields },
      back: token === undefined ? null : httpUrl(acs.returnUrlOf(token)),
    });
    return sendPage(pages, req, reply, 400, page);
  };

  function challenge(
    req: FastifyRequest,
    reply: FastifyReply,
    version: '1' | '2',
    token: string,
    carry: (returnUrl: string) => Record<string, string> | null,
  ): FastifyReply {
    const described = acs.describe(token);
    if (!described.ok || described.value.version !== version) return refuse(req, reply);
    if (!httpUrl(described.value.returnUrl)) return refuse(req, reply);
    const hidden = carry(described.value.returnUrl);
    if (!hidden) return refuse(req, reply);
    const body = challengePage({
      lang: acsLang(req),
      assets: pages.assets,
      challenge: described.value,
      action: `/acs/v${version}/answer`,
      carry: hidden,
      otp: acs.expectedOtp(token),
      here: `/acs/v${version}`,
    });
    return sendPage(pages, req, reply, 200, body);
  }

  function answer(req: FastifyRequest, reply: FastifyReply, version: '1' | '2', body: FormBody) {
    const token = str(version === '1' ? body.PaReq : body.creq);
    // "Cancel" answers like a wrong code: authentication not given.
    const otp = body.cancel ? '' : str(body.otp);
    const answered = acs.answer(token, otp);
    if (!answered.ok || answered.value.version !== version) return refuse(req, reply);
    const returnUrl = httpUrl(answered.value.returnUrl);
    const returnOrigin = originOf(returnUrl ?? undefined);
    if (!returnUrl || !returnOrigin) return refuse(req, reply);
    const page = answerPage({
      lang: acsLang(req),
      assets: pages.assets,
      returnUrl,
      form: answered.value.form,
      // The same answer again, in the other language: the ACS signs the same thing twice.
      again: {
        action: `/acs/v${version}/answer`,
        fields: { [version === '1' ? 'PaReq' : 'creq']: token, ...(body.cancel ? { cancel: '1' } : { otp }) },
      },
    });
    return sendPage(pages, req, reply, 200, page, { formAction: [returnOrigin] });
  }

  app.post('/acs/v1', { config: { rateLimit: postLimit } }, async (req, reply) => {
    const body = formOf(req);
    const paReq = str(body.PaReq);
    // TermUrl is sent by the merchant side, but the answer goes only where the bank's
    // PaReq says: a TermUrl that differs is someone redirecting the payer's answer.
    return challenge(req, reply, '1', paReq, (returnUrl) =>
      body.TermUrl !== undefined && body.TermUrl !== returnUrl
        ? null
        : { PaReq: paReq, MD: str(body.MD), TermUrl: returnUrl },
    );
  });

  app.post('/acs/v1/answer', { config: { rateLimit: answerLimit } }, async (req, reply) =>
    answer(req, reply, '1', formOf(req)),
  );

  app.post('/acs/v2', { config: { rateLimit: postLimit } }, async (req, reply) => {
    const body = formOf(req);
    const creq = str(body.creq);
    return challenge(req, reply, '2', creq, () => ({
      creq,
      threeDSSessionData: str(body.threeDSSessionData),
    }));
  });

  app.post('/acs/v2/answer', { config: { rateLimit: answerLimit } }, async (req, reply) =>
    answer(req, reply, '2', formOf(req)),
  );

  // The 3DS Method URL, framed (hidden) by the gateway's 3-DS page, so it may be framed by 'self'.
  app.post('/acs/v2/method', { config: { rateLimit: postLimit } }, async (req, reply) => {
    const notice = acs.methodNotification(formOf(req).threeDSMethodData);
    // This ACS serves this gateway only: it never becomes a relay that POSTs anywhere it is told.
    const notificationUrl = notice.ok ? httpUrl(notice.value.notificationUrl) : null;
    if (!notice.ok || !notificationUrl || originOf(notificationUrl) !== publicOrigin)
      return refuse(req, reply);
    const page = methodPage({
      lang: acsLang(req),
      assets: pages.assets,
      notificationUrl,
      threeDSMethodData: notice.value.form.threeDSMethodData,
    });
    return sendPage(pages, req, reply, 200, page, {
      frameable: true,
      formAction: publicOrigin ? [publicOrigin] : [],
    });
  });
}
