/**
 * Design: `pvsim sim` spread over worker processes (issue 8 items 6 and 10, ADR 0014). Against a
 * nats-server started by the one launcher, in the same run: the baseline is `pvsim sim` in this
 * process (seeds one after another); the measured cases are `pvsim sim --nats` with 1, 2 and 4
 * `pvsim worker` processes (the built CLI, started and warmed up before the clock starts).
 * Seeds per second, and the ratio to the local run. Each configuration runs the same seeds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startNatsServer } from '../packages/nats/src/index.ts';
import { runCli } from '../services/cli/src/cli.ts';
import { emit, table } from './measure.ts';

const quick = process.argv.includes('--quick');
const SEEDS = quick ? 8 : 24;
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

async function main(): Promise<void> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run pnpm install (it builds the CLI)`);
  const server = await startNatsServer();
  const tmp = mkdtempSync(join(tmpdir(), 'pvsim-bench-sim-'));
  const nats = ['--nats', server.url, '--cluster', 'bench'];
  const load = loadavg()[0]!.toFixed(1);
  try {
    const local = await timedSim([], join(tmp, 'local'));
    const rows: string[][] = [['local (in process)', local.toFixed(2), '1.00']];
    const data: Record<string, number> = { local };
    for (const n of WORKERS) {
      const workers = await Promise.all(Array.from({ length: n }, () => startWorker(server.url)));
      // Warm-up: one seed per worker, so every worker has loaded its code before the clock starts.
      await pvsim([...nats, '--seed', '1000', 'sim', SCENARIO, '--runs', String(n), '--out', join(tmp, `warm-${n}`)]);
      const rate = await timedSim(nats, join(tmp, `workers-${n}`));
      data[`workers${n}`] = rate;
      rows.push([`sim --nats, ${n} worker${n > 1 ? 's' : ''}`, rate.toFixed(2), (rate / local).toFixed(2)]);
      await Promise.all(workers.map((w) => new Promise((done) => { w.removeAllListeners('exit'); w.on('exit', done); w.kill('SIGINT'); })));
    }
    console.log(`pvsim sim ${SCENARIO}, ${SEEDS} seeds per case (load average ${load} at the start)`);
    console.log(table(['case', 'seeds/s', 'ratio'], rows));
    emit('natsSim', { seeds: SEEDS, load: Number(load), ...data });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
    await server.stop();
  }
}

main().then(() => process.exit(0), (e: unknown) => { console.error(e); process.exit(1); });
