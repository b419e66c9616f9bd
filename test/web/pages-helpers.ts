import assert from 'node:assert/strict';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/** Drives the hosted payment page through `inject`, as a browser without JavaScript would. */

let ipCounter = 0;
/** A fresh client address per test, so the per-IP rate limits of one test never touch another. */
export const freshIp = (): string => `198.51.100.${(ipCounter++ % 250) + 1}`;

export const form = (fields: Record<string, string>): string => new URLSearchParams(fields).toString();

const formHeaders = (cookie?: string) => ({
  'content-type': 'application/x-www-form-urlencoded',
  ...(cookie && { cookie }),
});

/** Every `name="…" value="…"` hidden input of the form with this id, entities decoded. */
export function hiddenFields(body: string, formId: string): Record<string, string> {
  const start = body.indexOf(`id="${formId}"`);
  assert.ok(start >= 0, `no form #${formId} in the page`);
  const end = body.indexOf('</form>', start);
  const fields: Record<string, string> = {};
  for (const m of body.slice(start, end).matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g))
    fields[decodeEntities(m[1]!)] = decodeEntities(m[2]!);
  return fields;
}

/** The `action` of the form with this id. */
export function actionOf(body: string, formId: string): string {
  const m = new RegExp(`<form id="${formId}"[^>]*action="([^"]+)"`).exec(body);
  assert.ok(m, `no action on #${formId}`);
  return decodeEntities(m[1]!);
}

const decodeEntities = (s: string): string =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#96;/g, '`')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The text content of the element with this id (tags stripped, entities decoded). */
export function textOf(body: string, id: string): string {
  const m = new RegExp(`id="${id}"[^>]*>([\\s\\S]*?)</`).exec(body);
  assert.ok(m, `no element #${id}`);
  return decodeEntities(m[1]!.replace(/<[^>]+>/g, '')).trim();
}

/** A browser session: one client IP and its cookies. */
export class PageClient {
  readonly ip = freshIp();
  readonly #cookies = new Map<string, string>();
  constructor(
    readonly app: FastifyInstance,
    readonly headers: Record<string, string> = {},
  ) {}

  get cookie(): string {
    return [...this.#cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  #keep(res: LightMyRequestResponse): LightMyRequestResponse {
    for (const c of res.cookies as { name: string; value: string }[]) this.#cookies.set(c.name, c.value);
    return res;
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    return this.#keep(
      await this.app.inject({
        method: 'GET',
        url,
        remoteAddress: this.ip,
        headers: { cookie: this.cookie, ...this.headers, ...headers },
      }),
    );
  }

  async post(url: string, fields: Record<string, string>): Promise<LightMyRequestResponse> {
    return this.#keep(
      await this.app.inject({
        method: 'POST',
        url,
        remoteAddress: this.ip,
        headers: { ...formHeaders(this.cookie), ...this.headers },
        payload: form(fields),
      }),
    );
  }

  /** Opens the payment page and submits the card form with these fields (token included). */
  async pay(publicId: string, card: Record<string, string>): Promise<LightMyRequestResponse> {
    const page = await this.get(`/pay/${publicId}`);
    assert.equal(page.statusCode, 200, page.body);
    const { csrf } = hiddenFields(page.body, 'pay-form');
    return this.post(`/pay/${publicId}`, { csrf: csrf!, ...card });
  }

  /** Follows one redirect and returns the page it leads to. */
  async follow(res: LightMyRequestResponse): Promise<LightMyRequestResponse> {
    assert.ok([302, 303].includes(res.statusCode), `expected a redirect, got ${res.statusCode}: ${res.body}`);
    return this.get(String(res.headers.location));
  }
}

export const goodCard = { exp: '12/30', cvc: '123', holder: 'IVAN IVANOV' };
