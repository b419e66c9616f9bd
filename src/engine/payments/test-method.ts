import { testCards } from '../../acquiring/test-cards.ts';
import type { CardData } from '../../domain/card-data.ts';
import { type EngineError, engineError } from '../../domain/errors.ts';
import { limits } from '../../domain/limits.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import { Secret } from '../../security/secret.ts';
import type { PaymentRow } from '../../store/schema.ts';
import { inTransaction } from '../../store/transaction.ts';
import { answer, bankOperation, connectorFor, proceed } from '../bank.ts';
import { staleWindowMs } from '../chores/store.ts';
import type { EngineContext } from '../context.ts';
import { applyAuthOutcome, type PayResult } from './authorize-ops.ts';
import { lockPayment, updatePayment } from './store.ts';
import type { TestOutcome } from './view.ts';

export type { TestOutcome } from './view.ts';

/**
 * The sandbox bank's own cards stand in for the payer's: the test method pays through the
 * same connector as a card (so refunds, status queries and the janitor work unchanged), and
 * no payer, page or card number is involved.
 */
const standIn: Record<TestOutcome, string> = {
  approve: testCards.find((c) => c.behaviour === 'approve' && c.brand === 'visa')!.pan,
  decline: testCards.find((c) => c.behaviour === 'decline' && c.reason === 'do_not_honor')!.pan,
};

/**
 * Settles a payment of a `test`-method service (Paymega's `test_usd_test`) without a payer:
 * the attempt is marked `pending` as for a card, the bank is asked with a stand-in card, and
 * its answer is applied by `applyAuthOutcome`, so state, ledger, statistics and notifications
 * are exactly those of a card payment. The test method gets one attempt: a decline is final.
 */
export async function payWithTestMethod(
  deps: EngineContext,
  input: TestMethodInput,
): Promise<Result<PayResult, EngineError>> {
  return bankOperation(deps, {
    what: 'authorize',
    claim: async () => {
      const started = await claimTestAttempt(deps, input);
      return started.ok ? proceed(started.value) : answer(started);
    },
    call: (row, signal) => {
      const expiry = { month: 12, year: deps.now().getUTCFullYear() + 5 };
      const card = new Secret<CardData>({ pan: standIn[input.outcome], expiry, holder: 'TEST METHOD' });
      return connectorFor(deps, row.connector).authorize({
        operationId: operationIdOf(row),
        testMode: row.test_mode === 1n,
        signal,
        amountMinor: row.amount_minor,
        currency: row.currency,
        capture: row.flow === 'charge',
        card,
        initiator: 'merchant',
        threeDsReturnUrl: `${deps.config.publicUrl}/pay/${row.public_id}/3ds`,
        description: row.description,
      });
    },
    apply: (row, outcome) => applyAuthOutcome(deps, row.id, operationIdOf(row), outcome),
  });
}

const operationIdOf = (row: PaymentRow) =>
  (JSON.parse(row.connector_data ?? '{}') as { operationId: string }).operationId;

type TestMethodInput = {
  payment: { publicId: string } | { id: bigint };
  merchantId?: bigint;
  outcome: TestOutcome;
};

/** The test attempt marked `pending` on the payment, in its own transaction. */
async function claimTestAttempt(
  deps: EngineContext,
  input: TestMethodInput,
): Promise<Result<PaymentRow, EngineError>> {
  return inTransaction(deps.database, async (trx): Promise<Result<PaymentRow, EngineError>> => {
    const row = await lockPayment(trx, deps.database.flavor, input.payment, input.merchantId);
    if (!row) return fail(engineError('payment_not_found'));
    if (row.system !== 'test' || row.card_role !== null)
      return fail(engineError('illegal_transition', { detail: 'not a payment of a test-method service' }));
    if (row.status === 'created' && Number(row.expires_at) <= deps.now().getTime()) {
      await updatePayment(trx, deps, row, 'expired', {}, { by: 'test method after expiry' });
      return fail(engineError('payment_expired'));
    }
    if (row.status !== 'created')
      return fail(engineError('illegal_transition', { detail: `payment is ${row.status}` }));
    const after = await updatePayment(
      trx,
      deps,
      row,
      'pending',
      {
        attempts: row.attempts_max,
        connector: row.connector ?? deps.defaultConnector,
        connector_data: JSON.stringify({ operationId: `test-${row.id}-${row.attempts + 1n}` }),
        challenge: null,
        decline_reason: null,
        decline_message: null,
      },
      { method: 'test', outcome: input.outcome },
    );
    return after ? ok(after) : fail(engineError('illegal_transition'));
  });
}

/**
 * The janitor's part: test-service payments still `created` a while after they were made,
 * with the outcome they asked for stored, are the work of a process that died between
 * creating the payment and settling it. They are settled now, as the request asked. The
 * stale window leaves a live request the time to do it itself; two processes sweeping at
 * once are safe, as the claim takes the payment once.
 */
export async function finishTestOutcomes(
  deps: EngineContext,
  batch: number = limits.outboxBatchMax,
): Promise<number> {
  const stale = BigInt(deps.now().getTime() - staleWindowMs(deps));
  const rows = await deps.database.db
    .selectFrom('payments')
    .select(['id', 'test_outcome'])
    .where('status', '=', 'created')
    .where('system', '=', 'test')
    .where('test_outcome', 'is not', null)
    .where('created_at', '<', stale)
    .orderBy('id')
    .limit(batch)
    .execute();
  let settled = 0;
  for (const row of rows) {
    const outcome = row.test_outcome === 'decline' ? 'decline' : 'approve';
    const done = await payWithTestMethod(deps, { payment: { id: row.id }, outcome });
    if (done.ok) settled++;
    else
      deps.log.warn(
        { paymentId: row.id.toString(), code: done.error.code },
        'stranded test payment not settled',
      );
  }
  return settled;
}
