import { tokenOf } from '../auth.ts';
import type { PkHandler, PkRoute } from '../route.ts';

/**
 * 6.1 `/info/settings/token/`: the caller's security token, `{"token":"<32 hex>"}`, by GET or
 * POST (COMPAT.md). Derived, so two fetches in a day give the same token (sign.ts).
 */
const token: PkHandler = async ({ host, user }) => ({ token: tokenOf(host, user) });

export const tokenRoutes: readonly PkRoute[] = [
  { method: 'GET', path: '/info/settings/token/', handler: token },
  { method: 'POST', path: '/info/settings/token/', tokenFree: true, handler: token },
];
