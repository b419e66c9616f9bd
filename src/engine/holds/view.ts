/**
 * The bank operation in flight on a hold (`payments.op_in_flight`), as holds/ops.ts, holds/store.ts
 * and the janitor write and read it. `expiry` is a void the deadline started, not the merchant:
 * at the bank it is a void like any other, and once answered the hold ends `expired`, not
 * `canceled` (holds/store.ts).
 */
export type HoldOp = { kind: 'capture'; amountMinor: bigint } | { kind: 'void' } | { kind: 'expiry' };
/**
 * A hold operation as claimed on the payment. `seq` numbers the payment's captures and voids
 * (`op_seq`), so each attempt is its own operation at the bank: a bank answers a repeated
 * operation id with its first answer, and a retry after a decline must not get that decline.
 * Null for a marker written before attempts were numbered.
 */
export type ClaimedOp = HoldOp & { seq: bigint | null };

export const opText = (op: ClaimedOp) =>
  `${op.kind === 'capture' ? `capture:${op.amountMinor}` : op.kind}${op.seq === null ? '' : `#${op.seq}`}`;

/** The marker read back; markers written by earlier versions (`void`, `capture:5#2`) included. */
export const parseHoldOp = (text: string): ClaimedOp | null => {
  const m = /^(?:capture:(\d+)|(void|expiry))(?:#(\d+))?$/.exec(text);
  if (!m) return null;
  const seq = m[3] === undefined ? null : BigInt(m[3]);
  if (m[2] === 'expiry') return { kind: 'expiry', seq };
  return m[2] === 'void' ? { kind: 'void', seq } : { kind: 'capture', amountMinor: BigInt(m[1]!), seq };
};

/** The bank operation that releases the hold: a void, whoever started it. */
export const isVoid = (op: HoldOp) => op.kind !== 'capture';

/** The operation id at the bank: an expiry is a void there (`void-<id>-<n>`). */
export const holdOperationId = (row: { id: bigint }, op: ClaimedOp) => {
  const kind = op.kind === 'capture' ? 'capture' : 'void';
  return op.seq === null ? `${kind}-${row.id}` : `${kind}-${row.id}-${op.seq}`;
};
