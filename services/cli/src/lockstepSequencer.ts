/**
 * Design: the sequencer's side of lockstep distributed runs (issue 8 item 4, ADR 0025): a
 * Session `onDeliver` hook that grants each delivery over NATS request/reply to the process
 * hosting its component and compares that process's records with the session's own. The
 * replica's side is lockstep.ts. Kept apart so that the session can install the hook without
 * importing the replica, which runs inputs in sessions of its own.
 */
import { createHash } from 'node:crypto';
import type { NewLogRecord } from '@pvsim/domain';
import type { WorkItem } from '@pvsim/runtime';
import { NatsCallError, lockstepSubject, natsRequest, redactCredentials } from '@pvsim/nats';
import { natsConnectOf } from './clusterDir.ts';
import { UsageError, type GlobalOptions } from './verbTypes.ts';

/** What the sequencer reads of its session (Session has it; named here so this file needs no session). */
export interface SequencedSession {
  readonly pendingRecords: readonly NewLogRecord[];
  readonly basePosition: number;
  readonly preambleRecords: readonly NewLogRecord[] | undefined;
  readonly world: { readonly scheduler: { readonly delivered: number } };
}

/** How long the sequencer waits for a process to perform a delivery (`--lockstep-deadline`). */
export const LOCKSTEP_DEADLINE_MS = 30_000;

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
export function describeItem(item: WorkItem): string {
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
export function lockstepSequencer(g: GlobalOptions): (s: SequencedSession, component: string, item: WorkItem) => () => void {
  if (!g.nats || !g.lockstep) throw new Error('lockstepSequencer needs --nats and --lockstep');
  const connect = natsConnectOf(g);
  const cluster = g.nats.cluster;
  const deadlineMs = g.lockstep.deadlineMs;
  // The transaction each component was last sent the inputs of: a grant carries them (they may
  // be large — an apply's every object) only the first time a component meets a transaction.
  const sentTo = new Map<string, string>();
  const transactions = new WeakMap<SequencedSession, { scanned: number; inputs: NewLogRecord[]; tx: string }>();
  const transactionOf = (s: SequencedSession) => {
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
