/**
 * Design: issue 7 item 10's ratio — a distinct state's cost over a raw step's — in instructions
 * (valgrind's cachegrind, without its cache simulation), for the full cluster and the PV-only
 * cluster. On this shared 2-core machine timed ratios of these small explorations spread from
 * 0.9x to 13x between rounds (a collection landing in one phase); an instruction count of one
 * build is the same from run to run (`node --single-threaded --hash-seed=1 --random-seed=1`:
 * compilation and collection run on the main thread and are counted, deterministically). What it
 * cannot show is time spent waiting on memory; bench/check.ts and bench/exploreRounds.ts time it.
 *
 * It bundles bench/exploreWorkload.ts with esbuild and runs it under valgrind six times per
 * scenario: K and 2K raw runs, K and 2K world builds, K and 2K explorations (see there). Each
 * figure is the second K's alone — the difference of the two runs — so what happens once in a
 * measured stretch (a compilation, a major collection after the warm-up) is not charged: with
 * 8 warm rounds a zonal state still read 911 K against the base run at K = 4 and 763 K at K = 8.
 * Per raw step = (raw 2K − raw K − (build 2K − build K)) ÷ the second K's steps; per distinct
 * state = (explore 2K − explore K) ÷ its distinct states. Needs valgrind (`apt-get install -y
 * valgrind`); takes several minutes. `pnpm bench exploreInstructions [--quick]`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

const quick = process.argv.includes('--quick');
if (spawnSync('valgrind', ['--version']).status !== 0) {
  console.error('exploreInstructions: valgrind is not installed (apt-get install -y valgrind)');
  process.exit(2);
}
function instructionsOf(bundle: string, args: string[]): { refs: number; steps: number; distinct: number } {
  const r = spawnSync('valgrind', ['--tool=cachegrind', '--cache-sim=no', '--cachegrind-out-file=/dev/null', process.execPath, '--expose-gc', '--single-threaded', '--hash-seed=1', '--random-seed=1', bundle, ...args, new URL('..', import.meta.url).pathname], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const refs = /I\s+refs:\s+([\d,]+)/.exec(r.stderr)?.[1];
  const done = /EXPLORE_WORKLOAD (.*)/.exec(r.stderr)?.[1];
  if (r.status !== 0 || refs === undefined || done === undefined) throw new Error(`valgrind ${args.join(' ')} failed:\n${r.stderr.slice(-2000)}`);
  return { refs: Number(refs.replaceAll(',', '')), ...(JSON.parse(done) as { steps: number; distinct: number }) };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pvsim-explore-instructions-'));
  const bundle = join(dir, 'workload.mjs');
  try {
    await build({
      entryPoints: [new URL('./exploreWorkload.ts', import.meta.url).pathname], outfile: bundle, bundle: true, platform: 'node', target: 'node20', format: 'esm', logLevel: 'warning',
      banner: { js: "import { createRequire as __pvsimCreateRequire } from 'node:module'; const require = __pvsimCreateRequire(import.meta.url);" },
    });
    const k = (name: string) => (name === 'pv' ? (quick ? 6 : 12) : (quick ? 2 : 4));
    // Fewer than 8 warm rounds leave compilation in the measured runs (3 rounds: +50 % a state, session 9).
    const warm = 8;
    console.log(`exploration in instructions (cachegrind; ${warm} warm rounds of raw runs and explorations first):`);
    for (const name of ['zonal', 'pv']) {
      const run = (mode: string, n: number) => instructionsOf(bundle, [name, mode, String(n), String(warm)]);
      const worlds = 10 * k(name);
      const [raw1, raw2, built1, built2, explored1, explored2] = [run('raw', worlds), run('raw', 2 * worlds), run('build', worlds), run('build', 2 * worlds), run('explore', k(name)), run('explore', 2 * k(name))];
      const perStep = (raw2.refs - raw1.refs - (built2.refs - built1.refs)) / (raw2.steps - raw1.steps);
      const perState = (explored2.refs - explored1.refs) / (explored2.distinct - explored1.distinct);
      const perBuild = (built2.refs - built1.refs) / worlds;
      console.log(`  ${name === 'pv' ? 'PV-only cluster (3 volumes, 3 claims)' : 'full cluster (zonal scenario)'}: raw step ${(perStep / 1000).toFixed(1)} K, distinct state ${(perState / 1000).toFixed(1)} K (${explored1.distinct / k(name)} distinct a search) = ${(perState / perStep).toFixed(2)}x a raw step (goal <= 2x); a world built ${(perBuild / 1000).toFixed(0)} K`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => { console.error(e); process.exit(1); });
