/**
 * Design: one kubelet per node (spec §11; K/pkg/kubelet/volumemanager, K/pkg/volume/csi). A pod
 * bound to the node is admitted (finalizer `pvsim.dev/kubelet`, so a deleted pod stays
 * Terminating while its volumes unmount), shown as ContainerCreating, and started once every
 * volume is mounted: a claim must be Bound; an attachable CSI volume is first reported in
 * `node.status.volumesInUse`, then waits for its VolumeAttachment, then NodeStageVolume (once per
 * volume per node, when the driver stages) and NodePublishVolume per pod; emptyDir, hostPath,
 * configMap, secret and projected volumes are set up from the store. Deletion unwinds in strict
 * reverse: containers stop, NodeUnpublishVolume, NodeUnstageVolume once no pod on the node wants
 * the volume, the volume leaves volumesInUse (only then may the AD controller detach), emptyDir
 * data is deleted, hostPath data stays on the node, and the finalizer goes.
 *
 * The kubelet keeps its own actual state of the world (kubeletDecisions.ts): what it staged and
 * published, learnt from its own CSI calls returning, and the emptyDirs it set up; it is saved
 * with the rest of its memory. A fresh instance (a crash, or a CLI process that folded the log)
 * rebuilds it once from what it can observe on its node, as the real kubelet reconstructs its
 * volumes from the node's mounts (kubeletReconstruct.ts), and carries on where the last one
 * stopped. The decisions — what to mount, unpublish, unstage, report in use — are pure functions
 * of the pod, the node's pods and the actual state (kubeletDecisions.ts); this class is the wiring
 * that reads the cluster, makes the calls and writes the results. What it still reads of
 * Filesystem objects is content, not mount state: the node's disk for hostPath type checks, a
 * volume's tree for subPath directories, and container layers, which belong to the container
 * runtime (`exec.ts` writes them). A node
 * that is down (`pvsim.dev/node-down`), or whose Ready condition is not True, has a dead kubelet:
 * nothing happens on it, and the pod statuses stay as last reported. Retries of failed mounts
 * happen at the next resync.
 */
import {
  SIM_API_VERSION, CsiError, csiVolumeObjectName, markNodeResizeFailed, markResizeFinished, needsNodeResize, parseQuantity, quantityToBytes, csiAccessMode, csiLatencyMs, csiSourceOf, emptyFs, withFinalizer, isDir, isFile, mkdirp, KUBELET_FINALIZER, claimNameOf,
  containerFilesystemName, containersOf, csiTargetPath, emptyDirFilesystemName, initContainersOf, isAttachable, isKubeletAlive, isNodeReady,
  formatQuantity, jsonEqual, nodeFilesystemName, subPathFilesystemName, usedBytes, uniqueVolumeName, type CsiDriverAttachSpec, type CsiDriverPort, type CsiPersistentVolumeSource, type FsState, type NodeCapability, type PersistentVolume,
  type Pod, type PodVolume, type VolumeCapability, type ContainerSpec, type ContainerStatus, type CsiCall, type FilesystemObject,
  type VolumeAttachment,
} from '@pvsim/domain';
import { ReadSet, type AnyObject, type Client, type ReadSources, type SimClock, type WatchEvent } from '@pvsim/runtime';
import { containerMounts, generatedVolumeFiles, viewOf, type PublishedLookup } from './exec.ts';
import {
  forgetEmptyDir, hasEmptyDir, hostPathSetUp, markEmptyDir, markPublished, markStaged, markUnpublished, markUnstaged,
  missingSource, orphanedEmptyDirs, orphanedTargets, parseActualState, planCsiMount, podReleasesVolumes, podTargetsToUnpublish,
  podWork, publishedAt, volumesToUnstage, wantedKey, canonicalActualState,
  type KubeletActualState, type PublishedVolume,
} from './kubeletDecisions.ts';
import { reconstructActualState } from './kubeletReconstruct.ts';
import {
  LatencyGate, StateVersion, TrackedMap, TrackedSet, boundVolumeOf, nodeIndex, jsonCopy, podKey, record, sha256Hex, sortedArray, sortedRecord, stateObject, stringArray, volumeAttachmentName,
  type Controller, type LatencyGateState, type WorkQueue,
} from '@pvsim/component';

/** NodeStageVolume target: K/pkg/volume/csi/csi_attacher.go `MakeDeviceMountPath`. */
export function csiStagingPath(driver: string, volumeHandle: string): string {
  return `/var/lib/kubelet/plugins/kubernetes.io/csi/${driver}/${sha256Hex(volumeHandle)}/globalmount`;
}

/** How long a failed NodeExpandVolume waits before the next try (the volume manager's backoff, simplified). */
export const NODE_EXPAND_RETRY_MS = 10_000;

/** `podAttachAndMountTimeout` of the kubelet's volume manager (2 min 3 s). */
export const POD_ATTACH_AND_MOUNT_TIMEOUT_MS = 123_000;

export interface KubeletOptions {
  /** Simulated time: status timestamps and the FailedMount timeout need it. */
  clock: SimClock;
  /** Every CSI call made, in order (tests). */
  csiCalls?: CsiCall[];
  /** Where the world keeps the kubelets' proofs of housekeeping passes that did nothing (absent: every pass runs). */
  housekeepingProofs?: HousekeepingProofs;
}

/** A housekeeping pass of a node's kubelet that did nothing: what it read, and from which actual state. */
interface HousekeepingProof {
  /** Every object the pass was handed, by key or by index bucket, by the informer cache and (through the drivers) the API server. */
  reads: ReadSet;
  actual: KubeletActualState;
  /** The API server's change count when the reads last held (were recorded or checked): until it moves they hold without asking. */
  heldAt: number;
}

/** What the world lends the proofs: its readers, while it vouches for them, and a way to record a pass's reads. */
export interface HousekeepingProofWorld {
  /**
   * The readers a pass reads through (the API server and the informer cache), or undefined when
   * the world cannot vouch that a pass reads nothing else: lagging informers, a user's CSI
   * driver module (its memory is not the store's), a step whose reads are being tracked.
   */
  sources(): ReadSources | undefined;
  /** Runs `pass` with every read of the API server and the informer caches told to `reads`. */
  recording(reads: ReadSet, pass: () => void): void;
  /** A count of every change of the API server's objects (events included): a pass that moved it wrote something. */
  changes(): number;
}

/**
 * Proofs that a kubelet's housekeeping pass would do nothing, so it is skipped (a replay's every
 * new world starts 25 kubelets whose first pass, and every resync's, mostly find nothing to do).
 *
 * A pass that wrote nothing, unpublished, unstaged and removed nothing, and so made no CSI call
 * but NodeGetInfo (which reads the Node and changes nothing) and asked no latency gate, read
 * only objects (through the informer cache and the drivers, both the API server's objects
 * when informers do not lag) and the kubelet's actual state; it read no clock and drew nothing.
 * The same pass with the same objects and the same actual state does nothing again. So each
 * such pass is recorded with its exact reads (ReadSet.ts: every object handed out by key or by
 * index bucket — the node, its CSINode, its pods and their claims and volumes, the CSIDrivers,
 * its backend volumes and Filesystems, the pods of the uids it looked up), and a later pass of
 * that node's kubelet is skipped when every one of those reads gives the very same object again
 * and the actual state is the same: a write anywhere else in the cluster — another node's pod,
 * an event, a claim no pod here uses — no longer makes the pass run again.
 *
 * A fresh kubelet (its actual state not rebuilt yet) can only rely on a pass of a fresh kubelet,
 * whose reads include the reconstruction's, and takes that pass's reconstruction (what its own
 * would have rebuilt from the same objects); a kubelet with an actual state relies on either,
 * when its actual state equals the proof's. So a node keeps one proof of each. When the world
 * cannot vouch for its readers (`sources()` undefined) every pass runs and none is recorded.
 */
export class HousekeepingProofs {
  private byNode = new Map<string, { fresh?: HousekeepingProof; warm?: HousekeepingProof }>();
  /** Passes skipped so far (tests, benchmarks). */
  skipped = 0;
  constructor(readonly world: HousekeepingProofWorld) {}

  /** The node's proof for a fresh kubelet, and the one for a kubelet that has its actual state. */
  get(node: string): { fresh?: HousekeepingProof; warm?: HousekeepingProof } | undefined { return this.byNode.get(node); }

  /** Keeps `proof` as the node's latest proof of its kind (`fresh`: made by a fresh kubelet). */
  set(node: string, fresh: boolean, proof: HousekeepingProof): void {
    const slot = this.byNode.get(node) ?? {};
    if (fresh) slot.fresh = proof; else slot.warm = proof;
    this.byNode.set(node, slot);
  }

  /** Forgets every proof (a world restored in place starts with none, as a new world does). */
  clear(): void {
    this.byNode = new Map();
  }

  /** Takes over `other`'s proofs (a world continuing another over the same API server, with the same drivers); `other` keeps none. */
  adopt(other: HousekeepingProofs): void {
    this.byNode = other.byNode;
    other.byNode = new Map();
  }
}

type MountOutcome = { state: 'mounted' } | { state: 'waiting' } | { state: 'failed'; message: string };
const MOUNTED: MountOutcome = { state: 'mounted' };
const WAITING: MountOutcome = { state: 'waiting' };

interface PodCondition { type: string; status: string; lastTransitionTime?: string; reason?: string; message?: string; [k: string]: unknown }
type PodStatus = NonNullable<Pod['status']>;

function statusesOf(pod: Pod, field: 'containerStatuses' | 'initContainerStatuses' = 'containerStatuses'): ContainerStatus[] {
  return (pod.status?.[field] as ContainerStatus[] | undefined) ?? [];
}

/** Every container of the pod reports running. */
function allRunning(pod: Pod): boolean {
  const statuses = statusesOf(pod);
  return containersOf(pod).every((c) => statuses.find((s) => s.name === c.name)?.state?.running !== undefined);
}

/** The pod's condition list with `next` set; lastTransitionTime moves only when the status does. */
function setConditions(current: PodCondition[], next: PodCondition[], now: string): PodCondition[] {
  const order = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];
  const byType = new Map(current.map((c) => [c.type, c]));
  for (const c of next) {
    const old = byType.get(c.type);
    byType.set(c.type, { ...c, lastTransitionTime: old && old.status === c.status && old.lastTransitionTime ? old.lastTransitionTime : now });
  }
  const rank = (t: string) => (order.includes(t) ? order.indexOf(t) : order.length);
  return [...byType.values()].sort((a, b) => rank(a.type) - rank(b.type) || (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
}

/**
 * volumesInUseNames' names of an actual state's staged and published volumes, with their drivers,
 * per actual-state object (a change makes a new one): the kubelet names them on every pod sync.
 */
const actualNames = new WeakMap<KubeletActualState, [driver: string, name: string][]>();
function actualVolumeNames(actual: KubeletActualState): [driver: string, name: string][] {
  let names = actualNames.get(actual);
  if (!names) {
    names = [...actual.staged, ...actual.published].map((v) => [v.driver, uniqueVolumeName(v.driver, v.volumeId)]);
    actualNames.set(actual, names);
  }
  return names;
}

export class Kubelet implements Controller {
  readonly name: string;
  /** `loadState` copies what it is given into its own sets and maps (Controller.loadStateCopies). */
  readonly loadStateCopies = true;
  readonly queueName: string;
  readonly queues: Record<string, (key: string) => void>;
  /** Moved by every change of the memory below (the world's fingerprint reads it). */
  readonly stateVersion = new StateVersion();
  private readonly gate: LatencyGate;
  /** Pods waiting for a volume, or whose unwind waits for something. */
  private readonly blocked = new TrackedSet<string>(this.stateVersion);
  /** pod uid -> start of the current wait for its volumes (the FailedMount timeout). */
  private readonly waitingSince = new TrackedMap<string, number>(this.stateVersion);
  private actualValue: KubeletActualState | undefined;
  /** Unpublish, unstage and removal attempts of housekeeping passes so far (not memory: a pass without any proves nothing else). */
  private housekeepingActs = 0;
  /**
   * What is staged, published and set up on the node; undefined until rebuilt after a (re)start.
   * Replaced, never changed in place (kubeletDecisions.ts's `mark*` return a new state).
   */
  private get actual(): KubeletActualState | undefined { return this.actualValue; }
  // The same state handed back (markEmptyDir of a dir already there) is no change: the fingerprint need not hash it again.
  private set actual(next: KubeletActualState | undefined) {
    if (next === this.actualValue) return;
    this.actualValue = next;
    this.stateVersion.touch();
  }

  constructor(
    private readonly client: Client,
    private readonly queue: WorkQueue,
    readonly nodeName: string,
    private readonly drivers: Map<string, CsiDriverPort>,
    private readonly options: KubeletOptions,
  ) {
    this.name = `kubelet/${nodeName}`;
    this.queueName = `kubelet/${nodeName}`;
    this.gate = new LatencyGate(queue, this.queueName, this.stateVersion);
    this.queues = { [this.queueName]: (key) => this.sync(key) };
  }

  // ---------------------------------------------------------------- informer wiring

  onWatch(ev: WatchEvent, queue: WorkQueue): void {
    switch (ev.kind) {
      case 'Pod':
        if ([ev.old, ev.new].some((p) => (p as Pod | undefined)?.spec.nodeName === this.nodeName)) queue.add(this.queueName, ev.key);
        break;
      case 'PersistentVolumeClaim': {
        const claim = (ev.new ?? ev.old)!;
        for (const pod of this.client.byIndex('podsByClaim', `${claim.metadata.namespace ?? 'default'}/${claim.metadata.name}`) as unknown as Pod[]) {
          if (pod.spec.nodeName === this.nodeName) queue.add(this.queueName, podKey(pod));
        }
        break;
      }
      case 'VolumeAttachment':
        if (((ev.new ?? ev.old) as unknown as VolumeAttachment).spec.nodeName === this.nodeName) for (const k of this.blocked) queue.add(this.queueName, k);
        break;
      case 'ConfigMap':
      case 'Secret':
        for (const k of this.blocked) queue.add(this.queueName, k);
        break;
      case 'Filesystem': {
        // A write into an emptyDir of a pod here: the eviction manager looks at its usage.
        const spec = ((ev.new ?? ev.old) as unknown as FilesystemObject).spec as { type?: string; node?: string; pod?: string } | undefined;
        if (ev.new && spec?.type === 'emptyDir' && spec.node === this.nodeName) {
          for (const pod of this.client.byIndex('podsByUid', spec.pod ?? '') as unknown as Pod[]) queue.add(this.queueName, podKey(pod));
        }
        break;
      }
      case 'Node':
        // The kubelet comes back: everything on the node is looked at again.
        if (ev.key === this.nodeName && ev.new && isNodeReady(ev.new as never) && !isNodeReady(ev.old as never)) this.resync(queue);
        break;
      default:
    }
  }

  /**
   * The nodes whose kubelet `onWatch` can act on an event (a superset), so the manager hands an
   * event to those kubelets only instead of to every node's: a pod's old and new node, the nodes
   * of a claim's pods, an attachment's node, the node itself; 'all' for what any blocked pod may
   * wait for (ConfigMap, Secret).
   */
  get watchScope(): { key: string; concerned(ev: WatchEvent): readonly string[] | 'all' } {
    return { key: this.nodeName, concerned: this.concerned };
  }

  private readonly concerned = (ev: WatchEvent): readonly string[] | 'all' => {
    switch (ev.kind) {
      case 'Pod': return [ev.old, ev.new].flatMap((p) => ((p as unknown as Pod | undefined)?.spec.nodeName ? [(p as unknown as Pod).spec.nodeName!] : []));
      case 'PersistentVolumeClaim': {
        const claim = (ev.new ?? ev.old)!;
        return (this.client.byIndex('podsByClaim', `${claim.metadata.namespace ?? 'default'}/${claim.metadata.name}`) as unknown as Pod[])
          .flatMap((p) => (p.spec.nodeName ? [p.spec.nodeName] : []));
      }
      case 'VolumeAttachment': return [((ev.new ?? ev.old) as unknown as VolumeAttachment).spec.nodeName];
      case 'Node': return [ev.key];
      case 'Filesystem': {
        const spec = ((ev.new ?? ev.old) as unknown as FilesystemObject).spec as { type?: string; node?: string } | undefined;
        return spec?.type === 'emptyDir' && spec.node ? [spec.node] : [];
      }
      case 'ConfigMap':
      case 'Secret': return 'all';
      default: return [];
    }
  };

  resync(queue: WorkQueue): void {
    for (const pod of this.podsHere()) {
      const key = podKey(pod);
      if (pod.metadata.deletionTimestamp || !allRunning(pod) || this.blocked.has(key) || this.waitsForNodeExpansion(pod)) queue.add(this.queueName, key);
    }
    queue.add(this.queueName, '*');
  }

  unsettled(): boolean {
    return this.blocked.size > 0;
  }

  /**
   * `{ gate: LatencyGateState, blocked: [pod key], waitingSince: { <pod uid>: ms }, actual? }`,
   * sorted; `actual` (the actual state of the world, canonical order) is absent while this
   * instance has not rebuilt it yet, and a loaded instance then rebuilds it at its first sync.
   */
  saveState(): { gate: LatencyGateState; blocked: string[]; waitingSince: Record<string, number>; actual?: KubeletActualState } {
    return {
      gate: this.gate.save(), blocked: sortedArray(this.blocked), waitingSince: sortedRecord(this.waitingSince, (ms) => ms),
      ...(this.actual ? { actual: jsonCopy(this.actual) } : {}),
    };
  }

  /** `saveState()` without its copy of the actual state (replaced, never changed in place) and without sorting the wait starts. */
  stateForHash(): unknown {
    return {
      gate: this.gate.save(), blocked: sortedArray(this.blocked), waitingSince: Object.fromEntries(this.waitingSince),
      ...(this.actual ? { actual: this.actual } : {}),
    };
  }

  loadState(state: unknown): void {
    const s = stateObject(this.name, state);
    this.gate.load(this.name, s['gate'] ?? {});
    this.blocked.clear();
    for (const key of stringArray(this.name, s['blocked'])) this.blocked.add(key);
    this.waitingSince.clear();
    for (const [uid, ms] of Object.entries(record(this.name, s['waitingSince']))) {
      if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new TypeError(`${this.name}: saved wait start of "${uid}" is not a time`);
      this.waitingSince.set(uid, ms);
    }
    const saved = s['actual'];
    if (saved === undefined) this.actual = undefined;
    // The same saved actual state as last loaded (an explorer restores one snapshot again and
    // again; a snapshot's state is never changed, Controller.loadStateCopies): parsed already.
    else if (this.loadedActual?.saved === saved) this.actual = this.loadedActual.actual;
    else {
      this.actual = parseActualState(this.name, saved);
      this.loadedActual = { saved, actual: this.actual };
    }
  }

  /**
   * The saved actual state `loadState` last parsed, and what it gave (never changed in place: the
   * actual state is replaced by each change). Only a state given again as the same object is
   * taken from here, which a caller that hands over a state and then changes it would fool: the
   * world hands `loadState` snapshots' states, which never change.
   */
  private loadedActual: { saved: unknown; actual: KubeletActualState } | undefined;

  /**
   * The actual state of the world; a kubelet that just started rebuilds it first from what its
   * node shows (kubeletReconstruct.ts), as the real one reconstructs volumes at start-up.
   */
  actualState(): KubeletActualState {
    return (this.actual ??= this.withBackendlessMounts(reconstructActualState(this.client, this.nodeName)));
  }

  /**
   * A driver whose backend is not in the store (a user's module, in-process or a process of its
   * own, ADR 0029) leaves no CSIVolume object to reconstruct from. Its volumes are rebuilt from
   * the pods, as the real kubelet rebuilds from the pod directories: a Running pod on this node
   * had every volume mounted, so each CSI volume of such a pod counts as staged (if its driver
   * stages) and published at the paths this kubelet uses. A pod not Running yet is left out: its
   * mount is made again (NodeStage/NodePublish are idempotent), never skipped.
   */
  private withBackendlessMounts(state: KubeletActualState): KubeletActualState {
    let added = false;
    const staged = new Set(state.staged.map((s) => `${s.driver}\n${s.volumeId}`));
    for (const pod of this.podsHere()) {
      if (pod.status?.phase !== 'Running') continue;
      for (const volume of pod.spec.volumes ?? []) {
        const bound = boundVolumeOf(this.client, pod, volume);
        const csi = bound ? csiSourceOf(bound.pv) : undefined;
        const driver = csi ? this.drivers.get(csi.driver) : undefined;
        if (!bound || !csi || !driver) continue;
        const targetPath = csiTargetPath(pod.metadata.uid ?? '', bound.pv.metadata.name);
        // Known from the node's backend objects: nothing to rebuild (and no second read of them).
        if (state.published.some((p) => p.driver === csi.driver && p.volumeId === csi.volumeHandle && p.targetPath === targetPath)) continue;
        if (this.client.get('CSIVolume', csiVolumeObjectName(csi.driver, csi.volumeHandle))) continue;
        if (driver.nodeGetCapabilities().includes('STAGE_UNSTAGE_VOLUME') && !staged.has(`${csi.driver}\n${csi.volumeHandle}`)) {
          staged.add(`${csi.driver}\n${csi.volumeHandle}`);
          state.staged.push({ driver: csi.driver, volumeId: csi.volumeHandle, stagingTargetPath: csiStagingPath(csi.driver, csi.volumeHandle) });
        }
        state.published.push({ driver: csi.driver, volumeId: csi.volumeHandle, targetPath, readonly: volume.persistentVolumeClaim?.readOnly === true || csi.readOnly === true });
        added = true;
      }
    }
    return added ? canonicalActualState(state) : state;
  }

  // ---------------------------------------------------------------- helpers

  private now(): number { return this.options.clock.now(); }
  private iso(): string { return this.options.clock.iso(); }

  private podsHere(): Pod[] {
    return this.client.byIndex('podsByNode', this.nodeName) as unknown as Pod[];
  }

  private nodeUp(): boolean {
    return isKubeletAlive(this.client.getNode(this.nodeName));
  }

  private record(call: CsiCall): void {
    this.options.csiCalls?.push(call);
  }

  private latency(driver: CsiDriverPort, rpc: string, volumeId: string): () => number {
    return () => csiLatencyMs(driver, rpc, { volumeId });
  }

  private ensureFilesystem(name: string, spec: Record<string, unknown>): FilesystemObject {
    const existing = this.client.get('Filesystem', name) as unknown as FilesystemObject | undefined;
    if (existing) return existing;
    return this.client.create('Filesystem', { apiVersion: SIM_API_VERSION, kind: 'Filesystem', metadata: { name }, spec, status: emptyFs() } as unknown as AnyObject) as unknown as FilesystemObject;
  }

  private writeFilesystem(fs: FilesystemObject, next: FsState): void {
    if (next !== fs.status) this.client.update('Filesystem', { ...fs, status: next } as unknown as AnyObject);
  }

  /** The container runtime removes a container's writable layer (written by processes, exec.ts), if it has one. */
  private removeContainerLayer(podUid: string, container: string): void {
    const name = containerFilesystemName(podUid, container);
    if (this.client.get('Filesystem', name)) this.client.delete('Filesystem', name);
  }

  /** The frozen subPath contents of a pod's containers go with the pod (volume-subpaths cleanup). */
  private removeSubPaths(pod: Pod): void {
    const uid = pod.metadata.uid ?? '';
    for (const c of [...initContainersOf(pod), ...containersOf(pod)]) {
      for (const [i] of (c.volumeMounts ?? []).entries()) {
        const name = subPathFilesystemName(uid, c.name, i);
        if (this.client.get('Filesystem', name)) this.client.delete('Filesystem', name);
      }
    }
  }

  /** TearDown of an emptyDir this kubelet set up: its data goes. */
  private tearDownEmptyDir(podUid: string, volume: string): void {
    if (!hasEmptyDir(this.actualState(), podUid, volume)) return;
    this.client.delete('Filesystem', emptyDirFilesystemName(podUid, volume));
    this.actual = forgetEmptyDir(this.actualState(), podUid, volume);
  }

  private writeStatus(pod: Pod, status: PodStatus): Pod {
    return this.client.update('Pod', { ...pod, status } as unknown as AnyObject, 'status') as unknown as Pod;
  }

  // ---------------------------------------------------------------- sync

  private sync(key: string): void {
    const base = this.gate.arrive(key);
    try {
      if (!this.nodeUp()) return;
      const pod = base === '*' ? undefined : this.client.get('Pod', base) as unknown as Pod | undefined;
      const work = podWork(base, pod, this.nodeName);
      if (base !== '*' && work.kind !== 'run' && work.kind !== 'terminate') this.blocked.delete(base);
      switch (work.kind) {
        case 'housekeeping': this.housekeeping(); return;
        case 'forget': return;
        case 'terminate': this.terminate(base, pod!); return;
        case 'run': this.run(base, pod!); return;
      }
    } finally {
      this.gate.forget(base);
    }
  }

  /** Admit, mount, start. */
  private run(key: string, input: Pod): void {
    let pod = input;
    if (!(pod.metadata.finalizers ?? []).includes(KUBELET_FINALIZER)) pod = this.client.update('Pod', withFinalizer(pod, KUBELET_FINALIZER, true) as unknown as AnyObject) as unknown as Pod;
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') { this.blocked.delete(key); return; }
    const overLimit = emptyDirOverLimit(pod, (name) => (this.client.get('Filesystem', name) as unknown as FilesystemObject | undefined)?.status);
    if (overLimit !== undefined) { this.evict(pod, overLimit); return; }
    if (!allRunning(pod)) pod = this.writeStatus(pod, this.waitingStatus(pod));
    // Reported in use before WaitForAttach, so the AD controller never detaches under a mount.
    this.updateVolumesInUse();
    const unmounted: string[] = [];
    for (const volume of pod.spec.volumes ?? []) {
      const outcome = this.mountVolume(key, pod, volume);
      if (outcome.state === 'mounted') continue;
      unmounted.push(volume.name);
      if (outcome.state === 'failed') this.client.event(pod, 'Warning', 'FailedMount', outcome.message, 'kubelet');
    }
    if (unmounted.length > 0) {
      this.blocked.add(key);
      this.reportMountTimeout(pod, unmounted);
      return;
    }
    this.blocked.delete(key);
    this.waitingSince.delete(pod.metadata.uid ?? key);
    this.expandVolumes(key, pod);
    if (!allRunning(pod)) this.startContainers(pod);
  }

  /** A running pod with a claim whose filesystem is still to grow (the volume manager's reconciler looks at mounted volumes all the time). */
  private waitsForNodeExpansion(pod: Pod): boolean {
    return (pod.spec.volumes ?? []).some((v) => {
      const name = claimNameOf(pod, v);
      // The claim alone says no in almost every case (every running pod, every resync): its volume is read only when it says yes.
      return name !== undefined && needsNodeResize(this.client.getClaim(pod.metadata.namespace ?? 'default', name)) && needsNodeResize(boundVolumeOf(this.client, pod, v)?.claim);
    });
  }

  /**
   * The volume manager's NodeExpand (K/pkg/volume/util/operationexecutor, 1.34): a mounted CSI
   * volume whose claim waits in NodeResizePending gets NodeExpandVolume — online for a pod that
   * runs, or at the mount of the next pod (the disk was grown while nothing used it). Success:
   * `status.capacity` is the PV's, no resize status or condition, event FileSystemResizeSuccessful
   * on the claim and the pod. Failure: condition NodeResizeError, event FileSystemResizeFailed on
   * the pod, and another try after a while.
   */
  private expandVolumes(key: string, pod: Pod): void {
    for (const volume of pod.spec.volumes ?? []) {
      if (claimNameOf(pod, volume) === undefined) continue;
      const bound = boundVolumeOf(this.client, pod, volume);
      if (!bound || !needsNodeResize(bound.claim)) continue;
      const csi = csiSourceOf(bound.pv);
      const driver = csi ? this.drivers.get(csi.driver) : undefined;
      if (!csi || !driver) continue;
      const pvName = bound.pv.metadata.name;
      const size = bound.pv.spec.capacity?.['storage'];
      if (size === undefined) continue;
      if (!this.gate.ready(key, `NodeExpandVolume:${csi.volumeHandle}`, this.latency(driver, 'NodeExpandVolume', csi.volumeHandle))) continue;
      const staging = driver.nodeGetCapabilities().includes('STAGE_UNSTAGE_VOLUME') ? csiStagingPath(csi.driver, csi.volumeHandle) : undefined;
      const msg = (prefix: string) => `${prefix} for volume "${pvName}" ${this.nodeName}`;
      try {
        if (driver.nodeGetCapabilities().includes('EXPAND_VOLUME')) {
          if (!driver.nodeExpandVolume) throw new CsiError('UNIMPLEMENTED', `NodeExpandVolume: ${csi.driver} does not expand volumes`);
          this.record({ rpc: 'NodeExpandVolume', volumeId: csi.volumeHandle, node: this.nodeName, target: csiTargetPath(pod.metadata.uid ?? '', pvName) });
          driver.nodeExpandVolume({
            node: this.nodeName, volumeId: csi.volumeHandle, volumePath: csiTargetPath(pod.metadata.uid ?? '', pvName),
            ...(staging ? { stagingTargetPath: staging } : {}), capacityRange: { requiredBytes: quantityToBytes(parseQuantity(size)).toString() },
          });
        }
      } catch (e) {
        const text = `${msg('MountVolume.NodeExpandVolume failed')}: ${(e as Error).message}`;
        this.client.updateClaimStatus(markNodeResizeFailed(bound.claim, text, this.iso()));
        this.client.event(pod, 'Warning', 'FileSystemResizeFailed', text, 'kubelet');
        this.queue.addAfter(this.queueName, key, NODE_EXPAND_RETRY_MS, 'retry');
        continue;
      }
      const claim = this.client.updateClaimStatus(markResizeFinished(bound.claim, size, this.iso()));
      this.client.event(pod, 'Normal', 'FileSystemResizeSuccessful', msg('MountVolume.NodeExpandVolume succeeded'), 'kubelet');
      this.client.event(claim, 'Normal', 'FileSystemResizeSuccessful', msg('MountVolume.NodeExpandVolume succeeded'), 'kubelet');
    }
  }

  /**
   * WaitForAttachAndMount gives up after podAttachAndMountTimeout and the pod worker reports it;
   * the next attempt waits again. "unattached volumes" lists every volume of the pod, as the
   * kubelet versions that print "timed out waiting for the condition" did.
   */
  private reportMountTimeout(pod: Pod, unmounted: string[]): void {
    const id = pod.metadata.uid ?? podKey(pod);
    const now = this.now();
    let since = this.waitingSince.get(id);
    if (since === undefined) {
      const started = Date.parse(String(pod.status?.['startTime'] ?? ''));
      since = Number.isFinite(started) ? started : now;
      this.waitingSince.set(id, since);
    }
    if (now - since < POD_ATTACH_AND_MOUNT_TIMEOUT_MS) return;
    this.waitingSince.set(id, now);
    const all = (pod.spec.volumes ?? []).map((v) => v.name);
    this.client.event(pod, 'Warning', 'FailedMount',
      `Unable to attach or mount volumes: unmounted volumes=[${unmounted.join(' ')}], unattached volumes=[${all.join(' ')}]: timed out waiting for the condition`, 'kubelet');
  }

  // ---------------------------------------------------------------- mount

  private mountVolume(key: string, pod: Pod, volume: PodVolume): MountOutcome {
    const uid = pod.metadata.uid ?? '';
    const setUpFailed = (detail: string): MountOutcome => ({ state: 'failed', message: `MountVolume.SetUp failed for volume "${volume.name}" : ${detail}` });
    if (claimNameOf(pod, volume) !== undefined) {
      const bound = boundVolumeOf(this.client, pod, volume);
      // OBSERVATION: claim missing or not Bound yet: the pod waits (unbound PersistentVolumeClaims).
      if (!bound) return WAITING;
      const mismatch = volumeModeMismatch(pod, volume.name, bound.pv.spec.volumeMode ?? 'Filesystem');
      if (mismatch) return { state: 'failed', message: mismatch };
      const csi = csiSourceOf(bound.pv);
      return csi ? this.mountCsi(key, pod, volume, bound.pv, csi) : this.mountInTreeVolume(bound.pv);
    }
    if (volume['emptyDir'] !== undefined) {
      if (!hasEmptyDir(this.actualState(), uid, volume.name)) {
        this.ensureFilesystem(emptyDirFilesystemName(uid, volume.name), { type: 'emptyDir', node: this.nodeName, pod: uid, volume: volume.name });
        this.actual = markEmptyDir(this.actualState(), uid, volume.name);
      }
      return MOUNTED;
    }
    const hostPath = volume['hostPath'] as { path: string; type?: string } | undefined;
    if (hostPath) {
      const problem = this.prepareHostPath(hostPath.path, hostPath.type ?? '');
      return problem ? setUpFailed(problem) : MOUNTED;
    }
    const inline = volume['csi'] as { driver?: string } | undefined;
    if (inline) {
      // A CSI inline (Ephemeral) volume: csi_mounter.go SetUpAt checks the driver's lifecycle modes first.
      const problem = inlineCsiModeProblem(inline.driver ?? '', this.client.get('CSIDriver', inline.driver ?? '') as { spec?: { volumeLifecycleModes?: string[] } } | undefined);
      if (problem) return setUpFailed(`kubernetes.io/csi: mounter.SetupAt failed to check volume lifecycle mode: ${problem}`);
      // Only a driver outside pvsim can list Ephemeral (the simulated ones list Persistent, and the field is immutable).
      return setUpFailed(`kubernetes.io/csi: mounter.SetUpAt failed to get CSI client: driver name ${inline.driver ?? ''} not found in the list of registered CSI drivers`);
    }
    const missing = this.missingSource(pod, volume);
    return missing ? setUpFailed(missing) : MOUNTED;
  }

  /** hostPath set-up on the node's disk (the checks: kubeletDecisions `hostPathSetUp`). */
  private prepareHostPath(rawPath: string, type: string): string | undefined {
    const fsObj = this.ensureFilesystem(nodeFilesystemName(this.nodeName), { type: 'node', node: this.nodeName });
    const outcome = hostPathSetUp(fsObj.status, rawPath, type);
    if (outcome.problem !== undefined) return outcome.problem;
    if (!outcome.next) return undefined;
    if (type !== 'FileOrCreate') { this.writeFilesystem(fsObj, outcome.next); return undefined; }
    // Creating the file is one step with its write, as open(O_CREAT) is: a failed write is a failed open.
    try { this.writeFilesystem(fsObj, outcome.next); } catch { return `open ${rawPath}: no such file or directory`; }
    return undefined;
  }

  /** configMap / secret / projected sources must exist unless optional (kubeletDecisions `missingSource`). */
  private missingSource(pod: Pod, volume: PodVolume): string | undefined {
    const ns = pod.metadata.namespace ?? 'default';
    return missingSource(volume, (kind, name) => {
      const obj = this.client.get(kind, `${ns}/${name}`) as Record<string, Record<string, string> | undefined> | undefined;
      if (!obj) return undefined;
      const keys = kind === 'ConfigMap' ? { ...(obj['data'] ?? {}), ...(obj['binaryData'] ?? {}) } : { ...(obj['data'] ?? {}), ...(obj['stringData'] ?? {}) };
      return { has: (key: string) => key in keys };
    });
  }

  /** In-tree PVs: hostPath and local live on the node's disk; other sources just mount. */
  private mountInTreeVolume(pv: PersistentVolume): MountOutcome {
    const hostPath = pv.spec['hostPath'] as { path: string; type?: string } | undefined;
    if (hostPath) {
      const problem = this.prepareHostPath(hostPath.path, hostPath.type ?? '');
      return problem ? { state: 'failed', message: `MountVolume.SetUp failed for volume "${pv.metadata.name}" : ${problem}` } : MOUNTED;
    }
    const local = pv.spec['local'] as { path: string } | undefined;
    if (local) {
      const fs = this.ensureFilesystem(nodeFilesystemName(this.nodeName), { type: 'node', node: this.nodeName }).status;
      return isDir(fs, local.path) ? MOUNTED
        : { state: 'failed', message: `MountVolume.NewMounter initialization failed for volume "${pv.metadata.name}" : path "${local.path}" does not exist` };
    }
    return MOUNTED;
  }

  /** The capability the kubelet stages and publishes with: the PV's first access mode (csi_mounter.go). */
  private mountCapability(pv: PersistentVolume, csi: CsiPersistentVolumeSource, nodeCaps: NodeCapability[]): VolumeCapability {
    const accessMode = csiAccessMode([pv.spec.accessModes?.[0] ?? 'ReadWriteOnce'], nodeCaps.includes('SINGLE_NODE_MULTI_WRITER'));
    if (pv.spec.volumeMode === 'Block') return { accessMode, block: {} };
    const mount: { fsType?: string; mountFlags?: string[] } = {};
    if (csi.fsType) mount.fsType = csi.fsType;
    if (pv.spec.mountOptions?.length) mount.mountFlags = [...pv.spec.mountOptions];
    return { accessMode, mount };
  }

  private mountCsi(key: string, pod: Pod, volume: PodVolume, pv: PersistentVolume, csi: CsiPersistentVolumeSource): MountOutcome {
    const pvName = pv.metadata.name;
    const handle = csi.volumeHandle;
    const driver = this.drivers.get(csi.driver);
    if (!driver) {
      return { state: 'failed', message: `MountVolume.SetUp failed for volume "${pvName}" : kubernetes.io/csi: mounter.SetUpAt failed to get CSI client: driver name ${csi.driver} not found in the list of registered CSI drivers` };
    }
    const targetPath = csiTargetPath(pod.metadata.uid ?? '', pvName);
    const nodeCaps = driver.nodeGetCapabilities();
    const stagingTargetPath = nodeCaps.includes('STAGE_UNSTAGE_VOLUME') ? csiStagingPath(csi.driver, handle) : undefined;
    const attachable = this.attachable(csi.driver);
    // WaitForAttach: the VA must say attached.
    const va = attachable ? this.client.get('VolumeAttachment', volumeAttachmentName(handle, csi.driver, this.nodeName)) as unknown as VolumeAttachment | undefined : undefined;
    const plan = planCsiMount({
      driver: csi.driver, volumeId: handle, targetPath, attachable, attached: va?.status?.attached === true && !va.metadata.deletionTimestamp,
      ...(stagingTargetPath ? { stagingTargetPath } : {}),
    }, this.actualState());
    if (plan.kind === 'mounted') return MOUNTED;
    if (plan.kind === 'waitForAttach') return WAITING;
    const publishContext = va?.status?.attachmentMetadata;
    let volumeCapability: VolumeCapability;
    try {
      volumeCapability = this.mountCapability(pv, csi, nodeCaps);
    } catch (e) {
      return { state: 'failed', message: `MountVolume.SetUp failed for volume "${pvName}" : ${(e as Error).message}` };
    }
    const extra = {
      ...(publishContext ? { publishContext } : {}),
      ...(csi.volumeAttributes ? { volumeContext: csi.volumeAttributes } : {}),
    };
    for (const step of plan.steps) {
      if (step === 'stage') {
        if (!this.gate.ready(key, `NodeStageVolume:${handle}`, this.latency(driver, 'NodeStageVolume', handle))) return WAITING;
        this.record({ rpc: 'NodeStageVolume', volumeId: handle, node: this.nodeName, target: stagingTargetPath! });
        try {
          driver.nodeStageVolume({ node: this.nodeName, volumeId: handle, stagingTargetPath: stagingTargetPath!, volumeCapability, ...extra });
        } catch (e) {
          return { state: 'failed', message: `MountVolume.MountDevice failed for volume "${pvName}" : ${(e as Error).message}` };
        }
        this.actual = markStaged(this.actualState(), { driver: csi.driver, volumeId: handle, stagingTargetPath: stagingTargetPath! });
        continue;
      }
      if (!this.gate.ready(key, `NodePublishVolume:${handle}`, this.latency(driver, 'NodePublishVolume', handle))) return WAITING;
      this.record({ rpc: 'NodePublishVolume', volumeId: handle, node: this.nodeName, target: targetPath });
      const readonly = volume.persistentVolumeClaim?.readOnly === true || csi.readOnly === true;
      // csi_mounter.go SetUpAt: a driver whose CSIDriver asks for podInfoOnMount gets the pod's
      // identity in the volume context of NodePublishVolume (getPodInfoAttrs).
      const podInfo = (this.client.get('CSIDriver', csi.driver) as { spec?: { podInfoOnMount?: boolean } } | undefined)?.spec?.podInfoOnMount === true ? {
        'csi.storage.k8s.io/pod.name': pod.metadata.name, 'csi.storage.k8s.io/pod.namespace': pod.metadata.namespace ?? 'default',
        'csi.storage.k8s.io/pod.uid': pod.metadata.uid ?? '', 'csi.storage.k8s.io/serviceAccount.name': String(pod.spec['serviceAccountName'] ?? 'default'),
        'csi.storage.k8s.io/ephemeral': 'false',
      } : undefined;
      try {
        driver.nodePublishVolume({
          node: this.nodeName, volumeId: handle, targetPath, volumeCapability, readonly,
          ...(stagingTargetPath ? { stagingTargetPath } : {}),
          ...extra,
          ...(podInfo ? { volumeContext: { ...(extra.volumeContext ?? {}), ...podInfo } } : {}),
        });
      } catch (e) {
        return { state: 'failed', message: `MountVolume.SetUp failed for volume "${pvName}" : ${(e as Error).message}` };
      }
      this.actual = markPublished(this.actualState(), { driver: csi.driver, volumeId: handle, targetPath, readonly });
    }
    return MOUNTED;
  }

  /**
   * `node.status.volumesInUse`: attachable volumes that pods on the node want or that are still
   * staged or published here (the kubelet's desired ∪ actual state).
   */
  private updateVolumesInUse(): void {
    const node = this.client.getNode(this.nodeName);
    if (!node) return;
    // Each driver's answer read once per call (this runs on every pod sync, over every pod on the node).
    const attachableByDriver = new Map<string, boolean>();
    const attachable = (driver: string): boolean => {
      let yes = attachableByDriver.get(driver);
      if (yes === undefined) attachableByDriver.set(driver, (yes = this.attachable(driver)));
      return yes;
    };
    const desired: string[] = [];
    for (const pod of this.podsHere()) {
      if (podReleasesVolumes(pod)) continue;
      for (const volume of pod.spec.volumes ?? []) {
        const csi = csiSourceOf(boundVolumeOf(this.client, pod, volume)?.pv);
        if (csi && attachable(csi.driver)) desired.push(uniqueVolumeName(csi.driver, csi.volumeHandle));
      }
    }
    const current = (node.status?.['volumesInUse'] as string[] | undefined) ?? [];
    // volumesInUse's list is its names sorted: a current list that is sorted, unique and holds the
    // same names is that list (compared without sorting and serialising both on every sync).
    const names = new Set(desired);
    // The actual state's volumes (every volume staged or published here), named once per actual-state object.
    for (const [driver, name] of actualVolumeNames(this.actualState())) if (attachable(driver)) names.add(name);
    if (current.length === names.size && current.every((n, i) => names.has(n) && (i === 0 || current[i - 1]! < n))) return;
    const list = [...names].sort();
    const status: Record<string, unknown> = { ...(node.status ?? {}) };
    if (list.length > 0) status['volumesInUse'] = list; else delete status['volumesInUse'];
    this.client.update('Node', { ...node, status } as unknown as AnyObject, 'status');
  }

  // ---------------------------------------------------------------- containers

  private containerId(pod: Pod, name: string, restartCount: number): string {
    return `containerd://${sha256Hex(`${pod.metadata.uid ?? ''}/${name}/${restartCount}`)}`;
  }

  private waitingStatus(pod: Pod): PodStatus {
    const now = this.iso();
    const prev = statusesOf(pod);
    const inits = initContainersOf(pod);
    const reason = inits.length > 0 ? 'PodInitializing' : 'ContainerCreating';
    const names = containersOf(pod).map((c) => c.name);
    const notReady = `containers with unready status: [${names.join(' ')}]`;
    const status: PodStatus = {
      ...(pod.status ?? {}),
      phase: 'Pending',
      conditions: setConditions((pod.status?.['conditions'] as PodCondition[] | undefined) ?? [], [
        { type: 'PodReadyToStartContainers', status: 'False' },
        { type: 'Initialized', status: inits.length > 0 ? 'False' : 'True', ...(inits.length > 0 ? { reason: 'ContainersNotInitialized', message: `containers with incomplete status: [${inits.map((c) => c.name).join(' ')}]` } : {}) },
        { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: notReady },
        { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: notReady },
      ], now),
      containerStatuses: containersOf(pod).map((c) => {
        const old = prev.find((s) => s.name === c.name);
        return { name: c.name, image: c.image ?? '', imageID: '', ready: false, restartCount: old?.restartCount ?? 0, started: false, state: { waiting: { reason } } };
      }),
      startTime: String(pod.status?.['startTime'] ?? now),
    };
    if (inits.length > 0) {
      status['initContainerStatuses'] = inits.map((c) => ({ name: c.name, image: c.image ?? '', imageID: '', ready: false, restartCount: 0, started: false, state: { waiting: { reason: 'PodInitializing' } } }));
    }
    return status;
  }

  /**
   * The pod's sandbox address: the node's pod CIDR is 10.244.<i>.0/24 (i = the node's place among
   * the nodes by name), and a pod gets the lowest host address no other pod on the node holds.
   */
  private addresses(pod: Pod): Record<string, unknown> {
    if (pod.status?.['podIP']) return {};
    const index = nodeIndex(this.client, this.nodeName);
    const taken = new Set(this.podsHere().map((p) => String(p.status?.['podIP'] ?? '')));
    let host = 2;
    while (taken.has(`10.244.${index}.${host}`) && host < 254) host++;
    const podIP = `10.244.${index}.${host}`;
    const hostIP = `192.168.0.${10 + index}`;
    return { podIP, podIPs: [{ ip: podIP }], hostIP, hostIPs: [{ ip: hostIP }] };
  }

  private containerEvents(pod: Pod, c: ContainerSpec): void {
    this.client.event(pod, 'Normal', 'Pulled', `Container image "${c.image ?? ''}" already present on machine`, 'kubelet');
    this.client.event(pod, 'Normal', 'Created', `Created container ${c.name}`, 'kubelet');
    this.client.event(pod, 'Normal', 'Started', `Started container ${c.name}`, 'kubelet');
  }

  /**
   * subPath directories are created in the volume before the container starts (kubelet makeMounts),
   * and a subPath into a configMap/secret/projected/downwardAPI volume is bound to the file as it
   * is now: later updates of the source never reach it (the atomic writer swaps `..data`, which
   * the bind mount does not follow) until the container starts again. `only`: one container
   * (a restart), whose frozen contents are taken afresh.
   */
  private prepareSubPaths(pod: Pod, only?: string): void {
    for (const c of [...initContainersOf(pod), ...containersOf(pod)]) {
      if (only !== undefined && c.name !== only) continue;
      for (const m of containerMounts(this.client, pod, c, this.publishedLookup())) {
        if (m.frozen !== undefined) {
          if (only === undefined && this.client.get('Filesystem', m.frozen)) continue;
          const view = viewOf(generatedVolumeFiles(this.client, pod, (pod.spec.volumes ?? []).find((v) => v.name === m.volume)!) ?? {});
          const fs = this.ensureFilesystem(m.frozen, { type: 'subPath', node: this.nodeName, pod: pod.metadata.uid ?? '', container: c.name, volume: m.volume });
          if (!jsonEqual(fs.status, view)) this.writeFilesystem(fs, view);
          continue;
        }
        if (!m.subPath || !m.filesystem || m.volumeReadOnly) continue;
        const fs = this.client.get('Filesystem', m.filesystem) as unknown as FilesystemObject | undefined;
        if (!fs || isDir(fs.status, m.base) || isFile(fs.status, m.base)) continue;
        this.writeFilesystem(fs, mkdirp(fs.status, m.base));
      }
    }
  }

  /** The pod's CSI mounts as the kubelet knows them, for the container mount table (exec.ts). */
  private publishedLookup(): PublishedLookup {
    const actual = this.actualState();
    return (targetPath, driver, volumeId) => {
      const p = publishedAt(actual, targetPath);
      return p && p.driver === driver && p.volumeId === volumeId ? { readonly: p.readonly, block: isAttachable(this.drivers.get(driver)) } : undefined;
    };
  }

  private startContainers(input: Pod): void {
    const now = this.iso();
    this.prepareSubPaths(input);
    const pod = this.client.get('Pod', podKey(input)) as unknown as Pod;
    const inits = initContainersOf(pod);
    for (const c of inits) this.containerEvents(pod, c);
    for (const c of containersOf(pod)) this.containerEvents(pod, c);
    const prev = statusesOf(pod);
    const status: PodStatus = {
      ...(pod.status ?? {}),
      ...this.addresses(pod),
      phase: 'Running',
      conditions: setConditions((pod.status?.['conditions'] as PodCondition[] | undefined) ?? [], [
        { type: 'PodReadyToStartContainers', status: 'True' },
        { type: 'Initialized', status: 'True' },
        { type: 'Ready', status: 'True' },
        { type: 'ContainersReady', status: 'True' },
      ], now),
      containerStatuses: containersOf(pod).map((c) => {
        const old = prev.find((s) => s.name === c.name);
        const restartCount = old?.restartCount ?? 0;
        return {
          name: c.name, image: c.image ?? '', imageID: '', containerID: this.containerId(pod, c.name, restartCount),
          ready: true, restartCount, started: true, state: { running: { startedAt: now } },
          ...(old?.lastState ? { lastState: old.lastState } : {}),
        };
      }),
    };
    if (inits.length > 0) {
      status['initContainerStatuses'] = inits.map((c) => ({
        name: c.name, image: c.image ?? '', imageID: '', containerID: this.containerId(pod, c.name, 0), ready: true, restartCount: 0, started: false,
        state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } },
      }));
    }
    // Ready/ContainersReady conditions lose their reason and message once True.
    status['conditions'] = (status['conditions'] as PodCondition[]).map((c) => (c.status === 'True' ? (({ reason: _r, message: _m, ...rest }) => rest)(c) : c));
    this.writeStatus(pod, status);
  }

  /**
   * Restarts a running container (a crash, `pvsim` restart): restartCount + 1, a fresh writable
   * layer; volumes, emptyDir included, are untouched.
   */
  restartContainer(podKey: string, containerName: string): void {
    const pod = this.client.get('Pod', podKey) as unknown as Pod | undefined;
    if (!pod) throw new Error(`pods "${podKey.split('/').pop()}" not found`);
    if (pod.spec.nodeName !== this.nodeName) throw new Error(`pod ${podKey} does not run on node ${this.nodeName}`);
    if (!this.nodeUp()) throw new Error(`node ${this.nodeName} is not ready`);
    const statuses = statusesOf(pod);
    const old = statuses.find((s) => s.name === containerName);
    const spec = containersOf(pod).find((c) => c.name === containerName);
    if (!spec || !old || old.state?.running === undefined) throw new Error(`container "${containerName}" in pod "${pod.metadata.name}" is not running`);
    const now = this.iso();
    const restartCount = (old.restartCount ?? 0) + 1;
    const startedAt = (old.state.running as { startedAt?: string }).startedAt ?? now;
    const next: ContainerStatus = {
      ...old, restartCount, ready: true, started: true, containerID: this.containerId(pod, containerName, restartCount),
      state: { running: { startedAt: now } },
      lastState: { terminated: { exitCode: 137, reason: 'Error', startedAt, finishedAt: now, containerID: old.containerID } },
    };
    this.writeStatus(pod, { ...(pod.status ?? {}), containerStatuses: statuses.map((s) => (s.name === containerName ? next : s)) });
    this.removeContainerLayer(pod.metadata.uid ?? '', containerName);
    this.prepareSubPaths(pod, containerName);
    this.containerEvents(pod, spec);
  }

  /**
   * The eviction manager's evictPod (pkg/kubelet/eviction/eviction_manager.go) with no grace
   * period: a Warning `Evicted` event with the message, the containers killed, the pod Failed with
   * reason `Evicted` and that message. Its volumes stay until the pod is deleted.
   */
  private evict(input: Pod, message: string): void {
    this.client.event(input, 'Warning', 'Evicted', message, 'kubelet');
    const pod = this.stopContainers(input, { exitCode: 137, reason: 'Error' });
    this.writeStatus(pod, { ...(pod.status ?? {}), phase: 'Failed', reason: 'Evicted', message });
  }

  // ---------------------------------------------------------------- unwind

  private stopContainers(pod: Pod, end: { exitCode: number; reason: string } = { exitCode: 0, reason: 'Completed' }): Pod {
    const running = statusesOf(pod).filter((s) => s.state?.running !== undefined);
    if (running.length === 0) return pod;
    const now = this.iso();
    for (const s of running) this.client.event(pod, 'Normal', 'Killing', `Stopping container ${s.name}`, 'kubelet');
    const stop = (s: ContainerStatus): ContainerStatus => (s.state?.running === undefined ? s : {
      ...s, ready: false, started: false,
      state: { terminated: { ...end, startedAt: (s.state.running as { startedAt?: string }).startedAt ?? now, finishedAt: now, ...(s.containerID ? { containerID: s.containerID } : {}) } },
    });
    const names = containersOf(pod).map((c) => c.name).join(' ');
    const status: PodStatus = {
      ...(pod.status ?? {}),
      conditions: setConditions((pod.status?.['conditions'] as PodCondition[] | undefined) ?? [], [
        { type: 'Ready', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${names}]` },
        { type: 'ContainersReady', status: 'False', reason: 'ContainersNotReady', message: `containers with unready status: [${names}]` },
      ], now),
      containerStatuses: statusesOf(pod).map(stop),
    };
    return this.writeStatus(pod, status);
  }

  /** PV name of a target path `/var/lib/kubelet/pods/<uid>/volumes/kubernetes.io~csi/<pv>/mount`. */
  private static pvOfTarget(target: string): string {
    return /\/volumes\/kubernetes\.io~csi\/([^/]+)\/mount$/.exec(target)?.[1] ?? target;
  }

  /** NodeUnpublishVolume of one target; true when it is gone. */
  private unpublish(key: string, pod: Pod | undefined, published: PublishedVolume): boolean {
    const { driver: driverName, volumeId: handle, targetPath: target } = published;
    const driver = this.drivers.get(driverName);
    const pvName = Kubelet.pvOfTarget(target);
    const fail = (message: string) => { if (pod) this.client.event(pod, 'Warning', 'FailedUnmount', `UnmountVolume.TearDown failed for volume "${pvName}" : ${message}`, 'kubelet'); return false; };
    if (!driver) return fail(`kubernetes.io/csi: Unmounter.TearDownAt failed to get CSI client: driver name ${driverName} not found in the list of registered CSI drivers`);
    if (!this.gate.ready(key, `NodeUnpublishVolume:${handle}:${target}`, this.latency(driver, 'NodeUnpublishVolume', handle))) return false;
    this.record({ rpc: 'NodeUnpublishVolume', volumeId: handle, node: this.nodeName, target });
    try {
      driver.nodeUnpublishVolume({ node: this.nodeName, volumeId: handle, targetPath: target });
    } catch (e) {
      return fail((e as Error).message);
    }
    this.actual = markUnpublished(this.actualState(), target);
    return true;
  }

  /**
   * NodeUnstageVolume of every volume staged here that nothing published here and no live pod on
   * the node wants (kubeletDecisions `volumesToUnstage`). True when nothing is left to unstage;
   * `strict`: true only when there was nothing to unstage at all (housekeeping's proof that it did nothing).
   */
  private unstageUnused(key: string, pod: Pod | undefined, strict = false): boolean {
    const wanted = new Set<string>();
    for (const p of this.podsHere()) {
      if (podReleasesVolumes(p)) continue;
      for (const v of p.spec.volumes ?? []) {
        const csi = csiSourceOf(boundVolumeOf(this.client, p, v)?.pv);
        if (csi) wanted.add(wantedKey(csi.driver, csi.volumeHandle));
      }
    }
    let done = true;
    for (const staged of volumesToUnstage(this.actualState(), wanted)) {
      if (strict) done = false;
      const driver = this.drivers.get(staged.driver);
      if (!driver) { done = false; continue; }
      const handle = staged.volumeId;
      if (!this.gate.ready(key, `NodeUnstageVolume:${handle}`, this.latency(driver, 'NodeUnstageVolume', handle))) { done = false; continue; }
      this.record({ rpc: 'NodeUnstageVolume', volumeId: handle, node: this.nodeName, target: staged.stagingTargetPath });
      try {
        driver.nodeUnstageVolume({ node: this.nodeName, volumeId: handle, stagingTargetPath: staged.stagingTargetPath });
      } catch (e) {
        done = false;
        if (pod) this.client.event(pod, 'Warning', 'FailedUnmount', `UnmountDevice failed for volume "${handle}" : ${(e as Error).message}`, 'kubelet');
        continue;
      }
      this.actual = markUnstaged(this.actualState(), staged.driver, handle);
    }
    return done;
  }

  /** Deletion: stop containers, unpublish, unstage, leave volumesInUse, drop emptyDirs, let the pod go. */
  private terminate(key: string, input: Pod): void {
    if (!(input.metadata.finalizers ?? []).includes(KUBELET_FINALIZER)) { this.blocked.delete(key); return; }
    const pod = this.stopContainers(input);
    const uid = pod.metadata.uid ?? '';
    let done = true;
    for (const published of podTargetsToUnpublish(this.actualState(), uid)) {
      if (!this.unpublish(key, pod, published)) done = false;
    }
    if (done) done = this.unstageUnused(key, pod);
    this.updateVolumesInUse();
    if (!done) { this.blocked.add(key); return; }
    for (const v of pod.spec.volumes ?? []) if (v['emptyDir'] !== undefined) this.tearDownEmptyDir(uid, v.name);
    for (const c of [...initContainersOf(pod), ...containersOf(pod)]) this.removeContainerLayer(uid, c.name);
    this.removeSubPaths(pod);
    this.blocked.delete(key);
    this.waitingSince.delete(uid);
    const fresh = this.client.get('Pod', key) as unknown as Pod | undefined;
    // OBSERVATION: everything unmounted; without the finalizer the deleted pod disappears.
    if (fresh) this.client.update('Pod', withFinalizer(fresh, KUBELET_FINALIZER, false) as unknown as AnyObject);
  }

  /** The driver's volumes are attached before they are mounted (its CSIDriver's attachRequired). */
  private attachable(driver: string): boolean {
    return isAttachable(this.drivers.get(driver), this.client.get('CSIDriver', driver) as CsiDriverAttachSpec | undefined);
  }

  /**
   * CSI plugin registration (kubelet's csi nodeinfomanager, v1.34): the node's CSINode lists every
   * driver's node plugin with its NodeGetInfo answers — nodeID, topology keys, and
   * `allocatable.count` from max_volumes_per_node when the driver has a limit — owned by the Node.
   */
  private registerCsiNode(): void {
    const node = this.client.get('Node', this.nodeName);
    if (!node) return;
    const drivers: object[] = [];
    for (const name of [...this.drivers.keys()].sort()) {
      let info: ReturnType<CsiDriverPort['nodeGetInfo']>;
      try { info = this.drivers.get(name)!.nodeGetInfo({ node: this.nodeName }); } catch { continue; }
      const keys = Object.keys(info.accessibleTopology).sort();
      drivers.push({
        name, nodeID: info.nodeId, topologyKeys: keys.length > 0 ? keys : null,
        ...(info.maxVolumesPerNode > 0 ? { allocatable: { count: info.maxVolumesPerNode } } : {}),
      });
    }
    const current = this.client.get('CSINode', this.nodeName);
    if (!current) {
      this.client.create('CSINode', {
        apiVersion: 'storage.k8s.io/v1', kind: 'CSINode',
        metadata: { name: this.nodeName, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: this.nodeName, uid: node.metadata.uid ?? '' }] },
        spec: { drivers },
      } as unknown as AnyObject);
      return;
    }
    const spec = (current['spec'] ?? {}) as { drivers?: object[] };
    if (JSON.stringify(spec.drivers ?? []) !== JSON.stringify(drivers)) {
      this.client.update('CSINode', { ...current, spec: { ...spec, drivers } } as unknown as AnyObject);
    }
  }

  /**
   * Volumes of pods that are gone (deleted without the kubelet, e.g. before admission or
   * forced): unpublished and unstaged; their emptyDirs and writable layers deleted.
   */
  private housekeeping(): void {
    const proofs = this.options.housekeepingProofs;
    const sources = proofs?.world.sources();
    if (!proofs || !sources) { this.housekeepingPass(); return; }
    const changes = proofs.world.changes();
    if (this.provenQuiet(proofs.get(this.nodeName), sources, changes)) { proofs.skipped++; return; }
    const fresh = this.actual === undefined;
    const acted = this.housekeepingActs;
    const reads = new ReadSet();
    proofs.world.recording(reads, () => this.housekeepingPass());
    if (this.housekeepingActs === acted && proofs.world.changes() === changes && reads.replayable) {
      proofs.set(this.nodeName, fresh, { reads, actual: this.actualState(), heldAt: changes });
    }
  }

  /** Whether a proof shows this pass would do nothing (see HousekeepingProofs); a fresh kubelet then takes the proof's reconstruction. */
  private provenQuiet(proofs: { fresh?: HousekeepingProof; warm?: HousekeepingProof } | undefined, sources: ReadSources, changes: number): boolean {
    if (!proofs) return false;
    if (this.actual === undefined) {
      if (!proofs.fresh || !Kubelet.holds(proofs.fresh, sources, changes)) return false;
      this.actual = proofs.fresh.actual;
      return true;
    }
    for (const proof of [proofs.warm, proofs.fresh]) {
      if (proof && (this.actual === proof.actual || jsonEqual(this.actual, proof.actual)) && Kubelet.holds(proof, sources, changes)) return true;
    }
    return false;
  }

  /** Whether a proof's reads hold now (asked again only when the API server changed since they last held). */
  private static holds(proof: HousekeepingProof, sources: ReadSources, changes: number): boolean {
    if (proof.heldAt === changes) return true;
    if (!proof.reads.holds(sources)) return false;
    proof.heldAt = changes;
    return true;
  }

  private housekeepingPass(): void {
    this.registerCsiNode();
    const here = new Set(this.podsHere().map((p) => p.metadata.uid ?? ''));
    for (const published of orphanedTargets(this.actualState(), here)) { this.housekeepingActs++; this.unpublish('*', undefined, published); }
    if (!this.unstageUnused('*', undefined, true)) this.housekeepingActs++;
    this.updateVolumesInUse();
    const podExists = (uid: string) => this.client.byIndex('podsByUid', uid).length > 0;
    // The container runtime's garbage collection: layers of containers whose pod is gone
    // (a layer exec.ts wrote carries no node, and any node's runtime may collect it).
    const layers = [...this.client.byIndex('filesystemsByNode', ''), ...this.client.byIndex('filesystemsByNode', this.nodeName)] as unknown as FilesystemObject[];
    layers.sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
    for (const fs of layers) {
      const m = /^container\.(.+)\.[^.]+$/.exec(fs.metadata.name) ?? /^subpath\.(.+)\.[^.]+\.\d+$/.exec(fs.metadata.name);
      if (!m || podExists(m[1]!)) continue;
      const node = fs.spec?.['node'];
      if (node === undefined || node === this.nodeName) { this.housekeepingActs++; this.client.delete('Filesystem', fs.metadata.name); }
    }
    const alive = new Set(this.actualState().emptyDirs.map((e) => e.podUid).filter(podExists));
    for (const e of orphanedEmptyDirs(this.actualState(), alive)) { this.housekeepingActs++; this.tearDownEmptyDir(e.podUid, e.volume); }
  }
}

/**
 * The eviction manager's emptyDirLimitEviction (pkg/kubelet/eviction/eviction_manager.go, with
 * emptyDirMessageFmt from helpers.go): the first emptyDir volume, in the pod's order, whose usage
 * exceeds a positive `sizeLimit` gives the eviction message `Usage of EmptyDir volume "x" exceeds
 * the limit "1Gi". ` (the limit as Quantity.String() prints it, the trailing space included);
 * either medium. `usage`: an emptyDir Filesystem's contents by name.
 */
export function emptyDirOverLimit(pod: Pod, usage: (filesystem: string) => FsState | undefined): string | undefined {
  for (const volume of pod.spec.volumes ?? []) {
    const limit = (volume['emptyDir'] as { sizeLimit?: string } | null | undefined)?.sizeLimit;
    if (limit === undefined) continue;
    const size = parseQuantity(limit);
    const bytes = quantityToBytes(size);
    if (bytes <= 0n) continue;
    const fs = usage(emptyDirFilesystemName(pod.metadata.uid ?? '', volume.name));
    if (fs !== undefined && BigInt(usedBytes(fs)) > bytes) return `Usage of EmptyDir volume "${volume.name}" exceeds the limit "${formatQuantity(size)}". `;
  }
  return undefined;
}

/**
 * supportsVolumeLifecycleMode (pkg/volume/csi/csi_mounter.go) for an inline volume: the driver's
 * CSIDriver must list Ephemeral; without a CSIDriver object only Persistent is assumed.
 */
export function inlineCsiModeProblem(driver: string, csiDriver: { spec?: { volumeLifecycleModes?: string[] } } | undefined): string | undefined {
  if (!csiDriver) return `volume mode "Ephemeral" not supported by driver ${driver} (no CSIDriver object)`;
  const modes = csiDriver.spec?.volumeLifecycleModes ?? ['Persistent'];
  if (modes.includes('Ephemeral')) return undefined;
  return `volume mode "Ephemeral" not supported by driver ${driver} (only supports [${modes.map((m) => JSON.stringify(m)).join(' ')}])`;
}

/**
 * The desired-state populator's check (pkg/kubelet/volumemanager/populator
 * desired_state_of_world_populator.go createVolumeSpec): a Block volume may only be used through
 * volumeDevices, a Filesystem one only through volumeMounts.
 */
export function volumeModeMismatch(pod: Pod, volumeName: string, volumeMode: string): string | undefined {
  const containers = [...initContainersOf(pod), ...containersOf(pod)] as { volumeMounts?: { name: string }[]; volumeDevices?: { name: string }[] }[];
  const mounted = containers.some((c) => (c.volumeMounts ?? []).some((m) => m.name === volumeName));
  const mapped = containers.some((c) => (c.volumeDevices ?? []).some((d) => d.name === volumeName));
  if (mounted && volumeMode !== 'Filesystem') return `volume ${volumeName} has volumeMode ${volumeMode}, but is specified in volumeMounts`;
  if (mapped && volumeMode !== 'Block') return `volume ${volumeName} has volumeMode ${volumeMode}, but is specified in volumeDevices`;
  return undefined;
}
