import type { PkFail, TokenResponse } from './types.ts';

/**
 * The cabinet's only way to the server: PayKeeper's JSON API (`/info/…`, `/change/…`,
 * `/export/…`) authenticated by the session cookie, and the session calls under
 * `/cabinet/api/`. Same origin, so the cookie (HttpOnly, SameSite=Strict) rides along and
 * the script never sees it.
 */

/** A query or form value: PHP arrays are written `status[]=a&status[]=b`. */
export type Params = Record<string, string | readonly string[] | undefined>;

/** The session is gone (expired, revoked, logged out elsewhere): the app shows the login. */
export class Unauthorized extends Error {
  constructor() {
    super('unauthorized');
    this.name = 'Unauthorized';
  }
}

/** PayKeeper's refusal, HTTP 200 `{"result":"fail","msg":…}`: `msg` is for the user. */
export class PkError extends Error {
  readonly code: number | undefined;
  constructor(fail: PkFail) {
    super(fail.msg);
    this.name = 'PkError';
    this.code = fail.error_code;
  }
}

/** Anything else: a status the API never answers with in the normal course (5xx, 404, 503). */
export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, text: string) {
    super(text || `HTTP ${status}`);
    this.name = 'HttpError';
    this.status = status;
  }
}

/**
 * Marks the cabinet's calls as a script's: the server then answers a missing session with 401
 * alone, never a Basic challenge (which would make the browser pop its own login dialog).
 */
export const scriptHeaders = { 'x-requested-with': 'XMLHttpRequest' } as const;

/** PayKeeper's code for a missing, empty or wrong POST token: fetch a fresh one and retry once. */
const badTokenCode = 67;

const listeners = new Set<() => void>();
/** Called whenever the server answers 401: the session has ended. */
export function onUnauthorized(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
/** Tells the app the session has ended, then throws: for a caller reading a response itself. */
export const unauthorized = (): never => {
  for (const listener of listeners) listener();
  throw new Unauthorized();
};

export function encodeParams(params: Params): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    if (typeof value === 'string') search.append(key, value);
    else for (const item of value) search.append(`${key}[]`, item);
  }
  return search.toString();
}

export function apiUrl(path: string, params: Params = {}): string {
  const query = encodeParams(params);
  return query ? `${path}?${query}` : path;
}

const isFail = (body: unknown): body is PkFail =>
  typeof body === 'object' && body !== null && (body as { result?: unknown }).result === 'fail';

async function readJson<T>(response: Response): Promise<T> {
  if (response.status === 401) return unauthorized();
  if (!response.ok) throw new HttpError(response.status, await response.text().catch(() => ''));
  const body: unknown = await response.json();
  if (isFail(body)) throw new PkError(body);
  return body as T;
}

/** A GET of PayKeeper's API (sections 1–4, 6). */
export async function pkGet<T>(path: string, params: Params = {}, signal?: AbortSignal): Promise<T> {
  const response = await fetch(apiUrl(path, params), {
    credentials: 'same-origin',
    headers: { accept: 'application/json', ...scriptHeaders },
    signal: signal ?? null,
  });
  return readJson<T>(response);
}

let tokenPromise: Promise<string> | null = null;

/** 6.1: the user's POST token, fetched once per session (and again when the server says 67). */
export function securityToken(): Promise<string> {
  tokenPromise ??= pkGet<TokenResponse>('/info/settings/token/').then(
    (body) => body.token,
    (error: unknown) => {
      tokenPromise = null;
      throw error;
    },
  );
  return tokenPromise;
}

/** Forgets the token: at login and logout, since it belongs to the user. */
export function forgetToken(): void {
  tokenPromise = null;
}

/** A POST of PayKeeper's API, as a form with the security token, as PayKeeper's cabinet sends it. */
export async function pkPost<T>(path: string, fields: Params = {}): Promise<T> {
  const send = async () => {
    const token = await securityToken();
    const response = await fetch(path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        ...scriptHeaders,
      },
      body: encodeParams({ ...fields, token }),
    });
    return readJson<T>(response);
  };
  try {
    return await send();
  } catch (error) {
    if (!(error instanceof PkError) || error.code !== badTokenCode) throw error;
    forgetToken();
    return send();
  }
}
