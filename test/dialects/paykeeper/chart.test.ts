import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { chartDaysMax, chartPoints, daysOf } from '../../../src/dialects/paykeeper/chart.ts';
import { printPkDatetime } from '../../../src/dialects/paykeeper/dates.ts';

const points = (start: string, end: string, amounts: Record<string, bigint> = {}) => {
  const r = chartPoints(start, end, new Map(Object.entries(amounts)));
  if (!r.ok) assert.fail(r.error);
  return r.value;
};

describe('PayKeeper chart points (spec 1.3)', () => {
  it('up to 30 days: one point per day, at Moscow midnight, zero days included', () => {
    const p = points('2014-04-12', '2014-04-14', { '2014-04-12': 12000n, '2014-04-14': 1n });
    assert.deepEqual(
      p.map((x) => [printPkDatetime(new Date(x.atMs)), x.amountMinor]),
      [
        ['2014-04-12 00:00:00', 12000n],
        ['2014-04-13 00:00:00', 0n],
        ['2014-04-14 00:00:00', 1n],
      ],
    );
    assert.equal(points('2026-01-01', '2026-01-30').length, 30);
    assert.equal(points('2026-01-01', '2026-01-01').length, 1);
  });

  it('31 days and more: 30 points, each the volume of its interval', () => {
    const p31 = points('2026-01-01', '2026-01-31', { '2026-01-01': 5n, '2026-01-02': 7n, '2026-01-31': 3n });
    assert.equal(p31.length, 30);
    assert.equal(p31[0]?.amountMinor, 5n, 'the first day alone');
    assert.equal(p31[1]?.amountMinor, 7n, 'the 2nd and 3rd days');
    assert.equal(printPkDatetime(new Date(p31[1]?.atMs ?? 0)), '2026-01-02 00:00:00');
    assert.equal(p31[29]?.amountMinor, 3n);
    const year = points('2025-01-01', '2025-12-31');
    assert.equal(year.length, 30);
  });

  it('refuses bad periods', () => {
    assert.deepEqual(chartPoints('2026-01-02', '2026-01-01', new Map()), {
      ok: false,
      error: 'end_before_start',
    });
    assert.deepEqual(chartPoints('2026-02-30', '2026-03-01', new Map()), { ok: false, error: 'not_a_day' });
    assert.deepEqual(chartPoints('2000-01-01', '2026-01-01', new Map()), {
      ok: false,
      error: 'period_too_long',
    });
    assert.equal(daysOf('2016-01-01', '2026-01-07').ok, true);
    assert.equal(daysOf('2016-01-01', '2026-01-08').ok, false, `${chartDaysMax + 1} days`);
  });

  it('property: no kopeck is lost or counted twice, points rise in time, at most 30', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2000 }),
        fc.integer({ min: 0, max: 800 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 800 }), fc.bigInt({ min: 0n, max: 10n ** 12n })), {
          maxLength: 50,
        }),
        (offset, length, sales) => {
          const day = (n: number) =>
            new Date(Date.UTC(2020, 0, 1) + n * 86_400_000).toISOString().slice(0, 10);
          const amounts = new Map<string, bigint>();
          let inside = 0n;
          for (const [d, a] of sales) {
            const key = day(offset + d);
            amounts.set(key, (amounts.get(key) ?? 0n) + a);
            if (d <= length) inside += a;
          }
          const r = chartPoints(day(offset), day(offset + length), amounts);
          assert.ok(r.ok);
          assert.equal(r.value.length, Math.min(length + 1, 30));
          assert.equal(
            r.value.reduce((s, p) => s + p.amountMinor, 0n),
            inside,
          );
          for (let i = 1; i < r.value.length; i++)
            assert.ok((r.value[i]?.atMs ?? 0) > (r.value[i - 1]?.atMs ?? 0));
        },
      ),
    );
  });
});
