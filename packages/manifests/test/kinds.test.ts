import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManifestError, expectedApiVersion, kindPrefix, resolveKind, resolveResource } from '../src/index.ts';

const resolveCases: Array<{ name: string; input: string; kind: string; plural: string; namespaced: boolean; apiVersion: string }> = [
  { name: 'plural', input: 'persistentvolumes', kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false, apiVersion: 'v1' },
  { name: 'singular', input: 'persistentvolume', kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false, apiVersion: 'v1' },
  { name: 'short name', input: 'pv', kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false, apiVersion: 'v1' },
  { name: 'Kind spelling, any case', input: 'PersistentVolume', kind: 'PersistentVolume', plural: 'persistentvolumes', namespaced: false, apiVersion: 'v1' },
  { name: 'upper-case short name', input: 'PVC', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true, apiVersion: 'v1' },
  { name: 'claim plural', input: 'persistentvolumeclaims', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true, apiVersion: 'v1' },
  { name: 'claim singular', input: 'persistentvolumeclaim', kind: 'PersistentVolumeClaim', plural: 'persistentvolumeclaims', namespaced: true, apiVersion: 'v1' },
  { name: 'storage class short', input: 'sc', kind: 'StorageClass', plural: 'storageclasses', namespaced: false, apiVersion: 'storage.k8s.io/v1' },
  { name: 'storage class singular', input: 'storageclass', kind: 'StorageClass', plural: 'storageclasses', namespaced: false, apiVersion: 'storage.k8s.io/v1' },
  { name: 'storage class with group', input: 'storageclasses.storage.k8s.io', kind: 'StorageClass', plural: 'storageclasses', namespaced: false, apiVersion: 'storage.k8s.io/v1' },
  { name: 'storage class with version and group', input: 'storageclasses.v1.storage.k8s.io', kind: 'StorageClass', plural: 'storageclasses', namespaced: false, apiVersion: 'storage.k8s.io/v1' },
  { name: 'events', input: 'events', kind: 'Event', plural: 'events', namespaced: true, apiVersion: 'v1' },
  { name: 'event short', input: 'ev', kind: 'Event', plural: 'events', namespaced: true, apiVersion: 'v1' },
  { name: 'pods short', input: 'po', kind: 'Pod', plural: 'pods', namespaced: true, apiVersion: 'v1' },
  { name: 'nodes short', input: 'no', kind: 'Node', plural: 'nodes', namespaced: false, apiVersion: 'v1' },
  { name: 'core type with version', input: 'pods.v1', kind: 'Pod', plural: 'pods', namespaced: true, apiVersion: 'v1' },
  { name: 'configmaps short', input: 'cm', kind: 'ConfigMap', plural: 'configmaps', namespaced: true, apiVersion: 'v1' },
  { name: 'secrets', input: 'secret', kind: 'Secret', plural: 'secrets', namespaced: true, apiVersion: 'v1' },
  { name: 'deployments short', input: 'deploy', kind: 'Deployment', plural: 'deployments', namespaced: true, apiVersion: 'apps/v1' },
  { name: 'deployments with group', input: 'deployments.apps', kind: 'Deployment', plural: 'deployments', namespaced: true, apiVersion: 'apps/v1' },
  { name: 'statefulsets short', input: 'sts', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true, apiVersion: 'apps/v1' },
  { name: 'statefulsets with version and group', input: 'statefulsets.v1.apps', kind: 'StatefulSet', plural: 'statefulsets', namespaced: true, apiVersion: 'apps/v1' },
  { name: 'volume attachments', input: 'volumeattachments', kind: 'VolumeAttachment', plural: 'volumeattachments', namespaced: false, apiVersion: 'storage.k8s.io/v1' },
  { name: 'volume attachments with group', input: 'volumeattachment.storage.k8s.io', kind: 'VolumeAttachment', plural: 'volumeattachments', namespaced: false, apiVersion: 'storage.k8s.io/v1' },
];
for (const c of resolveCases) {
  test(`resolveResource: ${c.name}`, () => {
    const t = resolveResource(c.input);
    assert.equal({ kind: t.kind, plural: t.plural, namespaced: t.namespaced, apiVersion: t.apiVersion },
      { kind: c.kind, plural: c.plural, namespaced: c.namespaced, apiVersion: c.apiVersion });
  });
}

const unknownCases: Array<{ name: string; input: string }> = [
  { name: 'unknown name', input: 'foo' },
  { name: 'short name with a group', input: 'pv.storage.k8s.io' },
  { name: 'wrong group', input: 'storageclasses.apps' },
  { name: 'internal kind (CSI backend volumes)', input: 'csivolumes' },
  { name: 'internal kind (file systems)', input: 'filesystem' },
  { name: 'apps kind in the core group', input: 'deployments.v1' },
];
for (const c of unknownCases) {
  test(`resolveResource rejects: ${c.name}`, () => {
    try {
      resolveResource(c.input);
      assert.unreachable('should have thrown');
    } catch (e) {
      assert.instance(e, ManifestError);
      assert.is((e as ManifestError).message, `error: the server doesn't have a resource type "${c.input}"`);
      assert.is((e as ManifestError).code, 'UnknownKind');
    }
  });
}

test('the internal kinds are in the table, flagged as not served', () => {
  const t = resolveResource('csivolume', { includeUnserved: true });
  assert.equal([t.kind, t.apiVersion, t.namespaced, t.served], ['CSIVolume', 'csi.pvsim.dev/v1', false, false]);
  const f = resolveResource('filesystems', { includeUnserved: true });
  assert.equal([f.kind, f.apiVersion, f.namespaced, f.served], ['Filesystem', 'csi.pvsim.dev/v1', false, false]);
});

const kindCases: Array<{ name: string; apiVersion: string; kind: string; found: boolean }> = [
  { name: 'PV in v1', apiVersion: 'v1', kind: 'PersistentVolume', found: true },
  { name: 'PVC in v1', apiVersion: 'v1', kind: 'PersistentVolumeClaim', found: true },
  { name: 'StorageClass in storage.k8s.io/v1', apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', found: true },
  { name: 'StorageClass in v1', apiVersion: 'v1', kind: 'StorageClass', found: false },
  { name: 'StorageClass in v1beta1 (removed)', apiVersion: 'storage.k8s.io/v1beta1', kind: 'StorageClass', found: false },
  { name: 'PV in storage.k8s.io/v1', apiVersion: 'storage.k8s.io/v1', kind: 'PersistentVolume', found: false },
  { name: 'VolumeAttachment in storage.k8s.io/v1', apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', found: true },
  { name: 'Deployment in apps/v1', apiVersion: 'apps/v1', kind: 'Deployment', found: true },
  { name: 'Deployment in extensions/v1beta1 (removed)', apiVersion: 'extensions/v1beta1', kind: 'Deployment', found: false },
  { name: 'StatefulSet in apps/v1', apiVersion: 'apps/v1', kind: 'StatefulSet', found: true },
  { name: 'ConfigMap in v1', apiVersion: 'v1', kind: 'ConfigMap', found: true },
  { name: 'Secret in v1', apiVersion: 'v1', kind: 'Secret', found: true },
  { name: 'Pod in v1', apiVersion: 'v1', kind: 'Pod', found: true },
  { name: 'Node in v1', apiVersion: 'v1', kind: 'Node', found: true },
  { name: 'CSIVolume is internal', apiVersion: 'csi.pvsim.dev/v1', kind: 'CSIVolume', found: false },
  { name: 'Filesystem is internal', apiVersion: 'csi.pvsim.dev/v1', kind: 'Filesystem', found: false },
];
for (const c of kindCases) {
  test(`resolveKind: ${c.name}`, () => {
    assert.is(resolveKind(c.apiVersion, c.kind) !== undefined, c.found);
  });
}

test('expectedApiVersion and kindPrefix', () => {
  assert.equal(['PersistentVolume', 'PersistentVolumeClaim', 'StorageClass', 'Nope'].map(expectedApiVersion), ['v1', 'v1', 'storage.k8s.io/v1', undefined]);
  assert.equal(['pv', 'pvc', 'sc', 'ev'].map((n) => kindPrefix(resolveResource(n))), [
    'persistentvolume', 'persistentvolumeclaim', 'storageclass.storage.k8s.io', 'event',
  ]);
  assert.equal(['Deployment', 'StatefulSet', 'VolumeAttachment', 'ConfigMap'].map(expectedApiVersion), ['apps/v1', 'apps/v1', 'storage.k8s.io/v1', 'v1']);
  assert.equal(['deploy', 'sts', 'volumeattachments', 'cm', 'po', 'no'].map((n) => kindPrefix(resolveResource(n))), [
    'deployment.apps', 'statefulset.apps', 'volumeattachment.storage.k8s.io', 'configmap', 'pod', 'node',
  ]);
});

test.run();
