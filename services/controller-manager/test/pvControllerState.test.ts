/**
 * Design: the PV controller's memory between syncs is the operations it scheduled and the runtime
 * has not run yet. They are data (`PvOperation`), so they survive a save → load into a fresh
 * binding, and the fresh binding runs them as the original would. "As the original would" is
 * checked on twins: two stores with the same objects, the original binding on one and the
 * restored binding on the other, fed the same work items; the stores must end up equal.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PersistentVolume, PersistentVolumeClaim, StorageClass } from '@pvsim/domain';
import { ObjectStore, SimClock, type AnyObject } from '@pvsim/runtime';
import { PvControllerBinding, inTreePlugins, type VolumePlugin } from '@pvsim/controller-manager';
import type { WorkQueue } from '@pvsim/component';

const EPOCH_MS = Date.UTC(2026, 0, 1);

class RecordingQueue implements WorkQueue {
  items: { queue: string; key: string; delayMs?: number }[] = [];
  add(queue: string, key: string): void { this.items.push({ queue, key }); }
  addAfter(queue: string, key: string, delayMs: number): void { this.items.push({ queue, key, delayMs }); }
  keys(queue: string): string[] { return this.items.filter((i) => i.queue === queue).map((i) => i.key); }
}

/** A store whose uids count from `from`; `twin` gives a second store with the same objects and the same next uid. */
function newStore(from = 0): { store: ObjectStore; clock: SimClock; twin(): ReturnType<typeof newStore> } {
  let n = from;
  const clock = new SimClock(EPOCH_MS);
  const store = new ObjectStore({ clock, newUid: () => `uid-${++n}` });
  return {
    store, clock,
    twin() {
      const t = newStore(n);
      t.clock.set(clock.now());
      t.store.load(structuredClone(store.dump()));
      return t;
    },
  };
}

const mockPlugin: VolumePlugin = {
  name: 'kubernetes.io/mock',
  supportsMountOption: true,
  canSupport: () => false,
  newProvisioner: (options) => () => ({
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name: options.pvName },
    spec: {
      capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: options.reclaimPolicy as 'Delete',
      hostPath: { path: `/tmp/${options.pvName}` },
    },
  }) as PersistentVolume,
};

const plugins = () => [...inTreePlugins(), mockPlugin];

function storageClass(name: string, provisioner: string): StorageClass {
  return { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner, reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' } as StorageClass;
}

function claim(name: string, className: string): PersistentVolumeClaim {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: className },
  } as PersistentVolumeClaim;
}

/** A PV bound to a claim that is gone, with the given reclaim policy. */
function releasedVolume(name: string, policy: 'Delete' | 'Recycle'): PersistentVolume {
  return {
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
    spec: {
      capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: policy,
      hostPath: { path: `/tmp/${name}` },
      claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'default', name: 'gone', uid: 'uid-gone' },
    },
    status: { phase: 'Bound' },
  } as PersistentVolume;
}

/** A binding over a store with one operation of every kind scheduled and not run. */
function withPendingOperations() {
  const world = newStore();
  const { store } = world;
  store.create('StorageClass', storageClass('mock', 'kubernetes.io/mock') as unknown as AnyObject);
  store.create('StorageClass', storageClass('ext', 'csi.example.com') as unknown as AnyObject);
  store.create('PersistentVolumeClaim', claim('c-mock', 'mock') as unknown as AnyObject);
  store.create('PersistentVolumeClaim', claim('c-ext', 'ext') as unknown as AnyObject);
  store.createVolume(releasedVolume('pv-delete', 'Delete'));
  store.createVolume(releasedVolume('pv-recycle', 'Recycle'));
  const queue = new RecordingQueue();
  const binding = new PvControllerBinding(store, queue, plugins(), {});
  for (const c of store.listClaims()) binding.pv.syncClaim(c);
  for (const v of store.listVolumes()) binding.pv.syncVolume(v);
  return { world, queue, binding };
}

const objects = (store: ObjectStore) => JSON.stringify(store.dump().objects);

test('the scheduled operations are saved as JSON data, one per name, names sorted', () => {
  const { queue, binding } = withPendingOperations();
  const saved = binding.saveState();
  assert.equal(JSON.parse(JSON.stringify(saved)), saved);
  const names = Object.keys(saved.operations);
  assert.equal(names, [...names].sort());
  assert.equal(names, [...queue.keys('operations')].sort());
  assert.equal(names.map((n) => saved.operations[n]!.kind).sort(), ['delete', 'provision', 'provision', 'recycle']);
  const ext = Object.values(saved.operations).find((o) => o.kind === 'provision' && o.external);
  assert.ok(ext, 'the claim of a class with no in-tree plugin gets an external provision operation');
});

test('save → load into a fresh binding → save gives the same JSON', () => {
  const { world, binding } = withPendingOperations();
  const saved = binding.saveState();
  const fresh = new PvControllerBinding(world.store, new RecordingQueue(), plugins(), {});
  assert.equal(fresh.saveState(), { operations: {} });
  fresh.loadState(JSON.parse(JSON.stringify(saved)));
  assert.equal(JSON.stringify(fresh.saveState()), JSON.stringify(saved));
});

test('loading does not queue the operations again (their work items belong to the saved queue)', () => {
  const { world, binding } = withPendingOperations();
  const queue = new RecordingQueue();
  new PvControllerBinding(world.store, queue, plugins(), {}).loadState(binding.saveState());
  assert.equal(queue.items, []);
});

test('a restored binding runs each pending operation as the original does', () => {
  const { world, queue, binding } = withPendingOperations();
  const other = world.twin();
  const fresh = new PvControllerBinding(other.store, new RecordingQueue(), plugins(), {});
  fresh.loadState(JSON.parse(JSON.stringify(binding.saveState())));
  assert.is(objects(other.store), objects(world.store));
  for (const name of queue.keys('operations')) {
    binding.queues['operations']!(name);
    fresh.queues['operations']!(name);
    assert.is(objects(other.store), objects(world.store), `after ${name}`);
    assert.equal(fresh.saveState(), binding.saveState());
  }
  assert.equal(binding.saveState(), { operations: {} });
  // What the operations did, so the comparison above is not of two no-ops.
  assert.ok(world.store.listVolumes().some((v) => v.metadata.name.startsWith('pvc-')), 'the mock plugin provisioned a PV');
  assert.not.ok(world.store.getVolume('pv-delete'), 'the released hostPath PV was deleted');
  assert.is(world.store.getVolume('pv-recycle')?.status?.phase, 'Available', 'the recycled PV is Available again');
  const ext = world.store.getClaim('default', 'c-ext');
  assert.is(ext?.metadata.annotations?.['volume.kubernetes.io/storage-provisioner'], 'csi.example.com');
});

test('a provision operation whose claim was re-created under the same name does nothing', () => {
  const { world, queue, binding } = withPendingOperations();
  const fresh = new PvControllerBinding(world.store, new RecordingQueue(), plugins(), {});
  fresh.loadState(binding.saveState());
  world.store.delete('PersistentVolumeClaim', 'default/c-mock');
  world.store.create('PersistentVolumeClaim', claim('c-mock', 'mock') as unknown as AnyObject);
  const name = queue.keys('operations').find((n) => n.startsWith('provision-default/c-mock'))!;
  fresh.queues['operations']!(name);
  assert.not.ok(world.store.listVolumes().some((v) => v.metadata.name.startsWith('pvc-')));
});

test('malformed state is refused', () => {
  const { world } = withPendingOperations();
  const fresh = new PvControllerBinding(world.store, new RecordingQueue(), plugins(), {});
  assert.throws(() => fresh.loadState(null), /not an object/);
  assert.throws(() => fresh.loadState({ operations: { x: { kind: 'launch' } } }), /unknown kind/);
});

test.run();
