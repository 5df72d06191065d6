/**
 * Design: the writes a Kubernetes client makes through `pvsim serve --api` (create, update,
 * status update, delete), as the input `ApiWriteRequested`, so that `pvsim log verify`
 * re-executes them like any CLI command. The recorded object is the final one (a PATCH is
 * applied to the live object before it is recorded), so re-execution needs no request. The
 * server's admission and validation are the CLI's (admission.ts, the manifests package), and the
 * texts of their errors are the CLI's; the controllers settle after each write, as after a CLI
 * command with --wait.
 */
import { applyDefaults, formatFieldError, prepareForCreate, validationErrors, ManifestError, aggregateMessages } from '@pvsim/manifests';
import { ApiError } from '@pvsim/domain';
import { objectKey, type StoredKind } from '@pvsim/runtime';
import type { Session } from './session.ts';
import { admitCreate, namespaceLifecycleRefusal } from './admission.ts';

/** An object as a client sends it (inputs.ts's Obj; declared here so the two files do not import each other). */
type Obj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; annotations?: Record<string, string>; [k: string]: unknown }; [k: string]: unknown };

export interface ApiWriteData {
  seed: number;
  verb: 'create' | 'update' | 'delete';
  kind: StoredKind;
  /** create and update: the object to store. */
  object?: Obj;
  /** delete: the object's key (`ns/name` or `name`). */
  key?: string;
  subresource?: 'status';
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** Kinds a client may write (events and the simulator's backends are the controllers'). */
export const API_WRITABLE_KINDS = new Set(['PersistentVolume', 'PersistentVolumeClaim', 'StorageClass', 'Pod', 'Node', 'ConfigMap', 'Secret', 'Deployment', 'StatefulSet', 'VolumeAttachment',
  'Namespace', 'Service', 'ServiceAccount', 'PodDisruptionBudget']);

function invalid(object: Obj, errors: ReturnType<typeof validationErrors>): ManifestError {
  const causes = [...new Set(errors.map(formatFieldError))];
  return new ManifestError('Invalid', `The ${object.kind} ${JSON.stringify(object.metadata.name ?? '')} is invalid: ${aggregateMessages(causes)}`, { file: '', line: 0, causes });
}

/** Performs one API write on the session (recorded as an input by the caller). Returns the object right after the write. */
export function performApiWrite(s: Session, d: ApiWriteData): Obj | undefined {
  const store = s.store;
  if (!API_WRITABLE_KINDS.has(d.kind)) throw new ApiError('Invalid', `pvsim does not accept writes to ${d.kind} objects; its controllers write them`);
  let result: Obj | undefined;
  if (d.verb === 'create') {
    const object = applyDefaults(structuredClone(d.object!));
    if (object.metadata['resourceVersion'] !== undefined) {
      throw new ManifestError('Invalid', `The ${object.kind} ${JSON.stringify(object.metadata.name)} is invalid: metadata.resourceVersion: Invalid value: ${JSON.stringify(object.metadata['resourceVersion'])}: must be empty`, { file: '', line: 0 });
    }
    const errors = validationErrors(object, 'create');
    if (errors.length > 0) throw invalid(object, errors);
    const missing = namespaceLifecycleRefusal(d.kind, object.metadata.namespace, (ns) => store.get('Namespace', ns) !== undefined);
    if (missing) throw new ApiError('NotFound', missing);
    result = store.create(d.kind, admitCreate(prepareForCreate(object, s.now) as Obj, store.listClasses()) as never) as unknown as Obj;
  } else if (d.verb === 'update') {
    const object = applyDefaults(structuredClone(d.object!));
    const live = store.get(d.kind, objectKey(d.kind, object as never)) as Obj | undefined;
    if (live && d.subresource !== 'status') {
      const errors = validationErrors(object, 'update', live);
      if (errors.length > 0) throw invalid(object, errors);
    }
    result = store.update(d.kind, object as never, d.subresource) as unknown as Obj;
  } else {
    const live = store.get(d.kind, d.key!) as Obj | undefined;
    const p = d.preconditions;
    if (live && p?.uid !== undefined && p.uid !== live.metadata['uid']) {
      throw new ApiError('Conflict', `Precondition failed: UID in precondition: ${p.uid}, UID in object meta: ${String(live.metadata['uid'])}`);
    }
    if (live && p?.resourceVersion !== undefined && p.resourceVersion !== live.metadata['resourceVersion']) {
      throw new ApiError('Conflict', `Precondition failed: ResourceVersion in precondition: ${p.resourceVersion}, ResourceVersion in object meta: ${String(live.metadata['resourceVersion'])}`);
    }
    store.delete(d.kind, d.key!);
    result = store.get(d.kind, d.key!) as Obj | undefined;
  }
  s.settle();
  return result;
}
