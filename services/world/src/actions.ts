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

/**
 * A CSI call to disturb: the next mutating RPC of that driver (that RPC, if named) fails with a
 * code (`csi-error`), times out (`csi-timeout`: DEADLINE_EXCEEDED) — without having run, or, with
 * `replyLost`, after it ran: the backend did it, the caller does not know — or takes `latencyMs`
 * longer (`csi-latency`).
 */
export interface CsiFault {
  kind: 'csi-error' | 'csi-timeout' | 'csi-latency';
  driver: string;
  rpc?: string;
  code?: string;
  latencyMs?: number;
  /** csi-timeout only: the call ran and its reply was lost. */
  replyLost?: boolean;
}

/**
 * An informer's watch stream misbehaves, at once: `watch-drop` loses its oldest undelivered event
 * for an object that has a later one waiting (the informer jumps to the later state and its
 * handlers never see the one in between, as after a broken watch and a relist); `watch-dup`
 * delivers its oldest undelivered event twice (handlers must be idempotent).
 */
export interface WatchFault {
  kind: 'watch-drop' | 'watch-dup';
  informer: string;
}

export type Fault = ApiFault | CsiFault | WatchFault;
export const FAULT_KINDS = ['api-error', 'conflict', 'csi-error', 'csi-timeout', 'csi-latency', 'watch-drop', 'watch-dup'] as const;
export type FaultKind = typeof FAULT_KINDS[number];

export function isCsiFault(f: Fault): f is CsiFault {
  return f.kind === 'csi-error' || f.kind === 'csi-timeout' || f.kind === 'csi-latency';
}

export function isWatchFault(f: Fault): f is WatchFault {
  return f.kind === 'watch-drop' || f.kind === 'watch-dup';
}

export function isApiFault(f: Fault): f is ApiFault {
  return f.kind === 'api-error' || f.kind === 'conflict';
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
  /** Make an API call or a CSI call fail (or be slow). */
  | { type: 'fault'; fault: Fault }
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
    case 'fault': return isCsiFault(a.fault)
      ? `fault ${a.fault.kind} on ${a.fault.driver}${a.fault.rpc ? ` ${a.fault.rpc}` : ''}${a.fault.code ? ` ${a.fault.code}` : ''}${a.fault.latencyMs ? ` +${a.fault.latencyMs}ms` : ''}${a.fault.replyLost ? ' reply lost' : ''}`
      : isWatchFault(a.fault) ? `fault ${a.fault.kind} on ${a.fault.informer}`
      : `fault ${a.fault.kind} on ${a.fault.verb}${a.fault.resource ? ` ${a.fault.resource}` : ''}`;
    case 'crash': return `crash ${a.component}`;
    case 'node': return `node ${a.node} ${a.down ? 'down' : 'up'}`;
  }
}
