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
import { createHash } from 'node:crypto';
import type { NewLogRecord } from '@pvsim/domain';
import { MemoryEventLog, type WorkItem } from '@pvsim/runtime';
import {
  NatsCallError, lockstepSubject, natsNextRequest, natsRequest, natsRespond, natsServe, redactCredentials, type ServedRequest,
} from '@pvsim/nats';
import { natsConnectOf, openClusterLog } from './clusterDir.ts';
import { runInput, type Input } from './inputs.ts';
import { Session } from './session.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';

/** How long the sequencer waits for a process to perform a delivery (`--lockstep-deadline`). */
export const LOCKSTEP_DEADLINE_MS = 30_000;

/** How long an idle replica waits for a grant before it looks at its signals again. */
const IDLE_WAIT_MS = 250;

/** What the sequencer sends with each grant: enough for the replica to be exactly where it is. */
export interface LockstepGrant {
  /** The transaction: its base position and a digest of its inputs so far. */
  tx: string;
  /** The log position the transaction starts from (the sequencer's session's base). */
  base: number;
  /**
   * A fresh cluster's own objects, not appended yet (Session `preamble`), when the log is empty;
   * sent, as `inputs`, with the first grant of the transaction to each component only.
   */
  preamble?: readonly NewLogRecord[];
  /** The transaction's inputs so far (its records of stream `cluster`), re-executed by the replica. */
  inputs?: NewLogRecord[];
  /** How many records the transaction has before this step. */
  sofar: number;
  /** The world's delivery count before this step. */
  delivered: number;
  component: string;
  item: WorkItem;
}

export type LockstepReply = { records: NewLogRecord[] } | { error: string };

/** The sequencer could not have a delivery performed, or the process's step was not its own. */
export class LockstepError extends Error {
  constructor(readonly code: 'LockstepNoProcess' | 'LockstepDeadline' | 'LockstepDiverged', message: string) {
    super(message);
    this.name = 'LockstepError';
  }
}

/** A combination of flags lockstep refuses (exit code 2, as a usage error of `check` and `sim`). */
export class LockstepUsageError extends UsageError {}

/** A work item as errors name it. */
function describeItem(item: WorkItem): string {
  return `${item.queue} ${item.key}`;
}

/** The records' text as compared: the same JSON on both sides, whatever crossed the wire. */
function recordsText(records: readonly NewLogRecord[]): string {
  return JSON.stringify(records);
}

/**
 * The sequencer's side: a Session `onDeliver` hook granting each delivery to the process hosting
 * its component and comparing that process's records with the session's own once performed.
 */
export function lockstepSequencer(g: GlobalOptions): (s: Session, component: string, item: WorkItem) => () => void {
  if (!g.nats || !g.lockstep) throw new Error('lockstepSequencer needs --nats and --lockstep');
  const connect = natsConnectOf(g);
  const cluster = g.nats.cluster;
  const deadlineMs = g.lockstep.deadlineMs;
  // The transaction each component was last sent the inputs of: a grant carries them (they may
  // be large — an apply's every object) only the first time a component meets a transaction.
  const sentTo = new Map<string, string>();
  const transactions = new WeakMap<Session, { scanned: number; inputs: NewLogRecord[]; tx: string }>();
  const transactionOf = (s: Session) => {
    const pending = s.pendingRecords;
    let t = transactions.get(s);
    if (!t || pending.length < t.scanned) transactions.set(s, (t = { scanned: 0, inputs: [], tx: '' }));
    const before = t.inputs.length;
    for (; t.scanned < pending.length; t.scanned++) if (pending[t.scanned]!.stream === 'cluster') t.inputs.push(pending[t.scanned]!);
    if (t.tx === '' || t.inputs.length !== before) t.tx = `${s.basePosition}:${createHash('sha256').update(JSON.stringify(t.inputs)).digest('hex').slice(0, 32)}`;
    return t;
  };
  return (s, component, item) => {
    const sofar = s.pendingRecords.length;
    const position = s.basePosition + sofar + 1;
    const preamble = s.preambleRecords;
    const { tx, inputs } = transactionOf(s);
    const first = sentTo.get(component) !== tx;
    sentTo.set(component, tx);
    const grant: LockstepGrant = {
      tx, base: s.basePosition, ...(first ? { inputs, ...(preamble ? { preamble } : {}) } : {}),
      sofar, delivered: s.world.scheduler.delivered, component, item,
    };
    let text: string;
    try {
      text = natsRequest(connect, lockstepSubject(cluster, component), JSON.stringify(grant), deadlineMs);
    } catch (e) {
      if (e instanceof NatsCallError && e.code === 'NoResponders') {
        throw new LockstepError('LockstepNoProcess', `lockstep: no process hosts component ${component}; start \`pvsim --nats ${redactCredentials(g.nats!.url)} --cluster ${cluster} ${hostCommand(component)} --lockstep\` (nothing appended)`);
      }
      if (e instanceof NatsCallError && e.code === 'RequestTimeout') {
        throw new LockstepError('LockstepDeadline', `lockstep: component ${component} did not perform work item ${describeItem(item)} (log position ${position}) within ${deadlineMs} ms (--lockstep-deadline); nothing appended`);
      }
      throw e;
    }
    const reply = JSON.parse(text) as LockstepReply;
    if ('error' in reply) throw new LockstepError('LockstepDiverged', `lockstep diverged at ${position}: component ${component}: ${reply.error}; nothing appended`);
    return () => {
      const own = s.pendingRecords.slice(sofar);
      const expected = recordsText(own);
      const produced = recordsText(reply.records);
      if (produced !== expected) {
        throw new LockstepError('LockstepDiverged', `lockstep diverged at ${position}: component ${component} produced ${produced.slice(0, 600)} expected ${expected.slice(0, 600)}; nothing appended`);
      }
    };
  };
}

/** The command that hosts `component` in a process. */
function hostCommand(component: string): string {
  const [head, rest] = component.split('/', 2) as [string, string | undefined];
  if (head === 'kubelet' && rest !== undefined) return `kubelet --node ${rest}`;
  if (rest !== undefined) return `csi-driver ${rest}`;
  return `serve --only ${component}`;
}

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
