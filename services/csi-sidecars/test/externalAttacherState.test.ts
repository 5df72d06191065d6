/**
 * Design: the external-attacher remembers its LatencyGate (calls whose latency timer is queued)
 * and its failure counts (the backoff exponent). Both are saved as sorted JSON; a fresh attacher
 * given them behaves on the next delivery as the original: it makes the call whose timer came
 * due (a fresh one with no memory would draw a new latency instead) and backs off from the same
 * exponent. Checked on twin stores fed the same work items.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CsiError, type CsiDriverPort, type PersistentVolume, type VolumeAttachment } from '@pvsim/domain';
import { ObjectStore, SimClock, type AnyObject } from '@pvsim/runtime';
import { ExternalAttacher } from '@pvsim/csi-sidecars';
import type { WorkQueue } from '@pvsim/component';

const EPOCH_MS = Date.UTC(2026, 0, 1);
const DRIVER = 'd.example.com';

class RecordingQueue implements WorkQueue {
  items: { queue: string; key: string; delayMs?: number; kind?: string }[] = [];
  add(queue: string, key: string): void { this.items.push({ queue, key }); }
  addAfter(queue: string, key: string, delayMs: number, kind?: 'retry'): void { this.items.push({ queue, key, delayMs, ...(kind ? { kind } : {}) }); }
}

/** Publishes after 500 ms for h-slow, fails for h-bad, at once otherwise. */
function fakeDriver(calls: string[]): CsiDriverPort {
  const no = () => { throw new CsiError('UNIMPLEMENTED', 'not in this fake'); };
  return {
    latencyMs: (rpc, ref) => (rpc === 'ControllerPublishVolume' && ref?.volumeId === 'h-slow' ? 500 : 0),
    getPluginInfo: () => ({ name: DRIVER, vendorVersion: 'test' }),
    getPluginCapabilities: () => ['CONTROLLER_SERVICE'],
    probe: () => ({ ready: true }),
    controllerGetCapabilities: () => ['CREATE_DELETE_VOLUME', 'PUBLISH_UNPUBLISH_VOLUME'],
    createVolume: no, deleteVolume: no,
    controllerPublishVolume: (req) => {
      calls.push(`publish ${req.volumeId}`);
      if (req.volumeId === 'h-bad') throw new CsiError('INTERNAL', 'backend down');
      return { publishContext: { device: `/dev/${req.volumeId}` } };
    },
    controllerUnpublishVolume: (req) => { calls.push(`unpublish ${req.volumeId}`); },
    validateVolumeCapabilities: () => ({ confirmed: true, message: '' }),
    listVolumes: () => ({ entries: [], nextToken: '' }),
    getCapacity: () => ({ availableCapacity: '0' }),
    nodeGetCapabilities: () => [],
    nodeGetInfo: (req) => ({ nodeId: req.node, maxVolumesPerNode: 0, accessibleTopology: {} }),
    nodeStageVolume: no, nodeUnstageVolume: no, nodePublishVolume: no, nodeUnpublishVolume: no,
  };
}

function volume(name: string, handle: string): PersistentVolume {
  return {
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', csi: { driver: DRIVER, volumeHandle: handle } },
  } as PersistentVolume;
}

function attachment(name: string, pv: string): VolumeAttachment {
  return { apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name }, spec: { attacher: DRIVER, nodeName: 'n1', source: { persistentVolumeName: pv } } };
}

function newAttacher(store: ObjectStore, clock: SimClock) {
  const queue = new RecordingQueue();
  const calls: string[] = [];
  const attacher = new ExternalAttacher(store, queue, DRIVER, fakeDriver(calls), { clock });
  return { attacher, queue, calls };
}

/** An attacher with a publish waiting for its latency (va-slow) and one failed publish (va-bad). */
function midway() {
  let n = 0;
  const clock = new SimClock(EPOCH_MS);
  const store = new ObjectStore({ clock, newUid: () => `uid-${++n}` });
  store.createVolume(volume('pv-slow', 'h-slow'));
  store.createVolume(volume('pv-bad', 'h-bad'));
  store.create('VolumeAttachment', attachment('va-slow', 'pv-slow') as unknown as AnyObject);
  store.create('VolumeAttachment', attachment('va-bad', 'pv-bad') as unknown as AnyObject);
  const a = newAttacher(store, clock);
  const sync = a.attacher.queues[a.attacher.queueName]!;
  sync('va-slow');
  sync('va-bad');
  const twin = () => {
    const c = new SimClock(clock.now());
    let m = n; // the twin's uids go on from where the original's are, on their own counter
    const s = new ObjectStore({ clock: c, newUid: () => `uid-${++m}` });
    s.load(structuredClone(store.dump()));
    return { store: s, clock: c };
  };
  return { store, clock, ...a, sync, twin };
}

test('the gate and the failure counts are saved as sorted JSON', () => {
  const { attacher } = midway();
  const saved = attacher.saveState();
  assert.equal(JSON.parse(JSON.stringify(saved)), saved);
  assert.equal(saved, { gate: { scheduled: ['va-slow#ControllerPublishVolume'], matured: [] }, failures: { 'va-bad': 1 } });
});

test('save → load into a fresh attacher → save gives the same JSON', () => {
  const { attacher, store, clock } = midway();
  const saved = attacher.saveState();
  const fresh = newAttacher(store, clock).attacher;
  assert.equal(fresh.saveState(), { gate: { scheduled: [], matured: [] }, failures: {} });
  fresh.loadState(JSON.parse(JSON.stringify(saved)));
  assert.is(JSON.stringify(fresh.saveState()), JSON.stringify(saved));
  assert.ok(fresh.unsettled());
});

test('a restored attacher makes the due call and backs off as the original does', () => {
  const original = midway();
  const other = original.twin();
  const restored = newAttacher(other.store, other.clock);
  restored.attacher.loadState(JSON.parse(JSON.stringify(original.attacher.saveState())));
  const rsync = restored.attacher.queues[restored.attacher.queueName]!;
  original.queue.items = [];
  original.calls.length = 0;
  for (const key of ['va-slow#ControllerPublishVolume', 'va-bad']) {
    original.sync(key);
    rsync(key);
  }
  assert.equal(restored.calls, original.calls);
  assert.equal(original.calls, ['publish h-slow', 'publish h-bad']);
  assert.equal(restored.queue.items, original.queue.items);
  assert.equal(original.queue.items, [{ queue: `attacher/${DRIVER}`, key: 'va-bad', delayMs: 2_000, kind: 'retry' }]);
  assert.is(JSON.stringify(other.store.dump().objects), JSON.stringify(original.store.dump().objects));
  assert.equal(restored.attacher.saveState(), original.attacher.saveState());
  assert.ok((other.store.get('VolumeAttachment', 'va-slow') as unknown as VolumeAttachment).status?.attached);
});

test('without the saved state the due call would not be made (the state matters)', () => {
  const original = midway();
  const other = original.twin();
  const amnesiac = newAttacher(other.store, other.clock);
  amnesiac.attacher.queues[amnesiac.attacher.queueName]!('va-slow#ControllerPublishVolume');
  assert.equal(amnesiac.calls, []);
});

test('malformed state is refused', () => {
  const { store, clock } = midway();
  const fresh = newAttacher(store, clock).attacher;
  assert.throws(() => fresh.loadState('x'), /not an object/);
  assert.throws(() => fresh.loadState({ gate: { scheduled: [1] } }), /string list/);
  assert.throws(() => fresh.loadState({ failures: { a: -1 } }), /not a count/);
});

test.run();
