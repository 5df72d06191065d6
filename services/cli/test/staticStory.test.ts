import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getJson, pvsim, tempCluster } from './support.ts';

const byName = (items: any[]) => Object.fromEntries(items.map((i) => [i.metadata.name, i]));

test('apply examples/static: every claim binds to the smallest PV that fits', async () => {
  const c = tempCluster();
  const r = await pvsim(c, ['apply', '-f', 'examples/static/']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'persistentvolume/nas-5g created');
  assert.match(r.stdout, 'persistentvolumeclaim/db-data created');
  const pv = byName((await getJson(c, 'pv')).items);
  const pvc = byName((await getJson(c, 'pvc')).items);
  assert.is(pvc['shared-data'].spec.volumeName, 'nas-5g');
  assert.is(pvc['db-data'].spec.volumeName, 'disk-10g');
  assert.is(pvc['scratch'].spec.volumeName, 'disk-50g');
  for (const name of ['shared-data', 'db-data', 'scratch']) {
    assert.is(pvc[name].status.phase, 'Bound');
    assert.is(pvc[name].metadata.annotations['pv.kubernetes.io/bind-completed'], 'yes');
    assert.is(pvc[name].metadata.annotations['pv.kubernetes.io/bound-by-controller'], 'yes');
    assert.equal(pvc[name].metadata.finalizers, ['kubernetes.io/pvc-protection']);
  }
  assert.is(pv['nas-5g'].status.phase, 'Bound');
  assert.is(pv['nas-5g'].spec.claimRef.name, 'shared-data');
  assert.is(pv['nas-5g'].spec.claimRef.uid, pvc['shared-data'].metadata.uid);
  assert.is(pv['disk-100g'].status.phase, 'Available');
  assert.equal(pvc['db-data'].status.capacity, { storage: '10Gi' });
});

test('Retain: deleting the claim leaves the PV Released; a new identical claim stays Pending', async () => {
  const c = tempCluster();
  await pvsim(c, ['apply', '-f', 'examples/static/']);
  const d = await pvsim(c, ['delete', 'pvc', 'shared-data']);
  assert.is(d.code, 0, d.stderr);
  assert.match(d.stdout, 'persistentvolumeclaim "shared-data" deleted');
  let pv = byName((await getJson(c, 'pv')).items);
  assert.is(pv['nas-5g'].status.phase, 'Released');
  assert.is(pv['nas-5g'].spec.claimRef.name, 'shared-data');
  const again = await pvsim(c, ['apply', '-f', 'examples/static/02-claims.yaml']);
  assert.is(again.code, 0, again.stderr);
  assert.match(again.stdout, 'persistentvolumeclaim/shared-data created');
  const pvc = byName((await getJson(c, 'pvc')).items);
  assert.is(pvc['shared-data'].status.phase, 'Pending');
  pv = byName((await getJson(c, 'pv')).items);
  assert.is(pv['nas-5g'].status.phase, 'Released');
});

test('Delete: a deletable PV disappears; one without a deleter goes Failed with the reason', async () => {
  const c = tempCluster();
  await pvsim(c, ['apply', '-f', 'examples/static/']);
  assert.is((await pvsim(c, ['delete', 'pvc', 'db-data', 'scratch'])).code, 0);
  const pv = byName((await getJson(c, 'pv')).items);
  assert.not.ok(pv['disk-10g'], 'disk-10g is deleted');
  assert.is(pv['disk-50g'].status.phase, 'Failed');
  assert.match(pv['disk-50g'].status.message, 'host_path deleter only supports /tmp/.+');
  const ev = await pvsim(c, ['events']);
  assert.match(ev.stdout, 'VolumeFailedDelete');
});

test('a claim created before its PV binds within a resync, as on a real cluster', async () => {
  const c = tempCluster();
  assert.is((await pvsim(c, ['apply', '-f', 'examples/static/02-claims.yaml'])).code, 0);
  let pvc = byName((await getJson(c, 'pvc')).items);
  assert.is(pvc['db-data'].status.phase, 'Pending');
  assert.is((await pvsim(c, ['apply', '-f', 'examples/static/01-volumes.yaml'])).code, 0);
  pvc = byName((await getJson(c, 'pvc')).items);
  assert.is(pvc['db-data'].status.phase, 'Bound');
  assert.is(pvc['db-data'].spec.volumeName, 'disk-10g');
});

test('re-applying an unchanged manifest reports unchanged and keeps the binding', async () => {
  const c = tempCluster();
  await pvsim(c, ['apply', '-f', 'examples/static/']);
  const r = await pvsim(c, ['apply', '-f', 'examples/static/02-claims.yaml']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'persistentvolumeclaim/db-data unchanged');
  const pvc = byName((await getJson(c, 'pvc')).items);
  assert.is(pvc['db-data'].spec.volumeName, 'disk-10g');
});

test('--wait=false only records the change', async () => {
  const c = tempCluster();
  await pvsim(c, ['apply', '-f', 'examples/static/01-volumes.yaml', '--wait=false']);
  const pv = byName((await getJson(c, 'pv')).items);
  assert.is(pv['nas-5g'].status.phase, 'Pending');
});

test('get and describe accept kubectl\'s TYPE/NAME form', async () => {
  const c = tempCluster();
  await pvsim(c, ['apply', '-f', 'examples/static/']);
  const r = await pvsim(c, ['get', 'pvc/db-data', 'pv/disk-10g']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /persistentvolumeclaim\/db-data\s+Bound/);
  assert.match(r.stdout, /\n\nNAME\s+CAPACITY/);
  assert.match(r.stdout, /persistentvolume\/disk-10g\s+10Gi/);
  const d = await pvsim(c, ['describe', 'pv/disk-10g']);
  assert.match(d.stdout, /Name:\s+disk-10g/);
});

test.run();
