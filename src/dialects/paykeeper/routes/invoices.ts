import type { PkRoute } from '../route.ts';

/** Invoices, spec 3.1–3.5 and `invoice/revoke`, with the invoice e-mail (P2). */
export const invoiceRoutes: readonly PkRoute[] = [];
