/**
 * Design: Kubernetes objects are kept in their wire shape (core/v1, storage.k8s.io/v1) so that
 * what a user applies, what pvsim stores and what `get -o yaml` prints are the same document.
 * Only the fields pvsim reasons about are typed; everything else (any volume source such as
 * nfs, hostPath, csi, local, …) travels untouched through the index signatures.
 */

export type AccessMode = 'ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod';
export const ACCESS_MODES: readonly AccessMode[] = ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod'];
export const ACCESS_MODE_SHORT: Record<AccessMode, string> = {
  ReadWriteOnce: 'RWO',
  ReadOnlyMany: 'ROX',
  ReadWriteMany: 'RWX',
  ReadWriteOncePod: 'RWOP',
};

export type VolumePhase = 'Pending' | 'Available' | 'Bound' | 'Released' | 'Failed';
export type ClaimPhase = 'Pending' | 'Bound' | 'Lost';
export type ReclaimPolicy = 'Retain' | 'Delete' | 'Recycle';
export type VolumeMode = 'Filesystem' | 'Block';
export type VolumeBindingMode = 'Immediate' | 'WaitForFirstConsumer';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  finalizers?: string[];
  [field: string]: unknown;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

export interface NodeSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  values?: string[];
}

export interface NodeSelectorTerm {
  matchExpressions?: NodeSelectorRequirement[];
  matchFields?: NodeSelectorRequirement[];
}

export interface NodeSelector {
  nodeSelectorTerms: NodeSelectorTerm[];
}

export interface ObjectReference {
  kind?: string;
  apiVersion?: string;
  namespace?: string;
  name?: string;
  uid?: string;
  resourceVersion?: string;
  [field: string]: unknown;
}

export interface PersistentVolumeSpec {
  capacity?: Record<string, string>;
  accessModes?: AccessMode[];
  claimRef?: ObjectReference;
  persistentVolumeReclaimPolicy?: ReclaimPolicy | string;
  storageClassName?: string;
  mountOptions?: string[];
  volumeMode?: VolumeMode | string;
  volumeAttributesClassName?: string;
  nodeAffinity?: { required?: NodeSelector };
  /** Any volume source (nfs, hostPath, local, csi, gcePersistentDisk, …) is kept as given. */
  [field: string]: unknown;
}

export interface PersistentVolumeStatus {
  phase?: VolumePhase | string;
  message?: string;
  reason?: string;
  lastPhaseTransitionTime?: string;
  [field: string]: unknown;
}

export interface PersistentVolume {
  apiVersion: 'v1';
  kind: 'PersistentVolume';
  metadata: ObjectMeta;
  spec: PersistentVolumeSpec;
  status?: PersistentVolumeStatus;
}

export interface PersistentVolumeClaimSpec {
  accessModes?: AccessMode[];
  selector?: LabelSelector | null;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  volumeName?: string;
  storageClassName?: string | null;
  volumeMode?: VolumeMode | string;
  volumeAttributesClassName?: string;
  dataSource?: { apiGroup?: string; kind: string; name: string } | null;
  dataSourceRef?: { apiGroup?: string; kind: string; name: string; namespace?: string } | null;
  [field: string]: unknown;
}

export interface PersistentVolumeClaimStatus {
  phase?: ClaimPhase | string;
  accessModes?: AccessMode[];
  capacity?: Record<string, string>;
  conditions?: unknown[];
  [field: string]: unknown;
}

export interface PersistentVolumeClaim {
  apiVersion: 'v1';
  kind: 'PersistentVolumeClaim';
  metadata: ObjectMeta;
  spec: PersistentVolumeClaimSpec;
  status?: PersistentVolumeClaimStatus;
}

export interface StorageClass {
  apiVersion: 'storage.k8s.io/v1';
  kind: 'StorageClass';
  metadata: ObjectMeta;
  provisioner: string;
  parameters?: Record<string, string>;
  reclaimPolicy?: ReclaimPolicy | string;
  volumeBindingMode?: VolumeBindingMode | string;
  allowVolumeExpansion?: boolean;
  mountOptions?: string[];
  allowedTopologies?: unknown[];
}

export interface PodVolume {
  name: string;
  persistentVolumeClaim?: { claimName: string; readOnly?: boolean };
  ephemeral?: unknown;
  [source: string]: unknown;
}

export interface Pod {
  apiVersion: 'v1';
  kind: 'Pod';
  metadata: ObjectMeta;
  spec: { nodeName?: string; volumes?: PodVolume[]; [field: string]: unknown };
  status?: { phase?: string; [field: string]: unknown };
}

export interface Node {
  apiVersion: 'v1';
  kind: 'Node';
  metadata: ObjectMeta;
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
}

/** A Kubernetes Event (core/v1), as `kubectl get events` shows it. */
export interface KubeEvent {
  apiVersion: 'v1';
  kind: 'Event';
  metadata: ObjectMeta;
  involvedObject: ObjectReference;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  source: { component: string };
}

export type StorageObject = PersistentVolume | PersistentVolumeClaim | StorageClass;
export type KubeObject = StorageObject | Pod | Node | KubeEvent;
export type KubeKind = KubeObject['kind'];
