/**
 * Design: a user's own CSI driver under test (`pvsim check --csi-driver NAME=./driver.mjs`, issue
 * 7). The module speaks CSI as its gRPC service would: one method per RPC, named as in the CSI
 * spec (`CreateVolume`, `NodeStageVolume`, …), taking the request and returning the response in
 * the spec's proto3 JSON form (lowerCamelCase fields, int64 as decimal strings, enums as their
 * names, `VolumeCapability.accessMode.mode`, `Topology.segments`), failing by throwing
 * `{ code, message }` with a CSI status code (a name such as `NOT_FOUND` or its number 5). Node
 * RPCs get a second argument `{ node }`: the node whose plugin is called (one module serves every
 * node, as a DaemonSet's pods would). The driver's memory — its backend — is `saveState()` /
 * `loadState(state)` as plain JSON, so the world can copy, fingerprint and restore it like any
 * component's. This adapter turns that into the port the sidecars and kubelets call.
 * Reference: docs/reference/csi-driver-module.md.
 */
import {
  CsiError, type ControllerCapability, type ControllerPublishRequest, type CreateVolumeRequest, type CsiCode, type CsiDriverPort, type CsiVolume,
  type NodeCapability, type NodePublishRequest, type NodeStageRequest, type Topology, type VolumeCapability,
} from '@pvsim/domain';

/** What a driver module's default export builds: a CSI driver as JS methods over proto3 JSON. */
export interface CsiDriverModule {
  saveState(): unknown;
  loadState(state: unknown): void;
  [rpc: string]: unknown;
}

export type CsiDriverFactory = (ctx: { name: string }) => CsiDriverModule;

/** gRPC status codes by number (CSI errors are gRPC statuses). */
const GRPC_CODES: readonly string[] = [
  'OK', 'CANCELED', 'UNKNOWN', 'INVALID_ARGUMENT', 'DEADLINE_EXCEEDED', 'NOT_FOUND', 'ALREADY_EXISTS', 'PERMISSION_DENIED',
  'RESOURCE_EXHAUSTED', 'FAILED_PRECONDITION', 'ABORTED', 'OUT_OF_RANGE', 'UNIMPLEMENTED', 'INTERNAL', 'UNAVAILABLE', 'DATA_LOSS', 'UNAUTHENTICATED',
];

/** The RPCs a module must have (the rest are optional, by capability). */
export const REQUIRED_RPCS = [
  'GetPluginInfo', 'GetPluginCapabilities', 'Probe', 'ControllerGetCapabilities', 'CreateVolume', 'DeleteVolume',
  'NodeGetCapabilities', 'NodeGetInfo', 'NodePublishVolume', 'NodeUnpublishVolume',
] as const;

/** A thrown `{ code, message }` as a CsiError; anything else a driver throws is its bug: INTERNAL. */
function asCsiError(rpc: string, e: unknown): CsiError {
  if (e instanceof CsiError) return e;
  const o = (e ?? {}) as { code?: unknown; message?: unknown };
  const code = typeof o.code === 'number' ? GRPC_CODES[o.code] : typeof o.code === 'string' ? o.code.toUpperCase() : undefined;
  const message = `${rpc}: ${typeof o.message === 'string' ? o.message : String(e)}`;
  if (code === 'CANCELLED') return new CsiError('CANCELED', message);
  if (code && code !== 'OK' && GRPC_CODES.includes(code) && code !== 'UNKNOWN' && code !== 'DATA_LOSS') return new CsiError(code as CsiCode, message);
  return new CsiError('INTERNAL', `${message}${code ? '' : ' (the driver threw something that is not a CSI status)'}`);
}

const toCap = (c: VolumeCapability) => ({ ...(c.block ? { block: {} } : { mount: { fsType: c.mount?.fsType ?? '', mountFlags: c.mount?.mountFlags ?? [] } }), accessMode: { mode: c.accessMode } });
const toTopo = (t: Topology) => ({ segments: { ...t } });
const fromTopo = (t: unknown): Topology => ({ ...((t as { segments?: Topology } | undefined)?.segments ?? {}) });

function capsOf(reply: unknown, kind: 'rpc' | 'service'): string[] {
  const caps = (reply as { capabilities?: { rpc?: { type?: string }; service?: { type?: string } }[] } | undefined)?.capabilities ?? [];
  return caps.map((c) => c[kind]?.type).filter((t): t is string => typeof t === 'string');
}

export class ModuleCsiDriver implements CsiDriverPort {
  constructor(
    readonly name: string,
    private readonly mod: CsiDriverModule,
    /** The world's injected faults (the same seam as the simulated drivers'). */
    private readonly injected?: { error(rpc: string): CsiError | undefined; latencyMs(rpc: string): number },
  ) {
    for (const rpc of REQUIRED_RPCS) if (typeof mod[rpc] !== 'function') throw new Error(`CSI driver ${name}: the module has no ${rpc} method`);
    if (typeof mod.saveState !== 'function' || typeof mod.loadState !== 'function') throw new Error(`CSI driver ${name}: the module needs saveState() and loadState(state)`);
  }

  /** Calls one RPC; `mutating` RPCs first ask the world whether to fail. */
  private call(rpc: string, req: unknown, mutating: boolean, node?: string): any {
    const fn = this.mod[rpc];
    if (typeof fn !== 'function') throw new CsiError('UNIMPLEMENTED', `${rpc}: ${this.name} does not implement it`);
    if (mutating) { const err = this.injected?.error(rpc); if (err) throw err; }
    try {
      return structuredClone((fn as (r: unknown, ctx?: unknown) => unknown).call(this.mod, structuredClone(req), node !== undefined ? { node } : undefined) ?? {});
    } catch (e) {
      throw asCsiError(rpc, e);
    }
  }

  saveState(): unknown { return this.mod.saveState(); }
  loadState(state: unknown): void { this.mod.loadState(structuredClone(state)); }

  latencyMs(rpc: string): number { return this.injected?.latencyMs(rpc) ?? 0; }

  getPluginInfo() { const r = this.call('GetPluginInfo', {}, false); return { name: String(r.name ?? this.name), vendorVersion: String(r.vendorVersion ?? '') }; }
  getPluginCapabilities() { return capsOf(this.call('GetPluginCapabilities', {}, false), 'service') as ReturnType<CsiDriverPort['getPluginCapabilities']>; }
  probe() { const r = this.call('Probe', {}, false); return { ready: r.ready === undefined ? true : r.ready === true || r.ready?.value === true }; }
  controllerGetCapabilities() { return capsOf(this.call('ControllerGetCapabilities', {}, false), 'rpc') as ControllerCapability[]; }
  nodeGetCapabilities() { return capsOf(this.call('NodeGetCapabilities', {}, false), 'rpc') as NodeCapability[]; }

  createVolume(req: CreateVolumeRequest): { volume: CsiVolume } {
    const r = this.call('CreateVolume', {
      name: req.name,
      ...(req.capacityRange ? { capacityRange: { ...req.capacityRange } } : {}),
      volumeCapabilities: req.volumeCapabilities.map(toCap),
      parameters: { ...(req.parameters ?? {}) },
      ...(req.accessibilityRequirements ? { accessibilityRequirements: { requisite: (req.accessibilityRequirements.requisite ?? []).map(toTopo), preferred: (req.accessibilityRequirements.preferred ?? []).map(toTopo) } } : {}),
      ...(req.volumeContentSource ? { volumeContentSource: req.volumeContentSource } : {}),
    }, true);
    const v = r.volume as { volumeId?: unknown; capacityBytes?: unknown; volumeContext?: Record<string, string>; accessibleTopology?: unknown[] } | undefined;
    if (!v || typeof v.volumeId !== 'string' || v.volumeId === '') throw new CsiError('INTERNAL', 'CreateVolume: the driver returned no volume.volumeId');
    return { volume: { volumeId: v.volumeId, capacityBytes: String(v.capacityBytes ?? '0'), volumeContext: { ...(v.volumeContext ?? {}) }, accessibleTopology: (v.accessibleTopology ?? []).map(fromTopo) } };
  }

  deleteVolume(req: { volumeId: string }): void { this.call('DeleteVolume', { volumeId: req.volumeId }, true); }

  controllerPublishVolume(req: ControllerPublishRequest): { publishContext: Record<string, string> } {
    const r = this.call('ControllerPublishVolume', { volumeId: req.volumeId, nodeId: req.nodeId, volumeCapability: toCap(req.volumeCapability), readonly: req.readonly, volumeContext: { ...(req.volumeContext ?? {}) } }, true);
    return { publishContext: { ...(r.publishContext ?? {}) } };
  }

  controllerUnpublishVolume(req: { volumeId: string; nodeId: string }): void { this.call('ControllerUnpublishVolume', { volumeId: req.volumeId, nodeId: req.nodeId }, true); }

  validateVolumeCapabilities(req: { volumeId: string; volumeCapabilities: VolumeCapability[] }) {
    const r = this.call('ValidateVolumeCapabilities', { volumeId: req.volumeId, volumeCapabilities: req.volumeCapabilities.map(toCap) }, false);
    return { confirmed: r.confirmed !== undefined && r.confirmed !== null, message: String(r.message ?? '') };
  }

  listVolumes(req: { maxEntries?: number; startingToken?: string } = {}) {
    const r = this.call('ListVolumes', { maxEntries: req.maxEntries ?? 0, startingToken: req.startingToken ?? '' }, false);
    const entries = ((r.entries ?? []) as { volume: CsiVolume & { accessibleTopology?: unknown[] }; status?: { publishedNodeIds?: string[] } }[]).map((e) => ({
      volume: { volumeId: String(e.volume.volumeId), capacityBytes: String(e.volume.capacityBytes ?? '0'), volumeContext: { ...(e.volume.volumeContext ?? {}) }, accessibleTopology: (e.volume.accessibleTopology ?? []).map(fromTopo) },
      publishedNodeIds: [...(e.status?.publishedNodeIds ?? [])],
    }));
    return { entries, nextToken: String(r.nextToken ?? '') };
  }

  getCapacity(req: { accessibleTopology?: Topology } = {}) {
    const r = this.call('GetCapacity', req.accessibleTopology ? { accessibleTopology: toTopo(req.accessibleTopology) } : {}, false);
    return { availableCapacity: String(r.availableCapacity ?? '0') };
  }

  nodeGetInfo(req: { node: string }) {
    const r = this.call('NodeGetInfo', {}, false, req.node);
    return { nodeId: String(r.nodeId ?? req.node), maxVolumesPerNode: Number(r.maxVolumesPerNode ?? 0), accessibleTopology: fromTopo(r.accessibleTopology) };
  }

  nodeStageVolume(req: NodeStageRequest & { node: string }): void {
    this.call('NodeStageVolume', { volumeId: req.volumeId, stagingTargetPath: req.stagingTargetPath, volumeCapability: toCap(req.volumeCapability), publishContext: { ...(req.publishContext ?? {}) }, volumeContext: { ...(req.volumeContext ?? {}) } }, true, req.node);
  }

  nodeUnstageVolume(req: { node: string; volumeId: string; stagingTargetPath: string }): void {
    this.call('NodeUnstageVolume', { volumeId: req.volumeId, stagingTargetPath: req.stagingTargetPath }, true, req.node);
  }

  nodePublishVolume(req: NodePublishRequest & { node: string }): void {
    this.call('NodePublishVolume', {
      volumeId: req.volumeId, ...(req.stagingTargetPath ? { stagingTargetPath: req.stagingTargetPath } : {}), targetPath: req.targetPath,
      volumeCapability: toCap(req.volumeCapability), readonly: req.readonly, publishContext: { ...(req.publishContext ?? {}) }, volumeContext: { ...(req.volumeContext ?? {}) },
    }, true, req.node);
  }

  nodeUnpublishVolume(req: { node: string; volumeId: string; targetPath: string }): void {
    this.call('NodeUnpublishVolume', { volumeId: req.volumeId, targetPath: req.targetPath }, true, req.node);
  }
}
