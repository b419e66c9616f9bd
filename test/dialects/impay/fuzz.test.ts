import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { fieldLabels } from '../../../src/dialects/impay/errors.ts';
import { type OperationPath, operations } from '../../../src/dialects/impay/wire.ts';
import { buildApp } from '../../../src/web/app.ts';
import { testFlavors } from '../../helpers/databases.ts';
import { type TestGateway, testGateway } from '../../helpers/gateway.ts';
import { type ImpayCreds, impayMerchant, impayPost } from './helpers.ts';

/**
 * Malformed bodies of every card, pay-in and hold operation: never a 5xx, always ImPay's
 * answer; a field of the wrong kind, with a NUL, or far too long is refused naming the field.
 */

/** A valid body of each operation, which one bad field then spoils. */
const bases: Partial<Record<OperationPath, Record<string, unknown>>> = {
  'card/reg': { type: 0 },
  'card/get': { id: 1 },
  'card/info': { card: 1 },
  'card/del': { card: 1 },
  'pay/lk': { amount: 10 },
  'pay/auto': { card: 1, amount: 10 },
  'pay/state': { id: 1 },
  'hold/create': { amount: 10 },
  'hold/confirm': { id: 1 },
  'hold/cancel': { id: 1 },
};

const fieldsOf = (path: OperationPath): string[] =>
  Object.keys((operations[path].request as unknown as { properties: Record<string, unknown> }).properties);

/** Values no field of these operations takes. */
const badValues: unknown[] = [{ a: 1 }, [1], 'x\u0000y', 'z'.repeat(5000), true];

const weird = fc.oneof(
  fc.jsonValue(),
  fc.string({ maxLength: 3000 }),
  fc.constantFrom('\u0000', '1\u0000', '', ' ', '1e400', '-1', '0', '1.005', '２', 'сard', '9'.repeat(40)),
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.constant(null),
);

for (const flavor of await testFlavors()) {
  describe(`ImPay malformed bodies on ${flavor}`, () => {
    let gw: TestGateway;
    let app: FastifyInstance;
    let shop: ImpayCreds;

    before(async () => {
      gw = await testGateway(flavor);
      app = await buildApp(gw);
      shop = await impayMerchant(gw.engine);
    });
    after(async () => {
      await app.close();
      await gw.close();
    });

    const answerOf = async (path: string, text: string) => {
      const res = await impayPost(app, shop, path, text);
      assert.equal(res.statusCode, 200, `${path} ${text.slice(0, 200)}: ${res.body}`);
      const body = res.json();
      assert.ok([0, 1, 2].includes(body.status), res.body);
      assert.equal(typeof body.message, 'string');
      // a refusal says why; a state answer (`rc`) of an operation still processing is status 0 too
      if (body.status === 0 && !('rc' in body)) assert.notEqual(body.message, '', res.body);
      return body as { status: number; message: string };
    };

    for (const [path, base] of Object.entries(bases) as [OperationPath, Record<string, unknown>][]) {
      it(`${path}: each field with a value it cannot take is refused naming the field`, async () => {
        for (const field of fieldsOf(path))
          for (const value of badValues) {
            const body = await answerOf(path, JSON.stringify({ ...base, [field]: value }));
            assert.equal(body.status, 0, `${field}=${JSON.stringify(value).slice(0, 40)}`);
            assert.ok(
              body.message.includes(`«${fieldLabels[field] ?? field}»`),
              `${field}=${JSON.stringify(value).slice(0, 40)}: ${body.message}`,
            );
          }
      });

      it(`${path}: 200 random malformed bodies, never a 5xx`, async () => {
        const fields = fieldsOf(path);
        const bodies = fc.oneof(
          fc.dictionary(fc.oneof(fc.constantFrom(...fields), fc.string({ maxLength: 8 })), weird, {
            maxKeys: 8,
          }),
          fc.jsonValue(),
        );
        await fc.assert(
          fc.asyncProperty(bodies, async (body) => {
            await answerOf(path, JSON.stringify(body) ?? 'null');
          }),
          { numRuns: 200 },
        );
      });
    }
  });
}
