import { divRoundHalfUp } from './money.ts';

/**
 * A fee schedule from the service catalogue. `ratePpm` is parts per million of the amount
 * (2.5 % = 25_000), so a rate is an integer too.
 */
export type FeeSchedule = { ratePpm: bigint; fixedMinor: bigint; minMinor: bigint; maxMinor: bigint | null };

export const noFee: FeeSchedule = { ratePpm: 0n, fixedMinor: 0n, minMinor: 0n, maxMinor: null };

/** rate × amount (half up) + fixed, clamped to [min, max], and never more than the amount. */
export function feeFor(amountMinor: bigint, fee: FeeSchedule): bigint {
  let total = divRoundHalfUp(amountMinor * fee.ratePpm, 1_000_000n) + fee.fixedMinor;
  if (total < fee.minMinor) total = fee.minMinor;
  if (fee.maxMinor !== null && total > fee.maxMinor) total = fee.maxMinor;
  if (total > amountMinor) total = amountMinor;
  return total < 0n ? 0n : total;
}

/**
 * The part of a payment's fee a refund gives back: the fee follows the money refunded, counted
 * cumulatively, so the parts of refunds that add up to the captured amount add up to the fee
 * exactly. Without declined refunds in between, this is
 * `round(fee × refundedAfter / captured) − round(fee × refundedBefore / captured)`; counting
 * what earlier refunds actually took (`returnedMinor`, the shares of refunds neither failed nor
 * declined) instead of the second term keeps the sum exact when one of them is declined later.
 * `refundedAfterMinor` is what is refunded or reserved for refunds, this one included.
 */
export function refundFeeShare(p: {
  feeMinor: bigint;
  capturedMinor: bigint;
  refundedAfterMinor: bigint;
  returnedMinor: bigint;
  amountMinor: bigint;
}): bigint {
  if (p.capturedMinor <= 0n || p.feeMinor <= 0n) return 0n;
  const share = divRoundHalfUp(p.feeMinor * p.refundedAfterMinor, p.capturedMinor) - p.returnedMinor;
  // rounding after a declined refund may leave a kopek to catch up: never below zero, never
  // more than the refund itself; the next refund (at the latest the last one) evens it out
  if (share < 0n) return 0n;
  return share > p.amountMinor ? p.amountMinor : share;
}

/** Parses a percentage such as `"2.5"` or `"0.035"` into parts per million, exactly. */
export function percentToPpm(text: string): bigint | null {
  const match = /^(\d{1,3})(?:\.(\d{1,4}))?$/.exec(text.trim());
  if (!match) return null;
  const ppm = BigInt(match[1]!) * 10_000n + BigInt((match[2] ?? '').padEnd(4, '0'));
  return ppm <= 1_000_000n ? ppm : null;
}
