import type { EngineError } from '../../../domain/errors.ts';
import type { Result } from '../../../domain/result.ts';
import type { RefundRights } from '../../../engine/merchants/view.ts';
import { fieldProblemFail, pkDialectFail } from '../errors.ts';
import { idParam } from '../params.ts';
import { failWith, flagOf, orFail, type PkHandler, type PkRoute, success, textParam } from '../route.ts';
import { userRow } from '../settings-documents.ts';

/**
 * The merchant's cabinet users (spec 4.7, 5.6–5.8), an administrator's operations (wire.ts's
 * `pkOperations`). PayKeeper's `refund` is how many refunds a user may make a Moscow day,
 * `0` none; `admin` makes an administrator. A change or a deletion renews the user's
 * credential stamp: its security token (and a cabinet session) stop being accepted.
 */

type Params = Record<string, unknown>;
const loginPattern = /^[\w.@-]{3,64}$/;
const refundMax = 1_000_000;

/** A text parameter that a PHP form sent as an array is no value of it. */
const textOnly = (params: Params, name: string): string | undefined => {
  if (params[name] !== undefined && typeof params[name] !== 'string')
    return failWith(fieldProblemFail(name, 'required'));
  const text = textParam(params, name);
  return text === '' ? undefined : text;
};

const loginParam = (params: Params): string | undefined => {
  const login = textOnly(params, 'login')?.trim();
  if (login !== undefined && !loginPattern.test(login))
    return failWith(fieldProblemFail('login', 'not_a_login'));
  return login;
};

const passwordParam = (params: Params): string | undefined => {
  const password = textOnly(params, 'password');
  if (password !== undefined && (password.length < 8 || password.length > 256))
    return failWith(fieldProblemFail('password', 'not_a_password'));
  return password;
};

const refundParam = (params: Params): RefundRights | undefined => {
  const text = textOnly(params, 'refund')?.trim();
  if (text === undefined) return undefined;
  if (!/^[0-9]{1,7}$/.test(text) || Number(text) > refundMax)
    return failWith(fieldProblemFail('refund', 'not_a_refund_count'));
  const perDay = Number(text);
  return perDay === 0 ? { allowed: false, perDay: null } : { allowed: true, perDay };
};

const adminParam = (params: Params): boolean | undefined => flagOf(textOnly(params, 'admin'), 'admin');

/** The engine's answer, with a taken login in PayKeeper's words. */
function orUserFail<T>(result: Result<T, EngineError>): T {
  if (!result.ok && result.error.field === 'login' && result.error.detail === 'taken')
    return failWith(pkDialectFail.user_login_taken);
  return orFail(result);
}

/** 4.7: the merchant's users that are not deleted. */
const users: PkHandler = async ({ host, merchant }) =>
  (await host.engine.listUsers(merchant.id)).map(userRow);

/** 5.6: `login` and `password` required; `refund` 0 by default, `admin` false. */
const addUser: PkHandler = async ({ host, merchant, params }) => {
  const login = loginParam(params) ?? failWith(fieldProblemFail('login', 'required'));
  const password = passwordParam(params) ?? failWith(fieldProblemFail('password', 'required'));
  const refunds = refundParam(params) ?? { allowed: false, perDay: null };
  const admin = adminParam(params) ?? false;
  orUserFail(
    await host.engine.createUser({
      merchantId: merchant.id,
      login,
      password,
      role: admin ? 'admin' : 'operator',
      refunds,
    }),
  );
  return success;
};

/** 5.7: the user `id`; what is given changes, an empty value changes nothing. */
const updateUser: PkHandler = async ({ host, merchant, params }) => {
  const id = idParam(params);
  const login = loginParam(params);
  const password = passwordParam(params);
  const refunds = refundParam(params);
  const admin = adminParam(params);
  orUserFail(
    await host.engine.updateUser(merchant.id, id, {
      ...(login !== undefined && { login }),
      ...(password !== undefined && { password }),
      ...(refunds !== undefined && { refunds }),
      ...(admin !== undefined && { role: admin ? ('admin' as const) : ('operator' as const) }),
    }),
  );
  return success;
};

/** 5.8: not oneself (the API credential is no user, so it may delete any). */
const deleteUser: PkHandler = async ({ host, merchant, user, params }) => {
  const id = idParam(params);
  if (user.id !== null && user.id === id) return failWith(pkDialectFail.user_self_delete);
  orFail(await host.engine.deleteUser(merchant.id, id));
  return success;
};

export const userRoutes: readonly PkRoute[] = [
  { method: 'GET', path: '/info/organization/users/', handler: users },
  { method: 'POST', path: '/change/user/add/', handler: addUser },
  { method: 'POST', path: '/change/user/update/', handler: updateUser },
  { method: 'POST', path: '/change/user/delete/', handler: deleteUser },
];
