import { forgetToken } from './client.ts';
import type { Session } from './types.ts';

/** The cabinet's session calls (cabinet contract): log in, who am I, log out. */
const sessionPath = '/cabinet/api/session';

export type LoginFailure =
  | { kind: 'bad_credentials'; message: string }
  | { kind: 'too_many_attempts'; message: string; retryAfterSeconds: number }
  | { kind: 'bad_request'; message: string }
  | { kind: 'unavailable'; message: string };

export type LoginResult = { ok: true; session: Session } | { ok: false; failure: LoginFailure };

type ErrorBody = { error?: string; message?: string; retry_after?: number };

export async function logIn(login: string, password: string): Promise<LoginResult> {
  let response: Response;
  try {
    response = await fetch(sessionPath, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ login, password }),
    });
  } catch (error) {
    return { ok: false, failure: { kind: 'unavailable', message: String(error) } };
  }
  if (response.ok) {
    forgetToken();
    return { ok: true, session: (await response.json()) as Session };
  }
  const body = (await response.json().catch(() => ({}))) as ErrorBody;
  const message = body.message ?? `HTTP ${response.status}`;
  if (response.status === 429) {
    const header = Number(response.headers.get('retry-after'));
    const retryAfterSeconds = body.retry_after ?? (Number.isFinite(header) ? header : 60);
    return { ok: false, failure: { kind: 'too_many_attempts', message, retryAfterSeconds } };
  }
  if (response.status === 401) return { ok: false, failure: { kind: 'bad_credentials', message } };
  if (response.status === 400) return { ok: false, failure: { kind: 'bad_request', message } };
  return { ok: false, failure: { kind: 'unavailable', message } };
}

/** The current session, or null when there is none (401). */
export async function currentSession(signal?: AbortSignal): Promise<Session | null> {
  const response = await fetch(sessionPath, {
    credentials: 'same-origin',
    headers: { accept: 'application/json' },
    signal: signal ?? null,
  });
  if (response.status === 401) return null;
  if (!response.ok) throw new Error(`session: HTTP ${response.status}`);
  return (await response.json()) as Session;
}

export async function logOut(): Promise<void> {
  forgetToken();
  await fetch(sessionPath, { method: 'DELETE', credentials: 'same-origin' });
}
