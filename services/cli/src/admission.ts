/**
 * Design: what the API server's admission chain does to storage objects on create, before they
 * are stored: StorageObjectInUseProtection adds the protection finalizers, DefaultStorageClass
 * gives a claim with no class key the default class ("" is left alone — spec §5.7). On update,
 * PersistentVolumeClaimResize (plugin/pkg/admission/storage/persistentvolume/resize/admission.go)
 * refuses growing a claim unless it is Bound and its class — the same before and after — allows
 * volume expansion. It is a validating plugin: it runs after validation, so a shrink or an
 * unbound claim's new size is refused by validation's texts first (validate.ts).
 */
import {
  compareQuantities, parseQuantity,
  FINALIZER_PV_PROTECTION, FINALIZER_PVC_PROTECTION, ANN_BETA_STORAGE_CLASS, getDefaultClass,
  type PersistentVolume, type PersistentVolumeClaim, type StorageClass,
} from '@pvsim/domain';
import { resourceTypeForKind } from '@pvsim/manifests';

/**
 * NamespaceLifecycle (plugin/pkg/admission/namespace/lifecycle/admission.go): a namespaced object
 * may not be created in a namespace that does not exist — `namespaces "x" not found` (NotFound).
 * `exists` answers for the namespaces known so far (the store's, and those created earlier in the
 * same batch, as kubectl sends objects in order).
 */
export function namespaceLifecycleRefusal(kind: string, namespace: string | undefined, exists: (ns: string) => boolean): string | undefined {
  if (namespace === undefined || resourceTypeForKind(kind)?.namespaced !== true || exists(namespace)) return undefined;
  return `namespaces ${JSON.stringify(namespace)} not found`;
}

function addFinalizer(meta: { finalizers?: string[] }, f: string): void {
  if (!(meta.finalizers ?? []).includes(f)) meta.finalizers = [...(meta.finalizers ?? []), f];
}

export function admitCreate<T extends { kind: string }>(object: T, classes: StorageClass[]): T {
  const obj = structuredClone(object) as unknown as PersistentVolume | PersistentVolumeClaim | StorageClass;
  if (obj.kind === 'PersistentVolume') addFinalizer(obj.metadata, FINALIZER_PV_PROTECTION);
  if (obj.kind === 'PersistentVolumeClaim') {
    addFinalizer(obj.metadata, FINALIZER_PVC_PROTECTION);
    const hasKey = obj.spec.storageClassName !== undefined && obj.spec.storageClassName !== null;
    if (!hasKey && obj.metadata.annotations?.[ANN_BETA_STORAGE_CLASS] === undefined) {
      const def = getDefaultClass(classes);
      if (def) obj.spec.storageClassName = def.metadata.name;
    }
  }
  return obj as unknown as T;
}

/** PersistentVolumeClaimResize `allowResize`: same non-empty class, which exists and sets allowVolumeExpansion true. */
function allowResize(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim, classes: StorageClass[]): boolean {
  const classOf = (c: PersistentVolumeClaim) => c.metadata.annotations?.[ANN_BETA_STORAGE_CLASS] ?? c.spec.storageClassName ?? '';
  const name = classOf(pvc);
  if (name === '' || classOf(old) === '' || name !== classOf(old)) return false;
  return classes.find((c) => c.metadata.name === name)?.allowVolumeExpansion === true;
}

/**
 * The refusal of a claim update by PersistentVolumeClaimResize, as the API server words it
 * (`admission.NewForbidden`: `persistentvolumeclaims "x" is forbidden: …`), or undefined.
 */
export function resizeRefusal(pvc: PersistentVolumeClaim, old: PersistentVolumeClaim, classes: StorageClass[]): string | undefined {
  const size = (c: PersistentVolumeClaim) => {
    const v = c.spec.resources?.requests?.['storage'];
    try { return v === undefined ? undefined : parseQuantity(v); } catch { return undefined; }
  };
  const next = size(pvc);
  const before = size(old);
  if (!next || !before || compareQuantities(next, before) <= 0) return undefined;
  const forbidden = (why: string) => `persistentvolumeclaims ${JSON.stringify(pvc.metadata.name)} is forbidden: ${why}`;
  if (old.status?.phase !== 'Bound') return forbidden('Only bound persistent volume claims can be expanded');
  if (!allowResize(pvc, old, classes)) {
    return forbidden('only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize');
  }
  return undefined;
}
