import { randomBytes } from 'node:crypto';
import { CompiledQuery, sql } from 'kysely';
import { messageFor } from '../../acquiring/sim-rules.ts';
import type { SimAuthorizationRecord } from '../../acquiring/sim-store.ts';
import { type EngineError, engineError } from '../../domain/errors.ts';
import { randomBase62 } from '../../domain/ids.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import type { Flavor, Tx } from '../../store/database.ts';
import { inTransaction } from '../../store/transaction.ts';
import type { EngineDeps } from '../context.ts';
import { newInvoiceId } from '../invoices/store.ts';
import { type AccountKind, accountId } from '../ledger/store.ts';
import { assertPaymentAmounts } from '../payments/store.ts';
import { addContributions, type Contribution, contribution, dayIn, sumInto } from '../stats/store.ts';
import {
  clientName,
  type DemoService,
  type PlanContext,
  type PlannedPayment,
  planPayment,
  randomSource,
  serviceWeight,
  timeOf,
} from './plan-ops.ts';

/**
 * Demo data in bulk (`kopek demo`, the demo merchant at first start): payments over months
 * with their refunds, invoices, ledger entries, statistics and the simulator bank's records of
 * the recent ones, written in batches of multi-row INSERTs, one transaction a batch. Not
 * through the use cases (a million payments through them would take an hour), but to the
 * same rules: plan.ts decides each payment's life within the state machine and the amounts'
 * checks; the ledger gets the entries the use cases post (capture, authorize, void,
 * refund_reserve, refund) with balances moved by their sum; `daily_stats` gets each payment's
 * contribution by the live path's rule (stats/store.ts: the day in the statistics zone, the
 * shard by id), added to what is there. So `kopek stats rebuild` changes nothing afterwards,
 * the ledger verifies, and a demo payment can be read, captured or refunded like any other.
 */

export type SeedDemoCmd = {
  merchantId: bigint;
  payments: number;
  /** How far back the payments go (default 6). */
  months?: number;
  /** Same seed, same data (but for public ids and bank references, which stay random). */
  seed?: number;
  /** Called after every batch with the payments written so far. */
  onProgress?: (written: number, total: number) => void;
};

export type SeedDemoResult = {
  payments: number;
  refunds: number;
  invoices: number;
  ledgerEntries: number;
  bankRecords: number;
  ms: number;
};

export const demoPaymentsMax = 100_000_000;
const batchSize = 5000;
/** The simulator keeps records for the newest refundable or held payments: what a demo acts on. */
const bankRecordsMax = 20_000;
const bankRecordsDays = 14;

type Row = readonly unknown[];

const base62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * `count` unguessable base62 texts (public ids, bank references) from one draw of random
 * bytes: uniform by rejection, as domain/ids.ts draws them one at a time.
 */
function base62Texts(count: number, length: number): string[] {
  const out: string[] = [];
  let pool = randomBytes(count * length * 2);
  let at = 0;
  while (out.length < count) {
    let text = '';
    while (text.length < length) {
      if (at === pool.length) {
        pool = randomBytes(count * length);
        at = 0;
      }
      const byte = pool[at++]!;
      if (byte < 248) text += base62[byte % 62];
    }
    out.push(text);
  }
  return out;
}

/** A table's rows as INSERTs of as many rows as the database's parameter limit allows. */
async function insertRows(trx: Tx, flavor: Flavor, table: string, columns: readonly string[], rows: Row[]) {
  const paramsMax = flavor === 'sqlite' ? 32_000 : 65_000;
  const perStatement = Math.max(1, Math.floor(paramsMax / columns.length));
  const head = `insert into ${table} (${columns.join(', ')}) values `;
  for (let from = 0; from < rows.length; from += perStatement) {
    const chunk = rows.slice(from, from + perStatement);
    const params: unknown[] = [];
    const tuples: string[] = [];
    for (const row of chunk) {
      const marks: string[] = [];
      for (const value of row) {
        params.push(value);
        marks.push(flavor === 'sqlite' ? '?' : `$${params.length}`);
      }
      tuples.push(`(${marks.join(', ')})`);
    }
    await trx.executeQuery(CompiledQuery.raw(head + tuples.join(', '), params));
  }
}

/**
 * `count` new ids of a table, taken so that nobody else can take them: on SQLite inside the
 * write transaction (AUTOINCREMENT then moves past them), on PostgreSQL from its sequence.
 */
async function newIds(trx: Tx, flavor: Flavor, table: string, count: number): Promise<bigint[]> {
  if (count === 0) return [];
  if (flavor === 'postgres') {
    const { rows } = await sql<{
      id: bigint;
    }>`select nextval(pg_get_serial_sequence(${table}, 'id')) as id from generate_series(1, ${count})`.execute(
      trx,
    );
    return rows.map((r) => BigInt(r.id));
  }
  // a write first, so this transaction holds SQLite's write lock before it reads the maximum
  await sql`update sqlite_sequence set seq = seq where name = ${table}`.execute(trx);
  const { rows } = await sql<{
    top: bigint | null;
  }>`select max(coalesce((select seq from sqlite_sequence where name = ${table}), 0), coalesce((select max(id) from ${sql.table(table)}), 0)) as top`.execute(
    trx,
  );
  const top = BigInt(rows[0]?.top ?? 0);
  return Array.from({ length: count }, (_, i) => top + BigInt(i + 1));
}

const paymentColumns = [
  'id',
  'public_id',
  'merchant_id',
  'external_id',
  'origin',
  'flow',
  'status',
  'amount_minor',
  'currency',
  'fee_minor',
  'authorized_minor',
  'captured_minor',
  'refunded_minor',
  'refund_reserved_minor',
  'service_id',
  'system',
  'description',
  'customer',
  'metadata',
  'return_urls',
  'test_mode',
  'attempts',
  'attempts_max',
  'expires_at',
  'card_mask',
  'card_brand',
  'card_holder',
  'card_expiry',
  'connector',
  'connector_data',
  'rc',
  'rrn',
  'approval_code',
  'bank_ref',
  'decline_reason',
  'decline_message',
  'created_at',
  'updated_at',
  'paid_at',
  'fee_rate_ppm',
  'fee_fixed_minor',
  'fee_min_minor',
  'fee_max_minor',
  'op_seq',
] as const;

const refundColumns = [
  'id',
  'payment_id',
  'merchant_id',
  'amount_minor',
  'fee_minor',
  'currency',
  'status',
  'reason',
  'rc',
  'initiated_by',
  'created_at',
  'updated_at',
] as const;

const descriptions = [
  (n: number) => `Заказ №${n}`,
  (n: number) => `Оплата заказа ${n}`,
  () => 'Подписка «Премиум», 1 месяц',
  () => 'Доставка',
  () => 'Пополнение баланса',
  (n: number) => `Счёт ${n}`,
];

type Posting = { account: AccountKind; amountMinor: bigint };
type EntryPlan = {
  kind: string;
  refType: 'payment' | 'refund';
  ref: number;
  at: number;
  postings: Posting[];
};

/** The ledger entries the use cases post over a payment's life (authorize-ops, holds, refunds). */
function entriesOf(p: PlannedPayment): EntryPlan[] {
  const out: EntryPlan[] = [];
  const a = p.amountMinor;
  const release: Posting[] = [
    { account: 'held', amountMinor: -a },
    { account: 'holds', amountMinor: a },
  ];
  if (p.heldAt !== null)
    out.push({
      kind: 'authorize',
      refType: 'payment',
      ref: -1,
      at: p.heldAt,
      postings: [
        { account: 'holds', amountMinor: -a },
        { account: 'held', amountMinor: a },
      ],
    });
  if (p.releasedAt !== null)
    out.push({ kind: 'void', refType: 'payment', ref: -1, at: p.releasedAt, postings: release });
  if (p.capturedMinor > 0n)
    out.push({
      kind: 'capture',
      refType: 'payment',
      ref: -1,
      at: p.paidAt!,
      postings: [
        ...(p.heldAt !== null ? release : []),
        { account: 'acquirer', amountMinor: -p.capturedMinor },
        { account: 'available', amountMinor: p.capturedMinor - p.feeMinor },
        { account: 'fees', amountMinor: p.feeMinor },
      ],
    });
  p.refunds.forEach((r, ref) => {
    const reserve: Posting[] = [
      { account: 'available', amountMinor: -(r.amountMinor - r.feeMinor) },
      { account: 'fees', amountMinor: -r.feeMinor },
      { account: 'refunds_pending', amountMinor: r.amountMinor },
    ];
    out.push({
      kind: 'refund_reserve',
      refType: 'refund',
      ref,
      at: r.at,
      postings: reserve.filter((x) => x.amountMinor !== 0n),
    });
    out.push({
      kind: 'refund',
      refType: 'refund',
      ref,
      at: r.at,
      postings: [
        { account: 'refunds_pending', amountMinor: -r.amountMinor },
        { account: 'acquirer', amountMinor: r.amountMinor },
      ],
    });
  });
  return out;
}

/** The day of an instant in a zone, remembered per quarter hour (every zone's offsets are whole quarters). */
function dayCache(timeZone: string) {
  const quarterMs = 900_000;
  const days = new Map<number, string>();
  return (at: number): string => {
    const q = Math.floor(at / quarterMs);
    let day = days.get(q);
    if (day === undefined) {
      day = dayIn(timeZone, new Date(q * quarterMs));
      days.set(q, day);
    }
    return day;
  };
}

export async function seedDemo(
  deps: EngineDeps,
  cmd: SeedDemoCmd,
): Promise<Result<SeedDemoResult, EngineError>> {
  const started = performance.now();
  const total = cmd.payments;
  if (!Number.isSafeInteger(total) || total < 1 || total > demoPaymentsMax)
    return fail(engineError('invalid_argument', { field: 'payments', detail: `1 to ${demoPaymentsMax}` }));
  const months = cmd.months ?? 6;
  if (!Number.isSafeInteger(months) || months < 1 || months > 120)
    return fail(engineError('invalid_argument', { field: 'months', detail: '1 to 120' }));
  const { db, flavor } = deps.database;
  const merchant = await db
    .selectFrom('merchants')
    .select(['id', 'name', 'status'])
    .where('id', '=', cmd.merchantId)
    .executeTakeFirst();
  if (!merchant) return fail(engineError('merchant_not_found'));
  const serviceRows = await db
    .selectFrom('services')
    .selectAll()
    .where('merchant_id', '=', cmd.merchantId)
    .where('kind', '=', 'pay')
    .where('enabled', '=', 1n)
    .orderBy('id')
    .execute();
  const services: DemoService[] = serviceRows.map((s) => ({
    id: s.id,
    method: s.method,
    currency: s.currency,
    fee: {
      ratePpm: s.fee_rate_ppm,
      fixedMinor: s.fee_fixed_minor,
      minMinor: s.fee_min_minor,
      maxMinor: s.fee_max_minor,
    },
    weight: serviceWeight(s.method, s.currency),
  }));
  if (services.length === 0)
    return fail(engineError('service_not_found', { detail: 'the merchant has no enabled payment service' }));

  const now = deps.now();
  const start = new Date(now);
  start.setUTCMonth(start.getUTCMonth() - months);
  const ctx: PlanContext = {
    nowMs: now.getTime(),
    startMs: start.getTime(),
    services,
    paymentTtlMs: deps.config.paymentTtlMs,
    holdTtlMs: deps.config.holdTtlMs,
    attemptsMax: deps.config.paymentAttemptsMax,
    clients: Math.max(10, Math.ceil(total / 4)),
  };
  const random = randomSource(cmd.seed ?? Date.now() & 0x7fffffff);
  const tag = `D${randomBase62(5)}`;
  const dayOf = dayCache(deps.config.statsTimeZone);
  const buckets = new Map<string, Contribution>();
  const balances = new Map<string, { kind: AccountKind; currency: string; delta: bigint }>();
  const billBase = `${deps.config.publicUrl.replace(/\/+$/, '')}/bill/`;
  const counts = { refunds: 0, invoices: 0, entries: 0 };
  let invoiceSeq = Math.floor(random() * 1_000_000);

  // random keys (public ids) go all over their index: a page cache of the index's size keeps
  // SQLite from reading the same pages again and again; restored afterwards
  const cacheBefore = flavor === 'sqlite' ? await sqliteCacheSize(deps, -256_000) : null;
  try {
    await writeBatches();
  } finally {
    if (cacheBefore !== null) await sqliteCacheSize(deps, cacheBefore);
  }
  async function writeBatches() {
    for (let done = 0; done < total; ) {
      const n = Math.min(batchSize, total - done);
      const plans = Array.from({ length: n }, (_, k) =>
        planPayment(timeOf(done + k, total, ctx, random), ctx, random),
      );
      const publicIds = base62Texts(n, 16);
      const refTexts = base62Texts(n, 16);
      const bankRefs = plans.map((p, k) => (p.authorizedMinor > 0n ? `SIM${refTexts[k]}` : null));
      const batchBalances = new Map<string, { kind: AccountKind; currency: string; delta: bigint }>();
      await inTransaction(deps.database, async (trx) => {
        batchBalances.clear();
        const ids = await newIds(trx, flavor, 'payments', n);
        const refundIds = await newIds(
          trx,
          flavor,
          'refunds',
          plans.reduce((s, p) => s + p.refunds.length, 0),
        );
        const entryPlans = plans.map(entriesOf);
        const entryIds = await newIds(
          trx,
          flavor,
          'ledger_entries',
          entryPlans.reduce((s, e) => s + e.length, 0),
        );
        const postingIds = await newIds(
          trx,
          flavor,
          'ledger_postings',
          entryPlans.reduce((s, e) => s + e.reduce((t, x) => t + x.postings.length, 0), 0),
        );
        const payments: Row[] = [];
        const refunds: Row[] = [];
        const invoices: Row[] = [];
        const entries: Row[] = [];
        const postings: Row[] = [];
        let refundAt = 0;
        let entryAt = 0;
        let postingAt = 0;
        plans.forEach((p, k) => {
          const id = ids[k]!;
          const seq = done + k + 1;
          payments.push(
            paymentRow(
              p,
              id,
              cmd.merchantId,
              publicIds[k]!,
              `${tag}-${seq}`,
              seq,
              bankRefs[k] ?? null,
              deps.defaultConnector,
              ctx.attemptsMax,
            ),
          );
          const myRefundIds = p.refunds.map((r) => {
            const refundId = refundIds[refundAt++]!;
            refunds.push([
              refundId,
              id,
              cmd.merchantId,
              r.amountMinor,
              r.feeMinor,
              p.service.currency,
              'succeeded',
              'Возврат по заявке покупателя',
              '00',
              null,
              r.at,
              r.at,
            ]);
            return refundId;
          });
          for (const e of entryPlans[k]!) {
            const entryId = entryIds[entryAt++]!;
            entries.push([
              entryId,
              cmd.merchantId,
              p.service.currency,
              e.kind,
              e.refType,
              e.refType === 'payment' ? id : myRefundIds[e.ref]!,
              e.at,
            ]);
            for (const x of e.postings) {
              const account = accountId(cmd.merchantId, p.service.currency, x.account);
              postings.push([postingIds[postingAt++]!, entryId, account, x.amountMinor]);
              const b = batchBalances.get(account) ?? {
                kind: x.account,
                currency: p.service.currency,
                delta: 0n,
              };
              b.delta += x.amountMinor;
              batchBalances.set(account, b);
            }
          }
          if (p.invoice)
            invoices.push(invoiceRow(p, id, cmd.merchantId, merchant!.name, billBase, invoiceSeq++, seq));
        });
        await insertRows(trx, flavor, 'payments', paymentColumns, payments);
        await insertRows(trx, flavor, 'refunds', refundColumns, refunds);
        await insertRows(
          trx,
          flavor,
          'ledger_entries',
          ['id', 'merchant_id', 'currency', 'kind', 'ref_type', 'ref_id', 'created_at'],
          entries,
        );
        // the accounts first: postings name them
        await moveBalances(trx, cmd.merchantId, batchBalances, ctx.nowMs);
        await insertRows(
          trx,
          flavor,
          'ledger_postings',
          ['id', 'entry_id', 'account_id', 'amount_minor'],
          postings,
        );
        await insertRows(trx, flavor, 'invoices', invoiceColumns, invoices);
        counts.refunds += refunds.length;
        counts.invoices += invoices.length;
        counts.entries += entries.length;
        // statistics: the contribution of each payment (stats/store.ts contribution), summed
        plans.forEach((p, k) => {
          const row = {
            id: ids[k]!,
            merchant_id: cmd.merchantId,
            created_at: BigInt(p.createdAt),
            system: p.service.method,
            status: p.status,
            currency: p.service.currency,
            amount_minor: p.amountMinor,
            captured_minor: p.capturedMinor,
            refunded_minor: p.refundedMinor,
            fee_minor: p.feeMinor,
          };
          sumInto(buckets, contribution(row, deps.config.statsTimeZone, 1n, dayOf(p.createdAt)));
        });
      });
      for (const [account, b] of batchBalances) {
        const all = balances.get(account) ?? { ...b, delta: 0n };
        all.delta += b.delta;
        balances.set(account, all);
      }
      done += n;
      cmd.onProgress?.(done, total);
    }
  }
  await inTransaction(deps.database, (trx) => addStats(trx, [...buckets.values()]));
  const bankRecords = await writeBankRecords(deps, cmd.merchantId, tag, ctx.nowMs);
  const result = {
    payments: total,
    refunds: counts.refunds,
    invoices: counts.invoices,
    ledgerEntries: counts.entries,
    bankRecords,
    ms: Math.round(performance.now() - started),
  };
  deps.log.info({ merchantId: cmd.merchantId.toString(), ...result }, 'demo data written');
  return ok(result);
}

function paymentRow(
  p: PlannedPayment,
  id: bigint,
  merchantId: bigint,
  publicId: string,
  externalId: string,
  seq: number,
  bankRef: string | null,
  connector: string,
  attemptsMax: number,
): Row {
  assertPaymentAmounts({
    id,
    amount_minor: p.amountMinor,
    authorized_minor: p.authorizedMinor,
    captured_minor: p.capturedMinor,
    refunded_minor: p.refundedMinor,
    refund_reserved_minor: 0n,
    fee_minor: p.feeMinor,
  });
  const paid = p.authorizedMinor > 0n;
  const name = clientName(p.client);
  const [first, last] = name.toLowerCase().split(' ');
  const customer = {
    reference: `C${String(p.client).padStart(6, '0')}`,
    name,
    email: `${first}.${last}${p.client}@example.ru`,
    phone: `+79${String((p.client * 7_919_113) % 1_000_000_000).padStart(9, '0')}`,
  };
  // what the engine hands the bank back for a capture, void or refund (the simulator's bankRef)
  const connectorData = bankRef ? `{"bankRef":"${bankRef}","authOperationId":"demo-${bankRef}"}` : null;
  const testMode = p.service.method === 'test' ? 1 : 0;
  const bank = paid || p.decline !== null;
  const rrnAt = new Date(p.paidAt ?? p.heldAt ?? p.updatedAt);
  return [
    id,
    publicId,
    merchantId,
    externalId,
    p.origin,
    p.flow,
    p.status,
    p.amountMinor,
    p.service.currency,
    p.feeMinor,
    p.authorizedMinor,
    p.capturedMinor,
    p.refundedMinor,
    0n,
    p.service.id,
    p.service.method,
    descriptions[seq % descriptions.length]!(seq),
    JSON.stringify(customer),
    '{}',
    '{}',
    testMode,
    p.attempts,
    attemptsMax,
    p.expiresAt,
    p.card?.mask ?? null,
    p.card?.brand ?? null,
    p.card?.holder ?? null,
    p.card?.expiry ?? null,
    bank ? connector : null,
    connectorData,
    paid ? '00' : (p.decline?.rc ?? null),
    paid ? rrnOf(rrnAt, seq) : null,
    paid ? approvalOf(seq) : null,
    bankRef,
    p.decline?.reason ?? null,
    p.decline ? messageFor(p.decline.reason) : null,
    p.createdAt,
    p.updatedAt,
    p.paidAt,
    p.service.fee.ratePpm,
    p.service.fee.fixedMinor,
    p.service.fee.minMinor,
    p.service.fee.maxMinor,
    paid ? 1 + p.refunds.length + (p.heldAt !== null && p.status !== 'authorized' ? 1 : 0) : 0,
  ];
}

/** `YDDDHH` + six digits, as the simulator writes an RRN (sim-receipt.ts). */
function rrnOf(at: Date, seq: number): string {
  const startOfYear = Date.UTC(at.getUTCFullYear(), 0, 1);
  const day = Math.floor((at.getTime() - startOfYear) / 86_400_000) + 1;
  return `${at.getUTCFullYear() % 10}${String(day).padStart(3, '0')}${String(at.getUTCHours()).padStart(2, '0')}${String((seq * 48_271) % 1_000_000).padStart(6, '0')}`;
}

const approvalOf = (seq: number) =>
  ((seq * 2_654_435_761) % 2_176_782_336).toString(36).toUpperCase().padStart(6, '0');

const invoiceColumns = [
  'id',
  'merchant_id',
  'payment_id',
  'status',
  'email',
  'data',
  'created_at',
  'updated_at',
  'sent_at',
  'paid_at',
  'user_id',
  'user_login',
] as const;

function invoiceRow(
  p: PlannedPayment,
  paymentId: bigint,
  merchantId: bigint,
  shop: string,
  billBase: string,
  invoiceSeq: number,
  seq: number,
): Row {
  // the minute's stamp as newInvoiceId writes it, then a counter: unique within the minute
  const id = `${newInvoiceId(new Date(p.createdAt)).slice(0, 12)}${String(invoiceSeq % 10_000_000).padStart(7, '0')}`;
  const paid = p.authorizedMinor > 0n && p.status !== 'canceled' && p.status !== 'expired';
  const status = paid
    ? 'paid'
    : p.status === 'expired'
      ? 'expired'
      : p.status === 'canceled'
        ? 'canceled'
        : 'sent';
  const name = clientName(p.client).toLowerCase().split(' ');
  const email = `${name[0]}.${name[1]}${p.client}@example.ru`;
  const data = {
    service_name: `Счёт ${seq}`,
    clientid: `C${String(p.client).padStart(6, '0')}`,
    orderid: null,
    client_phone: null,
    cart: null,
    lang: 'ru',
    user_result_callback: null,
    receipt_properties: null,
    shop,
    bill_base: billBase,
  };
  return [
    id,
    merchantId,
    paymentId,
    status,
    email,
    JSON.stringify(data),
    p.createdAt,
    p.updatedAt,
    p.createdAt + 1000,
    paid ? (p.paidAt ?? p.heldAt) : null,
    null,
    null,
  ];
}

/** The batch's ledger movement on each account: created when new, moved by the sum of its postings. */
async function moveBalances(
  trx: Tx,
  merchantId: bigint,
  moves: Map<string, { kind: AccountKind; currency: string; delta: bigint }>,
  nowMs: number,
): Promise<void> {
  const nonNegative = new Set<AccountKind>(['available', 'held', 'refunds_pending', 'payouts_pending']);
  for (const [id, m] of [...moves].sort(([a], [b]) => (a < b ? -1 : 1))) {
    await trx
      .insertInto('ledger_accounts')
      .values({
        id,
        merchant_id: merchantId,
        currency: m.currency as never,
        kind: m.kind,
        balance_minor: 0n,
        non_negative: nonNegative.has(m.kind) ? 1 : 0,
        updated_at: nowMs,
      })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    if (m.delta === 0n) continue;
    await trx
      .updateTable('ledger_accounts')
      .set({ balance_minor: sql`balance_minor + ${m.delta}`, updated_at: nowMs })
      .where('id', '=', id)
      .execute();
  }
}

/** Adds the buckets to daily_stats, as the live path adds a payment's contribution. */
async function addStats(trx: Tx, buckets: Contribution[]): Promise<void> {
  const chunk = 500;
  for (let i = 0; i < buckets.length; i += chunk) await addContributions(trx, ...buckets.slice(i, i + chunk));
}

/**
 * The simulator bank's books for the newest payments it still holds money of (held, or
 * captured with something left to refund): what a demo captures, voids or refunds. Older
 * ones have none, as a bank refuses refunds of long-settled payments.
 */
async function writeBankRecords(
  deps: EngineDeps,
  merchantId: bigint,
  tag: string,
  nowMs: number,
): Promise<number> {
  const rows = await deps.database.db
    .selectFrom('payments')
    .select([
      'id',
      'bank_ref',
      'connector_data',
      'card_mask',
      'card_brand',
      'currency',
      'status',
      'authorized_minor',
      'captured_minor',
      'refunded_minor',
      'paid_at',
      'updated_at',
      'created_at',
    ])
    .where('merchant_id', '=', merchantId)
    .where('external_id', 'like', `${tag}-%`)
    .where('created_at', '>=', BigInt(nowMs - bankRecordsDays * 86_400_000))
    .where('status', 'in', ['authorized', 'captured', 'partially_refunded'])
    .where('bank_ref', 'is not', null)
    .orderBy('created_at', 'desc')
    .limit(bankRecordsMax)
    .execute();
  const records = rows.map((r): SimAuthorizationRecord => {
    const data = JSON.parse(r.connector_data ?? '{}') as { authOperationId?: string };
    return {
      key: `ref:${r.bank_ref}`,
      record: 'authorization',
      bankRef: r.bank_ref!,
      operationId: data.authOperationId ?? `demo-${r.bank_ref}`,
      card: {
        mask: r.card_mask ?? '',
        brand: (r.card_brand ?? 'unknown') as SimAuthorizationRecord['card']['brand'],
      },
      currency: r.currency,
      state: r.status === 'authorized' ? 'held' : 'captured',
      authorizedMinor: r.authorized_minor.toString(),
      capturedMinor: r.captured_minor.toString(),
      refundedMinor: r.refunded_minor.toString(),
      applied: [],
      createdAt: new Date(Number(r.created_at)).toISOString(),
      updatedAt: new Date(Number(r.updated_at)).toISOString(),
    };
  });
  const chunk = 1000;
  for (let i = 0; i < records.length; i += chunk)
    await deps.database.db
      .insertInto('sim_bank_operations')
      .values(
        records
          .slice(i, i + chunk)
          .map((op) => ({ operation_id: op.key, data: JSON.stringify(op), created_at: nowMs })),
      )
      .onConflict((oc) => oc.column('operation_id').doNothing())
      .execute();
  return records.length;
}

/** Sets SQLite's page cache (pages, or KiB when negative) and returns the size it had. */
async function sqliteCacheSize(deps: EngineDeps, size: number): Promise<number> {
  const { rows } = await sql<{ cache_size: bigint }>`pragma cache_size`.execute(deps.database.db);
  await sql.raw(`pragma cache_size = ${Math.trunc(size)}`).execute(deps.database.db);
  return Number(rows[0]?.cache_size ?? -2000);
}
