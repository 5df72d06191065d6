/**
 * Design: what several components read off a Node — whether it is Ready, whether pvsim has
 * taken it down, which taints it carries — and the kubelet's finalizer on pods, in one place
 * so the kubelet, the node lifecycle controller, attach/detach and exec agree and none of them
 * imports another component for a helper.
 */
import type { Node } from './types.ts';

/**
 * The Kubernetes version pvsim's behaviour follows, in one place: nodes report it as their
 * kubelet version, the API endpoint's `/version` and `pvsim version` as the server's.
 */
export const KUBERNETES_VERSION = { major: '1', minor: '34', gitVersion: 'v1.34.0-pvsim' } as const;

/** The kubelet's finalizer on the pods it runs: it unmounts before the pod may go. */
export const KUBELET_FINALIZER = 'pvsim.dev/kubelet';
/** pvsim's mark of a node that is down (`pvsim node down`): its kubelet does nothing. */
export const ANN_NODE_DOWN = 'pvsim.dev/node-down';

interface Condition { type: string; status: string; lastTransitionTime?: string }

/** When the kubelet of a down node last posted its status (set with ANN_NODE_DOWN). */
export const ANN_LAST_HEARTBEAT = 'pvsim.dev/last-heartbeat';

export function isNodeDown(node: { metadata: { annotations?: Record<string, string> } }): boolean {
  return node.metadata.annotations?.[ANN_NODE_DOWN] === 'true';
}

/**
 * The node with its kubelet stopped (`down`, its last heartbeat `now`) or running again: what
 * `pvsim node down|up` and the checker's node action write.
 */
export function withNodeDown<T extends { metadata: { annotations?: Record<string, string> } }>(node: T, down: boolean, now: string): T {
  const annotations = { ...(node.metadata.annotations ?? {}) };
  if (down) {
    annotations[ANN_NODE_DOWN] = 'true';
    annotations[ANN_LAST_HEARTBEAT] = now;
  } else {
    delete annotations[ANN_NODE_DOWN];
    delete annotations[ANN_LAST_HEARTBEAT];
  }
  return { ...node, metadata: { ...node.metadata, annotations } };
}

/** The kubelet's last heartbeat of a down node, in ms (undefined: not recorded). */
export function lastHeartbeatMs(node: { metadata: { annotations?: Record<string, string> } }): number | undefined {
  const t = Date.parse(node.metadata.annotations?.[ANN_LAST_HEARTBEAT] ?? '');
  return Number.isFinite(t) ? t : undefined;
}

export function readyCondition(node: Node): Condition | undefined {
  return ((node.status?.['conditions'] as Condition[] | undefined) ?? []).find((c) => c.type === 'Ready');
}

/** A node without a Ready condition is taken as Ready (its kubelet has not reported otherwise). */
export function isNodeReady(node: Node | undefined): boolean {
  if (!node) return false;
  const ready = readyCondition(node);
  return ready === undefined || ready.status === 'True';
}

/**
 * The node's kubelet answers while the node is Ready and not down. The Ready condition lags (the
 * node lifecycle controller writes it), so it alone would let a dead kubelet act in between.
 */
export function isKubeletAlive(node: Node | undefined): boolean {
  return isNodeReady(node) && !isNodeDown(node!);
}

export function hasTaint(node: Node, key: string): boolean {
  return ((node.spec?.['taints'] as { key: string }[] | undefined) ?? []).some((t) => t.key === key);
}
