/**
 * Design: `pvsim check online` — the invariants library (@pvsim/invariants) over a cluster's log,
 * batch by batch, as a process consuming the log would see it (issue 8 item 5). Each complete
 * batch (one command's transaction) is folded into an API server's objects and the safety
 * invariants (binding, attachment, exclusive use) are judged on the result; the convergence
 * invariants are reported on the final state. With `--follow` (a cluster in NATS) it goes on
 * consuming the JetStream stream as other processes write it, until Ctrl-C or `--until-idle`.
 * Exit 1 when a safety invariant was broken at any batch.
 */
import { OnlineChecker } from '@pvsim/check';
import { checkLine, type LogRecord } from '@pvsim/domain';
import { sha256Hex } from '@pvsim/log-file';
import { followLog } from '@pvsim/nats';
import { natsConnectOf, openClusterLog } from './clusterDir.ts';
import { parseDuration } from './simVerbs.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';

/** Prints each finding as it comes and the summary at the end. */
class Reporter {
  readonly checker = new OnlineChecker();
  constructor(private readonly io: CliIO) {}

  add(record: LogRecord): void {
    for (const f of this.checker.add(record)) {
      this.io.stdout(`positions ${f.first.pos}..${f.last.pos} (${f.first.type}${f.first.component ? ` by ${f.first.component}` : ''}): safety: ${f.message}\n`);
    }
  }

  finish(why: string): void {
    const c = this.checker;
    for (const message of c.notConverged()) this.io.stdout(`final state (position ${c.lastPos}): not converged: ${message}\n`);
    this.io.stdout(`${c.batches} batches (${c.records} records) checked${why}: ${c.violations === 0 ? 'no safety violation' : `${c.violations} safety violation(s)`}\n`);
  }
}

export async function checkOnline(io: CliIO, g: GlobalOptions, o: { follow?: boolean; untilIdle?: string }): Promise<number> {
  if (o.follow && !g.nats) throw new UsageError('error: --follow consumes a cluster in NATS: give --nats URL (a file cluster is read to its end without it)');
  const idleMs = o.untilIdle === undefined ? undefined : parseDuration(o.untilIdle);
  if (o.untilIdle !== undefined && (idleMs === undefined || idleMs < 1)) throw new UsageError(`error: invalid argument "${o.untilIdle}" for "--until-idle" flag: must be a duration such as 10s`);
  const checker = new Reporter(io);
  for (const r of openClusterLog(g).read()) checker.add(r);
  if (!o.follow) {
    checker.finish('');
    return checker.checker.violations > 0 ? 1 : 0;
  }
  let bad: string | undefined;
  let stopFollowing = () => {};
  const handle = await followLog(natsConnectOf(g), g.nats!.cluster, checker.checker.lastPos + 1, (seq, line) => {
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
  io.stdout(`following cluster ${g.nats!.cluster} from position ${checker.checker.lastPos + 1}${idleMs !== undefined ? ` until ${o.untilIdle} pass without a record` : ''} (Ctrl-C stops)\n`);
  const why = await handle.done;
  process.off('SIGINT', stop);
  process.off('SIGTERM', stop);
  if (bad) { io.stderr(`error: ${bad}; stopped there\n`); return 1; }
  checker.finish(why === 'idle' ? ` (stopped after ${o.untilIdle} without a record)` : ' (stopped)');
  return checker.checker.violations > 0 ? 1 : 0;
}
