import { type EngineError, engineError } from '../../domain/errors.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import { inTransaction } from '../../store/transaction.ts';
import type { EngineDeps } from '../context.ts';
import {
  defaultFormFields,
  type FormField,
  type FormFieldChange,
  formFieldOrderMax,
  formFieldTextMax,
  isFormFieldKind,
  lockedFormField,
} from './form-fields-view.ts';

type FieldRow = {
  displayed_name: string;
  placeholder: string;
  required: bigint;
  enabled: bigint;
  type: string;
  sort_order: bigint;
};

const fieldOf = (base: FormField, row: FieldRow): FormField => ({
  name: base.name,
  displayedName: row.displayed_name,
  placeholder: row.placeholder,
  required: row.required === 1n,
  enabled: row.enabled === 1n,
  kind: isFormFieldKind(row.type) ? row.type : base.kind,
  order: Number(row.sort_order),
});

/**
 * An organization's lists (PayKeeper 4.5/4.6, 5.2–5.4): the payment form's fields and the
 * addresses that receive reports of accepted payments. Every query is scoped by merchant.
 */

export type ReportEmail = { id: bigint; email: string };

/** How many report addresses an organization may keep: each accepted payment mails them all. */
export const reportEmailsMax = 50;
const emailLengthMax = 254;

export async function listReportEmails(deps: EngineDeps, merchantId: bigint): Promise<ReportEmail[]> {
  const rows = await deps.database.db
    .selectFrom('report_emails')
    .select(['id', 'email'])
    .where('merchant_id', '=', merchantId)
    .orderBy('id')
    .execute();
  return rows.map((r) => ({ id: r.id, email: r.email }));
}

/**
 * Adds an address (the caller has checked its syntax). The same address again, in any case,
 * is the one already there: adding is idempotent. More than `reportEmailsMax` is refused.
 */
export async function addReportEmail(
  deps: EngineDeps,
  merchantId: bigint,
  email: string,
): Promise<Result<ReportEmail, EngineError>> {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: an address goes into a header
  if (email.length === 0 || email.length > emailLengthMax || /[\u0000-\u001F\u007F\s]/.test(email))
    return fail(engineError('invalid_argument', { field: 'email' }));
  const key = email.toLowerCase();
  return inTransaction(deps.database, async (trx) => {
    const existing = await trx
      .selectFrom('report_emails')
      .select(['id', 'email'])
      .where('merchant_id', '=', merchantId)
      .where('email_key', '=', key)
      .executeTakeFirst();
    if (existing) return ok({ id: existing.id, email: existing.email });
    const { count } = await trx
      .selectFrom('report_emails')
      .select((eb) => eb.fn.countAll<string | number | bigint>().as('count'))
      .where('merchant_id', '=', merchantId)
      .executeTakeFirstOrThrow();
    if (Number(count) >= reportEmailsMax)
      return fail(engineError('invalid_argument', { field: 'email', detail: 'too_many' }));
    const row = await trx
      .insertInto('report_emails')
      .values({ merchant_id: merchantId, email, email_key: key, created_at: deps.now().getTime() })
      .onConflict((oc) => oc.columns(['merchant_id', 'email_key']).doNothing())
      .returning(['id', 'email'])
      .executeTakeFirst();
    if (row) return ok({ id: row.id, email: row.email });
    // added at the same moment by another request: that row is this address
    const raced = await trx
      .selectFrom('report_emails')
      .select(['id', 'email'])
      .where('merchant_id', '=', merchantId)
      .where('email_key', '=', key)
      .executeTakeFirstOrThrow();
    return ok({ id: raced.id, email: raced.email });
  });
}

/** Removes one of the merchant's addresses; false when it has no such id. */
export async function deleteReportEmail(deps: EngineDeps, merchantId: bigint, id: bigint): Promise<boolean> {
  const { numDeletedRows } = await deps.database.db
    .deleteFrom('report_emails')
    .where('merchant_id', '=', merchantId)
    .where('id', '=', id)
    .executeTakeFirst();
  return numDeletedRows > 0n;
}

/** The payment form's fields, in their order: the defaults with the organization's changes. */
export async function listFormFields(deps: EngineDeps, merchantId: bigint): Promise<FormField[]> {
  const rows = await deps.database.db
    .selectFrom('form_fields')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .execute();
  const changed = new Map(rows.map((r) => [r.pk_name, r]));
  return defaultFormFields
    .map((field): FormField => {
      const row = changed.get(field.name);
      return row ? fieldOf(field, row) : field;
    })
    .sort((a, b) => a.order - b.order || a.name.localeCompare(b.name));
}

/**
 * Changes what is given of one field (5.2). An unknown field is `invalid_argument` on `pk_name`
 * (detail `unknown`), `sum` is refused (detail `locked`).
 */
export async function changeFormField(
  deps: EngineDeps,
  merchantId: bigint,
  name: string,
  change: FormFieldChange,
): Promise<Result<FormField, EngineError>> {
  const base = defaultFormFields.find((f) => f.name === name);
  if (!base) return fail(engineError('invalid_argument', { field: 'pk_name', detail: 'unknown' }));
  if (name === lockedFormField)
    return fail(engineError('invalid_argument', { field: 'pk_name', detail: 'locked' }));
  if (
    change.order !== undefined &&
    (!Number.isSafeInteger(change.order) || change.order < 0 || change.order > formFieldOrderMax)
  )
    return fail(engineError('invalid_argument', { field: 'order' }));
  if (change.kind !== undefined && !isFormFieldKind(change.kind))
    return fail(engineError('invalid_argument', { field: 'type' }));
  for (const field of ['displayedName', 'placeholder'] as const) {
    const text = change[field];
    if (text !== undefined && text.length > formFieldTextMax)
      return fail(engineError('invalid_argument', { field }));
  }
  return inTransaction(deps.database, async (trx) => {
    const row = await trx
      .selectFrom('form_fields')
      .selectAll()
      .where('merchant_id', '=', merchantId)
      .where('pk_name', '=', name)
      .executeTakeFirst();
    const current = row ? fieldOf(base, row) : base;
    const next: FormField = { ...current, ...change, name };
    const values = {
      displayed_name: next.displayedName,
      placeholder: next.placeholder,
      required: next.required ? 1 : 0,
      enabled: next.enabled ? 1 : 0,
      type: next.kind,
      sort_order: next.order,
      updated_at: deps.now().getTime(),
    };
    await trx
      .insertInto('form_fields')
      .values({ merchant_id: merchantId, pk_name: name, ...values })
      .onConflict((oc) => oc.columns(['merchant_id', 'pk_name']).doUpdateSet(values))
      .execute();
    return ok(next);
  });
}
