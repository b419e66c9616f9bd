import { parseCookie, stringifySetCookie } from 'cookie';
import type { FastifyRequest } from 'fastify';
import type { Merchant } from '../../engine/merchants/view.ts';
import type { CabinetSession } from '../../engine/sessions/view.ts';
import type { DialectHost } from '../dialect.ts';
import { printPkDay, startOfPkDay } from './dates.ts';
import type { PkUser } from './route.ts';

/**
 * The merchant cabinet's session cookie, which every PayKeeper route accepts in place of
 * Basic auth (auth.ts). The cookie is HttpOnly (no script reads it) and SameSite=Strict (no
 * other site's page sends it); a POST still carries the security token, as with Basic.
 */

export const sessionCookie = 'kopek_session';

/** The session token the request's cookie carries, or null. */
export function sessionTokenOf(req: FastifyRequest): string | null {
  const header = req.headers.cookie;
  if (typeof header !== 'string' || header === '') return null;
  try {
    return parseCookie(header)[sessionCookie] || null;
  } catch {
    return null;
  }
}

/** `Secure` when the gateway is reached over https (PUBLIC_URL), so the cookie never travels in clear. */
const secureOf = (host: DialectHost) => host.config.publicUrl.startsWith('https:');

/** The Set-Cookie of a new session: a browser-session cookie (the server bounds its life). */
export const setSessionCookie = (host: DialectHost, token: string): string =>
  stringifySetCookie({
    name: sessionCookie,
    value: token,
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: secureOf(host),
  });

/** The Set-Cookie that makes the browser forget the session. */
export const clearSessionCookie = (host: DialectHost): string =>
  stringifySetCookie({
    name: sessionCookie,
    value: '',
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure: secureOf(host),
    maxAge: 0,
    expires: new Date(0),
  });

/** The PayKeeper user a session speaks for, as auth.ts builds it from Basic credentials. */
export function pkUserOf(session: CabinetSession): PkUser {
  const { holder } = session;
  if (holder.kind === 'credential')
    return {
      id: null,
      login: holder.login,
      admin: true,
      refunds: { allowed: true, perDay: null },
      stamp: `merchant:${session.merchantId}:${holder.login}`,
    };
  return {
    id: holder.userId,
    login: holder.login,
    admin: holder.role === 'admin',
    refunds: holder.refunds,
    stamp: holder.stamp,
  };
}

/** The account of the request's session cookie, or null (no cookie, an ended session). */
export async function authenticateSession(
  host: DialectHost,
  req: FastifyRequest,
): Promise<{ merchant: Merchant; user: PkUser; session: CabinetSession } | null> {
  const token = sessionTokenOf(req);
  if (token === null) return null;
  const session = await host.engine.resumeSession(token);
  if (!session) return null;
  const merchant = await host.engine.getMerchant(session.merchantId);
  if (!merchant) return null;
  await noteDailyVisit(host, req, session);
  return { merchant, user: pkUserOf(session), session };
}

/**
 * PayKeeper 4.2 counts a cabinet user's first request of each Moscow day as the day's visit
 * (as auth.ts does for Basic): a session's requests count the same.
 */
export async function noteDailyVisit(host: DialectHost, req: FastifyRequest, session: CabinetSession) {
  const { holder } = session;
  if (holder.kind !== 'user') return;
  const dayStart = startOfPkDay(printPkDay(host.now())).getTime();
  if (holder.visitAt === null || holder.visitAt.getTime() < dayStart)
    await host.engine.noteUserVisit(holder.userId, req.ip, dayStart);
}
