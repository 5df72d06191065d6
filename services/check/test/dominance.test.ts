/**
 * Budget dominance (ADR 0037): under a delay or fault bound a state is stored once per budget no
 * other record of it covers, not once per budget, so a state reached again with no more of every
 * bound spent is not expanded again. The reduced search must visit every state the search that
 * tells budgets apart visits: the same keys (world, inputs taken, settling) where the key is
 * exact, and always the same cluster states (objects, inputs taken, settling) with the same
 * safety verdicts, and the same verdict — with no more transitions.
 *
 * Why not always the same keys: a component's memory may hold an absolute time (the scheduler's
 * binding deadline), which the key hashes while the objects' part leaves times out. Two paths
 * reaching one key at different times (one took a resync to retry a failed write) then have
 * children whose keys differ by that time only; whichever path is expanded stands for both — as
 * between two paths of the same budget before (por.test.ts, "stand-ins"). With faults that retry
 * over a resync the tests compare cluster states, and that the reduced search meets no key the
 * other does not.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { createWorld, fifoChooser } from '@pvsim/world';
import { check, explorationFor, SAFETY, type CheckFault, type CheckInput, type CheckOptions, type CheckResult, type Strategy } from '../src/index.ts';
import { IMMEDIATE, inputsOf, WFFC } from './fixtures/inputs.ts';

const NAS = inputsOf('lecture/static-nas/01-pv.yaml', 'lecture/static-nas/02-pvc.yaml');

interface Bounds { strategy: Strategy; depth: number; maxDelays: number; faults: CheckFault[]; maxFaults: number }

function options(inputs: CheckInput[], b: Bounds): CheckOptions {
  const { explore, informerLag } = explorationFor(b.faults);
  return {
    newWorld: () => createWorld({ seed: 3, startMs: Date.UTC(2026, 0, 1), cluster: 'full', chooser: fifoChooser(), explore, informerLag }),
    inputs, strategy: b.strategy, depth: b.depth, maxFaults: b.maxFaults, maxDelays: b.maxDelays, seed: 1, outOfTime: () => false, shrink: false,
  };
}

/** A key without the budget the search that tells budgets apart appends (`|faults|delays`). */
const withoutBudget = (k: string): string => k.slice(0, k.lastIndexOf('|', k.lastIndexOf('|') - 1));
/** The objects' part of a key (times, uids and resourceVersions left out) and the rest after the fingerprint. */
function clusterState(k: string): string {
  const [fingerprint, ...rest] = k.split('|');
  return `${fingerprint!.slice(0, fingerprint!.lastIndexOf('-'))}|${rest.join('|')}`;
}

interface Explored { result: CheckResult; keys: Set<string>; cluster: Set<string>; safety: Set<string> }

function explore(o: CheckOptions, dominance: boolean): Explored {
  const keys = new Set<string>();
  const cluster = new Set<string>();
  const safety = new Set<string>();
  const result = check({
    ...o, dominance,
    onState: (k0, w) => {
      const k = dominance ? k0 : withoutBudget(k0);
      keys.add(k);
      cluster.add(clusterState(k));
      safety.add(SAFETY.map((p) => `${p.name}:${p.check(w).join(';')}`).join(' '));
    },
  });
  return { result, keys, cluster, safety };
}

const minus = (a: Set<string>, b: Set<string>): string[] => [...a].filter((k) => !b.has(k));

/** Compares the two searches; `exact`: the keys themselves agree (no retry over a resync in the space). */
function compare(inputs: CheckInput[], b: Bounds, exact: boolean): { off: Explored; on: Explored } {
  const o = options(inputs, b);
  const off = explore(o, false);
  const on = explore(o, true);
  const what = JSON.stringify(b);
  assert.is(on.result.verdict, off.result.verdict, what);
  assert.ok(on.result.transitions <= off.result.transitions, `${what}: ${on.result.transitions} vs ${off.result.transitions} transitions`);
  if (off.result.verdict === 'violation') {
    assert.is(on.result.violations[0]!.invariant, off.result.violations[0]!.invariant, what);
    return { off, on };
  }
  assert.is(on.result.depthBounded, off.result.depthBounded, what);
  assert.equal(minus(on.keys, off.keys), [], `${what}: keys the reduced search met and the other did not`);
  if (exact) assert.equal(minus(off.keys, on.keys), [], `${what}: keys missed`);
  assert.equal(minus(off.cluster, on.cluster), [], `${what}: cluster states missed`);
  assert.equal([...on.safety].sort(), [...off.safety].sort(), what);
  // distinctStates counts keys: the reduced search's are the distinct states without budget.
  assert.is(on.result.distinctStates, on.keys.size, what);
  return { off, on };
}

const CASES: [string, CheckInput[], Bounds, boolean][] = [
  ['zonal WFFC, bfs, 1 delay (the benchmark)', WFFC, { strategy: 'bfs', depth: 500, maxDelays: 1, faults: [], maxFaults: 0 }, true],
  ['zonal WFFC, bfs, 2 delays', WFFC, { strategy: 'bfs', depth: 500, maxDelays: 2, faults: [], maxFaults: 0 }, true],
  ['zonal WFFC, dfs, 1 delay', WFFC, { strategy: 'dfs', depth: 500, maxDelays: 1, faults: [], maxFaults: 0 }, true],
  ['zonal WFFC, bfs, 2 delays, depth 14', WFFC, { strategy: 'bfs', depth: 14, maxDelays: 2, faults: [], maxFaults: 0 }, true],
  ['zonal WFFC, bfs, no delay, a crash', WFFC, { strategy: 'bfs', depth: 500, maxDelays: 0, faults: ['crash'], maxFaults: 1 }, true],
  ['zonal WFFC, bfs, no delay, a CSI timeout', WFFC, { strategy: 'bfs', depth: 500, maxDelays: 0, faults: ['csi-timeout'], maxFaults: 1 }, true],
  ['zonal WFFC, bfs, 1 delay, a CSI timeout', WFFC, { strategy: 'bfs', depth: 500, maxDelays: 1, faults: ['csi-timeout'], maxFaults: 1 }, true],
  ['zonal WFFC, dfs, 1 delay, a node down', WFFC, { strategy: 'dfs', depth: 500, maxDelays: 1, faults: ['node-down'], maxFaults: 1 }, true],
  ['zonal WFFC, bfs, no delay, a conflict (retried over a resync)', WFFC, { strategy: 'bfs', depth: 500, maxDelays: 0, faults: ['conflict'], maxFaults: 1 }, false],
  ['zonal WFFC, bfs, 1 delay, a conflict', WFFC, { strategy: 'bfs', depth: 500, maxDelays: 1, faults: ['conflict'], maxFaults: 1 }, false],
  ['lecture static NAS, bfs, 2 delays, an API error', NAS, { strategy: 'bfs', depth: 500, maxDelays: 2, faults: ['api-error'], maxFaults: 1 }, false],
  ['zonal Immediate (the known failure), bfs, 1 delay', IMMEDIATE, { strategy: 'bfs', depth: 500, maxDelays: 1, faults: [], maxFaults: 0 }, true],
];

for (const [what, inputs, bounds, exact] of CASES) {
  test(`budget dominance visits every state the search by budget does: ${what}`, () => {
    compare(inputs, bounds, exact);
  });
}

test('the benchmark\'s space: 241 distinct states where 294 budgets were stored, fewer transitions', () => {
  const { off, on } = compare(WFFC, { strategy: 'bfs', depth: 500, maxDelays: 1, faults: [], maxFaults: 0 }, true);
  assert.is(off.result.distinctStates, 294);
  assert.is(off.keys.size, 241);
  assert.is(on.result.distinctStates, 241);
  assert.ok(on.result.reduction.revisited > 0);
  assert.ok(on.result.transitions < off.result.transitions);
});

test('without a delay or fault bound nothing changes: one budget, the same search', () => {
  const o = { ...options(NAS, { strategy: 'bfs', depth: 500, maxDelays: Infinity, faults: [], maxFaults: 0 }), noops: true };
  const off = check({ ...o, dominance: false });
  const on = check({ ...o, dominance: true });
  assert.equal({ ...on, reduction: { ...on.reduction, revisited: 0 } }, { ...off, reduction: { ...off.reduction, revisited: 0 } });
  assert.is(on.reduction.revisited, off.reduction.revisited);
});

test('over random bounds (strategy, depth, delays, one fault kind or none): the same states, verdicts and safety verdicts', () => {
  const bounds = fc.record({
    strategy: fc.constantFrom<Strategy>('bfs', 'dfs'),
    depth: fc.integer({ min: 6, max: 30 }),
    maxDelays: fc.integer({ min: 0, max: 2 }),
    faults: fc.constantFrom<CheckFault[]>([], ['crash'], ['csi-timeout'], ['node-down'], ['csi-error']),
    inputs: fc.constantFrom('wffc', 'nas'),
  });
  fc.assert(fc.property(bounds, (b) => {
    // A node down or a crash with 2 delays on the zonal scenario is a 10 s space: one delay there.
    const maxDelays = b.inputs === 'wffc' && b.faults.length > 0 ? Math.min(b.maxDelays, 1) : b.maxDelays;
    // dfs at a depth bound meets stand-ins in its own order (por.test.ts): compared unbounded.
    const depth = b.strategy === 'dfs' ? 500 : b.depth;
    compare(b.inputs === 'wffc' ? WFFC : NAS, { strategy: b.strategy, depth, maxDelays, faults: b.faults, maxFaults: b.faults.length > 0 ? 1 : 0 }, true);
  }), { numRuns: 12 });
});

test.run();
