import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { logBytes, pvsim, tempCluster } from './support.ts';

async function story(): Promise<string> {
  const c = tempCluster();
  for (const args of [['apply', '-f', 'examples/static/'], ['advance', '1m'], ['delete', 'pvc', 'scratch']]) {
    const r = await pvsim(c, args);
    assert.is(r.code, 0, r.stderr);
  }
  return c;
}
const facts = (c: string) => logBytes(c).trim().split('\n').map((l) => JSON.parse(l)).filter((r) => /(Created|Updated|Deleted)$/.test(r.type));

test('record export --format watch: one {type, object} per change, ADDED first, a DELETED carries the object as it last was', async () => {
  const c = await story();
  const r = await pvsim(c, ['record', 'export', '--format', 'watch']);
  assert.is(r.code, 0, r.stderr);
  const evs = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(evs.length, facts(c).length);
  const scratch = evs.filter((e) => e.object.kind === 'PersistentVolumeClaim' && e.object.metadata.name === 'scratch');
  assert.is(scratch[0].type, 'ADDED');
  assert.is(scratch[scratch.length - 1].type, 'DELETED');
  assert.is(scratch[scratch.length - 1].object.spec.volumeName, 'disk-50g');
  assert.ok(scratch[scratch.length - 1].object.metadata.deletionTimestamp);
  assert.ok(scratch.slice(1, -1).every((e) => e.type === 'MODIFIED'));
});

test('record export --format audit: audit.k8s.io/v1 lines with the user each component authenticates as', async () => {
  const c = await story();
  const r = await pvsim(c, ['record', 'export', '--format', 'audit']);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(lines.every((l) => l.apiVersion === 'audit.k8s.io/v1' && l.kind === 'Event' && l.stage === 'ResponseComplete' && l.level === 'RequestResponse'));
  const create = lines.find((l) => l.verb === 'create' && l.objectRef.name === 'scratch');
  assert.is(create.user.username, 'kubernetes-admin');
  assert.is(create.requestURI, '/api/v1/namespaces/default/persistentvolumeclaims');
  const bind = lines.find((l) => l.verb === 'update' && l.objectRef.name === 'disk-50g' && l.responseObject.status.phase === 'Bound');
  assert.is(bind.user.username, 'system:serviceaccount:kube-system:persistent-volume-binder');
  assert.is(bind.requestURI, '/api/v1/persistentvolumes/disk-50g');
  const gone = lines.find((l) => l.verb === 'delete' && l.objectRef.name === 'scratch');
  assert.is(gone.user.username, 'system:serviceaccount:kube-system:pvc-protection-controller');
  // The story's commands come 1 s after the fresh cluster's own batch.
  assert.match(gone.stageTimestamp, /^2026-01-01T00:01:03\.000Z$/);
});

test('record export --format events, and --at limits every format to the history up to that position', async () => {
  const c = await story();
  const all = JSON.parse((await pvsim(c, ['record', 'export', '--format', 'events'])).stdout);
  assert.is(all.kind, 'List');
  assert.ok(all.items.some((e: any) => e.reason === 'VolumeFailedDelete'));
  const del = logBytes(c).trim().split('\n').map((l) => JSON.parse(l)).find((r) => r.type === 'DeleteRequested').pos;
  const before = JSON.parse((await pvsim(c, ['record', 'export', '--format', 'events', '--at', String(del)])).stdout);
  assert.not.ok(before.items.some((e: any) => e.reason === 'VolumeFailedDelete'));
  const watch = (await pvsim(c, ['record', 'export', '--format', 'watch', '--at', String(del)])).stdout.trim().split('\n');
  assert.is(watch.length, facts(c).filter((r) => r.pos <= del).length);
});

test.run();
