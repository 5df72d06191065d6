/**
 * Planted bugs (issue 7, item 8): plausible bugs put into the components one at a time — by
 * replacing a method on a component's prototype for the length of one check — each of which
 * `pvsim check` must catch on a shipped example, with a counterexample. The unplanted system
 * passes the same checks (the baseline), so each catch is the bug's doing.
 *
 * Bugs tried that the checker does NOT catch yet, and why (docs/reference/check.md):
 *   - the claim written before the PV in a bind: a delivery is atomic, and an API fault fails the
 *     next write of a verb, not the third write inside one sync;
 *   - a non-idempotent CreateVolume: the world's csi-timeout is "the call never ran"; the
 *     "ran but the reply was lost" form is not built;
 *   - detach before unmount: the pod object (held by the kubelet's finalizer) keeps the volume
 *     desired until the kubelet has unmounted it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttachDetachController } from '@pvsim/controller-manager';
import { SimCsiDriver } from '@pvsim/csi-drivers';
import { ExternalProvisioner } from '@pvsim/csi-sidecars';
import { Kubelet } from '@pvsim/kubelet';
import { pvsim, tempCluster } from './support.ts';

const out = mkdtempSync(join(tmpdir(), 'pvsim-mutations-'));

interface Mutation {
  bug: string;
  target: object;
  method: string;
  replacement: (original: (...args: unknown[]) => unknown) => (this: unknown, ...args: unknown[]) => unknown;
  scenario: string;
  flags: string[];
}

const DISK_DEMO = 'examples/lecture/dynamic-disk/scenarios/demo.yaml';

const MUTATIONS: Mutation[] = [
  { bug: 'the disk driver acknowledges DeleteVolume without deleting the disk', target: SimCsiDriver.prototype, method: 'deleteVolume', replacement: () => () => undefined, scenario: DISK_DEMO, flags: ['--max-delays', '0'] },
  { bug: 'the external provisioner never deletes the volume of a released Delete-policy PV', target: ExternalProvisioner.prototype, method: 'deleteVolumeOperation', replacement: () => () => undefined, scenario: DISK_DEMO, flags: ['--max-delays', '0'] },
  { bug: 'the attach/detach controller attaches an RWO volume without looking for attachments on other nodes', target: AttachDetachController.prototype, method: 'attachments', replacement: () => () => [], scenario: 'examples/check/node-down/fixed.yaml', flags: ['--max-delays', '0'] },
  { bug: 'the kubelet forgets NodeUnstageVolume when a pod is gone', target: Kubelet.prototype, method: 'unstageUnused', replacement: () => () => true, scenario: DISK_DEMO, flags: ['--max-delays', '0'] },
  { bug: 'the kubelet forgets NodeUnpublishVolume when a pod is gone', target: Kubelet.prototype, method: 'unpublish', replacement: () => () => true, scenario: DISK_DEMO, flags: ['--max-delays', '0'] },
];

async function check(scenario: string, flags: string[]) {
  const r = await pvsim(tempCluster(), ['check', scenario, '-o', 'json', '--budget', '5m', '--out', out, ...flags]);
  return { ...r, json: r.stdout ? JSON.parse(r.stdout) : undefined };
}

test('baseline: without a planted bug the examples the mutations use pass', async () => {
  for (const scenario of [...new Set(MUTATIONS.map((m) => `${m.scenario}\n${m.flags.join(' ')}`))]) {
    const [file, flags] = scenario.split('\n') as [string, string];
    const r = await check(file, flags.split(' '));
    assert.is(r.code, 0, `${file}: ${r.stdout}`);
  }
});

for (const m of MUTATIONS) {
  test(`planted bug caught: ${m.bug}`, async () => {
    const target = m.target as Record<string, (...args: unknown[]) => unknown>;
    const original = target[m.method]!;
    assert.type(original, 'function', `${m.method} exists`);
    target[m.method] = m.replacement(original);
    try {
      const r = await check(m.scenario, m.flags);
      assert.is(r.code, 1, `${m.bug}: not caught: ${r.stdout}`);
      const [v] = r.json.violations;
      assert.ok(v.steps.length > 0 && v.dir, JSON.stringify(v));
      const verify = await pvsim(v.dir, ['log', 'verify']);
      assert.is(verify.code, 0, verify.stderr);
    } finally {
      target[m.method] = original;
    }
  });
}

test.run();
