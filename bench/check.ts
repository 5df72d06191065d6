/**
 * Design: benchmark 4 — the model checker (issue 7 item 10). What exploring costs against the
 * world's raw step, measured in the same process, on the full cluster (examples/check's zonal
 * scenario: WaitForFirstConsumer, 2 nodes, class, claim, pod) and on the PV-only cluster (three
 * volumes, three claims; both in bench/exploreScenarios.ts):
 *   - raw: the scenario's inputs taken one by one on one world, each followed by FIFO steps until
 *     nothing waits (what a settle does without time) — steps per second (CPU time; world builds
 *     not counted);
 *   - explore: `check` bfs with `--max-delays 1` (exhausts), distinct states per second, and the
 *     ratio of one distinct state's cost to one raw step's (the goal: ≤ 2);
 *   - dedup: states reached over distinct states (what fingerprint dedup saves), and the same space
 *     with `--max-delays 0`/`2` to show how the delay bound grows it;
 *   - the two costs a transition pays: fork (snapshot, a new world, restore) and a fingerprint
 *     from scratch on the fork;
 *   - partial-order reduction (ADR 0018): the same scenario and depth with unbounded delays
 *     explored as a tree (no dedup), with fingerprint dedup, and with dedup and sleep sets —
 *     transitions, distinct states and CPU time of each; with stale informers too; and the two
 *     lecture scenarios (their CLI scenarios, no faults, as `pvsim check` builds them) at a bounded
 *     depth with and without reduction;
 *   - no-op deliveries taken alone (ADR 0021, 0023): states with and without on a prefix of each
 *     lecture scenario both searches exhaust, and the CPU time to exhaust each whole scenario;
 *   - budget dominance (ADR 0037): each lecture scenario exhausted under `--max-delays` (and a
 *     fault) with states told apart by the budget their path spent, as before, and with a state
 *     stored once per budget no other covers — transitions, distinct states, CPU time.
 */
import { createWorld, fifoChooser, type World } from '../services/world/src/index.ts';
import { check, explorationFor, type CheckFault, type CheckInput, type CheckOptions } from '../services/check/src/index.ts';
import { checkInputsOf } from '../services/cli/src/checkPath.ts';
import { cpuMs } from './measure.ts';
import { prepareSim } from '../services/cli/src/checkVerb.ts';
import { loadExploration, type Exploration } from './exploreScenarios.ts';

const quick = process.argv.includes('--quick');
const root = new URL('..', import.meta.url).pathname;

/** One exploration's rows: raw step, distinct states/s and the ratio (wall and CPU), dedup with the delay bound. */
function explorationRows(ex: Exploration): void {
  const worlds = quick ? 5 : 20;
  const r1 = ex.raw(worlds);
  const e1 = ex.explore(1);
  const r2 = ex.raw(worlds);
  const stepMs = (r1.wallMs + r2.wallMs) / (r1.steps + r2.steps);
  const stateMs = e1.wallMs / e1.distinct;
  const stepCpuMs = (r1.ms + r2.ms) / (r1.steps + r2.steps);
  const stateCpuMs = e1.ms / e1.distinct;
  console.log(`check: ${ex.label}, bfs`);
  console.log(`  raw step                      ${(1000 / stepCpuMs).toFixed(0).padStart(8)} steps/s   (${stepCpuMs.toFixed(3)} ms CPU)`);
  console.log(`  explore, --max-delays 1       ${(1000 / stateCpuMs).toFixed(0).padStart(8)} distinct states/s   (${stateCpuMs.toFixed(3)} ms CPU; ${(stateCpuMs / stepCpuMs).toFixed(1)}x a raw step; goal <= 2x)`);
  console.log(`  the same in wall time          raw step ${stepMs.toFixed(3)} ms, distinct state ${stateMs.toFixed(3)} ms = ${(stateMs / stepMs).toFixed(1)}x`);
  console.log('  dedup and delay bound (states reached / distinct, verdict):');
  for (const d of quick ? [0, 1] : [0, 1, 2]) {
    const e = d === 1 ? e1 : ex.explore(d);
    console.log(`    --max-delays ${d}: ${e.states} / ${e.distinct} = ${(e.states / e.distinct).toFixed(2)}x saved by fingerprints, ${e.transitions} transitions, ${e.verdict}, ${(e.ms / 1000).toFixed(1)} s CPU`);
  }
}

/** The zonal scenario's inputs and worlds (set by `explorations`), explored again below. */
let inputs: CheckInput[] = [];

async function explorations(): Promise<void> {
  const zonalExploration = await loadExploration(root, 'zonal');
  inputs = zonalExploration.inputs as CheckInput[];
  const newWorld = zonalExploration.newWorld as () => World;
  explorationRows(zonalExploration);
  const w = newWorld();
  for (const input of inputs) { input.apply(w); w.drain(); }
  let t = performance.now();
  const n = quick ? 20 : 100;
  for (let i = 0; i < n; i++) w.fork();
  const forkMs = (performance.now() - t) / n;
  t = performance.now();
  for (let i = 0; i < n; i++) w.fork().fingerprint();
  const forkFpMs = (performance.now() - t) / n;
  console.log(`  fork                          ${forkMs.toFixed(3)} ms; fork + fingerprint from scratch ${forkFpMs.toFixed(3)} ms`);
  explorationRows(await loadExploration(root, 'pv'));
}

// ------------------------------------------------------------------ partial-order reduction

function cpuS(): number { return cpuMs() / 1000; }

function run(o: CheckOptions) {
  const t = cpuS();
  const r = check(o);
  return { ...r, cpu: cpuS() - t };
}

function zonal(depth: number, faults: CheckFault[], over: Partial<CheckOptions>) {
  const { explore, informerLag } = explorationFor(faults);
  return run({
    newWorld: () => createWorld({ seed: 1, startMs: Date.UTC(2026, 0, 1), cluster: 'full', chooser: fifoChooser(), explore, informerLag }),
    inputs, strategy: 'bfs', depth, maxFaults: faults.length > 0 ? 1 : 0, seed: 1, outOfTime: () => false, shrink: false, ...over,
  });
}

function line(label: string, r: ReturnType<typeof run>, base?: ReturnType<typeof run>): string {
  const ratio = base ? `  transitions ÷${(base.transitions / r.transitions).toFixed(2)}, CPU ÷${(base.cpu / r.cpu).toFixed(2)}` : '';
  return `    ${label.padEnd(22)} ${String(r.transitions).padStart(7)} transitions ${String(r.distinctStates).padStart(6)} distinct  ${r.cpu.toFixed(1).padStart(6)} s CPU  ${r.verdict}${ratio}`;
}

function partialOrderReduction(): void {
  console.log('partial-order reduction (bfs, unbounded delays; CPU seconds of this process):');
  for (const [depth, faults, tree] of (quick ? [[8, [], true], [5, ['stale-read'], false]] : [[10, [], true], [20, [], false], [8, ['conflict'], false], [5, ['stale-read'], false]]) as [number, CheckFault[], boolean][]) {
    console.log(`  zonal WFFC, depth ${depth}, faults ${faults.join(',') || 'none'}:`);
    const dedup = zonal(depth, faults, { por: false });
    if (tree) console.log(line('no dedup (tree)', zonal(depth, faults, { dedup: false }), dedup));
    console.log(line('dedup', dedup));
    console.log(line('dedup + POR', zonal(depth, faults, { por: true }), dedup));
  }
}
const io = { cwd: new URL('..', import.meta.url).pathname, readStdin: () => '' };
async function lecture(): Promise<void> {
  for (const sc of ['static-nas', 'dynamic-disk']) {
    const depth = quick ? 8 : 12;
    const sim = await prepareSim(io as never, { clusterDir: '/nonexistent', seed: 0 } as never, `examples/lecture/${sc}/scenarios/demo.yaml`, { runs: '1', faults: 'none', maxFaults: '1', out: '/nonexistent' });
    const o: CheckOptions = {
      newWorld: sim.newWorld, inputs: checkInputsOf(sim.sc.inputs), finals: sim.sc.finals, pendingAllowed: sim.sc.pendingAllowed,
      strategy: 'bfs', depth, maxFaults: 0, seed: 1, outOfTime: () => false, shrink: false,
    };
    console.log(`  lecture ${sc}, depth ${depth}, no faults:`);
    const off = run({ ...o, por: false });
    console.log(line('dedup', off));
    console.log(line('dedup + POR', run({ ...o, por: true }), off));
  }
  // No-op deliveries taken alone (ADR 0021, 0023): the reduction factor of states on a prefix of
  // each scenario both searches exhaust, then the time to exhaust each whole scenario as `pvsim
  // check` does by default (depth 500, no faults) with it — within a CPU budget, so a regression
  // shows as "budget" instead of a bench that does not end.
  const cpuBudget = (s: number) => { const t = cpuS(); return () => cpuS() - t > s; };
  for (const [sc, prefix] of [['static-nas', 2], ['dynamic-disk', 2]] as const) {
    const sim = await prepareSim(io as never, { clusterDir: '/nonexistent', seed: 0 } as never, `examples/lecture/${sc}/scenarios/demo.yaml`, { runs: '1', faults: 'none', maxFaults: '1', out: '/nonexistent' });
    const o: CheckOptions = {
      newWorld: sim.newWorld, inputs: checkInputsOf(sim.sc.inputs), finals: sim.sc.finals, pendingAllowed: sim.sc.pendingAllowed,
      strategy: 'bfs', depth: 500, maxFaults: 0, seed: 1, outOfTime: () => false, shrink: false,
    };
    const first = { ...o, inputs: o.inputs.slice(0, prefix), finals: [] };
    console.log(`  lecture ${sc}, first ${prefix} inputs, exhausted, no faults:`);
    const off = run({ ...first, outOfTime: cpuBudget(quick ? 60 : 120) });
    console.log(line('dedup + POR', off));
    const on = run({ ...first, noops: true, outOfTime: cpuBudget(quick ? 60 : 120) });
    console.log(`${line('  + no-ops alone', on, off)}  states ÷${(off.distinctStates / on.distinctStates).toFixed(2)}`);
    console.log(`  lecture ${sc}, whole scenario, depth 500, no faults, --noops on (budget ${quick ? 60 : 120} s CPU):`);
    const whole = run({ ...o, noops: true, outOfTime: cpuBudget(quick ? 60 : 120) });
    const r = whole.reduction;
    console.log(`${line('dedup + POR + no-ops', whole)}  depth ${whole.maxDepth}; ${r.noopStates} no-ops alone, ${r.noopRechecks} re-checks, ${r.noopFallbacks} fallbacks`);
  }
  // Budget dominance (ADR 0037): distinct states count keys, so "by budget" counts one per budget
  // a state was reached with; the CPU ratio is the one to read.
  console.log('budget dominance (bfs, depth 500; CPU seconds of this process):');
  const bounded: [string, string, number][] = quick
    ? [['static-nas', 'none', 1], ['dynamic-disk', 'none', 1], ['dynamic-disk', 'csi-timeout', 1]]
    : [['static-nas', 'none', 1], ['dynamic-disk', 'none', 1], ['static-nas', 'none', 2], ['dynamic-disk', 'none', 2], ['static-nas', 'api-error', 1], ['dynamic-disk', 'csi-timeout', 1]];
  for (const [sc, faults, maxDelays] of bounded) {
    const sim = await prepareSim(io as never, { clusterDir: '/nonexistent', seed: 0 } as never, `examples/lecture/${sc}/scenarios/demo.yaml`, { runs: '1', faults, maxFaults: '1', out: '/nonexistent' });
    const o: CheckOptions = {
      newWorld: sim.newWorld, inputs: checkInputsOf(sim.sc.inputs), finals: sim.sc.finals, pendingAllowed: sim.sc.pendingAllowed,
      strategy: 'bfs', depth: 500, maxFaults: faults === 'none' ? 0 : 1, maxDelays, seed: 1, outOfTime: () => false, shrink: false,
    };
    console.log(`  lecture ${sc}, --max-delays ${maxDelays}, faults ${faults}:`);
    run(o); // warm-up: the first exploration of a scenario pays for compiling its code
    const byBudget = run({ ...o, dominance: false });
    console.log(line('by budget', byBudget));
    const dominant = run(o);
    console.log(`${line('dominance', dominant, byBudget)}  ${dominant.reduction.revisited} revisited`);
  }
}
explorations().then(partialOrderReduction).then(lecture).catch((e: unknown) => { console.error(e); process.exit(1); });
