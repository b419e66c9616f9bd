#!/usr/bin/env node
// The `kopek` command. Runs the compiled JavaScript in dist/ — built by `npm ci` (prepare),
// `npm run build`, and by `npm start` / `npm test` when src/ changed since — so a server
// needs no TypeScript compiler at run time and starts without one.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { staleness } from '../scripts/freshness.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('kopek: there is no build in dist/; run `npm run build` (npm ci does it)');
  process.exit(1);
}
const stale = staleness(root);
if (stale) console.error(`kopek: running an old build (${stale}); \`npm run build\` refreshes it`);
await import(main.href);
