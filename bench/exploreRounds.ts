/**
 * Design: the exploration row of bench/check.ts (issue 7 item 10: a distinct state's cost as a
 * ratio to a raw step), repeated in one process so the JIT is warm after the first round, and in
 * CPU time (this process's user + system), which other sessions' load moves less than wall time.
 * Each round: raw steps (the scenario's inputs, FIFO steps until nothing waits), `check` bfs with
 * `--max-delays 1`, raw steps again. For paired A/B runs against another checkout:
 * `node --import tsx bench/exploreRounds.ts [ROUNDS]` in each, alternated. `VERIFY=1` also checks
 * every stored state's incremental fingerprint against one from scratch.
 */
import { readFileSync } from 'node:fs';
import { applyDefaults, parseManifests, prepareForCreate } from '../packages/manifests/src/index.ts';
import type { AnyObject, StoredKind } from '../packages/runtime/src/index.ts';
import { createWorld, fifoChooser, type World } from '../services/world/src/index.ts';
import { check, type CheckInput } from '../services/check/src/index.ts';
import { cpuMs } from './measure.ts';
const EX = new URL('../examples/check/zonal-immediate/', import.meta.url).pathname;
const objects = ['01-nodes.yaml', '02-class-wffc.yaml', '03-claim-and-pod.yaml']
  .flatMap((f) => parseManifests(readFileSync(EX + f, 'utf8'), f).map((p) => applyDefaults(p.object) as unknown as AnyObject));
const inputs: CheckInput[] = objects.map((o) => ({ label: o.metadata.name, apply: (w: World) => { w.store.create(o.kind as StoredKind, prepareForCreate(structuredClone(o), w.clock.iso()) as AnyObject); } }));
const newWorld = () => createWorld({ seed: 1, startMs: Date.UTC(2026, 0, 1), cluster: 'full', chooser: fifoChooser() });
function raw() { const t = cpuMs(); let steps = 0; for (let r = 0; r < 10; r++) { const w = newWorld(); for (const input of inputs) { input.apply(w); for (;;) { const a = w.enabled().find((x) => x.type === 'deliver' || (x.type === 'timer' && w.scheduler.size === 0)); if (!a) break; w.step(a, true); steps++; } } } return { steps, ms: cpuMs() - t }; }
const rounds = Number(process.argv[2] ?? 3);
for (let i = 0; i < rounds; i++) {
  const r1 = raw();
  const t = cpuMs();
  const worldCounts = { built: 0, reused: 0 };
  const e = check({ newWorld, inputs, worldCounts, strategy: 'bfs', depth: 500, maxFaults: 0, maxDelays: 1, seed: 1, outOfTime: () => false, ...(process.env.VERIFY ? { onState: (_k: string, w: World) => { if (w.fingerprint() !== w.fingerprintFromScratch()) throw new Error('fingerprint drift'); } } : {}) });
  const ems = cpuMs() - t;
  const r2 = raw();
  const stepMs = (r1.ms + r2.ms) / (r1.steps + r2.steps);
  const stateMs = ems / e.distinctStates;
  console.log(`raw ${stepMs.toFixed(3)} ms/step; explore ${e.states}/${e.distinctStates} ${e.transitions}t ${e.verdict} ${stateMs.toFixed(3)} ms/state = ${(stateMs / stepMs).toFixed(2)}x; worlds built ${worldCounts.built}, restored in place ${worldCounts.reused}`);
}
