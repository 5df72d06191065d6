import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { age, humanDuration } from '../src/index.ts';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

// apimachinery/pkg/util/duration.HumanDuration, boundary by boundary.
const rows: Array<{ name: string; ms: number; expected: string }> = [
  { name: 'more than a second in the future is invalid', ms: -2 * S, expected: '<invalid>' },
  { name: 'up to a second of clock skew reads 0s', ms: -1 * S, expected: '0s' },
  { name: 'now', ms: 0, expected: '0s' },
  { name: 'sub-second truncates', ms: 999, expected: '0s' },
  { name: 'seconds', ms: 59 * S, expected: '59s' },
  { name: 'seconds up to 119', ms: 119 * S + 999, expected: '119s' },
  { name: 'two minutes', ms: 2 * M, expected: '2m' },
  { name: 'minutes and seconds under 10m', ms: 2 * M + 1 * S, expected: '2m1s' },
  { name: 'last minute-and-seconds', ms: 9 * M + 59 * S, expected: '9m59s' },
  { name: 'ten minutes', ms: 10 * M + 30 * S, expected: '10m' },
  { name: 'minutes up to three hours', ms: 179 * M + 59 * S, expected: '179m' },
  { name: 'three hours', ms: 3 * H, expected: '3h' },
  { name: 'hours and minutes under 8h', ms: 3 * H + 5 * M, expected: '3h5m' },
  { name: 'last hours-and-minutes', ms: 7 * H + 59 * M, expected: '7h59m' },
  { name: 'eight hours', ms: 8 * H + 59 * M, expected: '8h' },
  { name: 'hours up to two days', ms: 47 * H + 59 * M, expected: '47h' },
  { name: 'two days', ms: 48 * H, expected: '2d' },
  { name: 'days and hours under 8d', ms: 49 * H, expected: '2d1h' },
  { name: 'last days-and-hours', ms: 7 * D + 23 * H, expected: '7d23h' },
  { name: 'eight days', ms: 8 * D + 5 * H, expected: '8d' },
  { name: 'days up to two years', ms: 729 * D, expected: '729d' },
  { name: 'two years', ms: 730 * D, expected: '2y' },
  { name: 'years and days under 8y', ms: 731 * D, expected: '2y1d' },
  { name: 'eight years', ms: 8 * 365 * D, expected: '8y' },
  { name: 'long ago', ms: 100 * 365 * D + 200 * D, expected: '100y' },
];
for (const row of rows) {
  test(`humanDuration: ${row.name}`, () => {
    assert.is(humanDuration(row.ms), row.expected);
  });
}

const ageRows: Array<{ name: string; timestamp: unknown; now: string; expected: string }> = [
  { name: 'RFC 3339 difference', timestamp: '2026-03-01T11:00:00Z', now: '2026-03-01T12:00:00Z', expected: '60m' },
  { name: 'offsets are honoured', timestamp: '2026-03-01T13:00:00+02:00', now: '2026-03-01T12:00:00Z', expected: '60m' },
  { name: 'missing timestamp', timestamp: undefined, now: '2026-03-01T12:00:00Z', expected: '<unknown>' },
  { name: 'unparsable timestamp', timestamp: 'yesterday', now: '2026-03-01T12:00:00Z', expected: '<unknown>' },
];
for (const row of ageRows) {
  test(`age: ${row.name}`, () => {
    assert.is(age(row.timestamp, row.now), row.expected);
  });
}

test.run();
