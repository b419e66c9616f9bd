import { randomUUID } from 'node:crypto';
import { type Currency, isCurrency } from '../domain/currency.ts';
import { formatMajor } from '../domain/money.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import type { ThreeDsResult } from './connector.ts';
import {
  field,
  readToken,
  signToken,
  type TokenError,
  type TokenKeys,
  type TokenPayload,
  tokenLengthMax,
  verifyToken,
} from './sim-tokens.ts';
import { testOtp } from './test-cards.ts';

/**
 * The simulator's Access Control Server: the issuer's side of 3-D Secure. The bank issues a
 * signed PaReq (v1) or CReq (v2) when it asks for a challenge; the ACS pages decode it to show
 * the payer what they pay, take the one-time code, and answer with a signed PaRes or CRes that
 * the payer's browser carries back to the merchant's return URL. The bank verifies that answer
 * in `continue3ds`. Nothing here touches the store: a token carries what the page needs.
 */

/** How long a challenge stays open, from the moment the bank asked for it (never past the payment's deadline). */
export const challengeTtlMs = 15 * 60 * 1000;

const messageVersion = '2.2.0';

/** What the bank puts in a challenge; `md` is MD (v1) or threeDSSessionData (v2). */
export type ChallengeSubject = {
  operationId: string;
  amountMinor: bigint;
  currency: Currency;
  cardMask: string;
  description: string;
  returnUrl: string;
  md: string;
  expiresAt: Date;
};

export function issuePaReq(key: Buffer, s: ChallengeSubject): string {
  return signToken(key, 'pareq', { v: '1', ...subjectFields(s) });
}

export function issueCReq(key: Buffer, s: ChallengeSubject, threeDsServerTransId: string): string {
  return signToken(key, 'creq', {
    messageType: 'CReq',
    messageVersion,
    threeDSServerTransID: threeDsServerTransId,
    acsTransID: randomUUID(),
    challengeWindowSize: '05',
    v: '2',
    ...subjectFields(s),
  });
}

const subjectFields = (s: ChallengeSubject) => ({
  op: s.operationId,
  amountMinor: s.amountMinor.toString(),
  currency: s.currency,
  card: s.cardMask,
  description: s.description,
  returnUrl: s.returnUrl,
  md: s.md,
  exp: s.expiresAt.getTime(),
});

/** What an ACS page shows the payer. `description` is merchant text: escape it in HTML. */
export type AcsChallenge = {
  version: '1' | '2';
  operationId: string;
  amountMinor: bigint;
  currency: Currency;
  /** The amount as major-unit text, e.g. `1205.98`. */
  amount: string;
  cardMask: string;
  description: string;
  /** Where the page sends the payer back (TermUrl in v1, notification URL in v2). */
  returnUrl: string;
  expiresAt: Date;
};

/**
 * The ACS's answer. The page auto-submits `form` by POST to `returnUrl`; the field names are
 * the ones 3-D Secure uses, so the merchant's return handler reads them as from a real ACS.
 */
export type AcsAnswer =
  | {
      version: '1';
      authenticated: boolean;
      returnUrl: string;
      paRes: string;
      md: string;
      form: { PaRes: string; MD: string };
    }
  | {
      version: '2';
      authenticated: boolean;
      returnUrl: string;
      cres: string;
      threeDSSessionData: string;
      form: { cres: string; threeDSSessionData: string };
    };

type Challenge = { challenge: AcsChallenge; payload: TokenPayload };

/**
 * The ACS's side of the 3DS Method step (EMV 3DS 2): what its method page POSTs back to the
 * 3DS Method notification URL once it has looked at the payer's browser. `threeDSMethodData`
 * is base64url JSON, as the specification has it, carrying only the transaction id.
 */
export type MethodNotification = {
  notificationUrl: string;
  threeDsServerTransId: string;
  form: { threeDSMethodData: string };
};

export class SimulatorAcs {
  /** The first signs answers; every one verifies challenges (see TokenKeys). */
  readonly #keys: TokenKeys;
  readonly #now: () => Date;

  constructor(keys: TokenKeys, now: () => Date) {
    this.#keys = keys;
    this.#now = now;
  }

  /** Decodes a PaReq or CReq for display; fails on a forged, damaged or expired token. */
  describe(token: string): Result<AcsChallenge, TokenError> {
    const read = this.#read(token);
    return read.ok ? ok(read.value.challenge) : read;
  }

  /** The code that authenticates. Fixed in the simulator, so tests and demos can type it. */
  expectedOtp(_token: string): string {
    return testOtp;
  }

  /** The payer typed `otp`: a signed PaRes/CRes saying authenticated (right code) or not. */
  answer(token: string, otp: string): Result<AcsAnswer, TokenError> {
    const read = this.#read(token);
    if (!read.ok) return read;
    const { challenge, payload } = read.value;
    const authenticated = otp.trim() === this.expectedOtp(token);
    const status = authenticated ? 'Y' : 'N';
    const md = field(payload, 'md');
    // The answer expires with the challenge: one deadline, from when the bank asked.
    const exp = challenge.expiresAt.getTime();
    if (challenge.version === '1') {
      const paRes = signToken(this.#keys[0], 'pares', { v: '1', op: challenge.operationId, md, status, exp });
      return ok({
        version: '1',
        authenticated,
        returnUrl: challenge.returnUrl,
        paRes,
        md,
        form: { PaRes: paRes, MD: md },
      });
    }
    const cres = signToken(this.#keys[0], 'cres', {
      messageType: 'CRes',
      messageVersion,
      threeDSServerTransID: field(payload, 'threeDSServerTransID'),
      acsTransID: field(payload, 'acsTransID'),
      transStatus: status,
      challengeCompletionInd: 'Y',
      op: challenge.operationId,
      md,
      exp,
    });
    const form = { cres, threeDSSessionData: md };
    return ok({
      version: '2',
      authenticated,
      returnUrl: challenge.returnUrl,
      cres,
      threeDSSessionData: md,
      form,
    });
  }

  /**
   * The payer's browser POSTed `threeDSMethodData` (base64url JSON with `threeDSServerTransID`
   * and `threeDSMethodNotificationURL`) to the method URL. A real ACS would fingerprint the
   * browser here; the simulator has nothing to learn, and answers the notification URL.
   */
  methodNotification(threeDSMethodData: unknown): Result<MethodNotification, 'malformed'> {
    if (typeof threeDSMethodData !== 'string' || threeDSMethodData.length > tokenLengthMax)
      return fail('malformed');
    let data: unknown;
    try {
      data = JSON.parse(Buffer.from(threeDSMethodData, 'base64url').toString('utf8'));
    } catch {
      return fail('malformed');
    }
    if (typeof data !== 'object' || data === null) return fail('malformed');
    const { threeDSServerTransID: transId, threeDSMethodNotificationURL: url } = data as Record<
      string,
      unknown
    >;
    if (typeof transId !== 'string' || !/^[0-9a-f-]{36}$/i.test(transId)) return fail('malformed');
    if (typeof url !== 'string' || !/^https?:\/\//.test(url)) return fail('malformed');
    const answer = Buffer.from(JSON.stringify({ threeDSServerTransID: transId })).toString('base64url');
    return ok({ notificationUrl: url, threeDsServerTransId: transId, form: { threeDSMethodData: answer } });
  }

  /**
   * Where a challenge genuinely signed by the bank sends the payer back, even once it has
   * expired: the way back for the ACS's error page. Null for a token that is not the bank's.
   */
  returnUrlOf(token: string): string | null {
    for (const purpose of ['pareq', 'creq'] as const) {
      const read = readToken(this.#keys, purpose, token);
      if (read.ok) return field(read.value, 'returnUrl') || null;
    }
    return null;
  }

  #read(token: string): Result<Challenge, TokenError> {
    const v1 = verifyToken(this.#keys, 'pareq', token, this.#now());
    const read = v1.ok ? v1 : verifyToken(this.#keys, 'creq', token, this.#now());
    if (!read.ok) return v1.ok || v1.error === 'bad_signature' ? read : v1;
    const challenge = toChallenge(v1.ok ? '1' : '2', read.value);
    return challenge ? ok({ challenge, payload: read.value }) : fail('malformed');
  }
}

function toChallenge(version: '1' | '2', p: TokenPayload): AcsChallenge | null {
  const currency = field(p, 'currency');
  const amountText = field(p, 'amountMinor');
  if (!isCurrency(currency) || !/^\d{1,20}$/.test(amountText)) return null;
  const amountMinor = BigInt(amountText);
  return {
    version,
    operationId: field(p, 'op'),
    amountMinor,
    currency,
    amount: formatMajor(amountMinor, currency),
    cardMask: field(p, 'card'),
    description: field(p, 'description'),
    returnUrl: field(p, 'returnUrl'),
    expiresAt: new Date(p.exp),
  };
}

/** What the bank expects an ACS answer to be about. */
export type ThreeDsExpectation = { version: '1' | '2'; operationId: string; md: string; transId?: string };

/** `invalid`: forged, damaged, expired, or about another operation; the bank refuses the answer. */
export type ThreeDsVerdict = 'authenticated' | 'failed' | 'invalid';

/** The bank's check of what the payer's browser brought back from the ACS. */
export function verifyThreeDsResult(
  keys: TokenKeys,
  result: ThreeDsResult,
  expect: ThreeDsExpectation,
  now: Date,
): ThreeDsVerdict {
  if (result.version !== expect.version) return 'invalid';
  if (result.version === '1') {
    const read = verifyToken(keys, 'pares', result.paRes, now);
    if (!read.ok || result.md !== expect.md || !belongs(read.value, expect)) return 'invalid';
    return verdictOf(field(read.value, 'status'));
  }
  const read = verifyToken(keys, 'cres', result.cres, now);
  if (!read.ok || !belongs(read.value, expect)) return 'invalid';
  if (result.threeDSSessionData !== undefined && result.threeDSSessionData !== expect.md) return 'invalid';
  if (field(read.value, 'threeDSServerTransID') !== expect.transId) return 'invalid';
  return verdictOf(field(read.value, 'transStatus'));
}

const belongs = (p: TokenPayload, expect: ThreeDsExpectation): boolean =>
  field(p, 'op') === expect.operationId && field(p, 'md') === expect.md;

const verdictOf = (status: string): ThreeDsVerdict =>
  status === 'Y' ? 'authenticated' : status === 'N' ? 'failed' : 'invalid';
