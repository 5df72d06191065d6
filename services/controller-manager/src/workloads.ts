/**
 * Design: the two workload controllers a storage lecture needs, level-triggered like their
 * kube-controller-manager originals (`syncDeployment`, `syncStatefulSet`): each sync reads the
 * owner and the pods it controls (by ownerReference uid), creates what is missing, deletes what
 * is surplus, and writes status. Garbage collection of pods whose owner is gone (or was
 * re-created under a new uid) happens in the same sync — pvsim has no garbage collector.
 *
 * - Deployment and ReplicaSet: deployment.ts (ReplicaSets as objects, rolling updates).
 * - StatefulSet: pods `<set>-<ordinal>` with stable identity; each volumeClaimTemplate gives
 *   a claim `<template>-<set>-<ordinal>`, created before its pod and kept under the default
 *   `persistentVolumeClaimRetentionPolicy` Retain/Retain — a re-created pod, on whichever node,
 *   finds its data in the same claim. whenDeleted: Delete makes the set an owner of its claims,
 *   which go with it; whenScaled: Delete deletes the claims of ordinals scaled away once their
 *   pods are gone (stateful_set_utils.go; what the garbage collector does there, the sync does). OrderedReady creates ordinal i only after i-1 is Running
 *   and Ready and scales down one pod at a time from the highest ordinal; Parallel does both at
 *   once. A changed template rolls out by updateStrategy: RollingUpdate replaces pods one at a
 *   time from the highest ordinal down to `partition`; OnDelete waits for pods to be deleted.
 *
 * Created objects get what the API server's defaulting and admission would give them (pod
 * phase Pending; claim phase Pending, volumeMode, protection finalizer, default class), as the
 * store applies none of it.
 */
import {
  ANN_BETA_STORAGE_CLASS, FINALIZER_PVC_PROTECTION, canonicalJson, getDefaultClass,
  type LabelSelector, type ObjectMeta, type PersistentVolumeClaim, type PersistentVolumeClaimSpec, type Pod, type PodVolume,
} from '@pvsim/domain';
import type { AnyObject, Client, WatchEvent } from '@pvsim/runtime';
import { podKey, splitKey, type Controller, type WorkQueue } from '@pvsim/component';

export const DEPLOYMENT_QUEUE = 'deployment';
export const STATEFULSET_QUEUE = 'statefulset';
export const LABEL_POD_TEMPLATE_HASH = 'pod-template-hash';
export const LABEL_CONTROLLER_REVISION_HASH = 'controller-revision-hash';
/** history.ControllerRevisionHashLabel: the hash on a ControllerRevision. */
export const LABEL_CONTROLLER_HASH = 'controller.kubernetes.io/hash';
export const LABEL_STATEFULSET_POD_NAME = 'statefulset.kubernetes.io/pod-name';
export const LABEL_POD_INDEX = 'apps.kubernetes.io/pod-index';
/** How many pod names a Deployment has drawn so far (the input of the next name's suffix). */
export const ANN_POD_NAME_COUNTER = 'deployment.pvsim.dev/pod-name-counter';

// ------------------------------------------------------------------------------ types

export interface PodTemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string>; [f: string]: unknown };
  spec: { volumes?: PodVolume[]; [f: string]: unknown };
}

interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface Deployment {
  apiVersion: 'apps/v1';
  kind: 'Deployment';
  metadata: ObjectMeta;
  spec: {
    replicas?: number;
    selector: LabelSelector;
    template: PodTemplateSpec;
    strategy?: { type?: 'RollingUpdate' | 'Recreate' | string; [f: string]: unknown };
    [f: string]: unknown;
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    unavailableReplicas?: number;
    [f: string]: unknown;
  };
}

export interface PersistentVolumeClaimTemplate {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string>; [f: string]: unknown };
  spec: PersistentVolumeClaimSpec;
}

export interface StatefulSet {
  apiVersion: 'apps/v1';
  kind: 'StatefulSet';
  metadata: ObjectMeta;
  spec: {
    replicas?: number;
    selector: LabelSelector;
    serviceName?: string;
    template: PodTemplateSpec;
    volumeClaimTemplates?: PersistentVolumeClaimTemplate[];
    podManagementPolicy?: 'OrderedReady' | 'Parallel' | string;
    ordinals?: { start?: number };
    revisionHistoryLimit?: number;
    [f: string]: unknown;
  };
  status?: {
    observedGeneration?: number;
    replicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    currentReplicas?: number;
    updatedReplicas?: number;
    currentRevision?: string;
    updateRevision?: string;
    [f: string]: unknown;
  };
}

type Owner = Deployment | StatefulSet;

/** apps/v1 ControllerRevision: a snapshot of a controller's template, numbered. */
export interface ControllerRevision {
  apiVersion: 'apps/v1';
  kind: 'ControllerRevision';
  metadata: ObjectMeta;
  data: { spec: { template: PodTemplateSpec & { $patch: 'replace' } } };
  revision: number;
}

/** history.NewControllerRevision with the StatefulSet's getPatch as data (the template, `$patch: replace`). */
export function revisionFor(set: StatefulSet, hash: string, revision: number): ControllerRevision {
  return {
    apiVersion: 'apps/v1', kind: 'ControllerRevision',
    metadata: {
      name: `${set.metadata.name}-${hash}`, namespace: set.metadata.namespace ?? 'default',
      labels: { ...(set.spec.template.metadata?.labels ?? {}), [LABEL_CONTROLLER_HASH]: hash },
      ownerReferences: [controllerRef(set)],
    },
    data: { spec: { template: { ...structuredClone(set.spec.template), $patch: 'replace' } } },
    revision,
  };
}

// ------------------------------------------------------------------------------ helpers

/** 32-bit FNV-1a over the UTF-8 bytes (the hash ComputeHash uses). */
export function fnv32a(text: string): number {
  let h = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/** apimachinery's rand alphabet: no vowels, no 0/1/3 (no words, no look-alikes). */
const SAFE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** rand.SafeEncodeString. */
function safeEncode(text: string): string {
  let out = '';
  for (const ch of text) out += SAFE_ALPHABET[ch.charCodeAt(0) % SAFE_ALPHABET.length];
  return out;
}

/**
 * controller.ComputeHash of a pod template: FNV-1a of its content (canonical JSON, so the hash
 * does not depend on how a manifest was written), safe-encoded.
 */
export function podTemplateHash(template: PodTemplateSpec): string {
  return safeEncode(String(fnv32a(canonicalJson(template))));
}

/**
 * Five characters of the safe alphabet drawn from the owner's `namespace/name` and its counter
 * (ADR 0028): a name depends only on the owner and how many names it drew before, never on uids,
 * which are drawn in log order and so differ between interleavings of a distributed run.
 */
export function podNameSuffix(ownerKey: string, index: number): string {
  let h = fnv32a(`${ownerKey}/${index}`);
  let out = '';
  for (let i = 0; i < 5; i++) {
    out += SAFE_ALPHABET[h % SAFE_ALPHABET.length];
    h = Math.floor(h / SAFE_ALPHABET.length);
  }
  return out;
}

export function ownerRefs(pod: { metadata: ObjectMeta }): OwnerReference[] {
  return (pod.metadata['ownerReferences'] as OwnerReference[] | undefined) ?? [];
}

/** metav1.GetControllerOf. */
export function controllerOf(obj: { metadata: ObjectMeta }): OwnerReference | undefined {
  return ownerRefs(obj).find((r) => r.controller === true);
}

export function controllerRef(owner: Owner | { kind: string; metadata: ObjectMeta }): OwnerReference {
  return { apiVersion: 'apps/v1', kind: owner.kind, name: owner.metadata.name, uid: owner.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
}

/**
 * A claim a controller creates from a template (a StatefulSet's volumeClaimTemplates, a pod's
 * generic ephemeral volume): the template's labels (plus `labels`), annotations and spec, with what
 * the API server's defaulting and admission would add — volumeMode, the default class
 * (DefaultStorageClass admission applies to controllers' claims too), the protection finalizer.
 */
export function claimFromTemplate(
  client: Pick<Client, 'listClasses'>, template: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: PersistentVolumeClaimSpec },
  at: { name: string; namespace: string; labels?: Record<string, string>; owner?: OwnerReference },
): PersistentVolumeClaim {
  const meta = template.metadata ?? {};
  const spec = structuredClone(template.spec);
  if (spec.volumeMode === undefined) spec.volumeMode = 'Filesystem';
  const hasClass = (spec.storageClassName !== undefined && spec.storageClassName !== null) || meta.annotations?.[ANN_BETA_STORAGE_CLASS] !== undefined;
  if (!hasClass) {
    const def = getDefaultClass(client.listClasses());
    if (def) spec.storageClassName = def.metadata.name;
  }
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: {
      name: at.name, namespace: at.namespace, labels: { ...(meta.labels ?? {}), ...(at.labels ?? {}) },
      ...(at.owner ? { ownerReferences: [at.owner] } : {}),
      ...(meta.annotations ? { annotations: { ...meta.annotations } } : {}),
      finalizers: [FINALIZER_PVC_PROTECTION],
    },
    spec,
    status: { phase: 'Pending' },
  };
}

export const isTerminated = (pod: Pod) => pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
export const isDeleting = (pod: Pod) => pod.metadata.deletionTimestamp !== undefined;
/** podutil.IsPodReady. */
export function isPodReady(pod: Pod): boolean {
  const conditions = (pod.status?.['conditions'] as { type: string; status: string }[] | undefined) ?? [];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}
const isRunningAndReady = (pod: Pod) => pod.status?.phase === 'Running' && isPodReady(pod);

export function byName(a: { metadata: { name: string } }, b: { metadata: { name: string } }): number {
  return a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0;
}

/** The pods of the namespace whose controller is `kind`/`name`, split by whether `uid` owns them. */
function podsControlledBy(client: Client, namespace: string, kind: string, name: string, uid: string | undefined): { owned: Pod[]; orphans: Pod[] } {
  const owned: Pod[] = [];
  const orphans: Pod[] = [];
  for (const pod of client.listPods(namespace)) {
    const ref = controllerOf(pod);
    if (!ref || ref.kind !== kind || ref.name !== name) continue;
    if (uid !== undefined && ref.uid === uid) owned.push(pod); else orphans.push(pod);
  }
  return { owned, orphans };
}

/** Owner keys of pods whose controller (of `kind`) no longer exists under that uid. */
function orphanOwnerKeys(client: Client, kind: 'Deployment' | 'StatefulSet'): string[] {
  const keys = new Set<string>();
  for (const pod of client.listPods()) {
    const ref = controllerOf(pod);
    if (!ref || ref.kind !== kind || isDeleting(pod)) continue;
    const key = `${pod.metadata.namespace ?? 'default'}/${ref.name}`;
    const owner = client.get(kind, key);
    if (!owner || owner.metadata['uid'] !== ref.uid) keys.add(key);
  }
  return [...keys].sort();
}

/** The pod the API server would store for a template (defaulted phase). */
export function podFromTemplate(template: PodTemplateSpec, meta: ObjectMeta): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: meta,
    spec: structuredClone(template.spec),
    status: { phase: 'Pending' },
  };
}

export function deletePodOnce(client: Client, pod: Pod): void {
  if (!isDeleting(pod)) client.delete('Pod', podKey(pod));
}

// The Deployment and ReplicaSet controllers: deployment.ts.

// ------------------------------------------------------------------------------ StatefulSet

/** getPersistentVolumeClaimName. */
export function statefulSetClaimName(templateName: string, setName: string, ordinal: number): string {
  return `${templateName}-${setName}-${ordinal}`;
}

/** The ordinal in `<set>-<n>`, or undefined when the name is not of this set. */
function ordinalOf(setName: string, podName: string): number | undefined {
  if (!podName.startsWith(`${setName}-`)) return undefined;
  const rest = podName.slice(setName.length + 1);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : undefined;
}

export class StatefulSetController implements Controller {
  readonly name = 'statefulset';
  readonly queues: Record<string, (key: string) => void>;

  constructor(private readonly client: Client, _queue: WorkQueue) {
    this.queues = { [STATEFULSET_QUEUE]: (key) => this.syncStatefulSet(key) };
  }

  onWatch(ev: WatchEvent, queue: WorkQueue): void {
    if (ev.kind === 'StatefulSet') queue.add(STATEFULSET_QUEUE, ev.key);
    if (ev.kind === 'Pod') {
      for (const pod of [ev.old, ev.new] as (Pod | undefined)[]) {
        const ref = pod && controllerOf(pod);
        if (ref?.kind === 'StatefulSet') queue.add(STATEFULSET_QUEUE, `${pod!.metadata.namespace ?? 'default'}/${ref.name}`);
      }
    }
    // A claim that finished terminating (or was deleted under a pending pod) can be re-created.
    if (ev.kind === 'PersistentVolumeClaim' && !ev.new) {
      const ns = ev.old!.metadata.namespace ?? 'default';
      for (const s of this.client.list('StatefulSet')) if ((s.metadata.namespace ?? 'default') === ns) queue.add(STATEFULSET_QUEUE, `${ns}/${s.metadata.name}`);
    }
  }

  resync(queue: WorkQueue): void {
    for (const s of this.client.list('StatefulSet')) queue.add(STATEFULSET_QUEUE, `${s.metadata.namespace ?? 'default'}/${s.metadata.name}`);
    for (const key of orphanOwnerKeys(this.client, 'StatefulSet')) queue.add(STATEFULSET_QUEUE, key);
    for (const key of this.orphanClaimOwners()) queue.add(STATEFULSET_QUEUE, key);
  }

  /** Sets (`ns/name`) that owned claims and are gone (or were re-created under another uid). */
  private orphanClaimOwners(): string[] {
    const keys = new Set<string>();
    for (const claim of this.client.listClaims()) {
      if (claim.metadata.deletionTimestamp) continue;
      const ref = ownerRefs(claim).find((r) => r.kind === 'StatefulSet');
      if (!ref) continue;
      const key = `${claim.metadata.namespace ?? 'default'}/${ref.name}`;
      const owner = this.client.get('StatefulSet', key);
      if (!owner || owner.metadata['uid'] !== ref.uid) keys.add(key);
    }
    return [...keys].sort();
  }

  /** A replica without its pod, a condemned pod still running, or orphans to collect. */
  unsettled(): boolean {
    if (orphanOwnerKeys(this.client, 'StatefulSet').length > 0 || this.orphanClaimOwners().length > 0) return true;
    return (this.client.list('StatefulSet') as unknown as StatefulSet[]).some((set) => {
      if (set.metadata.deletionTimestamp) return false;
      const { owned } = podsControlledBy(this.client, set.metadata.namespace ?? 'default', 'StatefulSet', set.metadata.name, set.metadata.uid);
      const start = set.spec.ordinals?.start ?? 0;
      const end = start + (set.spec.replicas ?? 1);
      const ordinals = new Set(owned.map((p) => ordinalOf(set.metadata.name, p.metadata.name)));
      for (let i = start; i < end; i++) if (!ordinals.has(i)) return true;
      return owned.some((p) => {
        const o = ordinalOf(set.metadata.name, p.metadata.name);
        return !isDeleting(p) && (o === undefined || o < start || o >= end);
      });
    });
  }

  syncStatefulSet(key: string): void {
    const [namespace, name] = splitKey(key);
    const set = this.client.get('StatefulSet', key) as unknown as StatefulSet | undefined;
    const { owned, orphans } = podsControlledBy(this.client, namespace, 'StatefulSet', name, set?.metadata.uid);
    // Garbage collection deletes the pods of a deleted set, and the claims it owned (whenDeleted: Delete).
    for (const pod of orphans) deletePodOnce(this.client, pod);
    for (const claim of this.client.listClaims().filter((c) => (c.metadata.namespace ?? 'default') === namespace)) {
      const ref = ownerRefs(claim).find((r) => r.kind === 'StatefulSet' && r.name === name);
      if (ref && (!set || ref.uid !== set.metadata.uid) && !claim.metadata.deletionTimestamp) this.client.delete('PersistentVolumeClaim', `${namespace}/${claim.metadata.name}`);
    }
    this.collectRevisions(namespace, name, set?.metadata.uid);
    if (!set || set.metadata.deletionTimestamp) return;
    this.reconcileClaimRetention(set, owned);

    const ordered = (set.spec.podManagementPolicy ?? 'OrderedReady') !== 'Parallel';
    const start = set.spec.ordinals?.start ?? 0;
    const end = start + (set.spec.replicas ?? 1);
    const revision = this.ensureRevision(set, namespace, owned);
    const byOrdinal = new Map<number, Pod>();
    const condemned: Pod[] = [];
    for (const pod of owned) {
      const o = ordinalOf(name, pod.metadata.name);
      if (o !== undefined && o >= start && o < end) byOrdinal.set(o, pod);
      else condemned.push(pod);
    }

    // Replicas, lowest ordinal first. In OrderedReady mode any replica not Running and Ready
    // (or being replaced) stops the walk: its successors wait, and so does scale-down.
    let blocked = false;
    for (let ord = start; ord < end && !blocked; ord++) {
      const pod = byOrdinal.get(ord);
      if (pod && isTerminated(pod)) {
        // A finished pod is deleted and created again by a later sync once it is gone.
        this.deletePod(set, pod);
        blocked = ordered;
        continue;
      }
      if (!pod) {
        // OrderedReady creates one pod per sync and waits for it; Parallel goes on.
        this.createReplica(set, ord, revision);
        blocked = ordered;
        continue;
      }
      if (isDeleting(pod)) { blocked = ordered; continue; }
      if (pod.status?.phase === 'Pending' || pod.status?.phase === undefined) this.createMissingClaims(set, ord);
      if (ordered && !isRunningAndReady(pod)) blocked = true;
    }

    if (!blocked) this.scaleDown(set, condemned, ordered);
    if (!blocked && condemned.length === 0) this.rollingUpdate(set, byOrdinal, revision, start, end);
    this.writeStatus(set, namespace, revision);
  }

  /**
   * updateStatefulSet's update phase (stateful_set_control.go, v1.34): with RollingUpdate, the
   * pods whose controller-revision-hash is not the update revision are replaced one at a time,
   * highest ordinal first, down to `partition` (ordinals below it keep their revision); the next
   * waits until the replaced pod is Running and Ready again. OnDelete replaces nothing: a pod
   * gets the new template when someone deletes it.
   */
  private rollingUpdate(set: StatefulSet, byOrdinal: ReadonlyMap<number, Pod>, revision: string, start: number, end: number): void {
    const strategy = (set.spec['updateStrategy'] ?? {}) as { type?: string; rollingUpdate?: { partition?: number } };
    if ((strategy.type ?? 'RollingUpdate') !== 'RollingUpdate') return;
    const partition = Math.max(start, strategy.rollingUpdate?.partition ?? 0);
    for (let ord = end - 1; ord >= partition; ord--) {
      const pod = byOrdinal.get(ord);
      if (!pod || isDeleting(pod)) return;
      if (pod.metadata.labels?.[LABEL_CONTROLLER_REVISION_HASH] !== revision) { this.deletePod(set, pod); return; }
      if (!isRunningAndReady(pod)) return;
    }
  }

  /**
   * persistentVolumeClaimRetentionPolicy (v1.34, on by default since 1.27): the set owns the claims
   * of its live ordinals when whenDeleted is Delete (and not when Retain); with whenScaled Delete,
   * a claim of an ordinal scaled away is deleted once that ordinal's pod is gone.
   */
  private reconcileClaimRetention(set: StatefulSet, owned: readonly Pod[]): void {
    const policy = (set.spec['persistentVolumeClaimRetentionPolicy'] ?? {}) as { whenDeleted?: string; whenScaled?: string };
    const namespace = set.metadata.namespace ?? 'default';
    const start = set.spec.ordinals?.start ?? 0;
    const end = start + (set.spec.replicas ?? 1);
    const podOrdinals = new Set(owned.map((p) => ordinalOf(set.metadata.name, p.metadata.name)));
    for (const template of set.spec.volumeClaimTemplates ?? []) {
      const prefix = `${template.metadata.name}-`;
      for (const claim of this.client.listClaims().filter((c) => (c.metadata.namespace ?? 'default') === namespace)) {
        if (!claim.metadata.name.startsWith(prefix) || claim.metadata.deletionTimestamp) continue;
        const ordinal = ordinalOf(set.metadata.name, claim.metadata.name.slice(prefix.length));
        if (ordinal === undefined) continue;
        const live = ordinal >= start && ordinal < end;
        if (!live && policy.whenScaled === 'Delete') {
          if (!podOrdinals.has(ordinal)) this.client.delete('PersistentVolumeClaim', `${namespace}/${claim.metadata.name}`);
          continue;
        }
        const refs = ownerRefs(claim);
        const mine = refs.some((r) => r.kind === 'StatefulSet' && r.uid === set.metadata.uid);
        const wanted = policy.whenDeleted === 'Delete';
        if (mine === wanted) continue;
        const next = structuredClone(claim);
        const others = refs.filter((r) => !(r.kind === 'StatefulSet' && r.uid === set.metadata.uid));
        const list = wanted ? [...others, controllerRef(set)] : others;
        if (list.length > 0) next.metadata['ownerReferences'] = list; else delete next.metadata['ownerReferences'];
        this.client.updateClaim(next);
      }
    }
  }

  /** Deletes condemned pods: all at once (Parallel) or the highest ordinal, one at a time. */
  private scaleDown(set: StatefulSet, condemned: Pod[], ordered: boolean): void {
    const ord = (p: Pod) => ordinalOf(set.metadata.name, p.metadata.name) ?? -1;
    const sorted = [...condemned].sort((a, b) => ord(a) - ord(b) || byName(a, b));
    const firstUnhealthy = sorted.find((p) => isDeleting(p) || !isRunningAndReady(p));
    for (const pod of [...sorted].reverse()) {
      if (isDeleting(pod)) {
        if (ordered) return;
        continue;
      }
      if (ordered && !isRunningAndReady(pod) && pod !== firstUnhealthy) return;
      this.deletePod(set, pod);
      if (ordered) return;
    }
  }

  /** getPersistentVolumeClaims: one claim per template, labelled with the set's selector. */
  private claimFor(set: StatefulSet, template: PersistentVolumeClaimTemplate, ordinal: number): PersistentVolumeClaim {
    const name = statefulSetClaimName(template.metadata.name, set.metadata.name, ordinal);
    const policy = (set.spec['persistentVolumeClaimRetentionPolicy'] ?? {}) as { whenDeleted?: string };
    return claimFromTemplate(this.client, template, {
      name, namespace: set.metadata.namespace ?? 'default', labels: set.spec.selector.matchLabels ?? {},
      ...(policy.whenDeleted === 'Delete' ? { owner: controllerRef(set) } : {}),
    });
  }

  /** Creates the claims of one ordinal that do not exist; false while one is still terminating. */
  private createMissingClaims(set: StatefulSet, ordinal: number): boolean {
    let ready = true;
    for (const template of set.spec.volumeClaimTemplates ?? []) {
      const claim = this.claimFor(set, template, ordinal);
      const existing = this.client.getClaim(claim.metadata.namespace!, claim.metadata.name);
      if (existing) {
        if (existing.metadata.deletionTimestamp) ready = false;
        continue;
      }
      this.client.create('PersistentVolumeClaim', claim as unknown as AnyObject);
      this.client.event(set, 'Normal', 'SuccessfulCreate',
        `create Claim ${claim.metadata.name} Pod ${set.metadata.name}-${ordinal} in StatefulSet ${set.metadata.name} success`, 'statefulset-controller');
    }
    return ready;
  }

  /** Creates the claims and then the pod of one ordinal; false when it has to wait. */
  private createReplica(set: StatefulSet, ordinal: number, revision: string): boolean {
    const namespace = set.metadata.namespace ?? 'default';
    const podName = `${set.metadata.name}-${ordinal}`;
    // A pod of that name not owned by this set (an orphan still terminating) is waited for.
    if (this.client.get('Pod', `${namespace}/${podName}`)) return false;
    if (!this.createMissingClaims(set, ordinal)) return false;
    const template = set.spec.template;
    const pod = podFromTemplate(template, {
      name: podName, namespace,
      labels: {
        ...(template.metadata?.labels ?? {}),
        [LABEL_CONTROLLER_REVISION_HASH]: revision,
        [LABEL_STATEFULSET_POD_NAME]: podName,
        [LABEL_POD_INDEX]: String(ordinal),
      },
      ...(template.metadata?.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
      ownerReferences: [controllerRef(set)],
    });
    pod.spec['hostname'] = podName;
    if (set.spec.serviceName) pod.spec['subdomain'] = set.spec.serviceName;
    // updateStorage: the templates' claims first, then the template's other volumes.
    const claimVolumes: PodVolume[] = (set.spec.volumeClaimTemplates ?? []).map((t) => ({
      name: t.metadata.name,
      persistentVolumeClaim: { claimName: statefulSetClaimName(t.metadata.name, set.metadata.name, ordinal) },
    }));
    const templateNames = new Set(claimVolumes.map((v) => v.name));
    const volumes = [...claimVolumes, ...(pod.spec.volumes ?? []).filter((v) => !templateNames.has(v.name))];
    if (volumes.length > 0) pod.spec.volumes = volumes;
    this.client.create('Pod', pod as unknown as AnyObject);
    this.client.event(set, 'Normal', 'SuccessfulCreate', `create Pod ${podName} in StatefulSet ${set.metadata.name} successful`, 'statefulset-controller');
    return true;
  }

  private deletePod(set: StatefulSet, pod: Pod): void {
    if (isDeleting(pod)) return;
    deletePodOnce(this.client, pod);
    this.client.event(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata.name} in StatefulSet ${set.metadata.name} successful`, 'statefulset-controller');
  }

  /** The ControllerRevisions a set owns (by controller uid), oldest revision first. */
  private revisionsOf(namespace: string, name: string, uid: string | undefined): ControllerRevision[] {
    return (this.client.list('ControllerRevision') as unknown as ControllerRevision[])
      .filter((cr) => (cr.metadata.namespace ?? 'default') === namespace && ownerRefs(cr as never).some((r) => r.kind === 'StatefulSet' && r.name === name && r.uid === uid))
      .sort((a, b) => a.revision - b.revision);
  }

  /** Garbage collection: the revisions of a set that is gone (or was re-created under another uid). */
  private collectRevisions(namespace: string, name: string, uid: string | undefined): void {
    for (const cr of this.client.list('ControllerRevision') as unknown as ControllerRevision[]) {
      if ((cr.metadata.namespace ?? 'default') !== namespace || cr.metadata.deletionTimestamp) continue;
      const ref = ownerRefs(cr as never).find((r) => r.kind === 'StatefulSet' && r.name === name);
      if (ref && ref.uid !== uid) this.client.delete('ControllerRevision', `${namespace}/${cr.metadata.name}`);
    }
  }

  /**
   * getStatefulSetRevisions + truncateHistory (stateful_set_control.go, v1.34): the update
   * revision is the ControllerRevision `<set>-<hash>` whose data is the template patch; an
   * equal revision that is not the newest gets the next revision number (a rollback), a new
   * template a new revision. Revisions no pod, currentRevision nor updateRevision uses are
   * deleted oldest first beyond revisionHistoryLimit (default 10).
   */
  private ensureRevision(set: StatefulSet, namespace: string, pods: readonly Pod[]): string {
    const hash = podTemplateHash(set.spec.template);
    const name = `${set.metadata.name}-${hash}`;
    let history = this.revisionsOf(namespace, set.metadata.name, set.metadata.uid);
    const next = (history[history.length - 1]?.revision ?? 0) + 1;
    const existing = history.find((cr) => cr.metadata.name === name);
    if (!existing) {
      this.client.create('ControllerRevision', revisionFor(set, hash, next) as unknown as AnyObject);
    } else if (existing.revision !== next - 1) {
      this.client.update('ControllerRevision', { ...existing, revision: next } as unknown as AnyObject);
    }
    history = this.revisionsOf(namespace, set.metadata.name, set.metadata.uid);
    const live = new Set([name, set.status?.currentRevision, set.status?.updateRevision]);
    for (const pod of pods) live.add(pod.metadata.labels?.[LABEL_CONTROLLER_REVISION_HASH]);
    const old = history.filter((cr) => !live.has(cr.metadata.name));
    const limit = set.spec.revisionHistoryLimit ?? 10;
    for (const cr of old.slice(0, Math.max(0, old.length - limit))) this.client.delete('ControllerRevision', `${namespace}/${cr.metadata.name}`);
    return name;
  }

  private writeStatus(set: StatefulSet, namespace: string, revision: string): void {
    const { owned } = podsControlledBy(this.client, namespace, 'StatefulSet', set.metadata.name, set.metadata.uid);
    const ready = owned.filter(isRunningAndReady).length;
    const live = owned.filter((p) => !isDeleting(p));
    const at = (rev: string) => live.filter((p) => p.metadata.labels?.[LABEL_CONTROLLER_REVISION_HASH] === rev).length;
    const updated = at(revision);
    // The current revision stays until every replica runs the update revision (updateStatefulSetStatus).
    let current = set.status?.currentRevision ?? revision;
    if (updated === (set.spec.replicas ?? 1) && live.length === updated) current = revision;
    const status: NonNullable<StatefulSet['status']> = {
      ...(set.metadata.generation !== undefined ? { observedGeneration: set.metadata.generation } : {}),
      replicas: owned.length,
      readyReplicas: ready,
      availableReplicas: ready,
      currentReplicas: at(current),
      updatedReplicas: updated,
      currentRevision: current,
      updateRevision: revision,
    };
    // The caller passes what it last read or wrote (a re-read could be older: informers lag).
    const latest = set as unknown as AnyObject;
    this.client.update('StatefulSet', { ...latest, status } as unknown as AnyObject, 'status');
  }
}
