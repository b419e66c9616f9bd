// Compiles src/ to dist/ (what bin/kopek.mjs runs): `npm run build`, run by `npm ci` through
// `prepare` (`--prepare`); `--if-stale` (npm start, npm test) builds only when src/ changed since.
//
// tsc with rewriteRelativeImportExtensions (tsconfig.build.json) writes one .js per .ts, so
// dist/ mirrors src/: files found relative to import.meta.url (the pages' assets) are copied
// beside their module and found as in src/. Third-party packages stay in node_modules, as npm
// installed them. bench/startup.ts measures the choice against tsx and bundles. Types are
// checked by `npm run typecheck` (CI), not here: noCheck emits the same files in a third of the
// time, and a type error still being worked on does not stop `npm start`.
//
// The new build is written beside dist/ and swapped in whole, so a failed build leaves the
// previous one and a running server never sees a half-written folder.
//
// The merchant cabinet (cabinet/, a React SPA) is built by Vite into cabinet/dist/ the same
// way: with dist/, when stale, and swapped in whole. A production install (no Vite) skips it.
import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeCompressedTwins } from './compress.mjs';
import { cabinetStaleness, staleness, stampName } from './freshness.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Every file under src/ that is not TypeScript (CSS, browser JS, …), copied to the same place. */
function copyAssets(from, to) {
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = join(from, entry.name);
    if (entry.isDirectory()) copyAssets(source, join(to, entry.name));
    else if (!entry.name.endsWith('.ts')) {
      mkdirSync(to, { recursive: true });
      cpSync(source, join(to, entry.name));
    }
  }
}

function compilerInstalled() {
  try {
    typescriptCompiler();
    return true;
  } catch {
    return false;
  }
}

function typescriptCompiler() {
  try {
    return createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    throw new Error('typescript is not installed: the build needs the dev dependencies (npm ci)');
  }
}

/** Builds dist/ under `base` (the project root); throws with tsc's verdict on failure. */
export function build(base = root) {
  const started = new Date();
  const next = join(base, `.dist-next-${process.pid}`);
  const old = join(base, `.dist-old-${process.pid}`);
  rmSync(next, { recursive: true, force: true });
  const tsc = spawnSync(
    process.execPath,
    [typescriptCompiler(), '-p', join(base, 'tsconfig.build.json'), '--outDir', next],
    { cwd: base, stdio: 'inherit' },
  );
  if (tsc.status !== 0) {
    rmSync(next, { recursive: true, force: true });
    throw new Error(`tsc failed (exit ${tsc.status ?? tsc.signal}); dist/ is left as it was`);
  }
  copyAssets(join(base, 'src'), next);
  const stamp = join(next, stampName);
  writeFileSync(stamp, `${started.toISOString()}\n`);
  utimesSync(stamp, started, started); // the start: a source saved during the build is newer
  const dist = join(base, 'dist');
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(next, dist);
  rmSync(old, { recursive: true, force: true });
}

function viteCli(base) {
  try {
    const manifest = createRequire(join(base, 'package.json')).resolve('vite/package.json');
    return join(manifest, '..', 'bin', 'vite.js');
  } catch {
    throw new Error('vite is not installed: the cabinet build needs the dev dependencies (npm ci)');
  }
}

const viteInstalled = (base) => {
  try {
    viteCli(base);
    return true;
  } catch {
    return false;
  }
};

/** Builds cabinet/dist/ with Vite (cabinet/vite.config.ts); nothing where there is no cabinet/. */
export function buildCabinet(base = root) {
  const cabinet = join(base, 'cabinet');
  if (!existsSync(join(cabinet, 'src'))) return;
  const started = new Date();
  const next = join(cabinet, `.dist-next-${process.pid}`);
  const old = join(cabinet, `.dist-old-${process.pid}`);
  rmSync(next, { recursive: true, force: true });
  const vite = spawnSync(
    process.execPath,
    [viteCli(base), 'build', cabinet, '--outDir', next, '--emptyOutDir', '--logLevel', 'warn'],
    // production whatever the caller runs as: a test process (NODE_ENV=test) would otherwise
    // get React's development build, half again as big
    { cwd: base, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } },
  );
  if (vite.status !== 0) {
    rmSync(next, { recursive: true, force: true });
    throw new Error(`vite failed (exit ${vite.status ?? vite.signal}); cabinet/dist/ is left as it was`);
  }
  writeCompressedTwins(next); // served pre-compressed (web/cabinet.ts)
  const stamp = join(next, stampName);
  writeFileSync(stamp, `${started.toISOString()}\n`);
  utimesSync(stamp, started, started);
  const dist = join(cabinet, 'dist');
  if (existsSync(dist)) renameSync(dist, old);
  renameSync(next, dist);
  rmSync(old, { recursive: true, force: true });
}

/** Builds what is not up to date (dist/, cabinet/dist/); returns why it built, or undefined. */
export function buildIfStale(base = root) {
  const reasons = [];
  const server = staleness(base);
  if (server) {
    build(base);
    reasons.push(server);
  }
  const cabinet = cabinetStaleness(base);
  // Without Vite (a production install) the gateway still runs; /cabinet/ says it is not built.
  if (cabinet && !viteInstalled(base))
    console.error(`kopek: Vite is not installed: cabinet/dist/ was not rebuilt (${cabinet})`);
  else if (cabinet) {
    buildCabinet(base);
    reasons.push(`cabinet: ${cabinet}`);
  }
  return reasons.length ? reasons.join('; ') : undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const started = performance.now();
    let reason = 'asked';
    if (process.argv.includes('--prepare') && !compilerInstalled()) {
      // `npm ci --omit=dev` runs prepare too: a production install must not fail for want of a
      // compiler, and bin/kopek.mjs says plainly that there is no build.
      console.error('kopek: TypeScript is not installed (production install): dist/ was not built');
      reason = undefined;
    } else if (process.argv.includes('--if-stale')) reason = buildIfStale();
    else {
      build();
      if (!process.argv.includes('--prepare') || viteInstalled(root)) buildCabinet();
      else console.error('kopek: Vite is not installed (production install): cabinet/dist/ was not built');
    }
    if (reason)
      console.error(`kopek: built dist/ (${reason}) in ${Math.round(performance.now() - started)} ms`);
  } catch (error) {
    console.error(`kopek build: ${error.message}`);
    process.exitCode = 1;
  }
}
