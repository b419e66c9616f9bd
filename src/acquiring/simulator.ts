import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Currency } from '../domain/currency.ts';
import { limits } from '../domain/limits.ts';
import type { Result } from '../domain/result.ts';
import type {
  AuthenticateInput,
  AuthorizeInput,
  CaptureInput,
  Connector,
  ConnectorData,
  ConnectorOutcome,
  ContinueInput,
  IdentifyInput,
  IdentityVerdict,
  OperationBase,
  PayoutInput,
  RefundInput,
  StatusInput,
  ThreeDsChallenge,
  VoidInput,
} from './connector.ts';
import { KeyedLock } from './keyed-lock.ts';
import {
  type ChallengeSubject,
  challengeTtlMs,
  issueCReq,
  issuePaReq,
  SimulatorAcs,
  verifyThreeDsResult,
} from './sim-acs.ts';
import {
  newApprovalCode,
  newAuthenticationValue,
  newBankRef,
  newDsTransId,
  newRrn,
  newThreeDsBinding,
} from './sim-receipt.ts';
import {
  applyCapture,
  applyRefund,
  applyVoid,
  checkAmount,
  type Decline,
  eciFor,
  identityVerdict,
  type Ledger,
  maskAccount,
  messageFor,
  type ScreenedCard,
  screenAccount,
  screenCard,
  screenPan,
  simRc,
} from './sim-rules.ts';
import {
  authorizationKey,
  operationKey,
  type SimAuthorizationRecord,
  type SimCard,
  type SimOperationRecord,
  type SimOperationType,
  type SimRequest,
  type SimStore,
} from './sim-store.ts';
import type { TokenKeys } from './sim-tokens.ts';

export type SimulatorOptions = {
  store: SimStore;
  /** Public base URL of the ACS pages; challenges point the payer at `/acs/v1` or `/acs/v2` under it. */
  acsBaseUrl: string;
  /** HMAC key for PaReq/PaRes/CReq/CRes; whoever holds it can approve 3-D Secure. */
  signingKey: Buffer;
  /**
   * Keys signed with before (a master key rotation): what they signed is still accepted, so a
   * challenge in progress survives the rotation. Nothing new is signed with them.
   */
  previousSigningKeys?: readonly Buffer[];
  /** Delay before each answer, to let the engine's timeouts and spinners be seen. Default 0. */
  latencyMs?: number;
  /** How long the timeout card keeps a caller waiting. Default 30 s, beyond any sane connector timeout. */
  hangMs?: number;
  now?: () => Date;
};

/** A follow-up list longer than this is someone looping; the bank refuses further operations. */
export const appliedOperationsMax = 100;

const descriptionMax = limits.descriptionLengthMax;

type Applied = { outcome: ConnectorOutcome; hang: boolean };

/**
 * The built-in test bank. It behaves like an acquirer seen through its API: deterministic test
 * cards (test-cards.ts), holds and charges, captures, voids, refunds, payouts, 3-D Secure v1 and
 * v2 through its own ACS (`acs`), and a card that times out. Its books are in a `SimStore`, so a
 * restart forgets nothing, and `status` can tell an engine what happened to a call it gave up on.
 *
 * Every call is recorded first and answered after `latencyMs`: a caller that aborts while
 * waiting has still done the operation at the bank, exactly as with a real network timeout.
 */
export class SimulatorBank implements Connector {
  readonly name = 'simulator';
  /** The issuer side of 3-D Secure, for the ACS pages. */
  readonly acs: SimulatorAcs;
  readonly #store: SimStore;
  readonly #keys: TokenKeys;
  readonly #acsBaseUrl: string;
  readonly #latencyMs: number;
  readonly #hangMs: number;
  readonly #now: () => Date;
  readonly #lock = new KeyedLock();

  constructor(options: SimulatorOptions) {
    this.#store = options.store;
    this.#keys = [options.signingKey, ...(options.previousSigningKeys ?? [])];
    this.#acsBaseUrl = options.acsBaseUrl.replace(/\/+$/, '');
    this.#latencyMs = options.latencyMs ?? 0;
    this.#hangMs = options.hangMs ?? 30_000;
    this.#now = options.now ?? (() => new Date());
    this.acs = new SimulatorAcs(this.#keys, this.#now);
  }

  async authorize(input: AuthorizeInput): Promise<ConnectorOutcome> {
    input.signal.throwIfAborted();
    const done = await this.#lock.run(operationKey(input.operationId), () => this.#authorize(input));
    return this.#answer(done, input.signal);
  }

  async continue3ds(input: ContinueInput): Promise<ConnectorOutcome> {
    input.signal.throwIfAborted();
    const authOperationId = text(input.connectorData.authOperationId);
    const outcome = await this.#lock.run(operationKey(authOperationId), () =>
      this.#continue3ds(input, authOperationId),
    );
    return this.#answer({ outcome, hang: false }, input.signal);
  }

  async authenticate3ds(input: AuthenticateInput): Promise<ConnectorOutcome> {
    input.signal.throwIfAborted();
    const authOperationId = text(input.connectorData.authOperationId);
    const outcome = await this.#lock.run(operationKey(authOperationId), () =>
      this.#authenticate3ds(input, authOperationId),
    );
    return this.#answer({ outcome, hang: false }, input.signal);
  }

  async capture(input: CaptureInput): Promise<ConnectorOutcome> {
    const rule = (l: Ledger) => applyCapture(l, input.amountMinor, input.currency);
    return this.#followUp(
      input,
      'capture',
      { amountMinor: input.amountMinor, currency: input.currency },
      rule,
    );
  }

  async void(input: VoidInput): Promise<ConnectorOutcome> {
    return this.#followUp(input, 'void', { amountMinor: 0n }, applyVoid);
  }

  async refund(input: RefundInput): Promise<ConnectorOutcome> {
    const rule = (l: Ledger) => applyRefund(l, input.amountMinor, input.currency);
    return this.#followUp(
      input,
      'refund',
      { amountMinor: input.amountMinor, currency: input.currency },
      rule,
    );
  }

  /** The test registry (sim-rules.ts identityVerdict): decided by the surname. */
  async identify(input: IdentifyInput): Promise<IdentityVerdict> {
    return identityVerdict(input.person.reveal().lastName);
  }

  async payout(input: PayoutInput): Promise<ConnectorOutcome> {
    input.signal.throwIfAborted();
    const done = await this.#lock.run(operationKey(input.operationId), () => this.#payout(input));
    return this.#answer(done, input.signal);
  }

  /**
   * What became of operation `input.operationId`. Every call is recorded before it is answered,
   * and a question waits for a call on the same operation being done (a 3-D Secure continuation
   * is done under its authorization's lock, `connectorData.authOperationId`, and so is the
   * question about it). So an id missing here was never received: it was not done, and will not
   * be unless it arrives later (a call still on its way: the engine asks only once its timeout
   * is well past). What that means depends on the operation:
   * - a 3-D Secure continuation never received: the payer's answer did not reach the bank, so
   *   the authorization is not declined. While its challenge is open the answer is `declined`
   *   with `challengeOpen` (rc 25): the engine gives the payer the challenge back. Once the
   *   challenge has lapsed, or was settled otherwise, the authorization's outcome is the answer.
   * - anything else never received: `declined` (rc 25, "no such operation"), not `unknown`, so
   *   the engine's janitor settles it at once instead of asking forever.
   * `unknown` is kept for an authorization whose payer is still at the ACS.
   */
  async status(input: StatusInput): Promise<ConnectorOutcome> {
    input.signal.throwIfAborted();
    const lockedBy = text(input.connectorData.authOperationId) || input.operationId;
    const outcome = await this.#lock.run(operationKey(lockedBy), () => this.#status(input));
    return this.#answer({ outcome, hang: false }, input.signal);
  }

  // ---- authorize ----

  async #authorize(input: AuthorizeInput): Promise<Applied> {
    const request: SimRequest = {
      amountMinor: input.amountMinor.toString(),
      currency: input.currency,
      capture: input.capture,
    };
    const earlier = await this.#operation(input.operationId);
    if (earlier) return { outcome: repeatOf(earlier, 'authorize', request), hang: false };
    const base = { input, type: 'authorize' as const, request };
    const badAmount = checkAmount(input.amountMinor);
    if (badAmount) return { outcome: await this.#recordDecline(base, badAmount), hang: false };
    const card = screenCard(input.card.reveal(), this.#now());
    if (!card.ok) return { outcome: await this.#recordDecline(base, card.error), hang: false };
    // Merchant-initiated (autopay): nobody to authenticate, so no 3-D Secure and no ECI.
    if (input.initiator === 'merchant' && card.value.behaviour !== 'timeout')
      return { outcome: await this.#approveAuthorization(input, request, card.value), hang: false };
    switch (card.value.behaviour) {
      case 'threeds_v1':
      case 'threeds_v2_challenge':
        return { outcome: await this.#askChallenge(input, request, card.value), hang: false };
      case 'threeds_v2_frictionless':
        // in two phases the bank learns it is frictionless only from the browser data
        if (input.threeDsMethodFirst)
          return { outcome: await this.#askChallenge(input, request, card.value), hang: false };
        return {
          outcome: await this.#approveAuthorization(input, request, card.value, eciFor(card.value.brand)),
          hang: false,
        };
      case 'timeout':
        return { outcome: await this.#approveAuthorization(input, request, card.value), hang: true };
      default:
        return { outcome: await this.#approveAuthorization(input, request, card.value), hang: false };
    }
  }

  async #approveAuthorization(
    input: AuthorizeInput,
    request: SimRequest,
    card: ScreenedCard,
    eci?: string,
  ): Promise<ConnectorOutcome> {
    const pending = {
      amountMinor: input.amountMinor.toString(),
      currency: input.currency,
      capture: input.capture,
    };
    const auth = this.#openAuthorization(input.operationId, simCard(card), pending);
    const outcome = approved(auth.bankRef, authorizationData(auth), this.#now(), eci);
    await this.#saveOperation(
      {
        operationId: input.operationId,
        type: 'authorize',
        testMode: input.testMode,
        request,
        card: simCard(card),
        bankRef: auth.bankRef,
        outcome,
      },
      auth,
    );
    return outcome;
  }

  /**
   * The authorization's books, not yet written: the caller writes them in the same store
   * write as the operation record that points at them.
   */
  #openAuthorization(
    operationId: string,
    card: SimCard,
    p: { amountMinor: string; currency: Currency; capture: boolean },
  ): SimAuthorizationRecord {
    const bankRef = newBankRef();
    const at = this.#now().toISOString();
    const auth: SimAuthorizationRecord = {
      key: authorizationKey(bankRef),
      record: 'authorization',
      bankRef,
      operationId,
      card,
      currency: p.currency,
      state: p.capture ? 'captured' : 'held',
      authorizedMinor: p.amountMinor,
      capturedMinor: p.capture ? p.amountMinor : '0',
      refundedMinor: '0',
      applied: [],
      createdAt: at,
      updatedAt: at,
    };
    return auth;
  }

  async #askChallenge(
    input: AuthorizeInput,
    request: SimRequest,
    card: ScreenedCard,
  ): Promise<ConnectorOutcome> {
    const version = card.behaviour === 'threeds_v1' ? '1' : '2';
    const md = newThreeDsBinding();
    const lifetimeEnd = this.#now().getTime() + challengeTtlMs;
    const expiresAt = new Date(Math.min(lifetimeEnd, input.expiresAt?.getTime() ?? lifetimeEnd));
    const subject: ChallengeSubject = {
      operationId: input.operationId,
      amountMinor: input.amountMinor,
      currency: input.currency,
      cardMask: card.mask,
      description: (input.description ?? '').slice(0, descriptionMax),
      returnUrl: input.threeDsReturnUrl,
      md,
      expiresAt,
    };
    const transId = version === '2' ? randomUUID() : undefined;
    const twoPhase = version === '2' && input.threeDsMethodFirst === true;
    const challenge = twoPhase ? this.#methodStage(subject, transId!) : this.#challenge(subject, transId);
    const connectorData: ConnectorData = { authOperationId: input.operationId, threeDsVersion: version, md };
    if (transId) connectorData.threeDsServerTransId = transId;
    const outcome: ConnectorOutcome = { kind: 'challenge', challenge, connectorData };
    await this.#saveOperation({
      operationId: input.operationId,
      type: 'authorize',
      testMode: input.testMode,
      request,
      card: simCard(card),
      outcome,
      threeDs: {
        version,
        md,
        expiresAt: expiresAt.toISOString(),
        eci: eciFor(card.brand),
        ...(transId && { transId }),
        ...(twoPhase && {
          awaitsBrowser: {
            frictionless: card.behaviour === 'threeds_v2_frictionless',
            returnUrl: subject.returnUrl,
            description: subject.description,
          },
        }),
      },
      pending: {
        amountMinor: input.amountMinor.toString(),
        currency: input.currency,
        capture: input.capture,
      },
    });
    return outcome;
  }

  #challenge(subject: ChallengeSubject, transId: string | undefined): ThreeDsChallenge {
    const key = this.#keys[0];
    const expiresAt = subject.expiresAt.toISOString();
    if (transId === undefined) {
      const form = { PaReq: issuePaReq(key, subject), MD: subject.md, TermUrl: subject.returnUrl };
      return { version: '1', acsUrl: `${this.#acsBaseUrl}/acs/v1`, form, expiresAt };
    }
    const form = { creq: issueCReq(key, subject, transId), threeDSSessionData: subject.md };
    return {
      version: '2',
      acsUrl: `${this.#acsBaseUrl}/acs/v2`,
      form,
      threeDsServerTransId: transId,
      methodUrl: `${this.#acsBaseUrl}/acs/v2/method`,
      expiresAt,
    };
  }

  /** v2 in two phases, before the browser data: the 3DS Method only, no CReq to answer. */
  #methodStage(subject: ChallengeSubject, transId: string): ThreeDsChallenge {
    return {
      version: '2',
      stage: 'method',
      acsUrl: `${this.#acsBaseUrl}/acs/v2`,
      form: { creq: '', threeDSSessionData: subject.md },
      threeDsServerTransId: transId,
      methodUrl: `${this.#acsBaseUrl}/acs/v2/method`,
      expiresAt: subject.expiresAt.toISOString(),
    };
  }

  // ---- 3-D Secure v2, second phase ----

  /**
   * The browser data of a two-phase v2 authorization: frictionless authorizes at once (with
   * the DS transaction id and the authentication value the merchant confirms with), otherwise
   * the CReq of a challenge. A repeat of the same operation gets the same answer.
   */
  async #authenticate3ds(input: AuthenticateInput, authOperationId: string): Promise<ConnectorOutcome> {
    const request: SimRequest = { target: authOperationId };
    const earlier = await this.#operation(input.operationId);
    if (earlier) return repeatOf(earlier, 'authenticate3ds', request);
    const base = { input, type: 'authenticate3ds' as const, request };
    const auth = await this.#operation(authOperationId);
    const threeDs = auth?.threeDs;
    if (
      auth?.type !== 'authorize' ||
      auth.outcome.kind !== 'challenge' ||
      !threeDs?.awaitsBrowser ||
      !auth.pending
    )
      return this.#recordDecline(base, noSuchRecord('No 3-D Secure authentication awaits browser data'));
    const record = {
      operationId: input.operationId,
      type: 'authenticate3ds' as const,
      testMode: input.testMode,
      request,
    };
    const now = this.#now();
    if (now.getTime() >= Date.parse(threeDs.expiresAt))
      return this.#saveOperation({ ...record, outcome: await this.#expireChallenge(auth) });
    const { awaitsBrowser, ...challenged } = threeDs;
    if (awaitsBrowser.frictionless) {
      const authorization = await this.#openAuthorization(auth.operationId, auth.card!, auth.pending);
      const data = {
        ...authorizationData(authorization),
        dsTransId: newDsTransId(),
        authenticationValue: newAuthenticationValue(),
        eci: threeDs.eci,
      };
      const outcome = approved(authorization.bankRef, data, now, threeDs.eci);
      await this.#finishChallenge(auth, outcome);
      return this.#saveOperation({ ...record, bankRef: authorization.bankRef, outcome });
    }
    const subject: ChallengeSubject = {
      operationId: auth.operationId,
      amountMinor: BigInt(auth.pending.amountMinor),
      currency: auth.pending.currency,
      cardMask: auth.card?.mask ?? '',
      description: awaitsBrowser.description,
      returnUrl: awaitsBrowser.returnUrl,
      md: threeDs.md,
      expiresAt: new Date(threeDs.expiresAt),
    };
    const challenge = this.#challenge(subject, threeDs.transId);
    const outcome: ConnectorOutcome = {
      kind: 'challenge',
      challenge,
      connectorData: auth.outcome.connectorData,
    };
    // the authorization now waits at the challenge, as a one-phase one would
    await this.#store.put({ ...auth, outcome, threeDs: challenged, updatedAt: now.toISOString() });
    return this.#saveOperation({ ...record, outcome });
  }

  // ---- 3-D Secure continuation ----

  async #continue3ds(input: ContinueInput, authOperationId: string): Promise<ConnectorOutcome> {
    const request: SimRequest = { target: authOperationId };
    const earlier = await this.#operation(input.operationId);
    if (earlier) return repeatOf(earlier, 'continue3ds', request);
    const base = { input, type: 'continue3ds' as const, request };
    const auth = await this.#operation(authOperationId);
    if (auth?.type !== 'authorize') {
      return this.#recordDecline(base, noSuchRecord('No such 3-D Secure authorization'));
    }
    // Already settled by an earlier continuation (or by `status` after expiry): same answer again.
    const outcome =
      auth.outcome.kind === 'challenge' && auth.threeDs && auth.pending
        ? await this.#settleChallenge(input, auth)
        : auth.outcome;
    // A refused answer settles nothing, so nothing is recorded: the payer's genuine answer may
    // come next under the same operation id, and must reach the challenge, not this refusal.
    if (outcome.kind === 'declined' && outcome.challengeOpen) return outcome;
    return this.#saveOperation({
      operationId: input.operationId,
      type: 'continue3ds',
      testMode: input.testMode,
      request,
      outcome,
    });
  }

  /** Verifies the ACS answer and, unless it is forged, settles the authorization for good. */
  async #settleChallenge(input: ContinueInput, auth: SimOperationRecord): Promise<ConnectorOutcome> {
    const threeDs = auth.threeDs!;
    const now = this.#now();
    if (now.getTime() >= Date.parse(threeDs.expiresAt)) return this.#expireChallenge(auth);
    const expectation = {
      version: threeDs.version,
      operationId: auth.operationId,
      md: threeDs.md,
      transId: threeDs.transId,
    };
    const verdict = verifyThreeDsResult(this.#keys, input.result, expectation, now);
    // A forged or foreign answer is declined but does not end the challenge: whoever sent it may
    // not be the payer, and the payer's genuine answer may still arrive. `challengeOpen` tells
    // the engine so, and the refusal is not recorded (see #continue3ds).
    if (verdict === 'invalid') {
      return {
        kind: 'declined',
        reason: 'authentication_failed',
        rc: simRc.authenticationFailed,
        message: '3-D Secure answer is invalid',
        connectorData: { authOperationId: auth.operationId },
        challengeOpen: true,
      };
    }
    if (verdict === 'failed') {
      return this.#finishChallenge(
        auth,
        failedAuthentication(auth.operationId, messageFor('authentication_failed')),
      );
    }
    const authorization = this.#openAuthorization(auth.operationId, auth.card!, auth.pending!);
    const outcome = approved(authorization.bankRef, authorizationData(authorization), now, threeDs.eci);
    return this.#finishChallenge(auth, outcome, authorization);
  }

  #expireChallenge(auth: SimOperationRecord): Promise<ConnectorOutcome> {
    return this.#finishChallenge(
      auth,
      failedAuthentication(auth.operationId, '3-D Secure was not completed in time'),
    );
  }

  /**
   * The authorize record takes the final outcome: a repeat of it, or `status`, now sees the
   * result. An approval's authorization is written with it, in the same write.
   */
  async #finishChallenge(
    auth: SimOperationRecord,
    outcome: ConnectorOutcome,
    authorization?: SimAuthorizationRecord,
  ): Promise<ConnectorOutcome> {
    const bankRef = outcome.kind === 'approved' ? outcome.bankRef : undefined;
    const { pending: _done, ...rest } = auth;
    const record: SimOperationRecord = {
      ...rest,
      outcome,
      ...(bankRef && { bankRef }),
      updatedAt: this.#now().toISOString(),
    };
    await (authorization ? this.#store.put(record, authorization) : this.#store.put(record));
    return outcome;
  }

  // ---- capture, void, refund ----

  async #followUp(
    input: OperationBase & { connectorData: ConnectorData },
    type: 'capture' | 'void' | 'refund',
    money: { amountMinor: bigint; currency?: Currency },
    rule: (l: Ledger) => Result<Ledger, Decline>,
  ): Promise<ConnectorOutcome> {
    input.signal.throwIfAborted();
    const bankRef = text(input.connectorData.bankRef);
    const request: SimRequest = { amountMinor: money.amountMinor.toString(), target: bankRef };
    if (money.currency) request.currency = money.currency;
    const outcome = await this.#lock.run(authorizationKey(bankRef), () =>
      this.#applyFollowUp(input, type, request, rule),
    );
    return this.#answer({ outcome, hang: false }, input.signal);
  }

  async #applyFollowUp(
    input: OperationBase,
    type: 'capture' | 'void' | 'refund',
    request: SimRequest,
    rule: (l: Ledger) => Result<Ledger, Decline>,
  ): Promise<ConnectorOutcome> {
    const earlier = await this.#operation(input.operationId);
    if (earlier) return repeatOf(earlier, type, request);
    const base = { input, type, request };
    const auth = await this.#authorization(request.target ?? '');
    if (!auth) return this.#recordDecline(base, noSuchRecord('No such authorization'));
    const record = {
      operationId: input.operationId,
      type,
      testMode: input.testMode,
      request,
      bankRef: auth.bankRef,
    };
    // Applied before, but the process stopped before writing the operation record: finish that.
    const applied = auth.applied.find((a) => a.operationId === input.operationId);
    if (applied) return this.#saveOperation({ ...record, outcome: applied.outcome });
    if (auth.applied.length >= appliedOperationsMax) {
      return this.#recordDecline(base, tooManyOperations);
    }
    const next = rule(ledgerOf(auth));
    const updated = next.ok ? withLedger(auth, next.value) : auth;
    const outcome = next.ok
      ? approved(auth.bankRef, authorizationData(updated), this.#now())
      : declined(next.error.reason, next.error.rc, next.error.message, authorizationData(auth));
    const at = this.#now().toISOString();
    const entry = {
      operationId: input.operationId,
      type,
      amountMinor: request.amountMinor ?? '0',
      outcome,
      at,
    };
    // One write moves the money and records the outcome, so a retry can never apply it twice;
    // the operation record goes in the same write, so `status` always finds what was done.
    return this.#saveOperation(
      { ...record, outcome },
      { ...updated, applied: [...auth.applied, entry], updatedAt: at },
    );
  }

  // ---- payout ----

  async #payout(input: PayoutInput): Promise<Applied> {
    const request: SimRequest = { amountMinor: input.amountMinor.toString(), currency: input.currency };
    const earlier = await this.#operation(input.operationId);
    if (earlier) return { outcome: repeatOf(earlier, 'payout', request), hang: false };
    const base = { input, type: 'payout' as const, request };
    const badAmount = checkAmount(input.amountMinor);
    if (badAmount) return { outcome: await this.#recordDecline(base, badAmount), hang: false };
    const record = {
      operationId: input.operationId,
      type: 'payout' as const,
      testMode: input.testMode,
      request,
    };
    const destination = input.destination;
    if (destination.kind === 'account') {
      const problem = screenAccount(destination.account, destination.bic, destination.name);
      const accountMask = maskAccount(destination.account);
      if (problem)
        return { outcome: await this.#recordDecline({ ...base, accountMask }, problem), hang: false };
      return { outcome: await this.#approvePayout({ ...record, accountMask }), hang: false };
    }
    const card =
      destination.kind === 'card_number'
        ? screenPan(destination.pan.reveal())
        : screenCard(destination.card.reveal(), this.#now());
    if (!card.ok) return { outcome: await this.#recordDecline(base, card.error), hang: false };
    // 3-D Secure protects the payer of a charge; a payout to a card has no one to challenge.
    const outcome = await this.#approvePayout({ ...record, card: simCard(card.value) });
    return { outcome, hang: card.value.behaviour === 'timeout' };
  }

  async #approvePayout(
    record: Omit<SimOperationRecord, OperationStamp | 'outcome'>,
  ): Promise<ConnectorOutcome> {
    const bankRef = newBankRef();
    const outcome = approved(bankRef, { bankRef, payoutOperationId: record.operationId }, this.#now());
    return this.#saveOperation({ ...record, bankRef, outcome });
  }

  // ---- status ----

  async #status(input: StatusInput): Promise<ConnectorOutcome> {
    const op = await this.#operation(input.operationId);
    if (op?.outcome.kind === 'challenge' && op.threeDs) {
      const open = this.#now().getTime() < Date.parse(op.threeDs.expiresAt);
      return open ? { kind: 'unknown', connectorData: op.outcome.connectorData } : this.#expireChallenge(op);
    }
    if (op) return op.outcome;
    // A follow-up whose operation record was never written (crash after the books): the books know.
    const bankRef = text(input.connectorData.bankRef);
    if (bankRef) {
      const auth = await this.#lock.run(authorizationKey(bankRef), () => this.#authorization(bankRef));
      const applied = auth?.applied.find((a) => a.operationId === input.operationId);
      return applied ? applied.outcome : noSuchOperation(input.operationId);
    }
    // A continuation of a challenged authorization that never arrived (no bankRef before one is
    // approved): what the authorization is now says what became of the payment.
    const authOperationId = text(input.connectorData.authOperationId);
    const auth = authOperationId === input.operationId ? undefined : await this.#operation(authOperationId);
    if (auth?.type === 'authorize' && auth.threeDs) {
      if (auth.outcome.kind !== 'challenge') return auth.outcome;
      if (this.#now().getTime() >= Date.parse(auth.threeDs.expiresAt)) return this.#expireChallenge(auth);
      return {
        kind: 'declined',
        reason: 'processing_error',
        rc: simRc.noSuchRecord,
        message: 'No such 3-D Secure answer: the bank never received it; the challenge is still open',
        connectorData: { authOperationId },
        challengeOpen: true,
      };
    }
    return noSuchOperation(input.operationId);
  }

  // ---- records and timing ----

  async #operation(operationId: string): Promise<SimOperationRecord | undefined> {
    const record = await this.#store.get(operationKey(operationId));
    return record?.record === 'operation' ? record : undefined;
  }

  async #authorization(bankRef: string): Promise<SimAuthorizationRecord | undefined> {
    if (!bankRef) return undefined;
    const record = await this.#store.get(authorizationKey(bankRef));
    return record?.record === 'authorization' ? record : undefined;
  }

  /** `books`: the authorization this operation opened, written in the same store write. */
  async #saveOperation(
    record: Omit<SimOperationRecord, OperationStamp>,
    ...books: SimAuthorizationRecord[]
  ): Promise<ConnectorOutcome> {
    const at = this.#now().toISOString();
    await this.#store.put(
      { ...record, key: operationKey(record.operationId), record: 'operation', createdAt: at, updatedAt: at },
      ...books,
    );
    return record.outcome;
  }

  async #recordDecline(
    base: { input: OperationBase; type: SimOperationType; request: SimRequest; accountMask?: string },
    d: Decline,
  ): Promise<ConnectorOutcome> {
    const outcome = declined(d.reason, d.rc, d.message, { operationId: base.input.operationId });
    const { input, ...rest } = base;
    return this.#saveOperation({
      ...rest,
      operationId: input.operationId,
      testMode: input.testMode,
      outcome,
    });
  }

  /** Latency, then the answer; the timeout card instead hangs and answers `unknown`. */
  async #answer(done: Applied, signal: AbortSignal): Promise<ConnectorOutcome> {
    if (done.hang) {
      // `ref: false`: a hung call must not keep the process alive on its own.
      await sleep(this.#hangMs, undefined, { signal, ref: false });
      return { kind: 'unknown', connectorData: done.outcome.connectorData };
    }
    if (this.#latencyMs > 0) await sleep(this.#latencyMs, undefined, { signal });
    return done.outcome;
  }
}

type OperationStamp = 'key' | 'record' | 'createdAt' | 'updatedAt';

const text = (value: ConnectorData[string] | undefined): string => (typeof value === 'string' ? value : '');

const simCard = (card: ScreenedCard): SimCard => ({ mask: card.mask, brand: card.brand });

const tooManyOperations: Decline = {
  reason: 'not_permitted',
  rc: simRc.invalidTransaction,
  message: 'Too many operations on this authorization',
};

const noSuchRecord = (message: string): Decline => ({
  reason: 'processing_error',
  rc: simRc.noSuchRecord,
  message,
});

function approved(bankRef: string, connectorData: ConnectorData, now: Date, eci?: string): ConnectorOutcome {
  const receipt = { bankRef, rc: simRc.approved, rrn: newRrn(now), approvalCode: newApprovalCode() };
  return { kind: 'approved', ...receipt, ...(eci && { eci }), connectorData };
}

function declined(
  reason: Decline['reason'],
  rc: string,
  message: string,
  connectorData: ConnectorData,
): ConnectorOutcome {
  return { kind: 'declined', reason, rc, message, connectorData };
}

const failedAuthentication = (authOperationId: string, message: string): ConnectorOutcome =>
  declined('authentication_failed', simRc.authenticationFailed, message, { authOperationId });

const noSuchOperation = (operationId: string): ConnectorOutcome =>
  declined('processing_error', simRc.noSuchRecord, 'No such operation: the bank never received it', {
    operationId,
  });

/**
 * A repeated operation id gets the recorded outcome, if it is the same request. Reusing an id
 * for a different request is the caller's bug; the bank refuses it without recording anything.
 */
function repeatOf(
  earlier: SimOperationRecord,
  type: SimOperationType,
  request: SimRequest,
): ConnectorOutcome {
  const same =
    earlier.type === type &&
    earlier.request.amountMinor === request.amountMinor &&
    earlier.request.currency === request.currency &&
    earlier.request.capture === request.capture &&
    earlier.request.target === request.target;
  if (same) return earlier.outcome;
  return declined(
    'not_permitted',
    simRc.invalidTransaction,
    'Operation id was already used for a different request',
    {
      operationId: earlier.operationId,
    },
  );
}

const ledgerOf = (a: SimAuthorizationRecord): Ledger => ({
  state: a.state,
  currency: a.currency,
  authorizedMinor: BigInt(a.authorizedMinor),
  capturedMinor: BigInt(a.capturedMinor),
  refundedMinor: BigInt(a.refundedMinor),
});

const withLedger = (a: SimAuthorizationRecord, l: Ledger): SimAuthorizationRecord => ({
  ...a,
  state: l.state,
  authorizedMinor: l.authorizedMinor.toString(),
  capturedMinor: l.capturedMinor.toString(),
  refundedMinor: l.refundedMinor.toString(),
});

/** What the engine keeps and hands back; the bank only needs `bankRef`, the rest is for people. */
const authorizationData = (a: SimAuthorizationRecord): ConnectorData => ({
  bankRef: a.bankRef,
  authOperationId: a.operationId,
  state: a.state,
  currency: a.currency,
  authorizedMinor: a.authorizedMinor,
  capturedMinor: a.capturedMinor,
  refundedMinor: a.refundedMinor,
});
