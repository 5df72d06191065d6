import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ObjectStore, IllegalTransitionError, type AnyObject } from '../src/ObjectStore.ts';
import { SimClock } from '../src/SimClock.ts';

function store(): ObjectStore {
  let n = 0;
  return new ObjectStore({ clock: new SimClock(0), newUid: () => `uid-${++n}` });
}

const pv = (name: string, extra: Record<string, unknown> = {}): AnyObject =>
  ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] }, ...extra }) as AnyObject;

test('a write neither changes the stored object it replaces nor shares the parts its caller may still change', () => {
  const s = store();
  const request = pv('a');
  s.create('PersistentVolume', request);
  (request.spec as { capacity: { storage: string } }).capacity.storage = '9Gi';
  const stored = s.get('PersistentVolume', 'a')!;
  assert.is((stored['spec'] as { capacity: { storage: string } }).capacity.storage, '1Gi', 'create copied the request');
  const frozen = structuredClone(stored);
  const spec = { ...(stored['spec'] as object), accessModes: ['ReadWriteMany'] };
  const next = { ...stored, spec };
  const written = s.update('PersistentVolume', next);
  assert.equal(stored, frozen, 'the replaced object is as it was');
  assert.is((written['spec'] as { capacity: unknown }).capacity, (stored['spec'] as { capacity: unknown }).capacity, 'unchanged parts are shared');
  spec.accessModes.push('ReadOnlyMany');
  assert.equal((s.get('PersistentVolume', 'a')!['spec'] as { accessModes: string[] }).accessModes, ['ReadWriteMany'], 'the caller\'s new parts were copied');
});

test('an update that changes nothing stores nothing and keeps the stored object', () => {
  const s = store();
  const created = s.create('PersistentVolume', pv('a'));
  const writes = s.writes;
  assert.is(s.update('PersistentVolume', { ...created }), created);
  assert.is(s.update('PersistentVolume', created), created, 'even when the request is the stored object itself');
  assert.is(s.writes, writes);
});

test('a passivated object moves along its machine and refuses an edge the machine does not have', () => {
  const s = store();
  s.create('PersistentVolume', pv('a'));
  assert.is(s.actorState('PersistentVolume', 'a'), 'Pending');
  s.update('PersistentVolume', { ...s.get('PersistentVolume', 'a')!, status: { phase: 'Available' } }, 'status');
  assert.is(s.actorState('PersistentVolume', 'a'), 'Available');
  s.create('PersistentVolume', pv('b', { status: { phase: 'Bound' } }));
  assert.is(s.actorState('PersistentVolume', 'b'), 'Bound', 'a new object enters the state of the phase it carries');
  assert.throws(() => s.update('PersistentVolume', { ...s.get('PersistentVolume', 'a')!, status: { phase: 'Pending' } }, 'status'), (e: unknown) => e instanceof IllegalTransitionError);
  assert.is(s.actorState('PersistentVolume', 'a'), 'Available', 'the refused write left the object as it was');
  s.delete('PersistentVolume', 'a');
  assert.is(s.actorState('PersistentVolume', 'a'), undefined);
  s.create('PersistentVolume', pv('a'));
  assert.is(s.actorState('PersistentVolume', 'a'), 'Pending', 'a name can be used again after a delete');
});

test.run();
