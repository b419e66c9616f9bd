import { type Currency, isCurrency } from '../../domain/currency.ts';
import { type EngineError, engineError } from '../../domain/errors.ts';
import { feeFor, noFee } from '../../domain/fees.ts';
import { newPublicId } from '../../domain/ids.ts';
import { limits } from '../../domain/limits.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import type { Tx } from '../../store/database.ts';
import type { PaymentRow, ServiceRow } from '../../store/schema.ts';
import { Rollback } from '../../store/transaction.ts';
import { attachNewCard } from '../cards/store.ts';
import type { CardLink } from '../cards/view.ts';
import type { EngineContext } from '../context.ts';
import { toService } from '../merchants/view.ts';
import { eventOf, lockPayment, recordPaymentChange } from './store.ts';
import {
  type Customer,
  type Flow,
  type Origin,
  type Payment,
  type ReturnUrls,
  type TestOutcome,
  toPayment,
} from './view.ts';

export type CreatePaymentCmd = {
  merchantId: bigint;
  origin: Origin;
  amountMinor: bigint;
  currency: Currency;
  flow?: Flow;
  externalId?: string | null;
  description?: string;
  customer?: Customer;
  metadata?: Record<string, unknown>;
  returnUrls?: ReturnUrls;
  callbackUrl?: string | null;
  expiresAt?: Date;
  testMode?: boolean;
  /** A service from the merchant's catalogue; by default the card service of the currency. */
  serviceCode?: string;
  /** Keep the card this payment is paid with in the vault (autopay, payouts): `payment.cardLink`. */
  saveCard?: boolean;
  /** A test-service payment's outcome, stored so that a crash before it is applied strands nothing. */
  testOutcome?: TestOutcome;
  /** Created with a public (browser) key. */
  publicCreate?: boolean;
  /**
   * One card attempt only: a merchant's PCI DSS back end sends one card per payment, so the
   * bank's refusal fails the payment for good instead of reopening it for another card.
   */
  singleAttempt?: boolean;
};

export type Created = { payment: Payment; created: boolean };

const isHttpUrl = (text: string) => {
  if (text.length > limits.urlLengthMax) return false;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
};

export function validate(cmd: CreatePaymentCmd, now: Date): EngineError | null {
  if (!isCurrency(cmd.currency)) return engineError('invalid_currency', { field: 'currency' });
  if (cmd.amountMinor <= 0n)
    return engineError('invalid_amount', { field: 'amount', detail: 'must be greater than 0' });
  if (cmd.amountMinor > limits.amountMinorMax)
    return engineError('invalid_amount', { field: 'amount', detail: 'too large' });
  if (
    cmd.externalId != null &&
    (cmd.externalId.length === 0 || cmd.externalId.length > limits.externalIdLengthMax)
  )
    return engineError('invalid_argument', {
      field: 'externalId',
      detail: `1 to ${limits.externalIdLengthMax} characters`,
    });
  if ((cmd.description ?? '').length > limits.descriptionLengthMax)
    return engineError('invalid_argument', {
      field: 'description',
      detail: `at most ${limits.descriptionLengthMax} characters`,
    });
  for (const [name, url] of Object.entries(cmd.returnUrls ?? {}))
    if (url !== undefined && !isHttpUrl(url))
      return engineError('invalid_argument', { field: `returnUrls.${name}`, detail: 'not an http(s) URL' });
  if (cmd.callbackUrl && !isHttpUrl(cmd.callbackUrl))
    return engineError('invalid_argument', { field: 'callbackUrl', detail: 'not an http(s) URL' });
  if (Buffer.byteLength(JSON.stringify(cmd.metadata ?? {})) > limits.metadataBytesMax)
    return engineError('invalid_argument', { field: 'metadata', detail: 'too large' });
  if (cmd.expiresAt && cmd.expiresAt.getTime() <= now.getTime())
    return engineError('invalid_argument', { field: 'expiresAt', detail: 'in the past' });
  return null;
}

/** The retry of a create names the same payment; anything else with that external id conflicts. */
function sameRequest(existing: PaymentRow, cmd: CreatePaymentCmd, link?: CardLink): EngineError | null {
  if (existing.currency !== cmd.currency)
    return engineError('exists_with_different_currency', { field: 'currency' });
  if (existing.amount_minor !== cmd.amountMinor)
    return engineError('exists_with_different_amount', { field: 'amount' });
  if (existing.flow !== (cmd.flow ?? 'charge'))
    return engineError('exists_with_different_request', { field: 'flow' });
  if (existing.card_role !== (link?.role ?? (cmd.saveCard ? 'save' : null)))
    return engineError('exists_with_different_request', { field: link ? 'cardId' : 'saveCard' });
  if (link && existing.card_id !== link.cardId)
    return engineError('exists_with_different_request', { field: 'cardId' });
  return null;
}

/**
 * The body of createPayment inside the caller's transaction, for use cases that create a
 * payment together with something else (an invoice, a card registration). Business failures
 * throw `Rollback`, so nothing the caller wrote before survives them.
 */
export async function insertPayment(
  trx: Tx,
  deps: EngineContext,
  cmd: CreatePaymentCmd,
  /** The vault card this payment verifies (registration) or charges (autopay); see cards/cards.ts. */
  link?: CardLink,
): Promise<Result<Created, EngineError>> {
  const now = deps.now();
  const invalid = validate(cmd, now);
  if (invalid) throw new Rollback(fail(invalid));
  const serviceCode = cmd.serviceCode ?? `card_${cmd.currency.toLowerCase()}`;
  // the merchant and the service in one statement: one round trip fewer on PostgreSQL
  const found = await trx
    .selectFrom('merchants as m')
    .leftJoin('services as s', (join) =>
      join.onRef('s.merchant_id', '=', 'm.id').on('s.code', '=', serviceCode).on('s.kind', '=', 'pay'),
    )
    .select([
      'm.status as merchant_status',
      'm.settings as merchant_settings',
      's.id',
      's.merchant_id',
      's.code',
      's.kind',
      's.method',
      's.currency',
      's.fee_rate_ppm',
      's.fee_fixed_minor',
      's.fee_min_minor',
      's.fee_max_minor',
      's.enabled',
      's.created_at',
    ])
    .where('m.id', '=', cmd.merchantId)
    .executeTakeFirst();
  if (!found) throw new Rollback(fail(engineError('merchant_not_found')));
  if (found.merchant_status !== 'active') throw new Rollback(fail(engineError('merchant_disabled')));
  const { merchant_status: _, merchant_settings, ...serviceColumns } = found;
  const serviceRow = serviceColumns.id === null ? undefined : (serviceColumns as ServiceRow);
  if (cmd.serviceCode && !serviceRow)
    throw new Rollback(fail(engineError('service_not_found', { field: 'service' })));
  const service = serviceRow ? toService(serviceRow) : null;
  if (service && service.currency !== cmd.currency)
    throw new Rollback(fail(engineError('currency_mismatch', { field: 'currency' })));
  if (service && !service.enabled)
    throw new Rollback(fail(engineError('service_not_found', { field: 'service', detail: 'disabled' })));

  const settings = JSON.parse(merchant_settings) as { callbackUrl?: string };
  // The terms stay with the payment: a hold captured later pays what it was created under.
  const fee = service?.fee ?? noFee;
  const insert = trx
    .insertInto('payments')
    .values({
      public_id: newPublicId(),
      merchant_id: cmd.merchantId,
      external_id: cmd.externalId ?? null,
      origin: cmd.origin,
      flow: cmd.flow ?? 'charge',
      status: 'created',
      amount_minor: cmd.amountMinor,
      currency: cmd.currency,
      fee_minor: feeFor(cmd.amountMinor, fee),
      fee_rate_ppm: fee.ratePpm,
      fee_fixed_minor: fee.fixedMinor,
      fee_min_minor: fee.minMinor,
      fee_max_minor: fee.maxMinor,
      authorized_minor: 0n,
      captured_minor: 0n,
      refunded_minor: 0n,
      refund_reserved_minor: 0n,
      service_id: service?.id ?? null,
      system: service?.method ?? 'card',
      description: cmd.description ?? '',
      customer: JSON.stringify(cmd.customer ?? {}),
      metadata: JSON.stringify(cmd.metadata ?? {}),
      return_urls: JSON.stringify(cmd.returnUrls ?? {}),
      callback_url: cmd.callbackUrl ?? settings.callbackUrl ?? null,
      test_mode: cmd.testMode ? 1 : 0,
      test_outcome: cmd.testOutcome ?? null,
      public_create: cmd.publicCreate ? 1 : 0,
      attempts: 0,
      // a merchant-initiated charge has no payer to try again
      attempts_max: link?.role === 'charge' || cmd.singleAttempt ? 1 : deps.config.paymentAttemptsMax,
      expires_at: (cmd.expiresAt ?? new Date(now.getTime() + deps.config.paymentTtlMs)).getTime(),
      created_at: now.getTime(),
      updated_at: now.getTime(),
      card_id: link?.cardId ?? null,
      card_role: link?.role ?? null,
      op_seq: 0,
    })
    .onConflict((oc) => oc.columns(['merchant_id', 'external_id']).doNothing())
    .returningAll();
  // PostgreSQL: the history row in the same statement (store.ts eventOf); none when the
  // external id was taken, since then the insert returns no row
  const withEvent = deps.database.flavor === 'postgres';
  const inserted = withEvent
    ? await trx
        .with('created', () => insert)
        .with('event', () => eventOf(trx, 'created', null, 'created', {}, now.getTime()))
        .selectFrom('created')
        .selectAll()
        .executeTakeFirst()
    : await insert.executeTakeFirst();
  if (inserted) {
    const row = cmd.saveCard && !link ? await attachNewCard(trx, deps, inserted) : inserted;
    await recordPaymentChange(trx, deps, null, row, {}, { eventWritten: withEvent });
    return ok({ payment: toPayment(row), created: true });
  }
  const existing = await lockPayment(trx, deps.database.flavor, {
    merchantId: cmd.merchantId,
    externalId: cmd.externalId!,
  });
  if (!existing) throw new Error('unique conflict on external id, yet no payment holds it');
  const conflict = sameRequest(existing, cmd, link);
  if (conflict) throw new Rollback(fail(conflict));
  return ok({ payment: toPayment(existing), created: false });
}
