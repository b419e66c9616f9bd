import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { requestToken } from '../../../src/dialects/impay/sign.ts';
import type { ImpayCreds } from './helpers.ts';

/**
 * A scripted ImPay PCI DSS merchant over plain HTTP: its back end signs API calls to the
 * gateway, its return URL takes what the payer's browser posts back from the ACS, and a
 * "browser" follows the ACS pages as a payer would (posts the challenge, types the code,
 * submits the auto-submitted answer form). The gateway's public URL (`http://kopek.test`) is
 * resolved to the gateway's listener, as a hosts entry would.
 */

export const testCvc = '739';

/** The card fields of `pay/start`, expiring in the future. */
export const cardFields = (pan: string) => ({
  cardnumber: pan,
  cardholder: 'IVAN PETROV',
  cardmonth: '12',
  cardyear: String((new Date().getUTCFullYear() + 3) % 100),
  cardcvc: testCvc,
});

const unescapeHtml = (text: string): string =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&#x27;/g, "'")
    .replace(/&#x2F;|&#47;/g, '/')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The action and hidden fields of the form with this id in an HTML page. */
export function formOf(html: string, id: string): { action: string; fields: Record<string, string> } {
  const start = html.indexOf(`<form id="${id}"`);
  assert.ok(start >= 0, `no form #${id} in the page:\n${html.slice(0, 2000)}`);
  const form = html.slice(start, html.indexOf('</form>', start));
  const action = /action="([^"]*)"/.exec(form)?.[1] ?? '';
  const fields: Record<string, string> = {};
  for (const m of form.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    fields[m[1]!] = unescapeHtml(m[2]!);
  return { action: unescapeHtml(action), fields };
}

export type Merchant = {
  /** The merchant's return URL (TermUrl / 3-DS notification URL). */
  returnUrl: string;
  /** What the payer's browser posted to the return URL, in order. */
  returned: Record<string, string>[];
  /** A signed POST to `/v1/<path>` over HTTP; the answer's JSON. */
  api: (path: string, body: unknown) => Promise<Record<string, unknown>>;
  /** The payer's browser: a form POST, the gateway's public URL resolved to its listener. */
  post: (url: string, fields: Record<string, string>) => Promise<{ status: number; html: string }>;
  close: () => Promise<void>;
};

export async function scriptedMerchant(gatewayBase: string, creds: ImpayCreds): Promise<Merchant> {
  const returned: Record<string, string>[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      returned.push(Object.fromEntries(new URLSearchParams(body)));
      res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const resolveHost = (url: string) => url.replace(/^http:\/\/kopek\.test/, gatewayBase);
  return {
    returnUrl: `http://127.0.0.1:${port}/return`,
    returned,
    api: async (path, body) => {
      const text = JSON.stringify(body);
      const res = await fetch(`${gatewayBase}/v1/${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-login': creds.login,
          'x-token': requestToken(creds.key, Buffer.from(text)),
        },
        body: text,
      });
      assert.equal(res.status, 200, `${path}: HTTP ${res.status}`);
      return (await res.json()) as Record<string, unknown>;
    },
    post: async (url, fields) => {
      const res = await fetch(resolveHost(url), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
        redirect: 'manual',
      });
      return { status: res.status, html: await res.text() };
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The payer at the ACS: posts the challenge form, types `otp`, and submits the answer form to
 * the merchant's return URL. Returns what the return URL received.
 */
export async function payerAtAcs(
  m: Merchant,
  acsUrl: string,
  challenge: Record<string, string>,
  otp: string,
): Promise<Record<string, string>> {
  const page = await m.post(acsUrl, challenge);
  assert.equal(page.status, 200, page.html.slice(0, 500));
  const acsForm = formOf(page.html, 'acs-form');
  const acsAnswerUrl = new URL(acsForm.action, acsUrl).toString();
  const answered = await m.post(acsAnswerUrl, { ...acsForm.fields, otp });
  assert.equal(answered.status, 200, answered.html.slice(0, 500));
  const answer = formOf(answered.html, 'acs-answer');
  assert.equal(answer.action, m.returnUrl, 'the ACS sends the payer back to the merchant');
  const before = m.returned.length;
  const back = await m.post(answer.action, answer.fields);
  assert.equal(back.status, 200);
  assert.equal(m.returned.length, before + 1);
  return m.returned.at(-1)!;
}
