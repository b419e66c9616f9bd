import type { PkRoute } from '../route.ts';

/** The informer: spec 2.9 `/change/payment/repeatcnt/` and the informer's settings (P3). */
export const informerRoutes: readonly PkRoute[] = [];
