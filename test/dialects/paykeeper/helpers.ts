import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import type { Engine } from '../../../src/engine/engine.ts';
import type { MerchantCredentials, MerchantSettings } from '../../../src/engine/merchants/view.ts';
import { unwrap } from '../../helpers/fixtures.ts';

/**
 * PayKeeper test helpers: a merchant with its PayKeeper credential, Basic headers, the
 * security token, and requests written as a PHP shop writes them (urlencoded forms).
 */

export type PkCreds = MerchantCredentials['paykeeper'] & { merchantId: bigint };

export async function pkMerchant(engine: Engine, name = 'PayKeeper shop', settings: MerchantSettings = {}) {
  const created = unwrap(await engine.createMerchant({ name, settings }));
  return { ...created.paykeeper, merchantId: BigInt(created.id) } satisfies PkCreds;
}

export type Login = { login: string; password: string };

export const basic = (who: Login): { authorization: string } => ({
  authorization: `Basic ${Buffer.from(`${who.login}:${who.password}`).toString('base64')}`,
});

/** `GET /info/settings/token/` as `who`. */
export async function tokenOf(app: FastifyInstance, who: Login): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/info/settings/token/', headers: basic(who) });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().token;
}

/** An urlencoded body from pairs (repeated keys kept, as PHP's http_build_query never does). */
export const form = (pairs: Record<string, string> | [string, string][]): string =>
  (Array.isArray(pairs) ? pairs : Object.entries(pairs))
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`)
    .join('&');

/** A POST as a PHP shop sends it: a form with the token. */
export const post = (app: FastifyInstance, who: Login, url: string, fields: Record<string, string>) =>
  app.inject({
    method: 'POST',
    url,
    headers: { ...basic(who), 'content-type': 'application/x-www-form-urlencoded' },
    payload: form(fields),
  });

export const get = (app: FastifyInstance, who: Login, url: string) =>
  app.inject({ method: 'GET', url, headers: basic(who) });
