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
 * code (`csi-error`), times out without having run (`csi-timeout`: DEADLINE_EXCEEDED), or takes
 * `latencyMs` longer (`csi-latency`).
 */
export interface CsiFault {
  kind: 'csi-error' | 'csi-timeout' | 'csi-latency';
  driver: string;
  rpc?: string;
  code?: string;
  latencyMs?: number;
}

export type Fault = ApiFault | CsiFault;
export const FAULT_KINDS = ['api-error', 'conflict', 'csi-error', 'csi-timeout', 'csi-latency'] as const;
export type FaultKind = typeof FAULT_KINDS[number];

export function isCsiFault(f: Fault): f is CsiFault {
  return f.kind === 'csi-error' || f.kind === 'csi-timeout' || f.kind === 'csi-latency';
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
      ? `fault ${a.fault.kind} on ${a.fault.driver}${a.fault.rpc ? ` ${a.fault.rpc}` : ''}${a.fault.code ? ` ${a.fault.code}` : ''}${a.fault.latencyMs ? ` +${a.fault.latencyMs}ms` : ''}`
      : `fault ${a.fault.kind} on ${a.fault.verb}${a.fault.resource ? ` ${a.fault.resource}` : ''}`;
    case 'crash': return `crash ${a.component}`;
    case 'node': return `node ${a.node} ${a.down ? 'down' : 'up'}`;
  }
}
