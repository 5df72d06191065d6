/**
 * Design: how a log record becomes one line of text and how a line is checked, shared by every
 * EventLog implementation so the file log and its in-memory twin store byte-for-byte the same
 * thing. A line is the record's JSON with keys in a fixed order — `pos, time, stream, type, data,
 * component (only when present), end (only when true), sum` — and `sum` is the first 16 hex digits of a hash of the same JSON
 * without `sum`. Because `sum` is always the last key, the hashed text is the line itself with
 * its `,"sum":"…"}` suffix replaced by `}`: a reader checks a record without re-serialising it,
 * which matters because every CLI invocation reads the whole log.
 *
 * The hash is a parameter (a hex digest function, e.g. sha256 from node:crypto) because domain
 * has no runtime dependencies; everything here is pure.
 */

import type { LogRecord, NewLogRecord } from './eventLog.ts';

/** A hex digest of `text`, at least 16 hex digits long (e.g. sha256). Must be deterministic. */
export type LogHash = (text: string) => string;

/** Hex digits of the hash kept in `sum`. */
export const LOG_SUM_LENGTH = 16;

/** `,"sum":"` + 16 hex digits + `"}` — the fixed-length tail of every line. */
const SUM_SUFFIX_LENGTH = ',"sum":"'.length + LOG_SUM_LENGTH + '"}'.length;
const SUM_PATTERN = /^[0-9a-f]{16}$/;

/** A record that cannot be written: the log would store a line its own reader rejects. */
export class LogRecordInvalidError extends Error {
  readonly code = 'LogRecordInvalid';
  constructor(
    /** Index of the record within the batch passed to `append`. */
    readonly index: number,
    readonly field: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`record ${index} of the batch: field "${field}" ${detail}`, options);
    this.name = 'LogRecordInvalidError';
  }
}

/**
 * Numbers `batch` from `firstPos`, marks its last record `end`, and renders each record as its
 * log line (without the trailing newline). The returned records are parsed back from the lines,
 * so they are exactly what a later `read()` returns (e.g. a Date in `data` comes back as a
 * string) and share nothing with the caller's objects.
 */
export function sealBatch(
  batch: readonly NewLogRecord[],
  firstPos: number,
  hash: LogHash,
): { records: LogRecord[]; lines: string[] } {
  const records: LogRecord[] = [];
  const lines: string[] = [];
  const last = batch.length - 1;
  batch.forEach((input, index) => {
    const end = index === last;
    const { body, data } = renderBody(input, index, firstPos + index, end);
    const sum = hash(body).slice(0, LOG_SUM_LENGTH);
    const line = `${body.slice(0, -1)},"sum":"${sum}"}`;
    lines.push(line);
    // What `JSON.parse(line)` gives, in its key order, with only `data` parsed back (the other
    // fields are strings and numbers, the same after a round trip): most records are small, and
    // parsing each whole line again was a fifth of sealing it.
    const record = { pos: firstPos + index, time: input.time, stream: input.stream, type: input.type, data: JSON.parse(data) } as LogRecord;
    if (input.component !== undefined) record.component = input.component;
    if (end) record.end = true;
    record.sum = sum;
    records.push(record);
  });
  return { records, lines };
}

function renderBody(input: NewLogRecord, index: number, pos: number, end: boolean): { body: string; data: string } {
  for (const field of ['time', 'stream', 'type'] as const) {
    if (typeof input[field] !== 'string') {
      throw new LogRecordInvalidError(index, field, `must be a string, got ${typeof input[field]}`);
    }
  }
  let data: string | undefined;
  try {
    data = JSON.stringify(input.data);
  } catch (cause) {
    throw new LogRecordInvalidError(index, 'data', 'cannot be serialised as JSON', { cause });
  }
  if (data === undefined) {
    throw new LogRecordInvalidError(index, 'data', `must be JSON-serialisable, got ${typeof input.data}`);
  }
  if (input.component !== undefined && typeof input.component !== 'string') {
    throw new LogRecordInvalidError(index, 'component', `must be a string, got ${typeof input.component}`);
  }
  // Built by hand (not JSON.stringify of an object) so the key order is fixed by this line alone.
  const by = input.component === undefined ? '' : `,"component":${JSON.stringify(input.component)}`;
  const head = `{"pos":${pos},"time":${JSON.stringify(input.time)},"stream":${JSON.stringify(input.stream)},"type":${JSON.stringify(input.type)},"data":${data}${by}`;
  return { body: end ? `${head},"end":true}` : `${head}}`, data };
}

/**
 * Whether a sealed line (without its newline) is the last of its batch: `end` is written just
 * before the checksum (renderBody). Reads the format only; `checkLine` checks the line.
 */
export function endsBatch(line: string): boolean {
  const END = ',"end":true';
  return line.startsWith(END, line.length - SUM_SUFFIX_LENGTH - END.length) && line.endsWith('"}');
}

export type LineCheck = { ok: true; record: LogRecord } | { ok: false; detail: string };

/**
 * Checks one line (without its newline): valid JSON, the shape of a record, and its checksum.
 * Position order and batch ends are the caller's business. `detail` completes the sentence
 * "record N is …".
 */
export function checkLine(line: string, hash: LogHash): LineCheck {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, detail: 'not valid JSON' };
  }
  const shapeProblem = recordShapeProblem(value);
  if (shapeProblem !== undefined) return { ok: false, detail: `not a log record (${shapeProblem})` };
  const record = value as LogRecord;
  const suffixStart = line.length - SUM_SUFFIX_LENGTH;
  if (
    suffixStart < 1 ||
    !line.startsWith(',"sum":"', suffixStart) ||
    line.slice(suffixStart + 8, suffixStart + 8 + LOG_SUM_LENGTH) !== record.sum ||
    !line.endsWith('"}')
  ) {
    return { ok: false, detail: 'not in the log line format ("sum" must be the last key)' };
  }
  if (hash(`${line.slice(0, suffixStart)}}`).slice(0, LOG_SUM_LENGTH) !== record.sum) {
    return { ok: false, detail: 'failing its checksum' };
  }
  return { ok: true, record };
}

function recordShapeProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const r = value as Record<string, unknown>;
  if (typeof r.pos !== 'number' || !Number.isSafeInteger(r.pos) || r.pos < 1) return '"pos" is not a positive integer';
  if (typeof r.time !== 'string') return '"time" is not a string';
  if (typeof r.stream !== 'string') return '"stream" is not a string';
  if (typeof r.type !== 'string') return '"type" is not a string';
  if (!('data' in r)) return '"data" is missing';
  if ('component' in r && typeof r.component !== 'string') return '"component" is not a string';
  if ('end' in r && r.end !== true) return '"end" is present but not true';
  if (typeof r.sum !== 'string' || !SUM_PATTERN.test(r.sum)) return '"sum" is not 16 hex digits';
  return undefined;
}
