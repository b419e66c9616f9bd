import type { FastifyRequest } from 'fastify';
import type { Merchant } from '../../engine/merchants/view.ts';
import type { Keyring } from '../../security/vault.ts';
import type { DialectHost } from '../dialect.ts';
import { accountSlot, parseBasic } from '../kit/auth.ts';
import { deriveFrom } from '../kit/keys.ts';
import { printPkDay, startOfPkDay } from './dates.ts';
import type { PkUser } from './route.ts';
import { authenticateSession, sessionTokenOf } from './session-auth.ts';
import { deriveTokenKey, isSecurityTokenValid, securityToken } from './sign.ts';

/**
 * Who a PayKeeper call speaks for. Basic auth on every call: the merchant's PayKeeper
 * credential (the API login, an administrator with every right) or one of the merchant's
 * cabinet users. The security token of a POST is derived from the user (sign.ts).
 */

export type PkAccount = { merchant: Merchant; user: PkUser };

const accounts = accountSlot<PkAccount>();
export const accountOf = accounts.get;

/**
 * The cabinet's script marks its calls (`X-Requested-With: XMLHttpRequest`, the usual mark of
 * a script's request): after a logout in another tab its cookie is gone, and a Basic challenge
 * would still pop the browser's dialog over the app's own login screen.
 */
const fromCabinetScript = (req: FastifyRequest): boolean =>
  req.headers['x-requested-with'] === 'XMLHttpRequest';

/** Bad or missing credentials: HTTP 401, the only status PayKeeper answers with other than 200. */
export class PkUnauthorized extends Error {
  /**
   * `challenge`: answer with `WWW-Authenticate: Basic`. Not to the cabinet's own calls (a
   * session cookie and no Authorization): a browser would pop up its Basic login dialog over
   * the app when a session has ended, where the app should show its own login screen.
   */
  constructor(readonly challenge = true) {
    super('unauthorized');
    this.name = 'PkUnauthorized';
  }
}

// a NUL names no one (and PostgreSQL refuses it in a query); longer is no login we issue
const usable = (text: string) => !text.includes('\u0000') && text.length <= 256;

/** The account of `req`'s Basic credentials, or null. */
export async function authenticateBasic(host: DialectHost, req: FastifyRequest): Promise<PkAccount | null> {
  const basic = parseBasic(req.headers.authorization);
  if (!basic || basic.login === '' || !usable(basic.login) || !usable(basic.password)) return null;
  const { engine } = host;
  const credential = await engine.authenticate('paykeeper', basic.login, basic.password);
  if (credential) {
    const { merchant } = credential;
    return {
      merchant,
      user: {
        id: null,
        login: credential.login,
        admin: true,
        refunds: { allowed: true, perDay: null },
        stamp: `merchant:${merchant.id}:${credential.login}`,
      },
    };
  }
  const user = await engine.verifyUser(basic.login, basic.password);
  if (!user || user.merchantId === null) return null;
  const merchant = await engine.getMerchant(user.merchantId);
  if (!merchant) return null;
  // 4.2: the first request of each Moscow day is the day's visit
  const dayStart = startOfPkDay(printPkDay(host.now())).getTime();
  if (user.visitAt === null || user.visitAt.getTime() < dayStart)
    await engine.noteUserVisit(user.id, req.ip, dayStart);
  return {
    merchant,
    user: {
      id: user.id,
      login: user.login,
      admin: user.role === 'admin',
      refunds: user.refunds,
      stamp: user.stamp,
    },
  };
}

/**
 * The onRequest hook of every authenticated route: sets the account, or throws 401. Basic
 * credentials when the request sends an Authorization header (a wrong one is refused, not
 * passed over); else the cabinet's session cookie (session-auth.ts).
 */
export const basicAuth =
  (host: DialectHost) =>
  async (req: FastifyRequest): Promise<void> => {
    const account =
      req.headers.authorization !== undefined
        ? await authenticateBasic(host, req)
        : await authenticateSession(host, req);
    if (!account)
      throw new PkUnauthorized(
        req.headers.authorization !== undefined || (sessionTokenOf(req) === null && !fromCabinetScript(req)),
      );
    accounts.set(req, account);
  };

// ---- the security token ----

const tokenPurpose = 'paykeeper-security-token';
const subjectOf = (user: PkUser) => ({ userId: user.id ?? 0n, stamp: user.stamp });

/**
 * The token key of one master key: HKDF then HMAC, a pure function of the master key, so it is
 * worked out once per master key rather than on every call (kept as long as the key is).
 */
const tokenKeys = new WeakMap<Buffer, Buffer>();
function tokenKeyOf(master: Buffer): Buffer {
  let key = tokenKeys.get(master);
  if (!key) {
    key = deriveTokenKey(deriveFrom(master, tokenPurpose));
    tokenKeys.set(master, key);
  }
  return key;
}

/** The token keys: the active master key's first, then those rotated out (still in the keyring). */
function tokenKeysOf(keyring: Keyring): Buffer[] {
  const active = keyring.keys.get(keyring.activeKeyId);
  if (!active) throw new Error('the active master key is missing from the keyring');
  return [
    tokenKeyOf(active),
    ...[...keyring.keys].filter(([id]) => id !== keyring.activeKeyId).map(([, master]) => tokenKeyOf(master)),
  ];
}

/** This window's token of `user`, under the active master key. */
export function tokenOf(host: DialectHost, user: PkUser): string {
  return securityToken(tokenKeysOf(host.config.keyring)[0]!, subjectOf(user), host.now().getTime());
}

/** A POST's `token`: valid under the active master key or one rotated out (still in the keyring). */
export function isTokenValid(host: DialectHost, user: PkUser, token: string | undefined): boolean {
  if (token === undefined) return false;
  const nowMs = host.now().getTime();
  return tokenKeysOf(host.config.keyring).some((k) => isSecurityTokenValid(k, subjectOf(user), token, nowMs));
}
