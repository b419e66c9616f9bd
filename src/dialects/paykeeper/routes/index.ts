import type { FastifyPluginAsync } from 'fastify';
import type { DialectHost } from '../../dialect.ts';
import { registerCabinetSession } from '../cabinet-session.ts';
import { registerPkRoutes } from '../plugin.ts';
import type { PkRoute } from '../route.ts';
import { createFormRoutes } from './create-form.ts';
import { exportRoutes } from './export.ts';
import { informerRoutes } from './informer.ts';
import { invoiceRoutes } from './invoices.ts';
import { openApiRoutes } from './openapi.ts';
import { paymentRoutes } from './payments.ts';
import { settingsRoutes } from './settings.ts';
import { statsRoutes } from './stats.ts';
import { tokenRoutes } from './token.ts';
import { userRoutes } from './users.ts';

/** Every PayKeeper route; a route file adds its list here in one line. */
const apiRoutes: readonly PkRoute[] = [
  ...tokenRoutes,
  ...statsRoutes,
  ...paymentRoutes,
  ...invoiceRoutes,
  ...createFormRoutes,
  ...informerRoutes,
  ...settingsRoutes,
  ...userRoutes,
  ...exportRoutes,
];

export const pkRoutes: readonly PkRoute[] = [...apiRoutes, ...openApiRoutes(apiRoutes)];

/** The PayKeeper dialect at the root paths the spec uses, registered by web/app.ts. */
export const paykeeperPlugin: FastifyPluginAsync<{ gateway: DialectHost }> = async (app, { gateway }) => {
  await registerPkRoutes(app, gateway, pkRoutes);
  await registerCabinetSession(app, gateway);
};
