/**
 * Design: state is a fold over the log's facts. Inputs (commands) and scheduler records are
 * skipped here — they matter to re-execution, not to the fold. A fact carries the whole object
 * after the change, so folding is "last write wins" per stream and costs one JSON value per
 * record, with no controller logic run.
 */
import type { LogRecord } from '@pvsim/domain';
import { STORED_KINDS, objectKey, type AnyObject, type ObjectStore, type StoredKind } from './ObjectStore.ts';

// Longest names first, so PersistentVolumeClaim is not read as PersistentVolume + "Claim…".
const FACT = new RegExp(`^(${[...STORED_KINDS].filter((k) => k !== 'Event').sort((a, b) => b.length - a.length).join('|')})(Created|Updated|Deleted)$`);

/** What a fact record says: the object of `kind` under `key` is now `object` (undefined: deleted). */
export interface Fact { kind: StoredKind; key: string; object: AnyObject | undefined; deletedVersion?: string | undefined }

/** The fact a record states, or undefined when it is not one (an input, a scheduler record). */
export function factOf(rec: Pick<LogRecord, 'stream' | 'type' | 'data'>): Fact | undefined {
  if (rec.type === 'EventRecorded') return { kind: 'Event', key: objectKey('Event', rec.data as AnyObject), object: rec.data as AnyObject };
  const m = FACT.exec(rec.type);
  if (!m) return undefined;
  const kind = m[1] as StoredKind;
  const key = rec.stream.slice(rec.stream.indexOf('/') + 1);
  if (m[2] === 'Deleted') return { kind, key, object: undefined, deletedVersion: (rec.data as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion };
  return { kind, key, object: rec.data as AnyObject };
}

/** Applies one record to the store if it is a fact; returns whether it was. */
export function applyFact(store: ObjectStore, rec: Pick<LogRecord, 'stream' | 'type' | 'data'>): boolean {
  const fact = factOf(rec);
  if (!fact) return false;
  if (fact.kind === 'Event') {
    store.restore('Event', fact.object);
  } else if (!fact.object) {
    store.restore(fact.kind, undefined, fact.key);
    store.noteResourceVersion(fact.deletedVersion);
  } else {
    store.restore(fact.kind, fact.object, fact.key);
  }
  return true;
}

export function foldRecords(store: ObjectStore, records: Iterable<Pick<LogRecord, 'stream' | 'type' | 'data'>>): number {
  let n = 0;
  for (const r of records) if (applyFact(store, r)) n++;
  return n;
}
