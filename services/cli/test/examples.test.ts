import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pvsim, tempCluster } from './support.ts';

// Every example scenario is a test: the documentation cannot drift from what pvsim does.
const scenarios = [
  ['examples/static/scenarios/static-provisioning.yaml', 16],
  ['examples/lecture/static-nas/scenarios/demo.yaml', 20],
  ['examples/lecture/dynamic-disk/scenarios/demo.yaml', 19],
  ['examples/pod-volumes/scenarios/demo.yaml', 25],
  ['examples/pod-volumes/scenarios/ephemeral.yaml', 11],
  ['examples/pod-volumes/scenarios/subpathexpr.yaml', 9],
  ['examples/pod-volumes/scenarios/block.yaml', 6],
  ['examples/statefulset/scenarios/demo.yaml', 18],
  ['examples/access-modes/scenarios/demo.yaml', 18],
  ['examples/node-failure/scenarios/demo.yaml', 24],
  ['examples/node-failure/scenarios/out-of-service.yaml', 11],
  ['examples/node-failure/scenarios/node-deleted.yaml', 10],
  ['examples/expansion/scenarios/demo.yaml', 26],
  ['examples/expansion/scenarios/offline.yaml', 13],
  ['examples/snapshots/scenarios/demo.yaml', 33],
  ['examples/wffc-provisioning-failure/scenarios/demo.yaml', 15],
  ['examples/attach-limits/scenarios/demo.yaml', 15],
  ['examples/deployment-rollout/scenarios/demo.yaml', 21],
  ['examples/statefulset-retention/scenarios/demo.yaml', 14],
  ['examples/strict-fields/scenarios/demo.yaml', 7],
  ['examples/real-app/scenarios/demo.yaml', 13],
] as const;

for (const [file, steps] of scenarios) {
  test(`scenario ${file}`, async () => {
    const cluster = tempCluster();
    const r = await pvsim(cluster, ['run', file]);
    assert.is(r.code, 0, r.stderr);
    assert.match(r.stdout, `passed: ${steps} steps`);
    // And the whole story — exec, restart, node loss included — re-executes byte for byte.
    const v = await pvsim(cluster, ['log', 'verify']);
    assert.is(v.code, 0, v.stderr);
  });
}

test.run();
