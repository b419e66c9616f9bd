import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type CabinetLoginLimits, cabinetLoginLimitsDefault } from '../../config.ts';
import type { Merchant } from '../../engine/merchants/view.ts';
import type { CabinetSession } from '../../engine/sessions/view.ts';
import type { DialectHost } from '../dialect.ts';
import { clientAddressOf, overLimit } from '../kit/rate-limit.ts';
import { printPkDatetime } from './dates.ts';
import {
  authenticateSession,
  clearSessionCookie,
  noteDailyVisit,
  pkUserOf,
  sessionTokenOf,
  setSessionCookie,
} from './session-auth.ts';

/**
 * The cabinet's login (shared contract: /work/briefs/cabinet-contract.md): `POST`, `GET` and
 * `DELETE /cabinet/api/session`, in plain JSON with HTTP statuses (the cabinet's own calls,
 * not PayKeeper's API). A login is a cabinet user's, or the merchant's PayKeeper credential
 * (the API login is the merchant's administrator, as at PayKeeper).
 *
 * - Every attempt is counted against its login and its client address before the password is
 *   checked, so a locked-out guesser learns nothing from further tries.
 * - An unknown login and a wrong password get the same 401 after the same work (one scrypt).
 * - The login takes JSON only: a cross-site form cannot send `application/json` without a
 *   CORS preflight, which we never grant, so no other site can log a browser in as someone.
 */

export const sessionPath = '/cabinet/api/session';

type Failure = { http: number; error: string; message: string; retryAfter?: number };

const badRequest = (message: string): Failure => ({ http: 400, error: 'bad_request', message });
const badCredentials: Failure = {
  http: 401,
  error: 'bad_credentials',
  message: 'Wrong login or password.',
};
const notLoggedIn: Failure = { http: 401, error: 'unauthorized', message: 'Not logged in.' };

function sendFailure(reply: FastifyReply, failure: Failure) {
  if (failure.retryAfter !== undefined) reply.header('retry-after', String(failure.retryAfter));
  return reply
    .code(failure.http)
    .header('cache-control', 'no-store')
    .send({
      error: failure.error,
      message: failure.message,
      ...(failure.retryAfter !== undefined && { retry_after: failure.retryAfter }),
    });
}

/** The contract's session document: who, for which merchant, and the visit before this one. */
export function sessionDocument(merchant: Merchant, session: CabinetSession) {
  const user = pkUserOf(session);
  const visit = session.previousVisit;
  return {
    user: {
      login: user.login,
      admin: user.admin,
      refund_allowed: user.refunds.allowed,
      refund: user.refunds.perDay ?? 0,
    },
    merchant: { id: merchant.id.toString(), name: merchant.name },
    last_visit: visit ? { ip: visit.ip, datetime: printPkDatetime(visit.at) } : null,
  };
}

const fieldLengthMax = 256;

/** `{login, password}` from the body, or the reason it is not one. */
function credentialsOf(body: unknown): { login: string; password: string } | Failure {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    return badRequest('Send a JSON object with "login" and "password".');
  const { login, password } = body as Record<string, unknown>;
  if (typeof login !== 'string' || login.trim() === '')
    return badRequest('"login" must be a non-empty string.');
  if (typeof password !== 'string' || password === '')
    return badRequest('"password" must be a non-empty string.');
  if (login.length > fieldLengthMax || password.length > fieldLengthMax || login.includes('\u0000'))
    return badRequest(`"login" and "password" are at most ${fieldLengthMax} characters.`);
  return { login: login.trim(), password };
}

/** Seconds to wait when this attempt is one too many for its login or its address, else null. */
async function throttled(
  host: DialectHost,
  req: FastifyRequest,
  login: string,
  limits: CabinetLoginLimits,
): Promise<number | null> {
  const hit = host.engine.hitRateLimit;
  const window = { windowMs: limits.windowMs };
  const [byLogin, byAddress] = await Promise.all([
    overLimit(hit, `cabinet-login:login:${login.toLowerCase()}`, { max: limits.perLogin, ...window }),
    overLimit(hit, `cabinet-login:ip:${clientAddressOf(req)}`, { max: limits.perAddress, ...window }),
  ]);
  if (byLogin === null && byAddress === null) return null;
  return Math.max(byLogin ?? 0, byAddress ?? 0);
}

/** Who the login and password name: a cabinet user of a merchant, or a merchant's PayKeeper credential. */
async function proven(host: DialectHost, login: string, password: string) {
  const { engine } = host;
  const credential = await engine.authenticate('paykeeper', login, password);
  if (credential) return { merchantId: credential.merchant.id, userId: null, login: credential.login };
  const user = await engine.verifyUser(login, password);
  if (!user || user.merchantId === null) return null;
  return { merchantId: user.merchantId, userId: user.id, login: user.login };
}

async function logIn(host: DialectHost, req: FastifyRequest, reply: FastifyReply) {
  const given = credentialsOf(req.body);
  if ('http' in given) return sendFailure(reply, given);
  const limits = host.config.cabinetLoginLimits ?? cabinetLoginLimitsDefault;
  const wait = await throttled(host, req, given.login, limits);
  if (wait !== null)
    return sendFailure(reply, {
      http: 429,
      error: 'too_many_attempts',
      message: `Too many login attempts; try again in ${wait} s.`,
      retryAfter: wait,
    });
  // a login from a browser that still holds a session ends that one: one live session a login
  const held = sessionTokenOf(req);
  if (held !== null) await host.engine.closeSession(held);
  const who = await proven(host, given.login, given.password);
  if (!who) {
    req.log.info({ login: given.login, ip: req.ip }, 'cabinet: login refused');
    return sendFailure(reply, badCredentials);
  }
  const merchant = await host.engine.getMerchant(who.merchantId);
  const opened =
    merchant &&
    (await host.engine.openSession({
      ...who,
      ip: req.ip,
      userAgent: typeof req.headers['user-agent'] === 'string' ? req.headers['user-agent'] : '',
    }));
  if (!merchant || !opened) return sendFailure(reply, badCredentials);
  req.log.info({ login: who.login, merchant: merchant.id.toString(), ip: req.ip }, 'cabinet: logged in');
  await noteDailyVisit(host, req, opened.session);
  return reply
    .header('set-cookie', setSessionCookie(host, opened.token))
    .header('cache-control', 'no-store')
    .send(sessionDocument(merchant, opened.session));
}

/** The session routes, on a scope of their own (JSON bodies, the contract's error shape). */
export async function registerCabinetSession(app: FastifyInstance, host: DialectHost): Promise<void> {
  await app.register(async (scope) => {
    scope.setErrorHandler((error: { statusCode?: number; message: string }, req, reply) => {
      const status = error.statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500)
        return sendFailure(reply, badRequest(error.message));
      req.log.error({ err: error }, 'cabinet session: unexpected failure');
      return sendFailure(reply, { http: 500, error: 'internal_error', message: 'Internal error.' });
    });
    scope.post(sessionPath, (req, reply) => logIn(host, req, reply));
    scope.get(sessionPath, async (req, reply) => {
      const account = await authenticateSession(host, req);
      if (!account) return sendFailure(reply, notLoggedIn);
      return reply
        .header('cache-control', 'no-store')
        .send(sessionDocument(account.merchant, account.session));
    });
    scope.delete(sessionPath, async (req, reply) => {
      const token = sessionTokenOf(req);
      if (token !== null) await host.engine.closeSession(token);
      return reply
        .code(204)
        .header('set-cookie', clearSessionCookie(host))
        .header('cache-control', 'no-store')
        .send();
    });
  });
}
