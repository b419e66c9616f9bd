import type { ConnectorOutcome } from '../acquiring/connector.ts';
import { limits } from '../domain/limits.ts';
import { inTransaction } from '../store/transaction.ts';
import { applyAuthOutcome, reopenChallenge } from './authorize.ts';
import { callBank, connectorFor } from './bank.ts';
import type { EngineDeps } from './context.ts';
import { expirePastDeadline } from './deadline.ts';
import { isVoid } from './hold-ops.ts';
import { applyHoldOutcome, holdOperationId, parseHoldOp, sendHoldOp } from './holds.ts';
import { lockPayment } from './payment-store.ts';
import { applyPayoutOutcome } from './payouts.ts';
import { applyRefundOutcome } from './refunds.ts';

/**
 * Background repairs, each idempotent and safe to run from any number of processes:
 * expire what nobody paid (and release at the bank the holds nobody captured), and settle
 * operations whose bank answer never arrived (a timeout, or a crash between "pending" and
 * "applied") by asking the bank, or, a void, by sending it again.
 */
export async function expireDue(deps: EngineDeps, batch: number = limits.outboxBatchMax): Promise<number> {
  const now = deps.now().getTime();
  const due = await deps.database.db
    .selectFrom('payments')
    .select(['id'])
    // deadline.ts's rule, in SQL: what may be due, each checked again under its row lock
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
  for (const { id } of due) if (await expireOne(deps, { id })) expired++;
  return expired;
}

/**
 * The payer opened the page of a payment whose deadline has passed: expire it now rather
 * than at the next sweep, so the page can say so. False when it is not due (or not expirable),
 * or when a lapsed hold's void has not been answered yet (the janitor finishes it).
 */
export async function expireIfDue(
  deps: EngineDeps,
  ref: { publicId: string } | { id: bigint },
): Promise<boolean> {
  return expireOne(deps, ref);
}

/**
 * One payment's expiry: the rule (deadline.ts) is applied under the row lock, in its own
 * transaction. A hold past its deadline is claimed there, and its void sent to the bank after
 * the commit, so the payer's money is released at the issuer too; an unanswered void leaves
 * the claim to resolveUnsettled.
 */
async function expireOne(deps: EngineDeps, ref: { publicId: string } | { id: bigint }): Promise<boolean> {
  const applied = await inTransaction(deps.database, async (trx) => {
    const row = await lockPayment(trx, deps.database.flavor, ref);
    return row ? expirePastDeadline(trx, deps, row, 'expiry') : null;
  });
  if (!applied) return false;
  if (!applied.release) return true;
  const released = await sendHoldOp(deps, applied.row, applied.release);
  return released.ok && released.value.status === 'expired';
}

/** How long a bank call is given before the bank is asked what became of it. */
const staleWindowMs = (deps: EngineDeps) => 2 * deps.config.connectorTimeoutMs;

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
  const stale = BigInt(now - staleWindowMs(deps));
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
    if (settled) resolved++;
    else await checkAgainLater(deps, table, id, since);
  };
  const due = BigInt(now);

  // Only what is stale: a call that timed out may still be on its way to the bank, and asked
  // about before it arrives, the bank truthfully says it never saw it.
  const payments = await db
    .selectFrom('payments')
    .selectAll()
    .where((eb) =>
      eb.or([
        // an attempt whose answer never came (a 3-DS continuation's is `op_started_at` below)
        eb.and([eb('status', '=', 'unknown'), eb('updated_at', '<', stale)]),
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
        // A void (the merchant's, or the one a deadline sent) is sent again under its operation
        // id rather than asked about: the bank answers a repeat with its first answer, and does
        // now one it never received. A status answer of "declined" could not tell a void the
        // bank refused from one that never reached it, which leaves the payer's money held.
        let applied: Awaited<ReturnType<typeof applyHoldOutcome>>;
        if (isVoid(hold)) applied = await sendHoldOp(deps, row, hold);
        else {
          const outcome = await ask(
            row.connector,
            holdOperationId(row, hold),
            row.connector_data,
            row.test_mode,
          );
          if (outcome.kind === 'unknown') return false;
          applied = await applyHoldOutcome(deps, row.id, hold, outcome);
        }
        // a declined capture or void is an answer too: the marker is gone, the hold stays (or,
        // a void past the deadline, lapses); an unanswered one (`connector_unavailable`) waits
        return applied.ok || applied.error.code === 'declined' || applied.error.code === 'payment_expired';
      }
      if (!operationId) return false;
      // A 3-DS continuation is an operation of its own at the bank, and the one to ask about:
      // its authorization may wait for an answer that the continuation has given already.
      const continuation = row.op_in_flight === '3ds';
      const opId = continuation ? `${operationId}-3ds` : operationId;
      const outcome = await ask(row.connector, opId, row.connector_data, row.test_mode);
      // a status answer is never a new challenge to show: nothing to apply, ask again later
      if (outcome.kind === 'unknown' || outcome.kind === 'challenge') return false;
      // The bank never received the payer's answer (or refused it) and the challenge is still
      // open: that is no decline of the authorization. The payer gets the challenge back.
      if (continuation && outcome.kind === 'declined' && outcome.challengeOpen)
        return reopenChallenge(deps, row.id, operationId);
      return (await applyAuthOutcome(deps, row.id, operationId, outcome)).ok;
    });
  }

  const refunds = await db
    .selectFrom('refunds as r')
    .innerJoin('payments as p', 'p.id', 'r.payment_id')
    .select(['r.id', 'r.updated_at', 'p.connector', 'p.connector_data', 'p.test_mode'])
    .where('r.status', 'in', ['pending', 'unknown'])
    .where('r.updated_at', '<', stale)
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
    .where('status', 'in', ['pending', 'unknown'])
    .where('updated_at', '<', stale)
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

/**
 * One the bank could not settle yet is asked about again no sooner than its age again (`since`:
 * when its operation started, or its challenge lapsed), between the stale window and the
 * maximum: each question waits longer, and the oldest first in every query never starves the
 * newer ones. Each new operation on the payment starts without a wait (its claim clears it).
 */
export async function checkAgainLater(
  deps: EngineDeps,
  table: 'payments' | 'refunds' | 'payouts',
  id: bigint,
  since: bigint,
): Promise<void> {
  const now = deps.now().getTime();
  const waitMs = Math.min(Math.max(now - Number(since), staleWindowMs(deps)), limits.recheckDelayMsMax);
  await deps.database.db
    .updateTable(table)
    .set({ next_check_at: now + waitMs })
    .where('id', '=', id)
    .execute();
}
