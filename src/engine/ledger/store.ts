import assert from 'node:assert/strict';
import { sql } from 'kysely';
import type { Currency } from '../../domain/currency.ts';
import { sumMinor } from '../../domain/money.ts';
import type { Database, Tx } from '../../store/database.ts';

/**
 * Double-entry ledger. Every money movement is one entry of postings that sum to zero,
 * written in the transaction of the state change that caused it. Per merchant and currency:
 *
 * - available        money the gateway owes the merchant, free to pay out or refund (≥ 0)
 * - held             payers' money on hold for the merchant, not captured yet (≥ 0)
 * - refunds_pending  refunds sent to the bank and not answered yet (≥ 0)
 * - payouts_pending  payouts sent to the bank and not answered yet (≥ 0)
 * - acquirer         the acquiring bank's side of captures and refunds (goes negative)
 * - holds            the bank's side of holds
 * - fees             the gateway's fee income from this merchant
 * - payouts_out      money that left to the merchant's payees
 *
 * Balances live in `ledger_accounts` and move by conditional UPDATE, so "never negative"
 * holds under any concurrency; a CHECK constraint is the second lock.
 */
export const accountKinds = [
  'available',
  'held',
  'refunds_pending',
  'payouts_pending',
  'acquirer',
  'holds',
  'fees',
  'payouts_out',
] as const;
export type AccountKind = (typeof accountKinds)[number];

const nonNegative: ReadonlySet<AccountKind> = new Set([
  'available',
  'held',
  'refunds_pending',
  'payouts_pending',
]);

export type Posting = { account: AccountKind; amountMinor: bigint };

export type Entry = {
  merchantId: bigint;
  currency: Currency;
  kind: string;
  refType: 'payment' | 'refund' | 'payout';
  refId: bigint;
  postings: Posting[];
};

export const accountId = (merchantId: bigint, currency: string, kind: AccountKind) =>
  `${merchantId}:${currency}:${kind}`;

/**
 * Writes one balanced entry. Returns `false`, having changed nothing the caller must keep,
 * when it would drive a non-negative account below zero; the caller rolls back.
 */
export async function post(trx: Tx, entry: Entry, now: number): Promise<boolean> {
  assert(entry.postings.length >= 2, 'an entry has two sides');
  assert.equal(sumMinor(entry.postings.map((p) => p.amountMinor)), 0n, 'an entry balances');

  const byAccount = new Map<string, { kind: AccountKind; delta: bigint }>();
  for (const p of entry.postings) {
    const id = accountId(entry.merchantId, entry.currency, p.account);
    const seen = byAccount.get(id);
    byAccount.set(id, { kind: p.account, delta: (seen?.delta ?? 0n) + p.amountMinor });
  }
  await trx
    .insertInto('ledger_accounts')
    .values(
      [...byAccount].map(([id, { kind }]) => ({
        id,
        merchant_id: entry.merchantId,
        currency: entry.currency,
        kind,
        balance_minor: 0n,
        non_negative: nonNegative.has(kind) ? 1 : 0,
        updated_at: now,
      })),
    )
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();

  // A fixed order of row locks, so two entries touching the same accounts cannot deadlock.
  for (const [id, { delta }] of [...byAccount].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (delta === 0n) continue;
    const moved = await trx
      .updateTable('ledger_accounts')
      .set({ balance_minor: sql`balance_minor + ${delta}`, updated_at: now })
      .where('id', '=', id)
      .where((eb) => eb.or([eb('non_negative', '=', 0n), eb(sql`balance_minor + ${delta}`, '>=', 0n)]))
      .returning('id')
      .executeTakeFirst();
    if (!moved) return false;
  }

  const { id: entryId } = await trx
    .insertInto('ledger_entries')
    .values({
      merchant_id: entry.merchantId,
      currency: entry.currency,
      kind: entry.kind,
      ref_type: entry.refType,
      ref_id: entry.refId,
      created_at: now,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  await trx
    .insertInto('ledger_postings')
    .values(
      entry.postings.map((p) => ({
        entry_id: entryId,
        account_id: accountId(entry.merchantId, entry.currency, p.account),
        amount_minor: p.amountMinor,
      })),
    )
    .execute();
  return true;
}

export type Balances = Partial<Record<AccountKind, bigint>>;

export async function balances(
  database: Database,
  merchantId: bigint,
  currency: Currency,
): Promise<Balances> {
  const rows = await database.db
    .selectFrom('ledger_accounts')
    .select(['kind', 'balance_minor'])
    .where('merchant_id', '=', merchantId)
    .where('currency', '=', currency)
    .execute();
  return Object.fromEntries(rows.map((r) => [r.kind, r.balance_minor]));
}

export type LedgerCheck = { postingsSumMinor: bigint; unbalancedEntries: number; driftedAccounts: string[] };

/**
 * The ledger's self-check: all postings sum to zero, each entry balances, and every stored
 * balance equals the sum of its postings. Tests run it after every case.
 */
export async function verify(database: Database): Promise<LedgerCheck> {
  const { db } = database;
  const total = await db
    .selectFrom('ledger_postings')
    .select(sql<bigint>`coalesce(sum(amount_minor), 0)`.as('total'))
    .executeTakeFirstOrThrow();
  const unbalanced = await db
    .selectFrom('ledger_postings')
    .select('entry_id')
    .groupBy('entry_id')
    .having(sql`sum(amount_minor)`, '<>', 0)
    .execute();
  const drifted = await db
    .selectFrom('ledger_accounts as a')
    .leftJoin('ledger_postings as p', 'p.account_id', 'a.id')
    .select(['a.id', 'a.balance_minor'])
    .select(sql<bigint>`coalesce(sum(p.amount_minor), 0)`.as('posted'))
    .groupBy(['a.id', 'a.balance_minor'])
    .execute();
  return {
    postingsSumMinor: BigInt(total.total),
    unbalancedEntries: unbalanced.length,
    driftedAccounts: drifted.filter((r) => BigInt(r.posted) !== r.balance_minor).map((r) => r.id),
  };
}

/** For entries that cannot overdraw when our invariants hold (releasing a hold, settling). */
export async function mustPost(trx: Tx, entry: Entry, now: number): Promise<void> {
  const posted = await post(trx, entry, now);
  assert(posted, `ledger entry ${entry.kind} for ${entry.refType} ${entry.refId} would overdraw an account`);
}

/** One movement of an account, with the account's balance after it. */
export type StatementLine = {
  entryId: bigint;
  at: Date;
  kind: string;
  refType: string;
  refId: bigint;
  amountMinor: bigint;
  balanceAfterMinor: bigint;
};

export type StatementQuery = {
  merchantId: bigint;
  currency: Currency;
  account: AccountKind;
  fromMs: number;
  toMs: number;
  limit: number;
};

/**
 * The movements of one account of a merchant in [fromMs, toMs] (inclusive), oldest first. The
 * balance after each line is the sum of every posting up to it, so it agrees with the books
 * even for a period that starts long after the first movement.
 */
export async function ledgerStatement(database: Database, q: StatementQuery): Promise<StatementLine[]> {
  const id = accountId(q.merchantId, q.currency, q.account);
  const movements = database.db
    .selectFrom('ledger_postings as p')
    .innerJoin('ledger_entries as e', 'e.id', 'p.entry_id')
    .where('p.account_id', '=', id);
  const opening = await movements
    .select(sql<bigint>`coalesce(sum(p.amount_minor), 0)`.as('total'))
    .where('e.created_at', '<', BigInt(q.fromMs))
    .executeTakeFirstOrThrow();
  const rows = await movements
    .select([
      'e.id',
      'e.created_at',
      'e.kind',
      'e.ref_type',
      'e.ref_id',
      sql<bigint>`sum(p.amount_minor)`.as('amount'),
    ])
    .where('e.created_at', '>=', BigInt(q.fromMs))
    .where('e.created_at', '<=', BigInt(q.toMs))
    .groupBy(['e.id', 'e.created_at', 'e.kind', 'e.ref_type', 'e.ref_id'])
    .orderBy('e.id', 'asc')
    .limit(q.limit)
    .execute();
  let balance = BigInt(opening.total);
  return rows.map((r) => {
    const amountMinor = BigInt(r.amount);
    balance += amountMinor;
    return {
      entryId: r.id,
      at: new Date(Number(r.created_at)),
      kind: r.kind,
      refType: r.ref_type,
      refId: r.ref_id,
      amountMinor,
      balanceAfterMinor: balance,
    };
  });
}
