/**
 * Design: the objects CSI volumes are seen through in the API — a VolumeAttachment (written by
 * the attach/detach controller and the external-attacher, read by the kubelet), the simulated
 * drivers' backend objects (`CSIVolume`, `Filesystem`: written by a driver, read by the kubelet
 * and exec) — and the names and paths every component computes the same way. One definition
 * here, so the writer of an object and its readers cannot drift apart, and no component imports
 * another for a type. Names that need a digest (a VolumeAttachment's name, a staging path) are not
 * here: domain stays free of node:crypto; @pvsim/component has them.
 */
import type { CsiAccessMode, CsiDriverPort, SIM_API_VERSION, Topology } from './csi.ts';
import type { FsState } from './filesystem.ts';
import type { ObjectMeta } from './types.ts';

/** One CSI call made by the attacher or a kubelet, for tests and traces. */
export interface CsiCall {
  rpc: string;
  volumeId: string;
  node?: string;
  target?: string;
}

export interface VolumeAttachment {
  apiVersion: 'storage.k8s.io/v1';
  kind: 'VolumeAttachment';
  metadata: ObjectMeta;
  spec: { attacher: string; nodeName: string; source: { persistentVolumeName?: string; inlineVolumeSpec?: unknown } };
  status?: {
    attached?: boolean;
    attachmentMetadata?: Record<string, string>;
    attachError?: { time: string; message: string };
    detachError?: { time: string; message: string };
  };
}

export interface CsiVolumeSpec {
  driver: string;
  volumeId: string;
  /** The CreateVolume name (for the external-provisioner: `pvc-<claim uid>`). */
  name: string;
  /** Bytes, decimal. */
  capacityBytes: string;
  parameters: Record<string, string>;
  accessibleTopology: Topology[];
  /** Access mode of the first capability CreateVolume was asked for. */
  accessMode: CsiAccessMode;
}

export interface CsiVolumeStatus {
  /** ControllerPublishVolume: nodeId -> how it was published. */
  publishedNodes: Record<string, { readonly: boolean; publishContext: Record<string, string> }>;
  /** NodeStageVolume: nodeId -> staging target path. */
  staged: Record<string, string>;
  /** NodePublishVolume: target path -> node and readonly. */
  published: Record<string, { node: string; readonly: boolean }>;
}

/** A driver's backend volume (written by the driver only). */
export interface CsiVolumeObject {
  apiVersion: typeof SIM_API_VERSION;
  kind: 'CSIVolume';
  metadata: ObjectMeta;
  spec: CsiVolumeSpec;
  status: CsiVolumeStatus;
}

/** File contents: a CSI volume's, a node's disk, an emptyDir, a container's writable layer. */
export interface FilesystemObject {
  apiVersion: typeof SIM_API_VERSION;
  kind: 'Filesystem';
  metadata: ObjectMeta;
  /** Where the files are when they are not a CSI volume's (an emptyDir's `node`). */
  spec?: Record<string, unknown>;
  status: FsState;
}

export function nodeFilesystemName(node: string): string { return `node.${node}`; }
export function emptyDirFilesystemName(podUid: string, volume: string): string { return `emptydir.${podUid}.${volume}`; }
export function containerFilesystemName(podUid: string, container: string): string { return `container.${podUid}.${container}`; }
/**
 * What a container's subPath mount of a configMap/secret/projected/downwardAPI volume shows, as the
 * kubelet bound it when the container started (kubelet volume-subpaths/<volume>/<container>/<index>).
 */
export function subPathFilesystemName(podUid: string, container: string, mountIndex: number): string { return `subpath.${podUid}.${container}.${mountIndex}`; }

/** NodePublishVolume target of a pod's CSI PV. */
export function csiTargetPath(podUid: string, pvName: string): string {
  return `/var/lib/kubelet/pods/${podUid}/volumes/kubernetes.io~csi/${pvName}/mount`;
}

/** The unique volume name of a CSI volume in `volumesInUse` / `volumesAttached`. */
export function uniqueVolumeName(driver: string, volumeHandle: string): string {
  return `kubernetes.io/csi/${driver}^${volumeHandle}`;
}

/** The field of a CSIDriver object (storage.k8s.io/v1) that decides whether volumes are attached. */
export interface CsiDriverAttachSpec { spec?: { attachRequired?: boolean | null } }

/**
 * Whether a driver's volumes get VolumeAttachments (csi_plugin.go skipAttach, v1.34): as its
 * CSIDriver object says (`attachRequired`); without one, pvsim falls back to the driver's
 * PUBLISH_UNPUBLISH_VOLUME capability (Kubernetes would attach — the object is installed with
 * every simulated driver, so this only matters while it is missing).
 */
export function isAttachable(driver: CsiDriverPort | undefined, csiDriver?: CsiDriverAttachSpec): boolean {
  if (driver === undefined) return false;
  const declared = csiDriver?.spec?.attachRequired;
  if (typeof declared === 'boolean') return declared;
  return driver.controllerGetCapabilities().includes('PUBLISH_UNPUBLISH_VOLUME');
}
