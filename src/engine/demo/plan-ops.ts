import type { DeclineReason } from '../../acquiring/connector.ts';
import type { CardBrand } from '../../domain/card.ts';
import type { Currency } from '../../domain/currency.ts';
import { type FeeSchedule, feeFor, refundFeeShare } from '../../domain/fees.ts';
import type { PaymentStatus } from '../../domain/states.ts';

/**
 * What demo data is made of, as pure functions of a seeded random source: when payments were
 * made (more in the afternoon, more in recent months), in which payment system, for how much,
 * and how each one ended (paid, declined, left to expire, held, refunded in full or in part,
 * billed by an invoice). Every plan obeys the engine's rules for the state it ends in (the
 * amounts' checks of 0006, the fee rule of domain/fees.ts), so the rows written from it read
 * and move like rows the use cases wrote. seed.ts turns plans into rows (named -ops so the one use case, seed.ts, may import it).
 */

/** A seeded source of numbers in [0, 1): mulberry32, so a seed gives the same data again. */
export function randomSource(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type DemoService = {
  id: bigint;
  method: string;
  currency: Currency;
  fee: FeeSchedule;
  /** How often payers choose it, relative to the others. */
  weight: number;
};

/** Bank cards in roubles carry most of a Russian shop's volume; test services a little. */
export const serviceWeight = (method: string, currency: Currency): number =>
  (method === 'card' ? 10 : 0.6) * (currency === 'RUB' ? 8 : 1);

export type PlannedRefund = { amountMinor: bigint; feeMinor: bigint; at: number };

export type PlannedPayment = {
  createdAt: number;
  updatedAt: number;
  service: DemoService;
  origin: 'paykeeper' | 'paymega' | 'impay' | 'core';
  flow: 'charge' | 'hold';
  status: PaymentStatus;
  amountMinor: bigint;
  feeMinor: bigint;
  authorizedMinor: bigint;
  capturedMinor: bigint;
  refundedMinor: bigint;
  expiresAt: number;
  paidAt: number | null;
  /** When a hold was authorized (its ledger entry), for holds. */
  heldAt: number | null;
  /** A hold released (voided or lapsed) at this time. */
  releasedAt: number | null;
  attempts: number;
  card: { mask: string; brand: CardBrand; holder: string; expiry: string } | null;
  decline: { reason: DeclineReason; rc: string } | null;
  client: number;
  refunds: PlannedRefund[];
  /** Made from a PayKeeper invoice (bill), with its status. */
  invoice: boolean;
};

export type PlanContext = {
  nowMs: number;
  startMs: number;
  services: readonly DemoService[];
  paymentTtlMs: number;
  holdTtlMs: number;
  attemptsMax: number;
  clients: number;
};

const dayMs = 86_400_000;
const minuteMs = 60_000;
/** The daily rhythm's clock: Moscow's (UTC+3), where the demo shop's payers live. */
const rhythmOffsetMs = 3 * 3_600_000;

/**
 * The creation time of payment `i` of `n`: spread over the period with more of them towards
 * its end (a growing shop), and within a day mostly in the afternoon and evening. Increasing
 * in `i`, so ids follow time as they do in a live gateway.
 */
export function timeOf(i: number, n: number, ctx: PlanContext, random: () => number): number {
  const x = (i + random()) / n;
  const grown = x + 0.4 * x * (1 - x); // slower time at the end: more payments a day
  const t = ctx.startMs + (ctx.nowMs - ctx.startMs) * grown;
  const local = t + rhythmOffsetMs;
  const dayStart = Math.floor(local / dayMs) * dayMs;
  const f = (local - dayStart) / dayMs;
  // a monotone warp of the day: sparse at night, densest around 15:00
  const amplitude = 0.7 / (2 * Math.PI);
  const phase = 0.125;
  const warped = f + amplitude * (Math.sin(2 * Math.PI * (f - phase)) + Math.sin(2 * Math.PI * phase));
  return Math.min(Math.floor(dayStart + warped * dayMs - rhythmOffsetMs), ctx.nowMs - 1000);
}

function normal(random: () => number): number {
  const u = Math.max(random(), 1e-12);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** A basket's price: log-normal around a currency's typical ticket, often whole units. */
export function amountOf(currency: Currency, random: () => number): bigint {
  const median = currency === 'RUB' ? 1800 : 45;
  const major = Math.min(Math.max(Math.exp(Math.log(median) + 0.95 * normal(random)), 10), 300_000);
  const whole = BigInt(Math.round(major)) * 100n;
  return random() < 0.7 ? whole : whole + BigInt(Math.floor(random() * 100));
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}

function pickService(services: readonly DemoService[], random: () => number): DemoService {
  const total = services.reduce((sum, s) => sum + s.weight, 0);
  let at = random() * total;
  for (const s of services) {
    at -= s.weight;
    if (at < 0) return s;
  }
  return services[services.length - 1]!;
}

const declines: readonly { reason: DeclineReason; rc: string; weight: number }[] = [
  { reason: 'insufficient_funds', rc: '51', weight: 40 },
  { reason: 'do_not_honor', rc: '05', weight: 25 },
  { reason: 'authentication_failed', rc: '82', weight: 15 },
  { reason: 'expired_card', rc: '54', weight: 7 },
  { reason: 'invalid_card', rc: '14', weight: 6 },
  { reason: 'not_permitted', rc: '57', weight: 4 },
  { reason: 'processing_error', rc: '96', weight: 2 },
  { reason: 'lost_card', rc: '41', weight: 1 },
];
const declineWeight = declines.reduce((sum, d) => sum + d.weight, 0);

function pickDecline(random: () => number) {
  let at = random() * declineWeight;
  for (const d of declines) {
    at -= d.weight;
    if (at < 0) return { reason: d.reason, rc: d.rc };
  }
  return { reason: declines[0]!.reason, rc: declines[0]!.rc };
}

const firstNames = [
  'IVAN',
  'MARIA',
  'ALEXEY',
  'OLGA',
  'DMITRY',
  'ANNA',
  'SERGEY',
  'ELENA',
  'PAVEL',
  'NATALIA',
];
const lastNames = ['PETROV', 'IVANOVA', 'SMIRNOV', 'KUZNETSOVA', 'POPOV', 'SOKOLOVA', 'LEBEDEV', 'NOVIKOVA'];
export const clientName = (client: number) =>
  `${firstNames[client % firstNames.length]} ${lastNames[Math.floor(client / firstNames.length) % lastNames.length]}`;

const bins: readonly { bin: string; brand: CardBrand }[] = [
  { bin: '220220', brand: 'mir' },
  { bin: '220070', brand: 'mir' },
  { bin: '427601', brand: 'visa' },
  { bin: '415428', brand: 'visa' },
  { bin: '546938', brand: 'mastercard' },
  { bin: '521324', brand: 'mastercard' },
];

function cardOf(client: number, nowMs: number, random: () => number) {
  const { bin, brand } = pick(bins, random);
  const last4 = String(Math.floor(random() * 10_000)).padStart(4, '0');
  const year = (new Date(nowMs).getUTCFullYear() + 1 + Math.floor(random() * 4)) % 100;
  const month = 1 + Math.floor(random() * 12);
  return {
    mask: `${bin}******${last4}`,
    brand,
    holder: clientName(client),
    expiry: `${String(month).padStart(2, '0')}/${String(year).padStart(2, '0')}`,
  };
}

/** One payment's whole life, decided at once. */
export function planPayment(createdAt: number, ctx: PlanContext, random: () => number): PlannedPayment {
  const service = pickService(ctx.services, random);
  const amountMinor = amountOf(service.currency, random);
  const quote = feeFor(amountMinor, service.fee);
  const age = ctx.nowMs - createdAt;
  const client = Math.floor(random() * random() * ctx.clients);
  const o = random();
  const origin = o < 0.72 ? 'paykeeper' : o < 0.86 ? 'paymega' : o < 0.96 ? 'impay' : 'core';
  const flow = service.method === 'card' && random() < 0.1 ? 'hold' : 'charge';
  const p: PlannedPayment = {
    createdAt,
    updatedAt: createdAt,
    service,
    origin,
    flow,
    status: 'created',
    amountMinor,
    feeMinor: quote,
    authorizedMinor: 0n,
    capturedMinor: 0n,
    refundedMinor: 0n,
    expiresAt: createdAt + ctx.paymentTtlMs,
    paidAt: null,
    heldAt: null,
    releasedAt: null,
    attempts: 0,
    card: null,
    decline: null,
    client,
    refunds: [],
    invoice: origin === 'paykeeper' && random() < 0.08,
  };
  const open = age < ctx.paymentTtlMs;
  const r = random();
  // how the payer's part ended
  if (open && r < 0.25) return p; // still on the payment page
  if (r < 0.13) {
    if (open) return p;
    p.status = 'expired'; // the payer never paid
    p.updatedAt = p.expiresAt;
    return p;
  }
  if (r < 0.16) {
    p.status = 'canceled'; // the shop cancelled the order before payment
    p.updatedAt = createdAt + Math.floor(random() * Math.min(age, ctx.paymentTtlMs));
    return p;
  }
  const paidAt = Math.min(createdAt + minuteMs + Math.floor(random() * 4 * minuteMs), ctx.nowMs - 1000);
  p.card = cardOf(client, ctx.nowMs, random);
  if (r < 0.3) {
    p.status = 'failed';
    p.attempts = ctx.attemptsMax;
    p.decline = pickDecline(random);
    p.updatedAt = paidAt;
    return p;
  }
  p.attempts = random() < 0.1 ? 2 : 1;
  p.authorizedMinor = amountMinor;
  p.paidAt = paidAt;
  p.updatedAt = paidAt;
  if (flow === 'hold') return planHold(p, ctx, random);
  p.capturedMinor = amountMinor;
  return planRefunds(p, ctx, random);
}

/** A hold: still held (within its time), captured, voided by the shop, or lapsed. */
function planHold(p: PlannedPayment, ctx: PlanContext, random: () => number): PlannedPayment {
  const heldAt = p.paidAt!;
  p.heldAt = heldAt;
  p.paidAt = null;
  p.feeMinor = 0n; // a hold carries no fee until captured
  const lapseAt = heldAt + ctx.holdTtlMs;
  const r = random();
  if (lapseAt > ctx.nowMs && r < 0.5) {
    p.status = 'authorized';
    p.expiresAt = lapseAt;
    return p;
  }
  if (r < 0.8) {
    const capturedAt = heldAt + Math.floor(random() * Math.min(ctx.holdTtlMs, ctx.nowMs - heldAt));
    p.capturedMinor = p.amountMinor;
    p.feeMinor = feeFor(p.amountMinor, p.service.fee);
    p.paidAt = capturedAt;
    p.updatedAt = capturedAt;
    return planRefunds(p, ctx, random);
  }
  const lapsed = lapseAt <= ctx.nowMs && r >= 0.92;
  p.status = lapsed ? 'expired' : 'canceled';
  p.releasedAt = lapsed
    ? lapseAt
    : heldAt + Math.floor(random() * Math.min(ctx.holdTtlMs, ctx.nowMs - heldAt));
  p.expiresAt = lapseAt;
  p.updatedAt = p.releasedAt;
  return p;
}

/** Some paid orders come back: in full, or in one or two parts, days after payment. */
function planRefunds(p: PlannedPayment, ctx: PlanContext, random: () => number): PlannedPayment {
  p.status = 'captured';
  const paidAt = p.paidAt!;
  const r = random();
  if (ctx.nowMs - paidAt < 3_600_000 || r >= 0.11) return p;
  const window = Math.min(ctx.nowMs - paidAt, 30 * dayMs);
  const times = [paidAt + Math.floor(random() * window)];
  let amounts: bigint[];
  if (r < 0.05) amounts = [p.capturedMinor];
  else {
    const first = (p.capturedMinor * BigInt(10 + Math.floor(random() * 60))) / 100n;
    amounts = first > 0n ? [first] : [p.capturedMinor];
    if (first > 0n && r < 0.07) {
      // a second part later, at most what remains
      const second = ((p.capturedMinor - first) * BigInt(1 + Math.floor(random() * 100))) / 100n;
      if (second > 0n) {
        amounts.push(second);
        times.push(times[0]! + Math.floor(random() * (ctx.nowMs - times[0]!)));
      }
    }
  }
  let refunded = 0n;
  let returned = 0n;
  for (const [at, amountMinor] of amounts.entries()) {
    refunded += amountMinor;
    const feeMinor = refundFeeShare({
      feeMinor: p.feeMinor,
      capturedMinor: p.capturedMinor,
      refundedAfterMinor: refunded,
      returnedMinor: returned,
      amountMinor,
    });
    returned += feeMinor;
    p.refunds.push({ amountMinor, feeMinor, at: times[at]! });
  }
  p.refundedMinor = refunded;
  p.status = refunded === p.capturedMinor ? 'refunded' : 'partially_refunded';
  p.updatedAt = times[times.length - 1]!;
  return p;
}
