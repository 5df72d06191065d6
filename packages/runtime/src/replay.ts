/**
 * Design: state is a fold over the log's facts. Inputs (commands) and scheduler records are
 * skipped here — they matter to re-execution, not to the fold. A fact carries the whole object
 * after the change, so folding is "last write wins" per stream and costs one JSON value per
 * record, with no controller logic run.
 */
import type { LogRecord } from '@pvsim/domain';
import { STORED_KINDS, type ObjectStore, type StoredKind } from './ObjectStore.ts';

// Longest names first, so PersistentVolumeClaim is not read as PersistentVolume + "Claim…".
const FACT = new RegExp(`^(${[...STORED_KINDS].filter((k) => k !== 'Event').sort((a, b) => b.length - a.length).join('|')})(Created|Updated|Deleted)$`);

/** Applies one record to the store if it is a fact; returns whether it was. */
export function applyFact(store: ObjectStore, rec: Pick<LogRecord, 'stream' | 'type' | 'data'>): boolean {
  if (rec.type === 'EventRecorded') {
    store.restore('Event', rec.data as never);
    return true;
  }
  const m = FACT.exec(rec.type);
  if (!m) return false;
  const kind = m[1] as StoredKind;
  const key = rec.stream.slice(rec.stream.indexOf('/') + 1);
  if (m[2] === 'Deleted') {
    store.restore(kind, undefined, key);
    store.noteResourceVersion((rec.data as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion);
  } else {
    store.restore(kind, rec.data as never, key);
  }
  return true;
}

export function foldRecords(store: ObjectStore, records: Iterable<Pick<LogRecord, 'stream' | 'type' | 'data'>>): number {
  let n = 0;
  for (const r of records) if (applyFact(store, r)) n++;
  return n;
}
