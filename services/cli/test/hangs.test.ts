/**
 * Design: the commands that used to hang (issue 6): an apply whose attach can never succeed (the
 * disk driver's per-node limit; a PV whose volume handle the driver does not have) and a
 * WaitForFirstConsumer claim that cannot be provisioned. Each must return within its budget, keep
 * what happened, exit 0 (the cluster accepted the input), say what is still in flight, not move
 * the cluster by tens of simulated minutes, and leave the cluster usable by the next command.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { join } from 'node:path';
import { logBytes, pvsim, repoRoot, tempCluster } from './support.ts';

const FIXTURES = join(repoRoot, 'services/cli/test/fixtures/hangs');
/** Simulated time an apply that cannot converge may move the cluster (retries back off; nothing else is due). */
const SIMULATED_MS_MAX = 5 * 60_000;

const cases = [
  { name: 'attach limit: a third disk on a node whose driver allows two', file: 'attach-limit.yaml', inFlight: /pod default\/p3: FailedAttachVolume .*max 2/ },
  { name: 'a PV whose volume handle the driver does not have', file: 'unknown-handle.yaml', inFlight: /pod default\/ghost: FailedAttachVolume .*does-not-exist/ },
  { name: 'a WaitForFirstConsumer claim that cannot be provisioned', file: 'wffc-unprovisionable.yaml', inFlight: /persistentvolumeclaim default\/big: ProvisioningFailed .*RESOURCE_EXHAUSTED|ResourceExhausted/ },
];

function simulatedSpanMs(cluster: string): number {
  const times = logBytes(cluster).trim().split('\n').map((l) => Date.parse((JSON.parse(l) as { time: string }).time));
  return Math.max(...times) - Math.min(...times);
}

for (const c of cases) {
  test(`no hang: ${c.name}`, async () => {
    const cluster = tempCluster();
    // The fixtures declare the cluster's one node.
    assert.is((await pvsim(cluster, ['init', '--nodes', '0'])).code, 0);
    const r = await pvsim(cluster, ['apply', '-f', join(FIXTURES, '00-node.yaml'), '-f', join(FIXTURES, c.file)]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stderr, /still in flight/);
    assert.match(r.stderr, c.inFlight);
    const span = simulatedSpanMs(cluster);
    assert.ok(span <= SIMULATED_MS_MAX, `the apply moved simulated time by ${span} ms`);
    // The next command neither hangs nor loses what happened.
    const get = await pvsim(cluster, ['get', 'pods,pvc']);
    assert.is(get.code, 0, get.stderr);
    const verify = await pvsim(cluster, ['log', 'verify']);
    assert.is(verify.code, 0, verify.stderr + verify.stdout);
  });
}

test('a failing retry stays in flight when another component reports routine progress on the object after it', async () => {
  // The example: a claim that fits and one too big for the backend. The PV controller keeps
  // posting a Normal WaitForPodScheduled on the big claim between the provisioner's backed-off
  // ProvisioningFailed: that is not progress of the provisioning, which is still failing.
  const cluster = tempCluster();
  const r = await pvsim(cluster, ['apply', '-f', join(repoRoot, 'examples/wffc-provisioning-failure/')]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /persistentvolumeclaim default\/big: ProvisioningFailed .*ResourceExhausted.*\(x\d+, retrying\)/);
  const describe = await pvsim(cluster, ['describe', 'pvc', 'big']);
  assert.match(describe.stdout, /Normal +WaitForPodScheduled/);
});

test('the settle budget is a flag shown in --help, stops a command early, and is recorded so log verify re-executes it', async () => {
  const help = await pvsim(tempCluster(), ['--help']);
  assert.match(help.stdout, /--settle-steps <n>[\s\S]*default: "2000000"/);
  assert.match(help.stdout, /--settle-time <duration>[\s\S]*default: "25m"/);
  const cluster = tempCluster();
  assert.is((await pvsim(cluster, ['init', '--nodes', '0'])).code, 0);
  const r = await pvsim(cluster, ['--settle-steps', '40', 'apply', '-f', join(FIXTURES, '00-node.yaml'), '-f', join(FIXTURES, 'attach-limit.yaml')]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /the step budget ran out after 40 deliveries/);
  assert.match(r.stderr, /work queued: \d+ waiting/);
  const verify = await pvsim(cluster, ['log', 'verify']);
  assert.is(verify.code, 0, verify.stderr + verify.stdout);
  // The next command, with the default budget, carries on from where this one stopped.
  const next = await pvsim(cluster, ['get', 'pods']);
  assert.is(next.code, 0, next.stderr);
  const bad = await pvsim(cluster, ['--settle-time', 'soon', 'get', 'pods']);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /--settle-time/);
});

test.run();
