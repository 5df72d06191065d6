/**
 * Design: `pvsim check SCENARIO.yaml` — the composition root of the model checker (issue 7). It
 * reads a `pvsim run` scenario, turns its steps into the checker's inputs (each object of an
 * apply is its own input, as kubectl sends one at a time; deletes, node changes, container
 * writes and `advance` are inputs too; `expect`/`wait` steps after the last input become checks
 * on every explored path's final state), builds worlds the way a session does (so a
 * counterexample re-runs in a session byte for byte), runs @pvsim/check, prints the report, and
 * writes each counterexample as a cluster directory. The wall-clock budget is measured here and
 * nowhere below.
 */
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  CHECK_FAULTS, STRATEGIES, check, explorationFor, parseFaults, userProperties, type CheckFault, type CheckResult, type FinalCheck, type Property, type Strategy,
} from '@pvsim/check';
import {
  ManifestError, applyRequestNamespace, parseManifests, readManifestSources, resolveKind, resolveResource, validateObject,
} from '@pvsim/manifests';
import { deriveSeed, type StoredKind } from '@pvsim/runtime';
import { createWorld, fifoChooser, type World } from '@pvsim/world';
import { openFileLog, wallClock, writeClusterAtomically } from './clusterDir.ts';
import { loadCsiDriverModules, parseCsiDriverFlags } from './csiDriverModules.ts';
import { checkInputsOf, runCheckPath, type CheckPathData, type PathStep } from './checkPath.ts';
import { desiredForApply, evalJsonPath, waitCondition, type Obj } from './inputs.ts';
import { readScenario, type Step } from './scenario.ts';
import { EPOCH_MS, Session } from './session.ts';
import { parseDuration, parseTaintSpecs } from './simVerbs.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';

export interface CheckFlags {
  strategy: string;
  depth?: string;
  budget: string;
  faults: string;
  maxFaults: string;
  maxDelays?: string;
  /** `on` (default) or `off`: partial-order reduction of bfs and dfs. */
  por?: string;
  /** `on` or `off` (default): no-op deliveries taken alone (ADR 0021). */
  noops?: string;
  output?: string;
  out: string;
  invariant?: string[];
  csiDriver?: string[];
}

/** Bad usage or bad input: exit 2, nothing explored. */
export class CheckUsageError extends Error {
  constructor(message: string) { super(message); this.name = 'CheckUsageError'; }
}

const DEFAULT_WALK_DEPTH = 200;
/** Moves per path of an exhaustive search: beyond any quiet path of the shipped scenarios; a path still busy here is a livelock, judged by the liveness phase. */
const DEFAULT_DEPTH = 500;

function asList(v: unknown): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v.map(String) : [String(v)];
}

/** A kubectl KIND/NAME in a namespace: its stored kind and key. */
function target(ref: string, namespace: string): { kind: StoredKind; key: string } {
  const [kindName, name] = ref.split('/') as [string, string];
  const type = resolveResource(kindName);
  return { kind: type.kind as StoredKind, key: type.namespaced ? `${namespace}/${name}` : name };
}

/** The scenario's steps as the checker's inputs and final checks; steps a check cannot take are listed as skipped. */
export function scenarioToCheck(io: Pick<CliIO, 'cwd' | 'readStdin'>, file: string, seed: number): { name: string; inputs: PathStep[]; finals: FinalCheck[]; skipped: string[]; seed: number; pendingAllowed: string[] } {
  const { path, scenario } = readScenario(io, file);
  const base = dirname(path);
  const runSeed = scenario.seed ?? seed;
  const inputs: PathStep[] = [];
  const skipped: string[] = [];
  const pendingAllowed: string[] = [];
  let finals: FinalCheck[] = [];
  for (const [i, step] of scenario.steps.entries()) {
    const ns = step['namespace'] !== undefined ? String(step['namespace']) : 'default';
    const before = inputs.length;
    const where = `${file}: step ${i + 1}`;
    const e = step['expect'] as { object?: string; fields?: Record<string, unknown>; jsonpath?: string; equals?: unknown } | undefined;
    if (e?.object?.startsWith('pod/') && (e.fields?.['.status.phase'] === 'Pending' || (e.jsonpath?.includes('.status.phase') && e.equals === 'Pending'))) {
      // The scenario says this pod stays Pending: `pod-running` leaves it be.
      pendingAllowed.push(`${ns}/${e.object.slice(4)}`);
    }
    if (step['expectError'] !== undefined) {
      skipped.push(`${where}: a step expected to fail changes nothing; not taken by check`);
    } else if (step['apply'] !== undefined || step['import'] !== undefined) {
      const isImport = step['import'] !== undefined;
      const files = asList(step['apply'] ?? step['import']).map((f) => resolve(base, f));
      for (const src of readManifestSources(files, io.readStdin)) {
        for (const raw of parseManifests(src.text, src.file)) {
          const parsed = applyRequestNamespace(raw, { namespace: ns, explicit: step['namespace'] !== undefined });
          const o = parsed.object as Obj;
          const type = resolveKind(String(o.apiVersion ?? ''), String(o.kind ?? ''));
          if (!type?.served) throw new ManifestError('UnknownKind', `${src.file}:${parsed.line}: pvsim does not serve kind "${o.kind}" (${o.apiVersion})`, { file: src.file, line: parsed.line });
          validateObject({ ...parsed, object: desiredForApply(undefined, o) }, 'create');
          const label = `${isImport ? 'import' : 'apply'} ${type.kind.toLowerCase()} ${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`;
          inputs.push({ label, input: { type: isImport ? 'ImportRequested' : 'ApplyRequested', data: { seed: runSeed, wait: false, objects: [o] } } });
        }
      }
    } else if (step['delete'] !== undefined) {
      const d = String(step['delete']);
      if (!d.includes('/')) { skipped.push(`${where}: delete -f is not taken by check`); continue; }
      const t = target(d, ns);
      const [namespace, name] = t.key.includes('/') ? t.key.split('/') as [string, string] : [undefined, t.key];
      inputs.push({ label: `delete ${d}`, input: { type: 'DeleteRequested', data: { seed: runSeed, wait: false, objects: [{ kind: t.kind, name, ...(namespace !== undefined ? { namespace } : {}) }] } } });
    } else if (step['node'] !== undefined) {
      const n = step['node'] as { down?: string; up?: string };
      const node = String(n.down ?? n.up);
      inputs.push({ label: `node ${node} goes ${n.down !== undefined ? 'down' : 'up'}`, action: { type: 'node', node, down: n.down !== undefined } });
    } else if (step['advance'] !== undefined) {
      const ms = parseDuration(String(step['advance']));
      if (ms === undefined) throw new CheckUsageError(`${where}: advance: invalid duration "${step['advance']}"`);
      inputs.push({ label: `${step['advance']} of simulated time pass`, input: { type: 'AdvanceRequested', data: { seed: runSeed, durationMs: ms } } });
    } else if (step['exec'] !== undefined) {
      const e = step['exec'] as { pod: string; container?: string; command: string[] };
      if (e.pod.includes('/') || (step as { index?: unknown }).index !== undefined) { skipped.push(`${where}: exec in ${e.pod} is not taken by check (name a pod)`); continue; }
      inputs.push({ label: `exec in pod ${ns}/${e.pod}: ${e.command.join(' ')}`, input: { type: 'ExecRequested', data: { seed: runSeed, pod: `${ns}/${e.pod}`, ...(e.container ? { container: e.container } : {}), argv: e.command.map(String) } } });
    } else if (Array.isArray(step['run']) && step['run'][0] === 'taint' && step['run'].length >= 4) {
      const [, , node, ...specs] = (step['run'] as unknown[]).map(String) as [string, string, string, ...string[]];
      inputs.push({ label: `taint node ${node} ${specs.join(' ')}`, input: { type: 'TaintRequested', data: { seed: runSeed, node, taints: parseTaintSpecs(specs) } } });
    } else if (step['expect'] !== undefined) {
      const f = expectCheck(step, ns, `step ${i + 1}`);
      if (f) finals.push(f); else skipped.push(`${where}: expect ${JSON.stringify(step['expect'])} is not judged by check (only object expectations are)`);
    } else if (step['wait'] !== undefined && typeof step['wait'] === 'object') {
      // A wait lets time run until it holds (an input), and is judged again on the final state.
      const w = step['wait'] as { target: string; for: string; timeout?: string };
      const t = target(w.target, ns);
      const holds = waitCondition(w.for);
      const timeoutMs = parseDuration(w.timeout ?? '30s');
      if (timeoutMs === undefined) throw new CheckUsageError(`${where}: wait: invalid timeout "${w.timeout}"`);
      inputs.push({ label: `wait until ${w.target} meets ${w.for}`, input: { type: 'WaitRequested', data: { seed: runSeed, kind: t.kind, key: t.key, condition: w.for, timeoutMs } } });
      finals = [{ name: `step ${i + 1}`, check: (world) => (holds(world.store.get(t.kind, t.key) as Obj | undefined) ? [] : [`${w.target} never met ${w.for}`]) }];
      continue;
    } else {
      skipped.push(`${where}: ${Object.keys(step).filter((k) => k !== 'name').join(' ')} is not taken by check`);
    }
    // Expectations are judged on final states: only those after the last input count.
    if (inputs.length > before) finals = [];
  }
  return { name: scenario.name ?? file, inputs, finals, skipped, seed: runSeed, pendingAllowed };
}

function expectCheck(step: Step, ns: string, name: string): FinalCheck | undefined {
  const e = step['expect'] as Record<string, unknown>;
  if (e['dataKept'] !== undefined) {
    // check only: the data written survives somewhere — on a volume, bound or Released.
    const want = String(e['dataKept']);
    return {
      name: 'data-kept',
      check: (w: World) => (w.store.list('Filesystem').some((f) => Object.values((f as unknown as { status: { files: Record<string, string> } }).status?.files ?? {}).some((c) => c.includes(want)))
        ? [] : [`no volume holds the data written ("${want}") any more`]),
    };
  }
  if (e['object'] === undefined) return undefined;
  const ref = String(e['object']);
  const t = target(ref, String(step['namespace'] ?? ns));
  const checks = (e['fields'] as Record<string, unknown> | undefined) ?? (e['jsonpath'] !== undefined ? { [String(e['jsonpath'])]: e['equals'] } : {});
  return {
    name,
    check: (w: World) => {
      const obj = w.store.get(t.kind, t.key);
      if (e['absent'] === true) return obj ? [`${ref} exists, expected it gone`] : [];
      if (!obj) return [`${ref} not found`];
      const out: string[] = [];
      for (const [jp, want] of Object.entries(checks)) {
        const got = evalJsonPath(obj, jp.startsWith('{') ? jp : `{${jp}}`);
        if (JSON.stringify(got) !== JSON.stringify(want) && String(got) !== String(want)) out.push(`${ref} ${jp}: want ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
      }
      return out;
    },
  };
}

function parseFlags(o: CheckFlags, g: GlobalOptions): { strategy: Strategy; depth: number; budgetMs: number; seed: number; faults: CheckFault[]; maxFaults: number; maxDelays: number; por: boolean; noops: boolean; json: boolean } {
  if (!(STRATEGIES as readonly string[]).includes(o.strategy)) throw new CheckUsageError(`error: invalid argument "${o.strategy}" for "--strategy" flag: use ${STRATEGIES.join(', ')}`);
  const strategy = o.strategy as Strategy;
  const depth = o.depth === undefined ? (strategy === 'random' || strategy === 'pct' ? DEFAULT_WALK_DEPTH : DEFAULT_DEPTH) : Number(o.depth);
  if (!(Number.isSafeInteger(depth) && depth > 0)) throw new CheckUsageError(`error: invalid argument "${o.depth}" for "--depth" flag: must be a positive integer`);
  const budgetMs = parseDuration(o.budget);
  if (budgetMs === undefined || budgetMs < 1) throw new CheckUsageError(`error: invalid argument "${o.budget}" for "--budget" flag: must be a duration such as 60s, 5m`);
  const seed = g.seed;
  let faults: CheckFault[];
  try { faults = parseFaults(o.faults); } catch (e) { throw new CheckUsageError(`error: invalid argument "${o.faults}" for "--faults" flag: ${(e as Error).message}`); }
  const maxFaults = Number(o.maxFaults);
  if (!Number.isSafeInteger(maxFaults) || maxFaults < 0) throw new CheckUsageError(`error: invalid argument "${o.maxFaults}" for "--max-faults" flag: must be a non-negative integer`);
  const maxDelays = o.maxDelays === undefined ? Infinity : Number(o.maxDelays);
  if (maxDelays !== Infinity && (!Number.isSafeInteger(maxDelays) || maxDelays < 0)) throw new CheckUsageError(`error: invalid argument "${o.maxDelays}" for "--max-delays" flag: must be a non-negative integer`);
  if (o.output !== undefined && o.output !== 'json') throw new CheckUsageError(`error: unable to match a printer suitable for the output format "${o.output}", allowed formats are: json`);
  if (o.por !== undefined && o.por !== 'on' && o.por !== 'off') throw new CheckUsageError(`error: invalid argument "${o.por}" for "--por" flag: use on or off`);
  if (o.noops !== undefined && o.noops !== 'on' && o.noops !== 'off') throw new CheckUsageError(`error: invalid argument "${o.noops}" for "--noops" flag: use on or off`);
  return { strategy, depth, budgetMs, seed, faults, maxFaults, maxDelays, por: o.por !== 'off', noops: o.noops !== 'off', json: o.output === 'json' };
}

/** The next unused numbered directory under `out`. */
function nextDir(out: string): string {
  mkdirSync(out, { recursive: true });
  const used = readdirSync(out).filter((n) => /^\d+$/.test(n)).map(Number);
  return join(out, String((used.length > 0 ? Math.max(...used) : 0) + 1));
}

/**
 * Writes a counterexample as a new cluster directory, completely or not at all
 * (writeClusterAtomically): one CheckPathRequested input, re-run in a session.
 */
export function writeCounterexample(g: GlobalOptions, dir: string, data: CheckPathData): void {
  writeClusterAtomically(g, dir, (temp) => {
    const s = new Session({ clusterDir: temp, seed: data.seed, log: openFileLog({ ...g, clusterDir: temp }), snapshotEveryRecords: 0, world: data.world });
    s.input('CheckPathRequested', data);
    runCheckPath(s, data);
    s.commit();
  });
}

/** Writes a counterexample under `out` as the next numbered directory (the next free one when another check took it meanwhile); returns it. */
export function writeNextCounterexample(g: GlobalOptions, out: string, data: CheckPathData): string {
  for (let attempt = 0; ; attempt++) {
    const dir = nextDir(out);
    try {
      writeCounterexample(g, dir, data);
      return dir;
    } catch (e) {
      if (!(e instanceof UsageError) || !existsSync(dir) || attempt >= 100) throw e;
    }
  }
}

/** Loads each `--invariant` module; a missing or malformed one is bad usage. */
export async function loadInvariants(io: Pick<CliIO, 'cwd'>, paths: readonly string[] = []): Promise<Property[]> {
  const out: Property[] = [];
  for (const p of paths) {
    let mod: Record<string, unknown>;
    try { mod = await import(pathToFileURL(resolve(io.cwd, p)).href) as Record<string, unknown>; } catch (e) {
      throw new CheckUsageError(`error: --invariant ${p}: cannot load: ${(e as Error).message.split('\n')[0]}`);
    }
    try { out.push(...userProperties(p, mod)); } catch (e) { throw new CheckUsageError(`error: --invariant ${(e as Error).message}`); }
  }
  return out;
}

/** `--csi-driver` flags: the modules' paths (recorded in counterexamples) and their factories; bad ones are bad usage. */
function userDriversOf(io: Pick<CliIO, 'cwd'>, flags: readonly string[] | undefined): { paths: Record<string, string>; factories: ReturnType<typeof loadCsiDriverModules> } {
  try {
    const paths = parseCsiDriverFlags(io.cwd, flags);
    return { paths, factories: loadCsiDriverModules(paths) };
  } catch (e) { throw new CheckUsageError(`error: ${(e as Error).message}`); }
}

/** The worlds a check or sim explores, built as a counterexample's session will build them. */
function worldsFor(g: GlobalOptions, seed: number, faults: readonly CheckFault[], drivers: ReturnType<typeof userDriversOf>) {
  const { explore, informerLag } = explorationFor(faults);
  const hasDrivers = Object.keys(drivers.paths).length > 0;
  const world = { informerLag, fifo: true, ...(hasDrivers ? { csiDrivers: drivers.paths } : {}) };
  const newWorld = () => createWorld({
    seed: deriveSeed(seed, 0), uidSeed: seed, startMs: EPOCH_MS, cluster: 'full', chooser: fifoChooser(), explore, informerLag,
    ...(hasDrivers ? { userDrivers: drivers.factories } : {}),
    ...(g.budget ? { budget: g.budget } : {}),
  });
  try { newWorld(); } catch (e) { throw new CheckUsageError(`error: ${(e as Error).message}`); }
  return { world, newWorld };
}

export async function checkScenario(io: CliIO, g: GlobalOptions, file: string, o: CheckFlags): Promise<number> {
  const flags = parseFlags(o, g);
  const sc = scenarioToCheck(io, file, flags.seed);
  const invariants = await loadInvariants(io, o.invariant);
  const { world, newWorld } = worldsFor(g, sc.seed, flags.faults, userDriversOf(io, o.csiDriver));
  const started = wallClock.nowMs();
  let lastShown = started;
  const progress = io.isTTY && !flags.json;
  const result: CheckResult = check({
    newWorld, inputs: checkInputsOf(sc.inputs), finals: sc.finals, pendingAllowed: sc.pendingAllowed, invariants, strategy: flags.strategy, depth: flags.depth,
    maxFaults: flags.faults.length === 0 ? 0 : flags.maxFaults, maxDelays: flags.maxDelays, seed: flags.seed, por: flags.por, noops: flags.noops,
    outOfTime: () => wallClock.nowMs() - started >= flags.budgetMs,
    onProgress: (p) => {
      const now = wallClock.nowMs();
      if (!progress || now - lastShown < 250) return;
      lastShown = now;
      const s = (now - started) / 1000;
      io.stderr(`\rstates ${p.distinctStates} (${Math.round(p.distinctStates / s)}/s)  depth ${p.maxDepth}  queue ${p.queue}   `);
    },
  });
  if (progress) io.stderr('\r\x1b[K');
  const seconds = (wallClock.nowMs() - started) / 1000;
  const violations = result.violations.map((v) => {
    const dir = writeNextCounterexample(g, resolve(io.cwd, o.out), { seed: sc.seed, world, inputs: sc.inputs, moves: v.moves, liveness: v.afterSettle === true });
    return { invariant: v.invariant, kind: v.kind, message: v.message, steps: v.steps, dir };
  });
  const statesPerSecond = Math.round(result.distinctStates / Math.max(seconds, 0.001));
  if (flags.json) {
    io.stdout(`${JSON.stringify({
      verdict: result.verdict, strategy: result.strategy, states: result.states, distinctStates: result.distinctStates,
      transitions: result.transitions, maxDepth: result.maxDepth, seconds, statesPerSecond, violations,
      // What partial-order reduction saved: deliveries not taken because they commute with one taken.
      // revisited: states expanded again because reached with more of the bounds left (ADR 0037).
      reduction: { por: result.reduction.por, sleptTransitions: result.reduction.slept, reexpanded: result.reduction.reexpanded, revisited: result.reduction.revisited,
        ...(result.reduction.noops ? { noopStates: result.reduction.noopStates, noopRechecks: result.reduction.noopRechecks, noopFallbacks: result.reduction.noopFallbacks } : {}) },
    })}\n`);
  } else {
    const faults = flags.faults.length === 0 ? 'no faults' : `faults ${flags.faults.join(',')} (at most ${flags.maxFaults} per path)`;
    io.stdout(`check ${sc.name}: ${sc.inputs.length} inputs, strategy ${result.strategy}, ${faults}, depth ${flags.depth}${flags.maxDelays === Infinity ? '' : `, at most ${delaysText(flags.maxDelays)} per path`}\n`);
    for (const s of sc.skipped) io.stdout(`  note: ${s}\n`);
    const slept = result.reduction.por ? `, ${result.reduction.slept} skipped by partial-order reduction` : '';
    const counts = `${result.distinctStates} distinct states (${result.states} reached, ${result.transitions} transitions${slept}), depth ${result.maxDepth}, ${seconds.toFixed(1)} s (${statesPerSecond} states/s)`;
    const bounds = [result.depthBounded ? `depth ${flags.depth}` : '', flags.maxDelays === Infinity ? '' : delaysText(flags.maxDelays)].filter(Boolean).join(' and ');
    if (result.verdict === 'pass') io.stdout(`pass: ${counts}; the space was exhausted${bounds ? ` within ${bounds}` : ''}\n`);
    else if (result.verdict === 'budget') io.stdout(`no violation within the budget: ${counts}; the space was not exhausted\n`);
    for (const v of violations) {
      io.stdout(`VIOLATION (${v.kind}) ${v.invariant}: ${v.message}\n  after ${v.steps.length} steps (shrunk):\n${v.steps.map((s) => `    ${s}\n`).join('')}`);
      io.stdout(`  counterexample: ${v.dir}\n    pvsim --cluster ${v.dir} get all\n    pvsim --cluster ${v.dir} log verify\n  ${counts}\n`);
    }
  }
  return result.verdict === 'violation' ? 1 : 0;
}

export const CHECK_FAULTS_HELP = `${CHECK_FAULTS.join(', ')}; all; none`;

export interface SimFlags {
  runs: string;
  depth?: string;
  faults: string;
  maxFaults: string;
  output?: string;
  out: string;
  invariant?: string[];
  csiDriver?: string[];
}

/**
 * `pvsim sim SCENARIO.yaml --seed N --runs K`: VOPR-style seeded runs. Run i is one random walk
 * decided by seed N+i — a safety phase with the faults asked for, judged after every move, then
 * the liveness phase — shrunk and written as a cluster directory when it fails. The same seed
 * reproduces the same run.
 */
export async function simScenario(io: CliIO, g: GlobalOptions, file: string, o: SimFlags): Promise<number> {
  const runs = Number(o.runs);
  if (!Number.isSafeInteger(runs) || runs < 1) throw new CheckUsageError(`error: invalid argument "${o.runs}" for "--runs" flag: must be a positive integer`);
  const sim = await prepareSim(io, g, file, o);
  const failed: SimFailure[] = [];
  for (let i = 0; i < runs; i++) {
    for (const v of runSimSeed(sim, sim.flags.seed + i)) {
      const dir = writeNextCounterexample(g, resolve(io.cwd, o.out), v.data);
      failed.push({ seed: v.seed, invariant: v.invariant, kind: v.kind, message: v.message, steps: v.steps, dir });
      if (!sim.flags.json) io.stdout(simViolationLine(failed[failed.length - 1]!));
    }
  }
  io.stdout(simSummary(sim, runs, failed));
  return failed.length > 0 ? 1 : 0;
}

/** A scenario made ready for seeded runs: its inputs and checks, and how each run's world is built. */
export interface PreparedSim {
  flags: ReturnType<typeof parseFlags>;
  sc: ReturnType<typeof scenarioToCheck>;
  invariants: Property[];
  /** How each run's world is built, as its counterexamples record it. */
  world: CheckPathData['world'];
  newWorld: () => World;
}

/** One failing run's violation, with the path that shows it (a counterexample's data). */
export interface SimViolation { seed: number; invariant: string; kind: string; message: string; steps: string[]; data: CheckPathData }
export interface SimFailure { seed: number; invariant: string; kind: string; message: string; steps: string[]; dir: string }

export async function prepareSim(io: Pick<CliIO, 'cwd' | 'readStdin'>, g: GlobalOptions, file: string, o: SimFlags): Promise<PreparedSim> {
  const flags = parseFlags({ strategy: 'random', ...(o.depth !== undefined ? { depth: o.depth } : {}), budget: '1h', faults: o.faults, maxFaults: o.maxFaults, ...(o.output !== undefined ? { output: o.output } : {}), out: o.out }, g);
  const sc = scenarioToCheck(io, file, flags.seed);
  const invariants = await loadInvariants(io, o.invariant);
  const { world, newWorld } = worldsFor(g, sc.seed, flags.faults, userDriversOf(io, o.csiDriver));
  return { flags, sc, invariants, world, newWorld };
}

/** Run `seed`: one random walk, a safety phase then the liveness phase; its violations, shrunk. */
export function runSimSeed(sim: PreparedSim, seed: number): SimViolation[] {
  const { flags, sc } = sim;
  let walks = 0;
  const r = check({
    newWorld: sim.newWorld, inputs: checkInputsOf(sc.inputs), finals: sc.finals, pendingAllowed: sc.pendingAllowed, invariants: sim.invariants, strategy: 'random', depth: flags.depth,
    maxFaults: flags.faults.length === 0 ? 0 : flags.maxFaults, seed,
    // One walk per run: the search asks before each walk.
    outOfTime: () => walks++ >= 1,
  });
  return r.violations.map((v) => ({
    seed, invariant: v.invariant, kind: v.kind, message: v.message, steps: v.steps,
    data: { seed: sc.seed, world: sim.world, inputs: sc.inputs, moves: v.moves, liveness: v.afterSettle === true },
  }));
}

export function simViolationLine(f: SimFailure): string {
  return `seed ${f.seed}: VIOLATION (${f.kind}) ${f.invariant}: ${f.message}\n  counterexample: ${f.dir}\n`;
}

export function simSummary(sim: PreparedSim, runs: number, failed: readonly SimFailure[], extra: Record<string, unknown> = {}): string {
  const { flags, sc } = sim;
  if (flags.json) return `${JSON.stringify({ runs, failed, ...extra })}\n`;
  return `${runs} runs of ${sc.name} (seeds ${flags.seed}..${flags.seed + runs - 1}), ${failed.length} failed${failed.length > 0 ? `: seeds ${failed.map((f) => f.seed).join(', ')}` : ''}\n`;
}

/** `1 delay`, `2 delays`: the delay bound as the report words it. */
const delaysText = (n: number) => `${n} ${n === 1 ? 'delay' : 'delays'}`;
