import type { ConnectorOutcome, PayoutDestination } from '../../acquiring/connector.ts';
import { cardBrand, cardView, maskPan, normalizePan } from '../../domain/card.ts';
import { type EngineError, engineError } from '../../domain/errors.ts';
import { feeFor, noFee } from '../../domain/fees.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import type { PayoutStatus } from '../../domain/states.ts';
import type { Database } from '../../store/database.ts';
import type { PayoutRow } from '../../store/schema.ts';
import { inTransactionOrRollback, isUniqueViolation, Rollback } from '../../store/transaction.ts';
import { answer, type Claim, connectorFor, proceed } from '../bank.ts';
import { savedCardForPayout } from '../cards/store.ts';
import type { EngineContext } from '../context.ts';
import { type AccountKind, mustPost, post } from '../ledger/store.ts';
import { toService } from '../merchants/view.ts';
import { publish } from '../outbox/store.ts';
import { checkCard } from '../payments/authorize-ops.ts';
import { type Payout, type PayoutCmd, toPayout } from './view.ts';

type Described = {
  kind: 'card' | 'account';
  mask: string;
  details: Record<string, string>;
  cardId?: bigint;
};

/** A kept card is opened from the vault here; the connector gets it like a card given now. */
export async function resolve(
  deps: EngineContext,
  cmd: PayoutCmd,
): Promise<Result<{ destination: PayoutDestination; described: Described }, EngineError>> {
  if (cmd.destination.kind !== 'saved_card') {
    const described = describe(cmd.destination, deps.now());
    return described.ok ? ok({ destination: cmd.destination, described: described.value }) : described;
  }
  const saved = await savedCardForPayout(deps, cmd.merchantId, cmd.destination.cardId);
  if (!saved.ok) return saved;
  const { card, data } = saved.value;
  const mask = card.mask ?? '';
  return ok({
    destination: { kind: 'card', card: data },
    described: {
      kind: 'card',
      mask,
      details: {
        mask,
        brand: card.brand ?? 'unknown',
        holder: card.holder ?? '',
        cardId: card.id.toString(),
      },
      cardId: card.id,
    },
  });
}

function describe(destination: PayoutDestination, now: Date): Result<Described, EngineError> {
  if (destination.kind === 'card') {
    const card = destination.card.reveal();
    const invalid = checkCard(card, now);
    if (invalid) return fail(invalid);
    const pan = normalizePan(card.pan);
    if (!pan.ok) return fail(engineError('invalid_card', { field: 'pan' }));
    const view = cardView(pan.value, card.expiry, card.holder);
    return ok({
      kind: 'card',
      mask: view.mask,
      details: { mask: view.mask, brand: view.brand, holder: view.holder },
    });
  }
  if (destination.kind === 'card_number') {
    const pan = normalizePan(destination.pan.reveal());
    if (!pan.ok) return fail(engineError('invalid_card', { field: 'pan', detail: pan.error }));
    const mask = maskPan(pan.value);
    return ok({ kind: 'card', mask, details: { mask, brand: cardBrand(pan.value), holder: '' } });
  }
  if (!/^\d{20}$/.test(destination.account))
    return fail(engineError('invalid_argument', { field: 'account', detail: '20 digits' }));
  if (!/^\d{9}$/.test(destination.bic))
    return fail(engineError('invalid_argument', { field: 'bic', detail: '9 digits' }));
  if (destination.inn !== undefined && !/^(\d{10}|\d{12})$/.test(destination.inn))
    return fail(engineError('invalid_argument', { field: 'inn', detail: '10 or 12 digits' }));
  if (destination.name.trim().length === 0 || destination.name.length > 200)
    return fail(engineError('invalid_argument', { field: 'name' }));
  const details: Record<string, string> = {
    account: destination.account,
    bic: destination.bic,
    name: destination.name,
  };
  if (destination.inn) details.inn = destination.inn;
  if (destination.kpp) details.kpp = destination.kpp;
  if (destination.purpose) details.purpose = destination.purpose;
  if (destination.payee) details.payee = destination.payee;
  // a tax transfer keeps its payment order's fields, flat, beside the account's
  for (const [field, value] of Object.entries(destination.tax ?? {})) details[`tax.${field}`] = value;
  return ok({
    kind: 'account',
    mask: `${destination.account.slice(0, 5)}***${destination.account.slice(-4)}`,
    details,
  });
}

/** A payout reserved against the balance, with where the bank is to send it. */
export type ReservedPayout = { row: PayoutRow; destination: PayoutDestination };

/**
 * The claim of a payout (see createPayout): the destination resolved and the money reserved
 * in its own transaction, or the answer without the bank (refused, or a repeat).
 */
export async function claimPayout(
  deps: EngineContext,
  cmd: PayoutCmd,
): Promise<Claim<ReservedPayout, Result<Payout, EngineError>>> {
  const resolved = await resolve(deps, cmd);
  if (!resolved.ok) {
    // a retry of a payout made before its card was deleted still names that payout
    const { externalId } = cmd;
    const retried = cmd.destination.kind === 'saved_card' && externalId !== undefined;
    const earlier = retried ? await findPayout(deps.database, cmd.merchantId, { externalId }) : undefined;
    return answer(earlier ? ok(toPayout(earlier)) : resolved);
  }
  const { destination, described } = resolved.value;
  let reserved: Result<{ row: PayoutRow; fresh: boolean }, EngineError>;
  try {
    reserved = await reserve(deps, cmd, described);
  } catch (error) {
    if (!isUniqueViolation(error) || cmd.externalId === undefined) throw error;
    reserved = await reserve(deps, cmd, described);
  }
  if (!reserved.ok) return answer(reserved);
  const { row, fresh } = reserved.value;
  return fresh ? proceed({ row, destination }) : answer(ok(toPayout(row)));
}

/** A payout as the bank gets it. */
export const callPayout = (
  deps: EngineContext,
  { row, destination }: ReservedPayout,
  signal: AbortSignal,
): Promise<ConnectorOutcome> =>
  connectorFor(deps, row.connector).payout({
    operationId: `payout-${row.id}`,
    testMode: row.test_mode === 1n,
    signal,
    amountMinor: row.amount_minor,
    currency: row.currency,
    destination,
  });

async function reserve(
  deps: EngineContext,
  cmd: PayoutCmd,
  dest: Described,
): Promise<Result<{ row: PayoutRow; fresh: boolean }, EngineError>> {
  return inTransactionOrRollback(deps.database, async (trx) => {
    const merchant = await trx
      .selectFrom('merchants')
      .select(['status'])
      .where('id', '=', cmd.merchantId)
      .executeTakeFirst();
    if (!merchant) return fail(engineError('merchant_not_found'));
    if (merchant.status !== 'active') return fail(engineError('merchant_disabled'));
    if (cmd.externalId !== undefined) {
      const existing = await trx
        .selectFrom('payouts')
        .selectAll()
        .where('merchant_id', '=', cmd.merchantId)
        .where('external_id', '=', cmd.externalId)
        .executeTakeFirst();
      if (existing) {
        if (existing.currency !== cmd.currency)
          return fail(engineError('exists_with_different_currency', { field: 'currency' }));
        if (existing.amount_minor !== cmd.amountMinor)
          return fail(engineError('exists_with_different_amount', { field: 'amount' }));
        // the same extid for another payee (or another kind of payout) is another request
        if (
          existing.destination_kind !== dest.kind ||
          existing.destination_mask !== dest.mask ||
          existing.origin !== (cmd.origin ?? 'core')
        )
          return fail(engineError('exists_with_different_request', { field: 'destination' }));
        return ok({ row: existing, fresh: false });
      }
    }
    const service = await trx
      .selectFrom('services')
      .selectAll()
      .where('merchant_id', '=', cmd.merchantId)
      .where('code', '=', `payout_${dest.kind}_${cmd.currency.toLowerCase()}`)
      .where('kind', '=', 'payout')
      .executeTakeFirst();
    const feeMinor = feeFor(cmd.amountMinor, service ? toService(service).fee : noFee);
    const now = deps.now().getTime();
    const row = await trx
      .insertInto('payouts')
      .values({
        merchant_id: cmd.merchantId,
        external_id: cmd.externalId ?? null,
        amount_minor: cmd.amountMinor,
        fee_minor: feeMinor,
        currency: cmd.currency,
        status: 'pending',
        destination_kind: dest.kind,
        destination_mask: dest.mask,
        destination: JSON.stringify(dest.details),
        card_id: dest.cardId ?? null,
        test_mode: cmd.testMode ? 1 : 0,
        connector: deps.defaultConnector,
        origin: cmd.origin ?? 'core',
        created_at: now,
        updated_at: now,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    const debited = await post(
      trx,
      {
        merchantId: cmd.merchantId,
        currency: cmd.currency,
        kind: 'payout_reserve',
        refType: 'payout',
        refId: row.id,
        postings: [
          { account: 'available', amountMinor: -(cmd.amountMinor + feeMinor) },
          { account: 'payouts_pending', amountMinor: cmd.amountMinor },
          { account: 'fees', amountMinor: feeMinor },
        ],
      },
      now,
    );
    if (!debited)
      throw new Rollback(
        fail(
          engineError('insufficient_balance', { detail: 'amount plus fee exceeds the available balance' }),
        ),
      );
    return ok({ row, fresh: true });
  });
}

/** Applies the bank's answer to a payout; the janitor calls it for payouts left `unknown`. */
export async function applyPayoutOutcome(
  deps: EngineContext,
  payoutId: bigint,
  outcome: ConnectorOutcome,
): Promise<Result<Payout, EngineError>> {
  return inTransactionOrRollback(deps.database, async (trx) => {
    let query = trx.selectFrom('payouts').selectAll().where('id', '=', payoutId);
    if (deps.database.flavor === 'postgres') query = query.forUpdate();
    const row = await query.executeTakeFirstOrThrow();
    if (row.status !== 'pending' && row.status !== 'unknown') return ok(toPayout(row));
    const now = deps.now().getTime();
    const settle = (
      status: PayoutStatus,
      extra: { rc?: string; bank_ref?: string; decline_reason?: string; connector_data?: string },
    ) =>
      trx
        .updateTable('payouts')
        .set({ status, updated_at: now, ...extra })
        .where('id', '=', row.id)
        .where('status', '=', row.status)
        .returningAll()
        .executeTakeFirstOrThrow();
    const entry = (kind: string, postings: { account: AccountKind; amountMinor: bigint }[]) => ({
      merchantId: row.merchant_id,
      currency: row.currency,
      kind,
      refType: 'payout' as const,
      refId: row.id,
      postings,
    });
    let after: PayoutRow;
    if (outcome.kind === 'unknown' || outcome.kind === 'challenge') {
      after = await settle('unknown', { connector_data: JSON.stringify(outcome.connectorData) });
      return ok(toPayout(after));
    }
    if (outcome.kind === 'declined') {
      after = await settle('failed', { rc: outcome.rc, decline_reason: outcome.reason });
      await mustPost(
        trx,
        entry('payout_decline', [
          { account: 'payouts_pending', amountMinor: -row.amount_minor },
          { account: 'fees', amountMinor: -row.fee_minor },
          { account: 'available', amountMinor: row.amount_minor + row.fee_minor },
        ]),
        now,
      );
    } else {
      after = await settle('succeeded', {
        rc: outcome.rc,
        bank_ref: outcome.bankRef,
        connector_data: JSON.stringify(outcome.connectorData),
      });
      await mustPost(
        trx,
        entry('payout', [
          { account: 'payouts_pending', amountMinor: -row.amount_minor },
          { account: 'payouts_out', amountMinor: row.amount_minor },
        ]),
        now,
      );
    }
    await publish(
      trx,
      deps.notifiers,
      { type: 'payout', name: `payout.${after.status}`, payout: toPayout(after) },
      now,
    );
    return ok(toPayout(after));
  });
}

export async function findPayout(
  database: Database,
  merchantId: bigint,
  ref: { id: bigint } | { externalId: string },
): Promise<PayoutRow | undefined> {
  let query = database.db.selectFrom('payouts').selectAll().where('merchant_id', '=', merchantId);
  query = 'id' in ref ? query.where('id', '=', ref.id) : query.where('external_id', '=', ref.externalId);
  return query.executeTakeFirst();
}
