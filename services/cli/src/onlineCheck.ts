/**
 * Design: `pvsim check online` — the invariants library (@pvsim/invariants) over a cluster's log,
 * batch by batch, as a process consuming the log would see it (issue 8 item 5). Each complete
 * batch (one command's transaction) is folded into an API server's objects and the safety
 * invariants (binding, attachment, exclusive use) are judged on the result; the convergence
 * invariants are reported on the final state. With `--follow` (a cluster in NATS) it goes on
 * consuming the JetStream stream as other processes write it, until Ctrl-C or `--until-idle`.
 * Exit 1 when a safety invariant was broken at any batch.
 */
import { checkLine, type LogRecord } from '@pvsim/domain';
import { checkAll } from '@pvsim/invariants';
import { sha256Hex } from '@pvsim/log-file';
import { followLog } from '@pvsim/nats';
import { foldRecords } from '@pvsim/runtime';
import { createWorld } from '@pvsim/world';
import { natsConnectOf, openClusterLog } from './clusterDir.ts';
import { parseDuration } from './simVerbs.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';

/** Folds batches and judges the invariants after each; remembers what it reported. */
class OnlineChecker {
  private readonly world = createWorld({ seed: 0 });
  private readonly seen = new Set<string>();
  private batch: LogRecord[] = [];
  batches = 0;
  records = 0;
  violations = 0;
  lastPos = 0;

  constructor(private readonly io: CliIO) {}

  /** One record; a batch is judged when its last record (`end`) arrives. */
  add(record: LogRecord): void {
    this.batch.push(record);
    this.lastPos = record.pos;
    if (record.end !== true) return;
    const batch = this.batch.splice(0);
    foldRecords(this.world.store, batch);
    this.batches++;
    this.records += batch.length;
    const first = batch[0]!;
    for (const message of checkAll(this.world.store, { phase: 'safety' })) {
      if (this.seen.has(message)) continue;
      this.seen.add(message);
      this.violations++;
      this.io.stdout(`positions ${first.pos}..${record.pos} (${first.type}${first.component ? ` by ${first.component}` : ''}): safety: ${message}\n`);
    }
  }

  /** The convergence invariants on the state reached, and the summary line. */
  finish(why: string): void {
    for (const message of checkAll(this.world.store, { phase: 'converged' })) {
      if (!this.seen.has(message)) this.io.stdout(`final state (position ${this.lastPos}): not converged: ${message}\n`);
    }
    this.io.stdout(`${this.batches} batches (${this.records} records) checked${why}: ${this.violations === 0 ? 'no safety violation' : `${this.violations} safety violation(s)`}\n`);
  }
}

export async function checkOnline(io: CliIO, g: GlobalOptions, o: { follow?: boolean; untilIdle?: string }): Promise<number> {
  if (o.follow && !g.nats) throw new UsageError('error: --follow consumes a cluster in NATS: give --nats URL (a file cluster is read to its end without it)');
  const idleMs = o.untilIdle === undefined ? undefined : parseDuration(o.untilIdle);
  if (o.untilIdle !== undefined && (idleMs === undefined || idleMs < 1)) throw new UsageError(`error: invalid argument "${o.untilIdle}" for "--until-idle" flag: must be a duration such as 10s`);
  const checker = new OnlineChecker(io);
  for (const r of openClusterLog(g).read()) checker.add(r);
  if (!o.follow) {
    checker.finish('');
    return checker.violations > 0 ? 1 : 0;
  }
  let bad: string | undefined;
  let stopFollowing = () => {};
  const handle = await followLog(natsConnectOf(g), g.nats!.cluster, checker.lastPos + 1, (seq, line) => {
    if (bad) return;
    const checked = checkLine(line, sha256Hex);
    if (checked.ok) { checker.add(checked.record); return; }
    bad = `record ${seq} is ${checked.detail}`;
    stopFollowing();
  }, idleMs !== undefined ? { idleMs } : {});
  stopFollowing = () => handle.stop();
  const stop = () => handle.stop();
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  io.stdout(`following cluster ${g.nats!.cluster} from position ${checker.lastPos + 1}${idleMs !== undefined ? ` until ${o.untilIdle} pass without a record` : ''} (Ctrl-C stops)\n`);
  const why = await handle.done;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  if (bad) { io.stderr(`error: ${bad}; stopped there\n`); return 1; }
  checker.finish(why === 'idle' ? ` (stopped after ${o.untilIdle} without a record)` : ' (stopped)');
  return checker.violations > 0 ? 1 : 0;
}
