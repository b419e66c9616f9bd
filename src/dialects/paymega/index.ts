import type { DialectModule } from '../dialect.ts';
import { callbackHandler, callbackRetryPolicy, paymegaNotifier } from './callbacks.ts';
import { frameworkError } from './errors.ts';
import { callbackChannel } from './invoice.ts';
import { hppCheckout } from './routes/checkout.ts';
import { paymegaPlugin, paymegaPrefixes } from './routes/index.ts';

/** Paymega (shared/specs/paymega-hpp-api.txt): public and private APIs, signed callbacks. */
export const paymega: DialectModule = {
  name: 'paymega',
  plugin: paymegaPlugin,
  notifiers: [paymegaNotifier],
  handlers: (gateway) => new Map([[callbackChannel, callbackHandler(gateway)]]),
  retryPolicies: new Map([[callbackChannel, callbackRetryPolicy]]),
  pageHandoffs: (gateway) => [hppCheckout(gateway)],
  frameworkErrors: { prefixes: Object.values(paymegaPrefixes), handler: frameworkError },
  endpoints: (url) => [
    `Paymega API   ${url}/api/  (Basic account_id:secret_key)   ${url}/public-api/  (public_key)`,
  ],
};
