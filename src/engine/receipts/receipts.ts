import { type EngineError, engineError } from '../../domain/errors.ts';
import { fail, ok, type Result } from '../../domain/result.ts';
import type { EngineDeps } from '../context.ts';

/**
 * Receipts (54-FZ) a cabinet prints for a payment or a refund of it: the lines as the dialect
 * gives them, kept as a row. No fiscal operator is connected; the row is the receipt.
 */
export type Receipt = { id: bigint; paymentId: bigint; kind: 'payment' | 'refund'; createdAt: Date };

export async function recordReceipt(
  deps: EngineDeps,
  input: { merchantId: bigint; paymentId: bigint; kind: Receipt['kind']; cart: unknown },
): Promise<Result<Receipt, EngineError>> {
  const { db } = deps.database;
  const payment = await db
    .selectFrom('payments')
    .select('id')
    .where('id', '=', input.paymentId)
    .where('merchant_id', '=', input.merchantId)
    .executeTakeFirst();
  if (!payment) return fail(engineError('payment_not_found'));
  const now = deps.now();
  const row = await db
    .insertInto('receipts')
    .values({
      merchant_id: input.merchantId,
      payment_id: input.paymentId,
      kind: input.kind,
      cart: JSON.stringify(input.cart),
      created_at: now.getTime(),
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return ok({ id: row.id, paymentId: input.paymentId, kind: input.kind, createdAt: now });
}
