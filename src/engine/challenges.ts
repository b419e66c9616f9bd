import type { ConnectorData, ThreeDsChallenge } from '../acquiring/connector.ts';
import { limits } from '../domain/limits.ts';
import type { PaymentRow } from '../store/schema.ts';
import { applyAuthOutcome } from './authorize.ts';
import { callBank, connectorFor } from './bank.ts';
import type { EngineDeps } from './context.ts';

/**
 * 3-D Secure challenges nobody answers: the payer left the bank's page. Once a challenge's own
 * deadline (`ThreeDsChallenge.expiresAt`, set by the bank) has passed, no answer can complete
 * it, and waiting for the payment's deadline would only keep the payer from trying again. The
 * bank settles a lapsed challenge when asked for the authorization's `status` (the simulator
 * declines it: not completed in time); that answer is applied like any decline, which ends the
 * attempt and opens the form again while attempts remain.
 */

/** The moment the challenge this row waits on lapses; null if none is awaited or the bank did not say. */
function lapsesAt(row: PaymentRow): number | null {
  if (row.status !== 'pending' || !row.challenge || row.op_in_flight) return null;
  const { expiresAt } = JSON.parse(row.challenge) as ThreeDsChallenge;
  const at = expiresAt === undefined ? Number.NaN : Date.parse(expiresAt);
  return Number.isNaN(at) ? null : at;
}

async function settle(deps: EngineDeps, row: PaymentRow): Promise<boolean> {
  const at = lapsesAt(row);
  if (at === null || at > deps.now().getTime()) return false;
  const connectorData = JSON.parse(row.connector_data ?? '{}') as ConnectorData;
  const operationId = connectorData.operationId;
  if (typeof operationId !== 'string') return false;
  const outcome = await callBank(deps, 'status', (signal) =>
    connectorFor(deps, row.connector).status({
      operationId,
      testMode: row.test_mode === 1n,
      signal,
      connectorData,
    }),
  );
  // Still open as far as the bank knows, or no answer: a later look settles it.
  if (outcome.kind === 'unknown' || outcome.kind === 'challenge') return false;
  // Re-checked under the row lock there: an attempt that moved on meanwhile is left alone.
  return (await applyAuthOutcome(deps, row.id, operationId, outcome)).ok;
}

/** The payer opened the page of a payment whose challenge has lapsed: settle it now. */
export async function settleLapsedChallenge(
  deps: EngineDeps,
  ref: { publicId: string } | { id: bigint },
): Promise<boolean> {
  const query = deps.database.db.selectFrom('payments').selectAll();
  const row = await ('id' in ref
    ? query.where('id', '=', ref.id)
    : query.where('public_id', '=', ref.publicId)
  ).executeTakeFirst();
  return row ? settle(deps, row) : false;
}

/** The background sweep: lapsed challenges of payers who never came back. Oldest first. */
export async function settleLapsedChallenges(
  deps: EngineDeps,
  batch = limits.outboxBatchMax,
): Promise<number> {
  const waiting = await deps.database.db
    .selectFrom('payments')
    .selectAll()
    .where('status', '=', 'pending')
    // Only challenges that say when they lapse: older ones would hold places in every batch
    // (the payment's own expiry takes care of them).
    .where('challenge', 'like', '%"expiresAt"%')
    .where('op_in_flight', 'is', null)
    .orderBy('updated_at')
    .limit(batch)
    .execute();
  let settled = 0;
  for (const row of waiting) if (await settle(deps, row)) settled++;
  return settled;
}
