import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { impayOpenApi } from '../../../src/dialects/impay/openapi.ts';
import { operations } from '../../../src/dialects/impay/wire.ts';

describe('ImPay OpenAPI document', () => {
  const doc = impayOpenApi('https://kopek.example') as {
    openapi: string;
    servers: { url: string }[];
    paths: Record<
      string,
      { post: { requestBody: { content: Record<string, { schema: { properties?: object } }> } } }
    >;
  };

  it('lists every operation under /v1, POST with a JSON body', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.servers, [{ url: 'https://kopek.example/v1' }]);
    assert.deepEqual(
      Object.keys(doc.paths).sort(),
      Object.keys(operations)
        .map((p) => `/${p}`)
        .sort(),
    );
  });

  it('carries the request schemas of wire.ts', () => {
    const body = doc.paths['/pay/lk']?.post.requestBody.content['application/json']?.schema;
    assert.ok(body?.properties && 'amount' in body.properties && 'extid' in body.properties);
  });

  it('is plain JSON (no TypeBox symbols, nothing that does not serialise)', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(doc)), doc);
  });
});
