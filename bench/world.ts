/**
 * Design: benchmark 3 — the step machine (issue 6 item 11). What one step of `createWorld` costs,
 * what the world's fingerprint and fork add to it, and what a settled PV-only world costs in time
 * and heap as it grows. Every figure is a ratio to a baseline measured in the same process,
 * interleaved with the runs (the machine is shared and noisy); absolute times are printed for
 * orientation only.
 *
 * Baseline: one raw XState transition of the PV and PVC machines from @pvsim/machines, driven
 * directly (`createActor(volumeMachine).start()` untimed, then timed `send(WRITE)`s along the
 * bind path: PV Pending→Available→Bound, PVC Pending→Bound). The issue's goal for a delivered work
 * item is at most 3 such transitions.
 *
 * Workloads:
 *   - full cluster (`cluster: 'full'`): nodes, the lecture's csi-disk class and a dynamic NAS class,
 *     then C copies of the lecture's dynamic-disk demo (claim + pod) plus a NAS claim + pod, with
 *     unique names, created one object at a time with a drain after each (as kubectl apply lets the
 *     controllers react between calls), then settled. One node per copy: the disk driver attaches
 *     at most 2 volumes per node and the pod scheduler does not count them. The run must end with
 *     every pod Running and every claim Bound, or the bench fails;
 *   - PV-only (the default cluster: PV and protection controllers): bench/fixtures.ts's settle
 *     fixture, N static PVs applied and settled, then N claims applied and settled (they bind).
 * Each workload runs three ways with the same seed: as is, calling `world.fingerprint()` once per
 * delivered work item, and calling `store.fingerprint()` once per item (both through the record
 * hook at `WorkDelivered`, i.e. between two items). The three runs must deliver the same items and
 * end in the same world (same fingerprint): the fingerprint may not change the run.
 *
 * Fork: `world.fork()` (snapshot + structuredClone + a new world + restore) at the end of a
 * full-cluster run, against the cost of one of that run's steps; the snapshot's size as JSON.
 *
 * Issue 14 item 4 (section 5, alone with `--bind[=N,…]`): the PV-only claim phase — N claims
 * created, their protection finalizers, the binds, settled — against the same PV/PVC machine
 * transitions driven raw: a recording run takes down every transition the store performs (one per
 * machine-kind write: a new object's actor entering its state, a WRITE, a REMOVE) from its fact
 * records, and fresh live actors are driven through exactly those, with nothing else.
 *
 * Scale: settled binds per second and retained heap per settled PV/PVC pair on the PV-only world
 * at 10k and 100k pairs. Heap: `gc()` then heapUsed before the fixture is even generated, and
 * `gc()` then heapUsed once the fixture is out of reach and only the settled world is held, so
 * the difference is what the world retains (store actors, index, informer cache, events,
 * fingerprinter, controllers' memory), not garbage.
 */
import { readFileSync } from 'node:fs';
import { createActor, type AnyActorRef, type AnyStateMachine } from 'xstate';
import type { NewLogRecord, PersistentVolume, PersistentVolumeClaim } from '../packages/domain/src/index.ts';
import { attachmentMachine, claimMachine, volumeMachine } from '../packages/machines/src/index.ts';
import { applyDefaults, parseManifests, prepareForCreate } from '../packages/manifests/src/index.ts';
import type { AnyObject, StoredKind } from '../packages/runtime/src/index.ts';
import { createWorld, type World } from '../services/world/src/index.ts';
import { SEED, settleFixture } from './fixtures.ts';
import { emit, fmtMs, fmtN, fmtSpread, fmtUs, gc, median, table } from './measure.ts';

const EPOCH_MS = Date.UTC(2026, 0, 1);

/**
 * The clock every figure here is read on: the process's CPU time (user + system, every thread:
 * the garbage collector's included), in ms. On this shared 2-core machine the load average runs
 * from 1 to 80 within minutes, and wall time then measures the other sessions; CPU time measures
 * the work, so the ratios against the raw baseline stay comparable between runs.
 */
function cpuNow(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
const EXAMPLES = new URL('../examples/', import.meta.url);
type Obj = AnyObject & { spec?: any; status?: any };

// ------------------------------------------------------------------ baseline: raw transitions

/**
 * Milliseconds per raw `actor.send` on the PV/PVC machines: m PV and m PVC actors are created and
 * started untimed, then 3m WRITEs are timed (PV to Available, PV to Bound, PVC to Bound). The
 * median of 3 batches, each with fresh actors.
 */
function rawTransitionMs(m: number): number {
  const volumes: PersistentVolume[] = [];
  const claims: PersistentVolumeClaim[] = [];
  const writes: { pvAvailable: unknown; pvBound: unknown; pvcBound: unknown }[] = [];
  for (let i = 0; i < m; i++) {
    const name = `raw-${i}`;
    const pv = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'] } } as unknown as PersistentVolume;
    const pvc = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } as unknown as PersistentVolumeClaim;
    volumes.push(pv);
    claims.push(pvc);
    writes.push({
      pvAvailable: { type: 'WRITE', object: { ...pv, status: { phase: 'Available' } } },
      pvBound: { type: 'WRITE', object: { ...pv, spec: { ...pv.spec, claimRef: { namespace: 'default', name, uid: `u-${i}` } }, status: { phase: 'Bound' } } },
      pvcBound: { type: 'WRITE', object: { ...pvc, spec: { ...pvc.spec, volumeName: name }, status: { phase: 'Bound' } } },
    });
  }
  const batches: number[] = [];
  for (let b = 0; b < 3; b++) {
    const pvs: AnyActorRef[] = volumes.map((object) => createActor(volumeMachine, { input: { object } }).start());
    const pvcs: AnyActorRef[] = claims.map((object) => createActor(claimMachine, { input: { object } }).start());
    gc();
    const t0 = cpuNow();
    for (let i = 0; i < m; i++) {
      const w = writes[i]!;
      pvs[i]!.send(w.pvAvailable as never);
      pvs[i]!.send(w.pvBound as never);
      pvcs[i]!.send(w.pvcBound as never);
    }
    batches.push((cpuNow() - t0) / (3 * m));
    if (pvs[m - 1]!.getSnapshot().value !== 'Bound' || pvcs[m - 1]!.getSnapshot().value !== 'Bound') throw new Error('raw baseline: the machines did not reach Bound');
    for (const a of [...pvs, ...pvcs]) a.stop();
  }
  return median(batches);
}

// ------------------------------------------------------------------ workloads

type FpMode = 'none' | 'world' | 'store';
const FP_MODES: readonly FpMode[] = ['none', 'world', 'store'];

interface RunResult {
  /** Wall time of the measured part (creates, drains, settles), ms. */
  ms: number;
  /** Work items delivered in the measured part. */
  deliveries: number;
  fingerprint: string;
  world: World;
}

/** A world whose record hook calls the fingerprint the mode asks for before each delivered item. */
function hookedWorld(fp: FpMode, cluster: 'full' | 'storage', tap?: (r: NewLogRecord) => void): World {
  let world: World | undefined;
  const hook = fp === 'world' ? () => world!.fingerprint() : fp === 'store' ? () => world!.store.fingerprint() : () => '';
  const record = tap
    ? (r: NewLogRecord) => { tap(r); if (r.type === 'WorkDelivered') hook(); }
    : (r: NewLogRecord) => { if (r.type === 'WorkDelivered') hook(); };
  world = createWorld({ seed: SEED, startMs: EPOCH_MS, record, ...(cluster === 'full' ? { cluster } : {}) });
  return world;
}

function examples(file: string): Obj[] {
  return parseManifests(readFileSync(new URL(file, EXAMPLES), 'utf8'), file).map((p) => applyDefaults(p.object) as unknown as Obj);
}

interface FullInputs { setup: Obj[]; copies: Obj[]; pods: number; claims: number }

/** Nodes and the two classes, then per copy: the disk demo's claim and pod, and a NAS claim and pod. */
export function fullInputs(copies: number): FullInputs {
  const [diskClass] = examples('lecture/dynamic-disk/01-storageclass.yaml');
  const [claim] = examples('lecture/dynamic-disk/02-pvc.yaml');
  const [pod] = examples('lecture/dynamic-disk/03-pod.yaml');
  const nasClass = applyDefaults({ ...structuredClone(diskClass!), metadata: { name: 'csi-nas' }, provisioner: 'nas.csi.pvsim.dev', parameters: {} } as Obj);
  const setup: Obj[] = [];
  for (let i = 0; i < copies; i++) {
    const name = `node-${String(i).padStart(4, '0')}`;
    setup.push(applyDefaults({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': 'zone-a' } } } as unknown as Obj));
  }
  setup.push(diskClass!, nasClass);
  const out: Obj[] = [];
  for (let i = 0; i < copies; i++) {
    const diskClaim = structuredClone(claim!);
    diskClaim.metadata.name = `disk-pvc-${i}`;
    diskClaim.spec.resources.requests.storage = '1Gi'; // the driver's 1 TiB pool holds 1000 of them
    const diskPod = structuredClone(pod!);
    diskPod.metadata.name = `disk-pod-${i}`;
    diskPod.spec.volumes[0].persistentVolumeClaim.claimName = diskClaim.metadata.name;
    const nasClaim = structuredClone(claim!);
    nasClaim.metadata.name = `nas-pvc-${i}`;
    nasClaim.spec.storageClassName = 'csi-nas';
    nasClaim.spec.accessModes = ['ReadWriteMany'];
    nasClaim.spec.resources.requests.storage = '1Gi';
    const nasPod = structuredClone(pod!);
    nasPod.metadata.name = `nas-pod-${i}`;
    nasPod.spec.volumes[0].persistentVolumeClaim.claimName = nasClaim.metadata.name;
    out.push(diskClaim, diskPod, nasClaim, nasPod);
  }
  return { setup, copies: out, pods: 2 * copies, claims: 2 * copies };
}

function create(world: World, o: Obj): void {
  world.store.create(o.kind as StoredKind, prepareForCreate(structuredClone(o), world.clock.iso()) as AnyObject);
}

function phases(world: World, kind: StoredKind): Record<string, number> {
  const out: Record<string, number> = {};
  for (const o of world.store.list(kind) as Obj[]) {
    const p = (o.status?.phase as string | undefined) ?? '(none)';
    out[p] = (out[p] ?? 0) + 1;
  }
  return out;
}

function fail(message: string): never {
  process.stderr.write(`world bench FAILED: ${message}\n`);
  process.exit(1);
}

/** The full cluster: setup settled untimed; then the copies, one create and drain at a time, and a settle. */
export function fullRun(inputs: FullInputs, fp: FpMode): RunResult {
  const world = hookedWorld(fp, 'full');
  for (const o of inputs.setup) { create(world, o); world.drain(); }
  world.settle();
  gc();
  const d0 = world.scheduler.delivered;
  const t0 = cpuNow();
  for (const o of inputs.copies) { create(world, o); world.drain(); }
  const report = world.settle();
  const ms = cpuNow() - t0;
  const pods = phases(world, 'Pod');
  const claims = phases(world, 'PersistentVolumeClaim');
  if (report.stoppedBy || pods['Running'] !== inputs.pods || claims['Bound'] !== inputs.claims) {
    fail(`full cluster (${fp}): pods ${JSON.stringify(pods)}, claims ${JSON.stringify(claims)} (want ${inputs.pods} Running, ${inputs.claims} Bound)${report.stoppedBy ? `; settle stopped by ${report.stoppedBy}: ${report.inFlight.slice(0, 3).join('; ')}` : ''}`);
  }
  return { ms, deliveries: world.scheduler.delivered - d0, fingerprint: world.fingerprint(), world };
}

/** The PV-only world: N PVs applied and settled, then N claims applied and settled; all of it timed. */
export function pvOnlyRun(volumes: readonly PersistentVolume[], claims: readonly PersistentVolumeClaim[], fp: FpMode, consume = false, tap?: MachineTap): RunResult & { volumeMs: number; claimMs: number } {
  const world = hookedWorld(fp, 'storage', tap?.record);
  const { store } = world;
  gc();
  const d0 = world.scheduler.delivered;
  const t0 = cpuNow();
  // The default budget (2M steps) is a command's; 500k claims need about 4.5 deliveries each.
  const budget = { stepsMax: Math.max(2_000_000, 20 * claims.length) };
  // `consume`: each fixture object is let go once created, as a manifest's documents are once
  // applied, so the peak is the world's and not the world's plus a second copy of the input.
  const n = claims.length;
  for (let i = 0; i < volumes.length; i++) {
    store.create('PersistentVolume', volumes[i] as unknown as AnyObject);
    if (consume) (volumes as (PersistentVolume | undefined)[])[i] = undefined;
  }
  world.settle({ budget });
  const t1 = cpuNow();
  tap?.claimsFrom();
  for (let i = 0; i < claims.length; i++) {
    store.create('PersistentVolumeClaim', claims[i] as unknown as AnyObject);
    if (consume) (claims as (PersistentVolumeClaim | undefined)[])[i] = undefined;
  }
  const report = world.settle({ budget });
  const t2 = cpuNow();
  const bound = phases(world, 'PersistentVolumeClaim')['Bound'] ?? 0;
  if (report.stoppedBy || bound !== n) fail(`PV-only (${fp}, N = ${n}): ${bound} of ${n} claims Bound${report.stoppedBy ? `, settle stopped by ${report.stoppedBy}` : ''}`);
  return { ms: t2 - t0, volumeMs: t1 - t0, claimMs: t2 - t1, deliveries: world.scheduler.delivered - d0, fingerprint: world.fingerprint(), world };
}

// ------------------------------------------------------------------ scale and heap

interface ScaleRun { n: number; volumeMs: number; claimMs: number; deliveries: number; retainedBytes: number }

function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

/** Builds and settles the PV-only world from a fixture made here, so nothing but the world outlives it. */
function settledPvOnlyWorld(n: number): { world: World; volumeMs: number; claimMs: number; deliveries: number } {
  const { volumes, claims } = settleFixture(n);
  const { world, volumeMs, claimMs, deliveries } = pvOnlyRun(volumes, claims, 'none', true);
  return { world, volumeMs, claimMs, deliveries };
}

function scaleRun(n: number): ScaleRun {
  const before = heapUsed();
  let held: World | undefined;
  const { world, volumeMs, claimMs, deliveries } = settledPvOnlyWorld(n);
  held = world;
  const after = heapUsed();
  const run = { n, volumeMs, claimMs, deliveries, retainedBytes: after - before };
  if (held.store.list('PersistentVolume').length !== n) fail('scale: the world lost volumes');
  held = undefined;
  return run;
}

// ------------------------------------------------------------------ issue 14 item 4: a settled bind against the same machines raw

/** The kinds whose objects the store keeps as machine actors, and their machines. */
const MACHINES: Record<string, AnyStateMachine> = {
  PersistentVolume: volumeMachine as unknown as AnyStateMachine,
  PersistentVolumeClaim: claimMachine as unknown as AnyStateMachine,
  VolumeAttachment: attachmentMachine as unknown as AnyStateMachine,
};
const MACHINE_FACT = /^(PersistentVolume|PersistentVolumeClaim|VolumeAttachment)(Created|Updated|Deleted)$/;

/**
 * One machine transition a run performed, read off its fact record: the store runs exactly one
 * per machine-kind write — a new object's actor enters the state its phase says (`create`), an
 * update is a `WRITE` of the stored object, a deletion a `REMOVE` (ObjectStore.put/drop).
 */
interface MachineOp { machine: AnyStateMachine; address: string; op: 'create' | 'write' | 'remove'; object: unknown }

interface MachineTap { record: (r: NewLogRecord) => void; claimsFrom: () => void }

/** A tap that keeps the machine transitions of the PV phase and of the claim phase apart. */
function machineTap(): MachineTap & { volumeOps: MachineOp[]; claimOps: MachineOp[] } {
  const volumeOps: MachineOp[] = [];
  const claimOps: MachineOp[] = [];
  let into = volumeOps;
  return {
    volumeOps, claimOps,
    claimsFrom: () => { into = claimOps; },
    record: (r) => {
      const m = MACHINE_FACT.exec(r.type);
      if (!m) return;
      into.push({ machine: MACHINES[m[1]!]!, address: r.stream, op: m[2] === 'Created' ? 'create' : m[2] === 'Updated' ? 'write' : 'remove', object: r.data });
    },
  };
}

interface RawReplay { createMs: number; sendMs: number; creates: number; sends: number }

/**
 * Drives fresh live XState actors of the same machines through `timed` — no store, bus, log,
 * informer or controller: `createActor(machine, { input: { object } }).start()` per object the
 * phase creates, then `actor.send(event)` per write or removal, in the run's order. The actors of
 * objects that existed before (the settled PVs) are brought to their state by `before`, untimed,
 * and so are the event objects. Every send must be taken as the store took it (the object
 * stored, or the actor final after a removal), or the bench fails: a refused event is cheaper
 * and would flatter the baseline.
 */
function rawReplay(before: readonly MachineOp[], timed: readonly MachineOp[]): RawReplay {
  const actors = new Map<string, AnyActorRef>();
  const apply = (o: MachineOp) => {
    if (o.op === 'create') actors.set(o.address, createActor(o.machine, { input: { object: o.object } }).start());
    else actors.get(o.address)!.send(o.op === 'write' ? { type: 'WRITE', object: o.object } : { type: 'REMOVE' });
  };
  for (const o of before) apply(o);
  const creates = timed.filter((o) => o.op === 'create');
  const sends = timed.filter((o) => o.op !== 'create');
  const events = sends.map((o) => (o.op === 'write' ? { type: 'WRITE', object: o.object } : { type: 'REMOVE' }));
  const targets: (AnyActorRef | undefined)[] = new Array(sends.length);
  gc();
  // Actors are independent, so every create may come first: an object's writes all follow its create.
  let t0 = cpuNow();
  for (const o of creates) actors.set(o.address, createActor(o.machine, { input: { object: o.object } }).start());
  const createMs = cpuNow() - t0;
  for (let i = 0; i < sends.length; i++) targets[i] = actors.get(sends[i]!.address);
  t0 = cpuNow();
  for (let i = 0; i < sends.length; i++) targets[i]!.send(events[i] as never);
  const sendMs = cpuNow() - t0;
  // Each actor ends as the store's did: holding the last object written to it, or stopped by a removal.
  const last = new Map<string, MachineOp>();
  for (const o of [...before, ...timed]) last.set(o.address, o);
  for (const [address, o] of last) {
    const snap = actors.get(address)!.getSnapshot();
    if (o.op === 'remove' ? snap.status !== 'done' : snap.context.object !== o.object) fail(`raw replay: ${address} refused an event the store took (state ${String(snap.value)})`);
  }
  for (const a of actors.values()) a.stop();
  return { createMs, sendMs, creates: creates.length, sends: sends.length };
}

interface BindRow {
  n: number; reps: number; deliveries: number; creates: number; sends: number;
  claimMs: number[]; rawMs: number[]; rawSendMs: number[]; volumeMs: number[]; rawVolumeMs: number[];
}

/**
 * Issue 14 item 4, as worded: a settled bind (the claim created, its protection finalizer, the
 * bind's writes; settle) against the same machines driven raw. A recording run takes down every
 * machine transition of the PV phase and of the claim phase; then, interleaved, the claim phase
 * through the world (CPU time, as every figure here) and the same transitions on fresh raw
 * actors. The runs must be the run recorded (same deliveries, same fingerprint).
 */
function bindAgainstRaw(n: number, reps: number): BindRow {
  const { volumes, claims } = settleFixture(n);
  const tap = machineTap();
  const recorded = pvOnlyRun(volumes, claims, 'none', false, tap);
  const row: BindRow = {
    n, reps, deliveries: recorded.deliveries, creates: 0, sends: 0, claimMs: [], rawMs: [], rawSendMs: [], volumeMs: [], rawVolumeMs: [],
  };
  const fingerprint = recorded.fingerprint;
  recorded.world = undefined as never;
  for (let r = 0; r < reps; r++) {
    const run = pvOnlyRun(volumes, claims, 'none');
    if (run.deliveries !== row.deliveries || run.fingerprint !== fingerprint) fail(`bind vs raw, N = ${n}: a run differs from the recorded one`);
    row.claimMs.push(run.claimMs);
    row.volumeMs.push(run.volumeMs);
    const raw = rawReplay(tap.volumeOps, tap.claimOps);
    row.rawMs.push(raw.createMs + raw.sendMs);
    row.rawSendMs.push(raw.sendMs);
    row.creates = raw.creates;
    row.sends = raw.sends;
    const rawVolumes = rawReplay([], tap.volumeOps);
    row.rawVolumeMs.push(rawVolumes.createMs + rawVolumes.sendMs);
  }
  return row;
}

function printBindRows(rows: readonly BindRow[]): void {
  console.log('5. Issue 14 item 4: a settled bind against the same machines driven raw (the PV/PVC machine transitions the claim phase performed, replayed on fresh live actors)');
  console.log(table(
    ['N', 'reps', 'machine ops/bind', 'claim phase = binds', 'per bind', 'same machines raw', 'raw sends only', 'bind ÷ raw', 'goal ≤ 3×', 'bind ÷ raw sends', 'PV phase ÷ raw'],
    rows.map((b) => {
      const ratio = median(b.claimMs) / median(b.rawMs);
      return [
        fmtN(b.n), String(b.reps), `${(b.creates / b.n).toFixed(2)} + ${(b.sends / b.n).toFixed(2)}`,
        fmtSpread(b.claimMs), fmtUs(median(b.claimMs) / b.n * 1000), fmtSpread(b.rawMs), fmtSpread(b.rawSendMs),
        `${ratio.toFixed(2)}×`, ratio <= 3 ? 'met' : `missed ×${(ratio / 3).toFixed(2)}`,
        `${(median(b.claimMs) / median(b.rawSendMs)).toFixed(2)}×`, `${(median(b.volumeMs) / median(b.rawVolumeMs)).toFixed(2)}×`,
      ];
    }),
  ));
  console.log([
    'machine ops/bind: actors created + events sent per claim in the claim phase (the claim\'s actor; finalizer and bind WRITEs to the PVC and PV actors).',
    'same machines raw: createActor(machine, { input }).start() per object created + actor.send(event) per write, the actors of the settled PVs made untimed; CPU time, median.',
    'bind ÷ raw: median claim phase / median raw replay, measured interleaved in this process. PV phase ÷ raw: the same for applying and settling the N PVs.',
  ].join('\n'));
}

// ------------------------------------------------------------------ main

interface Variant { ms: number[]; deliveries: number; fingerprint: string }
const perItemUs = (v: Variant) => (median(v.ms) / v.deliveries) * 1000;
const pct = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;

/** Runs the three fingerprint modes interleaved (A B C A B C …); checks they make the same run. */
function variants(label: string, reps: number, once: (fp: FpMode) => RunResult, raw: number[], rawM: number, onLast?: (r: RunResult) => void): Record<FpMode, Variant> {
  const out = {} as Record<FpMode, Variant>;
  for (let r = 0; r < reps; r++) {
    for (const fp of FP_MODES) {
      const res = once(fp);
      const v = (out[fp] ??= { ms: [], deliveries: res.deliveries, fingerprint: res.fingerprint });
      if (res.deliveries !== v.deliveries || res.fingerprint !== v.fingerprint || res.fingerprint !== out.none.fingerprint || res.deliveries !== out.none.deliveries) {
        fail(`${label}: the run with fingerprint mode "${fp}" differs (deliveries ${res.deliveries} vs ${out.none.deliveries}, fingerprint ${res.fingerprint} vs ${out.none.fingerprint})`);
      }
      v.ms.push(res.ms);
      if (fp === 'none' && r === reps - 1) onLast?.(res);
    }
    raw.push(rawTransitionMs(rawM));
  }
  return out;
}

interface ForkResult { forkMs: number[]; snapshotMs: number[]; snapshotBytes: number; storeFingerprintEqual: boolean; worldFingerprintEqual: boolean }

function measureFork(world: World, reps: number): ForkResult {
  const forkMs: number[] = [];
  const snapshotMs: number[] = [];
  let copy: World | undefined;
  for (let k = 0; k < reps; k++) {
    gc();
    let t0 = cpuNow();
    world.snapshot();
    snapshotMs.push(cpuNow() - t0);
    gc();
    t0 = cpuNow();
    copy = world.fork();
    forkMs.push(cpuNow() - t0);
  }
  return {
    forkMs, snapshotMs,
    snapshotBytes: Buffer.byteLength(JSON.stringify(world.snapshot())),
    storeFingerprintEqual: copy!.store.fingerprint() === world.store.fingerprint(),
    worldFingerprintEqual: copy!.fingerprint() === world.fingerprint(),
  };
}

/**
 * `--pairs=N`: one settled PV-only world of N pairs and nothing else (issue 14 item 1: 500k pairs,
 * 1M objects, in ≤ 4 GB peak). Peak RSS is the process's maximum resident set (getrusage) over
 * the whole run — fixture, world and garbage included — so it is what the machine had to give.
 */
function memoryRun(n: number): void {
  const t0 = cpuNow();
  const run = scaleRun(n);
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  console.log(`Memory: ${fmtN(n)} settled PV/PVC pairs (${fmtN(2 * n)} objects) in ${fmtMs(cpuNow() - t0)}`);
  console.log(table(
    ['N', 'PVs: apply+settle', 'PVCs: apply+settle', 'deliv/pair', 'heap retained', 'per pair', 'peak RSS', 'goal (1M objects ≤ 4 GB)'],
    [[
      fmtN(n), fmtMs(run.volumeMs), fmtMs(run.claimMs), (run.deliveries / n).toFixed(2),
      `${(run.retainedBytes / 2 ** 20).toFixed(0)} MiB`, `${(run.retainedBytes / n / 1024).toFixed(2)} KiB`,
      `${(peakRssBytes / 2 ** 30).toFixed(2)} GiB`, n >= 500_000 ? (peakRssBytes <= 4e9 ? 'met' : 'missed') : '(N < 500k)',
    ]],
  ));
  emit('world', { memory: { n, ...run, peakRssBytes, retainedBytesPerPair: run.retainedBytes / n } });
}

/** `--bind[=N,N…]`: only section 5 (issue 14 item 4), at 10k pairs or the sizes given. */
function bindRun(sizes: readonly number[]): void {
  const t0 = cpuNow();
  { const f = settleFixture(300, 7); const tap = machineTap(); pvOnlyRun(f.volumes, f.claims, 'none', false, tap); rawReplay(tap.volumeOps, tap.claimOps); }
  const rows = sizes.map((n) => bindAgainstRaw(n, n >= 100_000 ? 1 : 3));
  printBindRows(rows);
  console.log(`(bind bench: ${fmtMs(cpuNow() - t0)} CPU)`);
  emit('world', { bind: rows.map(bindJson) });
}

function bindJson(b: BindRow) {
  return { ...b, bindOverRaw: median(b.claimMs) / median(b.rawMs), bindOverRawSends: median(b.claimMs) / median(b.rawSendMs), perBindUs: median(b.claimMs) / b.n * 1000 };
}

function main(): void {
  const pairsArg = process.argv.find((a) => a.startsWith('--pairs='));
  if (pairsArg) { memoryRun(Number(pairsArg.slice('--pairs='.length))); return; }
  const bindArg = process.argv.find((a) => a === '--bind' || a.startsWith('--bind='));
  if (bindArg) {
    const sizes = bindArg === '--bind' ? [10_000] : bindArg.slice('--bind='.length).split(',').map(Number);
    if (sizes.some((n) => !Number.isInteger(n) || n < 1)) fail(`--bind=N[,N…] wants whole numbers of pairs ≥ 1, got "${bindArg}"`);
    bindRun(sizes);
    return;
  }
  const quick = process.argv.includes('--quick');
  const copies = quick ? 10 : 40;
  // Two small PV-only sizes: world.fingerprint() once cost O(waiting work) a call, which made
  // these runs quadratic. The waiting items' hash is kept as they come and go now (Scheduler
  // `waitingHash`, each item's part kept in its mark), so the two sizes cost the same per item.
  const pvOnlySizes = quick ? [200] : [200, 400];
  const reps = quick ? 2 : 7;
  const pvOnlyReps = quick ? 2 : 3;
  const rawM = 5000;
  const scale: { n: number; reps: number }[] = quick ? [{ n: 10_000, reps: 1 }] : [{ n: 10_000, reps: 3 }, { n: 100_000, reps: 1 }];
  const tStart = cpuNow();

  // Warm-up: compile the components' paths, the fingerprinter and the machines before timing.
  const fullIn = fullInputs(copies);
  const warmFull = fullInputs(4);
  fullRun(warmFull, 'world');
  fullRun(warmFull, 'store');
  { const f = settleFixture(300, 7); pvOnlyRun(f.volumes, f.claims, 'world'); pvOnlyRun(f.volumes, f.claims, 'store'); }
  rawTransitionMs(rawM);

  // 1 + 2: steps on the full cluster and on the PV-only world, with and without fingerprints; 3: fork.
  const raw: number[] = [];
  let fork: ForkResult | undefined;
  const full = variants('full cluster', reps, (fp) => fullRun(fullIn, fp), raw, rawM, (r) => { fork = measureFork(r.world, quick ? 3 : 5); });
  const pvOnly = pvOnlySizes.map((n) => {
    const { volumes, claims } = settleFixture(n);
    return { n, v: variants(`PV-only N = ${n}`, pvOnlyReps, (fp) => pvOnlyRun(volumes, claims, fp), raw, rawM) };
  });

  // 5: issue 14 item 4 (100k pairs, ≈ 2.5 min of CPU more, only with PVSIM_BENCH_BIND_100K=1).
  const bindRows = [bindAgainstRaw(quick ? 2_000 : 10_000, quick ? 2 : 3)];
  if (process.env.PVSIM_BENCH_BIND_100K === '1') bindRows.push(bindAgainstRaw(100_000, 1));

  // 4: scale and heap.
  const scaleRows: { n: number; runs: ScaleRun[] }[] = [];
  for (const { n, reps: r } of scale) {
    const runs: ScaleRun[] = [];
    for (let k = 0; k < r; k++) { runs.push(scaleRun(n)); raw.push(rawTransitionMs(rawM)); }
    scaleRows.push({ n, runs });
  }
  const rawUs = median(raw) * 1000;

  // ---------------------------------------------------------------- report
  console.log(`Baseline: one raw XState transition (PV/PVC machine, actor.send(WRITE)): ${fmtUs(rawUs)} median of ${raw.length} (${fmtUs(Math.min(...raw) * 1000)}–${fmtUs(Math.max(...raw) * 1000)}), ${(1000 / rawUs).toFixed(0)}k/s`);
  console.log('');
  const stepRow = (name: string, what: string, v: Record<FpMode, Variant>) => {
    const per = perItemUs(v.none);
    return [name, what, String(v.none.ms.length), String(v.none.deliveries), fmtSpread(v.none.ms), fmtUs(per), `${(1000 / per).toFixed(0)}k/s`, `${(per / rawUs).toFixed(1)}×`, per / rawUs <= 3 ? 'met' : `missed ×${(per / rawUs / 3).toFixed(1)}`];
  };
  console.log('1. Steps: cost per delivered work item, against one raw transition (medians, min–max in brackets)');
  console.log(table(
    ['world', 'workload', 'reps', 'items', 'run', 'per item', 'steps/s', 'item = raw', 'goal ≤ 3×'],
    [
      stepRow('full', `${copies} × (disk claim+pod, NAS claim+pod), ${copies} nodes`, full),
      ...pvOnly.map(({ n, v }) => stepRow('PV-only', `${fmtN(n)} static PVs, then ${fmtN(n)} claims bind`, v)),
      ...scaleRows.map(({ n, runs }) => {
        const ms = runs.map((r) => r.volumeMs + r.claimMs);
        const per = (median(ms) / runs[0]!.deliveries) * 1000;
        return ['PV-only', `${fmtN(n)} static PVs, then ${fmtN(n)} claims bind (section 4)`, String(runs.length), String(runs[0]!.deliveries), fmtSpread(ms), fmtUs(per), `${(1000 / per).toFixed(0)}k/s`, `${(per / rawUs).toFixed(1)}×`, per / rawUs <= 3 ? 'met' : `missed ×${(per / rawUs / 3).toFixed(1)}`];
      }),
    ],
  ));
  console.log('');
  const fpRow = (name: string, v: Record<FpMode, Variant>) => {
    const none = median(v.none.ms);
    const worldFp = median(v.world.ms);
    const storeFp = median(v.store.ms);
    const extra = (worldFp - none) / none;
    return [
      name, fmtSpread(v.none.ms), fmtSpread(v.world.ms), fmtSpread(v.store.ms),
      pct(extra), fmtUs(((worldFp - none) / v.none.deliveries) * 1000),
      pct((storeFp - none) / none), fmtUs(((storeFp - none) / v.none.deliveries) * 1000),
      extra <= 0.1 ? 'met' : `missed ×${(extra / 0.1).toFixed(1)}`,
    ];
  };
  console.log('2. Fingerprint after every delivered item: (with − without) / without, per step');
  console.log(table(
    ['world', 'without', 'with world.fingerprint()', 'with store.fingerprint()', 'world fp', 'per call', 'store fp', 'per call', 'goal ≤ 10%'],
    [fpRow('full', full), ...pvOnly.map(({ n, v }) => fpRow(`PV-only ${fmtN(n)}`, v))],
  ));
  console.log('');
  const f = fork!;
  const step = median(full.none.ms) / full.none.deliveries;
  console.log(`3. Fork at the end of the full-cluster run (${copies} copies, ${full.none.deliveries} items delivered)`);
  console.log(table(
    ['', 'median (min–max)', '= steps of that run'],
    [
      ['world.fork()', fmtSpread(f.forkMs), `${(median(f.forkMs) / step).toFixed(0)}`],
      ['world.snapshot() alone', fmtSpread(f.snapshotMs), `${(median(f.snapshotMs) / step).toFixed(0)}`],
    ],
  ));
  console.log(`snapshot size: ${(f.snapshotBytes / 1024).toFixed(0)} KiB as JSON (${(f.snapshotBytes / (fullIn.claims + fullIn.pods) / 1024).toFixed(1)} KiB per claim or pod); the fork's store fingerprint ${f.storeFingerprintEqual ? 'equals' : 'DIFFERS from'} the original's, its world fingerprint ${f.worldFingerprintEqual ? 'equals' : 'DIFFERS from'} the original's.`);
  console.log('');
  console.log('4. PV-only world at scale: settled binds per second and retained heap per settled PV/PVC pair');
  console.log(table(
    ['N', 'runs', 'PVs: apply+settle', 'PVCs: apply+settle = binds', 'binds/s', 'per bind', 'bind = raw', 'deliv/bind', 'heap retained', 'per pair'],
    scaleRows.map(({ n, runs }) => {
      const claim = runs.map((r) => r.claimMs);
      const perBindUs = (median(claim) / n) * 1000;
      const bytes = median(runs.map((r) => r.retainedBytes));
      return [
        fmtN(n), String(runs.length), fmtSpread(runs.map((r) => r.volumeMs)), fmtSpread(claim), `${(n / median(claim) * 1000).toFixed(0)}`,
        fmtUs(perBindUs), `${(perBindUs / rawUs).toFixed(0)}×`, ((runs[0]!.deliveries) / n).toFixed(2),
        `${(bytes / 2 ** 20).toFixed(0)} MiB`, `${(bytes / n / 1024).toFixed(1)} KiB`,
      ];
    }),
  ));
  console.log('');
  printBindRows(bindRows);
  console.log([
    'Earlier figures (docs/benchmarks.md, STYLE §10): a settled bind 269–280 µs at 1k–20k (≈ 3.6k binds/s); 13–14 KB of heap per settled pair.',
    'binds/s: N / the claim phase (create N claims, settle: protection finalizer + bind). deliv/bind: both phases\' deliveries / N.',
    `(world bench body: ${fmtMs(cpuNow() - tStart)})`,
  ].join('\n'));

  const v = (x: Record<FpMode, Variant>) => ({
    deliveries: x.none.deliveries, noneMs: x.none.ms, worldFpMs: x.world.ms, storeFpMs: x.store.ms,
    perItemUs: perItemUs(x.none), itemOverRaw: perItemUs(x.none) / rawUs,
    worldFpExtra: (median(x.world.ms) - median(x.none.ms)) / median(x.none.ms),
    storeFpExtra: (median(x.store.ms) - median(x.none.ms)) / median(x.none.ms),
  });
  emit('world', {
    rawUs, rawMs: raw, copies,
    full: v(full), pvOnly: pvOnly.map(({ n, v: x }) => ({ n, ...v(x) })),
    fork: { ...f, forkOverStep: median(f.forkMs) / step },
    bind: bindRows.map(bindJson),
    scale: scaleRows.map(({ n, runs }) => ({
      n, runs, itemOverRaw: (median(runs.map((r) => r.volumeMs + r.claimMs)) / runs[0]!.deliveries) * 1000 / rawUs, claimMedianMs: median(runs.map((r) => r.claimMs)), bindsPerSecond: n / median(runs.map((r) => r.claimMs)) * 1000,
      retainedBytesPerPair: median(runs.map((r) => r.retainedBytes)) / n,
    })),
  });
}

if (import.meta.url === `file://${process.argv[1]}`) main();
