import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getJson, pvsim, tempCluster } from './support.ts';

test('wait advances simulated time until the claim is Bound, as kubectl wait does', async () => {
  const c = tempCluster();
  await pvsim(c, ['apply', '-f', 'examples/static/02-claims.yaml', '--wait=false']);
  await pvsim(c, ['apply', '-f', 'examples/static/01-volumes.yaml', '--wait=false']);
  const before = (await getJson(c, 'pvc')).items.find((i: any) => i.metadata.name === 'db-data');
  assert.is(before.status.phase, 'Pending');
  const r = await pvsim(c, ['wait', 'pvc/db-data', "--for=jsonpath='{.status.phase}'=Bound", '--timeout=5m']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'persistentvolumeclaim/db-data condition met\n');
});

test('wait times out in simulated time with kubectl\'s message', async () => {
  const c = tempCluster();
  await pvsim(c, ['apply', '-f', 'examples/static/02-claims.yaml']);
  const r = await pvsim(c, ['wait', 'pvc/db-data', '--for=jsonpath={.status.phase}=Bound', '--timeout=1m']);
  assert.is(r.code, 1);
  assert.is(r.stderr, 'error: timed out waiting for the condition on persistentvolumeclaims/db-data\n');
});

test('wait --for=delete', async () => {
  const c = tempCluster();
  await pvsim(c, ['apply', '-f', 'examples/static/']);
  await pvsim(c, ['delete', 'pvc', 'db-data', '--wait=false']);
  const r = await pvsim(c, ['wait', 'pv/disk-10g', '--for=delete', '--timeout=2m']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, 'persistentvolume/disk-10g deleted\n');
});

test('bad durations and conditions are refused', async () => {
  const c = tempCluster();
  await pvsim(c, ['apply', '-f', 'examples/static/']);
  assert.match((await pvsim(c, ['wait', 'pvc/db-data', '--for=delete', '--timeout=5x'])).stderr, 'invalid duration');
  assert.match((await pvsim(c, ['wait', 'pvc/db-data', '--for=bogus'])).stderr, 'unrecognized condition');
});

test('work a command left undelivered (--wait=false) is delivered by the next command, as a watch would', async () => {
  const c = tempCluster();
  await pvsim(c, ['apply', '-f', 'examples/lecture/dynamic-disk/', '--wait=false']);
  let pvc = (await getJson(c, 'pvc')).items[0];
  assert.is(pvc.status.phase, 'Pending');
  await pvsim(c, ['advance', '1s']);
  pvc = (await getJson(c, 'pvc')).items[0];
  assert.is(pvc.status.phase, 'Bound');
  const pod = (await getJson(c, 'pods')).items[0];
  assert.is(pod.status.phase, 'Running');
  await pvsim(c, ['delete', 'pod', 'disk-pod', '--wait=false']);
  const terminating = await pvsim(c, ['get', 'pods']);
  assert.match(terminating.stdout, 'Terminating');
  await pvsim(c, ['advance', '1s']);
  assert.equal((await getJson(c, 'pods')).items, []);
  assert.equal((await getJson(c, 'volumeattachments')).items, []);
  const verify = await pvsim(c, ['log', 'verify']);
  assert.is(verify.code, 0, verify.stderr);
});

test.run();
