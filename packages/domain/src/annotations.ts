/** Literal annotation, finalizer and label keys Kubernetes uses (spec §1.1). */
export const ANN_BIND_COMPLETED = 'pv.kubernetes.io/bind-completed';
export const ANN_BOUND_BY_CONTROLLER = 'pv.kubernetes.io/bound-by-controller';
export const ANN_DYNAMICALLY_PROVISIONED = 'pv.kubernetes.io/provisioned-by';
export const ANN_STORAGE_PROVISIONER = 'volume.kubernetes.io/storage-provisioner';
export const ANN_BETA_STORAGE_PROVISIONER = 'volume.beta.kubernetes.io/storage-provisioner';
export const ANN_SELECTED_NODE = 'volume.kubernetes.io/selected-node';
export const ANN_MIGRATED_TO = 'pv.kubernetes.io/migrated-to';
export const ANN_BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
export const ANN_PRE_RESIZE_CAPACITY = 'volume.alpha.kubernetes.io/pre-resize-capacity';
export const ANN_IS_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
export const ANN_BETA_IS_DEFAULT_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';

export const FINALIZER_PVC_PROTECTION = 'kubernetes.io/pvc-protection';
export const FINALIZER_PV_PROTECTION = 'kubernetes.io/pv-protection';
export const FINALIZER_PV_IN_TREE_DELETION = 'kubernetes.io/pv-controller';
export const FINALIZER_PV_EXTERNAL_DELETION = 'external-provisioner.volume.kubernetes.io/finalizer';

export const NOT_SUPPORTED_PROVISIONER = 'kubernetes.io/no-provisioner';

export function hasAnnotation(meta: { annotations?: Record<string, string> }, key: string): boolean {
  return meta.annotations !== undefined && Object.prototype.hasOwnProperty.call(meta.annotations, key);
}

/** A copy of `obj` with `finalizer` present or absent; an emptied list is dropped. */
export function withFinalizer<T extends { metadata: { finalizers?: string[] } }>(obj: T, finalizer: string, present: boolean): T {
  const rest = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  const finalizers = present ? [...rest, finalizer] : rest;
  const metadata = { ...obj.metadata };
  if (finalizers.length > 0) metadata.finalizers = finalizers; else delete metadata.finalizers;
  return { ...obj, metadata };
}
