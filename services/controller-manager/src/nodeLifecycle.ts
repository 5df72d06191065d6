/**
 * Design: the node heartbeat and the node lifecycle controller, condensed. On a real cluster each
 * kubelet registers its Node and posts Ready every few seconds; when a node falls silent the node
 * lifecycle controller marks it Unknown, taints it unreachable, marks its pods not ready, and —
 * through the taint manager — evicts pods that do not tolerate the taint once their toleration
 * (300 s by default, added by admission) runs out. Eviction is a graceful delete: a dead
 * kubelet never finishes it, so the pod stays Terminating (and its volumes attached until the
 * attach/detach controller's force-detach rule applies) unless the node returns.
 * Here a node is "down" exactly while it carries the annotation `pvsim.dev/node-down` (set by
 * `pvsim node down`, removed by `pvsim node up`).
 */
import { withFinalizer, KUBELET_FINALIZER, KUBERNETES_VERSION, isNodeDown, lastHeartbeatMs, type Pod } from '@pvsim/domain';
import type { Client, SimClock, WatchEvent } from '@pvsim/runtime';
import { nodeIndex, type Controller, type WorkQueue } from '@pvsim/component';

const UNREACHABLE = 'node.kubernetes.io/unreachable';
const OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';

/**
 * --node-monitor-grace-period: how long a node may go without a heartbeat before the controller
 * marks it Unknown. 50 s since 1.32 (kubernetes/kubernetes#126287; 40 s before), as
 * monitorNodeHealth compares the last probe with it (pkg/controller/nodelifecycle/node_lifecycle_controller.go).
 */
export const NODE_MONITOR_GRACE_PERIOD_MS = 50_000;

/** gc_controller.go quarantineTime: a deleted node's pods are collected this long after it went. */
export const POD_GC_QUARANTINE_MS = 40_000;

/** DefaultTolerationSeconds admission: pods tolerate an unreachable node for 300 s. */
export const DEFAULT_UNREACHABLE_TOLERATION_SECONDS = 300;

interface Condition { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string }

interface NodeObj {
  apiVersion: string; kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  spec?: { taints?: { key: string; effect: string; timeAdded?: string }[]; [k: string]: unknown };
  status?: { conditions?: Condition[]; [k: string]: unknown };
}

interface Toleration { key?: string; operator?: string; effect?: string; tolerationSeconds?: number }

/** How long a pod tolerates its node being unreachable (Infinity: forever). */
function unreachableToleration(pod: Pod): number {
  const tolerations = (pod.spec['tolerations'] as Toleration[] | undefined) ?? [];
  const t = tolerations.find((x) => (x.key === UNREACHABLE || (x.key === undefined && x.operator === 'Exists')) && (!x.effect || x.effect === 'NoExecute'));
  if (!t) return DEFAULT_UNREACHABLE_TOLERATION_SECONDS;
  return t.tolerationSeconds ?? Infinity;
}

export class NodeLifecycleController implements Controller {
  readonly name = 'node-lifecycle';
  readonly queues: Record<string, (key: string) => void>;

  constructor(private readonly client: Client, private readonly queue: WorkQueue, private readonly clock: SimClock) {
    this.queues = { 'node-lifecycle': (name) => this.sync(name) };
  }

  onWatch(ev: WatchEvent, queue: WorkQueue): void {
    if (ev.kind === 'Node' && ev.new) queue.add('node-lifecycle', ev.key);
    // The pod garbage collector looks at a deleted node's pods after its quarantine.
    if (ev.kind === 'Node' && !ev.new) queue.addAfter('node-lifecycle', ev.key, POD_GC_QUARANTINE_MS);
  }

  resync(queue: WorkQueue): void {
    for (const n of this.client.list('Node')) queue.add('node-lifecycle', n.metadata.name);
  }

  private sync(name: string): void {
    const node = this.client.get('Node', name) as unknown as NodeObj | undefined;
    if (!node) { this.collectOrphans(name); return; }
    let down = isNodeDown(node);
    // The kubelet stopped posting: the node stays Ready until the grace period has passed since its last heartbeat.
    const heartbeat = lastHeartbeatMs(node);
    if (down && heartbeat !== undefined && this.clock.now() < heartbeat + NODE_MONITOR_GRACE_PERIOD_MS) {
      this.queue.addAfter('node-lifecycle', name, heartbeat + NODE_MONITOR_GRACE_PERIOD_MS - this.clock.now());
      down = false;
      if (node.status?.conditions?.find((c) => c.type === 'Ready')?.status !== 'True') return;
    }
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    const wantStatus = down ? 'Unknown' : 'True';
    const taints = node.spec?.taints ?? [];
    const tainted = taints.some((t) => t.key === UNREACHABLE);
    let written = node;
    if (tainted !== down) {
      const spec = { ...(node.spec ?? {}) };
      const rest = taints.filter((t) => t.key !== UNREACHABLE);
      const next = down ? [...rest, { key: UNREACHABLE, effect: 'NoSchedule', timeAdded: this.clock.iso() }] : rest;
      if (next.length > 0) spec.taints = next; else delete spec.taints;
      written = this.client.update('Node', { ...node, spec } as never) as unknown as NodeObj;
    }
    if (ready?.status !== wantStatus) {
      // What this sync wrote last, not a re-read (its informer may not have it yet).
      const latest = written;
      const conditions = (latest.status?.conditions ?? []).filter((c) => c.type !== 'Ready');
      conditions.push(down
        ? { type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.', lastTransitionTime: this.clock.iso() }
        : { type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastTransitionTime: this.clock.iso() });
      this.client.update('Node', { ...latest, status: { ...(latest.status ?? {}), conditions } } as never, 'status');
      if (down) this.markPodsNotReady(name);
    }
    if (!down) this.register(name);
    if (down) this.evict(name);
    this.evictForNoExecute(name);
    if (down) this.collectTerminating(name);
  }

  /** The taint manager: pods that do not tolerate a NoExecute taint of their node are evicted at once. */
  private evictForNoExecute(name: string): void {
    const node = this.client.get('Node', name) as unknown as NodeObj;
    const taints = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
    if (taints.length === 0) return;
    for (const pod of this.client.listPods().filter((p) => p.spec.nodeName === name && !p.metadata.deletionTimestamp)) {
      const tolerations = (pod.spec['tolerations'] as Toleration[] | undefined) ?? [];
      const untolerated = taints.find((t) => !tolerations.some((x) => (x.operator === 'Exists' && (x.key === undefined || x.key === t.key)) || x.key === t.key) );
      if (!untolerated) continue;
      this.client.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`, 'taint-eviction-controller');
      this.client.delete('Pod', `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`);
    }
  }

  /**
   * The pod garbage collector's non-graceful node shutdown rule: on a node that is not ready and
   * carries the `node.kubernetes.io/out-of-service` taint, terminating pods are force-deleted.
   */
  private collectTerminating(name: string): void {
    const node = this.client.get('Node', name) as unknown as NodeObj;
    if (!(node.spec?.taints ?? []).some((t) => t.key === OUT_OF_SERVICE)) return;
    for (const pod of this.client.listPods().filter((p) => p.spec.nodeName === name && p.metadata.deletionTimestamp)) {
      const key = `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
      const next = withFinalizer(pod, KUBELET_FINALIZER, false);
      this.client.event(pod, 'Normal', 'PodGCForceDelete', `Force deleting pod ${key} on out-of-service node ${name}`, 'pod-garbage-collector');
      this.client.update('Pod', next as never);
    }
  }

  /**
   * The pod garbage collector's gcOrphaned (pkg/controller/podgc/gc_controller.go): the pods bound
   * to a node that no longer exists are marked Failed with the DisruptionTarget condition
   * (DeletionByPodGC, "PodGC: node no longer exists") and force-deleted — no kubelet will ever
   * confirm — so the attach/detach controller detaches their volumes.
   */
  private collectOrphans(name: string): void {
    for (const pod of this.client.listPods().filter((p) => p.spec.nodeName === name)) {
      const key = `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
      const phase = pod.status?.phase;
      if (phase !== 'Succeeded' && phase !== 'Failed') {
        const conditions = ((pod.status?.['conditions'] as Condition[] | undefined) ?? []).filter((c) => c.type !== 'DisruptionTarget');
        conditions.push({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists', lastTransitionTime: this.clock.iso() });
        this.client.update('Pod', { ...pod, status: { ...(pod.status ?? {}), phase: 'Failed', conditions } } as never, 'status');
      }
      const live = this.client.get('Pod', key) as unknown as Pod | undefined;
      if (!live) continue;
      if ((live.metadata.finalizers ?? []).includes(KUBELET_FINALIZER)) this.client.update('Pod', withFinalizer(live, KUBELET_FINALIZER, false) as never);
      if (this.client.get('Pod', key)) this.client.delete('Pod', key);
    }
  }

  /** What a kubelet reports when it registers: addresses and node info, once. */
  private register(name: string): void {
    const node = this.client.get('Node', name) as unknown as NodeObj;
    const status = node.status ?? {};
    const info = (status['nodeInfo'] as Record<string, string> | undefined) ?? {};
    if (status['addresses'] !== undefined && info['osImage'] !== undefined) return;
    const index = nodeIndex(this.client, name);
    const next = {
      ...status,
      addresses: status['addresses'] ?? [{ type: 'InternalIP', address: `192.168.0.${10 + index}` }, { type: 'Hostname', address: name }],
      nodeInfo: {
        kubeletVersion: KUBERNETES_VERSION.gitVersion, kubeProxyVersion: KUBERNETES_VERSION.gitVersion, osImage: 'pvsim simulated node', kernelVersion: '6.1.0-pvsim',
        containerRuntimeVersion: 'containerd://1.7.0-pvsim', operatingSystem: 'linux', architecture: 'amd64', ...info,
      },
    };
    this.client.update('Node', { ...node, status: next } as never, 'status');
  }

  /** MarkPodsNotReady: the pods of a silent node are no longer Ready. */
  private markPodsNotReady(node: string): void {
    for (const pod of this.client.listPods().filter((p) => p.spec.nodeName === node)) {
      const conditions = ((pod.status?.['conditions'] as Condition[] | undefined) ?? []);
      if (!conditions.some((c) => c.type === 'Ready' && c.status === 'True')) continue;
      const next = conditions.map((c) => (c.type === 'Ready' ? { ...c, status: 'False', lastTransitionTime: this.clock.iso() } : c));
      this.client.update('Pod', { ...pod, status: { ...(pod.status ?? {}), conditions: next } } as never, 'status');
    }
  }

  /**
   * The taint manager: evict pods whose toleration of the unreachable node ran out. Checked at
   * every sync and resync (every 15 s while time runs), not by a timer, so that settling after
   * `pvsim node down` shows the moment after, and `pvsim advance 5m` shows the eviction.
   */
  private evict(node: string): void {
    const since = Date.parse((this.client.get('Node', node) as unknown as NodeObj).status?.conditions?.find((c) => c.type === 'Ready')?.lastTransitionTime ?? '');
    if (!Number.isFinite(since)) return;
    for (const pod of this.client.listPods().filter((p) => p.spec.nodeName === node && !p.metadata.deletionTimestamp)) {
      if (since + unreachableToleration(pod) * 1000 > this.clock.now()) continue;
      this.client.event(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`, 'taint-eviction-controller');
      this.client.delete('Pod', `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`);
    }
  }
}
