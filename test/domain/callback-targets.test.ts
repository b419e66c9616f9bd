import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressProblem, callbackUrlProblem } from '../../src/domain/callback-targets.ts';

const strict = { allowPrivate: false };
const open = { allowPrivate: true };

describe('callback targets', () => {
  it('refuses loopback, private, CGNAT, link-local, multicast and unspecified IPv4 addresses', () => {
    for (const address of [
      '127.0.0.1',
      '127.255.0.9',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '100.64.0.1',
      '169.254.169.254',
      '224.0.0.1',
      '239.255.255.250',
      '0.0.0.0',
      '255.255.255.255',
    ])
      assert.ok(addressProblem(address, strict), address);
    for (const address of ['8.8.8.8', '172.32.0.1', '100.128.0.1', '192.169.0.1', '93.184.216.34'])
      assert.equal(addressProblem(address, strict), null, address);
  });

  it('refuses the same in IPv6, and IPv4 carried in IPv6 as what it reaches', () => {
    for (const address of [
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      'fd12:3456::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:7f00:1',
      '::ffff:169.254.169.254',
      '::ffff:a9fe:a9fe',
      '64:ff9b::a9fe:a9fe',
      '::127.0.0.1',
    ])
      assert.ok(addressProblem(address, strict), address);
    for (const address of ['2001:4860:4860::8888', '::ffff:8.8.8.8', '64:ff9b::808:808'])
      assert.equal(addressProblem(address, strict), null, address);
  });

  it('the private setting allows loopback, private and CGNAT networks, never link-local, multicast or unspecified', () => {
    for (const address of [
      '127.0.0.1',
      '10.0.0.5',
      '192.168.0.2',
      '100.64.1.1',
      '::1',
      'fd00::5',
      '::ffff:10.0.0.1',
    ])
      assert.equal(addressProblem(address, open), null, address);
    for (const address of [
      '169.254.169.254',
      '::ffff:169.254.169.254',
      'fe80::1',
      '224.0.0.1',
      '0.0.0.0',
      '::',
    ])
      assert.ok(addressProblem(address, open), address);
  });

  it('judges the literal host of a URL, however it is written; names wait for the connection', () => {
    for (const url of [
      'http://127.0.0.1:8080/cb',
      'http://[::1]/cb',
      'http://[::ffff:169.254.169.254]/latest',
      'http://2130706433/', // 127.0.0.1 as one number
      'http://0x7f.1/',
      'https://169.254.169.254/latest/meta-data/',
    ])
      assert.ok(callbackUrlProblem(url, strict), url);
    assert.equal(callbackUrlProblem('https://shop.example/cb', strict), null);
    assert.equal(callbackUrlProblem('http://localhost/cb', strict), null, 'a name: checked when connecting');
    assert.equal(callbackUrlProblem('not a url', strict), null, 'the dialect’s URL check reports it');
  });
});
