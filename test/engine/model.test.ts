import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { authorizationKey, operationKey } from '../../src/acquiring/sim-store.ts';
import { testOtp } from '../../src/acquiring/test-cards.ts';
import type { Currency } from '../../src/domain/currency.ts';
import type { EngineError } from '../../src/domain/errors.ts';
import { type FeeSchedule, feeFor, noFee } from '../../src/domain/fees.ts';
import { limits } from '../../src/domain/limits.ts';
import type { Result } from '../../src/domain/result.ts';
import { type PaymentStatus, paymentMachine, refundableStates, transition } from '../../src/domain/states.ts';
import { defaultServices } from '../../src/engine/merchants/merchants.ts';
import type { Flow, Payment } from '../../src/engine/payments/view.ts';
import type { PaymentRow, RefundRow } from '../../src/store/schema.ts';
import { DatabaseSimStore } from '../../src/store/sim-bank-store.ts';
import { answerLost, intercept, unreachable } from '../helpers/bank.ts';
import { testFlavors } from '../helpers/databases.ts';
import { assertLedgerBalanced, card, cards, expectFail, merchant, unwrap } from '../helpers/fixtures.ts';
import { type TestGateway, testGateway } from '../helpers/gateway.ts';

/**
 * Model-based test of the money paths: fast-check drives the engine through random sequences
 * of creates (charge and hold; RUB, USD, EUR, 0-decimal JPY, 3-decimal KWD), card attempts with
 * the simulator's test cards (approved, declined, insufficient funds, 3-DS v1/v2 challenge and
 * v2 frictionless, timeout), 3-DS answers, captures (full, partial), voids, refunds (partial,
 * full, concurrent pairs, retries), payouts to cards, cancels, cross-tenant attempts, races
 * of two requests on one payment, clock moves past deadlines and janitor sweeps, with bank calls
 * that now and then never arrive or lose their answer (test/helpers/bank.ts).
 *
 * Where a step's outcome is determined by the state it starts from, the step asserts it. After
 * every step, for the run's merchants: the ledger balances (assertLedgerBalanced), no balance
 * is negative, every account equals what the payments, refunds and payouts say (in total and
 * per operation), refunded ≤ captured ≤ authorized ≤ amount with a status that fits the amounts
 * and the fee, refunds' fee shares never exceed the payment's fee (and add up to it once fully
 * refunded), every payment's event history is a walk through the state machine, and per-day
 * statistics equal a recount of the payments table. At the end of a run the clock moves past
 * every deadline and the janitor sweeps: then nothing is unknown, pending or held any more, and
 * the simulator bank's books agree with ours.
 *
 * One gateway per database, two fresh merchants per run. Runs: KOPEK_MODEL_RUNS (default 25).
 * A failure prints fast-check's seed, path and the commands' replayPath; KOPEK_MODEL_SEED,
 * KOPEK_MODEL_PATH and KOPEK_MODEL_REPLAY replay it. KOPEK_MODEL_DEBUG=1 prints which paths the
 * steps took and what they cost.
 */

const numRuns = Number(process.env.KOPEK_MODEL_RUNS ?? 25);
const replay =
  process.env.KOPEK_MODEL_SEED === undefined
    ? {}
    : { seed: Number(process.env.KOPEK_MODEL_SEED), path: process.env.KOPEK_MODEL_PATH };

// ---- the world a run acts on ----

type ModelPayment = {
  id: bigint;
  merchantId: bigint;
  currency: Currency;
  flow: Flow;
  amountMinor: bigint;
  /** The fee terms it was created under: a capture later pays these, whatever changed since. */
  terms: FeeSchedule;
};

type Model = {
  merchants: readonly [bigint, bigint];
  payments: ModelPayment[];
  /** `merchant:currency` pairs that ever asked for a payout: only those may lack money for a refund. */
  paidOut: Set<string>;
  nextRef: number;
  /** Fee schedules changed in this run, by `merchant:service code`; the others are the defaults. */
  fees: Map<string, FeeSchedule>;
};

type Real = { gw: TestGateway };

type Fault = 'none' | 'unreachable' | 'answerLost';
type BankCall = 'authorize' | 'continue3ds' | 'capture' | 'void' | 'refund' | 'payout' | 'status';

const cardPans = {
  approved: cards.approved,
  mir: cards.mir,
  declined: cards.declined,
  insufficient: cards.insufficientFunds,
  frictionless: cards.threeDsV2Frictionless,
  challengeV1: cards.threeDsV1,
  challengeV2: cards.threeDsV2Challenge,
  timeout: cards.timeout,
} as const;
type CardKind = keyof typeof cardPans;
const approving: readonly CardKind[] = ['approved', 'mir', 'frictionless'];
const declining: readonly CardKind[] = ['declined', 'insufficient'];

/** The clock of a run moves years through shrinking: cards that outlive it. */
const testCard = (kind: CardKind) => card(cardPans[kind], { expiry: { month: 12, year: 2099 } });

/** A merchant's fee schedule for a service now; noFee where the merchant has no such service. */
const feeOf = (m: Model, merchantId: bigint, code: string): FeeSchedule =>
  m.fees.get(`${merchantId}:${code}`) ?? defaultServices.find((s) => s.code === code)?.fee ?? noFee;
const payFee = (m: Model, merchantId: bigint, currency: Currency) =>
  feeOf(m, merchantId, `card_${currency.toLowerCase()}`);
const payoutFee = (m: Model, merchantId: bigint, currency: Currency) =>
  feeOf(m, merchantId, `payout_card_${currency.toLowerCase()}`);

const hour = 60 * 60_000;
const day = 24 * hour;

/** The bank call as the network between engine and bank may treat it. */
async function withFault<T>(
  gw: TestGateway,
  call: BankCall,
  fault: Fault,
  run: () => Promise<T>,
): Promise<T> {
  if (fault === 'none') return run();
  const restore = intercept(gw, call, (fault === 'unreachable' ? unreachable : answerLost) as never);
  try {
    return await run();
  } finally {
    restore();
  }
}

/** The timeout card hangs until the engine gives up: give up soon, the outcome is the same. */
async function quickTimeout<T>(gw: TestGateway, on: boolean, run: () => Promise<T>): Promise<T> {
  if (!on) return run();
  const config = gw.engine.deps.config;
  const saved = config.connectorTimeoutMs;
  config.connectorTimeoutMs = 30;
  try {
    return await run();
  } finally {
    config.connectorTimeoutMs = saved;
  }
}

const codeOf = <T>(r: Result<T, EngineError>) => (r.ok ? 'ok' : r.error.code);
/** `ok` with the status it left behind, or the error code. */
const outcomeOf = <T>(r: Result<T, EngineError>): string => {
  if (!r.ok) return r.error.code;
  const v = r.value as { status?: string; payment?: { status: string }; refund?: { status: string } };
  return v.refund?.status ?? v.payment?.status ?? v.status ?? 'ok';
};
const failWithOneOf = <T>(r: Result<T, EngineError>, codes: string[], what: string) => {
  assert.ok(!r.ok && codes.includes(r.error.code), `${what}: expected one of ${codes}, got ${codeOf(r)}`);
};
const read = async (gw: TestGateway, id: bigint): Promise<Payment> => (await gw.engine.getPayment({ id }))!;
const pick = (m: Model, i: number): ModelPayment => m.payments[i % m.payments.length]!;
const part = (whole: bigint, ppm: number): bigint => {
  const p = (whole * BigInt(ppm)) / 1_000_000n;
  return p > 0n ? p : 1n;
};
const isRefundable = (status: string) => (refundableStates as readonly string[]).includes(status);
/** A hold past its deadline whose release at the bank is in flight (deadline.ts). */
const lapsing = (p: Payment) => p.opInFlight?.startsWith('expiry#') === true;

// ---- invariants ----

const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
const dayFormat = new Map<string, Intl.DateTimeFormat>();
const dayOf = (timeZone: string, ms: bigint) => {
  let f = dayFormat.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dayFormat.set(timeZone, f);
  }
  return f.format(new Date(Number(ms)));
};

function checkPayment(p: PaymentRow, refunds: RefundRow[], nowMs: number): void {
  const at = `payment ${p.id} (${p.flow}, ${p.status}, ${p.amount_minor} ${p.currency})`;
  // the terms the payment was created under (none kept: its service's, never changed here)
  const terms: FeeSchedule =
    p.fee_rate_ppm === null || p.fee_fixed_minor === null || p.fee_min_minor === null
      ? (defaultServices.find((s) => s.code === `card_${p.currency.toLowerCase()}`)?.fee ?? noFee)
      : {
          ratePpm: p.fee_rate_ppm,
          fixedMinor: p.fee_fixed_minor,
          minMinor: p.fee_min_minor,
          maxMinor: p.fee_max_minor,
        };
  const amount = p.amount_minor;
  const authorized = p.authorized_minor;
  const captured = p.captured_minor;
  const refunded = p.refunded_minor;
  const reserved = p.refund_reserved_minor;
  assert.ok(refunded >= 0n && reserved >= 0n, `${at}: refunded ${refunded}, reserved ${reserved}`);
  assert.ok(refunded + reserved <= captured, `${at}: refunded ${refunded} + reserved ${reserved} > captured`);
  assert.ok(captured <= authorized || authorized === 0n, `${at}: captured ${captured} > authorized`);
  assert.ok(captured <= amount && authorized <= amount, `${at}: more than the amount moved`);
  assert.ok(authorized === 0n || authorized === amount, `${at}: authorized ${authorized}`);
  const untouched = () => {
    assert.equal(captured, 0n, `${at}: captured`);
    assert.equal(refunded + reserved, 0n, `${at}: refunds`);
  };
  switch (p.status) {
    case 'created':
    case 'pending':
    case 'unknown':
    case 'failed':
      untouched();
      assert.equal(authorized, 0n, `${at}: authorized`);
      assert.equal(p.fee_minor, feeFor(amount, terms), `${at}: fee of an unpaid payment`);
      break;
    case 'canceled':
    case 'expired':
      untouched();
      // a released hold keeps what it held, and no fee; an unpaid payment keeps its estimate
      assert.equal(p.fee_minor, authorized === 0n ? feeFor(amount, terms) : 0n, `${at}: fee`);
      assert.ok(authorized === 0n || p.flow === 'hold', `${at}: a charge was never authorized alone`);
      break;
    case 'authorized':
      untouched();
      assert.equal(p.flow, 'hold', `${at}: only holds wait for a capture`);
      assert.equal(authorized, amount, `${at}: authorized`);
      assert.equal(p.fee_minor, 0n, `${at}: no fee before the capture`);
      break;
    case 'captured':
    case 'partially_refunded':
    case 'refunded':
      assert.ok(captured > 0n, `${at}: nothing captured`);
      if (p.flow === 'charge') assert.equal(captured, amount, `${at}: a charge captures its amount`);
      assert.equal(p.fee_minor, feeFor(captured, terms), `${at}: fee of what was captured`);
      assert.ok(p.paid_at !== null, `${at}: paid_at`);
      if (p.status === 'captured') assert.equal(refunded, 0n, `${at}: refunded`);
      if (p.status === 'partially_refunded')
        assert.ok(refunded > 0n && refunded < captured, `${at}: refunded ${refunded} of ${captured}`);
      if (p.status === 'refunded') assert.equal(refunded, captured, `${at}: refunded`);
      break;
    default:
      assert.fail(`${at}: unknown status`);
  }
  // a challenge is awaited only while pending (and kept while its continuation is unknown)
  assert.ok(
    p.status === 'pending' || (p.status === 'unknown' && p.op_in_flight === '3ds') || p.challenge === null,
    `${at}: a challenge outside pending`,
  );
  if (p.op_in_flight !== null)
    assert.ok(
      p.status === 'authorized' || (p.op_in_flight === '3ds' && ['pending', 'unknown'].includes(p.status)),
      `${at}: ${p.op_in_flight} in flight`,
    );
  // only the deadline releases a hold as an expiry, and only once it has passed
  if (p.op_in_flight?.startsWith('expiry#'))
    assert.ok(p.expires_at <= BigInt(nowMs), `${at}: ${p.op_in_flight} before its deadline`);

  const settled = refunds.filter((r) => r.status === 'succeeded');
  const open = refunds.filter((r) => r.status === 'pending' || r.status === 'unknown');
  const live = [...settled, ...open];
  assert.equal(sum(settled.map((r) => r.amount_minor)), refunded, `${at}: succeeded refunds`);
  assert.equal(sum(open.map((r) => r.amount_minor)), reserved, `${at}: refunds in flight`);
  for (const r of refunds) {
    assert.ok(r.amount_minor > 0n, `${at}: refund ${r.id} of ${r.amount_minor}`);
    assert.ok(r.fee_minor >= 0n && r.fee_minor <= r.amount_minor, `${at}: refund ${r.id} fee ${r.fee_minor}`);
    assert.equal(r.currency, p.currency, `${at}: refund ${r.id} currency`);
  }
  const returned = sum(live.map((r) => r.fee_minor));
  assert.ok(returned <= p.fee_minor, `${at}: refunds give back ${returned} of a fee of ${p.fee_minor}`);
  if (p.status === 'refunded')
    assert.equal(returned, p.fee_minor, `${at}: a full refund gives back the whole fee`);
}

type Bucket = { count: bigint; amount: bigint; captured: bigint; refunded: bigint; fee: bigint };
const addTo = (map: Map<string, Bucket>, key: string, b: Bucket) => {
  const s = map.get(key) ?? { count: 0n, amount: 0n, captured: 0n, refunded: 0n, fee: 0n };
  map.set(key, {
    count: s.count + b.count,
    amount: s.amount + b.amount,
    captured: s.captured + b.captured,
    refunded: s.refunded + b.refunded,
    fee: s.fee + b.fee,
  });
};
const bucketsText = (map: Map<string, Bucket>) =>
  [...map]
    .filter(
      ([, b]) => b.count !== 0n || b.amount !== 0n || b.captured !== 0n || b.refunded !== 0n || b.fee !== 0n,
    )
    .map(([k, b]) => `${k} n=${b.count} a=${b.amount} c=${b.captured} r=${b.refunded} f=${b.fee}`)
    .sort();

async function checkInvariants(gw: TestGateway, m: Model, step: string): Promise<void> {
  try {
    await assertLedgerBalanced(gw.engine);
    const { db } = gw.database;
    const ids = [...m.merchants];
    const payments = await db.selectFrom('payments').selectAll().where('merchant_id', 'in', ids).execute();
    const refunds = await db.selectFrom('refunds').selectAll().where('merchant_id', 'in', ids).execute();
    const payouts = await db.selectFrom('payouts').selectAll().where('merchant_id', 'in', ids).execute();
    const accounts = await db
      .selectFrom('ledger_accounts')
      .selectAll()
      .where('merchant_id', 'in', ids)
      .execute();

    for (const a of accounts)
      if (a.non_negative === 1n) assert.ok(a.balance_minor >= 0n, `${a.id} is ${a.balance_minor}`);

    const refundsOf = new Map<bigint, RefundRow[]>();
    for (const r of refunds) refundsOf.set(r.payment_id, [...(refundsOf.get(r.payment_id) ?? []), r]);
    for (const p of payments) checkPayment(p, refundsOf.get(p.id) ?? [], gw.clock.ms);
    for (const r of refunds)
      assert.ok(
        payments.some((p) => p.id === r.payment_id && p.merchant_id === r.merchant_id),
        `refund ${r.id} of a payment of its merchant`,
      );

    // The books say what the payments, refunds and payouts say, account by account.
    const live = (s: string) => s !== 'failed';
    const inFlight = (s: string) => s === 'pending' || s === 'unknown';
    const paid = (s: string) => ['captured', 'partially_refunded', 'refunded'].includes(s);
    const pairs = new Set([
      ...payments.map((p) => `${p.merchant_id}:${p.currency}`),
      ...payouts.map((p) => `${p.merchant_id}:${p.currency}`),
      ...accounts.map((a) => `${a.merchant_id}:${a.currency}`),
    ]);
    for (const pair of pairs) {
      const mine = <T extends { merchant_id: bigint; currency: string }>(rows: T[]) =>
        rows.filter((r) => `${r.merchant_id}:${r.currency}` === pair);
      const ps = mine(payments);
      const rs = mine(refunds);
      const os = mine(payouts);
      const captured = sum(ps.filter((p) => paid(p.status)).map((p) => p.captured_minor));
      const fees = sum(ps.filter((p) => paid(p.status)).map((p) => p.fee_minor));
      const liveRefunds = rs.filter((r) => live(r.status));
      const livePayouts = os.filter((o) => live(o.status));
      const expected: Record<string, bigint> = {
        acquirer: -captured + sum(rs.filter((r) => r.status === 'succeeded').map((r) => r.amount_minor)),
        held: sum(ps.filter((p) => p.status === 'authorized').map((p) => p.authorized_minor)),
        holds: -sum(ps.filter((p) => p.status === 'authorized').map((p) => p.authorized_minor)),
        refunds_pending: sum(rs.filter((r) => inFlight(r.status)).map((r) => r.amount_minor)),
        payouts_pending: sum(os.filter((o) => inFlight(o.status)).map((o) => o.amount_minor)),
        payouts_out: sum(os.filter((o) => o.status === 'succeeded').map((o) => o.amount_minor)),
        fees: fees - sum(liveRefunds.map((r) => r.fee_minor)) + sum(livePayouts.map((o) => o.fee_minor)),
        available:
          captured -
          fees -
          sum(liveRefunds.map((r) => r.amount_minor - r.fee_minor)) -
          sum(livePayouts.map((o) => o.amount_minor + o.fee_minor)),
      };
      const actual = Object.fromEntries(
        Object.keys(expected).map((k) => [k, mine(accounts).find((a) => a.kind === k)?.balance_minor ?? 0n]),
      );
      assert.deepEqual(actual, expected, `ledger of ${pair} against its payments, refunds and payouts`);
    }

    // Each payment, refund and payout moved exactly its own money, account by account.
    const expectedMoves = new Map<string, bigint>();
    const move = (ref: string, currency: string, kind: string, amount: bigint) => {
      if (amount !== 0n) expectedMoves.set(`${ref} ${currency}:${kind}`, amount);
    };
    for (const p of payments) {
      const ref = `payment ${p.id}`;
      const held = p.status === 'authorized' ? p.authorized_minor : 0n;
      move(ref, p.currency, 'held', held);
      move(ref, p.currency, 'holds', -held);
      if (paid(p.status)) {
        move(ref, p.currency, 'acquirer', -p.captured_minor);
        move(ref, p.currency, 'available', p.captured_minor - p.fee_minor);
        move(ref, p.currency, 'fees', p.fee_minor);
      }
    }
    for (const r of refunds) {
      const ref = `refund ${r.id}`;
      move(ref, r.currency, 'refunds_pending', inFlight(r.status) ? r.amount_minor : 0n);
      move(ref, r.currency, 'acquirer', r.status === 'succeeded' ? r.amount_minor : 0n);
      move(ref, r.currency, 'available', live(r.status) ? -(r.amount_minor - r.fee_minor) : 0n);
      move(ref, r.currency, 'fees', live(r.status) ? -r.fee_minor : 0n);
    }
    for (const o of payouts) {
      const ref = `payout ${o.id}`;
      move(ref, o.currency, 'payouts_pending', inFlight(o.status) ? o.amount_minor : 0n);
      move(ref, o.currency, 'payouts_out', o.status === 'succeeded' ? o.amount_minor : 0n);
      move(ref, o.currency, 'available', live(o.status) ? -(o.amount_minor + o.fee_minor) : 0n);
      move(ref, o.currency, 'fees', live(o.status) ? o.fee_minor : 0n);
    }
    const moved = await db
      .selectFrom('ledger_postings as lp')
      .innerJoin('ledger_entries as e', 'e.id', 'lp.entry_id')
      .select(['e.ref_type', 'e.ref_id', 'lp.account_id', sql<bigint>`sum(lp.amount_minor)`.as('total')])
      .where('e.merchant_id', 'in', ids)
      .groupBy(['e.ref_type', 'e.ref_id', 'lp.account_id'])
      .execute();
    const actualMoves = new Map<string, bigint>();
    for (const x of moved) {
      const [, currency, kind] = x.account_id.split(':');
      if (BigInt(x.total) !== 0n)
        actualMoves.set(`${x.ref_type} ${x.ref_id} ${currency}:${kind}`, BigInt(x.total));
    }
    const movesText = (moves: Map<string, bigint>) => [...moves].map(([k, v]) => `${k} ${v}`).sort();
    assert.deepEqual(movesText(actualMoves), movesText(expectedMoves), 'ledger postings by operation');

    // Every payment went through the state machine, one recorded move at a time.
    const events = await db
      .selectFrom('payment_events as ev')
      .innerJoin('payments as p', 'p.id', 'ev.payment_id')
      .select(['ev.payment_id', 'ev.from_status', 'ev.to_status'])
      .where('p.merchant_id', 'in', ids)
      .orderBy('ev.id')
      .execute();
    for (const p of payments) {
      const path = events.filter((e) => e.payment_id === p.id);
      const text = `payment ${p.id}: ${path.map((e) => `${e.from_status}→${e.to_status}`).join(' ')}`;
      assert.ok(path.length > 0 && path[0]!.from_status === null && path[0]!.to_status === 'created', text);
      for (let i = 1; i < path.length; i++) {
        const { from_status: from, to_status: to } = path[i]!;
        assert.equal(from, path[i - 1]!.to_status, text);
        assert.ok(transition(paymentMachine, from as PaymentStatus, to as PaymentStatus).ok, text);
      }
      assert.equal(path.at(-1)!.to_status, p.status, text);
    }

    // Per-day statistics are a recount of the payments table.
    const timeZone = gw.engine.deps.config.statsTimeZone;
    for (const merchantId of ids) {
      const recount = new Map<string, Bucket>();
      for (const p of payments.filter((x) => x.merchant_id === merchantId))
        addTo(recount, `${dayOf(timeZone, p.created_at)}|${p.system}|${p.status}|${p.currency}`, {
          count: 1n,
          amount: p.amount_minor,
          captured: p.captured_minor,
          refunded: p.refunded_minor,
          fee: p.fee_minor,
        });
      const reported = new Map<string, Bucket>();
      for (const s of await gw.engine.statistics({ merchantId, fromDay: '2000-01-01', toDay: '2999-12-31' }))
        addTo(reported, `${s.day}|${s.system}|${s.status}|${s.currency}`, {
          count: s.count,
          amount: s.amountMinor,
          captured: s.capturedMinor,
          refunded: s.refundedMinor,
          fee: s.feeMinor,
        });
      assert.deepEqual(bucketsText(reported), bucketsText(recount), `statistics of merchant ${merchantId}`);
      // buckets left with no payments (hidden by the API) hold no money either
      const raw = new Map<string, Bucket>();
      const rows = await db
        .selectFrom('daily_stats')
        .selectAll()
        .where('merchant_id', '=', merchantId)
        .execute();
      for (const s of rows)
        addTo(raw, `${s.day}|${s.system}|${s.status}|${s.currency}`, {
          count: s.count,
          amount: s.amount_minor,
          captured: s.captured_minor,
          refunded: s.refunded_minor,
          fee: s.fee_minor,
        });
      assert.deepEqual(bucketsText(raw), bucketsText(recount), `daily_stats rows of merchant ${merchantId}`);
    }
  } catch (error) {
    if (error instanceof Error) error.message = `after ${step}: ${error.message}`;
    throw error;
  }
}

// ---- steps ----

/** How often each step ended how (KOPEK_MODEL_DEBUG=1 prints it): the paths a run really took. */
const tally = new Map<string, number>();
const count = (what: string) => tally.set(what, (tally.get(what) ?? 0) + 1);
const timing = new Map<string, [number, number, number]>();
const spent = (step: string, act: number, check: number) => {
  const [n, a, c] = timing.get(step) ?? [0, 0, 0];
  timing.set(step, [n + 1, a + act, c + check]);
};

abstract class Step implements fc.AsyncCommand<Model, Real> {
  check(_m: Readonly<Model>): boolean {
    return true;
  }
  async run(m: Model, r: Real): Promise<void> {
    const started = performance.now();
    try {
      await this.act(m, r.gw);
    } catch (error) {
      if (error instanceof Error) error.message = `${this}: ${error.message}`;
      throw error;
    }
    const acted = performance.now();
    await checkInvariants(r.gw, m, this.toString());
    spent(this.constructor.name, acted - started, performance.now() - acted);
  }
  abstract act(m: Model, gw: TestGateway): Promise<void>;
  abstract toString(): string;
}

/**
 * Which payment a step acts on: mostly the `index`-th newest of the run's payments in a status
 * the step fits (read from the database when the step runs), else the `index`-th of all of them.
 */
type Target = { index: number; aim: boolean };

/** A step on one of the payments made so far. */
abstract class PaymentStep extends Step {
  /** The statuses this step is meant for. */
  abstract readonly aims: readonly PaymentStatus[];
  constructor(readonly at: Target) {
    super();
  }
  override check(m: Readonly<Model>): boolean {
    return m.payments.length > 0;
  }
  get ref(): string {
    return this.at.aim ? `${this.aims[0]}#${this.at.index}` : `#${this.at.index}`;
  }
  async target(m: Model, gw: TestGateway): Promise<ModelPayment> {
    if (this.at.aim) {
      const fits = await gw.database.db
        .selectFrom('payments')
        .select('id')
        .where('merchant_id', 'in', [...m.merchants])
        .where('status', 'in', [...this.aims])
        .orderBy('id', 'desc')
        .execute();
      const id = fits[this.at.index % Math.max(fits.length, 1)]?.id;
      const found = m.payments.find((p) => p.id === id);
      if (found) return found;
    }
    return pick(m, this.at.index);
  }
}

const faultText = (f: Fault) => (f === 'none' ? '' : ` [${f}]`);

class Create extends Step {
  constructor(
    readonly c: {
      merchant: 0 | 1;
      flow: Flow;
      currency: Currency;
      amountMinor: bigint;
      ttlMs: number | null;
      /** The merchant sends the create again: after the answer, or while the first is running. */
      retry: 'no' | 'retry' | 'race';
    },
  ) {
    super();
  }
  toString() {
    const { merchant, flow, currency, amountMinor, ttlMs, retry } = this.c;
    return `create(m${merchant} ${flow} ${amountMinor} ${currency}${ttlMs ? ` ttl ${ttlMs}` : ''}${retry === 'no' ? '' : ` +${retry}`})`;
  }
  async act(m: Model, gw: TestGateway) {
    const { flow, currency, amountMinor, ttlMs, retry } = this.c;
    const merchantId = m.merchants[this.c.merchant];
    const cmd = {
      merchantId,
      origin: 'core' as const,
      amountMinor,
      currency,
      flow,
      externalId: `ord-${m.nextRef++}`,
      ...(ttlMs === null ? {} : { expiresAt: new Date(gw.clock.ms + ttlMs) }),
    };
    let r: Awaited<ReturnType<typeof gw.engine.createPayment>>;
    if (retry === 'race') {
      // the merchant's retry overtakes its first request: one payment, both answer with it
      const [a, b] = await Promise.all([gw.engine.createPayment(cmd), gw.engine.createPayment(cmd)]);
      assert.equal(codeOf(a), codeOf(b));
      if (a.ok && b.ok) {
        assert.equal(a.value.payment.id, b.value.payment.id, 'one payment per external id');
        assert.deepEqual([a.value.created, b.value.created].sort(), [false, true]);
      }
      r = a.ok && !a.value.created ? b : a;
    } else r = await gw.engine.createPayment(cmd);
    count(`create: ${outcomeOf(r)}`);
    if (amountMinor <= 0n) {
      expectFail(r, 'invalid_amount');
      return;
    }
    const { payment, created } = unwrap(r);
    assert.equal(created, true);
    assert.equal(payment.status, 'created');
    assert.equal(payment.amountMinor, amountMinor);
    const terms = payFee(m, merchantId, currency);
    assert.equal(payment.feeMinor, feeFor(amountMinor, terms));
    m.payments.push({ id: payment.id, merchantId, currency, flow, amountMinor, terms });
    if (retry === 'retry') {
      const again = unwrap(await gw.engine.createPayment(cmd));
      assert.equal(again.created, false);
      assert.equal(again.payment.id, payment.id);
      const other = amountMinor === limits.amountMinorMax ? amountMinor - 1n : amountMinor + 1n;
      expectFail(
        await gw.engine.createPayment({ ...cmd, amountMinor: other }),
        'exists_with_different_amount',
      );
    }
  }
}

/** What the bank's answer to an authorization does to a payment that was waiting for it. */
const afterAnswer = (p: Payment, answer: 'approved' | 'declined') =>
  answer === 'approved'
    ? p.flow === 'charge'
      ? 'captured'
      : 'authorized'
    : p.attempts < p.attemptsMax
      ? 'created'
      : 'failed';

class Pay extends PaymentStep {
  readonly aims: readonly PaymentStatus[] = ['created'];
  constructor(
    at: Target,
    readonly cardKind: CardKind,
    readonly fault: Fault,
  ) {
    super(at);
  }
  toString() {
    return `pay(${this.ref} ${this.cardKind}${faultText(this.fault)})`;
  }
  async act(m: Model, gw: TestGateway) {
    const { id } = await this.target(m, gw);
    const before = await read(gw, id);
    const r = await withFault(gw, 'authorize', this.fault, () =>
      quickTimeout(gw, this.cardKind === 'timeout', () =>
        gw.engine.payWithCard({ payment: { id }, card: testCard(this.cardKind) }),
      ),
    );
    count(`pay: ${outcomeOf(r)}`);
    if (before.status !== 'created') {
      failWithOneOf(r, ['illegal_transition', 'payment_expired'], `pay a ${before.status} payment`);
      return;
    }
    if (before.expiresAt.getTime() <= gw.clock.ms) {
      expectFail(r, 'payment_expired');
      assert.equal((await read(gw, id)).status, 'expired');
      return;
    }
    const after = unwrap(r).payment;
    assert.equal(after.attempts, before.attempts + 1);
    const expected =
      this.fault !== 'none' || this.cardKind === 'timeout'
        ? 'unknown'
        : approving.includes(this.cardKind)
          ? afterAnswer(after, 'approved')
          : declining.includes(this.cardKind)
            ? afterAnswer(after, 'declined')
            : 'pending';
    assert.equal(after.status, expected);
    if (expected === 'pending')
      assert.equal(after.challenge?.version, this.cardKind === 'challengeV1' ? '1' : '2');
  }
}

class ThreeDs extends PaymentStep {
  readonly aims: readonly PaymentStatus[] = ['pending'];
  constructor(
    at: Target,
    readonly otpRight: boolean,
    readonly fault: Fault,
  ) {
    super(at);
  }
  toString() {
    return `3ds(${this.ref} ${this.otpRight ? 'right' : 'wrong'} code${faultText(this.fault)})`;
  }
  async act(m: Model, gw: TestGateway) {
    const { id } = await this.target(m, gw);
    const before = await read(gw, id);
    const ch = before.challenge;
    if (before.status !== 'pending' || !ch || before.opInFlight) {
      // a stale answer re-posted by the back button
      const r = await gw.engine.continueThreeDs({
        payment: { id },
        result: { version: '2', cres: 'eyJmb3JnZWQiOnRydWV9' },
      });
      count(`3ds-stale: ${outcomeOf(r)}`);
      expectFail(r, 'illegal_transition');
      return;
    }
    const answer = gw.simulator.acs.answer(
      ch.version === '1' ? ch.form.PaReq : ch.form.creq,
      this.otpRight ? testOtp : '000000',
    );
    if (!answer.ok) {
      // the ACS takes no answer once the challenge has lapsed
      assert.ok(ch.expiresAt && Date.parse(ch.expiresAt) <= gw.clock.ms, `ACS refused: ${answer.error}`);
      return;
    }
    const a = answer.value;
    const r = await withFault(gw, 'continue3ds', this.fault, () =>
      gw.engine.continueThreeDs({
        payment: { id },
        result:
          a.version === '1'
            ? { version: '1', paRes: a.paRes, md: a.md }
            : { version: '2', cres: a.cres, threeDSSessionData: a.threeDSSessionData },
      }),
    );
    count(`3ds: ${outcomeOf(r)}`);
    if (before.expiresAt.getTime() <= gw.clock.ms) {
      expectFail(r, 'payment_expired');
      return;
    }
    const after = unwrap(r).payment;
    const expected =
      this.fault !== 'none' ? 'unknown' : afterAnswer(after, this.otpRight ? 'approved' : 'declined');
    assert.equal(after.status, expected);
  }
}

type Part = 'full' | 'zero' | 'over' | number;
const partText = (p: Part | RefundPart) => (typeof p === 'number' ? `${p / 10_000}%` : p);

class Capture extends PaymentStep {
  readonly aims: readonly PaymentStatus[] = ['authorized'];
  constructor(
    at: Target,
    readonly amount: Part,
    readonly fault: Fault,
  ) {
    super(at);
  }
  toString() {
    return `capture(${this.ref} ${partText(this.amount)}${faultText(this.fault)})`;
  }
  async act(m: Model, gw: TestGateway) {
    const { id, merchantId, terms } = await this.target(m, gw);
    const before = await read(gw, id);
    const a = this.amount;
    const amountMinor =
      a === 'full'
        ? undefined
        : a === 'zero'
          ? 0n
          : a === 'over'
            ? before.authorizedMinor + 1n
            : part(before.authorizedMinor, a);
    const r = await withFault(gw, 'capture', this.fault, () =>
      gw.engine.capturePayment({ merchantId, paymentId: id, amountMinor }),
    );
    count(`capture: ${outcomeOf(r)}`);
    if (before.status === 'expired' || lapsing(before)) {
      expectFail(r, 'payment_expired');
      return;
    }
    if (before.status !== 'authorized' || before.opInFlight) {
      expectFail(r, 'illegal_transition');
      return;
    }
    if (before.expiresAt.getTime() <= gw.clock.ms) {
      expectFail(r, 'payment_expired');
      // released at the bank by a void of the capture's own, here without fault
      assert.equal((await read(gw, id)).status, 'expired', 'a hold past its deadline lapses');
      return;
    }
    if (a === 'zero') {
      expectFail(r, 'invalid_amount');
      return;
    }
    if (a === 'over') {
      expectFail(r, 'capture_exceeds_authorized');
      return;
    }
    if (this.fault !== 'none') {
      expectFail(r, 'connector_unavailable');
      const after = await read(gw, id);
      assert.equal(after.status, 'authorized');
      assert.ok(after.opInFlight?.startsWith('capture:'));
      return;
    }
    const after = unwrap(r);
    const captured = amountMinor ?? before.authorizedMinor;
    assert.equal(after.status, 'captured');
    assert.equal(after.capturedMinor, captured);
    assert.equal(after.feeMinor, feeFor(captured, terms), 'the fee terms the hold was created under');
  }
}

class Void extends PaymentStep {
  readonly aims: readonly PaymentStatus[] = ['authorized'];
  constructor(
    at: Target,
    readonly fault: Fault,
  ) {
    super(at);
  }
  toString() {
    return `void(${this.ref}${faultText(this.fault)})`;
  }
  async act(m: Model, gw: TestGateway) {
    const { id, merchantId } = await this.target(m, gw);
    const before = await read(gw, id);
    const r = await withFault(gw, 'void', this.fault, () =>
      gw.engine.voidPayment({ merchantId, paymentId: id }),
    );
    count(`void: ${outcomeOf(r)}`);
    if (before.status === 'expired' || lapsing(before)) {
      expectFail(r, 'payment_expired');
      return;
    }
    if (before.status !== 'authorized' || before.opInFlight) {
      expectFail(r, 'illegal_transition');
      return;
    }
    // past its deadline too: a void still goes to the bank, which releases the money
    if (this.fault !== 'none') {
      expectFail(r, 'connector_unavailable');
      return;
    }
    assert.equal(unwrap(r).status, 'canceled');
  }
}

type RefundPart = 'rest' | 'zero' | 'over' | number;

/** What one refund request may answer, given the payment as it was before. */
function checkRefundAnswer(
  m: Model,
  before: Payment,
  amount: RefundPart,
  fault: Fault,
  r: Awaited<ReturnType<TestGateway['engine']['refundPayment']>>,
  concurrent: boolean,
  retried = false,
): bigint {
  const remaining = before.capturedMinor - before.refundedMinor - before.refundReservedMinor;
  if (!isRefundable(before.status)) {
    expectFail(r, 'illegal_transition');
    return 0n;
  }
  if (amount === 'zero') {
    expectFail(r, 'invalid_amount');
    return 0n;
  }
  const requested = refundAmount(before, amount);
  if (requested === undefined ? remaining === 0n : requested > remaining) {
    expectFail(r, 'refund_exceeds_captured');
    return 0n;
  }
  if (!r.ok) {
    const allowed = concurrent ? ['refund_exceeds_captured', 'illegal_transition'] : [];
    // a payment's money that is still with the merchant covers its own refund: only payouts
    // can have taken it
    if (m.paidOut.has(`${before.merchantId}:${before.currency}`)) allowed.push('insufficient_balance');
    failWithOneOf(r, allowed, `refund of ${partText(amount)} with ${remaining} refundable`);
    return 0n;
  }
  const { refund } = r.value;
  if (typeof amount === 'number') assert.equal(refund.amountMinor, part(remaining, amount));
  else if (!concurrent) assert.equal(refund.amountMinor, remaining);
  const settled = fault === 'none' ? 'succeeded' : 'unknown';
  // a retry racing the original answers with the refund as it is: maybe still with the bank
  if (retried) assert.ok([settled, 'pending'].includes(refund.status), `retried refund ${refund.status}`);
  else assert.equal(refund.status, settled);
  return refund.amountMinor;
}

const refundAmount = (before: Payment, amount: RefundPart): bigint | undefined => {
  const remaining = before.capturedMinor - before.refundedMinor - before.refundReservedMinor;
  return amount === 'rest'
    ? undefined
    : amount === 'zero'
      ? 0n
      : amount === 'over'
        ? remaining + 1n
        : part(remaining, amount);
};

class Refund extends PaymentStep {
  readonly aims: readonly PaymentStatus[] = ['captured', 'partially_refunded'];
  constructor(
    at: Target,
    readonly amount: RefundPart,
    readonly fault: Fault,
  ) {
    super(at);
  }
  toString() {
    return `refund(${this.ref} ${partText(this.amount)}${faultText(this.fault)})`;
  }
  async act(m: Model, gw: TestGateway) {
    const { id, merchantId } = await this.target(m, gw);
    const before = await read(gw, id);
    const r = await withFault(gw, 'refund', this.fault, () =>
      gw.engine.refundPayment({ merchantId, paymentId: id, amountMinor: refundAmount(before, this.amount) }),
    );
    count(`refund: ${outcomeOf(r)}`);
    const refunded = checkRefundAnswer(m, before, this.amount, this.fault, r, false);
    if (r.ok && this.fault === 'none') {
      const after = await read(gw, id);
      assert.equal(after.refundedMinor, before.refundedMinor + refunded);
      assert.equal(
        after.status,
        after.refundedMinor === after.capturedMinor ? 'refunded' : 'partially_refunded',
      );
    }
  }
}

class RefundPair extends PaymentStep {
  readonly aims: readonly PaymentStatus[] = ['captured', 'partially_refunded'];
  constructor(
    at: Target,
    readonly a: RefundPart,
    readonly b: RefundPart,
    readonly fault: Fault,
    /** Both requests carry one refund external id: a retry racing the original. */
    readonly retry: boolean,
  ) {
    super(at);
  }
  toString() {
    const b = this.retry ? 'same id' : partText(this.b);
    return `refund‖refund(${this.ref} ${partText(this.a)} ‖ ${b}${faultText(this.fault)})`;
  }
  async act(m: Model, gw: TestGateway) {
    const { id, merchantId } = await this.target(m, gw);
    const before = await read(gw, id);
    const amounts = [this.a, this.retry ? this.a : this.b] as const;
    const externalId = this.retry ? `rf-${m.nextRef++}` : undefined;
    const [ra, rb] = await withFault(gw, 'refund', this.fault, () =>
      Promise.all(
        amounts.map((amount) =>
          gw.engine.refundPayment({
            merchantId,
            paymentId: id,
            amountMinor: refundAmount(before, amount),
            ...(externalId === undefined ? {} : { externalId }),
          }),
        ),
      ),
    );
    count(`refund pair${this.retry ? ' (one id)' : ''}: ${outcomeOf(ra!)} + ${outcomeOf(rb!)}`);
    if (this.retry) {
      // one refund, whichever request made it; the other answers with it
      assert.equal(codeOf(ra!), codeOf(rb!), 'a retry answers as the original');
      if (ra!.ok && rb!.ok) assert.equal(ra!.value.refund.id, rb!.value.refund.id);
      const made = await gw.database.db
        .selectFrom('refunds')
        .select('id')
        .where('merchant_id', '=', merchantId)
        .where('external_id', '=', externalId!)
        .execute();
      assert.equal(made.length, ra!.ok ? 1 : 0, 'refunds made under one external id');
      for (const r of [ra!, rb!]) checkRefundAnswer(m, before, this.a, this.fault, r, true, true);
      return;
    }
    const total =
      checkRefundAnswer(m, before, this.a, this.fault, ra!, true) +
      checkRefundAnswer(m, before, this.b, this.fault, rb!, true);
    const remaining = before.capturedMinor - before.refundedMinor - before.refundReservedMinor;
    assert.ok(total <= remaining, `two refunds took ${total} of ${remaining}`);
  }
}

class Payout extends Step {
  constructor(
    readonly c: {
      merchant: 0 | 1;
      currency: Currency;
      /** Instead: the `index`-th merchant and currency with money available, if any. */
      funded: boolean;
      index: number;
      amount: number | bigint;
      cardKind: CardKind;
      fault: Fault;
    },
  ) {
    super();
  }
  toString() {
    const { merchant, currency, funded, index, amount, cardKind, fault } = this.c;
    const how = typeof amount === 'number' ? `${amount / 10_000}% of available` : `${amount}`;
    const from = funded ? `funded#${index}` : `m${merchant} ${currency}`;
    return `payout(${from} ${how} to ${cardKind}${faultText(fault)})`;
  }
  async act(m: Model, gw: TestGateway) {
    const { amount, cardKind, fault } = this.c;
    let merchantId: bigint = m.merchants[this.c.merchant];
    let currency = this.c.currency;
    if (this.c.funded) {
      const funded = await gw.database.db
        .selectFrom('ledger_accounts')
        .select(['merchant_id', 'currency'])
        .where('merchant_id', 'in', [...m.merchants])
        .where('kind', '=', 'available')
        .where('balance_minor', '>', 0n)
        .orderBy('id')
        .execute();
      const chosen = funded[this.c.index % Math.max(funded.length, 1)];
      if (chosen) {
        merchantId = chosen.merchant_id;
        currency = chosen.currency as Currency;
      }
    }
    const available = (await gw.engine.balances(merchantId, currency)).available ?? 0n;
    const amountMinor = typeof amount === 'number' ? part(available, amount) : amount;
    const feeMinor = feeFor(amountMinor, payoutFee(m, merchantId, currency));
    m.paidOut.add(`${merchantId}:${currency}`);
    const r = await withFault(gw, 'payout', fault, () =>
      quickTimeout(gw, cardKind === 'timeout', () =>
        gw.engine.createPayout({
          merchantId,
          amountMinor,
          currency,
          destination: { kind: 'card', card: testCard(cardKind) },
        }),
      ),
    );
    count(`payout: ${outcomeOf(r)}`);
    if (amountMinor > limits.amountMinorMax) {
      expectFail(r, 'invalid_amount');
      return;
    }
    if (amountMinor + feeMinor > available) {
      expectFail(r, 'insufficient_balance');
      return;
    }
    const payout = unwrap(r);
    assert.equal(payout.feeMinor, feeMinor);
    assert.equal(
      payout.status,
      fault !== 'none' || cardKind === 'timeout'
        ? 'unknown'
        : declining.includes(cardKind)
          ? 'failed'
          : 'succeeded',
    );
  }
}

/** Two requests at once, as a double click or two back ends would send them: one of them wins. */
const raceKinds = {
  'capture‖void': ['authorized'],
  'capture‖capture': ['authorized'],
  'void‖expiry': ['authorized'],
  'pay‖pay': ['created'],
  'cancel‖pay': ['created'],
  '3ds‖3ds': ['pending'],
  '3ds‖cancel': ['pending'],
  'refund‖janitor': ['captured', 'partially_refunded'],
} as const;
type RaceKind = keyof typeof raceKinds;

class Race extends PaymentStep {
  readonly aims: readonly PaymentStatus[];
  constructor(
    at: Target,
    readonly kind: RaceKind,
  ) {
    super(at);
    this.aims = raceKinds[kind];
  }
  toString() {
    return `race(${this.kind} ${this.ref})`;
  }
  async act(m: Model, gw: TestGateway) {
    const { id, merchantId } = await this.target(m, gw);
    const before = await read(gw, id);
    const ref = { merchantId, paymentId: id };
    const pay = () => gw.engine.payWithCard({ payment: { id }, card: testCard('approved') });
    const cancelByPayer = () => gw.engine.cancelPayment({ id });
    const fits = this.aims.includes(before.status) && !before.opInFlight;
    const due = before.expiresAt.getTime() <= gw.clock.ms;
    const open = fits && !due;
    let results: Result<unknown, EngineError>[];
    switch (this.kind) {
      case 'capture‖void':
        results = await Promise.all([gw.engine.capturePayment(ref), gw.engine.voidPayment(ref)]);
        break;
      case 'capture‖capture':
        results = await Promise.all([
          gw.engine.capturePayment(ref),
          gw.engine.capturePayment({ ...ref, amountMinor: part(before.authorizedMinor, 500_000) }),
        ]);
        break;
      case 'void‖expiry': {
        const [voided] = await Promise.all([gw.engine.voidPayment(ref), gw.engine.expireIfDue({ id })]);
        results = [voided];
        break;
      }
      case 'pay‖pay':
        results = await Promise.all([pay(), pay()]);
        break;
      case 'cancel‖pay':
        results = await Promise.all([gw.engine.cancelPayment({ id }, merchantId), pay()]);
        break;
      case '3ds‖3ds':
      case '3ds‖cancel': {
        const ch = before.challenge;
        if (!open || !ch) return;
        const answer = gw.simulator.acs.answer(ch.version === '1' ? ch.form.PaReq : ch.form.creq, testOtp);
        if (!answer.ok) return;
        const a = answer.value;
        const result =
          a.version === '1'
            ? { version: '1' as const, paRes: a.paRes, md: a.md }
            : { version: '2' as const, cres: a.cres, threeDSSessionData: a.threeDSSessionData };
        const answered = () => gw.engine.continueThreeDs({ payment: { id }, result });
        // the payer submits the ACS form twice, or gives up on the page while it submits
        results = await Promise.all([answered(), this.kind === '3ds‖3ds' ? answered() : cancelByPayer()]);
        break;
      }
      case 'refund‖janitor': {
        // a refund while a janitor settles whatever this payment (or any other) left unknown
        const [refunded] = await Promise.all([
          gw.engine.refundPayment({ ...ref, amountMinor: refundAmount(before, 500_000) }),
          gw.engine.resolveUnsettled(),
        ]);
        if (!fits) expectFail(refunded, 'illegal_transition');
        else checkRefundAnswer(m, before, 500_000, 'none', refunded, true);
        count(`race ${this.kind}: ${outcomeOf(refunded)}`);
        return;
      }
    }
    count(`race ${this.kind}: ${results.map(outcomeOf).join(' + ')}`);
    const wins = results.filter((r) => r.ok).length;
    const winners = `winners: ${results.map(outcomeOf)} on a ${before.status} payment`;
    // past the deadline, a void may still reach the bank or find the hold lapsed, and a
    // merchant may still withdraw a payment the sweep has not expired yet
    if (fits && due && (this.kind.includes('void') || this.kind.startsWith('cancel')))
      assert.ok(wins <= 1, winners);
    else assert.equal(wins, open ? 1 : 0, winners);
    const after = await read(gw, id);
    if (this.kind.startsWith('pay') || this.kind.startsWith('cancel'))
      assert.ok(after.attempts <= before.attempts + 1, 'one card attempt reached the bank');
  }
}

class PayoutRace extends Step {
  constructor(
    readonly index: number,
    /** Both carry one external id: a retry racing the original. */
    readonly retry: boolean,
  ) {
    super();
  }
  toString() {
    return `race(payout‖payout${this.retry ? ' one id' : ''} funded#${this.index})`;
  }
  async act(m: Model, gw: TestGateway) {
    const funded = await gw.database.db
      .selectFrom('ledger_accounts')
      .select(['merchant_id', 'currency', 'balance_minor'])
      .where('merchant_id', 'in', [...m.merchants])
      .where('kind', '=', 'available')
      .where('balance_minor', '>', 0n)
      .orderBy('id')
      .execute();
    const chosen = funded[this.index % Math.max(funded.length, 1)];
    if (!chosen) return;
    const currency = chosen.currency as Currency;
    const amountMinor = chosen.balance_minor / 2n + 1n; // more than half: two never fit
    if (amountMinor > limits.amountMinorMax) return;
    const feeMinor = feeFor(amountMinor, payoutFee(m, chosen.merchant_id, currency));
    const externalId = this.retry ? `po-${m.nextRef++}` : undefined;
    m.paidOut.add(`${chosen.merchant_id}:${currency}`);
    const payout = () =>
      gw.engine.createPayout({
        merchantId: chosen.merchant_id,
        amountMinor,
        currency,
        destination: { kind: 'card', card: testCard('approved') },
        ...(externalId === undefined ? {} : { externalId }),
      });
    const results = await Promise.all([payout(), payout()]);
    count(`race payout‖payout${this.retry ? ' one id' : ''}: ${results.map(outcomeOf).join(' + ')}`);
    for (const r of results) if (!r.ok) expectFail(r, 'insufficient_balance');
    const fits = amountMinor + feeMinor <= chosen.balance_minor;
    const wins = results.filter((r) => r.ok);
    if (this.retry) {
      assert.equal(wins.length, fits ? 2 : 0, 'a retry answers as the original');
      assert.equal(new Set(wins.map((r) => r.ok && r.value.id)).size, fits ? 1 : 0, 'one payout');
    } else assert.equal(wins.length, fits ? 1 : 0, 'payouts that fit once');
  }
}

class Cancel extends PaymentStep {
  readonly aims: readonly PaymentStatus[] = ['created', 'pending'];
  constructor(
    at: Target,
    /** The payer's cancel link (also from the bank's 3-D Secure page), not the merchant. */
    readonly byPayer: boolean,
  ) {
    super(at);
  }
  toString() {
    return `cancel(${this.ref}${this.byPayer ? ' by payer' : ''})`;
  }
  async act(m: Model, gw: TestGateway) {
    const { id, merchantId } = await this.target(m, gw);
    const before = await read(gw, id);
    const r = await gw.engine.cancelPayment({ id }, this.byPayer ? undefined : merchantId);
    count(`cancel${this.byPayer ? ' by payer' : ''}: ${outcomeOf(r)}`);
    const atAcs = this.byPayer && before.status === 'pending' && before.challenge && !before.opInFlight;
    if (before.status === 'created' || atAcs) assert.equal(unwrap(r).status, 'canceled');
    else expectFail(r, 'illegal_transition');
  }
}

/** The other merchant reaches nothing of this payment, and changes nothing. */
class Foreign extends PaymentStep {
  readonly aims: readonly PaymentStatus[] = ['captured', 'partially_refunded', 'authorized', 'created'];
  toString() {
    return `foreign(${this.ref})`;
  }
  async act(m: Model, gw: TestGateway) {
    const { id, merchantId } = await this.target(m, gw);
    const other = m.merchants.find((x) => x !== merchantId)!;
    const before = await read(gw, id);
    assert.equal(await gw.engine.getPayment({ id }, other), null);
    const ref = { merchantId: other, paymentId: id };
    expectFail(await gw.engine.capturePayment(ref), 'payment_not_found');
    expectFail(await gw.engine.voidPayment(ref), 'payment_not_found');
    expectFail(await gw.engine.refundPayment(ref), 'payment_not_found');
    expectFail(await gw.engine.cancelPayment({ id }, other), 'payment_not_found');
    expectFail(
      await gw.engine.payWithCard({ payment: { id }, merchantId: other, card: testCard('approved') }),
      'payment_not_found',
    );
    assert.deepEqual(await read(gw, id), before);
  }
}

/** The merchant's fee schedule changes: payments made before keep their terms. */
class SetFee extends Step {
  constructor(
    readonly merchant: 0 | 1,
    readonly code: string,
    readonly fee: FeeSchedule,
  ) {
    super();
  }
  toString() {
    const { ratePpm, fixedMinor, minMinor, maxMinor } = this.fee;
    const fee = `${Number(ratePpm) / 10_000}% + ${fixedMinor}, min ${minMinor}, max ${maxMinor ?? '-'}`;
    return `setFee(m${this.merchant} ${this.code}: ${fee})`;
  }
  async act(m: Model, gw: TestGateway) {
    const merchantId = m.merchants[this.merchant];
    const service = unwrap(await gw.engine.setServiceFee(merchantId, this.code, this.fee));
    assert.deepEqual({ ...service.fee }, { ...this.fee });
    m.fees.set(`${merchantId}:${this.code}`, this.fee);
  }
}

class Advance extends Step {
  constructor(readonly ms: number) {
    super();
  }
  toString() {
    return `advance(${this.ms >= day ? `${this.ms / day}d` : this.ms >= hour ? `${this.ms / hour}h` : `${this.ms / 1000}s`})`;
  }
  async act(_m: Model, gw: TestGateway) {
    gw.clock.advance(this.ms);
  }
}

type Chore = 'expireDue' | 'resolveUnsettled' | 'settleLapsedChallenges' | 'expireIfDue';

class Janitor extends Step {
  constructor(
    readonly chore: Chore,
    readonly index: number,
    readonly fault: Fault,
  ) {
    super();
  }
  toString() {
    return `${this.chore}(${this.chore === 'expireIfDue' ? `#${this.index}` : ''}${faultText(this.fault)})`;
  }
  async act(m: Model, gw: TestGateway) {
    // the network fails the janitor's status questions and the voids that release lapsed holds
    const done = await withFault(gw, 'status', this.fault, () =>
      withFault(gw, 'void', this.fault, async () => {
        if (this.chore !== 'expireIfDue') return gw.engine[this.chore]();
        // the payer opens the page of a payment past its deadline (or of any, now and then)
        const due = await gw.database.db
          .selectFrom('payments')
          .select('id')
          .where('merchant_id', 'in', [...m.merchants])
          .where('expires_at', '<=', BigInt(gw.clock.ms))
          .where('status', 'in', ['created', 'pending', 'authorized'])
          .orderBy('id', 'desc')
          .execute();
        const id = due[this.index % Math.max(due.length, 1)]?.id ?? m.payments[0]?.id;
        return id !== undefined && (await gw.engine.expireIfDue({ id }));
      }),
    );
    count(`${this.chore}${faultText(this.fault)}: ${Number(done) > 0 ? 'did something' : 'nothing'}`);
  }
}

// ---- arbitraries ----

const faultArb = fc.oneof(
  { weight: 8, arbitrary: fc.constant<Fault>('none') },
  { weight: 1, arbitrary: fc.constant<Fault>('unreachable') },
  { weight: 1, arbitrary: fc.constant<Fault>('answerLost') },
);
const cardArb = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom<CardKind>('approved', 'mir') },
  { weight: 2, arbitrary: fc.constantFrom<CardKind>('declined', 'insufficient') },
  { weight: 2, arbitrary: fc.constant<CardKind>('frictionless') },
  { weight: 2, arbitrary: fc.constantFrom<CardKind>('challengeV1', 'challengeV2') },
  { weight: 1, arbitrary: fc.constant<CardKind>('timeout') },
);
// 2-decimal, 0-decimal (JPY) and 3-decimal (KWD); only RUB, USD and EUR have fees
const currencyArb = fc.constantFrom<Currency>('RUB', 'RUB', 'USD', 'EUR', 'JPY', 'KWD');
const amountArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(0n) },
  { weight: 3, arbitrary: fc.bigInt(1n, 999n) },
  { weight: 10, arbitrary: fc.bigInt(1_000n, 5_000_000n) },
  { weight: 1, arbitrary: fc.constant(limits.amountMinorMax) },
);
const ppmArb = fc.integer({ min: 1, max: 1_000_000 });
const partArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant<Part>('full') },
  { weight: 3, arbitrary: ppmArb },
  { weight: 1, arbitrary: fc.constantFrom<Part>('zero', 'over') },
);
const refundPartArb = fc.oneof(
  { weight: 3, arbitrary: fc.constant<RefundPart>('rest') },
  { weight: 4, arbitrary: ppmArb },
  { weight: 1, arbitrary: fc.constantFrom<RefundPart>('zero', 'over') },
);
// mostly the newest payment that fits: one payment then goes through a flow of several steps
const indexArb = fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 2, arbitrary: fc.nat(40) });
const aimArb = fc.oneof(
  { weight: 6, arbitrary: fc.constant(true) },
  { weight: 1, arbitrary: fc.constant(false) },
);
const targetArb = fc.record({ index: indexArb, aim: aimArb });
const merchantArb = fc.constantFrom<0 | 1>(0, 1);

const createArb = fc
  .record({
    merchant: merchantArb,
    flow: fc.constantFrom<Flow>('charge', 'hold'),
    currency: currencyArb,
    amountMinor: amountArb,
    ttlMs: fc.oneof(
      { weight: 3, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: fc.constantFrom(60_000, 20 * 60_000, 2 * hour) },
    ),
    retry: fc.constantFrom('no', 'no', 'retry', 'race'),
  })
  .map((c) => new Create(c));

const threeDsArb = fc.tuple(targetArb, fc.boolean(), faultArb).map(([t, ok, f]) => new ThreeDs(t, ok, f));
const feeArb = fc
  .record({
    ratePpm: fc.oneof(fc.constantFrom(0n, 25_000n, 999_999n, 1_000_000n), fc.bigInt(0n, 1_000_000n)),
    fixedMinor: fc.oneof(fc.constant(0n), fc.bigInt(0n, 1_000n)),
    minMinor: fc.oneof(fc.constant(0n), fc.bigInt(0n, 5_000n)),
    maxMinor: fc.option(fc.bigInt(0n, 10_000n), { nil: null }),
  })
  .filter((f) => f.maxMinor === null || f.maxMinor >= f.minMinor);
const payArb = fc.tuple(targetArb, cardArb, faultArb).map(([t, c, f]) => new Pay(t, c, f));
const captureArb = fc.tuple(targetArb, partArb, faultArb).map(([t, a, f]) => new Capture(t, a, f));
const refundArb = fc.tuple(targetArb, refundPartArb, faultArb).map(([t, a, f]) => new Refund(t, a, f));

const commandsArb = fc.commands(
  [
    createArb,
    createArb,
    createArb,
    createArb,
    payArb,
    payArb,
    payArb,
    payArb,
    payArb,
    threeDsArb,
    threeDsArb,
    captureArb,
    captureArb,
    fc.tuple(targetArb, faultArb).map(([t, f]) => new Void(t, f)),
    refundArb,
    refundArb,
    fc
      .tuple(targetArb, refundPartArb, refundPartArb, faultArb, fc.boolean())
      .map(([t, a, b, f, retry]) => new RefundPair(t, a, b, f, retry)),
    fc
      .record({
        merchant: merchantArb,
        currency: currencyArb,
        funded: aimArb,
        index: indexArb,
        amount: fc.oneof({ weight: 3, arbitrary: ppmArb }, { weight: 1, arbitrary: fc.bigInt(1n, 100_000n) }),
        cardKind: cardArb,
        fault: faultArb,
      })
      .map((c) => new Payout(c)),
    // rarely aimed: a cancel ends what the other steps would take further
    fc
      .tuple(indexArb, fc.boolean(), fc.nat(3))
      .map(([index, byPayer, n]) => new Cancel({ index, aim: byPayer && n === 0 }, byPayer)),
    targetArb.map((t) => new Foreign(t)),
    fc
      .tuple(targetArb, fc.constantFrom(...(Object.keys(raceKinds) as RaceKind[])))
      .map(([t, k]) => new Race(t, k)),
    fc.tuple(indexArb, fc.boolean()).map(([i, retry]) => new PayoutRace(i, retry)),
    fc
      .tuple(merchantArb, fc.constantFrom('card_rub', 'card_usd', 'card_eur', 'payout_card_rub'), feeArb)
      .map(([merchant, code, fee]) => new SetFee(merchant, code, fee)),
    fc
      .oneof(
        { weight: 3, arbitrary: fc.constantFrom(1000, 5000, 16 * 60_000, hour) },
        { weight: 1, arbitrary: fc.constantFrom(25 * hour, 8 * day) },
      )
      .map((ms) => new Advance(ms)),
    fc
      .tuple(
        fc.constantFrom<Chore>('expireDue', 'resolveUnsettled', 'settleLapsedChallenges', 'expireIfDue'),
        indexArb,
        faultArb,
      )
      .map(([c, i, f]) => new Janitor(c, i, f)),
  ],
  {
    maxCommands: 60,
    size: 'max',
    ...(process.env.KOPEK_MODEL_REPLAY ? { replayPath: process.env.KOPEK_MODEL_REPLAY } : {}),
  },
);

/**
 * The clock moves past every deadline and the janitor sweeps a few times: then nothing is
 * left unknown, pending or held, and no money is on its way anywhere.
 */
async function settleEverything(gw: TestGateway, m: Model): Promise<void> {
  for (let round = 0; round < 3; round++) {
    gw.clock.advance(gw.engine.deps.config.holdTtlMs + hour);
    await gw.engine.resolveUnsettled();
    await gw.engine.settleLapsedChallenges();
    await gw.engine.expireDue();
    await checkInvariants(gw, m, `janitor round ${round + 1}`);
  }
  const ids = [...m.merchants];
  const { db } = gw.database;
  const stuck = await db
    .selectFrom('payments')
    .select(['id', 'status', 'op_in_flight'])
    .where('merchant_id', 'in', ids)
    .where((eb) =>
      eb.or([
        eb('status', 'in', ['created', 'pending', 'unknown', 'authorized']),
        eb('op_in_flight', 'is not', null),
      ]),
    )
    .execute();
  assert.deepEqual(stuck, [], 'payments still waiting once every deadline is past');
  for (const table of ['refunds', 'payouts'] as const) {
    const open = await db
      .selectFrom(table)
      .select(['id', 'status'])
      .where('merchant_id', 'in', ids)
      .where('status', 'in', ['pending', 'unknown'])
      .execute();
    assert.deepEqual(open, [], `${table} still in flight after the janitor's sweeps`);
  }
  await checkBankAgrees(gw, m);
  if (process.env.KOPEK_MODEL_DEBUG) {
    const moves = await db
      .selectFrom('payment_events as ev')
      .innerJoin('payments as p', 'p.id', 'ev.payment_id')
      .select(['ev.from_status', 'ev.to_status'])
      .where('p.merchant_id', 'in', ids)
      .execute();
    for (const e of moves) count(`  move ${e.from_status}→${e.to_status}`);
  }
}

/**
 * Once nothing is in flight, the bank's books say what ours say: every authorization the bank
 * approved belongs to a payment that knows it, with the amounts captured and refunded there;
 * every refund and payout the bank did is succeeded here, and no other.
 */
async function checkBankAgrees(gw: TestGateway, m: Model): Promise<void> {
  const bank = new DatabaseSimStore(gw.database);
  const { db } = gw.database;
  const ids = [...m.merchants];
  const payments = await db.selectFrom('payments').selectAll().where('merchant_id', 'in', ids).execute();
  for (const p of payments) {
    const at = `payment ${p.id} (${p.flow}, ${p.status})`;
    const bankRef = (JSON.parse(p.connector_data ?? '{}') as { bankRef?: string }).bankRef;
    const approved: string[] = [];
    for (let attempt = 1n; attempt <= p.attempts; attempt++) {
      const op = await bank.get(operationKey(`pay-${p.id}-${attempt}`));
      if (op?.record === 'operation' && op.outcome.kind === 'approved') approved.push(op.outcome.bankRef);
    }
    assert.ok(approved.length <= 1, `${at}: approved by the bank ${approved.length} times`);
    assert.equal(bankRef, approved[0], `${at}: the authorization the bank approved`);
    if (bankRef === undefined) {
      assert.ok(['failed', 'canceled', 'expired'].includes(p.status), `${at}: no authorization`);
      assert.equal(p.authorized_minor, 0n, `${at}: authorized without the bank`);
      continue;
    }
    const auth = await bank.get(authorizationKey(bankRef));
    assert.ok(auth?.record === 'authorization', `${at}: the bank knows ${bankRef}`);
    const bankSays = `${auth.state} captured ${auth.capturedMinor} refunded ${auth.refundedMinor}`;
    if (['captured', 'partially_refunded', 'refunded'].includes(p.status))
      assert.equal(bankSays, `captured captured ${p.captured_minor} refunded ${p.refunded_minor}`, at);
    else if (p.status === 'canceled') assert.equal(auth.state, 'voided', at);
    // a hold ends, whoever ended it, only once the bank has let the payer's money go
    else if (p.status === 'expired') assert.equal(auth.state, 'voided', `${at}: the bank says ${bankSays}`);
    else assert.fail(`${at}: approved by the bank, yet ${p.status}`);
  }
  const refunds = await db.selectFrom('refunds').selectAll().where('merchant_id', 'in', ids).execute();
  const payouts = await db.selectFrom('payouts').selectAll().where('merchant_id', 'in', ids).execute();
  for (const [what, rows] of [
    ['refund', refunds],
    ['payout', payouts],
  ] as const)
    for (const x of rows) {
      const op = await bank.get(operationKey(`${what}-${x.id}`));
      const done = op?.record === 'operation' && op.outcome.kind === 'approved';
      assert.equal(
        x.status,
        done ? 'succeeded' : 'failed',
        `${what} ${x.id}: the bank says ${op?.record === 'operation' ? op.outcome.kind : 'nothing'}`,
      );
    }
}

for (const flavor of await testFlavors()) {
  describe(`engine model on ${flavor}`, () => {
    let gw: TestGateway;
    before(async () => {
      gw = await testGateway(flavor);
    });
    after(async () => {
      if (process.env.KOPEK_MODEL_DEBUG)
        console.log(
          [...tally]
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([k, n]) => `${n}\t${k}`)
            .join('\n'),
          [...timing]
            .map(
              ([k, [n, a, c]]) =>
                `\n${k}: ${n} steps, act ${(a / n).toFixed(1)} ms, check ${(c / n).toFixed(1)} ms`,
            )
            .join(''),
        );
      await gw.close();
    });

    it('keeps books, amounts, statuses and statistics consistent through random operations', async () => {
      await fc.assert(
        fc.asyncProperty(commandsArb, async (commands) => {
          const model: Model = {
            merchants: [await merchant(gw.engine, 'Model A'), await merchant(gw.engine, 'Model B')],
            payments: [],
            paidOut: new Set(),
            nextRef: 0,
            fees: new Map(),
          };
          await fc.asyncModelRun(() => ({ model, real: { gw } }), commands);
          const t = performance.now();
          await settleEverything(gw, model);
          spent('settleEverything', performance.now() - t, 0);
        }),
        { numRuns, ...replay },
      );
      await assertLedgerBalanced(gw.engine);
    });
  });
}
