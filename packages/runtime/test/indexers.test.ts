/**
 * The informer cache's indexers (client-go's cache.Indexer): after any sequence of watch events
 * — pods created, moved between nodes, given other claims, deleted, a relist — a read through an
 * index returns exactly what filtering the whole list returns, in the same order; the API
 * server's store answers the same question by filtering; a cache that adopts a watched one
 * answers every read as a relisted one does. A read through an index and a write meet in their
 * footprints (partial-order reduction, Footprint.ts) whenever the write changes what the read
 * returns — and not when it writes only objects filed elsewhere.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Footprint, INDEXERS, InformerCache, ObjectStore, SimClock, objectKey, type AccessTracker, type AnyObject, type IndexName, type WatchEvent } from '../src/index.ts';

const NODES = ['', 'node-a', 'node-b', 'node-c'];
const CLAIMS = ['data', 'logs', 'cache'];

function pod(name: string, node: string, claims: string[], ephemeral: boolean): AnyObject {
  return {
    apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: name.startsWith('x') ? 'other' : 'default', uid: `uid-${name}` },
    spec: {
      ...(node ? { nodeName: node } : {}),
      containers: [{ name: 'c', image: 'busybox' }],
      volumes: [
        ...claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })),
        ...(ephemeral ? [{ name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } }] : []),
      ],
    },
  } as unknown as AnyObject;
}

const podArb = fc.record({
  name: fc.constantFrom('a', 'b', 'c', 'd', 'xa', 'xb'),
  node: fc.constantFrom(...NODES),
  claims: fc.subarray(CLAIMS),
  ephemeral: fc.boolean(),
  remove: fc.boolean(),
});

/** Every value an index could be asked about in this test. */
function values(name: IndexName): string[] {
  if (name === 'podsByNode' || name === 'attachmentsByNode') return NODES;
  if (name === 'podsByClaim') return ['default', 'other'].flatMap((ns) => [...CLAIMS, 'a-scratch', 'b-scratch', 'xa-scratch'].map((c) => `${ns}/${c}`));
  if (name === 'podsByUid') return ['uid-a', 'uid-b', 'uid-xa', 'uid-zz'];
  return ['yes', ''];
}

test('a read through an index equals filtering the list, after any watch events and a relist', () => {
  fc.assert(fc.property(fc.array(podArb, { maxLength: 40 }), fc.nat(40), (steps, relistAt) => {
    const cache = new InformerCache('test');
    const live = new Map<string, AnyObject>();
    steps.forEach((s, i) => {
      const obj = pod(s.name, s.node, s.claims, s.ephemeral);
      const key = objectKey('Pod', obj);
      const old = live.get(key);
      const ev: WatchEvent = s.remove ? { kind: 'Pod', key, old, new: undefined } : { kind: 'Pod', key, old, new: obj };
      if (s.remove) live.delete(key); else live.set(key, obj);
      cache.apply(ev);
      if (i === relistAt) cache.relist({ get: (_k, key2) => live.get(key2), list: () => [...live.values()] }, ['Pod']);
    });
    for (const name of Object.keys(INDEXERS) as IndexName[]) {
      if (INDEXERS[name].kind !== 'Pod') continue;
      for (const value of values(name)) {
        const filtered = cache.list('Pod').filter((o) => INDEXERS[name].values(o).includes(value));
        assert.equal(cache.byIndex(name, value), filtered, `${name} ${value}`);
      }
    }
  }));
});

const volume = (name: string, gi: number): AnyObject => ({
  apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
  spec: { capacity: { storage: `${gi}Gi` }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: `/${name}` } }, status: { phase: 'Available' },
} as unknown as AnyObject);

test('a cache that adopts one fed by watch events answers every read as a relisted cache does (a world continuing another)', () => {
  const volumeArb = fc.record({ name: fc.constantFrom('pv-a', 'pv-b', 'pv-c', 'pv-d', 'pv-e'), gi: fc.integer({ min: 1, max: 6 }), remove: fc.boolean() });
  fc.assert(fc.property(fc.array(fc.oneof(podArb.map((p) => ({ pod: p })), volumeArb.map((v) => ({ volume: v }))), { maxLength: 60 }), (steps) => {
    const watched = new InformerCache('watched');
    const live = { Pod: new Map<string, AnyObject>(), PersistentVolume: new Map<string, AnyObject>() };
    for (const s of steps) {
      const [kind, obj, remove] = 'pod' in s
        ? ['Pod' as const, pod(s.pod.name, s.pod.node, s.pod.claims, s.pod.ephemeral), s.pod.remove]
        : ['PersistentVolume' as const, volume(s.volume.name, s.volume.gi), s.volume.remove];
      const key = objectKey(kind, obj);
      const old = live[kind].get(key);
      if (remove) live[kind].delete(key); else live[kind].set(key, obj);
      watched.apply({ kind, key, old, new: remove ? undefined : obj });
    }
    const relisted = new InformerCache('relisted');
    relisted.relist({ get: (k, key) => live[k as 'Pod'].get(key), list: (k) => [...(live[k as 'Pod']?.values() ?? [])].sort((a, b) => (objectKey(k, a) < objectKey(k, b) ? -1 : 1)) }, ['Pod', 'PersistentVolume']);
    const adopted = new InformerCache('adopted');
    adopted.adopt(watched);
    for (const kind of ['Pod', 'PersistentVolume'] as const) {
      assert.equal(adopted.keys(kind), relisted.keys(kind));
      assert.equal(adopted.list(kind), relisted.list(kind));
      assert.equal(watched.list(kind), [], 'the adopted cache is emptied');
    }
    for (const name of Object.keys(INDEXERS) as IndexName[]) {
      if (INDEXERS[name].kind !== 'Pod') continue;
      for (const value of values(name)) assert.equal(adopted.byIndex(name, value), relisted.byIndex(name, value), `${name} ${value}`);
    }
    for (let gi = 1; gi <= 7; gi++) {
      const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'default', uid: 'u' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', resources: { requests: { storage: `${gi}Gi` } } } } as never;
      assert.is(adopted.findBestMatchForClaim(claim, false)?.metadata.name, relisted.findBestMatchForClaim(claim, false)?.metadata.name, `${gi}Gi`);
    }
  }));
});

test('the store answers an index read by filtering its list, the same as a cache fed by its watch', () => {
  const events: WatchEvent[] = [];
  let n = 0;
  const store = new ObjectStore({ clock: new SimClock(0), newUid: () => `u-${++n}`, watch: (ev) => events.push(ev) });
  const cache = new InformerCache('test');
  store.create('Pod', pod('a', 'node-a', ['data'], false));
  store.create('Pod', pod('b', 'node-a', ['logs'], true));
  store.create('Pod', pod('c', 'node-b', ['data'], false));
  for (const ev of events.splice(0)) cache.apply(ev);
  assert.equal(store.byIndex('podsByNode', 'node-a').map((p) => p.metadata.name), ['a', 'b']);
  assert.equal(store.byIndex('podsByClaim', 'default/data').map((p) => p.metadata.name), ['a', 'c']);
  assert.equal(store.byIndex('podsByClaim', 'default/b-scratch').map((p) => p.metadata.name), ['b']);
  for (const [name, value] of [['podsByNode', 'node-a'], ['podsByClaim', 'default/data'], ['podsByNode', 'node-b']] as const) {
    assert.equal(cache.byIndex(name, value), store.byIndex(name, value));
  }
  assert.equal(cache.keys('Pod'), ['default/a', 'default/b', 'default/c']);
  assert.equal(store.keys('Pod'), ['default/a', 'default/b', 'default/c']);
});

function csiVolume(id: string, driver: string, capacityBytes: string, nodes: string[]): AnyObject {
  return {
    apiVersion: 'sim.pvsim.dev/v1', kind: 'CSIVolume', metadata: { name: `${driver}.${id}` },
    spec: { driver, volumeId: id, capacityBytes },
    status: { publishedNodes: Object.fromEntries(nodes.map((n) => [n, { readonly: false, publishContext: {} }])), staged: {}, published: {} },
  } as unknown as AnyObject;
}

test("the store's own index and tally (backend volumes) equal filtering and adding up its list, after any writes", () => {
  const DRIVERS = ['disk', 'nas'];
  const step = fc.record({
    id: fc.constantFrom('v1', 'v2', 'v3', 'v4'), driver: fc.constantFrom(...DRIVERS),
    capacityBytes: fc.constantFrom('0', '1024', '67108864', 'not-a-number'), nodes: fc.subarray(NODES.slice(1)), remove: fc.boolean(),
  });
  fc.assert(fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
    const store = new ObjectStore({ clock: new SimClock(0), newUid: () => 'u' });
    for (const s of steps) {
      const obj = csiVolume(s.id, s.driver, s.capacityBytes, s.nodes);
      const live = store.get('CSIVolume', obj.metadata.name);
      if (s.remove) { if (live) store.delete('CSIVolume', obj.metadata.name); continue; }
      if (live) store.update('CSIVolume', { ...obj, metadata: { ...obj.metadata, resourceVersion: live.metadata['resourceVersion'] } } as AnyObject);
      else store.create('CSIVolume', obj);
    }
    const all = store.list('CSIVolume') as unknown as { spec: { driver: string; capacityBytes: string }; status: { publishedNodes: Record<string, unknown> } }[];
    for (const node of NODES.slice(1)) {
      assert.equal(store.byIndex('csiVolumesByPublishedNode', node), all.filter((v) => node in v.status.publishedNodes) as unknown as AnyObject[], node);
    }
    for (const driver of [...DRIVERS, 'none']) {
      let sum: bigint | undefined = 0n;
      try { for (const v of all.filter((x) => x.spec.driver === driver)) sum += BigInt(v.spec.capacityBytes); } catch { sum = undefined; }
      assert.equal(store.tally('csiCapacityByDriver', driver), sum, driver);
    }
  }));
});

/** What `read` returned and its footprint, on `r` with a tracker set for the call. */
function tracked<T>(r: { tracker: AccessTracker | undefined }, read: () => T): { result: T; fp: Footprint } {
  const fp = new Footprint();
  r.tracker = fp;
  try { return { result: read(), fp }; } finally { r.tracker = undefined; }
}

test('an index read and a watch event meet in their footprints whenever the event changes what the read returns', () => {
  fc.assert(fc.property(fc.array(podArb, { maxLength: 12 }), podArb, (steps, last) => {
    const before = new InformerCache('before');
    const after = new InformerCache('after');
    const live = new Map<string, AnyObject>();
    const event = (s: typeof last): WatchEvent => {
      const obj = pod(s.name, s.node, s.claims, s.ephemeral);
      const key = objectKey('Pod', obj);
      const old = live.get(key);
      if (s.remove) live.delete(key); else live.set(key, obj);
      return { kind: 'Pod', key, old, new: s.remove ? undefined : obj };
    };
    for (const s of steps) { const ev = event(s); before.apply(ev); after.apply(ev); }
    const write = tracked(after, () => after.apply(event(last)));
    for (const name of Object.keys(INDEXERS) as IndexName[]) {
      if (INDEXERS[name].kind !== 'Pod') continue;
      for (const value of values(name)) {
        const read = tracked(before, () => before.byIndex(name, value));
        const changed = JSON.stringify(read.result) !== JSON.stringify(after.byIndex(name, value));
        if (changed) assert.ok(read.fp.conflicts(write.fp), `${name} ${value}: the read changed but the footprints commute`);
      }
    }
  }));
});

test('a pod written on one node does not meet a read of another node\'s pods; it meets its own node\'s, and a list of every pod', () => {
  const cache = new InformerCache('test');
  cache.apply({ kind: 'Pod', key: 'default/a', old: undefined, new: pod('a', 'node-a', ['data'], false) });
  const onB = pod('b', 'node-b', ['logs'], false);
  const write = tracked(cache, () => cache.apply({ kind: 'Pod', key: 'default/b', old: undefined, new: onB }));
  assert.not.ok(tracked(cache, () => cache.byIndex('podsByNode', 'node-a')).fp.conflicts(write.fp));
  assert.not.ok(tracked(cache, () => cache.byIndex('podsByClaim', 'default/data')).fp.conflicts(write.fp));
  assert.ok(tracked(cache, () => cache.byIndex('podsByNode', 'node-b')).fp.conflicts(write.fp));
  assert.ok(tracked(cache, () => cache.byIndex('podsByClaim', 'default/logs')).fp.conflicts(write.fp));
  assert.ok(tracked(cache, () => cache.list('Pod')).fp.conflicts(write.fp));
  // Moved from node-b to node-a: it leaves one bucket and enters the other.
  const moved = tracked(cache, () => cache.apply({ kind: 'Pod', key: 'default/b', old: onB, new: pod('b', 'node-a', ['logs'], false) }));
  assert.ok(tracked(cache, () => cache.byIndex('podsByNode', 'node-a')).fp.conflicts(moved.fp));
  assert.ok(tracked(cache, () => cache.byIndex('podsByNode', 'node-b')).fp.conflicts(moved.fp));
  assert.not.ok(tracked(cache, () => cache.byIndex('podsByNode', 'node-c')).fp.conflicts(moved.fp));
});

test("the store's own index and tally meet every write that changes what they return", () => {
  const DRIVERS = ['disk', 'nas'];
  const step = fc.record({
    id: fc.constantFrom('v1', 'v2', 'v3'), driver: fc.constantFrom(...DRIVERS),
    capacityBytes: fc.constantFrom('0', '1024', 'not-a-number'), nodes: fc.subarray(NODES.slice(1)), remove: fc.boolean(),
  });
  fc.assert(fc.property(fc.array(step, { maxLength: 10 }), step, (steps, last) => {
    const stores = [0, 1].map(() => new ObjectStore({ clock: new SimClock(0), newUid: () => 'u' }));
    const write = (store: ObjectStore, s: typeof last) => {
      const obj = csiVolume(s.id, s.driver, s.capacityBytes, s.nodes);
      const live = store.get('CSIVolume', obj.metadata.name);
      if (s.remove) { if (live) store.delete('CSIVolume', obj.metadata.name); return; }
      if (live) store.update('CSIVolume', { ...obj, metadata: { ...obj.metadata, resourceVersion: live.metadata['resourceVersion'] } } as AnyObject);
      else store.create('CSIVolume', obj);
    };
    for (const s of steps) for (const store of stores) write(store, s);
    const [before, after] = stores as [ObjectStore, ObjectStore];
    const w = tracked(after, () => write(after, last));
    for (const node of NODES.slice(1)) {
      const read = tracked(before, () => before.byIndex('csiVolumesByPublishedNode', node));
      if (JSON.stringify(read.result) !== JSON.stringify(after.byIndex('csiVolumesByPublishedNode', node))) assert.ok(read.fp.conflicts(w.fp), node);
    }
    for (const driver of [...DRIVERS, 'none']) {
      const read = tracked(before, () => before.tally('csiCapacityByDriver', driver));
      if (read.result !== after.tally('csiCapacityByDriver', driver)) assert.ok(read.fp.conflicts(w.fp), driver);
    }
  }));
});

test.run();
