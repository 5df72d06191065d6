/**
 * Design: every test gets a fresh store with three nodes (two in zone-a, one in zone-b) and a
 * driver over it; the records the store reports are kept so a test can replay them. Helpers
 * bring a volume up on a node the way the CO would for the profile at hand (attach if the driver
 * publishes, stage if it stages, then publish), so one test body covers both profiles.
 */
import * as assert from 'uvu/assert';
import { CsiError, type CsiAccessMode, type CsiCode, type NewLogRecord, type VolumeCapability } from '@pvsim/domain';
import { ObjectStore, Random, SimClock, type AnyObject } from '@pvsim/runtime';
import { SimCsiDriver, type CsiProfile, type SimCsiDriverOptions } from '../../src/index.ts';

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
  store: ObjectStore;
  driver: SimCsiDriver;
  records: NewLogRecord[];
}

export function newStore(records?: NewLogRecord[]): ObjectStore {
  const uids = new Random(7);
  return new ObjectStore({
    clock: new SimClock(),
    newUid: () => uids.uuid(),
    ...(records ? { record: (r: NewLogRecord) => { records.push(structuredClone(r)); } } : {}),
  });
}

export function cluster(profile: CsiProfile, opts: { seed?: number; options?: SimCsiDriverOptions } = {}): Cluster {
  const records: NewLogRecord[] = [];
  const store = newStore(records);
  for (const n of NODES) store.create('Node', nodeObject(n.name, n.zone));
  const driver = new SimCsiDriver({ profile, store, random: new Random(opts.seed ?? 1), ...(opts.options ? { options: opts.options } : {}) });
  return { store, driver, records };
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
