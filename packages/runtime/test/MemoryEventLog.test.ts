import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { MemoryEventLog } from '../src/MemoryEventLog.ts';
import { eventLogContract } from '../../../test/contract/eventLog.ts';

eventLogContract('MemoryEventLog', () => {
  const log = new MemoryEventLog();
  return { log, reopen: () => log };
});

test('stored records are frozen: a record is a fact, not a scratch object', () => {
  const log = new MemoryEventLog();
  const [stored] = log.append([{ time: '2026-01-01T00:00:00Z', stream: 'cluster', type: 'ObjectsApplied', data: { names: ['a'] } }], 0);
  assert.throws(() => {
    (stored!.data as { names: string[] }).names.push('b');
  }, TypeError);
  assert.equal(log.read()[0]!.data, { names: ['a'] });
});

test.run();
