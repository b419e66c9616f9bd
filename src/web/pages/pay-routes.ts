import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ThreeDsResult } from '../../acquiring/connector.ts';
import type { EngineError } from '../../domain/errors.ts';
import { deadlineAction } from '../../domain/states.ts';
import type { Payment } from '../../engine/payments/view.ts';
import { Secret } from '../../security/secret.ts';
import { type CardFormErrors, keptFields, validateCardForm } from './card-form.ts';
import { cookiesOf, formOf, langOf, type Pages, seeOther, sendError, sendPage } from './context.ts';
import { messages } from './i18n.ts';
import {
  errorPage,
  formPage,
  methodDonePage,
  type PaymentContext,
  resultPage,
  returnUrlFor,
  threeDsPage,
} from './pay-views.ts';
import { csrfCookie, httpUrl, originOf, pageLimits } from './security.ts';
import { readMethodNotification, threeDsMethodData } from './three-ds.ts';

/**
 * The hosted payment page: `GET /pay/:publicId` shows whatever the payment's state calls for
 * (the card form, the hop to the bank, or the result); POSTs change it and answer with a
 * redirect back to that GET, so a reload never repeats an attempt.
 */
type Params = { Params: { publicId: string } };

/** Public ids are 16 base62 characters (domain/ids.ts); anything else is not looked up. */
export const publicIdPattern = /^[0-9A-Za-z]{16}$/;

const attemptLimit = { max: pageLimits.attemptsPerIpPerMinute, timeWindow: 60_000 };
const postLimit = { max: pageLimits.postsPerIpPerMinute, timeWindow: 60_000 };

export function registerPayRoutes(app: FastifyInstance, pages: Pages): void {
  const { engine } = pages;
  const now = () => engine.deps.now();
  const payUrl = (publicId: string) => `/pay/${publicId}`;

  /**
   * The payment and its merchant, with a payment past its deadline expired on the spot, and a
   * 3-DS challenge past its own deadline settled (the payer left the bank's page: they may try
   * again rather than be sent to a challenge the bank no longer takes). Whether either is due
   * is the engine's rule, asked here only for a payment it may concern.
   */
  async function load(publicId: string): Promise<Omit<PaymentContext, 'lang' | 'assets'> | null> {
    if (!publicIdPattern.test(publicId)) return null;
    let payment = await engine.getPayment({ publicId });
    if (!payment) return null;
    if (deadlineAction(deadlineView(payment), now().getTime()) !== null) {
      await engine.expireIfDue({ publicId });
      payment = (await engine.getPayment({ publicId })) ?? payment;
    }
    if (atTheBank(payment) && (await engine.settleLapsedChallenge({ publicId })))
      payment = (await engine.getPayment({ publicId })) ?? payment;
    // A card registration's verification hold is voided as soon as it is approved: what the
    // payer did was register a card, so the page shows the approval, not the void.
    if (payment.cardLink?.role === 'verify' && payment.status === 'canceled') {
      const card = await engine.getCard(payment.merchantId, { id: payment.cardLink.cardId });
      if (card?.status === 'active') payment = { ...payment, status: 'authorized' };
    }
    const merchant = await engine.getMerchant(payment.merchantId);
    return {
      payment,
      merchantName: merchant?.name ?? '',
      // PayKeeper 5.1 `skip_default_pages`: the result goes straight back to the shop
      skipResultPage: merchant?.settings.skipDefaultPages === true,
    };
  }

  function showForm(
    req: FastifyRequest,
    reply: FastifyReply,
    ctx: PaymentContext,
    status: number,
    more: { errors?: CardFormErrors; kept?: { exp: string; holder: string } } = {},
  ): FastifyReply {
    const { token, setCookie } = pages.csrf.issue(ctx.payment.publicId, cookiesOf(req).get(csrfCookie));
    if (setCookie) reply.header('set-cookie', setCookie);
    const cancelOrigin = originOf(ctx.payment.returnUrls.cancel);
    return sendPage(pages, req, reply, status, formPage({ ...ctx, csrf: token, ...more }), {
      formAction: cancelOrigin ? [cancelOrigin] : [],
    });
  }

  function show(req: FastifyRequest, reply: FastifyReply, ctx: PaymentContext): FastifyReply {
    const p = ctx.payment;
    if (p.status === 'created') return showForm(req, reply, ctx, 200);
    // While the bank's answer is being processed (`opInFlight`), the result page says so and
    // looks again; the hop would post the challenge to the bank a second time.
    if (atTheBank(p)) {
      const c = p.challenge;
      const methodUrl = c.version === '2' ? c.methodUrl : undefined;
      const method =
        c.version === '2' && methodUrl
          ? {
              url: methodUrl,
              threeDSMethodData: threeDsMethodData(
                c.threeDsServerTransId,
                `${engine.deps.config.publicUrl}${payUrl(p.publicId)}/3ds/method`,
              ),
            }
          : null;
      const acsOrigin = originOf(c.acsUrl);
      const methodOrigin = originOf(methodUrl);
      const cancelOrigin = originOf(p.returnUrls.cancel);
      const { token, setCookie } = pages.csrf.issue(p.publicId, cookiesOf(req).get(csrfCookie));
      if (setCookie) reply.header('set-cookie', setCookie);
      return sendPage(pages, req, reply, 200, threeDsPage({ ...ctx, challenge: c, method, csrf: token }), {
        formAction: [acsOrigin, methodOrigin, cancelOrigin].filter((o): o is string => o !== null),
        frameSrc: methodOrigin ? [methodOrigin] : [],
      });
    }
    const back = ctx.skipResultPage ? returnUrlFor(p) : null;
    if (back) return seeOther(reply, back);
    return sendPage(
      pages,
      req,
      reply,
      200,
      resultPage({ ...ctx, redirectSeconds: pages.resultRedirectSeconds }),
    );
  }

  app.get<Params>('/pay/:publicId', async (req, reply) => {
    const loaded = await load(req.params.publicId);
    if (!loaded) return sendError(pages, req, reply, 'notFound');
    return show(req, reply, { ...loaded, lang: langOf(req), assets: pages.assets });
  });

  app.post<Params>('/pay/:publicId', { config: { rateLimit: attemptLimit } }, async (req, reply) => {
    const { publicId } = req.params;
    const loaded = await load(publicId);
    if (!loaded) return sendError(pages, req, reply, 'notFound');
    const body = formOf(req);
    if (!pages.csrf.verify(publicId, body.csrf, cookiesOf(req).get(csrfCookie)))
      return sendError(pages, req, reply, 'forbidden', { href: payUrl(publicId) });
    if (loaded.payment.status !== 'created') return seeOther(reply, payUrl(publicId));
    const ctx = { ...loaded, lang: langOf(req), assets: pages.assets };
    const checked = validateCardForm(body, now());
    if (!checked.ok) return showForm(req, reply, ctx, 422, { errors: checked.error, kept: keptFields(body) });

    const paid = await engine.payWithCard({ payment: { publicId }, card: new Secret(checked.value) });
    if (!paid.ok) {
      const errors = formErrorsOf(paid.error);
      if (errors) return showForm(req, reply, ctx, 422, { errors, kept: keptFields(body) });
      if (paid.error.code === 'payment_not_found') return sendError(pages, req, reply, 'notFound');
    }
    // Approved, declined, challenged, expired, out of attempts: the page of the new state says it.
    return seeOther(reply, payUrl(publicId));
  });

  app.post<Params>('/pay/:publicId/cancel', { config: { rateLimit: postLimit } }, async (req, reply) => {
    const { publicId } = req.params;
    const loaded = await load(publicId);
    if (!loaded) return sendError(pages, req, reply, 'notFound');
    if (!pages.csrf.verify(publicId, formOf(req).csrf, cookiesOf(req).get(csrfCookie)))
      return sendError(pages, req, reply, 'forbidden', { href: payUrl(publicId) });
    const canceled = await engine.cancelPayment({ publicId });
    // Normalized: a URL with a space, a newline or Cyrillic is fine in an href but not in Location.
    const back = canceled.ok ? httpUrl(canceled.value.returnUrls.cancel) : null;
    return seeOther(reply, back ?? payUrl(publicId));
  });

  // TermUrl (v1) and notification URL (v2): the ACS's answer, carried by the payer's browser.
  // No CSRF token: a real ACS posts from its own origin. The bank's signature is the check.
  app.post<Params>('/pay/:publicId/3ds', { config: { rateLimit: postLimit } }, async (req, reply) => {
    const { publicId } = req.params;
    const result = threeDsResultOf(formOf(req));
    if (!publicIdPattern.test(publicId) || !(await engine.getPayment({ publicId })))
      return sendError(pages, req, reply, 'notFound');
    if (!result) return sendError(pages, req, reply, 'badRequest', { href: payUrl(publicId) });
    const continued = await engine.continueThreeDs({ payment: { publicId }, result });
    // An answer the bank refused (junk, forged, or a stale one from an earlier attempt) left
    // the challenge open: say so, and lead back to it. A payer's genuine answer still counts.
    if (
      !continued.ok &&
      continued.error.code === 'invalid_argument' &&
      continued.error.field === 'threeDsResult'
    ) {
      const label = messages[langOf(req)].backToConfirmation;
      return sendError(pages, req, reply, 'threeDsRefused', { href: payUrl(publicId), label });
    }
    // Any other refusal (a double-submitted answer, a payment already settled or expired)
    // changes nothing: the payment's page shows where it stands either way.
    return seeOther(reply, payUrl(publicId));
  });

  app.get<Params>('/pay/:publicId/3ds', async (req, reply) =>
    publicIdPattern.test(req.params.publicId)
      ? seeOther(reply, payUrl(req.params.publicId))
      : sendError(pages, req, reply, 'notFound'),
  );

  // The 3DS Method notification URL, loaded in the hidden iframe of the 3-DS page.
  app.post<Params>('/pay/:publicId/3ds/method', { config: { rateLimit: postLimit } }, async (req, reply) => {
    const payment = publicIdPattern.test(req.params.publicId)
      ? await engine.getPayment({ publicId: req.params.publicId })
      : null;
    const transId = readMethodNotification(formOf(req).threeDSMethodData);
    const expected = payment?.challenge?.version === '2' ? payment.challenge.threeDsServerTransId : null;
    const lang = langOf(req);
    if (!transId || transId !== expected) {
      const t = messages[lang];
      const page = errorPage({
        lang,
        assets: pages.assets,
        title: t.badRequestTitle,
        text: t.badRequestText,
      });
      return sendPage(pages, req, reply, 400, page, { frameable: true });
    }
    return sendPage(pages, req, reply, 200, methodDonePage({ lang, assets: pages.assets }), {
      frameable: true,
    });
  });
}

/** The payment as the deadline rule sees it (the engine applies the same rule to its row). */
const deadlineView = (p: Payment) => ({
  status: p.status,
  expiresAtMs: p.expiresAt.getTime(),
  awaitingChallenge: p.challenge !== null,
  opInFlight: p.opInFlight !== null,
});

/** The payer is (or should be) at the bank's 3-DS page: a challenge is open and nothing is with the bank. */
const atTheBank = (p: Payment): p is Payment & { challenge: NonNullable<Payment['challenge']> } =>
  p.status === 'pending' && p.challenge !== null && p.opInFlight === null;

/** The engine's own card check failed: say so beside the field it names. */
function formErrorsOf(error: EngineError): CardFormErrors | null {
  if (error.code !== 'invalid_card') return null;
  switch (error.field) {
    case 'expiry':
      return { exp: error.detail === 'expired' ? 'exp_past' : 'exp_invalid' };
    case 'cvc':
      return { cvc: 'cvc_invalid' };
    case 'holder':
      return { holder: 'holder_invalid' };
    default:
      return { pan: 'pan_invalid' };
  }
}

/** PaRes + MD (3-D Secure 1) or cres (+ threeDSSessionData) (EMV 3-D Secure 2). */
function threeDsResultOf(body: Record<string, string | undefined>): ThreeDsResult | null {
  if (body.PaRes && body.MD) return { version: '1', paRes: body.PaRes, md: body.MD };
  if (body.cres)
    return {
      version: '2',
      cres: body.cres,
      ...(body.threeDSSessionData !== undefined && { threeDSSessionData: body.threeDSSessionData }),
    };
  return null;
}
