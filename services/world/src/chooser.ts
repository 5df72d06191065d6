/**
 * Design: the one seam for every choice the world makes (P's scheduler, TigerBeetle's VOPR). The
 * world lists what can happen next (`World.enabled()`); a Chooser picks. Settling asks only one
 * question many times — which waiting work item runs next — so that question has its own fast
 * method; an explorer answers the general one over every enabled action. Three choosers: seeded
 * (the default: the same seed and inputs give the same log), FIFO (a client-go work queue with
 * one worker: the Kubernetes case tables), and recorded (re-executes a log's recorded choices).
 */
import { canonicalJson, type LogRecord } from '@pvsim/domain';
import type { Random, WorkItem } from '@pvsim/runtime';
import type { Action, Fault } from './actions.ts';

export interface Chooser {
  readonly kind: 'seeded' | 'fifo' | 'recorded' | 'explorer';
  /** Which waiting work item runs next: an index into `waiting`. */
  pickWork(waiting: readonly WorkItem[]): number;
  /** Which enabled action is taken next: an index into `enabled`. */
  choose(enabled: readonly Action[]): number;
}

export function seededChooser(random: Random): Chooser {
  return {
    kind: 'seeded',
    pickWork: (waiting) => random.int(waiting.length),
    choose: (enabled) => random.int(enabled.length),
  };
}

export function fifoChooser(): Chooser {
  return { kind: 'fifo', pickWork: () => 0, choose: () => 0 };
}

/** A recorded run did not offer the choice the log says was made: the replay diverged. */
export class ReplayDivergedError extends Error {
  readonly code = 'ReplayDiverged';
  constructor(message: string) {
    super(`replay diverged: ${message}`);
    this.name = 'ReplayDivergedError';
  }
}

/** The log record each kind of action leaves, and how to read an action back from it. */
const RECORDED_ACTIONS: Record<string, (data: any) => (a: Action) => boolean> = {
  WorkDelivered: (d: WorkItem) => (a) => a.type === 'deliver' && a.item.queue === d.queue && a.item.key === d.key,
  WatchDelivered: (d: { informer: string }) => (a) => a.type === 'watch' && a.informer === d.informer,
  TimerFired: (d: { atMs: number }) => (a) => a.type === 'timer' && a.atMs === d.atMs,
  ResyncStarted: () => (a) => a.type === 'resync',
  FaultInjected: (d: Fault) => (a) => a.type === 'fault' && canonicalJson(a.fault) === canonicalJson(d),
  ComponentRestarted: (d: { component: string }) => (a) => a.type === 'crash' && a.component === d.component,
  NodeWentDown: (d: { node: string }) => (a) => a.type === 'node' && a.node === d.node && a.down,
  NodeCameUp: (d: { node: string }) => (a) => a.type === 'node' && a.node === d.node && !a.down,
};

/**
 * Re-executes a log's recorded choices. `pickWork` (the settle policy's one question) follows the
 * recorded deliveries (`WorkDelivered`) in order; `choose` (a run driven action by action, e.g.
 * by an explorer) follows every recorded action — deliveries, watch events, timers, resyncs,
 * faults, crashes, nodes — in order. A recorded choice that is not offered means the run diverged.
 */
export function recordedChooser(records: Iterable<Pick<LogRecord, 'type' | 'data'>>): Chooser & { remainingDeliveries(): number; remainingActions(): number } {
  const deliveries: WorkItem[] = [];
  const actions: { type: string; matches: (a: Action) => boolean }[] = [];
  for (const r of records) {
    if (r.type === 'WorkDelivered') deliveries.push(r.data as WorkItem);
    const read = RECORDED_ACTIONS[r.type];
    if (read) actions.push({ type: r.type, matches: read(r.data) });
  }
  let nextDelivery = 0;
  let nextAction = 0;
  return {
    kind: 'recorded',
    pickWork: (waiting) => {
      const want = deliveries[nextDelivery];
      if (!want) throw new ReplayDivergedError(`the log records ${deliveries.length} deliveries; the run wants one more`);
      const i = waiting.findIndex((w) => w.queue === want.queue && w.key === want.key);
      if (i < 0) throw new ReplayDivergedError(`delivery ${nextDelivery + 1} (${want.queue} ${want.key}) is not waiting`);
      nextDelivery++;
      return i;
    },
    choose: (enabled) => {
      const want = actions[nextAction];
      if (!want) throw new ReplayDivergedError(`the log records ${actions.length} actions; the run wants one more`);
      const i = enabled.findIndex(want.matches);
      if (i < 0) throw new ReplayDivergedError(`action ${nextAction + 1} (${want.type}) is not enabled`);
      nextAction++;
      return i;
    },
    remainingDeliveries: () => deliveries.length - nextDelivery,
    remainingActions: () => actions.length - nextAction,
  };
}
