/** The sealed log line's format: which line ends its batch, read from the line alone. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { endsBatch, sealBatch, type NewLogRecord } from '../src/index.ts';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const rec = (type: string, data: unknown): NewLogRecord => ({ time: '2026-01-01T00:00:00Z', stream: 'pv/a', type, data });

test('only the last line of a sealed batch ends it, whatever its data holds', () => {
  // The middle record's data spells `"end":true` itself: only the format's place for it counts.
  const { lines } = sealBatch([rec('A', 1), rec('B', { end: true, text: ',"end":true' }), rec('C', null)], 7, sha256);
  assert.equal(lines.map(endsBatch), [false, false, true]);
  assert.equal(sealBatch([rec('Only', {})], 1, sha256).lines.map(endsBatch), [true]);
});

test('a line that is not a sealed record does not end a batch', () => {
  for (const line of ['', '{}', '{"end":true}', ',"end":true,"sum":"0123456789abcdef"', 'x'.repeat(40)]) assert.is(endsBatch(line), false, line);
});

test.run();
