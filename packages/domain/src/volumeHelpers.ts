/**
 * Design: the predicates Kubernetes' PV controller and scheduler share
 * (component-helpers/storage/volume/pv_helpers.go, helpers.go), as pure functions over the wire
 * objects. Names follow Kubernetes so a reader can hold this file next to the Go source.
 */
import type { AccessMode, Node, ObjectReference, PersistentVolume, PersistentVolumeClaim, StorageClass } from './types.ts';
import { ANN_BETA_IS_DEFAULT_CLASS, ANN_BETA_STORAGE_CLASS, ANN_IS_DEFAULT_CLASS, ANN_SELECTED_NODE } from './annotations.ts';
import { compareQuantities, parseQuantity, type Quantity } from './quantity.ts';
import { nodeSelectorMatches } from './labels.ts';

/** A claim's class: the beta annotation wins over the field; nil and "" both read as "". */
export function getClaimClass(claim: PersistentVolumeClaim): string {
  const ann = claim.metadata.annotations?.[ANN_BETA_STORAGE_CLASS];
  if (ann !== undefined) return ann;
  return claim.spec.storageClassName ?? '';
}

/** True when the claim names a class at all (field key present, even "", or beta annotation). */
export function claimHasClass(claim: PersistentVolumeClaim): boolean {
  if (claim.metadata.annotations?.[ANN_BETA_STORAGE_CLASS] !== undefined) return true;
  return claim.spec.storageClassName !== undefined && claim.spec.storageClassName !== null;
}

export function getVolumeClass(volume: PersistentVolume): string {
  const ann = volume.metadata.annotations?.[ANN_BETA_STORAGE_CLASS];
  if (ann !== undefined) return ann;
  return volume.spec.storageClassName ?? '';
}

export function claimKey(claim: { metadata: { namespace?: string; name: string } }): string {
  return `${claim.metadata.namespace ?? ''}/${claim.metadata.name}`;
}

export function claimRefKey(volume: PersistentVolume): string | undefined {
  const ref = volume.spec.claimRef;
  if (!ref) return undefined;
  return `${ref.namespace ?? ''}/${ref.name ?? ''}`;
}

/** IsVolumeBoundToClaim: pre-bound or bound by name+namespace, and by uid when the ref has one. */
export function isVolumeBoundToClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = volume.spec.claimRef;
  if (!ref) return false;
  if ((ref.name ?? '') !== claim.metadata.name || (ref.namespace ?? '') !== (claim.metadata.namespace ?? '')) return false;
  if ((ref.uid ?? '') !== '' && ref.uid !== (claim.metadata.uid ?? '')) return false;
  return true;
}

export function checkVolumeModeMismatches(claim: PersistentVolumeClaim, volume: PersistentVolume): boolean {
  return (claim.spec.volumeMode ?? 'Filesystem') !== (volume.spec.volumeMode ?? 'Filesystem');
}

/** Every mode the claim asks for is on the PV. */
export function checkAccessModes(claim: PersistentVolumeClaim, volume: PersistentVolume): boolean {
  const have = new Set(volume.spec.accessModes ?? []);
  return (claim.spec.accessModes ?? []).every((m) => have.has(m));
}

export function containsAllAccessModes(have: readonly AccessMode[], want: readonly AccessMode[]): boolean {
  return want.every((m) => have.includes(m));
}

const ZERO: Quantity = { num: 0n, den: 1n, format: 'DecimalSI' };

/** The claim's storage request (zero when absent, as Go's map lookup gives a zero Quantity). */
export function claimRequest(claim: PersistentVolumeClaim): Quantity {
  const text = claim.spec.resources?.requests?.storage;
  return text === undefined ? ZERO : parseQuantity(text);
}

export function volumeCapacity(volume: PersistentVolume): Quantity {
  const text = volume.spec.capacity?.storage;
  return text === undefined ? ZERO : parseQuantity(text);
}

/** CheckNodeAffinity: a PV without required node affinity fits every node. */
export function checkNodeAffinity(volume: PersistentVolume, nodeLabels: Record<string, string>, nodeName?: string): boolean {
  const required = volume.spec.nodeAffinity?.required;
  if (!required) return true;
  return nodeSelectorMatches(required, nodeLabels, nodeName);
}

export class DelayBindingModeError extends Error {
  readonly code = 'VolumeBindingModeNotSet';
  constructor(className: string) {
    super(`VolumeBindingMode not set for StorageClass "${className}"`);
    this.name = 'DelayBindingModeError';
  }
}

/** IsDelayBindingMode: "" or a missing class is immediate; a class without a mode is an error. */
export function isDelayBindingMode(claim: PersistentVolumeClaim, getClass: (name: string) => StorageClass | undefined): boolean {
  const name = getClaimClass(claim);
  if (name === '') return false;
  const cls = getClass(name);
  if (!cls) return false;
  if (cls.volumeBindingMode === undefined || cls.volumeBindingMode === null) throw new DelayBindingModeError(name);
  return cls.volumeBindingMode === 'WaitForFirstConsumer';
}

export function isDelayBindingProvisioning(claim: PersistentVolumeClaim): boolean {
  return claim.metadata.annotations?.[ANN_SELECTED_NODE] !== undefined;
}

/** checkVolumeSatisfyClaim (pv_controller.go): used when a claim names its volume. */
export function checkVolumeSatisfyClaim(volume: PersistentVolume, claim: PersistentVolumeClaim, vacEnabled = true): string | undefined {
  if (volume.metadata.deletionTimestamp) return `the volume is marked for deletion "${volume.metadata.name}"`;
  if (compareQuantities(volumeCapacity(volume), claimRequest(claim)) < 0) return 'requested PV is too small';
  if (getVolumeClass(volume) !== getClaimClass(claim)) return 'storageClassName does not match';
  if (checkVolumeModeMismatches(claim, volume)) return 'incompatible volumeMode';
  if (vacEnabled && (volume.spec.volumeAttributesClassName ?? '') !== (claim.spec.volumeAttributesClassName ?? '')) return 'volumeAttributesClassName does not match';
  if (!checkAccessModes(claim, volume)) return 'incompatible accessMode';
  return undefined;
}

export class UnsupportedVolumeAttributesClassError extends Error {
  readonly code = 'UnsupportedVolumeAttributesClass';
  constructor(key: string) {
    super(`unsupported volumeAttributesClassName is set on claim ${key} when the feature-gate VolumeAttributesClass is disabled`);
    this.name = 'UnsupportedVolumeAttributesClassError';
  }
}

export interface FindMatchingVolumeOptions {
  /** Scheduler path only: the candidate node. */
  node?: Node | undefined;
  /** Scheduler path only: volumes already chosen for other claims of the pod. */
  excludedVolumes?: ReadonlySet<string> | undefined;
  delayBinding: boolean;
  vacEnabled: boolean;
  /** Claim selector test; injected so the index can reuse a compiled selector. */
  selectorMatches: (labels: Record<string, string> | undefined) => boolean;
  /**
   * A volume's capacity, parsed (default: parsed from its text each time). Kubernetes decodes
   * quantities once, with the object; a caller that keeps parsed capacities passes them here.
   */
  capacityOf?: (volume: PersistentVolume) => Quantity;
}

/** The per-volume filter of FindMatchingVolume, minus the smallest-fit choice. */
export type VolumeVerdict = 'skip' | 'prebound' | 'prebound-wrong-node' | 'candidate';

export function judgeVolume(claim: PersistentVolumeClaim, volume: PersistentVolume, request: Quantity, opts: FindMatchingVolumeOptions): VolumeVerdict {
  if (opts.excludedVolumes?.has(volume.metadata.name)) return 'skip';
  const bound = isVolumeBoundToClaim(volume, claim);
  if (volume.spec.claimRef && !bound) return 'skip';
  if (compareQuantities((opts.capacityOf ?? volumeCapacity)(volume), request) < 0) return 'skip';
  if (checkVolumeModeMismatches(claim, volume)) return 'skip';
  const claimVac = claim.spec.volumeAttributesClassName ?? '';
  const volumeVac = volume.spec.volumeAttributesClassName ?? '';
  if (opts.vacEnabled && claimVac !== volumeVac) return 'skip';
  if (!opts.vacEnabled && volumeVac !== '') return 'skip';
  if (volume.metadata.deletionTimestamp) return 'skip';
  const node = opts.node;
  const affinityOk = node === undefined || checkNodeAffinity(volume, node.metadata.labels ?? {}, node.metadata.name);
  if (bound) return affinityOk ? 'prebound' : 'prebound-wrong-node';
  if (node === undefined && opts.delayBinding) return 'skip';
  if (volume.status?.phase !== 'Available') return 'skip';
  if (!opts.selectorMatches(volume.metadata.labels)) return 'skip';
  if (getVolumeClass(volume) !== getClaimClass(claim)) return 'skip';
  if (!affinityOk) return 'skip';
  if (node !== undefined && !checkAccessModes(claim, volume)) return 'skip';
  return 'candidate';
}

/**
 * FindMatchingVolume over a list, exactly as Kubernetes iterates it: a volume pre-bound to the
 * claim wins at once; otherwise the smallest candidate, the first one seen on ties.
 */
export function findMatchingVolume(
  claim: PersistentVolumeClaim,
  volumes: readonly PersistentVolume[],
  opts: FindMatchingVolumeOptions,
): PersistentVolume | undefined {
  if (!opts.vacEnabled && (claim.spec.volumeAttributesClassName ?? '') !== '') {
    throw new UnsupportedVolumeAttributesClassError(claimKey(claim));
  }
  const request = claimRequest(claim);
  let smallest: PersistentVolume | undefined;
  let smallestQty: Quantity | undefined;
  for (const volume of volumes) {
    const verdict = judgeVolume(claim, volume, request, opts);
    if (verdict === 'prebound') return volume;
    if (verdict === 'prebound-wrong-node') return undefined;
    if (verdict !== 'candidate') continue;
    const qty = (opts.capacityOf ?? volumeCapacity)(volume);
    if (smallestQty === undefined || compareQuantities(smallestQty, qty) > 0) {
      smallest = volume;
      smallestQty = qty;
    }
  }
  return smallest;
}

/** storageutil.IsDefaultAnnotation: the GA or beta is-default-class annotation is "true". */
export function hasDefaultClassAnnotation(annotations: Readonly<Record<string, unknown>> | undefined): boolean {
  return annotations?.[ANN_IS_DEFAULT_CLASS] === 'true' || annotations?.[ANN_BETA_IS_DEFAULT_CLASS] === 'true';
}

/** util.GetDefaultClass: newest creationTimestamp wins, then name ascending. */
export function getDefaultClass(classes: StorageClass[]): StorageClass | undefined {
  const defaults = classes.filter((c) => hasDefaultClassAnnotation(c.metadata.annotations));
  defaults.sort((a, b) => {
    const ta = a.metadata.creationTimestamp ?? '';
    const tb = b.metadata.creationTimestamp ?? '';
    if (ta !== tb) return ta > tb ? -1 : 1;
    return a.metadata.name < b.metadata.name ? -1 : 1;
  });
  return defaults[0];
}

/** K/pkg/volume/util/util.go `IsMultiAttachAllowed`. */
export function isMultiAttachAllowed(pv: PersistentVolume): boolean {
  const modes = pv.spec.accessModes ?? [];
  if (modes.length === 0) return true;
  return modes.includes('ReadWriteMany') || modes.includes('ReadOnlyMany');
}

/** reference.GetReference for a claim. */
export function claimReference(claim: PersistentVolumeClaim): ObjectReference {
  const ref: ObjectReference = { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: claim.metadata.namespace ?? '', name: claim.metadata.name };
  if (claim.metadata.uid !== undefined) ref.uid = claim.metadata.uid;
  if (claim.metadata.resourceVersion !== undefined) ref.resourceVersion = claim.metadata.resourceVersion;
  return ref;
}
