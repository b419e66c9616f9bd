import type { PkRoute } from '../route.ts';

/** Statistics, spec 1.1–1.4, from the per-day aggregates (P1). */
export const statsRoutes: readonly PkRoute[] = [];
