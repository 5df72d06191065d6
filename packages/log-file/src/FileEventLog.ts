/**
 * Design: the event log as one append-only file of JSON lines (the format lives in
 * @pvsim/domain `logRecord.ts`; every line ends with `"sum"`, a checksum of the line without it).
 *
 * - Appends are transactions. A batch is sealed (numbered, its last record marked `end`), written
 *   with one write call and fsynced before `append` returns; the directory is fsynced too when
 *   the file (or a parent directory) was just created, so the file itself survives a crash.
 * - Writers exclude each other with `<path>.lock` (lock.ts): a lock that records its owner, is
 *   waited for while that owner lives and is taken over once it is gone, so a crash never leaves
 *   the log blocked (docs/decisions/0003-log-lock.md).
 * - An unfinished last batch — complete records without the batch's `end`, then perhaps the
 *   start of a line without its newline — is what a write in progress looks like, and what a
 *   writer killed in the middle of its write leaves. It was never acknowledged (append fsyncs
 *   before returning), so it is never read: readers, who take no lock, stop before it (and say so
 *   when no live writer holds the lock), and the next writer, under the lock, cuts it off. Any
 *   other damage — a line that is not JSON, fails its checksum or is out of order, a fragment
 *   that is not the start of a record — is in acknowledged data: it is reported as a
 *   LogCorruptError naming the record and byte, and only `repairLog` with `force` changes it,
 *   after writing a backup.
 * - The file is read in chunks and each line is decoded on its own, so a log larger than V8's
 *   biggest string still reads, and `inspectLog`/`repairLog` hold one chunk at a time. A log over
 *   `maxBytes` is refused before it is read, with a message saying so.
 * - Under the lock the writer re-reads only the tail of the file (the last 64 KiB) to learn the
 *   last position; it falls back to a full scan only when the last line is longer than that or
 *   does not look like the clean end of a batch.
 * - Checking a checksum does not re-serialise the record: the hash is taken over the raw line
 *   with its fixed-length `,"sum":"…"}` suffix replaced by `}`, which is exactly the JSON the
 *   writer hashed (see `sealBatch`).
 * - The file never is a symbolic link (opened with O_NOFOLLOW), and a file whose first line is
 *   not a pvsim record is another program's: it is refused, never read as damage or repaired.
 * - Checksums are sha256 from node:crypto (the one-shot `crypto.hash` where Node has it, about
 *   twice as fast for short lines as `createHash`; both give the same digest).
 * - `faults` is a seam for tests: it is called at named points of the write path and may throw
 *   an injected error (a full disk, a read-only file system) or pause there to be killed.
 */

import * as nodeCrypto from 'node:crypto';
import {
  closeSync,
  constants,
  copyFileSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  lstatSync,
  mkdirSync,
  openSync,
  readSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import {
  ExpectedVersionConflict,
  LogCorruptError,
  checkLine,
  sealBatch,
  type EventLog,
  type LogRecord,
  type NewLogRecord,
} from '@pvsim/domain';
import { acquireLogLock, describeOwner, liveLockOwner, type LockOptions, type LockOwner } from './lock.ts';

/** How much of the file's end `lastPos` and `append` read to find the last record. */
const TAIL_BYTES = 64 * 1024;
/** The longest last line the tail read looks for before falling back to a full scan. */
const LINE_WINDOW_MAX = 64 * 1024 * 1024;
/** How much a full scan reads at a time. */
const CHUNK_BYTES = 8 * 1024 * 1024;
const NEWLINE = 0x0a;
/** How every line of a pvsim log starts (the fixed key order of `sealBatch`). */
const LINE_START = '{"pos":';
const FIRST_LINE_START = '{"pos":1,"time":"';

const oneShotHash: ((algorithm: string, data: string, encoding: 'hex') => string) | undefined =
  typeof nodeCrypto.hash === 'function' ? nodeCrypto.hash : undefined;

/** sha256 of `text` (UTF-8) as lowercase hex: the `LogHash` every pvsim log uses. */
export function sha256Hex(text: string): string {
  return oneShotHash !== undefined
    ? oneShotHash('sha256', text, 'hex')
    : nodeCrypto.createHash('sha256').update(text).digest('hex');
}

/** Where the write path calls `faults` (`snapshot`: the CLI's snapshot writer beside the log). */
export type FaultPoint = 'lock' | 'open' | 'write' | 'mid-write' | 'fsync' | 'appended' | 'snapshot';

export interface FileEventLogOptions {
  lock?: LockOptions;
  /** Refuse to read a log (or the part after a snapshot) larger than this. */
  maxBytes?: number;
  /** Things the user should know that are not errors (an unfinished batch ignored or removed). */
  onNotice?: (text: string) => void;
  /** Test seam, see the design note. */
  faults?: (point: FaultPoint) => void;
  /**
   * `false`: appends are not fsynced one by one. Only for a log written inside a private
   * directory that its writer fsyncs whole before publishing it by a rename (a new cluster from
   * `record import`): until then no one reads it, so a crash loses nothing anyone was told about.
   */
  syncEachAppend?: boolean;
}

/** pvsim will not read or change this file: it is a symbolic link, not a file, or not a pvsim log. */
export class LogFileRefusedError extends Error {
  readonly code = 'LogFileRefused';
  constructor(
    readonly path: string,
    readonly reason: 'symlink' | 'not-a-file' | 'foreign' | 'too-large',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${message}`, options);
    this.name = 'LogFileRefusedError';
  }
}

/** The unfinished last batch of a log: never acknowledged, never read. */
export interface UnfinishedTail {
  byteOffset: number;
  /** Complete records of the batch before the cut. */
  records: number;
  bytes: number;
}

export class FileEventLog implements EventLog {
  /** The byte offset where this handle's last successful append ended. */
  lastAppendEnd: number | undefined;
  /** Where each record of that append ends (byte offsets, newline included): snapshots inside a batch point there. */
  lastAppendRecordEnds: number[] = [];
  /**
   * A private log (`syncEachAppend: false`) has one writer, this handle: where its last append
   * left the file (bytes, last position), so the next append need not read the tail again while
   * the file's size says nothing else wrote to it, and need not ensure the directory again.
   */
  private privateEnd: { bytes: number; pos: number; tail?: UnfinishedTail } | undefined;

  constructor(
    readonly path: string,
    readonly options: FileEventLogOptions = {},
  ) {}

  read(): LogRecord[] {
    const fd = this.openForRead();
    if (fd === undefined) return [];
    try {
      const size = fstatSync(fd).size;
      this.checkSize(size);
      const scan = scanFd(this.path, fd, 0, size, 1, true);
      if (scan.problem !== undefined) throw scan.problem;
      this.noticeTail(scan.tail);
      return scan.records;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Reads only the tail of the file, unless the tail does not end a batch. Throws
   * LogCorruptError on damage; an unfinished last batch does not count.
   */
  lastPos(): number {
    const fd = this.openForRead();
    if (fd === undefined) return 0;
    try {
      return lastPosOf(this.path, fd).pos;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * The records after a known point — the record `pos` with checksum `sum` ending at byte
   * `byteOffset` — without reading what comes before it (a snapshot's tail). Returns undefined
   * when that record is not where it should be (the log was replaced or truncated), so the
   * caller falls back to `read()`. Damage in the tail throws LogCorruptError like `read()`.
   */
  readAfter(byteOffset: number, pos: number, sum: string): LogRecord[] | undefined {
    const fd = this.openForRead();
    if (fd === undefined) return undefined;
    try {
      const size = fstatSync(fd).size;
      if (byteOffset <= 0 || size < byteOffset) return undefined;
      const known = batchEndAt(fd, byteOffset);
      if (known?.pos !== pos || known.sum !== sum) return undefined;
      this.checkSize(size - byteOffset);
      const scan = scanFd(this.path, fd, byteOffset, size, pos + 1, true);
      if (scan.problem !== undefined) throw scan.problem;
      this.noticeTail(scan.tail);
      return scan.records;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Whether the record `pos` with checksum `sum` ends at byte `byteOffset` (a snapshot's point is
   * still in the log) — and, with `batchEnd`, ends its batch there.
   */
  hasRecordAt(byteOffset: number, pos: number, sum: string, options: { batchEnd?: boolean } = {}): boolean {
    const fd = this.openForRead();
    if (fd === undefined) return false;
    try {
      if (byteOffset <= 0 || fstatSync(fd).size < byteOffset) return false;
      const known = options.batchEnd ? batchEndAt(fd, byteOffset) : recordEndingAt(fd, byteOffset);
      return known?.pos === pos && known.sum === sum;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Calls `onBatch` with each whole batch in order, holding one batch at a time, so a log of any
   * size is read in the memory of its largest batch (no size limit applies). `after`: start after
   * a known record — the record `pos` with checksum `sum` ending at byte `byteOffset`, a
   * snapshot's point, which may be inside a batch (the first call then gets the batch's rest) —
   * and return false, reading nothing, when that record is not where it should be. `onBatch` returning false stops the read there. Damage throws LogCorruptError as `read()`
   * does, once the batches before it were handed over; an unfinished last batch is not read.
   */
  forEachBatch(onBatch: (batch: LogRecord[]) => boolean | void, after?: { byteOffset: number; pos: number; sum: string }): boolean {
    const fd = this.openForRead();
    if (fd === undefined) return after === undefined;
    try {
      const size = fstatSync(fd).size;
      let from = 0;
      let firstPos = 1;
      if (after !== undefined) {
        if (after.byteOffset <= 0 || size < after.byteOffset) return false;
        const known = recordEndingAt(fd, after.byteOffset);
        if (known?.pos !== after.pos || known.sum !== after.sum) return false;
        from = after.byteOffset;
        firstPos = after.pos + 1;
      }
      const scan = scanFd(this.path, fd, from, size, firstPos, true, onBatch);
      if (scan.problem !== undefined) throw scan.problem;
      this.noticeTail(scan.tail);
      return true;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Bytes of the log up to the end of its last whole batch (0 when absent): where the next
   * batch starts, and what a snapshot of the state after that batch refers to.
   */
  size(): number {
    const fd = this.openForRead();
    if (fd === undefined) return 0;
    try { return lastPosOf(this.path, fd).bytes; } finally { closeSync(fd); }
  }

  append(batch: NewLogRecord[], expectedPos: number): LogRecord[] {
    if (batch.length === 0) return [];
    // Sealed before taking the lock: an invalid record fails without touching the file, and if
    // the log has moved on the conflict below discards this work anyway.
    const { records, lines } = sealBatch(batch, expectedPos + 1, sha256Hex);
    const bytes = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    const privateLog = this.options.syncEachAppend === false;
    const createdDirectory = privateLog && this.privateEnd !== undefined ? false : ensureDirectory(this.path);
    const lock = acquireLogLock(this.path, this.options.lock);
    try {
      if (lock.tookOverFrom) this.notice(`took over the event log's lock from ${describeOwner(lock.tookOverFrom)}, which has exited`);
      this.options.faults?.('lock');
      let fd = openIfExists(this.path, constants.O_RDWR | constants.O_APPEND | constants.O_NOFOLLOW);
      let created = false;
      let sizeBefore = 0;
      try {
        let actualPos = 0;
        if (fd !== undefined) {
          const known = privateLog ? this.privateEnd : undefined;
          const end = known !== undefined && fstatSync(fd).size === known.bytes ? known : lastPosOf(this.path, fd);
          actualPos = end.pos;
          sizeBefore = end.bytes;
          if (end.tail !== undefined) {
            // Under the lock nobody is writing: this batch was cut short by a writer that died.
            ftruncateSync(fd, end.tail.byteOffset);
            fsyncSync(fd);
            this.notice(unfinishedText(this.path, end.tail, 'removed it'));
          }
        }
        if (actualPos !== expectedPos) throw new ExpectedVersionConflict(expectedPos, actualPos);
        this.options.faults?.('open');
        if (fd === undefined) {
          fd = openSync(this.path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
          created = true;
        }
        writeWhole(fd, bytes, sizeBefore, this.options.faults);
        this.options.faults?.('fsync');
        if (this.options.syncEachAppend !== false) fsyncSync(fd);
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
      if ((created || createdDirectory) && this.options.syncEachAppend !== false) fsyncDirectory(dirname(resolve(this.path)));
      this.lastAppendEnd = sizeBefore + bytes.length;
      this.privateEnd = privateLog ? { bytes: this.lastAppendEnd, pos: records[records.length - 1]!.pos } : undefined;
      let at = sizeBefore;
      this.lastAppendRecordEnds = lines.map((line) => (at += Buffer.byteLength(line) + 1));
      this.options.faults?.('appended');
      return records;
    } finally {
      lock.release();
    }
  }

  private openForRead(): number | undefined {
    return openIfExists(this.path, constants.O_RDONLY | constants.O_NOFOLLOW);
  }

  private checkSize(size: number): void {
    const max = this.options.maxBytes;
    if (max !== undefined && size > max) {
      throw new LogFileRefusedError(this.path, 'too-large',
        `the event log is ${mib(size)}, over the limit of ${mib(max)} that pvsim reads in one command ` +
        '(set PVSIM_MAX_LOG_BYTES to raise it; a snapshot every PVSIM_SNAPSHOT_EVERY records keeps what is read small)');
    }
  }

  private noticeTail(tail: UnfinishedTail | undefined): void {
    if (tail === undefined) return;
    // A live writer holding the lock is in the middle of this batch: nothing to say.
    if (liveLockOwner(this.path) !== undefined) return;
    this.notice(unfinishedText(this.path, tail, 'ignored it (the next write removes it)'));
  }

  private notice(text: string): void {
    this.options.onNotice?.(text);
  }
}

function unfinishedText(path: string, tail: UnfinishedTail, action: string): string {
  return `${path}: the last batch (${tail.records} complete record${tail.records === 1 ? '' : 's'}, ${tail.bytes} bytes at byte ${tail.byteOffset}) ` +
    `was never finished — a pvsim process stopped while writing it, so it was never acknowledged; ${action}`;
}

function mib(bytes: number): string {
  return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
}

export interface LogInspection {
  /** Every record of every whole batch before the first problem (only when asked for). */
  records: LogRecord[];
  /** Whole batches before the first problem. */
  recordCount: number;
  /** Bytes of the file those records occupy; `repairLog` truncates here. */
  intactBytes: number;
  /** The first damage in acknowledged data, if any (also what `read()` throws). */
  problem?: LogCorruptError;
  /** The unfinished last batch, when that is all that is wrong. */
  tail?: UnfinishedTail;
}

/**
 * What is intact in the log at `path`, and its first problem, without throwing on damage.
 * `records` is filled only with `keepRecords` (a large log need not be held in memory).
 */
export function inspectLog(path: string, options: { keepRecords?: boolean } = {}): LogInspection {
  const fd = openLogForRepair(path, constants.O_RDONLY);
  if (fd === undefined) return { records: [], recordCount: 0, intactBytes: 0 };
  try {
    return scanFd(path, fd, 0, fstatSync(fd).size, 1, options.keepRecords ?? true);
  } finally {
    closeSync(fd);
  }
}

/** One line cut off by `repairLog`. */
export interface DroppedLine {
  byteOffset: number;
  /** Including its newline, when it had one. */
  byteLength: number;
  /** Present when the line parses as JSON with these fields. */
  pos?: number;
  stream?: string;
  type?: string;
  /** `intact` for a good record dropped with its unfinished batch, else what is wrong with it. */
  detail: string;
  /** The start of a line that is not a record, to show the user. */
  preview?: string;
}

export interface RepairResult {
  keptRecords: number;
  keptBytes: number;
  droppedBytes: number;
  /** The lines cut off (or that `force` would cut off), at most `DROPPED_LINES_MAX` of them. */
  dropped: DroppedLine[];
  /** Intact, acknowledged records after the damage, which cutting there loses. */
  acknowledgedLost: number;
  /** The damage in acknowledged data; absent when the log was whole or only unfinished. */
  problem?: LogCorruptError;
  /** The unfinished last batch, when that was all that was wrong (always removed). */
  tail?: UnfinishedTail;
  /** Whether the file was changed. */
  changed: boolean;
  /** Where the whole damaged log was copied before a forced cut. */
  backupPath?: string;
  /** The dead owner whose lock was cleared. */
  staleLock?: LockOwner;
}

/** Lines listed in `RepairResult.dropped`; the byte count covers all of them. */
export const DROPPED_LINES_MAX = 50;

/**
 * Repairs the log at `path` under the writers' lock (clearing a lock a dead writer left):
 * an unfinished last batch is removed; damage in acknowledged data is only reported, unless
 * `force`, which first copies the whole file beside it (`<path>.damaged-N`) and then truncates
 * to the last whole batch before the damage. A whole log is left untouched. Refuses symbolic
 * links and files that are not pvsim logs.
 */
export function repairLog(path: string, options: { force?: boolean; lock?: LockOptions } = {}): RepairResult {
  const probe = openLogForRepair(path, constants.O_RDONLY);
  const empty: RepairResult = { keptRecords: 0, keptBytes: 0, droppedBytes: 0, dropped: [], acknowledgedLost: 0, changed: false };
  // Checked first so that repairing a log that does not exist creates nothing.
  if (probe === undefined) return empty;
  closeSync(probe);
  const lock = acquireLogLock(path, options.lock);
  try {
    const fd = openLogForRepair(path, constants.O_RDWR);
    if (fd === undefined) return empty;
    try {
      const size = fstatSync(fd).size;
      const inspection = scanFd(path, fd, 0, size, 1, false);
      const result: RepairResult = {
        keptRecords: inspection.recordCount,
        keptBytes: inspection.intactBytes,
        droppedBytes: size - inspection.intactBytes,
        dropped: describeDropped(fd, inspection.intactBytes, size),
        acknowledgedLost: 0,
        changed: false,
        ...(lock.tookOverFrom ? { staleLock: lock.tookOverFrom } : {}),
      };
      if (inspection.tail !== undefined) {
        result.tail = inspection.tail;
      } else if (inspection.problem !== undefined) {
        result.problem = inspection.problem;
        result.acknowledgedLost = countAcknowledgedAfter(fd, inspection.intactBytes, size);
        if (!options.force) return result;
        result.backupPath = backUp(path);
      } else {
        return result;
      }
      ftruncateSync(fd, inspection.intactBytes);
      fsyncSync(fd);
      result.changed = true;
      return result;
    } finally {
      closeSync(fd);
    }
  } finally {
    lock.release();
  }
}

/** Opens the log for inspection or repair: absent → undefined; a link, a non-file or a foreign file → refused. */
function openLogForRepair(path: string, flags: number): number | undefined {
  const fd = openIfExists(path, flags | constants.O_NOFOLLOW);
  if (fd === undefined) return undefined;
  try {
    if (!fstatSync(fd).isFile()) throw notAFile(path);
    return fd;
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** Copies the log to the first free `<path>.damaged-N` and makes the copy durable. */
function backUp(path: string): string {
  for (let n = 1; ; n++) {
    const target = `${path}.damaged-${n}`;
    try {
      copyFileSync(path, target, constants.COPYFILE_EXCL);
    } catch (error) {
      if (errorCode(error) === 'EEXIST') continue;
      throw error;
    }
    const fd = openSync(target, constants.O_RDONLY);
    try { fsyncSync(fd); } finally { closeSync(fd); }
    fsyncDirectory(dirname(resolve(path)));
    return target;
  }
}

/**
 * Scans bytes [from, to) of an open log whose first record there is `firstPos`, a chunk at a
 * time. Stops at the first damage; an unfinished last batch is returned as `tail`.
 */
function scanFd(path: string, fd: number, from: number, to: number, firstPos: number, keepRecords: boolean, onBatch?: (batch: LogRecord[]) => boolean | void): LogInspection {
  const records: LogRecord[] = [];
  let count = 0;
  // Records of the batch not yet ended, and where it starts.
  let open: LogRecord[] = [];
  let openCount = 0;
  let batchStart = from;
  const fail = (pos: number, at: number, detail: string): LogInspection => {
    if (firstPos === 1 && at === 0) assertPvsimLog(path, fd);
    return { records, recordCount: count, intactBytes: batchStart, problem: corrupt(path, pos, at, detail) };
  };
  let failure: LogInspection | undefined;
  let stopped = false;
  const linesEnd = forEachLine(fd, from, to, (raw, at) => {
    const expected = firstPos + count + openCount;
    const check = checkLine(raw.toString('utf8'), sha256Hex);
    if (!check.ok) { failure = fail(expected, at, check.detail); return false; }
    if (check.record.pos !== expected) {
      failure = fail(expected, at, `out of order (expected position ${expected}, found ${check.record.pos})`);
      return false;
    }
    if (keepRecords) open.push(check.record);
    openCount++;
    if (check.record.end === true) {
      count += openCount;
      openCount = 0;
      batchStart = at + raw.length + 1;
      if (onBatch !== undefined) {
        const batch = open;
        open = [];
        if (onBatch(batch) === false) { stopped = true; return false; }
      } else if (keepRecords) { for (const r of open) records.push(r); open = []; }
    }
    return true;
  });
  if (failure !== undefined) return failure;
  if (stopped) return { records, recordCount: count, intactBytes: batchStart };
  // What follows the last newline: at most one line, cut short or damaged.
  const fragment = Buffer.allocUnsafe(to - linesEnd);
  readWhole(fd, fragment, linesEnd);
  if (openCount === 0 && fragment.length === 0) return { records, recordCount: count, intactBytes: to };
  if (fragment.length > 0) {
    const problem = fragmentProblem(fragment);
    if (problem !== undefined) return fail(firstPos + count + openCount, linesEnd, problem);
  }
  return {
    records,
    recordCount: count,
    intactBytes: batchStart,
    tail: { byteOffset: batchStart, records: openCount, bytes: to - batchStart },
  };
}

/**
 * Undefined when `fragment` (the bytes after the last newline) can be the start of a record
 * whose write was cut short; else what is wrong with it. A cut write leaves a prefix of the
 * line: never a whole line plus more, never a complete JSON value that fails its checksum.
 */
function fragmentProblem(fragment: Buffer): string | undefined {
  const text = fragment.toString('utf8');
  if (!(text.startsWith(LINE_START) || LINE_START.startsWith(text))) return 'not a log record, and without its newline';
  let complete = true;
  try { JSON.parse(text); } catch { complete = false; }
  if (!complete) {
    // A whole record followed by garbage (a damaged newline) is damage, not a cut.
    const whole = checkLine(text.slice(0, -1), sha256Hex);
    return whole.ok ? 'followed by a damaged line end' : undefined;
  }
  const check = checkLine(text, sha256Hex);
  return check.ok ? undefined : `${check.detail}, without its newline`;
}

/**
 * Throws LogFileRefusedError unless the file at `fd`, whose first line is bad, still looks like a
 * pvsim log: its first line starts as pvsim's first record does, or one of the lines in its
 * first 64 KiB is an intact pvsim record. Otherwise it is another program's file.
 */
function assertPvsimLog(path: string, fd: number): void {
  const size = fstatSync(fd).size;
  const head = Buffer.allocUnsafe(Math.min(size, TAIL_BYTES));
  readWhole(fd, head, 0);
  const text = head.toString('utf8');
  if (text.startsWith(FIRST_LINE_START) || (text.length < FIRST_LINE_START.length && FIRST_LINE_START.startsWith(text))) return;
  if (text.split('\n').slice(1, -1).some((line) => checkLine(line, sha256Hex).ok)) return;
  throw new LogFileRefusedError(path, 'foreign',
    'is not a pvsim event log (its first line is not a pvsim record); pvsim will not read, change or repair it — ' +
    'is --cluster pointing at another program\'s directory?');
}

function corrupt(path: string, pos: number, byteOffset: number, detail: string): LogCorruptError {
  return new LogCorruptError(path, pos, byteOffset, detail,
    'the records after it were acknowledged, so pvsim does not cut them off by itself: `pvsim log repair` shows what is damaged, ' +
    'and `pvsim log repair --force` cuts the log there after copying it to a backup');
}

/** Counts intact records with a newline from byte `from` on (what a forced cut there loses). */
function countAcknowledgedAfter(fd: number, from: number, to: number): number {
  let n = 0;
  forEachLine(fd, from, to, (line) => { if (checkLine(line.toString('utf8'), sha256Hex).ok) n++; });
  return n;
}

/** Calls `fn` with each newline-terminated line of bytes [from, to); returns the end of the last one. */
function forEachLine(fd: number, from: number, to: number, fn: (line: Buffer, at: number) => boolean | void): number {
  let chunk = Buffer.alloc(0);
  let chunkStart = from;
  let offset = from;
  while (offset < to) {
    const length = Math.min(CHUNK_BYTES, to - offset);
    const fresh = Buffer.allocUnsafe(length);
    readWhole(fd, fresh, offset);
    offset += length;
    chunk = chunk.length === 0 ? fresh : Buffer.concat([chunk, fresh]);
    let lineStart = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl !== -1; nl = chunk.indexOf(NEWLINE, lineStart)) {
      if (fn(chunk.subarray(lineStart, nl), chunkStart + lineStart) === false) return chunkStart + nl + 1;
      lineStart = nl + 1;
    }
    chunk = chunk.subarray(lineStart);
    chunkStart += lineStart;
  }
  return chunkStart;
}

/**
 * The last position of a whole batch and the byte where it ends, from the tail of an open file;
 * a full scan when the tail cannot tell (which throws on damage and reports an unfinished batch).
 */
function lastPosOf(path: string, fd: number): { pos: number; bytes: number; tail?: UnfinishedTail } {
  const size = fstatSync(fd).size;
  if (size === 0) return { pos: 0, bytes: 0 };
  const fromTail = batchEndAt(fd, size);
  if (fromTail !== undefined) return { pos: fromTail.pos, bytes: size };
  const scan = scanFd(path, fd, 0, size, 1, false);
  if (scan.problem !== undefined) throw scan.problem;
  return { pos: scan.recordCount, bytes: scan.intactBytes, ...(scan.tail ? { tail: scan.tail } : {}) };
}

/**
 * The record on the line that ends, newline included, at byte `end`, read from at most
 * TAIL_BYTES before it; undefined unless that line is an intact record that ends a batch.
 */
function batchEndAt(fd: number, end: number): LogRecord | undefined {
  const record = recordEndingAt(fd, end);
  return record?.end === true ? record : undefined;
}

/** The intact record on the line that ends, newline included, at byte `end` (read as batchEndAt does). */
function recordEndingAt(fd: number, end: number): LogRecord | undefined {
  // A line longer than the window (a WorkPending record of a big cluster) widens it, so the last
  // record is found without scanning the whole log.
  for (let window = TAIL_BYTES; ; window *= 8) {
    const start = Math.max(0, end - window);
    const length = end - start;
    if (length < 2) return undefined;
    const bytes = Buffer.allocUnsafe(length);
    readWhole(fd, bytes, start);
    if (bytes[length - 1] !== NEWLINE) return undefined;
    const previous = bytes.lastIndexOf(NEWLINE, length - 2);
    // No earlier newline in a partial window: the line is longer than the window.
    if (previous === -1 && start > 0) {
      if (window >= LINE_WINDOW_MAX) return undefined;
      continue;
    }
    const check = checkLine(bytes.toString('utf8', previous + 1, length - 1), sha256Hex);
    return check.ok ? check.record : undefined;
  }
}

function describeDropped(fd: number, from: number, to: number): DroppedLine[] {
  const dropped: DroppedLine[] = [];
  const describe = (raw: Buffer, at: number, terminated: boolean): void => {
    const line = raw.toString('utf8');
    const check = checkLine(line, sha256Hex);
    const entry: DroppedLine = {
      byteOffset: at,
      byteLength: raw.length + (terminated ? 1 : 0),
      detail: check.ok ? 'intact' : check.detail,
    };
    if (!terminated) entry.detail = `${entry.detail}, without its newline (the write was torn)`;
    let value: unknown;
    try { value = JSON.parse(line); } catch { value = undefined; }
    if (typeof value === 'object' && value !== null) {
      const fields = value as Record<string, unknown>;
      if (typeof fields.pos === 'number') entry.pos = fields.pos;
      if (typeof fields.stream === 'string') entry.stream = fields.stream;
      if (typeof fields.type === 'string') entry.type = fields.type;
    }
    if (entry.pos === undefined) entry.preview = line.length > 80 ? `${line.slice(0, 80)}…` : line;
    dropped.push(entry);
  };
  const end = forEachLine(fd, from, to, (line, at) => {
    describe(line, at, true);
    return dropped.length < DROPPED_LINES_MAX;
  });
  if (end < to && dropped.length < DROPPED_LINES_MAX) {
    const rest = Buffer.allocUnsafe(Math.min(to - end, 4096));
    readWhole(fd, rest, end);
    describe(rest, end, false);
    if (to - end > rest.length) dropped.at(-1)!.byteLength = to - end;
  }
  return dropped;
}

/** Creates the log's directory (and missing parents) durably; true when it created any. */
function ensureDirectory(path: string): boolean {
  const directory = dirname(resolve(path));
  const firstCreated = mkdirSync(directory, { recursive: true });
  if (firstCreated === undefined) return false;
  for (let d = directory; ; d = dirname(d)) {
    fsyncDirectory(dirname(d));
    if (d === resolve(firstCreated) || dirname(d) === d) break;
  }
  return true;
}

/** Writes `bytes`; if writing fails, cuts the file back to `sizeBefore`. */
function writeWhole(fd: number, bytes: Buffer, sizeBefore: number, faults: FileEventLogOptions['faults']): void {
  try {
    faults?.('write');
    // With a fault seam the batch goes in two writes, so a test can stop between them.
    const first = faults ? Math.max(1, bytes.length >> 1) : bytes.length;
    let written = writeSync(fd, bytes, 0, first);
    if (faults && written < bytes.length) faults('mid-write');
    // A regular file takes the whole buffer; a short write means the disk is filling up.
    while (written < bytes.length) written += writeSync(fd, bytes, written);
  } catch (error) {
    try {
      ftruncateSync(fd, sizeBefore);
    } catch {
      // The unfinished batch stays; the next writer removes it.
    }
    throw error;
  }
}

function readWhole(fd: number, into: Buffer, position: number): void {
  let read = 0;
  while (read < into.length) {
    const n = readSync(fd, into, read, into.length - read, position + read);
    if (n === 0) throw new Error(`unexpected end of file while reading the event log at byte ${position + read}`);
    read += n;
  }
}

function fsyncDirectory(directory: string): void {
  const fd = openSync(directory, constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function openIfExists(path: string, flags: number): number | undefined {
  try {
    return openSync(path, flags);
  } catch (error) {
    const code = errorCode(error);
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP' || (code === 'EISDIR' && isLink(path))) {
      throw new LogFileRefusedError(path, 'symlink',
        'is a symbolic link; pvsim does not follow links in a cluster directory (it would read or write a file elsewhere)', { cause: error });
    }
    if (code === 'EISDIR') throw notAFile(path, error);
    throw error;
  }
}

function notAFile(path: string, cause?: unknown): LogFileRefusedError {
  return new LogFileRefusedError(path, 'not-a-file', `is not a regular file; the event log ${basename(path)} must be one`, cause ? { cause } : undefined);
}

function isLink(path: string): boolean {
  try { return lstatSync(path).isSymbolicLink(); } catch { return false; }
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

