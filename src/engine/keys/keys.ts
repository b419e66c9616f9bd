import { limits } from '../../domain/limits.ts';
import { Secret } from '../../security/secret.ts';
import { inTransaction } from '../../store/transaction.ts';
import { formAad } from '../beneficiaries/view.ts';
import { panAad } from '../cards/view.ts';
import type { EngineDeps } from '../context.ts';
import { personAad } from '../identifications/view.ts';

/**
 * Master key rotation. Every sealed value names its key, so values under several keys live
 * side by side: `rotateKeys` re-encrypts each value not under the active key to it, in
 * batches (one transaction each, keyset by id), with a conditional UPDATE on the old value so
 * a concurrent change is never overwritten. A crash mid-way leaves some values moved and the
 * rest readable; running it again finishes the job and moves nothing twice.
 *
 * Sealed values, with the vault context (AAD) each is bound to:
 * - credentials.secret, credentials.secret2: `${merchantId}:${dialect}` and `…:${dialect}2`
 *   (merchants/merchants.ts), one string `keyId:ciphertext`
 * - cards.pan_encrypted with cards.pan_key_id: `${merchantId}:card:${cardId}` (cards/view.ts)
 */

export type SealedTable = 'credentials' | 'cards' | 'personal_data';
export type RotationCount = {
  table: SealedTable;
  /** Values moved to the active key by this run. */
  reencrypted: number;
  /** Values that were under the active key already. */
  current: number;
};
export type KeyUsage = {
  keyId: string;
  active: boolean;
  /** False: values sealed with a key this process does not have (they cannot be opened). */
  configured: boolean;
  credentials: number;
  cards: number;
  /** Identifications' passport data and beneficiaries' forms (ImPay KYC). */
  personalData: number;
};

type VaultDeps = Pick<EngineDeps, 'database' | 'vault' | 'log'>;

export const rotationBatchDefault = 200;
const batchOf = (n: number | undefined) =>
  Math.min(Math.max(n ?? rotationBatchDefault, 1), limits.pageSizeMax);

const credentialColumns = [
  { column: 'secret', purpose: (dialect: string) => dialect },
  { column: 'secret2', purpose: (dialect: string) => `${dialect}2` },
] as const;

async function rotateCredentials(deps: VaultDeps, batch: number): Promise<RotationCount> {
  const { vault } = deps;
  const active = vault.keyring.activeKeyId;
  const count: RotationCount = { table: 'credentials', reencrypted: 0, current: 0 };
  for (let afterId = 0n; ; ) {
    const last = await inTransaction(deps.database, async (trx) => {
      let query = trx
        .selectFrom('credentials')
        .select(['id', 'merchant_id', 'dialect', 'secret', 'secret2'])
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(batch);
      if (deps.database.flavor === 'postgres') query = query.forUpdate();
      const rows = await query.execute();
      let moved = 0;
      let current = 0;
      for (const row of rows)
        for (const { column, purpose } of credentialColumns) {
          const sealed = row[column];
          if (sealed === null) continue;
          if (vault.keyIdOf(sealed) === active) {
            current++;
            continue;
          }
          const aad = `${row.merchant_id}:${purpose(row.dialect)}`;
          const plain = new Secret(vault.open(sealed, aad));
          const updated = await trx
            .updateTable('credentials')
            .set({ [column]: vault.seal(plain.reveal(), aad) })
            .where('id', '=', row.id)
            .where(column, '=', sealed)
            .executeTakeFirst();
          moved += Number(updated.numUpdatedRows);
        }
      // counted only once the batch commits (the transaction may run again)
      return { lastId: rows.at(-1)?.id, moved, current };
    });
    count.reencrypted += last.moved;
    count.current += last.current;
    if (last.lastId === undefined) return count;
    afterId = last.lastId;
  }
}

async function rotateCards(deps: VaultDeps, batch: number): Promise<RotationCount> {
  const { vault } = deps;
  const active = vault.keyring.activeKeyId;
  const count: RotationCount = { table: 'cards', reencrypted: 0, current: 0 };
  for (let afterId = 0n; ; ) {
    const last = await inTransaction(deps.database, async (trx) => {
      let query = trx
        .selectFrom('cards')
        .select(['id', 'merchant_id', 'pan_key_id', 'pan_encrypted'])
        .where('id', '>', afterId)
        .where('pan_encrypted', 'is not', null)
        .orderBy('id')
        .limit(batch);
      if (deps.database.flavor === 'postgres') query = query.forUpdate();
      const rows = await query.execute();
      let moved = 0;
      let current = 0;
      for (const row of rows) {
        if (row.pan_key_id === null || row.pan_encrypted === null)
          throw new Error(`card ${row.id}: a sealed number without its key id`);
        if (row.pan_key_id === active) {
          current++;
          continue;
        }
        const aad = panAad(row.merchant_id, row.id);
        const pan = new Secret(vault.decrypt({ keyId: row.pan_key_id, ciphertext: row.pan_encrypted }, aad));
        const sealed = vault.encrypt(pan.reveal(), aad);
        const updated = await trx
          .updateTable('cards')
          .set({ pan_key_id: sealed.keyId, pan_encrypted: sealed.ciphertext })
          .where('id', '=', row.id)
          .where('pan_key_id', '=', row.pan_key_id)
          .where('pan_encrypted', '=', row.pan_encrypted)
          .executeTakeFirst();
        moved += Number(updated.numUpdatedRows);
      }
      return { lastId: rows.at(-1)?.id, moved, current };
    });
    count.reencrypted += last.moved;
    count.current += last.current;
    if (last.lastId === undefined) return count;
    afterId = last.lastId;
  }
}

/** Sealed personal data: one column per table, each with the AAD its aggregate seals with. */
const personalSources = [
  {
    table: 'identifications',
    column: 'person_sealed',
    aad: (r: { merchant_id: bigint; id: bigint }) => personAad(r.merchant_id, r.id),
  },
  {
    table: 'beneficiaries',
    column: 'form_sealed',
    aad: (r: { merchant_id: bigint; id: bigint }) => formAad(r.merchant_id),
  },
] as const;

async function rotatePersonalData(deps: VaultDeps, batch: number): Promise<RotationCount> {
  const { vault } = deps;
  const active = vault.keyring.activeKeyId;
  const count: RotationCount = { table: 'personal_data', reencrypted: 0, current: 0 };
  for (const source of personalSources)
    for (let afterId = 0n; ; ) {
      const last = await inTransaction(deps.database, async (trx) => {
        let query = trx
          .selectFrom(source.table)
          .select(['id', 'merchant_id', source.column])
          .where('id', '>', afterId)
          .orderBy('id')
          .limit(batch);
        if (deps.database.flavor === 'postgres') query = query.forUpdate();
        const rows = (await query.execute()) as { id: bigint; merchant_id: bigint; [k: string]: unknown }[];
        let moved = 0;
        let current = 0;
        for (const row of rows) {
          const sealed = row[source.column] as string;
          if (sealed === '') continue; // an identification between insert and seal
          if (vault.keyIdOf(sealed) === active) {
            current++;
            continue;
          }
          const aad = source.aad(row);
          const plain = new Secret(vault.open(sealed, aad));
          const updated = await trx
            .updateTable(source.table)
            .set({ [source.column]: vault.seal(plain.reveal(), aad) })
            .where('id', '=', row.id)
            .where(source.column, '=', sealed)
            .executeTakeFirst();
          moved += Number(updated.numUpdatedRows);
        }
        return { lastId: rows.at(-1)?.id, moved, current };
      });
      count.reencrypted += last.moved;
      count.current += last.current;
      if (last.lastId === undefined) break;
      afterId = last.lastId;
    }
  return count;
}

/**
 * Re-encrypts every sealed value to the active master key. Needs every key the values name
 * (old ones included) in the keyring; a value it cannot open stops it with the table and row
 * named, and what was moved before stays moved.
 */
export async function rotateKeys(
  deps: VaultDeps,
  options: { batchSize?: number } = {},
): Promise<RotationCount[]> {
  const batch = batchOf(options.batchSize);
  const counts = [
    await rotateCredentials(deps, batch),
    await rotateCards(deps, batch),
    await rotatePersonalData(deps, batch),
  ];
  deps.log.info(
    { activeKeyId: deps.vault.keyring.activeKeyId, counts },
    'sealed values re-encrypted to the active master key',
  );
  return counts;
}

/** How many sealed values each key id holds: a key is safe to retire once it holds none. */
export async function keyUsage(deps: VaultDeps): Promise<KeyUsage[]> {
  const { db } = deps.database;
  const usage = new Map<string, KeyUsage>();
  const entry = (keyId: string): KeyUsage => {
    let e = usage.get(keyId);
    if (!e) {
      e = {
        keyId,
        active: keyId === deps.vault.keyring.activeKeyId,
        configured: deps.vault.keyring.keys.has(keyId),
        credentials: 0,
        cards: 0,
        personalData: 0,
      };
      usage.set(keyId, e);
    }
    return e;
  };
  for (const keyId of deps.vault.keyring.keys.keys()) entry(keyId);
  const batch = limits.pageSizeMax;
  for (let afterId = 0n; ; ) {
    const rows = await db
      .selectFrom('credentials')
      .select(['id', 'secret', 'secret2'])
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(batch)
      .execute();
    for (const row of rows)
      for (const sealed of [row.secret, row.secret2])
        if (sealed !== null) entry(deps.vault.keyIdOf(sealed)).credentials++;
    const last = rows.at(-1);
    if (!last) break;
    afterId = last.id;
  }
  const cards = await db
    .selectFrom('cards')
    .select(['pan_key_id'])
    .select((eb) => eb.fn.countAll<bigint>().as('n'))
    .where('pan_encrypted', 'is not', null)
    .groupBy('pan_key_id')
    .execute();
  for (const c of cards) entry(c.pan_key_id ?? '(none)').cards += Number(c.n);
  for (const source of personalSources)
    for (let afterId = 0n; ; ) {
      const rows = (await db
        .selectFrom(source.table)
        .select(['id', source.column])
        .where('id', '>', afterId)
        .orderBy('id')
        .limit(batch)
        .execute()) as { id: bigint; [k: string]: unknown }[];
      for (const row of rows) {
        const sealed = row[source.column] as string;
        if (sealed !== '') entry(deps.vault.keyIdOf(sealed)).personalData++;
      }
      const last = rows.at(-1);
      if (!last) break;
      afterId = last.id;
    }
  return [...usage.values()].sort((a, b) => a.keyId.localeCompare(b.keyId));
}
