import type { TSchema } from '@sinclair/typebox';
import { limits } from '../../domain/limits.ts';
import { Answer, operations, TransportError } from './wire.ts';

/**
 * The OpenAPI 3.1 document of the ImPay dialect, built from the schemas of wire.ts (the same
 * that check the requests), so the two cannot drift. To be served at `/v1/openapi.json`.
 */

/** A TypeBox schema as plain JSON Schema (TypeBox keeps its own marks in symbol keys). */
const plain = (schema: TSchema): Record<string, unknown> => JSON.parse(JSON.stringify(schema));
const json = (schema: TSchema) => ({ 'application/json': { schema: plain(schema) } });

const transport = (description: string) => ({ description, content: json(TransportError) });

export function impayOpenApi(baseUrl: string): Record<string, unknown> {
  const paths: Record<string, unknown> = {};
  for (const [path, op] of Object.entries(operations)) {
    paths[`/${path}`] = {
      post: {
        operationId: path.replace('/', '_'),
        summary: op.summary,
        security: [{ Login: [], Token: [] }],
        requestBody: { required: true, content: json(op.request) },
        responses: {
          200: {
            description: 'Accepted (`status` 1), or refused (`status` 0 / 2, see `Refusal`)',
            content: {
              'application/json': {
                schema: { oneOf: [plain(op.response), { $ref: '#/components/schemas/Refusal' }] },
              },
            },
          },
          400: transport('No X-Login or X-Token header, or no body'),
          401: transport('Unknown login, or a token that does not sign the body (lowercase hex only)'),
          403: transport("The caller's address is not in the merchant's IP allow-list"),
          413: transport(`A body over ${limits.bodyBytesMax} bytes`),
        },
      },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Kopek: ImPay-compatible API',
      version: '1.2.0',
      description:
        'ImPay API v1.2 as Kopek answers it. Amounts are rubles as JSON numbers or strings (`100.50`); ids are int32 integers.',
    },
    servers: [{ url: `${baseUrl}/v1` }],
    components: {
      securitySchemes: {
        Login: { type: 'apiKey', in: 'header', name: 'X-Login', description: "The merchant's number" },
        Token: {
          type: 'apiKey',
          in: 'header',
          name: 'X-Token',
          description: 'sha1hex(sha1hex(merchant key) + sha1hex(raw body bytes)), lowercase hex',
        },
      },
      schemas: {
        // `status` 0 with a message naming the reason or the field; 2 when the bank refused
        Refusal: plain(Answer),
      },
    },
    paths,
  };
}
