/**
 * The informer cache and the client: reads come from the cache (which only watch events feed),
 * writes go to the API server; a write based on a stale read is a Conflict; a relist catches up.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiError } from '@pvsim/domain';
import { InformerCache, InformerClient, ObjectStore, STORED_KINDS, SimClock, type AnyObject, type WatchEvent } from '../src/index.ts';

function setup() {
  const pending: WatchEvent[] = [];
  let n = 0;
  const store = new ObjectStore({ clock: new SimClock(0), newUid: () => `uid-${++n}`, watch: (ev) => pending.push(ev) });
  const cache = new InformerCache('test');
  const client = new InformerClient(store, cache);
  return { store, cache, client, pending };
}

const claim = (name: string): AnyObject => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } }, status: { phase: 'Pending' },
});

test('reads come from the cache: nothing is seen until its watch event is applied', () => {
  const { store, cache, client, pending } = setup();
  store.create('PersistentVolumeClaim', claim('a'));
  assert.is(client.getClaim('default', 'a'), undefined);
  for (const ev of pending.splice(0)) cache.apply(ev);
  assert.is(client.getClaim('default', 'a')?.metadata.name, 'a');
  assert.is(cache.applied, 1);
});

test('a write based on a stale read is a Conflict; the write result is the fresh object', () => {
  const { store, cache, client, pending } = setup();
  store.create('PersistentVolumeClaim', claim('a'));
  for (const ev of pending.splice(0)) cache.apply(ev);
  const read = client.get('PersistentVolumeClaim', 'default/a')!;
  const written = client.update('PersistentVolumeClaim', { ...read, metadata: { ...read.metadata, labels: { x: '1' } } });
  // The cache still has the old version; writing from it again conflicts.
  assert.throws(() => client.update('PersistentVolumeClaim', { ...read, metadata: { ...read.metadata, labels: { x: '2' } } }), (e: unknown) => e instanceof ApiError && e.code === 'Conflict');
  // The write's own result is current.
  client.update('PersistentVolumeClaim', { ...written, metadata: { ...written.metadata, labels: { x: '3' } } });
  assert.equal(store.get('PersistentVolumeClaim', 'default/a')!.metadata['labels'], { x: '3' });
});

test('the binder index lives in the cache and follows its PVs', () => {
  const { store, cache, client, pending } = setup();
  store.create('PersistentVolume', {
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-1' },
    spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', hostPath: { path: '/x' } }, status: { phase: 'Available' },
  });
  const c = store.create('PersistentVolumeClaim', claim('a')) as never;
  assert.is(client.findBestMatchForClaim(c, false), undefined);
  for (const ev of pending.splice(0)) cache.apply(ev);
  assert.is(client.findBestMatchForClaim(c, false)?.metadata.name, 'pv-1');
});

test('relist makes the cache what the server lists; dump/load copy a lagging cache', () => {
  const { store, cache, pending } = setup();
  store.create('PersistentVolumeClaim', claim('a'));
  store.create('PersistentVolumeClaim', claim('b'));
  cache.apply(pending[0]!);
  const lagging = cache.dump();
  const copy = new InformerCache('copy');
  copy.load(lagging);
  assert.equal(copy.listClaims().map((c) => c.metadata.name), ['a']);
  cache.relist(store, STORED_KINDS);
  assert.equal(cache.listClaims().map((c) => c.metadata.name), ['a', 'b']);
});

test('faults injected into a client fail its calls before the server sees them', () => {
  const { store, cache } = setup();
  const client = new InformerClient(store, cache, (verb, resource) => (verb === 'create' && resource === 'persistentvolumeclaims' ? new ApiError('InternalError', 'injected') : undefined));
  assert.throws(() => client.create('PersistentVolumeClaim', claim('a')), /injected/);
  assert.is(store.get('PersistentVolumeClaim', 'default/a'), undefined);
});

test.run();
