import type { ConnectorData } from '../../acquiring/connector.ts';
import { limits } from '../../domain/limits.ts';
import type { PaymentRow } from '../../store/schema.ts';
import { bankExchange, connectorFor } from '../bank.ts';
import type { EngineContext } from '../context.ts';
import { applyAuthOutcome } from '../payments/authorize-ops.ts';
import { findPayment } from '../payments/store.ts';
import { checkAgainLater } from './store.ts';

/**
 * 3-D Secure challenges nobody answers: the payer left the bank's page. Once a challenge's own
 * deadline (`ThreeDsChallenge.expiresAt`, set by the bank, kept in `challenge_expires_at`) has
 * passed, no answer can complete it, and waiting for the payment's deadline would only keep
 * the payer from trying again. The bank settles a lapsed challenge when asked for the
 * authorization's `status` (the simulator declines it: not completed in time); that answer is
 * applied like any decline, which ends the attempt and opens the form again while attempts
 * remain. A challenge stored without a deadline never lapses here: the payment's own expiry
 * ends it.
 */

/**
 * The one rule for "the challenge has lapsed": the payment waits at the bank's page (nothing
 * with the bank) past the moment the bank named. settleLapsedChallenges says the same in SQL.
 */
const lapsed = (row: PaymentRow, now: number): boolean =>
  row.status === 'pending' &&
  row.op_in_flight === null &&
  row.challenge_expires_at !== null &&
  row.challenge_expires_at <= now;

async function settle(deps: EngineContext, row: PaymentRow): Promise<boolean> {
  if (!lapsed(row, deps.now().getTime())) return false;
  const connectorData = JSON.parse(row.connector_data ?? '{}') as ConnectorData;
  const operationId = connectorData.operationId;
  if (typeof operationId !== 'string') return false;
  return bankExchange(deps, 'status', row, {
    call: (row, signal) =>
      connectorFor(deps, row.connector).status({
        operationId,
        testMode: row.test_mode === 1n,
        signal,
        connectorData,
      }),
    apply: async (row, outcome) => {
      // Still open as far as the bank knows, or no answer: a later look settles it.
      if (outcome.kind === 'unknown' || outcome.kind === 'challenge') return false;
      // Re-checked under the row lock there: an attempt that moved on meanwhile is left alone.
      return (await applyAuthOutcome(deps, row.id, operationId, outcome)).ok;
    },
  });
}

/**
 * The payer opened the page of a payment that may wait on a challenge: settle it now if it
 * has lapsed, so the page shows the form again rather than a challenge the bank no longer takes.
 */
export async function settleLapsedChallenge(
  deps: EngineContext,
  ref: { publicId: string } | { id: bigint },
): Promise<boolean> {
  const row = await findPayment(deps.database, ref);
  return row ? settle(deps, row) : false;
}

/**
 * The background sweep: lapsed challenges of payers who never came back, the longest lapsed
 * first. One the bank cannot settle yet (it still says `unknown`) waits before it is asked
 * again, as the janitor's operations do (`next_check_at`), so it never holds a place in every
 * batch from the challenges behind it.
 */
export async function settleLapsedChallenges(
  deps: EngineContext,
  batch: number = limits.outboxBatchMax,
): Promise<number> {
  const now = BigInt(deps.now().getTime());
  const waiting = await deps.database.db
    .selectFrom('payments')
    .selectAll()
    .where('status', '=', 'pending')
    .where('op_in_flight', 'is', null)
    .where('challenge_expires_at', '<=', now)
    .where((eb) => eb.or([eb('next_check_at', 'is', null), eb('next_check_at', '<=', now)]))
    .orderBy('challenge_expires_at')
    .orderBy('id')
    .limit(batch)
    .execute();
  let settled = 0;
  for (const row of waiting) {
    let done = false;
    try {
      done = await settle(deps, row);
    } catch (error) {
      deps.log.error({ err: error, id: row.id.toString() }, 'could not settle a lapsed 3-DS challenge');
    }
    if (done) settled++;
    else await checkAgainLater(deps, 'payments', row.id, row.challenge_expires_at ?? now);
  }
  return settled;
}
