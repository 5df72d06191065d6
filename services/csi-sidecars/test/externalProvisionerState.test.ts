/**
 * Design: an external-provisioner remembers its identity (drawn when it starts, written into
 * every PV it makes) and one record per claim and per volume: the phase (idle, calling, backoff,
 * gaveUp), the failure count, the CreateVolume request built before a call with latency, the
 * claim copy of a CreateVolume in the background, the volume id of a DeleteVolume with latency.
 * All of it is saved as JSON with sorted keys; a fresh provisioner given it completes the calls
 * in flight and backs off as the original does. Checked on twin stores fed the same work items.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ANN_DYNAMICALLY_PROVISIONED, ANN_STORAGE_PROVISIONER, CsiError, FINALIZER_PV_EXTERNAL_DELETION,
  type CsiDriverPort, type PersistentVolume,
} from '@pvsim/domain';
import { ObjectStore, Random, SimClock, type AnyObject } from '@pvsim/runtime';
import { ANN_PROVISIONER_IDENTITY, ExternalProvisioner } from '@pvsim/csi-sidecars';
import type { WorkQueue } from '@pvsim/component';

const EPOCH_MS = Date.UTC(2026, 0, 1);
const DRIVER = 'p.example.com';
const QUEUE = `provisioner/${DRIVER}`;

class RecordingQueue implements WorkQueue {
  items: { queue: string; key: string; delayMs?: number; kind?: string }[] = [];
  add(queue: string, key: string): void { this.items.push({ queue, key }); }
  addAfter(queue: string, key: string, delayMs: number, kind?: 'retry'): void { this.items.push({ queue, key, delayMs, ...(kind ? { kind } : {}) }); }
}

/** CreateVolume takes 300 ms with parameter speed=slow and fails with speed=broken; DeleteVolume of h-del takes 400 ms. */
function fakeDriver(calls: string[]): CsiDriverPort {
  const no = () => { throw new CsiError('UNIMPLEMENTED', 'not in this fake'); };
  return {
    latencyMs: (rpc, ref) => {
      if (rpc === 'CreateVolume' && ref?.parameters?.['speed'] === 'slow') return 300;
      if (rpc === 'DeleteVolume' && ref?.volumeId === 'h-del') return 400;
      return 0;
    },
    getPluginInfo: () => ({ name: DRIVER, vendorVersion: 'test' }),
    getPluginCapabilities: () => ['CONTROLLER_SERVICE'],
    probe: () => ({ ready: true }),
    controllerGetCapabilities: () => ['CREATE_DELETE_VOLUME'],
    createVolume: (req) => {
      calls.push(`create ${req.name}`);
      if (req.parameters?.['speed'] === 'broken') throw new CsiError('UNAVAILABLE', 'backend down');
      return { volume: { volumeId: `h-${req.name}`, capacityBytes: req.capacityRange?.requiredBytes ?? '0', volumeContext: {}, accessibleTopology: [] } };
    },
    deleteVolume: (req) => { calls.push(`delete ${req.volumeId}`); },
    controllerPublishVolume: no, controllerUnpublishVolume: no,
    validateVolumeCapabilities: () => ({ confirmed: true, message: '' }),
    listVolumes: () => ({ entries: [], nextToken: '' }),
    getCapacity: () => ({ availableCapacity: '0' }),
    nodeGetCapabilities: () => [],
    nodeGetInfo: (req) => ({ nodeId: req.node, maxVolumesPerNode: 0, accessibleTopology: {} }),
    nodeStageVolume: no, nodeUnstageVolume: no, nodePublishVolume: no, nodeUnpublishVolume: no,
  };
}

const put = (store: ObjectStore, kind: Parameters<ObjectStore['create']>[0], obj: object) => store.create(kind, obj as AnyObject);

function newProvisioner(store: ObjectStore, seed: number) {
  const queue = new RecordingQueue();
  const calls: string[] = [];
  const provisioner = new ExternalProvisioner(store, queue, fakeDriver(calls), { random: new Random(seed) });
  return { provisioner, queue, calls, sync: provisioner.queues[QUEUE]! };
}

/** A CreateVolume in flight (c-slow), one backing off (c-broken), a DeleteVolume in flight (pv-del). */
function midway() {
  let n = 0;
  const clock = new SimClock(EPOCH_MS);
  const store = new ObjectStore({ clock, newUid: () => `uid-${++n}` });
  for (const speed of ['slow', 'broken']) {
    put(store, 'StorageClass', {
      apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: speed },
      provisioner: DRIVER, parameters: { speed }, reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate',
    });
    put(store, 'PersistentVolumeClaim', {
      apiVersion: 'v1', kind: 'PersistentVolumeClaim',
      metadata: { name: `c-${speed}`, namespace: 'default', annotations: { [ANN_STORAGE_PROVISIONER]: DRIVER } },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: speed },
    });
  }
  store.createVolume({
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name: 'pv-del', annotations: { [ANN_DYNAMICALLY_PROVISIONED]: DRIVER }, finalizers: [FINALIZER_PV_EXTERNAL_DELETION] },
    spec: {
      capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete', csi: { driver: DRIVER, volumeHandle: 'h-del' },
      claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'default', name: 'gone', uid: 'uid-gone' },
    },
    status: { phase: 'Released' },
  } as PersistentVolume);
  const p = newProvisioner(store, 1);
  for (const key of ['claim:default/c-slow', 'claim:default/c-broken', 'volume:pv-del']) p.sync(key);
  const twin = () => {
    const c = new SimClock(clock.now());
    let m = n;
    const s = new ObjectStore({ clock: c, newUid: () => `uid-${++m}` });
    s.load(structuredClone(store.dump()));
    return { store: s, clock: c };
  };
  return { store, clock, ...p, twin };
}

const objects = (store: ObjectStore) => JSON.stringify(store.dump().objects);

test('the identity and the claim and volume records are saved as JSON, keys sorted', () => {
  const { provisioner } = midway();
  const saved = provisioner.saveState();
  assert.equal(JSON.parse(JSON.stringify(saved)), saved);
  assert.is(saved.identity, provisioner.identity);
  assert.equal(Object.keys(saved.claimOps), ['default/c-broken', 'default/c-slow']);
  assert.equal(Object.keys(saved.volumeOps), ['pv-del']);
  const slow = saved.claimOps['default/c-slow']!;
  assert.is(slow.phase, 'calling');
  assert.is(slow.pending?.request.parameters?.['speed'], 'slow');
  // UNAVAILABLE may mean the volume is being made: the claim copy is kept (in the background).
  const broken = saved.claimOps['default/c-broken']!;
  assert.equal([broken.phase, broken.failures, broken.inBackground?.metadata.name], ['backoff', 1, 'c-broken']);
  assert.equal({ ...saved.volumeOps['pv-del'], uid: '' }, { uid: '', phase: 'calling', failures: 0, pendingVolumeId: 'h-del' });
});

test('save → load into a fresh provisioner → save gives the same JSON (identity included)', () => {
  const { provisioner, store } = midway();
  const saved = provisioner.saveState();
  const fresh = newProvisioner(store, 2).provisioner;
  assert.is.not(fresh.identity, provisioner.identity, 'a fresh start draws another identity');
  fresh.loadState(JSON.parse(JSON.stringify(saved)));
  assert.is(fresh.identity, provisioner.identity);
  assert.is(JSON.stringify(fresh.saveState()), JSON.stringify(saved));
  assert.ok(fresh.unsettled());
});

test('a restored provisioner completes the calls in flight and backs off as the original does', () => {
  const original = midway();
  const other = original.twin();
  const restored = newProvisioner(other.store, 2);
  restored.provisioner.loadState(JSON.parse(JSON.stringify(original.provisioner.saveState())));
  original.queue.items = [];
  original.calls.length = 0;
  for (const key of ['claim:default/c-slow', 'claim:default/c-broken', 'volume:pv-del']) {
    original.sync(key);
    restored.sync(key);
    assert.is(objects(other.store), objects(original.store), `after ${key}`);
    assert.equal(restored.provisioner.saveState(), original.provisioner.saveState(), `after ${key}`);
  }
  assert.equal(restored.calls, original.calls);
  assert.equal(original.calls.map((c) => c.split(' ')[0]), ['create', 'create', 'delete']);
  assert.equal(restored.queue.items, original.queue.items);
  assert.equal(original.queue.items, [{ queue: QUEUE, key: 'claim:default/c-broken', delayMs: 2_000, kind: 'retry' }]);
  const made = original.store.listVolumes().find((v) => v.metadata.name.startsWith('pvc-'))!;
  assert.is((made.spec['csi'] as { volumeAttributes: Record<string, string> }).volumeAttributes[ANN_PROVISIONER_IDENTITY], original.provisioner.identity);
  assert.equal(Object.keys(original.provisioner.saveState().claimOps), ['default/c-broken']);
});

test('malformed state is refused', () => {
  const { store } = midway();
  const fresh = newProvisioner(store, 2).provisioner;
  assert.throws(() => fresh.loadState(undefined), /not an object/);
  assert.throws(() => fresh.loadState({ claimOps: {} }), /no identity/);
  assert.throws(() => fresh.loadState({ identity: 'x', volumeOps: { v: { uid: 'u', phase: 'sleeping', failures: 0 } } }), /malformed/);
});

test.run();
