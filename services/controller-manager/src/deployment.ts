/**
 * Design: the Deployment and ReplicaSet controllers as kube-controller-manager v1.34 has them
 * (`pkg/controller/deployment`: sync.go, rolling.go, recreate.go, progress.go, util/deployment_util.go;
 * `pkg/controller/replicaset/replica_set.go`), level-triggered: each sync reads the owner and what it
 * controls (by ownerReference uid), writes what is missing or surplus, then status.
 *
 * - A Deployment owns ReplicaSets `<deployment>-<pod-template-hash>`; the one whose hash is the
 *   template's is the new one, the others old. RollingUpdate scales the new one up within
 *   `replicas + maxSurge` and the old ones down while `replicas - maxUnavailable` pods stay
 *   available (both default 25%: surge rounds up, unavailable down, so one replica starts its new
 *   pod before the old one stops); Recreate scales the old ones to 0 and waits until their pods
 *   are gone. Revisions are annotations, old ReplicaSets beyond revisionHistoryLimit are deleted.
 *   Status and the Available/Progressing conditions follow sync.go's calculateStatus and
 *   progress.go; a rollout that makes no progress for progressDeadlineSeconds gets
 *   ProgressDeadlineExceeded when it is next synced (a resync or `advance`), not by a timer.
 * - A ReplicaSet creates and deletes pods `<replicaset>-<5 chars>` to match its replicas; the suffix
 *   is a hash of its namespace/name and a counter kept in an annotation (ADR 0028: the same names
 *   whatever the interleaving of a distributed run, not only for the same seed),
 *   and surplus pods go in getPodsToDelete's order (unscheduled, pending, not ready first).
 * - pvsim has no garbage collector: a ReplicaSet whose Deployment is gone, and a pod whose
 *   ReplicaSet is gone, are deleted by these syncs. minReadySeconds is not simulated (a ready pod
 *   is available at once); paused Deployments are not rolled.
 */
import type { ObjectMeta, Pod } from '@pvsim/domain';
import type { AnyObject, Client, SimClock, WatchEvent } from '@pvsim/runtime';
import { podKey, splitKey, type Controller, type WorkQueue } from '@pvsim/component';
import {
  ANN_POD_NAME_COUNTER, DEPLOYMENT_QUEUE, LABEL_POD_TEMPLATE_HASH, byName, controllerOf, controllerRef, deletePodOnce, isDeleting, isPodReady, isTerminated,
  podFromTemplate, podNameSuffix, podTemplateHash, type Deployment, type PodTemplateSpec,
} from './workloads.ts';

export const REPLICASET_QUEUE = 'replicaset';
export const ANN_REVISION = 'deployment.kubernetes.io/revision';
/** The revisions a ReplicaSet had before a rollback gave it the newest (comma-separated, oldest first). */
export const ANN_REVISION_HISTORY = 'deployment.kubernetes.io/revision-history';
export const ANN_DESIRED_REPLICAS = 'deployment.kubernetes.io/desired-replicas';
export const ANN_MAX_REPLICAS = 'deployment.kubernetes.io/max-replicas';

export interface ReplicaSet {
  apiVersion: 'apps/v1';
  kind: 'ReplicaSet';
  metadata: ObjectMeta;
  spec: { replicas?: number; minReadySeconds?: number; selector: { matchLabels?: Record<string, string>; [f: string]: unknown }; template: PodTemplateSpec };
  status?: { replicas: number; fullyLabeledReplicas?: number; readyReplicas?: number; availableReplicas?: number; observedGeneration?: number };
}

export interface DeploymentCondition {
  type: 'Available' | 'Progressing' | string;
  status: 'True' | 'False' | 'Unknown';
  lastUpdateTime: string;
  lastTransitionTime: string;
  reason: string;
  message: string;
}

// ------------------------------------------------------------------------------ rollout math

/** intstr.GetScaledValueFromIntOrPercent: an int, or a percentage of `total` rounded up or down. */
export function scaledValue(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(String(v ?? '0'));
  if (!m) return 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** ResolveFenceposts: maxSurge rounds up, maxUnavailable down; both 0 would deadlock, so unavailable is 1. */
export function resolveFenceposts(d: Deployment): { surge: number; unavailable: number } {
  const desired = d.spec.replicas ?? 1;
  if (d.spec.strategy?.type === 'Recreate') return { surge: 0, unavailable: 0 };
  const ru = (d.spec.strategy?.['rollingUpdate'] ?? {}) as { maxSurge?: unknown; maxUnavailable?: unknown };
  const surge = scaledValue(ru.maxSurge ?? '25%', desired, true);
  let unavailable = scaledValue(ru.maxUnavailable ?? '25%', desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

const specReplicas = (rs: ReplicaSet): number => rs.spec.replicas ?? 1;
const sum = (rss: readonly ReplicaSet[], f: (rs: ReplicaSet) => number): number => rss.reduce((n, rs) => n + f(rs), 0);
const available = (rs: ReplicaSet): number => rs.status?.availableReplicas ?? 0;

/** NewRSNewReplicas (rolling): how far the new ReplicaSet may grow now. */
export function newReplicaSetReplicas(desired: number, surge: number, allSpecReplicas: number, newSpecReplicas: number): number {
  const maxTotal = desired + surge;
  if (allSpecReplicas >= maxTotal) return newSpecReplicas;
  return newSpecReplicas + Math.min(maxTotal - allSpecReplicas, desired - newSpecReplicas);
}

/**
 * reconcileOldReplicaSets (rolling.go): old ReplicaSets scaled down, unhealthy pods first
 * (cleanupUnhealthyReplicas), then while more than `desired - maxUnavailable` pods are available
 * (scaleDownOldReplicaSetsForRollingUpdate); oldest first. Returns the new replica count per old set.
 */
export function scaleDownOld(desired: number, unavailable: number, newRS: ReplicaSet | undefined, old: readonly ReplicaSet[]): Map<string, number> {
  const out = new Map<string, number>();
  const replicas = (rs: ReplicaSet) => out.get(rs.metadata.name) ?? specReplicas(rs);
  const all = [...old, ...(newRS ? [newRS] : [])];
  if (sum(old, specReplicas) === 0) return out;
  const minAvailable = desired - unavailable;
  const newUnavailable = newRS ? Math.max(0, specReplicas(newRS) - available(newRS)) : 0;
  const maxScaledDown = sum(all, specReplicas) - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return out;
  const oldest = [...old].sort((a, b) => (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '') || byName(a, b));
  let cleaned = 0;
  for (const rs of oldest) {
    if (cleaned >= maxScaledDown) break;
    const unhealthy = specReplicas(rs) - available(rs);
    if (specReplicas(rs) === 0 || unhealthy <= 0) continue;
    const down = Math.min(maxScaledDown - cleaned, unhealthy);
    out.set(rs.metadata.name, specReplicas(rs) - down);
    cleaned += down;
  }
  const availableNow = sum(all, available);
  if (availableNow <= minAvailable) return out;
  const total = availableNow - minAvailable;
  let done = 0;
  for (const rs of oldest) {
    if (done >= total) break;
    if (replicas(rs) === 0) continue;
    const down = Math.min(replicas(rs), total - done);
    out.set(rs.metadata.name, replicas(rs) - down);
    done += down;
  }
  return out;
}

/** getPodsToDelete's ranking (ActivePodsWithRanks, simplified): who goes first when scaling down. */
function deletionRank(pod: Pod): number[] {
  const phase = pod.status?.phase ?? 'Pending';
  return [pod.spec.nodeName ? 1 : 0, phase === 'Pending' ? 0 : phase === 'Unknown' ? 1 : 2, isPodReady(pod) ? 1 : 0];
}

function compareForDeletion(a: Pod, b: Pod): number {
  const [ra, rb] = [deletionRank(a), deletionRank(b)];
  for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! - rb[i]!;
  // Newer pods first; pvsim's names are hashes, so the tie-break is the name, descending.
  return -byName(a, b);
}

function ownedBy<T extends { metadata: ObjectMeta }>(objects: readonly T[], kind: string, name: string, uid: string | undefined): { owned: T[]; orphans: T[] } {
  const owned: T[] = [];
  const orphans: T[] = [];
  for (const o of objects) {
    const ref = controllerOf(o);
    if (!ref || ref.kind !== kind || ref.name !== name) continue;
    if (uid !== undefined && ref.uid === uid) owned.push(o); else orphans.push(o);
  }
  return { owned, orphans };
}

/** Owner keys (`ns/name`) of objects whose controller of `kind` no longer exists under that uid. */
function orphanOwners(client: Client, objects: readonly { metadata: ObjectMeta }[], kind: 'Deployment' | 'ReplicaSet'): string[] {
  const keys = new Set<string>();
  for (const o of objects) {
    const ref = controllerOf(o);
    if (!ref || ref.kind !== kind || o.metadata.deletionTimestamp) continue;
    const key = `${o.metadata.namespace ?? 'default'}/${ref.name}`;
    const owner = client.get(kind, key);
    if (!owner || owner.metadata['uid'] !== ref.uid) keys.add(key);
  }
  return [...keys].sort();
}

// ------------------------------------------------------------------------------ ReplicaSet

export class ReplicaSetController implements Controller {
  readonly name = 'replicaset';
  readonly queues: Record<string, (key: string) => void>;

  constructor(private readonly client: Client, _queue: WorkQueue) {
    this.queues = { [REPLICASET_QUEUE]: (key) => this.syncReplicaSet(key) };
  }

  onWatch(ev: WatchEvent, queue: WorkQueue): void {
    if (ev.kind === 'ReplicaSet') queue.add(REPLICASET_QUEUE, ev.key);
    if (ev.kind === 'Pod') {
      for (const pod of [ev.old, ev.new] as (Pod | undefined)[]) {
        const ref = pod && controllerOf(pod);
        if (ref?.kind === 'ReplicaSet') queue.add(REPLICASET_QUEUE, `${pod!.metadata.namespace ?? 'default'}/${ref.name}`);
      }
    }
  }

  resync(queue: WorkQueue): void {
    for (const rs of this.client.list('ReplicaSet')) queue.add(REPLICASET_QUEUE, `${rs.metadata.namespace ?? 'default'}/${rs.metadata.name}`);
    for (const key of orphanOwners(this.client, this.client.listPods(), 'ReplicaSet')) queue.add(REPLICASET_QUEUE, key);
  }

  unsettled(): boolean {
    if (orphanOwners(this.client, this.client.listPods(), 'ReplicaSet').length > 0) return true;
    return (this.client.list('ReplicaSet') as unknown as ReplicaSet[]).some((rs) => {
      if (rs.metadata.deletionTimestamp) return false;
      const { owned } = ownedBy(this.client.listPods(rs.metadata.namespace ?? 'default'), 'ReplicaSet', rs.metadata.name, rs.metadata.uid);
      return owned.filter((p) => !isDeleting(p) && !isTerminated(p)).length !== specReplicas(rs);
    });
  }

  syncReplicaSet(key: string): void {
    const [namespace, name] = splitKey(key);
    const rs = this.client.get('ReplicaSet', key) as unknown as ReplicaSet | undefined;
    const { owned, orphans } = ownedBy(this.client.listPods(namespace), 'ReplicaSet', name, rs?.metadata.uid);
    for (const pod of orphans) deletePodOnce(this.client, pod);
    if (!rs) return;
    if (rs.metadata.deletionTimestamp) { for (const pod of owned) deletePodOnce(this.client, pod); return; }
    const active = owned.filter((p) => !isDeleting(p) && !isTerminated(p));
    const diff = active.length - specReplicas(rs);
    let latest = rs;
    if (diff < 0) {
      let counter = Number(rs.metadata.annotations?.[ANN_POD_NAME_COUNTER] ?? '0');
      if (!Number.isSafeInteger(counter) || counter < 0) counter = 0;
      for (let i = 0; i < -diff; i++) {
        let podName: string;
        do podName = `${name}-${podNameSuffix(`${namespace}/${name}`, counter++)}`;
        while (this.client.get('Pod', `${namespace}/${podName}`));
        const t = rs.spec.template;
        this.client.create('Pod', podFromTemplate(t, {
          name: podName, namespace, generateName: `${name}-`,
          labels: { ...(t.metadata?.labels ?? {}) },
          ...(t.metadata?.annotations ? { annotations: { ...t.metadata.annotations } } : {}),
          ownerReferences: [controllerRef(rs)],
        }) as unknown as AnyObject);
        this.client.event(rs, 'Normal', 'SuccessfulCreate', `Created pod: ${podName}`, 'replicaset-controller');
      }
      const next = structuredClone(rs);
      next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [ANN_POD_NAME_COUNTER]: String(counter) };
      latest = this.client.update('ReplicaSet', next as unknown as AnyObject) as unknown as ReplicaSet;
    } else if (diff > 0) {
      for (const pod of [...active].sort(compareForDeletion).slice(0, diff)) {
        deletePodOnce(this.client, pod);
        this.client.event(rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata.name}`, 'replicaset-controller');
      }
    }
    const now = ownedBy(this.client.listPods(namespace), 'ReplicaSet', name, rs.metadata.uid).owned.filter((p) => !isDeleting(p) && !isTerminated(p));
    const ready = now.filter(isPodReady).length;
    const status: NonNullable<ReplicaSet['status']> = {
      replicas: now.length, fullyLabeledReplicas: now.length, readyReplicas: ready, availableReplicas: ready,
      ...(latest.metadata.generation !== undefined ? { observedGeneration: latest.metadata.generation } : {}),
    };
    if (JSON.stringify(status) !== JSON.stringify(latest.status ?? null)) {
      this.client.update('ReplicaSet', { ...(latest as unknown as AnyObject), status } as unknown as AnyObject, 'status');
    }
  }
}

// ------------------------------------------------------------------------------ Deployment

const CONTROLLER = 'deployment-controller';

export class DeploymentController implements Controller {
  readonly name = 'deployment';
  readonly queues: Record<string, (key: string) => void>;

  constructor(private readonly client: Client, _queue: WorkQueue, private readonly clock?: SimClock) {
    this.queues = { [DEPLOYMENT_QUEUE]: (key) => this.syncDeployment(key) };
  }

  onWatch(ev: WatchEvent, queue: WorkQueue): void {
    if (ev.kind === 'Deployment') queue.add(DEPLOYMENT_QUEUE, ev.key);
    if (ev.kind === 'ReplicaSet') {
      for (const rs of [ev.old, ev.new]) {
        const ref = rs && controllerOf(rs as never);
        if (ref?.kind === 'Deployment') queue.add(DEPLOYMENT_QUEUE, `${rs!.metadata.namespace ?? 'default'}/${ref.name}`);
      }
    }
    // Recreate waits for the old pods to be gone.
    if (ev.kind === 'Pod' && !ev.new) {
      const ref = controllerOf(ev.old as never);
      if (ref?.kind === 'ReplicaSet') {
        const rs = this.client.get('ReplicaSet', `${ev.old!.metadata.namespace ?? 'default'}/${ref.name}`);
        const owner = rs && controllerOf(rs as never);
        if (owner?.kind === 'Deployment') queue.add(DEPLOYMENT_QUEUE, `${rs!.metadata.namespace ?? 'default'}/${owner.name}`);
      }
    }
  }

  resync(queue: WorkQueue): void {
    for (const d of this.client.list('Deployment')) queue.add(DEPLOYMENT_QUEUE, `${d.metadata.namespace ?? 'default'}/${d.metadata.name}`);
    for (const key of orphanOwners(this.client, this.client.list('ReplicaSet') as never, 'Deployment')) queue.add(DEPLOYMENT_QUEUE, key);
  }

  /** A rollout not complete, or ReplicaSets to collect. */
  unsettled(): boolean {
    if (orphanOwners(this.client, this.client.list('ReplicaSet') as never, 'Deployment').length > 0) return true;
    return (this.client.list('Deployment') as unknown as Deployment[]).some((d) => {
      if (d.metadata.deletionTimestamp) return false;
      const s = d.status ?? {};
      const r = d.spec.replicas ?? 1;
      return s.updatedReplicas !== r || s.replicas !== r || (s.observedGeneration ?? 0) < (d.metadata.generation ?? 0);
    });
  }

  private now(): string {
    return this.clock?.iso() ?? new Date(0).toISOString();
  }

  syncDeployment(key: string): void {
    const [namespace, name] = splitKey(key);
    const d = this.client.get('Deployment', key) as unknown as Deployment | undefined;
    const all = this.client.list('ReplicaSet').filter((rs) => (rs.metadata.namespace ?? 'default') === namespace) as unknown as ReplicaSet[];
    const { owned, orphans } = ownedBy(all, 'Deployment', name, d?.metadata.uid);
    for (const rs of orphans) this.deleteReplicaSet(rs);
    if (!d) return;
    if (d.metadata.deletionTimestamp) { for (const rs of owned) this.deleteReplicaSet(rs); return; }
    const live = owned.filter((rs) => !rs.metadata.deletionTimestamp);
    const hash = podTemplateHash(d.spec.template);
    let newRS = live.find((rs) => rs.metadata.labels?.[LABEL_POD_TEMPLATE_HASH] === hash);
    let old = live.filter((rs) => rs !== newRS);
    if (newRS) newRS = this.syncRevision(d, newRS, old);
    const desired = d.spec.replicas ?? 1;
    const { surge, unavailable } = resolveFenceposts(d);
    let created = false;
    if (d.spec['paused'] !== true) {
      if (d.spec.strategy?.type === 'Recreate') {
        for (const rs of old) if (specReplicas(rs) > 0) this.scale(d, rs, 0, surge);
        old = old.map((rs) => this.client.get('ReplicaSet', podKey(rs as never)) as unknown as ReplicaSet ?? rs);
        // oldPodsRunning: any pod of an old ReplicaSet that has not finished, Terminating included.
        const oldUids = new Set(old.map((rs) => rs.metadata.uid));
        const oldPodsRunning = this.client.listPods(namespace).some((p) => oldUids.has(controllerOf(p)?.uid) && !isTerminated(p));
        if (!oldPodsRunning) {
          if (!newRS) { newRS = this.createReplicaSet(d, hash, desired, surge, old); created = true; }
          else if (specReplicas(newRS) !== desired) newRS = this.scale(d, newRS, desired, surge);
        }
      } else {
        if (!newRS) {
          newRS = this.createReplicaSet(d, hash, newReplicaSetReplicas(desired, surge, sum(old, specReplicas), 0), surge, old);
          created = true;
        } else if (specReplicas(newRS) > desired) {
          newRS = this.scale(d, newRS, desired, surge);
        } else if (specReplicas(newRS) < desired) {
          const target = newReplicaSetReplicas(desired, surge, sum(live, specReplicas), specReplicas(newRS));
          if (target !== specReplicas(newRS)) newRS = this.scale(d, newRS, target, surge);
        }
        for (const [rsName, replicas] of scaleDownOld(desired, unavailable, newRS, old)) {
          const rs = old.find((o) => o.metadata.name === rsName)!;
          this.scale(d, rs, replicas, surge);
        }
      }
      this.cleanupHistory(d, namespace, name);
    }
    this.writeStatus(d, namespace, name, hash, unavailable, created ? newRS : undefined);
  }

  private deleteReplicaSet(rs: ReplicaSet): void {
    if (!rs.metadata.deletionTimestamp) this.client.delete('ReplicaSet', podKey(rs as never));
  }

  /** getNewReplicaSet with createIfNotExisted: the template with its hash, the next revision. */
  private createReplicaSet(d: Deployment, hash: string, replicas: number, surge: number, old: readonly ReplicaSet[]): ReplicaSet {
    const namespace = d.metadata.namespace ?? 'default';
    const revision = Math.max(0, ...old.map((rs) => Number(rs.metadata.annotations?.[ANN_REVISION] ?? '0'))) + 1;
    const labels = { ...(d.spec.template.metadata?.labels ?? {}), [LABEL_POD_TEMPLATE_HASH]: hash };
    const rs = {
      apiVersion: 'apps/v1', kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`, namespace, labels,
        annotations: { [ANN_DESIRED_REPLICAS]: String(d.spec.replicas ?? 1), [ANN_MAX_REPLICAS]: String((d.spec.replicas ?? 1) + surge), [ANN_REVISION]: String(revision) },
        ownerReferences: [controllerRef(d)], generation: 1,
      },
      spec: {
        replicas, ...(d.spec['minReadySeconds'] !== undefined ? { minReadySeconds: d.spec['minReadySeconds'] as number } : {}),
        selector: { ...d.spec.selector, matchLabels: { ...(d.spec.selector.matchLabels ?? {}), [LABEL_POD_TEMPLATE_HASH]: hash } },
        template: { ...structuredClone(d.spec.template), metadata: { ...(d.spec.template.metadata ?? {}), labels } },
      },
      status: { replicas: 0 },
    };
    const stored = this.client.create('ReplicaSet', rs as unknown as AnyObject) as unknown as ReplicaSet;
    if (replicas > 0) this.client.event(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${rs.metadata.name} from 0 to ${replicas}`, CONTROLLER);
    if (d.metadata.annotations?.[ANN_REVISION] !== String(revision)) {
      const next = structuredClone(d);
      next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [ANN_REVISION]: String(revision) };
      this.client.update('Deployment', next as unknown as AnyObject);
    }
    return stored;
  }

  /**
   * getNewReplicaSet for an existing one (SetNewReplicaSetAnnotations): the new ReplicaSet's
   * revision is one past every old one's — after `rollout undo` the ReplicaSet rolled back to takes
   * the newest number, and the numbers it had move to `deployment.kubernetes.io/revision-history`;
   * the Deployment's revision annotation follows. Nothing is written while the newest revision is already its.
   */
  private syncRevision(d: Deployment, rs: ReplicaSet, old: readonly ReplicaSet[]): ReplicaSet {
    const revision = Math.max(0, ...old.map((o) => Number(o.metadata.annotations?.[ANN_REVISION] ?? '0'))) + 1;
    const had = rs.metadata.annotations?.[ANN_REVISION];
    let stored = rs;
    if (Number(had ?? '0') < revision) {
      const next = structuredClone(rs);
      const annotations: Record<string, string> = { ...(next.metadata.annotations ?? {}), [ANN_REVISION]: String(revision) };
      if (had !== undefined) {
        const history = annotations[ANN_REVISION_HISTORY];
        annotations[ANN_REVISION_HISTORY] = history ? `${history},${had}` : had;
      }
      next.metadata.annotations = annotations;
      stored = this.client.update('ReplicaSet', next as unknown as AnyObject) as unknown as ReplicaSet;
      if (d.metadata.annotations?.[ANN_REVISION] !== String(revision)) {
        const deployment = structuredClone(d);
        deployment.metadata.annotations = { ...(deployment.metadata.annotations ?? {}), [ANN_REVISION]: String(revision) };
        this.client.update('Deployment', deployment as unknown as AnyObject);
      }
    }
    return stored;
  }

  /** scaleReplicaSet: replicas and the desired/max annotations, with the ScalingReplicaSet event. */
  private scale(d: Deployment, rs: ReplicaSet, replicas: number, surge: number): ReplicaSet {
    const from = specReplicas(rs);
    const next = structuredClone(rs);
    next.spec.replicas = replicas;
    next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [ANN_DESIRED_REPLICAS]: String(d.spec.replicas ?? 1), [ANN_MAX_REPLICAS]: String((d.spec.replicas ?? 1) + surge) };
    const stored = this.client.update('ReplicaSet', next as unknown as AnyObject) as unknown as ReplicaSet;
    if (from !== replicas) {
      this.client.event(d, 'Normal', 'ScalingReplicaSet', `Scaled ${replicas > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${replicas}`, CONTROLLER);
    }
    return stored;
  }

  /** cleanupDeployment: old ReplicaSets with nothing left beyond revisionHistoryLimit go, oldest first. */
  private cleanupHistory(d: Deployment, namespace: string, name: string): void {
    const limit = typeof d.spec['revisionHistoryLimit'] === 'number' ? d.spec['revisionHistoryLimit'] as number : 10;
    const hash = podTemplateHash(d.spec.template);
    const all = this.client.list('ReplicaSet').filter((rs) => (rs.metadata.namespace ?? 'default') === namespace) as unknown as ReplicaSet[];
    const old = ownedBy(all, 'Deployment', name, d.metadata.uid).owned
      .filter((rs) => !rs.metadata.deletionTimestamp && rs.metadata.labels?.[LABEL_POD_TEMPLATE_HASH] !== hash && specReplicas(rs) === 0 && (rs.status?.replicas ?? 0) === 0)
      .sort((a, b) => Number(a.metadata.annotations?.[ANN_REVISION] ?? '0') - Number(b.metadata.annotations?.[ANN_REVISION] ?? '0'));
    for (const rs of old.slice(0, Math.max(0, old.length - limit))) this.deleteReplicaSet(rs);
  }

  /** calculateStatus and syncRolloutStatus: counts from the ReplicaSets, Available and Progressing. */
  private writeStatus(d: Deployment, namespace: string, name: string, hash: string, maxUnavailable: number, createdRS: ReplicaSet | undefined): void {
    const latest = (this.client.get('Deployment', `${namespace}/${name}`) as unknown as Deployment | undefined) ?? d;
    const all = this.client.list('ReplicaSet').filter((rs) => (rs.metadata.namespace ?? 'default') === namespace) as unknown as ReplicaSet[];
    const rss = ownedBy(all, 'Deployment', name, d.metadata.uid).owned.filter((rs) => !rs.metadata.deletionTimestamp);
    const newRS = rss.find((rs) => rs.metadata.labels?.[LABEL_POD_TEMPLATE_HASH] === hash);
    const desired = d.spec.replicas ?? 1;
    const availableReplicas = sum(rss, available);
    const previous = latest.status ?? {};
    const status: NonNullable<Deployment['status']> = {
      ...(latest.metadata.generation !== undefined ? { observedGeneration: latest.metadata.generation } : {}),
      replicas: sum(rss, (rs) => rs.status?.replicas ?? 0),
      updatedReplicas: newRS?.status?.replicas ?? 0,
      readyReplicas: sum(rss, (rs) => rs.status?.readyReplicas ?? 0),
      availableReplicas,
    };
    const unavailableReplicas = Math.max(0, sum(rss, specReplicas) - availableReplicas);
    if (unavailableReplicas > 0) status.unavailableReplicas = unavailableReplicas;
    const conditions = [...((previous['conditions'] as DeploymentCondition[] | undefined) ?? [])];
    const now = this.now();
    const setCondition = (c: Omit<DeploymentCondition, 'lastUpdateTime' | 'lastTransitionTime'>): void => {
      const i = conditions.findIndex((x) => x.type === c.type);
      const cur = i >= 0 ? conditions[i] : undefined;
      if (cur && cur.status === c.status && cur.reason === c.reason) return;
      const next: DeploymentCondition = { ...c, lastUpdateTime: now, lastTransitionTime: cur && cur.status === c.status ? cur.lastTransitionTime : now };
      if (i >= 0) conditions[i] = next; else conditions.push(next);
    };
    if (availableReplicas >= desired - maxUnavailable) setCondition({ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' });
    else setCondition({ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' });
    const deadline = typeof d.spec['progressDeadlineSeconds'] === 'number' ? (d.spec['progressDeadlineSeconds'] as number) : 600;
    const progressing = conditions.find((c) => c.type === 'Progressing');
    const complete = status.updatedReplicas === desired && status.replicas === desired && availableReplicas === desired;
    const progressed = (status.updatedReplicas ?? 0) > (previous.updatedReplicas ?? 0) || (status.replicas ?? 0) < (previous.replicas ?? 0)
      || (status.readyReplicas ?? 0) > (previous.readyReplicas ?? 0) || availableReplicas > (previous.availableReplicas ?? 0);
    if (createdRS) {
      setCondition({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "${createdRS.metadata.name}"` });
    } else if (newRS && complete) {
      setCondition({ type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${newRS.metadata.name}" has successfully progressed.` });
    } else if (newRS && progressed) {
      // A progress moves lastUpdateTime even when the reason stays (the deadline counts from it).
      const i = conditions.findIndex((x) => x.type === 'Progressing');
      const next: DeploymentCondition = {
        type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${newRS.metadata.name}" is progressing.`,
        lastUpdateTime: now, lastTransitionTime: progressing?.status === 'True' ? progressing.lastTransitionTime : now,
      };
      if (i >= 0) conditions[i] = next; else conditions.push(next);
    } else if (newRS && progressing && progressing.reason !== 'NewReplicaSetAvailable' && this.clock
      && Date.parse(progressing.lastUpdateTime) + deadline * 1000 < this.clock.now()) {
      setCondition({ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: `ReplicaSet "${newRS.metadata.name}" has timed out progressing.` });
    }
    if (conditions.length > 0) status['conditions'] = conditions;
    if (JSON.stringify(status) === JSON.stringify(latest.status ?? null)) return;
    this.client.update('Deployment', { ...(latest as unknown as AnyObject), status } as unknown as AnyObject, 'status');
  }
}
