import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { applyPatch, jsonPatch, mergePatch, strategicMergePatch, PATCH_TYPES, StatusError } from '../src/index.ts';

const pv = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'a', labels: { x: '1' }, finalizers: ['kubernetes.io/pv-protection'] }, spec: { capacity: { storage: '1Gi' } } };

test('merge patch: null removes, maps merge, lists are replaced', () => {
  const cases: [unknown, unknown, unknown][] = [
    [{ a: 1, b: 2 }, { b: null }, { a: 1 }],
    [{ a: { b: 1, c: 2 } }, { a: { c: 3 } }, { a: { b: 1, c: 3 } }],
    [{ a: [1, 2] }, { a: [3] }, { a: [3] }],
    [{ a: 1 }, 'x', 'x'],
  ];
  for (const [target, patch, want] of cases) assert.equal(mergePatch(target as never, patch as never), want);
});

test('merge patch applied twice is the same as once (idempotent)', () => {
  const json = fc.jsonValue({ maxDepth: 3 });
  fc.assert(fc.property(json, json, (target, patch) => {
    const once = mergePatch(target as never, patch as never);
    assert.equal(mergePatch(once, patch as never), once);
  }));
});

test('strategic merge: lists with a merge key merge by it, $patch directives, primitive merge lists', () => {
  const pod = { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'y' }] }, metadata: { finalizers: ['f1'] } };
  assert.equal(strategicMergePatch(pod as never, { spec: { containers: [{ name: 'b', image: 'z' }] } } as never),
    { spec: { containers: [{ name: 'a', image: 'x' }, { name: 'b', image: 'z' }] }, metadata: { finalizers: ['f1'] } });
  assert.equal(strategicMergePatch(pod as never, { spec: { containers: [{ name: 'a', $patch: 'delete' }] } } as never),
    { spec: { containers: [{ name: 'b', image: 'y' }] }, metadata: { finalizers: ['f1'] } });
  assert.equal(strategicMergePatch(pod as never, { metadata: { finalizers: ['f2'] } } as never),
    { spec: pod.spec, metadata: { finalizers: ['f1', 'f2'] } });
  assert.equal(strategicMergePatch(pod as never, { metadata: { '$deleteFromPrimitiveList/finalizers': ['f1'] } } as never),
    { spec: pod.spec, metadata: { finalizers: [] } });
  assert.equal(strategicMergePatch(pod as never, { spec: { $patch: 'replace', containers: [] } } as never),
    { spec: { containers: [] }, metadata: { finalizers: ['f1'] } });
  // kubectl apply's ordering directive carries no data.
  assert.equal(strategicMergePatch({ a: 1 } as never, { '$setElementOrder/containers': [{ name: 'a' }] } as never), { a: 1 });
});

test('JSON patch: add, replace, remove, move, copy, test; a missing path is BadRequest', () => {
  const out = jsonPatch(pv as never, [
    { op: 'add', path: '/metadata/labels/y', value: '2' },
    { op: 'replace', path: '/spec/capacity/storage', value: '2Gi' },
    { op: 'remove', path: '/metadata/labels/x' },
    { op: 'add', path: '/metadata/finalizers/-', value: 'f' },
    { op: 'copy', from: '/metadata/labels/y', path: '/metadata/labels/z' },
    { op: 'move', from: '/metadata/labels/z', path: '/metadata/labels/w' },
    { op: 'test', path: '/metadata/labels/w', value: '2' },
  ] as never) as typeof pv;
  assert.equal(out.metadata.labels, { y: '2', w: '2' });
  assert.equal(out.metadata.finalizers, ['kubernetes.io/pv-protection', 'f']);
  assert.is(out.spec.capacity.storage, '2Gi');
  assert.equal(pv.metadata.labels, { x: '1' }, 'the live object is not changed');
  for (const ops of [[{ op: 'remove', path: '/nope' }], [{ op: 'replace', path: '/metadata/nope/x', value: 1 }]]) {
    try { jsonPatch(pv as never, ops as never); assert.unreachable(); } catch (e) {
      assert.instance(e, StatusError);
      assert.is((e as StatusError).code, 400);
    }
  }
  try { jsonPatch(pv as never, [{ op: 'test', path: '/metadata/name', value: 'b' }] as never); assert.unreachable(); } catch (e) {
    assert.is((e as StatusError).code, 422);
  }
});

test('applyPatch dispatches on the content type; an unknown one is 415', () => {
  assert.equal((applyPatch(pv, PATCH_TYPES.merge, '{"metadata":{"labels":null}}') as typeof pv).metadata.labels, undefined);
  try { applyPatch(pv, 'text/plain', '{}'); assert.unreachable(); } catch (e) { assert.is((e as StatusError).code, 415); }
  try { applyPatch(pv, PATCH_TYPES.merge, '{'); assert.unreachable(); } catch (e) { assert.is((e as StatusError).code, 400); }
});

test.run();
