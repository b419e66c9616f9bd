import type { BeneficiaryRow } from '../../store/schema.ts';
import { inTransaction, isUniqueViolation } from '../../store/transaction.ts';
import type { EngineContext } from '../context.ts';
import { formAad } from './view.ts';

/**
 * Beneficiaries a merchant pays on behalf of others (a platform's sellers, a crowdfunding's
 * authors). Their identifying numbers are kept in clear to find them; the rest of the form
 * (passports, addresses) is personal data and sealed by the vault.
 */

export type BeneficiaryKind = BeneficiaryRow['kind'];

export type RegisterBeneficiaryCmd = {
  merchantId: bigint;
  kind: BeneficiaryKind;
  inn: string | null;
  kpp: string | null;
  ogrn: string | null;
  name: string;
  /** The whole form as sent, sealed. */
  form: Record<string, unknown>;
};

export type Beneficiary = {
  id: bigint;
  merchantId: bigint;
  kind: BeneficiaryKind;
  inn: string | null;
  kpp: string | null;
  ogrn: string | null;
  name: string;
  /** True when this registration replaced the form of one registered before (same INN). */
  replaced: boolean;
};

const toBeneficiary = (row: BeneficiaryRow, replaced: boolean): Beneficiary => ({
  id: row.id,
  merchantId: row.merchant_id,
  kind: row.kind,
  inn: row.inn,
  kpp: row.kpp,
  ogrn: row.ogrn,
  name: row.name,
  replaced,
});

/**
 * Registers a beneficiary. One with the INN of one already registered (same merchant and kind)
 * is a re-registration: its form replaces the old one. Concurrent registrations of one INN
 * meet at the unique index; the loser then updates the winner's row.
 */
export async function registerBeneficiary(
  deps: EngineContext,
  cmd: RegisterBeneficiaryCmd,
): Promise<Beneficiary> {
  try {
    return await upsert(deps, cmd);
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return upsert(deps, cmd);
  }
}

function upsert(deps: EngineContext, cmd: RegisterBeneficiaryCmd): Promise<Beneficiary> {
  const now = deps.now().getTime();
  const fields = {
    kpp: cmd.kpp,
    ogrn: cmd.ogrn,
    name: cmd.name,
    form_sealed: deps.vault.seal(JSON.stringify(cmd.form), formAad(cmd.merchantId)),
    updated_at: now,
  };
  return inTransaction(deps.database, async (trx) => {
    if (cmd.inn !== null) {
      const updated = await trx
        .updateTable('beneficiaries')
        .set(fields)
        .where('merchant_id', '=', cmd.merchantId)
        .where('kind', '=', cmd.kind)
        .where('inn', '=', cmd.inn)
        .returningAll()
        .executeTakeFirst();
      if (updated) return toBeneficiary(updated, true);
    }
    const row = await trx
      .insertInto('beneficiaries')
      .values({ ...fields, merchant_id: cmd.merchantId, kind: cmd.kind, inn: cmd.inn, created_at: now })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toBeneficiary(row, false);
  });
}

/** The form of a registered beneficiary, opened (for the merchant's own records). */
export async function beneficiaryForm(
  deps: EngineContext,
  merchantId: bigint,
  id: bigint,
): Promise<Record<string, unknown> | null> {
  const row = await deps.database.db
    .selectFrom('beneficiaries')
    .select(['form_sealed'])
    .where('id', '=', id)
    .where('merchant_id', '=', merchantId)
    .executeTakeFirst();
  return row
    ? (JSON.parse(deps.vault.open(row.form_sealed, formAad(merchantId))) as Record<string, unknown>)
    : null;
}
