/**
 * Design: the one seam for every choice the world makes (P's scheduler, TigerBeetle's VOPR). The
 * world lists what can happen next (`World.enabled()`); a Chooser picks. Settling asks only one
 * question many times — which waiting work item runs next — so that question has its own fast
 * method; an explorer answers the general one over every enabled action. Three choosers: seeded
 * (the default: the same seed and inputs give the same log), FIFO (a client-go work queue with
 * one worker: the Kubernetes case tables), and recorded (re-executes a log's recorded choices).
 */
import type { LogRecord } from '@pvsim/domain';
import type { Random, WorkItem } from '@pvsim/runtime';
import type { Action } from './actions.ts';

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

/**
 * Re-executes the deliveries a log recorded (`WorkDelivered`), in order. Each pick finds the
 * recorded item among the waiting ones; an item that is not waiting means the run diverged.
 */
export function recordedChooser(records: Iterable<Pick<LogRecord, 'type' | 'data'>>): Chooser & { remaining(): number } {
  const deliveries: WorkItem[] = [];
  for (const r of records) if (r.type === 'WorkDelivered') deliveries.push(r.data as WorkItem);
  let next = 0;
  const pickWork = (waiting: readonly WorkItem[]): number => {
    const want = deliveries[next];
    if (!want) throw new ReplayDivergedError(`the log records ${deliveries.length} deliveries; the run wants one more`);
    const i = waiting.findIndex((w) => w.queue === want.queue && w.key === want.key);
    if (i < 0) throw new ReplayDivergedError(`delivery ${next + 1} (${want.queue} ${want.key}) is not waiting`);
    next++;
    return i;
  };
  return {
    kind: 'recorded',
    pickWork,
    choose: (enabled) => {
      const want = deliveries[next];
      const i = enabled.findIndex((a) => a.type === 'deliver' && want !== undefined && a.item.queue === want.queue && a.item.key === want.key);
      if (i < 0) throw new ReplayDivergedError(`delivery ${next + 1} is not enabled`);
      next++;
      return i;
    },
    remaining: () => deliveries.length - next,
  };
}
