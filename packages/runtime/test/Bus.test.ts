import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { InProcessBus } from '../src/Bus.ts';
import { ObjectStore } from '../src/ObjectStore.ts';
import { SimClock } from '../src/SimClock.ts';

test('the in-process bus delivers to the one subscriber of an address, in order', () => {
  const bus = new InProcessBus();
  const got: string[] = [];
  const off = bus.subscribe('pv/a', (e) => got.push(e.type));
  assert.ok(bus.publish('pv/a', { type: 'ONE' }));
  assert.ok(bus.publish('pv/a', { type: 'TWO' }));
  assert.not.ok(bus.publish('pv/b', { type: 'LOST' }));
  assert.throws(() => bus.subscribe('pv/a', () => undefined), /already has a subscriber/);
  off();
  assert.not.ok(bus.publish('pv/a', { type: 'AFTER' }));
  assert.equal(got, ['ONE', 'TWO']);
});

test('the store reaches its PV and PVC actors only through the bus', () => {
  const bus = new InProcessBus();
  const store = new ObjectStore({ clock: new SimClock(0), newUid: () => 'u1', bus });
  store.create('PersistentVolume', { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'a' }, spec: {}, status: { phase: 'Pending' } });
  const before = bus.delivered;
  store.update('PersistentVolume', { ...(store.get('PersistentVolume', 'a') as object), status: { phase: 'Available' } } as never, 'status');
  assert.is(bus.delivered, before + 1);
  assert.is(store.actorState('PersistentVolume', 'a'), 'Available');
  store.delete('PersistentVolume', 'a');
  assert.is(bus.delivered, before + 2);
  assert.not.ok(bus.publish('pv/a', { type: 'WRITE' }), 'the deleted actor left the bus');
});

test.run();
