import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { type FeeSchedule, feeFor, noFee, percentToPpm, refundFeeShare } from '../../src/domain/fees.ts';
import { limits } from '../../src/domain/limits.ts';

const schedule = (more: Partial<FeeSchedule>): FeeSchedule => ({ ...noFee, ...more });

describe('feeFor', () => {
  it('charges nothing under noFee', () => {
    assert.equal(feeFor(0n, noFee), 0n);
    assert.equal(feeFor(12345n, noFee), 0n);
    assert.equal(feeFor(limits.amountMinorMax, noFee), 0n);
  });

  it('applies the rate in parts per million', () => {
    const rate = schedule({ ratePpm: 25_000n }); // 2.5 %
    assert.equal(feeFor(10_000n, rate), 250n);
    assert.equal(feeFor(100_000n, rate), 2500n);
    assert.equal(feeFor(0n, rate), 0n);
    assert.equal(feeFor(10_000n, schedule({ ratePpm: 1_000_000n })), 10_000n); // 100 %
    assert.equal(feeFor(10_000n, schedule({ ratePpm: 1n })), 0n);
  });

  it('rounds the rate half up, on both sides of the half', () => {
    const rate = schedule({ ratePpm: 25_000n });
    assert.equal(feeFor(20n, rate), 1n); // 0.5   → 1
    assert.equal(feeFor(19n, rate), 0n); // 0.475 → 0
    assert.equal(feeFor(100n, rate), 3n); // 2.5   → 3
    assert.equal(feeFor(99n, rate), 2n); // 2.475 → 2
    assert.equal(feeFor(60n, rate), 2n); // 1.5   → 2
    assert.equal(feeFor(59n, rate), 1n); // 1.475 → 1
    const onePpm = schedule({ ratePpm: 1n });
    assert.equal(feeFor(500_000n, onePpm), 1n); // exactly 0.5
    assert.equal(feeFor(499_999n, onePpm), 0n); // just under
    assert.equal(feeFor(1_500_000n, onePpm), 2n); // exactly 1.5
    assert.equal(feeFor(1_499_999n, onePpm), 1n);
  });

  it('adds the fixed part after rounding the rate', () => {
    const fee = schedule({ ratePpm: 25_000n, fixedMinor: 30n });
    assert.equal(feeFor(10_000n, fee), 280n);
    assert.equal(feeFor(20n, fee), 20n); // 1 + 30 = 31, clamped to the amount
    assert.equal(feeFor(1_000n, fee), 55n); // 25 + 30
    assert.equal(feeFor(30n, schedule({ fixedMinor: 30n })), 30n);
  });

  it('raises to the minimum, and leaves fees at or above it', () => {
    const fee = schedule({ ratePpm: 10_000n, minMinor: 100n }); // 1 %, at least 1.00
    assert.equal(feeFor(5_000n, fee), 100n); // 50 → 100
    assert.equal(feeFor(9_999n, fee), 100n); // 99.99 → 100 → 100
    assert.equal(feeFor(10_000n, fee), 100n); // exactly the minimum
    assert.equal(feeFor(10_050n, fee), 101n); // 100.5 → 101
    assert.equal(feeFor(20_000n, fee), 200n);
  });

  it('caps at the maximum, and leaves fees at or below it', () => {
    const fee = schedule({ ratePpm: 10_000n, maxMinor: 500n }); // 1 %, at most 5.00
    assert.equal(feeFor(49_900n, fee), 499n);
    assert.equal(feeFor(50_000n, fee), 500n); // exactly the maximum
    assert.equal(feeFor(50_100n, fee), 500n); // 501 → 500
    assert.equal(feeFor(limits.amountMinorMax, fee), 500n);
    assert.equal(feeFor(1_000n, schedule({ fixedMinor: 10n, maxMinor: 0n })), 0n);
  });

  it('lets the maximum win over a minimum above it', () => {
    assert.equal(feeFor(10_000n, schedule({ minMinor: 300n, maxMinor: 200n })), 200n);
  });

  it('never charges more than the amount, even under the minimum', () => {
    const fee = schedule({ minMinor: 100n });
    assert.equal(feeFor(101n, fee), 100n);
    assert.equal(feeFor(100n, fee), 100n);
    assert.equal(feeFor(99n, fee), 99n);
    assert.equal(feeFor(1n, fee), 1n);
    assert.equal(feeFor(0n, fee), 0n);
    assert.equal(feeFor(50n, schedule({ fixedMinor: 1_000n })), 50n);
  });

  it('is never negative and never above the amount', () => {
    const money = fc.bigInt({ min: 0n, max: limits.amountMinorMax });
    fc.assert(
      fc.property(
        money,
        fc.bigInt({ min: 0n, max: 1_000_000n }),
        money,
        money,
        fc.option(money, { nil: null }),
        (amountMinor, ratePpm, fixedMinor, minMinor, maxMinor) => {
          const fee = feeFor(amountMinor, { ratePpm, fixedMinor, minMinor, maxMinor });
          assert.ok(fee >= 0n, `fee ${fee} is negative`);
          assert.ok(fee <= amountMinor, `fee ${fee} exceeds amount ${amountMinor}`);
          if (maxMinor !== null) assert.ok(fee <= maxMinor);
          if (minMinor <= amountMinor && (maxMinor === null || minMinor <= maxMinor))
            assert.ok(fee >= minMinor);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('never decreases as the amount grows', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 10n ** 12n }),
        fc.bigInt({ min: 0n, max: 10n ** 6n }),
        fc.bigInt({ min: 0n, max: 1_000_000n }),
        fc.bigInt({ min: 0n, max: 1_000n }),
        (amountMinor, more, ratePpm, fixedMinor) => {
          const fee = { ...noFee, ratePpm, fixedMinor };
          assert.ok(feeFor(amountMinor, fee) <= feeFor(amountMinor + more, fee));
        },
      ),
    );
  });
});

describe('refundFeeShare', () => {
  /** Refunds `parts` of a payment one after another; `declined[i]` refunds are given back. */
  const refundAll = (feeMinor: bigint, capturedMinor: bigint, parts: bigint[], declined: boolean[] = []) => {
    let refundedMinor = 0n;
    let returnedMinor = 0n;
    const shares: bigint[] = [];
    parts.forEach((amountMinor, i) => {
      const share = refundFeeShare({
        feeMinor,
        capturedMinor,
        refundedAfterMinor: refundedMinor + amountMinor,
        returnedMinor,
        amountMinor,
      });
      assert.ok(share >= 0n && share <= amountMinor, `share ${share} of ${amountMinor}`);
      if (declined[i]) return;
      refundedMinor += amountMinor;
      returnedMinor += share;
      shares.push(share);
    });
    return { refundedMinor, returnedMinor, shares };
  };

  it('gives back the fee in proportion, rounding the cumulative amount half up', () => {
    // 25.00 of 1000.00: 333.33 → 8.33325 → 8.33; 666.67 → the remaining 16.67
    assert.deepEqual(refundAll(2500n, 100_000n, [33_333n, 66_667n]).shares, [833n, 1667n]);
    // three thirds of a fee of 1: the half-up cut falls on the second
    assert.deepEqual(refundAll(1n, 3n, [1n, 1n, 1n]).shares, [0n, 1n, 0n]);
    assert.deepEqual(refundAll(0n, 100n, [100n]).shares, [0n]);
    assert.deepEqual(refundAll(100n, 100n, [40n, 60n]).shares, [40n, 60n], 'a fee of 100 %');
  });

  it('adds up to the fee exactly at a full refund, whatever the parts and declines', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 12n }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.array(fc.tuple(fc.integer({ min: 1, max: 1000 }), fc.boolean()), { minLength: 1, maxLength: 12 }),
        (capturedMinor, feePpm, cuts) => {
          const feeMinor = (capturedMinor * BigInt(feePpm)) / 1_000_000n;
          // split the captured amount in proportion to the cuts, the last part taking the rest
          const total = BigInt(cuts.reduce((n, [w]) => n + w, 0));
          const parts = cuts.map(([w]) => (capturedMinor * BigInt(w)) / total).filter((a) => a > 0n);
          const declined = cuts.map(([, d]) => d);
          const first = refundAll(feeMinor, capturedMinor, parts, declined);
          // then the rest, in one refund, as a merchant would finish
          const rest = capturedMinor - first.refundedMinor;
          const last = refundFeeShare({
            feeMinor,
            capturedMinor,
            refundedAfterMinor: capturedMinor,
            returnedMinor: first.returnedMinor,
            amountMinor: rest,
          });
          if (rest > 0n) assert.equal(first.returnedMinor + last, feeMinor);
          else assert.equal(first.returnedMinor, feeMinor);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe('percentToPpm', () => {
  it('parses percentages exactly', () => {
    assert.equal(percentToPpm('2.5'), 25_000n);
    assert.equal(percentToPpm('0.035'), 350n);
    assert.equal(percentToPpm('100'), 1_000_000n);
    assert.equal(percentToPpm('0'), 0n);
    assert.equal(percentToPpm('0.0001'), 1n);
    assert.equal(percentToPpm('1.2345'), 12_345n);
    assert.equal(percentToPpm('3'), 30_000n);
    assert.equal(percentToPpm('2.50'), 25_000n);
    assert.equal(percentToPpm(' 2.5 '), 25_000n);
  });

  it('accepts exactly 100 % and rejects anything above', () => {
    assert.equal(percentToPpm('100.0000'), 1_000_000n);
    assert.equal(percentToPpm('99.9999'), 999_999n);
    assert.equal(percentToPpm('100.0001'), null);
    assert.equal(percentToPpm('101'), null);
    assert.equal(percentToPpm('999'), null);
    assert.equal(percentToPpm('1000'), null);
  });

  it('accepts four decimals and rejects five', () => {
    assert.equal(percentToPpm('1.2345'), 12_345n);
    assert.equal(percentToPpm('1.23456'), null);
    assert.equal(percentToPpm('1.00000'), null);
  });

  it('rejects anything that is not a plain percentage', () => {
    for (const text of [
      'abc',
      '',
      ' ',
      '-1',
      '+1',
      '.5',
      '5.',
      '2,5',
      '2.5%',
      '1e2',
      '0x10',
      'NaN',
      '1..5',
    ]) {
      assert.equal(percentToPpm(text), null, JSON.stringify(text));
    }
  });

  it('agrees with a reference for every percentage with up to four decimals', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 999 }),
        fc.integer({ min: 0, max: 9999 }),
        (whole, tenThousandths) => {
          const text = `${whole}.${String(tenThousandths).padStart(4, '0')}`;
          const expected = BigInt(whole) * 10_000n + BigInt(tenThousandths);
          assert.equal(percentToPpm(text), expected <= 1_000_000n ? expected : null);
        },
      ),
    );
  });
});
