/**
 * A batch whose last record is longer than the tail window (a WorkPending record of a large
 * cluster can be megabytes): the point after it is still found from the tail — a snapshot there
 * is used, and the records after it are read batch by batch — without scanning the whole log.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { FileEventLog } from '@pvsim/log-file';

test('a last record longer than the tail window still marks a point to read after', () => {
  const log = new FileEventLog(join(mkdtempSync(join(tmpdir(), 'pvsim-long-')), 'log.jsonl'));
  const keys = Array.from({ length: 20_000 }, (_, i) => `default/claim-${i}`);
  const first = log.append([
    { time: '2026-01-01T00:00:00.000Z', stream: 'cluster', type: 'ApplyRequested', data: {} },
    { time: '2026-01-01T00:00:00.000Z', stream: 'scheduler', type: 'WorkPending', data: { waiting: keys, delayed: [] } },
  ], 0);
  const point = { byteOffset: log.lastAppendEnd!, pos: first[1]!.pos, sum: first[1]!.sum };
  assert.ok(point.byteOffset > 256 * 1024, 'the last line is longer than the tail window');
  log.append([{ time: '2026-01-01T00:00:01.000Z', stream: 'cluster', type: 'DeleteRequested', data: {} }], 2);
  assert.ok(log.hasRecordAt(point.byteOffset, point.pos, point.sum, { batchEnd: true }));
  const after: number[] = [];
  assert.ok(log.forEachBatch((batch) => { for (const r of batch) after.push(r.pos); }, point));
  assert.equal(after, [3]);
  assert.equal(log.readAfter(point.byteOffset, point.pos, point.sum)?.map((r) => r.pos), [3]);
  assert.is(log.lastPos(), 3);
});

test.run();
