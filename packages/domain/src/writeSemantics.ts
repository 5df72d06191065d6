/**
 * Design: what the API server does with a write, as pure functions — the in-process store applies
 * them, and a NATS writer (issue 8) applies the same ones before it publishes with an expected
 * sequence. Each takes the stored object (or none) and the request and returns the object to store
 * (or none, when the object goes away) and which fact that is, or throws the API server's error.
 * Resource versions come from the caller (`nextVersion`: a counter in-process, the stream sequence
 * on JetStream); time comes from the caller too. The phase edges of PV, PVC and VolumeAttachment
 * are not checked here: the actors check them through their machines.
 *
 * Kubernetes' sources: the generic registry's create/update/delete (rest.BeforeCreate,
 * BeforeUpdate, graceful deletion with finalizers), the PV and PVC strategies (the main resource
 * keeps the stored status; the status subresource keeps spec and metadata), optimistic
 * concurrency on metadata.resourceVersion, and client-go's event correlator.
 */
import { ApiError } from './ports.ts';
import { copyShared, jsonEqual } from './canonicalJson.ts';
import type { KubeEvent } from './types.ts';

/** Any stored object, as the store keeps it. */
export interface StoredObject {
  kind: string;
  apiVersion: string;
  metadata: { name: string; namespace?: string; [k: string]: unknown };
  [k: string]: unknown;
}

export type WriteFact = 'Created' | 'Updated' | 'Deleted';

/** What a write does: store `next` (or drop the object when undefined), recorded as `fact`; `unchanged` when nothing changed. */
export type WriteOutcome =
  | { fact: WriteFact; next: StoredObject | undefined; /** An update that deleted: the object as written. */ written?: StoredObject }
  | { fact: 'Unchanged'; next: StoredObject };

export interface WriteContext {
  /** The API resource name (`persistentvolumes`), for messages. */
  resource: string;
  now: string;
  nextVersion(): string;
}

const conflict = (resource: string, name: string) =>
  new ApiError('Conflict', `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`);

/** Create: uid, creationTimestamp and resourceVersion assigned; the given status kept. */
export function decideCreate(existing: StoredObject | undefined, obj: StoredObject, ctx: WriteContext & { namespaced: boolean; newUid(): string }): StoredObject {
  if (existing) throw new ApiError('AlreadyExists', `${ctx.resource} "${obj.metadata.name}" already exists`);
  const stored = copyShared(obj);
  if (ctx.namespaced && !stored.metadata.namespace) stored.metadata.namespace = 'default';
  if (!stored.metadata['uid']) stored.metadata['uid'] = ctx.newUid();
  if (!stored.metadata['creationTimestamp']) stored.metadata['creationTimestamp'] = ctx.now;
  stored.metadata['resourceVersion'] = ctx.nextVersion();
  // The PV strategy's PrepareForCreate: a new volume (a provisioner's, with no status) starts
  // Pending at this instant; an imported one keeps the status it brings.
  if (stored.kind === 'PersistentVolume' && stored['status'] === undefined) stored['status'] = { phase: 'Pending', lastPhaseTransitionTime: ctx.now };
  return stored;
}

/**
 * Update. `subresource` 'status' keeps the stored spec and metadata; the main resource of a PV or
 * PVC keeps the stored status. A stale resourceVersion is a Conflict; identity fields and a
 * deletionTimestamp cannot change; an update that changes nothing stores nothing; removing the
 * last finalizer of an object being deleted deletes it.
 */
export function decideUpdate(old: StoredObject | undefined, obj: StoredObject, subresource: 'status' | undefined, ctx: WriteContext): WriteOutcome {
  if (!old) throw new ApiError('NotFound', `${ctx.resource} "${obj.metadata.name}" not found`);
  const rv = obj.metadata['resourceVersion'];
  if (rv !== undefined && rv !== old.metadata['resourceVersion']) throw conflict(ctx.resource, obj.metadata.name);
  // The request is copied (its caller may change it afterwards), sharing what it has in common
  // with the stored object: a writer that copied the stored object and changed a field costs the
  // changed path, and the no-op check below stops at the shared parts.
  let next: StoredObject;
  if (subresource === 'status') {
    // In steps (the keys end in the same order): `{ ...old }` alone takes V8's fast clone path.
    next = { ...old };
    next.metadata = { ...old.metadata };
    next['status'] = copyShared(obj['status'], old['status']);
    if (obj['status'] === undefined) delete next['status'];
  } else {
    // A new top-level object always (its metadata is changed below), even for a request that is
    // the stored object itself. PV and PVC keep the stored status, in the place the request's keys
    // give it (as `{ ...obj, status }` would).
    const keepStatus = old.kind === 'PersistentVolume' || old.kind === 'PersistentVolumeClaim';
    next = {} as StoredObject;
    for (const k of Object.keys(obj)) next[k] = keepStatus && k === 'status' ? old['status'] : copyShared(obj[k], old[k]);
    if (keepStatus) {
      next['status'] = old['status'];
      if (old['status'] === undefined) delete next['status'];
    }
  }
  // Metadata this write made (the status path's copy, or copyShared's of a request's changed
  // metadata) is changed in place; the stored object's own is copied first. Either way the keys
  // end in the order `{ ...metadata, uid, creationTimestamp }` gives them.
  if (next.metadata === old.metadata) next.metadata = { ...old.metadata };
  next.metadata['uid'] = old.metadata['uid'];
  next.metadata['creationTimestamp'] = old.metadata['creationTimestamp'];
  if (old.metadata['deletionTimestamp'] !== undefined) next.metadata['deletionTimestamp'] = old.metadata['deletionTimestamp'];
  for (const f of ['uid', 'creationTimestamp'] as const) if (next.metadata[f] === undefined) delete next.metadata[f];
  // Deployments, ReplicaSets, StatefulSets (their strategies' PrepareForUpdate): a spec change
  // moves metadata.generation on; anything else keeps it.
  if (subresource !== 'status' && (old.kind === 'Deployment' || old.kind === 'ReplicaSet' || old.kind === 'StatefulSet')) {
    const gen = typeof old.metadata['generation'] === 'number' ? old.metadata['generation'] : 1;
    next.metadata['generation'] = jsonEqual(next['spec'], old['spec']) ? gen : gen + 1;
  }
  if (subresource === 'status' && old.kind === 'PersistentVolume') stampPhaseTransition(old, next, ctx.now);
  next.metadata['resourceVersion'] = old.metadata['resourceVersion'];
  if (jsonEqual(next, old)) return { fact: 'Unchanged', next: old };
  next.metadata['resourceVersion'] = ctx.nextVersion();
  if (next.metadata['deletionTimestamp'] !== undefined && ((next.metadata['finalizers'] as string[] | undefined) ?? []).length === 0) {
    return { fact: 'Deleted', next: undefined, written: next };
  }
  return { fact: 'Updated', next };
}

/**
 * PersistentVolumeLastPhaseTransitionTime (GA in 1.31), as the PV status strategy's
 * PrepareForUpdate does it (pkg/registry/core/persistentvolume/strategy.go): the phase unchanged and
 * no time given keeps the stored one; the phase changed and the time not set (or the old one
 * copied along) becomes now.
 */
function stampPhaseTransition(old: StoredObject, next: StoredObject, now: string): void {
  const oldStatus = (old['status'] ?? {}) as { phase?: string; lastPhaseTransitionTime?: string };
  const status = next['status'] as { phase?: string; lastPhaseTransitionTime?: string } | undefined;
  if (!status) return;
  if (oldStatus.phase === status.phase) {
    if (status.lastPhaseTransitionTime === undefined && oldStatus.lastPhaseTransitionTime !== undefined) status.lastPhaseTransitionTime = oldStatus.lastPhaseTransitionTime;
  } else if (status.lastPhaseTransitionTime === undefined || status.lastPhaseTransitionTime === oldStatus.lastPhaseTransitionTime) {
    status.lastPhaseTransitionTime = now;
  }
}

/** Delete: with finalizers the object turns Terminating (deletionTimestamp), else it is gone. */
export function decideDelete(old: StoredObject | undefined, name: string, ctx: WriteContext): WriteOutcome {
  if (!old) throw new ApiError('NotFound', `${ctx.resource} "${name}" not found`);
  const finalizers = (old.metadata['finalizers'] as string[] | undefined) ?? [];
  if (finalizers.length === 0) return { fact: 'Deleted', next: undefined };
  if (old.metadata['deletionTimestamp'] !== undefined) return { fact: 'Unchanged', next: old };
  // The stored object is immutable: only its metadata is new.
  const next = { ...old, metadata: { ...old.metadata, deletionTimestamp: ctx.now, deletionGracePeriodSeconds: 0, resourceVersion: ctx.nextVersion() } };
  return { fact: 'Updated', next };
}

/** What the event correlator aggregates on: the involved object, type, reason, message and source. */
export function eventCorrelationKey(ev: Pick<KubeEvent, 'involvedObject' | 'type' | 'reason' | 'message'> & { source?: { component: string } }): string {
  const o = ev.involvedObject;
  return JSON.stringify([o.kind, o.name, o.namespace ?? '', o.uid ?? null, ev.type, ev.reason, ev.message, ev.source?.component ?? 'persistentvolume-controller']);
}

export interface EventRequest {
  object: { kind: string; apiVersion: string; metadata: { name: string; namespace?: string; uid?: string } };
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  component: string;
}

/**
 * The EventRecorder with the correlator's aggregation: the same object, type, reason, message and
 * source as `existing` counts it once more; otherwise a new event named `<object>.<seq in hex>`
 * (events are never removed, so their sequence is a counter any replay agrees on).
 */
export function decideEvent(existing: KubeEvent | undefined, req: EventRequest, now: string, seq: number): KubeEvent {
  if (existing) return { ...existing, count: existing.count + 1, lastTimestamp: now };
  const { object } = req;
  return {
    apiVersion: 'v1', kind: 'Event',
    metadata: { name: `${object.metadata.name}.${seq.toString(16).padStart(16, '0')}`, namespace: object.metadata.namespace ?? 'default' },
    involvedObject: {
      kind: object.kind, apiVersion: object.apiVersion, name: object.metadata.name,
      ...(object.metadata.namespace !== undefined ? { namespace: object.metadata.namespace } : {}),
      ...(object.metadata.uid !== undefined ? { uid: object.metadata.uid } : {}),
    },
    type: req.type, reason: req.reason, message: req.message, count: 1, firstTimestamp: now, lastTimestamp: now,
    source: { component: req.component },
  };
}
