/**
 * Design: the snapshot.storage.k8s.io/v1 objects (external-snapshotter client/apis/volumesnapshot/v1)
 * and the names, finalizers and annotations the snapshot-controller, the csi-snapshotter and the
 * external-provisioner share, so no component imports another for them. The drivers' backend
 * snapshot is a `Filesystem` object (`csisnap.<driver>.<snapshotId>`) holding the volume's files as
 * they were, with what CreateSnapshot reports in its spec.
 */
import type { ObjectMeta } from './types.ts';

export const SNAPSHOT_API_VERSION = 'snapshot.storage.k8s.io/v1';
export const SNAPSHOT_GROUP = 'snapshot.storage.k8s.io';

/** On a VolumeSnapshot while it is the source of a restore or bound to content. */
export const FINALIZER_VS_AS_SOURCE = 'snapshot.storage.kubernetes.io/volumesnapshot-as-source-protection';
export const FINALIZER_VS_BOUND = 'snapshot.storage.kubernetes.io/volumesnapshot-bound-protection';
/** On a VolumeSnapshotContent: the snapshot on the backend must be dealt with before it goes. */
export const FINALIZER_VSC = 'snapshot.storage.kubernetes.io/volumesnapshotcontent-bound-protection';
/** On a claim while a snapshot is being taken of it. */
export const FINALIZER_PVC_AS_SNAPSHOT_SOURCE = 'snapshot.storage.kubernetes.io/pvc-as-source-protection';
export const ANN_DEFAULT_SNAPSHOT_CLASS = 'snapshot.storage.kubernetes.io/is-default-class';

export type DeletionPolicy = 'Delete' | 'Retain';

export interface VolumeSnapshotClass {
  apiVersion: typeof SNAPSHOT_API_VERSION;
  kind: 'VolumeSnapshotClass';
  metadata: ObjectMeta;
  driver: string;
  deletionPolicy: DeletionPolicy;
  parameters?: Record<string, string>;
}

export interface VolumeSnapshot {
  apiVersion: typeof SNAPSHOT_API_VERSION;
  kind: 'VolumeSnapshot';
  metadata: ObjectMeta;
  spec: { source: { persistentVolumeClaimName?: string; volumeSnapshotContentName?: string }; volumeSnapshotClassName?: string };
  status?: {
    boundVolumeSnapshotContentName?: string;
    creationTime?: string;
    readyToUse?: boolean;
    restoreSize?: string;
    error?: { time: string; message: string };
  };
}

export interface VolumeSnapshotContent {
  apiVersion: typeof SNAPSHOT_API_VERSION;
  kind: 'VolumeSnapshotContent';
  metadata: ObjectMeta;
  spec: {
    volumeSnapshotRef: { apiVersion?: string; kind?: string; name: string; namespace: string; uid?: string };
    source: { volumeHandle?: string; snapshotHandle?: string };
    driver: string;
    deletionPolicy: DeletionPolicy;
    volumeSnapshotClassName?: string;
  };
  status?: {
    snapshotHandle?: string;
    /** Nanoseconds since the epoch (int64), as the CRD has it. */
    creationTime?: number;
    readyToUse?: boolean;
    /** Bytes (int64). */
    restoreSize?: number;
    error?: { time: string; message: string };
  };
}

/** What a driver's snapshot is: CreateSnapshot's answer. */
export interface CsiSnapshot {
  snapshotId: string;
  sourceVolumeId: string;
  sizeBytes: string;
  /** Simulated ms since the epoch. */
  creationTimeMs: number;
  readyToUse: boolean;
}

/** The content a dynamic snapshot gets: `snapcontent-<snapshot uid>` (utils.GetDynamicSnapshotContentNameForSnapshot). */
export function snapshotContentName(snapshotUid: string): string {
  return `snapcontent-${snapshotUid}`;
}

/** The CreateSnapshot name: `snapshot-<snapshot uid>` (csi-snapshotter's default prefix). */
export function csiSnapshotName(snapshotUid: string): string {
  return `snapshot-${snapshotUid}`;
}

/** The backend object of a driver's snapshot. */
export function csiSnapshotObjectName(driver: string, snapshotId: string): string {
  return `csisnap.${driver}.${snapshotId}`;
}
