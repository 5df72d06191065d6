/**
 * Design: issue 6 item 11's figure in instructions — the run of bench/fingerprintAB.ts (PV-only
 * 600 pairs or the full cluster's 20 copies) done N times in one process, with
 * `world.fingerprint()` after every delivered item (`fp`), or with it only once at the end of
 * each run (`end`: the store's hashing of the final objects, no step's), or in a world built
 * without fingerprints (`none`). Meant to run under cachegrind as an esbuild bundle; a run's
 * instructions are the difference of N = 3 and N = 1 halved (one warm fp and none run first, a
 * full collection after every run, so a run pays its own garbage and no run another's).
 *
 *   npx esbuild bench/fingerprintWorkload.ts --bundle --platform=node --target=node20 --format=esm \
 *     --outfile=/tmp/fpw.mjs --define:import.meta.url='"file://'$PWD'/bench/world.ts"' \
 *     --banner:js="import { createRequire as r } from 'node:module'; const require = r('$PWD/');"
 *   valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null node --expose-gc \
 *     --single-threaded --hash-seed=1 --random-seed=1 /tmp/fpw.mjs pv|full fp|end|none N 1
 *
 * (`import.meta.url` is defined as bench/world.ts's so the bundle finds the examples and does not
 * run world.ts's own main.) Prints `FPWORK <final fingerprint or items delivered>` on stderr.
 */
import type { AnyObject, StoredKind } from '../packages/runtime/src/index.ts';
import { prepareForCreate } from '../packages/manifests/src/index.ts';
import { createWorld } from '../services/world/src/index.ts';
import { SEED, settleFixture } from './fixtures.ts';
import { fullInputs } from './world.ts';
import { gc } from './measure.ts';

const EPOCH_MS = Date.UTC(2026, 0, 1);
const [workload = 'pv', mode = 'fp', runsArg = '1', warmArg = '1'] = process.argv.slice(2);
const size = workload === 'full' ? 20 : 600;
type Obj = AnyObject & { spec?: any; status?: any };
interface AnyWorld {
  store: { create(kind: StoredKind, obj: AnyObject): unknown };
  scheduler: { delivered: number };
  clock: { iso(): string };
  drain(): unknown;
  settle(opts?: unknown): unknown;
  fingerprint(): string;
}

/** One run; `fp` builds a world with fingerprints, `each` asks for one after every delivered item. */
function run(fp: boolean, each: boolean): string {
  let world: AnyWorld | undefined;
  const record = fp && each ? (r: { type: string }) => { if (r.type === 'WorkDelivered') world!.fingerprint(); } : () => {};
  world = createWorld({ seed: SEED, startMs: EPOCH_MS, record, fingerprints: fp, ...(workload === 'full' ? { cluster: 'full' } : {}) }) as unknown as AnyWorld;
  const create = (o: Obj) => world!.store.create(o.kind as StoredKind, prepareForCreate(structuredClone(o), world!.clock.iso()) as AnyObject);
  if (workload === 'full') {
    const inputs = fullInputs(size);
    for (const o of inputs.setup) { create(o); world.drain(); }
    world.settle();
    for (const o of inputs.copies) { create(o); world.drain(); }
    world.settle();
  } else {
    const { volumes, claims } = settleFixture(size);
    const budget = { stepsMax: 2_000_000 };
    for (const v of volumes) world.store.create('PersistentVolume', v as unknown as AnyObject);
    world.settle({ budget });
    for (const c of claims) world.store.create('PersistentVolumeClaim', c as unknown as AnyObject);
    world.settle({ budget });
  }
  return fp ? world.fingerprint() : String(world.scheduler.delivered);
}

for (let i = 0; i < Number(warmArg); i++) { run(true, true); gc(); run(false, false); gc(); }
let last = '';
for (let i = 0; i < Number(runsArg); i++) { last = run(mode !== 'none', mode === 'fp'); gc(); }
process.stderr.write(`FPWORK ${last}\n`);
