import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildCabinet } from '../../scripts/build.mjs';
import { cabinetStaleness } from '../../scripts/freshness.mjs';

/**
 * The cabinet's first screen stays small: what index.html loads (the shell: React, the
 * router, TanStack Query, i18next, the login and the header) within a budget, every tab and
 * the heavy parts (charts, a payment's dialog) in chunks of their own, loaded when needed,
 * and brotli/gzip twins beside each file for the server to send as they are.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
const dist = `${root}cabinet/dist/`;
/** The shell's JavaScript and CSS, gzip-compressed: a budget with room, not a target. */
const firstScreenGzipBytesMax = 160 * 1024;

before(() => {
  if (cabinetStaleness(root)) buildCabinet(root);
});

const assets = () => readdirSync(`${dist}assets`);
/** The files index.html loads at once: its scripts, preloads and style sheets. */
function firstScreen(): string[] {
  const html = readFileSync(`${dist}index.html`, 'utf8');
  return [...html.matchAll(/(?:src|href)="\/cabinet\/(assets\/[^"]+)"/g)].map((m) => m[1]!);
}

test('the first screen loads the shell within its budget', (t) => {
  const files = firstScreen();
  assert.ok(
    files.some((f) => f.endsWith('.js')),
    'index.html loads a script',
  );
  const gzipBytes = files.reduce(
    (sum, f) => sum + gzipSync(readFileSync(`${dist}${f}`), { level: 9 }).length,
    0,
  );
  t.diagnostic(`first screen: ${files.join(', ')} = ${Math.round(gzipBytes / 1024)} KB gzip`);
  assert.ok(gzipBytes <= firstScreenGzipBytesMax, `${gzipBytes} bytes > ${firstScreenGzipBytesMax}`);
});

test('each tab, the charts and the payment dialog are chunks of their own, not loaded at first', (t) => {
  const first = new Set(firstScreen());
  for (const name of ['statistics', 'payments', 'invoices', 'settings', 'Chart', 'Details']) {
    const chunk = assets().find(
      (f) => f.startsWith(`${name}-`) && f.endsWith('.js') && readFileSync(`${dist}assets/${f}`).length > 200,
    );
    assert.ok(chunk, `a chunk for ${name}`);
    assert.ok(!first.has(`assets/${chunk}`), `${chunk} is not loaded by index.html`);
    t.diagnostic(
      `${chunk}: ${Math.round(gzipSync(readFileSync(`${dist}assets/${chunk}`)).length / 1024)} KB gzip`,
    );
  }
});

test('every script and style sheet has its brotli and gzip twins', () => {
  for (const f of assets().filter((a) => /\.(js|css)$/.test(a))) {
    const size = readFileSync(`${dist}assets/${f}`).length;
    if (size < 1024) continue;
    const names = assets();
    assert.ok(names.includes(`${f}.br`) && names.includes(`${f}.gz`), f);
  }
});
