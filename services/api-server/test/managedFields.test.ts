import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { fieldSet, fromFieldsV1, serverSideApply, StatusError, toFieldsV1, trackUpdate, type Obj } from '../src/index.ts';

const target = { name: 'a', group: '', plural: 'persistentvolumes' };
const pv = (spec: Record<string, unknown>, labels?: Record<string, string>): Obj => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'a', ...(labels ? { labels } : {}) }, spec });
const apply = (live: Obj | undefined, applied: Obj, manager: string, force = false, now = 'T1') => serverSideApply(live, { applied, manager, force, now, target });
const managers = (o: Obj) => (o.metadata['managedFields'] as { manager: string; operation: string }[]).map((e) => `${e.manager}/${e.operation}`);

test('field sets: leaves, keyed list items by their merge key, set-like lists by value, atomic lists whole', () => {
  const o = {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', uid: 'u', labels: { app: 'x' }, finalizers: ['f1'] },
    spec: { containers: [{ name: 'app', image: 'i', volumeMounts: [{ mountPath: '/data', name: 'd' }] }], nodeSelector: {} },
    status: { phase: 'Running' },
  };
  assert.equal([...fieldSet(o).keys()].sort(), [
    '.metadata.finalizers[="f1"]', '.metadata.labels.app',
    '.spec.containers[name="app"]', '.spec.containers[name="app"].image', '.spec.containers[name="app"].name',
    '.spec.containers[name="app"].volumeMounts[mountPath="/data"]', '.spec.containers[name="app"].volumeMounts[mountPath="/data"].mountPath', '.spec.containers[name="app"].volumeMounts[mountPath="/data"].name',
    '.spec.nodeSelector',
  ]);
  assert.equal(toFieldsV1(fieldSet(o))['f:spec'], { 'f:containers': { 'k:{"name":"app"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:volumeMounts': { 'k:{"mountPath":"/data"}': { '.': {}, 'f:mountPath': {}, 'f:name': {} } } } }, 'f:nodeSelector': {} });
});

test('FieldsV1 round-trips any field set', () => {
  const scalar = fc.oneof(fc.string({ maxLength: 3 }), fc.integer(), fc.boolean());
  const obj = fc.record({ metadata: fc.record({ labels: fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), fc.string({ maxLength: 3 })), finalizers: fc.uniqueArray(fc.string({ maxLength: 3 }), { maxLength: 3 }) }),
    spec: fc.record({ a: scalar, containers: fc.uniqueArray(fc.record({ name: fc.string({ maxLength: 3 }), image: scalar }), { selector: (c) => c.name, maxLength: 3 }), modes: fc.array(scalar, { maxLength: 3 }) }) });
  fc.assert(fc.property(obj, (o) => {
    const set = fieldSet(o);
    assert.equal([...fromFieldsV1(toFieldsV1(set)).keys()].sort(), [...set.keys()].sort());
  }));
});

test('server-side apply: conflicts, force, co-ownership and removal of fields a manager stops applying (table)', () => {
  const first = apply(undefined, pv({ persistentVolumeReclaimPolicy: 'Retain', capacity: { storage: '1Gi' } }, { tier: 'gold' }), 'alice');
  assert.equal(managers(first), ['alice/Apply']);
  const rows: { name: string; applied: Obj; manager: string; force?: boolean; conflict?: string; spec?: unknown; labels?: unknown; managers?: string[] }[] = [
    { name: 'same values from another manager: co-owned, no conflict', applied: pv({ persistentVolumeReclaimPolicy: 'Retain' }), manager: 'bob', spec: { persistentVolumeReclaimPolicy: 'Retain', capacity: { storage: '1Gi' } }, managers: ['alice/Apply', 'bob/Apply'] },
    { name: 'another value from another manager: conflict', applied: pv({ persistentVolumeReclaimPolicy: 'Delete' }), manager: 'bob', conflict: 'Apply failed with 1 conflict: conflict with "alice": .spec.persistentVolumeReclaimPolicy' },
    { name: 'two fields: the plural message', applied: pv({ persistentVolumeReclaimPolicy: 'Delete', capacity: { storage: '2Gi' } }), manager: 'bob', conflict: 'Apply failed with 2 conflicts: conflicts with "alice":\n- .spec.capacity.storage\n- .spec.persistentVolumeReclaimPolicy' },
    { name: 'forced: the field changes hands', applied: pv({ persistentVolumeReclaimPolicy: 'Delete' }), manager: 'bob', force: true, spec: { persistentVolumeReclaimPolicy: 'Delete', capacity: { storage: '1Gi' } }, managers: ['alice/Apply', 'bob/Apply'] },
    { name: 'the owner changes its own field', applied: pv({ persistentVolumeReclaimPolicy: 'Delete', capacity: { storage: '1Gi' } }, { tier: 'gold' }), manager: 'alice', spec: { persistentVolumeReclaimPolicy: 'Delete', capacity: { storage: '1Gi' } } },
    { name: 'the owner leaves a field and a label out: they go', applied: pv({ capacity: { storage: '1Gi' } }), manager: 'alice', spec: { capacity: { storage: '1Gi' } }, labels: undefined },
  ];
  for (const r of rows) {
    let out: Obj | undefined;
    let err: unknown;
    try { out = apply(first, r.applied, r.manager, !!r.force, 'T2'); } catch (e) { err = e; }
    if (r.conflict) {
      assert.instance(err, StatusError, r.name);
      assert.is((err as StatusError).code, 409, r.name);
      assert.is((err as StatusError).message, r.conflict, r.name);
      assert.is((err as StatusError).details!.causes![0]!.reason, 'FieldManagerConflict', r.name);
      continue;
    }
    assert.ok(out, `${r.name}: ${String(err)}`);
    if (r.spec !== undefined) assert.equal(out!['spec'], r.spec, r.name);
    if ('labels' in r) assert.equal(out!.metadata['labels'], r.labels, r.name);
    if (r.managers) assert.equal(managers(out!), r.managers, r.name);
  }
});

test('a field another manager still owns stays when the applier drops it', () => {
  const a = apply(undefined, pv({ persistentVolumeReclaimPolicy: 'Retain' }), 'alice');
  const b = apply(a, pv({ persistentVolumeReclaimPolicy: 'Retain' }), 'bob');
  const dropped = apply(b, pv({}), 'alice');
  assert.equal(dropped['spec'], { persistentVolumeReclaimPolicy: 'Retain' });
});

test('an apply that changes nothing returns the live object, its time unchanged', () => {
  const a = apply(undefined, pv({ persistentVolumeReclaimPolicy: 'Retain' }), 'alice', false, 'T1');
  assert.is(apply(a, pv({ persistentVolumeReclaimPolicy: 'Retain' }), 'alice', false, 'T9'), a);
});

test('an update takes the fields it changes from their owners; the next apply conflicts with "kubectl-patch" using v1', () => {
  const a = apply(undefined, pv({ persistentVolumeReclaimPolicy: 'Retain' }), 'alice');
  const patched = trackUpdate(a, { ...a, spec: { persistentVolumeReclaimPolicy: 'Delete' } }, 'kubectl-patch', 'T2');
  assert.equal(managers(patched), ['kubectl-patch/Update']);
  let err: unknown;
  try { apply(patched, pv({ persistentVolumeReclaimPolicy: 'Recycle' }), 'alice'); } catch (e) { err = e; }
  assert.is((err as StatusError).message, 'Apply failed with 1 conflict: conflict with "kubectl-patch" using v1: .spec.persistentVolumeReclaimPolicy');
});

test.run();
