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
  { name: 'not served yet', input: 'volumeattachments' },
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

test('volumeattachments are in the table, flagged as not served', () => {
  const t = resolveResource('volumeattachment', { includeUnserved: true });
  assert.equal([t.kind, t.apiVersion, t.namespaced, t.served], ['VolumeAttachment', 'storage.k8s.io/v1', false, false]);
});

const kindCases: Array<{ name: string; apiVersion: string; kind: string; found: boolean }> = [
  { name: 'PV in v1', apiVersion: 'v1', kind: 'PersistentVolume', found: true },
  { name: 'PVC in v1', apiVersion: 'v1', kind: 'PersistentVolumeClaim', found: true },
  { name: 'StorageClass in storage.k8s.io/v1', apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', found: true },
  { name: 'StorageClass in v1', apiVersion: 'v1', kind: 'StorageClass', found: false },
  { name: 'StorageClass in v1beta1 (removed)', apiVersion: 'storage.k8s.io/v1beta1', kind: 'StorageClass', found: false },
  { name: 'PV in storage.k8s.io/v1', apiVersion: 'storage.k8s.io/v1', kind: 'PersistentVolume', found: false },
  { name: 'VolumeAttachment not served', apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', found: false },
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
});

test.run();
