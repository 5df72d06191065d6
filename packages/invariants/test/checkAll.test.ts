import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { AccessMode } from '@pvsim/domain';
import { checkAll, viewOf, type ViewObject } from '../src/index.ts';
import { attachment, backend, claimEvent, expectProblems, filesystem, pod, pv, pvc } from './support.ts';

const NAS = 'nas.csi.pvsim.dev';

const healthy: ViewObject[] = [
  pv('pv-a', { phase: 'Bound', claim: 'c', claimUid: 'uid-c', csi: { driver: NAS, handle: 'vol-a' } }),
  pvc('c', { phase: 'Bound', volumeName: 'pv-a' }),
  backend(NAS, 'vol-a', { publishedNodes: ['node-a'] }), filesystem(NAS, 'vol-a'),
  attachment('pv-a', 'node-a'),
  pod('p1', 'node-a', ['c']),
  pvc('waiting', { phase: 'Pending' }), claimEvent(pvc('waiting'), 'FailedBinding'),
];

test('checkAll: a healthy cluster passes both phases', () => {
  expectProblems(checkAll(viewOf(healthy), { phase: 'safety' }), [], 'safety');
  expectProblems(checkAll(viewOf(healthy), { phase: 'converged' }), [], 'converged');
});

test('checkAll: half-way through a bind is safe, not converged', () => {
  const objects = [pv('pv-a', { phase: 'Bound', claim: 'c', claimUid: 'uid-c' }), pvc('c', { phase: 'Pending' })];
  expectProblems(checkAll(viewOf(objects), { phase: 'safety' }), [], 'safety');
  expectProblems(checkAll(viewOf(objects), { phase: 'converged' }), [/PV pv-a is Bound to default\/c, which is Pending/, /PVC default\/c is Pending with no recorded reason/], 'converged');
});

test('checkAll: converged runs the leak check with its retained list', () => {
  const objects = [backend(NAS, 'vol-x'), filesystem(NAS, 'vol-x')];
  expectProblems(checkAll(viewOf(objects), { phase: 'converged' }), [/backend volume nas.csi.pvsim.dev.vol-x is leaked/], 'leak');
  expectProblems(checkAll(viewOf(objects), { phase: 'converged', retained: [`${NAS}.vol-x`] }), [], 'retained');
});

// Random small clusters built from the same pieces: the checks are pure functions of the set of
// objects, and what is unsafe is never converged.
const names = ['a', 'b', 'c'] as const;
const modes: AccessMode[][] = [['ReadWriteOnce'], ['ReadWriteMany'], ['ReadWriteOncePod']];
const objectArb: fc.Arbitrary<ViewObject> = fc.oneof(
  fc.record({ n: fc.constantFrom(...names), c: fc.option(fc.constantFrom(...names)), phase: fc.constantFrom('Available', 'Bound', 'Released'), uid: fc.boolean(), m: fc.constantFrom(...modes) })
    .map(({ n, c, phase, uid, m }) => pv(`pv-${n}`, { phase, modes: m, csi: { driver: NAS, handle: `vol-${n}` }, ...(c ? { claim: c, claimUid: uid ? `uid-${c}` : 'uid-old' } : {}) })),
  fc.record({ n: fc.constantFrom(...names), v: fc.option(fc.constantFrom(...names)), phase: fc.constantFrom('Pending', 'Bound', 'Lost'), m: fc.constantFrom(...modes) })
    .map(({ n, v, phase, m }) => pvc(n, { phase, modes: m, ...(v ? { volumeName: `pv-${v}` } : {}) })),
  fc.tuple(fc.constantFrom(...names), fc.constantFrom('node-a', 'node-b')).map(([n, node]) => attachment(`pv-${n}`, node)),
  fc.tuple(fc.constantFrom(...names), fc.constantFrom('node-a', 'node-b'), fc.constantFrom(...names)).map(([p, node, c]) => pod(`pod-${p}-${node}`, node, [c])),
  fc.constantFrom(...names).map((n) => backend(NAS, `vol-${n}`)),
  fc.constantFrom(...names).map((n) => claimEvent(pvc(n), 'FailedBinding')),
);

test('checkAll: the answer does not depend on the order of the objects; safety problems are converged problems', () => {
  fc.assert(fc.property(fc.uniqueArray(objectArb, { maxLength: 10, selector: (o) => `${o.kind}/${o.metadata.name}` }), fc.infiniteStream(fc.nat()), (objects, draws) => {
    const shuffled = objects.map((o) => [draws.next().value as number, o] as const).sort((x, y) => x[0] - y[0]).map(([, o]) => o);
    for (const phase of ['safety', 'converged'] as const) {
      assert.equal(checkAll(viewOf(shuffled), { phase }).sort(), checkAll(viewOf(objects), { phase }).sort(), phase);
    }
    const converged = checkAll(viewOf(objects), { phase: 'converged' });
    for (const p of checkAll(viewOf(objects), { phase: 'safety' })) assert.ok(converged.includes(p), p);
  }), { numRuns: 300 });
});

test.run();
