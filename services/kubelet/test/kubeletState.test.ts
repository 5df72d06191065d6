/**
 * Design: a kubelet remembers its LatencyGate (node calls whose latency timer is queued), the
 * pods that wait for something (`blocked`), when each pod's wait for its volumes began
 * (`waitingSince`, the FailedMount timeout) and its actual state of the world (`actual`: what it
 * staged, published and set up, learnt from its own calls). A fresh kubelet given the saved
 * state makes the due call and reports the mount timeout as the original does. Checked on twin
 * stores fed the same work items. A fresh kubelet given nothing rebuilds `actual` at its first
 * sync; the fake driver here keeps no backend, so only a saved state carries its mounts.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CsiError, type CsiDriverPort, type PersistentVolume } from '@pvsim/domain';
import { ObjectStore, SimClock, type AnyObject } from '@pvsim/runtime';
import { Kubelet, POD_ATTACH_AND_MOUNT_TIMEOUT_MS } from '@pvsim/kubelet';
import { volumeAttachmentName, type WorkQueue } from '@pvsim/component';

const EPOCH_MS = Date.UTC(2026, 0, 1);
const DRIVER = 'd.example.com';

class RecordingQueue implements WorkQueue {
  items: { queue: string; key: string; delayMs?: number }[] = [];
  add(queue: string, key: string): void { this.items.push({ queue, key }); }
  addAfter(queue: string, key: string, delayMs: number): void { this.items.push({ queue, key, delayMs }); }
}

/** Attachable, no staging; NodePublishVolume of h-slow takes 700 ms. */
function fakeDriver(calls: string[]): CsiDriverPort {
  const no = () => { throw new CsiError('UNIMPLEMENTED', 'not in this fake'); };
  return {
    latencyMs: (rpc, ref) => (rpc === 'NodePublishVolume' && ref?.volumeId === 'h-slow' ? 700 : 0),
    getPluginInfo: () => ({ name: DRIVER, vendorVersion: 'test' }),
    getPluginCapabilities: () => ['CONTROLLER_SERVICE'],
    probe: () => ({ ready: true }),
    controllerGetCapabilities: () => ['CREATE_DELETE_VOLUME', 'PUBLISH_UNPUBLISH_VOLUME'],
    createVolume: no, deleteVolume: no, controllerPublishVolume: no, controllerUnpublishVolume: no,
    validateVolumeCapabilities: () => ({ confirmed: true, message: '' }),
    listVolumes: () => ({ entries: [], nextToken: '' }),
    getCapacity: () => ({ availableCapacity: '0' }),
    nodeGetCapabilities: () => [],
    nodeGetInfo: (req) => ({ nodeId: req.node, maxVolumesPerNode: 0, accessibleTopology: {} }),
    nodeStageVolume: no, nodeUnstageVolume: no,
    nodePublishVolume: (req) => { calls.push(`publish ${req.volumeId}`); },
    nodeUnpublishVolume: (req) => { calls.push(`unpublish ${req.volumeId}`); },
  };
}

const put = (store: ObjectStore, kind: Parameters<ObjectStore['create']>[0], obj: object) => store.create(kind, obj as AnyObject);

/** A bound claim on its own CSI volume, and a pod on n1 that mounts it. */
function podWithVolume(store: ObjectStore, name: string, handle: string): void {
  store.createVolume({
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `pv-${name}` },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', csi: { driver: DRIVER, volumeHandle: handle } },
  } as PersistentVolume);
  put(store, 'PersistentVolumeClaim', {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: `c-${name}`, namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: `pv-${name}`, storageClassName: '' },
    status: { phase: 'Bound' },
  });
  put(store, 'Pod', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
    spec: { nodeName: 'n1', containers: [{ name: 'app', image: 'busybox' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: `c-${name}` } }] },
  });
}

function newKubelet(store: ObjectStore, clock: SimClock) {
  const queue = new RecordingQueue();
  const calls: string[] = [];
  const kubelet = new Kubelet(store, queue, 'n1', new Map([[DRIVER, fakeDriver(calls)]]), { clock });
  return { kubelet, queue, calls, sync: kubelet.queues[kubelet.queueName]! };
}

/**
 * p-wait waits for a VolumeAttachment that never comes; p-slow's volume is attached and its
 * NodePublishVolume waits for its latency.
 */
function midway() {
  let n = 0;
  const clock = new SimClock(EPOCH_MS);
  const store = new ObjectStore({ clock, newUid: () => `uid-${++n}` });
  put(store, 'Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: {}, status: {} });
  podWithVolume(store, 'p-wait', 'h-wait');
  podWithVolume(store, 'p-slow', 'h-slow');
  put(store, 'VolumeAttachment', {
    apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name: volumeAttachmentName('h-slow', DRIVER, 'n1') },
    spec: { attacher: DRIVER, nodeName: 'n1', source: { persistentVolumeName: 'pv-p-slow' } }, status: { attached: true },
  });
  const k = newKubelet(store, clock);
  k.sync('default/p-wait');
  k.sync('default/p-slow');
  const twin = () => {
    const c = new SimClock(clock.now());
    let m = n;
    const s = new ObjectStore({ clock: c, newUid: () => `uid-${++m}` });
    s.load(structuredClone(store.dump()));
    return { store: s, clock: c };
  };
  return { store, clock, ...k, twin };
}

const objects = (store: ObjectStore) => JSON.stringify(store.dump().objects);

test('the gate, the blocked pods and the wait starts are saved as sorted JSON', () => {
  const { kubelet, store } = midway();
  const saved = kubelet.saveState();
  assert.equal(JSON.parse(JSON.stringify(saved)), saved);
  const uid = (name: string) => store.get('Pod', `default/${name}`)!.metadata['uid'] as string;
  assert.equal(saved, {
    gate: { scheduled: ['default/p-slow#NodePublishVolume:h-slow'], matured: [] },
    blocked: ['default/p-slow', 'default/p-wait'],
    waitingSince: Object.fromEntries([[uid('p-slow'), EPOCH_MS], [uid('p-wait'), EPOCH_MS]].sort()),
    actual: { staged: [], published: [], emptyDirs: [] },
  });
});

test('the actual state is saved as it was learnt: a publish that returned, in canonical order', () => {
  const { kubelet, clock, store, ...k } = midway();
  clock.advance(700);
  k.sync('default/p-slow#NodePublishVolume:h-slow');
  const uid = store.get('Pod', 'default/p-slow')!.metadata['uid'] as string;
  const saved = kubelet.saveState();
  assert.equal(saved.actual, {
    staged: [],
    published: [{ driver: DRIVER, volumeId: 'h-slow', targetPath: `/var/lib/kubelet/pods/${uid}/volumes/kubernetes.io~csi/pv-p-slow/mount`, readonly: false }],
    emptyDirs: [],
  });
  const fresh = newKubelet(store, clock).kubelet;
  fresh.loadState(JSON.parse(JSON.stringify(saved)));
  assert.is(JSON.stringify(fresh.saveState()), JSON.stringify(saved));
  assert.equal(fresh.actualState(), saved.actual);
  // What the restored kubelet knows is mounted, it does not mount again.
  const again = newKubelet(store, clock);
  again.kubelet.loadState(JSON.parse(JSON.stringify(saved)));
  again.sync('default/p-slow');
  assert.equal(again.calls, []);
});

test('save → load into a fresh kubelet → save gives the same JSON', () => {
  const { kubelet, store, clock } = midway();
  const saved = kubelet.saveState();
  const fresh = newKubelet(store, clock).kubelet;
  assert.equal(fresh.saveState(), { gate: { scheduled: [], matured: [] }, blocked: [], waitingSince: {} });
  fresh.loadState(JSON.parse(JSON.stringify(saved)));
  assert.is(JSON.stringify(fresh.saveState()), JSON.stringify(saved));
  assert.ok(fresh.unsettled());
});

test('a restored kubelet publishes when the latency is due and times out as the original does', () => {
  const original = midway();
  const other = original.twin();
  const restored = newKubelet(other.store, other.clock);
  restored.kubelet.loadState(JSON.parse(JSON.stringify(original.kubelet.saveState())));
  original.queue.items = [];
  const step = (key: string) => {
    original.sync(key);
    restored.sync(key);
    assert.is(objects(other.store), objects(original.store), `after ${key}`);
    assert.equal(restored.kubelet.saveState(), original.kubelet.saveState(), `after ${key}`);
  };
  original.clock.advance(700);
  other.clock.advance(700);
  step('default/p-slow#NodePublishVolume:h-slow');
  assert.equal(original.calls, ['publish h-slow']);
  assert.equal(restored.calls, original.calls);
  original.clock.advance(POD_ATTACH_AND_MOUNT_TIMEOUT_MS);
  other.clock.advance(POD_ATTACH_AND_MOUNT_TIMEOUT_MS);
  step('default/p-wait');
  assert.ok(original.store.events().some((e) => e.reason === 'FailedMount' && e.message.includes('timed out waiting for the condition')));
  assert.equal(restored.queue.items, original.queue.items);
  assert.equal(original.kubelet.saveState().blocked, ['default/p-wait']);
});

test('malformed state is refused', () => {
  const { store, clock } = midway();
  const fresh = newKubelet(store, clock).kubelet;
  assert.throws(() => fresh.loadState(7), /not an object/);
  assert.throws(() => fresh.loadState({ waitingSince: { u: 'soon' } }), /not a time/);
  assert.throws(() => fresh.loadState({ actual: { staged: [{ driver: DRIVER }] } }), /malformed staged entry/);
  assert.throws(() => fresh.loadState({ actual: { published: 'x' } }), /malformed published/);
});

test.run();
