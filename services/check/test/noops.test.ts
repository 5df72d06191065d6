/**
 * No-op deliveries taken alone (ADR 0021): with the queue's no-ops taken one at a time instead of
 * in every order, the search meets fewer states but the same cluster states — the same objects
 * (up to uids, resourceVersions and times), the same inputs taken, the same settling — and so the
 * same safety verdicts on every one, and the same verdict at the end. The states it no longer
 * meets differ from one it meets only by work items waiting whose delivery changes nothing.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createWorld, fifoChooser } from '@pvsim/world';
import { check, SAFETY, type CheckInput, type CheckOptions, type CheckResult } from '../src/index.ts';
import fc from 'fast-check';
import { IMMEDIATE, inputOf, inputsOf, WFFC } from './fixtures/inputs.ts';

const NAS = inputsOf('lecture/static-nas/01-pv.yaml', 'lecture/static-nas/02-pvc.yaml');

function options(inputs: CheckInput[]): CheckOptions {
  return {
    newWorld: () => createWorld({ seed: 3, startMs: Date.UTC(2026, 0, 1), cluster: 'full', chooser: fifoChooser() }),
    inputs, strategy: 'bfs', depth: 500, maxFaults: 0, seed: 1, outOfTime: () => false, shrink: false,
  };
}

/** What a state is without its waiting work: the objects' part of its key and the search's own counters after it. */
function clusterState(key: string): string {
  const [fingerprint, ...rest] = key.split('|');
  return `${fingerprint!.slice(0, fingerprint!.lastIndexOf('-'))}|${rest.join('|')}`;
}

function explore(o: CheckOptions): { result: CheckResult; states: number; cluster: Set<string>; safety: Set<string> } {
  const cluster = new Set<string>();
  const safety = new Set<string>();
  let states = 0;
  const result = check({
    ...o,
    onState: (k, w) => {
      states++;
      cluster.add(clusterState(k));
      safety.add(SAFETY.map((p) => `${p.name}:${p.check(w).join(';')}`).join(' '));
    },
  });
  return { result, states, cluster, safety };
}

for (const [what, inputs] of [['the lecture\'s static NAS PV and claim', NAS]] as const) {
  test(`no-ops taken alone: fewer states, the same cluster states and safety verdicts, the space exhausted: ${what}`, () => {
    const full = explore({ ...options(inputs), noops: false });
    const reduced = explore({ ...options(inputs), noops: true });
    assert.is(full.result.verdict, 'pass');
    assert.is(reduced.result.verdict, 'pass');
    assert.is(full.result.depthBounded, false);
    assert.is(reduced.result.depthBounded, false);
    assert.equal([...reduced.cluster].filter((k) => !full.cluster.has(k)), []);
    assert.equal([...full.cluster].filter((k) => !reduced.cluster.has(k)), []);
    assert.equal([...reduced.safety].sort(), [...full.safety].sort());
    assert.ok(reduced.result.reduction.noopStates! > 0);
    assert.ok(reduced.states < full.states, `${reduced.states} vs ${full.states}`);
  });
}

/** Small scenarios for the property below: the lecture's NAS PV and claim, a pod using the claim, and their deletion. */
const NAS_POD = (() => {
  const [pv, claim] = NAS;
  const pod = inputOf({
    apiVersion: 'v1', kind: 'Pod', metadata: { name: 'app', namespace: 'default' },
    spec: { containers: [{ name: 'app', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'nas-pvc' } }] },
  });
  // A deletion of what is not there does nothing (as `kubectl delete --ignore-not-found`).
  const remove = (kind: 'Pod' | 'PersistentVolumeClaim', key: string): CheckInput => ({ label: `delete ${kind} ${key}`, apply: (w) => { if (w.store.get(kind, key)) w.store.delete(kind, key); } });
  return [pv!, claim!, pod, remove('Pod', 'default/app'), remove('PersistentVolumeClaim', 'default/nas-pvc')];
})();

test('no-ops taken alone, over random small scenarios (a PV, a claim and a pod in any order, some left out, some deleted): the same cluster states, safety verdicts and verdict', () => {
  // Two or three of the PV, the claim and the pod in any order, then some of the deletions.
  const scenario = fc.tuple(fc.shuffledSubarray([0, 1, 2], { minLength: 2 }), fc.subarray([3, 4])).map(([made, removed]) => [...made, ...removed]);
  fc.assert(fc.property(scenario, (picked) => {
    const inputs = picked.map((i) => NAS_POD[i]!);
    const full = explore({ ...options(inputs), noops: false });
    const reduced = explore({ ...options(inputs), noops: true });
    assert.is(reduced.result.verdict, full.result.verdict);
    assert.is(reduced.result.violations[0]?.invariant, full.result.violations[0]?.invariant);
    if (full.result.verdict === 'violation') return;
    assert.is(full.result.depthBounded, false);
    assert.is(reduced.result.depthBounded, false);
    assert.equal([...reduced.cluster].filter((k) => !full.cluster.has(k)), []);
    assert.equal([...full.cluster].filter((k) => !reduced.cluster.has(k)), []);
    assert.equal([...reduced.safety].sort(), [...full.safety].sort());
  }), { numRuns: 5 });
});

test('no-ops taken alone: the known failure is still found, as the same property', () => {
  const full = check({ ...options(IMMEDIATE), noops: false });
  const reduced = check({ ...options(IMMEDIATE), noops: true });
  assert.is(full.verdict, 'violation');
  assert.is(reduced.verdict, 'violation');
  assert.is(reduced.violations[0]!.invariant, full.violations[0]!.invariant);
  assert.is(reduced.violations[0]!.kind, full.violations[0]!.kind);
});

test('no-ops are taken alone only when asked, without faults, with partial-order reduction, and without a user\'s invariants', () => {
  const o = { ...options(WFFC), depth: 6, noops: true };
  assert.is(check(o).reduction.noops, true);
  assert.is(check({ ...o, noops: undefined }).reduction.noops, undefined);
  assert.is(check({ ...o, por: false }).reduction.noops, undefined);
  assert.is(check({ ...o, maxFaults: 1 }).reduction.noops, undefined);
  assert.is(check({ ...o, invariants: [{ name: 'mine', kind: 'safety', check: () => [] }] }).reduction.noops, undefined);
});

test.run();
