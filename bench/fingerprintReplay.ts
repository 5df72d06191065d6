/**
 * Design: the fingerprinter's own work per step, measured apart from the run around it. On this
 * shared machine the "with − without fingerprints" figure of `pnpm bench world` spreads by tens of
 * points from one run to the next (its two runs each last ~100 ms and the load changes faster
 * than that), so a change of the fingerprinter cannot be judged by it. This records a run's
 * Fingerprinter calls (the bench's PV-only or full-cluster run, `world.fingerprint()` before every
 * delivered item: registrations, object writes, component states, substitutions, values) and
 * replays them on fresh Fingerprinters — the stored objects themselves, so a rewrite shares its
 * unchanged parts with the version before as it did in the run — many times, interleaved with the
 * same run made without fingerprints; CPU time, minima and medians.
 *
 * `--against=PATH` replays on a second Fingerprinter class too (another checkout's
 * `packages/domain/src/Fingerprinter.ts`, with its dependencies installed), alternating with this
 * one, and checks both end with the same value: a paired A/B of the fingerprinter alone.
 * Mind the slots: the class in the `--against` slot replays slower than this tree's class even
 * when it is the same code (2026-12-03, full 20: medians 24 against 62 ms, a copy of this very
 * file as `--against`) — the recording warmed this tree's class on the run's own objects. Compare
 * slot for slot: run it from both trees, each `--against` the other.
 * `--save=FILE` writes the recorded calls (`v8.serialize`, which keeps shared parts shared) for a
 * replay under `valgrind --tool=cachegrind` — instruction counts do not move with the load
 * (docs/benchmarks.md, "Fingerprint cost, session 8", says how).
 *
 *   node --expose-gc --import tsx bench/fingerprintReplay.ts [pv N | full C] [--rounds=R] [--against=PATH] [--save=FILE]
 */
import { writeFileSync } from 'node:fs';
import { serialize } from 'node:v8';
import { Fingerprinter } from '../packages/domain/src/index.ts';
import { settleFixture } from './fixtures.ts';
import { fullInputs, fullRun, pvOnlyRun } from './world.ts';
import { cpuMs, optionArg, positionalArgs } from './measure.ts';

const positional = positionalArgs();
const workload = positional[0] === 'full' ? 'full' : 'pv';
const size = Number(positional[1] ?? (workload === 'full' ? 20 : 1000));
const rounds = Number(optionArg('rounds') ?? 15);
const against = optionArg('against');

type Call = [method: string, args: unknown[]];
const RECORDED = ['register', 'registerObject', 'set', 'hashState', 'substitute', 'value'] as const;

/** One run of the workload; its Fingerprinter calls recorded when `calls` is given (outermost calls only). */
function run(mode: 'none' | 'world', calls?: Call[]): { ms: number; deliveries: number; fingerprint: string } {
  const proto = Fingerprinter.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = new Map(RECORDED.map((m) => [m, proto[m]!]));
  if (calls) {
    let depth = 0;
    for (const [m, original] of originals) {
      proto[m] = function (this: unknown, ...args: unknown[]) {
        // A component's state may be live memory that changes later: copied when recorded.
        if (depth === 0) calls.push([m, m === 'hashState' ? [args[0], structuredClone(args[1])] : args]);
        depth++;
        try { return original.apply(this, args); } finally { depth--; }
      };
    }
  }
  try {
    if (workload === 'full') return fullRun(fullInputs(size), mode);
    const { volumes, claims } = settleFixture(size);
    return pvOnlyRun(volumes, claims, mode);
  } finally {
    for (const [m, original] of originals) proto[m] = original;
  }
}

interface Replayable { new (): Record<string, (...args: unknown[]) => unknown> & { value(): string } }

function replay(F: Replayable, calls: readonly Call[]): { ms: number; value: string } {
  const f = new F();
  const t0 = cpuMs();
  for (const [m, args] of calls) f[m]!(...args);
  return { ms: cpuMs() - t0, value: f.value() };
}

const median = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1]!; };
const fmt = (xs: number[]) => `min ${Math.min(...xs).toFixed(1)} ms, median ${median(xs).toFixed(1)} ms`;

async function main(): Promise<void> {
  const calls: Call[] = [];
  run('world'); // warm-up
  const recorded = run('world', calls);
  const counts: Record<string, number> = {};
  for (const [m] of calls) counts[m] = (counts[m] ?? 0) + 1;
  console.log(`${workload === 'full' ? `full cluster, ${size} copies` : `PV-only, ${size} pairs`}: ${recorded.deliveries} items delivered; Fingerprinter calls ${JSON.stringify(counts)}`);
  const save = optionArg('save');
  if (save) writeFileSync(save, serialize(calls));
  const other = against ? ((await import(against)) as { Fingerprinter: Replayable }).Fingerprinter : undefined;
  const classes: [string, Replayable][] = [['this', Fingerprinter as unknown as Replayable], ...(other ? [['against', other] as [string, Replayable]] : [])];
  const ms: Record<string, number[]> = { none: [] };
  const values = new Set<string>();
  for (let r = 0; r <= rounds; r++) {
    const order = r % 2 === 0 ? classes : [...classes].reverse();
    for (const [name, F] of order) {
      (globalThis as { gc?: () => void }).gc?.();
      const x = replay(F, calls);
      values.add(x.value);
      if (r > 0) (ms[name] ??= []).push(x.ms);
    }
    // The run without fingerprints every third round: the denominator (it lasts ~6× a replay).
    if (r % 3 === 0) { const x = run('none'); if (r > 0) ms['none']!.push(x.ms); }
  }
  if (values.size !== 1) throw new Error(`the replays end with different values: ${[...values].join(', ')}`);
  console.log(`  run without fingerprints: ${fmt(ms['none']!)} (${recorded.deliveries} items)`);
  for (const [name] of classes) {
    const xs = ms[name]!;
    console.log(`  replay on ${name === 'this' ? 'this Fingerprinter' : against}: ${fmt(xs)} = ${((Math.min(...xs) * 1000) / recorded.deliveries).toFixed(2)} µs an item; ÷ the run: ${((Math.min(...xs) / Math.min(...ms['none']!)) * 100).toFixed(1)} % (minima), ${((median(xs) / median(ms['none']!)) * 100).toFixed(1)} % (medians)`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`fingerprintReplay FAILED: ${String(err)}\n`);
  process.exit(1);
});
