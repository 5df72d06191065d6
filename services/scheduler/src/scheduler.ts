/**
 * Design: kube-scheduler reduced to what storage needs (spec §5.6, §10.4), in two halves as the
 * PV controller is: `schedulePod` is a pure decision over a snapshot — pod-level checks (the
 * PreFilter of VolumeRestrictions and VolumeBinding), then per node the filters in a fixed order,
 * the first failing one giving the node's reason, then a score that breaks ties by name — and
 * `PodScheduler` is the wiring: informer handlers, the PreBind writes of WaitForFirstConsumer
 * claims (PV claimRef or `selected-node`), the binding, the PodScheduled condition and the
 * FailedScheduling event. Messages are kube-scheduler's FitError text
 * ("0/2 nodes are available: 1 node(s) …, 1 node(s) ….") so what `kubectl describe` would show on
 * a cluster is what pvsim shows.
 *
 * Simplifications (each documented where it is made): the filters run in the order of the issue 3
 * brief (readiness, selector, inter-pod affinity, volume restrictions, volume binding) rather than
 * kube-scheduler's (its InterPodAffinity runs after VolumeBinding); a node's taints are its
 * `spec.taints` plus the taint the node lifecycle controller derives from the Ready condition;
 * no resources, ports, topology spread, preemption or storage capacity. NodeVolumeLimits reads the
 * drivers' attach limits from CSINode (nodevolumelimits/csi.go) and runs before VolumeBinding.
 *
 * The binding cycle is kube-scheduler's (v1.34, `schedule_one.go` bindingCycle and volumebinding
 * `binder.go` BindPodVolumes/checkBindings): a pod whose claims need PreBind writes is *assumed* on
 * its node in this scheduler's memory — no `nodeName`, no PodScheduled condition, no event — until
 * every claim it touched is fully bound; only then is it bound (Scheduled). A claim whose
 * `selected-node` a provisioner removed, a PV whose claimRef was reset, or a binding that does not
 * finish within the bind timeout fails PreBind: the pod gets FailedScheduling ("running PreBind
 * plugin \"VolumeBinding\": binding volumes: …"), PodScheduled=False/SchedulerError, and is retried
 * after the per-pod backoff (1 s doubling to 10 s), events arriving meanwhile do not cut it short.
 * The poll is event-driven rather than once a second, and the bind timeout is checked when the pod
 * is next synced (on a claim/PV/node event or resync) rather than by a timer of its own.
 */
import {
  ANN_BIND_COMPLETED, KUBERNETES_VERSION, ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE, NOT_SUPPORTED_PROVISIONER, claimRequest, compileClaimSelector, compareQuantities,
  checkNodeAffinity, findMatchingVolume, getClaimClass, getVolumeClass, hasAnnotation, isDelayBindingMode, isVolumeBoundToClaim,
  labelSelectorMatches, nodeSelectorMatches, claimReference, parseQuantity, type LabelSelector, type Node, type NodeSelector, type PersistentVolume,
  type PersistentVolumeClaim, type Pod, type StorageClass,
} from '@pvsim/domain';
import type { AnyObject, Client, SimClock, WatchEvent } from '@pvsim/runtime';
import { StateVersion, TrackedMap, podKey, type Controller, type WorkQueue } from '@pvsim/component';

export const SCHEDULER_QUEUE = 'scheduler';
export const DEFAULT_SCHEDULER_NAME = 'default-scheduler';
const LABEL_HOSTNAME = 'kubernetes.io/hostname';
const LABEL_ZONE = 'topology.kubernetes.io/zone';
const LABEL_OS = 'kubernetes.io/os';
const DEFAULT_NODE_KUBELET_VERSION = KUBERNETES_VERSION.gitVersion;
const DEFAULT_NODE_RESOURCES = { cpu: '4', memory: '16Gi', pods: '110' };
/** The nodes of the issue 3 contract, created when a pod needs scheduling and no node exists. */
export const DEFAULT_NODES: readonly { name: string; zone: string }[] = [
  { name: 'node-a', zone: 'zone-a' },
  { name: 'node-b', zone: 'zone-b' },
];

const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

/** kube-scheduler's reason texts (plugin ErrReason… constants and FitError). */
export const SchedulingReason = {
  nodeUnschedulable: 'node(s) were unschedulable',
  untoleratedTaint: (key: string, value: string) => `node(s) had untolerated taint {${key}: ${value}}`,
  nodeSelectorMismatch: "node(s) didn't match Pod's node affinity/selector",
  podAffinityMismatch: "node(s) didn't match pod affinity rules",
  podAntiAffinityMismatch: "node(s) didn't match pod anti-affinity rules",
  existingPodsAntiAffinityMismatch: "node(s) didn't satisfy existing pods anti-affinity rules",
  readWriteOncePodConflict: 'node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode',
  volumeNodeAffinityConflict: 'node(s) had volume node affinity conflict',
  volumeBindConflict: "node(s) didn't find available persistent volumes to bind",
  volumeNotExist: 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)',
  unboundImmediateClaims: 'pod has unbound immediate PersistentVolumeClaims',
  claimNotFound: (name: string) => `persistentvolumeclaim "${name}" not found`,
  claimBeingDeleted: (name: string) => `persistentvolumeclaim "${name}" is being deleted`,
  ephemeralClaimMissing: (name: string) => `waiting for ephemeral volume controller to create the persistentvolumeclaim "${name}"`,
  noNodes: 'no nodes available to schedule pods',
  maxVolumeCountExceeded: 'node(s) exceed max volume count',
  volumeZoneConflict: 'node(s) had no available volume zone',
  insufficient: (resource: string) => `Insufficient ${resource}`,
  tooManyPods: 'Too many pods',
} as const;

/**
 * The reasons whose Filter status is Unschedulable (preemption could help) rather than
 * UnschedulableAndUnresolvable: NodeResourcesFit, VolumeRestrictions (ReadWriteOncePod),
 * NodeVolumeLimits and the anti-affinity rules. Everything else makes preemption "not helpful".
 */
const RESOLVABLE_REASONS: ReadonlySet<string> = new Set([
  SchedulingReason.readWriteOncePodConflict, SchedulingReason.maxVolumeCountExceeded, SchedulingReason.podAntiAffinityMismatch,
  SchedulingReason.existingPodsAntiAffinityMismatch, SchedulingReason.tooManyPods, SchedulingReason.insufficient('cpu'), SchedulingReason.insufficient('memory'),
]);
const PREEMPTION_NOT_HELPFUL = 'Preemption is not helpful for scheduling';
/** DefaultPreemption finds no victims: pvsim's pods all have the same priority. */
const NO_PREEMPTION_VICTIMS = 'No preemption victims found for incoming pod';

// ------------------------------------------------------------------------------ pod fields

interface Toleration { key?: string; operator?: 'Exists' | 'Equal' | string; value?: string; effect?: string }
interface Taint { key: string; value?: string; effect: string }
interface PodAffinityTerm {
  labelSelector?: LabelSelector | null;
  namespaces?: string[];
  namespaceSelector?: LabelSelector | null;
  topologyKey: string;
}
interface SchedulingFields {
  nodeName?: string;
  schedulerName?: string;
  nodeSelector?: Record<string, string>;
  tolerations?: Toleration[];
  affinity?: {
    nodeAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: NodeSelector };
    podAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[] };
    podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: PodAffinityTerm[] };
  };
}

interface PodCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason?: string;
  message?: string;
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
}

const fields = (pod: Pod): SchedulingFields => pod.spec as SchedulingFields;
const podNamespace = (pod: Pod): string => pod.metadata.namespace ?? 'default';

function isPodTerminated(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** A pod this scheduler still has to place: no node, not deleting, not finished, ours. */
export function isPodPendingScheduling(pod: Pod): boolean {
  const f = fields(pod);
  return !f.nodeName && !pod.metadata.deletionTimestamp && !isPodTerminated(pod)
    && (f.schedulerName ?? DEFAULT_SCHEDULER_NAME) === DEFAULT_SCHEDULER_NAME;
}

function podConditions(pod: Pod): PodCondition[] {
  return (pod.status?.['conditions'] as PodCondition[] | undefined) ?? [];
}

/** The claim a pod volume stands for (a generic ephemeral volume's claim is `<pod>-<volume>`). */
function podClaimNames(pod: Pod): { name: string; ephemeral: boolean }[] {
  const out: { name: string; ephemeral: boolean }[] = [];
  for (const v of pod.spec.volumes ?? []) {
    if (v.persistentVolumeClaim) out.push({ name: v.persistentVolumeClaim.claimName, ephemeral: false });
    else if (v.ephemeral !== undefined) out.push({ name: `${pod.metadata.name}-${v.name}`, ephemeral: true });
  }
  return out;
}

// ------------------------------------------------------------------------------ node filters

function nodeConditionStatus(node: Node, type: string): string | undefined {
  const conditions = (node.status?.['conditions'] as { type: string; status: string }[] | undefined) ?? [];
  return conditions.find((c) => c.type === type)?.status;
}

/**
 * The node's NoSchedule/NoExecute taints: its own, then the one the node lifecycle controller
 * derives from the Ready condition (TaintNodesByCondition) when the node does not carry it yet —
 * Ready=False is `not-ready`, Unknown or no condition at all is `unreachable`.
 */
export function nodeSchedulingTaints(node: Node): Taint[] {
  const own = ((node.spec?.['taints'] as Taint[] | undefined) ?? []).filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute');
  const ready = nodeConditionStatus(node, 'Ready');
  if (ready === 'True') return own;
  const key = ready === 'False' ? TAINT_NOT_READY : TAINT_UNREACHABLE;
  return own.some((t) => t.key === key) ? own : [...own, { key, effect: 'NoSchedule' }];
}

/** v1.Toleration.ToleratesTaint. */
function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  switch (t.operator ?? 'Equal') {
    case 'Exists': return true;
    case 'Equal': return (t.value ?? '') === (taint.value ?? '');
    default: return false;
  }
}

/**
 * Per node object, what the filters read of it that takes work to derive (its scheduling taints,
 * its labels): a scheduling cycle looks at hundreds of nodes, and an object in the informer
 * cache is never changed in place (an update is a new object), so it is derived once per object.
 */
const taintsByNode = new WeakMap<Node, Taint[]>();
function schedulingTaintsOf(node: Node): Taint[] {
  let taints = taintsByNode.get(node);
  if (!taints) taintsByNode.set(node, (taints = nodeSchedulingTaints(node)));
  return taints;
}

const readinessByNode = new WeakMap<Node, string | null>();
function filterNodeReadiness(pod: Pod, node: Node): string | undefined {
  const tolerations = fields(pod).tolerations ?? [];
  // Without tolerations the verdict is the node's alone.
  if (tolerations.length === 0) {
    let verdict = readinessByNode.get(node);
    if (verdict === undefined) readinessByNode.set(node, (verdict = readinessOf(pod, node, tolerations) ?? null));
    return verdict ?? undefined;
  }
  return readinessOf(pod, node, tolerations);
}

function readinessOf(pod: Pod, node: Node, tolerations: readonly Toleration[]): string | undefined {
  // NodeUnschedulable runs before TaintToleration in kube-scheduler.
  if (node.spec?.['unschedulable'] === true && !tolerations.some((t) => tolerates(t, { key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' }))) {
    return SchedulingReason.nodeUnschedulable;
  }
  const taints = schedulingTaintsOf(node);
  if (taints.length === 0) return undefined;
  const taint = taints.find((tn) => !tolerations.some((t) => tolerates(t, tn)));
  return taint ? SchedulingReason.untoleratedTaint(taint.key, taint.value ?? '') : undefined;
}

function filterNodeSelector(pod: Pod, node: Node): string | undefined {
  const labels = node.metadata.labels ?? {};
  const f = fields(pod);
  const selectorOk = Object.entries(f.nodeSelector ?? {}).every(([k, v]) => labels[k] === v);
  const required = f.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  const affinityOk = required === undefined || nodeSelectorMatches(required, labels, node.metadata.name);
  return selectorOk && affinityOk ? undefined : SchedulingReason.nodeSelectorMismatch;
}

/** Whether `other` is selected by a term of `owner` (namespaces default to the owner's own). */
function termSelects(term: PodAffinityTerm, owner: Pod, other: Pod): boolean {
  const ns = podNamespace(other);
  // Namespace objects are not simulated: an empty namespaceSelector ({}) means every namespace,
  // a non-empty one selects none beyond the listed namespaces.
  const allNamespaces = term.namespaceSelector != null && Object.keys(term.namespaceSelector).length === 0;
  const namespaces = term.namespaces ?? [];
  const nsOk = allNamespaces || (namespaces.length === 0 && term.namespaceSelector == null ? ns === podNamespace(owner) : namespaces.includes(ns));
  return nsOk && labelSelectorMatches(term.labelSelector, other.metadata.labels);
}

/** Both nodes carry the topology key with the same value (same domain). */
function sameDomain(a: Node | undefined, b: Node, key: string): boolean {
  const va = a?.metadata.labels?.[key];
  const vb = b.metadata.labels?.[key];
  return va !== undefined && vb !== undefined && va === vb;
}

/**
 * `assigned`: every assigned pod (read only when the pod has affinity terms of its own);
 * `antiAffine`: the assigned pods with required anti-affinity terms (kube-scheduler's
 * HavePodsWithRequiredAntiAffinityList), so a pod without terms costs nothing per node.
 */
function filterInterPodAffinity(pod: Pod, node: Node, nodes: () => ReadonlyMap<string, Node>, assigned: () => readonly Pod[], antiAffine: readonly Pod[]): string | undefined {
  const nodeOf = (p: Pod) => nodes().get(fields(p).nodeName ?? '');
  const aff = fields(pod).affinity;
  // Required pod affinity: every term must find a matching pod in the node's domain; a pod that
  // would match its own terms may go first when no pod matches anywhere (kube-scheduler's rule).
  const affinityTerms = aff?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
  if (affinityTerms.length > 0) {
    const satisfied = affinityTerms.every((t) => assigned().some((p) => termSelects(t, pod, p) && sameDomain(nodeOf(p), node, t.topologyKey)));
    if (!satisfied) {
      const noneAnywhere = affinityTerms.every((t) => !assigned().some((p) => termSelects(t, pod, p)));
      const selfMatch = affinityTerms.every((t) => termSelects(t, pod, pod) && node.metadata.labels?.[t.topologyKey] !== undefined);
      if (!(noneAnywhere && selfMatch)) return SchedulingReason.podAffinityMismatch;
    }
  }
  for (const t of aff?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
    if (assigned().some((p) => termSelects(t, pod, p) && sameDomain(nodeOf(p), node, t.topologyKey))) return SchedulingReason.podAntiAffinityMismatch;
  }
  for (const p of antiAffine) {
    for (const t of fields(p).affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []) {
      if (termSelects(t, p, pod) && sameDomain(nodeOf(p), node, t.topologyKey)) return SchedulingReason.existingPodsAntiAffinityMismatch;
    }
  }
  return undefined;
}

/** AllowedTopologies (MatchTopologySelectorTerms): no terms match every node; terms are ORed. */
function matchesAllowedTopologies(cls: StorageClass, labels: Record<string, string>): boolean {
  const terms = (cls.allowedTopologies ?? []) as { matchLabelExpressions?: { key: string; values?: string[] }[] }[];
  if (terms.length === 0) return true;
  return terms.some((term) => (term.matchLabelExpressions ?? []).every((e) => labels[e.key] !== undefined && (e.values ?? []).includes(labels[e.key]!)));
}

// ------------------------------------------------------------------------------ decision

/** What the scheduler reads: nodes, pods and storage objects at one instant. */
export interface SchedulingSnapshot {
  nodes: readonly Node[];
  pods: readonly Pod[];
  getClaim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  getVolume(name: string): PersistentVolume | undefined;
  listVolumes(): PersistentVolume[];
  getClass(name: string): StorageClass | undefined;
  vacEnabled: boolean;
  /** The node's CSINode (storage.k8s.io/v1), where kubelets publish each driver's attach limit. */
  getCsiNode?(name: string): CsiNodeObject | undefined;
  /**
   * The pods on a node (assumed ones included), when the reader keeps them indexed (NodeInfo);
   * without it schedulePod groups `pods` itself. With it, `pods` is read only for a pod with
   * affinity or ReadWriteOncePod terms, so scheduling costs O(nodes), not O(nodes × pods).
   */
  podsOnNode?(node: string): readonly Pod[];
  /** The pods with required anti-affinity terms (kube-scheduler's HavePodsWithRequiredAntiAffinityList), with `podsOnNode`. */
  podsWithRequiredAntiAffinity?(): readonly Pod[];
  /**
   * The nodes' names in name order and a node by name, when the reader keeps them (an informer
   * cache's sorted keys): a scheduling cycle then reads only the nodes it looks at, not `nodes`
   * (every node, copied and sorted once per pod).
   */
  nodeNames?(): readonly string[];
  getNode?(name: string): Node | undefined;
  /**
   * The node's summary (NodeInfo), when the reader keeps one up to date: what `podsOnNode` gives
   * for the node, already derived. Undefined for a node it cannot answer for (one with assumed pods).
   */
  nodeSummary?(node: string): NodeSummary | undefined;
}

/** The fields of a CSINode the NodeVolumeLimits filter reads. */
export interface CsiNodeObject {
  metadata: { name: string };
  spec?: { drivers?: { name: string; allocatable?: { count?: number } | null }[] | null };
}

interface PodClaims {
  bound: PersistentVolumeClaim[];
  delayed: PersistentVolumeClaim[];
  all: PersistentVolumeClaim[];
}

/** The PreBind work for the chosen node: PVs to reserve and claims to provision there. */
export interface PodVolumeBindings {
  /** Static bindings: PV name -> claim (FindMatchingVolume on the node). */
  volumes: { volume: string; claim: { namespace: string; name: string } }[];
  /** Claims to annotate with `volume.kubernetes.io/selected-node`. */
  provisions: { namespace: string; name: string }[];
}

export type SchedulingDecision =
  | { kind: 'Bind'; node: string; bindings: PodVolumeBindings }
  | { kind: 'Unschedulable'; message: string };

/** FitError.Error(): "0/N nodes are available: <pre-filter message | sorted histogram>." */
/**
 * FitError.Error() (pkg/scheduler/framework/types.go) with DefaultPreemption's PostFilter message
 * after it (`preemption: 0/N nodes are available: …`, defaultpreemption's
 * nodesWherePreemptionMightHelp): a node whose rejection preemption cannot resolve counts as "not
 * helpful", one that only lacked room as "no victims", as no pod has a lower priority to evict.
 */
export function fitErrorMessage(nodeCount: number, reasons: { preFilter?: string; perNode?: readonly (readonly string[])[] }): string {
  const head = `0/${nodeCount} nodes are available:`;
  const counted = (lists: readonly (readonly string[])[]): string => {
    const counts = new Map<string, number>();
    for (const list of lists) for (const r of list) counts.set(r, (counts.get(r) ?? 0) + 1);
    return [...counts].map(([r, n]) => `${n} ${r}`).sort().join(', ');
  };
  const tail = (perNode: readonly (readonly string[])[]) =>
    ` preemption: ${head} ${counted(perNode.map((list) => [list.every((r) => RESOLVABLE_REASONS.has(r)) ? NO_PREEMPTION_VICTIMS : PREEMPTION_NOT_HELPFUL]))}.`;
  if (reasons.preFilter !== undefined) return `${head} ${reasons.preFilter}.${tail(Array.from({ length: nodeCount }, () => [reasons.preFilter!]))}`;
  const perNode = reasons.perNode ?? [];
  const parts = counted(perNode);
  return `${head}${parts ? ` ${parts}.` : ''}${perNode.length > 0 ? tail(perNode) : ''}`;
}

// ------------------------------------------------------------------------------ resources, volume zone, scores

const milli = (text: string | undefined): bigint => {
  if (text === undefined) return 0n;
  try { const q = parseQuantity(String(text)); return (q.num * 1000n + q.den - 1n) / q.den; } catch { return 0n; }
};

interface Resources { cpuMilli: bigint; memoryMilli: bigint }

/**
 * computePodResourceRequest (noderesources/fit.go): the containers' requests added up, or the
 * largest init container's when that is larger, plus the pod overhead. Memory is kept in
 * thousandths of a byte so one parser serves both.
 */
function podRequests(pod: Pod): Resources {
  const spec = pod.spec as { containers?: { resources?: { requests?: Record<string, string> } }[]; initContainers?: { resources?: { requests?: Record<string, string> } }[]; overhead?: Record<string, string> };
  const sum: Resources = { cpuMilli: 0n, memoryMilli: 0n };
  for (const c of spec.containers ?? []) { sum.cpuMilli += milli(c.resources?.requests?.['cpu']); sum.memoryMilli += milli(c.resources?.requests?.['memory']); }
  for (const c of spec.initContainers ?? []) {
    const cpu = milli(c.resources?.requests?.['cpu']); const mem = milli(c.resources?.requests?.['memory']);
    if (cpu > sum.cpuMilli) sum.cpuMilli = cpu;
    if (mem > sum.memoryMilli) sum.memoryMilli = mem;
  }
  sum.cpuMilli += milli(spec.overhead?.['cpu']);
  sum.memoryMilli += milli(spec.overhead?.['memory']);
  return sum;
}

/**
 * NodeResourcesFit's Filter (fitsRequest): pods, cpu and memory against the node's
 * status.allocatable, every shortfall a reason. A resource the node does not report is not
 * checked (pvsim's Node manifests may carry no status; Kubernetes would count it as 0).
 */
function filterResources(want: Resources, node: Node, onNode: readonly Pod[]): string[] {
  return filterResourcesOf(want, node, onNode.length, () => requestsOf(onNode));
}

/** The pods' requests added up. */
function requestsOf(pods: readonly Pod[]): Resources {
  return pods.map(podRequests).reduce((a, b) => ({ cpuMilli: a.cpuMilli + b.cpuMilli, memoryMilli: a.memoryMilli + b.memoryMilli }), { cpuMilli: 0n, memoryMilli: 0n });
}

const NO_REASONS: string[] = Object.freeze([]) as unknown as string[];

/** filterResources from the node's pod count and (read only when the pod requests something) their requests. */
function filterResourcesOf(want: Resources, node: Node, podCount: number, requested: () => Resources): string[] {
  const allocatable = ((node.status as { allocatable?: Record<string, string> } | undefined)?.allocatable) ?? {};
  const tooMany = allocatable['pods'] !== undefined && podCount + 1 > Number(allocatable['pods']);
  // A pod that requests nothing: one shared empty answer where the node has room (no allocation per node).
  if (want.cpuMilli === 0n && want.memoryMilli === 0n) return tooMany ? [SchedulingReason.tooManyPods] : NO_REASONS;
  const reasons: string[] = tooMany ? [SchedulingReason.tooManyPods] : [];
  const used = requested();
  if (allocatable['cpu'] !== undefined && want.cpuMilli > 0n && used.cpuMilli + want.cpuMilli > milli(allocatable['cpu'])) reasons.push(SchedulingReason.insufficient('cpu'));
  if (allocatable['memory'] !== undefined && want.memoryMilli > 0n && used.memoryMilli + want.memoryMilli > milli(allocatable['memory'])) reasons.push(SchedulingReason.insufficient('memory'));
  return reasons;
}

const ZONE_KEYS = [LABEL_ZONE, 'failure-domain.beta.kubernetes.io/zone', 'topology.kubernetes.io/region', 'failure-domain.beta.kubernetes.io/region'];

/**
 * VolumeZone's Filter (volumezone/volume_zone.go): a bound PV labelled with a zone or region
 * (several zones joined by `__`) fits only nodes carrying one of those values.
 */
function filterVolumeZone(claims: PodClaims, node: Node, snap: SchedulingSnapshot): string | undefined {
  const labels = node.metadata.labels ?? {};
  for (const claim of claims.bound) {
    const pv = snap.getVolume(claim.spec.volumeName ?? '');
    for (const key of ZONE_KEYS) {
      const value = pv?.metadata.labels?.[key];
      if (value === undefined) continue;
      const node = labels[key];
      if (node === undefined || !value.split('__').includes(node)) return SchedulingReason.volumeZoneConflict;
    }
  }
  return undefined;
}

interface PreferredTerms {
  nodeAffinity?: { preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; preference: NodeSelector['nodeSelectorTerms'][number] }[] };
  podAffinity?: { preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; podAffinityTerm: PodAffinityTerm }[] };
  podAntiAffinity?: { preferredDuringSchedulingIgnoredDuringExecution?: { weight: number; podAffinityTerm: PodAffinityTerm }[] };
}

/**
 * The scores that tell feasible nodes apart (framework runtime RunScorePlugins): NodeAffinity
 * (the weights of the preferred terms a node matches, normalised to 0–100) and InterPodAffinity
 * (preferred affinity adds, anti-affinity subtracts, per matching pod in the node's domain,
 * min–max normalised), each with weight 2 in the default profile.
 */
function preferenceScores(pod: Pod, nodes: readonly Node[], byName: () => ReadonlyMap<string, Node>, assigned: () => readonly Pod[]): number[] {
  const aff = (pod.spec as { affinity?: PreferredTerms }).affinity ?? {};
  const nodeTerms = aff.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  const raw = nodes.map((n) => nodeTerms.reduce((sum, t) => sum + (nodeSelectorMatches({ nodeSelectorTerms: [t.preference] }, n.metadata.labels ?? {}, n.metadata.name) ? t.weight : 0), 0));
  const maxNode = Math.max(0, ...raw);
  const nodeScore = raw.map((r) => (maxNode > 0 ? Math.floor((r * 100) / maxNode) : 0));
  const weighted = [
    ...(aff.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => ({ ...t, sign: 1 })),
    ...(aff.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).map((t) => ({ ...t, sign: -1 })),
  ];
  // The assigned pods are listed only for a pod with preferred (anti-)affinity terms.
  const podRaw = nodes.map((n) => weighted.length === 0 ? 0 : weighted.reduce((sum, t) => sum + t.sign * t.weight
    * assigned().filter((p) => termSelects(t.podAffinityTerm, pod, p) && sameDomain(byName().get(fields(p).nodeName ?? ''), n, t.podAffinityTerm.topologyKey)).length, 0));
  const [lo, hi] = [Math.min(...podRaw), Math.max(...podRaw)];
  const podScore = podRaw.map((r) => (hi > lo ? Math.floor(((r - lo) * 100) / (hi - lo)) : 0));
  return nodes.map((_, i) => 2 * nodeScore[i]! + 2 * podScore[i]!);
}

/** Whether the pod has a term preferenceScores weighs (otherwise it scores every node 0). */
function hasPreferenceTerms(pod: Pod): boolean {
  const aff = (pod.spec as { affinity?: PreferredTerms }).affinity;
  return (aff?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).length > 0
    || (aff?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).length > 0
    || (aff?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? []).length > 0;
}

type PreFilterResult = { ok: true; claims: PodClaims } | { ok: false; message: string };

/** VolumeRestrictions and VolumeBinding PreFilter: every claim exists, is live, is classified. */
function preFilterVolumes(pod: Pod, snap: SchedulingSnapshot): PreFilterResult {
  const claims: PodClaims = { bound: [], delayed: [], all: [] };
  let unboundImmediate = false;
  for (const { name, ephemeral } of podClaimNames(pod)) {
    const claim = snap.getClaim(podNamespace(pod), name);
    if (!claim) return { ok: false, message: ephemeral ? SchedulingReason.ephemeralClaimMissing(name) : SchedulingReason.claimNotFound(name) };
    if (claim.metadata.deletionTimestamp) return { ok: false, message: SchedulingReason.claimBeingDeleted(name) };
    claims.all.push(claim);
    // isPVCFullyBound: volumeName set and bind-completed.
    if (claim.spec.volumeName && hasAnnotation(claim.metadata, ANN_BIND_COMPLETED)) { claims.bound.push(claim); continue; }
    let delay: boolean;
    try {
      delay = isDelayBindingMode(claim, (n) => snap.getClass(n));
    } catch (e) {
      return { ok: false, message: (e as Error).message };
    }
    // A claim pre-bound by volumeName counts as an unbound immediate claim (binder.go).
    if (delay && !claim.spec.volumeName) claims.delayed.push(claim);
    else unboundImmediate = true;
  }
  if (unboundImmediate) return { ok: false, message: SchedulingReason.unboundImmediateClaims };
  return { ok: true, claims };
}

/** VolumeRestrictions' ReadWriteOncePod check: another assigned pod uses one of our RWOP claims. */
function readWriteOncePodConflict(pod: Pod, claims: PodClaims, assigned: () => readonly Pod[]): boolean {
  const rwop = claims.all.filter((c) => (c.spec.accessModes ?? []).includes('ReadWriteOncePod')).map((c) => c.metadata.name);
  if (rwop.length === 0) return false;
  return assigned().some((p) => podNamespace(p) === podNamespace(pod) && p.metadata.uid !== pod.metadata.uid
    && podClaimNames(p).some((c) => rwop.includes(c.name)));
}

/**
 * checkNodeAffinity(pv, node's labels, node's name), remembered per node object for the last few
 * distinct required affinities: a cycle checks one bound PV against hundreds of nodes, and the
 * PVs of a class in a zone share one affinity, so the next pod's PV finds the answers there.
 */
const AFFINITIES_REMEMBERED = 8;
const affinityIds = new WeakMap<PersistentVolume, string>();
const affinityFits = new Map<string, WeakMap<Node, boolean>>();
function fitsNodeAffinity(pv: PersistentVolume, node: Node): boolean {
  const required = pv.spec.nodeAffinity?.required;
  if (!required) return true;
  let id = affinityIds.get(pv);
  if (id === undefined) affinityIds.set(pv, (id = JSON.stringify(required)));
  let fits = affinityFits.get(id);
  if (!fits) {
    if (affinityFits.size >= AFFINITIES_REMEMBERED) affinityFits.delete(affinityFits.keys().next().value!);
    affinityFits.set(id, (fits = new WeakMap()));
  }
  let ok = fits.get(node);
  if (ok === undefined) fits.set(node, (ok = checkNodeAffinity(pv, node.metadata.labels ?? {}, node.metadata.name)));
  return ok;
}

/** FindPodVolumes' answer for a node where every claim is bound and fits: one shared, frozen object (no allocation per node). */
const NOTHING_TO_BIND: { reasons: string[]; bindings: PodVolumeBindings } = Object.freeze({
  reasons: Object.freeze([]) as unknown as string[],
  bindings: Object.freeze({ volumes: Object.freeze([]) as unknown as PodVolumeBindings['volumes'], provisions: Object.freeze([]) as unknown as PodVolumeBindings['provisions'] }),
});

/** FindPodVolumes for one node: reasons when it does not fit, else the PreBind work. */
function findPodVolumes(claims: PodClaims, node: Node, snap: SchedulingSnapshot, candidatesOf: (claim: PersistentVolumeClaim) => readonly PersistentVolume[], boundVolumes?: readonly (PersistentVolume | undefined)[]): { reasons: string[]; bindings: PodVolumeBindings } {
  let boundOk = true;
  let pvsFound = true;
  for (let i = 0; i < claims.bound.length; i++) {
    // The bound claims' PVs, read once per cycle by the caller (the cache does not change during one).
    const pv = boundVolumes ? boundVolumes[i] : snap.getVolume(claims.bound[i]!.spec.volumeName!);
    if (!pv) { pvsFound = false; break; }
    if (!fitsNodeAffinity(pv, node)) { boundOk = false; break; }
  }
  // Allocated only past the common case below (this runs for every node a cycle looks at).
  const reasons: string[] = [];
  const bindings: PodVolumeBindings = { volumes: [], provisions: [] };
  if (claims.delayed.length === 0) {
    // Nothing to match or provision (the common case once claims are bound): the bound claims' verdicts alone.
    if (boundOk && pvsFound) return NOTHING_TO_BIND;
    if (!boundOk) reasons.push(SchedulingReason.volumeNodeAffinityConflict);
    if (!pvsFound) reasons.push(SchedulingReason.volumeNotExist);
    return { reasons, bindings };
  }
  let unboundOk = true;
  const toProvision: PersistentVolumeClaim[] = [];
  const toMatch: PersistentVolumeClaim[] = [];
  for (const claim of claims.delayed) {
    const selected = claim.metadata.annotations?.[ANN_SELECTED_NODE];
    if (selected === undefined) toMatch.push(claim);
    else if (selected === node.metadata.name) toProvision.push(claim);
    else unboundOk = false;
  }
  if (unboundOk) {
    // findMatchingVolumes: smallest request first, each PV chosen once.
    const sorted = toMatch.map((c, i) => ({ c, i })).sort((a, b) => compareQuantities(claimRequest(a.c), claimRequest(b.c)) || a.i - b.i).map((x) => x.c);
    const chosen = new Set<string>();
    for (const claim of sorted) {
      const pv = findMatchingVolume(claim, candidatesOf(claim), {
        node, excludedVolumes: chosen, delayBinding: true, vacEnabled: snap.vacEnabled,
        selectorMatches: compileClaimSelector(claim.spec.selector),
      });
      if (pv) {
        chosen.add(pv.metadata.name);
        bindings.volumes.push({ volume: pv.metadata.name, claim: { namespace: claim.metadata.namespace ?? 'default', name: claim.metadata.name } });
      } else toProvision.push(claim);
    }
    // checkVolumeProvisions: a provisioner that can serve this node.
    for (const claim of toProvision) {
      const cls = snap.getClass(getClaimClass(claim));
      if (!cls || cls.provisioner === '' || cls.provisioner === NOT_SUPPORTED_PROVISIONER || !matchesAllowedTopologies(cls, node.metadata.labels ?? {})) {
        unboundOk = false;
        break;
      }
      bindings.provisions.push({ namespace: claim.metadata.namespace ?? 'default', name: claim.metadata.name });
    }
  }
  if (!boundOk) reasons.push(SchedulingReason.volumeNodeAffinityConflict);
  if (!unboundOk) reasons.push(SchedulingReason.volumeBindConflict);
  if (!pvsFound) reasons.push(SchedulingReason.volumeNotExist);
  return { reasons, bindings };
}

/**
 * filterAttachableVolumes (nodevolumelimits csi.go): unique name (driver/handle) -> driver of the
 * CSI volumes a pod's claims stand for; an unbound claim counts as a volume of its class's
 * provisioner, named after the claim.
 */
function attachableVolumes(pod: Pod, snap: SchedulingSnapshot, into: Map<string, string>): void {
  const ns = podNamespace(pod);
  for (const v of pod.spec.volumes ?? []) {
    // podClaimNames, without building its list (this runs for every pod on every node looked at).
    const name = v.persistentVolumeClaim ? v.persistentVolumeClaim.claimName : v.ephemeral !== undefined ? `${pod.metadata.name}-${v.name}` : undefined;
    if (name === undefined) continue;
    const claim = snap.getClaim(ns, name);
    if (!claim) continue;
    const pv = claim.spec.volumeName ? snap.getVolume(claim.spec.volumeName) : undefined;
    if (pv) {
      const csi = pv.spec.csi as { driver?: string; volumeHandle?: string } | undefined;
      if (csi?.driver && csi.volumeHandle) into.set(`${csi.driver}/${csi.volumeHandle}`, csi.driver);
      continue;
    }
    const className = getClaimClass(claim);
    const cls = className ? snap.getClass(className) : undefined;
    if (cls?.provisioner) into.set(`${cls.provisioner}/claim:${ns}/${name}`, cls.provisioner);
  }
}

/**
 * attachableVolumes of a pod on a node, remembered per pod object with the claims, PVs and classes
 * it was read from: while they are the same objects, the answer is (the pods on the nodes a cycle
 * looks at are read again by every cycle).
 */
interface Attachable { reads: (object | undefined)[]; volumes: [unique: string, driver: string][] }
const attachableByPod = new WeakMap<Pod, Attachable>();
function attachableOf(pod: Pod, snap: SchedulingSnapshot): readonly [string, string][] {
  const cached = attachableByPod.get(pod);
  // The same reads attachableVolumes makes, compared with the remembered ones as they are made
  // (no closure here: this runs for every pod on every node a cycle looks at).
  const reads: (object | undefined)[] = [];
  let same = cached !== undefined;
  const ns = podNamespace(pod);
  for (const v of pod.spec.volumes ?? []) {
    const name = v.persistentVolumeClaim ? v.persistentVolumeClaim.claimName : v.ephemeral !== undefined ? `${pod.metadata.name}-${v.name}` : undefined;
    if (name === undefined) continue;
    const claim = snap.getClaim(ns, name);
    if (same && cached!.reads[reads.length] !== claim) same = false;
    reads.push(claim);
    if (!claim) continue;
    const pv = claim.spec.volumeName ? snap.getVolume(claim.spec.volumeName) : undefined;
    if (same && cached!.reads[reads.length] !== pv) same = false;
    reads.push(pv);
    if (pv) continue;
    const className = getClaimClass(claim);
    const cls = className ? snap.getClass(className) : undefined;
    if (same && cached!.reads[reads.length] !== cls) same = false;
    reads.push(cls);
  }
  if (same && cached!.reads.length === reads.length) return cached!.volumes;
  const into = new Map<string, string>();
  attachableVolumes(pod, snap, into);
  const volumes = [...into];
  attachableByPod.set(pod, { reads, volumes });
  return volumes;
}

const NO_LIMITS: ReadonlyMap<string, number> = new Map();
/** A CSINode's attach limits by driver (per object, as the node's taints). */
const limitsByCsiNode = new WeakMap<CsiNodeObject, ReadonlyMap<string, number>>();
function limitsOf(csiNode: CsiNodeObject): ReadonlyMap<string, number> {
  let limits = limitsByCsiNode.get(csiNode);
  if (!limits) {
    const m = new Map<string, number>();
    for (const d of csiNode.spec?.drivers ?? []) if (typeof d.allocatable?.count === 'number') m.set(d.name, d.allocatable.count);
    limitsByCsiNode.set(csiNode, (limits = m));
  }
  return limits;
}

/**
 * NodeVolumeLimits (csi.go Filter): the volumes this pod adds to a node, per driver, on top of
 * those its pods already use (a volume shared with one of them is not counted twice), must stay
 * within the driver's `allocatable.count` in the node's CSINode; a driver without one has no limit.
 */
function filterVolumeLimits(podVolumes: ReadonlyMap<string, string>, node: Node, onNode: readonly Pod[], snap: SchedulingSnapshot): string | undefined {
  const limits = limitsThatApply(podVolumes, node, snap);
  if (!limits) return undefined;
  const attached = new Map<string, string>();
  for (const p of onNode) for (const [unique, driver] of attachableOf(p, snap)) attached.set(unique, driver);
  return volumeLimitExceeded(podVolumes, limits, attached, (driver) => {
    let count = 0;
    for (const d of attached.values()) if (d === driver) count++;
    return count;
  });
}

/** Per driver with a limit: the pod's volumes not already attached here, on top of those attached (`attachedOf(driver)`). */
function volumeLimitExceeded(podVolumes: ReadonlyMap<string, string>, limits: ReadonlyMap<string, number>, attached: ReadonlyMap<string, string>, attachedOf: (driver: string) => number): string | undefined {
  for (const [unique, driver] of podVolumes) {
    const limit = limits.get(driver);
    if (limit === undefined || attached.has(unique)) continue;
    let added = 0;
    for (const [u, d] of podVolumes) if (d === driver && !attached.has(u)) added++;
    if (attachedOf(driver) + added > limit) return SchedulingReason.maxVolumeCountExceeded;
  }
  return undefined;
}

/**
 * The node's CSINode limits, when one of them can fail this pod: only a driver of the pod's volumes
 * with a limit here can, so otherwise (undefined) the node's own volumes need not be read.
 */
function limitsThatApply(podVolumes: ReadonlyMap<string, string>, node: Node, snap: SchedulingSnapshot): ReadonlyMap<string, number> | undefined {
  if (podVolumes.size === 0) return undefined;
  const csiNode = snap.getCsiNode?.(node.metadata.name);
  const limits = csiNode ? limitsOf(csiNode) : NO_LIMITS;
  if (limits.size === 0) return undefined;
  for (const driver of podVolumes.values()) if (limits.has(driver)) return limits;
  return undefined;
}

/** filterVolumeLimits over a node's summary: the same answer without reading its pods' claims and PVs. */
function filterVolumeLimitsOf(podVolumes: ReadonlyMap<string, string>, node: Node, summary: NodeSummary, snap: SchedulingSnapshot): string | undefined {
  const limits = limitsThatApply(podVolumes, node, snap);
  if (!limits) return undefined;
  // volumeLimitExceeded over the summary's counts, without a closure per node.
  for (const [unique, driver] of podVolumes) {
    const limit = limits.get(driver);
    if (limit === undefined || summary.attached.has(unique)) continue;
    let added = 0;
    for (const [u, d] of podVolumes) if (d === driver && !summary.attached.has(u)) added++;
    if ((summary.perDriver.get(driver) ?? 0) + added > limit) return SchedulingReason.maxVolumeCountExceeded;
  }
  return undefined;
}

/**
 * What the filters read of a node's pods (kube-scheduler's NodeInfo), for a node without assumed
 * pods: the pods the `podsByNode` index files under it that have not finished, their keys, their
 * attachable volumes (unique name -> driver, as filterVolumeLimits unites them) with a count per
 * driver, and their requests added up (read only by a pod that requests something).
 */
export interface NodeSummary {
  pods: number;
  keys: ReadonlySet<string>;
  attached: ReadonlyMap<string, string>;
  perDriver: ReadonlyMap<string, number>;
  requested(): Resources;
}

/**
 * A node's summary from `pods` (the index's pods on it) read through `snap`: what scheduleFrom
 * would derive from those pods on that node, every read made through `snap` (so a caller can
 * record which claims, PVs and classes it depends on).
 */
export function nodeSummaryOf(pods: readonly Pod[], snap: Pick<SchedulingSnapshot, 'getClaim' | 'getVolume' | 'getClass'>): NodeSummary {
  const live = pods.filter((p) => !isPodTerminated(p));
  const keys = new Set<string>();
  const attached = new Map<string, string>();
  for (const p of live) {
    keys.add(`${podNamespace(p)}/${p.metadata.name}`);
    for (const [unique, driver] of attachableOf(p, snap as SchedulingSnapshot)) attached.set(unique, driver);
  }
  const perDriver = new Map<string, number>();
  for (const d of attached.values()) perDriver.set(d, (perDriver.get(d) ?? 0) + 1);
  let requested: Resources | undefined;
  return { pods: live.length, keys, attached, perDriver, requested: () => (requested ??= requestsOf(live)) };
}

/** kube-scheduler's minFeasibleNodesToFind and minFeasibleNodesPercentageToFind (schedule_one.go). */
export const MIN_FEASIBLE_NODES_TO_FIND = 100;
export const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/**
 * numFeasibleNodesToFind with the default (adaptive) percentageOfNodesToScore: every node below
 * 100 nodes, else 50 % minus one point per 125 nodes, at least 5 % and at least 100 nodes.
 */
export function numFeasibleNodesToFind(numAllNodes: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  const percentage = Math.max(MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND, 50 - Math.trunc(numAllNodes / 125));
  return Math.max(MIN_FEASIBLE_NODES_TO_FIND, Math.trunc((numAllNodes * percentage) / 100));
}

/**
 * Schedules one pod over a snapshot: pre-filters, then every node through the filters (first
 * failing filter gives its reasons), then the feasible node with the fewest pods, ties by name.
 */
export function schedulePod(pod: Pod, snap: SchedulingSnapshot): SchedulingDecision {
  return scheduleOne(pod, snap, 0).decision;
}

/**
 * schedulePod as kube-scheduler's scheduling cycle runs it on a large cluster: the filters stop
 * once `numFeasibleNodesToFind` nodes fit, starting at `startIndex` in name order (the scheduler's
 * nextStartNodeIndex, so successive pods look at different nodes); `processed` is how many nodes
 * were looked at, by which the caller moves its start. Below 100 nodes every node is looked at.
 */
export function scheduleOne(pod: Pod, snap: SchedulingSnapshot, startIndex: number): { decision: SchedulingDecision; processed: number } {
  const counter = { processed: 0 };
  const decision = scheduleFrom(pod, snap, startIndex, counter);
  return { decision, processed: counter.processed };
}

function scheduleFrom(pod: Pod, snap: SchedulingSnapshot, startIndex: number, counter: { processed: number }): SchedulingDecision {
  // The nodes in name order: read one at a time from a reader that keeps them sorted, else sorted here.
  const names = snap.nodeNames && snap.getNode ? snap.nodeNames() : undefined;
  const sortedNodes = names ? undefined : [...snap.nodes].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  const nodeCount = names ? names.length : sortedNodes!.length;
  const nodeAt = names ? (i: number) => snap.getNode!(names[i]!)! : (i: number) => sortedNodes![i]!;
  if (nodeCount === 0) return { kind: 'Unschedulable', message: SchedulingReason.noNodes };
  const pre = preFilterVolumes(pod, snap);
  if (!pre.ok) return { kind: 'Unschedulable', message: fitErrorMessage(nodeCount, { preFilter: pre.message }) };
  // The scheduler's cache: assigned pods that have not finished (terminating ones still count).
  // (Not this pod itself: podKey(p) !== podKey(pod), compared without building the keys.)
  const selfName = pod.metadata.name;
  const selfNamespace = pod.metadata.namespace ?? 'default';
  const counts = (p: Pod) => !isPodTerminated(p) && (p.metadata.name !== selfName || (p.metadata.namespace ?? 'default') !== selfNamespace);
  const selfKey = `${selfNamespace}/${selfName}`;
  const selfMayBeOnNode = !!fields(pod).nodeName;
  let assignedPods: Pod[] | undefined;
  const assigned = () => (assignedPods ??= snap.pods.filter((p) => fields(p).nodeName && counts(p)));
  let grouped: Map<string, Pod[]> | undefined;
  const onNode = (name: string): readonly Pod[] => {
    if (snap.podsOnNode) { const here = snap.podsOnNode(name); return here.every(counts) ? here : here.filter(counts); }
    if (!grouped) {
      grouped = new Map();
      for (const p of assigned()) {
        const list = grouped.get(fields(p).nodeName!);
        if (list) list.push(p); else grouped.set(fields(p).nodeName!, [p]);
      }
    }
    return grouped.get(name) ?? [];
  };
  const hasAntiAffinity = (p: Pod) => (fields(p).affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).length > 0;
  const antiAffine = snap.podsWithRequiredAntiAffinity
    ? snap.podsWithRequiredAntiAffinity().filter((p) => fields(p).nodeName && counts(p))
    : assigned().filter(hasAntiAffinity);
  const rwopConflict = readWriteOncePodConflict(pod, pre.claims, assigned);
  // Without required (anti-)affinity terms on this pod or on any assigned pod, InterPodAffinity passes every node.
  const ownAffinity = fields(pod).affinity;
  const noPodAffinity = antiAffine.length === 0 && (ownAffinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).length === 0
    && (ownAffinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []).length === 0;
  // A delayed claim's candidate volumes, once per pod rather than once per node: those of its
  // class that are not bound to another claim (findMatchingVolume skips those on every node).
  let allVolumes: PersistentVolume[] | undefined;
  const candidates = new Map<PersistentVolumeClaim, PersistentVolume[]>();
  const candidatesOf = (claim: PersistentVolumeClaim): readonly PersistentVolume[] => {
    let list = candidates.get(claim);
    if (!list) {
      allVolumes ??= snap.listVolumes();
      list = allVolumes.filter((v) => getVolumeClass(v) === getClaimClass(claim) && (!v.spec.claimRef || isVolumeBoundToClaim(v, claim)));
      candidates.set(claim, list);
    }
    return list;
  };
  // The pod's own attachable volumes, for NodeVolumeLimits on every node.
  const podVolumes = new Map<string, string>();
  attachableVolumes(pod, snap, podVolumes);
  let byNameMap: Map<string, Node> | undefined;
  const byName = () => (byNameMap ??= new Map(snap.nodes.map((n) => [n.metadata.name, n])));
  const want = podRequests(pod);
  // The bound claims' PVs; without a zone or region label on any, VolumeZone passes every node.
  const boundVolumes = pre.claims.bound.map((c) => snap.getVolume(c.spec.volumeName!));
  const zoneFree = pre.claims.bound.every((c) => { const pv = snap.getVolume(c.spec.volumeName ?? ''); return ZONE_KEYS.every((k) => pv?.metadata.labels?.[k] === undefined); });
  // No nodeSelector and no required node affinity: NodeAffinity passes every node.
  const selectorFree = Object.keys(fields(pod).nodeSelector ?? {}).length === 0 && fields(pod).affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution === undefined;
  const perNode: string[][] = [];
  const feasible: { node: Node; bindings: PodVolumeBindings; pods: number }[] = [];
  const toFind = numFeasibleNodesToFind(nodeCount);
  const start = toFind < nodeCount ? startIndex % nodeCount : 0;
  for (let i = 0; i < nodeCount && feasible.length < toFind; i++) {
    const node = nodeAt((start + i) % nodeCount);
    counter.processed++;
    // The node's summary when the reader keeps one (and this pod is not among its pods, which
    // onNode would leave out), else its pods read here.
    const kept = snap.nodeSummary?.(node.metadata.name);
    // A pod in no node's bucket (one pending scheduling has no nodeName) is in no summary's keys.
    const summary = kept && !(selfMayBeOnNode && kept.keys.has(selfKey)) ? kept : undefined;
    const here = summary ? undefined : onNode(node.metadata.name);
    const early = filterNodeReadiness(pod, node) ?? (selectorFree ? undefined : filterNodeSelector(pod, node));
    if (early !== undefined) { perNode.push([early]); continue; }
    // NodeResourcesFit reports every resource that is short.
    const short = summary ? filterResourcesOf(want, node, summary.pods, summary.requested) : filterResources(want, node, here!);
    if (short.length > 0) { perNode.push(short); continue; }
    const reason = (noPodAffinity ? undefined : filterInterPodAffinity(pod, node, byName, assigned, antiAffine))
      ?? (rwopConflict ? SchedulingReason.readWriteOncePodConflict : undefined)
      // NodeVolumeLimits runs after VolumeRestrictions and before VolumeBinding.
      ?? (summary ? filterVolumeLimitsOf(podVolumes, node, summary, snap) : filterVolumeLimits(podVolumes, node, here!, snap));
    if (reason !== undefined) { perNode.push([reason]); continue; }
    const volumes = findPodVolumes(pre.claims, node, snap, candidatesOf, boundVolumes);
    if (volumes.reasons.length > 0) { perNode.push(volumes.reasons); continue; }
    // VolumeZone runs after VolumeBinding.
    const zone = zoneFree ? undefined : filterVolumeZone(pre.claims, node, snap);
    if (zone !== undefined) { perNode.push([zone]); continue; }
    feasible.push({ node, bindings: volumes.bindings, pods: summary ? summary.pods : here!.length });
  }
  if (feasible.length === 0) return { kind: 'Unschedulable', message: fitErrorMessage(nodeCount, { perNode }) };
  // The highest score wins (selectHost); among equals the node with fewer pods (a stand-in for
  // the spreading and least-allocated scores), then the first name — Kubernetes breaks the last
  // ties at random, pvsim by name so a run is reproducible.
  if (!hasPreferenceTerms(pod)) {
    // Every score is 0 (preferenceScores of a pod without preferred terms): fewer pods, then the first name.
    let best = feasible[0]!;
    for (const f of feasible) {
      if (f.pods < best.pods || (f.pods === best.pods && f.node.metadata.name < best.node.metadata.name)) best = f;
    }
    return { kind: 'Bind', node: best.node.metadata.name, bindings: best.bindings };
  }
  const scores = preferenceScores(pod, feasible.map((f) => f.node), byName, assigned);
  const order = feasible.map((f, i) => ({ ...f, score: scores[i]! }));
  const before = (a: (typeof order)[number], b: (typeof order)[number]) => b.score - a.score || a.pods - b.pods || (a.node.metadata.name < b.node.metadata.name ? -1 : a.node.metadata.name > b.node.metadata.name ? 1 : 0);
  // The first in that order: names are unique, so with finite scores it is the one minimum (no sort needed).
  let best = order[0]!;
  if (order.every((o) => Number.isFinite(o.score))) { for (const o of order) if (before(o, best) < 0) best = o; }
  else best = order.sort(before)[0]!;
  return { kind: 'Bind', node: best.node.metadata.name, bindings: best.bindings };
}

// ------------------------------------------------------------------------------ binding cycle

/**
 * A pod between its PreBind writes and its binding (kube-scheduler's assumed pod in its binding
 * cycle): the node, what PreBind wrote with the resourceVersion it wrote (an informer older than
 * that is waited for, as checkBindings compares versions), and when the bind timeout expires.
 */
export interface PodBinding {
  uid: string;
  node: string;
  volumes: { volume: string; claim: { namespace: string; name: string }; resourceVersion: string }[];
  provisions: { namespace: string; name: string; resourceVersion: string }[];
  deadlineMs: number;
}

export type BindingCheck = { kind: 'bound' } | { kind: 'waiting' } | { kind: 'failed'; message: string };

/** volumebinding's default bindTimeoutSeconds. */
export const BIND_TIMEOUT_MS = 600_000;

/** The FailedScheduling text of a PreBind failure (runPreBindPlugins wrapping BindPodVolumes' error). */
export function preBindFailureMessage(err: string): string {
  return `running PreBind plugin "VolumeBinding": binding volumes: ${err}`;
}

const olderThan = (obj: { metadata: { resourceVersion?: string } }, written: string): boolean =>
  Number(obj.metadata.resourceVersion ?? '0') < Number(written);
const isClaimFullyBound = (c: PersistentVolumeClaim): boolean => !!c.spec.volumeName && hasAnnotation(c.metadata, ANN_BIND_COMPLETED);

/**
 * checkBindings (volumebinding binder.go): bound when every PV PreBind reserved is bound to its
 * claim and every claim it selected the node for is fully bound; failed when the node is gone, a
 * PV's claimRef was reset, a PV does not fit the node, or a provisioner removed `selected-node`
 * (its signal to reschedule); otherwise waiting.
 */
export function checkBindings(b: PodBinding, snap: Pick<SchedulingSnapshot, 'nodes' | 'getClaim' | 'getVolume' | 'getNode'>): BindingCheck {
  const node = snap.getNode ? snap.getNode(b.node) : snap.nodes.find((n) => n.metadata.name === b.node);
  if (!node) return { kind: 'failed', message: `failed to get node "${b.node}": node "${b.node}" not found` };
  const labels = node.metadata.labels ?? {};
  const affinityError = (pv: PersistentVolume) => `pv "${pv.metadata.name}" node affinity doesn't match node "${b.node}": no matching NodeSelectorTerms`;
  let waiting = false;
  for (const v of b.volumes) {
    const pv = snap.getVolume(v.volume);
    if (!pv) return { kind: 'failed', message: `failed to check binding: could not find v1.PersistentVolume "${v.volume}"` };
    const claim = snap.getClaim(v.claim.namespace, v.claim.name);
    if (!claim) return { kind: 'failed', message: `failed to check binding: could not find v1.PersistentVolumeClaim "${v.claim.namespace}/${v.claim.name}"` };
    if (olderThan(pv, v.resourceVersion)) { waiting = true; continue; }
    if (!checkNodeAffinity(pv, labels, b.node)) return { kind: 'failed', message: affinityError(pv) };
    if (!pv.spec.claimRef?.uid) return { kind: 'failed', message: `ClaimRef got reset for pv "${pv.metadata.name}"` };
    if (!isClaimFullyBound(claim)) waiting = true;
  }
  for (const c of b.provisions) {
    const claim = snap.getClaim(c.namespace, c.name);
    if (!claim) return { kind: 'failed', message: `failed to check provisioning pvc: could not find v1.PersistentVolumeClaim "${c.namespace}/${c.name}"` };
    if (olderThan(claim, c.resourceVersion)) { waiting = true; continue; }
    const annotations = claim.metadata.annotations;
    if (!annotations) return { kind: 'failed', message: `selectedNode annotation reset for PVC "${c.name}"` };
    // A provisioner that gives up on this node removes the annotation to ask for rescheduling.
    if (annotations[ANN_SELECTED_NODE] !== b.node) return { kind: 'failed', message: `provisioning failed for PVC "${c.name}"` };
    if (claim.spec.volumeName) {
      const pv = snap.getVolume(claim.spec.volumeName);
      if (!pv) { waiting = true; continue; }
      if (!checkNodeAffinity(pv, labels, b.node)) return { kind: 'failed', message: affinityError(pv) };
    }
    if (!isClaimFullyBound(claim)) waiting = true;
  }
  return waiting ? { kind: 'waiting' } : { kind: 'bound' };
}

// ------------------------------------------------------------------------------ controller

export function defaultNodeObject(name: string, zone: string | undefined, now: string, labels: Record<string, string> = {}): Node {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { [LABEL_HOSTNAME]: name, ...(zone !== undefined ? { [LABEL_ZONE]: zone } : {}), [LABEL_OS]: 'linux', ...labels } },
    spec: {},
    status: {
      conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'kubelet is posting ready status', lastHeartbeatTime: now, lastTransitionTime: now }],
      nodeInfo: { kubeletVersion: DEFAULT_NODE_KUBELET_VERSION },
      // What NodeResourcesFit checks requests against (a 4-CPU, 16 GiB worker; 110 pods is the kubelet's maxPods).
      capacity: { ...DEFAULT_NODE_RESOURCES }, allocatable: { ...DEFAULT_NODE_RESOURCES },
    },
  };
}

export interface PodSchedulerOptions {
  clock: SimClock;
}

/** The condition list with `next` in place of the PodScheduled condition. */
function withScheduledCondition(pod: Pod, next: PodCondition): PodCondition[] {
  const list = podConditions(pod);
  const i = list.findIndex((c) => c.type === 'PodScheduled');
  if (i < 0) return [...list, next];
  return list.map((c, j) => (j === i ? next : c));
}

/** kube-scheduler's podInitialBackoffSeconds and podMaxBackoffSeconds. */
export const POD_BACKOFF_INITIAL_MS = 1_000;
export const POD_BACKOFF_MAX_MS = 10_000;

/** What the scheduler remembers, as JSON: failed bindings in a row, backoffs, pods in their binding cycle. */
interface PodSchedulerState {
  attempts: [string, number][];
  backoffUntil: [string, number][];
  binding: [string, PodBinding][];
  nextStartNodeIndex?: number;
}

export class PodScheduler implements Controller {
  readonly name = 'scheduler';
  /** `loadState` copies what it is given into its own sets and maps (Controller.loadStateCopies). */
  readonly loadStateCopies = true;
  readonly queues: Record<string, (key: string) => void>;
  /** Moved by every change of the memory below (the world's fingerprint reads it). */
  readonly stateVersion = new StateVersion();
  /** pod key -> failed bindings in a row (the pod's backoff exponent). */
  private readonly attempts = new TrackedMap<string, number>(this.stateVersion);
  /** pod key -> simulated time before which the pod is not retried (the backoff queue). */
  private readonly backoffUntil = new TrackedMap<string, number>(this.stateVersion);
  /** pod key -> the pod's binding cycle, while PreBind waits for its claims. */
  private readonly binding = new TrackedMap<string, PodBinding>(this.stateVersion);
  private startNodeIndex = 0;
  /** Where the next scheduling cycle starts among the nodes (kube-scheduler's nextStartNodeIndex; 0 below 100 nodes). */
  private get nextStartNodeIndex(): number { return this.startNodeIndex; }
  private set nextStartNodeIndex(i: number) { this.startNodeIndex = i; this.stateVersion.touch(); }
  /**
   * Node name -> its summary (kube-scheduler's NodeInfo), derived from the informer cache and kept
   * up to date from watch events: a Pod event drops its old and new node's, a claim, PV or class
   * event drops those of the nodes whose summary read it (`readers`). Not state: never saved, and
   * dropped whole whenever the cache changed without this scheduler seeing a watch event for it
   * (a restart's relist, a restored snapshot, an adopted cache), so it is always what reading the
   * cache now would give.
   */
  private readonly summaries = new Map<string, NodeSummary>();
  private readonly readers = { claims: new Map<string, Set<string>>(), volumes: new Map<string, Set<string>>(), classes: new Map<string, Set<string>>() };
  /** Watch events seen, against the cache's own count of changes (`summaryMark`). */
  private watchEventsSeen = 0;
  private summaryMark: { cache: object; offset: number } | undefined;
  /**
   * Tests: check every summary used against one derived from the cache there and then; a
   * difference is listed in `staleSummaries` and thrown.
   */
  static verifyNodeSummaries = false;
  static readonly staleSummaries: string[] = [];

  /** `queue`: the manager's queue, for the per-pod backoff. */
  constructor(private readonly client: Client, private readonly queue: WorkQueue, private readonly options: PodSchedulerOptions) {
    this.queues = { [SCHEDULER_QUEUE]: (key) => this.syncPod(key) };
  }

  saveState(): PodSchedulerState {
    const sorted = <T>(m: Map<string, T>): [string, T][] => [...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return {
      attempts: sorted(this.attempts), backoffUntil: sorted(this.backoffUntil), binding: sorted(this.binding),
      ...(this.nextStartNodeIndex !== 0 ? { nextStartNodeIndex: this.nextStartNodeIndex } : {}),
    };
  }

  loadState(state: unknown): void {
    const s = state as PodSchedulerState;
    const load = <T>(into: Map<string, T>, entries: [string, T][]) => { into.clear(); for (const [k, v] of entries) into.set(k, v); };
    load(this.attempts, s.attempts);
    load(this.backoffUntil, s.backoffUntil);
    // A binding is never changed in place, but a loaded one is this controller's own (loadStateCopies).
    this.binding.clear();
    for (const [k, b] of s.binding) this.binding.set(k, { ...b, volumes: b.volumes.map((v) => ({ ...v, claim: { ...v.claim } })), provisions: b.provisions.map((p) => ({ ...p })) });
    this.nextStartNodeIndex = s.nextStartNodeIndex ?? 0;
    this.dropSummaries();
  }

  private dropSummaries(): void {
    this.summaries.clear();
    for (const m of Object.values(this.readers)) m.clear();
  }

  /** Whether the summaries can be used: the cache has changed only by the watch events seen since they were kept. */
  private summariesUsable(): boolean {
    const cache = (this.client as { cache?: { changes?: unknown } }).cache;
    if (!cache || typeof cache.changes !== 'number') return false;
    const offset = cache.changes - this.watchEventsSeen;
    if (this.summaryMark?.cache !== cache || this.summaryMark.offset !== offset) {
      this.dropSummaries();
      this.summaryMark = { cache, offset };
    }
    return true;
  }

  /** The node's summary, from the cache (see `summaries`). */
  private nodeSummary(node: string, usable = this.summariesUsable()): NodeSummary | undefined {
    if (!usable) return undefined;
    let summary = this.summaries.get(node);
    if (!summary) {
      const c = this.client;
      const read = (m: Map<string, Set<string>>, key: string) => {
        const nodes = m.get(key);
        if (nodes) nodes.add(node); else m.set(key, new Set([node]));
      };
      summary = nodeSummaryOf(c.byIndex('podsByNode', node) as unknown as Pod[], {
        getClaim: (ns, n) => { read(this.readers.claims, `${ns}/${n}`); return c.getClaim(ns, n); },
        getVolume: (n) => { read(this.readers.volumes, n); return c.getVolume(n); },
        getClass: (n) => { read(this.readers.classes, n); return c.getClass(n); },
      });
      this.summaries.set(node, summary);
    }
    if (PodScheduler.verifyNodeSummaries) {
      const fresh = nodeSummaryOf(this.client.byIndex('podsByNode', node) as unknown as Pod[], this.client);
      const same = <K, V>(a: ReadonlyMap<K, V> | ReadonlySet<K>, b: ReadonlyMap<K, V> | ReadonlySet<K>) =>
        a.size === b.size && [...a.entries()].every(([k, v]) => b.has(k) && (b instanceof Map ? b.get(k) === v : true));
      const [r1, r2] = [summary.requested(), fresh.requested()];
      if (summary.pods !== fresh.pods || !same(summary.keys, fresh.keys) || !same(summary.attached, fresh.attached) || !same(summary.perDriver, fresh.perDriver)
        || r1.cpuMilli !== r2.cpuMilli || r1.memoryMilli !== r2.memoryMilli) {
        PodScheduler.staleSummaries.push(`node ${node}: kept ${JSON.stringify({ pods: summary.pods, attached: [...summary.attached] })}, cache ${JSON.stringify({ pods: fresh.pods, attached: [...fresh.attached] })}`);
        throw new Error(`scheduler: stale summary of node ${node}`);
      }
    }
    return summary;
  }

  /** Drops the summaries that read `key` (a claim, PV or class that changed). */
  private dropReaders(m: Map<string, Set<string>>, key: string): void {
    const nodes = m.get(key);
    if (!nodes) return;
    for (const n of nodes) this.summaries.delete(n);
    m.delete(key);
  }

  /** Keeps the node summaries up to date with one watch event (every event counts, see `summariesUsable`). */
  private summaryWatch(ev: WatchEvent): void {
    this.watchEventsSeen++;
    if (this.summaries.size === 0) return;
    const obj = (ev.new ?? ev.old)!;
    switch (ev.kind) {
      case 'Pod': {
        const [before, after] = [ev.old, ev.new] as unknown as (Pod | undefined)[];
        // A summary reads a pod's spec (node, volumes, requests), its name and whether it finished:
        // a change that keeps the same spec object (the store shares what did not change, as a
        // status write does) and the same finished-ness leaves the node's summary as it was.
        if (before && after && before.spec === after.spec && isPodTerminated(before) === isPodTerminated(after)) return;
        for (const p of [before, after]) if (p) this.summaries.delete(fields(p).nodeName ?? '');
        return;
      }
      case 'PersistentVolumeClaim':
        this.dropReaders(this.readers.claims, `${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}`);
        return;
      case 'PersistentVolume':
        this.dropReaders(this.readers.volumes, obj.metadata.name);
        return;
      case 'StorageClass':
        this.dropReaders(this.readers.classes, obj.metadata.name);
        return;
      default:
        return;
    }
  }

  inFlight(): string[] {
    return [...this.binding].map(([key, b]) => `pod ${key}: binding volumes on ${b.node} (waiting for ${[...b.volumes.map((v) => `pv ${v.volume}`), ...b.provisions.map((c) => `pvc ${c.namespace}/${c.name}`)].join(', ')})`);
  }

  private forget(key: string): void {
    this.attempts.delete(key);
    this.backoffUntil.delete(key);
    this.binding.delete(key);
  }

  private pendingPods(): Pod[] {
    // A pod waiting for a node has none: the pods filed under no node are the candidates.
    return (this.client.byIndex('podsByNode', '') as unknown as Pod[]).filter(isPodPendingScheduling);
  }

  private enqueuePending(queue: WorkQueue, which: (pod: Pod) => boolean = () => true): void {
    for (const p of this.pendingPods()) if (which(p)) queue.add(SCHEDULER_QUEUE, podKey(p));
  }

  onWatch(ev: WatchEvent, queue: WorkQueue): void {
    this.summaryWatch(ev);
    switch (ev.kind) {
      case 'Pod': {
        const pod = ev.new as unknown as Pod | undefined;
        const old = ev.old as unknown as Pod | undefined;
        if (pod && isPodPendingScheduling(pod)) queue.add(SCHEDULER_QUEUE, ev.key);
        // An assigned pod that goes away, finishes, moves or changes labels can free a node
        // (anti-affinity, ReadWriteOncePod) or satisfy pod affinity: retry the pending ones.
        const placement = (p: Pod | undefined) => (p && !isPodTerminated(p) ? fields(p).nodeName ?? '' : '');
        const [was, is] = [placement(old), placement(pod)];
        if (was !== is || (was !== '' && JSON.stringify(old!.metadata.labels) !== JSON.stringify(pod!.metadata.labels))) {
          this.enqueuePending(queue, (p) => podKey(p) !== ev.key);
        }
        return;
      }
      case 'Node':
        this.enqueuePending(queue);
        return;
      case 'PersistentVolumeClaim': {
        const claim = (ev.new ?? ev.old)!;
        const users = this.client.byIndex('podsByClaim', `${claim.metadata.namespace ?? 'default'}/${claim.metadata.name}`) as unknown as Pod[];
        // Pods in their binding cycle are pending too: this is how their PreBind sees the claim.
        for (const p of users) if (isPodPendingScheduling(p)) queue.add(SCHEDULER_QUEUE, podKey(p));
        return;
      }
      case 'PersistentVolume':
      case 'StorageClass':
      case 'CSINode':
        this.enqueuePending(queue, (p) => podClaimNames(p).length > 0);
        return;
      default:
        return;
    }
  }

  resync(queue: WorkQueue): void {
    this.enqueuePending(queue);
  }

  /** A pod still waits for a node; a resync retries it (and reloads after a restart). */
  unsettled(): boolean {
    return this.pendingPods().length > 0;
  }

  /** The pods as the scheduler's cache has them: a pod in its binding cycle is assumed on its node. */
  private cachedPods(): Pod[] {
    return this.client.listPods().map((p) => this.assumed(p));
  }

  /** A pod in its binding cycle as the scheduler's cache has it: assumed on its node. */
  private assumed(p: Pod): Pod {
    const b = this.binding.get(podKey(p));
    return b && b.uid === (p.metadata.uid ?? '') && !fields(p).nodeName ? { ...p, spec: { ...p.spec, nodeName: b.node } } : p;
  }

  private snapshot(): SchedulingSnapshot {
    const s = this.client;
    const scheduler = this;
    let pods: Pod[] | undefined;
    const assumedNodes = new Set([...this.binding.values()].map((b) => b.node));
    const assumedOn = (node: string) => assumedNodes.size > 0 && assumedNodes.has(node);
    let usable: boolean | undefined;
    let nodes: Node[] | undefined;
    return {
      // Listed only when a pod's affinity terms need every node by name.
      get nodes() { return (nodes ??= s.list('Node') as unknown as Node[]); },
      nodeNames: () => s.keys('Node'),
      getNode: (n) => s.getNode(n),
      // Listed only when a pod's own affinity or ReadWriteOncePod terms need every pod.
      get pods() { return (pods ??= scheduler.cachedPods()); },
      podsOnNode: (node) => {
        const here = s.byIndex('podsByNode', node) as unknown as Pod[];
        if (!assumedOn(node)) return here;
        const extra = (s.byIndex('podsByNode', '') as unknown as Pod[]).map((p) => this.assumed(p)).filter((p) => fields(p).nodeName === node);
        return [...here, ...extra].sort((a, b) => (podKey(a) < podKey(b) ? -1 : 1));
      },
      podsWithRequiredAntiAffinity: () => (s.byIndex('podsWithRequiredAntiAffinity', 'yes') as unknown as Pod[]).map((p) => this.assumed(p)),
      getClaim: (ns, n) => s.getClaim(ns, n),
      getVolume: (n) => s.getVolume(n),
      listVolumes: () => s.listVolumes(),
      getClass: (n) => s.getClass(n),
      vacEnabled: s.vacEnabled,
      getCsiNode: (n) => s.get('CSINode', n) as unknown as CsiNodeObject | undefined,
      // A node with assumed pods is read as before (its pods are not only the index's).
      // Whether the summaries can be used is decided once per snapshot: the cache does not change during a cycle.
      nodeSummary: (node) => (assumedOn(node) ? undefined : this.nodeSummary(node, (usable ??= this.summariesUsable()))),
    };
  }

  private ensureDefaultNodes(): void {
    if (this.client.keys('Node').length > 0) return;
    const now = this.options.clock.iso();
    for (const { name, zone } of DEFAULT_NODES) this.client.create('Node', defaultNodeObject(name, zone, now) as unknown as AnyObject);
  }

  syncPod(key: string): void {
    const found = this.client.get('Pod', key) as unknown as Pod | undefined;
    if (!found || !isPodPendingScheduling(found)) { this.forget(key); return; }
    const inFlight = this.binding.get(key);
    if (inFlight && inFlight.uid === (found.metadata.uid ?? '')) { this.continueBinding(found, inFlight); return; }
    if (inFlight) this.forget(key);
    // In the backoff queue: events do not cut the wait short; the backoff timer brings it back.
    const until = this.backoffUntil.get(key);
    if (until !== undefined && this.options.clock.now() < until) return;
    this.backoffUntil.delete(key);
    this.ensureDefaultNodes();
    const pod = this.client.get('Pod', key) as unknown as Pod;
    const { decision, processed } = scheduleOne(pod, this.snapshot(), this.nextStartNodeIndex);
    const nodeCount = this.client.keys('Node').length;
    if (nodeCount >= MIN_FEASIBLE_NODES_TO_FIND) this.nextStartNodeIndex = (this.nextStartNodeIndex + processed) % nodeCount;
    if (decision.kind === 'Unschedulable') {
      this.recordUnschedulable(pod, decision.message);
      return;
    }
    const { volumes, provisions } = decision.bindings;
    if (volumes.length === 0 && provisions.length === 0) {
      this.bind(pod, decision.node);
      this.forget(key);
      return;
    }
    const binding = this.preBind(pod, decision.node, decision.bindings);
    this.binding.set(key, binding);
    this.continueBinding(pod, binding);
  }

  /** One poll of BindPodVolumes: bind the pod once its claims are bound, or fail the binding cycle. */
  private continueBinding(pod: Pod, b: PodBinding): void {
    const check = checkBindings(b, this.snapshot());
    if (check.kind === 'bound') {
      this.bind(pod, b.node);
      this.forget(podKey(pod));
      return;
    }
    if (check.kind === 'failed') this.failBinding(pod, preBindFailureMessage(check.message));
    else if (this.options.clock.now() >= b.deadlineMs) this.failBinding(pod, preBindFailureMessage('context deadline exceeded'));
  }

  /**
   * handleSchedulingFailure for an error status: the assumed pod is forgotten, FailedScheduling
   * recorded with PodScheduled=False/SchedulerError, and the pod waits out its backoff
   * (podInitialBackoffSeconds doubling per failed attempt up to podMaxBackoffSeconds).
   */
  private failBinding(pod: Pod, message: string): void {
    const key = podKey(pod);
    this.binding.delete(key);
    const n = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, n);
    const delay = Math.min(POD_BACKOFF_INITIAL_MS * 2 ** Math.min(n - 1, 30), POD_BACKOFF_MAX_MS);
    this.backoffUntil.set(key, this.options.clock.now() + delay);
    this.queue.addAfter(SCHEDULER_QUEUE, key, delay, 'retry');
    const current = podConditions(pod).find((c) => c.type === 'PodScheduled');
    const condition: PodCondition = {
      type: 'PodScheduled', status: 'False', reason: 'SchedulerError', message, lastProbeTime: null,
      lastTransitionTime: current?.status === 'False' ? current.lastTransitionTime ?? this.options.clock.iso() : this.options.clock.iso(),
    };
    let latest = pod;
    if (current?.status !== 'False' || current.reason !== 'SchedulerError' || current.message !== message) {
      const status = { ...(pod.status ?? {}), phase: pod.status?.phase ?? 'Pending', conditions: withScheduledCondition(pod, condition) };
      latest = this.client.update('Pod', { ...pod, status } as unknown as AnyObject, 'status') as unknown as Pod;
    }
    this.client.event(latest, 'Warning', 'FailedScheduling', message, DEFAULT_SCHEDULER_NAME);
  }

  /** PodScheduled=False/Unschedulable and one FailedScheduling event per distinct message. */
  private recordUnschedulable(pod: Pod, message: string): void {
    const current = podConditions(pod).find((c) => c.type === 'PodScheduled');
    if (current?.status === 'False' && current.reason === 'Unschedulable' && current.message === message) return;
    const condition: PodCondition = {
      type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message,
      lastProbeTime: null, lastTransitionTime: current?.status === 'False' ? current.lastTransitionTime ?? this.options.clock.iso() : this.options.clock.iso(),
    };
    const status = { ...(pod.status ?? {}), phase: pod.status?.phase ?? 'Pending', conditions: withScheduledCondition(pod, condition) };
    const updated = this.client.update('Pod', { ...pod, status } as unknown as AnyObject, 'status') as unknown as Pod;
    this.client.event(updated, 'Warning', 'FailedScheduling', message, DEFAULT_SCHEDULER_NAME);
  }

  /**
   * PreBind's API writes (bindAPIUpdate): reserve matched PVs as the PV controller binds; select
   * the node for provisioning. Returns the binding cycle to wait on, with the versions written.
   */
  private preBind(pod: Pod, node: string, bindings: PodVolumeBindings): PodBinding {
    const out: PodBinding = { uid: pod.metadata.uid ?? '', node, volumes: [], provisions: [], deadlineMs: this.options.clock.now() + BIND_TIMEOUT_MS };
    for (const b of bindings.volumes) {
      const pv = this.client.getVolume(b.volume);
      const claim = this.client.getClaim(b.claim.namespace, b.claim.name);
      if (!pv || !claim) continue;
      let written = pv;
      // GetBindVolumeToClaim.
      const setBoundByController = !isVolumeBoundToClaim(pv, claim);
      const next = structuredClone(pv);
      let dirty = false;
      const ref = pv.spec.claimRef;
      if (!ref || ref.name !== claim.metadata.name || (ref.namespace ?? '') !== (claim.metadata.namespace ?? '') || (ref.uid ?? '') !== (claim.metadata.uid ?? '')) {
        next.spec.claimRef = claimReference(claim);
        dirty = true;
      }
      if (setBoundByController && !hasAnnotation(next.metadata, ANN_BOUND_BY_CONTROLLER)) {
        next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [ANN_BOUND_BY_CONTROLLER]: 'yes' };
        dirty = true;
      }
      if (dirty) written = this.client.updateVolume(next);
      out.volumes.push({ ...b, resourceVersion: written.metadata.resourceVersion ?? '0' });
    }
    for (const c of bindings.provisions) {
      const claim = this.client.getClaim(c.namespace, c.name);
      if (!claim) continue;
      let written = claim;
      if (claim.metadata.annotations?.[ANN_SELECTED_NODE] !== node) {
        const next = structuredClone(claim);
        next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [ANN_SELECTED_NODE]: node };
        written = this.client.updateClaim(next);
      }
      out.provisions.push({ ...c, resourceVersion: written.metadata.resourceVersion ?? '0' });
    }
    return out;
  }

  /**
   * Bind: the API server's pods/binding sets nodeName and PodScheduled in one write; here they
   * are two, the condition first, so that a failure between them leaves a pod that is still
   * pending and that the next sync finishes — never a bound pod without its condition.
   */
  private bind(pod: Pod, node: string): void {
    const condition: PodCondition = { type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: this.options.clock.iso() };
    const current = podConditions(pod).find((c) => c.type === 'PodScheduled');
    let latest = pod;
    if (current?.status !== 'True') {
      const status = { ...(pod.status ?? {}), phase: pod.status?.phase ?? 'Pending', conditions: withScheduledCondition(pod, condition) };
      latest = this.client.update('Pod', { ...pod, status } as unknown as AnyObject, 'status') as unknown as Pod;
    }
    const next = structuredClone(latest);
    next.spec.nodeName = node;
    const bound = this.client.update('Pod', next as unknown as AnyObject) as unknown as Pod;
    this.client.event(bound, 'Normal', 'Scheduled', `Successfully assigned ${podKey(bound)} to ${node}`, DEFAULT_SCHEDULER_NAME);
  }
}
