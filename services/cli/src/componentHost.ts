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
 * `pvsim kubelet --node NODE` and `pvsim csi-driver NAME` are the same host for other components
 * (ADR 0022): a node's kubelet (`kubelet/NODE`: mount, unmount, housekeeping; the driver's node
 * RPCs run inside its transaction), and a driver's sidecars (external-provisioner, external-
 * attacher, external-resizer, csi-snapshotter of that driver; its controller RPCs run inside
 * their transactions, so the backend's volumes are written in the same batch as the objects).
 *
 * A pass that changed nothing — it delivered its items and wrote no record but their deliveries,
 * queued nothing new and set no timer — is not appended (ADR 0022): every session relists, and a
 * relist queues each kubelet's housekeeping, so two kubelet processes would otherwise take turns
 * appending empty passes for ever. Its items stay listed in the log's WorkPending and are run
 * again when the log next moves. A pass whose only other records repeat Events the cluster
 * already holds (a retry failing again the same way) counts as one that changed nothing.
 *
 * A pass ends by saving what its components now remember (`ComponentMemorySaved`, when it
 * changed), and every fold restores it, so a backoff survives across processes and restarts; and
 * `--only clock` (in `all`) is the clock owner, which moves simulated time to the next timer once
 * every component is quiet (clockOwner.ts, ADR 0026).
 *
 * A composition root: it waits on the stream and on signals; the decisions stay in the world.
 */
import { ExpectedVersionConflict, endsBatch, eventCorrelationKey, type KubeEvent } from '@pvsim/domain';
import { JetStreamEventLog, closeAsyncCalls, followLog, redactCredentials, type FollowHandle } from '@pvsim/nats';
import { faultsFromEnv, natsConnectOf, openClusterLog } from './clusterDir.ts';
import { natsDriverRpc } from './csiRpc.ts';
import { CLOCK_OWNER, ClockOwner } from './clockOwner.ts';
import { runInput } from './inputs.ts';
import { serveLockstep } from './lockstep.ts';
import { CONFLICT_ATTEMPTS_MAX } from './retry.ts';
import { Session, openSession } from './session.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';

/**
 * What `serve --only` hosts: kube-controller-manager's controllers, the scheduler and the
 * snapshot-controller, by the names the log gives them. Kubelets and a driver's sidecars are
 * hosted by `pvsim kubelet` and `pvsim csi-driver`.
 */
export const HOSTABLE_COMPONENTS = [
  'pv-controller', 'pvc-protection', 'pv-protection', 'scheduler', 'attachdetach', 'node-lifecycle', 'volume-expand',
  'ephemeral-volume-controller', 'deployment', 'replicaset', 'statefulset', 'snapshot-controller', 'csi-driver-registrar',
  // Not a component of the world: the clock owner, which moves simulated time once every component is quiet (ADR 0026).
  CLOCK_OWNER,
] as const;

/** The sidecars of a CSI driver, each a component named `SIDECAR/DRIVER` (services/world/src/cluster.ts). */
export const DRIVER_SIDECARS = ['external-provisioner', 'attacher', 'external-resizer', 'csi-snapshotter'] as const;

/** `--only`'s list; `all` stands for every component `serve --only` hosts. */
export function parseComponents(list: string): string[] {
  const given = list.split(',').map((n) => n.trim()).filter((n) => n !== '');
  if (given.length === 0) throw new UsageError('error: --only needs at least one component, e.g. --only pv-controller');
  const names = given.flatMap((n) => (n === 'all' ? [...HOSTABLE_COMPONENTS] : [n]));
  for (const n of names) {
    if (!(HOSTABLE_COMPONENTS as readonly string[]).includes(n)) {
      const elsewhere = n.startsWith('kubelet/') ? ' (a kubelet is a process of its own: pvsim kubelet --node NODE)'
        : DRIVER_SIDECARS.some((sidecar) => n.startsWith(`${sidecar}/`)) ? ' (a driver\'s sidecars are a process of their own: pvsim csi-driver NAME)' : '';
      throw new UsageError(`error: invalid argument "${n}" for "--only" flag: a process hosts ${HOSTABLE_COMPONENTS.join(', ')}${elsewhere}`);
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
 *
 * A process that follows the log (`hear`) hands it every line from the sequence it follows from:
 * the batches since the last session are then the lines it heard, not read again. What it has
 * not heard yet it does not see — as an informer that has not caught up: a pass on that view that
 * writes loses its race (and the next session reads the log afresh), and the batch still to be
 * heard brings another pass.
 */
export class FollowingSessions {
  private reusable: Session | undefined;
  /** Every line from stream sequence `heardFrom` on that is past the last session's end, in order. */
  private heard: { seq: number; line: string }[] = [];
  private heardFrom = Infinity;
  constructor(private readonly g: GlobalOptions) {}

  /** From here on the caller hands over every line of the log from sequence `fromSeq` on, in order (`hear`). */
  following(fromSeq: number): void { this.heardFrom = fromSeq; }

  hear(seq: number, line: string): void { this.heard.push({ seq, line }); }

  open(): Session {
    const s = this.next();
    // What the session holds is not needed again.
    this.forget(s.endPosition);
    return s;
  }

  private forget(upTo: number): void {
    let skip = 0;
    while (skip < this.heard.length && this.heard[skip]!.seq <= upTo) skip++;
    if (skip > 0) this.heard = this.heard.slice(skip);
  }

  private next(): Session {
    const previous = this.reusable;
    this.reusable = undefined;
    const log = openClusterLog(this.g);
    if (!previous || !(log instanceof JetStreamEventLog)) return openSession(this.g);
    const end = previous.endPosition;
    this.forget(end);
    // The lines heard reach back to the previous session's end, or they were not all heard.
    const appended = this.heardFrom <= end + 1 ? log.recordsOf(this.heard, end) : log.readAfter(end);
    const driverRpc = natsDriverRpc(this.g);
    return new Session({
      clusterDir: this.g.clusterDir, seed: this.g.seed, log, after: previous, appended,
      ...(driverRpc ? { driverRpc } : {}),
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
export async function runComponentWork(io: CliIO, g: GlobalOptions, component: string, sessions = new FollowingSessions(g)): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const s = sessions.open();
    const waits = s.world.waitingWorkOf(component) !== undefined;
    if (!waits) { sessions.keep(s); return 0; }
    const pass = runComponentPass(s, g.seed, component);
    if (pass.changedNothing) {
      // Nothing to append. Unless it repeated an Event (which its store now holds and the log
      // does not), the session still holds exactly the log's objects, and is continued.
      s.takeBatch();
      if (pass.repeatedEvents === 0) sessions.keep(s);
      io.stdout(`${component}: ran ${pass.delivered} work item(s) on the log at ${s.basePosition}; they changed nothing, not appended\n`);
      return 0;
    }
    const delivered = pass.delivered;
    io.stdout(`${component}: ran ${delivered} work item(s) on the log at ${s.basePosition}, appending\n`);
    // A process killed here has written nothing: its restart finds the same work waiting.
    faultsFromEnv(io.env)?.('component-commit');
    try {
      // Awaited on this thread (ADR 0032): no blocking hop to the bridge's worker per append.
      const stored = await s.commitAsync();
      sessions.keep(s);
      io.stdout(`${component}: appended records ${stored[0]!.pos}-${stored.at(-1)!.pos}\n`);
      return delivered;
    } catch (e) {
      if (!(e instanceof ExpectedVersionConflict) || attempt >= CONFLICT_ATTEMPTS_MAX) throw e;
      io.stdout(`${component}: the log moved (${e.message}); running again on the new log\n`);
    }
  }
}

/**
 * Runs `component`'s waiting work in `s` (`ComponentWorkRequested`, left pending in the session)
 * and says whether the pass changed nothing (`changedNothing`, not counting the records that only
 * repeat an Event the cluster already holds: `repeatedEvents`, by the store's own correlation key —
 * the same object, type, reason, message and source, as client-go's correlator). A failing retry
 * records the same Event every pass; in one process a backoff timer paces those passes, but a
 * component process re-runs the item on every relist, so appending them made processes append for
 * ever (issue 8): such a pass is left out, the Event's count all it would have moved. What a process decides before it
 * appends, and what natsEquivalence.test.ts asks to know the run settled.
 */
export function runComponentPass(s: Session, seed: number, component: string): { delivered: number; changedNothing: boolean; repeatedEvents: number } {
  const before = s.world.scheduler.delivered;
  const work = s.world.scheduler.pendingWork();
  const seen = new Set(s.store.events().map(eventCorrelationKey));
  runInput(s, { type: 'ComponentWorkRequested', data: { seed, component } });
  const delivered = s.world.scheduler.delivered - before;
  const repeated = s.pendingRecords.filter((r) => r.type === 'EventRecorded' && seen.has(eventCorrelationKey(r.data as KubeEvent))).length;
  const records = s.pendingCount - repeated - s.unchangedMemoriesSaved;
  return { delivered, changedNothing: changedNothing(work, s.world.scheduler.pendingWork(), records, delivered), repeatedEvents: repeated };
}

type PendingWork = ReturnType<Session['world']['scheduler']['pendingWork']>;

/**
 * A component pass changed nothing: its batch holds the input and one WorkDelivered per item and
 * nothing else (no object written, no event, no failed sync), nothing waits that did not wait
 * before, and the timers are the same. Appending it would only record that it ran.
 */
export function changedNothing(before: PendingWork, after: PendingWork, records: number, delivered: number): boolean {
  if (records !== 1 + delivered) return false;
  const waited = new Set(before.waiting.map((w) => `${w.queue}\n${w.key}`));
  if (!after.waiting.every((w) => waited.has(`${w.queue}\n${w.key}`))) return false;
  return JSON.stringify(after.delayed) === JSON.stringify(before.delayed);
}

export interface ComponentHostOptions {
  components: string[];
  /** How the process names itself in what it prints (default `pvsim serve`). */
  label?: string;
  /**
   * Checked on the cluster as it is once the process has started it: throws a UsageError when the
   * process has nothing to host there (no such node, no such driver); returns the components.
   */
  resolve?: (s: Session) => string[];
  /** With --lockstep: the components hosted, named without the cluster (default `components`). */
  lockstepComponents?: () => string[];
}

/** Serves until SIGINT or SIGTERM (or a failure, which it throws); resolves with the exit code. */
export async function serveComponents(io: CliIO, g: GlobalOptions, o: ComponentHostOptions): Promise<number> {
  const label = o.label ?? 'pvsim serve';
  if (!g.nats) throw new UsageError(`error: ${label.replace(/^pvsim /, '')}${o.label ? '' : ' --only'} runs a component process of a cluster in NATS: give --nats URL (or PVSIM_NATS)`);
  // Lockstep (ADR 0025): a replica performing the deliveries the command grants; it never appends.
  if (g.lockstep) return serveLockstep(io, g, label, o.lockstepComponents?.() ?? o.components);
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
  const sessions = new FollowingSessions(g);
  let components = o.components;
  if (o.resolve) {
    const s = sessions.open();
    components = o.resolve(s);
    sessions.keep(s);
  }
  const end = log.lastPos();
  const clock = components.includes(CLOCK_OWNER)
    ? new ClockOwner(io, g, sessions, (s, component) => !runComponentPass(s, g.seed, component).changedNothing)
    : undefined;
  // One pass at a time: a batch landing while a pass runs (or awaits its append) asks for another.
  let running: Promise<void> | undefined;
  let again = false;
  let failed: unknown;
  const pass = async (): Promise<void> => {
    try {
      do {
        again = false;
        for (const component of components) {
          if (component === CLOCK_OWNER) clock!.look();
          else await runComponentWork(io, g, component, sessions);
        }
      } while (again);
    } catch (e) {
      failed = e;
      handle?.stop();
    }
  };
  const work = (): void => {
    if (running) { again = true; return; }
    running = pass().finally(() => { running = undefined; });
  };
  let handle: FollowHandle | undefined;
  // Every complete batch (its last record carries `end`) may have left work for us.
  sessions.following(end + 1);
  handle = await followLog(connect, g.nats.cluster, end + 1, (seq, line) => {
    sessions.hear(seq, line);
    if (endsBatch(line)) setImmediate(work);
  });
  // The signals are taken before the first pass: a SIGTERM while it runs stops the process after
  // it, between transactions, instead of killing it (natsEquivalence.test.ts stopped a kubelet
  // there, and it died of the signal).
  const stop = (): void => handle?.stop();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  io.stdout(`${label}: ${components.join(', ')} for ${where}, following the log from ${end + 1}\n`);
  try {
    // The awaited appends' connection opened before the first pass, not in its transaction (ADR
    // 0035), and here, where the finally below closes it; a failure is the first append's to report.
    if (log instanceof JetStreamEventLog) await log.connectAsync().catch(() => undefined);
    work();
    await handle.done;
    // A pass awaiting its append finishes it: the process stops between transactions.
    await running;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    // The awaited appends' connection would keep the process alive.
    await closeAsyncCalls();
  }
  if (failed) throw failed;
  io.stdout(`${label}: stopped\n`);
  return 0;
}

/** `pvsim kubelet --node NODE`: the node's kubelet, once the cluster has that node. */
export function kubeletOf(node: string): (s: Session) => string[] {
  return (s) => {
    if (!s.store.get('Node', node)) {
      const nodes = s.store.list('Node').map((n) => n.metadata.name).sort();
      throw new UsageError(`error: the cluster has no node "${node}" (its nodes: ${nodes.join(', ') || 'none'})`);
    }
    return [`kubelet/${node}`];
  };
}

/**
 * `pvsim csi-driver NAME`: the sidecars the cluster runs for driver NAME (its full name, or the
 * part before `.csi.pvsim.dev`), in the order the cluster builds them.
 */
export function driverSidecarsOf(name: string): (s: Session) => string[] {
  return (s) => {
    if (name.includes('=')) throw new UsageError(`error: csi-driver ${name}: a driver module of your own cannot run as a process yet — its memory is the module's, not the log's (docs/decisions/0022-kubelet-and-csi-driver-processes.md); run it in-process with --csi-driver`);
    const drivers = [...s.parts.drivers.keys()].sort();
    const driver = drivers.find((d) => d === name || d === `${name}.csi.pvsim.dev`);
    if (!driver) throw new UsageError(`error: the cluster has no CSI driver "${name}" (its drivers: ${drivers.join(', ')})`);
    const sidecars = s.world.manager.controllers.map((c) => c.name)
      .filter((c) => (DRIVER_SIDECARS as readonly string[]).some((sidecar) => c === `${sidecar}/${driver}`));
    return sidecars;
  };
}
