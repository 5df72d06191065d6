// What a component process appends (componentHost.ts, ADR 0022): a pass that changed nothing is
// left out, anything else goes in; and which components each process verb hosts.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { HOSTABLE_COMPONENTS, changedNothing, parseComponents, runComponentPass } from '../src/componentHost.ts';
import { openSession } from '../src/session.ts';
import { parseServe } from '../src/upVerb.ts';
import { pvsim, tempCluster } from './support.ts';

const item = (queue: string, key: string) => ({ queue, key });
const delayed = (queue: string, key: string, dueMs: number) => ({ queue, key, dueMs });

const rows: {
  name: string;
  before: { waiting: { queue: string; key: string }[]; delayed: unknown[] };
  after: { waiting: { queue: string; key: string }[]; delayed: unknown[] };
  records: number;
  delivered: number;
  expected: boolean;
}[] = [
  {
    name: 'housekeeping delivered, nothing written: left out',
    before: { waiting: [item('kubelet/node-a', '*'), item('kubelet/node-b', '*')], delayed: [] },
    after: { waiting: [item('kubelet/node-b', '*')], delayed: [] },
    records: 2, delivered: 1, expected: true,
  },
  {
    name: 'an object written (a record more than the deliveries): appended',
    before: { waiting: [item('kubelet/node-a', 'default/p')], delayed: [] },
    after: { waiting: [], delayed: [] },
    records: 3, delivered: 1, expected: false,
  },
  {
    name: 'new work queued (for itself or another): appended, or it would be lost',
    before: { waiting: [item('claims', 'default/a')], delayed: [] },
    after: { waiting: [item('volumes', 'pv-1')], delayed: [] },
    records: 2, delivered: 1, expected: false,
  },
  {
    name: 'a timer set (a retry with backoff): appended',
    before: { waiting: [item('attacher/disk', 'va-1')], delayed: [] },
    after: { waiting: [], delayed: [delayed('attacher/disk', 'va-1', 5000)] },
    records: 2, delivered: 1, expected: false,
  },
  {
    name: 'the same timers and a subset of the work: left out',
    before: { waiting: [item('a', '1'), item('b', '2')], delayed: [delayed('c', '3', 10)] },
    after: { waiting: [item('b', '2')], delayed: [delayed('c', '3', 10)] },
    records: 2, delivered: 1, expected: true,
  },
];

for (const r of rows) {
  test(`changedNothing: ${r.name}`, () => {
    assert.is(changedNothing(r.before as never, r.after as never, r.records, r.delivered), r.expected);
  });
}

test('a pass that only fails again the same way (a repeated Event) is left out: no livelock of processes re-running it on every relist', async () => {
  const cluster = tempCluster();
  const r = await pvsim(cluster, ['--seed', '1', 'run', 'examples/pod-volumes/scenarios/block.yaml']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  // The session's relist queues kubelet/node-b's pod db-wrong (a block volume in volumeMounts),
  // whose mount fails again with the FailedMount the cluster already holds.
  const s = openSession({ clusterDir: cluster, seed: 1 });
  assert.ok(s.world.scheduler.has({ queue: 'kubelet/node-b', key: 'default/db-wrong' }));
  const pass = runComponentPass(s, 1, 'kubelet/node-b');
  assert.ok(pass.repeatedEvents >= 1, `${pass.repeatedEvents} repeated events`);
  assert.ok(s.pendingRecords.some((rec) => rec.type === 'EventRecorded'));
  assert.ok(pass.changedNothing);
});

test('serve --only takes the controllers a pod needs, and refuses kubelets and sidecars (their own verbs host them)', () => {
  assert.equal(parseComponents('pv-controller, scheduler,attachdetach,scheduler'), ['pv-controller', 'scheduler', 'attachdetach']);
  assert.equal(parseComponents('all'), [...HOSTABLE_COMPONENTS]);
  assert.ok(parseComponents('all').includes('attachdetach'));
  // The clock owner (ADR 0026) is hosted by serve too, alone or in `all`.
  assert.equal(parseComponents('clock'), ['clock']);
  assert.ok(parseComponents('all').includes('clock'));
  for (const [bad, hint] of [['kubelet/node-a', /pvsim kubelet --node NODE\)$/], ['external-provisioner/disk.csi.pvsim.dev', /pvsim csi-driver NAME\)$/], ['nope', /csi-driver-registrar, clock$/]] as const) {
    assert.throws(() => parseComponents(bad), (e: Error) => e.message.startsWith(`error: invalid argument "${bad}" for "--only" flag`) && hint.test(e.message));
  }
});

test('up --serve: controllers for one serve process, and whether kubelets and drivers come too', () => {
  assert.equal(parseServe('pv-controller'), { controllers: ['pv-controller'], kubelets: false, drivers: false });
  assert.equal(parseServe('kubelets,drivers'), { controllers: [], kubelets: true, drivers: true });
  assert.equal(parseServe('scheduler, kubelets'), { controllers: ['scheduler'], kubelets: true, drivers: false });
  assert.equal(parseServe('all'), { controllers: [...HOSTABLE_COMPONENTS], kubelets: true, drivers: true });
  assert.throws(() => parseServe(' , '), /--serve needs at least one component/);
  assert.throws(() => parseServe('kubelets,kubelet/node-a'), /pvsim kubelet --node NODE/);
});

test.run();
