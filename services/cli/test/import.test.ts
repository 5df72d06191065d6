import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getJson, pvsim, tempCluster } from './support.ts';

test('import restores objects with uid, annotations and status; the controllers carry on', async () => {
  const a = tempCluster();
  await pvsim(a, ['apply', '-f', 'examples/static/']);
  await pvsim(a, ['delete', 'pvc', 'shared-data']);
  const exported = await pvsim(a, ['get', 'pv,pvc', '-o', 'yaml']);
  const file = join(a, '..', 'export.yaml');
  writeFileSync(file, exported.stdout);
  const b = tempCluster();
  const r = await pvsim(b, ['import', '-f', file]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'persistentvolume/nas-5g imported');
  const before = (await getJson(a, 'pv,pvc')).items;
  const after = (await getJson(b, 'pv,pvc')).items;
  const view = (items: any[]) => items.map((i) => [i.kind, i.metadata.name, i.metadata.uid, i.status?.phase, i.spec.volumeName ?? i.spec.claimRef?.uid ?? null]);
  assert.equal(view(after), view(before));
  const nas = after.find((i: any) => i.metadata.name === 'nas-5g');
  assert.is(nas.status.phase, 'Released');
  // Ages continue from the recorded cluster's own times.
  const table = await pvsim(b, ['get', 'pvc']);
  assert.not.match(table.stdout, '<invalid>');
});

test('import refuses an object that already exists, importing nothing', async () => {
  const a = tempCluster();
  await pvsim(a, ['apply', '-f', 'examples/static/01-volumes.yaml']);
  const exported = await pvsim(a, ['get', 'pv', '-o', 'yaml']);
  const file = join(a, '..', 'export.yaml');
  writeFileSync(file, exported.stdout);
  const r = await pvsim(a, ['import', '-f', file]);
  assert.is(r.code, 1);
  assert.match(r.stderr, 'already exists');
});

test('Recycle is accepted with the deprecation warning kubectl prints', async () => {
  const c = tempCluster();
  const pv = 'apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: rec\nspec:\n  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: Recycle\n  nfs: {server: a, path: /b}\n';
  const r = await pvsim(c, ['apply', '-f', '-'], pv);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, 'Warning: spec.persistentVolumeReclaimPolicy: The Recycle reclaim policy is deprecated');
});

test('Recycle: a released nfs volume is scrubbed and Available again', async () => {
  const c = tempCluster();
  const docs = 'apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: rec\nspec:\n  capacity: {storage: 1Gi}\n  accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: Recycle\n  nfs: {server: a, path: /b}\n'
    + '---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: c\nspec:\n  storageClassName: ""\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n';
  await pvsim(c, ['apply', '-f', '-'], docs);
  await pvsim(c, ['delete', 'pvc', 'c']);
  const pv = (await getJson(c, 'pv')).items[0];
  assert.is(pv.status.phase, 'Available');
  assert.is(pv.spec.claimRef, undefined);
});

test('help explains verbs and flags', async () => {
  const c = tempCluster();
  const r = await pvsim(c, ['--help']);
  assert.is(r.code, 0);
  for (const verb of ['apply', 'import', 'delete', 'get', 'describe', 'events', 'log']) assert.match(r.stdout, verb);
  const g = await pvsim(c, ['get', '--help']);
  assert.match(g.stdout, '--all-namespaces');
});

test.run();
