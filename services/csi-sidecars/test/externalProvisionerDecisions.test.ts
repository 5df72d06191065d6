/**
 * Design: the external-provisioner's decisions as tables, one row per branch: given the objects
 * and the key's record, what the sidecar does next. No store, driver or queue: the wiring is
 * checked by externalProvisionerState.test.ts and the whole-cluster tests in services/world.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ANN_DYNAMICALLY_PROVISIONED, ANN_MIGRATED_TO, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, CsiError, FINALIZER_PV_EXTERNAL_DELETION,
  type Node, type PersistentVolume, type PersistentVolumeClaim, type StorageClass,
} from '@pvsim/domain';
import {
  backoffMs, checkProvisioningError, claimOperationStart, claimSyncStart, claimWatchAction, createdCapacity, deleteVolumeStart,
  finalizersToWrite, isProvisionerForVolume, needsProvisioning, provisionFailure, retryOrGiveUp, shouldDelete, shouldProvision,
  volumeSyncStart, volumeWatchAction,
  type ClaimOp, type VolumeOp,
} from '../src/externalProvisionerDecisions.ts';

const DRIVER = 'disk.csi.pvsim.dev';
const POLICY = { baseMs: 1_000, maxMs: 300_000, threshold: 3 };

function claim(o: { uid?: string; annotations?: Record<string, string>; volumeName?: string; deleting?: boolean; className?: string } = {}): PersistentVolumeClaim {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: {
      name: 'data', namespace: 'default', uid: o.uid ?? 'u1',
      annotations: o.annotations ?? { [ANN_STORAGE_PROVISIONER]: DRIVER },
      ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: o.className ?? 'fast', ...(o.volumeName ? { volumeName: o.volumeName } : {}) },
  } as PersistentVolumeClaim;
}

function cls(o: { provisioner?: string; wffc?: boolean } = {}): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: o.provisioner ?? DRIVER,
    ...(o.wffc ? { volumeBindingMode: 'WaitForFirstConsumer' } : {}),
  } as StorageClass;
}

function pv(o: { phase?: string; policy?: string; finalizers?: string[]; deleting?: boolean; annotations?: Record<string, string>; csiDriver?: string; handle?: string; uid?: string } = {}): PersistentVolume {
  return {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: {
      name: 'pvc-u1', uid: o.uid ?? 'v1', annotations: o.annotations ?? { [ANN_DYNAMICALLY_PROVISIONED]: DRIVER },
      ...(o.finalizers ? { finalizers: o.finalizers } : {}), ...(o.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}),
    },
    spec: {
      capacity: { storage: '1Gi' }, persistentVolumeReclaimPolicy: o.policy ?? 'Delete',
      ...(o.csiDriver !== undefined || o.handle !== undefined ? { csi: { driver: o.csiDriver ?? DRIVER, ...(o.handle ? { volumeHandle: o.handle } : {}) } } : {}),
    },
    status: { phase: o.phase ?? 'Bound' },
  } as unknown as PersistentVolume;
}

const op = (phase: ClaimOp['phase'], extra: Partial<ClaimOp> = {}): ClaimOp => ({ uid: 'u1', phase, failures: 0, ...extra });
const vop = (phase: VolumeOp['phase'], extra: Partial<VolumeOp> = {}): VolumeOp => ({ uid: 'v1', phase, failures: 0, ...extra });

test('checkError: whether CreateVolume may still run, and whether to reschedule', () => {
  const rows: [name: string, err: unknown, mayReschedule: boolean, want: string][] = [
    ['not a gRPC status', new Error('connection reset'), false, 'inBackground'],
    ['RESOURCE_EXHAUSTED with a selected node', new CsiError('RESOURCE_EXHAUSTED', 'full'), true, 'reschedule'],
    ['RESOURCE_EXHAUSTED without', new CsiError('RESOURCE_EXHAUSTED', 'full'), false, 'finished'],
    ['DEADLINE_EXCEEDED', new CsiError('DEADLINE_EXCEEDED', 'slow'), true, 'inBackground'],
    ['UNAVAILABLE', new CsiError('UNAVAILABLE', 'down'), false, 'inBackground'],
    ['INVALID_ARGUMENT', new CsiError('INVALID_ARGUMENT', 'bad'), true, 'finished'],
  ];
  for (const [name, err, may, want] of rows) assert.is(checkProvisioningError(err, may), want, name);
});

test('retry: exponential backoff capped at the maximum, the slow set waits the longest, give up past the threshold', () => {
  const rows: [name: string, failures: number, slow: boolean, want: ReturnType<typeof retryOrGiveUp>][] = [
    ['first failure', 1, false, { giveUp: false, retryAfterMs: 1_000 }],
    ['third failure', 3, false, { giveUp: false, retryAfterMs: 4_000 }],
    ['slow (infeasible) request', 1, true, { giveUp: false, retryAfterMs: 300_000 }],
    ['failures - 1 reaches the threshold', 4, false, { giveUp: true }],
  ];
  for (const [name, failures, slow, want] of rows) assert.equal(retryOrGiveUp(failures, slow, POLICY), want, name);
  assert.is(backoffMs(20, POLICY), 300_000, 'capped');
  assert.is(backoffMs(60, POLICY), 300_000, 'no overflow');
  assert.equal(retryOrGiveUp(1_000, false, { ...POLICY, threshold: 0 }), { giveUp: false, retryAfterMs: 300_000 }, 'threshold 0: never give up');
});

test('claim watch: queue, re-arm one given up on, forget a deleted one, or leave it to its delayed item', () => {
  const rows: [name: string, op: ClaimOp | undefined, claim: PersistentVolumeClaim | undefined, want: string][] = [
    ['new claim for us', undefined, claim(), 'queue'],
    ['claim for another driver', undefined, claim({ annotations: { [ANN_STORAGE_PROVISIONER]: 'nas' } }), 'none'],
    ['bound claim, no record', undefined, claim({ volumeName: 'pv1' }), 'none'],
    ['CreateVolume in flight', op('calling'), claim(), 'none'],
    ['retry waiting', op('backoff'), claim(), 'none'],
    ['given up: tried once more on a change', op('gaveUp'), claim(), 'rearm'],
    ['deleted, idle record', op('idle'), undefined, 'forget'],
    ['deleted while CreateVolume may run in the background', op('idle', { inBackground: claim() }), undefined, 'none'],
    ['deleted while calling', op('calling'), undefined, 'none'],
  ];
  for (const [name, o, c, want] of rows) assert.is(claimWatchAction(o, c, DRIVER), want, name);
});

test('claim sync start: forget, given up, go on with the stored claim or the background copy', () => {
  const copy = claim({ uid: 'u1' });
  const rows: [name: string, op: ClaimOp | undefined, stored: PersistentVolumeClaim | undefined, want: unknown][] = [
    ['no record, claim exists', undefined, claim(), { kind: 'sync', claim: claim(), freshOp: true }],
    ['claim gone, no background', op('idle'), undefined, { kind: 'forget' }],
    ['claim gone, CreateVolume in the background: the copy', op('idle', { inBackground: copy }), undefined, { kind: 'sync', claim: copy, freshOp: false }],
    ['claim re-created, background copy of the old one', op('idle', { inBackground: copy }), claim({ uid: 'u2' }), { kind: 'sync', claim: copy, freshOp: false }],
    ['given up, same claim', op('gaveUp'), claim(), { kind: 'gaveUp' }],
    ['given up on an older claim of that name', op('gaveUp'), claim({ uid: 'u2' }), { kind: 'sync', claim: claim({ uid: 'u2' }), freshOp: true }],
  ];
  for (const [name, o, stored, want] of rows) assert.equal(claimSyncStart(o, stored), want, name);
});

test('shouldProvision and needsProvisioning', () => {
  const node = { [ANN_STORAGE_PROVISIONER]: DRIVER, [ANN_SELECTED_NODE]: 'n1' };
  const rows: [name: string, c: PersistentVolumeClaim, sc: StorageClass | undefined, inBackground: boolean, want: unknown][] = [
    ['immediate class', claim(), cls(), false, true],
    ['bound', claim({ volumeName: 'pv1' }), cls(), false, false],
    ['not ours', claim({ annotations: {} }), cls(), false, false],
    ['being deleted', claim({ deleting: true }), cls(), false, false],
    ['being deleted, CreateVolume in the background', claim({ deleting: true }), cls(), true, true],
    ['no class: an error, retried', claim(), undefined, false, { error: 'storageClass "fast" not found' }],
    ['WaitForFirstConsumer without a node', claim(), cls({ wffc: true }), false, false],
    ['WaitForFirstConsumer with a node', claim({ annotations: node }), cls({ wffc: true }), false, true],
  ];
  for (const [name, c, sc, bg, want] of rows) assert.equal(shouldProvision(c, DRIVER, sc, bg), want, name);
  assert.is(needsProvisioning(claim(), DRIVER, false, cls()), true);
  assert.is(needsProvisioning(claim(), DRIVER, true, cls()), false, 'its PV exists');
  assert.is(needsProvisioning(claim(), DRIVER, false, cls({ wffc: true })), false, 'waits for a node');
});

test('claim operation start: done, fail (no class: finished; no node: reschedule), not ours, provision', () => {
  const n1 = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } } as Node;
  const getNode = (name: string) => (name === 'n1' ? n1 : undefined);
  const withNode = (n: string) => claim({ annotations: { [ANN_STORAGE_PROVISIONER]: DRIVER, [ANN_SELECTED_NODE]: n } });
  const rows: [name: string, c: PersistentVolumeClaim, pvExists: boolean, sc: StorageClass | undefined, want: unknown][] = [
    ['PV exists', claim(), true, cls(), { kind: 'done' }],
    ['class gone', claim(), false, undefined, { kind: 'fail', failure: { state: 'finished', message: 'storageClass "fast" not found', event: false } }],
    ['class changed its provisioner', claim(), false, cls({ provisioner: 'other' }), { kind: 'done' }],
    ['immediate', claim(), false, cls(), { kind: 'provision', cls: cls() }],
    ['selected node exists', withNode('n1'), false, cls(), { kind: 'provision', cls: cls(), selectedNode: n1 }],
    ['selected node gone', withNode('n9'), false, cls(), { kind: 'fail', failure: { state: 'reschedule', message: 'nodes "n9" not found', event: true } }],
  ];
  for (const [name, c, exists, sc, want] of rows) assert.equal(claimOperationStart(c, DRIVER, exists, sc, getNode), want, name);
});

test('created capacity: the driver\'s, the request\'s when unknown, or too small', () => {
  assert.equal(createdCapacity(100n, '200'), { capacityBytes: 200n });
  assert.equal(createdCapacity(100n, '0'), { capacityBytes: 100n }, 'unknown (0): the request');
  assert.equal(createdCapacity(100n, undefined), { capacityBytes: 100n });
  assert.equal(createdCapacity(100n, '50'), { tooSmall: 50n });
});

test('provision failure: what the record keeps, and retry or give up', () => {
  const c = claim();
  const rows: [name: string, before: Pick<ClaimOp, 'failures' | 'inBackground'>, state: 'finished' | 'inBackground' | 'noChange', slow: boolean, want: unknown][] = [
    ['in the background: keep a copy', { failures: 0 }, 'inBackground', false, { failures: 1, inBackground: c, giveUp: false, retryAfterMs: 1_000 }],
    ['finished: drop the copy', { failures: 1, inBackground: c }, 'finished', false, { failures: 2, inBackground: undefined, giveUp: false, retryAfterMs: 2_000 }],
    ['no change: keep the copy', { failures: 1, inBackground: c }, 'noChange', false, { failures: 2, inBackground: c, giveUp: false, retryAfterMs: 2_000 }],
    ['slow (INVALID_ARGUMENT)', { failures: 0 }, 'finished', true, { failures: 1, inBackground: undefined, giveUp: false, retryAfterMs: 300_000 }],
    ['past the threshold: give up and forget the copy', { failures: 3, inBackground: c }, 'inBackground', false, { failures: 4, inBackground: undefined, giveUp: true }],
  ];
  for (const [name, before, state, slow, want] of rows) assert.equal(provisionFailure(before, c, state, slow, POLICY), want, name);
});

test('volumes: ours, its finalizer, whether to delete', () => {
  const owned: [name: string, v: PersistentVolume, want: boolean][] = [
    ['provisioned by us', pv(), true],
    ['provisioned by another', pv({ annotations: { [ANN_DYNAMICALLY_PROVISIONED]: 'nas' } }), false],
    ['migrated to us', pv({ annotations: { [ANN_DYNAMICALLY_PROVISIONED]: 'kubernetes.io/gce-pd', [ANN_MIGRATED_TO]: DRIVER } }), true],
    ['static CSI PV of our driver', pv({ annotations: {}, csiDriver: DRIVER }), true],
    ['static CSI PV of another', pv({ annotations: {}, csiDriver: 'nas' }), false],
  ];
  for (const [name, v, want] of owned) assert.is(isProvisionerForVolume(v, DRIVER), want, name);
  const fin: [name: string, v: PersistentVolume, want: string[] | undefined][] = [
    ['Bound Delete PV without it: add', pv({ finalizers: ['kubernetes.io/pv-protection'] }), ['kubernetes.io/pv-protection', FINALIZER_PV_EXTERNAL_DELETION]],
    ['already there', pv({ finalizers: [FINALIZER_PV_EXTERNAL_DELETION] }), undefined],
    ['Retain PV with it: remove', pv({ policy: 'Retain', finalizers: [FINALIZER_PV_EXTERNAL_DELETION] }), []],
    ['being deleted: leave', pv({ deleting: true }), undefined],
  ];
  for (const [name, v, want] of fin) assert.equal(finalizersToWrite(v), want, name);
  const del: [name: string, v: PersistentVolume, want: boolean][] = [
    ['Released Delete', pv({ phase: 'Released', finalizers: [FINALIZER_PV_EXTERNAL_DELETION] }), true],
    ['Released Retain', pv({ phase: 'Released', policy: 'Retain' }), false],
    ['Bound', pv(), false],
    ['finalizer gone while deleting: deleted already', pv({ phase: 'Released', deleting: true }), false],
  ];
  for (const [name, v, want] of del) assert.is(shouldDelete(v), want, name);
});

test('volume watch and sync start', () => {
  const released = pv({ phase: 'Released', finalizers: [FINALIZER_PV_EXTERNAL_DELETION] });
  const rows: [name: string, op: VolumeOp | undefined, v: PersistentVolume | undefined, want: string][] = [
    ['released, ours', undefined, released, 'queue'],
    ['bound with its finalizer: nothing to do', undefined, pv({ finalizers: [FINALIZER_PV_EXTERNAL_DELETION] }), 'none'],
    ['not ours', undefined, pv({ annotations: { [ANN_DYNAMICALLY_PROVISIONED]: 'nas' } }), 'none'],
    ['DeleteVolume in flight', vop('calling'), released, 'none'],
    ['given up', vop('gaveUp'), released, 'rearm'],
    ['deleted, idle record', vop('idle'), undefined, 'forget'],
    ['deleted while a retry waits', vop('backoff'), undefined, 'none'],
  ];
  for (const [name, o, v, want] of rows) assert.is(volumeWatchAction(o, v, DRIVER), want, name);
  assert.equal(volumeSyncStart(vop('idle'), undefined), { kind: 'forget' });
  assert.equal(volumeSyncStart(vop('gaveUp'), released), { kind: 'gaveUp' });
  assert.equal(volumeSyncStart(vop('gaveUp'), pv({ uid: 'v2' })), { kind: 'sync', freshOp: true });
  assert.equal(volumeSyncStart(undefined, released), { kind: 'sync', freshOp: true });
});

test('delete start: the volume id, or why not', () => {
  const v = pv({ phase: 'Released', handle: 'vol-1' });
  assert.equal(deleteVolumeStart(v, false, []), { volumeId: 'vol-1' });
  assert.equal(deleteVolumeStart(pv({ phase: 'Released' }), false, []), { failure: 'invalid CSI PV' });
  assert.equal(deleteVolumeStart(v, true, [{ source: { persistentVolumeName: 'other' }, nodeName: 'n1' }]), { volumeId: 'vol-1' });
  assert.equal(deleteVolumeStart(v, true, [{ source: { persistentVolumeName: 'pvc-u1' }, nodeName: 'n1' }]), { failure: 'persistentvolume pvc-u1 is still attached to node n1' });
  assert.equal(deleteVolumeStart(v, false, [{ source: { persistentVolumeName: 'pvc-u1' }, nodeName: 'n1' }]), { volumeId: 'vol-1' }, 'a driver without attach has no VolumeAttachments to wait for');
});

test.run();
