/**
 * Design: every test gets a fresh world (`createWorld`) with three nodes (two in zone-a, one in
 * zone-b) and the driver under test over its client; the records the store reports are kept so a
 * test can replay them. Helpers bring a volume up on a node the way the CO would for the profile at hand (attach if the driver
 * publishes, stage if it stages, then publish), so one test body covers both profiles.
 */
import * as assert from 'uvu/assert';
import { CsiError, type CsiAccessMode, type CsiCode, type NewLogRecord, type VolumeCapability } from '@pvsim/domain';
import { Random, type AnyObject, type Client, type ObjectStore } from '@pvsim/runtime';
import { SimCsiDriver, type CsiProfile, type SimCsiDriverOptions } from '@pvsim/csi-drivers';
import { createWorld, type World } from '../../../src/index.ts';

export const NODES = [
  { name: 'node-a', zone: 'zone-a' },
  { name: 'node-a2', zone: 'zone-a' },
  { name: 'node-b', zone: 'zone-b' },
] as const;

export function nodeObject(name: string, zone: string): AnyObject {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'topology.kubernetes.io/zone': zone, 'kubernetes.io/hostname': name } },
  };
}

export interface Cluster {
  world: World;
  /** The API server: what the tests read and change directly. */
  store: ObjectStore;
  /** What the driver holds (the world's informer client), for more drivers over the same world. */
  client: Client;
  driver: SimCsiDriver;
  records: NewLogRecord[];
}

/** A world with nothing in it but its API server (and the storage controllers, which nothing settles here). */
export function newWorld(records?: NewLogRecord[]): World {
  const uids = new Random(7);
  return createWorld({
    startMs: Date.UTC(2026, 0, 1),
    newUid: () => uids.uuid(),
    ...(records ? { record: (r: NewLogRecord) => { records.push(structuredClone(r)); } } : {}),
  });
}

/** The driver under test over a world with three nodes; its latency and failure draws come from `seed`. */
export function cluster(profile: CsiProfile, opts: { seed?: number; options?: SimCsiDriverOptions } = {}): Cluster {
  const records: NewLogRecord[] = [];
  const world = newWorld(records);
  const { store, client } = world;
  for (const n of NODES) store.create('Node', nodeObject(n.name, n.zone));
  const driver = new SimCsiDriver({ profile, client, random: new Random(opts.seed ?? 1), ...(opts.options ? { options: opts.options } : {}) });
  return { world, store, client, driver, records };
}

export const GiB = 1024 ** 3;

export function mount(accessMode: CsiAccessMode): VolumeCapability {
  return { accessMode, mount: { fsType: 'ext4' } };
}

/** The access mode a test uses by default: one every profile supports. */
export const RWO = mount('SINGLE_NODE_WRITER');

/** Runs `fn` and checks it throws a CsiError with `code` (and, if given, a message containing `text`). */
export function throwsCsi(fn: () => unknown, code: CsiCode, text?: string): CsiError {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof CsiError)) throw err;
    assert.is(err.code, code, `expected ${code}, got ${err.code}: ${err.message}`);
    if (text !== undefined) assert.ok(err.message.includes(text), `message "${err.message}" lacks "${text}"`);
    return err;
  }
  assert.unreachable(`expected CsiError ${code}`);
  throw new Error('unreachable');
}

export const hasPublish = (d: SimCsiDriver) => d.controllerGetCapabilities().includes('PUBLISH_UNPUBLISH_VOLUME');
export const hasStage = (d: SimCsiDriver) => d.nodeGetCapabilities().includes('STAGE_UNSTAGE_VOLUME');

export function stagingPath(driver: string, volumeId: string): string {
  return `/var/lib/kubelet/plugins/kubernetes.io/csi/${driver}/${volumeId}/globalmount`;
}

export function targetPath(podUid: string, pv: string): string {
  return `/var/lib/kubelet/pods/${podUid}/volumes/kubernetes.io~csi/${pv}/mount`;
}

/** Attach (if the driver publishes), stage (if it stages) and publish at `target`, as the CO does. */
export function bringUp(d: SimCsiDriver, volumeId: string, node: string, target: string, cap: VolumeCapability = RWO, readonly = false): void {
  if (hasPublish(d)) d.controllerPublishVolume({ volumeId, nodeId: node, volumeCapability: cap, readonly });
  const staging = stagingPath(d.name, volumeId);
  if (hasStage(d)) d.nodeStageVolume({ node, volumeId, stagingTargetPath: staging, volumeCapability: cap });
  d.nodePublishVolume({
    node, volumeId, targetPath: target, volumeCapability: cap, readonly,
    ...(hasStage(d) ? { stagingTargetPath: staging } : {}),
  });
}

/** The reverse of `bringUp`. */
export function tearDown(d: SimCsiDriver, volumeId: string, node: string, target: string): void {
  d.nodeUnpublishVolume({ node, volumeId, targetPath: target });
  if (hasStage(d)) d.nodeUnstageVolume({ node, volumeId, stagingTargetPath: stagingPath(d.name, volumeId) });
  if (hasPublish(d)) d.controllerUnpublishVolume({ volumeId, nodeId: node });
}

/** A JSON picture of the store's CSI objects, to compare before/after. */
export function csiState(store: ObjectStore): string {
  return JSON.stringify([store.list('CSIVolume'), store.list('Filesystem')]);
}
