import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { canonicalJson } from '@pvsim/domain';
import { diffClusters, fieldChanges, formatChange, summariseChanges } from '../src/index.ts';

const pv = (name: string, phase: string, extra: Record<string, unknown> = {}) => ({
  kind: 'PersistentVolume', metadata: { name, uid: `uid-${name}-${phase}`, resourceVersion: '7', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: { capacity: { storage: '5Gi' } }, status: { phase, lastPhaseTransitionTime: `2026-01-01T00:00:0${phase.length % 10}Z` }, ...extra,
});

test('fieldChanges: added, removed and changed leaves in sorted order; bookkeeping left out', () => {
  const a = { metadata: { name: 'x', resourceVersion: '1', finalizers: ['f'] }, status: { phase: 'Available' } };
  const b = { metadata: { name: 'x', resourceVersion: '2' }, spec: { claimRef: { name: 'data' } }, status: { phase: 'Bound' } };
  assert.equal(fieldChanges(a, b), [
    { path: 'metadata.finalizers[0]', from: 'f' },
    { path: 'spec.claimRef.name', to: 'data' },
    { path: 'status.phase', from: 'Available', to: 'Bound' },
  ]);
  assert.equal(fieldChanges(a, b).map(formatChange), ['-metadata.finalizers[0]', '+spec.claimRef.name=data', 'status.phase: Available→Bound']);
  assert.is(summariseChanges(fieldChanges(a, b), 2), '-metadata.finalizers[0], +spec.claimRef.name=data, +1 more');
});

test('diffClusters: only-a, only-b and differs, ignoring uids, resource versions and times', () => {
  const a = [pv('nas', 'Bound'), pv('old', 'Released')];
  const b = [pv('nas', 'Bound'), pv('new', 'Available')];
  assert.equal(diffClusters(a, a.map((o) => ({ ...o, metadata: { ...o.metadata, uid: 'other' } }))), []);
  const d = diffClusters([...a, pv('x', 'Bound')], [...b, pv('x', 'Released')]);
  assert.equal(d.map((e) => [e.ref.name, e.status]), [['new', 'only-b'], ['old', 'only-a'], ['x', 'differs']]);
  assert.equal(d[2]!.changes, [{ path: 'status.phase', from: 'Bound', to: 'Released' }]);
});

const json = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small' }, fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(tie('value'), { maxLength: 3 }), fc.dictionary(fc.stringMatching(/^[a-z]{1,3}$/), tie('value'), { maxKeys: 3 })),
})).value;

test('property: an object does not differ from itself, and a diff is empty exactly when the leaves agree', () => {
  fc.assert(fc.property(json, json, (a, b) => {
    assert.equal(fieldChanges(a, structuredClone(a)), []);
    const d = fieldChanges({ v: a }, { v: b });
    assert.is(d.length === 0, canonicalJson(a) === canonicalJson(b));
    // Every reported path really differs.
    for (const c of d) assert.ok(!('from' in c) || !('to' in c) || JSON.stringify(c.from) !== JSON.stringify(c.to));
  }), { numRuns: 300 });
});

test.run();
