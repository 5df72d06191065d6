/**
 * Design: the in-memory twin of the file event log, for simulations and tests. It seals batches
 * with the same `sealBatch` and sha256 as the file log, so its records — positions, `end`
 * markers, checksums — are identical to what the file log would store for the same appends, and
 * the same contract suite (`test/contract/eventLog.ts`) runs against both. Nothing can tear in
 * memory, so `read()` never throws.
 *
 * Stored records are deep-frozen and handed out as they are (no copy per read): a log record is
 * a fact, and code that mutates one fails here, loudly, instead of corrupting later reads.
 */

import * as nodeCrypto from 'node:crypto';
import {
  ExpectedVersionConflict,
  sealBatch,
  type EventLog,
  type LogRecord,
  type NewLogRecord,
} from '@pvsim/domain';

function sha256Hex(text: string): string {
  return typeof nodeCrypto.hash === 'function'
    ? nodeCrypto.hash('sha256', text, 'hex')
    : nodeCrypto.createHash('sha256').update(text).digest('hex');
}

export class MemoryEventLog implements EventLog {
  private readonly records: LogRecord[] = [];

  read(): LogRecord[] {
    return this.records.slice();
  }

  lastPos(): number {
    return this.records.length;
  }

  append(batch: NewLogRecord[], expectedPos: number): LogRecord[] {
    if (batch.length === 0) return [];
    // Sealed before the version check, as the file log does, so both fail the same way.
    const { records } = sealBatch(batch, expectedPos + 1, sha256Hex);
    const actualPos = this.records.length;
    if (actualPos !== expectedPos) throw new ExpectedVersionConflict(expectedPos, actualPos);
    for (const record of records) this.records.push(deepFreeze(record));
    return records;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
