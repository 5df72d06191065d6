/**
 * Design: `pvsim sim` spread over worker processes (issue 8 items 6 and 10, ADR 0014). Against a
 * nats-server started by the one launcher, in the same run: the baseline is `pvsim sim` in this
 * process (seeds one after another); the measured cases are `pvsim sim --nats` with 1, 2 and 4
 * `pvsim worker` processes (the built CLI). Seeds per second, and the ratio to the local run.
 * Every configuration runs the same seeds.
 *
 * A seed of the scenario is tens of milliseconds once the code is warm and several times that
 * before, so warm-up decides the figure: the local loop is warmed by a whole job before the clock
 * starts, each set of workers by a whole job of its own; then rounds alternate a local job and a
 * job for the workers (which goes first alternating too), the ratio the median of the rounds'
 * own ratios, rates the medians.
 *
 * The ceiling: "near-linear up to the core count" asks what the machine gives, so the same rounds
 * time k local loops in k processes at once (bench/simLocalChild.ts: warmed, then started
 * together): their seeds per second over one loop's is what k CPU-bound processes can reach here,
 * whatever the queue does. A shared or throttled machine gives two processes less than twice one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startNatsServer } from '../packages/nats/src/index.ts';
import { runCli } from '../services/cli/src/cli.ts';
import { emit, median, table } from './measure.ts';

const quick = process.argv.includes('--quick');
const SEEDS = quick ? 24 : 48;
const ROUNDS = quick ? 2 : 4;
const WORKERS = [1, 2, 4];
const SCENARIO = 'examples/check/zonal-immediate/fixed.yaml';
const CLI = resolve('services/cli/dist/pvsim.js');
const READY_BUDGET_MS = 60_000;

async function pvsim(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, readStdin: () => '', env: {}, cwd: process.cwd(), isTTY: false });
  return { code, stdout, stderr };
}

function startWorker(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [CLI, '--nats', url, 'worker'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ready, fail) => {
    let out = '';
    const budget = setTimeout(() => fail(new Error(`a worker did not start within ${READY_BUDGET_MS} ms`)), READY_BUDGET_MS);
    child.stdout!.on('data', (c) => {
      out += c;
      if (/pulling tasks/.test(out)) { clearTimeout(budget); ready(child); }
    });
    child.on('exit', () => fail(new Error(`a worker exited: ${out}`)));
  });
}

async function timedSim(args: string[], out: string): Promise<number> {
  const t0 = performance.now();
  const r = await pvsim([...args, 'sim', SCENARIO, '--runs', String(SEEDS), '--out', out]);
  const seconds = (performance.now() - t0) / 1000;
  if (r.code !== 0) throw new Error(`sim failed (${r.code}): ${r.stdout}${r.stderr}`);
  return SEEDS / seconds;
}

/** k local loops in k processes at once, each warmed first: seeds per second of all of them together. */
async function ceiling(k: number, dir: string): Promise<number> {
  const children = await Promise.all(Array.from({ length: k }, (_, i) => new Promise<ChildProcess>((ready, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', resolve('bench/simLocalChild.ts'), SCENARIO, String(SEEDS), join(dir, `p${i}`)], { stdio: ['pipe', 'pipe', 'inherit'] });
    child.stdout!.once('data', () => ready(child));
    child.once('exit', (code) => fail(new Error(`a local sim process exited (${code}) before it was warm`)));
  })));
  const t0 = performance.now();
  await Promise.all(children.map((child) => new Promise<void>((done, fail) => {
    child.removeAllListeners('exit');
    child.once('exit', (code) => (code === 0 ? done() : fail(new Error(`a local sim process exited ${code}`))));
    child.stdin!.end('go\n');
  })));
  return (k * SEEDS) / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run pnpm install (it builds the CLI)`);
  const server = await startNatsServer();
  const tmp = mkdtempSync(join(tmpdir(), 'pvsim-bench-sim-'));
  const nats = ['--nats', server.url, '--cluster', 'bench'];
  const load = loadavg()[0]!.toFixed(1);
  try {
    let job = 0;
    const out = () => join(tmp, `out-${++job}`);
    // The local loop warmed by a whole job, as each set of workers is below.
    await timedSim([], out());
    const rows: string[][] = [];
    const data: Record<string, unknown> = {};
    const locals: number[] = [];
    for (const n of WORKERS) {
      const workers = await Promise.all(Array.from({ length: n }, () => startWorker(server.url)));
      await timedSim(nats, out());
      const local: number[] = [];
      const distributed: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const cases = [async () => void local.push(await timedSim([], out())), async () => void distributed.push(await timedSim(nats, out()))];
        for (let k = 0; k < cases.length; k++) await cases[(round + k) % cases.length]!();
      }
      locals.push(...local);
      const ratio = median(distributed.map((d, round) => d / local[round]!));
      data[`workers${n}`] = { local, distributed, ratio };
      rows.push([`sim --nats, ${n} worker${n > 1 ? 's' : ''}`, median(distributed).toFixed(2), median(local).toFixed(2), ratio.toFixed(2)]);
      await Promise.all(workers.map((w) => new Promise((done) => { w.removeAllListeners('exit'); w.on('exit', done); w.kill('SIGINT'); })));
    }
    // The machine's own: k local loops at once against one, in alternating rounds.
    for (const k of WORKERS.filter((n) => n > 1)) {
      const one: number[] = [];
      const many: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        const cases = [async () => void one.push(await ceiling(1, out())), async () => void many.push(await ceiling(k, out()))];
        for (let c = 0; c < cases.length; c++) await cases[(round + c) % cases.length]!();
      }
      const ratio = median(many.map((m, round) => m / one[round]!));
      data[`ceiling${k}`] = { one, many, ratio };
      rows.push([`ceiling: ${k} local loops in ${k} processes at once`, median(many).toFixed(2), `${median(one).toFixed(2)} (one process)`, ratio.toFixed(2)]);
    }
    console.log(`pvsim sim ${SCENARIO}, ${SEEDS} seeds a job, ${ROUNDS} rounds a case after a warm-up job, medians; the ratio a median of the rounds' own (load average ${load} at the start)`);
    console.log(table(['case', 'seeds/s', 'local seeds/s (same rounds)', 'ratio to local'], rows));
    emit('natsSim', { seeds: SEEDS, rounds: ROUNDS, load: Number(load), local: median(locals), ...data });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await server.stop();
  }
}

main().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
