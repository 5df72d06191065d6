/**
 * Design: the one contract every EventLog implementation passes (file, memory, JetStream), in
 * the manner of emmett's shared event-store tests. It speaks only the port (`read`, `lastPos`,
 * `append`), plus optional hooks an implementation's test file supplies when it has bytes to
 * show (`bytes`) or a tail to damage (`corruptTail`). Implementation-specific behaviour (file
 * format, locks, repair) is tested beside the implementation.
 */

import * as assert from 'uvu/assert';
import { suite } from 'uvu';
// Types only, and by path: the repository root has no node_modules link to the workspace
// packages, so `@pvsim/domain` does not resolve from test/. Errors are recognised by their
// stable `code` (STYLE §6) rather than by class, which keeps this file free of runtime imports.
import type {
  ExpectedVersionConflict,
  EventLog,
  LogCorruptError,
  LogRecord,
  LogRecordInvalidError,
  NewLogRecord,
} from '../../packages/domain/src/index.ts';

export interface EventLogUnderTest {
  log: EventLog;
  /** A second handle on the same storage, as a new process would open it. */
  reopen: () => EventLog;
  /** Replaces the stored bytes with `mutate(bytes)`; for logs stored as bytes. */
  corruptTail?: (mutate: (bytes: Buffer) => Buffer) => void;
  /** The stored bytes; for logs stored as bytes. */
  bytes?: () => Buffer;
}

function record(i: number, data: unknown = { i }): NewLogRecord {
  return {
    time: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`,
    stream: `pv/pv-${i % 7}`,
    type: i % 2 === 0 ? 'PersistentVolumeUpdated' : 'PersistentVolumeClaimUpdated',
    data,
  };
}

function records(from: number, count: number): NewLogRecord[] {
  return Array.from({ length: count }, (_, k) => record(from + k));
}

/** What a reader should see of `input` stored at `pos`, apart from `end` and `sum`. */
function expectedFields(input: NewLogRecord, pos: number) {
  return { pos, time: input.time, stream: input.stream, type: input.type, data: input.data };
}

function withoutSeal(r: LogRecord) {
  return { pos: r.pos, time: r.time, stream: r.stream, type: r.type, data: r.data };
}

interface ErrorsByCode {
  ExpectedVersionConflict: ExpectedVersionConflict;
  LogCorrupt: LogCorruptError;
  LogRecordInvalid: LogRecordInvalidError;
}

/** Runs `fn` and returns the error it throws, which must carry `code`. */
function throwsWith<C extends keyof ErrorsByCode>(fn: () => unknown, code: C): ErrorsByCode[C] {
  try {
    fn();
  } catch (error) {
    if (error instanceof Error && (error as { code?: unknown }).code === code) return error as ErrorsByCode[C];
    throw error;
  }
  assert.unreachable(`expected an error with code ${code}`);
  throw new Error('unreachable');
}

/**
 * Registers and runs the contract as one uvu suite. `make` is called once per test for a fresh,
 * empty log, and once up front to see which hooks exist, so it must not create storage itself
 * (the log creates it on first append).
 */
export function eventLogContract(name: string, make: () => EventLogUnderTest): void {
  const test = suite(`EventLog contract: ${name}`);

  test('an empty log reads as no records at position 0', () => {
    const { log, reopen } = make();
    assert.equal(log.read(), []);
    assert.is(log.lastPos(), 0);
    assert.equal(reopen().read(), []);
  });

  test('appended records read back in order, numbered from 1', () => {
    const { log } = make();
    const first = records(1, 3);
    const second = records(4, 2);
    const stored1 = log.append(first, 0);
    const stored2 = log.append(second, 3);
    assert.equal(stored1.map(withoutSeal), first.map((r, k) => expectedFields(r, k + 1)));
    assert.equal(stored2.map(withoutSeal), second.map((r, k) => expectedFields(r, k + 4)));
    assert.equal(log.read(), [...stored1, ...stored2]);
    assert.is(log.lastPos(), 5);
  });

  test('only the last record of each batch carries end: true', () => {
    const { log } = make();
    let pos = 0;
    for (const size of [3, 1, 2, 4]) pos = log.append(records(pos + 1, size), pos).at(-1)!.pos;
    const ends = log.read().filter((r) => 'end' in r).map((r) => r.pos);
    assert.equal(ends, [3, 4, 6, 10]);
    assert.ok(log.read().every((r) => r.end === undefined || r.end === true));
  });

  test('every record carries a 16-hex-digit checksum that depends on its content', () => {
    const { log } = make();
    const stored = log.append([record(1, { a: 1 }), record(1, { a: 2 })], 0);
    for (const r of stored) assert.match(r.sum, /^[0-9a-f]{16}$/);
    assert.is.not(stored[0]!.sum, stored[1]!.sum);
  });

  test('an append after a stale or future position is an ExpectedVersionConflict', () => {
    const { log } = make();
    log.append(records(1, 2), 0);
    const stale = throwsWith(() => log.append(records(3, 1), 0), 'ExpectedVersionConflict');
    assert.is(stale.code, 'ExpectedVersionConflict');
    assert.is(stale.expectedPos, 0);
    assert.is(stale.actualPos, 2);
    const future = throwsWith(() => log.append(records(3, 1), 5), 'ExpectedVersionConflict');
    assert.is(future.actualPos, 2);
    assert.is(log.lastPos(), 2);
    assert.is(log.read().length, 2);
  });

  test('a second writer that saw the same position loses', () => {
    const { log, reopen } = make();
    const other = reopen();
    log.append(records(1, 1), 0);
    throwsWith(() => other.append(records(1, 1), 0), 'ExpectedVersionConflict');
    other.append(records(2, 1), 1);
    assert.equal(log.read().map((r) => r.pos), [1, 2]);
  });

  test('a stale writer with a longer batch than the one that won leaves none of its records behind', () => {
    // The losing batch's later records expect positions the winner's batch reached: none of
    // them may land after it (the log would end in records of a batch whose start was refused).
    for (const [won, lost] of [[2, 5], [1, 4], [3, 9]] as const) {
      const { log, reopen } = make();
      const other = reopen();
      log.append(records(1, 3), 0);
      log.append(records(10, won), 3);
      throwsWith(() => other.append(records(20, lost), 3), 'ExpectedVersionConflict');
      assert.is(log.lastPos(), 3 + won, `after a lost ${lost}-record batch against a ${won}-record one`);
      assert.equal(reopen().read().map((r) => r.pos), Array.from({ length: 3 + won }, (_, i) => i + 1));
      other.append(records(40, 2), 3 + won);
      assert.is(log.lastPos(), 5 + won);
    }
  });

  test('a reopened log sees the same records and continues after them', () => {
    const { log, reopen } = make();
    const stored = log.append(records(1, 4), 0);
    const again = reopen();
    assert.equal(again.read(), stored);
    assert.is(again.lastPos(), 4);
    again.append(records(5, 1), 4);
    assert.equal(log.read().map((r) => r.pos), [1, 2, 3, 4, 5]);
  });

  test('an empty batch is a no-op that returns []', () => {
    const { log } = make();
    assert.equal(log.append([], 0), []);
    assert.equal(log.read(), []);
    log.append(records(1, 2), 0);
    assert.equal(log.append([], 2), []);
    // No write, so no version check either.
    assert.equal(log.append([], 0), []);
    assert.is(log.lastPos(), 2);
  });

  test('the same appends give the same records (and the same bytes)', () => {
    const a = make();
    const b = make();
    for (const h of [a, b]) {
      h.log.append(records(1, 3), 0);
      h.log.append([record(4, { text: 'ünïcødé ✓ "quoted"\nline' })], 3);
    }
    assert.equal(a.log.read(), b.log.read());
    if (a.bytes !== undefined && b.bytes !== undefined) assert.ok(a.bytes().equals(b.bytes()));
  });

  test('data round-trips as JSON: strings with newlines, unicode, nesting, null', () => {
    const { log, reopen } = make();
    const data = [
      null,
      'a\nb\r\n"c"\u2028',
      { nested: { list: [1, 2.5, -3, true, false, null], emoji: '💾', empty: {} } },
      [],
      0,
    ];
    log.append(data.map((d, k) => record(k + 1, d)), 0);
    assert.equal(reopen().read().map((r) => r.data), data);
  });

  test('a large batch is stored whole', () => {
    const { log, reopen } = make();
    const batch = Array.from({ length: 10_000 }, (_, k) => record(k + 1, { k, name: `claim-${k}` }));
    const stored = log.append(batch, 0);
    assert.is(stored.length, 10_000);
    const read = reopen().read();
    assert.equal(read, stored);
    assert.equal(read.map((r) => r.pos), batch.map((_, k) => k + 1));
    assert.equal(read.filter((r) => r.end).map((r) => r.pos), [10_000]);
    assert.is(log.lastPos(), 10_000);
  });

  test('a record that cannot be stored is refused and the log is unchanged', () => {
    const { log } = make();
    log.append(records(1, 1), 0);
    const bad = [record(2), { ...record(3), data: undefined }];
    const error = throwsWith(() => log.append(bad, 1), 'LogRecordInvalid');
    assert.is(error.code, 'LogRecordInvalid');
    assert.is(error.index, 1);
    assert.is(error.field, 'data');
    throwsWith(() => log.append([{ ...record(2), type: 7 as unknown as string }], 1), 'LogRecordInvalid');
    assert.is(log.lastPos(), 1);
    assert.is(log.read().length, 1);
  });

  // Registered only for logs whose bytes can be damaged (probing `make` creates no storage).
  if (make().corruptTail !== undefined) test('a torn tail is never read, and the next append replaces it', () => {
    const { log, reopen, corruptTail } = make();
    log.append(records(1, 2), 0);
    log.append(records(3, 2), 2);
    const whole = reopen().read();
    corruptTail!((bytes) => bytes.subarray(0, bytes.length - 1));
    assert.equal(reopen().read(), whole.slice(0, 2));
    assert.is(reopen().lastPos(), 2);
    throwsWith(() => reopen().append(records(5, 1), 4), 'ExpectedVersionConflict');
    assert.equal(reopen().append(records(3, 1), 2).map((r) => r.pos), [3]);
    assert.equal(reopen().read().map((r) => r.pos), [1, 2, 3]);
  });

  test.run();
}
