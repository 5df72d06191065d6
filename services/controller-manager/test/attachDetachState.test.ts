/**
 * Design: the attach/detach controller remembers which nodes wait on something (a later look may
 * unblock them) and which pods it reported a Multi-Attach error for. Both are saved as sorted
 * string lists; the desired state of the world is not memory (derived from the informer at
 * every sync). A fresh controller given the state is unsettled as the original is and reports
 * nothing twice on the next sync. Checked on twin stores fed the same work items.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CsiError, type CsiDriverPort, type PersistentVolume, type PersistentVolumeClaim, type Pod } from '@pvsim/domain';
import { ObjectStore, SimClock, type AnyObject } from '@pvsim/runtime';
import { ATTACH_DETACH_QUEUE, AttachDetachController } from '@pvsim/controller-manager';

const EPOCH_MS = Date.UTC(2026, 0, 1);
const DRIVER = 'd.example.com';

function attachableDriver(): CsiDriverPort {
  const no = () => { throw new CsiError('UNIMPLEMENTED', 'not in this fake'); };
  return {
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
    nodeStageVolume: no, nodeUnstageVolume: no, nodePublishVolume: no, nodeUnpublishVolume: no,
  };
}

const put = (store: ObjectStore, kind: Parameters<ObjectStore['create']>[0], obj: object) => store.create(kind, obj as AnyObject);

function pod(name: string, node: string): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
    spec: { nodeName: node, containers: [{ name: 'app', image: 'busybox' }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'c1' } }] },
  } as unknown as Pod;
}

/** One RWO volume wanted by pods on two nodes: attached to n1, a Multi-Attach error on n2. */
function midway() {
  let n = 0;
  const clock = new SimClock(EPOCH_MS);
  const store = new ObjectStore({ clock, newUid: () => `uid-${++n}` });
  for (const node of ['n1', 'n2']) put(store, 'Node', { apiVersion: 'v1', kind: 'Node', metadata: { name: node }, spec: {}, status: {} });
  store.createVolume({
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv1' },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', csi: { driver: DRIVER, volumeHandle: 'h1' } },
  } as PersistentVolume);
  put(store, 'PersistentVolumeClaim', {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c1', namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeName: 'pv1', storageClassName: '' },
    status: { phase: 'Bound' },
  } as unknown as PersistentVolumeClaim);
  put(store, 'Pod', pod('p1', 'n1'));
  put(store, 'Pod', pod('p2', 'n2'));
  const newController = (s: ObjectStore, c: SimClock) => new AttachDetachController(s, new Map([[DRIVER, attachableDriver()]]), { clock: c });
  const ad = newController(store, clock);
  ad.queues[ATTACH_DETACH_QUEUE]!('*');
  const twin = () => {
    const c = new SimClock(clock.now());
    let m = n; // the twin's uids go on from where the original's are, on their own counter
    const s = new ObjectStore({ clock: c, newUid: () => `uid-${++m}` });
    s.load(structuredClone(store.dump()));
    return { store: s, clock: c };
  };
  return { store, clock, ad, newController, twin };
}

const objects = (store: ObjectStore) => JSON.stringify(store.dump().objects);

test('blocked nodes and reported Multi-Attach errors are saved as sorted JSON', () => {
  const { ad, store } = midway();
  const saved = ad.saveState();
  assert.equal(JSON.parse(JSON.stringify(saved)), saved);
  const p2 = store.get('Pod', 'default/p2')!.metadata['uid'] as string;
  assert.equal(saved, { blockedNodes: ['n2'], multiAttachReported: [`${p2}\u0000pv1`] });
  assert.ok(store.events().some((e) => e.reason === 'FailedAttachVolume' && e.message.startsWith('Multi-Attach error for volume "pv1"')));
});

test('save → load into a fresh controller → save gives the same JSON', () => {
  const { ad, store, clock, newController } = midway();
  const saved = ad.saveState();
  const fresh = newController(store, clock);
  assert.not.ok(fresh.unsettled());
  fresh.loadState(JSON.parse(JSON.stringify(saved)));
  assert.is(JSON.stringify(fresh.saveState()), JSON.stringify(saved));
  assert.ok(fresh.unsettled(), 'a restored controller still waits for n2');
});

test('a restored controller syncs as the original does', () => {
  const original = midway();
  const other = original.twin();
  const restored = original.newController(other.store, other.clock);
  restored.loadState(JSON.parse(JSON.stringify(original.ad.saveState())));
  for (const key of ['n2', 'n1', '*']) {
    original.ad.queues[ATTACH_DETACH_QUEUE]!(key);
    restored.queues[ATTACH_DETACH_QUEUE]!(key);
    assert.is(objects(other.store), objects(original.store), `after ${key}`);
    assert.equal(restored.saveState(), original.ad.saveState());
  }
  // p1 goes: the VA on n1 is deleted, n2 may attach and is no longer blocked.
  for (const s of [original.store, other.store]) s.delete('Pod', 'default/p1');
  for (const c of [original.ad, restored]) { c.queues[ATTACH_DETACH_QUEUE]!('n1'); c.queues[ATTACH_DETACH_QUEUE]!('n2'); }
  assert.is(objects(other.store), objects(original.store));
  assert.equal(restored.saveState(), original.ad.saveState());
  assert.equal(original.ad.saveState().blockedNodes, []);
});

test('malformed state is refused', () => {
  const { store, clock, newController } = midway();
  assert.throws(() => newController(store, clock).loadState([]), /not an object/);
  assert.throws(() => newController(store, clock).loadState({ blockedNodes: 'n1' }), /string list/);
});

test.run();
