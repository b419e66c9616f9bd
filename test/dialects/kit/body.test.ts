import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify from 'fastify';
import { type Body, rawBodyOf, readBody, useBodyReader } from '../../../src/dialects/kit/body.ts';
import { ExactNumber } from '../../../src/dialects/kit/json.ts';
import { parseMultipart } from '../../../src/dialects/kit/multipart.ts';

const boundary = '----kopek7MA4YWxkTrZu0gW';
const multipart = (parts: string[]) =>
  Buffer.from(`${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join('')}--${boundary}--\r\n`);
const field = (name: string, value: string) =>
  `Content-Disposition: form-data; name="${name}"\r\n\r\n${value}`;
const mpType = `multipart/form-data; boundary=${boundary}`;

describe('kit: multipart/form-data', () => {
  it('reads fields the PHP way and files whole', async () => {
    const raw = multipart([
      field('status[]', 'a'),
      field('status[]', 'b'),
      field('token', ''),
      field('token', 'NEW'),
      field('name', 'Токен'),
      'Content-Disposition: form-data; name="doc"; filename="scan.pdf"\r\nContent-Type: application/pdf\r\n\r\n%PDF-\x01\x02',
    ]);
    const parsed = await parseMultipart(raw, mpType);
    assert.deepEqual(parsed?.fields, { status: ['a', 'b'], token: 'NEW', name: 'Токен' });
    assert.equal(parsed?.files.length, 1);
    assert.deepEqual(
      { ...parsed!.files[0]!, bytes: parsed!.files[0]!.bytes.toString('latin1') },
      { field: 'doc', filename: 'scan.pdf', mimeType: 'application/pdf', bytes: '%PDF-\x01\x02' },
    );
  });
  it('refuses a multipart type without a boundary, and a body cut short', async () => {
    assert.equal(await parseMultipart(Buffer.from('x'), 'multipart/form-data'), null);
    const cut = multipart([field('a', '1')]).subarray(0, 30);
    assert.equal(await parseMultipart(cut, mpType), null);
  });
});

describe('kit: request bodies', () => {
  const read = (text: string, type: string, options = {}) => readBody(Buffer.from(text), type, options);
  it('tells the kinds apart by Content-Type', async () => {
    assert.deepEqual(await read('  \n', 'application/json'), { kind: 'empty' });
    assert.deepEqual(await read('{"a":1}', 'application/json; charset=utf-8'), {
      kind: 'json',
      value: { a: 1 },
    });
    assert.deepEqual(await read('{"a":', 'application/json'), { kind: 'malformed', claimed: 'json' });
    assert.deepEqual(await read('a[]=1&a[]=2', 'application/x-www-form-urlencoded'), {
      kind: 'form',
      value: { a: ['1', '2'] },
    });
    assert.deepEqual(await read('<xml/>', 'text/xml'), { kind: 'other' });
    const mp = await readBody(multipart([field('x', '1')]), mpType);
    assert.deepEqual(mp, { kind: 'multipart', value: { fields: { x: '1' }, files: [] } });
  });
  it('reads JSON labelled as a form only when the dialect sniffs', async () => {
    const form = 'application/x-www-form-urlencoded';
    assert.deepEqual(await read('{"a":1}', form, { sniffJson: true }), { kind: 'json', value: { a: 1 } });
    assert.equal((await read('{"a":1}', form)).kind, 'form');
  });
  it('reads JSON numbers exactly', async () => {
    const body = (await read('{"amount":10.00999999999999999999}', 'application/json')) as Body & {
      kind: 'json';
    };
    assert.ok((body.value as { amount: unknown }).amount instanceof ExactNumber);
  });
  it('lets a dialect pin its own form reader', async () => {
    const body = await read('a=1', 'application/x-www-form-urlencoded', {
      parseForm: () => ({ mine: true }),
    });
    assert.deepEqual(body, { kind: 'form', value: { mine: true } });
  });

  it('keeps the raw bytes for signatures and hands the dialect what it found', async () => {
    const app = Fastify();
    const seen: string[] = [];
    useBodyReader(app, {
      bodyBytesMax: 1024,
      accept: (body) => {
        seen.push(body.kind);
        if (body.kind === 'other') throw Object.assign(new Error('refused'), { statusCode: 400 });
        return body.kind === 'empty' ? {} : 'value' in body ? body.value : null;
      },
    });
    app.post('/echo', async (req) => ({ raw: rawBodyOf(req).toString('utf8'), body: req.body }));
    const sent = '{"amount":100.50,  "extid":"order-1"}';
    const res = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: sent,
    });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { raw: sent, body: { amount: 100.5, extid: 'order-1' } });
    const refused = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'text/xml' },
      payload: '<a/>',
    });
    assert.equal(refused.statusCode, 400);
    const large = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': 'application/json' },
      payload: `"${'x'.repeat(2000)}"`,
    });
    assert.equal(large.statusCode, 413);
    const form = multipart([field('status[]', 'a'), field('status[]', 'b')]);
    const mp = await app.inject({
      method: 'POST',
      url: '/echo',
      headers: { 'content-type': mpType },
      payload: form,
    });
    assert.deepEqual(mp.json(), {
      raw: form.toString('utf8'),
      body: { fields: { status: ['a', 'b'] }, files: [] },
    });
    assert.deepEqual(seen, ['json', 'other', 'multipart']);
    await app.close();
  });
});
