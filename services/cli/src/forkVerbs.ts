/**
 * Design: what-if. `pvsim fork` makes a new cluster directory whose log is the first POS records
 * of this one, byte for byte, so the user can continue there with any verb (a different manifest,
 * a node that does not go down) while the original stays as it was. It forks only between
 * commands' batches: mid-batch, the world held work in flight that the log does not carry (ADR
 * 0005). The new directory appears completely or not at all (clusterDir.ts
 * writeClusterAtomically): the log is written and fsynced in a private temporary directory beside
 * the target, read back and checked (every record, its checksum, the last position), then renamed
 * into place; a failure removes the temporary directory, and a crash leaves only a dot-named
 * temporary directory no command reads, which the next creator of that target removes. The
 * snapshot is a cache and is not copied. `pvsim diff` compares two clusters' objects — now or at a
 * read point — by meaning (packages/replay objectDiff.ts).
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { FileEventLog } from '@pvsim/log-file';
import { STORED_KINDS, type StoredKind } from '@pvsim/runtime';
import { describeRecord, diffClusters, formatChange, resolveReadPoint, type ClusterDiffEntry } from '@pvsim/replay';
import { LOG_FILE, openClusterLog, writeClusterAtomically } from './clusterDir.ts';
import { openSession } from './session.ts';
import { readPointOf, type ReadPointFlags } from './timeTravel.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';

/** `pvsim fork [--at POS | --at-time T] --to DIR`. */
export function fork(io: CliIO, g: GlobalOptions, o: ReadPointFlags & { to: string }): number {
  const records = openClusterLog(g).read();
  const point = readPointOf(o);
  const pos = point ? resolveReadPoint(records, point) : (records[records.length - 1]?.pos ?? 0);
  if (pos > 0 && !records[pos - 1]!.end) {
    let start = pos;
    while (start > 1 && !records[start - 2]!.end) start--;
    let end = pos;
    while (!records[end - 1]!.end) end++;
    const first = records[start - 1]!;
    throw new UsageError(`error: position ${pos} is inside the batch of the command at position ${start} (${describeRecord(first)}, records ${start}–${end}); fork at ${start - 1} (before it) or at ${end} (after it)`);
  }
  const target = resolve(io.cwd, o.to);
  writeClusterAtomically(g, target, (temp) => {
    if (pos > 0) {
      const text = readFileSync(join(g.clusterDir, LOG_FILE), 'utf8');
      let cut = -1;
      for (let n = 0; n < pos; n++) cut = text.indexOf('\n', cut + 1);
      const fd = openSync(join(temp, LOG_FILE), 'wx', 0o644);
      try {
        writeSync(fd, text.slice(0, cut + 1));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      const copied = new FileEventLog(join(temp, LOG_FILE)).read();
      const last = copied[copied.length - 1];
      if (copied.length !== pos || last?.sum !== records[pos - 1]!.sum) throw new Error(`fork: the copied log does not end at record ${pos} (the source changed while it was read); nothing was written`);
    }
  });
  const when = pos > 0 ? ` (${records[pos - 1]!.time})` : '';
  io.stdout(`forked ${g.clusterDir} at position ${pos}${when} into ${target}: ${pos} records\ncontinue there: pvsim --cluster ${o.to} …\n`);
  return 0;
}

type Obj = { kind: string; metadata: { name: string; namespace?: string } };

/** Every object of a cluster (events left out: they differ in counts and times between any two runs). */
function objectsOf(g: GlobalOptions, dir: string, point: ReturnType<typeof readPointOf>): Obj[] {
  const gd: GlobalOptions = { ...g, clusterDir: dir, clusterGiven: true };
  if (!existsSync(dir)) throw new UsageError(`error: cluster directory ${dir} does not exist`);
  const at = point ? { atPos: resolveReadPoint(openClusterLog(gd).read(), point) } : {};
  const store = openSession({ ...gd, ...at }).store;
  return STORED_KINDS.filter((k) => k !== 'Event').flatMap((k) => store.list(k as StoredKind) as Obj[]);
}

const refText = (e: ClusterDiffEntry): string => `${e.ref.kind.toLowerCase()}/${e.ref.namespace ? `${e.ref.namespace}/` : ''}${e.ref.name}`;

/** `pvsim diff DIR1 DIR2 [--at POS | --at-time T] [-o json]`: exit 0 when the clusters' objects agree, 1 when they differ. */
export function diff(io: CliIO, g: GlobalOptions, a: string, b: string, o: ReadPointFlags & { output?: string | undefined }): number {
  const point = readPointOf(o);
  const dirA = resolve(io.cwd, a);
  const dirB = resolve(io.cwd, b);
  const entries = diffClusters(objectsOf(g, dirA, point), objectsOf(g, dirB, point));
  if (o.output === 'json') {
    io.stdout(`${JSON.stringify({ a: dirA, b: dirB, same: entries.length === 0, objects: entries })}\n`);
    return entries.length === 0 ? 0 : 1;
  }
  if (entries.length === 0) {
    io.stdout(`no differences: ${a} and ${b} hold the same objects\n`);
    return 0;
  }
  const lines: string[] = [`--- ${a}`, `+++ ${b}`];
  for (const e of entries) {
    if (e.status === 'only-a') lines.push(`- ${refText(e)}  (only in ${a})`);
    else if (e.status === 'only-b') lines.push(`+ ${refText(e)}  (only in ${b})`);
    else {
      lines.push(`~ ${refText(e)}`);
      for (const c of e.changes) lines.push(`    ${formatChange(c)}`);
    }
  }
  io.stdout(`${lines.join('\n')}\n`);
  return 1;
}
