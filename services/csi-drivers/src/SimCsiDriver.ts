/**
 * Design: a simulated CSI driver (shared/spec §14) whose only state is the ObjectStore. Every
 * backend volume is a `CSIVolume` object and its contents a `Filesystem` object
 * (docs/explanation/pods-and-csi.md), written through the store, so the event log records each
 * change and a replay of the log restores the backend exactly. The driver object itself holds
 * nothing between calls: each RPC reads what it needs back from the store, decides, and writes.
 *
 * One class serves every profile; a profile is data (capabilities, access modes, topology,
 * capacity unit), so `nas` (a share many nodes mount) and `disk` (a zonal block disk with a
 * filesystem, attached to one node at a time) differ only in the rows they give.
 *
 * Retries must be safe (spec §14.3): the volume id is derived from the CreateVolume name, so a
 * retried CreateVolume finds the volume it made before; every "undo" RPC answers OK when there is
 * nothing to undo. Each two-write RPC (CreateVolume, DeleteVolume) repairs a half-finished
 * earlier attempt when retried. Failures are injected from the seeded generator *before* any
 * check or write, so an injected failure changes nothing but the generator's position.
 */
import * as nodeCrypto from 'node:crypto';
import {
  ApiError, CsiError, csiSnapshotObjectName, parseQuantity, type CsiSnapshot, quantityToBytes, type ControllerExpandRequest, type NodeExpandRequest, SIM_API_VERSION, csiFilesystemName, csiVolumeObjectName, emptyFs, type ControllerCapability, type ControllerPublishRequest,
  type CreateVolumeRequest, type CsiAccessMode, type CsiCode, type CsiDriverPort, type CsiVolume, type FsState, type NodeCapability,
  type NodePublishRequest, type NodeStageRequest, type Topology, type VolumeCapability, type CsiVolumeObject, type CsiVolumeStatus,
  type FilesystemObject,
} from '@pvsim/domain';
import type { AnyObject, Client, Random, TallyName } from '@pvsim/runtime';

// ------------------------------------------------------------------ profiles and options

export type PluginCapability = 'CONTROLLER_SERVICE' | 'VOLUME_ACCESSIBILITY_CONSTRAINTS' | 'VOLUME_EXPANSION_ONLINE' | 'VOLUME_EXPANSION_OFFLINE';

/** What kind of storage a simulated driver is: the rows that make `nas` and `disk` differ. */
export interface CsiProfile {
  name: string;
  vendorVersion: string;
  pluginCapabilities: readonly PluginCapability[];
  controllerCapabilities: readonly ControllerCapability[];
  nodeCapabilities: readonly NodeCapability[];
  accessModes: readonly CsiAccessMode[];
  accessTypes: readonly ('mount' | 'block')[];
  /** Topology key of the zone a volume lives in; absent: every node reaches every volume. */
  topologyKey?: string;
  /** Zone of a volume created without accessibility requirements. */
  defaultZone?: string;
  /** Capacities are whole multiples of this many bytes (1: exact). */
  capacityUnitBytes: number;
  /** Capacity of a volume created without a capacity range. */
  defaultCapacityBytes: string;
  /** Capacity of the whole backend, shared by all volumes of the driver. */
  defaultTotalCapacityBytes: string;
  /** Volumes one node may have attached; 0: no limit (NodeGetInfo max_volumes_per_node). */
  defaultMaxVolumesPerNode: number;
  /**
   * A volume handle this driver did not create names a share that already exists on the
   * server (static provisioning: an administrator made it in the storage console and wrote its
   * handle into a PV). The share is taken into the backend when first published.
   */
  preexistingShares?: boolean;
}

const GiB = 1024 ** 3;
export const ZONE_TOPOLOGY_KEY = 'topology.kubernetes.io/zone';
const ALL_ACCESS_MODES: readonly CsiAccessMode[] = [
  'SINGLE_NODE_WRITER', 'SINGLE_NODE_READER_ONLY', 'MULTI_NODE_READER_ONLY', 'MULTI_NODE_SINGLE_WRITER',
  'MULTI_NODE_MULTI_WRITER', 'SINGLE_NODE_SINGLE_WRITER', 'SINGLE_NODE_MULTI_WRITER',
];

/** File storage: one share, mounted by any number of nodes at once; no attach, no staging. */
export const nasProfile: CsiProfile = {
  name: 'nas.csi.pvsim.dev',
  vendorVersion: '0.1.0',
  // Expansion is the controller's alone: a share has no filesystem on the node to grow.
  pluginCapabilities: ['CONTROLLER_SERVICE', 'VOLUME_EXPANSION_ONLINE'],
  controllerCapabilities: ['CREATE_DELETE_VOLUME', 'LIST_VOLUMES', 'GET_CAPACITY', 'EXPAND_VOLUME', 'CREATE_DELETE_SNAPSHOT', 'LIST_SNAPSHOTS', 'CLONE_VOLUME'],
  nodeCapabilities: [],
  accessModes: ALL_ACCESS_MODES,
  accessTypes: ['mount'],
  capacityUnitBytes: 1,
  defaultCapacityBytes: String(GiB),
  defaultTotalCapacityBytes: String(1024 * GiB),
  defaultMaxVolumesPerNode: 0,
  preexistingShares: true,
};

/** A zonal block disk with a filesystem on it: attached to one node, staged, then bind-mounted. */
export const diskProfile: CsiProfile = {
  name: 'disk.csi.pvsim.dev',
  vendorVersion: '0.1.0',
  // Grown while attached and mounted (online): the controller grows the disk, the node its filesystem.
  pluginCapabilities: ['CONTROLLER_SERVICE', 'VOLUME_ACCESSIBILITY_CONSTRAINTS', 'VOLUME_EXPANSION_ONLINE'],
  controllerCapabilities: [
    'CREATE_DELETE_VOLUME', 'PUBLISH_UNPUBLISH_VOLUME', 'LIST_VOLUMES', 'LIST_VOLUMES_PUBLISHED_NODES',
    'GET_CAPACITY', 'PUBLISH_READONLY', 'EXPAND_VOLUME', 'CREATE_DELETE_SNAPSHOT', 'LIST_SNAPSHOTS', 'CLONE_VOLUME',
  ],
  nodeCapabilities: ['STAGE_UNSTAGE_VOLUME', 'EXPAND_VOLUME'],
  accessModes: ['SINGLE_NODE_WRITER', 'SINGLE_NODE_READER_ONLY', 'SINGLE_NODE_SINGLE_WRITER', 'SINGLE_NODE_MULTI_WRITER'],
  accessTypes: ['mount', 'block'],
  topologyKey: ZONE_TOPOLOGY_KEY,
  defaultZone: 'zone-a',
  capacityUnitBytes: GiB,
  defaultCapacityBytes: String(GiB),
  defaultTotalCapacityBytes: String(1024 * GiB),
  // Small on purpose, so simulations reach the attach limit.
  defaultMaxVolumesPerNode: 2,
};

/** The node label a cloud's nodes carry their machine type in. */
export const LABEL_INSTANCE_TYPE = 'node.kubernetes.io/instance-type';

/**
 * How many disks a cloud's block-storage CSI driver reports a node of this machine type can take
 * (NodeGetInfo max_volumes_per_node), or undefined for a machine type pvsim does not know:
 * - GCE (the PD CSI driver's volumeLimitSmall/volumeLimitBig, gcp-compute-persistent-disk-csi-driver
 *   pkg/gce-pd-csi-driver/node.go): 15 on shared-core types (e2-micro/small/medium, f1-micro,
 *   g1-small), 127 otherwise;
 * - AWS: 25 on Nitro types and 39 on the older Xen ones — Kubernetes' own defaults
 *   (pkg/volume/util/attach_limit.go DefaultMaxEBSNitroVolumeLimit, DefaultMaxEBSVolumes). The
 *   EBS CSI driver computes Nitro's from 28 shared attachments less ENIs and instance stores, so 25
 *   is an approximation of what it reports on an m5.large.
 */
export function attachLimitOfInstanceType(type: string | undefined): number | undefined {
  if (type === undefined) return undefined;
  if (/^(e2-(micro|small|medium)|f1-micro|g1-small)$/.test(type)) return 15;
  if (/^[a-z][a-z0-9]*-(standard|highmem|highcpu|custom|ultramem|megamem|hypermem|highgpu|standard-lssd)(-|$)/.test(type)) return 127;
  if (/^(t1|t2|m1|m2|m3|m4|c1|c3|c4|r3|r4|x1|x1e|d2|i2|i3|h1|p2|p3|g2|g3|f1)\./.test(type)) return 39;
  if (/^[a-z][a-z0-9-]*\.[a-z0-9]+$/.test(type)) return 25;
  return undefined;
}

/** Faults of a driver or of one volume (StorageClass parameters override the driver's). */
export interface FaultOptions {
  /** A mutating RPC fails with probability num/den, with one of `codes` (default UNAVAILABLE). */
  failure?: { num: number; den: number; codes?: CsiCode[] };
  /** How long a call takes, in simulated ms; applied by the caller (`latencyMs`). */
  latencyMs?: { min: number; max: number };
  /** ControllerExpandVolume beyond this many bytes fails OUT_OF_RANGE (StorageClass parameter only). */
  maxSizeBytes?: bigint;
  /** Expansion only while the volume is not published anywhere (csi.pvsim.dev/expansion: offline). */
  offlineExpansion?: boolean;
}

export interface SimCsiDriverOptions extends FaultOptions {
  /** Default from the profile (disk: 2, nas: 0 = no limit). */
  maxVolumesPerNode?: number;
  /** Bytes, decimal; default from the profile. */
  totalCapacityBytes?: string | number;
  /** Bytes, decimal; capacity of a volume created without a capacity range. */
  defaultCapacityBytes?: string | number;
}

/** StorageClass parameter keys the simulated drivers read. */
export const PARAM_LATENCY_MS = 'csi.pvsim.dev/latency-ms';
export const PARAM_FAILURE_RATE = 'csi.pvsim.dev/failure-rate';
/** The largest size ControllerExpandVolume grows a volume of the class to ("50Gi"); beyond: OUT_OF_RANGE. */
export const PARAM_MAX_SIZE = 'csi.pvsim.dev/max-size';
/** `offline`: ControllerExpandVolume refuses (FAILED_PRECONDITION) while the volume is published to a node or a pod. */
export const PARAM_EXPANSION = 'csi.pvsim.dev/expansion';
const PARAM_PREFIX = 'csi.pvsim.dev/';

/**
 * Faults from StorageClass-style parameters: `csi.pvsim.dev/latency-ms` ("200" or "100-400") and
 * `csi.pvsim.dev/failure-rate` ("1/10"). Other keys are ignored; a malformed value, or an
 * unknown `csi.pvsim.dev/` key, is INVALID_ARGUMENT (CreateVolume: unsupported parameters).
 */
export function faultOptionsFromParameters(parameters: Record<string, string> | undefined): FaultOptions {
  const out: FaultOptions = {};
  for (const [key, value] of Object.entries(parameters ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!key.startsWith(PARAM_PREFIX)) continue;
    if (key === PARAM_LATENCY_MS) {
      const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(value);
      const min = Number(m?.[1]);
      const max = m?.[2] === undefined ? min : Number(m[2]);
      if (!m || !Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max < min) {
        throw new CsiError('INVALID_ARGUMENT', `parameter ${key}: "${value}" is not a latency in ms ("200" or "100-400")`);
      }
      out.latencyMs = { min, max };
    } else if (key === PARAM_FAILURE_RATE) {
      const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(value);
      const num = Number(m?.[1]);
      const den = Number(m?.[2]);
      if (!m || !Number.isSafeInteger(num) || !Number.isSafeInteger(den) || den <= 0 || num > den) {
        throw new CsiError('INVALID_ARGUMENT', `parameter ${key}: "${value}" is not a failure rate ("1/10")`);
      }
      out.failure = { num, den };
    } else if (key === PARAM_MAX_SIZE) {
      let bytes: bigint;
      try { bytes = quantityToBytes(parseQuantity(value)); } catch { bytes = -1n; }
      if (bytes <= 0n) throw new CsiError('INVALID_ARGUMENT', `parameter ${key}: "${value}" is not a size ("50Gi")`);
      out.maxSizeBytes = bytes;
    } else if (key === PARAM_EXPANSION) {
      if (value !== 'online' && value !== 'offline') throw new CsiError('INVALID_ARGUMENT', `parameter ${key}: "${value}" is not online or offline`);
      out.offlineExpansion = value === 'offline';
    } else {
      throw new CsiError('INVALID_ARGUMENT', `unsupported parameter ${key} (known: ${PARAM_LATENCY_MS}, ${PARAM_FAILURE_RATE}, ${PARAM_MAX_SIZE}, ${PARAM_EXPANSION})`);
    }
  }
  return out;
}

function checkFaultOptions(where: string, f: FaultOptions): void {
  if (f.failure) {
    const { num, den } = f.failure;
    if (!Number.isSafeInteger(num) || !Number.isSafeInteger(den) || num < 0 || den <= 0 || num > den) {
      throw new RangeError(`${where}: failure must be integers 0 <= num <= den, den > 0 (got ${num}/${den})`);
    }
  }
  if (f.latencyMs) {
    const { min, max } = f.latencyMs;
    if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || min < 0 || max < min) {
      throw new RangeError(`${where}: latencyMs must be integers 0 <= min <= max (got ${min}-${max})`);
    }
  }
}

// ------------------------------------------------------------------ stored objects

/**
 * The store operations the driver and the file helpers use (ObjectStore has them). `byIndex` and
 * `tally`, when the store keeps them (the ObjectStore does), spare the attach limit and the free
 * capacity a list of every backend volume on each call; without them the driver lists.
 */
export type CsiStore = Pick<Client, 'get' | 'list' | 'create' | 'update' | 'delete'> & Partial<Pick<Client, 'byIndex'>> & {
  tally?(name: TallyName, value: string): bigint | undefined;
};

/** The volume id CreateVolume gives a name: a digest, so a retried CreateVolume finds its volume. */
export function volumeIdForName(name: string): string {
  return 'vol-' + sha256Hex(name).slice(0, 16);
}

/** sha256 as hex, with Node's one-shot digest where it has one (no Hash object per call). */
function sha256Hex(text: string): string {
  const oneShot = (nodeCrypto as { hash?: (algorithm: string, data: string, encoding: 'hex') => string }).hash;
  return oneShot !== undefined ? oneShot('sha256', text, 'hex') : nodeCrypto.createHash('sha256').update(text).digest('hex');
}
const VOLUME_ID = /^vol-[0-9a-f]{16}$/;

/** The files of a CSI volume. The value is the stored one: treat it as immutable. */
export function readVolumeFs(client: Pick<Client, 'get'>, driver: string, volumeId: string): FsState {
  const fs = client.get('Filesystem', csiFilesystemName(driver, volumeId)) as unknown as FilesystemObject | undefined;
  if (!fs) throw new CsiError('NOT_FOUND', `volume ${volumeId} of driver ${driver} does not exist`);
  return fs.status;
}

/** Replaces the files of a CSI volume (one store update, so the log records it). */
export function writeVolumeFs(client: Pick<Client, 'get' | 'update'>, driver: string, volumeId: string, next: FsState): void {
  const fs = client.get('Filesystem', csiFilesystemName(driver, volumeId)) as unknown as FilesystemObject | undefined;
  if (!fs) throw new CsiError('NOT_FOUND', `volume ${volumeId} of driver ${driver} does not exist`);
  client.update('Filesystem', { ...fs, status: next } as unknown as AnyObject);
}

/** A driver's snapshot: a Filesystem object whose spec says what it is. */
interface SnapshotObject {
  apiVersion: typeof SIM_API_VERSION;
  kind: 'Filesystem';
  metadata: { name: string };
  spec: { type: 'snapshot'; driver: string; snapshotId: string; name: string; sourceVolumeId: string; sizeBytes: string; creationTimeMs: number };
  status: FsState;
}

// ------------------------------------------------------------------ the driver

/** CSI RPC names, for `latencyMs` and messages. */
export type CsiRpc =
  | 'GetPluginInfo' | 'GetPluginCapabilities' | 'Probe'
  | 'ControllerGetCapabilities' | 'CreateVolume' | 'DeleteVolume' | 'ControllerPublishVolume'
  | 'ControllerUnpublishVolume' | 'ValidateVolumeCapabilities' | 'ListVolumes' | 'GetCapacity'
  | 'NodeGetCapabilities' | 'NodeGetInfo' | 'NodeStageVolume' | 'NodeUnstageVolume'
  | 'NodePublishVolume' | 'NodeUnpublishVolume' | 'ControllerExpandVolume' | 'NodeExpandVolume'
  | 'CreateSnapshot' | 'DeleteSnapshot' | 'ListSnapshots';

/** Answered by the plugin from what it knows at start-up: no backend round trip, no latency. */
const LOCAL_RPCS: ReadonlySet<CsiRpc> = new Set<CsiRpc>([
  'ListSnapshots', 'GetPluginInfo', 'GetPluginCapabilities', 'Probe', 'ControllerGetCapabilities', 'NodeGetCapabilities', 'NodeGetInfo',
]);

export interface SimCsiDriverInit {
  profile: CsiProfile;
  client: CsiStore;
  /** Seeded latency draws. */
  random: Random;
  /** Failure draws (a stream of their own, so latency draws do not reshuffle failures); default `random`. */
  faultRandom?: Random;
  /**
   * Faults the world injects through its one seam (an explorer's choice): asked once per RPC, it
   * returns an error to fail that call with before it runs, or extra latency for it.
   */
  injected?: { error(rpc: CsiRpc): CsiError | undefined; latencyMs(rpc: CsiRpc): number };
  options?: SimCsiDriverOptions;
  /** Simulated time (a snapshot's creation time). */
  clock?: { now(): number };
}

function parseBytes(field: string, value: string | number | undefined): bigint {
  if (value === undefined || value === '') return 0n;
  const text = String(value);
  if (/^-\d+$/.test(text)) throw new CsiError('OUT_OF_RANGE', `${field} must not be negative (got ${text})`);
  if (!/^\d+$/.test(text)) throw new CsiError('INVALID_ARGUMENT', `${field} must be a decimal number of bytes (got "${text}")`);
  return BigInt(text);
}

function sameStrings(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

const isMultiNode = (mode: CsiAccessMode) => mode.startsWith('MULTI_NODE_');

export class SimCsiDriver implements CsiDriverPort {
  readonly profile: CsiProfile;
  private readonly client: CsiStore;
  private readonly random: Random;
  private readonly faultRandom: Random;
  private readonly injected: SimCsiDriverInit['injected'];
  private readonly options: SimCsiDriverOptions;
  private readonly totalCapacityBytes: bigint;
  private readonly defaultCapacityBytes: bigint;
  private readonly maxVolumesPerNode: number;
  private readonly clock: { now(): number } | undefined;

  constructor({ profile, client, random, faultRandom, injected, options = {}, clock }: SimCsiDriverInit) {
    this.clock = clock;
    checkFaultOptions(`driver ${profile.name}`, options);
    const max = options.maxVolumesPerNode ?? profile.defaultMaxVolumesPerNode;
    if (!Number.isSafeInteger(max) || max < 0) throw new RangeError(`driver ${profile.name}: maxVolumesPerNode must be a non-negative integer`);
    this.profile = profile;
    this.client = client;
    this.random = random;
    this.faultRandom = faultRandom ?? random;
    this.injected = injected;
    this.options = options;
    this.maxVolumesPerNode = max;
    this.totalCapacityBytes = parseBytes('totalCapacityBytes', options.totalCapacityBytes ?? profile.defaultTotalCapacityBytes);
    this.defaultCapacityBytes = parseBytes('defaultCapacityBytes', options.defaultCapacityBytes ?? profile.defaultCapacityBytes);
  }

  get name(): string { return this.profile.name; }

  /**
   * How long `rpc` takes, in simulated ms, drawn from the seeded generator: the volume's
   * `csi.pvsim.dev/latency-ms` parameter (given, or read from the stored volume) or the driver's
   * `latencyMs` option; 0 when neither is set (then nothing is drawn).
   */
  latencyMs(rpc: CsiRpc, ref: { volumeId?: string; parameters?: Record<string, string> } = {}): number {
    if (LOCAL_RPCS.has(rpc)) return 0;
    const extra = this.injected?.latencyMs(rpc) ?? 0;
    const parameters = ref.parameters ?? (ref.volumeId ? this.getVolume(ref.volumeId)?.spec.parameters : undefined);
    const latency = this.faults(parameters).latencyMs;
    if (!latency) return extra;
    return extra + latency.min + this.random.int(latency.max - latency.min + 1);
  }

  // ---------------------------------------------------------------- Identity

  getPluginInfo() {
    return { name: this.profile.name, vendorVersion: this.profile.vendorVersion };
  }

  getPluginCapabilities() {
    return [...this.profile.pluginCapabilities];
  }

  probe() {
    return { ready: true };
  }

  // ---------------------------------------------------------------- Controller

  controllerGetCapabilities(): ControllerCapability[] {
    return [...this.profile.controllerCapabilities];
  }

  createVolume(req: CreateVolumeRequest): { volume: CsiVolume } {
    this.requireController('CREATE_DELETE_VOLUME', 'CreateVolume');
    let requestFaults: FaultOptions | undefined;
    try { requestFaults = faultOptionsFromParameters(req.parameters); } catch { requestFaults = undefined; }
    this.injectFailure('CreateVolume', { ...this.options, ...requestFaults });

    if (!req.name) throw new CsiError('INVALID_ARGUMENT', 'CreateVolume: name is required');
    if (!req.volumeCapabilities || req.volumeCapabilities.length === 0) {
      throw new CsiError('INVALID_ARGUMENT', 'CreateVolume: volume capabilities are required');
    }
    for (const cap of req.volumeCapabilities) this.checkCapability('CreateVolume', cap);
    const parameters = { ...(req.parameters ?? {}) };
    faultOptionsFromParameters(parameters);
    const requiredBytes = parseBytes('capacity_range.required_bytes', req.capacityRange?.requiredBytes);
    const limitBytes = parseBytes('capacity_range.limit_bytes', req.capacityRange?.limitBytes);
    if (limitBytes > 0n && limitBytes < requiredBytes) {
      throw new CsiError('OUT_OF_RANGE', `CreateVolume: limit_bytes ${limitBytes} is less than required_bytes ${requiredBytes}`);
    }
    const requisiteZones = this.zonesOf(req.accessibilityRequirements?.requisite);

    const volumeId = volumeIdForName(req.name);
    const source = this.contentSource(req.volumeContentSource);
    const existing = this.getVolume(volumeId);
    if (existing) {
      // OBSERVATION: a volume of this name exists (a retry, or a second claim with the same name).
      const cap = BigInt(existing.spec.capacityBytes);
      const problems: string[] = [];
      if (cap < requiredBytes || (limitBytes > 0n && cap > limitBytes)) {
        problems.push(`capacity ${cap} is outside the requested range [${requiredBytes}, ${limitBytes > 0n ? limitBytes : '∞'}]`);
      }
      if (!sameStrings(existing.spec.parameters, parameters)) problems.push('parameters differ');
      const zone = this.zoneOfVolume(existing);
      if (zone !== undefined && requisiteZones.length > 0 && !requisiteZones.includes(zone)) {
        problems.push(`it is in zone ${zone}, not in the requisite topology`);
      }
      if (problems.length > 0) {
        throw new CsiError('ALREADY_EXISTS', `CreateVolume: volume "${req.name}" (${volumeId}) already exists and is incompatible: ${problems.join('; ')}`);
      }
      this.ensureFilesystem(volumeId, source?.files);
      return { volume: this.toCsiVolume(existing) };
    }

    const capacityBytes = this.capacityFor(requiredBytes, limitBytes);
    if (source && source.sizeBytes > capacityBytes) {
      throw new CsiError('OUT_OF_RANGE', `CreateVolume: the ${source.what} holds ${source.sizeBytes} bytes, more than the ${capacityBytes} requested`);
    }
    const available = this.availableBytes();
    if (capacityBytes > available) {
      throw new CsiError('RESOURCE_EXHAUSTED', `CreateVolume: ${capacityBytes} bytes requested, ${available} bytes left in ${this.profile.name}`);
    }
    // A clone of a zonal disk is made beside its source (a restore from a snapshot may go anywhere).
    const accessibleTopology = source?.zone !== undefined ? this.clonePlacement(source.zone, req.accessibilityRequirements) : this.placement(req.accessibilityRequirements);
    const volume: CsiVolumeObject = {
      apiVersion: SIM_API_VERSION,
      kind: 'CSIVolume',
      metadata: { name: csiVolumeObjectName(this.profile.name, volumeId) },
      spec: {
        driver: this.profile.name, volumeId, name: req.name, capacityBytes: String(capacityBytes), parameters,
        accessibleTopology, accessMode: req.volumeCapabilities[0]!.accessMode,
      },
      status: { publishedNodes: {}, staged: {}, published: {} },
    };
    this.write(() => this.client.create('CSIVolume', volume as unknown as AnyObject));
    this.ensureFilesystem(volumeId, source?.files);
    return { volume: this.toCsiVolume(volume) };
  }

  /** A restore's snapshot or a clone's volume: what the new volume starts with. */
  private contentSource(src: CreateVolumeRequest['volumeContentSource']): { what: string; sizeBytes: bigint; files: FsState; zone?: string } | undefined {
    if (!src) return undefined;
    if (src.snapshot) {
      this.requireController('CREATE_DELETE_SNAPSHOT', 'CreateVolume');
      const snap = this.getSnapshot(src.snapshot.snapshotId);
      if (!snap) throw new CsiError('NOT_FOUND', `CreateVolume: snapshot ${src.snapshot.snapshotId} does not exist`);
      return { what: `snapshot ${src.snapshot.snapshotId}`, sizeBytes: BigInt(snap.spec.sizeBytes), files: snap.status };
    }
    if (src.volume) {
      this.requireController('CLONE_VOLUME', 'CreateVolume');
      const vol = this.getVolume(src.volume.volumeId);
      if (!vol) throw new CsiError('NOT_FOUND', `CreateVolume: source volume ${src.volume.volumeId} does not exist`);
      const zone = this.zoneOfVolume(vol);
      return { what: `volume ${src.volume.volumeId}`, sizeBytes: BigInt(vol.spec.capacityBytes), files: readVolumeFs(this.client, this.profile.name, src.volume.volumeId), ...(zone !== undefined ? { zone } : {}) };
    }
    return undefined;
  }

  /** Takes a share that exists on the server into the backend (capacity unknown: "0"). */
  private adoptShare(volumeId: string, context: Record<string, string>, accessMode: CsiAccessMode): void {
    const volume: CsiVolumeObject = {
      apiVersion: SIM_API_VERSION,
      kind: 'CSIVolume',
      metadata: { name: csiVolumeObjectName(this.profile.name, volumeId) },
      spec: { driver: this.profile.name, volumeId, name: volumeId, capacityBytes: '0', parameters: { ...context }, accessibleTopology: [], accessMode },
      status: { publishedNodes: {}, staged: {}, published: {} },
    };
    this.write(() => this.client.create('CSIVolume', volume as unknown as AnyObject));
    this.ensureFilesystem(volumeId);
  }

  deleteVolume(req: { volumeId: string }): void {
    this.requireController('CREATE_DELETE_VOLUME', 'DeleteVolume');
    const volume = req.volumeId ? this.getVolume(req.volumeId) : undefined;
    this.injectFailure('DeleteVolume', this.faults(volume?.spec.parameters));
    if (!req.volumeId) throw new CsiError('INVALID_ARGUMENT', 'DeleteVolume: volume id is required');
    const fsName = csiFilesystemName(this.profile.name, req.volumeId);
    if (!volume) {
      // Unknown id is OK (§14.3); a Filesystem left by a delete that stopped halfway goes now.
      if (this.client.get('Filesystem', fsName)) this.write(() => this.client.delete('Filesystem', fsName));
      return;
    }
    const uses = this.usesOf(volume);
    if (uses.length > 0) {
      throw new CsiError('FAILED_PRECONDITION', `DeleteVolume: volume ${req.volumeId} is in use: ${uses.join('; ')}`);
    }
    if (this.client.get('Filesystem', fsName)) this.write(() => this.client.delete('Filesystem', fsName));
    this.write(() => this.client.delete('CSIVolume', volume.metadata.name));
  }

  controllerPublishVolume(req: ControllerPublishRequest): { publishContext: Record<string, string> } {
    this.requireController('PUBLISH_UNPUBLISH_VOLUME', 'ControllerPublishVolume');
    const volume = req.volumeId ? this.getVolume(req.volumeId) : undefined;
    this.injectFailure('ControllerPublishVolume', this.faults(volume?.spec.parameters));
    if (!req.volumeId) throw new CsiError('INVALID_ARGUMENT', 'ControllerPublishVolume: volume id is required');
    if (!req.nodeId) throw new CsiError('INVALID_ARGUMENT', 'ControllerPublishVolume: node id is required');
    const cap = this.checkCapability('ControllerPublishVolume', req.volumeCapability);
    if (req.readonly && !this.profile.controllerCapabilities.includes('PUBLISH_READONLY')) {
      throw new CsiError('INVALID_ARGUMENT', 'ControllerPublishVolume: readonly publishing is not supported');
    }
    if (!volume) throw new CsiError('NOT_FOUND', `ControllerPublishVolume: volume ${req.volumeId} does not exist`);
    const node = this.client.get('Node', req.nodeId);
    if (!node) throw new CsiError('NOT_FOUND', `ControllerPublishVolume: node ${req.nodeId} does not exist`);
    const readonly = req.readonly === true;

    const current = volume.status.publishedNodes[req.nodeId];
    if (current) {
      if (current.readonly !== readonly) {
        throw new CsiError('ALREADY_EXISTS', `ControllerPublishVolume: volume ${req.volumeId} is already published to node ${req.nodeId} with readonly=${current.readonly}`);
      }
      return { publishContext: { ...current.publishContext } };
    }
    const elsewhere = Object.keys(volume.status.publishedNodes).sort();
    if (elsewhere.length > 0 && !isMultiNode(cap.accessMode)) {
      throw new CsiError('FAILED_PRECONDITION', `ControllerPublishVolume: volume ${req.volumeId} is published to node ${elsewhere[0]}; ${cap.accessMode} allows one node`);
    }
    const zone = this.zoneOfVolume(volume);
    if (zone !== undefined) {
      const nodeZone = this.zoneOfNode(node);
      if (nodeZone !== zone) {
        throw new CsiError('FAILED_PRECONDITION', `ControllerPublishVolume: volume ${req.volumeId} is in zone ${zone}, node ${req.nodeId} is in zone ${nodeZone ?? '(none)'}`);
      }
    }
    const limit = this.limitOf(req.nodeId);
    if (limit > 0) {
      const onNode = this.client.byIndex
        ? (this.client.byIndex('csiVolumesByPublishedNode', req.nodeId) as unknown as CsiVolumeObject[]).filter((v) => v.spec.driver === this.profile.name)
        : this.volumes();
      const attached = onNode.filter((v) => v.spec.volumeId !== req.volumeId && v.status.publishedNodes[req.nodeId]).length;
      if (attached >= limit) {
        throw new CsiError('RESOURCE_EXHAUSTED', `ControllerPublishVolume: node ${req.nodeId} already has ${attached} volumes of ${this.profile.name} attached (max ${limit})`);
      }
    }
    const publishContext = { devicePath: `/dev/disk/by-id/pvsim-${req.volumeId}` };
    this.writeStatus(volume, {
      ...volume.status,
      publishedNodes: { ...volume.status.publishedNodes, [req.nodeId]: { readonly, publishContext } },
    });
    return { publishContext: { ...publishContext } };
  }

  /** An empty node id unpublishes from every node (CSI: node_id is optional here). */
  controllerUnpublishVolume(req: { volumeId: string; nodeId: string }): void {
    this.requireController('PUBLISH_UNPUBLISH_VOLUME', 'ControllerUnpublishVolume');
    const volume = req.volumeId ? this.getVolume(req.volumeId) : undefined;
    this.injectFailure('ControllerUnpublishVolume', this.faults(volume?.spec.parameters));
    if (!req.volumeId) throw new CsiError('INVALID_ARGUMENT', 'ControllerUnpublishVolume: volume id is required');
    if (!volume) return;
    const nodes = req.nodeId ? [req.nodeId] : Object.keys(volume.status.publishedNodes);
    if (!nodes.some((n) => volume.status.publishedNodes[n])) return;
    // Node-side state (staged, published) is left as it is: a forced detach (out-of-service
    // node) happens with the volume still mounted, and the kubelet unwinds it later.
    const publishedNodes = { ...volume.status.publishedNodes };
    for (const n of nodes) delete publishedNodes[n];
    this.writeStatus(volume, { ...volume.status, publishedNodes });
  }

  validateVolumeCapabilities(req: { volumeId: string; volumeCapabilities: VolumeCapability[] }): { confirmed: boolean; message: string } {
    if (!req.volumeId) throw new CsiError('INVALID_ARGUMENT', 'ValidateVolumeCapabilities: volume id is required');
    if (!req.volumeCapabilities || req.volumeCapabilities.length === 0) {
      throw new CsiError('INVALID_ARGUMENT', 'ValidateVolumeCapabilities: volume capabilities are required');
    }
    for (const cap of req.volumeCapabilities) this.checkCapabilityShape('ValidateVolumeCapabilities', cap);
    if (!this.getVolume(req.volumeId)) throw new CsiError('NOT_FOUND', `ValidateVolumeCapabilities: volume ${req.volumeId} does not exist`);
    for (const cap of req.volumeCapabilities) {
      const problem = this.capabilityProblem(cap);
      if (problem) return { confirmed: false, message: problem };
    }
    return { confirmed: true, message: '' };
  }

  /** Tokens are the last volume id of the previous page: volumes added or deleted in between do not shift pages. */
  listVolumes(req: { maxEntries?: number; startingToken?: string } = {}): { entries: { volume: CsiVolume; publishedNodeIds: string[] }[]; nextToken: string } {
    this.requireController('LIST_VOLUMES', 'ListVolumes');
    const maxEntries = req.maxEntries ?? 0;
    if (!Number.isSafeInteger(maxEntries) || maxEntries < 0) {
      throw new CsiError('INVALID_ARGUMENT', `ListVolumes: max_entries must be a non-negative integer (got ${maxEntries})`);
    }
    const volumes = this.volumes();
    let start = 0;
    if (req.startingToken) {
      const token = req.startingToken;
      if (!VOLUME_ID.test(token)) throw new CsiError('ABORTED', `ListVolumes: invalid starting token "${token}"`);
      start = volumes.findIndex((v) => v.spec.volumeId > token);
      if (start < 0) start = volumes.length;
    }
    const page = maxEntries > 0 ? volumes.slice(start, start + maxEntries) : volumes.slice(start);
    const more = start + page.length < volumes.length;
    const listsNodes = this.profile.controllerCapabilities.includes('LIST_VOLUMES_PUBLISHED_NODES');
    return {
      entries: page.map((v) => ({
        volume: this.toCsiVolume(v),
        publishedNodeIds: listsNodes ? Object.keys(v.status.publishedNodes).sort() : [],
      })),
      nextToken: more && page.length > 0 ? page[page.length - 1]!.spec.volumeId : '',
    };
  }

  /** The backend is one pool: what is left of it, whatever the topology asked about. */
  getCapacity(_req: { accessibleTopology?: Topology } = {}): { availableCapacity: string } {
    this.requireController('GET_CAPACITY', 'GetCapacity');
    return { availableCapacity: String(this.availableBytes()) };
  }

  // ---------------------------------------------------------------- Node

  nodeGetCapabilities(): NodeCapability[] {
    return [...this.profile.nodeCapabilities];
  }

  /**
   * A node's attach limit: `maxVolumesPerNode` when the driver is configured with it, else, for a
   * driver with a limit, the one its cloud has for the node's machine type (the `gke` and `eks`
   * profiles label their nodes), else the profile's default.
   */
  private limitOf(nodeName: string): number {
    if (this.options.maxVolumesPerNode !== undefined || this.maxVolumesPerNode === 0) return this.maxVolumesPerNode;
    const labels = this.client.get('Node', nodeName)?.metadata['labels'] as Record<string, string> | undefined;
    return attachLimitOfInstanceType(labels?.[LABEL_INSTANCE_TYPE]) ?? this.maxVolumesPerNode;
  }

  nodeGetInfo(req: { node: string }): { nodeId: string; maxVolumesPerNode: number; accessibleTopology: Topology } {
    if (!req.node) throw new CsiError('INVALID_ARGUMENT', 'NodeGetInfo: node is required');
    const accessibleTopology: Topology = {};
    if (this.profile.topologyKey) {
      const node = this.client.get('Node', req.node);
      if (!node) throw new CsiError('NOT_FOUND', `NodeGetInfo: node ${req.node} does not exist`);
      const zone = this.zoneOfNode(node);
      if (zone !== undefined) accessibleTopology[this.profile.topologyKey] = zone;
    }
    return { nodeId: req.node, maxVolumesPerNode: this.limitOf(req.node), accessibleTopology };
  }

  nodeStageVolume(req: NodeStageRequest & { node: string }): void {
    this.requireNode('STAGE_UNSTAGE_VOLUME', 'NodeStageVolume');
    const volume = req.volumeId ? this.getVolume(req.volumeId) : undefined;
    this.injectFailure('NodeStageVolume', this.faults(volume?.spec.parameters));
    if (!req.node) throw new CsiError('INVALID_ARGUMENT', 'NodeStageVolume: node is required');
    if (!req.volumeId) throw new CsiError('INVALID_ARGUMENT', 'NodeStageVolume: volume id is required');
    if (!req.stagingTargetPath) throw new CsiError('INVALID_ARGUMENT', 'NodeStageVolume: staging target path is required');
    this.checkCapability('NodeStageVolume', req.volumeCapability);
    if (!volume) throw new CsiError('NOT_FOUND', `NodeStageVolume: volume ${req.volumeId} does not exist`);
    if (this.profile.controllerCapabilities.includes('PUBLISH_UNPUBLISH_VOLUME') && !volume.status.publishedNodes[req.node]) {
      throw new CsiError('FAILED_PRECONDITION', `NodeStageVolume: volume ${req.volumeId} is not published to node ${req.node} (ControllerPublishVolume comes first)`);
    }
    const current = volume.status.staged[req.node];
    if (current === req.stagingTargetPath) return;
    if (current !== undefined) {
      throw new CsiError('ALREADY_EXISTS', `NodeStageVolume: volume ${req.volumeId} is already staged on node ${req.node} at ${current}`);
    }
    this.writeStatus(volume, { ...volume.status, staged: { ...volume.status.staged, [req.node]: req.stagingTargetPath } });
  }

  nodeUnstageVolume(req: { node: string; volumeId: string; stagingTargetPath: string }): void {
    this.requireNode('STAGE_UNSTAGE_VOLUME', 'NodeUnstageVolume');
    const volume = req.volumeId ? this.getVolume(req.volumeId) : undefined;
    this.injectFailure('NodeUnstageVolume', this.faults(volume?.spec.parameters));
    if (!req.node) throw new CsiError('INVALID_ARGUMENT', 'NodeUnstageVolume: node is required');
    if (!req.volumeId) throw new CsiError('INVALID_ARGUMENT', 'NodeUnstageVolume: volume id is required');
    if (!req.stagingTargetPath) throw new CsiError('INVALID_ARGUMENT', 'NodeUnstageVolume: staging target path is required');
    if (!volume) throw new CsiError('NOT_FOUND', `NodeUnstageVolume: volume ${req.volumeId} does not exist`);
    if (volume.status.staged[req.node] !== req.stagingTargetPath) return;
    const targets = Object.keys(volume.status.published).filter((t) => volume.status.published[t]!.node === req.node).sort();
    if (targets.length > 0) {
      throw new CsiError('FAILED_PRECONDITION', `NodeUnstageVolume: volume ${req.volumeId} is still published on node ${req.node} at ${targets.join(', ')}`);
    }
    const staged = { ...volume.status.staged };
    delete staged[req.node];
    this.writeStatus(volume, { ...volume.status, staged });
  }

  nodePublishVolume(req: NodePublishRequest & { node: string }): void {
    if (req.volumeId && this.profile.preexistingShares && !this.getVolume(req.volumeId) && req.volumeCapability) {
      this.adoptShare(req.volumeId, req.volumeContext ?? {}, req.volumeCapability.accessMode);
    }
    const volume = req.volumeId ? this.getVolume(req.volumeId) : undefined;
    this.injectFailure('NodePublishVolume', this.faults(volume?.spec.parameters));
    if (!req.node) throw new CsiError('INVALID_ARGUMENT', 'NodePublishVolume: node is required');
    if (!req.volumeId) throw new CsiError('INVALID_ARGUMENT', 'NodePublishVolume: volume id is required');
    if (!req.targetPath) throw new CsiError('INVALID_ARGUMENT', 'NodePublishVolume: target path is required');
    const cap = this.checkCapability('NodePublishVolume', req.volumeCapability);
    if (!volume) throw new CsiError('NOT_FOUND', `NodePublishVolume: volume ${req.volumeId} does not exist`);
    const readonly = req.readonly === true;
    if (this.profile.nodeCapabilities.includes('STAGE_UNSTAGE_VOLUME')) {
      if (!req.stagingTargetPath) {
        throw new CsiError('FAILED_PRECONDITION', `NodePublishVolume: staging target path is required (${this.profile.name} stages volumes)`);
      }
      if (volume.status.staged[req.node] !== req.stagingTargetPath) {
        throw new CsiError('FAILED_PRECONDITION', `NodePublishVolume: volume ${req.volumeId} is not staged on node ${req.node} at ${req.stagingTargetPath}`);
      }
    } else if (this.profile.controllerCapabilities.includes('PUBLISH_UNPUBLISH_VOLUME') && !volume.status.publishedNodes[req.node]) {
      throw new CsiError('FAILED_PRECONDITION', `NodePublishVolume: volume ${req.volumeId} is not published to node ${req.node}`);
    }
    const current = volume.status.published[req.targetPath];
    if (current) {
      if (current.node === req.node && current.readonly === readonly) return;
      throw new CsiError('ALREADY_EXISTS', `NodePublishVolume: volume ${req.volumeId} is already published at ${req.targetPath} on node ${current.node} with readonly=${current.readonly}`);
    }
    // A mount left behind on a node the volume was detached from (a forced detach from a dead
    // node) no longer reaches the device, so it does not count against single-node modes.
    const attachable = this.profile.controllerCapabilities.includes('PUBLISH_UNPUBLISH_VOLUME');
    const targets = Object.keys(volume.status.published).sort()
      .filter((t) => !attachable || volume.status.publishedNodes[volume.status.published[t]!.node] !== undefined);
    if ((cap.accessMode === 'SINGLE_NODE_SINGLE_WRITER' || volume.spec.accessMode === 'SINGLE_NODE_SINGLE_WRITER') && targets.length > 0) {
      throw new CsiError('FAILED_PRECONDITION', `NodePublishVolume: volume ${req.volumeId} is SINGLE_NODE_SINGLE_WRITER and already published at ${targets[0]}`);
    }
    const otherNode = targets.map((t) => volume.status.published[t]!.node).find((n) => n !== req.node);
    if (otherNode !== undefined && !isMultiNode(cap.accessMode)) {
      throw new CsiError('FAILED_PRECONDITION', `NodePublishVolume: volume ${req.volumeId} is published on node ${otherNode}; ${cap.accessMode} allows one node`);
    }
    this.writeStatus(volume, {
      ...volume.status,
      published: { ...volume.status.published, [req.targetPath]: { node: req.node, readonly } },
    });
  }

  nodeUnpublishVolume(req: { node: string; volumeId: string; targetPath: string }): void {
    const volume = req.volumeId ? this.getVolume(req.volumeId) : undefined;
    this.injectFailure('NodeUnpublishVolume', this.faults(volume?.spec.parameters));
    if (!req.node) throw new CsiError('INVALID_ARGUMENT', 'NodeUnpublishVolume: node is required');
    if (!req.volumeId) throw new CsiError('INVALID_ARGUMENT', 'NodeUnpublishVolume: volume id is required');
    if (!req.targetPath) throw new CsiError('INVALID_ARGUMENT', 'NodeUnpublishVolume: target path is required');
    if (!volume) throw new CsiError('NOT_FOUND', `NodeUnpublishVolume: volume ${req.volumeId} does not exist`);
    const current = volume.status.published[req.targetPath];
    if (!current || current.node !== req.node) return;
    const published = { ...volume.status.published };
    delete published[req.targetPath];
    this.writeStatus(volume, { ...volume.status, published });
  }

  // ---------------------------------------------------------------- Expansion

  /**
   * Grows the backend volume to at least requiredBytes (whole capacity units). Asking for less
   * than it has is OK and changes nothing (CSI: no shrink). A disk's filesystem is grown by the
   * node afterwards (node_expansion_required); a share is done here.
   */
  controllerExpandVolume(req: ControllerExpandRequest): { capacityBytes: string; nodeExpansionRequired: boolean } {
    this.requireController('EXPAND_VOLUME', 'ControllerExpandVolume');
    const volume = req.volumeId ? this.getVolume(req.volumeId) : undefined;
    const faults = this.faults(volume?.spec.parameters);
    this.injectFailure('ControllerExpandVolume', faults);
    if (!req.volumeId) throw new CsiError('INVALID_ARGUMENT', 'ControllerExpandVolume: volume id is required');
    const required = parseBytes('capacityRange.requiredBytes', req.capacityRange?.requiredBytes);
    const limit = parseBytes('capacityRange.limitBytes', req.capacityRange?.limitBytes);
    if (!volume) throw new CsiError('NOT_FOUND', `ControllerExpandVolume: volume ${req.volumeId} does not exist`);
    if (faults.offlineExpansion) {
      const nodes = [...Object.keys(volume.status.publishedNodes), ...Object.keys(volume.status.published ?? {})];
      if (nodes.length > 0) throw new CsiError('FAILED_PRECONDITION', `ControllerExpandVolume: volume ${req.volumeId} is in use; this volume can only be expanded offline`);
    }
    const nodeExpansionRequired = this.profile.nodeCapabilities.includes('EXPAND_VOLUME');
    const current = BigInt(volume.spec.capacityBytes);
    if (required <= current) return { capacityBytes: current.toString(), nodeExpansionRequired };
    const unit = BigInt(this.profile.capacityUnitBytes);
    const next = ((required + unit - 1n) / unit) * unit;
    if (limit > 0n && next > limit) throw new CsiError('OUT_OF_RANGE', `ControllerExpandVolume: no capacity in whole units of ${unit} bytes fits [${required}, ${limit}]`);
    if (faults.maxSizeBytes !== undefined && next > faults.maxSizeBytes) {
      throw new CsiError('OUT_OF_RANGE', `ControllerExpandVolume: requested ${next} bytes exceeds the largest volume size ${faults.maxSizeBytes} bytes`);
    }
    if (next - current > this.availableBytes()) {
      throw new CsiError('RESOURCE_EXHAUSTED', `ControllerExpandVolume: ${next - current} more bytes requested, ${this.availableBytes()} available`);
    }
    this.write(() => this.client.update('CSIVolume', { ...volume, spec: { ...volume.spec, capacityBytes: next.toString() } } as unknown as AnyObject));
    return { capacityBytes: next.toString(), nodeExpansionRequired };
  }

  /** Grows the filesystem on a node the volume is staged (or published) on to the volume's size. */
  nodeExpandVolume(req: NodeExpandRequest): { capacityBytes: string } {
    this.requireNode('EXPAND_VOLUME', 'NodeExpandVolume');
    const volume = req.volumeId ? this.getVolume(req.volumeId) : undefined;
    this.injectFailure('NodeExpandVolume', this.faults(volume?.spec.parameters));
    if (!req.node) throw new CsiError('INVALID_ARGUMENT', 'NodeExpandVolume: node is required');
    if (!req.volumeId) throw new CsiError('INVALID_ARGUMENT', 'NodeExpandVolume: volume id is required');
    if (!req.volumePath) throw new CsiError('INVALID_ARGUMENT', 'NodeExpandVolume: volume path is required');
    if (!volume) throw new CsiError('NOT_FOUND', `NodeExpandVolume: volume ${req.volumeId} does not exist`);
    const staged = volume.status.staged[req.node] !== undefined;
    const published = Object.values(volume.status.published).some((p) => p.node === req.node);
    if (!staged && !published) throw new CsiError('NOT_FOUND', `NodeExpandVolume: volume ${req.volumeId} is not staged or published on node ${req.node}`);
    const required = parseBytes('capacityRange.requiredBytes', req.capacityRange?.requiredBytes);
    if (required > BigInt(volume.spec.capacityBytes)) {
      throw new CsiError('OUT_OF_RANGE', `NodeExpandVolume: requested ${required} bytes is more than the volume's ${volume.spec.capacityBytes}`);
    }
    return { capacityBytes: volume.spec.capacityBytes };
  }

  // ---------------------------------------------------------------- Snapshots

  /**
   * Cuts a snapshot of a volume: its files as they are now, kept in a Filesystem object of their
   * own (`csisnap.<driver>.<id>`) that nothing writes again, so later writes to the volume are not
   * in it. The id derives from the name, so a retried CreateSnapshot finds its snapshot; the same
   * name for another volume is ALREADY_EXISTS. Ready at once (no upload phase).
   */
  createSnapshot(req: { name: string; sourceVolumeId: string; parameters?: Record<string, string> }): { snapshot: CsiSnapshot } {
    this.requireController('CREATE_DELETE_SNAPSHOT', 'CreateSnapshot');
    const volume = req.sourceVolumeId ? this.getVolume(req.sourceVolumeId) : undefined;
    this.injectFailure('CreateSnapshot', this.faults(volume?.spec.parameters));
    if (!req.name) throw new CsiError('INVALID_ARGUMENT', 'CreateSnapshot: name is required');
    if (!req.sourceVolumeId) throw new CsiError('INVALID_ARGUMENT', 'CreateSnapshot: source volume id is required');
    const snapshotId = 'snap-' + sha256Hex(req.name).slice(0, 16);
    const existing = this.getSnapshot(snapshotId);
    if (existing) {
      if (existing.spec.sourceVolumeId !== req.sourceVolumeId) {
        throw new CsiError('ALREADY_EXISTS', `CreateSnapshot: snapshot "${req.name}" exists for volume ${existing.spec.sourceVolumeId}, not ${req.sourceVolumeId}`);
      }
      return { snapshot: this.toCsiSnapshot(existing) };
    }
    if (!volume) throw new CsiError('NOT_FOUND', `CreateSnapshot: volume ${req.sourceVolumeId} does not exist`);
    const files = readVolumeFs(this.client, this.profile.name, req.sourceVolumeId);
    const snap: SnapshotObject = {
      apiVersion: SIM_API_VERSION, kind: 'Filesystem', metadata: { name: csiSnapshotObjectName(this.profile.name, snapshotId) },
      spec: { type: 'snapshot', driver: this.profile.name, snapshotId, name: req.name, sourceVolumeId: req.sourceVolumeId, sizeBytes: volume.spec.capacityBytes, creationTimeMs: this.clockMs() },
      status: structuredClone(files),
    };
    this.write(() => this.client.create('Filesystem', snap as unknown as AnyObject));
    return { snapshot: this.toCsiSnapshot(snap) };
  }

  /** Deletes a snapshot; OK when it is already gone. */
  deleteSnapshot(req: { snapshotId: string }): void {
    this.requireController('CREATE_DELETE_SNAPSHOT', 'DeleteSnapshot');
    this.injectFailure('DeleteSnapshot', this.options);
    if (!req.snapshotId) throw new CsiError('INVALID_ARGUMENT', 'DeleteSnapshot: snapshot id is required');
    if (!this.getSnapshot(req.snapshotId)) return;
    this.write(() => this.client.delete('Filesystem', csiSnapshotObjectName(this.profile.name, req.snapshotId)));
  }

  /** This driver's snapshots, by id; filtered by id or source volume. */
  listSnapshots(req: { snapshotId?: string; sourceVolumeId?: string } = {}): { entries: CsiSnapshot[] } {
    this.requireController('LIST_SNAPSHOTS', 'ListSnapshots');
    const prefix = `csisnap.${this.profile.name}.`;
    const entries = (this.client.list('Filesystem') as unknown as SnapshotObject[])
      .filter((f) => f.metadata.name.startsWith(prefix))
      .map((f) => this.toCsiSnapshot(f))
      .filter((s) => (req.snapshotId === undefined || s.snapshotId === req.snapshotId) && (req.sourceVolumeId === undefined || s.sourceVolumeId === req.sourceVolumeId))
      .sort((a, b) => (a.snapshotId < b.snapshotId ? -1 : a.snapshotId > b.snapshotId ? 1 : 0));
    return { entries };
  }

  private getSnapshot(snapshotId: string): SnapshotObject | undefined {
    return this.client.get('Filesystem', csiSnapshotObjectName(this.profile.name, snapshotId)) as unknown as SnapshotObject | undefined;
  }

  private toCsiSnapshot(s: SnapshotObject): CsiSnapshot {
    return { snapshotId: s.spec.snapshotId, sourceVolumeId: s.spec.sourceVolumeId, sizeBytes: s.spec.sizeBytes, creationTimeMs: s.spec.creationTimeMs, readyToUse: true };
  }

  /** Simulated time, for a snapshot's creation time (0 without a clock). */
  private clockMs(): number {
    return this.clock ? this.clock.now() : 0;
  }

  // ---------------------------------------------------------------- internals

  private requireController(cap: ControllerCapability, rpc: CsiRpc): void {
    if (!this.profile.controllerCapabilities.includes(cap)) {
      throw new CsiError('UNIMPLEMENTED', `${rpc}: ${this.profile.name} does not have ${cap}`);
    }
  }

  private requireNode(cap: NodeCapability, rpc: CsiRpc): void {
    if (!this.profile.nodeCapabilities.includes(cap)) {
      throw new CsiError('UNIMPLEMENTED', `${rpc}: ${this.profile.name} does not have ${cap}`);
    }
  }

  /** The driver's faults, overridden field by field by a volume's parameters. */
  private faults(parameters: Record<string, string> | undefined): FaultOptions {
    if (!parameters) return this.options;
    let own: FaultOptions;
    try { own = faultOptionsFromParameters(parameters); } catch { return this.options; }
    return { ...this.options, ...own };
  }

  /** Draws whether this call fails; with no failure rate configured, draws nothing. */
  private injectFailure(rpc: CsiRpc, faults: FaultOptions): void {
    const injected = this.injected?.error(rpc);
    if (injected) throw injected;
    const f = faults.failure;
    if (!f || !this.faultRandom.chance(f.num, f.den)) return;
    const codes: CsiCode[] = f.codes && f.codes.length > 0 ? f.codes : ['UNAVAILABLE'];
    const code = codes[this.faultRandom.int(codes.length)]!;
    throw new CsiError(code, `${rpc}: injected failure (rate ${f.num}/${f.den})`);
  }

  private checkCapabilityShape(rpc: CsiRpc, cap: VolumeCapability | undefined): VolumeCapability {
    if (!cap) throw new CsiError('INVALID_ARGUMENT', `${rpc}: volume capability is required`);
    if (!cap.accessMode) throw new CsiError('INVALID_ARGUMENT', `${rpc}: volume capability access mode is required`);
    if ((cap.mount !== undefined) === (cap.block !== undefined)) {
      throw new CsiError('INVALID_ARGUMENT', `${rpc}: volume capability needs exactly one access type (mount or block)`);
    }
    return cap;
  }

  private capabilityProblem(cap: VolumeCapability): string | undefined {
    if (!this.profile.accessModes.includes(cap.accessMode)) return `unsupported access mode ${cap.accessMode}`;
    const type = cap.block !== undefined ? 'block' : 'mount';
    if (!this.profile.accessTypes.includes(type)) return `unsupported access type ${type}`;
    return undefined;
  }

  private checkCapability(rpc: CsiRpc, cap: VolumeCapability | undefined): VolumeCapability {
    const checked = this.checkCapabilityShape(rpc, cap);
    const problem = this.capabilityProblem(checked);
    if (problem) throw new CsiError('INVALID_ARGUMENT', `${rpc}: ${problem} (${this.profile.name})`);
    return checked;
  }

  /** requiredBytes ≤ capacity ≤ limitBytes (0: none), in whole capacity units. */
  private capacityFor(requiredBytes: bigint, limitBytes: bigint): bigint {
    const unit = BigInt(this.profile.capacityUnitBytes);
    const up = (n: bigint) => ((n + unit - 1n) / unit) * unit;
    let capacity = requiredBytes > 0n ? up(requiredBytes) : up(this.defaultCapacityBytes);
    if (limitBytes > 0n && capacity > limitBytes && requiredBytes === 0n) capacity = (limitBytes / unit) * unit;
    if (capacity === 0n || (limitBytes > 0n && capacity > limitBytes)) {
      throw new CsiError('OUT_OF_RANGE', `CreateVolume: no capacity in whole units of ${unit} bytes fits [${requiredBytes}, ${limitBytes}]`);
    }
    return capacity;
  }

  private availableBytes(): bigint {
    let used = this.client.tally?.('csiCapacityByDriver', this.profile.name);
    if (used === undefined) {
      used = 0n;
      for (const v of this.volumes()) used += BigInt(v.spec.capacityBytes);
    }
    return used >= this.totalCapacityBytes ? 0n : this.totalCapacityBytes - used;
  }

  private zonesOf(topologies: Topology[] | undefined): string[] {
    const key = this.profile.topologyKey;
    if (!key) return [];
    return (topologies ?? []).map((t) => t[key]).filter((z): z is string => z !== undefined && z !== '');
  }

  /** Preferred zones first (those inside the requisite ones), then requisite, then the default. */
  private placement(req: CreateVolumeRequest['accessibilityRequirements']): Topology[] {
    const key = this.profile.topologyKey;
    if (!key) return [];
    const requisite = this.zonesOf(req?.requisite);
    if ((req?.requisite?.length ?? 0) > 0 && requisite.length === 0) {
      throw new CsiError('RESOURCE_EXHAUSTED', `CreateVolume: the requisite topology names no ${key}; cannot place the volume`);
    }
    const preferred = this.zonesOf(req?.preferred).filter((z) => requisite.length === 0 || requisite.includes(z));
    const zone = preferred[0] ?? requisite[0] ?? this.profile.defaultZone;
    return zone === undefined ? [] : [{ [key]: zone }];
  }

  /** The source's zone, which the requisite topology (when there is one) must allow. */
  private clonePlacement(zone: string, req: CreateVolumeRequest['accessibilityRequirements']): Topology[] {
    const requisite = this.zonesOf(req?.requisite);
    if (requisite.length > 0 && !requisite.includes(zone)) {
      throw new CsiError('INVALID_ARGUMENT', `CreateVolume: the source volume is in ${zone}; a clone is made in the same zone, which the requisite topology [${requisite.join(' ')}] does not allow`);
    }
    return [{ [this.profile.topologyKey!]: zone }];
  }

  private zoneOfVolume(volume: CsiVolumeObject): string | undefined {
    const key = this.profile.topologyKey;
    return key ? volume.spec.accessibleTopology[0]?.[key] : undefined;
  }

  private zoneOfNode(node: AnyObject): string | undefined {
    const key = this.profile.topologyKey;
    const labels = node.metadata['labels'] as Record<string, string> | undefined;
    return key ? labels?.[key] : undefined;
  }

  private usesOf(volume: CsiVolumeObject): string[] {
    const s = volume.status;
    return [
      ...Object.keys(s.publishedNodes).sort().map((n) => `published to node ${n}`),
      ...Object.keys(s.staged).sort().map((n) => `staged on node ${n} at ${s.staged[n]}`),
      ...Object.keys(s.published).sort().map((t) => `published on node ${s.published[t]!.node} at ${t}`),
    ];
  }

  private getVolume(volumeId: string): CsiVolumeObject | undefined {
    return this.client.get('CSIVolume', csiVolumeObjectName(this.profile.name, volumeId)) as unknown as CsiVolumeObject | undefined;
  }

  /** This driver's volumes, by volume id. */
  private volumes(): CsiVolumeObject[] {
    return (this.client.list('CSIVolume') as unknown as CsiVolumeObject[])
      .filter((v) => v.spec.driver === this.profile.name)
      .sort((a, b) => (a.spec.volumeId < b.spec.volumeId ? -1 : a.spec.volumeId > b.spec.volumeId ? 1 : 0));
  }

  private ensureFilesystem(volumeId: string, files?: FsState): void {
    const name = csiFilesystemName(this.profile.name, volumeId);
    if (this.client.get('Filesystem', name)) return;
    const fs: FilesystemObject = { apiVersion: SIM_API_VERSION, kind: 'Filesystem', metadata: { name }, status: files ? structuredClone(files) : emptyFs() };
    this.write(() => this.client.create('Filesystem', fs as unknown as AnyObject));
  }

  private writeStatus(volume: CsiVolumeObject, status: CsiVolumeStatus): void {
    this.write(() => this.client.update('CSIVolume', { ...volume, status } as unknown as AnyObject));
  }

  /** A failed store write is a backend outage to the caller: UNAVAILABLE, retry. */
  private write<T>(fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (err instanceof ApiError) throw new CsiError('UNAVAILABLE', `backend write failed: ${err.message}`);
      throw err;
    }
  }

  private toCsiVolume(volume: CsiVolumeObject): CsiVolume {
    return {
      volumeId: volume.spec.volumeId,
      capacityBytes: volume.spec.capacityBytes,
      volumeContext: { ...volume.spec.parameters },
      accessibleTopology: volume.spec.accessibleTopology.map((t) => ({ ...t })),
    };
  }
}
