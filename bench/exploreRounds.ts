/**
 * Design: the exploration rows of bench/check.ts (issue 7 item 10: a distinct state's cost as a
 * ratio to a raw step), repeated in one process so the JIT is warm after the first round, and in
 * CPU time (this process's user + system), which other sessions' load moves less than wall time.
 * Each round: raw steps (bench/exploreScenarios.ts: the scenario's inputs, FIFO steps until
 * nothing waits, world builds not counted), `check` bfs with `--max-delays 1`, raw steps again.
 * `node --import tsx bench/exploreRounds.ts [ROUNDS] [zonal|pv]` (default 3 rounds of zonal, the
 * full cluster; pv: the PV-only cluster). For paired A/B runs against another checkout use
 * bench/exploreAB.ts. `VERIFY=1` also checks every stored state's incremental fingerprint against
 * one from scratch.
 */
import type { World } from '../services/world/src/index.ts';
import { loadExploration, type ExplorationName } from './exploreScenarios.ts';
import { positionalArgs } from './measure.ts';

const [roundsArg, nameArg] = positionalArgs();
const rounds = Number(roundsArg ?? 3);
const name: ExplorationName = nameArg === 'pv' ? 'pv' : 'zonal';
const verify = (_k: string, w: World) => { if (w.fingerprint() !== w.fingerprintFromScratch()) throw new Error('fingerprint drift'); };
void (async () => {
  const ex = await loadExploration(new URL('..', import.meta.url).pathname, name, process.env['VERIFY'] ? { onState: verify as never } : {});
  console.log(ex.label);
  for (let i = 0; i < rounds; i++) {
    const r1 = ex.raw(10);
    const e = ex.explore(1);
    const r2 = ex.raw(10);
    const stepMs = (r1.ms + r2.ms) / (r1.steps + r2.steps);
    const stateMs = e.ms / e.distinct;
    console.log(`raw ${stepMs.toFixed(3)} ms/step; explore ${e.states}/${e.distinct} ${e.transitions}t ${e.verdict} ${stateMs.toFixed(3)} ms/state = ${(stateMs / stepMs).toFixed(2)}x`);
  }
})();
