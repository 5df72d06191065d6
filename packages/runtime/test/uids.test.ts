// Uids from identity (ADR 0031): a uid is a digest of the seed, the object's kind, namespace, name
// and how many objects of that identity were created before — so the order objects are created
// in does not move it, a recreated object gets a new one, and a store folded from the log or
// loaded from a dump goes on drawing exactly the uids the live store would.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { NewLogRecord } from '@pvsim/domain';
import { ObjectStore, type AnyObject, type StoredKind } from '../src/ObjectStore.ts';
import { foldRecords } from '../src/replay.ts';
import { SimClock } from '../src/SimClock.ts';
import { Random } from '../src/Random.ts';
import { uidOf } from '../src/uids.ts';

const SEED = 42;
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const pv = (name: string): AnyObject => ({
  apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', nfs: { server: 'nas', path: `/${name}` } },
});
const cm = (name: string, namespace = 'default'): AnyObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data: {} });

function store(records: NewLogRecord[] = []): ObjectStore {
  return new ObjectStore({ clock: new SimClock(0), newUid: (id) => uidOf(SEED, id), record: (r) => records.push(r) });
}
const uid = (o: AnyObject): unknown => o.metadata['uid'];

test('a uid is UUID-shaped (version 4) and a function of seed, kind, namespace, name and n', () => {
  const id = { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'a', n: 0 };
  const u = uidOf(SEED, id);
  assert.match(u, UUID_V4);
  assert.match(new Random(1).uuid(), UUID_V4, 'the layout Random.uuid makes');
  assert.is(uidOf(SEED, { ...id }), u);
  const others = [
    uidOf(SEED + 1, id), uidOf(SEED, { ...id, n: 1 }), uidOf(SEED, { ...id, name: 'b' }), uidOf(SEED, { ...id, namespace: 'other' }),
    uidOf(SEED, { ...id, kind: 'Secret' }), uidOf(SEED, { ...id, apiVersion: 'v2' }),
    // Fields cannot run into each other: namespace "a", name "" is not namespace "", name "a".
    uidOf(SEED, { ...id, namespace: 'defaulta', name: '' }),
  ];
  assert.is(new Set([u, ...others]).size, others.length + 1);
});

test('the order of creation does not move a uid; a recreated object gets a new one', () => {
  const one = store();
  const two = store();
  const a1 = one.create('ConfigMap', cm('a'));
  const b1 = one.create('PersistentVolume', pv('b'));
  const b2 = two.create('PersistentVolume', pv('b'));
  const a2 = two.create('ConfigMap', cm('a'));
  assert.is(uid(a1), uid(a2));
  assert.is(uid(b1), uid(b2));
  assert.is(uid(a1), uidOf(SEED, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'a', n: 0 }));
  assert.is(uid(b1), uidOf(SEED, { apiVersion: 'v1', kind: 'PersistentVolume', namespace: '', name: 'b', n: 0 }));
  one.delete('ConfigMap', 'default/a');
  one.delete('PersistentVolume', 'b');
  const a3 = one.create('ConfigMap', cm('a'));
  const b3 = one.create('PersistentVolume', pv('b'));
  assert.is(uid(a3), uidOf(SEED, { apiVersion: 'v1', kind: 'ConfigMap', namespace: 'default', name: 'a', n: 1 }));
  assert.is(uid(b3), uidOf(SEED, { apiVersion: 'v1', kind: 'PersistentVolume', namespace: '', name: 'b', n: 1 }));
  assert.is.not(uid(a3), uid(a1));
  assert.equal(one.dump().recreated, [['ConfigMap|default/a', 1], ['PersistentVolume|b', 1]]);
  assert.is(two.dump().recreated, undefined, 'a store without deletes keeps no counts');
});

type Op = { verb: 'create' | 'delete'; kind: StoredKind; name: string };
const opArb: fc.Arbitrary<Op> = fc.record({
  verb: fc.constantFrom('create' as const, 'delete' as const),
  kind: fc.constantFrom<StoredKind>('ConfigMap', 'PersistentVolume'),
  name: fc.constantFrom('a', 'b', 'c'),
});

test('property: live, folded from its log and loaded from its dump, a store draws the uid of (identity, creations so far)', () => {
  fc.assert(fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
    const log: NewLogRecord[] = [];
    const live = store(log);
    const created = new Map<string, number>();
    for (const op of ops) {
      const key = op.kind === 'ConfigMap' ? `default/${op.name}` : op.name;
      const exists = live.get(op.kind, key) !== undefined;
      if (op.verb === 'delete') { if (exists) live.delete(op.kind, key); continue; }
      if (exists) continue;
      const n = created.get(`${op.kind}|${key}`) ?? 0;
      const o = live.create(op.kind, op.kind === 'ConfigMap' ? cm(op.name) : pv(op.name));
      assert.is(uid(o), uidOf(SEED, { apiVersion: 'v1', kind: op.kind, namespace: op.kind === 'ConfigMap' ? 'default' : '', name: op.name, n }));
      created.set(`${op.kind}|${key}`, n + 1);
    }
    const folded = store();
    foldRecords(folded, JSON.parse(JSON.stringify(log)));
    const loaded = store();
    loaded.load(JSON.parse(JSON.stringify(live.dump())));
    const used = store();
    used.create('ConfigMap', cm('a'));
    used.delete('ConfigMap', 'default/a');
    used.loadInPlace(JSON.parse(JSON.stringify(live.dump())));
    const adopted = store();
    adopted.adopt(folded);
    assert.equal(loaded.dump().recreated, live.dump().recreated);
    assert.equal(used.dump().recreated, live.dump().recreated);
    assert.equal(adopted.dump().recreated, live.dump().recreated);
    // What each goes on to create: every name recreated, so every count is used.
    const next = (s: ObjectStore): unknown[] => {
      for (const kind of ['ConfigMap', 'PersistentVolume'] as const) {
        for (const name of ['a', 'b', 'c']) {
          const key = kind === 'ConfigMap' ? `default/${name}` : name;
          if (s.get(kind, key)) s.delete(kind, key);
        }
      }
      return ['a', 'b', 'c'].flatMap((name) => [uid(s.create('ConfigMap', cm(name))), uid(s.create('PersistentVolume', pv(name)))]);
    };
    const expected = next(live);
    assert.equal(next(loaded), expected);
    assert.equal(next(used), expected);
    assert.equal(next(adopted), expected);
  }), { numRuns: 200 });
});

test.run();
