import { existsSync, mkdirSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { type Browser, chromium } from 'playwright-core';

/**
 * Debian's Chromium for the browser suites (never a downloaded browser), with the flags this
 * closed network needs. Off CI a missing Chromium skips the suite with a note; on CI it fails.
 */
export const chromiumPath = '/usr/bin/chromium';
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
];

const haveChromium = existsSync(chromiumPath);
if (!haveChromium && process.env.CI)
  throw new Error(
    `Chromium is missing at ${chromiumPath}; CI must run the browser suite (.ci/run installs it)`,
  );

/** `describe(…, { skip })`: false when Chromium is here, else the reason to skip. */
export const skip: false | string = haveChromium
  ? false
  : `Chromium not found at ${chromiumPath}: apt-get install chromium to run the browser suite`;

export const launchChromium = (): Promise<Browser> =>
  chromium.launch({ executablePath: chromiumPath, args: chromiumArgs });

/** Screenshots of the suites, kept as test artifacts (gitignored). */
export const artifacts = new URL('../../test-artifacts/', import.meta.url);
mkdirSync(artifacts, { recursive: true });

/** A free local port, so the gateway's public URL can name it before the app listens. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}
