import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { format, inspect } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { createLogger, maskDigits } from '../../src/log.ts';
import { Secret } from '../../src/security/secret.ts';
import { buildApp } from '../../src/web/app.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';

const pan = '4111111111111111';
const masked = '411111***1111';

/** A logger writing into memory, one parsed JSON object per line. */
function capture() {
  const chunks: string[] = [];
  const log = createLogger({
    level: 'debug',
    destination: new Writable({
      write(chunk, _enc, done) {
        chunks.push(String(chunk));
        done();
      },
    }),
  });
  const text = () => chunks.join('');
  const last = (): Record<string, unknown> => JSON.parse(chunks.at(-1)!);
  return { log, text, last };
}

function assertNoCardData(text: string) {
  assert.ok(text.length > 0, 'something was logged');
  assert.ok(!text.includes(pan), `a card number reached the log:\n${text}`);
  assert.ok(!/"(cvc|cvv|cvc2)":"123"/.test(text), `a CVC reached the log:\n${text}`);
}

describe('logger: card data never reaches the output', () => {
  test('fields with card-ish names are redacted, at the top and one level down', () => {
    const { log, text, last } = capture();
    log.info(
      { pan, cvc: '123', cvv: '123', card: pan, card_number: pan, cardnumber: pan, cvc2: '123' },
      'top',
    );
    assert.deepEqual(
      Object.fromEntries(
        ['pan', 'cvc', 'cvv', 'card', 'card_number', 'cardnumber', 'cvc2'].map((k) => [k, last()[k]]),
      ),
      {
        pan: '[redacted]',
        cvc: '[redacted]',
        cvv: '[redacted]',
        card: '[redacted]',
        card_number: '[redacted]',
        cardnumber: '[redacted]',
        cvc2: '[redacted]',
      },
    );
    log.info({ card: { pan, cvc: '123' } }, 'card object');
    assert.equal(last().card, '[redacted]');
    log.info(
      { payment: { id: 7, pan, cvc: '123', card_number: pan, cardnum: pan, card: { pan } } },
      'nested',
    );
    assert.deepEqual(last().payment, {
      id: 7,
      pan: '[redacted]',
      cvc: '[redacted]',
      card_number: '[redacted]',
      cardnum: '[redacted]',
      card: '[redacted]',
    });
    log.child({ card_number: pan, pan }).info('child bindings');
    assert.equal(last().card_number, '[redacted]');
    assert.equal(last().pan, '[redacted]');
    assertNoCardData(text());
  });

  test('a Secret prints as [redacted], wherever it sits', () => {
    const { log, text, last } = capture();
    const card = new Secret({ pan, cvc: '123', expiry: { month: 12, year: 2030 } });
    log.info({ data: card, wrapped: { value: new Secret(pan) } }, 'secrets');
    assert.equal(last().data, '[redacted]');
    assert.deepEqual(last().wrapped, { value: '[redacted]' });
    log.info({ anything: new Secret('123') }, 'cvc secret');
    assert.equal(last().anything, '[redacted]');
    assertNoCardData(text());
  });

  test('card numbers in a request URL are masked', () => {
    const { log, text, last } = capture();
    log.info({ req: { id: 'r1', method: 'GET', url: `/pay/${pan}?card=${pan}&x=1` } }, 'incoming request');
    assert.deepEqual(last().req, { id: 'r1', method: 'GET', url: `/pay/${masked}?card=[redacted]&x=1` });
    log.info(
      { req: { id: 'r2', method: 'GET', url: '/x?cvc=123&pan=4111%201111&n=4111 1111 1111 1111' } },
      'incoming request',
    );
    assert.deepEqual(last().req, {
      id: 'r2',
      method: 'GET',
      url: `/x?cvc=[redacted]&pan=[redacted]&n=${masked}`,
    });
    log.info({ a: { b: { pan, cvc: '123' } } }, 'two levels down');
    assert.deepEqual(last().a, { b: { pan: '[redacted]', cvc: '[redacted]' } });
    assertNoCardData(text());
  });

  test('card numbers in a message are masked, also in format arguments', () => {
    const { log, text, last } = capture();
    log.info(`charging ${pan} now`);
    assert.equal(last().msg, `charging ${masked} now`);
    log.warn('card %s declined', pan);
    assert.equal(last().msg, `card ${masked} declined`);
    log.info({ amount: 100 }, `with object ${pan}`);
    assert.equal(last().msg, `with object ${masked}`);
    assertNoCardData(text());
  });

  test('card numbers in an error message or stack are masked', () => {
    const { log, text, last } = capture();
    log.error(new Error(`driver said ${pan}`));
    assert.equal(last().msg, `driver said ${masked}`);
    assert.equal((last().err as { message: string }).message, `driver said ${masked}`);
    log.error({ err: new Error(`bad ${pan}`) });
    assert.equal(last().msg, `bad ${masked}`);
    log.error({ err: new Error(`bad ${pan}`) }, 'explicit message');
    assert.equal(last().msg, 'explicit message');
    assert.match((last().err as { stack: string }).stack, /bad 411111\*\*\*1111/);
    log.error({ err: null }, 'no error');
    assert.equal(last().err, null);
    assertNoCardData(text());
  });

  test('maskDigits keeps the first six and last four of 13–19 digit runs only', () => {
    assert.equal(maskDigits(`a${pan}b`), `a${masked}b`);
    assert.equal(maskDigits('378282246310005'), '378282***0005');
    assert.equal(maskDigits('order 123456789012'), 'order 123456789012');
  });
});

describe('Secret never reveals itself by accident', () => {
  const secret = new Secret(pan);
  const card = new Secret({ pan, cvc: '123' });

  test('JSON, strings and templates', () => {
    assert.equal(JSON.stringify(secret), '"[redacted]"');
    assert.equal(JSON.stringify({ card }), '{"card":"[redacted]"}');
    assert.equal(String(secret), '[redacted]');
    assert.equal(`${secret}`, '[redacted]');
    assert.equal([secret, card].join(' '), '[redacted] [redacted]');
  });

  test('util.inspect and console formatting', () => {
    assert.equal(inspect(secret), 'Secret([redacted])');
    for (const text of [
      inspect(card),
      inspect({ deep: { deeper: { card } } }, { depth: 10 }),
      inspect(secret, { showHidden: true, customInspect: false }),
      format('%s %o %O %j %d', secret, card, card, card, secret),
    ]) {
      assert.ok(!text.includes(pan), text);
      assert.ok(!text.includes('123'), text);
    }
  });

  test('no enumerable or cloneable copy of the value', () => {
    assert.deepEqual(Object.keys(secret), []);
    assert.deepEqual(Object.entries(card), []);
    assert.ok(!JSON.stringify(structuredClone(card)).includes(pan));
    assert.equal(secret.reveal(), pan);
  });
});

describe('HTTP request logs', () => {
  let gw: TestGateway;
  let app: FastifyInstance;
  before(async () => {
    gw = await testGateway('sqlite');
    app = await buildApp(gw);
    app.get('/explode', async () => {
      throw new Error(`connector choked on ${pan}`);
    });
  });
  after(async () => {
    await app.close();
    await gw.close();
  });

  test('a card number in the URL or an error is masked in fastify logs', async () => {
    const res = await app.inject(`/pay/${pan}?pan=${pan}`);
    assert.equal(res.statusCode, 404);
    const boom = await app.inject(`/explode?card=${pan}`);
    assert.equal(boom.statusCode, 500);
    assert.ok(!boom.body.includes(pan));
    const text = gw.logs.join('');
    assert.ok(text.includes(`/pay/${masked}?pan=[redacted]`), text);
    assert.ok(text.includes(`connector choked on ${masked}`), text);
    assertNoCardData(text);
  });
});
