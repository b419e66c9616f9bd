import { type Kysely, type Migration, sql } from 'kysely';
import type { Flavor } from '../schema.ts';

/**
 * The amounts of payments, refunds and payouts, as the engine maintains them, checked by the
 * database too: the second lock behind the engine's assertions (payments/store.ts
 * assertPaymentAmounts). A row that breaks one is a bug, and the write fails loudly.
 *
 * On a payment, `refund_reserved_minor` is what refunds still with the bank (`pending`,
 * `unknown`) have reserved: together with what is refunded it never exceeds the capture. The
 * fee is the quote on the whole amount until something is captured (a charge not yet paid, a
 * decline, an expiry), then the fee on the capture (a hold authorized and not captured carries
 * none). A refund gives back at most itself as fee (domain/fees.ts refundFeeShare); a payout's
 * fee never exceeds the payout (feeFor).
 */
export const amountChecks: Record<'payments' | 'refunds' | 'payouts', Record<string, string>> = {
  payments: {
    payments_amount_positive: 'amount_minor > 0',
    payments_refunds_not_negative: 'refunded_minor >= 0 and refund_reserved_minor >= 0',
    payments_refunds_within_capture: 'refunded_minor + refund_reserved_minor <= captured_minor',
    payments_capture_within_hold: 'captured_minor <= authorized_minor',
    payments_hold_within_amount: 'authorized_minor <= amount_minor',
    payments_fee_within_capture:
      'fee_minor >= 0 and (fee_minor <= captured_minor or (captured_minor = 0 and fee_minor <= amount_minor))',
  },
  refunds: {
    refunds_amount_positive: 'amount_minor > 0',
    refunds_fee_within_amount: 'fee_minor >= 0 and fee_minor <= amount_minor',
  },
  payouts: {
    payouts_amount_positive: 'amount_minor > 0',
    payouts_fee_within_amount: 'fee_minor >= 0 and fee_minor <= amount_minor',
  },
};

/**
 * PostgreSQL adds each constraint, checking the rows there are. SQLite cannot add a CHECK to a
 * table, so each table is rebuilt (the procedure of sqlite.org/lang_altertable.html): a copy
 * declared as the table is, plus the checks, filled with every row, then put in its place,
 * its indexes and AUTOINCREMENT counter restored. Foreign keys are off meanwhile (SQLite
 * migrations run outside a transaction, where the pragma takes effect), the rebuild is one
 * transaction, and `foreign_key_check` must find nothing before it commits. Running it again
 * changes nothing: the tests rebuild a database full of rows that way.
 */
export const amountCheckMigration = (flavor: Flavor): Migration => ({
  up: (db) => (flavor === 'postgres' ? addChecks(db) : rebuildWithChecks(db)),
});

// biome-ignore lint/suspicious/noExplicitAny: migrations run before the typed schema exists
type AnyDb = Kysely<any>;

async function addChecks(db: AnyDb): Promise<void> {
  for (const [table, checks] of Object.entries(amountChecks))
    for (const [name, check] of Object.entries(checks)) {
      await sql`alter table ${sql.table(table)} drop constraint if exists ${sql.ref(name)}`.execute(db);
      await sql`alter table ${sql.table(table)} add constraint ${sql.ref(name)} check (${sql.raw(check)})`.execute(
        db,
      );
    }
}

async function rebuildWithChecks(db: AnyDb): Promise<void> {
  const { rows } = await sql<{ foreign_keys: number }>`pragma foreign_keys`.execute(db);
  const foreignKeys = Number(rows[0]?.foreign_keys) === 1;
  await sql`pragma foreign_keys = off`.execute(db);
  try {
    await db.transaction().execute(async (trx) => {
      for (const [table, checks] of Object.entries(amountChecks)) await rebuild(trx, table, checks);
      const broken = await sql`pragma foreign_key_check`.execute(trx);
      if (broken.rows.length > 0)
        throw new Error(`0006_amount_checks: foreign keys broken: ${JSON.stringify(broken.rows)}`);
    });
  } finally {
    if (foreignKeys) await sql`pragma foreign_keys = on`.execute(db);
  }
}

async function rebuild(trx: AnyDb, table: string, checks: Record<string, string>): Promise<void> {
  const copy = `${table}_0006`;
  const objects = await sql<{ type: string; name: string; sql: string | null }>`
    select type, name, sql from sqlite_master where tbl_name = ${table} order by type desc, name`.execute(
    trx,
  );
  const definition = objects.rows.find((o) => o.type === 'table')?.sql;
  if (!definition) throw new Error(`0006_amount_checks: no table ${table}`);
  const indexes = objects.rows.filter((o) => o.type === 'index' && o.sql !== null).map((o) => o.sql!);
  // the table as declared (every column, default, key and reference), its old checks dropped
  const body = definition.slice(definition.indexOf('('), definition.lastIndexOf(')'));
  const kept = body
    .split(/,\s*(?=constraint\s+"[a-z_]+"\s+check\s*\()/i)
    .filter((part) => !/^constraint\s+"[a-z_]+"\s+check\s*\(/i.test(part));
  const declared = Object.entries(checks).map(([name, check]) => `constraint "${name}" check (${check})`);
  await sql.raw(`create table "${copy}" ${[kept.join(', '), ...declared].join(', ')})`).execute(trx);
  await sql.raw(`insert into "${copy}" select * from "${table}"`).execute(trx);
  // ids are never reused: the copy counts on from the old table's highest id ever
  const counter = async (name: string) =>
    BigInt(
      (await sql<{ seq: bigint }>`select seq from sqlite_sequence where name = ${name}`.execute(trx)).rows[0]
        ?.seq ?? 0,
    );
  const before = await counter(table);
  await sql.raw(`drop table "${table}"`).execute(trx);
  await sql.raw(`alter table "${copy}" rename to "${table}"`).execute(trx);
  const seq = [before, await counter(table)].reduce((a, b) => (a > b ? a : b));
  await sql`delete from sqlite_sequence where name = ${table}`.execute(trx);
  if (seq > 0n) await sql`insert into sqlite_sequence (name, seq) values (${table}, ${seq})`.execute(trx);
  for (const index of indexes) await sql.raw(index).execute(trx);
}
