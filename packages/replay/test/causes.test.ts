import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LogRecord } from '@pvsim/domain';
import { annotate, objectHistory } from '../src/index.ts';

const T = '2026-01-01T00:00:00.000Z';
let pos = 0;
const rec = (stream: string, type: string, data: unknown, extra: Partial<LogRecord> = {}): LogRecord => ({ pos: ++pos, time: T, stream, type, data, sum: '0000000000000000', ...extra });
const claim = (phase: string, volumeName?: string) => ({ kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { ...(volumeName ? { volumeName } : {}) }, status: { phase } });

// A user's apply creates a claim; the pv-controller's sync binds it; the next command deletes it.
pos = 0;
const log: LogRecord[] = [
  rec('cluster', 'ApplyRequested', { seed: 1 }),                                                    // 1
  rec('pvc/default/data', 'PersistentVolumeClaimCreated', claim('Pending')),                        // 2
  rec('scheduler', 'WorkDelivered', { queue: 'claims', key: 'default/data' }, { component: 'pv-controller' }), // 3
  rec('pvc/default/data', 'PersistentVolumeClaimUpdated', claim('Pending', 'nas'), { component: 'pv-controller' }), // 4
  rec('pvc/default/data', 'PersistentVolumeClaimUpdated', claim('Bound', 'nas'), { component: 'pv-controller' }),   // 5
  rec('event/default/data.1', 'EventRecorded', { reason: 'Bound', source: { component: 'persistentvolume-controller' } }, { component: 'pv-controller' }), // 6
  rec('scheduler', 'WorkDelivered', { queue: 'pvc-protection', key: 'default/data' }, { component: 'pvc-protection', end: true }), // 7
  rec('cluster', 'DeleteRequested', { seed: 1 }),                                                   // 8
  rec('pvc/default/data', 'PersistentVolumeClaimDeleted', { kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' } }, { end: true }), // 9
];

test('annotate: inputs are kubectl, a delivery is caused by the fact that queued it, facts by the choice before them', () => {
  const a = annotate(log);
  assert.is(a[0]!.component, 'kubectl');
  assert.is(a[0]!.cause, undefined);
  assert.is(a[1]!.component, 'kubectl');
  assert.is(a[1]!.cause?.pos, 1);
  assert.is(a[2]!.component, 'pv-controller');
  assert.equal(a[2]!.cause, { pos: 2, type: 'PersistentVolumeClaimCreated', what: 'pvc/default/data created' });
  assert.is(a[3]!.cause?.pos, 3);
  assert.is(a[4]!.component, 'pv-controller');
  assert.is(a[5]!.component, 'pv-controller');
  assert.is(a[5]!.cause?.pos, 3);
  // The protection controller's item was queued by the last change of the claim.
  assert.is(a[6]!.cause?.pos, 5);
  // A new batch: the deletion is the user's, caused by the input, not by the earlier delivery.
  assert.is(a[8]!.component, 'kubectl');
  assert.is(a[8]!.cause?.pos, 8);
});

test('objectHistory: one entry per change, with phase, field diff, component, cause and trigger', () => {
  const h = objectHistory(annotate(log), 'pvc/default/data');
  assert.equal(h.map((e) => [e.pos, e.change, e.phase ?? null, e.component]), [
    [2, 'Created', 'Pending', 'kubectl'], [4, 'Updated', 'Pending', 'pv-controller'], [5, 'Updated', 'Bound', 'pv-controller'], [9, 'Deleted', null, 'kubectl'],
  ]);
  assert.equal(h[1]!.changes, [{ path: 'spec.volumeName', to: 'nas' }]);
  assert.equal(h[2]!.changes, [{ path: 'status.phase', from: 'Pending', to: 'Bound' }]);
  assert.is(h[2]!.cause?.what, 'work claims default/data');
  assert.is(h[2]!.trigger?.what, 'pvc/default/data created');
  assert.is(h[2]!.trigger?.pos, 2);
  assert.is(h[3]!.cause?.what, 'input DeleteRequested');
  assert.is(objectHistory(annotate(log), 'pvc/default/other').length, 0);
});

test.run();
