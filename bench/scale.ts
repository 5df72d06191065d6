/**
 * Design: benchmark `scale` (issue 14 item 6, issue 9 item 10) — how pvsim's costs grow with the
 * cluster. Every figure is a ratio to the smallest size measured in the same run, next to the
 * absolute peak memory; absolute times are printed for orientation only (the machine is shared).
 * Each case runs in a process of its own (this file, `--case NAME --n N`), so the peak resident
 * memory it reports (getrusage maxRSS) is that case's alone.
 *
 * Cases:
 *   - pairs: N static PVs created and settled, then N claims created and settled (they bind), on
 *     the PV-only world (bench/fixtures.ts settleFixture): objects per second and peak memory, at
 *     10k and 100k pairs (500k with --huge);
 *   - pods: N pods with volumes (half on dynamically provisioned disks, half on NAS shares, one
 *     node per two pods: services/world/test/fixtures/podsWithVolumes.ts) created one at a time
 *     and settled on the full cluster, at 1k, 5k and 10k pods: CPU time per pod;
 *   - cli: a cluster directory of N objects (N/2 PVs, N/2 claims, applied with the CLI), at 1k,
 *     10k and 50k objects: `pvsim get pv NAME`, `pvsim get pv` (all, output discarded) and
 *     `pvsim log verify` as processes, each against a bare `node -e ''` measured interleaved;
 *   - reach: a log of about 1,000,000 records (repeated applies that relabel 2,000 PVs), then
 *     the time to reach its last position (`get pv --at LAST`) with the snapshots the commands
 *     wrote and with every snapshot deleted, and `log verify` of the whole log, with peak memory.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { AnyObject } from '../packages/runtime/src/index.ts';
import { createWorld } from '../services/world/src/index.ts';
import { runCli } from '../services/cli/src/cli.ts';
import { podInputs, podWorld, settlePods, phases } from '../services/world/test/fixtures/podsWithVolumes.ts';
import { SEED, settleFixture } from './fixtures.ts';
import { emit, fmtMs, fmtN, median, streamedTable, table } from './measure.ts';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const huge = args.includes('--huge');
const valueOf = (flag: string): string | undefined => { const i = args.indexOf(flag); return i >= 0 ? args[i + 1] : undefined; };
const REPO = new URL('..', import.meta.url).pathname;
const CLI = join(REPO, 'services/cli/dist/pvsim.js');

interface CaseResult { ms: number; cpuMs: number; maxRssKb: number; [k: string]: unknown }

function cpuMs(since: NodeJS.CpuUsage): number { const c = process.cpuUsage(since); return (c.user + c.system) / 1000; }

function fail(message: string): never {
  process.stderr.write(`scale bench FAILED: ${message}\n`);
  process.exit(1);
}

// ------------------------------------------------------------------ cases (run in a child)

function pairsCase(n: number): CaseResult {
  const { volumes, claims } = settleFixture(n);
  const world = createWorld({ seed: SEED, startMs: Date.UTC(2026, 0, 1) });
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  // The default budget (2M steps) is a command's; 500k claims need about 4.5 deliveries each.
  const budget = { stepsMax: Math.max(2_000_000, 20 * n) };
  for (const v of volumes) world.store.create('PersistentVolume', v as unknown as AnyObject);
  world.settle({ budget });
  for (const c of claims) world.store.create('PersistentVolumeClaim', c as unknown as AnyObject);
  const report = world.settle({ budget });
  const ms = performance.now() - t0;
  const bound = phases(world, 'PersistentVolumeClaim')['Bound'] ?? 0;
  if (report.stoppedBy || bound !== n) fail(`pairs N = ${n}: ${bound} claims Bound`);
  return { ms, cpuMs: cpuMs(c0), maxRssKb: process.resourceUsage().maxRSS, objects: 2 * n };
}

function podsCase(n: number): CaseResult {
  // PVSIM_BENCH_PODS_NODES: a fixed number of nodes for every size (default: one per two pods).
  const fixedNodes = process.env['PVSIM_BENCH_PODS_NODES'];
  const inputs = podInputs(n, fixedNodes ? Number(fixedNodes) : undefined);
  const world = podWorld(inputs, SEED);
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  // A progress line per 1,000 pods created (stderr), so a long run shows how far it got.
  const onPod = (created: number) => {
    if (created % 1000 === 0) process.stderr.write(`pods N = ${fmtN(n)}: ${fmtN(created)} pods created, CPU ${fmtMs(cpuMs(c0))}, wall ${fmtMs(performance.now() - t0)}\n`);
  };
  const { deliveries } = settlePods(world, inputs, onPod);
  return { ms: performance.now() - t0, cpuMs: cpuMs(c0), maxRssKb: process.resourceUsage().maxRSS, pods: inputs.pods, deliveries };
}

/** Runs the CLI in this process (to build clusters), failing the bench on a non-zero exit. */
async function cli(cluster: string, argv: string[]): Promise<void> {
  let err = '';
  const code = await runCli(['--cluster', cluster, ...argv], {
    stdout: () => {}, stderr: (s) => { err += s; }, readStdin: () => '', env: {}, cwd: REPO, isTTY: false,
  });
  if (code !== 0) fail(`pvsim ${argv.join(' ')}: exit ${code}: ${err.slice(0, 500)}`);
}

/** Wall time and peak resident memory of a process (GNU time's %e and %M). */
function proc(argv: string[]): { ms: number; maxRssKb: number } {
  const out = join(tmpdir(), `pvsim-bench-time-${process.pid}`);
  const t0 = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', '-o', out, ...argv], { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - t0;
  if (r.status !== 0) fail(`${argv.join(' ')}: exit ${r.status}: ${r.stderr?.toString().slice(0, 500)}`);
  const maxRssKb = Number(readFileSync(out, 'utf8').trim().split('\n').pop());
  rmSync(out, { force: true });
  return { ms, maxRssKb };
}

function manifest(objects: readonly unknown[]): string {
  return objects.map((o) => JSON.stringify(o)).join('\n---\n');
}

async function cliCase(n: number): Promise<CaseResult> {
  const dir = mkdtempSync(join(tmpdir(), 'pvsim-bench-scale-'));
  try {
    const cluster = join(dir, 'cluster');
    const { volumes, claims } = settleFixture(n / 2);
    // pvsim reads at most 10,000 documents per file, so the objects go in files of 10,000 each.
    const files = (prefix: string, objects: readonly unknown[]): string[] => {
      const paths: string[] = [];
      for (let i = 0; i < objects.length; i += 10_000) {
        const path = join(dir, `${prefix}-${paths.length}.yaml`);
        writeFileSync(path, manifest(objects.slice(i, i + 10_000)));
        paths.push(path);
      }
      return paths;
    };
    const pvFiles = files('pvs', volumes);
    const pvcFiles = files('pvcs', claims);
    // The claims' namespaces must exist before they are created (since the fidelity merge, as in Kubernetes).
    const namespaces = [...new Set(claims.map((c) => c.metadata.namespace))].map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
    writeFileSync(join(dir, 'namespaces.yaml'), manifest(namespaces));
    const b0 = performance.now();
    await cli(cluster, ['apply', '-f', join(dir, 'namespaces.yaml')]);
    for (const f of pvFiles) await cli(cluster, ['apply', '-f', f]);
    for (const f of pvcFiles) await cli(cluster, ['apply', '-f', f]);
    const buildMs = performance.now() - b0;
    const name = volumes[Math.floor(volumes.length / 2)]!.metadata.name;
    const base: number[] = [];
    const one: number[] = [];
    const all: number[] = [];
    let oneRss = 0;
    let allRss = 0;
    for (let r = 0; r < 5; r++) {
      base.push(proc([process.execPath, '-e', '']).ms);
      const a = proc([process.execPath, CLI, '--cluster', cluster, 'get', 'pv', name]);
      one.push(a.ms);
      oneRss = Math.max(oneRss, a.maxRssKb);
      if (r < 3) { const b = proc([process.execPath, CLI, '--cluster', cluster, 'get', 'pv']); all.push(b.ms); allRss = Math.max(allRss, b.maxRssKb); }
    }
    // The same read without the objects file: the session folds the snapshot and the log and
    // builds the world, as every read did before it (the baseline of the change, same run).
    renameSync(join(cluster, 'objects.jsonl'), join(dir, 'objects.away'));
    const folded: number[] = [];
    for (let r = 0; r < 3; r++) folded.push(proc([process.execPath, CLI, '--cluster', cluster, 'get', 'pv', name]).ms);
    renameSync(join(dir, 'objects.away'), join(cluster, 'objects.jsonl'));
    process.stderr.write(`cli N = ${n}: get pv NAME ${fmtMs(median(one))} with objects.jsonl, ${fmtMs(median(folded))} without (folding the snapshot and log, building the world); node -e '' ${fmtMs(median(base))}\n`);
    const verify = proc([process.execPath, CLI, '--cluster', cluster, 'log', 'verify']);
    const records = lastPos(cluster);
    return {
      ms: buildMs, cpuMs: 0, maxRssKb: Math.max(oneRss, allRss, verify.maxRssKb), objects: n, records,
      baseMs: median(base), getOneMs: median(one), getOneFoldedMs: median(folded), getAllMs: median(all), verifyMs: verify.ms, getOneRssKb: oneRss, getAllRssKb: allRss, verifyRssKb: verify.maxRssKb,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The last position of a cluster's log (its last line's `pos`), read from the file's tail: a
 * million-record log is past the longest string Node makes (512 MiB), so it is never read whole.
 */
function lastPos(cluster: string): number {
  const path = join(cluster, 'log.jsonl');
  const size = statSync(path).size;
  const fd = openSync(path, 'r');
  try {
    for (let span = 64 * 1024; ; span *= 2) {
      const start = Math.max(0, size - span);
      const buf = Buffer.alloc(size - start);
      readSync(fd, buf, 0, buf.length, start);
      const text = buf.toString('utf8');
      const cut = text.lastIndexOf('\n', text.length - 2);
      if (cut >= 0 || start === 0) return (JSON.parse(text.slice(cut + 1)) as { pos: number }).pos;
    }
  } finally {
    closeSync(fd);
  }
}

async function reachCase(records: number): Promise<CaseResult> {
  const dir = mkdtempSync(join(tmpdir(), 'pvsim-bench-reach-'));
  try {
    const cluster = join(dir, 'cluster');
    const pvs = quick ? 200 : 2000;
    const { volumes } = settleFixture(pvs);
    const g0 = performance.now();
    let rounds = 0;
    for (let pos = 0; pos < records; pos = lastPos(cluster)) {
      // Each round relabels every PV: one input and a few records per PV.
      const relabelled = volumes.map((v) => ({ ...v, metadata: { ...v.metadata, labels: { ...(v.metadata.labels ?? {}), round: String(rounds) } } }));
      writeFileSync(join(dir, 'round.yaml'), manifest(relabelled));
      await cli(cluster, ['apply', '-f', join(dir, 'round.yaml')]);
      rounds++;
    }
    const generateMs = performance.now() - g0;
    const last = lastPos(cluster);
    const logBytes = statSync(join(cluster, 'log.jsonl')).size;
    const at = [process.execPath, CLI, '--cluster', cluster, 'get', 'pv', '--at', String(last), '-o', 'name'];
    const withSnap: number[] = [];
    let withRss = 0;
    for (let r = 0; r < 3; r++) { const x = proc(at); withSnap.push(x.ms); withRss = Math.max(withRss, x.maxRssKb); }
    renameSync(join(cluster, 'snapshots'), join(dir, 'snapshots.away'));
    renameSync(join(cluster, 'snapshot.json'), join(dir, 'snapshot.away'));
    const without = proc(at);
    const verify = proc([process.execPath, CLI, '--cluster', cluster, 'log', 'verify']);
    return {
      ms: generateMs, cpuMs: 0, maxRssKb: Math.max(withRss, without.maxRssKb, verify.maxRssKb), records: last, rounds, logBytes,
      withSnapshotsMs: median(withSnap), withSnapshotsRssKb: withRss, withoutMs: without.ms, withoutRssKb: without.maxRssKb, verifyMs: verify.ms, verifyRssKb: verify.maxRssKb,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ------------------------------------------------------------------ the parent: sizes, tables

function child(name: string, n: number): CaseResult {
  const r = spawnSync(process.execPath, ['--expose-gc', '--max-old-space-size=8192', '--import', 'tsx', 'bench/scale.ts', '--case', name, '--n', String(n), ...(quick ? ['--quick'] : [])], {
    cwd: REPO, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('CASE_JSON '));
  if (r.status !== 0 || !line) fail(`case ${name} N = ${n} exited ${r.status}${r.signal ? ` (${r.signal})` : ''}`);
  return JSON.parse(line.slice('CASE_JSON '.length)) as CaseResult;
}

const mib = (kb: number): string => `${(kb / 1024).toFixed(0)} MiB`;
const ratio = (x: number, base: number): string => `×${(x / base).toFixed(2)}`;
const num = (x: CaseResult, k: string): number => x[k] as number;

function main(): void {
  // PVSIM_BENCH_SCALE_SIZES overrides sizes, e.g. `pods=500,2000;cli=1000,10000` (a loaded machine).
  const override = new Map((process.env['PVSIM_BENCH_SCALE_SIZES'] ?? '').split(';').filter(Boolean).map((part) => {
    const [name, list] = part.split('=');
    return [name!, list!.split(',').map(Number)] as const;
  }));
  const pairSizes = override.get('pairs') ?? (quick ? [1_000, 4_000] : huge ? [10_000, 100_000, 500_000] : [10_000, 100_000]);
  const podSizes = override.get('pods') ?? (quick ? [200, 600] : [1_000, 5_000, 10_000]);
  const cliSizes = override.get('cli') ?? (quick ? [1_000, 4_000] : [1_000, 10_000, 50_000]);
  // PVSIM_BENCH_REACH_RECORDS sets the log's size (generating and verifying a million records takes an hour here).
  const reachRecords = Number(process.env['PVSIM_BENCH_REACH_RECORDS'] ?? (quick ? 20_000 : 1_000_000));
  const out: Record<string, unknown> = {};

  // PVSIM_BENCH_SCALE_CASES picks cases (comma-separated), e.g. on a loaded machine.
  const cases = (process.env['PVSIM_BENCH_SCALE_CASES'] ?? 'pods,cli,reach,pairs').split(',');
  if (cases.includes('pods')) {
    // Each size's row is printed as soon as it is measured (a stopped run still reports the sizes it finished).
    console.log('pods with volumes: created one at a time and settled (full cluster, one node per two pods)');
    const podTable = streamedTable(['pods', 'deliveries', 'CPU', 'CPU (vs smallest)', 'per pod (vs smallest)', 'wall', 'peak RSS'], [[7, 9, 8, 8, 20, 8, 9]]);
    console.log(podTable.head);
    const pods: ({ n: number } & CaseResult)[] = [];
    for (const n of podSizes) {
      const p = { n, ...child('pods', n) };
      pods.push(p);
      const q0 = pods[0]!;
      console.log(podTable.row([
        fmtN(p.n), String(num(p, 'deliveries')), fmtMs(p.cpuMs), ratio(p.cpuMs, q0.cpuMs), `${(p.cpuMs / p.n).toFixed(2)} ms (${ratio(p.cpuMs / p.n, q0.cpuMs / q0.n)})`, fmtMs(p.ms), mib(p.maxRssKb),
      ]));
    }
    console.log('');
    out['pods'] = pods;
  }

  if (cases.includes('cli')) {
    const clis = cliSizes.map((n) => ({ n, ...child('cli', n) }));
    const c0 = clis[0]!;
    console.log("cli: commands as processes, against a bare `node -e ''` measured interleaved");
    console.log(table(['objects', 'records', 'build (2 applies)', "node -e ''", 'get pv NAME', '= node ×', 'vs smallest', 'without objects.jsonl', 'get pv (all)', '= node ×', 'vs smallest', 'log verify', 'vs smallest', 'peak RSS get NAME / all / verify'], clis.map((c) => [
      fmtN(c.n), String(num(c, 'records')), fmtMs(c.ms), fmtMs(num(c, 'baseMs')),
      fmtMs(num(c, 'getOneMs')), (num(c, 'getOneMs') / num(c, 'baseMs')).toFixed(1), ratio(num(c, 'getOneMs'), num(c0, 'getOneMs')), fmtMs(num(c, 'getOneFoldedMs')),
      fmtMs(num(c, 'getAllMs')), (num(c, 'getAllMs') / num(c, 'baseMs')).toFixed(1), ratio(num(c, 'getAllMs'), num(c0, 'getAllMs')),
      fmtMs(num(c, 'verifyMs')), ratio(num(c, 'verifyMs'), num(c0, 'verifyMs')),
      `${mib(num(c, 'getOneRssKb'))} / ${mib(num(c, 'getAllRssKb'))} / ${mib(num(c, 'verifyRssKb'))}`,
    ])));
    console.log('');
    out['cli'] = clis;
  }

  if (cases.includes('reach')) {
    const reach = child('reach', reachRecords);
    console.log(`reach: a log of ${reach['records']} records (${reach['rounds']} applies relabelling PVs, ${(num(reach, 'logBytes') / 2 ** 20).toFixed(0)} MiB), generated in ${fmtMs(reach.ms)}`);
    console.log(table(['reach the last position', 'time', 'peak RSS'], [
      ['with snapshots', fmtMs(num(reach, 'withSnapshotsMs')), mib(num(reach, 'withSnapshotsRssKb'))],
      ['without snapshots', fmtMs(num(reach, 'withoutMs')), mib(num(reach, 'withoutRssKb'))],
      ['log verify (whole log)', fmtMs(num(reach, 'verifyMs')), mib(num(reach, 'verifyRssKb'))],
    ]));
    console.log(`reach: with snapshots ${(num(reach, 'withoutMs') / num(reach, 'withSnapshotsMs')).toFixed(1)}× faster (goal ≥ 10×)`);
    out['reach'] = reach;
  }
  if (cases.includes('pairs')) {
    const pairs = pairSizes.map((n) => ({ n, ...child('pairs', n) }));
    const p0 = pairs[0]!;
    console.log('pairs: N PVs then N claims created and settled (PV-only world)');
    console.log(table(['pairs', 'objects', 'wall', 'CPU', 'objects/s (CPU)', 'CPU per object (vs smallest)', 'peak RSS'], pairs.map((p) => [
      fmtN(p.n), fmtN(2 * p.n), fmtMs(p.ms), fmtMs(p.cpuMs), ((2 * p.n) / (p.cpuMs / 1000)).toFixed(0), `${((p.cpuMs / (2 * p.n)) * 1000).toFixed(0)} µs (${ratio(p.cpuMs / p.n, p0.cpuMs / p0.n)})`, mib(p.maxRssKb),
    ])));
    console.log('');
    out['pairs'] = pairs;

  }
  emit('scale', out);
}

const caseName = valueOf('--case');
if (caseName) {
  const n = Number(valueOf('--n'));
  const run = caseName === 'pairs' ? async () => pairsCase(n) : caseName === 'pods' ? async () => podsCase(n) : caseName === 'cli' ? () => cliCase(n) : caseName === 'reach' ? () => reachCase(n) : undefined;
  if (!run) fail(`unknown case ${caseName}`);
  void run().then((result) => { process.stdout.write(`CASE_JSON ${JSON.stringify(result)}\n`); });
} else {
  main();
}
