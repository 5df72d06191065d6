/**
 * Design: `pvsim up` — a local nats-server with JetStream for `--nats`, started by the one
 * launcher (@pvsim/nats) on 127.0.0.1 with its store in a temporary directory, plus `--workers N`
 * `pvsim worker` processes for `pvsim sim --nats` (ADR 0014); it prints where each runs and how to
 * point commands at it, and on Ctrl-C (SIGINT) or SIGTERM stops the workers (each finishes the
 * task in hand), then the server, and removes the store. A composition root: it waits on signals
 * and child processes, which nothing below it does. `--serve COMPONENTS` also starts one
 * `pvsim serve --only COMPONENTS` process (ADR 0019: its work is a transaction on the log) for the
 * cluster `--cluster` names (default `default`), which it starts if new, and passes on what that
 * process prints per transaction; Ctrl-C stops it first, between two transactions. The kubelet and
 * csi-driver processes of issue 8 item 3 are not built; they are to be started here too.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { checkClusterName, startNatsServer } from '@pvsim/nats';
import { parseComponents } from './componentHost.ts';
import { UsageError, type CliIO } from './verbTypes.ts';

/** How long a worker may take to say it is pulling tasks, or to stop after SIGINT. */
const WORKER_BUDGET_MS = 60_000;

/** This CLI again, as it was started (from source with its loader, or the built file). */
function startWorker(url: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, '--nats', url, 'worker'], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ready, fail) => {
    let out = '';
    const budget = setTimeout(() => { child.kill('SIGKILL'); fail(new Error(`error: a worker (pid ${child.pid}) did not start within ${WORKER_BUDGET_MS / 1000} s: ${out}`)); }, WORKER_BUDGET_MS);
    child.stdout!.on('data', (c) => {
      out += c;
      if (/pulling tasks/.test(out)) { clearTimeout(budget); ready(child); }
    });
    child.once('exit', (code) => { clearTimeout(budget); fail(new Error(`error: a worker exited with ${code} before it started: ${out}`)); });
  });
}

/** `pvsim serve --only COMPONENTS` for `cluster`; resolves once it follows the log, then passes its lines on. */
function startServe(io: CliIO, url: string, cluster: string, components: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, '--nats', url, '--cluster', cluster, 'serve', '--only', components.join(',')], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ready, fail) => {
    let out = '';
    let started = false;
    const budget = setTimeout(() => { child.kill('SIGKILL'); fail(new Error(`error: pvsim serve (pid ${child.pid}) did not start within ${WORKER_BUDGET_MS / 1000} s: ${out}`)); }, WORKER_BUDGET_MS);
    child.stdout!.on('data', (c) => {
      out += c;
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) {
        if (!started && /^pvsim serve: /.test(line)) { started = true; clearTimeout(budget); ready(child); continue; }
        if (started) io.stdout(`${line}\n`);
      }
    });
    child.once('exit', (code) => { clearTimeout(budget); if (!started) fail(new Error(`error: pvsim serve exited with ${code} before it started: ${out}`)); });
  });
}

function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((done) => {
    const budget = setTimeout(() => child.kill('SIGKILL'), WORKER_BUDGET_MS);
    child.removeAllListeners('exit');
    child.once('exit', () => { clearTimeout(budget); done(); });
    child.kill('SIGINT');
  });
}

export async function up(io: CliIO, o: { workers?: string; serve?: string; cluster?: string } = {}): Promise<number> {
  const workerCount = o.workers === undefined ? 0 : Number(o.workers);
  if (!Number.isSafeInteger(workerCount) || workerCount < 0) throw new UsageError(`error: invalid argument "${o.workers}" for "--workers" flag: must be a non-negative integer`);
  const components = o.serve === undefined ? [] : parseComponents(o.serve);
  // --cluster names the served cluster (otherwise up ignores it, as it starts no cluster).
  const cluster = o.cluster ?? 'default';
  if (components.length > 0) {
    try {
      checkClusterName(cluster);
    } catch (e) {
      throw new UsageError(`error: --cluster: ${(e as Error).message} when the log is in NATS`);
    }
  }
  const binary = io.env['PVSIM_NATS_SERVER'];
  const server = await startNatsServer(binary ? { binary } : {});
  io.stdout(`nats-server ${server.url} (pid ${server.pid}), JetStream store in ${server.storeDir}\n`);
  const workers: ChildProcess[] = [];
  let served: ChildProcess | undefined;
  try {
    for (let i = 0; i < workerCount; i++) {
      const w = await startWorker(server.url);
      workers.push(w);
      io.stdout(`pvsim worker ${i + 1} (pid ${w.pid}) pulling tasks for pvsim sim --nats\n`);
    }
    if (components.length > 0) {
      served = await startServe(io, server.url, cluster, components);
      io.stdout(`pvsim serve --only ${components.join(',')} (pid ${served.pid}) for cluster ${cluster}\n`);
    }
  } catch (e) {
    await Promise.all(workers.map(stopWorker));
    await server.stop();
    throw e;
  }
  const children = served ? [served, ...workers] : workers;
  io.stdout(`use it: pvsim --nats ${server.url} --cluster NAME COMMAND   (or export PVSIM_NATS=${server.url})\n`);
  io.stdout(`Ctrl-C stops ${children.length > 0 ? 'the processes and ' : ''}it and removes the store\n`);
  // Signal listeners do not keep a process alive, and the launcher unrefs the server; this does.
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  await new Promise<void>((resolve) => {
    const done = () => {
      clearInterval(keepAlive);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
  // The component process first, so it does not meet a server that has gone.
  if (served) { await stopWorker(served); io.stdout('stopped pvsim serve\n'); }
  await Promise.all(workers.map(stopWorker));
  if (workers.length > 0) io.stdout(`stopped ${workers.length} worker(s)\n`);
  await server.stop();
  io.stdout('stopped nats-server and removed its store\n');
  return 0;
}
