import type { ConnectorOutcome } from '../acquiring/connector.ts';
import { limits } from '../domain/limits.ts';
import type { PaymentStatus } from '../domain/states.ts';
import { inTransaction } from '../store/transaction.ts';
import { applyAuthOutcome } from './authorize.ts';
import { callBank, connectorFor } from './bank.ts';
import type { EngineDeps } from './context.ts';
import { applyHoldOutcome, holdOperationId, parseHoldOp } from './holds.ts';
import { mustPost } from './ledger.ts';
import { lockPayment, updatePayment } from './payment-store.ts';
import type { Payment } from './payment-view.ts';
import { applyPayoutOutcome } from './payouts.ts';
import { applyRefundOutcome } from './refunds.ts';

/**
 * Background repairs, each idempotent and safe to run from any number of processes:
 * expire what nobody paid, and settle operations whose bank answer never arrived (a
 * timeout, or a crash between "pending" and "applied") by asking the bank.
 */
export async function expireDue(deps: EngineDeps, batch = limits.outboxBatchMax): Promise<number> {
  const now = deps.now().getTime();
  const due = await deps.database.db
    .selectFrom('payments')
    .select(['id'])
    .where('expires_at', '<=', BigInt(now))
    .where((eb) =>
      eb.or([
        eb('status', 'in', ['created', 'authorized']),
        // a payer who left the 3-DS page: nothing is with the bank
        eb.and([
          eb('status', '=', 'pending'),
          eb('challenge', 'is not', null),
          eb('op_in_flight', 'is', null),
        ]),
      ]),
    )
    .limit(batch)
    .execute();
  let expired = 0;
  for (const { id } of due) if (await expireOne(deps, { id }, now)) expired++;
  return expired;
}

/**
 * The payer opened the page of a payment whose deadline has passed: expire it now rather
 * than at the next sweep, so the page can say so. False when it is not due (or not expirable).
 */
export async function expireIfDue(
  deps: EngineDeps,
  ref: { publicId: string } | { id: bigint },
): Promise<boolean> {
  return expireOne(deps, ref, deps.now().getTime());
}

/** One payment's expiry, in its own transaction; the checks are repeated under the row lock. */
async function expireOne(
  deps: EngineDeps,
  ref: { publicId: string } | { id: bigint },
  now: number,
): Promise<boolean> {
  return inTransaction(deps.database, async (trx) => {
    const row = await lockPayment(trx, deps.database.flavor, ref);
    if (!row || row.expires_at > now || row.op_in_flight) return false;
    const status = row.status as PaymentStatus;
    if (status === 'pending' && !row.challenge) return false;
    if (!['created', 'pending', 'authorized'].includes(status)) return false;
    const after = await updatePayment(trx, deps, row, 'expired', { challenge: null }, { by: 'expiry' });
    if (!after) return false;
    if (status === 'authorized') {
      // The bank lets an uncaptured hold lapse on its own; our books release it too.
      await mustPost(
        trx,
        {
          merchantId: row.merchant_id,
          currency: row.currency as Payment['currency'],
          kind: 'hold_expiry',
          refType: 'payment',
          refId: row.id,
          postings: [
            { account: 'held', amountMinor: -row.authorized_minor },
            { account: 'holds', amountMinor: row.authorized_minor },
          ],
        },
        now,
      );
    }
    return true;
  });
}

/** Asks the bank about every operation whose answer is overdue, and applies what it says. */
export async function resolveUnsettled(deps: EngineDeps, batch = limits.outboxBatchMax): Promise<number> {
  const now = deps.now().getTime();
  const stale = now - 2 * deps.config.connectorTimeoutMs;
  const { db } = deps.database;
  let resolved = 0;
  const ask = async (
    connector: string | null,
    operationId: string,
    connectorData: string | null,
    testMode: bigint,
  ): Promise<ConnectorOutcome> =>
    callBank(deps, 'status', (signal) =>
      connectorFor(deps, connector).status({
        operationId,
        testMode: testMode === 1n,
        signal,
        connectorData: JSON.parse(connectorData ?? '{}'),
      }),
    );

  const payments = await db
    .selectFrom('payments')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('status', '=', 'unknown'),
        eb.and([
          eb('status', '=', 'pending'),
          eb('challenge', 'is', null),
          eb('updated_at', '<', BigInt(stale)),
        ]),
        eb.and([eb('op_in_flight', 'is not', null), eb('op_started_at', '<', BigInt(stale))]),
      ]),
    )
    .limit(batch)
    .execute();
  for (const row of payments) {
    const operationId = (JSON.parse(row.connector_data ?? '{}') as { operationId?: string }).operationId;
    const hold = row.op_in_flight ? parseHoldOp(row.op_in_flight) : null;
    if (hold) {
      const outcome = await ask(row.connector, holdOperationId(row, hold), row.connector_data, row.test_mode);
      if (outcome.kind !== 'unknown') {
        await applyHoldOutcome(deps, row.id, hold, outcome);
        resolved++;
      }
    } else if (operationId) {
      const opId = row.op_in_flight === '3ds' ? `${operationId}-3ds` : operationId;
      const outcome = await ask(row.connector, opId, row.connector_data, row.test_mode);
      if (outcome.kind !== 'unknown') {
        await applyAuthOutcome(deps, row.id, operationId, outcome);
        resolved++;
      }
    }
  }

  const refunds = await db
    .selectFrom('refunds as r')
    .innerJoin('payments as p', 'p.id', 'r.payment_id')
    .select(['r.id', 'p.connector', 'p.connector_data', 'p.test_mode'])
    .where((eb) =>
      eb.or([
        eb('r.status', '=', 'unknown'),
        eb.and([eb('r.status', '=', 'pending'), eb('r.updated_at', '<', BigInt(stale))]),
      ]),
    )
    .limit(batch)
    .execute();
  for (const r of refunds) {
    const outcome = await ask(r.connector, `refund-${r.id}`, r.connector_data, r.test_mode);
    if (outcome.kind === 'unknown') continue;
    await applyRefundOutcome(deps, r.id, outcome);
    resolved++;
  }

  const payouts = await db
    .selectFrom('payouts')
    .select(['id', 'connector', 'connector_data', 'test_mode'])
    .where((eb) =>
      eb.or([
        eb('status', '=', 'unknown'),
        eb.and([eb('status', '=', 'pending'), eb('updated_at', '<', BigInt(stale))]),
      ]),
    )
    .limit(batch)
    .execute();
  for (const p of payouts) {
    const outcome = await ask(p.connector, `payout-${p.id}`, p.connector_data, p.test_mode);
    if (outcome.kind === 'unknown') continue;
    await applyPayoutOutcome(deps, p.id, outcome);
    resolved++;
  }
  return resolved;
}
