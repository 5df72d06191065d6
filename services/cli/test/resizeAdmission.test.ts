/**
 * PersistentVolumeClaimResize (plugin/pkg/admission/storage/persistentvolume/resize): which claim
 * updates the API server refuses, with its texts; and through the CLI, that a refused apply
 * exits non-zero, names the file and line, and applies nothing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PersistentVolumeClaim, StorageClass } from '@pvsim/domain';
import { resizeRefusal } from '../src/admission.ts';
import { logBytes, pvsim, tempCluster } from './support.ts';

const cls = (name: string, allow?: boolean): StorageClass => ({
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner: 'disk.csi.pvsim.dev',
  ...(allow === undefined ? {} : { allowVolumeExpansion: allow }),
});
const CLASSES = [cls('grow', true), cls('nogrow', false), cls('unset')];

function pvc(size: string, storageClassName: string | undefined, phase = 'Bound'): PersistentVolumeClaim {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' },
    spec: { resources: { requests: { storage: size } }, ...(storageClassName === undefined ? {} : { storageClassName }) },
    status: { phase },
  };
}

const DYNAMIC = 'persistentvolumeclaims "data" is forbidden: only dynamically provisioned pvc can be resized and the storageclass that provisions the pvc must support resize';
const rows: [string, PersistentVolumeClaim, PersistentVolumeClaim, string | undefined][] = [
  ['grow, class allows', pvc('20Gi', 'grow'), pvc('10Gi', 'grow'), undefined],
  ['same size: not a resize', pvc('10Gi', 'nogrow'), pvc('10Gi', 'nogrow'), undefined],
  ['smaller: left to validation', pvc('5Gi', 'nogrow'), pvc('10Gi', 'nogrow'), undefined],
  ['10Gi -> 10240Mi is the same quantity', pvc('10240Mi', 'nogrow'), pvc('10Gi', 'nogrow'), undefined],
  ['class says false', pvc('20Gi', 'nogrow'), pvc('10Gi', 'nogrow'), DYNAMIC],
  ['class leaves it out', pvc('20Gi', 'unset'), pvc('10Gi', 'unset'), DYNAMIC],
  ['class does not exist', pvc('20Gi', 'gone'), pvc('10Gi', 'gone'), DYNAMIC],
  ['no class (static binding)', pvc('20Gi', ''), pvc('10Gi', ''), DYNAMIC],
  ['not bound', pvc('20Gi', 'grow'), pvc('10Gi', 'grow', 'Pending'), 'persistentvolumeclaims "data" is forbidden: Only bound persistent volume claims can be expanded'],
];

for (const [name, next, old, want] of rows) {
  test(`resizeRefusal: ${name}`, () => {
    assert.is(resizeRefusal(next, old, CLASSES), want);
  });
}

test('CLI: a refused growth exits 1 with the file, line and the API text, and appends nothing', async () => {
  const cluster = tempCluster();
  const dir = join(cluster, '..');
  const claim = (size: string) => `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  accessModes: [ReadWriteOnce]\n  storageClassName: fixed\n  resources:\n    requests:\n      storage: ${size}\n`;
  writeFileSync(join(dir, 'a.yaml'), `apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: fixed\nprovisioner: disk.csi.pvsim.dev\n---\n${claim('10Gi')}`);
  writeFileSync(join(dir, 'b.yaml'), claim('20Gi'));
  assert.is((await pvsim(cluster, ['apply', '-f', join(dir, 'a.yaml')])).code, 0);
  const before = logBytes(cluster);
  const r = await pvsim(cluster, ['apply', '-f', join(dir, 'b.yaml')]);
  assert.is(r.code, 1);
  assert.match(r.stderr, `Error from server (Forbidden): ${join(dir, 'b.yaml')}:1: ${DYNAMIC}`);
  assert.is(r.stderr.trim().split('\n').length, 1);
  assert.is(logBytes(cluster), before);
});

test.run();
