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
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { cpuMs } from './measure.ts';


interface Side { raw: () => { steps: number; ms: number }; explore: () => { ms: number; distinct: number } }

async function load(root: string): Promise<Side> {
  const m = await import(`${root}/packages/manifests/src/index.ts`);
  const world = await import(`${root}/services/world/src/index.ts`);
  const checker = await import(`${root}/services/check/src/index.ts`);
  const dir = `${root}/examples/check/zonal-immediate/`;
  const objects = ['01-nodes.yaml', '02-class-wffc.yaml', '03-claim-and-pod.yaml']
    .flatMap((f) => m.parseManifests(readFileSync(dir + f, 'utf8'), f).map((p: { object: unknown }) => m.applyDefaults(p.object)));
  type W = { store: { create: (k: string, o: unknown) => void }; clock: { iso: () => string }; enabled: () => { type: string }[]; scheduler: { size: number }; step: (a: unknown, chosen: boolean) => void };
  const inputs = objects.map((o: { kind: string; metadata: { name: string } }) => ({ label: o.metadata.name, apply: (w: W) => { w.store.create(o.kind, m.prepareForCreate(structuredClone(o), w.clock.iso())); } }));
  const stale = process.env['STALE'] === '1';
  const exploration = stale ? checker.explorationFor(['stale-read']) : undefined;
  const newWorld = (): W => world.createWorld({ seed: 1, startMs: Date.UTC(2026, 0, 1), cluster: 'full', chooser: world.fifoChooser(), ...(exploration ?? {}) });
  return {
    raw: () => {
      const t = cpuMs();
      let steps = 0;
      for (let r = 0; r < 10; r++) {
        const w = newWorld();
        for (const input of inputs) {
          input.apply(w);
          for (;;) {
            // Watch events wait only where informers lag (STALE): they are delivered as they come.
            const a = w.enabled().find((x) => x.type === 'deliver' || x.type === 'watch' || (x.type === 'timer' && w.scheduler.size === 0));
            if (!a) break;
            w.step(a, true);
            steps++;
          }
        }
      }
      return { steps, ms: cpuMs() - t };
    },
    explore: () => {
      const t = cpuMs();
      const e = checker.check(stale
        ? { newWorld, inputs, strategy: 'bfs', depth: 5, maxFaults: 1, seed: 1, outOfTime: () => false, shrink: false, por: false }
        : { newWorld, inputs, strategy: 'bfs', depth: 500, maxFaults: 0, maxDelays: 1, seed: 1, outOfTime: () => false });
      return { ms: cpuMs() - t, distinct: e.distinctStates as number };
    },
  };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const quartile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) * q)]!;

void (async () => {
  const [roundsArg, aRoot, bRoot] = process.argv.slice(2);
  if (!roundsArg || !aRoot || !bRoot) { console.error('usage: node --import tsx bench/exploreAB.ts ROUNDS A_ROOT B_ROOT'); process.exit(2); }
  const rounds = Number(roundsArg);
  const sides: Record<'A' | 'B', Side> = {
    A: await load(resolve(aRoot)),
    B: await load(resolve(bRoot)),
  };
  const out = { A: { step: [] as number[], state: [] as number[], distinct: 0 }, B: { step: [] as number[], state: [] as number[], distinct: 0 } };
  for (let i = 0; i < rounds; i++) {
    for (const name of (i % 2 === 0 ? ['A', 'B'] : ['B', 'A']) as ('A' | 'B')[]) {
      const s = sides[name];
      const r1 = s.raw();
      const e = s.explore();
      const r2 = s.raw();
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
