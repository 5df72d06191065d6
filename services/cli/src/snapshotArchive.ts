/**
 * Design: snapshots for time travel. Besides `snapshot.json` (the fold at the log's end, which
 * every command starts from), each snapshot a command writes is also kept under `snapshots/`,
 * named by its log position, so a read at any position (`--at`) folds only the records since
 * the nearest snapshot at or before it. They are a cache exactly like `snapshot.json`: checked
 * against the log before use (position, checksum, byte offset), written best effort through a
 * private temporary file, and deleting any or all of them changes no answer.
 */
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FileEventLog } from '@pvsim/log-file';
import { writeSnapshotBestEffort } from './snapshotFile.ts';

export const SNAPSHOT_ARCHIVE_DIR = 'snapshots';

const nameOf = (pos: number): string => `${String(pos).padStart(12, '0')}.json`;

/** Keeps a copy of a snapshot taken at `pos` (best effort, like every snapshot write); `body` may be the bytes already written as `snapshot.json`. */
export function archiveSnapshot(clusterDir: string, pos: number, body: unknown, log: FileEventLog): void {
  const dir = join(clusterDir, SNAPSHOT_ARCHIVE_DIR);
  try { mkdirSync(dir, { recursive: true }); } catch { /* writeSnapshotBestEffort reports the failure */ }
  writeSnapshotBestEffort(join(dir, nameOf(pos)), body, log);
}

/** The archived snapshot nearest at or before `pos`, nearest first, as paths to try in order. */
export function archivedSnapshotsAtOrBefore(clusterDir: string, pos: number): string[] {
  let names: string[];
  try { names = readdirSync(join(clusterDir, SNAPSHOT_ARCHIVE_DIR)); } catch { return []; }
  return names
    .map((n) => ({ n, p: /^(\d{12})\.json$/.exec(n) ? Number(n.slice(0, 12)) : NaN }))
    .filter((x) => Number.isSafeInteger(x.p) && x.p <= pos)
    .sort((a, b) => b.p - a.p)
    .map((x) => join(clusterDir, SNAPSHOT_ARCHIVE_DIR, x.n));
}
