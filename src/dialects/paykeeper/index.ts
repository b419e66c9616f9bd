import type { DialectModule } from '../dialect.ts';
import { informerChannel } from './channels.ts';
import { informerHandler, informerNotifier, informerRetryPolicy } from './informer.ts';
import { invoiceEmailNotifier } from './invoice-notifier.ts';
import { frameworkError, pkApiPrefixes } from './plugin.ts';
import { queueReports } from './reports.ts';
import { paykeeperPlugin } from './routes/index.ts';

/** PayKeeper (shared/specs/paykeeper-cabinet-api-2.5.txt, COMPAT.md): the merchant cabinet's API. */
export const paykeeper: DialectModule = {
  name: 'paykeeper',
  plugin: paykeeperPlugin,
  notifiers: [invoiceEmailNotifier, informerNotifier],
  handlers: (host) =>
    new Map([
      [informerChannel, informerHandler(host, (merchantId, facts) => queueReports(host, merchantId, facts))],
    ]),
  retryPolicies: new Map([[informerChannel, informerRetryPolicy]]),
  frameworkErrors: { prefixes: pkApiPrefixes, handler: frameworkError },
  endpoints: (url) => [
    `PayKeeper API ${url}/info/ ${url}/change/  (Basic login:password; POSTs carry the token of /info/settings/token/)`,
  ],
};
