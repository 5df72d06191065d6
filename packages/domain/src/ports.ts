/**
 * Design: what a controller may see and do, as Kubernetes controllers see the API server:
 * reads of the current objects and writes that can fail. Every non-deterministic or effectful
 * thing reaches a controller through these ports; the runtime implements them over actors, and
 * the case harness over the same store with injected API errors.
 */
import type { KubeEvent, Node, PersistentVolume, PersistentVolumeClaim, Pod, StorageClass } from './types.ts';

export type ApiErrorReason = 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Invalid' | 'Forbidden' | 'InternalError';

/** An API call that failed, as client-go reports it. */
export class ApiError extends Error {
  readonly code: ApiErrorReason;
  constructor(code: ApiErrorReason, message: string) {
    super(message);
    this.name = 'ApiError';
    this.code = code;
  }
}

export interface ClusterReader {
  getVolume(name: string): PersistentVolume | undefined;
  listVolumes(): PersistentVolume[];
  getClaim(namespace: string, name: string): PersistentVolumeClaim | undefined;
  listClaims(): PersistentVolumeClaim[];
  getClass(name: string): StorageClass | undefined;
  listClasses(): StorageClass[];
  listPods(namespace?: string): Pod[];
  getNode(name: string): Node | undefined;
  /** findBestMatchForClaim over the store's indexed volumes. */
  findBestMatchForClaim(claim: PersistentVolumeClaim, delayBinding: boolean): PersistentVolume | undefined;
}

export interface ClusterWriter {
  createVolume(volume: PersistentVolume): PersistentVolume;
  /** Update of spec and metadata; the stored status is kept. */
  updateVolume(volume: PersistentVolume): PersistentVolume;
  /** Update of status only. */
  updateVolumeStatus(volume: PersistentVolume): PersistentVolume;
  deleteVolume(name: string): void;
  updateClaim(claim: PersistentVolumeClaim): PersistentVolumeClaim;
  updateClaimStatus(claim: PersistentVolumeClaim): PersistentVolumeClaim;
}

export interface EventRecorder {
  /** `component` is the event's `source.component` (the PV controller's by default). */
  event(object: { kind: string; apiVersion: string; metadata: { name: string; namespace?: string; uid?: string } }, type: 'Normal' | 'Warning', reason: string, message: string, component?: string): void;
}

export interface ClusterApi extends ClusterReader, ClusterWriter, EventRecorder {}

export type { KubeEvent };
