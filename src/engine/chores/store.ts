import { limits } from '../../domain/limits.ts';
import type { EngineDeps } from '../context.ts';

/** How long a bank call is given before the bank is asked what became of it. */
export const staleWindowMs = (deps: EngineDeps) => 2 * deps.config.connectorTimeoutMs;

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
