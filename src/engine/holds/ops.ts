import type { ConnectorOutcome } from '../../acquiring/connector.ts';
import { type EngineError, engineError } from '../../domain/errors.ts';
import { type FeeSchedule, feeFor, noFee } from '../../domain/fees.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import type { Tx } from '../../store/database.ts';
import type { PaymentRow } from '../../store/schema.ts';
import { inTransaction, inTransactionOrRollback, Rollback } from '../../store/transaction.ts';
import { answer, bankExchange, bankOperation, connectorFor, proceed } from '../bank.ts';
import type { EngineContext } from '../context.ts';
import { mustPost } from '../ledger/store.ts';
import { toService } from '../merchants/view.ts';
import { lockPayment, updatePayment } from '../payments/store.ts';
import { type Payment, toPayment } from '../payments/view.ts';
import { expirePastDeadline, holdRelease, lapseHold } from './store.ts';
import { type ClaimedOp, type HoldOp, holdOperationId, isVoid, opText, parseHoldOp } from './view.ts';

/**
 * Capture and void of holds, as operations at the bank. The operation in flight is recorded on
 * the payment (`op_in_flight`, holds/view.ts) before the call, so a second capture or a void
 * racing it is refused, and a crash mid-call leaves a marker the janitor resolves. A hold past
 * its deadline is claimed the same way for the void that releases it (`expiry`, holds/store.ts).
 */

/**
 * The fee terms the payment was created under (payments/create-store.ts), applied to what is captured. A
 * payment inserted without them (before 0005_money_paths, or by a process of the version
 * before during a rolling upgrade) pays its service's terms as they are now, as every capture
 * did before the terms were kept.
 */
async function feeTermsOf(trx: Tx, row: PaymentRow): Promise<FeeSchedule> {
  if (row.fee_rate_ppm !== null && row.fee_fixed_minor !== null && row.fee_min_minor !== null)
    return {
      ratePpm: row.fee_rate_ppm,
      fixedMinor: row.fee_fixed_minor,
      minMinor: row.fee_min_minor,
      maxMinor: row.fee_max_minor,
    };
  const service = row.service_id
    ? await trx.selectFrom('services').selectAll().where('id', '=', row.service_id).executeTakeFirst()
    : undefined;
  return service ? toService(service).fee : noFee;
}

/** A capture or void: claimed on the payment, sent, answered (bankOperation). */
export async function runHoldOp(
  deps: EngineContext,
  merchantId: bigint,
  paymentId: bigint,
  kind: 'capture' | 'void',
  decide: (row: PaymentRow) => Result<HoldOp, EngineError>,
): Promise<Result<Payment, EngineError>> {
  return bankOperation(deps, {
    // a capture refused past the deadline claims the void that releases the hold
    what: ({ op }) => (isVoid(op) ? 'void' : 'capture'),
    claim: async () => {
      const claimed = await claimHoldOp(deps, merchantId, paymentId, kind, decide);
      return claimed.ok ? proceed(claimed.value) : answer(claimed);
    },
    call: ({ row, op }, signal) => callHoldOp(deps, row, op, signal),
    apply: async ({ row, op }, outcome) => {
      const applied = await applyHoldOutcome(deps, row.id, op, outcome);
      return op.kind === 'expiry' ? fail(engineError('payment_expired')) : applied;
    },
  });
}

/** The claim of a capture or void on the payment, in its own transaction. */
async function claimHoldOp(
  deps: EngineContext,
  merchantId: bigint,
  paymentId: bigint,
  kind: 'capture' | 'void',
  decide: (row: PaymentRow) => Result<HoldOp, EngineError>,
): Promise<Result<{ row: PaymentRow; op: ClaimedOp }, EngineError>> {
  return inTransaction(
    deps.database,
    async (trx): Promise<Result<{ row: PaymentRow; op: ClaimedOp }, EngineError>> => {
      const row = await lockPayment(trx, deps.database.flavor, { id: paymentId }, merchantId);
      if (!row) return fail(engineError('payment_not_found'));
      if (row.status === 'expired') return fail(engineError('payment_expired'));
      if (row.status !== 'authorized')
        return fail(engineError('illegal_transition', { detail: `payment is ${row.status}` }));
      if (row.op_in_flight) {
        // the hold is being released because its deadline passed: nothing left to capture or void
        if (parseHoldOp(row.op_in_flight)?.kind === 'expiry') return fail(engineError('payment_expired'));
        return fail(engineError('illegal_transition', { detail: `${row.op_in_flight} in progress` }));
      }
      // Past the deadline a hold is no longer captured: it lapses now, as the sweep would, by a
      // void claimed here and sent below (the transaction commits the claim; the capture is
      // refused whatever the bank answers). A void still goes to the bank as the merchant's own.
      if (kind === 'capture') {
        const lapsed = await expirePastDeadline(trx, deps, row, 'capture after expiry');
        if (lapsed?.release) return ok({ row: lapsed.row, op: lapsed.release });
        if (lapsed) return fail(engineError('payment_expired'));
      }
      const decided = decide(row);
      if (!decided.ok) return decided;
      const now = deps.now().getTime();
      const seq = row.op_seq + 1n;
      const op: ClaimedOp = { ...decided.value, seq };
      const after = await trx
        .updateTable('payments')
        // a janitor's wait before asking about the previous operation is not this one's
        .set({ op_in_flight: opText(op), op_seq: seq, op_started_at: now, next_check_at: null })
        .where('id', '=', row.id)
        .where('status', '=', 'authorized')
        .where('op_in_flight', 'is', null)
        .returningAll()
        .executeTakeFirst();
      return after ? ok({ row: after, op }) : fail(engineError('illegal_transition'));
    },
  );
}

/**
 * Sends the claimed operation to the bank, with no transaction open, and applies the answer.
 * Also sends the void a hold's deadline claimed (holds/store.ts expirePastDeadline), once that claim
 * has committed: the sweep, a page view past the deadline and a late capture; the answer, whichever,
 * ends the hold `expired`. The janitor sends a void again this way, under its first operation id
 * (chores/janitor.ts resolveUnsettled).
 */
export async function sendHoldOp(
  deps: EngineContext,
  row: PaymentRow,
  op: ClaimedOp,
): Promise<Result<Payment, EngineError>> {
  return bankExchange(
    deps,
    isVoid(op) ? 'void' : 'capture',
    { row, op },
    {
      call: ({ row, op }, signal) => callHoldOp(deps, row, op, signal),
      apply: ({ row, op }, outcome) => applyHoldOutcome(deps, row.id, op, outcome),
    },
  );
}

/** A capture or void as the bank gets it: the operation id names this attempt (holds/view.ts). */
function callHoldOp(deps: EngineContext, row: PaymentRow, op: ClaimedOp, signal: AbortSignal) {
  const connector = connectorFor(deps, row.connector);
  const base = {
    operationId: holdOperationId(row, op),
    testMode: row.test_mode === 1n,
    connectorData: JSON.parse(row.connector_data ?? '{}'),
    signal,
  };
  return op.kind === 'capture'
    ? connector.capture({ ...base, amountMinor: op.amountMinor, currency: row.currency })
    : connector.void(base);
}

/** Applies the bank's answer to a capture or void; the janitor calls it too. */
export async function applyHoldOutcome(
  deps: EngineContext,
  paymentId: bigint,
  op: ClaimedOp,
  outcome: ConnectorOutcome,
): Promise<Result<Payment, EngineError>> {
  return inTransactionOrRollback(deps.database, async (trx) => {
    const row = await lockPayment(trx, deps.database.flavor, { id: paymentId });
    if (!row) return fail(engineError('payment_not_found'));
    if (row.op_in_flight !== opText(op)) return ok(toPayment(row)); // settled already
    const now = deps.now().getTime();
    if (outcome.kind === 'unknown' || outcome.kind === 'challenge') {
      // Leave the marker: the janitor asks the bank again later.
      return fail(
        engineError('connector_unavailable', { detail: `${op.kind} outcome unknown; will be resolved` }),
      );
    }
    if (op.kind === 'expiry') {
      // The void the deadline sent: approved, the bank has let the payer's money go; declined,
      // it holds nothing to let go (voided or released already). Either way the hold has lapsed.
      const after = await lapseHold(trx, deps, row, 'expiry');
      if (!after) throw new Rollback(fail(engineError('illegal_transition')));
      return ok(toPayment(after));
    }
    if (outcome.kind === 'declined') {
      // A hold past its deadline the bank will not void (it has let it go, say) lapses: there
      // is nothing left to capture. Otherwise the hold stays, and may be captured or voided again.
      if (op.kind === 'void' && row.expires_at <= now) {
        if (!(await lapseHold(trx, deps, row, 'void declined after expiry')))
          throw new Rollback(fail(engineError('illegal_transition')));
        return fail(engineError('payment_expired', { detail: `${outcome.rc} ${outcome.message}` }));
      }
      await trx
        .updateTable('payments')
        .set({ op_in_flight: null, op_started_at: null, updated_at: now })
        .where('id', '=', row.id)
        .execute();
      return fail(engineError('declined', { detail: `${outcome.rc} ${outcome.message}` }));
    }
    const { currency } = row;
    const release = holdRelease(row);
    if (op.kind === 'void') {
      const after = await updatePayment(
        trx,
        deps,
        row,
        'canceled',
        { op_in_flight: null, op_started_at: null },
        { by: 'void' },
      );
      if (!after) throw new Rollback(fail(engineError('illegal_transition')));
      await mustPost(
        trx,
        {
          merchantId: row.merchant_id,
          currency,
          kind: 'void',
          refType: 'payment',
          refId: row.id,
          postings: release,
        },
        now,
      );
      return ok(toPayment(after));
    }
    // the terms of the payment's creation, as a charge pays them (payments/authorize-ops.ts): a fee schedule
    // changed while the hold waited applies to payments created after the change
    const feeMinor = feeFor(op.amountMinor, await feeTermsOf(trx, row));
    const after = await updatePayment(
      trx,
      deps,
      row,
      'captured',
      {
        captured_minor: op.amountMinor,
        fee_minor: feeMinor,
        op_in_flight: null,
        op_started_at: null,
        paid_at: now,
      },
      {
        capturedMinor: op.amountMinor.toString(),
        releasedMinor: (row.authorized_minor - op.amountMinor).toString(),
      },
    );
    if (!after) throw new Rollback(fail(engineError('illegal_transition')));
    await mustPost(
      trx,
      {
        merchantId: row.merchant_id,
        currency,
        kind: 'capture',
        refType: 'payment',
        refId: row.id,
        postings: [
          ...release,
          { account: 'acquirer', amountMinor: -op.amountMinor },
          { account: 'available', amountMinor: op.amountMinor - feeMinor },
          { account: 'fees', amountMinor: feeMinor },
        ],
      },
      now,
    );
    return ok(toPayment(after));
  });
}

/** A void of the hold, whoever asks: the merchant, a card registration done with its hold. */
export const voidHold = (deps: EngineContext, merchantId: bigint, paymentId: bigint) =>
  runHoldOp(deps, merchantId, paymentId, 'void', () => ok({ kind: 'void' }));
