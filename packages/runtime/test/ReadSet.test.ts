/**
 * ReadSet (a computation's exact reads, re-asked later): it holds while every object read by key
 * and every index bucket read is the very object (the same bucket, in the same order) again; any
 * change to one of them — a replaced object, a new or removed one, a bucket gaining, losing or
 * reordering members — breaks it, a change to anything not read does not; a read it cannot re-ask
 * (a list, a kind's keys, the matcher) makes it unusable; and it is re-asked of whichever
 * readers are current (a cache that adopted the one it was recorded on).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InformerCache, ObjectStore, ReadSet, SimClock, STORED_KINDS, type AnyObject, type StoredKind } from '../src/index.ts';

function world() {
  let n = 0;
  const cache = new InformerCache('test');
  const store = new ObjectStore({ clock: new SimClock(0), newUid: () => `uid-${++n}`, watch: (ev) => cache.apply(ev) });
  return { store, cache, sources: { store, cache } };
}

const node = (name: string): AnyObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name } }) as AnyObject;
const pod = (name: string, nodeName: string): AnyObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName, containers: [{ name: 'c', image: 'busybox' }] },
}) as unknown as AnyObject;

/** What a pass of node-a's kubelet reads, recorded. */
function readsOfNodeA(w: ReturnType<typeof world>): ReadSet {
  const reads = new ReadSet();
  w.cache.reads = reads;
  w.store.reads = reads;
  try {
    w.cache.getNode('node-a');
    w.cache.get('CSINode', 'node-a');
    w.cache.byIndex('podsByNode', 'node-a');
    w.store.get('Node', 'node-a');
  } finally {
    w.cache.reads = undefined;
    w.store.reads = undefined;
  }
  return reads;
}

function seeded() {
  const w = world();
  w.store.create('Node', node('node-a'));
  w.store.create('Node', node('node-b'));
  w.store.create('Pod', pod('p1', 'node-a'));
  w.store.create('Pod', pod('p2', 'node-b'));
  return w;
}

const change = (w: ReturnType<typeof world>, kind: StoredKind, key: string, edit: (o: AnyObject) => AnyObject) => {
  w.store.update(kind, edit(w.store.get(kind, key)!));
};
const labelled = (o: AnyObject): AnyObject => ({ ...o, metadata: { ...o.metadata, labels: { x: 'y' } } });

const cases: { name: string; act: (w: ReturnType<typeof world>) => void; holds: boolean }[] = [
  { name: 'nothing changed', act: () => {}, holds: true },
  { name: 'another node changed', act: (w) => change(w, 'Node', 'node-b', labelled), holds: true },
  { name: "another node's pod changed", act: (w) => change(w, 'Pod', 'default/p2', labelled), holds: true },
  { name: 'a pod created on another node', act: (w) => { w.store.create('Pod', pod('p3', 'node-b')); }, holds: true },
  { name: 'an event recorded', act: (w) => w.store.event(w.store.get('Node', 'node-a')!, 'Normal', 'Test', 'hello', 'test'), holds: true },
  { name: 'the node read by key changed', act: (w) => change(w, 'Node', 'node-a', labelled), holds: false },
  { name: 'an object read as missing appeared', act: (w) => { w.store.create('CSINode', { apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'node-a' }, spec: { drivers: [] } } as unknown as AnyObject); }, holds: false },
  { name: 'a pod in the bucket changed', act: (w) => change(w, 'Pod', 'default/p1', labelled), holds: false },
  { name: 'the bucket gained a pod', act: (w) => { w.store.create('Pod', pod('p0', 'node-a')); }, holds: false },
  { name: 'the bucket lost a pod', act: (w) => w.store.delete('Pod', 'default/p1'), holds: false },
];

for (const c of cases) {
  test(`ReadSet: ${c.name} -> ${c.holds ? 'holds' : 'does not hold'}`, () => {
    const w = seeded();
    const reads = readsOfNodeA(w);
    assert.ok(reads.replayable);
    assert.ok(reads.holds(w.sources));
    c.act(w);
    assert.is(reads.holds(w.sources), c.holds);
  });
}

test('ReadSet: a list, a kind\'s keys or the matcher cannot be re-asked: the set is unusable', () => {
  for (const read of [(w: ReturnType<typeof world>) => w.cache.list('Pod'), (w: ReturnType<typeof world>) => w.cache.keys('Pod'), (w: ReturnType<typeof world>) => w.store.list('Node')]) {
    const w = seeded();
    const reads = new ReadSet();
    w.cache.reads = reads;
    w.store.reads = reads;
    w.cache.getNode('node-a');
    read(w);
    w.cache.reads = undefined;
    w.store.reads = undefined;
    assert.not.ok(reads.replayable);
    assert.not.ok(reads.holds(w.sources));
  }
});

test('ReadSet: re-asked of the readers of the moment (a cache and a store that adopted the recorded ones)', () => {
  const w = seeded();
  const reads = readsOfNodeA(w);
  const cache = new InformerCache('next');
  cache.adopt(w.cache);
  const store = new ObjectStore({ clock: new SimClock(0), newUid: () => 'uid-next', watch: (ev) => cache.apply(ev) });
  store.adopt(w.store);
  assert.ok(reads.holds({ store, cache }));
  // A relisted cache hands out the store's own objects: the same answers.
  const relisted = new InformerCache('relisted');
  relisted.relist(store, STORED_KINDS);
  assert.ok(reads.holds({ store, cache: relisted }));
  store.update('Node', labelled(store.get('Node', 'node-a')!));
  assert.not.ok(reads.holds({ store, cache }));
});

test.run();
