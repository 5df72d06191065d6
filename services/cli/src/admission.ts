/**
 * Design: what the API server's admission chain does to storage objects on create, before they
 * are stored: StorageObjectInUseProtection adds the protection finalizers, DefaultStorageClass
 * gives a claim with no class key the default class ("" is left alone — spec §5.7).
 */
import {
  FINALIZER_PV_PROTECTION, FINALIZER_PVC_PROTECTION, ANN_BETA_STORAGE_CLASS, getDefaultClass,
  type PersistentVolume, type PersistentVolumeClaim, type StorageClass,
} from '@pvsim/domain';

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
