import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  parsePkDatetime,
  parsePkDay,
  parsePkExpiry,
  printPkDatetime,
  printPkDay,
  startOfPkDay,
} from '../../../src/dialects/paykeeper/dates.ts';

const at = (iso: string) => new Date(iso);

describe('PayKeeper dates: Moscow wall time', () => {
  it('prints instants in Moscow time, today UTC+3', () => {
    assert.equal(printPkDatetime(at('2014-12-31T21:00:00Z')), '2015-01-01 00:00:00');
    assert.equal(printPkDatetime(at('2026-06-01T12:34:56.999Z')), '2026-06-01 15:34:56');
    assert.equal(printPkDay(at('2026-06-01T21:00:00Z')), '2026-06-02');
  });

  it('follows the zone history: UTC+4 from 2011 to October 2014, summer time before', () => {
    assert.equal(printPkDatetime(at('2014-05-14T11:59:00Z')), '2014-05-14 15:59:00');
    assert.equal(printPkDatetime(at('2014-10-26T12:00:00Z')), '2014-10-26 15:00:00');
    assert.equal(printPkDatetime(at('2010-07-01T12:00:00Z')), '2010-07-01 16:00:00');
    assert.equal(printPkDatetime(at('2010-01-01T12:00:00Z')), '2010-01-01 15:00:00');
  });

  it('parses Moscow datetimes back to the instant, across the history', () => {
    assert.equal(parsePkDatetime('2014-05-14 15:59:00')?.toISOString(), '2014-05-14T11:59:00.000Z');
    assert.equal(parsePkDatetime('2026-01-15 08:53:47')?.toISOString(), '2026-01-15T05:53:47.000Z');
    assert.equal(parsePkDatetime('2010-07-01 16:00:00')?.toISOString(), '2010-07-01T12:00:00.000Z');
  });

  it('before 2011: a skipped spring hour reads an hour later, a repeated autumn hour as its second showing', () => {
    assert.equal(parsePkDatetime('2010-03-28 02:30:00')?.toISOString(), '2010-03-27T23:30:00.000Z');
    assert.equal(parsePkDatetime('2010-10-31 02:30:00')?.toISOString(), '2010-10-30T23:30:00.000Z');
  });

  it('refuses malformed text and dates that do not exist', () => {
    for (const bad of [
      '2014-05-14',
      '2014-05-14T15:59:00',
      '2014-5-14 15:59:00',
      '2014-02-30 00:00:00',
      '2023-02-29 00:00:00',
      '2014-13-01 00:00:00',
      '2014-05-14 24:00:00',
      '2014-05-14 23:60:00',
      ' 2014-05-14 15:59:00',
      '',
    ])
      assert.equal(parsePkDatetime(bad), null, bad);
    assert.notEqual(parsePkDatetime('2024-02-29 00:00:00'), null, 'a leap day exists');
    assert.equal(parsePkDay('2014-04-12'), '2014-04-12');
    assert.equal(parsePkDay('2014-04-31'), null);
    assert.equal(parsePkDay('2014-04-12 00:00:00'), null);
  });

  it('a Moscow day begins at 21:00 UTC the day before', () => {
    assert.equal(startOfPkDay('2026-03-01').toISOString(), '2026-02-28T21:00:00.000Z');
  });

  it('expiry: a date means "until that day begins", a datetime means that instant, both ahead of now', () => {
    const now = at('2026-01-10T09:00:00Z');
    const day = parsePkExpiry('2026-01-19', now);
    assert.deepEqual(day.ok && printPkDatetime(day.value), '2026-01-19 00:00:00');
    const exact = parsePkExpiry('2026-01-19 18:30:00', now);
    assert.deepEqual(exact.ok && exact.value.toISOString(), '2026-01-19T15:30:00.000Z');
    assert.deepEqual(parsePkExpiry('2026-01-10', now), { ok: false, error: 'in_the_past' });
    assert.deepEqual(parsePkExpiry('2026-01-10 12:00:00', now), { ok: false, error: 'in_the_past' });
    assert.equal(parsePkExpiry('2026-01-10 12:00:01', now).ok, true, 'one second ahead is fine');
    assert.deepEqual(parsePkExpiry('19.01.2026', now), { ok: false, error: 'not_a_date' });
    assert.deepEqual(parsePkExpiry('2026-02-30', now), { ok: false, error: 'not_a_date' });
  });

  it('property: since Moscow stopped changing clocks (2011-03-27), print then parse gives the same instant', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_301_180_400, max: 4_102_444_800 }), (seconds) => {
        const instant = new Date(seconds * 1000);
        const text = printPkDatetime(instant);
        assert.match(text, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
        assert.equal(parsePkDatetime(text)?.getTime(), instant.getTime(), text);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: before 2011 (summer time, an autumn hour shown twice) the wall time still round-trips', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_301_180_400 }), (seconds) => {
        const text = printPkDatetime(new Date(seconds * 1000));
        const back = parsePkDatetime(text);
        assert.ok(back !== null);
        assert.equal(printPkDatetime(back), text);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: a day starts at its own midnight and its day is itself', () => {
    fc.assert(
      fc.property(
        fc.date({ min: at('1991-01-01T00:00:00Z'), max: at('2100-01-01T00:00:00Z'), noInvalidDate: true }),
        (d) => {
          const day = printPkDay(d);
          const start = startOfPkDay(day);
          assert.equal(printPkDatetime(start), `${day} 00:00:00`);
          assert.ok(start.getTime() <= d.getTime());
        },
      ),
    );
  });
});
