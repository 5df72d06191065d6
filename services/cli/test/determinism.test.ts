import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { logBytes, pvsim, tempCluster } from './support.ts';

async function story(cluster: string, seed: string): Promise<void> {
  for (const args of [
    ['apply', '-f', 'examples/static/02-claims.yaml'],
    ['apply', '-f', 'examples/static/01-volumes.yaml'],
    ['delete', 'pvc', 'shared-data', 'db-data'],
    ['apply', '-f', 'examples/static/'],
  ]) {
    const r = await pvsim(cluster, ['--seed', seed, ...args]);
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

test('log verify re-executes the inputs and reproduces the log', async () => {
  const c = tempCluster();
  await story(c, '3');
  const r = await pvsim(c, ['log', 'verify']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'reproduced byte for byte');
});

test.run();
