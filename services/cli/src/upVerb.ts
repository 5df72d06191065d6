/**
 * Design: `pvsim up` — a local nats-server with JetStream for `--nats`, started by the one
 * launcher (@pvsim/nats) on 127.0.0.1 with its store in a temporary directory, plus `--workers N`
 * `pvsim worker` processes for `pvsim sim --nats` (ADR 0014); it prints where each runs and how to
 * point commands at it, and on Ctrl-C (SIGINT) or SIGTERM stops the workers (each finishes the
 * task in hand), then the server, and removes the store. A composition root: it waits on signals
 * and child processes, which nothing below it does. `--serve COMPONENTS` also starts one
 * `pvsim serve --only COMPONENTS` process (ADR 0019: its work is a transaction on the log) for the
 * cluster `--cluster` names (default `default`), which it starts if new, and passes on what that
 * process prints per transaction; Ctrl-C stops it first, between two transactions. `--serve` also
 * takes `kubelets` (one `pvsim kubelet --node` process per node of the cluster), `drivers` (one
 * `pvsim csi-driver` process per driver) and `all` (every controller, kubelets and drivers), and
 * `--nodes N` starts the cluster with N nodes first (`pvsim init --nodes N`), so a whole cluster
 * runs as processes (ADR 0022).
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { checkClusterName, startNatsServer } from '@pvsim/nats';
import { DEFAULT_DRIVER_PROFILES, clusterInitObjects } from '@pvsim/world';
import { EPOCH_MS } from './session.ts';
import { parseShape } from './clusterInit.ts';
import { HOSTABLE_COMPONENTS, parseComponents } from './componentHost.ts';
import { UsageError, type CliIO } from './verbTypes.ts';
import { parseCsiDriverFlags } from './csiDriverModules.ts';
import { fullDriverName } from './csiRpc.ts';

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

/**
 * A component process of `cluster` (`pvsim serve --only …`, `pvsim kubelet --node …`, `pvsim
 * csi-driver …`: `args`); resolves once it follows the log, then passes its lines on.
 */
function startComponentProcess(io: CliIO, url: string, cluster: string, args: string[]): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, '--nats', url, '--cluster', cluster, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  return new Promise((ready, fail) => {
    let out = '';
    let started = false;
    const budget = setTimeout(() => { child.kill('SIGKILL'); fail(new Error(`error: pvsim ${args.join(' ')} (pid ${child.pid}) did not start within ${WORKER_BUDGET_MS / 1000} s: ${out}`)); }, WORKER_BUDGET_MS);
    child.stdout!.on('data', (c) => {
      out += c;
      const lines = out.split('\n');
      out = lines.pop()!;
      for (const line of lines) {
        if (!started && /^pvsim (serve|kubelet|csi-driver): /.test(line)) { started = true; clearTimeout(budget); ready(child); continue; }
        if (started) io.stdout(`${line}\n`);
      }
    });
    child.once('exit', (code) => { clearTimeout(budget); if (!started) fail(new Error(`error: pvsim ${args.join(' ')} exited with ${code} before it started: ${out}`)); });
  });
}

/** Runs this CLI once more for `cluster` (`pvsim init …`) and resolves when it succeeded. */
function runOnce(url: string, cluster: string, args: string[]): Promise<void> {
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, '--nats', url, '--cluster', cluster, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c) => { err += c; });
  return new Promise((done, fail) => {
    const budget = setTimeout(() => child.kill('SIGKILL'), WORKER_BUDGET_MS);
    child.once('exit', (code, signal) => {
      clearTimeout(budget);
      if (code === 0) done();
      else fail(new Error(`error: pvsim ${args.join(' ')} ${signal === 'SIGKILL' ? `did not finish within ${WORKER_BUDGET_MS / 1000} s` : 'failed'}: ${err.trim()}`));
    });
  });
}

/** What `--serve` asks for: controllers for one `serve --only` process, and whether kubelets and drivers come too. */
export function parseServe(list: string): { controllers: string[]; kubelets: boolean; drivers: boolean } {
  const names = list.split(',').map((n) => n.trim()).filter((n) => n !== '');
  if (names.length === 0) throw new UsageError('error: --serve needs at least one component, e.g. --serve pv-controller or --serve all');
  const all = names.includes('all');
  const rest = names.filter((n) => n !== 'all' && n !== 'kubelets' && n !== 'drivers');
  return {
    controllers: all ? [...HOSTABLE_COMPONENTS] : rest.length > 0 ? parseComponents(rest.join(',')) : [],
    kubelets: all || names.includes('kubelets'),
    drivers: all || names.includes('drivers'),
  };
}

/**
 * The processes `--serve drivers` starts for `drivers` (full names), as argument lists: the
 * sidecars of each (`csi-driver D`); with `rpc` (`up --driver-rpc`) also the driver itself
 * answering over NATS (`csi-driver D --rpc`, or a user's module `csi-driver D=PATH` for a driver
 * `modules` names, ADR 0029), and the sidecars and kubelets call it (`--csi-rpc D,…`).
 */
export function driverProcesses(drivers: readonly string[], rpc: boolean, modules: Readonly<Record<string, string>> = {}): { drivers: string[][]; kubeletGlobals: string[] } {
  for (const name of Object.keys(modules)) {
    if (!drivers.includes(name)) throw new UsageError(`error: --csi-driver ${name}: the cluster has no driver of that name (it has ${drivers.join(', ')})`);
  }
  if (!rpc) {
    if (Object.keys(modules).length > 0) throw new UsageError('error: --csi-driver runs a driver module as the driver process: give --driver-rpc too');
    return { drivers: drivers.map((d) => ['csi-driver', d]), kubeletGlobals: [] };
  }
  const calls = ['--csi-rpc', drivers.join(',')];
  return {
    drivers: drivers.flatMap((d) => [
      modules[d] !== undefined ? ['csi-driver', `${d}=${modules[d]}`] : ['csi-driver', d, '--rpc'],
      [...calls, 'csi-driver', d],
    ]),
    kubeletGlobals: calls,
  };
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

export async function up(io: CliIO, o: { workers?: string; serve?: string; nodes?: string; cluster?: string; lockstep?: boolean; driverRpc?: boolean; csiDriver?: string[] } = {}): Promise<number> {
  const workerCount = o.workers === undefined ? 0 : Number(o.workers);
  if (!Number.isSafeInteger(workerCount) || workerCount < 0) throw new UsageError(`error: invalid argument "${o.workers}" for "--workers" flag: must be a non-negative integer`);
  const serve = o.serve === undefined ? undefined : parseServe(o.serve);
  if (o.nodes !== undefined && serve === undefined) throw new UsageError('error: --nodes starts the cluster --serve runs: give --serve too (e.g. --serve all)');
  if (o.lockstep && serve === undefined) throw new UsageError('error: --lockstep starts the processes of --serve in lockstep: give --serve too (e.g. --serve all)');
  if (o.lockstep && o.driverRpc) throw new UsageError('error: --lockstep and --driver-rpc cannot be used together: in lockstep the driver\'s RPCs run inside the granted steps (docs/decisions/0025-lockstep-distributed-runs.md)');
  const shape = parseShape(o.nodes === undefined ? {} : { nodes: o.nodes });
  // --cluster names the served cluster (otherwise up ignores it, as it starts no cluster).
  const cluster = o.cluster ?? 'default';
  if (serve) {
    try {
      checkClusterName(cluster);
    } catch (e) {
      throw new UsageError(`error: --cluster: ${(e as Error).message} when the log is in NATS`);
    }
  }
  if ((o.driverRpc || o.csiDriver?.length) && !serve?.drivers) throw new UsageError('error: --driver-rpc and --csi-driver shape the driver processes: give --serve drivers (or all) too');
  let modules: Record<string, string>;
  try {
    modules = Object.fromEntries(Object.entries(parseCsiDriverFlags(io.cwd, o.csiDriver ?? [])).map(([name, path]) => [fullDriverName(name), path]));
  } catch (e) {
    throw new UsageError(`error: ${(e as Error).message}`);
  }
  const driverPlan = driverProcesses(DEFAULT_DRIVER_PROFILES.map((d) => d.name), o.driverRpc === true, modules);
  const binary = io.env['PVSIM_NATS_SERVER'];
  const server = await startNatsServer(binary ? { binary } : {});
  io.stdout(`nats-server ${server.url} (pid ${server.pid}), JetStream store in ${server.storeDir}\n`);
  const workers: ChildProcess[] = [];
  const served: ChildProcess[] = [];
  try {
    for (let i = 0; i < workerCount; i++) {
      const w = await startWorker(server.url);
      workers.push(w);
      io.stdout(`pvsim worker ${i + 1} (pid ${w.pid}) pulling tasks for pvsim sim --nats\n`);
    }
    if (serve) {
      // The server is new, so is the cluster: started with its shape before any process starts
      // the default one.
      if (o.nodes !== undefined) {
        await runOnce(server.url, cluster, ['init', '--nodes', String(shape.nodes)]);
        io.stdout(`cluster ${cluster} started with ${shape.nodes} node(s)\n`);
      }
      const start = async (args: string[]): Promise<void> => {
        // In lockstep (ADR 0025) each process performs the deliveries the commands grant it.
        const child = await startComponentProcess(io, server.url, cluster, o.lockstep ? ['--lockstep', ...args] : args);
        served.push(child);
        io.stdout(`pvsim ${args.join(' ')}${o.lockstep ? ' --lockstep' : ''} (pid ${child.pid}) for cluster ${cluster}\n`);
      };
      if (serve.controllers.length > 0) await start(['serve', '--only', serve.controllers.join(',')]);
      if (serve.drivers) for (const args of driverPlan.drivers) await start(args);
      if (serve.kubelets) {
        const nodes = clusterInitObjects(shape, new Date(EPOCH_MS).toISOString()).filter((x) => x['kind'] === 'Node')
          .map((n) => (n['metadata'] as { name: string }).name);
        for (const node of nodes) await start([...(serve.drivers ? driverPlan.kubeletGlobals : []), 'kubelet', '--node', node]);
      }
    }
  } catch (e) {
    for (const c of served.reverse()) await stopWorker(c);
    await Promise.all(workers.map(stopWorker));
    await server.stop();
    throw e;
  }
  const children = [...served, ...workers];
  io.stdout(o.lockstep
    ? `use it: pvsim --nats ${server.url} --cluster ${cluster} --lockstep COMMAND   (or export PVSIM_NATS=${server.url} PVSIM_CLUSTER=${cluster} PVSIM_LOCKSTEP=1)\n`
    : served.length > 0
      // The processes serve one cluster: name it, as the lockstep line does.
      ? `use it: pvsim --nats ${server.url} --cluster ${cluster} COMMAND   (or export PVSIM_NATS=${server.url} PVSIM_CLUSTER=${cluster})\n`
      : `use it: pvsim --nats ${server.url} --cluster NAME COMMAND   (or export PVSIM_NATS=${server.url})\n`);
  io.stdout(`Ctrl-C stops ${children.length > 0 ? 'the processes and ' : ''}nats-server, and removes its store\n`);
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
  // The component processes first (each between two transactions), so none meets a server that has gone.
  await Promise.all(served.map(stopWorker));
  if (served.length === 1 && serve?.controllers.length) io.stdout('stopped pvsim serve\n');
  else if (served.length > 0) io.stdout(`stopped ${served.length} component process(es)\n`);
  await Promise.all(workers.map(stopWorker));
  if (workers.length > 0) io.stdout(`stopped ${workers.length} worker(s)\n`);
  await server.stop();
  io.stdout('stopped nats-server and removed its store\n');
  return 0;
}
