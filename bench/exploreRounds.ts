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
  // Each phase repeated until it has taken SPAN_MS of CPU: one exploration of these scenarios
  // takes 40–300 ms, and a major collection landing in one phase moved a single round's ratio
  // from 0.9x to 13x on the PV-only cluster.
  const spanMs = Number(process.env['SPAN_MS'] ?? 400);
  const rawSpan = () => { let steps = 0; let ms = 0; while (ms < spanMs / 2) { const r = ex.raw(10); steps += r.steps; ms += r.ms; } return { steps, ms }; };
  for (let i = 0; i < rounds; i++) {
    const r1 = rawSpan();
    let ms = 0;
    let distinct = 0;
    let e = ex.explore(1);
    for (;;) {
      ms += e.ms;
      distinct += e.distinct;
      if (ms >= spanMs) break;
      e = ex.explore(1);
    }
    const r2 = rawSpan();
    const stepMs = (r1.ms + r2.ms) / (r1.steps + r2.steps);
    const stateMs = ms / distinct;
    console.log(`raw ${stepMs.toFixed(3)} ms/step; explore ${e.states}/${e.distinct} ${e.transitions}t ${e.verdict} ×${distinct / e.distinct} ${stateMs.toFixed(3)} ms/state = ${(stateMs / stepMs).toFixed(2)}x`);
  }
})();
