/**
 * Design: the Container Storage Interface (spec v1.13, shared/spec §14) as a synchronous port.
 * pvsim's simulated drivers implement it; the external provisioner, the attacher and the kubelet
 * call it. Messages mirror the CSI protobufs (field names in camelCase, bytes as decimal strings
 * so exabytes stay exact); failures are CsiError with the gRPC code the spec prescribes. Calls
 * complete at once: latency is modelled by the callers, which schedule the call's completion
 * after the driver's `latencyMs`, in simulated time.
 */
import type { CsiSnapshot } from './snapshots.ts';

/** API version of the simulator's own backend objects (CSIVolume, Filesystem). */
export const SIM_API_VERSION = 'csi.pvsim.dev/v1';

/** `metadata.name` of a driver's CSIVolume object (its backend volume). */
export function csiVolumeObjectName(driver: string, volumeId: string): string {
  return `${driver}.${volumeId}`;
}

/** `metadata.name` of the Filesystem object holding a CSI volume's files. */
export function csiFilesystemName(driver: string, volumeId: string): string {
  return `csi.${driver}.${volumeId}`;
}

/** `spec.csi` of a PersistentVolume. */
export interface CsiPersistentVolumeSource {
  driver: string;
  volumeHandle: string;
  readOnly?: boolean;
  fsType?: string;
  volumeAttributes?: Record<string, string>;
}

/** A PV's CSI source, when it has a well-formed one (driver and volumeHandle are strings). */
export function csiSourceOf(pv: { spec: { [field: string]: unknown } } | undefined): CsiPersistentVolumeSource | undefined {
  const csi = pv?.spec['csi'] as CsiPersistentVolumeSource | undefined;
  return csi && typeof csi.driver === 'string' && typeof csi.volumeHandle === 'string' ? csi : undefined;
}

export type CsiCode =
  | 'INVALID_ARGUMENT' | 'NOT_FOUND' | 'ALREADY_EXISTS' | 'RESOURCE_EXHAUSTED' | 'FAILED_PRECONDITION'
  | 'ABORTED' | 'OUT_OF_RANGE' | 'UNIMPLEMENTED' | 'DEADLINE_EXCEEDED' | 'UNAVAILABLE' | 'INTERNAL'
  | 'PERMISSION_DENIED' | 'UNAUTHENTICATED' | 'CANCELED';

export class CsiError extends Error {
  readonly code: CsiCode;
  constructor(code: CsiCode, message: string) {
    super(`rpc error: code = ${code.split('_').map((w) => w[0] + w.slice(1).toLowerCase()).join('')} desc = ${message}`);
    this.name = 'CsiError';
    this.code = code;
  }
}

export type CsiAccessMode =
  | 'SINGLE_NODE_WRITER' | 'SINGLE_NODE_READER_ONLY' | 'MULTI_NODE_READER_ONLY' | 'MULTI_NODE_SINGLE_WRITER'
  | 'MULTI_NODE_MULTI_WRITER' | 'SINGLE_NODE_SINGLE_WRITER' | 'SINGLE_NODE_MULTI_WRITER';

export interface VolumeCapability {
  accessMode: CsiAccessMode;
  /** Exactly one of mount/block. */
  mount?: { fsType?: string; mountFlags?: string[] };
  block?: Record<string, never>;
}

/** Topology segments, e.g. { 'topology.kubernetes.io/zone': 'zone-a' }. */
export type Topology = Record<string, string>;

export interface CsiVolume {
  volumeId: string;
  /** Bytes, decimal string; "0" means unknown. */
  capacityBytes: string;
  volumeContext: Record<string, string>;
  accessibleTopology: Topology[];
}

export interface CreateVolumeRequest {
  name: string;
  capacityRange?: { requiredBytes?: string; limitBytes?: string };
  volumeCapabilities: VolumeCapability[];
  parameters?: Record<string, string>;
  accessibilityRequirements?: { requisite?: Topology[]; preferred?: Topology[] };
  /** A restore (snapshot) or a clone (volume): the new volume starts with the source's files. */
  volumeContentSource?: { snapshot?: { snapshotId: string }; volume?: { volumeId: string } };
}

export interface ControllerPublishRequest {
  volumeId: string;
  nodeId: string;
  volumeCapability: VolumeCapability;
  readonly: boolean;
  volumeContext?: Record<string, string>;
}

export interface NodeStageRequest {
  volumeId: string;
  stagingTargetPath: string;
  volumeCapability: VolumeCapability;
  publishContext?: Record<string, string>;
  volumeContext?: Record<string, string>;
}

export interface NodePublishRequest {
  volumeId: string;
  /** Required when the node has STAGE_UNSTAGE_VOLUME. */
  stagingTargetPath?: string;
  targetPath: string;
  volumeCapability: VolumeCapability;
  readonly: boolean;
  publishContext?: Record<string, string>;
  volumeContext?: Record<string, string>;
}

export type ControllerCapability =
  | 'CREATE_DELETE_VOLUME' | 'PUBLISH_UNPUBLISH_VOLUME' | 'LIST_VOLUMES' | 'GET_CAPACITY' | 'PUBLISH_READONLY'
  | 'LIST_VOLUMES_PUBLISHED_NODES' | 'SINGLE_NODE_MULTI_WRITER' | 'EXPAND_VOLUME' | 'GET_VOLUME'
  | 'CREATE_DELETE_SNAPSHOT' | 'LIST_SNAPSHOTS' | 'CLONE_VOLUME';
export type NodeCapability = 'STAGE_UNSTAGE_VOLUME' | 'GET_VOLUME_STATS' | 'SINGLE_NODE_MULTI_WRITER' | 'EXPAND_VOLUME';

/** A reference for a driver's simulated latency: the volume, or the parameters it is made with. */
export interface CsiLatencyRef {
  volumeId?: string;
  parameters?: Record<string, string>;
}

/** One simulated CSI driver: the Identity, Controller and Node services. */
export interface CsiDriverPort {
  /**
   * How long the named RPC takes, in simulated ms (a driver without latency leaves it out).
   * Callers schedule the call's completion after it; see `csiLatencyMs`.
   */
  latencyMs?(rpc: string, ref?: CsiLatencyRef): number;
  // Identity
  getPluginInfo(): { name: string; vendorVersion: string };
  getPluginCapabilities(): ('CONTROLLER_SERVICE' | 'VOLUME_ACCESSIBILITY_CONSTRAINTS' | 'VOLUME_EXPANSION_ONLINE' | 'VOLUME_EXPANSION_OFFLINE')[];
  probe(): { ready: boolean };
  // Controller
  controllerGetCapabilities(): ControllerCapability[];
  createVolume(req: CreateVolumeRequest): { volume: CsiVolume };
  deleteVolume(req: { volumeId: string }): void;
  controllerPublishVolume(req: ControllerPublishRequest): { publishContext: Record<string, string> };
  controllerUnpublishVolume(req: { volumeId: string; nodeId: string }): void;
  validateVolumeCapabilities(req: { volumeId: string; volumeCapabilities: VolumeCapability[] }): { confirmed: boolean; message: string };
  listVolumes(req?: { maxEntries?: number; startingToken?: string }): { entries: { volume: CsiVolume; publishedNodeIds: string[] }[]; nextToken: string };
  getCapacity(req?: { accessibleTopology?: Topology }): { availableCapacity: string };
  // Node (the node is named in each call: one driver object serves every node of the cluster)
  nodeGetCapabilities(): NodeCapability[];
  nodeGetInfo(req: { node: string }): { nodeId: string; maxVolumesPerNode: number; accessibleTopology: Topology };
  nodeStageVolume(req: NodeStageRequest & { node: string }): void;
  nodeUnstageVolume(req: { node: string; volumeId: string; stagingTargetPath: string }): void;
  nodePublishVolume(req: NodePublishRequest & { node: string }): void;
  nodeUnpublishVolume(req: { node: string; volumeId: string; targetPath: string }): void;
  // Expansion (drivers with EXPAND_VOLUME; the world's drivers all have them)
  controllerExpandVolume?(req: ControllerExpandRequest): { capacityBytes: string; nodeExpansionRequired: boolean };
  nodeExpandVolume?(req: NodeExpandRequest): { capacityBytes: string };
  // Snapshots (drivers with CREATE_DELETE_SNAPSHOT)
  createSnapshot?(req: { name: string; sourceVolumeId: string; parameters?: Record<string, string> }): { snapshot: CsiSnapshot };
  deleteSnapshot?(req: { snapshotId: string }): void;
  listSnapshots?(req: { snapshotId?: string; sourceVolumeId?: string }): { entries: CsiSnapshot[] };
}

export interface ControllerExpandRequest {
  volumeId: string;
  capacityRange: { requiredBytes: string; limitBytes?: string };
  volumeCapability?: VolumeCapability;
}

export interface NodeExpandRequest {
  node: string;
  volumeId: string;
  volumePath: string;
  stagingTargetPath?: string;
  capacityRange: { requiredBytes: string; limitBytes?: string };
  volumeCapability?: VolumeCapability;
}

/** Kubernetes access modes -> CSI (csi-lib-utils, spec §9.3); throws for RWO+ROX together. */
export function csiAccessMode(modes: readonly string[], singleNodeMultiWriter: boolean): CsiAccessMode {
  const has = (m: string) => modes.includes(m);
  if (has('ReadWriteOncePod')) {
    if (modes.length > 1) throw new Error('ReadWriteOncePod must be the only access mode');
    return singleNodeMultiWriter ? 'SINGLE_NODE_SINGLE_WRITER' : 'SINGLE_NODE_WRITER';
  }
  if (has('ReadWriteMany')) return 'MULTI_NODE_MULTI_WRITER';
  if (has('ReadOnlyMany') && has('ReadWriteOnce')) throw new Error('CSI does not support ReadOnlyMany and ReadWriteOnce on the same PersistentVolume');
  if (has('ReadOnlyMany')) return 'MULTI_NODE_READER_ONLY';
  if (has('ReadWriteOnce')) return singleNodeMultiWriter ? 'SINGLE_NODE_MULTI_WRITER' : 'SINGLE_NODE_WRITER';
  throw new Error('no access modes');
}

/** A driver's latency for an RPC: 0 when it has none, never negative or NaN. */
export function csiLatencyMs(driver: CsiDriverPort, rpc: string, ref: CsiLatencyRef = {}): number {
  const ms = driver.latencyMs?.(rpc, ref) ?? 0;
  return Number.isFinite(ms) && ms > 0 ? ms : 0;
}
