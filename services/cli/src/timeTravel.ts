/**
 * Design: `--at POS` and `--at-time T` for every read verb. The flags are resolved once, against
 * the log, to a position (packages/replay readPoint.ts); the verb then opens its read session at
 * that position (the fold stops there, session.ts) and prints exactly what it would have printed
 * then. A read at a position never writes: its session refuses to commit.
 */
import type { Command } from 'commander';
import { resolveReadPoint, parsePosition, type ReadPoint } from '@pvsim/replay';
import { openClusterLog } from './clusterDir.ts';
import type { GlobalOptions } from './verbTypes.ts';

export interface ReadPointFlags { at?: string; atTime?: string }

/** Adds `--at` and `--at-time` to a read verb. */
export function addReadPointOptions(cmd: Command): Command {
  return cmd
    .option('--at <pos>', 'show the cluster as it was at this log position (see `pvsim log`)')
    .option('--at-time <time>', 'show the cluster as it was at this simulated time: since the start (90s, 1m30s, 250ms) or RFC 3339 (2026-01-01T00:01:30Z)');
}

/** The flags as a read point (undefined when neither was given). */
export function readPointOf(o: ReadPointFlags): ReadPoint | undefined {
  if (o.at === undefined && o.atTime === undefined) return undefined;
  return { ...(o.at !== undefined ? { pos: parsePosition(o.at, '--at') } : {}), ...(o.atTime !== undefined ? { time: o.atTime } : {}) };
}

/** The global options with the read point resolved to a log position. */
export function atReadPoint(g: GlobalOptions, o: ReadPointFlags): GlobalOptions {
  const point = readPointOf(o);
  if (!point) return g;
  // A position needs no look at the log here: the session checks it and folds from the nearest snapshot.
  if (point.time === undefined) return { ...g, atPos: point.pos! };
  return { ...g, atPos: resolveReadPoint(openClusterLog(g).read(), point) };
}
