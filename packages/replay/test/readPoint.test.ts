import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseSimDuration, parsePosition, resolveReadPoint } from '../src/index.ts';

const t0 = Date.UTC(2026, 0, 1);
const at = (ms: number) => new Date(t0 + ms).toISOString();
/** Positions 1..6 at 0, 0, 1.5 s, 1.5 s, 90 s, 90.001 s. */
const records = [0, 0, 1500, 1500, 90_000, 90_001].map((ms, i) => ({ pos: i + 1, time: at(ms) }));

const cases: [string, { pos?: number; time?: string }, number][] = [
  ['no point: the end', {}, 6],
  ['a position', { pos: 3 }, 3],
  ['position 0: the empty cluster', { pos: 0 }, 0],
  ['time 0: the records written at the start', { time: '0s' }, 2],
  ['between records: the last one before', { time: '1s' }, 2],
  ['millisecond resolution', { time: '1500ms' }, 4],
  ['a compound duration', { time: '1m30s' }, 5],
  ['one millisecond later', { time: '90.001s' }, 6],
  ['an RFC 3339 instant', { time: '2026-01-01T00:01:30Z' }, 5],
  ['an instant with milliseconds', { time: '2026-01-01T00:01:30.001Z' }, 6],
  ['before the first record', { time: '2025-12-31T23:59:59Z' }, 0],
  ['after the last record', { time: '1h' }, 6],
];
for (const [name, point, want] of cases) {
  test(`resolveReadPoint: ${name}`, () => assert.is(resolveReadPoint(records, point), want));
}

test('resolveReadPoint refuses a position past the end, both flags, and a bad time', () => {
  assert.throws(() => resolveReadPoint(records, { pos: 7 }), /--at 7: the log ends at position 6/);
  assert.throws(() => resolveReadPoint(records, { pos: 1, time: '1s' }), /give one of them/);
  assert.throws(() => resolveReadPoint(records, { time: 'yesterday' }), /invalid argument "yesterday" for "--at-time"/);
});

test('parsePosition and parseSimDuration', () => {
  assert.is(parsePosition('120', '--at'), 120);
  assert.throws(() => parsePosition('-1', '--at'), /invalid argument "-1" for "--at" flag/);
  assert.throws(() => parsePosition('1.5', '--since'), /"--since"/);
  assert.is(parseSimDuration('1m30s'), 90_000);
  assert.is(parseSimDuration('250ms'), 250);
  assert.is(parseSimDuration('1x'), undefined);
  assert.is(parseSimDuration('s'), undefined);
});

test.run();
