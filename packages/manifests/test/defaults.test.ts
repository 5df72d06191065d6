import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyDefaults, prepareForCreate } from '../src/index.ts';

type Obj = Record<string, unknown>;

const rows: Array<{ name: string; input: Obj; expected: Obj }> = [
  {
    name: 'PV: reclaim policy Retain, volumeMode Filesystem, phase Pending',
    input: { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'nas' }, spec: { capacity: { storage: '5Gi' }, nfs: { server: 's', path: '/p' } } },
    expected: { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'nas' }, spec: { capacity: { storage: '5Gi' }, nfs: { server: 's', path: '/p' }, persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' }, status: { phase: 'Pending' } },
  },
  {
    name: 'PV: explicit values are kept',
    input: { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'nas' }, spec: { persistentVolumeReclaimPolicy: 'Delete', volumeMode: 'Block' }, status: { phase: 'Available' } },
    expected: { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'nas' }, spec: { persistentVolumeReclaimPolicy: 'Delete', volumeMode: 'Block' }, status: { phase: 'Available' } },
  },
  {
    name: 'PV: hostPath type defaults to "", quantities are canonical, namespace is dropped',
    input: { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'nas', namespace: 'default' }, spec: { capacity: { storage: '5120Mi' }, hostPath: { path: '/d' } } },
    expected: { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'nas' }, spec: { capacity: { storage: '5Gi' }, hostPath: { path: '/d', type: '' }, persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' }, status: { phase: 'Pending' } },
  },
  {
    name: 'PV: an invalid quantity is left for validation',
    input: { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'nas' }, spec: { capacity: { storage: '5Gb' } } },
    expected: { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'nas' }, spec: { capacity: { storage: '5Gb' }, persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' }, status: { phase: 'Pending' } },
  },
  {
    name: 'PVC: phase Pending, volumeMode Filesystem, no storage class invented, quantities canonical',
    input: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { resources: { requests: { storage: '1024Mi' }, limits: { storage: 1073741824 } } } },
    expected: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { resources: { requests: { storage: '1Gi' }, limits: { storage: '1073741824' } }, volumeMode: 'Filesystem' }, status: { phase: 'Pending' } },
  },
  {
    name: 'StorageClass: reclaimPolicy Delete, volumeBindingMode Immediate',
    input: { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'x' },
    expected: { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'x', reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' },
  },
  {
    name: 'StorageClass: explicit values are kept',
    input: { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'x', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' },
    expected: { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'x', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' },
  },
  {
    name: 'other kinds are copied unchanged',
    input: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: {} },
    expected: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: {} },
  },
];

for (const row of rows) {
  test(`applyDefaults: ${row.name}`, () => {
    const before = structuredClone(row.input);
    const out = applyDefaults(row.input);
    assert.equal(out, row.expected);
    assert.equal(row.input, before, 'input must not be mutated');
    assert.is.not(out, row.input);
  });
}

test('applyDefaults is idempotent', () => {
  const once = applyDefaults(rows[0]!.input);
  assert.equal(applyDefaults(once), once);
});

const bound = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pvc-1' }, spec: {}, status: { phase: 'Bound', message: 'x' } };

test('prepareForCreate: a PV starts Pending whatever status the client sent', () => {
  assert.equal(prepareForCreate(bound), { ...bound, status: { phase: 'Pending' } });
  assert.equal(bound.status, { phase: 'Bound', message: 'x' }, 'input must not be mutated');
});

test('prepareForCreate: lastPhaseTransitionTime is set when a time is given', () => {
  assert.equal(prepareForCreate(bound, '2026-01-01T00:00:00Z').status, { phase: 'Pending', lastPhaseTransitionTime: '2026-01-01T00:00:00Z' });
});

test('prepareForCreate: a PVC starts Pending too; a StorageClass is unchanged', () => {
  const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: {}, status: { phase: 'Bound', capacity: { storage: '1Gi' } } };
  assert.equal(prepareForCreate(claim).status, { phase: 'Pending' });
  const cls = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'f' }, provisioner: 'x' };
  assert.equal(prepareForCreate(cls), cls);
});

test.run();
