/**
 * The ceiling of a create over HTTP: the same Fastify, the same request (Paymega's
 * `POST /api/payment-invoices`, JSON:API body, Basic auth) checked against a JSON schema, and
 * a 201 invoice document of the same shape, with no database and no engine behind it. What a
 * create costs above this row is the gateway's own work.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';

const invoiceRequest = {
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      required: ['type', 'attributes'],
      properties: {
        type: { const: 'payment-invoices' },
        attributes: {
          type: 'object',
          required: ['reference_id', 'amount', 'currency', 'service'],
          properties: {
            reference_id: { type: 'string', minLength: 1, maxLength: 255 },
            amount: { type: 'number', exclusiveMinimum: 0 },
            currency: { type: 'string', pattern: '^[A-Z]{3}$' },
            service: { type: 'string', minLength: 1, maxLength: 64 },
          },
        },
      },
    },
  },
} as const;

type InvoiceBody = {
  data: { attributes: { reference_id: string; amount: number; currency: string; service: string } };
};

export type Ceiling = { url: string; close(): Promise<void> };

/** Listens on 127.0.0.1:<free port>; any Basic credentials are accepted against one fixed pair. */
export async function startCeiling(): Promise<Ceiling> {
  const app = Fastify({ logger: false });
  app.addContentTypeParser('application/vnd.api+json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  const secret = randomBytes(16);
  let serial = 0;
  app.post<{ Body: InvoiceBody }>(
    '/api/payment-invoices',
    { schema: { body: invoiceRequest } },
    async (req, reply) => {
      // a constant-time compare of a digest, as the gateway's auth does
      const given = Buffer.from(req.headers.authorization ?? '').subarray(0, 16);
      timingSafeEqual(given.length === 16 ? given : Buffer.alloc(16), secret);
      const a = req.body.data.attributes;
      const id = `cpi_${(++serial).toString(36).padStart(16, '0')}`;
      return reply.code(201).send({
        data: {
          type: 'payment-invoices',
          id,
          attributes: {
            reference_id: a.reference_id,
            amount: a.amount,
            currency: a.currency,
            service: a.service,
            status: 'created',
            created: Math.floor(Date.now() / 1000),
            flow_data: { action: `http://kopek.bench/pay/${id}`, method: 'GET', params: [] },
          },
        },
      });
    },
  );
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => app.close() };
}
