import assert from 'node:assert/strict';
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { staleness, stampName } from '../../scripts/freshness.mjs';
import { postgresUrl, testFlavors } from '../helpers/databases.ts';

/**
 * The shipped path: `kopek` (bin/kopek.mjs) runs the compiled dist/ that `npm ci` builds, and
 * never TypeScript or tsx. Every child here runs under refuse-typescript.mjs, which makes the
 * process fail on the first .ts file or tsx module it would load.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const bin = join(root, 'bin', 'kopek.mjs');
const refuseTypeScript = join(root, 'test', 'build', 'refuse-typescript.mjs');
const flavors = await testFlavors();

const tempDirs: string[] = [];
const children = new Set<ChildProcess>();
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kopek-build-'));
  tempDirs.push(dir);
  return dir;
}
after(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function childEnv(dataDir: string, databaseUrl: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [
    'KOPEK_MASTER_KEYS',
    'KOPEK_ACTIVE_KEY_ID',
    'PORT',
    'HOST',
    'PUBLIC_URL',
    'NODE_TEST_CONTEXT',
  ])
    delete env[name];
  return {
    ...env,
    KOPEK_DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    LOG_LEVEL: 'warn',
    METRICS_PORT: 'off',
    NODE_OPTIONS: '',
  };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

describe('the compiled kopek command', { concurrency: true }, () => {
  test('kopek --help runs from dist/ without loading TypeScript', async () => {
    const dataDir = tempDir();
    const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        ['--import', refuseTypeScript, bin, '--help'],
        { cwd: root, env: childEnv(dataDir, join(dataDir, 'kopek.db')), timeout: 60_000 },
        (error, stdout, stderr) =>
          resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
      ),
    );
    assert.equal(run.stderr, '', 'no TypeScript loaded, and dist/ is not older than src/');
    assert.equal(run.code, 0);
    assert.match(run.stdout, /^Usage: kopek <command>/);
  });

  for (const flavor of flavors) {
    test(`kopek serve from dist/ answers /healthz and serves the page assets (${flavor})`, async (t) => {
      const dataDir = tempDir();
      let databaseUrl = join(dataDir, 'kopek.db');
      if (flavor === 'postgres') {
        // A database of its own: the CLI has no schema option (see test/cli/cli.test.ts).
        const name = `kopek_build_${process.pid}_${Date.now().toString(36)}`;
        const admin = new pg.Client({ connectionString: postgresUrl });
        await admin.connect();
        await admin.query(`create database "${name}"`);
        await admin.end();
        const url = new URL(postgresUrl);
        url.pathname = `/${name}`;
        databaseUrl = url.href;
        t.after(async () => {
          const client = new pg.Client({ connectionString: postgresUrl });
          await client.connect();
          await client.query(`drop database if exists "${name}" with (force)`);
          await client.end();
        });
      }
      const port = await freePort();
      const child = spawn(
        process.execPath,
        ['--import', refuseTypeScript, bin, 'serve', '--port', String(port), '--host', '127.0.0.1'],
        { cwd: root, env: childEnv(dataDir, databaseUrl), stdio: ['ignore', 'ignore', 'pipe'] },
      );
      children.add(child);
      let stderr = '';
      child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        stderr += chunk;
      });
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
        child.once('exit', (code, signal) => resolve({ code, signal })),
      );

      const base = `http://127.0.0.1:${port}`;
      for (let waited = 0; ; waited += 100) {
        assert.equal(child.exitCode, null, `kopek serve exited early:\n${stderr}`);
        const status = await fetch(`${base}/healthz`).then(
          (r) => r.status,
          () => 0,
        );
        if (status === 200) break;
        assert.ok(waited < 60_000, `no /healthz 200 within 60 s:\n${stderr}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      // The assets are read relative to the compiled module: the build must have copied them.
      for (const name of ['pay.css', 'pay.js']) {
        const response = await fetch(`${base}/pay/assets/${name}`);
        assert.equal(response.status, 200, name);
        assert.equal(await response.text(), readFileSync(join(root, 'src/web/pages/assets', name), 'utf8'));
      }
      child.kill('SIGTERM');
      assert.deepEqual(await exited, { code: 0, signal: null }, stderr);
      assert.equal(stderr, '');
    });
  }
});

describe('whether dist/ is stale', () => {
  /** A project root with src/a.ts, src/web/b.css and a build stamped at `builtAt` (seconds). */
  function project(builtAt: number): string {
    const dir = tempDir();
    mkdirSync(join(dir, 'src', 'web'), { recursive: true });
    writeFileSync(join(dir, 'src', 'a.ts'), 'export {};\n');
    writeFileSync(join(dir, 'src', 'web', 'b.css'), 'p {}\n');
    writeFileSync(join(dir, 'tsconfig.build.json'), '{}\n');
    for (const path of ['src/a.ts', 'src/web/b.css', 'src/web', 'src', 'tsconfig.build.json'])
      utimesSync(join(dir, path), 1000, 1000);
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', stampName), '');
    utimesSync(join(dir, 'dist', stampName), builtAt, builtAt);
    return dir;
  }

  test('no build at all is stale', () => {
    const dir = project(2000);
    rmSync(join(dir, 'dist'), { recursive: true });
    assert.equal(staleness(dir), 'no build in dist/');
  });

  test('a build newer than every input is fresh', () => {
    assert.equal(staleness(project(2000)), undefined);
  });

  test('a source file or an asset changed after the build makes it stale', () => {
    const dir = project(2000);
    utimesSync(join(dir, 'src', 'web', 'b.css'), 3000, 3000);
    assert.equal(staleness(dir), 'src/web/b.css changed since the build');
  });

  test('a deleted source file makes it stale, through its folder', () => {
    const dir = project(Date.now() / 1000 - 60);
    rmSync(join(dir, 'src', 'web', 'b.css'));
    assert.equal(staleness(dir), 'src/web changed since the build');
  });

  test('a changed build configuration makes it stale', () => {
    const dir = project(2000);
    utimesSync(join(dir, 'tsconfig.build.json'), 3000, 3000);
    assert.equal(staleness(dir), 'tsconfig.build.json changed since the build');
  });

  test('a deployment of dist/ without src/ runs the build it has', () => {
    const dir = project(2000);
    rmSync(join(dir, 'src'), { recursive: true });
    assert.equal(staleness(dir), undefined);
  });
});

describe('the build without a compiler', () => {
  /** The build scripts alone in a folder with no node_modules: TypeScript cannot be found. */
  function bare(): string {
    const dir = tempDir();
    mkdirSync(join(dir, 'scripts'));
    mkdirSync(join(dir, 'src'));
    for (const file of ['build.mjs', 'freshness.mjs', 'compress.mjs'])
      cpSync(join(root, 'scripts', file), join(dir, 'scripts', file));
    return dir;
  }
  const run = (dir: string, flag?: string) =>
    new Promise<{ code: number | null; stderr: string }>((resolve) =>
      execFile(
        process.execPath,
        [join(dir, 'scripts', 'build.mjs'), ...(flag ? [flag] : [])],
        { cwd: dir, env: { ...process.env, NODE_OPTIONS: '', NODE_PATH: '' } },
        (error, _stdout, stderr) => resolve({ code: error ? (error.code as number) : 0, stderr }),
      ),
    );

  test('npm run build fails and says the dev dependencies are missing', async () => {
    const dir = bare();
    const result = await run(dir);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /typescript is not installed: the build needs the dev dependencies/);
    assert.equal(existsSync(join(dir, 'dist')), false);
  });

  test('prepare in a production install (npm ci --omit=dev) succeeds without building', async () => {
    const dir = bare();
    const result = await run(dir, '--prepare');
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /TypeScript is not installed \(production install\): dist\/ was not built/);
    assert.equal(existsSync(join(dir, 'dist')), false);
  });
});
