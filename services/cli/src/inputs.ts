/**
 * Design: every state change a user can cause is an *input*: a record with a type and the data
 * needed to redo it (objects, names, the seed). A verb validates, builds the input, and hands it
 * to `runInput`, which records it and performs it; `pvsim log verify` hands the recorded inputs
 * to the same function in a scratch cluster. One executor, so re-execution cannot drift from
 * what the verbs did.
 */
import { rolloutStatus } from './rolloutStatus.ts';
import { applyDefaults, prepareForCreate, resolveKind } from '@pvsim/manifests';
import { objectKey, type StoredKind } from '@pvsim/runtime';
import { execInContainer, type ExecResult } from '@pvsim/kubelet';
import { KUBELET_FINALIZER, withNodeDown, type Pod } from '@pvsim/domain';
import type { Session } from './session.ts';
import { admitCreate } from './admission.ts';
import { LAST_APPLIED, lastAppliedOf, threeWayMerge } from './merge.ts';
import { performApiWrite, type ApiWriteData } from './apiWrites.ts';
import { performClusterInit, type ClusterInitData } from './clusterObjects.ts';

export type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string>; [k: string]: unknown }; [k: string]: unknown };

export type Input =
  | { type: 'ApplyRequested'; data: { seed: number; wait: boolean; objects: Obj[] } }
  | { type: 'ImportRequested'; data: { seed: number; wait: boolean; objects: Obj[] } }
  | { type: 'DeleteRequested'; data: { seed: number; wait: boolean; force?: boolean; objects: { kind: StoredKind; name: string; namespace?: string }[] } }
  | { type: 'NodeDownRequested' | 'NodeUpRequested'; data: { seed: number; name: string } }
  | { type: 'WaitRequested'; data: { seed: number; kind: StoredKind; key: string; condition: string; timeoutMs: number } }
  | { type: 'AdvanceRequested'; data: { seed: number; durationMs: number } }
  | { type: 'ExecRequested'; data: { seed: number; pod: string; container?: string; argv: string[] } }
  | { type: 'RestartRequested'; data: { seed: number; pod: string; container: string } }
  | { type: 'TaintRequested'; data: { seed: number; node: string; taints: TaintChange[] } }
  | { type: 'ScaleRequested'; data: { seed: number; kind: ScalableKind; key: string; replicas: number } }
  | { type: 'ApiWriteRequested'; data: ApiWriteData }
  | { type: 'ClusterInitRequested'; data: ClusterInitData }
  /**
   * A component process of a distributed run (`pvsim serve --only`, ADR 0019) took the work that
   * waited for `component` in the log's last WorkPending and ran it: one transaction, re-executed
   * by `log verify` like any command.
   */
  | { type: 'ComponentWorkRequested'; data: { seed: number; component: string } }
  /**
   * The clock owner of a distributed run (`pvsim serve --only clock`, ADR 0026) found every
   * component quiet with a timer pending and moved simulated time to it: the due work is
   * released for the processes that own it. `expectedPos` is the log's end it decided on; the
   * counters are its bounds, carried so that a restarted owner goes on counting.
   */
  | { type: 'ClockAdvanceRequested'; data: ClockAdvanceData };

/** What a `ClockAdvanceRequested` input carries (clockOwner.ts). */
export interface ClockAdvanceData {
  seed: number;
  expectedPos: number;
  /** Advances in a row before this one after which the objects were as they had been (only time moved). */
  idleAdvances: number;
  /** Simulated time from the last user input to the timer this advance fires. */
  sinceCommandMs: number;
  /** The objects' fingerprint (ObjectStore.fingerprint: up to uids, versions and times) when it decided. */
  fingerprint: string;
}

/** What `pvsim scale` changes the replicas of (their scale subresource). */
export type ScalableKind = 'Deployment' | 'ReplicaSet' | 'StatefulSet';

export interface TaintChange { key: string; value?: string; effect?: string; remove: boolean }

export type ApplyAction = 'created' | 'configured' | 'unchanged';

export function stripServerFields(o: Obj): Obj {
  const c = structuredClone(o);
  delete c.metadata['resourceVersion'];
  delete c.metadata['managedFields'];
  delete c.metadata['generation'];
  delete c.metadata['selfLink'];
  return c;
}

/** The object `kubectl apply` would store: a three-way merge with the live one, defaulted. */
export function desiredForApply(live: Obj | undefined, object: Obj): Obj {
  const config = stripServerFields(object);
  const prev = live?.metadata.annotations?.[LAST_APPLIED];
  const next = applyDefaults(live ? threeWayMerge(live as never, prev ? JSON.parse(prev) : undefined, config as never) as unknown as Obj : structuredClone(config));
  next.metadata.annotations = { ...(next.metadata.annotations ?? {}), [LAST_APPLIED]: lastAppliedOf(config) };
  return next;
}

export function applyAction(live: Obj | undefined, next: Obj): ApplyAction {
  return !live ? 'created' : JSON.stringify(next) === JSON.stringify(live) ? 'unchanged' : 'configured';
}

export function kindOf(o: Obj): StoredKind {
  return resolveKind(o.apiVersion, o.kind)!.kind as StoredKind;
}

/**
 * An imported cluster carries its own times (creationTimestamp, deletionTimestamp); simulated time
 * continues from the latest of them, so ages and events read as they did on that cluster.
 */
function advanceToRecordedTime(session: Session, objects: Obj[]): void {
  let latest = 0;
  for (const o of objects) {
    for (const f of ['creationTimestamp', 'deletionTimestamp'] as const) {
      const t = Date.parse(String(o.metadata[f] ?? ''));
      if (Number.isFinite(t) && t > latest) latest = t;
    }
  }
  if (latest > 0) session.clock.set(latest);
}

/** What a wait's condition string means; shared by `pvsim wait` and scenarios. */
export function waitCondition(condition: string): (obj: Obj | undefined) => boolean {
  if (condition === 'delete') return (o) => o === undefined;
  // pvsim rollout status: kubectl's verdict says the rollout is done.
  if (condition === 'rollout') return (o) => o !== undefined && rolloutStatus(o as never).done;
  const cond = /^condition=([^=]+)(?:=(.*))?$/.exec(condition);
  if (cond) {
    const want = (cond[2] ?? 'True').toLowerCase();
    return (o) => (((o as { status?: { conditions?: { type: string; status: string }[] } } | undefined)?.status?.conditions) ?? [])
      .some((c) => c.type === cond[1] && c.status.toLowerCase() === want);
  }
  const jp = /^jsonpath=('?)(\{[^}]*\})\1(?:=(.*))?$/.exec(condition);
  if (jp) {
    const want = jp[3];
    return (o) => {
      if (!o) return false;
      const v = evalJsonPath(o, jp[2]!);
      return want === undefined ? v !== undefined : String(v) === want;
    };
  }
  throw new Error(`unrecognized condition: "${condition}"`);
}

/**
 * A kubectl-style JSONPath of the simple kind: {.status.phase}, {.spec.containers[0].name},
 * keys with dots escaped (`{.metadata.annotations.volume\\.kubernetes\\.io/selected-node}`) or
 * quoted (`{.metadata.labels['app.kubernetes.io/name']}`).
 */
export function evalJsonPath(obj: unknown, path: string): unknown {
  const inner = path.trim().replace(/^\{/, '').replace(/\}$/, '').trim();
  if (!inner.startsWith('.') && !inner.startsWith('[')) return undefined;
  const segments: (string | number)[] = [];
  let i = 0;
  while (i < inner.length) {
    if (inner[i] === '.') {
      let key = '';
      i++;
      while (i < inner.length && inner[i] !== '.' && inner[i] !== '[') {
        if (inner[i] === '\\' && i + 1 < inner.length) { key += inner[i + 1]; i += 2; } else { key += inner[i]; i++; }
      }
      if (key !== '') segments.push(key);
    } else if (inner[i] === '[') {
      const end = inner.indexOf(']', i);
      if (end < 0) return undefined;
      const body = inner.slice(i + 1, end).trim();
      segments.push(/^\d+$/.test(body) ? Number(body) : body.replace(/^['"]|['"]$/g, ''));
      i = end + 1;
    } else {
      return undefined;
    }
  }
  let cur: unknown = obj;
  for (const seg of segments) {
    if (cur === null || cur === undefined) return undefined;
    cur = typeof seg === 'number' ? (cur as unknown[])[seg] : (cur as Record<string, unknown>)[seg];
  }
  return cur;
}

/** Records the input and performs it (without committing). Returns a result for the verb. */
export function runInput(s: Session, input: Input): { ok: boolean; exec?: ExecResult; object?: Obj | undefined } {
  if (input.type === 'ImportRequested') advanceToRecordedTime(s, input.data.objects);
  s.input(input.type, input.data);
  const result = performInput(s, input);
  // A component process's pass ends by saving what its components now remember (ADR 0026).
  if (input.type === 'ComponentWorkRequested') s.saveChangedMemories();
  return result;
}

/** Performs an input without recording it (`pvsim check` takes inputs as moves of an explored path). */
export function performInput(s: Pick<Session, 'store' | 'world' | 'parts' | 'settle' | 'now'> & Partial<Pick<Session, 'progress'>>, input: Input): { ok: boolean; exec?: ExecResult; object?: Obj | undefined } {
  const store = s.store;
  switch (input.type) {
    case 'ApplyRequested':
      for (const [i, o] of input.data.objects.entries()) {
        s.progress?.objects(i, input.data.objects.length);
        const kind = kindOf(o);
        const live = store.get(kind, objectKey(kind, o as never)) as Obj | undefined;
        const next = desiredForApply(live, o);
        const action = applyAction(live, next);
        if (action === 'created') store.create(kind, admitCreate(prepareForCreate(next, s.now) as Obj, store.listClasses()) as never);
        else if (action === 'configured') store.update(kind, next as never);
        // kubectl sends one object at a time; the controllers react in between.
        if (input.data.wait) s.world.drain();
      }
      break;
    case 'ImportRequested':
      for (const o of input.data.objects) store.create(kindOf(o), applyDefaults(stripServerFields(o)) as never);
      break;
    case 'DeleteRequested':
      for (const o of input.data.objects) {
        const key = o.namespace !== undefined ? `${o.namespace}/${o.name}` : o.name;
        // --force --grace-period=0: the pod object goes at once, without waiting for its kubelet
        // to confirm (pvsim models the graceful wait as the kubelet's finalizer).
        const live = store.get(o.kind, key);
        if (input.data.force && o.kind === 'Pod' && live && ((live.metadata['finalizers'] as string[] | undefined) ?? []).includes(KUBELET_FINALIZER)) {
          const finalizers = (live.metadata['finalizers'] as string[]).filter((f) => f !== KUBELET_FINALIZER);
          const next = { ...live, metadata: { ...live.metadata } };
          if (finalizers.length > 0) next.metadata['finalizers'] = finalizers; else delete next.metadata['finalizers'];
          store.update('Pod', next as never);
          if (!store.get('Pod', key)) continue;
        }
        store.delete(o.kind, key);
      }
      break;
    case 'NodeDownRequested':
    case 'NodeUpRequested': {
      // The node's kubelet stops (or resumes) posting status; the node lifecycle controller
      // turns that into Ready=Unknown and the unreachable taint (or back).
      const live = store.get('Node', input.data.name) as Obj;
      store.update('Node', withNodeDown(live, input.type === 'NodeDownRequested', s.now) as never);
      s.settle();
      return { ok: true };
    }
    case 'ExecRequested': {
      // A container's writes change Filesystem objects; only the kubelet's eviction manager
      // reacts to them, for an emptyDir with a sizeLimit (it is settled then, so the pod is
      // evicted before the command returns — the real one looks every 10 s).
      const pod = store.get('Pod', input.data.pod) as unknown as Pod;
      const exec = execInContainer(store, pod, input.data.container, input.data.argv);
      if ((pod.spec.volumes ?? []).some((v) => (v['emptyDir'] as { sizeLimit?: string } | null | undefined)?.sizeLimit !== undefined)) s.settle();
      return { ok: exec.exitCode === 0, exec };
    }
    case 'RestartRequested': {
      const pod = store.get('Pod', input.data.pod) as unknown as Pod;
      const kubelet = s.parts.kubelets.get(pod.spec.nodeName ?? '');
      if (!kubelet) throw new Error(`pod ${input.data.pod} is not running on a node`);
      kubelet.restartContainer(input.data.pod, input.data.container);
      s.settle();
      return { ok: true };
    }
    case 'TaintRequested': {
      const live = store.get('Node', input.data.node) as Obj & { spec?: { taints?: { key: string; value?: string; effect: string; timeAdded?: string }[] } };
      let taints = [...(live.spec?.taints ?? [])];
      for (const t of input.data.taints) {
        taints = taints.filter((x) => !(x.key === t.key && (t.effect === undefined || x.effect === t.effect)));
        if (!t.remove) taints.push({ key: t.key, ...(t.value ? { value: t.value } : {}), effect: t.effect!, ...(t.effect === 'NoExecute' ? { timeAdded: s.now } : {}) });
      }
      const spec = { ...(live.spec ?? {}) } as Record<string, unknown>;
      if (taints.length > 0) spec['taints'] = taints; else delete spec['taints'];
      store.update('Node', { ...live, spec } as never);
      s.settle();
      return { ok: true };
    }
    case 'ScaleRequested': {
      const live = store.get(input.data.kind, input.data.key) as Obj & { spec?: Record<string, unknown> };
      store.update(input.data.kind, { ...live, spec: { ...(live.spec ?? {}), replicas: input.data.replicas } } as never);
      s.settle();
      return { ok: true };
    }
    case 'ApiWriteRequested':
      return { ok: true, object: performApiWrite(s as Session, input.data) };
    case 'ClusterInitRequested':
      performClusterInit(s, input.data);
      return { ok: true };
    case 'AdvanceRequested':
      s.world.runUntil(() => false, input.data.durationMs);
      return { ok: true };
    case 'ComponentWorkRequested':
      return { ok: s.world.drainComponent(input.data.component) > 0 };
    case 'ClockAdvanceRequested': {
      // As a settle moves time to its next timer: the due items now wait for their owners.
      const due = s.world.scheduler.nextDue();
      if (due !== undefined) s.world.step({ type: 'timer', atMs: due });
      return { ok: due !== undefined };
    }
    case 'WaitRequested': {
      const holds = waitCondition(input.data.condition);
      return { ok: s.world.runUntil(() => holds(store.get(input.data.kind, input.data.key) as Obj | undefined), input.data.timeoutMs) };
    }
  }
  if (input.data.wait) s.settle();
  return { ok: true };
}
