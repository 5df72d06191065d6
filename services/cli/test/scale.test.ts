/**
 * Design: `pvsim scale` as kubectl scale — it changes replicas and settles, is recorded as its own
 * input (log verify re-executes it), and refuses bad input with kubectl's words and nothing applied.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { logBytes, pvsim, repoRoot, tempCluster } from './support.ts';

test('scale a Deployment up and down; the log re-executes it', async () => {
  const cluster = tempCluster();
  const apply = await pvsim(cluster, ['apply', '-f', join(repoRoot, 'examples/deployment-rollout/01-nodes.yaml'), '-f', join(repoRoot, 'examples/lecture/static-nas')]);
  assert.is(apply.code, 0, apply.stderr);
  const up = await pvsim(cluster, ['scale', 'deploy/nas-app', '--replicas', '3']);
  assert.is(up.code, 0, up.stderr);
  assert.is(up.stdout, 'deployment.apps/nas-app scaled\n');
  assert.match((await pvsim(cluster, ['get', 'rs'])).stdout, /nas-app-\S+\s+3\s+3\s/);
  const down = await pvsim(cluster, ['scale', 'deploy/nas-app', '--replicas', '1']);
  assert.is(down.code, 0, down.stderr);
  assert.match((await pvsim(cluster, ['get', 'rs'])).stdout, /nas-app-\S+\s+1\s+1\s/);
  const verify = await pvsim(cluster, ['log', 'verify']);
  assert.is(verify.code, 0, verify.stderr + verify.stdout);
});

test('bad input: no or negative replicas, an unscalable kind, a missing object — exit 1, nothing recorded', async () => {
  const cluster = tempCluster();
  await pvsim(cluster, ['apply', '-f', join(repoRoot, 'examples/lecture/static-nas')]);
  const before = logBytes(cluster);
  for (const [args, message] of [
    [['scale', 'deploy/nas-app'], 'The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0'],
    [['scale', 'deploy/nas-app', '--replicas', '-1'], 'The --replicas=COUNT flag is required'],
    [['scale', 'pvc/nas-pvc', '--replicas', '1'], 'cannot scale persistentvolumeclaims'],
    [['scale', 'deploy/nope', '--replicas', '1'], 'deployments.apps "nope" not found'],
  ] as const) {
    const r = await pvsim(cluster, [...args]);
    assert.is(r.code, 1, args.join(' '));
    assert.match(r.stderr, message);
  }
  assert.is(logBytes(cluster), before);
});

test.run();
