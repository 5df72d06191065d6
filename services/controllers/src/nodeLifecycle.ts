/**
 * Design: the node heartbeat, condensed. On a real cluster each kubelet registers its Node and
 * posts Ready every few seconds, and the node lifecycle controller marks a silent node Unknown
 * and taints it unreachable. Here a node is "down" exactly while it carries the annotation
 * `pvsim.dev/node-down` (set by `pvsim node down`, removed by `pvsim node up`): a node that is not
 * down gets Ready=True (its kubelet posted status), one that is down gets Ready=Unknown and the
 * unreachable taint.
 */
import type { ObjectStore, WatchEvent } from '@pvsim/runtime';
import type { Controller, WorkQueue } from './controller.ts';

export const ANN_NODE_DOWN = 'pvsim.dev/node-down';
const UNREACHABLE = 'node.kubernetes.io/unreachable';

interface NodeObj {
  apiVersion: string; kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: { taints?: { key: string; effect: string; timeAdded?: string }[]; [k: string]: unknown };
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string; lastHeartbeatTime?: string }[]; [k: string]: unknown };
}

export function isNodeDown(node: { metadata: { annotations?: Record<string, string> } }): boolean {
  return node.metadata.annotations?.[ANN_NODE_DOWN] === 'true';
}

export class NodeLifecycleController implements Controller {
  readonly name = 'node-lifecycle';
  readonly queues: Record<string, (key: string) => void>;

  constructor(private readonly store: ObjectStore, private readonly now: () => string) {
    this.queues = { 'node-lifecycle': (name) => this.sync(name) };
  }

  onWatch(ev: WatchEvent, queue: WorkQueue): void {
    if (ev.kind === 'Node' && ev.new) queue.add('node-lifecycle', ev.key);
  }

  resync(queue: WorkQueue): void {
    for (const n of this.store.list('Node')) queue.add('node-lifecycle', n.metadata.name);
  }

  private sync(name: string): void {
    const node = this.store.get('Node', name) as unknown as NodeObj | undefined;
    if (!node) return;
    const down = isNodeDown(node);
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    const wantStatus = down ? 'Unknown' : 'True';
    const taints = node.spec?.taints ?? [];
    const tainted = taints.some((t) => t.key === UNREACHABLE);
    if (tainted !== down) {
      const spec = { ...(node.spec ?? {}) };
      const rest = taints.filter((t) => t.key !== UNREACHABLE);
      const next = down ? [...rest, { key: UNREACHABLE, effect: 'NoSchedule', timeAdded: this.now() }] : rest;
      if (next.length > 0) spec.taints = next; else delete spec.taints;
      this.store.update('Node', { ...node, spec } as never);
    }
    if (ready?.status !== wantStatus) {
      const latest = this.store.get('Node', name) as unknown as NodeObj;
      const conditions = (latest.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
      conditions.push(down
        ? { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: this.now() }
        : { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastTransitionTime: this.now() });
      this.store.update('Node', { ...latest, status: { ...(latest.status ?? {}), conditions } } as never, 'status');
    }
  }
}
