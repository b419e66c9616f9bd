import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../engine/engine.ts';

/**
 * Every request at a payment's pages (`/pay/<publicId>…`) logged for the merchant (PayKeeper
 * 2.6 `httplog`), after the answer is sent. Card fields and the CSRF token are left out of
 * the body by name; the engine masks any digit run that could still be a card number.
 */

/** Form fields never logged: the card, and the page's own secret. */
const secretFields = /^(pan|cvc|cvv|exp|expiry|holder|csrf|card.*)$/i;

export const loggedBody = (body: unknown): string => {
  if (body === null || typeof body !== 'object') return '';
  const kept = new URLSearchParams();
  for (const [name, value] of Object.entries(body as Record<string, unknown>))
    if (!secretFields.test(name) && typeof value === 'string') kept.append(name, value);
  return kept.toString();
};

export function logPaymentRequests(app: FastifyInstance, engine: Engine): void {
  app.addHook('onResponse', async (req) => {
    const publicId = (req.params as { publicId?: unknown } | undefined)?.publicId;
    if (typeof publicId !== 'string' || publicId === '') return;
    try {
      await engine.logPaymentRequest({
        publicId,
        method: req.method,
        uri: req.url,
        ip: req.ip,
        body: loggedBody(req.body),
      });
    } catch (error) {
      // the payer has the answer already; a lost log line is not worth more than a warning
      req.log.warn({ err: error }, 'payment request not logged');
    }
  });
}
