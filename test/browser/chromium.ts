import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
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

/**
 * A local HTTP server, listening before the gateway exists: the gateway's public URL must name
 * the port. The system picks the port (listen on 0) and the server keeps it from then on, so no
 * other test file running in parallel can take it between a probe and a later listen.
 * `serve(app)` hands every request to the Fastify app from then on (`app.routing`, Fastify's
 * way of serving from a server of one's own).
 */
export type LocalServer = {
  url: string;
  serve(app: FastifyInstance): Promise<void>;
  close(): Promise<void>;
};

export async function listenFirst(): Promise<LocalServer> {
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const server = createServer((req, res) => {
    if (handler) return handler(req, res);
    res.writeHead(503).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async serve(app) {
      await app.ready();
      handler = (req, res) => app.routing(req, res);
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/**
 * An expiry date (typed as digits, `MMYY`) that both clocks accept for years to come: the
 * browser's, which is real time, and the gateway's, a TestClock fixed in 2026. December, five
 * years after the later of the two.
 */
export function cardExpiry(gatewayNow: Date): string {
  const year = Math.max(new Date().getUTCFullYear(), gatewayNow.getUTCFullYear()) + 5;
  return `12${String(year % 100).padStart(2, '0')}`;
}

/** How long a result page waits before sending the payer back to the shop, in the browser suites:
 * long enough that no check races the redirect; a test follows it by clicking the link instead. */
export const resultRedirectSeconds = 600;
