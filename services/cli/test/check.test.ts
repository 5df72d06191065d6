/**
 * `pvsim check` end to end, in-process: each known failure mode in examples/check/ is found with a
 * shrunk counterexample whose cluster directory `pvsim log verify` re-executes and the read verbs
 * inspect; each fixed configuration is proven clean (the space exhausted within its delay bound);
 * bad usage exits 2 with one line and explores nothing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pvsim, repoRoot, tempCluster } from './support.ts';
import { scenarioToCheck, writeCounterexample } from '../src/checkVerb.ts';

const out = mkdtempSync(join(tmpdir(), 'pvsim-check-'));

async function check(file: string, extra: string[] = []) {
  const r = await pvsim(tempCluster(), ['check', file, '-o', 'json', '--max-delays', '1', '--budget', '5m', '--out', out, ...extra]);
  return { ...r, json: r.stdout ? JSON.parse(r.stdout) : undefined };
}

const FAILURES: [string, string, string][] = [
  ['examples/check/zonal-immediate/immediate.yaml', 'pod-running', 'pod default/app is Pending'],
  ['examples/check/node-down/down.yaml', 'pod-running', 'is Pending after the cluster settled'],
  ['examples/check/delete-while-writing/delete.yaml', 'data-kept', 'no volume holds the data written'],
];

for (const [file, invariant, message] of FAILURES) {
  test(`check finds the known failure in ${file}, with a replayable counterexample`, async () => {
    const r = await check(file);
    assert.is(r.code, 1, r.stderr);
    assert.is(r.json.verdict, 'violation');
    assert.equal(Object.keys(r.json), ['verdict', 'strategy', 'states', 'distinctStates', 'transitions', 'maxDepth', 'seconds', 'statesPerSecond', 'violations', 'reduction']);
    const [v] = r.json.violations;
    assert.is(v.invariant, invariant);
    assert.is(v.kind, 'liveness');
    assert.ok(v.message.includes(message), v.message);
    assert.ok(v.steps.length > 0 && v.steps[0].startsWith('1. '), v.steps.join('\n'));
    const verify = await pvsim(v.dir, ['log', 'verify']);
    assert.is(verify.code, 0, verify.stderr);
    const pods = await pvsim(v.dir, ['get', 'pods']);
    assert.is(pods.code, 0, pods.stderr);
  });
}

for (const file of ['examples/check/zonal-immediate/fixed.yaml', 'examples/check/node-down/fixed.yaml', 'examples/check/delete-while-writing/fixed.yaml']) {
  test(`check proves ${file} clean`, async () => {
    const r = await check(file);
    assert.is(r.code, 0, r.stdout + r.stderr);
    assert.is(r.json.verdict, 'pass');
    assert.ok(r.json.distinctStates > 10 && r.json.transitions >= r.json.distinctStates - 1);
  });
}

// Issue 7: the lecture scenarios are exhausted with the default flags — no faults, no delay bound,
// no-ops taken alone. The budget is raised so that a loaded machine cannot turn this into a
// timing test; the time it takes is measured in docs/benchmarks.md (session 5), not here.
for (const file of ['examples/lecture/static-nas/scenarios/demo.yaml', 'examples/lecture/dynamic-disk/scenarios/demo.yaml']) {
  test(`check exhausts ${file} with the default flags`, async () => {
    const r = await pvsim(tempCluster(), ['check', file, '-o', 'json', '--budget', '10m', '--out', out]);
    assert.is(r.code, 0, r.stdout + r.stderr);
    const json = JSON.parse(r.stdout);
    assert.is(json.verdict, 'pass');
    assert.ok(json.maxDepth < 500, `depth ${json.maxDepth}: the space ended before the depth bound`);
    assert.ok(json.reduction.noopStates > 0, JSON.stringify(json.reduction));
  });
}

const SHIPPED = [
  'examples/static/scenarios/static-provisioning.yaml', 'examples/lecture/static-nas/scenarios/demo.yaml',
  'examples/lecture/dynamic-disk/scenarios/demo.yaml', 'examples/pod-volumes/scenarios/demo.yaml',
  'examples/statefulset/scenarios/demo.yaml', 'examples/access-modes/scenarios/demo.yaml',
  'examples/node-failure/scenarios/demo.yaml', 'examples/node-failure/scenarios/out-of-service.yaml',
];

test('every shipped example scenario passes check on its default path (no false findings)', async () => {
  for (const file of SHIPPED) {
    const r = await check(file, ['--max-delays', '0']);
    assert.is(r.code, 0, `${file}: ${r.stdout}`);
    assert.is(r.json.verdict, 'pass', file);
  }
});

test('sim: seeded runs; a failing seed is listed with its counterexample, and the same seed fails the same way', async () => {
  const run = async () => {
    const r = await pvsim(tempCluster(), ['--seed', '5', 'sim', 'examples/check/zonal-immediate/immediate.yaml', '--runs', '2', '-o', 'json', '--out', out]);
    return { code: r.code, json: JSON.parse(r.stdout) };
  };
  const a = await run();
  assert.is(a.code, 1);
  assert.equal(a.json.failed.map((f: { seed: number; invariant: string }) => [f.seed, f.invariant]), [[5, 'pod-running'], [6, 'pod-running']]);
  const b = await run();
  assert.equal(b.json.failed.map((f: { steps: string[] }) => f.steps), a.json.failed.map((f: { steps: string[] }) => f.steps));
  const verify = await pvsim(a.json.failed[0].dir, ['log', 'verify']);
  assert.is(verify.code, 0, verify.stderr);
});

test('a fixed configuration stays clean under one injected fault of each kind', async () => {
  const r = await check('examples/check/zonal-immediate/fixed.yaml', ['--faults', 'csi-timeout,conflict,crash', '--max-delays', '0']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.is(r.json.verdict, 'pass');
});

test('the human report names the invariant, numbers the steps and shows the directory', async () => {
  const r = await pvsim(tempCluster(), ['check', 'examples/check/zonal-immediate/immediate.yaml', '--max-delays', '0', '--out', out]);
  assert.is(r.code, 1);
  assert.match(r.stdout, /VIOLATION \(liveness\) pod-running: pod default\/app is Pending/);
  assert.match(r.stdout, /\n {4}1\. apply node node-a/);
  assert.match(r.stdout, /log verify\n/);
  assert.ok(readdirSync(out).length >= 1);
});

test('--invariant: a user\'s safety and liveness modules are judged, and a missing one is bad usage', async () => {
  const safety = await check('examples/statefulset/scenarios/demo.yaml', ['--max-delays', '0', '--invariant', 'examples/check/invariants/one-pv-per-class.mjs']);
  assert.is(safety.code, 1, safety.stdout);
  assert.is(safety.json.violations[0].invariant, 'one-pv-per-class');
  assert.is(safety.json.violations[0].kind, 'safety');
  const liveness = await check('examples/static/scenarios/static-provisioning.yaml', ['--max-delays', '0', '--invariant', 'examples/check/invariants/no-pending-claims.mjs']);
  assert.is(liveness.code, 1, liveness.stdout);
  assert.equal([liveness.json.violations[0].invariant, liveness.json.violations[0].kind], ['no-pending-claims', 'liveness']);
  const clean = await check('examples/check/zonal-immediate/fixed.yaml', ['--max-delays', '0', '--invariant', 'examples/check/invariants/one-pv-per-class.mjs', 'examples/check/invariants/no-pending-claims.mjs']);
  assert.is(clean.code, 0, clean.stdout);
  const missing = await check('examples/check/zonal-immediate/fixed.yaml', ['--invariant', 'examples/check/invariants/nope.mjs']);
  assert.is(missing.code, 2);
  assert.match(missing.stderr, /--invariant examples\/check\/invariants\/nope.mjs: cannot load/);
});

test('a path with faults, a crash and lagging informers is written as a cluster that log verify re-executes', async () => {
  const sc = scenarioToCheck({ cwd: repoRoot, readStdin: () => '' }, 'examples/check/zonal-immediate/fixed.yaml', 1);
  const dir = tempCluster();
  writeCounterexample({ clusterDir: dir, seed: 1 }, dir, {
    seed: sc.seed, world: { informerLag: true, fifo: true }, inputs: sc.inputs, liveness: true,
    moves: [
      { type: 'input', index: 0 }, { type: 'input', index: 1 }, { type: 'input', index: 2 },
      { type: 'action', action: { type: 'fault', fault: { kind: 'csi-timeout', driver: 'disk.csi.pvsim.dev' } } },
      { type: 'input', index: 3 }, { type: 'action', action: { type: 'watch', informer: 'kube-controller-manager' } },
      { type: 'action', action: { type: 'crash', component: 'pv-controller' } },
    ],
  });
  const verify = await pvsim(dir, ['log', 'verify']);
  assert.is(verify.code, 0, verify.stderr);
  const log = await pvsim(dir, ['log']);
  for (const type of ['CheckPathRequested', 'FaultInjected', 'ComponentRestarted', 'WatchDelivered']) assert.ok(log.stdout.includes(`"type":"${type}"`), type);
  const pods = await pvsim(dir, ['get', 'pod', 'app', '-o', 'json']);
  assert.is(JSON.parse(pods.stdout).status.phase, 'Running');
});

const DISK_DEMO = 'examples/lecture/dynamic-disk/scenarios/demo.yaml';
const driverFlag = (file: string) => ['--csi-driver', `disk.csi.pvsim.dev=examples/check/csi-driver/${file}`, '--faults', 'csi-timeout', '--max-delays', '0'];

test('--csi-driver: a user\'s driver module runs in place of the simulated one; the buggy example is caught, the correct one proven clean', async () => {
  const buggy = await check(DISK_DEMO, driverFlag('buggy-disk-driver.mjs'));
  assert.is(buggy.code, 1, buggy.stdout + buggy.stderr);
  const [v] = buggy.json.violations;
  assert.is(v.invariant, 'driver-leak');
  assert.match(v.message, /driver disk\.csi\.pvsim\.dev: volume vol-1 is leaked/);
  assert.match(v.steps[0], /runs, but its reply is lost/);
  const verify = await pvsim(v.dir, ['log', 'verify']);
  assert.is(verify.code, 0, verify.stderr);
  const correct = await check(DISK_DEMO, driverFlag('disk-driver.mjs'));
  assert.is(correct.code, 0, correct.stdout + correct.stderr);
  assert.is(correct.json.verdict, 'pass');
});

test('bad usage exits 2 with one line, and nothing is explored', async () => {
  const cases: [string[], string][] = [
    [['check', 'examples/check/nope.yaml'], 'does not exist'],
    [['check', 'examples/check/zonal-immediate/fixed.yaml', '--strategy', 'sideways'], '--strategy'],
    [['check', 'examples/check/zonal-immediate/fixed.yaml', '--faults', 'meteor'], 'unknown fault "meteor"'],
    [['check', 'examples/check/zonal-immediate/fixed.yaml', '--max-faults', '-1'], '--max-faults'],
    [['check', 'examples/check/zonal-immediate/fixed.yaml', '--budget', 'soon'], '--budget'],
    [['check', 'examples/check/zonal-immediate/fixed.yaml', '-o', 'yaml'], 'output format'],
    [['check', 'examples/check/zonal-immediate/fixed.yaml', '--csi-driver', 'disk.csi.pvsim.dev'], 'use NAME=./driver.mjs'],
    [['check', 'examples/check/zonal-immediate/fixed.yaml', '--csi-driver', 'disk.csi.pvsim.dev=examples/check/nope.mjs'], 'no such file'],
    [['check', 'examples/check/zonal-immediate/fixed.yaml', '--csi-driver', 'tape.example.com=examples/check/csi-driver/disk-driver.mjs'], 'the cluster has no driver of that name'],
    [['check', 'examples/check/zonal-immediate/fixed.yaml', '--csi-driver', 'disk.csi.pvsim.dev=examples/check/invariants/one-pv-per-class.mjs'], 'export default function createDriver'],
    // What the argument parser refuses is bad usage too.
    [['check'], "missing required argument 'scenario'"],
    [['check', 'examples/check/zonal-immediate/fixed.yaml', '--bogus'], "unknown option '--bogus'"],
    [['sim'], "missing required argument 'scenario'"],
    [['sim', 'examples/check/zonal-immediate/fixed.yaml', '--bogus'], "unknown option '--bogus'"],
  ];
  for (const [argv, want] of cases) {
    const r = await pvsim(tempCluster(), argv);
    assert.is(r.code, 2, `${argv.join(' ')}: ${r.stderr}`);
    assert.is(r.stdout, '');
    assert.ok(r.stderr.includes(want) && r.stderr.trim().split('\n').length === 1, r.stderr);
  }
});

test.run();
