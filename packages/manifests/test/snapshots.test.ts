/**
 * The snapshot.storage.k8s.io/v1 kinds: kubectl's columns (the CRDs' additionalPrinterColumns)
 * and the CRD schema's refusals.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { printTable, resolveResource, validationErrors } from '../src/index.ts';

const NOW = '2026-01-01T00:10:00Z';
const T0 = '2026-01-01T00:05:00Z';

const vsclass = { apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', metadata: { name: 'csi-snap', creationTimestamp: T0 }, driver: 'disk.csi.pvsim.dev', deletionPolicy: 'Delete' };
const vs = {
  apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name: 'db-snap', namespace: 'default', creationTimestamp: T0 },
  spec: { source: { persistentVolumeClaimName: 'db-data' }, volumeSnapshotClassName: 'csi-snap' },
  status: { boundVolumeSnapshotContentName: 'snapcontent-1', creationTime: '2026-01-01T00:06:00Z', readyToUse: true, restoreSize: '10Gi' },
};
const pending = { ...vs, metadata: { ...vs.metadata, name: 'new' }, status: undefined };
const vsc = {
  apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotContent', metadata: { name: 'snapcontent-1', creationTimestamp: T0 },
  spec: { volumeSnapshotRef: { name: 'db-snap', namespace: 'default' }, source: { volumeHandle: 'vol-1' }, driver: 'disk.csi.pvsim.dev', deletionPolicy: 'Delete', volumeSnapshotClassName: 'csi-snap' },
  status: { snapshotHandle: 'snap-1', readyToUse: true, restoreSize: 10737418240, creationTime: 1767225960000000000 },
};

test('get volumesnapshotclass / volumesnapshot / volumesnapshotcontent: the CRD columns, blanks for missing values', () => {
  assert.is(printTable('volumesnapshotclass', [vsclass as never], { now: NOW }), [
    'NAME       DRIVER               DELETIONPOLICY   AGE',
    'csi-snap   disk.csi.pvsim.dev   Delete           5m',
  ].join('\n') + '\n');
  assert.is(printTable('volumesnapshot', [vs as never, pending as never], { now: NOW, namespace: 'default' }), [
    'NAME      READYTOUSE   SOURCEPVC   SOURCESNAPSHOTCONTENT   RESTORESIZE   SNAPSHOTCLASS   SNAPSHOTCONTENT   CREATIONTIME   AGE',
    'db-snap   true         db-data                             10Gi          csi-snap        snapcontent-1     4m             5m',
    'new                    db-data                                           csi-snap                                         5m',
  ].join('\n') + '\n');
  assert.is(printTable('volumesnapshotcontent', [vsc as never], { now: NOW }), [
    'NAME            READYTOUSE   RESTORESIZE   DELETIONPOLICY   DRIVER               VOLUMESNAPSHOTCLASS   VOLUMESNAPSHOT   VOLUMESNAPSHOTNAMESPACE   AGE',
    'snapcontent-1   true         10737418240   Delete           disk.csi.pvsim.dev   csi-snap              db-snap          default                   5m',
  ].join('\n') + '\n');
});

test('short names: vs, vsc, vsclass', () => {
  assert.is(resolveResource('vs').kind, 'VolumeSnapshot');
  assert.is(resolveResource('vsc').kind, 'VolumeSnapshotContent');
  assert.is(resolveResource('vsclass').kind, 'VolumeSnapshotClass');
  assert.is(resolveResource('volumesnapshots.snapshot.storage.k8s.io').kind, 'VolumeSnapshot');
});

const messages = (o: object, old?: object) => validationErrors(o, old ? 'update' : 'create', old).map((e) => `${e.field}: ${e.detail}`);

test('validation: the CRD schema\'s required fields, enum and exactly-one-source rules', () => {
  assert.equal(messages(vsclass), []);
  assert.equal(messages({ ...vsclass, driver: undefined, deletionPolicy: 'Keep' }), ['driver: ', 'deletionPolicy: supported values: "Delete", "Retain"']);
  assert.equal(messages(vs), []);
  assert.equal(messages({ ...vs, spec: { source: {} } }), ['spec.source: Exactly one of volumeSnapshotContentName and persistentVolumeClaimName must be set']);
  assert.equal(messages({ ...vs, spec: { source: { persistentVolumeClaimName: 'a', volumeSnapshotContentName: 'b' } } }), ['spec.source: Exactly one of volumeSnapshotContentName and persistentVolumeClaimName must be set']);
  assert.equal(messages({ ...vs, spec: { source: { persistentVolumeClaimName: 'other' } } }, vs), ['spec.source.persistentVolumeClaimName: persistentVolumeClaimName is immutable']);
  assert.equal(messages(vsc), []);
  assert.equal(messages({ ...vsc, spec: { ...vsc.spec, source: { volumeHandle: 'a', snapshotHandle: 'b' } } }), ['spec.source: exactly one of volumeHandle and snapshotHandle must be set']);
  assert.equal(messages({ ...vsc, spec: { ...vsc.spec, volumeSnapshotRef: { name: 'x' } } }), ['spec.volumeSnapshotRef: both spec.volumeSnapshotRef.name and spec.volumeSnapshotRef.namespace must be set']);
});

test.run();
