/**
 * Design: `pvsim sim … --nats URL` and `pvsim worker --nats URL` — seeded runs spread over worker
 * processes through JetStream (issue 8 item 6, ADR 0014). The coordinator bundles the scenario and
 * the manifest files its steps read (paths kept relative to their common directory, so a worker
 * on another machine rebuilds them in a temporary directory), stores the bundle in the object
 * store as the job's spec, queues one task per seed, and gathers one result per seed. A worker
 * runs a seed exactly as the local `sim` does (`runSimSeed`), stores each counterexample's path
 * data in the object store, then publishes the result and acks. The coordinator writes the
 * counterexample directories locally, in seed order, with the same lines and summary as a local
 * run, so `sim --nats` and `sim` find the same failing seeds and write the same directories;
 * `pvsim check fetch JOB` writes a finished job's counterexamples again, from anywhere.
 *
 * Composition roots: they read the wall clock (budgets), the host name and pid (a worker's name)
 * and a random job id; none of it reaches a simulated run.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, extname, join, relative, resolve, sep } from 'node:path';
import { DEFAULT_ACK_WAIT_MS, WorkQueue, redactCredentials, type TaskResult } from '@pvsim/nats';
import type { CheckPathData } from './checkPath.ts';
import {
  CheckUsageError, prepareSim, runSimSeed, simSummary, simViolationLine, writeNextCounterexample,
  type PreparedSim, type SimFailure, type SimFlags,
} from './checkVerb.ts';
import { faultsFromEnv, natsConnectOf } from './clusterDir.ts';
import { readScenario, stepArgv } from './scenario.ts';
import { parseDuration } from './simVerbs.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';

/** What a worker needs to run any seed of a job. */
interface SimJobSpec {
  format: 1;
  /** The scenario file, relative to the bundle's root. */
  scenario: string;
  /** Every file the scenario reads, by path relative to the bundle's root. */
  files: Record<string, string>;
  flags: Omit<SimFlags, 'runs' | 'out' | 'invariant'>;
  seed: number;
  budget?: GlobalOptions['budget'];
}

/** A seed's result: its violations, each counterexample's data stored under `object`. */
interface SeedResult { violations: { invariant: string; kind: string; message: string; steps: string[]; object: string }[] }

const MANIFEST_EXTENSIONS = new Set(['.json', '.yaml', '.yml']);
/** The largest bundle a job ships (the scenario and its manifests). */
const BUNDLE_BYTES_MAX = 64 * 1024 * 1024;
/** How long the coordinator waits without hearing of any result before it says what is missing. */
const DEFAULT_GATHER_SILENCE = '10m';

function jobSpecObject(job: string): string { return `${job}/spec.json`; }
function counterexampleObject(job: string, seed: number, k: number): string { return `${job}/seed-${seed}/counterexample-${k}.json`; }

/** The scenario and every manifest file its steps apply, import or delete, relative to their common directory. */
function bundleScenario(io: Pick<CliIO, 'cwd'>, file: string): Pick<SimJobSpec, 'scenario' | 'files'> {
  const { path, scenario } = readScenario(io, file);
  const paths = new Set<string>([path]);
  for (const step of scenario.steps) {
    const argv = stepArgv(step, dirname(path)) ?? [];
    for (let i = 0; i < argv.length - 1; i++) {
      if (argv[i] !== '-f') continue;
      const p = argv[i + 1]!;
      if (!existsSync(p)) continue; // the worker's own read names it, as a local run does
      if (statSync(p).isDirectory()) {
        for (const n of readdirSync(p)) if (MANIFEST_EXTENSIONS.has(extname(n)) && statSync(join(p, n)).isFile()) paths.add(join(p, n));
      } else paths.add(p);
    }
  }
  let root = dirname(path);
  for (const p of paths) while (relative(root, p).startsWith('..')) root = dirname(root);
  const files: Record<string, string> = {};
  let bytes = 0;
  for (const p of [...paths].sort()) {
    const text = readFileSync(p, 'utf8');
    bytes += text.length;
    if (bytes > BUNDLE_BYTES_MAX) throw new CheckUsageError(`error: ${file}: the scenario and its manifests are over ${BUNDLE_BYTES_MAX} bytes; too large to hand to workers`);
    files[relative(root, p).split(sep).join('/')] = text;
  }
  return { scenario: relative(root, path).split(sep).join('/'), files };
}

/** `pvsim sim SCENARIO --nats URL`: the seeds handed to workers, the results gathered as a local run prints them. */
export async function simOverNats(io: CliIO, g: GlobalOptions, file: string, o: SimFlags & { gatherTimeout?: string }): Promise<number> {
  const runs = Number(o.runs);
  if (!Number.isSafeInteger(runs) || runs < 1) throw new CheckUsageError(`error: invalid argument "${o.runs}" for "--runs" flag: must be a positive integer`);
  if (o.invariant && o.invariant.length > 0) throw new CheckUsageError('error: --invariant is not handed to workers yet; run `pvsim sim` without --nats to use your own invariants');
  if (o.csiDriver && o.csiDriver.length > 0) throw new CheckUsageError('error: --csi-driver is not handed to workers yet; run `pvsim sim` without --nats to check your own driver');
  const silenceMs = parseDuration(o.gatherTimeout ?? DEFAULT_GATHER_SILENCE);
  if (silenceMs === undefined || silenceMs < 1) throw new CheckUsageError(`error: invalid argument "${o.gatherTimeout}" for "--gather-timeout" flag: must be a duration such as 60s, 10m`);
  // Validates the scenario and the flags here, before anything is queued.
  const sim = await prepareSim(io, g, file, o);
  const { out: _out, runs: _runs, invariant: _inv, gatherTimeout: _gt, ...flags } = o;
  const spec: SimJobSpec = { format: 1, ...bundleScenario(io, file), flags, seed: g.seed, ...(g.budget ? { budget: g.budget } : {}) };
  const job = `sim-${randomUUID().slice(0, 8)}`;
  const queue = await WorkQueue.open(natsConnectOf(g));
  try {
    await queue.putObject(jobSpecObject(job), spec);
    const seeds = Array.from({ length: runs }, (_, i) => sim.flags.seed + i);
    await queue.submit(job, seeds.map((seed) => ({ task: String(seed), data: { seed } })));
    io.stderr(`job ${job}: ${runs} seeds queued on ${redactCredentials(g.nats!.url)}; workers: pvsim worker --nats URL\n`);
    const results = await queue.gather<SeedResult>(job, seeds.map(String), silenceMs);
    return await writeFailures(io, g, queue, sim, runs, seeds.map((s) => results.get(String(s))!), o.out, { job });
  } finally {
    await queue.close();
  }
}

async function writeFailures(io: CliIO, g: GlobalOptions, queue: WorkQueue, sim: PreparedSim, runs: number, results: TaskResult<SeedResult>[], out: string, extra: Record<string, unknown>): Promise<number> {
  const local = localOptions(g);
  const failed: SimFailure[] = [];
  for (const r of results) {
    if (!r.ok) throw new CheckUsageError(`error: worker ${r.worker} could not run seed ${r.task}: ${r.error}`);
    for (const v of r.value.violations) {
      const data = await queue.getObject<CheckPathData>(v.object);
      if (!data) throw new Error(`the object store has lost ${v.object}`);
      const dir = writeNextCounterexample(local, resolve(io.cwd, out), data);
      failed.push({ seed: Number(r.task), invariant: v.invariant, kind: v.kind, message: v.message, steps: v.steps, dir });
      if (!sim.flags.json) io.stdout(simViolationLine(failed[failed.length - 1]!));
    }
  }
  io.stdout(simSummary(sim, runs, failed, sim.flags.json ? extra : {}));
  return failed.length > 0 ? 1 : 0;
}

/** The same options for a cluster directory on this machine (counterexamples are written locally, never into NATS). */
function localOptions(g: GlobalOptions): GlobalOptions {
  const { nats: _nats, ...rest } = g;
  return rest;
}

/** `pvsim check fetch JOB --nats URL --out DIR`: a job's counterexamples from the object store, as cluster directories. */
export async function fetchCounterexamples(io: CliIO, g: GlobalOptions, job: string, out: string): Promise<number> {
  const queue = await WorkQueue.open(natsConnectOf(g));
  try {
    const names = (await queue.listObjects(`${job}/`)).filter((n) => n.includes('/counterexample-'));
    const spec = await queue.getObject<SimJobSpec>(jobSpecObject(job));
    if (!spec) { io.stderr(`error: no job ${job} in NATS at ${redactCredentials(g.nats!.url)}\n`); return 1; }
    const bySeed = (n: string) => [Number(/seed-(\d+)/.exec(n)![1]), Number(/counterexample-(\d+)/.exec(n)![1])] as const;
    names.sort((a, b) => bySeed(a)[0] - bySeed(b)[0] || bySeed(a)[1] - bySeed(b)[1]);
    for (const n of names) {
      const data = await queue.getObject<CheckPathData>(n);
      const dir = writeNextCounterexample(localOptions(g), resolve(io.cwd, out), data!);
      io.stdout(`seed ${bySeed(n)[0]}: counterexample ${dir}\n`);
    }
    io.stdout(`${names.length} counterexample(s) of job ${job}\n`);
    return 0;
  } finally {
    await queue.close();
  }
}

/** A job's spec made runnable on this machine: its files written under a temporary directory, once per job. */
class JobCache {
  private readonly jobs = new Map<string, { sim: PreparedSim; dir: string }>();
  constructor(private readonly queue: WorkQueue, private readonly g: GlobalOptions) {}

  async get(job: string): Promise<PreparedSim> {
    const known = this.jobs.get(job);
    if (known) return known.sim;
    const spec = await this.queue.getObject<SimJobSpec>(jobSpecObject(job));
    if (!spec || spec.format !== 1) throw new Error(`job ${job} has no spec in the object store`);
    const dir = mkdtempSync(join(tmpdir(), 'pvsim-worker-'));
    for (const [rel, text] of Object.entries(spec.files)) {
      const p = resolve(dir, rel);
      if (relative(dir, p).startsWith('..')) throw new Error(`job ${job}: file ${rel} lies outside the bundle`);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, text);
    }
    const g: GlobalOptions = { ...localOptions(this.g), seed: spec.seed, ...(spec.budget ? { budget: spec.budget } : {}) };
    if (!spec.budget) delete g.budget;
    const sim = await prepareSim({ cwd: dir, readStdin: () => '' }, g, spec.scenario, { ...spec.flags, runs: '1', out: '.' });
    this.jobs.set(job, { sim, dir });
    return sim;
  }

  clear(): void {
    for (const { dir } of this.jobs.values()) rmSync(dir, { recursive: true, force: true });
    this.jobs.clear();
  }
}

/** `pvsim worker --nats URL`: runs tasks until SIGINT/SIGTERM (after the task in hand) or `--tasks N` are done. */
export async function worker(io: CliIO, g: GlobalOptions, o: { ackWait: string; tasks?: string }): Promise<number> {
  const ackWaitMs = parseDuration(o.ackWait);
  if (ackWaitMs === undefined || ackWaitMs < 1) throw new UsageError(`error: invalid argument "${o.ackWait}" for "--ack-wait" flag: must be a duration such as 30s, 5m`);
  const tasksMax = o.tasks === undefined ? Infinity : Number(o.tasks);
  if (!(tasksMax === Infinity || (Number.isSafeInteger(tasksMax) && tasksMax > 0))) throw new UsageError(`error: invalid argument "${o.tasks}" for "--tasks" flag: must be a positive integer`);
  const faults = faultsFromEnv(io.env);
  const name = `${hostname()}-${process.pid}`;
  const queue = await WorkQueue.open(natsConnectOf(g));
  const jobs = new JobCache(queue, g);
  let stop = false;
  const onSignal = () => { stop = true; };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let done = 0;
  try {
    io.stdout(`worker ${name} pulling tasks from ${redactCredentials(g.nats!.url)} (ack wait ${ackWaitMs / 1000} s)\n`);
    done = await queue.serve<{ seed: number }, SeedResult>(name, async (t) => {
      const sim = await jobs.get(t.job);
      const violations = runSimSeed(sim, t.data.seed);
      const stored: SeedResult['violations'] = [];
      for (const [k, v] of violations.entries()) {
        const object = counterexampleObject(t.job, v.seed, k + 1);
        await queue.putObject(object, v.data);
        stored.push({ invariant: v.invariant, kind: v.kind, message: v.message, steps: v.steps, object });
      }
      return { violations: stored };
    }, {
      ackWaitMs,
      stopped: () => stop || done >= tasksMax,
      onTask: (t) => {
        io.stdout(`task ${t.job} seed ${t.task}\n`);
        faults?.('worker-task');
        done++;
      },
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    jobs.clear();
    await queue.close();
  }
  io.stdout(`worker ${name} stopped after ${done} task(s)\n`);
  return 0;
}

export { DEFAULT_ACK_WAIT_MS };
