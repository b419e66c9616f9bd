import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { acsErrorPage, answerPage, challengePage, methodPage } from './acs-views.ts';
import { type FormBody, formOf, langOf, type Pages, sendPage } from './context.ts';
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

export function registerAcsRoutes(app: FastifyInstance, pages: Pages): void {
  const acs = pages.gateway.simulator.acs;
  const publicOrigin = originOf(pages.gateway.config.publicUrl);

  const refuse = (req: FastifyRequest, reply: FastifyReply) =>
    sendPage(pages, req, reply, 400, acsErrorPage({ lang: langOf(req), assets: pages.assets }));

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
      lang: langOf(req),
      assets: pages.assets,
      challenge: described.value,
      action: `/acs/v${version}/answer`,
      carry: hidden,
      otp: acs.expectedOtp(token),
    });
    return sendPage(pages, req, reply, 200, body);
  }

  function answer(req: FastifyRequest, reply: FastifyReply, version: '1' | '2', body: FormBody) {
    const token = str(version === '1' ? body.PaReq : body.creq);
    // "Cancel" answers like a wrong code: authentication not given.
    const answered = acs.answer(token, body.cancel ? '' : str(body.otp));
    if (!answered.ok || answered.value.version !== version) return refuse(req, reply);
    const returnUrl = httpUrl(answered.value.returnUrl);
    const returnOrigin = originOf(returnUrl ?? undefined);
    if (!returnUrl || !returnOrigin) return refuse(req, reply);
    const page = answerPage({
      lang: langOf(req),
      assets: pages.assets,
      returnUrl,
      form: answered.value.form,
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
      lang: langOf(req),
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
