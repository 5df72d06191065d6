// `pvsim sim --nats` with `pvsim worker` processes (ADR 0014), against a real nats-server started
// by the one launcher: the distributed run finds the same failing seeds as a local run and writes
// byte-identical counterexample directories, even though one worker is killed (SIGKILL) holding a
// task — the task is redelivered to the other worker; `pvsim check fetch` writes them again.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNatsServer } from '@pvsim/nats';
import { cliArgv, pvsim, repoRoot } from './support.ts';

const server = await startNatsServer();
const children: ChildProcess[] = [];
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); void server.stop(); });
const SCENARIO = 'examples/check/zonal-immediate/immediate.yaml';
const RUNS = 2;
/** pvsim() names a cluster directory; the jobs need none, but --nats wants a valid cluster name. */
const NATS = () => ['--nats', server.url, '--cluster', 'workers'];
const STARTUP_BUDGET_MS = 180_000;

/** A `pvsim worker` process; resolves once its stdout matches `until`. */
function startWorker(env: Record<string, string> = {}): { child: ChildProcess; exited: Promise<NodeJS.Signals | number | null>; waitFor(re: RegExp): Promise<string> } {
  const child = spawn(process.execPath, cliArgv(['--nats', server.url, 'worker', '--ack-wait', '1s']), {
    cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
  });
  children.push(child);
  let out = '';
  let err = '';
  const waiters: { re: RegExp; resolve: (s: string) => void }[] = [];
  child.stdout!.on('data', (c) => {
    out += c;
    for (const w of waiters.splice(0)) { if (w.re.test(out)) w.resolve(out); else waiters.push(w); }
  });
  child.stderr!.on('data', (c) => { err += c; });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
  return {
    child, exited,
    waitFor: (re) => new Promise((resolve, reject) => {
      if (re.test(out)) { resolve(out); return; }
      waiters.push({ re, resolve });
      const budget = setTimeout(() => reject(new Error(`worker did not print ${re} within ${STARTUP_BUDGET_MS} ms: ${out}${err}`)), STARTUP_BUDGET_MS);
      budget.unref();
      void exited.then(() => reject(new Error(`worker exited before printing ${re}: ${out}${err}`)));
    }),
  };
}

function dirLogs(out: string): string[] {
  return readdirSync(out).sort((a, b) => Number(a) - Number(b)).map((d) => readFileSync(join(out, d, 'log.jsonl'), 'utf8'));
}

test('sim --nats over two workers, one killed holding a task: same failing seeds and counterexamples as a local run', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'pvsim-workers-'));
  const local = await pvsim('.unused', ['sim', SCENARIO, '--runs', String(RUNS), '--out', join(tmp, 'local'), '-o', 'json']);
  assert.is(local.code, 1, local.stderr);
  const localFailed = (JSON.parse(local.stdout) as { failed: { seed: number; invariant: string }[] }).failed;
  assert.ok(localFailed.length > 0);

  // The doomed worker pauses (the test fault seam) as soon as it holds a task; it is killed there.
  const doomed = startWorker({ PVSIM_TEST_FAULT: 'worker-task:pause', PVSIM_TEST_PAUSE_DIR: tmp });
  await doomed.waitFor(/^worker \S+ pulling tasks/m);
  const distributed = pvsim('.unused', [...NATS(), 'sim', SCENARIO, '--runs', String(RUNS), '--out', join(tmp, 'nats'), '-o', 'json', '--gather-timeout', '300s']);
  const taken = /^task (\S+) seed (\d+)$/m.exec(await doomed.waitFor(/^task \S+ seed \d+$/m))!;
  doomed.child.kill('SIGKILL');
  assert.is(await doomed.exited, 'SIGKILL');
  const survivor = startWorker();
  const r = await distributed;
  assert.is(r.code, 1, r.stderr);
  const result = JSON.parse(r.stdout) as { job: string; runs: number; failed: { seed: number; invariant: string }[] };
  assert.is(result.job, taken[1]);
  assert.equal(result.failed.map((f) => [f.seed, f.invariant]), localFailed.map((f) => [f.seed, f.invariant]));
  assert.equal(dirLogs(join(tmp, 'nats')), dirLogs(join(tmp, 'local')), 'the counterexample directories are byte-identical');
  assert.match(await survivor.waitFor(new RegExp(`^task ${result.job} seed ${taken[2]}$`, 'm')), /task/, 'the killed worker\'s task was redelivered to the survivor');

  const fetched = await pvsim('.unused', [...NATS(), 'check', 'fetch', result.job, '--out', join(tmp, 'fetched')]);
  assert.is(fetched.code, 0, fetched.stderr);
  assert.match(fetched.stdout, new RegExp(`${localFailed.length} counterexample\\(s\\) of job ${result.job}\\n$`));
  assert.equal(dirLogs(join(tmp, 'fetched')), dirLogs(join(tmp, 'local')));
  const verify = await pvsim(join(tmp, 'fetched', '1'), ['log', 'verify']);
  assert.is(verify.code, 0, verify.stderr);

  survivor.child.kill('SIGINT');
  assert.is(await survivor.exited, 0);
});

test('sim --nats refuses what it cannot hand out, and a job nobody works on times out naming the seeds', async () => {
  const inv = await pvsim('.unused', [...NATS(), 'sim', SCENARIO, '--runs', '1', '--invariant', 'examples/check/invariants/one-pv-per-class.mjs']);
  assert.is(inv.code, 2);
  assert.match(inv.stderr, /^error: --invariant is not handed to workers yet/);
  // No worker runs now (the last one was stopped): the seeds stay queued and the gather says so.
  const tmp = mkdtempSync(join(tmpdir(), 'pvsim-workers-'));
  const lonely = await pvsim('.unused', [...NATS(), 'sim', SCENARIO, '--runs', '2', '--seed', '100', '--out', tmp, '--gather-timeout', '1s']);
  assert.is(lonely.code, 2);
  assert.match(lonely.stderr, /error: job sim-\w+: 2 task\(s\) still without a result after 1 s \(100, 101\); is a `pvsim worker --nats URL` running\?\n$/);
  const missing = await pvsim('.unused', [...NATS(), 'check', 'fetch', 'sim-nope']);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /^error: no job sim-nope in NATS at nats:\/\/127\.0\.0\.1:\d+\n$/);
});

test.run();
