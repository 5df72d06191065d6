/**
 * Design: the event log as one append-only file of JSON lines (the format lives in
 * @pvsim/domain `logRecord.ts`; every line ends with `"sum"`, a checksum of the line without it).
 *
 * - Appends are transactions. A batch is sealed (numbered, its last record marked `end`), written
 *   with one write call and fsynced before `append` returns; the directory is fsynced too when
 *   the file (or a parent directory) was just created, so the file itself survives a crash.
 * - Writers exclude each other with a `<path>.lock` file created with O_EXCL. A held lock is an
 *   error (LogLockedError), never a wait: the CLI runs one command at a time, so a lock that is
 *   present means a concurrent writer or a crashed one, and the user must decide which.
 * - Under the lock the writer re-reads only the tail of the file (the last 64 KiB) to learn the
 *   last position; it falls back to a full scan only when the last line is longer than that or
 *   does not look like the clean end of a batch — and then the full scan reports the damage
 *   instead of burying it under a new batch.
 * - `read()` reads the whole file with one readFileSync, splits it on '\n' and checks each line.
 *   Checking a checksum does not re-serialise the record: the hash is taken over the raw line
 *   with its fixed-length `,"sum":"…"}` suffix replaced by `}`, which is exactly the JSON the
 *   writer hashed (see `sealBatch`). That saves a JSON.stringify per record, about a quarter of
 *   the time `read()` takes (100k records: ~180 ms with the shortcut, ~57 ms more without).
 *   The writer must therefore produce exactly that shape, and only `sealBatch` writes lines.
 * - Damage is reported, never silently used: a line that is not JSON, fails its checksum or is
 *   out of order, and a last batch without its `end` record or trailing newline (a torn write),
 *   each become a LogCorruptError naming the record position and byte offset. `repairLog`
 *   truncates back to the end of the last whole batch before the damage, so the repaired log
 *   never ends in half a transaction, and reports every line it dropped.
 * - Readers take no lock. A reader racing a writer can see the writer's batch half-written and
 *   report it as torn; `repairLog` takes the lock, so it cannot cut a batch that is still being
 *   written, and finds nothing to repair once the writer has finished.
 * - Checksums are sha256 from node:crypto (the one-shot `crypto.hash` where Node has it, about
 *   twice as fast for short lines as `createHash`; both give the same digest).
 */

import * as nodeCrypto from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  fstatSync,
  fsyncSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { dirname, resolve } from 'node:path';
import {
  ExpectedVersionConflict,
  LogCorruptError,
  checkLine,
  sealBatch,
  type EventLog,
  type LogRecord,
  type NewLogRecord,
} from '@pvsim/domain';

/** How much of the file's end `lastPos` and `append` read to find the last record. */
const TAIL_BYTES = 64 * 1024;
const NEWLINE = 0x0a;

const oneShotHash: ((algorithm: string, data: string, encoding: 'hex') => string) | undefined =
  typeof nodeCrypto.hash === 'function' ? nodeCrypto.hash : undefined;

/** sha256 of `text` (UTF-8) as lowercase hex: the `LogHash` every pvsim log uses. */
export function sha256Hex(text: string): string {
  return oneShotHash !== undefined
    ? oneShotHash('sha256', text, 'hex')
    : nodeCrypto.createHash('sha256').update(text).digest('hex');
}

/** Another writer holds the log's lock file, or one crashed while holding it. */
export class LogLockedError extends Error {
  readonly code = 'LogLocked';
  constructor(
    readonly path: string,
    readonly lockPath: string,
    options?: { cause?: unknown },
  ) {
    super(
      `${path}: the event log is locked by ${lockPath} — another pvsim process is writing it, or one ` +
        `crashed while writing; if no pvsim process is running, delete ${lockPath}`,
      options,
    );
    this.name = 'LogLockedError';
  }
}

export class FileEventLog implements EventLog {
  constructor(readonly path: string) {}

  read(): LogRecord[] {
    const { records, problem } = inspectLog(this.path);
    if (problem !== undefined) throw problem;
    return records;
  }

  /**
   * Reads only the tail of the file. Throws LogCorruptError when the file does not end with a
   * whole batch; damage further back is found by `read()`.
   */
  lastPos(): number {
    const fd = openIfExists(this.path, constants.O_RDONLY);
    if (fd === undefined) return 0;
    try {
      return lastPosOf(this.path, fd);
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
    const fd = openIfExists(this.path, constants.O_RDONLY);
    if (fd === undefined) return undefined;
    try {
      const size = fstatSync(fd).size;
      if (byteOffset <= 0 || size < byteOffset) return undefined;
      const known = batchEndAt(fd, byteOffset);
      if (known?.pos !== pos || known.sum !== sum) return undefined;
      const tail = Buffer.alloc(size - byteOffset);
      readWhole(fd, tail, byteOffset);
      const { records, problem } = scan(this.path, tail, pos + 1, byteOffset);
      if (problem !== undefined) throw problem;
      return records;
    } finally {
      closeSync(fd);
    }
  }

  /** Current size in bytes (0 when absent): where the next batch will start. */
  size(): number {
    const fd = openIfExists(this.path, constants.O_RDONLY);
    if (fd === undefined) return 0;
    try { return fstatSync(fd).size; } finally { closeSync(fd); }
  }

  append(batch: NewLogRecord[], expectedPos: number): LogRecord[] {
    if (batch.length === 0) return [];
    // Sealed before taking the lock: an invalid record fails without touching the file, and if
    // the log has moved on the conflict below discards this work anyway.
    const { records, lines } = sealBatch(batch, expectedPos + 1, sha256Hex);
    const bytes = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    const lock = acquireLock(this.path);
    try {
      let fd = openIfExists(this.path, constants.O_RDWR | constants.O_APPEND);
      let created = false;
      let sizeBefore = 0;
      try {
        if (fd !== undefined) sizeBefore = fstatSync(fd).size;
        const actualPos = fd === undefined ? 0 : lastPosOf(this.path, fd, sizeBefore);
        if (actualPos !== expectedPos) throw new ExpectedVersionConflict(expectedPos, actualPos);
        if (fd === undefined) {
          fd = openSync(this.path, constants.O_RDWR | constants.O_APPEND | constants.O_CREAT | constants.O_EXCL, 0o644);
          created = true;
        }
        writeWhole(fd, bytes, sizeBefore);
        fsyncSync(fd);
      } finally {
        if (fd !== undefined) closeSync(fd);
      }
      if (created) fsyncDirectory(dirname(resolve(this.path)));
      return records;
    } finally {
      lock.release();
    }
  }
}

export interface LogInspection {
  /** Every record of every whole batch before the first problem. */
  records: LogRecord[];
  /** Bytes of the file those records occupy; `repairLog` truncates here. */
  intactBytes: number;
  /** The first problem, if any (also what `read()` throws). */
  problem?: LogCorruptError;
}

/** What is intact in the log at `path`, and its first problem, without throwing on damage. */
export function inspectLog(path: string): LogInspection {
  const bytes = readIfExists(path);
  return bytes === undefined ? { records: [], intactBytes: 0 } : scan(path, bytes);
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
  dropped: DroppedLine[];
  /** The damage that was repaired; absent when the log was already whole. */
  problem?: LogCorruptError;
}

/**
 * Truncates the log at `path` to the end of its last whole batch before the first problem
 * (`intactBytes`) and fsyncs it; reports what it dropped. A whole log is left untouched. Takes
 * the writers' lock, so it never cuts a batch that is still being written.
 */
export function repairLog(path: string): RepairResult {
  // Checked first so that repairing a log that does not exist creates nothing.
  if (!existsSync(path)) return { keptRecords: 0, keptBytes: 0, droppedBytes: 0, dropped: [] };
  const lock = acquireLock(path);
  try {
    const current = readIfExists(path) ?? Buffer.alloc(0);
    const inspection = scan(path, current);
    const result: RepairResult = {
      keptRecords: inspection.records.length,
      keptBytes: inspection.intactBytes,
      droppedBytes: current.length - inspection.intactBytes,
      dropped: describeDropped(current, inspection.intactBytes),
    };
    if (inspection.problem === undefined) return result;
    result.problem = inspection.problem;
    const fd = openSync(path, constants.O_WRONLY);
    try {
      ftruncateSync(fd, inspection.intactBytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    return result;
  } finally {
    lock.release();
  }
}

function scan(path: string, bytes: Buffer, firstPos = 1, baseOffset = 0): LogInspection {
  const text = bytes.toString('utf8');
  const lines = text.split('\n');
  const records: LogRecord[] = [];
  // The first record (index into `records`) and first character of the batch not yet ended.
  let batchStart = 0;
  let batchStartChar = 0;
  let lineStartChar = 0;
  const fail = (pos: number, problemChar: number, detail: string): LogInspection => {
    records.length = batchStart;
    const intactBytes = baseOffset + byteOffset(text, batchStartChar);
    return {
      records,
      intactBytes,
      problem: new LogCorruptError(path, pos, baseOffset + byteOffset(text, problemChar), detail),
    };
  };
  // The last element is what follows the final newline: '' in a whole file.
  const terminated = lines.length - 1;
  for (let i = 0; i < terminated; i++) {
    const line = lines[i]!;
    const expected = firstPos + records.length;
    const check = checkLine(line, sha256Hex);
    if (!check.ok) return fail(expected, lineStartChar, check.detail);
    if (check.record.pos !== expected) {
      return fail(expected, lineStartChar, `out of order (expected position ${expected}, found ${check.record.pos})`);
    }
    records.push(check.record);
    lineStartChar += line.length + 1;
    if (check.record.end === true) {
      batchStart = records.length;
      batchStartChar = lineStartChar;
    }
  }
  const unfinished = records.length - batchStart + (lines[terminated] === '' ? 0 : 1);
  if (unfinished > 0) {
    return fail(
      firstPos + batchStart,
      batchStartChar,
      `an unfinished batch of ${unfinished} record${unfinished === 1 ? '' : 's'} (the write was torn)`,
    );
  }
  return { records, intactBytes: baseOffset + bytes.length };
}

/** UTF-8 byte offset of character `charOffset` of `text`; only ever asked at a problem. */
function byteOffset(text: string, charOffset: number): number {
  return Buffer.byteLength(text.slice(0, charOffset), 'utf8');
}

/**
 * The last position from the tail of an open file; a full scan (which throws on damage) when
 * the tail cannot tell.
 */
function lastPosOf(path: string, fd: number, size = fstatSync(fd).size): number {
  if (size === 0) return 0;
  const fromTail = batchEndAt(fd, size);
  if (fromTail !== undefined) return fromTail.pos;
  const inspection = scan(path, readFileSync(path));
  if (inspection.problem !== undefined) throw inspection.problem;
  return inspection.records.at(-1)?.pos ?? 0;
}

/**
 * The record on the line that ends, newline included, at byte `end`, read from at most
 * TAIL_BYTES before it; undefined unless that line is an intact record that ends a batch.
 */
function batchEndAt(fd: number, end: number): LogRecord | undefined {
  const start = Math.max(0, end - TAIL_BYTES);
  const length = end - start;
  if (length < 2) return undefined;
  const bytes = Buffer.allocUnsafe(length);
  readWhole(fd, bytes, start);
  if (bytes[length - 1] !== NEWLINE) return undefined;
  const previous = bytes.lastIndexOf(NEWLINE, length - 2);
  // No earlier newline in a partial window: the line is longer than the window.
  if (previous === -1 && start > 0) return undefined;
  const check = checkLine(bytes.toString('utf8', previous + 1, length - 1), sha256Hex);
  return check.ok && check.record.end === true ? check.record : undefined;
}

function describeDropped(bytes: Buffer, from: number): DroppedLine[] {
  const dropped: DroppedLine[] = [];
  let start = from;
  while (start < bytes.length) {
    const newline = bytes.indexOf(NEWLINE, start);
    const end = newline === -1 ? bytes.length : newline;
    const line = bytes.toString('utf8', start, end);
    const entry: DroppedLine = { byteOffset: start, byteLength: end - start + (newline === -1 ? 0 : 1), detail: '' };
    const check = checkLine(line, sha256Hex);
    entry.detail = check.ok ? 'intact' : check.detail;
    if (newline === -1) entry.detail = `${entry.detail}, without its newline (the write was torn)`;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = undefined;
    }
    if (typeof value === 'object' && value !== null) {
      const fields = value as Record<string, unknown>;
      if (typeof fields.pos === 'number') entry.pos = fields.pos;
      if (typeof fields.stream === 'string') entry.stream = fields.stream;
      if (typeof fields.type === 'string') entry.type = fields.type;
    }
    if (entry.pos === undefined) entry.preview = line.length > 80 ? `${line.slice(0, 80)}…` : line;
    dropped.push(entry);
    start = end + 1;
  }
  return dropped;
}

interface Lock {
  release(): void;
}

function acquireLock(path: string): Lock {
  const lockPath = `${path}.lock`;
  let fd: number;
  try {
    fd = openSync(lockPath, 'wx');
  } catch (error) {
    if (errorCode(error) === 'EEXIST') throw new LogLockedError(path, lockPath, { cause: error });
    if (errorCode(error) !== 'ENOENT') throw error;
    // First append: create the directories, and make their entries durable too.
    const directory = dirname(resolve(path));
    const firstCreated = mkdirSync(directory, { recursive: true });
    if (firstCreated !== undefined) {
      for (let d = directory; ; d = dirname(d)) {
        fsyncDirectory(dirname(d));
        if (d === resolve(firstCreated) || dirname(d) === d) break;
      }
    }
    try {
      fd = openSync(lockPath, 'wx');
    } catch (again) {
      if (errorCode(again) === 'EEXIST') throw new LogLockedError(path, lockPath, { cause: again });
      throw again;
    }
  }
  return {
    release() {
      closeSync(fd);
      unlinkSync(lockPath);
    },
  };
}

/** Writes `bytes` with one write call; if writing fails, cuts the file back to `sizeBefore`. */
function writeWhole(fd: number, bytes: Buffer, sizeBefore: number): void {
  try {
    let written = writeSync(fd, bytes);
    // A regular file takes the whole buffer; a short write means the disk is filling up.
    while (written < bytes.length) written += writeSync(fd, bytes, written);
  } catch (error) {
    try {
      ftruncateSync(fd, sizeBefore);
    } catch {
      // The torn batch stays; the next read reports it and `repairLog` removes it.
    }
    throw error;
  }
}

function readWhole(fd: number, into: Buffer, position: number): void {
  let read = 0;
  while (read < into.length) {
    const n = readSync(fd, into, read, into.length - read, position + read);
    if (n === 0) throw new Error(`unexpected end of file while reading the event log tail at byte ${position + read}`);
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
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function readIfExists(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}
