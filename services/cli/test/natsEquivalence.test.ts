// Issue 8 item 8, free-running: every example scenario the CLI ships, run distributed — the log in
// a real nats-server (the one launcher, loopback, ephemeral port), its commands with `--nats` and
// `--wait=false` where the work is left to processes, every controller in one `pvsim serve --only
// all` process, one `pvsim csi-driver` process per driver and one `pvsim kubelet` process per node
// (started as the cluster gets the node), an `apply` sending its objects one at a time with the
// cluster settled in between as embedded drains in between (`distributedCommands`) — reaches the same final objects and backend contents
// (the simulated drivers' CSIVolume and Filesystem objects: volumes, their files, mounts) as
// `pvsim run` embedded, and its log verifies (`pvsim log verify` re-executes every command's and
// every process's transaction byte for byte).
//
// Convergence is exact, not a pause: after each step the test opens a session on the log as it
// now is and, for every component of the cluster, runs that component's waiting work the way its
// process would (`ComponentWorkRequested`) without appending it. When no component's pass would
// change anything (ADR 0022's `changedNothing`), no process will append again until a command
// does: the run is settled at that position. Otherwise it looks again whenever a process prints,
// within a budget; a timeout names the component whose work is still in flight.
//
// Normalisation (how a Kubernetes user compares two clusters): objects are matched by kind,
// namespace and name, and every field is compared except what differs between any two runs —
// `uid`, `resourceVersion`, `generation`, `managedFields`, the last-applied annotation, every
// field named `…Timestamp`, `…Time`, `…TimeMs` or `…At`, container ids, pod IPs (handed out in start order)
// and the provisioner's identity — and Events, a record of what happened rather than state.
// Generated identifiers are written as what they stand for: a uid as `<uid of KIND NS/NAME>` (so
// a PV `pvc-<uid>` reads as its claim's), a pod's generated suffix, a driver's volume handle as
// its PV's, an attachment's name as its PV and node, a 64-hex digest as `<digest>`; a node's
// `volumesAttached` and `volumesInUse` are compared as sets. Each transaction of a process moves
// the clock by a command gap, so times legitimately differ; names, phases, bindings, spec and
// status must not.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { startNatsServer } from '@pvsim/nats';
import { STORED_KINDS, type StoredKind } from '@pvsim/runtime';
import { DEFAULT_SETTLE_BUDGET } from '@pvsim/world';
import { decideClock } from '../src/clockOwner.ts';
import { runComponentPass } from '../src/componentHost.ts';
import { readScenario, stepArgv, type Step } from '../src/scenario.ts';
import { openSession } from '../src/session.ts';
import type { GlobalOptions } from '../src/verbTypes.ts';
import { cliArgv, exampleScenarios, pvsim, repoRoot, tempCluster } from './support.ts';


/**
 * Scenarios that do not reach embedded's objects distributed yet, each with the reason (found by
 * this test, 2026-12-02; the ones waiting on simulated time — expansion/offline, node-failure/node-deleted,
 * wffc-provisioning-failure/demo — pass since the clock owner and component memories in the log, ADR 0026;
 * real-app/demo and pod-volumes/subpathexpr, whose pods landed on other nodes, since an apply sends its
 * objects one at a time as embedded does, `distributedCommands`; snapshots/demo since uids agree, ADR 0031,
 * and the settle check decides the clock on the log it found quiet, `inFlight`). The test fails if one is not
 * an example scenario any more.
 */
const EXCEPTIONS: Record<string, string> = {
};

const server = await startNatsServer();
const children: ChildProcess[] = [];
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); void server.stop(); });
/** A budget on a loaded machine, never a pause: exceeding it fails naming what is still in flight. */
const BUDGET_MS = 120_000;

let printed = 0;
let wake: (() => void)[] = [];
const everyOutput: string[] = [];

interface Proc { child: ChildProcess; exited: Promise<NodeJS.Signals | number | null>; out(): string; name: string }

function start(args: string[]): Proc {
  const child = spawn(process.execPath, cliArgv(args), {
    cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: process.env,
  });
  children.push(child);
  let out = '';
  const name = args.slice(args.indexOf('--seed') + 2).join(' ');
  const onData = (c: Buffer) => {
    out += c;
    everyOutput.push(...String(c).split('\n').filter((l) => l !== '').map((l) => `[${name}] ${l}`));
    printed++;
    for (const w of wake.splice(0)) w();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('close', (code, signal) => {
    printed++;
    for (const w of wake.splice(0)) w();
    resolve(signal ?? code);
  }));
  return { child, exited, out: () => out, name };
}

/** A distributed cluster, its processes started as the cluster gets nodes and drivers. */
class Distributed {
  readonly procs = new Map<string, Proc>();
  readonly g: GlobalOptions;
  constructor(readonly cluster: string, readonly seed: string) {
    this.g = { clusterDir: '.unused', nats: { url: server.url, cluster }, seed: Number(seed) };
  }
  get flags(): string[] { return ['--nats', server.url, '--cluster', this.cluster, '--seed', this.seed]; }

  /** One process per controller set, driver and node the cluster has (once each). */
  ensureProcesses(s: ReturnType<typeof openSession>): void {
    // `all` includes the clock owner (ADR 0026).
    const want: string[][] = [['serve', '--only', 'all']];
    for (const d of [...s.parts.drivers.keys()].sort()) want.push(['csi-driver', d]);
    for (const n of s.store.list('Node').map((o) => o.metadata.name).sort()) want.push(['kubelet', '--node', n]);
    for (const args of want) {
      const key = args.join(' ');
      if (!this.procs.has(key)) this.procs.set(key, start([...this.flags, ...args]));
    }
  }

  /** The first component whose waiting work would change something on the log as it is now (undefined: settled). */
  inFlight(): string | undefined {
    const s = openSession(this.g);
    this.ensureProcesses(s);
    const nodes = new Set(s.store.list('Node').map((o) => o.metadata.name));
    for (const [key, proc] of this.procs) {
      if (proc.child.exitCode === null && proc.child.signalCode === null) continue;
      // A kubelet started for a node a later step deleted refuses to start, as it should.
      const node = /^kubelet --node (.*)$/.exec(key)?.[1];
      if (node !== undefined && !nodes.has(node) && /the cluster has no node/.test(proc.out())) continue;
      throw new Error(`[${proc.name}] exited:\n${proc.out()}`);
    }
    for (const component of s.world.manager.controllers.map((c) => c.name)) {
      if (s.world.waitingWorkOf(component) === undefined) continue;
      if (!runComponentPass(s, this.g.seed, component).changedNothing) {
        return `${component} (log at ${s.basePosition})`;
      }
      s.takeBatch();
    }
    // Every component is quiet: settled unless the clock owner would move time to a timer — on
    // the same log. The clock owner may have advanced meanwhile (it saw the same quiet log): the
    // advance fires a timer into waiting work and may leave no timer, so a clock decision on the
    // new log alone read "noTimer" while a retry it fired waited. That fits the one loaded
    // snapshots/demo run that ended with the restored PV Pending: the provisioner's backoff retry
    // (the snapshot was not Ready yet) fired by an advance, the PV created after this counted the
    // cluster settled. A log that moved is looked at again.
    const t = openSession(this.g);
    if (t.basePosition !== s.basePosition) return `the log (it moved from ${s.basePosition} to ${t.basePosition} while the components were looked at)`;
    const c = decideClock(t, this.g.seed, DEFAULT_SETTLE_BUDGET.simulatedMsMax,
      (x, component) => !runComponentPass(x, this.g.seed, component).changedNothing).decision;
    if (c.kind === 'advance') return `clock (log at ${c.data.expectedPos}, a timer due at ${new Date(c.dueMs).toISOString()})`;
    if (c.kind === 'busy') return `${c.component} (seen by the clock owner)`;
    return undefined;
  }

  /** Resolves once no process would append; looks again whenever a process prints, within the budget. */
  async settled(what: string): Promise<void> {
    const deadline = performance.now() + BUDGET_MS;
    for (;;) {
      const seen = printed;
      const busy = this.inFlight();
      if (busy === undefined) return;
      if (performance.now() > deadline) {
        throw new Error(`${this.cluster}: not settled within ${BUDGET_MS} ms after ${what}: ${busy} still has work; the processes printed:\n${everyOutput.slice(-40).join('\n')}`);
      }
      if (printed === seen) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.max(0, deadline - performance.now()) + 1);
          t.unref();
          wake.push(() => { clearTimeout(t); resolve(); });
        });
      }
    }
  }

  async stop(): Promise<void> {
    for (const p of this.procs.values()) p.child.kill('SIGTERM');
    for (const p of this.procs.values()) {
      const code = await p.exited;
      // One stopped before it had started (a driver or kubelet started by the last settle) had nothing to stop.
      const started = /following the log from/.test(p.out());
      if (!/the cluster has no node/.test(p.out())) assert.is(code, started ? 0 : 'SIGTERM', `[${p.name}]\n${p.out()}`);
    }
  }
}

/** A step as the distributed run types it: the work of apply, import and delete left to the processes. */
function distributedArgv(step: Step, base: string): string[] | undefined {
  const argv = stepArgv(step, base);
  if (!argv) return undefined;
  if (['apply', 'import', 'delete'].includes(argv[0]!) && !argv.includes('--wait=false')) return [...argv, '--wait=false'];
  return argv;
}

/**
 * The commands of a step, distributed. An `apply` that waits sends its objects one at a time and
 * lets the controllers react in between (inputs.ts: "kubectl sends one object at a time"; embedded,
 * the world drains after each object): distributed, each object is its own `apply --wait=false`
 * and the cluster settles before the next. One `apply --wait=false` of every object at once would
 * be another input — the objects racing each other — whose outcome may be another valid one: a
 * Deployment's pod scheduled with a StatefulSet's first pod in one pass (the first assumed on the
 * emptier node, the second sent to the other), or pods created before their Immediate claim is
 * bound retried together after it binds. An apply expected to fail is sent whole, as embedded.
 */
let documentFiles: string | undefined;
function distributedCommands(step: Step, base: string): string[][] {
  const argv = distributedArgv(step, base);
  if (!argv) return [];
  if (step['apply'] === undefined || step['wait'] === false || step['expectError'] !== undefined) return [argv];
  const ns = step['namespace'] !== undefined ? ['-n', String(step['namespace'])] : [];
  documentFiles ??= mkdtempSync(join(tmpdir(), 'pvsim-eq-objects-'));
  return (Array.isArray(step['apply']) ? step['apply'] as string[] : [String(step['apply'])]).flatMap((f) => {
    const file = resolve(base, f);
    return parseAllDocuments(readFileSync(file, 'utf8')).filter((doc) => doc.contents !== null).map((doc, n) => {
      // Named after its file, so a message about it still says where it came from.
      const one = join(documentFiles!, `${basename(file, '.yaml')}-${n + 1}.yaml`);
      writeFileSync(one, doc.toString());
      return ['apply', '-f', one, ...ns, '--wait=false'];
    });
  });
}

type Obj = { kind: string; metadata: { name: string; namespace?: string; uid?: string; generateName?: string }; spec?: any };
const objectsOf = (g: GlobalOptions): Obj[] => {
  const store = openSession(g).store;
  return STORED_KINDS.filter((k) => k !== 'Event').flatMap((k) => store.list(k as StoredKind) as unknown as Obj[]);
};

const IDENTITY = (name: string): boolean => ['uid', 'resourceVersion', 'generation', 'managedFields', 'kubectl.kubernetes.io/last-applied-configuration',
  // A provisioner's identity is its start time and a random number; a container's id is random.
  // Pod IPs are handed out in the order pods start, as uids are.
  'storage.kubernetes.io/csiProvisionerIdentity', 'containerID', 'podIP', 'podIPs'].includes(name) || /(Timestamp|Time|TimeMs|At)$/.test(name);
/** Lists whose order is the order things happened, which Kubernetes does not promise: compared as sets. */
const UNORDERED = new Set(['volumesAttached', 'volumesInUse']);

/**
 * The objects as a user compares two clusters: identities and times dropped, and every generated
 * identifier (a uid, a pod's generated suffix, a driver's volume handle) written as what it stands
 * for, so `pvc-<uid>` reads `pvc-<uid of PersistentVolumeClaim default/rwo>` in both runs.
 * Keyed by kind, namespace and (rewritten) name.
 */
function normalised(objects: Obj[]): Map<string, Obj> {
  const alias = new Map<string, string>();
  for (const o of objects) {
    const ref = `${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`;
    if (o.metadata.uid) alias.set(o.metadata.uid, `<uid of ${ref}>`);
    const g = o.metadata.generateName;
    if (g && o.metadata.name.startsWith(g) && o.metadata.name !== g) alias.set(o.metadata.name, `${g}<generated>`);
    const handle = o.kind === 'PersistentVolume' ? o.spec?.csi?.volumeHandle as string | undefined : undefined;
    if (handle) alias.set(handle, `<handle of PersistentVolume ${o.metadata.name}>`);
    // An attachment's name hashes its PV's name (which holds a uid) and node.
    if (o.kind === 'VolumeAttachment') alias.set(o.metadata.name, `<attachment of ${o.spec?.source?.persistentVolumeName ?? 'inline'} to ${o.spec?.nodeName}>`);
  }
  const keys = [...alias.keys()].sort((a, b) => b.length - a.length);
  const pattern = keys.length > 0 ? new RegExp(keys.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g') : undefined;
  const rewrite = (text: string): string => {
    let t = text;
    // A name may hold another object's generated id (a PV named after its claim's uid): rewrite until stable.
    for (let i = 0; i < 4 && pattern; i++) {
      const next = t.replace(pattern, (m) => alias.get(m)!);
      if (next === t) break;
      t = next;
    }
    return t;
  };
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (v === null || typeof v !== 'object') return v;
    return Object.fromEntries(Object.entries(v).filter(([k]) => !IDENTITY(k)).sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, x]) => [k, UNORDERED.has(k) && Array.isArray(x) ? x.map((e) => rewrite(JSON.stringify(strip(e)))).sort() : strip(x)]));
  };
  return new Map(objects.map((o) => {
    // A 64-hex digest (a staging path's, an attachment's) hashes a name that holds a uid.
    // A uid no object holds any more (its object was deleted) has nothing to stand for: it reads the same in both runs.
    const n = JSON.parse(rewrite(JSON.stringify(strip(o))).replace(/\b[0-9a-f]{64}\b/g, '<digest>')
      .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/g, '<uid of a deleted object>')) as Obj;
    return [`${n.kind} ${n.metadata.namespace ?? ''}/${n.metadata.name}`, n] as const;
  }));
}

/** The fields where two normalised objects differ, by path. */
function fieldDiffs(a: unknown, b: unknown, path = ''): string[] {
  if (JSON.stringify(a) === JSON.stringify(b)) return [];
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
    return keys.flatMap((k) => fieldDiffs((a as any)[k], (b as any)[k], `${path}.${k}`));
  }
  return [`    ${path}: ${JSON.stringify(a)} (embedded) vs ${JSON.stringify(b)} (distributed)`];
}

/** Objects only one side holds, and the fields where the others differ (empty: the same objects). */
function difference(a: Map<string, Obj>, b: Map<string, Obj>): string {
  const out: string[] = [];
  for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    if (!b.has(key)) out.push(`embedded only: ${key}`);
    else if (!a.has(key)) out.push(`distributed only: ${key}`);
    else {
      const d = fieldDiffs(a.get(key), b.get(key));
      if (d.length > 0) out.push(`differs: ${key}`, ...d);
    }
  }
  return out.join('\n');
}

test('every example scenario is either covered or a listed exception', () => {
  const all = exampleScenarios();
  assert.ok(all.length >= 21, `found ${all.length} example scenarios`);
  for (const e of Object.keys(EXCEPTIONS)) assert.ok(all.includes(e), `${e} is listed as an exception but is not an example scenario`);
});

/** `PVSIM_EQUIVALENCE_ONLY=expansion/offline`: run only the scenarios whose path holds it (a debugging aid; the full run takes them all). */
const ONLY = process.env['PVSIM_EQUIVALENCE_ONLY'];
/** `PVSIM_EQUIVALENCE_DUMP=DIR`: export each distributed log into DIR and say where both logs are, to compare them (a debugging aid). */
const DUMP = process.env['PVSIM_EQUIVALENCE_DUMP'];
for (const file of exampleScenarios()) {
  if (EXCEPTIONS[file] || (ONLY !== undefined && !file.includes(ONLY))) continue;
  test(`distributed free-running equals embedded: ${file}`, async () => {
    const { path, scenario } = readScenario({ cwd: repoRoot }, file);
    const seed = String(scenario.seed ?? 1);
    const embedded = tempCluster();
    const r = await pvsim(embedded, ['--seed', seed, 'run', file]);
    assert.is(r.code, 0, r.stdout + r.stderr);

    const cluster = `eq-${file.replace(/^examples\//, '').replace(/\.yaml$/, '').replace(/[^A-Za-z0-9_-]/g, '-')}`;
    const d = new Distributed(cluster, seed);
    try {
      await equivalent(d, file, path, scenario.steps, embedded);
    } catch (e) {
      // A run that did not settle is exported too, to see what the processes kept doing.
      if (DUMP !== undefined) {
        for (const p of d.procs.values()) p.child.kill('SIGKILL');
        const exported = await pvsim('.unused', [...d.flags, 'log', 'export']);
        writeFileSync(join(DUMP, `${d.cluster}.failed.jsonl`), exported.stdout);
        console.log(`${file}: the failed run's distributed log in ${join(DUMP, `${d.cluster}.failed.jsonl`)}`);
      }
      throw e;
    } finally {
      for (const p of d.procs.values()) p.child.kill('SIGKILL');
    }
  });
}

async function equivalent(d: Distributed, file: string, path: string, steps: Step[], embedded: string): Promise<void> {
  const seed = d.seed;
  {
    // The processes start at the first settle, after the first step made the cluster (a scenario may begin with `init`).
    for (const [i, step] of steps.entries()) {
      for (const argv of distributedCommands(step, dirname(path))) {
        const run = await pvsim('.unused', [...d.flags, ...argv]);
        if (step['expectError'] === undefined) assert.is(run.code, 0, `step ${i + 1} pvsim ${argv.join(' ')}: ${run.stdout}${run.stderr}`);
        await d.settled(`step ${i + 1} (${argv.join(' ')})`);
      }
    }
    if (DUMP !== undefined) {
      const exported = await pvsim('.unused', [...d.flags, 'log', 'export']);
      writeFileSync(join(DUMP, `${d.cluster}.jsonl`), exported.stdout);
      console.log(`${file}: distributed log in ${join(DUMP, `${d.cluster}.jsonl`)}, embedded log in ${join(embedded, 'log.jsonl')}`);
    }
    const text = difference(normalised(objectsOf({ clusterDir: embedded, clusterGiven: true, seed: Number(seed) })), normalised(objectsOf(d.g)));
    // `PVSIM_EQ_DEBUG=1`: on a difference, print the distributed cluster's storage objects, events and timeline (a debugging aid).
    if (text !== '' && process.env['PVSIM_EQ_DEBUG']) {
      for (const a of [['get', 'pv,pvc,volumesnapshot,volumesnapshotcontent', '-o', 'wide'], ['get', 'events'], ['timeline']]) {
        const o = await pvsim('.unused', [...d.flags, ...a]);
        console.log(a.join(' '), '\n', o.stdout, o.stderr);
      }
    }
    assert.is(text, '', `${file}: distributed differs from embedded`);
    const v = await pvsim('.unused', [...d.flags, 'log', 'verify']);
    assert.is(v.code, 0, v.stdout + v.stderr);
    await d.stop();
  }
}

test.run();
