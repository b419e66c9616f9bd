import { paykeeperOpenApi } from '../openapi.ts';
import type { PkRoute } from '../route.ts';

/**
 * The dialect's OpenAPI document, public like the other dialects' (it holds no merchant
 * data), listing the operations `routes` answer.
 */
export const openApiRoutes = (routes: readonly PkRoute[]): readonly PkRoute[] => {
  const answered = new Set(routes.map((r) => `${r.method} ${r.path}`));
  return [
    {
      method: 'GET',
      path: '/info/openapi.json',
      auth: 'none',
      handler: async ({ host }) => paykeeperOpenApi(host.config.publicUrl, answered),
    },
  ];
};
