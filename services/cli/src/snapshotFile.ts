/**
 * Design: the snapshot is a cache of the fold at some log position, so writing it must never
 * fail a command whose batch is already durable, and a damaged or edited one must never be
 * believed. It is stored as two lines — a header with the sha256 of the body and its length,
 * then the body — so a reader checks the body's raw bytes before parsing them (no second
 * serialisation), and written through a temporary file unique to this process and then renamed,
 * so two writers never share one. Any failure (a full disk, a read-only directory, a
 * `snapshot.json` that is a directory) is reported as a warning and leaves the old snapshot,
 * which the next reader checks and ignores if it no longer matches the log.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, constants, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { sha256Hex, type FileEventLog } from '@pvsim/log-file';

// 3: the store's dump carries how often each removed name was created (ADR 0031); a /2 snapshot
// lacks those counts, so it is ignored and the log folded, which counts them again.
const FORMAT = 'pvsim-snapshot/3';

/** The body of the snapshot at `path`, or undefined when it is absent, damaged or of another format. */
export function readCheckedSnapshot(path: string): unknown {
  let text: string;
  try {
    const fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW);
    try { text = readFileSync(fd, 'utf8'); } finally { closeSync(fd); }
  } catch {
    return undefined;
  }
  const newline = text.indexOf('\n');
  if (newline < 0) return undefined;
  try {
    const header = JSON.parse(text.slice(0, newline)) as { format?: unknown; sum?: unknown; length?: unknown };
    const body = text.slice(newline + 1);
    if (header.format !== FORMAT || header.length !== body.length || header.sum !== sha256Hex(body)) return undefined;
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/**
 * Writes `body` as the snapshot at `path`, best effort: returns the bytes written — which another
 * copy of the same snapshot (the archive's) can be given instead of `body`, so it is rendered and
 * checksummed once — or false (after a warning through the log's notices) instead of throwing.
 */
export function writeSnapshotBestEffort(path: string, body: unknown, log: FileEventLog): Buffer | false {
  let bytes: Buffer;
  try {
    if (Buffer.isBuffer(body)) {
      bytes = body;
    } else {
      const text = JSON.stringify(body);
      bytes = Buffer.from(`${JSON.stringify({ format: FORMAT, sum: sha256Hex(text), length: text.length })}\n${text}`);
    }
  } catch (error) {
    return warnNotWritten(path, error, log);
  }
  return writeFileBestEffort(path, bytes, log) && bytes;
}

/**
 * Writes `bytes` at `path` whole or not at all — a private temporary file, then rename — best
 * effort: a failure is a warning through the log's notices, and false.
 */
export function writeFileBestEffort(path: string, bytes: Buffer, log: FileEventLog): boolean {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    log.options.faults?.('snapshot');
    const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
    try {
      let written = 0;
      while (written < bytes.length) written += writeSync(fd, bytes, written);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, path);
    return true;
  } catch (error) {
    try { unlinkSync(temporary); } catch { /* never created, or already renamed */ }
    return warnNotWritten(path, error, log);
  }
}

function warnNotWritten(path: string, error: unknown, log: FileEventLog): false {
  const code = (error as { code?: string }).code;
  log.options.onNotice?.(`${path}: the snapshot (a cache) was not written${code ? ` (${code})` : ''}; the change itself is saved in the log`);
  return false;
}
