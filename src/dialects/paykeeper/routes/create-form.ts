import type { PkRoute } from '../route.ts';

/** The payer's legacy `POST /create/` form and the bill page `/bill/<id>/` (`auth: 'none'`, P2). */
export const createFormRoutes: readonly PkRoute[] = [];
