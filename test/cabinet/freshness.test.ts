import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { cabinetStaleness, stampName } from '../../scripts/freshness.mjs';

/** When `npm start` / `npm test` rebuild cabinet/dist/ (scripts/freshness.mjs). */

const made: string[] = [];
const tempDir = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'kopek-cabinet-fresh-'));
  made.push(dir);
  return dir;
};
after(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

describe('the cabinet build is stale', () => {
  /** A project with cabinet sources written at `sourcesAt` and, when `builtAt`, a build stamped then (seconds). */
  function project(sourcesAt: number, builtAt?: number): string {
    const dir = tempDir();
    mkdirSync(join(dir, 'cabinet', 'src', 'tabs'), { recursive: true });
    for (const file of ['cabinet/index.html', 'cabinet/src/main.tsx', 'cabinet/src/tabs/a.tsx']) {
      writeFileSync(join(dir, file), 'x');
      utimesSync(join(dir, file), sourcesAt, sourcesAt);
    }
    for (const folder of ['cabinet/src', 'cabinet/src/tabs'])
      utimesSync(join(dir, folder), sourcesAt, sourcesAt);
    if (builtAt !== undefined) {
      mkdirSync(join(dir, 'cabinet', 'dist'));
      writeFileSync(join(dir, 'cabinet', 'dist', stampName), '');
      utimesSync(join(dir, 'cabinet', 'dist', stampName), builtAt, builtAt);
    }
    return dir;
  }

  test('not where there is no cabinet/src (a deployment of the build)', () => {
    const dir = tempDir();
    assert.equal(cabinetStaleness(dir), undefined);
  });

  test('without a build', () => {
    assert.equal(cabinetStaleness(project(1000)), 'no build in cabinet/dist/');
  });

  test('not when the build started after every source', () => {
    assert.equal(cabinetStaleness(project(1000, 2000)), undefined);
  });

  test('when a source changed since, named', () => {
    const dir = project(1000, 2000);
    utimesSync(join(dir, 'cabinet/src/tabs/a.tsx'), 3000, 3000);
    assert.equal(cabinetStaleness(dir), 'cabinet/src/tabs/a.tsx changed since the build');
  });

  test('when a file was added or removed in a folder of the sources', () => {
    const dir = project(1000, 2000);
    utimesSync(join(dir, 'cabinet/src/tabs'), 3000, 3000);
    assert.equal(cabinetStaleness(dir), 'cabinet/src/tabs changed since the build');
  });

  test('not for the build swapped in, nor for its output', () => {
    const dir = project(1000, 2000);
    mkdirSync(join(dir, 'cabinet', '.dist-next-1'));
    renameSync(join(dir, 'cabinet', '.dist-next-1'), join(dir, 'cabinet', '.dist-old-1'));
    writeFileSync(join(dir, 'cabinet', 'dist', 'index.html'), 'built');
    assert.equal(cabinetStaleness(dir), undefined);
  });
});
