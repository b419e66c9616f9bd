import type { FastifyRequest } from 'fastify';
import { accountSlot, parseBasic } from '../kit/auth.ts';
import { statusError } from './errors.ts';
import type { Account, InvoiceContext } from './invoice.ts';
import { schemaFindings } from './parse.ts';
import { isStorableText, PublicKey } from './wire.ts';

/**
 * Paymega's two ways of authenticating: the public API's `public_key` (in the body, or the
 * query of a GET) and the private API's Basic auth (account id : secret key). Each hook sets
 * the account its request speaks for; handlers read it with `accountOf`.
 */

const accounts = accountSlot<Account & { testKey: boolean }>();
export const accountOf = accounts.get;

/** `public_key` from the body, or from the query of a GET. `creates`: refused when the account forbids it. */
export const publicAuth =
  (ctx: InvoiceContext, options: { creates: boolean }) =>
  async (req: FastifyRequest): Promise<void> => {
    const fromBody = (req.body as { public_key?: unknown } | undefined)?.public_key;
    const key = fromBody ?? (req.query as { public_key?: unknown }).public_key;
    await authenticatePublic(ctx, req, key, options);
  };

/**
 * The public invoice lookup: the invoice id is the capability (real clients send no key, an
 * empty `{}` body). A key that is sent is still checked, and then scopes the lookup to its
 * account; with none, `keyless` tells the handler to find the account from the invoice.
 */
export const optionalPublicAuth =
  (ctx: InvoiceContext) =>
  async (req: FastifyRequest): Promise<void> => {
    const fromBody = (req.body as { public_key?: unknown } | undefined)?.public_key;
    const key = fromBody ?? (req.query as { public_key?: unknown }).public_key;
    if (key === undefined || key === null) return;
    await authenticatePublic(ctx, req, key, { creates: false });
  };

/** The account of a request that `optionalPublicAuth` let through, or null when it sent no key. */
export const accountIfAny = (req: FastifyRequest) => accounts.find(req);

/** Makes `key` the account `req` speaks for, or throws the 401 / 403 Paymega answers. */
export async function authenticatePublic(
  ctx: InvoiceContext,
  req: FastifyRequest,
  key: unknown,
  options: { creates: boolean },
): Promise<void> {
  // what is no public key at all (empty, a NUL the database cannot hold) is a wrong one
  if (typeof key !== 'string' || Object.keys(schemaFindings(PublicKey, key)).length > 0)
    throw statusError(401);
  const auth = await ctx.engine.authenticateByPublicKey(key);
  if (!auth) throw statusError(401);
  if (auth.merchant.status !== 'active') throw statusError(403);
  if (options.creates && auth.merchant.settings.publicAccess === false) throw statusError(403);
  accounts.set(req, {
    merchant: auth.merchant,
    accountId: auth.login,
    testKey: key.startsWith('pk_test_'),
  });
}

/** Basic auth: the account id as login, the secret key as password. */
export const privateAuth =
  (ctx: InvoiceContext) =>
  async (req: FastifyRequest): Promise<void> => {
    const unauthorized = statusError(401, { 'www-authenticate': 'Basic realm="Paymega API"' });
    const basic = parseBasic(req.headers.authorization);
    // a NUL names no account (and PostgreSQL refuses it in a query): wrong credentials
    if (!basic || basic.login === '' || !isStorableText(`${basic.login}:${basic.password}`))
      throw unauthorized;
    const auth = await ctx.engine.authenticate('paymega', basic.login, basic.password);
    if (!auth) throw unauthorized;
    if (auth.merchant.status !== 'active') throw statusError(403);
    accounts.set(req, { merchant: auth.merchant, accountId: auth.login, testKey: true });
  };
