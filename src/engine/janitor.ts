import type { ConnectorOutcome } from '../acquiring/connector.ts';
import { limits } from '../domain/limits.ts';
import type { PaymentStatus } from '../domain/states.ts';
import { inTransaction } from '../store/transaction.ts';
import { applyAuthOutcome } from './authorize.ts';
import { callBank, connectorFor } from './bank.ts';
import type { EngineDeps } from './context.ts';
import { applyHoldOutcome, holdOperationId, lapseHold, parseHoldOp } from './holds.ts';
import { lockPayment, updatePayment } from './payment-store.ts';
import { applyPayoutOutcome } from './payouts.ts';
import { applyRefundOutcome } from './refunds.ts';

/**
 * Background repairs, each idempotent and safe to run from any number of processes:
 * expire what nobody paid, and settle operations whose bank answer never arrived (a
 * timeout, or a crash between "pending" and "applied") by asking the bank.
 */
export async function expireDue(deps: EngineDeps, batch: number = limits.outboxBatchMax): Promise<number> {
  const now = deps.now().getTime();
  const due = await deps.database.db
    .selectFrom('payments')
    .select(['id'])
    .where('expires_at', '<=', BigInt(now))
    // A hold whose capture or void is with the bank waits for that answer (expireOne skips
    // it); selected here, it would take a place in every batch from payments really due.
    .where('op_in_flight', 'is', null)
    .where((eb) =>
      eb.or([
        eb('status', 'in', ['created', 'authorized']),
        // a payer who left the 3-DS page: nothing is with the bank
        eb.and([eb('status', '=', 'pending'), eb('challenge', 'is not', null)]),
      ]),
    )
    .orderBy('expires_at')
    .orderBy('id')
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
    if (status === 'authorized') return (await lapseHold(trx, deps, row, 'expiry')) !== null;
    const after = await updatePayment(trx, deps, row, 'expired', { challenge: null }, { by: 'expiry' });
    return after !== null;
  });
}

/**
 * Asks the bank about every operation whose answer is overdue, and applies what it says.
 * Returns how many it settled: an answer of `unknown`, or one that could not be applied,
 * settles nothing. Those are asked about again after a wait that grows with their age
 * (`next_check_at`), and each query takes the oldest first, so operations the bank keeps
 * silent about never hide newer ones from a batch.
 */
export async function resolveUnsettled(
  deps: EngineDeps,
  batch: number = limits.outboxBatchMax,
): Promise<number> {
  const now = deps.now().getTime();
  const staleMs = 2 * deps.config.connectorTimeoutMs;
  const stale = BigInt(now - staleMs);
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
  /** Settles one row; one that cannot be settled now waits, and never stops the sweep. */
  const settle = async (
    table: 'payments' | 'refunds' | 'payouts',
    id: bigint,
    since: bigint,
    work: () => Promise<boolean>,
  ): Promise<void> => {
    let settled = false;
    try {
      settled = await work();
    } catch (error) {
      deps.log.error({ err: error, table, id: id.toString() }, 'janitor could not settle an operation');
    }
    if (settled) {
      resolved++;
      return;
    }
    // Asked again no sooner than its age again (between the stale window and the maximum).
    // A payment's wait may outlive the operation it was set for (a hold operation's claim
    // clears it; a new card attempt does not): the next operation then waits what is left.
    const waitMs = Math.min(Math.max(now - Number(since), staleMs), limits.recheckDelayMsMax);
    await db
      .updateTable(table)
      .set({ next_check_at: now + waitMs })
      .where('id', '=', id)
      .execute();
  };
  const due = BigInt(now);

  const payments = await db
    .selectFrom('payments')
    .selectAll()
    .where((eb) =>
      eb.or([
        eb('status', '=', 'unknown'),
        eb.and([eb('status', '=', 'pending'), eb('challenge', 'is', null), eb('updated_at', '<', stale)]),
        eb.and([eb('op_in_flight', 'is not', null), eb('op_started_at', '<', stale)]),
      ]),
    )
    .where((eb) => eb.or([eb('next_check_at', 'is', null), eb('next_check_at', '<=', due)]))
    .orderBy('updated_at')
    .orderBy('id')
    .limit(batch)
    .execute();
  for (const row of payments) {
    const operationId = (JSON.parse(row.connector_data ?? '{}') as { operationId?: string }).operationId;
    const hold = row.op_in_flight ? parseHoldOp(row.op_in_flight) : null;
    await settle('payments', row.id, row.op_started_at ?? row.updated_at, async () => {
      if (hold) {
        const outcome = await ask(
          row.connector,
          holdOperationId(row, hold),
          row.connector_data,
          row.test_mode,
        );
        if (outcome.kind === 'unknown') return false;
        const applied = await applyHoldOutcome(deps, row.id, hold, outcome);
        // a declined capture or void is an answer too: the marker is gone, the hold stays
        return applied.ok || applied.error.code === 'declined';
      }
      if (!operationId) return false;
      // A 3-DS continuation is an operation of its own at the bank, and the one to ask about:
      // its authorization may wait for an answer that the continuation has given already.
      const opId = row.op_in_flight === '3ds' ? `${operationId}-3ds` : operationId;
      const outcome = await ask(row.connector, opId, row.connector_data, row.test_mode);
      if (outcome.kind === 'unknown') return false;
      return (await applyAuthOutcome(deps, row.id, operationId, outcome)).ok;
    });
  }

  const refunds = await db
    .selectFrom('refunds as r')
    .innerJoin('payments as p', 'p.id', 'r.payment_id')
    .select(['r.id', 'r.updated_at', 'p.connector', 'p.connector_data', 'p.test_mode'])
    .where((eb) =>
      eb.or([
        eb('r.status', '=', 'unknown'),
        eb.and([eb('r.status', '=', 'pending'), eb('r.updated_at', '<', stale)]),
      ]),
    )
    .where((eb) => eb.or([eb('r.next_check_at', 'is', null), eb('r.next_check_at', '<=', due)]))
    .orderBy('r.updated_at')
    .orderBy('r.id')
    .limit(batch)
    .execute();
  for (const r of refunds) {
    await settle('refunds', r.id, r.updated_at, async () => {
      const outcome = await ask(r.connector, `refund-${r.id}`, r.connector_data, r.test_mode);
      if (outcome.kind === 'unknown') return false;
      return (await applyRefundOutcome(deps, r.id, outcome)).ok;
    });
  }

  const payouts = await db
    .selectFrom('payouts')
    .select(['id', 'updated_at', 'connector', 'connector_data', 'test_mode'])
    .where((eb) =>
      eb.or([
        eb('status', '=', 'unknown'),
        eb.and([eb('status', '=', 'pending'), eb('updated_at', '<', stale)]),
      ]),
    )
    .where((eb) => eb.or([eb('next_check_at', 'is', null), eb('next_check_at', '<=', due)]))
    .orderBy('updated_at')
    .orderBy('id')
    .limit(batch)
    .execute();
  for (const p of payouts) {
    await settle('payouts', p.id, p.updated_at, async () => {
      const outcome = await ask(p.connector, `payout-${p.id}`, p.connector_data, p.test_mode);
      if (outcome.kind === 'unknown') return false;
      return (await applyPayoutOutcome(deps, p.id, outcome)).ok;
    });
  }
  return resolved;
}
