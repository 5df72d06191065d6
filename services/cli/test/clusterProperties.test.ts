/**
 * Design: fast-check drives the whole in-process cluster — the composition `pvsim` runs
 * (`createWorld({ cluster: 'full' })`: PV controller, protection, node lifecycle, scheduler,
 * Deployment, provisioners and attachers of the nas and disk drivers, attach/detach, a kubelet
 * per node), built as Session builds it, every random stream from one seed — through random
 * sequences of what a user does: claims of the nas/disk classes (Delete or Retain, disk sometimes
 * WaitForFirstConsumer or RWOP), static NAS shares pre-bound to claims, pods and Deployments
 * using them, deleting and moving pods, deleting claims, node loss and return, writes through
 * `exec`, settles and time passing. Objects enter through the CLI's own create path (apply
 * defaults, admission); two commands in three settle at once, as `--wait` does, the others leave
 * work queued for the next. Half the runs put both nodes in one zone, so that a zonal disk can
 * be wanted on two nodes at once.
 *
 * The oracles are the storage guarantees a user relies on, checked where they can break:
 * - after EVERY store write (the store's `record` hook): no RWO/RWOP volume attached to two nodes
 *   (VolumeAttachments and the disk backend's publishedNodes); a pod only ever turns Running on a
 *   node that is up, with its claims Bound, its disks attached there, every volume mounted at its
 *   target, and no running pod elsewhere holding its RWO (anywhere: RWOP) claim;
 * - after every settle / time step: every Running pod on an up node still has all that; nothing
 *   Terminating on an up node; the invariants library's converged checks (binding pairs, single-
 *   node attach and use, no leaked backend volume, every unbound claim with an Event saying why);
 *   actors in the phase their objects show; the recorded facts folded
 *   into a replica give the live objects; an exec write lands in the volume and every other pod
 *   mounting it reads it back;
 * - at the end (nodes back, every workload, pod and claim deleted, settled until quiet): no
 *   backend volume without a PV, no Delete volume left (PV, CSIVolume, Filesystem), nothing left
 *   attached or mounted, every file written to a Retain volume still there with its contents, and
 *   a fresh fold of the whole log equal to the live store.
 * A failure prints the fast-check seed and path and the commands; pin it in REGRESSIONS (or
 * replay it with PVSIM_PROPERTY_SEED, PVSIM_PROPERTY_PATH and PVSIM_PROPERTY_REPLAY).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  ApiError, csiFilesystemName, csiSourceOf, csiVolumeObjectName, ANN_NODE_DOWN, containersOf, csiTargetPath, isNodeDown, type NewLogRecord,
  type PersistentVolume, type Pod, type CsiVolumeObject, type VolumeAttachment,
} from '@pvsim/domain';
import {
  attachSafety, backendLeaks, checkAll, createWriteTracker, namespacedKey, phaseOf, podExclusiveUse, type WriteTracker,
} from '@pvsim/invariants';
import { ObjectStore, SimClock, foldRecords, type AnyObject, type StoredKind } from '@pvsim/runtime';
import { ExecError, containerMounts, execInContainer } from '@pvsim/kubelet';
import { volumeAttachmentName } from '@pvsim/component';
import type { ControllerManager } from '@pvsim/controller-manager';
import { attachmentPhase } from '@pvsim/machines';
import { prepareForCreate } from '@pvsim/manifests';
import { createWorld, type World } from '@pvsim/world';
import { admitCreate } from '../src/admission.ts';
import { desiredForApply, kindOf, type Obj } from '../src/inputs.ts';
import { COMMAND_GAP_MS, EPOCH_MS } from '../src/session.ts';

const NS = 'default';
const NAS = 'nas.csi.pvsim.dev';
const DISK = 'disk.csi.pvsim.dev';
const NODE_NAMES = ['node-a', 'node-b'] as const;
/**
 * Where the nodes are. The contract's layout puts them in different zones, and then a zonal disk
 * can only ever reach one node, so the Multi-Attach guard is never asked; in half of the runs
 * both nodes share zone-a, where two pods on two nodes may want the same RWO disk.
 */
type Layout = 'zones' | 'one-zone';
const LAYOUTS: Record<Layout, readonly { name: string; zone: string }[]> = {
  'zones': [{ name: 'node-a', zone: 'zone-a' }, { name: 'node-b', zone: 'zone-b' }],
  'one-zone': [{ name: 'node-a', zone: 'zone-a' }, { name: 'node-b', zone: 'zone-a' }],
};
/** Claim names say what they are: a nas or disk claim of a class, or a static share's claim. */
const NAS_CLAIMS = ['nas-0', 'nas-1'] as const;
const DISK_CLAIMS = ['disk-0', 'disk-1'] as const;
const STATIC_CLAIMS = ['static-0', 'static-1'] as const;
const ALL_CLAIMS = [...NAS_CLAIMS, ...DISK_CLAIMS, ...STATIC_CLAIMS];
const RWX_CLAIMS = [...NAS_CLAIMS, ...STATIC_CLAIMS];
const POD_NAMES = ['pod-0', 'pod-1', 'pod-2', 'pod-3'] as const;
const DEPLOYMENT_NAMES = ['dep-0', 'dep-1'] as const;
const FILES = ['a.txt', 'b.txt'] as const;
/** Kinds the log replay must reproduce exactly. */
const REPLAYED_KINDS: StoredKind[] = ['PersistentVolume', 'PersistentVolumeClaim', 'VolumeAttachment', 'CSIVolume', 'Filesystem', 'Pod', 'Node'];

type Reclaim = 'Delete' | 'Retain';

function className(driver: 'nas' | 'disk', reclaim: Reclaim, wffc: boolean): string {
  return `${driver}${wffc ? '-wffc' : ''}-${reclaim.toLowerCase()}`;
}

const CLASSES: Obj[] = [
  ...(['Delete', 'Retain'] as const).map((reclaim) => ({ driver: 'nas' as const, reclaim, wffc: false })),
  ...(['Delete', 'Retain'] as const).flatMap((reclaim) => [false, true].map((wffc) => ({ driver: 'disk' as const, reclaim, wffc }))),
].map(({ driver, reclaim, wffc }) => ({
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
  metadata: { name: className(driver, reclaim, wffc) },
  provisioner: driver === 'nas' ? NAS : DISK,
  reclaimPolicy: reclaim,
  volumeBindingMode: wffc ? 'WaitForFirstConsumer' : 'Immediate',
}));

// ------------------------------------------------------------------ the cluster under test

interface Coverage {
  runs: number;
  runningPods: number;
  diskAttached: number;
  runningOnDownNode: number;
  retainWrites: number;
  deleteWrites: number;
  sharedReads: number;
  deletedBackends: number;
  multiAttachRefused: number;
  forcedDetach: number;
}

interface Sim {
  seed: number;
  layout: Layout;
  world: World;
  store: ObjectStore;
  manager: ControllerManager;
  clock: SimClock;
  /** Every fact record (objects and events), deep-copied, in order. */
  facts: NewLogRecord[];
  /** A store kept up to date by folding new facts: the incremental replay. */
  replica: ObjectStore;
  replicated: number;
  violations: string[];
  /** Pod key -> phase in the last record of it. */
  podPhase: Map<string, string>;
  /** What exec wrote into which CSI volume (the invariants library's write tracker). */
  writes: WriteTracker;
  /** `driver\0handle` -> PV name, for every Delete-policy CSI PV ever stored. */
  deleteHandles: Map<string, string>;
  writeSeq: number;
  /** What the run reached (coverage). */
  seen: { retainWrites: number; deleteWrites: number; sharedReads: number; runningOnDownNode: boolean; forcedDetach: boolean };
}

const MAX_VIOLATIONS = 8;

function violate(sim: Sim, message: string): void {
  if (sim.violations.length < MAX_VIOLATIONS) sim.violations.push(message);
}

const key2 = (driver: string, handle: string) => `${driver}\u0000${handle}`;

function onRecord(sim: Sim, rec: NewLogRecord): void {
  // Scheduler choices and resyncs are not facts; the fold skips them.
  if (rec.stream === 'scheduler') return;
  const copy = structuredClone(rec);
  sim.facts.push(copy);
  const at = () => `record ${sim.facts.length} (${rec.type} ${rec.stream} at ${rec.time})`;
  if (rec.type.startsWith('VolumeAttachment') || rec.type.startsWith('CSIVolume')) {
    for (const p of attachSafety(sim.store)) violate(sim, `after ${at()}: ${p}`);
    if (rec.type === 'VolumeAttachmentUpdated') noteForcedDetach(sim, rec.data as VolumeAttachment);
  } else if (rec.type === 'PodCreated' || rec.type === 'PodUpdated') {
    const pod = rec.data as Pod;
    const key = rec.stream.slice('pod/'.length);
    const before = sim.podPhase.get(key);
    const phase = pod.status?.phase ?? 'Pending';
    sim.podPhase.set(key, phase);
    if (phase === 'Running' && before !== 'Running') {
      // The kubelet starts containers only on a live node, and only with every volume there.
      const node = pod.spec.nodeName ? sim.store.getNode(pod.spec.nodeName) : undefined;
      if (!node) violate(sim, `after ${at()}: pod ${key} became Running without a node (nodeName ${JSON.stringify(pod.spec.nodeName)})`);
      else if (isNodeDown(node)) violate(sim, `after ${at()}: pod ${key} became Running on ${pod.spec.nodeName}, which is down (${ANN_NODE_DOWN})`);
      else for (const p of [...podVolumeProblems(sim.store, pod), ...podExclusiveUse(sim.store, pod)]) violate(sim, `after ${at()}: pod ${key} became Running but ${p}`);
    }
  } else if (rec.type === 'PodDeleted') {
    sim.podPhase.delete(rec.stream.slice('pod/'.length));
  } else if (rec.type === 'PersistentVolumeCreated' || rec.type === 'PersistentVolumeUpdated') {
    const pv = rec.data as PersistentVolume;
    const csi = csiSourceOf(pv);
    if (csi && pv.spec.persistentVolumeReclaimPolicy === 'Delete') sim.deleteHandles.set(key2(csi.driver, csi.volumeHandle), pv.metadata.name);
  }
}

/** A VA being deleted while its node still reports the volume in use: the 6-minute forced detach (coverage). */
function noteForcedDetach(sim: Sim, va: VolumeAttachment): void {
  if (!va.metadata.deletionTimestamp) return;
  const node = sim.store.getNode(va.spec.nodeName);
  if (node && isNodeDown(node)) sim.seen.forcedDetach = true;
}

function createSim(seed: number, layout: Layout): Sim {
  const sim = {
    seed, layout, facts: [], replicated: 0, violations: [], podPhase: new Map(), writes: createWriteTracker(), deleteHandles: new Map(), writeSeq: 0,
    seen: { retainWrites: 0, deleteWrites: 0, sharedReads: 0, runningOnDownNode: false, forcedDetach: false },
  } as unknown as Sim;
  const record = (rec: NewLogRecord) => onRecord(sim, rec);
  // As Session builds it: the full cluster, everything random from the seed's streams.
  sim.world = createWorld({ seed, startMs: EPOCH_MS, cluster: 'full', record });
  sim.store = sim.world.store;
  sim.manager = sim.world.manager;
  sim.clock = sim.world.clock;
  sim.replica = new ObjectStore({ clock: new SimClock(EPOCH_MS), newUid: () => 'unused' });
  for (const cls of CLASSES) create(sim, cls);
  for (const n of LAYOUTS[layout]) {
    create(sim, { apiVersion: 'v1', kind: 'Node', metadata: { name: n.name, labels: { 'kubernetes.io/hostname': n.name, 'topology.kubernetes.io/zone': n.zone } } });
  }
  sim.world.settle();
  expectNone(sim, checkAfterSettle(sim), 'after creating the nodes and classes');
  return sim;
}

/** `pvsim apply` of a new object: defaults, last-applied, status reset, admission. */
function create(sim: Sim, object: Obj): void {
  const next = desiredForApply(undefined, object);
  sim.store.create(kindOf(object), admitCreate(prepareForCreate(next, sim.clock.iso()) as Obj, sim.store.listClasses()) as never);
}

/** A user command at the next simulated instant; refusals a user would see are not failures. */
function userAction(sim: Sim, fn: () => void): void {
  sim.clock.advance(COMMAND_GAP_MS);
  try {
    fn();
  } catch (e) {
    if (!(e instanceof ApiError) || (e.code !== 'NotFound' && e.code !== 'AlreadyExists')) throw e;
  }
}

// ------------------------------------------------------------------ invariants

function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x)
    ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
    : x));
}

/** (5) What a Running pod on a live node has: claims Bound, disk attached to its node, each volume mounted at its target. */
function podVolumeProblems(store: ObjectStore, pod: Pod): string[] {
  const out: string[] = [];
  const node = pod.spec.nodeName ?? '';
  for (const v of pod.spec.volumes ?? []) {
    const claimName = v.persistentVolumeClaim?.claimName;
    if (claimName === undefined) continue;
    const claim = store.getClaim(pod.metadata.namespace ?? NS, claimName);
    if (!claim) { out.push(`its claim ${claimName} does not exist`); continue; }
    if (phaseOf(claim) !== 'Bound') { out.push(`its claim ${claimName} is ${phaseOf(claim)}`); continue; }
    const pv = store.getVolume(claim.spec.volumeName ?? '');
    const csi = csiSourceOf(pv);
    if (!pv || !csi) { out.push(`its claim ${claimName} is Bound to ${claim.spec.volumeName}, which is ${pv ? 'not a CSI volume' : 'gone'}`); continue; }
    const cv = store.get('CSIVolume', csiVolumeObjectName(csi.driver, csi.volumeHandle)) as unknown as CsiVolumeObject | undefined;
    if (csi.driver === DISK) {
      const va = store.get('VolumeAttachment', volumeAttachmentName(csi.volumeHandle, csi.driver, node)) as unknown as VolumeAttachment | undefined;
      if (va?.status?.attached !== true) out.push(`disk ${pv.metadata.name} has no attached VolumeAttachment for ${node} (${va ? JSON.stringify(va.status) : 'none'})`);
      if (cv?.status?.publishedNodes?.[node] === undefined) out.push(`disk ${pv.metadata.name} is not ControllerPublished to ${node} (published to ${JSON.stringify(Object.keys(cv?.status?.publishedNodes ?? {}))})`);
    }
    const target = csiTargetPath(pod.metadata.uid ?? '', pv.metadata.name);
    const mounted = cv?.status?.published?.[target];
    if (mounted?.node !== node) out.push(`${pv.metadata.name} is not mounted at its target on ${node} (${mounted ? `published on ${mounted.node}` : 'not published'})`);
  }
  return out;
}

/** (5) After a settle: every Running pod on a live node has its volumes; a dead node's statuses stay as last reported. */
function podProblems(sim: Sim): string[] {
  const out: string[] = [];
  for (const pod of sim.store.listPods()) {
    const node = pod.spec.nodeName ? sim.store.getNode(pod.spec.nodeName) : undefined;
    if (pod.status?.phase === 'Running') {
      if (!node) { out.push(`pod ${namespacedKey(pod)} is Running without a node (${JSON.stringify(pod.spec.nodeName)})`); continue; }
      if (isNodeDown(node)) { sim.seen.runningOnDownNode = true; continue; }
      for (const p of podVolumeProblems(sim.store, pod)) out.push(`pod ${namespacedKey(pod)} is Running on ${pod.spec.nodeName} but ${p}`);
    }
    // A live kubelet finishes the unwind of a deleted pod within the settle.
    if (pod.metadata.deletionTimestamp && node && !isNodeDown(node)) out.push(`pod ${namespacedKey(pod)} is still Terminating on ${pod.spec.nodeName}, which is up (finalizers ${JSON.stringify(pod.metadata.finalizers)})`);
  }
  return out;
}

/** (4) Actors are in the phase their objects show. */
function actorProblems(store: ObjectStore): string[] {
  const out: string[] = [];
  for (const v of store.listVolumes()) {
    const s = store.actorState('PersistentVolume', v.metadata.name);
    if (s !== phaseOf(v)) out.push(`PV ${v.metadata.name}: actor in ${s}, object ${phaseOf(v)}`);
  }
  for (const c of store.listClaims()) {
    const key = `${c.metadata.namespace ?? NS}/${c.metadata.name}`;
    const s = store.actorState('PersistentVolumeClaim', key);
    if (s !== phaseOf(c)) out.push(`PVC ${key}: actor in ${s}, object ${phaseOf(c)}`);
  }
  for (const va of store.list('VolumeAttachment') as unknown as VolumeAttachment[]) {
    const s = store.actorState('VolumeAttachment', va.metadata.name);
    const want = attachmentPhase(va);
    if (s !== want) out.push(`VolumeAttachment ${va.metadata.name} (${va.spec.source.persistentVolumeName} on ${va.spec.nodeName}): actor in ${s}, object says ${want}`);
  }
  return out;
}

function sameObjects(a: ObjectStore, b: ObjectStore, what: string): string[] {
  const out: string[] = [];
  for (const kind of REPLAYED_KINDS) {
    const x = a.list(kind);
    const y = b.list(kind);
    if (canonical(x) === canonical(y)) continue;
    const names = (l: AnyObject[]) => new Map(l.map((o) => [o.metadata.name, canonical(o)]));
    const [mx, my] = [names(x), names(y)];
    const diff = [...new Set([...mx.keys(), ...my.keys()])].filter((n) => mx.get(n) !== my.get(n)).sort();
    out.push(`${what}: ${kind} differ (${diff.join(', ')})`);
  }
  return out;
}

/** (4) The recorded facts, folded, give the live objects. */
function replayProblems(sim: Sim): string[] {
  foldRecords(sim.replica, sim.facts.slice(sim.replicated));
  sim.replicated = sim.facts.length;
  return sameObjects(sim.replica, sim.store, 'the incremental fold of the log');
}

function checkAfterSettle(sim: Sim): string[] {
  return [...sim.violations, ...checkAll(sim.store, { phase: 'converged' }), ...podProblems(sim), ...actorProblems(sim.store), ...replayProblems(sim)];
}

/** (2), (3) and quiescence, once every pod and claim is gone and the cluster is quiet. */
function endProblems(sim: Sim): string[] {
  const out: string[] = [];
  const { store } = sim;
  for (const kind of ['Pod', 'PersistentVolumeClaim', 'VolumeAttachment', 'Deployment'] as const) {
    const left = store.list(kind).map((o) => `${o.metadata.name}${o.metadata['deletionTimestamp'] ? ` (Terminating, finalizers ${JSON.stringify(o.metadata['finalizers'])})` : ''}`);
    if (left.length > 0) out.push(`${kind}s left after deleting everything: ${left.join(', ')}`);
  }
  // (2) No backend volume without a PV, no CSI volume's files without their backend volume.
  out.push(...backendLeaks(store));
  const volumes = store.listVolumes();
  for (const cv of store.list('CSIVolume') as unknown as CsiVolumeObject[]) {
    const st = cv.status ?? {};
    if (Object.keys(st.publishedNodes ?? {}).length + Object.keys(st.staged ?? {}).length + Object.keys(st.published ?? {}).length > 0) {
      out.push(`backend volume ${cv.metadata.name} is still in use with no pod left: ${JSON.stringify(st)}`);
    }
  }
  for (const fs of store.list('Filesystem')) {
    if (/^(emptydir|container)\./.test(fs.metadata.name)) out.push(`Filesystem ${fs.metadata.name} outlived its pod`);
  }
  for (const v of volumes) {
    if (v.spec.persistentVolumeReclaimPolicy === 'Delete') out.push(`Delete-policy PV ${v.metadata.name} is still there (${phaseOf(v)}, finalizers ${JSON.stringify(v.metadata.finalizers)}) although its claim was deleted`);
  }
  for (const [k, pvName] of sim.deleteHandles) {
    const [driver, handle] = k.split('\u0000') as [string, string];
    if (store.get('CSIVolume', csiVolumeObjectName(driver, handle))) out.push(`backend volume ${handle} of Delete-policy PV ${pvName} was not deleted`);
    if (store.get('Filesystem', csiFilesystemName(driver, handle))) out.push(`the files of Delete-policy PV ${pvName} (${handle}) were not deleted`);
  }
  // (3) Nothing written to a Retain volume is lost.
  out.push(...sim.writes.check(store));
  const fresh = new ObjectStore({ clock: new SimClock(EPOCH_MS), newUid: () => 'unused' });
  foldRecords(fresh, sim.facts);
  out.push(...sameObjects(fresh, store, 'a fresh fold of the whole log'));
  return out;
}

function expectNone(sim: Sim, problems: string[], when: string): void {
  if (problems.length > 0) throw new Error(`seed ${sim.seed}, layout ${sim.layout}, ${when}:\n  ${[...new Set(problems)].join('\n  ')}`);
}

// ------------------------------------------------------------------ commands

type Model = Record<string, never>;
type Cmd = fc.Command<Model, Sim>;

abstract class UserCmd implements Cmd {
  check(): boolean { return true; }
  abstract run(m: Model, sim: Sim): void;
  abstract toString(): string;
}

function claimObject(name: string, modes: string[], storageClassName: string, volumeName?: string): Obj {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: NS },
    spec: { accessModes: modes, storageClassName, resources: { requests: { storage: '1Gi' } }, ...(volumeName ? { volumeName } : {}) },
  };
}

class CreateClaim extends UserCmd {
  constructor(readonly driver: 'nas' | 'disk', readonly index: number, readonly reclaim: Reclaim, readonly wffc: boolean, readonly rwop: boolean) { super(); }
  get name(): string { return (this.driver === 'nas' ? NAS_CLAIMS : DISK_CLAIMS)[this.index]!; }
  run(_m: Model, sim: Sim) {
    const modes = this.driver === 'nas' ? ['ReadWriteMany'] : [this.rwop ? 'ReadWriteOncePod' : 'ReadWriteOnce'];
    const cls = className(this.driver, this.reclaim, this.driver === 'disk' && this.wffc);
    userAction(sim, () => create(sim, claimObject(this.name, modes, cls)));
  }
  toString() {
    return `CreateClaim(${this.name} ${className(this.driver, this.reclaim, this.driver === 'disk' && this.wffc)}${this.driver === 'disk' && this.rwop ? ' RWOP' : ''})`;
  }
}

/** An administrator's NAS share as a static csi PV (Retain), pre-bound to its claim, and the claim. */
class CreateStatic extends UserCmd {
  constructor(readonly index: number) { super(); }
  run(_m: Model, sim: Sim) {
    const name = STATIC_CLAIMS[this.index]!;
    userAction(sim, () => create(sim, {
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
      spec: {
        capacity: { storage: '1Gi' }, accessModes: ['ReadWriteMany'], persistentVolumeReclaimPolicy: 'Retain', storageClassName: '',
        claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: NS, name },
        csi: { driver: NAS, volumeHandle: `share-${this.index}`, volumeAttributes: { server: 'nas.example.internal', path: `/share-${this.index}` } },
      },
    }));
    userAction(sim, () => create(sim, claimObject(name, ['ReadWriteMany'], '', name)));
  }
  toString() { return `CreateStatic(${STATIC_CLAIMS[this.index]} share-${this.index})`; }
}

function containerSpec(claims: readonly string[]): { containers: unknown[]; volumes: unknown[] } {
  return {
    containers: [{ name: 'app', image: 'busybox', volumeMounts: claims.map((_c, i) => ({ name: `v${i}`, mountPath: `/data${i}` })) }],
    volumes: claims.map((c, i) => ({ name: `v${i}`, persistentVolumeClaim: { claimName: c } })),
  };
}

/**
 * The claims a new pod or Deployment uses: picks into the claims that exist now (by name; a
 * Deployment only RWX ones), so that most workloads find storage; a pool name when none exists.
 */
function pickClaims(sim: Sim, picks: readonly number[], rwxOnly: boolean): string[] {
  const live = sim.store.listClaims()
    .filter((c) => !rwxOnly || (c.spec.accessModes ?? []).includes('ReadWriteMany'))
    .map((c) => c.metadata.name);
  const pool = live.length > 0 ? live : rwxOnly ? RWX_CLAIMS : ALL_CLAIMS;
  return [...new Set(picks.map((i) => pool[i % pool.length]!))];
}

class CreatePod extends UserCmd {
  private last: string[] = [];
  constructor(readonly index: number, readonly picks: readonly number[], readonly node: string | null) { super(); }
  run(_m: Model, sim: Sim) {
    const name = POD_NAMES[this.index]!;
    const claims = pickClaims(sim, this.picks, false);
    this.last = claims;
    userAction(sim, () => create(sim, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: NS, labels: { app: name } },
      spec: { ...containerSpec(claims), ...(this.node ? { nodeSelector: { 'kubernetes.io/hostname': this.node } } : {}) },
    }));
  }
  toString() { return `CreatePod(${POD_NAMES[this.index]} claims#${this.picks.join('+')}${this.last.length ? ` = ${this.last.join('+')}` : ''}${this.node ? ` on ${this.node}` : ''})`; }
}

class CreateDeployment extends UserCmd {
  private last = '';
  constructor(readonly index: number, readonly replicas: number, readonly pick: number, readonly spread: boolean) { super(); }
  run(_m: Model, sim: Sim) {
    const name = DEPLOYMENT_NAMES[this.index]!;
    const labels = { app: name };
    const claim = pickClaims(sim, [this.pick], true)[0]!;
    this.last = claim;
    const affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: labels }, topologyKey: 'kubernetes.io/hostname' }] } };
    userAction(sim, () => create(sim, {
      apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NS },
      spec: {
        replicas: this.replicas, selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { ...containerSpec([claim]), ...(this.spread ? { affinity } : {}) } },
      },
    }));
  }
  toString() { return `CreateDeployment(${DEPLOYMENT_NAMES[this.index]} x${this.replicas} claim#${this.pick}${this.last ? ` = ${this.last}` : ''}${this.spread ? ' anti-affinity' : ''})`; }
}

/** Deletes the `index`-th pod (by name) that exists, a Deployment's pods included. */
class DeletePod extends UserCmd {
  private last = '';
  constructor(readonly index: number) { super(); }
  run(_m: Model, sim: Sim) {
    const pods = sim.store.listPods().filter((p) => !p.metadata.deletionTimestamp);
    this.last = '';
    if (pods.length === 0) return;
    const pod = pods[this.index % pods.length]!;
    this.last = pod.metadata.name;
    userAction(sim, () => sim.store.delete('Pod', namespacedKey(pod)));
  }
  toString() { return `DeletePod(#${this.index}${this.last ? ` = ${this.last}` : ''})`; }
}

/**
 * What a user does when a pod's node is lost: deletes the `index`-th pod that is on a node (those
 * on a down node first) and creates a pod with the same claims (a free name of the pool) pinned to
 * the other node.
 */
class MovePod extends UserCmd {
  private last = '';
  constructor(readonly index: number) { super(); }
  run(_m: Model, sim: Sim) {
    this.last = '';
    // Pods on a lost node first: those are the ones a user moves.
    const down = (p: Pod) => (isNodeDown(sim.store.getNode(p.spec.nodeName!)!) ? 0 : 1);
    const placed = sim.store.listPods().filter((p) => !p.metadata.deletionTimestamp && !!p.spec.nodeName).sort((a, b) => down(a) - down(b));
    const free = POD_NAMES.filter((n) => !sim.store.get('Pod', `${NS}/${n}`));
    if (placed.length === 0 || free.length === 0) return;
    const pod = placed[this.index % placed.length]!;
    const claims = (pod.spec.volumes ?? []).map((v) => v.persistentVolumeClaim?.claimName).filter((c): c is string => c !== undefined);
    const to = NODE_NAMES.find((n) => n !== pod.spec.nodeName)!;
    this.last = `${pod.metadata.name} -> ${free[0]} on ${to}`;
    userAction(sim, () => sim.store.delete('Pod', namespacedKey(pod)));
    userAction(sim, () => create(sim, {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: free[0]!, namespace: NS, labels: { app: free[0]! } },
      spec: { ...containerSpec(claims), nodeSelector: { 'kubernetes.io/hostname': to } },
    }));
  }
  toString() { return `MovePod(#${this.index}${this.last ? ` = ${this.last}` : ''})`; }
}

class DeleteClaim extends UserCmd {
  constructor(readonly name: string) { super(); }
  run(_m: Model, sim: Sim) { userAction(sim, () => sim.store.delete('PersistentVolumeClaim', `${NS}/${this.name}`)); }
  toString() { return `DeleteClaim(${this.name})`; }
}

/** `pvsim node down|up`: the kubelet stops (resumes) posting status; no settle here. */
function setNodeDown(sim: Sim, name: string, down: boolean): void {
  const live = sim.store.get('Node', name)!;
  const annotations = { ...((live.metadata['annotations'] as Record<string, string> | undefined) ?? {}) };
  if (down === (annotations[ANN_NODE_DOWN] === 'true')) return;
  if (down) annotations[ANN_NODE_DOWN] = 'true'; else delete annotations[ANN_NODE_DOWN];
  sim.store.update('Node', { ...live, metadata: { ...live.metadata, annotations } } as never);
}

class NodeState extends UserCmd {
  constructor(readonly node: string, readonly down: boolean) { super(); }
  run(_m: Model, sim: Sim) { userAction(sim, () => setNodeDown(sim, this.node, this.down)); }
  toString() { return `Node${this.down ? 'Down' : 'Up'}(${this.node})`; }
}

/**
 * `pvsim exec POD -- write /dataN/FILE TEXT` into the `index`-th Running pod on a live node.
 * A write that succeeds must have gone to the pod's CSI volume (not the container's layer), and
 * every other running pod that mounts the volume must read it back.
 */
class WriteFile extends UserCmd {
  private last = '';
  constructor(readonly index: number, readonly volume: number, readonly file: string) { super(); }
  run(_m: Model, sim: Sim) {
    this.last = '';
    const pods = sim.store.listPods().filter((p) => p.status?.phase === 'Running' && !!p.spec.nodeName && !isNodeDown(sim.store.getNode(p.spec.nodeName)!));
    if (pods.length === 0) return;
    const pod = pods[this.index % pods.length]!;
    const volumes = pod.spec.volumes ?? [];
    const vi = this.volume % volumes.length;
    const path = `/data${vi}/${this.file}`;
    const text = `w${++sim.writeSeq}-${sim.seed}`;
    this.last = `${pod.metadata.name}:${path}`;
    sim.clock.advance(COMMAND_GAP_MS);
    let exitCode: number;
    try {
      exitCode = execInContainer(sim.store, pod, undefined, ['write', path, text]).exitCode;
    } catch (e) {
      if (e instanceof ExecError) return; // kubectl refused (container not running, node unreachable)
      throw e;
    }
    const mount = containerMounts(sim.store, pod, containersOf(pod)[0]!).find((m) => m.target === `/data${vi}`);
    const claim = sim.store.getClaim(NS, volumes[vi]!.persistentVolumeClaim!.claimName);
    const pv = sim.store.getVolume(claim?.spec.volumeName ?? '');
    const csi = csiSourceOf(pv);
    if (exitCode !== 0) {
      violate(sim, `exec write ${path} in Running pod ${pod.metadata.name} on ${pod.spec.nodeName} failed with exit code ${exitCode}`);
      return;
    }
    if (!pv || !csi || mount?.filesystem !== csiFilesystemName(csi.driver, csi.volumeHandle)) {
      violate(sim, `exec write ${path} in Running pod ${pod.metadata.name} on ${pod.spec.nodeName} went to ${mount?.filesystem ?? 'the container layer'}, not to the claim's volume ${pv?.metadata.name ?? '(none)'}`);
      return;
    }
    // Every other running pod that mounts the same volume reads what was written (shared storage).
    for (const other of pods) {
      if (other === pod) continue;
      (other.spec.volumes ?? []).forEach((v, j) => {
        if (sim.store.getClaim(NS, v.persistentVolumeClaim?.claimName ?? '')?.spec.volumeName !== pv.metadata.name) return;
        let out: string;
        try {
          out = execInContainer(sim.store, other, undefined, ['cat', `/data${j}/${this.file}`]).stdout;
        } catch (e) {
          if (e instanceof ExecError) return;
          throw e;
        }
        sim.seen.sharedReads++;
        if (out !== `${text}\n`) violate(sim, `pod ${other.metadata.name} on ${other.spec.nodeName} reads ${JSON.stringify(out)} from /data${j}/${this.file} (volume ${pv.metadata.name}); pod ${pod.metadata.name} on ${pod.spec.nodeName} just wrote ${JSON.stringify(text)}`);
      });
    }
    sim.writes.noteWrite(pv, `/${this.file}`, `${text}\n`);
    if (pv.spec.persistentVolumeReclaimPolicy === 'Retain') sim.seen.retainWrites++; else sim.seen.deleteWrites++;
  }
  toString() { return `Write(#${this.index} /data${this.volume}/${this.file}${this.last ? ` = ${this.last}` : ''})`; }
}

/**
 * A command given with `--wait` (the CLI's default): the controllers settle right after it, and
 * the invariants are checked. Without it, the next command lands while work is still queued.
 */
class Waited implements Cmd {
  constructor(readonly inner: Cmd) {}
  check(m: Readonly<Model>): boolean { return this.inner.check(m); }
  run(m: Model, sim: Sim) {
    this.inner.run(m, sim);
    sim.world.settle();
    expectNone(sim, checkAfterSettle(sim), `after ${this.inner.toString()} --wait`);
  }
  toString() { return `${this.inner.toString()} --wait`; }
}

/** Two times in three a command waits, as `pvsim` does unless told `--wait false`. */
const waited = (arb: fc.Arbitrary<Cmd>): fc.Arbitrary<Cmd> => fc.tuple(arb, fc.nat(2)).map(([c, w]) => (w > 0 ? new Waited(c) : c));

class Settle extends UserCmd {
  run(_m: Model, sim: Sim) {
    sim.world.settle();
    expectNone(sim, checkAfterSettle(sim), 'after Settle');
  }
  toString() { return 'Settle'; }
}

class Advance extends UserCmd {
  constructor(readonly ms: number) { super(); }
  run(_m: Model, sim: Sim) {
    sim.world.runUntil(() => false, this.ms);
    expectNone(sim, checkAfterSettle(sim), `after Advance(${this.ms / 1000}s)`);
  }
  toString() { return `Advance(${this.ms / 1000}s)`; }
}

// Picks of the claims a pod uses: mostly one, sometimes two.
const podClaimsArb = fc.oneof({ weight: 3, arbitrary: fc.tuple(fc.nat(5)) }, { weight: 1, arbitrary: fc.tuple(fc.nat(5), fc.nat(5)) });

const createClaimArb = waited(fc.tuple(fc.constantFrom('nas' as const, 'disk' as const), fc.nat(1), fc.constantFrom<Reclaim>('Delete', 'Retain'), fc.boolean(), fc.nat(4))
  .map(([d, i, r, w, rwop]): Cmd => new CreateClaim(d, i, r, w, rwop === 0)));
const createPodArb = waited(fc.tuple(fc.nat(POD_NAMES.length - 1), podClaimsArb, fc.constantFrom(null, null, ...NODE_NAMES))
  .map(([i, claims, node]): Cmd => new CreatePod(i, claims, node)));
const writeArb = fc.tuple(fc.nat(5), fc.nat(1), fc.constantFrom(...FILES)).map(([i, v, f]): Cmd => new WriteFile(i, v, f));
const settleArb = fc.constant<Cmd>(new Settle());
const movePodArb = waited(fc.nat(5).map((i): Cmd => new MovePod(i)));
const nodeArb = waited(fc.tuple(fc.constantFrom(...NODE_NAMES), fc.boolean()).map(([n, down]): Cmd => new NodeState(n, down)));

/** fc.commands picks among its arbitraries uniformly: the frequent ones are listed more than once. */
const commandArbs: fc.Arbitrary<Cmd>[] = [
  createClaimArb, createClaimArb, createClaimArb,
  waited(fc.nat(1).map((i): Cmd => new CreateStatic(i))),
  createPodArb, createPodArb, createPodArb,
  waited(fc.tuple(fc.nat(1), fc.integer({ min: 1, max: 2 }), fc.nat(3), fc.boolean())
    .map(([i, n, c, s]): Cmd => new CreateDeployment(i, n, c, s))),
  waited(fc.nat(5).map((i): Cmd => new DeletePod(i))),
  movePodArb, movePodArb,
  waited(fc.constantFrom(...ALL_CLAIMS).map((c): Cmd => new DeleteClaim(c))),
  nodeArb, nodeArb,
  writeArb, writeArb, writeArb,
  settleArb,
  fc.constantFrom(5_000, 60_000, 400_000).map((ms): Cmd => new Advance(ms)),
];

const MAX_COMMANDS = 25;
const commandsArb = (replayPath?: string) => fc.commands(commandArbs, { maxCommands: MAX_COMMANDS, size: 'max', ...(replayPath ? { replayPath } : {}) });

/** The end of every run: nodes back, everything the user made deleted, quiet; then (2), (3), (4). */
function finish(sim: Sim): void {
  for (const n of NODE_NAMES) userAction(sim, () => setNodeDown(sim, n, false));
  sim.world.settle({ untilQuiet: true });
  expectNone(sim, checkAfterSettle(sim), 'after every node came back (settled until quiet)');
  userAction(sim, () => { for (const d of sim.store.list('Deployment')) sim.store.delete('Deployment', `${NS}/${d.metadata.name}`); });
  userAction(sim, () => { for (const p of sim.store.listPods()) sim.store.delete('Pod', namespacedKey(p)); });
  userAction(sim, () => { for (const c of sim.store.listClaims()) sim.store.delete('PersistentVolumeClaim', `${NS}/${c.metadata.name}`); });
  sim.world.settle({ untilQuiet: true });
  expectNone(sim, checkAfterSettle(sim), 'after deleting every workload, pod and claim (settled until quiet)');
  expectNone(sim, endProblems(sim), 'at quiescence');
}

function emptyCoverage(): Coverage {
  return { runs: 0, runningPods: 0, diskAttached: 0, runningOnDownNode: 0, retainWrites: 0, deleteWrites: 0, sharedReads: 0, deletedBackends: 0, multiAttachRefused: 0, forcedDetach: 0 };
}

function addCoverage(coverage: Coverage, sim: Sim): void {
  coverage.runs++;
  const types = (t: string) => sim.facts.filter((r) => r.type === t);
  if (types('PodUpdated').some((r) => (r.data as Pod).status?.phase === 'Running')) coverage.runningPods++;
  if (types('VolumeAttachmentUpdated').some((r) => (r.data as VolumeAttachment).status?.attached === true)) coverage.diskAttached++;
  if (sim.seen.runningOnDownNode) coverage.runningOnDownNode++;
  if (sim.seen.retainWrites > 0) coverage.retainWrites++;
  if (sim.seen.deleteWrites > 0) coverage.deleteWrites++;
  if (sim.seen.sharedReads > 0) coverage.sharedReads++;
  if (types('CSIVolumeDeleted').length > 0) coverage.deletedBackends++;
  if (sim.store.events().some((e) => e.reason === 'FailedAttachVolume' && e.message.startsWith('Multi-Attach error'))) coverage.multiAttachRefused++;
  if (sim.seen.forcedDetach) coverage.forcedDetach++;
}

function runCommands(seed: number, layout: Layout, cmds: Iterable<Cmd>): Sim {
  const sim = createSim(seed, layout);
  fc.modelRun(() => ({ model: {}, real: sim }), cmds);
  finish(sim);
  return sim;
}

const seedArb = fc.integer({ min: 0, max: 0x7fffffff });
const layoutArb = fc.constantFrom<Layout>('zones', 'one-zone');
const property = (replayPath?: string) => fc.property(seedArb, layoutArb, commandsArb(replayPath), (seed, layout, cmds) => { runCommands(seed, layout, cmds); });

const NUM_RUNS = Number(process.env['PVSIM_PROPERTY_RUNS'] ?? 100);

test('the whole cluster keeps its storage guarantees under pods, node loss, writes and deletions', () => {
  // PVSIM_PROPERTY_SEED, _PATH and _REPLAY replay a reported failure (seed, path, replayPath).
  const seed = process.env['PVSIM_PROPERTY_SEED'];
  const path = process.env['PVSIM_PROPERTY_PATH'];
  fc.assert(property(process.env['PVSIM_PROPERTY_REPLAY']), {
    numRuns: NUM_RUNS, includeErrorInReport: true,
    ...(seed !== undefined ? { seed: Number(seed) } : {}), ...(path !== undefined ? { path, endOnFailure: true } : {}),
  });
});

/**
 * Failures this property found, pinned with fast-check's { seed, path } and the commands'
 * replayPath, so that each replays exactly its shrunk counterexample.
 */
const REGRESSIONS: { name: string; seed: number; path: string; replayPath: string; counterexample: string }[] = [
  // The kubelet took the node's Ready condition for its own liveness. The condition lags the
  // node's death (the node lifecycle controller writes it), so in between a dead kubelet admitted,
  // mounted and started a pod that the scheduler had just bound to the lost node. From the CLI:
  // `pvsim apply --wait false -f pod.yaml; pvsim node down node-b` (e.g. --seed 3). Fixed in
  // kubelet.ts: `nodeUp()` also requires that the node is not down.
  {
    name: 'a pod never starts on a node that is down (the kubelet does not act before Ready turns Unknown)',
    seed: 785137812,
    path: '97:1:2:6:0:15:1:3:2:4:4:5:5:5:9',
    replayPath: 'GCY:F',
    counterexample: 'CreateClaim(nas-0 nas-delete) --wait,CreatePod(pod-0 claims#0 = nas-0 on node-b),NodeDown(node-b) --wait',
  },
];

for (const r of REGRESSIONS) {
  test(`regression (fast-check seed ${r.seed}): ${r.name}`, () => {
    const shown: string[] = [];
    fc.assert(fc.property(seedArb, layoutArb, commandsArb(r.replayPath), (seed, layout, cmds) => {
      runCommands(seed, layout, cmds);
      shown.push(String(cmds));
    }), { seed: r.seed, path: r.path, endOnFailure: true, includeErrorInReport: true });
    // The pin still points at the counterexample it was made for (the generator is unchanged).
    assert.ok(shown.some((c) => c.startsWith(r.counterexample)), `the pinned path now replays ${shown.join(' | ')}`);
  });
}

test('regression, spelled out: a pod bound to a node that has just gone down stays unstarted, whatever the order of work', () => {
  // Independent of the generator's encoding: the same three commands under twenty schedules.
  // Before the fix, the kubelet started the pod on the lost node in several of them.
  let boundToLostNode = 0;
  for (let seed = 0; seed < 20; seed++) {
    const sim = createSim(seed, 'zones');
    fc.modelRun(() => ({ model: {}, real: sim }), [
      new Waited(new CreateClaim('nas', 0, 'Delete', false, false)),
      new CreatePod(0, [0], 'node-b'),
      new Waited(new NodeState('node-b', true)),
    ]);
    // The scheduler bound the pod before the node lifecycle controller marked node-b: the race.
    if ((sim.store.get('Pod', `${NS}/pod-0`) as unknown as Pod).spec.nodeName === 'node-b') boundToLostNode++;
    finish(sim);
  }
  assert.ok(boundToLostNode > 0, 'no schedule bound the pod to node-b before the node lifecycle controller saw it down');
});

test('the generator reaches what the invariants are about', () => {
  // A fixed sample of runs; if the generator drifted so that these stopped happening, the
  // property above would pass while proving little.
  const seen = emptyCoverage();
  const runs = 100;
  for (const [seed, layout, cmds] of fc.sample(fc.tuple(seedArb, layoutArb, commandsArb()), { numRuns: runs, seed: 42 })) {
    addCoverage(seen, runCommands(seed, layout, cmds));
  }
  // Forced detaches (a node lost half-way through an unwind, then 6 minutes) stay rare; a
  // Multi-Attach refusal needs a disk pod moved within one zone, about one run in twenty-five.
  const { forcedDetach: _rare, multiAttachRefused, ...common } = seen;
  assert.ok(multiAttachRefused >= 2, `only ${multiAttachRefused} of ${runs} runs reached a Multi-Attach refusal: ${JSON.stringify(seen)}`);
  for (const [what, n] of Object.entries(common)) assert.ok(n >= 10, `only ${n} of ${runs} runs reached ${what}: ${JSON.stringify(seen)}`);
});

test.run();
