/**
 * Design: the program bench/exploreInstructions.ts runs under valgrind — bundled by esbuild into
 * one file (static imports; bench/exploreScenarios.ts's `explorationOf`), so the instructions
 * counted are this tree's code and V8's, nothing of tsx. Every run first warms up the same way
 * (raw runs and explorations until the JIT has settled: after 3 warm rounds it had not, session 9),
 * then does one measured thing K times: K raw runs (`raw`: inputs and FIFO steps on K worlds), K
 * world builds alone (`build`), or K explorations (`explore`). The driver takes the difference of
 * a run with 2K and one with K; what was done goes to stderr as one JSON line.
 *   node --expose-gc bundle.mjs zonal|pv raw|build|explore K WARM ROOT   (ROOT: the checkout, for examples/)
 */
import * as manifests from '../packages/manifests/src/index.ts';
import * as world from '../services/world/src/index.ts';
import * as checker from '../services/check/src/index.ts';
import * as fixtures from './fixtures.ts';
import { explorationOf } from './exploreScenarios.ts';

const [name, mode, kArg, warmArg, root] = process.argv.slice(2);
const ex = explorationOf({ manifests, world, checker, fixtures, root: root ?? new URL('..', import.meta.url).pathname }, name === 'pv' ? 'pv' : 'zonal');
const k = Number(kArg ?? 4);
const warm = Number(warmArg ?? 8);
for (let i = 0; i < warm; i++) { ex.raw(10); ex.explore(1); }
// A full collection now, so the measured stretch starts from the same heap in every run: the
// warm-up's garbage is not collected inside it in one run and after it in another.
(globalThis as { gc?: () => void }).gc?.();
let steps = 0;
let distinct = 0;
if (mode === 'raw') steps = ex.raw(k).steps;
else if (mode === 'build') for (let i = 0; i < k; i++) ex.newWorld();
else if (mode === 'explore') for (let i = 0; i < k; i++) distinct += ex.explore(1).distinct;
process.stderr.write(`EXPLORE_WORKLOAD ${JSON.stringify({ steps, distinct })}\n`);
