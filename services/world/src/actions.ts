/**
 * Design: everything that can happen next in a simulated cluster, as data. `World.enabled()`
 * lists these and `World.step(action)` takes one; a run is the sequence of actions taken, and
 * every one that is not the default policy's is written to the log, so any run replays.
 */
import type { WorkItem } from '@pvsim/runtime';

/** An API call to fail: the next write of that verb (on that resource, if named). */
export interface ApiFault {
  kind: 'api-error' | 'conflict';
  verb: 'create' | 'update' | 'delete';
  resource?: string;
}

export type Action =
  /** Run one waiting work item. */
  | { type: 'deliver'; item: WorkItem }
  /** Apply an informer's oldest undelivered watch event (only while informers lag). */
  | { type: 'watch'; informer: string }
  /** Move simulated time to the next delayed item and release what is due. */
  | { type: 'timer'; atMs: number }
  /** Move simulated time to the next resync period and resync every controller. */
  | { type: 'resync'; atMs: number }
  /** Make an API call fail. */
  | { type: 'fault'; fault: ApiFault }
  /** A component's process restarts with empty memory and relists. */
  | { type: 'crash'; component: string }
  /** A node's kubelet stops (or resumes) posting status. */
  | { type: 'node'; node: string; down: boolean };

/** One line for an action, as logs and counterexamples print it. */
export function describeAction(a: Action): string {
  switch (a.type) {
    case 'deliver': return `deliver ${a.item.queue} ${a.item.key}`;
    case 'watch': return `watch event to ${a.informer}`;
    case 'timer': return `timer at ${a.atMs}`;
    case 'resync': return `resync at ${a.atMs}`;
    case 'fault': return `fault ${a.fault.kind} on ${a.fault.verb}${a.fault.resource ? ` ${a.fault.resource}` : ''}`;
    case 'crash': return `crash ${a.component}`;
    case 'node': return `node ${a.node} ${a.down ? 'down' : 'up'}`;
  }
}
