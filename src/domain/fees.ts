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

/** Parses a percentage such as `"2.5"` or `"0.035"` into parts per million, exactly. */
export function percentToPpm(text: string): bigint | null {
  const match = /^(\d{1,3})(?:\.(\d{1,4}))?$/.exec(text.trim());
  if (!match) return null;
  const ppm = BigInt(match[1]!) * 10_000n + BigInt((match[2] ?? '').padEnd(4, '0'));
  return ppm <= 1_000_000n ? ppm : null;
}
