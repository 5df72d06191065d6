/**
 * Design: `pvsim serve --nats URL --cluster NAME --only pv-controller,…` — a component process of
 * a free-running distributed run (ADR 0019). It follows the cluster's stream (followLog, an
 * ordered consumer) and, whenever a complete batch lands, opens a session on the log as it now
 * is — continuing its last one and folding only the new batches (FollowingSessions): the fold is
 * its informer cache, and the session's own API server validates every write along the machines'
 * edges, as in-process. If work for one of its components waits in the log's
 * last WorkPending, it runs that work as one input (`ComponentWorkRequested`: the component's
 * queued items and what they queue for it, nobody else's) and appends the batch expecting the
 * stream to end where its fold ended. A batch that lost the race (someone else appended first) is
 * the same ExpectedVersionConflict a command meets, and is re-run on the new log — a Kubernetes
 * Conflict requeued. Its writes are buffered in the batch, so a process killed before the append
 * wrote nothing, and its restart finds the same work waiting.
 *
 * A composition root: it waits on the stream and on signals; the decisions stay in the world.
 */
import { ExpectedVersionConflict, endsBatch } from '@pvsim/domain';
import { JetStreamEventLog, followLog, redactCredentials, type FollowHandle } from '@pvsim/nats';
import { faultsFromEnv, natsConnectOf, openClusterLog } from './clusterDir.ts';
import { runInput } from './inputs.ts';
import { CONFLICT_ATTEMPTS_MAX } from './retry.ts';
import { Session, openSession } from './session.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';

/** The components a process can host in this first slice: the controller-manager's storage controllers. */
export const HOSTABLE_COMPONENTS = ['pv-controller', 'pvc-protection', 'pv-protection'] as const;

export function parseComponents(list: string): string[] {
  const names = list.split(',').map((n) => n.trim()).filter((n) => n !== '');
  if (names.length === 0) throw new UsageError('error: --only needs at least one component, e.g. --only pv-controller');
  for (const n of names) {
    if (!(HOSTABLE_COMPONENTS as readonly string[]).includes(n)) {
      throw new UsageError(`error: invalid argument "${n}" for "--only" flag: a process hosts ${HOSTABLE_COMPONENTS.join(', ')}`);
    }
  }
  return [...new Set(names)];
}

/**
 * Sessions on the log as it is now, each continuing the last one whose objects are exactly the
 * log's up to its end (it committed, or it ran nothing) and folding only the batches appended
 * since (`Session` `after` + `appended`), so a long-running process does not read the whole log
 * back for every transaction. A session whose append lost the race is never continued (its
 * objects hold a batch the log does not): the next one folds the log afresh.
 */
export class FollowingSessions {
  private reusable: Session | undefined;
  constructor(private readonly g: GlobalOptions) {}

  open(): Session {
    const previous = this.reusable;
    this.reusable = undefined;
    const log = openClusterLog(this.g);
    if (!previous || !(log instanceof JetStreamEventLog)) return openSession(this.g);
    return new Session({
      clusterDir: this.g.clusterDir, seed: this.g.seed, log, after: previous, appended: log.readAfter(previous.endPosition),
      ...(this.g.budget ? { budget: this.g.budget } : {}),
    });
  }

  /** `s` holds exactly the log up to its end: the next session may continue it. */
  keep(s: Session): void { this.reusable = s; }
}

/**
 * Runs `component`'s waiting work as one transaction on the log as it is now. Returns how many
 * items it delivered (0: nothing waited for it, nothing appended), retrying on a lost race.
 */
export function runComponentWork(io: CliIO, g: GlobalOptions, component: string, sessions = new FollowingSessions(g)): number {
  for (let attempt = 1; ; attempt++) {
    const s = sessions.open();
    const waits = s.world.waitingWorkOf(component) !== undefined;
    if (!waits) { sessions.keep(s); return 0; }
    const before = s.world.scheduler.delivered;
    runInput(s, { type: 'ComponentWorkRequested', data: { seed: g.seed, component } });
    const delivered = s.world.scheduler.delivered - before;
    io.stdout(`${component}: ran ${delivered} work item(s) on the log at ${s.basePosition}, appending\n`);
    // A process killed here has written nothing: its restart finds the same work waiting.
    faultsFromEnv(io.env)?.('component-commit');
    try {
      const stored = s.commit();
      sessions.keep(s);
      io.stdout(`${component}: appended records ${stored[0]!.pos}-${stored.at(-1)!.pos}\n`);
      return delivered;
    } catch (e) {
      if (!(e instanceof ExpectedVersionConflict) || attempt >= CONFLICT_ATTEMPTS_MAX) throw e;
      io.stdout(`${component}: the log moved (${e.message}); running again on the new log\n`);
    }
  }
}

export interface ComponentHostOptions {
  components: string[];
}

/** Serves until SIGINT or SIGTERM (or a failure, which it throws); resolves with the exit code. */
export async function serveComponents(io: CliIO, g: GlobalOptions, o: ComponentHostOptions): Promise<number> {
  if (!g.nats) throw new UsageError('error: serve --only runs a component process of a cluster in NATS: give --nats URL (or PVSIM_NATS)');
  const connect = natsConnectOf(g);
  const where = `${redactCredentials(g.nats.url)} cluster ${g.nats.cluster}`;
  // A new cluster is started as any first command starts it (its own objects, as one batch), so
  // there is a stream to follow; `pvsim init` with another shape has to come before serve.
  const log = openClusterLog(g);
  if (log.lastPos() === 0) {
    try {
      openSession(g).commit();
    } catch (e) {
      if (!(e instanceof ExpectedVersionConflict)) throw e;
    }
  }
  const end = log.lastPos();
  const sessions = new FollowingSessions(g);
  let running = false;
  let again = false;
  let failed: unknown;
  const work = (): void => {
    if (running) { again = true; return; }
    running = true;
    try {
      do {
        again = false;
        for (const component of o.components) runComponentWork(io, g, component, sessions);
      } while (again);
    } catch (e) {
      failed = e;
      handle?.stop();
    } finally {
      running = false;
    }
  };
  let handle: FollowHandle | undefined;
  // Every complete batch (its last record carries `end`) may have left work for us.
  handle = await followLog(connect, g.nats.cluster, end + 1, (_seq, line) => {
    if (endsBatch(line)) setImmediate(work);
  });
  io.stdout(`pvsim serve: ${o.components.join(', ')} for ${where}, following the log from ${end + 1}\n`);
  work();
  const stop = (): void => handle?.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    await handle.done;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  if (failed) throw failed;
  io.stdout('pvsim serve: stopped\n');
  return 0;
}
