import type { ConnectorOutcome } from '../acquiring/connector.ts';
import type { Currency } from '../domain/currency.ts';
import { type EngineError, engineError } from '../domain/errors.ts';
import { feeFor, noFee } from '../domain/fees.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import type { PaymentRow } from '../store/schema.ts';
import { inTransaction, inTransactionOrRollback, Rollback } from '../store/transaction.ts';
import { callBank, connectorFor } from './bank.ts';
import type { EngineDeps } from './context.ts';
import { mustPost } from './ledger.ts';
import { toService } from './merchants.ts';
import { lockPayment, updatePayment } from './payment-store.ts';
import { type Payment, toPayment } from './payment-view.ts';

/**
 * Capture and void of holds. The bank operation in flight is recorded on the payment
 * (`op_in_flight`) before the call, so a second capture or a void racing it is refused,
 * and a crash mid-call leaves a marker the janitor resolves with a status query.
 */
type HoldOp = { kind: 'capture'; amountMinor: bigint } | { kind: 'void' };

const opText = (op: HoldOp) => (op.kind === 'capture' ? `capture:${op.amountMinor}` : 'void');
export const parseHoldOp = (text: string): HoldOp | null => {
  if (text === 'void') return { kind: 'void' };
  const m = /^capture:(\d+)$/.exec(text);
  return m ? { kind: 'capture', amountMinor: BigInt(m[1]!) } : null;
};
export const holdOperationId = (row: { id: bigint }, op: HoldOp) => `${op.kind}-${row.id}`;

export async function capturePayment(
  deps: EngineDeps,
  input: { merchantId: bigint; paymentId: bigint; amountMinor?: bigint },
): Promise<Result<Payment, EngineError>> {
  return runHoldOp(deps, input.merchantId, input.paymentId, (row) => {
    const amountMinor = input.amountMinor ?? row.authorized_minor;
    if (amountMinor <= 0n)
      return fail(engineError('invalid_amount', { field: 'amount', detail: 'must be greater than 0' }));
    if (amountMinor > row.authorized_minor)
      return fail(engineError('capture_exceeds_authorized', { field: 'amount' }));
    return ok({ kind: 'capture', amountMinor });
  });
}

export async function voidPayment(
  deps: EngineDeps,
  input: { merchantId: bigint; paymentId: bigint },
): Promise<Result<Payment, EngineError>> {
  return runHoldOp(deps, input.merchantId, input.paymentId, () => ok({ kind: 'void' }));
}

async function runHoldOp(
  deps: EngineDeps,
  merchantId: bigint,
  paymentId: bigint,
  decide: (row: PaymentRow) => Result<HoldOp, EngineError>,
): Promise<Result<Payment, EngineError>> {
  const claimed = await inTransaction(
    deps.database,
    async (trx): Promise<Result<{ row: PaymentRow; op: HoldOp }, EngineError>> => {
      const row = await lockPayment(trx, deps.database.flavor, { id: paymentId }, merchantId);
      if (!row) return fail(engineError('payment_not_found'));
      if (row.status !== 'authorized')
        return fail(engineError('illegal_transition', { detail: `payment is ${row.status}` }));
      if (row.op_in_flight)
        return fail(engineError('illegal_transition', { detail: `${row.op_in_flight} in progress` }));
      const op = decide(row);
      if (!op.ok) return op;
      const after = await trx
        .updateTable('payments')
        .set({ op_in_flight: opText(op.value), op_started_at: deps.now().getTime() })
        .where('id', '=', row.id)
        .where('status', '=', 'authorized')
        .where('op_in_flight', 'is', null)
        .returningAll()
        .executeTakeFirst();
      return after ? ok({ row: after, op: op.value }) : fail(engineError('illegal_transition'));
    },
  );
  if (!claimed.ok) return claimed;
  const { row, op } = claimed.value;
  const base = {
    operationId: holdOperationId(row, op),
    testMode: row.test_mode === 1n,
    connectorData: JSON.parse(row.connector_data ?? '{}'),
  };
  const connector = connectorFor(deps, row.connector);
  const outcome = await callBank(deps, op.kind, (signal) =>
    op.kind === 'capture'
      ? connector.capture({
          ...base,
          signal,
          amountMinor: op.amountMinor,
          currency: row.currency as Currency,
        })
      : connector.void({ ...base, signal }),
  );
  return applyHoldOutcome(deps, row.id, op, outcome);
}

/** Applies the bank's answer to a capture or void; the janitor calls it too. */
export async function applyHoldOutcome(
  deps: EngineDeps,
  paymentId: bigint,
  op: HoldOp,
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
    if (outcome.kind === 'declined') {
      await trx
        .updateTable('payments')
        .set({ op_in_flight: null, op_started_at: null, updated_at: now })
        .where('id', '=', row.id)
        .execute();
      return fail(engineError('declined', { detail: `${outcome.rc} ${outcome.message}` }));
    }
    const currency = row.currency as Currency;
    const release = [
      { account: 'held' as const, amountMinor: -row.authorized_minor },
      { account: 'holds' as const, amountMinor: row.authorized_minor },
    ];
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
    const serviceRow = row.service_id
      ? await trx.selectFrom('services').selectAll().where('id', '=', row.service_id).executeTakeFirst()
      : undefined;
    const feeMinor = feeFor(op.amountMinor, serviceRow ? toService(serviceRow).fee : noFee);
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
