import type { FastifyPluginAsync } from 'fastify';
import type { DialectHost } from '../../dialect.ts';
import { invoiceContext } from '../invoice.ts';
import { privateApi } from './private.ts';
import { publicApi } from './public.ts';

/**
 * Paymega's two APIs, each an encapsulated plugin with its own body reader, schema
 * validator, error format, 404 and 405 (http.ts): every failure leaves in Paymega's shape.
 * Routes authenticate, parse (parse.ts), call the engine, render (documents.ts).
 */
/** Where the two APIs live; every URL under them answers in Paymega's format. */
export const paymegaPrefixes = { public: '/public-api', private: '/api' } as const;

/** The Paymega dialect: both APIs, registered by web/app.ts. */
export const paymegaPlugin: FastifyPluginAsync<{ gateway: DialectHost }> = async (app, { gateway }) => {
  const ctx = invoiceContext(gateway);
  await app.register(publicApi, { prefix: paymegaPrefixes.public, ctx });
  await app.register(privateApi, { prefix: paymegaPrefixes.private, ctx });
};
