import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EngineError } from '../../domain/errors.ts';
import type { Result } from '../../domain/result.ts';
import type { Merchant } from '../../engine/merchants/view.ts';
import type { DialectHost } from '../dialect.ts';
import { fieldProblemFail, type PkFail, pkEngineFail } from './errors.ts';

/**
 * How a PayKeeper route is written. A route file exports a `readonly PkRoute[]`;
 * routes/index.ts assembles the lists, and the plugin (plugin.ts) does for every route what
 * PayKeeper does for every call: Basic auth, the security token on a POST, the request as
 * PHP's $_REQUEST, the answer as json_encode writes it, a failure as HTTP 200
 * `{"result":"fail","msg":…}`. A handler returns the document to send (HTTP 200), or throws
 * `PkFailure` (`failWith(pkDialectFail.x)`, `orFail(engineResult)`).
 */

/** Who is calling: a cabinet user of the merchant, or the merchant's own PayKeeper credential. */
export type PkUser = {
  /** The `users` row; null for the merchant's PayKeeper credential (the API login). */
  id: bigint | null;
  login: string;
  admin: boolean;
  /** Refund rights (spec 4.7 `refund`): allowed at all, and how many a Moscow day (null: no limit). */
  refunds: { allowed: boolean; perDay: number | null };
  /** Changes when the password changes: the security token is derived from it (sign.ts). */
  stamp: string;
};

/** What a route's handler receives. */
export type PkCall = {
  host: DialectHost;
  merchant: Merchant;
  user: PkUser;
  /** Query and body merged as PHP's $_REQUEST (body wins); arrays from `a[]=…` / `a[0]=…`. */
  params: Record<string, unknown>;
  req: FastifyRequest;
  reply: FastifyReply;
};

/** What a route without authentication receives (payers' forms and pages). */
export type PkPublicCall = Omit<PkCall, 'merchant' | 'user'>;

/** An authenticated route's handler (see PkRoute). */
export type PkHandler = (call: PkCall) => Promise<unknown>;

type RouteBase = {
  method: 'GET' | 'POST';
  /** The full path as the spec spells it, with its trailing slash (`/info/payments/byid/`). */
  path: string;
};

export type PkRoute =
  | (RouteBase & {
      auth?: 'basic';
      /** Refused to a non-admin user with `pkDialectFail.admin_only` (spec 4–5). */
      adminOnly?: boolean;
      /** A POST that needs no security token (only the token's own POST). */
      tokenFree?: boolean;
      /**
       * The answer: a document sent as JSON (HTTP 200), or `undefined` when the handler sent
       * the reply itself (a file, a redirect).
       */
      handler: PkHandler;
    })
  | (RouteBase & {
      /** No Basic auth and no token: the payer's legacy form, the bill page. */
      auth: 'none';
      handler: (call: PkPublicCall) => Promise<unknown>;
    });

/** A failure to answer in PayKeeper's format; thrown by handlers, rendered by the plugin. */
export class PkFailure extends Error {
  constructor(readonly fail: PkFail) {
    super(fail.msg);
    this.name = 'PkFailure';
  }
}

export const failWith = (fail: PkFail): never => {
  throw new PkFailure(fail);
};

/** The engine's value, or its error in PayKeeper's words (errors.ts, total). */
export function orFail<T>(result: Result<T, EngineError>): T {
  if (result.ok) return result.value;
  throw new PkFailure(pkEngineFail[result.error.code]);
}

/** A flag's text: `true`/`1` or `false`/`0` in any case, trimmed; absent or blank is no value. */
export function flagOf(text: string | undefined, name: string): boolean | undefined {
  const word = text?.trim().toLowerCase();
  if (word === undefined || word === '') return undefined;
  if (word === 'true' || word === '1') return true;
  if (word === 'false' || word === '0') return false;
  return failWith(fieldProblemFail(name, 'not_a_flag'));
}

/** What a change route answers when it is done. */
export const success = { result: 'success' } as const;

/** A parameter as one string: absent is undefined; an array or object (`id[]=1`) is not a string. */
export function textParam(params: Record<string, unknown>, name: string): string | undefined {
  const value = params[name];
  return typeof value === 'string' ? value : undefined;
}
