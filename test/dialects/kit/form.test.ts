import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formPairs, mergeRequest, nestPhp, parsePhpForm, phpPath } from '../../../src/dialects/kit/form.ts';

/** Each case: the query string, and what PHP's $_GET holds for it (as json_encode writes it). */
describe('kit: forms read as PHP reads them', () => {
  const cases: [string, unknown][] = [
    ['status[]=a&status[]=b', { status: ['a', 'b'] }],
    ['status[0]=a&status[1]=b', { status: ['a', 'b'] }],
    ['a[k]=1&a[j]=2', { a: { k: '1', j: '2' } }],
    ['a[0]=x&a[k]=y&a[]=z', { a: { 0: 'x', k: 'y', 1: 'z' } }],
    ['a[5]=x&a[]=y', { a: { 5: 'x', 6: 'y' } }],
    ['token=&token=NEW', { token: 'NEW' }],
    ['a=1&a=2', { a: '2' }],
    ['&query&x=1', { query: '', x: '1' }],
    ['a[]=1&a=2', { a: '2' }],
    ['a=1&a[]=2', { a: ['2'] }],
    ['c[x][y][]=1&c[x][y][]=2&c[x][z]=3', { c: { x: { y: ['1', '2'], z: '3' } } }],
    ['first.name=A&last name=B', { first_name: 'A', last_name: 'B' }],
    ['a[b=1', { a_b: '1' }],
    ['a[b]c]=1', { a: { b: '1' } }],
    ['a[ x]=1', { a: { x: '1' } }],
    ['=1&[]=2&x=3', { x: '3' }],
    ['q=a+b%20c%2Bd', { q: 'a b c+d' }],
    ['name=%D0%A2%D0%BE%D0%BA%D0%B5%D0%BD', { name: 'Токен' }],
    ['bad=%ZZ%4', { bad: '%ZZ%4' }],
    ['0=a&1=b', { 0: 'a', 1: 'b' }],
  ];
  for (const [query, expected] of cases)
    it(query, () => {
      assert.deepEqual(parsePhpForm(query), expected);
    });

  it('makes prototype names plain fields, never the prototype', () => {
    const form = parsePhpForm('__proto__[x]=1&a[__proto__]=2&constructor=3');
    assert.equal(({} as Record<string, unknown>).x, undefined);
    assert.deepEqual(Object.keys(form), ['__proto__', 'a', 'constructor']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(form, '__proto__')?.value, { x: '1' });
    assert.equal(Object.getPrototypeOf(form), Object.prototype);
  });
  it('drops a name nested deeper than PHP allows', () => {
    assert.deepEqual(parsePhpForm(`a${'[x]'.repeat(65)}=1&b=2`), { b: '2' });
    assert.equal(Object.keys(parsePhpForm(`a${'[x]'.repeat(64)}=1`)).length, 1);
  });
  it('splits names into paths and pairs as PHP does', () => {
    assert.deepEqual(phpPath('a[b][][c]'), ['a', 'b', '', 'c']);
    assert.equal(phpPath('[x]'), null);
    assert.deepEqual(formPairs('a&b=&=c&d=1=2'), [
      ['a', ''],
      ['b', ''],
      ['d', '1=2'],
    ]);
    assert.deepEqual(nestPhp([['m[a]', '1']]), { m: { a: '1' } });
  });
  it('merges the query under a POST body, the body winning (PHP request_order GP)', () => {
    assert.deepEqual(mergeRequest(parsePhpForm('token=q&id=1'), parsePhpForm('token=b')), {
      token: 'b',
      id: '1',
    });
  });
});
