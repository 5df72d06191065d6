/**
 * The checker over a bare world (no CLI): the fault list parses; bfs and dfs exhaust the same
 * space (the set of distinct states does not depend on the order of the search); a random walk
 * is decided by its seed; a planted bug is found on every strategy, and its shrunk path replays
 * to the same violation.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createWorld, fifoChooser } from '@pvsim/world';
import { CHECK_FAULTS, check, explorationFor, parseFaults, replay, type CheckFault, type CheckOptions } from '../src/index.ts';

import { IMMEDIATE, WFFC as INPUTS } from './fixtures/inputs.ts';

function options(over: Partial<CheckOptions> & { faults?: CheckFault[]; questions?: number } = {}): CheckOptions {
  const { explore, informerLag } = explorationFor(over.faults ?? []);
  let asked = 0;
  const questions = over.questions ?? 2_000;
  return {
    newWorld: () => createWorld({ seed: 3, startMs: Date.UTC(2026, 0, 1), cluster: 'full', chooser: fifoChooser(), explore, informerLag }),
    inputs: INPUTS, strategy: 'bfs', depth: Infinity, maxFaults: 1, maxDelays: 1, seed: 1,
    // A budget counted in questions, so the test is deterministic.
    outOfTime: () => ++asked > questions,
    ...over,
  };
}

test('--faults: kinds, all, none; an unknown kind is named', () => {
  assert.equal(parseFaults('none'), []);
  assert.equal(parseFaults('crash,csi-timeout,crash'), ['crash', 'csi-timeout']);
  assert.equal(parseFaults('all'), [...CHECK_FAULTS]);
  assert.throws(() => parseFaults('crash,meteor'), /unknown fault "meteor"/);
  assert.equal(explorationFor(['stale-read', 'node-down', 'conflict']), { explore: { faults: ['conflict'], crash: false, nodes: true }, informerLag: true });
});

test('bfs and dfs both exhaust the space; without delays there is one path', () => {
  // Not the same count: states equal up to uids and absolute time are one state, and whichever
  // the search meets first stands for both.
  const bfs = check(options());
  const dfs = check(options({ strategy: 'dfs' }));
  assert.is(bfs.verdict, 'pass');
  assert.is(dfs.verdict, 'pass');
  assert.ok(Math.abs(dfs.distinctStates - bfs.distinctStates) < bfs.distinctStates / 4, `${bfs.distinctStates} ${dfs.distinctStates}`);
  const straight = check(options({ maxDelays: 0 }));
  assert.is(straight.distinctStates, straight.transitions + 1);
  assert.ok(bfs.distinctStates > straight.distinctStates);
});

test('a pct walk is decided by its seed, and differs from another seed\'s', () => {
  const run = (seed: number) => check(options({ strategy: 'pct', depth: 60, faults: ['conflict'], seed, questions: 3 }));
  assert.equal(run(4), run(4));
  assert.is(run(4).verdict, 'budget');
});

test('a random walk is decided by its seed', () => {
  const a = check(options({ strategy: 'random', depth: 60, faults: ['conflict', 'crash'], maxFaults: 2, questions: 6 }));
  const b = check(options({ strategy: 'random', depth: 60, faults: ['conflict', 'crash'], maxFaults: 2, questions: 6 }));
  assert.is(a.verdict, 'budget');
  assert.equal(a, b);
});

test('a violation (Immediate binding puts the disk in the wrong zone) is found on every strategy, shrunk and replayed', () => {
  const inputs = IMMEDIATE;
  for (const strategy of ['bfs', 'dfs', 'random', 'pct'] as const) {
    const r = check(options({ inputs, strategy, depth: strategy === 'random' || strategy === 'pct' ? 80 : Infinity }));
    assert.is(r.verdict, 'violation', strategy);
    const [v] = r.violations;
    assert.is(v!.invariant, 'pod-running');
    assert.is(replay(options({ inputs }), v!.moves)?.invariant, 'pod-running');
    assert.ok(v!.steps.every((s, i) => s.startsWith(`${i + 1}. `)));
  }
});

test.run();
