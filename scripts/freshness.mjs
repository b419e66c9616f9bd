// Whether dist/ still matches src/: shared by the build (rebuild only when stale) and by
// bin/kopek.mjs (warn when it is about to run an old build). Plain JavaScript, so the shipped
// command can use it without a compiler.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** What the build reads besides src/: a change to any of these makes dist/ stale too. */
export const buildInputs = ['tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs'];

/** dist/'s stamp: its mtime is the moment the build that made dist/ started. */
export const stampName = '.build-stamp';

/**
 * The newest input (path and mtime in ms) under root: every file and folder in src/ — a
 * folder's mtime moves when a file in it is added, renamed or deleted, which a file's own
 * mtime cannot show — and the build's own inputs.
 */
export function newestInput(root) {
  let newest = { path: '', mtimeMs: 0 };
  const consider = (path) => {
    const { mtimeMs } = statSync(join(root, path));
    if (mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
  };
  const walk = (dir) => {
    consider(dir);
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else consider(path);
    }
  };
  walk('src');
  for (const path of buildInputs) if (existsSync(join(root, path))) consider(path);
  return newest;
}

/**
 * Why dist/ under root must be rebuilt, or undefined when it is up to date: no build at all,
 * or the path of an input changed since the build started. Without src/ (a deployment of the
 * build alone) there is nothing to compare, and the build is taken as it is.
 */
export function staleness(root) {
  const stamp = join(root, 'dist', stampName);
  if (!existsSync(stamp)) return 'no build in dist/';
  if (!existsSync(join(root, 'src'))) return undefined;
  const newest = newestInput(root);
  return newest.mtimeMs > statSync(stamp).mtimeMs ? `${newest.path} changed since the build` : undefined;
}

// ---- the cabinet (cabinet/ → cabinet/dist/, built by Vite) ----

/** What the cabinet's build reads besides cabinet/ itself. */
export const cabinetBuildInputs = ['package-lock.json', 'scripts/build.mjs'];

/** The newest input of the cabinet: every file and folder under cabinet/ but its build output. */
export function newestCabinetInput(root) {
  let newest = { path: '', mtimeMs: 0 };
  const consider = (path) => {
    const { mtimeMs } = statSync(join(root, path));
    if (mtimeMs > newest.mtimeMs) newest = { path, mtimeMs };
  };
  const walk = (dir) => {
    // cabinet/ itself changes whenever its build is swapped in (dist/ renamed): only what is
    // under it counts (a file added there is newer than the build anyway)
    if (dir !== 'cabinet') consider(dir);
    for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
      if (dir === 'cabinet' && (entry.name === 'dist' || entry.name.startsWith('.'))) continue;
      if (entry.name === 'node_modules') continue;
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else consider(path);
    }
  };
  walk('cabinet');
  for (const path of cabinetBuildInputs) if (existsSync(join(root, path))) consider(path);
  return newest;
}

/** Why cabinet/dist/ must be rebuilt, or undefined: as `staleness`, for the cabinet. */
export function cabinetStaleness(root) {
  if (!existsSync(join(root, 'cabinet', 'src'))) return undefined;
  const stamp = join(root, 'cabinet', 'dist', stampName);
  if (!existsSync(stamp)) return 'no build in cabinet/dist/';
  const newest = newestCabinetInput(root);
  return newest.mtimeMs > statSync(stamp).mtimeMs ? `${newest.path} changed since the build` : undefined;
}
