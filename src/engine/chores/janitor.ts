import type { ConnectorOutcome } from '../../acquiring/connector.ts';
import type { EngineError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import type { Result } from '../../domain/result.ts';
import { bankExchange, connectorFor } from '../bank.ts';
import type { EngineContext } from '../context.ts';
import { applyHoldOutcome, sendHoldOp } from '../holds/ops.ts';
import { holdOperationId, isVoid, parseHoldOp } from '../holds/view.ts';
import { applyAuthOutcome, reopenChallenge } from '../payments/authorize-ops.ts';
import type { Payment } from '../payments/view.ts';
import { applyPayoutOutcome } from '../payouts/ops.ts';
import { applyRefundOutcome } from '../refunds/ops.ts';
import { checkAgainLater, staleWindowMs } from './store.ts';

/**
 * The janitor: settles operations whose bank answer never arrived (a timeout, or a crash
 * between "pending" and "applied") by asking the bank, or, a void, by sending it again.
 * Idempotent and safe to run from any number of processes.
 */
/**
 * Asks the bank about every operation whose answer is overdue, and applies what it says.
 * Returns how many it settled: an answer of `unknown`, or one that could not be applied,
 * settles nothing. Those are asked about again after a wait that grows with their age
 * (`next_check_at`), and each query takes the oldest first, so operations the bank keeps
 * silent about never hide newer ones from a batch.
 */
export async function resolveUnsettled(
  deps: EngineContext,
  batch: number = limits.outboxBatchMax,
): Promise<number> {
  const now = deps.now().getTime();
  const stale = BigInt(now - staleWindowMs(deps));
  const { db } = deps.database;
  let resolved = 0;
  /** Asks the bank what became of an operation, and applies the answer unless it is `unknown`. */
  const ask = (
    row: { connector: string | null; connector_data: string | null; test_mode: bigint },
    operationId: string,
    apply: (outcome: ConnectorOutcome) => Promise<boolean>,
  ): Promise<boolean> =>
    bankExchange(deps, 'status', row, {
      call: (row, signal) =>
        connectorFor(deps, row.connector).status({
          operationId,
          testMode: row.test_mode === 1n,
          signal,
          connectorData: JSON.parse(row.connector_data ?? '{}'),
        }),
      apply: async (_, outcome) => outcome.kind !== 'unknown' && apply(outcome),
    });
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
        // a declined capture or void is an answer too: the marker is gone, the hold stays (or,
        // a void past the deadline, lapses); an unanswered one (`connector_unavailable`) waits
        const answered = (applied: Result<Payment, EngineError>) =>
          applied.ok || applied.error.code === 'declined' || applied.error.code === 'payment_expired';
        if (isVoid(hold)) return answered(await sendHoldOp(deps, row, hold));
        return ask(row, holdOperationId(row, hold), async (outcome) =>
          answered(await applyHoldOutcome(deps, row.id, hold, outcome)),
        );
      }
      if (!operationId) return false;
      // A 3-DS continuation is an operation of its own at the bank, and the one to ask about:
      // its authorization may wait for an answer that the continuation has given already.
      const continuation = row.op_in_flight === '3ds';
      const opId = continuation ? `${operationId}-3ds` : operationId;
      return ask(row, opId, async (outcome) => {
        // a status answer is never a new challenge to show: nothing to apply, ask again later
        if (outcome.kind === 'challenge') return false;
        // The bank never received the payer's answer (or refused it) and the challenge is still
        // open: that is no decline of the authorization. The payer gets the challenge back.
        if (continuation && outcome.kind === 'declined' && outcome.challengeOpen)
          return reopenChallenge(deps, row.id, operationId);
        return (await applyAuthOutcome(deps, row.id, operationId, outcome)).ok;
      });
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
      return ask(r, `refund-${r.id}`, async (outcome) => (await applyRefundOutcome(deps, r.id, outcome)).ok);
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
      return ask(p, `payout-${p.id}`, async (outcome) => (await applyPayoutOutcome(deps, p.id, outcome)).ok);
    });
  }
  return resolved;
}
