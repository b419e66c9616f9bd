import type { PkRoute } from '../route.ts';

/** Payments, spec 2.1–2.8 and COMPAT.md's search, capture, errors/total, receipt/print (P1). */
export const paymentRoutes: readonly PkRoute[] = [];
