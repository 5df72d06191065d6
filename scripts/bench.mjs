// `pnpm bench [binder|settle|world ...] [--quick]`: runs each benchmark in bench/ in its own Node
// process (a fresh heap each, one after the other so they do not compete for the two cores),
// with tsx for the TypeScript sources and --expose-gc so timings start from a collected heap.
// Each benchmark prints its own table with its baseline measured in the same process; this
// script adds the machine header, the cross-benchmark line and the total wall time, and fails
// when a benchmark fails (e.g. the linear and indexed matchers disagreeing on a volume).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, freemem, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';

const ALL = ['binder', 'settle', 'world', 'replay', 'natsLog', 'natsSim', 'natsServe', 'natsLockstep', 'check', 'api', 'scale'];
// Run only when named: needs valgrind and takes minutes (the exploration's ratio in instructions).
const NAMED_ONLY = ['exploreInstructions'];
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const picked = args.filter((a) => !a.startsWith('--'));
for (const name of picked) {
  if (!ALL.includes(name) && !NAMED_ONLY.includes(name)) {
    console.error(`unknown benchmark "${name}"; choose from: ${[...ALL, ...NAMED_ONLY].join(', ')}`);
    process.exit(2);
  }
}
const names = picked.length ? picked : ALL;

function cpuModel() {
  try {
    return /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

const gib = (b) => `${(b / 2 ** 30).toFixed(1)} GiB`;
console.log(`pvsim benchmarks — ${new Date().toISOString().slice(0, 10)}`);
console.log(`machine: ${availableParallelism()} cpus, ${cpuModel()}, node ${process.version}, memory ${gib(freemem())} free of ${gib(totalmem())}${quick ? ' (--quick)' : ''}`);
console.log('');

function run(name) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    // `--pairs=N` (world): one memory run of N settled PV/PVC pairs; it needs a heap limit above the default to be measured, not killed.
    // PVSIM_BENCH_HEAP_MB sets that limit: V8 lets a heap with room to spare fill with garbage, so
    // whether N pairs fit in 4 GB is shown by running under a limit below it (e.g. 3300).
    const pairs = args.find((a) => a.startsWith('--pairs='));
    // `--bind[=N,…]` (world): only the settled-bind-against-raw section (issue 14 item 4).
    const bind = args.find((a) => a === '--bind' || a.startsWith('--bind='));
    const child = spawn(process.execPath, ['--expose-gc', ...(pairs || bind || process.env.PVSIM_BENCH_BIND_100K === '1' ? [`--max-old-space-size=${process.env.PVSIM_BENCH_HEAP_MB ?? 16384}`] : []), '--import', 'tsx', `bench/${name}.ts`, ...(quick ? ['--quick'] : []), ...(pairs ? [pairs] : []), ...(bind ? [bind] : [])], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    let data;
    let buffered = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop();
      for (const line of lines) {
        if (line.startsWith('BENCH_JSON ')) data = JSON.parse(line.slice('BENCH_JSON '.length)).data;
        else console.log(line);
      }
    });
    child.on('close', (code) => {
      if (buffered) console.log(buffered);
      console.log(`(${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
      resolve({ code, data });
    });
  });
}

const t0 = performance.now();
const results = {};
let failed = false;
for (const name of names) {
  const { code, data } = await run(name);
  if (code !== 0) {
    console.error(`benchmark ${name} failed (exit code ${code})`);
    failed = true;
  }
  results[name] = data;
}

// Headlines, from the numbers above.
const us = (ms, n) => (ms / n) * 1000;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); const m = s.length >> 1; return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2; };
if (results.binder) {
  const b = results.binder;
  const withLinear = b.filter((r) => r.linearMedianMs !== null);
  const top = withLinear[withLinear.length - 1];
  const first = b[0];
  const last = b[b.length - 1];
  if (top) console.log(`binder: at N = ${top.n} the VolumeIndex binds ${(top.linearMedianMs / top.indexMedianMs).toFixed(0)}× faster than the linear scan; per claim the scan grows ×${(us(top.linearMedianMs, top.n) / us(first.linearMedianMs, first.n)).toFixed(1)} from N = ${first.n} to ${top.n}, the index ×${(us(last.indexMedianMs, last.n) / us(first.indexMedianMs, first.n)).toFixed(2)} from N = ${first.n} to ${last.n} (build per volume ×${(us(last.buildMedianMs, last.n) / us(first.buildMedianMs, first.n)).toFixed(1)}).`);
  // 100k × 100k by linear scan would take tens of minutes, so a whole run is not timed: the scan
  // is timed on a random sample of claims against the full volume set, per claim, and compared
  // with the index's cost per claim at the same size (measured, not projected).
  for (const r of b.filter((x) => x.sampledScanUsPerClaim)) {
    const scanUs = median(r.sampledScanUsPerClaim);
    const indexUs = us(r.indexMedianMs, r.n);
    console.log(`binder: N = ${r.n}: the scan costs ${scanUs.toFixed(0)} µs per claim (median over ${r.sample} sampled claims against all ${r.n} volumes), the index ${indexUs.toFixed(1)} µs per claim -> ×${(scanUs / indexUs).toFixed(0)} (measured by sampling)`);
  }
}
if (results.settle) {
  for (const s of results.settle) {
    console.log(`settle: N = ${s.n}: a settled bind costs ${us(s.claimPhaseMedianMs, s.n).toFixed(0)} µs = ${(s.claimPhaseMedianMs / s.rawSendsMedianMs).toFixed(0)} raw actor transitions = ${(s.claimPhaseMedianMs / s.pureBinderMedianMs).toFixed(0)}× the pure binder (${us(s.pureBinderMedianMs, s.n).toFixed(1)} µs per claim incl. index build); ${(s.deliveries / s.n).toFixed(2)} deliveries per bind.`);
  }
}
for (const b of results.world?.bind ?? []) {
  console.log(`world: a settled bind at N = ${b.n} costs ${b.bindOverRaw.toFixed(2)}× the same PV/PVC machine transitions driven raw on fresh actors (creates and sends; ${b.bindOverRawSends.toFixed(2)}× the sends alone), ${b.perBindUs.toFixed(0)} µs per bind (issue 14 item 4, goal ≤ 3×: ${b.bindOverRaw <= 3 ? 'met' : 'missed'}).`);
}
if (results.world?.memory) {
  const m = results.world.memory;
  console.log(`world: ${m.n} settled pairs (${2 * m.n} objects): peak RSS ${(m.peakRssBytes / 2 ** 30).toFixed(2)} GiB, ${(m.retainedBytesPerPair / 1024).toFixed(2)} KiB heap per pair (goal at 500k pairs: ≤ 4 GB peak).`);
} else if (results.world?.full) {
  const w = results.world;
  const goal = (x, max) => (x <= max ? 'met' : `missed ×${(x / max).toFixed(1)}`);
  const fp = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(0)}%`;
  console.log(`world: a delivered work item costs ${w.full.itemOverRaw.toFixed(1)} raw PV/PVC transitions on the full cluster (${w.copies} copies) and ${w.scale.map((s) => `${s.itemOverRaw.toFixed(1)}× on the PV-only world at N = ${s.n}`).join(', ')} (goal ≤ 3×: ${goal(w.full.itemOverRaw, 3)} on the full cluster).`);
  console.log(`world: world.fingerprint() after every item adds ${fp(w.full.worldFpExtra)} on the full cluster, ${w.pvOnly.map((p) => `${fp(p.worldFpExtra)} on PV-only N = ${p.n}`).join(', ')} (goal ≤ 10%: ${goal(w.full.worldFpExtra, 0.1)} on the full cluster); store.fingerprint() alone ${fp(w.full.storeFpExtra)}.`);
  console.log(`world: fork = ${w.fork.forkOverStep.toFixed(0)} steps of the full-cluster run (snapshot ${(w.fork.snapshotBytes / 1024).toFixed(0)} KiB); ${w.scale.map((s) => `N = ${s.n}: ${s.bindsPerSecond.toFixed(0)} binds/s, ${(s.retainedBytesPerPair / 1024).toFixed(1)} KiB heap per pair`).join('; ')}.`);
}
if (results.scale && results.scale.pods && results.scale.cli && results.scale.reach && results.scale.pairs) {
  const s = results.scale;
  const last = (xs) => xs[xs.length - 1];
  const [p0, pn] = [s.pods[0], last(s.pods)];
  const [c0, cn] = [s.cli[0], last(s.cli)];
  console.log(`scale: settling ${pn.n} pods with volumes costs ${(pn.cpuMs / p0.cpuMs).toFixed(1)}× the CPU of ${p0.n} (goal ≤ 12× for 10k vs 1k); ${last(s.pairs).n} pairs at ${((2 * last(s.pairs).n) / (last(s.pairs).cpuMs / 1000)).toFixed(0)} objects per CPU second, peak ${(last(s.pairs).maxRssKb / 1024).toFixed(0)} MiB.`);
  console.log(`scale: \`get pv NAME\` on ${cn.n} objects = ${(cn.getOneMs / cn.baseMs).toFixed(1)}× a bare node start (goal ≤ 5×), ${(cn.getOneMs / c0.getOneMs).toFixed(2)}× its cost at ${c0.n}; \`get pv\` (all) ${(cn.getAllMs / c0.getAllMs).toFixed(1)}× for ${(cn.n / c0.n).toFixed(0)}× the objects.`);
  console.log(`scale: reaching position ${s.reach.records} costs ${(s.reach.withoutMs / s.reach.withSnapshotsMs).toFixed(0)}× less with snapshots (goal ≥ 10×); \`log verify\` of it peaked at ${(s.reach.verifyRssKb / 1024).toFixed(0)} MiB.`);
}
console.log(`total: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
process.exit(failed ? 1 : 0);
