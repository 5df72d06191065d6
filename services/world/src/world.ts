/**
 * Design: the simulated cluster as one deterministic step machine (issue 6). `createWorld` is the
 * one composition root: it builds the API server (the ObjectStore over the PV/PVC/VA actors), the
 * informer cache and the typed client the components hold, the controllers, sidecars, kubelets
 * and CSI drivers, the clock and the random streams. Nothing else wires them: the CLI's session,
 * the test harnesses and the benches all call it.
 *
 * Every choice goes through one seam. `enabled()` lists what can happen next — run a waiting work
 * item, let an informer catch up with one watch event, fire a due timer, resync, and (when the
 * caller explores them) API faults, a component crash, a node going down or up — and `step(a)`
 * takes one. A Chooser picks (seeded, FIFO, recorded, or an explorer's). Settling is a policy on
 * top of `step` with a budget of steps and of simulated time; a run that cannot converge stops at
 * the budget, keeps what happened, and says what is still in flight.
 */
import { ANN_NODE_DOWN, withNodeDown, ApiError, CsiError, canonicalJson, hash64, hex8, type CsiCode, type Fingerprinter, type KubeEvent, type NewLogRecord } from '@pvsim/domain';
import {
  Footprint, InformerCache, InformerClient, InProcessBus, ObjectStore, Random, RandomStreams, STORED_KINDS, Scheduler, SimClock, uidOf,
  type AnyObject, type ObjectStoreOptions, type ReloadedKeys, type UidIdentity, type WatchEvent, type WorkItem,
} from '@pvsim/runtime';
import {
  ControllerManager, DEFAULT_RESYNC_PERIOD_MS, inTreePlugins, type ControllerName, type FeatureGates, type VolumePlugin,
} from '@pvsim/controller-manager';
import type { CsiDriverFactory, CsiProfile } from '@pvsim/csi-drivers';
import { describeAction, isApiFault, isCsiFault, isWatchFault, type Action, type ApiFault, type CsiFault, type Fault, type FaultKind, type WatchFault } from './actions.ts';
import { fifoChooser, seededChooser, type Chooser } from './chooser.ts';
import { clusterComponents, type ClusterParts } from './cluster.ts';
import { remoteDriverPort, type RpcTransport } from './driverRpc.ts';
import { StateVersion, type Controller } from '@pvsim/component';
import { HousekeepingProofs } from '@pvsim/kubelet';

/** One simulated process: its informer cache, the client its components hold, and the watch events it has not applied. */
interface Process {
  name: string;
  cache: InformerCache;
  client: InformerClient;
  pending: WatchEvent[];
}

const CONTROLLER_MANAGER = 'kube-controller-manager';
/** The component of records the simulator itself causes: an injected fault, a crash, a node going down or up. */
const SIMULATOR = 'pvsim';

/**
 * Which process a component runs in, as on a cluster: the scheduler in kube-scheduler, each
 * kubelet in its own, each CSI sidecar in its own container; every other controller in
 * kube-controller-manager.
 */
export function processOf(component: string): string {
  if (component === 'scheduler') return 'kube-scheduler';
  if (component.startsWith('kubelet/') || component.startsWith('external-provisioner/') || component.startsWith('attacher/')
    || component.startsWith('external-resizer/') || component.startsWith('csi-snapshotter/') || component === 'snapshot-controller') return component;
  return CONTROLLER_MANAGER;
}

/** How far one settle may go before it stops and reports what is still in flight. */
export interface SettleBudget {
  /** Work items delivered. */
  stepsMax: number;
  /** Simulated time that may pass. */
  simulatedMsMax: number;
}

/** Resync periods one settle may run through while something is still in flight. */
export const SETTLE_RESYNCS_MAX = 100;
/** The CSI codes an explorer injects: one a caller retries in the background, one it treats as final. */
export const CSI_FAULT_CODES = ['UNAVAILABLE', 'INTERNAL'] as const;
/** Resources whose next update an explorer may fail on their own (`api-error`). */
export const API_FAULT_RESOURCES = ['persistentvolumes', 'persistentvolumeclaims'] as const;
/** Extra latency of an injected slow CSI call. */
export const CSI_FAULT_LATENCY_MS = 5_000;

/** Steps of time in a row that may pass with only failing retries and no change, before a settle stops. */
export const IDLE_TIME_STEPS_MAX = 8;
export const DEFAULT_SETTLE_BUDGET: SettleBudget = {
  stepsMax: 2_000_000,
  simulatedMsMax: SETTLE_RESYNCS_MAX * DEFAULT_RESYNC_PERIOD_MS,
};

export interface SettleReport {
  deliveries: number;
  resyncs: number;
  syncErrors: number;
  /**
   * Why the settle stopped before the cluster was quiet: its step or time budget ran out, or only
   * retries of failing operations were left and several of them in a row changed nothing.
   */
  stoppedBy?: 'steps' | 'time' | 'retrying';
  /** What is still in flight when the settle stopped at its budget. */
  inFlight: string[];
}

/** Which kinds of action `enabled()` offers beyond deliveries, watch events and time. */
export interface Exploration {
  faults?: readonly FaultKind[];
  crash?: boolean;
  nodes?: boolean;
}

export interface WorldOptions {
  /** Decides every random stream (latency, faults, delivery, provisioner identity) and the uids. */
  seed?: number;
  /** Simulated time at the start. */
  startMs?: number;
  /** Fact, input and scheduler records, for the event log. */
  record?: (rec: NewLogRecord) => void;
  /** Uids (default: digested from `uidSeed` and the object's identity, ADR 0031). */
  newUid?: (identity: UidIdentity) => string;
  /**
   * The seed uids are digested from (default: `seed`). A CLI invocation's world is seeded from the
   * seed and its log position; its uids must not be, or a distributed run, whose commands land at
   * other positions, would name objects differently (ADR 0031): the session passes the cluster's seed.
   */
  uidSeed?: number;
  /** Picks what happens next (default: seeded from the `delivery` stream). */
  chooser?: Chooser;
  /** `full`: every component and the simulated CSI drivers (the CLI's cluster); `storage`: the PV and protection controllers only. */
  cluster?: 'full' | 'storage';
  /** The CSI drivers of a full cluster (default nas and disk). */
  drivers?: readonly CsiProfile[];
  /**
   * Drivers whose controller RPCs another process answers (ADR 0022): the transport for a driver,
   * or undefined to keep it in-process. Each outcome is a record of stream `csi/DRIVER` (driverRpc.ts).
   */
  driverRpc?: (driver: string) => RpcTransport | undefined;
  /** Users' CSI driver modules, each in place of the simulated driver of that name (`--csi-driver`). */
  userDrivers?: Readonly<Record<string, CsiDriverFactory>>;
  /** Which storage controllers run (all by default). */
  controllers?: readonly ControllerName[];
  plugins?: VolumePlugin[];
  featureGates?: Partial<FeatureGates>;
  resyncPeriodMs?: number;
  /** An extra API fault hook (the Kubernetes case tables' apiErrors). */
  apiFault?: ObjectStoreOptions['fault'];
  /** Informers receive watch events only when a `watch` action delivers them (stale reads). */
  informerLag?: boolean;
  explore?: Exploration;
  budget?: Partial<SettleBudget>;
  onProgress?: (delivered: number, waiting: number) => void;
  /**
   * Lockstep (ADR 0025): told of every delivery of a work item to a component before it is
   * performed — the component that owns the item's queue, the item — and may return a function
   * called once the delivery has been performed (the sequencer compares the step's records there).
   * Undefined in embedded runs, which are then unchanged byte for byte.
   */
  onDeliver?: (component: string, item: WorkItem) => (() => void) | undefined;
  /**
   * While time runs (`runUntil`), a resync round proven to change nothing is repeated — the same
   * records, the same choices and random draws — without running the controllers again, until
   * something else happens (default true; false runs every round in full, the path the fast one
   * is tested against).
   */
  repeatQuietRounds?: boolean;
  /**
   * false: nobody asks for this world's `fingerprint()` (a command's or a replay's world), so the
   * work queue keeps no hash of its waiting items; `fingerprint()` then throws. Default true.
   */
  fingerprints?: boolean;
  /**
   * A kubelet's housekeeping pass proven to do nothing again is skipped (kubelet.ts
   * HousekeepingProofs; default true; false runs every pass, the path the fast one is tested against).
   */
  proveHousekeeping?: boolean;
}

/**
 * A resync round that ran in full and was proven a no-op: the work it queued, in queue order,
 * and the component each item's queue belongs to.
 */
interface QuietRound {
  items: readonly WorkItem[];
  owners: ReadonlyMap<string, string>;
}

export class World {
  readonly clock: SimClock;
  readonly streams: RandomStreams;
  /** The API server. Verbs and tests read it; components hold `client`. */
  readonly store: ObjectStore;
  /** The kube-controller-manager process's informer cache and client (tests add controllers with them). */
  readonly cache: InformerCache;
  readonly client: InformerClient;
  /**
   * Each process's informer cache, client and the watch events it has not applied yet. With
   * lagging informers every process (kube-controller-manager, kube-scheduler, each kubelet, each
   * sidecar) has its own, as on a cluster; without, their caches would always agree, so they
   * share one (memory does not multiply by the number of processes).
   */
  private readonly processes = new Map<string, Process>();
  readonly manager: ControllerManager;
  /** Drivers, kubelets and component factories of a full cluster (empty for `storage`). */
  readonly parts: ClusterParts;
  readonly chooser: Chooser;
  readonly scheduler: Scheduler;
  private readonly record: (rec: NewLogRecord) => void;
  /** The component the world is acting for (a delivered work item's controller, an informer's process). */
  private acting: string | undefined;
  private readonly armedFaults: Fault[] = [];
  private readonly budget: SettleBudget;
  /** Records written so far, work-queue calls made by components, and clock reads made by components (a quiet round's proof). */
  private recordsWritten = 0;
  private queueCalls = 0;
  private componentClockReads = 0;
  /** Resync rounds repeated without running them (`repeatQuietRounds`), for tests and benchmarks. */
  repeatedQuietRounds = 0;
  /** The random stream the default chooser draws from (undefined for any other chooser). */
  private readonly chooserStream: string | undefined;
  /** Per component: its state as snapshots hold it, at which instance and state version (`snapshotStateOf`). */
  private readonly snapshotStates = new Map<string, KeptState>();
  /** Per component: the snapshot state a restore last loaded into it, and its state version right after (`restoreRest`). */
  private readonly loadedStates = new Map<string, KeptState>();
  /** Per component: the instance and its state version when its state was last saved, and that state as JSON (`savedState`). */
  private readonly savedStates = new Map<string, SavedState>();
  /** The components' part of the last `fingerprint()`, per component and summed (`componentsHash`). */
  private componentsSum: ComponentsSum | undefined;
  readonly resyncPeriodMs: number;
  /** While `stepTracked` runs: what the step reads and writes beyond the store, caches, queue and streams. */
  private tracker: Footprint | undefined;
  /** Object writes (not events) so far; settle compares it across a resync. */
  get writes(): number { return this.store.writes; }
  /**
   * The kubelets' proofs of housekeeping passes that did nothing (kubelet.ts), each the exact
   * reads of its pass — vouched for only while every component reads the API server's current
   * objects (informers do not lag), no user driver module keeps memory of its own, and no step's
   * reads are being tracked.
   */
  readonly housekeepingProofs = new HousekeepingProofs({
    sources: () => (this.opts.proveHousekeeping === false || this.tracker || this.opts.informerLag || (this.parts.userDrivers?.size ?? 0) > 0
      ? undefined : { store: this.store, cache: this.cache }),
    recording: (reads, pass) => {
      this.store.reads = reads;
      for (const p of this.processes.values()) p.cache.reads = reads;
      try { pass(); } finally {
        this.store.reads = undefined;
        for (const p of this.processes.values()) p.cache.reads = undefined;
      }
    },
    changes: () => this.store.changes,
  });

  constructor(private readonly opts: WorldOptions = {}) {
    this.clock = new SimClock(opts.startMs ?? 0);
    this.streams = new RandomStreams(opts.seed ?? 0);
    // Every record written while the world acts for a component says which (ADR 0006).
    const sink = opts.record ?? (() => {});
    this.record = (rec) => {
      this.recordsWritten++;
      // Written out, not spread: a spread of records of every shape was 4 % of a settled bind.
      sink(this.acting !== undefined && rec.component === undefined
        ? { time: rec.time, stream: rec.stream, type: rec.type, data: rec.data, component: this.acting }
        : rec);
    };
    this.budget = { ...DEFAULT_SETTLE_BUDGET, ...(opts.budget ?? {}) };
    this.resyncPeriodMs = opts.resyncPeriodMs ?? DEFAULT_RESYNC_PERIOD_MS;
    // The uids are digested from the seed of the `uids` stream, which is never drawn from (ADR
    // 0031): it stays a stream so the snapshots' list of streams is as it was.
    const uidStream = this.streams.for('uids');
    const uidSeed = opts.uidSeed === undefined ? uidStream.seed : new RandomStreams(opts.uidSeed).for('uids').seed;
    this.store = new ObjectStore({
      clock: this.clock,
      bus: new InProcessBus(),
      newUid: opts.newUid ?? ((identity) => uidOf(uidSeed, identity)),
      record: this.record,
      watch: (ev) => this.onStoreChange(ev),
      ...(opts.apiFault ? { fault: opts.apiFault } : {}),
    });
    const kcm = this.process(CONTROLLER_MANAGER);
    this.cache = kcm.cache;
    this.client = kcm.client;
    this.chooserStream = opts.chooser ? undefined : 'delivery';
    this.chooser = opts.chooser ?? seededChooser(this.streams.for('delivery'));
    this.scheduler = this.chooser.kind === 'fifo' ? Scheduler.fifo() : new Scheduler((waiting) => this.chooser.pickWork(waiting));
    if (opts.fingerprints !== false) this.scheduler.itemHash = (item) => hash64(`${item.queue} ${this.store.canonicalNames(item.key)}`);
    const queue = {
      add: (q: string, key: string) => { this.queueCalls++; this.scheduler.add({ queue: q, key }); },
      addAfter: (q: string, key: string, delayMs: number, kind?: 'retry') => { this.queueCalls++; this.scheduler.addAt({ queue: q, key }, this.clock.now() + delayMs, kind === 'retry'); },
    };
    const full = opts.cluster === 'full';
    const components = full ? clusterComponents((component) => this.process(processOf(component)).client, this.store, this.clock, this.streams, opts.drivers, (driver) => ({
      error: (rpc) => this.takeCsiFault(driver, rpc),
      latencyMs: (rpc) => this.takeCsiLatency(driver, rpc),
    }), (driver, rpc) => this.takeReplyLost(driver, rpc), opts.userDrivers,
    // A user driver keeps its memory in the module: a call to it reads that memory.
    (driver) => this.tracker?.read(`m|csi-driver/${driver}`), this.housekeepingProofs, opts.driverRpc ? (driver, port) => {
      const transport = opts.driverRpc!(driver);
      return transport ? remoteDriverPort(driver, port, this.store, (o) => this.record({ time: this.clock.isoMs(), stream: `csi/${driver}`, type: o.type, data: o.data }), transport) : port;
    } : undefined) : undefined;
    this.manager = new ControllerManager({
      client: this.client, queue, clock: this.clock, record: this.record, processOf,
      plugins: opts.plugins ?? (full ? inTreePlugins() : []),
      featureGates: opts.featureGates ?? {},
      ...(opts.controllers ? { controllers: opts.controllers } : {}),
      ...(components ? { extraControllers: components.extraControllers } : {}),
    });
    this.parts = components?.parts ?? { drivers: new Map(), kubelets: new Map(), factories: new Map(), attach: () => {} };
    this.parts.attach(this.manager);
  }

  // ------------------------------------------------------------------ informers

  /** The process of that name (created on first use; all one shared process unless informers lag). */
  private process(name: string): Process {
    const key = this.opts.informerLag ? name : CONTROLLER_MANAGER;
    let p = this.processes.get(key);
    if (!p) {
      const cache = new InformerCache(key);
      cache.relist(this.store, STORED_KINDS);
      // A lagging cache is its own copy of the objects; otherwise it is the API server's, always current.
      if (this.opts.informerLag) cache.trackAs = `c:${key}:`;
      cache.tracker = this.tracker;
      p = { name: key, cache, client: new InformerClient(this.store, cache, (verb, resource, n) => this.takeFault(verb, resource, n)), pending: [] };
      this.processes.set(key, p);
    }
    return p;
  }

  private onStoreChange(ev: WatchEvent): void {
    for (const p of this.processes.values()) {
      if (this.opts.informerLag) { this.tracker?.write(`p:${p.name}|tail`); p.pending.push(ev); }
      else this.deliverWatch(p, ev);
    }
  }

  private deliverWatch(p: Process, ev: WatchEvent): void {
    if (this.tracker) {
      // The informer handlers run: each may look at what its component remembers.
      if (this.opts.informerLag) for (const c of this.manager.controllers) { if (processOf(c.name) === p.name) this.tracker.read(`m|${c.name}`); }
      else this.tracker.read('m|*');
    }
    p.cache.apply(ev);
    this.manager?.onWatch(ev, this.opts.informerLag ? p.name : undefined);
  }

  /**
   * The informers list the API server again: after objects were put into the store without watch
   * events (a log folded at start-up, a case table's initial objects). Components that join per
   * object (kubelets per node) join here.
   */
  relist(): void {
    for (const p of this.processes.values()) {
      p.pending.length = 0;
      p.cache.relist(this.store, STORED_KINDS);
    }
    this.parts.attach(this.manager);
  }

  /**
   * `relist()` for a world whose store adopted `previous`'s API server (a world continuing another
   * in memory, ADR 0008): when neither lags, `previous`'s informer cache holds exactly what a
   * relist would list, so this world's takes it over instead of listing every object again;
   * components join as after a relist. `previous` must not be used again.
   */
  relistFrom(previous: World): void {
    const mine = this.processes.get(CONTROLLER_MANAGER);
    const theirs = previous.processes.get(CONTROLLER_MANAGER);
    if (this.opts.informerLag || previous.opts.informerLag || previous.lag > 0 || this.processes.size !== 1 || !mine || !theirs) {
      this.relist();
      return;
    }
    mine.cache.adopt(theirs.cache);
    // The same API server and the same drivers: the previous kubelets' proofs hold for these.
    if (this.opts.drivers === previous.opts.drivers) this.housekeepingProofs.adopt(previous.housekeepingProofs);
    this.parts.attach(this.manager);
  }

  /** Watch events sent but not yet applied, over every process's informer cache. */
  get lag(): number {
    let n = 0;
    for (const p of this.processes.values()) n += p.pending.length;
    return n;
  }

  // ------------------------------------------------------------------ the seam

  /** What can happen next. Deliveries come first, in the order the chooser's `pickWork` sees them. */
  enabled(): Action[] {
    const out: Action[] = this.scheduler.waitingItems.map((item) => ({ type: 'deliver', item: { ...item } }) as Action);
    for (const p of [...this.processes.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (p.pending.length > 0) out.push({ type: 'watch', informer: p.name });
    }
    const due = this.scheduler.nextDue();
    if (due !== undefined) out.push({ type: 'timer', atMs: Math.max(due, this.clock.now()) });
    out.push({ type: 'resync', atMs: this.nextResyncAt() });
    const explore = this.opts.explore;
    for (const kind of explore?.faults ?? []) {
      if (kind === 'api-error' || kind === 'conflict') {
        for (const verb of ['create', 'update', 'delete'] as const) out.push({ type: 'fault', fault: { kind, verb } });
        // The next write of one kind fails: a sync's second write may fail after its first succeeded.
        if (kind === 'api-error') for (const resource of API_FAULT_RESOURCES) out.push({ type: 'fault', fault: { kind, verb: 'update', resource } });
        continue;
      }
      if (kind === 'watch-drop' || kind === 'watch-dup') {
        for (const p of [...this.processes.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
          if (kind === 'watch-dup' ? p.pending.length > 0 : droppableWatchEvent(p.pending) >= 0) out.push({ type: 'fault', fault: { kind, informer: p.name } });
        }
        continue;
      }
      for (const driver of [...this.parts.drivers.keys()].sort()) {
        if (kind === 'csi-error') for (const code of CSI_FAULT_CODES) out.push({ type: 'fault', fault: { kind, driver, code } });
        else if (kind === 'csi-timeout') {
          out.push({ type: 'fault', fault: { kind, driver } });
          out.push({ type: 'fault', fault: { kind, driver, replyLost: true } });
        }
        else out.push({ type: 'fault', fault: { kind, driver, latencyMs: CSI_FAULT_LATENCY_MS } });
      }
    }
    if (explore?.crash) {
      out.push({ type: 'crash', component: 'pv-controller' });
      for (const name of [...this.parts.factories.keys()].sort()) out.push({ type: 'crash', component: name });
    }
    if (explore?.nodes) {
      for (const n of this.store.list('Node')) out.push({ type: 'node', node: n.metadata.name, down: (n.metadata['annotations'] as Record<string, string> | undefined)?.[ANN_NODE_DOWN] !== 'true' });
    }
    return out;
  }

  /**
   * Takes one action. `chosen`: the action was a choice (not the settle policy's), so even a timer
   * is written to the log and the run replays under the recorded chooser.
   */
  step(action: Action, chosen = false): void {
    switch (action.type) {
      case 'deliver': {
        const item = this.scheduler.take(action.item);
        if (!item) throw new Error(`${describeAction(action)}: not waiting`);
        this.deliver(item);
        return;
      }
      case 'watch': {
        this.tracker?.write(`p:${action.informer}|head`);
        const p = this.processes.get(action.informer);
        const ev = p?.pending.shift();
        if (!p || !ev) throw new Error(`no watch event is waiting for ${action.informer}`);
        this.actingFor(action.informer, () => {
          this.record({ time: this.clock.isoMs(), stream: 'scheduler', type: 'WatchDelivered', data: { informer: action.informer, kind: ev.kind, key: ev.key } });
          this.deliverWatch(p, ev);
        });
        return;
      }
      case 'timer':
        if (chosen) this.record({ time: this.clock.isoMs(), stream: 'scheduler', type: 'TimerFired', data: { atMs: action.atMs } });
        this.clock.set(action.atMs);
        this.scheduler.releaseDue(this.clock.now());
        return;
      case 'resync':
        this.resyncAt(action.atMs);
        return;
      case 'fault':
        if (isWatchFault(action.fault)) this.disturbWatch(action.fault);
        else this.armedFaults.push(action.fault);
        this.actingFor(SIMULATOR, () => this.record({ time: this.clock.isoMs(), stream: 'scheduler', type: 'FaultInjected', data: action.fault }));
        return;
      case 'crash':
        this.actingFor(SIMULATOR, () => this.record({ time: this.clock.isoMs(), stream: 'scheduler', type: 'ComponentRestarted', data: { component: action.component } }));
        if (this.opts.informerLag) {
          // A restarted process lists everything again: its informers catch up at once.
          const p = this.process(processOf(action.component));
          p.pending.length = 0;
          p.cache.relist(this.store, STORED_KINDS);
        }
        this.manager.restartController(action.component, this.parts.factories.get(action.component)?.());
        return;
      case 'node': {
        const live = this.store.get('Node', action.node);
        if (!live) throw new Error(`node ${action.node} not found`);
        this.actingFor(SIMULATOR, () => {
          this.record({ time: this.clock.isoMs(), stream: 'scheduler', type: action.down ? 'NodeWentDown' : 'NodeCameUp', data: { node: action.node } });
          this.store.update('Node', withNodeDown(live as never, action.down, this.clock.iso()) as AnyObject);
        });
        return;
      }
    }
  }

  /**
   * Takes one action as `step(action, true)` does, and says what it read and wrote: objects in
   * the API server and in the informer caches, waiting and delayed work, undelivered watch
   * events, random streams, armed faults, and the memory of the components that ran (read) or
   * whose saved state changed (written) — what a model checker needs to tell whether two
   * deliveries commute (partial-order reduction; Footprint.ts names the resources). `memories`:
   * `memories()` of this state, when the caller has it already.
   */
  stepTracked(action: Action, memories: ReadonlyMap<string, string> = this.memories()): Footprint {
    const fp = new Footprint();
    this.track(fp);
    try { this.step(action, true); } finally { this.track(undefined); }
    const after = this.memories();
    for (const [name, raw] of after) if (memories.get(name) !== raw) fp.write(`m|${name}`);
    for (const name of memories.keys()) if (!after.has(name)) fp.write(`m|${name}`);
    return fp;
  }

  /** Each component's saved state as JSON (what `stepTracked` compares across a step). */
  memories(): Map<string, string> {
    const out = new Map<string, string>();
    for (const c of this.manager.controllers) if (c.saveState) out.set(c.name, this.savedState(c));
    return out;
  }

  private track(fp: Footprint | undefined): void {
    this.tracker = fp;
    this.store.tracker = fp;
    this.scheduler.tracker = fp;
    this.streams.track(fp);
    for (const p of this.processes.values()) p.cache.tracker = fp;
  }

  /** The chooser picks one of the enabled actions (or of those `filter` keeps) and the world takes it. */
  stepChosen(filter?: (a: Action) => boolean): Action {
    const enabled = filter ? this.enabled().filter(filter) : this.enabled();
    if (enabled.length === 0) throw new Error('no action is enabled');
    const action = enabled[this.chooser.choose(enabled)]!;
    this.step(action, true);
    return action;
  }

  private deliver(item: WorkItem): void {
    const owner = this.manager.ownerOf(item.queue) ?? item.queue;
    this.tracker?.read(`m|${owner}`);
    // `actingFor` written out: the commonest step of every run, without a closure each.
    const granted = this.opts.onDeliver?.(owner, item);
    const before = this.acting;
    this.acting = owner;
    try {
      // Stamped here rather than by `record` (one object fewer per delivery, the commonest record).
      this.record({ time: this.clock.isoMs(), stream: 'scheduler', type: 'WorkDelivered', data: item, component: owner });
      const reads = this.clock.reads;
      this.manager.deliver(item);
      this.componentClockReads += this.clock.reads - reads;
    } finally {
      this.acting = before;
    }
    granted?.();
  }

  /** Runs `fn` with every record it writes stamped with `component`. */
  private actingFor(component: string, fn: () => void): void {
    const before = this.acting;
    this.acting = component;
    try { fn(); } finally { this.acting = before; }
  }

  private takeArmed<F extends Fault>(matches: (f: Fault) => f is F): F | undefined {
    if (this.armedFaults.length > 0) this.tracker?.write('f|armed');
    const i = this.armedFaults.findIndex(matches);
    return i < 0 ? undefined : this.armedFaults.splice(i, 1)[0] as F;
  }

  /** The faults armed and not yet taken (part of a state beside its fingerprint: an explorer's key). */
  get armed(): readonly Fault[] {
    return this.armedFaults;
  }

  /** A watch fault acts at once on the informer's undelivered events. */
  private disturbWatch(f: WatchFault): void {
    const p = this.processes.get(f.informer);
    if (!p || p.pending.length === 0) throw new Error(`no watch event is waiting for ${f.informer}`);
    if (f.kind === 'watch-dup') { p.pending.unshift(p.pending[0]!); return; }
    const i = droppableWatchEvent(p.pending);
    if (i < 0) throw new Error(`no watch event of ${f.informer} has a later one for the same object`);
    p.pending.splice(i, 1);
  }

  private takeCsiFault(driver: string, rpc: string): CsiError | undefined {
    const f = this.takeArmed((x): x is CsiFault => isCsiFault(x) && x.kind !== 'csi-latency' && !x.replyLost && x.driver === driver && (x.rpc === undefined || x.rpc === rpc));
    if (!f) return undefined;
    return f.kind === 'csi-timeout'
      ? new CsiError('DEADLINE_EXCEEDED', `${rpc}: injected timeout (the call did not run)`)
      : new CsiError((f.code ?? 'UNAVAILABLE') as CsiCode, `${rpc}: injected ${f.code ?? 'UNAVAILABLE'}`);
  }

  /** After a mutating CSI call succeeded: its reply is lost when a `replyLost` timeout is armed. */
  private takeReplyLost(driver: string, rpc: string): CsiError | undefined {
    const f = this.takeArmed((x): x is CsiFault => isCsiFault(x) && x.kind === 'csi-timeout' && x.replyLost === true && x.driver === driver && (x.rpc === undefined || x.rpc === rpc));
    return f && new CsiError('DEADLINE_EXCEEDED', `${rpc}: injected timeout (the call ran; its reply was lost)`);
  }

  private takeCsiLatency(driver: string, rpc: string): number {
    const f = this.takeArmed((x): x is CsiFault => isCsiFault(x) && x.kind === 'csi-latency' && x.driver === driver && (x.rpc === undefined || x.rpc === rpc));
    return f?.latencyMs ?? 0;
  }

  private takeFault(verb: ApiFault['verb'], resource: string, name: string): ApiError | undefined {
    const f = this.takeArmed((x): x is ApiFault => isApiFault(x) && x.verb === verb && (x.resource === undefined || x.resource === resource));
    if (!f) return undefined;
    return f.kind === 'conflict'
      ? new ApiError('Conflict', `Operation cannot be fulfilled on ${resource} "${name}": the object has been modified; please apply your changes to the latest version and try again`)
      : new ApiError('InternalError', `injected fault: ${verb} ${resource} "${name}"`);
  }

  private nextResyncAt(): number {
    return (Math.floor(this.clock.now() / this.resyncPeriodMs) + 1) * this.resyncPeriodMs;
  }

  private resyncAt(atMs: number): void {
    this.clock.set(atMs);
    this.record({ time: this.clock.isoMs(), stream: 'scheduler', type: 'ResyncStarted', data: {} });
    this.resyncAll();
  }

  /** The informers' periodic resync, for every controller. */
  resyncAll(): void {
    const reads = this.clock.reads;
    this.manager.resyncAll();
    this.componentClockReads += this.clock.reads - reads;
  }

  /**
   * One resync round run in full (the resync, then every item it queued delivered), returned as
   * proven quiet when it changed nothing and depended on nothing that moves by itself:
   *   - it wrote no record but its `ResyncStarted` and one `WorkDelivered` per item (every object
   *     write and event leaves a record), and no object was written;
   *   - no component read the clock, scheduled against it, or added work while the items ran, and
   *     every item queued by the resync was delivered (nothing left waiting, no informer lagging);
   *   - what every component remembers (`saveState`), the delayed work, armed faults, sync errors
   *     and every random stream are as before, the chooser's stream moved by exactly the draws of
   *     the round's choices.
   * Then the next round, started from the same state with nothing happening in between, is this
   * round again: the resync queues the same items (same state, the time unread); each delivery
   * meets the same state whatever the order (all before it changed nothing), so it changes
   * nothing again. Only the time and the chooser's choices differ, and `repeatQuietRound`
   * reproduces those exactly.
   */
  private resyncRound(atMs: number, prove: boolean): QuietRound | undefined {
    const eligible = prove && this.opts.repeatQuietRounds !== false && this.scheduler.size === 0 && this.lag === 0
      && (this.parts.userDrivers?.size ?? 0) === 0;
    if (!eligible) {
      this.resyncAt(atMs);
      this.drain();
      return undefined;
    }
    const before = this.quietState();
    const chooserBefore = this.chooserStream !== undefined ? this.streams.for(this.chooserStream).state() : undefined;
    const records = this.recordsWritten;
    const reads = this.componentClockReads;
    const writes = this.store.writes;
    const delivered = this.scheduler.delivered;
    this.resyncAt(atMs);
    const items = this.scheduler.waitingItems.map(({ queue, key }) => ({ queue, key }));
    const calls = this.queueCalls;
    this.drain();
    if (this.scheduler.size !== 0 || this.lag !== 0 || this.queueCalls !== calls || this.scheduler.delivered - delivered !== items.length
      || this.recordsWritten - records !== 1 + items.length || this.componentClockReads !== reads || this.store.writes !== writes) return undefined;
    if (chooserBefore) {
      // The chooser's draws in this round, and no other draw from its stream.
      const replayed = Random.fromState(0, chooserBefore);
      for (let n = items.length; n > 1; n--) replayed.int(n);
      if (canonicalJson(replayed.state()) !== canonicalJson(this.streams.for(this.chooserStream!).state())) return undefined;
    }
    const after = this.quietState();
    if (after.length !== before.length || after.some((part, i) => part !== before[i])) return undefined;
    const owners = new Map<string, string>();
    for (const { queue } of items) owners.set(queue, this.manager.ownerOf(queue) ?? queue);
    return { items, owners };
  }

  /**
   * Everything a quiet round must leave as it found it, besides the objects and the chooser's
   * stream, as parts compared one by one (===). What each component remembers is the instance and
   * its state version when it keeps one (moved by every change of its memory — the contract the
   * fingerprint relies on, and tests — so the same instance at the same version remembers the
   * same), else its saved state's text: the kubelets' actual states are not serialised for it.
   */
  private quietState(): unknown[] {
    // A copy: the streams' record is shared with snapshots (RandomStreams.state), never changed.
    const streams = { ...this.streams.state() };
    if (this.chooserStream !== undefined) delete streams[this.chooserStream];
    const parts: unknown[] = [JSON.stringify([this.armedFaults, this.manager.syncErrors.length, this.scheduler.pendingWork().delayed, streams])];
    for (const c of this.manager.controllers) {
      const version = c.stateVersion?.value;
      parts.push(c, version !== undefined ? version : c.saveState ? this.savedState(c) : 'null');
    }
    return parts;
  }

  /**
   * A round `resyncRound` proved quiet, at `atMs`: the same records and the same choices as
   * running it (`Scheduler.takeEach` takes its items as delivery would), without running it.
   */
  private repeatQuietRound(round: QuietRound, atMs: number): void {
    this.repeatedQuietRounds++;
    this.clock.set(atMs);
    this.record({ time: this.clock.isoMs(), stream: 'scheduler', type: 'ResyncStarted', data: {} });
    const start = this.scheduler.delivered;
    const time = this.clock.isoMs();
    this.scheduler.takeEach(round.items, ({ queue, key }) => {
      this.record({ time, stream: 'scheduler', type: 'WorkDelivered', data: { queue, key }, component: round.owners.get(queue)! });
      const n = this.scheduler.delivered - start;
      if ((n & 1023) === 0) this.opts.onProgress?.(n, this.scheduler.size);
    });
  }

  // ------------------------------------------------------------------ the world as data

  /**
   * Everything the world is, as JSON: the API server's objects (and its uid registry and version
   * counter), simulated time, the work queue and its timers, watch events an informer has not yet
   * applied (and then the cache itself), armed faults, every random stream's position, and what
   * each component remembers. `restore` into a world built with the same options continues
   * exactly where this one is.
   */
  snapshot(): WorldSnapshot {
    // A component's state is copied once per state version and shared by every snapshot taken
    // while it stands (and with the snapshot it was restored from): snapshots are never changed.
    const controllers: Record<string, unknown> = {};
    for (const c of this.manager.controllers) if (c.saveState) controllers[c.name] = this.snapshotStateOf(c);
    // Stored objects are immutable (ADR 0009): the snapshot shares them with the world (and with
    // every world restored from it) and copies only what is mutable — the dump's own arrays are
    // new, everything else is cloned. Cloning every object twice per explored transition (here
    // and in restore) was a fifth of a restore's cost.
    // The queue's items, the watch events (whose objects are stored ones) and the streams' states
    // come as new copies already: cloning them again was a third of a snapshot.
    const mutable = {
      work: this.scheduler.pendingWork(),
      pending: [...this.processes.values()].filter((p) => p.pending.length > 0).map((p) => p.pending.map((ev) => ({ ...ev }))),
      armedFaults: this.armedFaults.length === 0 ? [] : structuredClone(this.armedFaults),
      streams: this.streams.state(),
    };
    const lagging = [...this.processes.values()].filter((p) => p.pending.length > 0);
    const snap: WorldSnapshot = {
      format: 1 as const,
      nowMs: this.clock.now(),
      store: this.store.dump(),
      work: mutable.work,
      processes: lagging.map((p, i) => ({ name: p.name, pending: mutable.pending[i]!, cache: p.cache.dump() })),
      armedFaults: mutable.armedFaults,
      streams: mutable.streams,
      controllers,
    };
    const components = this.componentHashesNow();
    const waiting = this.scheduler.waitingHashes();
    if (components.size > 0 || waiting !== undefined) carried.set(snap, { components, waiting });
    return snap;
  }

  /**
   * A component's state as snapshots hold it: a private copy of `saveState()`, kept with the
   * instance and state version it was taken at and handed to every snapshot until either moves
   * (a component without a StateVersion is copied every time). Copying every component's state
   * for every snapshot was most of a snapshot's cost in an explorer, where a step changes one or two.
   */
  private snapshotStateOf(c: Controller): unknown {
    const version = c.stateVersion?.value;
    const kept = this.snapshotStates.get(c.name);
    if (kept !== undefined && version !== undefined && kept.owner === c && kept.version === version) return kept.state;
    const state = structuredClone(c.saveState!());
    if (version !== undefined) this.snapshotStates.set(c.name, { owner: c, version, state });
    return state;
  }

  /**
   * Each component's fingerprint hash as this world last computed it, for the
   * components whose state version has not moved since (their state is still what was hashed).
   * A snapshot carries them beside its data (`carried`), so a world restored from it hashes
   * again only the components a step then changes — as this world itself would,
   * had it taken the step. Without them every restored world hashed every component from scratch
   * (a sixth of an explored transition, 2026-12-02 session 5).
   */
  private componentHashesNow(): Map<string, CarriedHash> {
    const out = new Map<string, CarriedHash>();
    const sum = this.componentsSum;
    if (sum === undefined || !sameInstances(sum.controllers, this.manager.controllers)) return out;
    for (const slot of sum.slots) {
      if (slot.version === undefined || slot.version.value !== slot.seen) continue;
      out.set(slot.c.name, { hi: slot.hi, lo: slot.lo });
    }
    return out;
  }

  /** Becomes the world `snapshot()` described (this world must be new, built with the same options). */
  restore(snap: WorldSnapshot): void {
    const s = copyOfSnapshot(snap);
    this.store.load(s.store);
    this.clock.set(s.nowMs);
    this.streams.load(s.streams);
    this.restoreRest(snap, s);
  }

  /**
   * Why this world cannot be restored in place (`restoreInPlace`), or undefined when it can:
   * memory outside the world's reach (a user's driver module, a driver answered by another
   * process), a timer set on the clock, lagging informers, or a kubelet for a node the snapshot's world does not
   * have (a new world would not start it, and a running one cannot be taken back out).
   */
  inPlaceRefusal(snap: WorldSnapshot): string | undefined {
    if ((this.parts.userDrivers?.size ?? 0) > 0) return 'a user CSI driver module keeps memory of its own';
    if (this.opts.driverRpc) return 'a CSI driver is answered by another process';
    if (this.clock.pendingTimers > 0) return 'a clock timer is pending';
    // Each lagging process catches up in the order the processes were made (runNext), and a used
    // world made its kubelets' processes in the order their nodes came, a new world in name order.
    if (this.opts.informerLag) return 'informers lag (the processes catch up in the order they were made)';
    if (this.parts.kubelets.size === 0) return undefined;
    // The kubelet pool joins kubelets from kube-controller-manager's informer as restored.
    const kcm = snap.processes.find((p) => p.name === CONTROLLER_MANAGER);
    const nodes = new Set<string>();
    for (const [kind, key] of kcm ? kcm.cache : snap.store.objects) if (kind === 'Node') nodes.add(key);
    for (const node of this.parts.kubelets.keys()) if (!nodes.has(node)) return `the kubelet of node ${node} has no Node in the snapshot`;
    return undefined;
  }

  /**
   * Becomes the world `snapshot()` described, like `restore`, but in a world that has been used
   * since it was built (ADR 0030): the same store, informers, components and queue are reset and
   * loaded instead of a new world being built — the explorer restores a state for every move it
   * takes, and building a world was most of that. Everything a world keeps beside its state is
   * reset to what a new world has: armed faults, sync errors, saved-state and fingerprint caches,
   * housekeeping proofs, counters. Throws `RestoreInPlaceRefused` (changing nothing) when
   * `inPlaceRefusal` gives a reason; the caller then builds a new world and restores into it.
   * services/world/test/restoreInPlace.test.ts holds it equal to a new world's restore.
   */
  restoreInPlace(snap: WorldSnapshot): void {
    const refused = this.inPlaceRefusal(snap);
    if (refused !== undefined) throw new RestoreInPlaceRefused(refused);
    const s = copyOfSnapshot(snap);
    this.track(undefined);
    this.acting = undefined;
    this.armedFaults.length = 0;
    this.manager.syncErrors.length = 0;
    this.savedStates.clear();
    this.snapshotStates.clear();
    this.componentsSum = undefined;
    this.housekeepingProofs.clear();
    this.recordsWritten = 0;
    this.queueCalls = 0;
    this.componentClockReads = 0;
    const changed = this.store.reload(s.store);
    this.clock.restoreTo(s.nowMs);
    this.streams.loadInPlace(s.streams);
    this.restoreRest(snap, s, changed);
  }

  /**
   * What `restore` and `restoreInPlace` share, after the store, clock and streams are loaded (`s`:
   * `snap`'s copy). `changed`: the keys the store's reload changed, when it says (restoreInPlace).
   */
  private restoreRest(snap: WorldSnapshot, s: WorldSnapshot, changed?: ReloadedKeys): void {
    for (const p of this.processes.values()) {
      p.pending.length = 0;
      // Informers that do not lag hold the API server's objects (every write reaches them at
      // once, and every restore lists them): they catch up with the keys the reload changed.
      if (changed !== undefined && !this.opts.informerLag) p.cache.refresh(this.store, changed);
      else p.cache.relist(this.store, STORED_KINDS);
    }
    for (const saved of s.processes) {
      const p = this.process(saved.name);
      p.cache.load(saved.cache);
      p.pending.push(...saved.pending);
    }
    // Components join (a kubelet per node) from the caches as saved, not from a relist: a lagging
    // informer that has not seen a Node yet has no kubelet for it in the original either.
    this.parts.attach(this.manager);
    this.armedFaults.push(...s.armedFaults);
    // Components that joined during the relist queued their resync; the snapshot's queue is the truth.
    this.scheduler.clear();
    const hashes = carried.get(snap);
    this.restorePendingWork(s.work, hashes?.waiting);
    for (const c of this.manager.controllers) {
      const state = snap.controllers[c.name];
      if (state === undefined || !c.loadState) continue;
      // A component restored in place still holding this very state, untouched since (its state
      // version has not moved), is left as it is: loading it again would give it the same memory.
      const loaded = this.loadedStates.get(c.name);
      const version = c.stateVersion?.value;
      if (loaded !== undefined && loaded.state === state && loaded.owner === c && version !== undefined && loaded.version === version) {
        this.snapshotStates.set(c.name, loaded);
        continue;
      }
      // A component whose loadState copies what it keeps is given the snapshot's state itself
      // (snapshots never change it); any other is given a copy: it may go on changing what it
      // loads, and the snapshot may be restored again.
      c.loadState(c.loadStateCopies === true ? state : structuredClone(state));
      const after = c.stateVersion?.value;
      if (after === undefined) { this.loadedStates.delete(c.name); continue; }
      // Its state is the snapshot's now: the next snapshot shares it, until the version moves.
      const entry = { owner: c, version: after, state };
      this.loadedStates.set(c.name, entry);
      this.snapshotStates.set(c.name, entry);
    }
    if (hashes !== undefined && hashes.components.size > 0) this.takeCarriedHashes(hashes.components);
  }

  /**
   * Starts the components' fingerprint sum from what the snapshot's world had computed
   * (`componentHashesNow`): each loaded component's state is the one that was hashed, so its hash
   * is kept at its state version as loaded; a component without one is hashed at the next
   * fingerprint. Only for components with a StateVersion (the others are hashed every time).
   */
  private takeCarriedHashes(carried: ReadonlyMap<string, CarriedHash>): void {
    const controllers = this.manager.controllers;
    const sum: ComponentsSum = { controllers: [...controllers], slots: [], changes: -1, counted: true, hi: 0, lo: 0 };
    for (const c of controllers) {
      if (!c.saveState) continue;
      const version = c.stateVersion instanceof StateVersion ? c.stateVersion : undefined;
      if (version === undefined) sum.counted = false;
      const e = version !== undefined ? carried.get(c.name) : undefined;
      // NaN is never a version's value: a component without a carried hash is hashed at the next fingerprint.
      if (e === undefined) { sum.slots.push({ c, version, seen: NaN, hi: 0, lo: 0 }); continue; }
      sum.slots.push({ c, version, seen: version!.value, hi: e.hi, lo: e.lo });
      sum.hi = (sum.hi + e.hi) >>> 0;
      sum.lo = (sum.lo + e.lo) >>> 0;
    }
    this.componentsSum = sum;
  }

  /** A copy that continues independently: the same choices give the same run as this one. */
  fork(overrides: Pick<WorldOptions, 'record' | 'chooser'> = {}): World {
    const copy = new World({ ...this.opts, record: overrides.record ?? (() => {}), ...(overrides.chooser ? { chooser: overrides.chooser } : {}) });
    copy.restore(this.snapshot());
    return copy;
  }

  /**
   * The world's canonical fingerprint: the store's (objects up to uids, resourceVersions and
   * timestamps, kept incrementally) combined with what the components remember (canonicalised as
   * objects are: uids and names generated from them replaced, times dropped; a component's drawn
   * identity left out), the work waiting and the timers (due times relative to now).
   */
  fingerprint(): string {
    return this.fingerprintOf(false);
  }

  /**
   * `fingerprint()` computed with nothing cached: every object and every component's state
   * hashed again, with a copy of the store's uid registry that remembers nothing. Always equal to
   * `fingerprint()`; tests compare the two after every step, so a component whose state version
   * missed a change, or a hash or canonical text kept past a change, shows.
   */
  fingerprintFromScratch(): string {
    return this.fingerprintOf(true);
  }

  /**
   * A component's saved state as JSON, saved again only when its state version moved since it was
   * last saved here (or it has none, or it is another instance: a crash restarted it). The
   * footprint of a tracked step and a quiet round's proof read it (the fingerprint hashes the
   * saved state itself: `componentsHash`).
   */
  private savedState(c: Controller, saved: Map<string, SavedState> = this.savedStates): string {
    const version = c.stateVersion?.value;
    const cached = saved.get(c.name);
    if (cached !== undefined && version !== undefined && cached.owner === c && cached.version === version) return cached.raw;
    const raw = JSON.stringify(c.saveState!());
    saved.set(c.name, { owner: c, version, raw });
    return raw;
  }

  /** The last `fingerprintOf` text and what it was made of: the store's value and the rest's two lanes. */
  private fingerprintText: [string, number, number, string] = ['', 0, 0, ''];

  private fingerprintOf(scratch: boolean): string {
    if (this.opts.fingerprints === false) throw new Error('this world was built without fingerprints (WorldOptions.fingerprints)');
    const objects = scratch ? this.store.fingerprintFromScratch().fingerprinter : this.store.hashed();
    const [hi, lo] = scratch ? this.componentsHashFromScratch(objects) : this.componentsHash(objects);
    // The waiting items' hash is kept by the queue; timers (few) are hashed with their due
    // times relative to now, and the watch events an informer has not applied, in order.
    const now = this.clock.now();
    const [wh, wl] = this.scheduler.waitingHash;
    // No timer and no lag (most steps of a world whose informers do not lag): a constant.
    const [qh, ql] = this.scheduler.delayed === 0 && this.lag === 0 ? NOTHING_DELAYED_HASH : hash64(objects.substitute(canonicalJson({
      delayed: this.scheduler.delayedItems().map((d) => `${d.due - now} ${d.item.queue} ${d.item.key}`).sort(),
      lag: [...this.processes.values()].filter((p) => p.pending.length > 0).map((p) => [p.name, p.pending.map((ev) => `${ev.kind} ${ev.key}`)]).sort(),
    })));
    const value = objects.value();
    const rest = (hi + qh + wh) >>> 0;
    const restLo = (lo + ql + wl) >>> 0;
    // Asked once per step by an explorer, often with nothing changed since (a no-op delivery): the text is kept.
    if (value !== this.fingerprintText[0] || rest !== this.fingerprintText[1] || restLo !== this.fingerprintText[2]) {
      this.fingerprintText = [value, rest, restLo, `${value}-${hex8(rest)}${hex8(restLo)}`];
    }
    return this.fingerprintText[3];
  }

  /**
   * The components' part of `fingerprint()`: each component's state hashed (`hashState`, as
   * objects are: uids substituted, times dropped) and the hashes summed. Kept per component with
   * the count of its StateVersion then: a call hashes again only the components whose count moved
   * (or that have none), and while no StateVersion in the process moved and the components are
   * the same instances (a crash restarts one as another), it looks at none of them.
   */
  private componentsHash(objects: Fingerprinter): [number, number] {
    const controllers = this.manager.controllers;
    let sum = this.componentsSum;
    if (sum === undefined || !sameInstances(sum.controllers, controllers)) {
      // A component joined (a kubelet for a new node) or restarted: the others keep their hashes.
      const kept = new Map((sum?.slots ?? []).map((slot) => [slot.c, slot]));
      sum = { controllers: [...controllers], slots: [], changes: StateVersion.changes, counted: true, hi: 0, lo: 0 };
      for (const c of controllers) {
        if (!c.saveState) continue;
        const version = c.stateVersion instanceof StateVersion ? c.stateVersion : undefined;
        if (version === undefined) sum.counted = false;
        const old = kept.get(c);
        if (old !== undefined && version !== undefined && version.value === old.seen) {
          sum.hi = (sum.hi + old.hi) >>> 0;
          sum.lo = (sum.lo + old.lo) >>> 0;
          sum.slots.push(old);
          continue;
        }
        const slot: ComponentSlot = { c, version, seen: 0, hi: 0, lo: 0 };
        this.hashComponent(objects, slot, sum);
        sum.slots.push(slot);
      }
      this.componentsSum = sum;
      return [sum.hi, sum.lo];
    }
    if (sum.counted && sum.changes === StateVersion.changes) return [sum.hi, sum.lo];
    sum.changes = StateVersion.changes;
    for (const slot of sum.slots) {
      if (slot.version !== undefined && slot.version.value === slot.seen) continue;
      this.hashComponent(objects, slot, sum);
    }
    return [sum.hi, sum.lo];
  }

  /** Hashes one component's state again and moves the sum from its last hash to this one. */
  private hashComponent(objects: Fingerprinter, slot: ComponentSlot, sum: ComponentsSum): void {
    // The count first: saving the state does not change it, and a change after this is seen next time.
    slot.seen = slot.version?.value ?? 0;
    // What the component's memory hashes as, without the copies a snapshot's `saveState()` makes.
    const state = slot.c.stateForHash ? slot.c.stateForHash() : slot.c.saveState!();
    const [lo, hi] = objects.hashState(slot.c.name, state as Record<string, unknown>);
    sum.hi = (sum.hi - slot.hi + hi) >>> 0;
    sum.lo = (sum.lo - slot.lo + lo) >>> 0;
    slot.hi = hi;
    slot.lo = lo;
  }

  /** `componentsHash` with nothing kept: every component's state hashed again. */
  private componentsHashFromScratch(objects: Fingerprinter): [number, number] {
    let hi = 0;
    let lo = 0;
    for (const c of this.manager.controllers) {
      if (!c.saveState) continue;
      const [l, h] = objects.hashState(c.name, c.saveState() as Record<string, unknown>);
      hi = (hi + h) >>> 0;
      lo = (lo + l) >>> 0;
    }
    return [hi, lo];
  }

  // ------------------------------------------------------------------ policies over step

  /** Runs the next waiting work item the chooser picks (and any lagging watch events first); false when nothing waits. */
  private runNext(): boolean {
    if (this.opts.informerLag) {
      for (const p of this.processes.values()) while (p.pending.length > 0) this.step({ type: 'watch', informer: p.name });
    }
    const item = this.scheduler.next();
    if (!item) return false;
    this.deliver(item);
    return true;
  }

  /**
   * Delivers until nothing waits, without advancing time — between the objects of one apply
   * (kubectl creates them one API call at a time while the controllers react in between). Stops at
   * the step budget; returns the number delivered.
   */
  drain(stepsMax = this.budget.stepsMax): number {
    const start = this.scheduler.delivered;
    while (this.scheduler.delivered - start < stepsMax && this.runNext()) {
      const n = this.scheduler.delivered - start;
      if ((n & 1023) === 0) this.opts.onProgress?.(n, this.scheduler.size);
    }
    return this.scheduler.delivered - start;
  }

  /**
   * Takes back the work a previous process left (a log's `WorkPending`), except the items of
   * queues no component of this world owns: a kubelet whose Node was deleted does not join a world
   * built after the deletion, and, as in Kubernetes, a kubelet of a deleted node does nothing more —
   * its items are dropped, never delivered (delivering them would throw `unknown work queue`).
   */
  restorePendingWork(work: PendingWorkOf, hashes?: readonly number[]): void {
    const manager = this.manager;
    let all = true;
    for (const item of work.waiting) if (manager.ownerOf(item.queue) === undefined) { all = false; break; }
    for (const t of work.delayed) if (manager.ownerOf(t.item.queue) === undefined) { all = false; break; }
    // Every item owned (almost always): taken back as it is, with the hashes it came with.
    if (all) { this.scheduler.restorePendingWork(work, hashes); return; }
    const owned = (item: WorkItem) => manager.ownerOf(item.queue) !== undefined;
    this.scheduler.restorePendingWork({ waiting: work.waiting.filter(owned), delayed: work.delayed.filter((t) => owned(t.item)) });
  }

  /** The first waiting item of a queue `component` owns, if any (what `drainComponent` delivers next). */
  waitingWorkOf(component: string): WorkItem | undefined {
    return this.scheduler.waitingItems.find((w) => (this.manager.ownerOf(w.queue) ?? w.queue) === component);
  }

  /**
   * Delivers the waiting work of one component — the items of the queues it owns, in queue order,
   * and what they enqueue for it — until none of its work waits or `stepsMax` items were delivered;
   * every other component's work stays waiting, and time does not move. What one component
   * process does with the cluster's pending work in a free-running distributed run (ADR 0019).
   * Returns the number delivered.
   */
  drainComponent(component: string, stepsMax = this.budget.stepsMax): number {
    let delivered = 0;
    while (delivered < stepsMax) {
      const item = this.waitingWorkOf(component);
      if (!item) break;
      this.step({ type: 'deliver', item });
      delivered++;
    }
    return delivered;
  }

  /**
   * Lets simulated time run for up to `timeoutMs` — delayed work fires, resyncs run every period
   * whether or not anything looks unsettled — until `done()` holds (checked after every step of
   * time). What `kubectl wait` and `advance` need. Returns whether `done()` held.
   */
  runUntil(done: () => boolean, timeoutMs: number): boolean {
    const deadline = this.clock.now() + timeoutMs;
    this.drain();
    // A round proven quiet is repeated, not run again, until a timer fires (resyncRound).
    let quiet: QuietRound | undefined;
    while (!done()) {
      const resyncAt = this.nextResyncAt();
      const due = this.scheduler.nextDue();
      const next = Math.min(resyncAt, due ?? Infinity);
      if (next > deadline) { this.clock.set(deadline); return done(); }
      if (next === due) {
        this.step({ type: 'timer', atMs: due });
        this.drain();
        quiet = undefined;
      } else if (quiet) {
        this.repeatQuietRound(quiet, resyncAt);
      } else {
        // A proof is only worth its cost when another round comes before the deadline.
        quiet = this.resyncRound(resyncAt, resyncAt + this.resyncPeriodMs <= deadline);
      }
    }
    return true;
  }

  /**
   * What `pvsim apply` waits for. Delivers until nothing waits; then moves simulated time to
   * whichever comes first, the next delayed item or the next resync (resyncs only while something
   * is unsettled), until nothing is delayed and a resync changes nothing — or the budget runs out,
   * in which case it stops where it is and reports what is still in flight.
   */
  settle(options: { untilQuiet?: boolean; budget?: Partial<SettleBudget> } = {}): SettleReport {
    const budget = { ...this.budget, ...(options.budget ?? {}) };
    const start = this.scheduler.delivered;
    const startMs = this.clock.now();
    const errorsBefore = this.manager.syncErrors.length;
    let resyncs = 0;
    let idle = 0;
    let stoppedBy: SettleReport['stoppedBy'];
    const stepsLeft = () => budget.stepsMax - (this.scheduler.delivered - start);
    const drain = (): boolean => {
      this.drain(stepsLeft());
      if (this.scheduler.size > 0 && stepsLeft() <= 0) { stoppedBy = 'steps'; return false; }
      return true;
    };
    let errorsSeen = errorsBefore;
    if (drain()) {
      for (;;) {
        const due = this.scheduler.nextDue();
        const wantResync = options.untilQuiet || this.manager.syncErrors.length > errorsSeen || this.manager.unsettled();
        if (due === undefined && !wantResync) break;
        const resyncAt = this.nextResyncAt();
        const timer = due !== undefined && (!wantResync || due <= resyncAt);
        const next = timer ? due : resyncAt;
        if (next - startMs > budget.simulatedMsMax) { stoppedBy = 'time'; break; }
        // Only retries after failures wait: time moves on while they change something.
        const retriesOnly = timer ? this.scheduler.nextDueIsRetry() : this.scheduler.onlyRetriesDelayed();
        const before = this.progressSignature();
        if (timer) {
          this.step({ type: 'timer', atMs: due });
        } else {
          errorsSeen = this.manager.syncErrors.length;
          this.resyncAt(resyncAt);
          resyncs++;
        }
        if (!drain()) break;
        const changed = this.progressSignature() !== before;
        if (!timer && !changed && this.scheduler.nextDue() === undefined) break;
        if (changed) idle = 0;
        else if (retriesOnly && ++idle >= IDLE_TIME_STEPS_MAX) { stoppedBy = 'retrying'; break; }
      }
    }
    return {
      deliveries: this.scheduler.delivered - start, resyncs,
      syncErrors: this.manager.syncErrors.length - errorsBefore,
      ...(stoppedBy ? { stoppedBy } : {}),
      inFlight: stoppedBy ? this.inFlight() : [],
    };
  }

  /**
   * What changes when the cluster makes progress: the objects up to uids, resourceVersions and
   * timestamps (a retry that fails the same way again changes only a timestamp and a count).
   */
  private progressSignature(): string {
    return this.store.fingerprint();
  }

  /**
   * What is still in flight, as a user would want it reported: each controller's own account,
   * then the Warning events on objects that still exist (the latest per object and reason), then
   * work still queued.
   */
  inFlight(): string[] {
    const lines = [...this.manager.inFlight()];
    const latest = new Map<string, KubeEvent>();
    // An object's last Normal event from each component: a Warning that component later followed
    // with a Normal event on the same object was followed by progress (a pod that failed to
    // schedule while its claim was unbound, then Scheduled) and is history, as `kubectl describe`
    // shows it, not work in flight. Only the same component's: another component's routine
    // Normal event (the PV controller's WaitForPodScheduled) says nothing of a provisioner still
    // failing.
    const progressed = new Map<string, string>();
    const objectOf = (ev: KubeEvent) => `${ev.involvedObject.kind}/${ev.involvedObject.namespace ?? ''}/${ev.involvedObject.name}|${ev.source.component}`;
    for (const ev of this.store.events()) {
      if (ev.type === 'Normal' && (progressed.get(objectOf(ev)) ?? '') < ev.lastTimestamp) progressed.set(objectOf(ev), ev.lastTimestamp);
    }
    for (const ev of this.store.events()) {
      if (ev.type !== 'Warning' || (progressed.get(objectOf(ev)) ?? '') > ev.lastTimestamp) continue;
      const o = ev.involvedObject;
      const kind = STORED_KINDS.find((k) => k === o.kind);
      if (!kind || !this.store.get(kind, o.namespace ? `${o.namespace}/${o.name ?? ''}` : o.name ?? '')) continue;
      latest.set(`${kind}/${o.namespace ?? ''}/${o.name}/${ev.reason}`, ev);
    }
    const described = new Set<string>();
    for (const ev of latest.values()) {
      const o = ev.involvedObject;
      const who = `${(o.kind ?? '').toLowerCase()} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
      described.add(who);
      lines.push(`${who}: ${ev.reason} ${ev.message}${ev.count > 1 ? ` (x${ev.count}, retrying)` : ''}`);
    }
    // Objects still on their way with no failure to show: what `kubectl get` would show them as.
    for (const c of this.store.list('PersistentVolumeClaim')) {
      const who = `persistentvolumeclaim ${c.metadata.namespace}/${c.metadata.name}`;
      const phase = (c['status'] as { phase?: string } | undefined)?.phase ?? 'Pending';
      if (phase !== 'Bound' && !described.has(who)) lines.push(`${who}: ${phase}`);
    }
    for (const p of this.store.list('Pod')) {
      const who = `pod ${p.metadata.namespace}/${p.metadata.name}`;
      const phase = (p['status'] as { phase?: string } | undefined)?.phase ?? 'Pending';
      if ((phase === 'Pending' || p.metadata['deletionTimestamp'] !== undefined) && !described.has(who)) lines.push(`${who}: ${p.metadata['deletionTimestamp'] !== undefined ? 'Terminating' : phase}`);
    }
    const waiting = this.scheduler.size;
    const delayed = this.scheduler.delayed;
    if (waiting > 0 || delayed > 0) lines.push(`work queued: ${waiting} waiting, ${delayed} delayed`);
    return lines;
  }
}

/** The work a world has not delivered yet, as `Scheduler.pendingWork` describes it (a log's `WorkPending`). */
export type PendingWorkOf = ReturnType<Scheduler['pendingWork']>;

export interface WorldSnapshot {
  format: 1;
  nowMs: number;
  store: ReturnType<ObjectStore['dump']>;
  work: PendingWorkOf;
  /** The processes whose informers lag: their caches and the watch events they have not applied. */
  processes: { name: string; pending: WatchEvent[]; cache: ReturnType<InformerCache['dump']> }[];
  armedFaults: Fault[];
  streams: Record<string, number[]>;
  controllers: Record<string, unknown>;
}

/** `World.restoreInPlace` refused: the caller builds a new world and restores into it. */
export class RestoreInPlaceRefused extends Error {
  readonly code = 'RESTORE_IN_PLACE_REFUSED';
  constructor(reason: string) {
    super(`cannot restore this world in place: ${reason}`);
    this.name = 'RestoreInPlaceRefused';
  }
}

/**
 * What a restore loads, copied from `snap`: the objects are shared, never changed (see
 * snapshot()); the rest is copied, since the components go on changing what they load and the
 * snapshot may be restored again.
 */
function copyOfSnapshot(snap: WorldSnapshot): WorldSnapshot {
  return {
    ...snap,
    processes: snap.processes.map((p) => ({ name: p.name, pending: p.pending.map((ev) => ({ ...ev })), cache: p.cache })),
    // Each component's state is copied as it is loaded (`restoreRest`), only when it is; the rest
    // is flat (work items are a queue and a key, a stream's state a few numbers), copied by hand.
    work: { waiting: snap.work.waiting.map((i) => ({ ...i })), delayed: snap.work.delayed.map((t) => ({ ...t, item: { ...t.item } })) },
    armedFaults: snap.armedFaults.length === 0 ? [] : structuredClone(snap.armedFaults),
    // Loading a stream copies its state (Random.load), so the snapshot's is shared.
    streams: snap.streams,
  };
}

/** The fingerprint's hash of the timers and the informers' lag when there are none (no token in it to substitute). */
const NOTHING_DELAYED_HASH = hash64(canonicalJson({ delayed: [], lag: [] }));

/** A component's fingerprint hash, as a snapshot's world last computed it. */
interface CarriedHash { hi: number; lo: number }
/**
 * What a snapshot's world had hashed, per snapshot and beside its data (never written out with
 * it): a snapshot read back from JSON carries none and its world hashes every component again.
 */
const carried = new WeakMap<WorldSnapshot, {
  /** Per component (`componentHashesNow`). */
  components: ReadonlyMap<string, CarriedHash>;
  /**
   * Each waiting item's part of the queue's hash as the snapshot's world kept it
   * (`Scheduler.waitingHashes`): a restore puts the items back without hashing each again, and its
   * queue hash is the snapshot's world's, item for item.
   */
  waiting: readonly number[] | undefined;
}>();

/** A component's state as a snapshot holds it (never changed), with the instance and state version it stands for. */
interface KeptState { owner: Controller; version: number; state: unknown }
/** A component's state as `fingerprint()` last hashed it: which instance, at which state version. */
interface SavedState { owner: Controller; version: number | undefined; raw: string }
/** One component's part of the fingerprint: its hash, and its StateVersion's count when hashed. */
interface ComponentSlot { c: Controller; version: StateVersion | undefined; seen: number; hi: number; lo: number }
/**
 * The components' part of a fingerprint: over which instances, per component, summed, and
 * StateVersion.changes when last brought up to date; `counted`: every component has a StateVersion.
 */
interface ComponentsSum { controllers: Controller[]; slots: ComponentSlot[]; changes: number; counted: boolean; hi: number; lo: number }

function sameInstances(a: readonly Controller[], b: readonly Controller[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The first undelivered watch event with a later one for the same object (-1: none): what `watch-drop` loses. */
function droppableWatchEvent(pending: readonly WatchEvent[]): number {
  const last = new Map<string, number>();
  pending.forEach((ev, i) => last.set(`${ev.kind} ${ev.key}`, i));
  return pending.findIndex((ev, i) => last.get(`${ev.kind} ${ev.key}`)! > i);
}

export function createWorld(options: WorldOptions = {}): World {
  return new World(options);
}

export { fifoChooser, seededChooser };
