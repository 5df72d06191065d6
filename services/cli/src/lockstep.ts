/**
 * Design: lockstep distributed runs (issue 8 item 4, ADR 0025). The CLI command is the
 * SEQUENCER: it runs its session exactly as an embedded command does — same seed streams, same
 * chooser, so the same log — but every delivery of a work item to a component is granted, over
 * NATS request/reply on `pvsim.<cluster>.lockstep.<component>`, to the process hosting that
 * component (`serve --only`, `kubelet --node`, `csi-driver`, each started with `--lockstep`).
 *
 * The hosting process keeps a REPLICA of the transaction: a session folded from the log at the
 * sequencer's base position (plus the fresh cluster's preamble the sequencer sends along, when the
 * log is still empty), re-executing the transaction's inputs the sequencer sends along, exactly as
 * `log verify` re-executes them. Deliveries to components it does not host it performs itself, as
 * the sequencer did; at each delivery to one of its own components it blocks until the sequencer's
 * grant for that very delivery arrives (same delivery count, same records so far, same item),
 * performs it and replies with the records that one step produced. The sequencer performs the
 * step too and requires the reply's records to equal its own, else the command fails ("lockstep
 * diverged at <position>") and appends nothing. Only the sequencer appends; processes never do.
 *
 * Both sides are synchronous worlds; the NATS calls go through the synchronous bridge
 * (@pvsim/nats syncBridge: `natsRequest` on the sequencer, `natsServe`/`natsNextRequest`/
 * `natsRespond` on a replica), so the world's one seam (`WorldOptions.onDeliver`) stays synchronous.
 *
 * A composition root: it waits on NATS and on signals; the decisions stay in the world.
 */
import type { NewLogRecord } from '@pvsim/domain';
import { MemoryEventLog, type WorkItem } from '@pvsim/runtime';
import {
  lockstepSubject, natsNextRequest, natsRespond, natsServe, redactCredentials, type ServedRequest,
} from '@pvsim/nats';
import { natsConnectOf, openClusterLog } from './clusterDir.ts';
import { runInput, type Input } from './inputs.ts';
import { Session } from './session.ts';
import { describeItem, type LockstepGrant, type LockstepReply } from './lockstepSequencer.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';

/** How long an idle replica waits for a grant before it looks at its signals again. */
const IDLE_WAIT_MS = 250;

/** Thrown out of a replica's world to give up its transaction (the sequencer moved on). */
class Abandon {
  constructor(readonly next: ServedRequest | null) {}
}


/**
 * Runs the transaction `first` belongs to on a replica, answering the grants for `components`'
 * deliveries as it reaches them. Returns a grant of another transaction that arrived meanwhile
 * (the caller runs it next), or null.
 */
export function runReplicaTransaction(g: GlobalOptions, components: readonly string[], first: ServedRequest, deadlineMs: number): ServedRequest | null {
  const own = new Set(components);
  let held: { req: ServedRequest; grant: LockstepGrant } | undefined = { req: first, grant: JSON.parse(first.data) as LockstepGrant };
  const key = held.grant.tx;
  const refuse = (req: ServedRequest, error: string): void => natsRespond(req.id, JSON.stringify({ error } satisfies LockstepReply));
  if (!held.grant.inputs) {
    refuse(first, `the process did not see the start of transaction ${key} (started after it?); run the command again`);
    return null;
  }
  let inputs = held.grant.inputs;
  let answered = 0;
  const log = openClusterLog(g);
  const preamble = log.lastPos() === 0 ? held.grant.preamble : undefined;
  // The session is built as `log verify` builds one to re-execute an input: its seed and budget are the input's.
  const data = inputs[0]?.data as { seed?: number; budget?: GlobalOptions['budget'] } | undefined;
  const budget = data?.budget;
  const s = new Session({
    clusterDir: g.clusterDir, seed: data?.seed ?? g.seed, log, snapshotEveryRecords: 0,
    ...(preamble ? { preamble: [...preamble] } : {}),
    ...(budget ? { budget } : {}),
    onDeliver: (session, component, item) => {
      if (!own.has(component)) return undefined;
      if (!held) {
        const next = natsNextRequest(deadlineMs);
        if (!next) throw new Abandon(null);
        const grant = JSON.parse(next.data) as LockstepGrant;
        if (grant.tx !== key) throw new Abandon(next);
        held = { req: next, grant };
        if (grant.inputs) inputs = grant.inputs;
      }
      const delivered = session.world.scheduler.delivered;
      // A replica that restarted a transaction catches up on the steps it already answered.
      if (held.grant.delivered > delivered) return undefined;
      const { req, grant } = held;
      // The same transaction begun again (a command re-run at the same position) after this run
      // answered some of it: start over. (On a run's first answer it would only begin again here.)
      if (grant.delivered < delivered && grant.inputs && answered > 0) throw new Abandon(req);
      const sofar = session.pendingRecords.length;
      if (grant.delivered < delivered || grant.sofar !== sofar || grant.component !== component || JSON.stringify(grant.item) !== JSON.stringify(item)) {
        refuse(req, `the process was at delivery ${delivered} (${component}: ${describeItem(item)}) with ${sofar} records in the transaction, `
          + `the sequencer at delivery ${grant.delivered} (${grant.component}: ${describeItem(grant.item)}) with ${grant.sofar}`);
        throw new Abandon(null);
      }
      held = undefined;
      answered++;
      return () => natsRespond(req.id, JSON.stringify({ records: session.pendingRecords.slice(sofar) } satisfies LockstepReply));
    },
  });
  if (s.basePosition !== held.grant.base) {
    refuse(held.req, `the process folded the log to position ${s.basePosition}, the sequencer's transaction starts at ${held.grant.base}`);
    return null;
  }
  try {
    for (let i = 0; i < inputs.length; i++) runInput(s, inputs[i] as unknown as Input);
  } catch (e) {
    if (e instanceof Abandon) return e.next;
    // The replica's world failed where the sequencer's asked for more: say so to the sequencer.
    if (held) refuse(held.req, `the process failed re-executing the transaction: ${(e as Error).message}`);
    return null;
  }
  if (held) refuse(held.req, `the process ran the transaction to its end without reaching delivery ${held.grant.delivered} (${held.grant.component}: ${describeItem(held.grant.item)})`);
  return null;
}

/** The components a lockstep process hosts, named without the cluster (which may not exist yet). */
export function lockstepDriverSidecars(g: GlobalOptions, resolve: (s: Session) => string[]): string[] {
  // A fresh world built in memory has every driver a cluster gets, with its sidecars.
  return resolve(new Session({ clusterDir: g.clusterDir, seed: g.seed, log: new MemoryEventLog(), snapshotEveryRecords: 0 }));
}

/**
 * `serve --only …`, `kubelet --node N`, `csi-driver D` with `--lockstep`: a replica answering
 * grants for `components` until SIGINT or SIGTERM. It never appends.
 */
export async function serveLockstep(io: CliIO, g: GlobalOptions, label: string, components: string[]): Promise<number> {
  if (!g.nats || !g.lockstep) throw new UsageError(`error: ${label} --lockstep runs a process of a cluster in NATS: give --nats URL (or PVSIM_NATS)`);
  const connect = natsConnectOf(g);
  const cluster = g.nats.cluster;
  natsServe(connect, components.map((c) => lockstepSubject(cluster, c)));
  let stopped = false;
  const stop = (): void => { stopped = true; };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  io.stdout(`${label}: ${components.join(', ')} for ${redactCredentials(g.nats.url)} cluster ${cluster}, lockstep: performing the deliveries the sequencer grants\n`);
  try {
    let next: ServedRequest | null = null;
    while (!stopped) {
      const req: ServedRequest | null = next ?? natsNextRequest(IDLE_WAIT_MS);
      try {
        next = req ? runReplicaTransaction(g, components, req, g.lockstep.deadlineMs) : null;
      } catch (e) {
        // The replica could not be built (the log unreadable): the sequencer is told, the process goes on.
        const message = `the process could not fold the cluster's log: ${(e as Error).message}`;
        io.stderr(`${label}: ${message}\n`);
        try {
          if (req) natsRespond(req.id, JSON.stringify({ error: message } satisfies LockstepReply));
        } catch {
          // Already answered, or NATS is gone: the sequencer's deadline reports it.
        }
        next = null;
      }
      // Between transactions the event loop turns, so a signal is seen.
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
  io.stdout(`${label}: stopped\n`);
  return 0;
}
