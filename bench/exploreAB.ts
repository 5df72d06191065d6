/**
 * Design: bench/exploreRounds.ts for two checkouts in one process, paired (docs/benchmarks.md,
 * "Exploration cost, session 8"). On a shared machine the load moves a run's ratio by ±30 % from
 * one minute to the next; alternating processes pairs runs a minute apart. Here each checkout's
 * world, checker and manifests are loaded from its own tree (two module graphs) and the rounds
 * alternate A, B, B, A, … a second apart, each: raw steps, `check` bfs `--max-delays 1`, raw steps
 * (CPU time, as exploreRounds). Prints each side's medians over the warm rounds (the first two
 * dropped) and the median of the paired per-state ratio A ÷ B.
 * `node --import tsx bench/exploreAB.ts ROUNDS A_ROOT B_ROOT` (checkout roots, e.g. `. ../base`).
 * `STALE=1`: the exploration is bench/check.ts's zonal depth 5 with stale informers (lagging
 * informers, which a restore in place refuses; dedup, no partial-order reduction) instead.
 * `SCENARIO=pv`: the PV-only cluster's exploration (bench/exploreScenarios.ts) instead of the
 * full cluster's. Each side's world, checker, manifests and fixtures come from its checkout;
 * the scenario and the raw loop (this tree's bench/exploreScenarios.ts) are the same for both.
 */
import { resolve } from 'node:path';
import { loadExploration, type Exploration } from './exploreScenarios.ts';
import { median } from './measure.ts';

const quartile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * q)]!;

void (async () => {
  const [roundsArg, aRoot, bRoot] = process.argv.slice(2);
  if (!roundsArg || !aRoot || !bRoot) { console.error('usage: node --import tsx bench/exploreAB.ts ROUNDS A_ROOT B_ROOT'); process.exit(2); }
  const rounds = Number(roundsArg);
  const name = process.env['SCENARIO'] === 'pv' ? 'pv' : 'zonal';
  const opts = { stale: process.env['STALE'] === '1' };
  const sides: Record<'A' | 'B', Exploration> = {
    A: await loadExploration(resolve(aRoot), name, opts),
    B: await loadExploration(resolve(bRoot), name, opts),
  };
  console.log(sides.A.label);
  const out = { A: { step: [] as number[], state: [] as number[], distinct: 0 }, B: { step: [] as number[], state: [] as number[], distinct: 0 } };
  for (let i = 0; i < rounds; i++) {
    for (const name of (i % 2 === 0 ? ['A', 'B'] : ['B', 'A']) as ('A' | 'B')[]) {
      const s = sides[name];
      const r1 = s.raw(10);
      const e = s.explore(1);
      const r2 = s.raw(10);
      out[name].distinct = e.distinct;
      if (i < 2) continue;
      out[name].step.push((r1.ms + r2.ms) / (r1.steps + r2.steps));
      out[name].state.push(e.ms / e.distinct);
    }
  }
  for (const name of ['A', 'B'] as const) {
    const o = out[name];
    const ratios = o.state.map((s, i) => s / o.step[i]!);
    console.log(`${name}: ${o.distinct} distinct; median raw step ${median(o.step).toFixed(4)} ms, distinct state ${median(o.state).toFixed(4)} ms, ratio ${median(ratios).toFixed(2)}x (quartiles ${quartile(ratios, 0.25).toFixed(2)}–${quartile(ratios, 0.75).toFixed(2)}, ${ratios.length} rounds)`);
  }
  const paired = out.A.state.map((a, i) => a / out.B.state[i]!);
  console.log(`A ÷ B per distinct state, paired: median ${median(paired).toFixed(3)} (quartiles ${quartile(paired, 0.25).toFixed(3)}–${quartile(paired, 0.75).toFixed(3)})`);
})();
