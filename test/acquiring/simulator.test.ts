import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import type {
  AuthorizeInput,
  ConnectorData,
  ConnectorOutcome,
  PayoutDestination,
  ThreeDsChallenge,
} from '../../src/acquiring/connector.ts';
import { challengeTtlMs } from '../../src/acquiring/sim-acs.ts';
import { MemorySimStore } from '../../src/acquiring/sim-store.ts';
import { signToken } from '../../src/acquiring/sim-tokens.ts';
import { SimulatorBank, type SimulatorOptions } from '../../src/acquiring/simulator.ts';
import { findTestCard, testCards, testCardsMarkdown, testOtp } from '../../src/acquiring/test-cards.ts';
import type { Expiry } from '../../src/domain/card.ts';
import { cardBrand, luhnCheckDigit, luhnValid } from '../../src/domain/card.ts';
import type { CardData } from '../../src/domain/card-data.ts';
import { Secret } from '../../src/security/secret.ts';

// ---- fixtures ----

const startedAt = new Date('2026-03-15T12:00:00Z');
const returnUrl = 'https://kopek.test/pay/abc/3ds-return';
const pans = {
  visa: '4111111111111111',
  amex: '378282246310005',
  doNotHonor: '4000000000000002',
  insufficientFunds: '4000000000009995',
  threeDsV1: '4000000000003063',
  threeDsV2Challenge: '4000000000003220',
  timeout: '4000000000007775',
};

function setup(options: Partial<SimulatorOptions> = {}) {
  const clock = { now: new Date(startedAt) };
  const store = new MemorySimStore();
  const signingKey = randomBytes(32);
  const sim = new SimulatorBank({
    store,
    acsBaseUrl: 'https://kopek.test/',
    signingKey,
    now: () => clock.now,
    ...options,
  });
  return { sim, store, clock, signingKey };
}

let sequence = 0;
const newOperationId = (): string => `op-${++sequence}`;
const base = (signal = new AbortController().signal) => ({
  operationId: newOperationId(),
  testMode: true,
  signal,
});

const card = (pan: string, more: { cvc?: string; expiry?: Expiry } = {}) =>
  new Secret<CardData>({
    pan,
    expiry: { month: 12, year: 2030 },
    cvc: '123',
    holder: 'TEST CARDHOLDER',
    ...more,
  });

function authorizeInput(pan: string, more: Partial<AuthorizeInput> = {}): AuthorizeInput {
  return {
    ...base(),
    amountMinor: 10_000n,
    currency: 'RUB',
    capture: true,
    card: card(pan),
    threeDsReturnUrl: returnUrl,
    description: 'Order 42',
    ...more,
  };
}

function assertApproved(o: ConnectorOutcome): asserts o is Extract<ConnectorOutcome, { kind: 'approved' }> {
  assert.equal(o.kind, 'approved', JSON.stringify(o));
}

function assertDeclined(o: ConnectorOutcome, rc: string, reason?: string): void {
  assert.equal(o.kind, 'declined', JSON.stringify(o));
  if (o.kind !== 'declined') return;
  assert.equal(o.rc, rc, o.message);
  if (reason) assert.equal(o.reason, reason);
  assert.ok(o.message.length > 0);
}

function challengeOf(o: ConnectorOutcome): { challenge: ThreeDsChallenge; connectorData: ConnectorData } {
  assert.equal(o.kind, 'challenge', JSON.stringify(o));
  if (o.kind !== 'challenge') throw new Error('unreachable');
  return o;
}

/** A held authorization of `amountMinor`, or charged at once with `capture`. */
async function authorized(sim: SimulatorBank, amountMinor: bigint, capture: boolean) {
  const o = await sim.authorize(authorizeInput(pans.visa, { amountMinor, capture }));
  assertApproved(o);
  return o.connectorData;
}

const capture = (sim: SimulatorBank, connectorData: ConnectorData, amountMinor: bigint) =>
  sim.capture({ ...base(), connectorData, amountMinor, currency: 'RUB' });
const refund = (sim: SimulatorBank, connectorData: ConnectorData, amountMinor: bigint) =>
  sim.refund({ ...base(), connectorData, amountMinor, currency: 'RUB' });
const voidHold = (sim: SimulatorBank, connectorData: ConnectorData) => sim.void({ ...base(), connectorData });
const status = (sim: SimulatorBank, operationId: string, connectorData: ConnectorData = {}) =>
  sim.status({ operationId, testMode: true, signal: new AbortController().signal, connectorData });

/** The hang timer is unref'd on purpose; something must keep the test's event loop alive meanwhile. */
async function keepingAlive<T>(work: Promise<T>): Promise<T> {
  const timer = setInterval(() => {}, 1000);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

// ---- the test-card table ----

describe('test cards', () => {
  test('every number passes Luhn, is unique, and has the brand its prefix says', () => {
    assert.equal(new Set(testCards.map((c) => c.pan)).size, testCards.length);
    for (const c of testCards) {
      assert.ok(luhnValid(c.pan), c.pan);
      assert.equal(luhnCheckDigit(c.pan.slice(0, -1)), c.pan.slice(-1), c.pan);
      assert.equal(cardBrand(c.pan), c.brand, c.pan);
      assert.ok(c.description.length > 0);
    }
  });

  test('the table covers every behaviour the brief promises', () => {
    const rcs = testCards.filter((c) => c.behaviour === 'decline').map((c) => c.rc);
    for (const rc of ['05', '51', '54', '41', '43', '96']) assert.ok(rcs.includes(rc), rc);
    for (const pan of ['4111111111111111', '5555555555554444', '4000000000003063', '4000000000003220']) {
      assert.ok(findTestCard(pan), pan);
    }
    assert.ok(testCards.some((c) => c.brand === 'mir' && c.behaviour === 'approve'));
    assert.ok(
      testCards.some((c) => c.behaviour === 'threeds_v2_frictionless' && c.pan.startsWith('400000000000')),
    );
    assert.ok(testCards.some((c) => c.behaviour === 'timeout'));
  });

  test('the Markdown table has a row per card and the one-time code', () => {
    const md = testCardsMarkdown();
    for (const c of testCards) assert.ok(md.replaceAll(' ', '').includes(c.pan), c.pan);
    assert.ok(md.includes(testOtp));
    assert.equal(md.split('\n').filter((l) => l.startsWith('| `')).length, testCards.length);
  });
});

// ---- authorize ----

describe('authorize', () => {
  for (const c of testCards.filter((t) => t.behaviour !== 'timeout')) {
    test(`${c.pan}: ${c.behaviour} ${c.rc}`, async () => {
      const { sim } = setup();
      const cvc = c.brand === 'amex' ? '1234' : '123';
      const o = await sim.authorize(authorizeInput(c.pan, { card: card(c.pan, { cvc }) }));
      if (c.behaviour === 'decline') return assertDeclined(o, c.rc, c.reason);
      if (c.behaviour === 'threeds_v1' || c.behaviour === 'threeds_v2_challenge') {
        const { challenge } = challengeOf(o);
        assert.equal(challenge.version, c.behaviour === 'threeds_v1' ? '1' : '2');
        return;
      }
      assertApproved(o);
      assert.equal(o.rc, '00');
      assert.match(o.rrn, /^\d{12}$/);
      assert.match(o.approvalCode, /^[0-9A-Z]{6}$/);
      assert.ok(o.bankRef.length > 0);
      assert.equal(o.connectorData.bankRef, o.bankRef);
      assert.equal(o.eci, c.behaviour === 'threeds_v2_frictionless' ? '05' : undefined);
    });
  }

  test('any other Luhn-valid card is approved without 3-DS; a bad checksum is an invalid card', async () => {
    const { sim } = setup();
    const other = `510000000000000${luhnCheckDigit('510000000000000')}`;
    assert.equal(findTestCard(other), undefined);
    const o = await sim.authorize(authorizeInput(other));
    assertApproved(o);
    assert.equal(o.eci, undefined);
    const broken = `${other.slice(0, -1)}${(Number(other.slice(-1)) + 1) % 10}`;
    assertDeclined(await sim.authorize(authorizeInput(broken)), '14', 'invalid_card');
  });

  test('expiry: the current month still works, last month declines with 54', async () => {
    const { sim } = setup();
    const thisMonth = { month: 3, year: 2026 };
    const lastMonth = { month: 2, year: 2026 };
    assertApproved(
      await sim.authorize(authorizeInput(pans.visa, { card: card(pans.visa, { expiry: thisMonth }) })),
    );
    const expired = await sim.authorize(
      authorizeInput(pans.visa, { card: card(pans.visa, { expiry: lastMonth }) }),
    );
    assertDeclined(expired, '54', 'expired_card');
  });

  test('CVC: 3 digits, 4 for Amex, or none; anything else declines as an invalid card', async () => {
    const { sim } = setup();
    const withCvc = (pan: string, cvc?: string) =>
      sim.authorize(
        authorizeInput(pan, {
          card: new Secret<CardData>({
            pan,
            expiry: { month: 1, year: 2030 },
            holder: 'X',
            ...(cvc !== undefined && { cvc }),
          }),
        }),
      );
    assertApproved(await withCvc(pans.visa, '123'));
    assertApproved(await withCvc(pans.visa));
    assertApproved(await withCvc(pans.amex, '1234'));
    assertDeclined(await withCvc(pans.visa, '12'), 'N7', 'invalid_card');
    assertDeclined(await withCvc(pans.visa, '1234'), 'N7', 'invalid_card');
    assertDeclined(await withCvc(pans.visa, '12a'), 'N7', 'invalid_card');
    assertDeclined(await withCvc(pans.amex, '123'), 'N7', 'invalid_card');
  });

  test('a zero or negative amount is declined', async () => {
    const { sim } = setup();
    assertDeclined(await sim.authorize(authorizeInput(pans.visa, { amountMinor: 0n })), '13');
    assertApproved(await sim.authorize(authorizeInput(pans.visa, { amountMinor: 1n })));
  });
});

// ---- idempotency ----

describe('idempotency by operation id', () => {
  test('a repeated authorize returns the recorded outcome and writes nothing new', async () => {
    const { sim, store } = setup();
    const input = authorizeInput(pans.visa);
    const first = await sim.authorize(input);
    const size = store.size;
    const again = await sim.authorize({ ...input, signal: new AbortController().signal });
    assert.deepEqual(again, first);
    assert.equal(store.size, size);
  });

  test('a repeated decline is the same decline', async () => {
    const { sim } = setup();
    const input = authorizeInput(pans.doNotHonor);
    assert.deepEqual(await sim.authorize(input), await sim.authorize(input));
  });

  test('reusing an operation id for a different request is refused', async () => {
    const { sim } = setup();
    const input = authorizeInput(pans.visa);
    assertApproved(await sim.authorize(input));
    assertDeclined(
      await sim.authorize({ ...input, amountMinor: input.amountMinor + 1n }),
      '12',
      'not_permitted',
    );
    assertDeclined(await sim.authorize({ ...input, capture: false }), '12', 'not_permitted');
    const data = (await sim.authorize(input)).connectorData;
    assertDeclined(
      await sim.capture({ ...input, connectorData: data, amountMinor: 1n, currency: 'RUB' }),
      '12',
    );
  });

  test('a repeated refund refunds once', async () => {
    const { sim } = setup();
    const data = await authorized(sim, 10_000n, true);
    const input = { ...base(), connectorData: data, amountMinor: 6_000n, currency: 'RUB' as const };
    const first = await sim.refund(input);
    assertApproved(first);
    assert.deepEqual(await sim.refund(input), first);
    assertApproved(await refund(sim, data, 4_000n)); // 6000 + 4000 = all of it: so the repeat did not count
  });

  test('concurrent refunds of the whole amount: exactly one wins', async () => {
    const { sim } = setup();
    const data = await authorized(sim, 10_000n, true);
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => refund(sim, data, 10_000n)));
    assert.equal(outcomes.filter((o) => o.kind === 'approved').length, 1);
    assert.equal(outcomes.filter((o) => o.kind === 'declined').length, 3);
  });
});

// ---- capture, void, refund ----

describe('holds, captures, voids and refunds', () => {
  test('capture of exactly the held amount is fine; one minor unit more is declined', async () => {
    const { sim } = setup();
    const over = await capture(sim, await authorized(sim, 10_000n, false), 10_001n);
    assertDeclined(over, '13', 'not_permitted');
    assertApproved(await capture(sim, await authorized(sim, 10_000n, false), 10_000n));
  });

  test('a partial capture, then refunds are limited to what was captured', async () => {
    const { sim } = setup();
    const data = await authorized(sim, 10_000n, false);
    const captured = await capture(sim, data, 7_000n);
    assertApproved(captured);
    assert.equal(captured.connectorData.capturedMinor, '7000');
    assertDeclined(await capture(sim, data, 1_000n), '12'); // one capture per hold
    assertDeclined(await refund(sim, data, 7_001n), '13');
    assertApproved(await refund(sim, data, 7_000n));
  });

  test('refund exactly the captured amount in parts; one minor unit more is declined', async () => {
    const { sim } = setup();
    const data = await authorized(sim, 10_000n, true);
    assertApproved(await refund(sim, data, 4_000n));
    assertDeclined(await refund(sim, data, 6_001n), '13', 'not_permitted');
    const last = await refund(sim, data, 6_000n);
    assertApproved(last);
    assert.equal(last.connectorData.refundedMinor, '10000');
    assertDeclined(await refund(sim, data, 1n), '13', 'not_permitted');
  });

  test('a hold can be voided once, and then neither captured nor refunded', async () => {
    const { sim } = setup();
    const data = await authorized(sim, 10_000n, false);
    assertDeclined(await refund(sim, data, 1n), '12'); // nothing captured yet
    assertApproved(await voidHold(sim, data));
    assertDeclined(await voidHold(sim, data), '12');
    assertDeclined(await capture(sim, data, 1n), '12');
    assertDeclined(await refund(sim, data, 1n), '12');
  });

  test('a captured payment cannot be voided', async () => {
    const { sim } = setup();
    assertDeclined(await voidHold(sim, await authorized(sim, 10_000n, true)), '12', 'not_permitted');
    const held = await authorized(sim, 10_000n, false);
    assertApproved(await capture(sim, held, 10_000n));
    assertDeclined(await voidHold(sim, held), '12');
  });

  test('capture and refund in another currency are declined', async () => {
    const { sim } = setup();
    const data = await authorized(sim, 10_000n, false);
    assertDeclined(
      await sim.capture({ ...base(), connectorData: data, amountMinor: 1n, currency: 'USD' }),
      '12',
    );
    assertApproved(await capture(sim, data, 10_000n));
    assertDeclined(
      await sim.refund({ ...base(), connectorData: data, amountMinor: 1n, currency: 'USD' }),
      '12',
    );
  });

  test('an authorization the bank never issued: rc 25', async () => {
    const { sim } = setup();
    assertDeclined(await capture(sim, { bankRef: 'SIMnope' }, 1n), '25');
    assertDeclined(await refund(sim, {}, 1n), '25');
  });

  test('the books survive a restart: a new simulator on the same store captures the hold', async () => {
    const { sim, store, signingKey } = setup();
    const data = await authorized(sim, 10_000n, false);
    const restarted = new SimulatorBank({
      store,
      acsBaseUrl: 'https://kopek.test',
      signingKey,
      now: () => startedAt,
    });
    assertDeclined(await capture(restarted, data, 10_001n), '13');
    assertApproved(await capture(restarted, data, 10_000n));
  });

  test("a crash after the bank's first write never leaves money moved that status cannot find", async () => {
    // The process dies right after the store's first write of an operation: whatever that
    // write held is all the bank has. It must hold the operation record with the books.
    class DyingStore extends MemorySimStore {
      writesLeft = Number.POSITIVE_INFINITY;
      override async put(...ops: Parameters<MemorySimStore['put']>): Promise<void> {
        if (this.writesLeft-- <= 0) throw new Error('killed');
        return super.put(...ops);
      }
    }
    const store = new DyingStore();
    const { sim, signingKey } = setup({ store });
    const restarted = () =>
      new SimulatorBank({ store, acsBaseUrl: 'https://kopek.test', signingKey, now: () => startedAt });

    const input = authorizeInput(pans.visa, { capture: false });
    store.writesLeft = 1;
    await sim.authorize(input).catch(() => undefined);
    const found = await status(restarted(), input.operationId);
    assertApproved(found);

    store.writesLeft = 1;
    const captureInput = {
      ...base(),
      connectorData: found.connectorData,
      amountMinor: 10_000n,
      currency: 'RUB' as const,
    };
    await sim.capture(captureInput).catch(() => undefined);
    assertApproved(await status(restarted(), captureInput.operationId, found.connectorData));
  });
});

// ---- 3-D Secure ----

describe('3-D Secure v1', () => {
  async function challenged(sim: SimulatorBank, input = authorizeInput(pans.threeDsV1)) {
    const { challenge, connectorData } = challengeOf(await sim.authorize(input));
    assert.equal(challenge.version, '1');
    if (challenge.version !== '1') throw new Error('unreachable');
    return { input, challenge, connectorData };
  }
  const continueWith = (sim: SimulatorBank, connectorData: ConnectorData, paRes: string, md: string) =>
    sim.continue3ds({ ...base(), connectorData, result: { version: '1', paRes, md } });

  test('the challenge has the ACS URL, PaReq, MD and TermUrl; the ACS can describe it', async () => {
    const { sim } = setup();
    const { challenge, input } = await challenged(sim);
    assert.equal(challenge.acsUrl, 'https://kopek.test/acs/v1');
    assert.equal(challenge.form.TermUrl, returnUrl);
    assert.match(challenge.form.PaReq, /^[\w-]+\.[\w-]+$/);
    const shown = sim.acs.describe(challenge.form.PaReq);
    assert.ok(shown.ok);
    assert.equal(shown.value.version, '1');
    assert.equal(shown.value.amount, '100.00');
    assert.equal(shown.value.amountMinor, 10_000n);
    assert.equal(shown.value.currency, 'RUB');
    assert.equal(shown.value.cardMask, '400000******3063');
    assert.equal(shown.value.description, 'Order 42');
    assert.equal(shown.value.returnUrl, returnUrl);
    assert.equal(shown.value.operationId, input.operationId);
    assert.equal(sim.acs.expectedOtp(challenge.form.PaReq), testOtp);
  });

  test('right code: approved with ECI 05; authorize and status then report approved', async () => {
    const { sim } = setup();
    const { challenge, connectorData, input } = await challenged(sim);
    assert.equal((await status(sim, input.operationId)).kind, 'unknown'); // the payer is at the ACS
    const answer = sim.acs.answer(challenge.form.PaReq, testOtp);
    assert.ok(answer.ok && answer.value.version === '1');
    assert.equal(answer.value.authenticated, true);
    assert.equal(answer.value.md, challenge.form.MD);
    const o = await continueWith(sim, connectorData, answer.value.paRes, answer.value.md);
    assertApproved(o);
    assert.equal(o.eci, '05');
    assert.deepEqual(await sim.authorize(input), o);
    assert.deepEqual(await status(sim, input.operationId), o);
    assertApproved(await refund(sim, o.connectorData, 1n)); // a charge: captured, so refundable
  });

  test('wrong code: authentication failed, and the challenge is over', async () => {
    const { sim } = setup();
    const { challenge, connectorData, input } = await challenged(sim);
    const wrong = sim.acs.answer(challenge.form.PaReq, '000000');
    assert.ok(wrong.ok && wrong.value.version === '1' && !wrong.value.authenticated);
    assertDeclined(
      await continueWith(sim, connectorData, wrong.value.paRes, wrong.value.md),
      '05',
      'authentication_failed',
    );
    const right = sim.acs.answer(challenge.form.PaReq, testOtp);
    assert.ok(right.ok && right.value.version === '1');
    assertDeclined(
      await continueWith(sim, connectorData, right.value.paRes, right.value.md),
      '05',
      'authentication_failed',
    );
    assertDeclined(await status(sim, input.operationId), '05', 'authentication_failed');
  });

  test('forged, tampered or foreign answers are declined without throwing; the genuine one still works', async () => {
    const { sim } = setup();
    const { challenge, connectorData, input } = await challenged(sim);
    const md = challenge.form.MD;
    const failed = sim.acs.answer(challenge.form.PaReq, '999999');
    assert.ok(failed.ok && failed.value.version === '1');
    // Flip the status inside a genuine "N" answer, keeping its signature.
    const [body, sig] = failed.value.paRes.split('.') as [string, string];
    const flipped = JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), status: 'Y' });
    const tampered = `${Buffer.from(flipped).toString('base64url')}.${sig}`;
    const otherKey = signToken(randomBytes(32), 'pares', {
      v: '1',
      op: input.operationId,
      md,
      status: 'Y',
      exp: Date.now() * 2,
    });
    const other = await challenged(sim);
    const foreign = sim.acs.answer(other.challenge.form.PaReq, testOtp);
    assert.ok(foreign.ok && foreign.value.version === '1');
    const attempts: Array<[string, string]> = [
      [tampered, md],
      [otherKey, md],
      [challenge.form.PaReq, md], // a PaReq is not a PaRes
      [foreign.value.paRes, foreign.value.md], // another payer's answer
      [foreign.value.paRes, md],
      ['', md],
      ['not.a.token', md],
      ['%%%.%%%', md],
    ];
    for (const [paRes, mdSent] of attempts) {
      assertDeclined(await continueWith(sim, connectorData, paRes, mdSent), '05', 'authentication_failed');
    }
    const v2Shaped = await sim.continue3ds({ ...base(), connectorData, result: { version: '2', cres: 'x' } });
    assertDeclined(v2Shaped, '05', 'authentication_failed');
    const genuine = sim.acs.answer(challenge.form.PaReq, testOtp);
    assert.ok(genuine.ok && genuine.value.version === '1');
    assertApproved(await continueWith(sim, connectorData, genuine.value.paRes, genuine.value.md));
  });

  test('after 15 minutes the challenge expires: the ACS refuses it, continue and status decline', async () => {
    const { sim, clock } = setup();
    const { challenge, connectorData, input } = await challenged(sim);
    const answer = sim.acs.answer(challenge.form.PaReq, testOtp);
    assert.ok(answer.ok && answer.value.version === '1');
    clock.now = new Date(startedAt.getTime() + challengeTtlMs - 1);
    assert.ok(sim.acs.describe(challenge.form.PaReq).ok);
    clock.now = new Date(startedAt.getTime() + challengeTtlMs);
    assert.deepEqual(sim.acs.describe(challenge.form.PaReq), { ok: false, error: 'expired' });
    assertDeclined(
      await continueWith(sim, connectorData, answer.value.paRes, answer.value.md),
      '05',
      'authentication_failed',
    );
    assertDeclined(await status(sim, input.operationId), '05', 'authentication_failed');
  });

  test('status of a continuation waits for it when asked while the bank is doing it', async () => {
    // A store that holds the write of the approved authorization until told to go on.
    let goOn!: () => void;
    const held = new Promise<void>((resolve) => {
      goOn = resolve;
    });
    class SlowStore extends MemorySimStore {
      override async put(...ops: Parameters<MemorySimStore['put']>): Promise<void> {
        if (ops.some((op) => op.record === 'authorization')) await held;
        return super.put(...ops);
      }
    }
    const { sim } = setup({ store: new SlowStore() });
    const { challenge, connectorData } = await challenged(sim);
    const answer = sim.acs.answer(challenge.form.PaReq, testOtp);
    assert.ok(answer.ok && answer.value.version === '1');
    const { paRes, md } = answer.value;
    const continuation = { ...base(), connectorData, result: { version: '1' as const, paRes, md } };
    const done = sim.continue3ds(continuation);
    const asked = status(sim, continuation.operationId, connectorData);
    await new Promise((resolve) => setImmediate(resolve)); // the continuation is at the store now
    goOn();
    const o = await done;
    assertApproved(o);
    assert.deepEqual(await asked, o, 'the answer the continuation gave, not "never received"');
  });

  test('status of a continuation the bank never received: the challenge is still open; once lapsed, or settled, what the authorization is', async () => {
    const { sim, clock } = setup();
    const open = await challenged(sim);
    const never = await status(sim, newOperationId(), open.connectorData);
    assertDeclined(never, '25');
    assert.equal(never.kind === 'declined' && never.challengeOpen, true);
    assert.equal((await status(sim, open.input.operationId)).kind, 'unknown', 'the payer may still answer');
    const answer = sim.acs.answer(open.challenge.form.PaReq, testOtp);
    assert.ok(answer.ok && answer.value.version === '1');
    const approved = await continueWith(sim, open.connectorData, answer.value.paRes, answer.value.md);
    assertApproved(approved);
    assert.deepEqual(await status(sim, newOperationId(), open.connectorData), approved);

    const left = await challenged(sim);
    clock.now = new Date(startedAt.getTime() + challengeTtlMs);
    const lapsed = await status(sim, newOperationId(), left.connectorData);
    assertDeclined(lapsed, '05', 'authentication_failed');
    assert.equal(lapsed.kind === 'declined' && lapsed.challengeOpen, undefined);
    assert.deepEqual(await status(sim, left.input.operationId), lapsed, 'the authorization is settled so');
  });

  test('the ACS rejects a forged PaReq', () => {
    const { sim } = setup();
    const forged = signToken(randomBytes(32), 'pareq', {
      v: '1',
      op: 'x',
      amountMinor: '1',
      currency: 'RUB',
      exp: Date.now() * 2,
    });
    assert.deepEqual(sim.acs.describe(forged), { ok: false, error: 'bad_signature' });
    assert.deepEqual(sim.acs.answer(forged, testOtp), { ok: false, error: 'bad_signature' });
    assert.deepEqual(sim.acs.describe('garbage'), { ok: false, error: 'malformed' });
  });
});

describe('3-D Secure v2', () => {
  async function challenged(
    sim: SimulatorBank,
    input = authorizeInput(pans.threeDsV2Challenge, { capture: false }),
  ) {
    const { challenge, connectorData } = challengeOf(await sim.authorize(input));
    assert.equal(challenge.version, '2');
    if (challenge.version !== '2') throw new Error('unreachable');
    return { input, challenge, connectorData };
  }

  test('challenge: CReq and threeDSSessionData to /acs/v2, with a UUID transaction id', async () => {
    const { sim } = setup();
    const { challenge } = await challenged(sim);
    assert.equal(challenge.acsUrl, 'https://kopek.test/acs/v2');
    assert.match(
      challenge.threeDsServerTransId,
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    );
    const shown = sim.acs.describe(challenge.form.creq);
    assert.ok(shown.ok);
    assert.equal(shown.value.version, '2');
    assert.equal(shown.value.amount, '100.00');
    assert.equal(shown.value.returnUrl, returnUrl);
  });

  test('right code: a held authorization with ECI 05 that can be captured', async () => {
    const { sim } = setup();
    const { challenge, connectorData, input } = await challenged(sim);
    const answer = sim.acs.answer(challenge.form.creq, ` ${testOtp} `);
    assert.ok(answer.ok && answer.value.version === '2' && answer.value.authenticated);
    assert.equal(answer.value.form.threeDSSessionData, challenge.form.threeDSSessionData);
    const o = await sim.continue3ds({
      ...base(),
      connectorData,
      result: { version: '2', ...answer.value.form },
    });
    assertApproved(o);
    assert.equal(o.eci, '05');
    assert.equal(o.connectorData.state, 'held');
    assert.deepEqual(await status(sim, input.operationId), o);
    assertApproved(await capture(sim, o.connectorData, 10_000n));
  });

  test('wrong code, tampered CRes, or another session: declined as authentication failed', async () => {
    const { sim } = setup();
    const { challenge, connectorData } = await challenged(sim);
    const right = sim.acs.answer(challenge.form.creq, testOtp);
    assert.ok(right.ok && right.value.version === '2');
    const [body, sig] = right.value.cres.split('.') as [string, string];
    const changed = JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), op: 'other' });
    const tampered = `${Buffer.from(changed).toString('base64url')}.${sig}`;
    const cont = (cres: string, threeDSSessionData?: string) =>
      sim.continue3ds({
        ...base(),
        connectorData,
        result: { version: '2', cres, ...(threeDSSessionData && { threeDSSessionData }) },
      });
    assertDeclined(await cont(tampered), '05', 'authentication_failed');
    assertDeclined(await cont(right.value.cres, 'another-session'), '05', 'authentication_failed');
    const wrong = sim.acs.answer(challenge.form.creq, '123457');
    assert.ok(wrong.ok && wrong.value.version === '2' && !wrong.value.authenticated);
    assertDeclined(
      await cont(wrong.value.cres, wrong.value.threeDSSessionData),
      '05',
      'authentication_failed',
    );
  });

  test('a forged or stale answer is refused, not recorded, and the challenge stays open: the genuine answer under the same operation id settles it', async () => {
    const { sim } = setup();
    const { challenge, connectorData } = await challenged(sim);
    const continuation = { ...base(), connectorData };
    const stale = await challenged(sim);
    const staleAnswer = sim.acs.answer(stale.challenge.form.creq, testOtp);
    assert.ok(staleAnswer.ok && staleAnswer.value.version === '2');
    for (const cres of ['junk', staleAnswer.value.cres]) {
      const refused = await sim.continue3ds({ ...continuation, result: { version: '2', cres } });
      assertDeclined(refused, '05', 'authentication_failed');
      assert.equal(refused.kind === 'declined' && refused.challengeOpen, true, 'the challenge is still open');
    }
    const right = sim.acs.answer(challenge.form.creq, testOtp);
    assert.ok(right.ok && right.value.version === '2');
    assertApproved(await sim.continue3ds({ ...continuation, result: { version: '2', ...right.value.form } }));
  });

  test('a challenge says when it lapses, and never outlives the deadline it is given', async () => {
    const { sim } = setup();
    const plain = await challenged(sim);
    assert.equal(plain.challenge.expiresAt, new Date(startedAt.getTime() + challengeTtlMs).toISOString());
    const deadline = new Date(startedAt.getTime() + 5 * 60_000);
    const { challenge } = await challenged(
      sim,
      authorizeInput(pans.threeDsV2Challenge, { capture: false, expiresAt: deadline }),
    );
    assert.equal(challenge.expiresAt, deadline.toISOString());
    const shown = sim.acs.describe(challenge.form.creq);
    assert.ok(shown.ok);
    assert.equal(shown.value.expiresAt.getTime(), deadline.getTime());
  });

  test('after a signing key rotation, challenges and answers signed with the previous key still verify', async () => {
    const { sim, store, signingKey, clock } = setup();
    const { challenge, connectorData } = await challenged(sim);
    const before = sim.acs.answer(challenge.form.creq, testOtp);
    assert.ok(before.ok && before.value.version === '2');
    const rotated = new SimulatorBank({
      store,
      acsBaseUrl: 'https://kopek.test',
      signingKey: randomBytes(32),
      previousSigningKeys: [signingKey],
      now: () => clock.now,
    });
    assert.ok(rotated.acs.describe(challenge.form.creq).ok, 'the CReq issued before');
    const fresh = challengeOf(await rotated.authorize(authorizeInput(pans.threeDsV2Challenge)));
    assert.ok(fresh.challenge.version === '2');
    assert.deepEqual(
      sim.acs.describe(fresh.challenge.form.creq),
      { ok: false, error: 'bad_signature' },
      'signed with the new key',
    );
    assertApproved(
      await rotated.continue3ds({ ...base(), connectorData, result: { version: '2', ...before.value.form } }),
    );
  });

  test('a repeated continue3ds returns the same outcome', async () => {
    const { sim } = setup();
    const { challenge, connectorData } = await challenged(sim);
    const answer = sim.acs.answer(challenge.form.creq, testOtp);
    assert.ok(answer.ok && answer.value.version === '2');
    const input = { ...base(), connectorData, result: { version: '2' as const, cres: answer.value.cres } };
    const first = await sim.continue3ds(input);
    assertApproved(first);
    assert.deepEqual(await sim.continue3ds(input), first);
    assert.deepEqual(await sim.continue3ds({ ...input, operationId: newOperationId() }), first); // same authorization
  });
});

// ---- timeouts, latency and aborts ----

describe('timeouts and aborts', () => {
  test('timeout card: unknown after hangMs, yet approved at the bank', async () => {
    const { sim } = setup({ hangMs: 30 });
    const input = authorizeInput(pans.timeout);
    const o = await keepingAlive(sim.authorize(input));
    assert.equal(o.kind, 'unknown');
    const later = await status(sim, input.operationId, o.connectorData);
    assertApproved(later);
    assert.equal(later.bankRef, o.connectorData.bankRef);
  });

  test('timeout card: an abort ends the hang at once; status still resolves it approved', async () => {
    const { sim } = setup({ hangMs: 60_000 });
    const controller = new AbortController();
    const input = authorizeInput(pans.timeout, { signal: controller.signal });
    const startedMs = Date.now();
    const pending = sim.authorize(input);
    setTimeout(() => controller.abort(), 20);
    await keepingAlive(assert.rejects(pending, { name: 'AbortError' }));
    assert.ok(Date.now() - startedMs < 5_000);
    assertApproved(await status(sim, input.operationId));
  });

  test('latency honours the signal, and the operation already happened at the bank', async () => {
    const { sim, store, signingKey } = setup({ latencyMs: 60_000 });
    const input = authorizeInput(pans.visa, { signal: AbortSignal.timeout(20) });
    await keepingAlive(assert.rejects(sim.authorize(input)));
    await assert.rejects(
      sim.status({ ...base(AbortSignal.abort()), operationId: input.operationId, connectorData: {} }),
    );
    const quick = new SimulatorBank({ store, acsBaseUrl: 'https://kopek.test', signingKey });
    assertApproved(await status(quick, input.operationId));
  });

  test('a call aborted before it starts does nothing at the bank', async () => {
    const { sim, store } = setup();
    const input = authorizeInput(pans.visa, { signal: AbortSignal.abort() });
    await assert.rejects(sim.authorize(input));
    assert.equal(store.size, 0);
    assertDeclined(await status(sim, input.operationId), '25', 'processing_error');
  });

  test('status of an operation the bank never saw: declined, rc 25, "no such operation"', async () => {
    const { sim } = setup();
    const o = await status(sim, 'never-sent');
    assertDeclined(o, '25', 'processing_error');
    assert.match(o.kind === 'declined' ? o.message : '', /no such operation/i);
  });
});

// ---- payouts ----

describe('payouts', () => {
  const payout = (sim: SimulatorBank, destination: PayoutDestination, amountMinor = 5_000n) =>
    sim.payout({ ...base(), amountMinor, currency: 'RUB', destination });
  const account = (number: string): PayoutDestination => ({
    kind: 'account',
    account: number,
    bic: '044525225',
    name: 'Ivan Petrov',
  });

  test('to an ordinary card: approved with a receipt', async () => {
    const { sim } = setup();
    const o = await payout(sim, { kind: 'card', card: card(pans.visa) });
    assertApproved(o);
    assert.match(o.rrn, /^\d{12}$/);
  });

  test('test-card rules apply: insufficient funds and do-not-honor cards decline payouts', async () => {
    const { sim } = setup();
    assertDeclined(
      await payout(sim, { kind: 'card', card: card(pans.insufficientFunds) }),
      '51',
      'insufficient_funds',
    );
    assertDeclined(await payout(sim, { kind: 'card', card: card(pans.doNotHonor) }), '05', 'do_not_honor');
    assertApproved(await payout(sim, { kind: 'card', card: card(pans.threeDsV1) })); // no one to challenge
  });

  test('to an account: approved, unless it ends in 0000 or is malformed', async () => {
    const { sim } = setup();
    assertApproved(await payout(sim, account('40817810099910004312')));
    assertDeclined(await payout(sim, account('40817810099910000000')), '05', 'do_not_honor');
    assertDeclined(await payout(sim, account('4081781009991000431')), '14');
    assertDeclined(
      await payout(sim, { ...account('40817810099910004312'), bic: '04452522' } as PayoutDestination),
      '14',
    );
  });

  test('timeout card payout: unknown, then approved by status', async () => {
    const { sim } = setup({ hangMs: 20 });
    const input = {
      ...base(),
      amountMinor: 100n,
      currency: 'RUB' as const,
      destination: { kind: 'card' as const, card: card(pans.timeout) },
    };
    assert.equal((await keepingAlive(sim.payout(input))).kind, 'unknown');
    assertApproved(await status(sim, input.operationId));
  });
});

// ---- card data never reaches the books ----

describe('card data', () => {
  test('no PAN and no CVC in anything written to the store, even inside its tokens', async () => {
    const { sim, store } = setup({ hangMs: 1 });
    const cvc = '987';
    const used: string[] = [];
    for (const c of testCards) {
      const secret = card(c.pan, { cvc: c.brand === 'amex' ? '9876' : cvc });
      used.push(c.pan);
      const o = await keepingAlive(sim.authorize(authorizeInput(c.pan, { card: secret, capture: false })));
      if (o.kind === 'challenge') {
        // Leave one challenge of each kind open, so its PaReq/CReq stays in the store to inspect.
        await sim.authorize(authorizeInput(c.pan, { card: secret }));
        const token = o.challenge.version === '1' ? o.challenge.form.PaReq : o.challenge.form.creq;
        const answer = sim.acs.answer(token, testOtp);
        assert.ok(answer.ok);
        const result =
          answer.value.version === '1'
            ? { version: '1' as const, paRes: answer.value.paRes, md: answer.value.md }
            : { version: '2' as const, cres: answer.value.cres };
        const done = await sim.continue3ds({ ...base(), connectorData: o.connectorData, result });
        if (done.kind === 'approved') await capture(sim, done.connectorData, 100n);
      }
      if (o.kind === 'approved') await capture(sim, o.connectorData, 100n);
      await keepingAlive(
        sim.payout({
          ...base(),
          amountMinor: 100n,
          currency: 'RUB',
          destination: { kind: 'card', card: secret },
        }),
      );
    }
    const dump = store.dump();
    // PaReq and CReq carry JSON inside base64url: look inside every signed token as well.
    const decoded = [...dump.matchAll(/([\w-]{16,})\.[\w-]{43}(?![\w-])/g)].map((m) =>
      Buffer.from(m[1]!, 'base64url').toString('utf8'),
    );
    assert.ok(
      decoded.some((text) => text.includes('400000******3063')),
      'tokens were found and decoded',
    );
    for (const text of [dump, ...decoded]) {
      for (const pan of used) assert.ok(!text.includes(pan), `PAN ${pan} found in the store`);
      // a field named cvc/cvv, not three letters that random base64 may happen to spell
      assert.doesNotMatch(text, /"(cvc|cvv)\d?"\s*:/i);
    }
    assert.doesNotMatch(dump, /(?<![\w-])(987|9876)(?![\w-])/, 'CVC found in the store');
    assert.match(dump, /411111\*{6}1111/); // masked cards are what it keeps
  });
});
