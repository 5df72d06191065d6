/**
 * Design: every invariant reads the cluster through one narrow door, `ClusterView`, which lists
 * the stored objects of a kind. The runtime's ObjectStore satisfies it as it is (structurally:
 * this package may not import the runtime), and so does `viewOf([...])` over a handful of
 * hand-written objects, which is how the table tests build their clusters. Objects are read in
 * their wire shape; the simulator's own backend objects (CSIVolume, Filesystem) and
 * VolumeAttachments are described here only as far as the invariants read them.
 */
import type { FsState, KubeEvent, PersistentVolume, PersistentVolumeClaim, Pod } from '@pvsim/domain';

/** The kinds the invariants read. */
export type ViewKind =
  | 'PersistentVolume' | 'PersistentVolumeClaim' | 'Pod' | 'Event' | 'VolumeAttachment' | 'CSIVolume' | 'Filesystem'
  | 'VolumeSnapshot' | 'VolumeSnapshotContent';

/** What every stored object has. */
export interface ViewObject {
  kind: string;
  metadata: { name: string; namespace?: string };
}

/** A read-only view of the cluster: the stored objects of a kind (ObjectStore is one). */
export interface ClusterView {
  list(kind: ViewKind): readonly ViewObject[];
}

/** A VolumeAttachment (storage.k8s.io/v1), as far as the invariants read it. */
export interface VolumeAttachmentView extends ViewObject {
  spec: { nodeName: string; source: { persistentVolumeName?: string } };
  status?: { attached?: boolean };
}

/** A simulated driver's backend volume (kind CSIVolume, named `csiVolumeObjectName`). */
export interface BackendVolumeView extends ViewObject {
  spec: { driver: string; volumeId: string; accessMode?: string };
  status?: { publishedNodes?: Record<string, unknown> };
}

/** The files of a volume (kind Filesystem; a CSI volume's is named `csiFilesystemName`). */
export interface FilesystemView extends ViewObject {
  status: FsState;
}

/** A view over fixed objects, in the order given: for tests and one-off checks. */
export function viewOf(objects: readonly ViewObject[]): ClusterView {
  return { list: (kind) => objects.filter((o) => o.kind === kind) };
}

export const volumesOf = (view: ClusterView) => view.list('PersistentVolume') as readonly PersistentVolume[];
export const claimsOf = (view: ClusterView) => view.list('PersistentVolumeClaim') as readonly PersistentVolumeClaim[];
export const podsOf = (view: ClusterView) => view.list('Pod') as readonly Pod[];
export const eventsOf = (view: ClusterView) => view.list('Event') as readonly KubeEvent[];
export const attachmentsOf = (view: ClusterView) => view.list('VolumeAttachment') as readonly VolumeAttachmentView[];
export const backendVolumesOf = (view: ClusterView) => view.list('CSIVolume') as readonly BackendVolumeView[];
export const filesystemsOf = (view: ClusterView) => view.list('Filesystem') as readonly FilesystemView[];

/** An object's phase; an unset or empty phase reads as Pending, as kubectl shows it. */
export const phaseOf = (o: { status?: { phase?: string } }): string => o.status?.phase || 'Pending';

/** `namespace/name`, with the namespace the store defaults to. */
export const namespacedKey = (o: { metadata: { namespace?: string; name: string } }): string => `${o.metadata.namespace ?? 'default'}/${o.metadata.name}`;

/**
 * The PV's claimRef names this very claim: name, namespace and a non-empty uid equal to the
 * claim's. (A claimRef without uid only reserves the PV for a claim of that name, spec §5.4.)
 */
export function pvRefersToClaim(pv: PersistentVolume, claim: PersistentVolumeClaim): boolean {
  const ref = pv.spec.claimRef;
  return !!ref && ref.name === claim.metadata.name && (ref.namespace ?? '') === (claim.metadata.namespace ?? '')
    && (ref.uid ?? '') !== '' && ref.uid === claim.metadata.uid;
}
