import type { TSchema } from '@sinclair/typebox';
import { limits } from '../../domain/limits.ts';
import * as wire from './wire.ts';

/**
 * The OpenAPI 3.1 document of the Paymega dialect, built from the same TypeBox schemas that
 * check the requests (wire.ts), so the two cannot drift. Served at `/public-api/openapi.json`
 * and `/api/openapi.json`.
 */

/** A TypeBox schema as plain JSON Schema (TypeBox keeps its own marks in symbol keys). */
const plain = (schema: TSchema): Record<string, unknown> => JSON.parse(JSON.stringify(schema));
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ 'application/json': { schema: ref(name) } });

const schemas = {
  Prerequest: wire.Prerequest,
  PrerequestDocument: wire.PrerequestDocument,
  PublicInvoiceRequest: wire.PublicInvoiceRequest,
  PublicInvoiceDocument: wire.PublicInvoiceDocument,
  PrivateInvoiceRequest: wire.PrivateInvoiceRequest,
  PrivateInvoiceDocument: wire.PrivateInvoiceDocument,
  InvoiceList: wire.InvoiceList,
  RefundRequest: wire.RefundRequest,
  PaymentServiceDocument: wire.PaymentServiceDocument,
  PaymentServiceList: wire.PaymentServiceList,
  ErrorList: wire.ErrorList,
  FieldErrors: wire.FieldErrors,
};

const errorDescriptions: Readonly<Record<number, string>> = {
  400: 'A request of invalid structure: a body that does not parse or is of a type the API does not read (JSON and urlencoded forms are), a malformed URL escape',
  401: 'No or wrong credentials',
  403: 'The account is disabled, or forbids public access (when creating a public invoice)',
  404: 'No such resource',
  405: 'Any other method on this path; the `Allow` header names those it takes',
  413: `A body over ${limits.bodyBytesMax} bytes`,
  422: 'Invalid fields, by name',
  500: 'Internal server error',
  502: 'The bank did not answer',
};

/** What any operation may answer, whatever it does: transport, method, size, our own failure. */
const always = [400, 405, 413, 500];

const errors = (...codes: number[]) =>
  Object.fromEntries(
    [...codes, ...always]
      .sort((a, b) => a - b)
      .map((code) => [
        String(code),
        {
          description: errorDescriptions[code] ?? `Error ${code}`,
          content: json(code === 422 ? 'FieldErrors' : 'ErrorList'),
          ...(code === 405 && {
            headers: { Allow: { description: 'The methods the path takes', schema: { type: 'string' } } },
          }),
        },
      ]),
  );

const idParam = (description: string) => ({
  name: 'id',
  in: 'path',
  required: true,
  description,
  schema: { type: 'string' },
});
const query = (name: string, description: string) => ({
  name,
  in: 'query',
  required: false,
  description,
  schema: { type: 'string' },
});

const publicKeyAuth = [{ publicKey: [] }];
const basicAuth = [{ basic: [] }];

export function openApiDocument(publicUrl: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Kopek — Paymega-compatible API',
      version: '1.0.0',
      description:
        'Public API (`/public-api`, `public_key`) and private API (`/api`, Basic auth with the account id and the secret key), wire-compatible with Paymega. Callbacks POST the private invoice document to `callback_url` with `X-Signature = base64(sha1(secret + body + secret))`.',
    },
    servers: [{ url: publicUrl }],
    components: {
      securitySchemes: {
        basic: {
          type: 'http',
          scheme: 'basic',
          description: 'The account id as the login, the secret key as the password.',
        },
        // OpenAPI names no API key in a body, so the query, which every public route reads too
        publicKey: {
          type: 'apiKey',
          in: 'query',
          name: 'public_key',
          description:
            'The account’s public key (`pk_test_…` / `pk_live_…`). The POST routes take it as the `public_key` field of their body (JSON or form), as the spec sends it; every route also reads it from the query string, and a GET from a JSON body.',
        },
      },
      schemas: Object.fromEntries(Object.entries(schemas).map(([name, schema]) => [name, plain(schema)])),
    },
    paths: {
      '/public-api/payment-prerequest': {
        post: {
          summary: 'Services and methods available for a currency',
          security: publicKeyAuth,
          requestBody: { required: true, content: json('Prerequest') },
          responses: {
            '200': { description: 'Services and methods', content: json('PrerequestDocument') },
            ...errors(401, 403, 422),
          },
        },
      },
      '/public-api/payment-invoices': {
        post: {
          summary: 'Create an invoice (flat body)',
          security: publicKeyAuth,
          requestBody: { required: true, content: json('PublicInvoiceRequest') },
          responses: {
            '201': { description: 'Created', content: json('PublicInvoiceDocument') },
            '409': {
              description: 'The reference id names an existing invoice',
              content: json('PublicInvoiceDocument'),
            },
            ...errors(401, 403, 422),
          },
        },
      },
      '/public-api/payment-invoices/process': {
        post: {
          summary: 'Create an invoice from an HTML form and send the browser to the payment page',
          security: publicKeyAuth,
          requestBody: {
            required: true,
            content: { 'application/x-www-form-urlencoded': { schema: ref('PublicInvoiceRequest') } },
          },
          responses: {
            '302': { description: 'To the payment page' },
            '409': {
              description: 'The reference id names another invoice',
              content: json('PublicInvoiceDocument'),
            },
            ...errors(401, 403, 422),
          },
        },
      },
      '/public-api/payment-invoices/{id}': {
        get: {
          summary: 'An invoice by id',
          security: publicKeyAuth,
          parameters: [idParam('Invoice id, cpi_…')],
          responses: {
            '200': { description: 'The invoice', content: json('PublicInvoiceDocument') },
            ...errors(401, 403, 404),
          },
        },
      },
      '/public-api/openapi.json': {
        get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' }, ...errors() } },
      },
      '/api/payment-services': {
        get: {
          summary: 'The account’s payment services',
          security: basicAuth,
          parameters: [
            query('page[number]', 'Page, from 1'),
            query('page[size]', 'Services per page, 1–100 (20)'),
          ],
          responses: {
            '200': { description: 'A page of services', content: json('PaymentServiceList') },
            ...errors(401, 403, 422),
          },
        },
      },
      '/api/payment-services/{id}': {
        get: {
          summary: 'One payment service',
          security: basicAuth,
          parameters: [idParam('Account service id, comcps_…')],
          responses: {
            '200': { description: 'The service', content: json('PaymentServiceDocument') },
            ...errors(401, 403, 404),
          },
        },
      },
      '/api/payment-invoices': {
        get: {
          summary: 'Invoices, newest first, with cursor pagination',
          security: basicAuth,
          parameters: [
            query('filter[reference_id]', 'The merchant’s reference id'),
            query('page[size]', 'Invoices per page, 1–100 (20)'),
            query('page[before]', 'Invoices older than this invoice id'),
            query('page[after]', 'Invoices newer than this invoice id'),
          ],
          responses: {
            '200': { description: 'A page of invoices', content: json('InvoiceList') },
            ...errors(401, 403, 422),
          },
        },
        post: {
          summary: 'Create an invoice (JSON:API document)',
          security: basicAuth,
          requestBody: { required: true, content: json('PrivateInvoiceRequest') },
          responses: {
            '201': { description: 'Created', content: json('PrivateInvoiceDocument') },
            '409': {
              description: 'The reference id names an existing invoice',
              content: json('PrivateInvoiceDocument'),
            },
            ...errors(401, 403, 422),
          },
        },
      },
      '/api/payment-invoices/{id}': {
        get: {
          summary: 'An invoice by id',
          security: basicAuth,
          parameters: [idParam('Invoice id, cpi_…')],
          responses: {
            '200': { description: 'The invoice', content: json('PrivateInvoiceDocument') },
            ...errors(401, 403, 404),
          },
        },
      },
      '/api/payment-invoices/{id}/refund': {
        post: {
          summary: 'Refund a processed invoice, fully or in part',
          security: basicAuth,
          parameters: [idParam('Invoice id, cpi_…')],
          requestBody: { required: true, content: json('RefundRequest') },
          responses: {
            '201': { description: 'The invoice with the refund', content: json('PrivateInvoiceDocument') },
            '409': {
              description: 'The refund reference id names another refund',
              content: json('PrivateInvoiceDocument'),
            },
            ...errors(401, 403, 404, 422, 502),
          },
        },
      },
      '/api/openapi.json': {
        get: { summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' }, ...errors() } },
      },
    },
    webhooks: {
      invoiceCallback: {
        post: {
          summary: 'Callback: the invoice, POSTed to its `callback_url` on each change of its status',
          description:
            'Delivered once the receiver answers HTTP 200 (the body is ignored); anything else is retried 1, 2, 3 … minutes apart, up to 100 attempts by default, each logged in the invoice’s `callback_logs`. Receivers must tolerate duplicates and out-of-order delivery (order by `updated`).',
          parameters: [
            {
              name: 'X-Signature',
              in: 'header',
              required: true,
              description:
                'base64 of the raw SHA-1 digest of the account’s secret key + the body as sent + the secret key.',
              schema: { type: 'string' },
            },
          ],
          requestBody: { required: true, content: json('PrivateInvoiceDocument') },
          responses: {
            '200': { description: 'Delivered' },
            default: { description: 'Not delivered: retried' },
          },
        },
      },
    },
  };
}
