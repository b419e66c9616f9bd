import type { TSchema } from '@sinclair/typebox';
import { Fail, pkOperations } from './wire.ts';

/**
 * The OpenAPI 3.1 document of the PayKeeper dialect, built from wire.ts's operations (the
 * schemas the contract tests check responses against), so the two cannot drift. Served at
 * `/info/openapi.json`. GET parameters are the request schema's properties in the query;
 * a POST takes them as an urlencoded form (multipart, and the query, are read too).
 */

const plain = (schema: TSchema): Record<string, unknown> => JSON.parse(JSON.stringify(schema));

type Properties = Record<string, Record<string, unknown>>;

function queryParameters(schema: TSchema | null): unknown[] {
  if (!schema) return [];
  const body = plain(schema) as { properties?: Properties; required?: string[] };
  return Object.entries(body.properties ?? {}).map(([name, property]) => {
    const list = property.type === 'array';
    return {
      name: list ? `${name}[]` : name,
      in: 'query',
      required: (body.required ?? []).includes(name),
      schema: property,
      ...(list && { style: 'form', explode: true }),
    };
  });
}

/** `answered`: `METHOD /path/` of the operations served (the others are left out). */
export function paykeeperOpenApi(baseUrl: string, answered: ReadonlySet<string>): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of pkOperations) {
    if (!answered.has(`${op.method} ${op.path}`)) continue;
    const ok = op.response
      ? { description: 'The answer', content: { 'application/json': { schema: plain(op.response) } } }
      : { description: 'A file' };
    const operation = {
      operationId: `${op.method.toLowerCase()}${op.path.replace(/[^a-z0-9]+/gi, '_').replace(/_$/, '')}`,
      summary: `Spec ${op.section}${op.adminOnly ? ' (administrators only)' : ''}`,
      security: [{ Basic: [] }],
      ...(op.method === 'GET'
        ? { parameters: queryParameters(op.request) }
        : op.request && {
            requestBody: {
              required: true,
              content: { 'application/x-www-form-urlencoded': { schema: plain(op.request) } },
            },
          }),
      responses: {
        200: {
          ...ok,
          ...(op.response && {
            content: {
              'application/json': {
                schema: { oneOf: [plain(op.response), { $ref: '#/components/schemas/Fail' }] },
              },
            },
          }),
        },
        401: { description: 'Bad or missing Basic credentials' },
      },
    };
    paths[op.path] = { ...(paths[op.path] ?? {}), [op.method.toLowerCase()]: operation };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Kopek: PayKeeper-compatible cabinet API',
      version: '2.5.0',
      description:
        'PayKeeper cabinet API 2.5 as Kopek answers it. Every POST carries `token` (GET /info/settings/token/); a missing, empty or wrong one is `{"result":"fail","msg":"Токен безопасности не верен.","error_code":67}` with HTTP 200. Logical errors are HTTP 200 `{"result":"fail","msg":…}`. Ids are strings of digits, amounts strings with two decimals, datetimes Moscow time.',
    },
    servers: [{ url: baseUrl }],
    components: {
      securitySchemes: { Basic: { type: 'http', scheme: 'basic' } },
      schemas: { Fail: plain(Fail) },
    },
    paths,
  };
}
