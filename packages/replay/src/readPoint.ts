/**
 * Design: where in a recorded history a read looks. `--at POS` names a log position; `--at-time T`
 * names simulated time — a duration since the cluster's first record (`90s`, `1m30s`, `250ms`) or
 * an RFC 3339 instant — and means "the last record written at or before T". Both resolve to one
 * position, so every read verb answers the same question: the cluster as the records up to that
 * position left it. Pure: the records are the only input.
 */
import type { LogRecord } from '@pvsim/domain';

export interface ReadPoint {
  /** A log position: 0 is the empty cluster before the first record. */
  pos?: number;
  /** A duration since the first record, or an RFC 3339 instant. */
  time?: string;
}

export class ReadPointError extends Error {
  readonly code = 'ReadPoint';
  constructor(message: string) { super(message); this.name = 'UsageError'; }
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** `90s`, `1m30s`, `1.5s`, `250ms` → milliseconds; undefined when the text is not a duration. */
export function parseSimDuration(text: string): number | undefined {
  if (text === '0') return 0;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    if (m.index !== consumed) return undefined;
    total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
    consumed += m[0].length;
  }
  return consumed === text.length && consumed > 0 ? Math.round(total) : undefined;
}

/** A position flag's text as a position: a non-negative integer, or a clear error naming the flag. */
export function parsePosition(text: string, flag: string): number {
  if (!/^\d+$/.test(text)) throw new ReadPointError(`error: invalid argument "${text}" for "${flag}" flag: must be a log position (a non-negative integer, see \`pvsim log\`)`);
  return Number(text);
}

/** The instant `time` names, in ms since the epoch, given the first record's time. */
export function parseSimTime(text: string, firstRecordTime: string | undefined): number {
  const rel = parseSimDuration(text);
  if (rel !== undefined) return (firstRecordTime ? Date.parse(firstRecordTime) : 0) + rel;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/.test(text)) return Date.parse(text);
  throw new ReadPointError(`error: invalid argument "${text}" for "--at-time" flag: must be simulated time since the cluster started (90s, 1m30s, 250ms) or an RFC 3339 instant (2026-01-01T00:01:30Z)`);
}

/**
 * The position a read point names, checked against the log: a position past the end is an error
 * (the cluster never was there), a time before the first record is position 0.
 */
export function resolveReadPoint(records: readonly Pick<LogRecord, 'pos' | 'time'>[], at: ReadPoint): number {
  const last = records.length > 0 ? records[records.length - 1]!.pos : 0;
  if (at.pos !== undefined && at.time !== undefined) throw new ReadPointError('error: --at and --at-time name the same thing; give one of them');
  if (at.pos !== undefined) {
    if (at.pos > last) throw new ReadPointError(`error: --at ${at.pos}: the log ends at position ${last}`);
    return at.pos;
  }
  if (at.time === undefined) return last;
  const t = parseSimTime(at.time, records[0]?.time);
  // Records are in time order: the last one at or before t.
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (Date.parse(records[mid]!.time) <= t) lo = mid + 1; else hi = mid;
  }
  return lo === 0 ? 0 : records[lo - 1]!.pos;
}
