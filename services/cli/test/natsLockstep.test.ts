// Issue 8 item 4 and item 8, lockstep (ADR 0025): every example scenario the CLI ships, run with
// `--nats … --lockstep` against a real nats-server (the one launcher, loopback, ephemeral port),
// its every delivery granted to and performed by a process — one `serve --only all`, one
// `csi-driver` per driver, one `kubelet` per node the examples use, all with --lockstep — gives a
// JetStream log whose export (`pvsim log export --nats`) is byte for byte the embedded run's log
// of the same scenario and seed. One set of processes serves every scenario (a replica keeps no
// state between transactions); the stream is deleted between scenarios.
//
// Plus: a component no process hosts is a no-responders error at once and nothing is appended; a
// process whose step differs from the sequencer's makes the command fail "lockstep diverged" and
// nothing is appended; --lockstep with --csi-rpc is a usage error.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { dirname, join } from 'node:path';
import { JetStreamEventLog, connectNats, startNatsServer } from '@pvsim/nats';
import { readScenario, stepArgv } from '../src/scenario.ts';
import { exampleScenarios, logBytes, pvsim, repoRoot, tempCluster } from './support.ts';
import { processHarness, type Proc } from './fixtures/processes.ts';


const server = await startNatsServer();
const harness = processHarness(server.url);
const CLUSTER = 'lockstep';
const connect = { servers: server.url };
const deleteStream = (cluster: string): void => new JetStreamEventLog({ connect, cluster }).rewrite([]);
const exportLog = async (cluster: string): Promise<string> => {
  const r = await pvsim('.unused', [...harness.nats(cluster), 'log', 'export']);
  assert.is(r.code, 0, r.stderr);
  return r.stdout;
};

/** The processes of the lockstep cluster, by their arguments; kubelets are added as scenarios name nodes. */
const procs = new Map<string, Proc>();
async function ensure(args: string[]): Promise<void> {
  const key = args.join(' ');
  if (procs.has(key)) return;
  const p = harness.start(CLUSTER, ['--lockstep', ...args]);
  procs.set(key, p);
  await p.waitFor(/lockstep: performing the deliveries/);
}

test.after(() => {
  harness.killAll();
  void server.stop();
});

test('lockstep processes start: every controller, each driver\'s sidecars', async () => {
  await ensure(['serve', '--only', 'all']);
  await ensure(['csi-driver', 'nas']);
  await ensure(['csi-driver', 'disk']);
});

test('every example scenario is covered', () => {
  assert.ok(exampleScenarios().length >= 21, `found ${exampleScenarios().length} example scenarios`);
});

for (const file of exampleScenarios()) {
  test(`lockstep log is byte-identical to embedded: ${file}`, async () => {
    const { path, scenario } = readScenario({ cwd: repoRoot }, file);
    const seed = String(scenario.seed ?? 1);
    const embedded = tempCluster();
    const r = await pvsim(embedded, ['--seed', seed, 'run', file]);
    assert.is(r.code, 0, r.stdout + r.stderr);
    // A kubelet process for every node the scenario's cluster ever has (a node deleted later in
    // the scenario too): each Node's records are on stream `node/NAME`.
    const nodes = new Set([...logBytes(embedded).matchAll(/"stream":"node\/([^"]+)","type":"NodeCreated"/g)].map((m) => m[1]!));
    for (const n of [...nodes].sort()) await ensure(['kubelet', '--node', n]);

    deleteStream(CLUSTER);
    for (const [i, step] of scenario.steps.entries()) {
      const argv = stepArgv(step, dirname(path));
      if (!argv) continue;
      const run = await pvsim('.unused', [...harness.nats(CLUSTER), '--seed', seed, '--lockstep', ...argv]);
      if (step['expectError'] === undefined) assert.is(run.code, 0, `step ${i + 1} pvsim ${argv.join(' ')}: ${run.stdout}${run.stderr}`);
      else assert.is.not(run.code, 0, `step ${i + 1} pvsim ${argv.join(' ')} should fail`);
    }
    const distributed = await exportLog(CLUSTER);
    const local = logBytes(embedded);
    if (distributed !== local) {
      const a = local.split('\n');
      const b = distributed.split('\n');
      const at = a.findIndex((l, i) => l !== b[i]);
      assert.unreachable(`${file}: the lockstep log differs from embedded at line ${at + 1}:\n  embedded: ${a[at]?.slice(0, 400)}\n  lockstep: ${b[at]?.slice(0, 400)}`);
    }
  });
}

test('a component no process hosts: a no-responders error at once, naming the process to start; nothing appended', async () => {
  const cluster = 'lockstep-missing';
  const r = await pvsim('.unused', [...harness.nats(cluster), '--lockstep', 'apply', '-f', 'examples/static/']);
  assert.is.not(r.code, 0);
  assert.match(r.stderr, /lockstep: no process hosts component [^;]+; start `pvsim .* --lockstep`/);
  assert.is(new JetStreamEventLog({ connect, cluster }).lastPos(), 0);
});

/**
 * A process of the cluster that answers every grant with `answer(grant)` (undefined: never
 * answers), in this test process — so the sequencer runs as a child (the in-process CLI would
 * block this thread's event loop while it waits for the reply).
 */
async function fakeProcess(cluster: string, answer: (grant: { component: string }) => string | undefined): Promise<() => Promise<void>> {
  const nc = await connectNats(connect);
  nc.subscribe(`pvsim.${cluster}.lockstep.>`, { callback: (_e, msg) => {
    const reply = answer(JSON.parse(new TextDecoder().decode(msg.data)) as { component: string });
    if (reply !== undefined) msg.respond(reply);
  } });
  await nc.flush();
  return () => nc.close();
}

test('a process whose step differs from the sequencer\'s: "lockstep diverged at <position>", nothing appended', async () => {
  const cluster = 'lockstep-diverged';
  const close = await fakeProcess(cluster, () => JSON.stringify({ records: [] }));
  try {
    const p = harness.start(cluster, ['--lockstep', 'apply', '-f', 'examples/static/']);
    assert.is.not(await p.exited, 0);
    assert.match(p.out(), /lockstep diverged at \d+: component [^ ]+ produced \[\] expected \[\{/);
    assert.is(new JetStreamEventLog({ connect, cluster }).lastPos(), 0);
  } finally {
    await close();
  }
});

test('a process that does not answer: a deadline error naming the component and the work item, nothing appended', async () => {
  const cluster = 'lockstep-silent';
  const close = await fakeProcess(cluster, () => undefined);
  try {
    const p = harness.start(cluster, ['--lockstep', '--lockstep-deadline', '200', 'apply', '-f', 'examples/static/']);
    assert.is.not(await p.exited, 0);
    assert.match(p.out(), /lockstep: component [^ ]+ did not perform work item .+ within 200 ms \(--lockstep-deadline\); nothing appended/);
    assert.is(new JetStreamEventLog({ connect, cluster }).lastPos(), 0);
  } finally {
    await close();
  }
});

test('a process refuses a grant that is not where its replica stands, and names both positions', async () => {
  const cluster = 'lockstep-replica';
  const kubelet = harness.start(cluster, ['--lockstep', 'kubelet', '--node', 'node-a']);
  await kubelet.waitFor(/lockstep: performing the deliveries/);
  const nc = await connectNats(connect);
  try {
    const subject = `pvsim.${cluster}.lockstep.kubelet%2Fnode-a`;
    const input = { time: '2026-01-01T00:00:00.000Z', stream: 'cluster', type: 'ClusterInitRequested', data: { seed: 1, profile: 'pvsim', nodes: 2, zones: 2 } };
    const item = { queue: 'kubelet/node-a', key: '*' };
    const ask = async (grant: object): Promise<{ error?: string; records?: unknown[] }> =>
      JSON.parse(new TextDecoder().decode((await nc.request(subject, JSON.stringify(grant), { timeout: 60_000 })).data));
    // A transaction at a position the log does not end at.
    const stale = await ask({ tx: 't-stale', base: 5, inputs: [input], sofar: 1, delivered: 0, component: 'kubelet/node-a', item });
    assert.match(stale.error ?? '', /the process folded the log to position 0, the sequencer's transaction starts at 5/);
    // The fresh cluster's first delivery (the kubelet's), claimed with a record too many.
    const ahead = await ask({ tx: 't-ahead', base: 0, inputs: [input], sofar: 999, delivered: 0, component: 'kubelet/node-a', item });
    const at = /the process was at delivery (\d+) \(kubelet\/node-a: kubelet\/node-a \*\) with (\d+) records in the transaction, the sequencer at delivery 0 \(kubelet\/node-a: kubelet\/node-a \*\) with 999/.exec(ahead.error ?? '');
    assert.ok(at, ahead.error);
    // The same grant where the replica stands is performed: the step's records, its WorkDelivered first.
    const done = await ask({ tx: 't-ok', base: 0, inputs: [input], sofar: Number(at[2]), delivered: Number(at[1]), component: 'kubelet/node-a', item });
    assert.is((done.records?.[0] as { type?: string } | undefined)?.type, 'WorkDelivered', JSON.stringify(done));
    // The process appended nothing.
    assert.is(new JetStreamEventLog({ connect, cluster }).lastPos(), 0);
  } finally {
    await nc.close();
  }
});

test('--lockstep with --csi-rpc is a usage error', async () => {
  const r = await pvsim('.unused', [...harness.nats('lockstep-usage'), '--lockstep', '--csi-rpc', 'disk', 'get', 'pv']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--lockstep and --csi-rpc cannot be used together/);
});

test.run();
