import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import type { IdentityPerson } from '../../acquiring/connector.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import type { IdentificationStatus } from '../../domain/states.ts';
import { Secret } from '../../security/secret.ts';
import type { IdentificationRow } from '../../store/schema.ts';
import { inTransaction } from '../../store/transaction.ts';
import { connectorFor } from '../bank.ts';
import type { EngineContext } from '../context.ts';
import { publish } from '../outbox/store.ts';
import {
  type CodeRefusal,
  type Identification,
  personAad,
  type StartedIdentification,
  type StartIdentificationCmd,
  toIdentification,
} from './view.ts';

export type { CodeRefusal, Identification, StartedIdentification, StartIdentificationCmd } from './view.ts';

/** How long an SMS code is good for, and how many wrong ones end the identification. */
export const identificationRules = { codeTtlMs: 10 * 60_000, codeAttemptsMax: 5, codeDigits: 6 } as const;

/** The code is kept only as an HMAC under a salt of its own row. */
const codeHash = (salt: string, code: string) => createHmac('sha256', salt).update(code).digest('hex');

function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, 'hex');
  const y = Buffer.from(b, 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Starts identifying a person. With a phone, a code is "sent" (test mode: returned to the
 * caller) and the registries are asked only once it comes back right; without one they are
 * asked at once.
 */
export async function startIdentification(
  deps: EngineContext,
  cmd: StartIdentificationCmd,
): Promise<StartedIdentification> {
  const now = deps.now().getTime();
  const code =
    cmd.phone === null ? null : String(randomInt(0, 10 ** identificationRules.codeDigits)).padStart(6, '0');
  const salt = randomBytes(16).toString('hex');
  const row = await inTransaction(deps.database, async (trx) => {
    const inserted = await trx
      .insertInto('identifications')
      .values({
        merchant_id: cmd.merchantId,
        status: code === null ? 'verifying' : 'code_sent',
        person_sealed: '',
        phone: cmd.phone,
        code_salt: code === null ? null : salt,
        code_hash: code === null ? null : codeHash(salt, code),
        code_expires_at: code === null ? null : now + identificationRules.codeTtlMs,
        code_attempts: 0,
        test_mode: 1,
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    // sealed once the id is known, so the sealed data names its row
    const sealed = deps.vault.seal(
      JSON.stringify(cmd.person.reveal()),
      personAad(cmd.merchantId, inserted.id),
    );
    return trx
      .updateTable('identifications')
      .set({ person_sealed: sealed })
      .where('id', '=', inserted.id)
      .returningAll()
      .executeTakeFirstOrThrow();
  });
  const identification = code === null ? await askRegistries(deps, row) : toIdentification(row);
  return { identification, testCode: code };
}

/**
 * The phone code, back from the person. A wrong one is counted (the fifth ends the
 * identification), a late one ends it; the right one moves it on to the registries.
 */
export async function confirmIdentificationCode(
  deps: EngineContext,
  cmd: { merchantId: bigint; id: bigint; code: string },
): Promise<Result<Identification, CodeRefusal>> {
  const now = deps.now().getTime();
  const judged = await inTransaction(
    deps.database,
    async (trx): Promise<Result<IdentificationRow, CodeRefusal>> => {
      let query = trx
        .selectFrom('identifications')
        .selectAll()
        .where('id', '=', cmd.id)
        .where('merchant_id', '=', cmd.merchantId);
      if (deps.database.flavor === 'postgres') query = query.forUpdate();
      const row = await query.executeTakeFirst();
      if (!row) return fail('not_found');
      if (row.status !== 'code_sent') return fail(row.status === 'expired' ? 'expired' : 'not_awaiting_code');
      const move = (status: IdentificationStatus, attempts = row.code_attempts) =>
        trx
          .updateTable('identifications')
          .set({ status, code_attempts: attempts, updated_at: now })
          .where('id', '=', row.id)
          .where('status', '=', 'code_sent')
          .where('code_attempts', '=', row.code_attempts)
          .returningAll()
          .executeTakeFirst();
      if (row.code_expires_at === null || now > Number(row.code_expires_at)) {
        await move('expired');
        return fail('expired');
      }
      if (!sameHash(codeHash(row.code_salt ?? '', cmd.code), row.code_hash ?? '')) {
        const attempts = row.code_attempts + 1n;
        const after = await move(
          attempts >= identificationRules.codeAttemptsMax ? 'expired' : 'code_sent',
          attempts,
        );
        return fail(after?.status === 'expired' ? 'expired' : 'wrong_code');
      }
      const after = await move('verifying');
      // another request with the right code took it first
      return after ? ok(after) : fail('not_awaiting_code');
    },
  );
  if (!judged.ok) return judged;
  return ok(await askRegistries(deps, judged.value));
}

/** Asks the bank's registries about a `verifying` person, outside any transaction. */
async function askRegistries(deps: EngineContext, row: IdentificationRow): Promise<Identification> {
  const connector = connectorFor(deps, null);
  if (!connector.identify) return toIdentification(row);
  const person = JSON.parse(
    deps.vault.open(row.person_sealed, personAad(row.merchant_id, row.id)),
  ) as IdentityPerson;
  let verdict: Awaited<ReturnType<NonNullable<typeof connector.identify>>>;
  try {
    verdict = await connector.identify({
      operationId: `ident-${row.id}`,
      testMode: row.test_mode === 1n,
      person: new Secret(person),
    });
  } catch (error) {
    // no verdict: it stays in progress (state 0); the merchant asks again later
    deps.log.warn({ err: error, identificationId: row.id.toString() }, 'identity check failed');
    return toIdentification(row);
  }
  const now = deps.now().getTime();
  return inTransaction(deps.database, async (trx) => {
    const after = await trx
      .updateTable('identifications')
      .set({ status: verdict.verified ? 'verified' : 'rejected', rc: verdict.rc, updated_at: now })
      .where('id', '=', row.id)
      .where('status', '=', 'verifying')
      .returningAll()
      .executeTakeFirst();
    if (!after) return toIdentification(await reload(trx, row.id));
    const identification = toIdentification(after);
    await publish(
      trx,
      deps.notifiers,
      { type: 'identification', name: `identification.${after.status}`, identification },
      now,
    );
    return identification;
  });
}

const reload = (trx: Parameters<Parameters<typeof inTransaction>[1]>[0], id: bigint) =>
  trx.selectFrom('identifications').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

export async function getIdentification(
  deps: EngineContext,
  merchantId: bigint,
  id: bigint,
): Promise<Identification | null> {
  const row = await deps.database.db
    .selectFrom('identifications')
    .selectAll()
    .where('id', '=', id)
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  return row ? toIdentification(row) : null;
}
