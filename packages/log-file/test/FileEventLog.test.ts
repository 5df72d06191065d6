import { createHash } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import fc from 'fast-check';
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { ExpectedVersionConflict, LogCorruptError, sealBatch, type LogRecord, type NewLogRecord } from '@pvsim/domain';
import { FileEventLog, LogFileRefusedError, LogLockedError, inspectLog, repairLog, sha256Hex } from '@pvsim/log-file';

const root = mkdtempSync(join(tmpdir(), 'pvsim-log-file-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
let count = 0;
const freshPath = () => join(root, `case-${++count}`, 'events.jsonl');

function rec(i: number, data: unknown = { claim: `default/data-${i}` }): NewLogRecord {
  return { time: `2026-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`, stream: `pvc/default/data-${i}`, type: 'ClaimBound', data };
}

const recs = (from: number, n: number) => Array.from({ length: n }, (_, k) => rec(from + k));

/** Appends `sizes` as batches; returns the log and the byte offset at which each batch ends. */
function logWithBatches(sizes: number[]) {
  const path = freshPath();
  const log = new FileEventLog(path);
  const ends: number[] = [];
  let pos = 0;
  for (const size of sizes) {
    log.append(recs(pos + 1, size), pos);
    pos += size;
    ends.push(statSync(path).size);
  }
  return { path, log, ends };
}

/** Byte offset at which each line starts. */
function lineStarts(path: string): number[] {
  const bytes = readFileSync(path);
  const starts = [0];
  for (let i = bytes.indexOf(10); i !== -1 && i < bytes.length - 1; i = bytes.indexOf(10, i + 1)) starts.push(i + 1);
  return starts;
}

function corruptError(fn: () => unknown): LogCorruptError {
  try {
    fn();
  } catch (error) {
    if (error instanceof LogCorruptError) return error;
    throw error;
  }
  assert.unreachable('expected a LogCorruptError');
  throw new Error('unreachable');
}

test('an absent file is an empty log; reading it creates nothing', () => {
  const path = freshPath();
  const log = new FileEventLog(path);
  assert.equal(log.read(), []);
  assert.is(log.lastPos(), 0);
  assert.equal(log.append([], 0), []);
  assert.equal(inspectLog(path), { records: [], recordCount: 0, intactBytes: 0 });
  assert.equal(repairLog(path), { keptRecords: 0, keptBytes: 0, droppedBytes: 0, dropped: [], acknowledgedLost: 0, changed: false });
  assert.not.ok(existsSync(dirname(path)));
});

test('the first append creates the missing parent directories and the file', () => {
  const path = join(freshPath(), 'deeper', 'events.jsonl');
  new FileEventLog(path).append(recs(1, 1), 0);
  assert.ok(existsSync(path));
  assert.not.ok(existsSync(`${path}.lock`));
});

test('a record is one JSON line: fixed key order, end only on the batch end, sum over the JSON without sum', () => {
  const path = freshPath();
  new FileEventLog(path).append([rec(1, { a: [1, 'é'] }), rec(2, null)], 0);
  const lines = readFileSync(path, 'utf8').split('\n');
  assert.is(lines.length, 3);
  assert.is(lines[2], '');
  const body1 = '{"pos":1,"time":"2026-01-01T00:00:01Z","stream":"pvc/default/data-1","type":"ClaimBound","data":{"a":[1,"é"]}}';
  const body2 = '{"pos":2,"time":"2026-01-01T00:00:02Z","stream":"pvc/default/data-2","type":"ClaimBound","data":null,"end":true}';
  // An oracle independent of the code under test: node's createHash over the record without sum.
  const sum = (body: string) => createHash('sha256').update(body).digest('hex').slice(0, 16);
  assert.is(lines[0], `${body1.slice(0, -1)},"sum":"${sum(body1)}"}`);
  assert.is(lines[1], `${body2.slice(0, -1)},"sum":"${sum(body2)}"}`);
  assert.is(sha256Hex('abc'), createHash('sha256').update('abc').digest('hex'));
});

/** A log handle that collects its notices. */
function noticing(path: string) {
  const notices: string[] = [];
  return { log: new FileEventLog(path, { onNotice: (t) => notices.push(t) }), notices };
}

test('an unfinished last batch (a torn write) is never read, and readers say they ignored it', () => {
  const { path, ends } = logWithBatches([2, 3]);
  truncateSync(path, ends[1]! - 10);
  const { log, notices } = noticing(path);
  assert.equal(log.read().map((r) => r.pos), [1, 2]);
  assert.is(log.lastPos(), 2);
  assert.is(log.size(), ends[0]);
  assert.is(notices.length, 1);
  assert.match(notices[0]!, 'never finished');
  assert.match(notices[0]!, `at byte ${ends[0]}`);
  const inspection = inspectLog(path);
  assert.equal(inspection.tail, { byteOffset: ends[0], records: 2, bytes: ends[1]! - 10 - ends[0]! });
  assert.is(inspection.problem, undefined);
});

test('a batch cut inside its first line, whole lines without the end marker, and a missing final newline are all unfinished', () => {
  for (const cut of [(ends: number[]) => ends[0]! + 5, (ends: number[]) => ends[1]! - 1]) {
    const { path, ends } = logWithBatches([2, 3]);
    truncateSync(path, cut(ends));
    assert.is(new FileEventLog(path).lastPos(), 2);
    assert.is(inspectLog(path).tail?.byteOffset, ends[0]);
  }
  const { path, ends } = logWithBatches([2]);
  const { lines } = sealBatch(recs(3, 3), 3, sha256Hex);
  appendFileSync(path, `${lines[0]}\n${lines[1]}\n`);
  assert.equal(inspectLog(path).tail, { byteOffset: ends[0], records: 2, bytes: statSync(path).size - ends[0]! });
  // The tail is a whole, valid line, but not a batch end: the cheap tail read must not trust it.
  assert.is(new FileEventLog(path).lastPos(), 2);
  assert.throws(() => new FileEventLog(path).append(recs(5, 1), 4), (e: unknown) => e instanceof ExpectedVersionConflict);
});

test('the next append removes an unfinished batch under the lock, and says so', () => {
  const { path, ends } = logWithBatches([2, 3]);
  truncateSync(path, ends[1]! - 10);
  const { log, notices } = noticing(path);
  const stored = log.append(recs(3, 1), 2);
  assert.equal(stored.map((r) => r.pos), [3]);
  assert.equal(log.read().map((r) => r.pos), [1, 2, 3]);
  assert.match(notices.join('\n'), 'removed it');
  assert.is(log.lastAppendEnd, statSync(path).size);
});

test('a whole record followed by a damaged line end is damage, not an unfinished write', () => {
  const { path, ends } = logWithBatches([2, 1]);
  const bytes = readFileSync(path);
  bytes[bytes.length - 1] = 0x21;
  writeFileSync(path, bytes);
  const error = corruptError(() => new FileEventLog(path).read());
  assert.is(error.pos, 3);
  assert.is(error.byteOffset, ends[0]);
  assert.match(error.detail, 'damaged line end');
  assert.match(error.message, '--force');
});

test('a flipped byte fails the checksum of its record', () => {
  const { path, ends } = logWithBatches([2, 3, 1]);
  const starts = lineStarts(path);
  const bytes = readFileSync(path);
  const at = bytes.indexOf('data-4', starts[3]!) + 5; // '4' -> '5' inside record 4's stream
  bytes[at] = 0x35;
  writeFileSync(path, bytes);
  const error = corruptError(() => new FileEventLog(path).read());
  assert.is(error.pos, 4);
  assert.is(error.byteOffset, starts[3]);
  assert.is(error.detail, 'failing its checksum');
  const inspection = inspectLog(path);
  assert.equal(inspection.records.map((r) => r.pos), [1, 2]);
  assert.is(inspection.intactBytes, ends[0]);
  assert.is(inspection.problem?.detail, 'failing its checksum');
});

test('a line that is not JSON is reported as such', () => {
  const { path } = logWithBatches([2, 2]);
  const starts = lineStarts(path);
  const bytes = readFileSync(path);
  writeFileSync(path, Buffer.concat([bytes.subarray(0, starts[2]), Buffer.from('{"pos":3,\n'), bytes.subarray(starts[3])]));
  const error = corruptError(() => new FileEventLog(path).read());
  assert.is(error.pos, 3);
  assert.is(error.byteOffset, starts[2]);
  assert.is(error.detail, 'not valid JSON');
});

test('a record out of order is reported with both positions', () => {
  const { path, ends } = logWithBatches([6]);
  appendFileSync(path, `${sealBatch(recs(9, 1), 9, sha256Hex).lines[0]}\n`);
  const error = corruptError(() => new FileEventLog(path).read());
  assert.is(error.pos, 7);
  assert.is(error.byteOffset, ends[0]);
  assert.is(error.detail, 'out of order (expected position 7, found 9)');
});

test('byte offsets count UTF-8 bytes, not characters', () => {
  const path = freshPath();
  const log = new FileEventLog(path);
  log.append([rec(1, 'ünïcødé 💾')], 0);
  const end = statSync(path).size;
  log.append(recs(2, 2), 1);
  truncateSync(path, statSync(path).size - 3);
  assert.is(inspectLog(path).tail?.byteOffset, end);
});

test('repairLog removes an unfinished last batch and reports what it dropped', () => {
  const { path, ends } = logWithBatches([2, 3]);
  const starts = lineStarts(path);
  truncateSync(path, ends[1]! - 10);
  const result = repairLog(path);
  assert.is(result.keptRecords, 2);
  assert.is(result.keptBytes, ends[0]);
  assert.is(result.droppedBytes, ends[1]! - 10 - ends[0]!);
  assert.ok(result.changed);
  assert.is(result.problem, undefined);
  assert.is(result.tail?.records, 2);
  assert.equal(
    result.dropped.map(({ byteOffset, pos, type, detail }) => ({ byteOffset, pos, type, detail })),
    [
      { byteOffset: starts[2], pos: 3, type: 'ClaimBound', detail: 'intact' },
      { byteOffset: starts[3], pos: 4, type: 'ClaimBound', detail: 'intact' },
      { byteOffset: starts[4], pos: undefined, type: undefined, detail: 'not valid JSON, without its newline (the write was torn)' },
    ],
  );
  assert.is(result.dropped[2]!.byteLength, ends[1]! - 10 - starts[4]!);
  assert.ok(result.dropped[2]!.preview?.startsWith('{"pos":5,'));
  assert.is(statSync(path).size, ends[0]);
  assert.equal(new FileEventLog(path).read().map((r) => r.pos), [1, 2]);
});

test('repairLog reports damage in acknowledged batches and changes nothing without force', () => {
  const { path, ends } = logWithBatches([2, 3, 1]);
  const starts = lineStarts(path);
  const bytes = readFileSync(path);
  bytes[bytes.indexOf('data-4', starts[3]!) + 5] = 0x35;
  writeFileSync(path, bytes);
  const result = repairLog(path);
  assert.not.ok(result.changed);
  assert.is(result.problem?.pos, 4);
  assert.is(result.problem?.byteOffset, starts[3]);
  assert.is(result.acknowledgedLost, 3, 'records 3, 5 and 6 are intact and would go');
  assert.is(result.backupPath, undefined);
  assert.ok(readFileSync(path).equals(bytes));
});

test('repairLog --force copies the damaged log beside it, then cuts the batch around the damage and everything after it', () => {
  const { path, ends } = logWithBatches([2, 3, 1]);
  const starts = lineStarts(path);
  const bytes = readFileSync(path);
  bytes[bytes.indexOf('data-4', starts[3]!) + 5] = 0x35;
  writeFileSync(path, bytes);
  const result = repairLog(path, { force: true });
  assert.ok(result.changed);
  assert.is(result.keptRecords, 2);
  assert.equal(
    result.dropped.map(({ pos, detail }) => [pos, detail]),
    [
      [3, 'intact'],
      [4, 'failing its checksum'],
      [5, 'intact'],
      [6, 'intact'],
    ],
  );
  assert.is(result.droppedBytes, ends[2]! - ends[0]!);
  assert.is(statSync(path).size, ends[0]);
  assert.is(result.backupPath, `${path}.damaged-1`);
  assert.ok(readFileSync(result.backupPath!).equals(bytes));
  // A second forced repair of a new damage does not overwrite the first backup.
  writeFileSync(path, bytes);
  assert.is(repairLog(path, { force: true }).backupPath, `${path}.damaged-2`);
});

test('repairLog leaves a whole log untouched', () => {
  const { path, ends } = logWithBatches([2, 3]);
  const before = readFileSync(path);
  const result = repairLog(path);
  assert.equal(result, { keptRecords: 5, keptBytes: ends[1], droppedBytes: 0, dropped: [], acknowledgedLost: 0, changed: false });
  assert.ok(readFileSync(path).equals(before));
});

test('a file that is not a pvsim log is refused by readers, writers and repair, even with force', () => {
  const path = freshPath();
  mkdirSync(dirname(path), { recursive: true });
  const foreign = '{"level":"info","msg":"another program"}\n{"level":"warn"}\n';
  writeFileSync(path, foreign);
  for (const attempt of [() => new FileEventLog(path).read(), () => new FileEventLog(path).append(recs(1, 1), 0), () => repairLog(path), () => repairLog(path, { force: true })]) {
    assert.throws(attempt, (e: unknown) => e instanceof LogFileRefusedError && e.reason === 'foreign');
  }
  assert.is(readFileSync(path, 'utf8'), foreign);
  assert.not.ok(existsSync(`${path}.damaged-1`));
});

test('a symbolic link as the log is refused, and its target left alone', () => {
  const { path: target } = logWithBatches([2]);
  const path = freshPath();
  mkdirSync(dirname(path), { recursive: true });
  symlinkSync(target, path);
  const before = readFileSync(target);
  truncateSync(target, before.length - 3);
  const damaged = readFileSync(target);
  for (const attempt of [() => new FileEventLog(path).read(), () => new FileEventLog(path).append(recs(3, 1), 2), () => repairLog(path, { force: true })]) {
    assert.throws(attempt, (e: unknown) => e instanceof LogFileRefusedError && e.reason === 'symlink');
  }
  assert.ok(readFileSync(target).equals(damaged));
});

test('a log over maxBytes is refused before it is read', () => {
  const { path } = logWithBatches([20]);
  assert.throws(() => new FileEventLog(path, { maxBytes: 100 }).read(), (e: unknown) => e instanceof LogFileRefusedError && e.reason === 'too-large' && /PVSIM_MAX_LOG_BYTES/.test(e.message));
});

test('after repair the log appends again', () => {
  const { path, ends } = logWithBatches([2, 3]);
  truncateSync(path, ends[1]! - 1);
  const log = new FileEventLog(path);
  repairLog(path);
  assert.is(log.lastPos(), 2);
  const stored = log.append(recs(3, 2), 2);
  assert.equal(stored.map((r) => r.pos), [3, 4]);
  assert.equal(log.read().map((r) => r.pos), [1, 2, 3, 4]);
});

test('append refuses to write after damage in acknowledged data, leaving the file as it was', () => {
  const { path } = logWithBatches([2, 3]);
  const bytes = readFileSync(path);
  bytes[bytes.length - 30]! ^= 1;
  writeFileSync(path, bytes);
  const error = corruptError(() => new FileEventLog(path).append(recs(6, 1), 5));
  assert.is(error.pos, 5);
  assert.ok(readFileSync(path).equals(bytes));
  assert.not.ok(existsSync(`${path}.lock`));
});

function ownerRecord(pid: number, nonce: string): string {
  return `${JSON.stringify({ pid, nonce, host: hostname() })}\n`;
}

test('a live holder of the lock makes append and repair fail with LogLocked naming it; its lock stays', () => {
  const { path, log } = logWithBatches([2]);
  const lockPath = `${path}.lock`;
  // The parent of this test process is alive for as long as the test runs.
  writeFileSync(lockPath, ownerRecord(process.ppid, 'someone-else'));
  const before = readFileSync(path);
  for (const attempt of [() => log.append(recs(3, 1), 2), () => repairLog(path)]) {
    try {
      attempt();
      assert.unreachable('expected LogLockedError');
    } catch (error) {
      assert.instance(error, LogLockedError);
      const locked = error as LogLockedError;
      assert.is(locked.code, 'LogLocked');
      assert.is(locked.lockPath, lockPath);
      assert.is(locked.owner?.pid, process.ppid);
      assert.match(locked.message, `pid ${process.ppid}`);
    }
  }
  assert.ok(readFileSync(path).equals(before));
  assert.ok(existsSync(lockPath), 'a lock we did not take is not ours to remove');
  unlinkSync(lockPath);
  log.append(recs(3, 1), 2);
  assert.is(log.lastPos(), 3);
});

test('a lock left by a dead process, or an old empty lock file, is taken over', () => {
  for (const content of [ownerRecord(2 ** 22 + 12345, 'dead'), '']) {
    const { path, log } = logWithBatches([2]);
    writeFileSync(`${path}.lock`, content);
    const notices: string[] = [];
    const next = new FileEventLog(path, { onNotice: (t) => notices.push(t) });
    next.append(recs(3, 1), 2);
    assert.is(log.lastPos(), 3);
    assert.not.ok(existsSync(`${path}.lock`));
    assert.match(notices.join('\n'), 'took over');
  }
});

test('a writer waits for a live holder while its clock allows, then names the holder', () => {
  const { path, log } = logWithBatches([1]);
  writeFileSync(`${path}.lock`, ownerRecord(process.ppid, 'busy'));
  let now = 0;
  const slept: number[] = [];
  const waiting = new FileEventLog(path, { lock: { timeoutMs: 100, clock: { nowMs: () => now, sleepMs: (ms) => { slept.push(ms); now += ms; if (now >= 60) unlinkSync(`${path}.lock`); } } } });
  waiting.append(recs(2, 1), 1);
  assert.is(log.lastPos(), 2);
  assert.ok(slept.length > 1);
  writeFileSync(`${path}.lock`, ownerRecord(process.ppid, 'busy'));
  now = 0;
  const impatient = new FileEventLog(path, { lock: { timeoutMs: 30, clock: { nowMs: () => now, sleepMs: (ms) => { now += ms; } } } });
  assert.throws(() => impatient.append(recs(3, 1), 2), (e: unknown) => e instanceof LogLockedError && e.waitedMs >= 30 && /gave up after waiting/.test(e.message));
  unlinkSync(`${path}.lock`);
});

test('the lock is released after a successful append and after a conflict', () => {
  const { path, log } = logWithBatches([1]);
  assert.not.ok(existsSync(`${path}.lock`));
  assert.throws(() => log.append(recs(2, 1), 0), (error: unknown) => error instanceof ExpectedVersionConflict);
  assert.not.ok(existsSync(`${path}.lock`));
  log.append(recs(2, 1), 1);
});

test('a private log (no fsync per append) still sees what another handle appended, and cuts an unfinished batch', () => {
  const path = freshPath();
  const log = new FileEventLog(path, { syncEachAppend: false });
  log.append(recs(1, 2), 0);
  log.append(recs(3, 1), 2);
  // Another writer (which a private log should never have): its batch is seen, not overwritten.
  new FileEventLog(path).append(recs(4, 2), 3);
  assert.throws(() => log.append(recs(6, 1), 3), (e: unknown) => e instanceof ExpectedVersionConflict);
  assert.is(log.append(recs(6, 1), 5).at(-1)!.pos, 6);
  // A torn write after this handle's last append: cut off by the next append, as on any log.
  appendFileSync(path, '{"pos":7,"ti');
  assert.is(log.append(recs(7, 1), 6).at(-1)!.pos, 7);
  assert.equal(new FileEventLog(path).read().map((r) => r.pos), [1, 2, 3, 4, 5, 6, 7]);
});

test('a last line longer than the tail window is found by a full scan', () => {
  const path = freshPath();
  const log = new FileEventLog(path);
  log.append([rec(1, 'x'.repeat(100 * 1024))], 0);
  assert.is(log.lastPos(), 1);
  log.append([rec(2), rec(3, 'y'.repeat(70 * 1024))], 1);
  assert.is(new FileEventLog(path).lastPos(), 3);
  assert.equal(log.read().map((r) => r.pos), [1, 2, 3]);
});

// Property tests: random batches, then damage, then what read() and repairLog() make of it.

const arbRecord: fc.Arbitrary<NewLogRecord> = fc.record({
  time: fc.constantFrom('2026-01-01T00:00:00Z', '2026-01-01T00:00:01.500Z'),
  stream: fc.string({ unit: 'grapheme', maxLength: 12 }),
  type: fc.constantFrom('ClaimBound', 'VolumeReleased', 'ApplyObjects'),
  data: fc.jsonValue({ maxDepth: 2 }),
});
const arbBatches = fc.array(fc.array(arbRecord, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 5 });

function writeBatches(batches: NewLogRecord[][]) {
  const path = freshPath();
  const log = new FileEventLog(path);
  const stored: LogRecord[][] = [];
  const ends: number[] = [];
  let pos = 0;
  for (const batch of batches) {
    stored.push(log.append(batch, pos));
    pos += batch.length;
    ends.push(statSync(path).size);
  }
  return { path, stored, ends };
}

test('property: a cut anywhere reads as the whole batches before it; repair removes exactly the unfinished rest', () => {
  fc.assert(
    fc.property(arbBatches, fc.nat(), (batches, cutSeed) => {
      const { path, stored, ends } = writeBatches(batches);
      const cut = cutSeed % (ends.at(-1)! + 1);
      truncateSync(path, cut);
      const wholeBatches = ends.filter((end) => end <= cut).length;
      const expected = stored.slice(0, wholeBatches).flat();
      const intactBytes = wholeBatches === 0 ? 0 : ends[wholeBatches - 1]!;
      assert.equal(new FileEventLog(path).read(), expected);
      assert.is(new FileEventLog(path).lastPos(), expected.length);
      const result = repairLog(path);
      assert.is(result.problem, undefined, 'a cut is never damage');
      assert.is(result.keptRecords, expected.length);
      assert.is(result.droppedBytes, cut - intactBytes);
      assert.is(statSync(path).size, intactBytes);
      assert.equal(new FileEventLog(path).read(), expected);
    }),
    { numRuns: 200 },
  );
});

test('property: any single changed byte is never read as data; repair without force loses no whole batch', () => {
  fc.assert(
    fc.property(arbBatches, fc.nat(), fc.integer({ min: 1, max: 255 }), (batches, atSeed, mask) => {
      const { path, stored, ends } = writeBatches(batches);
      const bytes = readFileSync(path);
      const at = atSeed % bytes.length;
      bytes[at]! ^= mask;
      writeFileSync(path, bytes);
      const wholeBatches = ends.filter((end) => end <= at).length;
      const before = stored.slice(0, wholeBatches).flat();
      try {
        const read = new FileEventLog(path).read();
        // Only a changed byte in the last batch can read as "unfinished"; then that batch is not read.
        assert.equal(read, before);
        assert.is(wholeBatches, stored.length - 1);
      } catch (error) {
        if (!(error instanceof LogCorruptError) && !(error instanceof LogFileRefusedError)) throw error;
      }
      let result;
      try { result = repairLog(path); } catch (error) {
        if (error instanceof LogFileRefusedError) return; // the first line no longer looks like pvsim's
        throw error;
      }
      if (result.problem !== undefined) {
        assert.not.ok(result.changed);
        assert.ok(readFileSync(path).equals(bytes));
      } else {
        assert.equal(new FileEventLog(path).read(), before);
      }
    }),
    { numRuns: 200 },
  );
});

test.run();
