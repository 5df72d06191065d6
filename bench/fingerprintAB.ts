/**
 * Design: issue 6 item 11's figure measured as a run sees it — a run with `world.fingerprint()`
 * after every delivered item ÷ the same run without any fingerprinting (`fingerprints: false`:
 * no store hashing, no queue hashing, wherever the hashing is done) — for this tree and another
 * checkout's in one process. Each round runs base-none, base-fp, head-none, head-fp (the order
 * rotated each round, so no case always follows another), CPU time; a tree's ratio per round is
 * its fp run ÷ its none run of that round, and the figure is the median of the rounds' ratios.
 * Both trees' runs of one workload must deliver the same items and end with the same fingerprint.
 *
 *   node --expose-gc --import tsx bench/fingerprintAB.ts [pv N | full C] [--rounds=R] [--against=/work/wt/base [--only=base]] [--every=K]
 *
 * Without `--against` only this tree runs (its ratios alone).
 */
import type { AnyObject, StoredKind } from '../packages/runtime/src/index.ts';
import { prepareForCreate } from '../packages/manifests/src/index.ts';
import { createWorld as createWorldHere } from '../services/world/src/index.ts';
import { SEED, settleFixture } from './fixtures.ts';
import { fullInputs } from './world.ts';
import { cpuMs, optionArg, positionalArgs } from './measure.ts';

const EPOCH_MS = Date.UTC(2026, 0, 1);
const gc = () => (globalThis as { gc?: () => void }).gc?.();
const positional = positionalArgs();
const workload = positional[0] === 'full' ? 'full' : 'pv';
const size = Number(positional[1] ?? (workload === 'full' ? 20 : 600));
const rounds = Number(optionArg('rounds') ?? 10);
const against = optionArg('against');
/** Diagnostic: fingerprint after every K-th item only (the same hashing, batched: what per-call overhead costs). */
const every = Number(optionArg('every') ?? 1);
/**
 * `--only=base`: the other checkout's runs alone (with `--against`). Two trees' code in one
 * process makes every run slower (none runs ≈ 1.3× of one tree's) and the fingerprint's share
 * larger, so a tree's ratio on its own is taken in a process of its own.
 */
const only = optionArg('only');

type Obj = AnyObject & { spec?: any; status?: any };
/** What both trees' worlds offer that a run needs. */
interface AnyWorld {
  store: { create(kind: StoredKind, obj: AnyObject): unknown; list(kind: StoredKind): unknown[] };
  scheduler: { delivered: number };
  clock: { iso(): string };
  drain(): unknown;
  settle(opts?: unknown): { stoppedBy?: unknown };
  fingerprint(): string;
}
type CreateWorld = (opts: Record<string, unknown>) => AnyWorld;

/** One run: `fp` calls `world.fingerprint()` after every delivered item; otherwise the world is built without fingerprints. */
function run(createWorld: CreateWorld, fp: boolean): { ms: number; deliveries: number; fingerprint: string } {
  let world: AnyWorld | undefined;
  let items = 0;
  const record = fp ? (r: { type: string }) => { if (r.type === 'WorkDelivered' && ++items % every === 0) world!.fingerprint(); } : () => {};
  world = createWorld({ seed: SEED, startMs: EPOCH_MS, record, fingerprints: fp, ...(workload === 'full' ? { cluster: 'full' } : {}) });
  const create = (o: Obj) => world!.store.create(o.kind as StoredKind, prepareForCreate(structuredClone(o), world!.clock.iso()) as AnyObject);
  let ms: number;
  let d0: number;
  if (workload === 'full') {
    const inputs = fullInputs(size);
    for (const o of inputs.setup) { create(o); world.drain(); }
    world.settle();
    gc();
    d0 = world.scheduler.delivered;
    const t0 = cpuMs();
    for (const o of inputs.copies) { create(o); world.drain(); }
    const report = world.settle();
    ms = cpuMs() - t0;
    if (report.stoppedBy) throw new Error('full run did not settle');
  } else {
    const { volumes, claims } = settleFixture(size);
    const budget = { stepsMax: 2_000_000 };
    gc();
    d0 = world.scheduler.delivered;
    const t0 = cpuMs();
    for (const v of volumes) world.store.create('PersistentVolume', v as unknown as AnyObject);
    world.settle({ budget });
    for (const c of claims) world.store.create('PersistentVolumeClaim', c as unknown as AnyObject);
    const report = world.settle({ budget });
    ms = cpuMs() - t0;
    if (report.stoppedBy) throw new Error('PV-only run did not settle');
  }
  // The none world cannot be asked; the runs' ends are compared through a world built to be asked.
  return { ms, deliveries: world.scheduler.delivered - d0, fingerprint: fp ? world.fingerprint() : '' };
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2; };
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)} %`;

async function main(): Promise<void> {
  const trees: [string, CreateWorld][] = only === 'base' ? [] : [['head', createWorldHere as unknown as CreateWorld]];
  if (against) trees.unshift(['base', ((await import(`${against}/services/world/src/index.ts`)) as { createWorld: CreateWorld }).createWorld]);
  const cases = trees.flatMap(([name, cw]) => [[`${name}-none`, cw, false], [`${name}-fp`, cw, true]] as [string, CreateWorld, boolean][]);
  const ms: Record<string, number[]> = {};
  const fingerprints = new Set<string>();
  const deliveries = new Set<number>();
  for (let r = 0; r <= rounds; r++) {
    // Rotated: each case goes first once every cases.length rounds. Round 0 is a warm-up.
    const order = cases.map((_, i) => cases[(i + r) % cases.length]!);
    for (const [name, cw, fp] of order) {
      const x = run(cw, fp);
      deliveries.add(x.deliveries);
      if (fp) fingerprints.add(x.fingerprint);
      if (r > 0) (ms[name] ??= []).push(x.ms);
    }
  }
  if (fingerprints.size !== 1 || deliveries.size !== 1) throw new Error(`the runs differ: fingerprints ${[...fingerprints].join(', ')}; deliveries ${[...deliveries].join(', ')}`);
  const items = [...deliveries][0]!;
  console.log(`${workload === 'full' ? `full cluster, ${size} copies` : `PV-only, ${size} pairs`}: ${items} items a run; ${rounds} rounds`);
  for (const [name] of trees) {
    const none = ms[`${name}-none`]!;
    const fp = ms[`${name}-fp`]!;
    const ratios = fp.map((x, i) => x / none[i]! - 1);
    console.log(`  ${name}: none median ${median(none).toFixed(1)} ms, fp median ${median(fp).toFixed(1)} ms; fp ÷ none − 1, median of rounds ${pct(median(ratios))} (rounds ${ratios.map((x) => (x * 100).toFixed(0)).join(' ')}); per item ${(((median(fp) - median(none)) * 1000) / items).toFixed(2)} µs`);
  }
  if (trees.length === 2) {
    const ratio = ms['head-fp']!.map((x, i) => x / ms['base-fp']![i]!);
    const noneRatio = ms['head-none']!.map((x, i) => x / ms['base-none']![i]!);
    console.log(`  head ÷ base: fp runs ${median(ratio).toFixed(3)}, none runs ${median(noneRatio).toFixed(3)} (medians of rounds)`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`fingerprintAB FAILED: ${String(err)}\n`);
  process.exit(1);
});
