import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  compareQuantities, isFinalResizeError, markControllerResizeFailed, markControllerResizeInProgress, markNodeResizeFailed, markNodeResizePending,
  markResizeFinished, needsNodeResize, parseQuantity, planControllerResize, statusCapacity,
  type PersistentVolume, type PersistentVolumeClaim, type ResizerPlan,
} from '../src/index.ts';

const NOW = '2026-01-01T00:00:00Z';

function claim(request: string, capacity: string, extra: Record<string, unknown> = {}, phase = 'Bound'): PersistentVolumeClaim {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: { name: 'data', namespace: 'default', uid: 'u1' },
    spec: { resources: { requests: { storage: request } }, volumeName: 'pv-1', storageClassName: 'fast' },
    status: { phase, capacity: { storage: capacity }, ...extra },
  };
}

function volume(capacity: string): PersistentVolume {
  return {
    apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pv-1' },
    spec: { capacity: { storage: capacity }, csi: { driver: 'd', volumeHandle: 'h' }, claimRef: { namespace: 'default', name: 'data', uid: 'u1' } },
  };
}

const resizing = (status: string, allocated: string) => ({ allocatedResources: { storage: allocated }, allocatedResourceStatuses: { storage: status } });

// external-resizer expand_and_recover.go, one row per case it distinguishes.
const E = (size: string, sameAsAllocated = false): ResizerPlan => ({ kind: 'expand', size, sameAsAllocated });
const rows: { name: string; pvc: PersistentVolumeClaim; pv: PersistentVolume; lastErrorFinal?: boolean; want: ResizerPlan }[] = [
  { name: 'request equals capacity: nothing', pvc: claim('10Gi', '10Gi'), pv: volume('10Gi'), want: { kind: 'none' } },
  { name: 'request grew: expand to it', pvc: claim('20Gi', '10Gi'), pv: volume('10Gi'), want: E('20Gi') },
  { name: 'not Bound: nothing', pvc: claim('20Gi', '10Gi', {}, 'Pending'), pv: volume('10Gi'), want: { kind: 'none' } },
  { name: 'PV bound to another claim: nothing', pvc: claim('20Gi', '10Gi'), pv: { ...volume('10Gi'), spec: { ...volume('10Gi').spec, claimRef: { namespace: 'default', name: 'data', uid: 'other' } } }, want: { kind: 'none' } },
  { name: 'PV already as large, no status: the call is repeated to record it', pvc: claim('20Gi', '10Gi'), pv: volume('20Gi'), want: E('20Gi') },
  { name: 'in progress after an uncertain error: the allocated size, not the request', pvc: claim('15Gi', '10Gi', resizing('ControllerResizeInProgress', '20Gi')), pv: volume('10Gi'), want: E('20Gi', true) },
  { name: 'in progress after a final error: the request', pvc: claim('15Gi', '10Gi', resizing('ControllerResizeInProgress', '20Gi')), pv: volume('10Gi'), lastErrorFinal: true, want: E('15Gi') },
  { name: 'node step pending, PV large enough: the kubelet\'s turn', pvc: claim('20Gi', '10Gi', resizing('NodeResizePending', '20Gi')), pv: volume('20Gi'), want: { kind: 'none' } },
  { name: 'node step pending, request grew again: waits for the node step first', pvc: claim('25Gi', '10Gi', resizing('NodeResizePending', '20Gi')), pv: volume('20Gi'), want: { kind: 'none' } },
  { name: 'infeasible, request unchanged: the same size again (slow set decides when)', pvc: claim('100Gi', '10Gi', resizing('ControllerResizeInfeasible', '100Gi')), pv: volume('10Gi'), want: E('100Gi', true) },
  { name: 'infeasible, request lowered: the new size (recovery)', pvc: claim('30Gi', '10Gi', resizing('ControllerResizeInfeasible', '100Gi')), pv: volume('10Gi'), want: E('30Gi') },
];

for (const r of rows) {
  test(`planControllerResize: ${r.name}`, () => {
    assert.equal(planControllerResize(r.pvc, r.pv, r.lastErrorFinal), r.want);
  });
}

test('the status walk of an online expansion: in progress, node pending, finished', () => {
  let pvc = markControllerResizeInProgress(claim('20Gi', '10Gi'), '20Gi', NOW);
  assert.equal(pvc.status?.['allocatedResources'], { storage: '20Gi' });
  assert.equal(pvc.status?.['allocatedResourceStatuses'], { storage: 'ControllerResizeInProgress' });
  assert.equal(pvc.status?.conditions, [{ type: 'Resizing', status: 'True', lastProbeTime: null, lastTransitionTime: NOW }]);
  pvc = markNodeResizePending(pvc, '2026-01-01T00:00:01Z');
  assert.ok(needsNodeResize(pvc));
  assert.is((pvc.status?.conditions as { type: string }[]).map((c) => c.type).join(), 'FileSystemResizePending');
  assert.is(pvc.status?.capacity?.['storage'], '10Gi');
  pvc = markResizeFinished(pvc, '20Gi', NOW);
  assert.is(pvc.status?.capacity?.['storage'], '20Gi');
  assert.is(pvc.status?.conditions, undefined);
  assert.is(pvc.status?.['allocatedResourceStatuses'], undefined);
  assert.not.ok(needsNodeResize(pvc));
});

test('a failed controller call: final -> infeasible with ControllerResizeError; transient stays in progress', () => {
  const base = markControllerResizeInProgress(claim('20Gi', '10Gi'), '20Gi', NOW);
  const final = markControllerResizeFailed(base, true, 'boom', NOW);
  assert.equal(final.status?.['allocatedResourceStatuses'], { storage: 'ControllerResizeInfeasible' });
  assert.equal((final.status?.conditions as { type: string }[]).map((c) => c.type), ['ControllerResizeError']);
  const transient = markControllerResizeFailed(base, false, 'later', NOW);
  assert.equal(transient.status?.['allocatedResourceStatuses'], { storage: 'ControllerResizeInProgress' });
  assert.equal((transient.status?.conditions as { type: string }[]).map((c) => c.type), ['Resizing', 'ControllerResizeError']);
  const node = markNodeResizeFailed(markNodeResizePending(base, NOW), 'no', NOW);
  assert.equal((node.status?.conditions as { type: string }[]).map((c) => c.type), ['FileSystemResizePending', 'NodeResizeError']);
  assert.ok(needsNodeResize(node));
});

test('conditions keep their transition time while their status stays', () => {
  const a = markNodeResizePending(claim('20Gi', '10Gi'), '2026-01-01T00:00:01Z');
  const b = markNodeResizeFailed(a, 'x', '2026-01-01T00:05:00Z');
  const pending = (b.status?.conditions as { type: string; lastTransitionTime: string }[]).find((c) => c.type === 'FileSystemResizePending')!;
  assert.is(pending.lastTransitionTime, '2026-01-01T00:00:01Z');
});

test('isFinalResizeError: transient codes are retried, the rest are final', () => {
  for (const c of ['UNAVAILABLE', 'DEADLINE_EXCEEDED', 'RESOURCE_EXHAUSTED', 'ABORTED', 'CANCELED']) assert.not.ok(isFinalResizeError(c), c);
  for (const c of ['OUT_OF_RANGE', 'INVALID_ARGUMENT', 'NOT_FOUND', 'INTERNAL', undefined]) assert.ok(isFinalResizeError(c), String(c));
});

test('property: no sequence of resize status updates lowers status.capacity below a finished size', () => {
  const gi = fc.integer({ min: 1, max: 64 }).map((n) => `${n}Gi`);
  const op = fc.oneof(
    gi.map((s) => ({ op: 'progress' as const, s })), fc.boolean().map((f) => ({ op: 'fail' as const, f })),
    fc.constant({ op: 'pending' as const }), fc.constant({ op: 'nodeFail' as const }), gi.map((s) => ({ op: 'finish' as const, s })),
  );
  fc.assert(fc.property(fc.array(op, { maxLength: 20 }), (ops) => {
    let pvc = claim('64Gi', '1Gi');
    for (const o of ops) {
      const before = statusCapacity(pvc)!;
      if (o.op === 'progress') pvc = markControllerResizeInProgress(pvc, o.s, NOW);
      else if (o.op === 'fail') pvc = markControllerResizeFailed(pvc, o.f, 'x', NOW);
      else if (o.op === 'pending') pvc = markNodeResizePending(pvc, NOW);
      else if (o.op === 'nodeFail') pvc = markNodeResizeFailed(pvc, 'x', NOW);
      // Only a finish writes capacity, and the components finish with a size at least the old one.
      else if (compareQuantities(parseQuantity(o.s), before) >= 0) pvc = markResizeFinished(pvc, o.s, NOW);
      if (compareQuantities(statusCapacity(pvc)!, before) < 0) return false;
      if (pvc.status?.phase !== 'Bound' || pvc.spec.resources?.requests?.['storage'] !== '64Gi') return false;
    }
    return true;
  }), { numRuns: 200 });
});

test.run();
