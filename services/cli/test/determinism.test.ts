import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { logBytes, pvsim, tempCluster } from './support.ts';

async function story(cluster: string, seed: string, env: Record<string, string> = {}): Promise<void> {
  for (const args of [
    ['apply', '-f', 'examples/static/02-claims.yaml'],
    ['apply', '-f', 'examples/static/01-volumes.yaml'],
    ['delete', 'pvc', 'shared-data', 'db-data'],
    ['apply', '-f', 'examples/static/'],
  ]) {
    const r = await pvsim(cluster, ['--seed', seed, ...args], '', env);
    assert.is(r.code, 0, r.stderr);
  }
}

test('the same seed and inputs give a byte-identical log', async () => {
  const a = tempCluster();
  const b = tempCluster();
  await story(a, '7');
  await story(b, '7');
  assert.ok(logBytes(a).length > 0);
  assert.is(logBytes(a), logBytes(b));
});

test('snapshots are only a cache: with and without them the log is the same', async () => {
  const a = tempCluster();
  const b = tempCluster();
  await story(a, '5', { PVSIM_SNAPSHOT_EVERY: '1' });
  await story(b, '5', { PVSIM_SNAPSHOT_EVERY: '0' });
  assert.ok(existsSync(join(a, 'snapshot.json')));
  assert.not.ok(existsSync(join(b, 'snapshot.json')));
  assert.is(logBytes(a), logBytes(b));
  const ga = await pvsim(a, ['get', 'pv,pvc', '-o', 'json'], '', { PVSIM_SNAPSHOT_EVERY: '1' });
  const gb = await pvsim(b, ['get', 'pv,pvc', '-o', 'json']);
  assert.is(ga.stdout, gb.stdout);
});

test('a stale snapshot (log replaced) is ignored', async () => {
  const a = tempCluster();
  await story(a, '5', { PVSIM_SNAPSHOT_EVERY: '1' });
  const snap = readFileSync(join(a, 'snapshot.json'), 'utf8');
  const b = tempCluster();
  await pvsim(b, ['apply', '-f', 'examples/static/01-volumes.yaml']);
  writeFileSync(join(b, 'snapshot.json'), snap);
  const r = await pvsim(b, ['get', 'pvc', '-o', 'json']);
  assert.equal(JSON.parse(r.stdout).items, []);
});

test('log verify re-executes the inputs and reproduces the log', async () => {
  const c = tempCluster();
  await story(c, '3');
  const r = await pvsim(c, ['log', 'verify']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'reproduced byte for byte');
});

test.run();
