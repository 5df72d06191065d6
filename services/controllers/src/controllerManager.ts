/**
 * Design: the wiring of kube-controller-manager (and, later, the CSI sidecars and kubelets):
 * informer notifications from the store become work items of the controllers that own them, the
 * runtime's scheduler picks which item runs next, delayed items (retries, slow operations) wait
 * for simulated time, and a periodic resync re-queues what each controller resyncs. Decisions
 * stay in the controllers. `settle` is what `pvsim apply` waits for: deliver until nothing waits;
 * then move simulated time to the next delayed item or the next 15 s resync, for as long as
 * something is still in flight — a claim left Pending binds to a PV created later exactly as on
 * a real cluster within one resync.
 */
import type { NewLogRecord } from '@pvsim/domain';
import type { ObjectStore, Scheduler, SimClock, WatchEvent, WorkItem } from '@pvsim/runtime';
import { isRetriableError, type Controller, type WorkQueue } from './controller.ts';
import type { FeatureGates, PersistentVolumeController } from './pvController.ts';
import type { VolumePlugin } from './plugins.ts';
import { ClaimProtectionController, PvControllerBinding, VolumeProtectionController } from './storageControllers.ts';

export const DEFAULT_RESYNC_PERIOD_MS = 15_000;
/** Resync periods one settle may run through while something is still in flight. */
export const SETTLE_RESYNCS_MAX = 100;

export type ControllerName = 'pv-controller' | 'pvc-protection' | 'pv-protection';

export interface ControllerManagerOptions {
  store: ObjectStore;
  scheduler: Scheduler;
  clock: SimClock;
  plugins?: VolumePlugin[];
  featureGates?: Partial<FeatureGates>;
  resyncPeriodMs?: number;
  /** Scheduler decisions and resyncs, for the event log. */
  record?: (rec: NewLogRecord) => void;
  /** Upper bound on deliveries in one settle; exceeding it is a livelock and an error. */
  deliveriesMax?: number;
  onProgress?: (delivered: number, waiting: number) => void;
  /** Which of the storage controllers run (all by default). */
  controllers?: readonly ControllerName[];
  /** More controllers (provisioner, attacher, kubelets, …), built with the manager's queue. */
  extraControllers?: (queue: WorkQueue) => Controller[];
}

export interface SettleReport {
  deliveries: number;
  resyncs: number;
  syncErrors: number;
}

export class SettleLimitError extends Error {
  readonly code = 'SettleLimit';
  constructor(n: number) {
    super(`the controllers did not settle within ${n} deliveries (livelock?)`);
    this.name = 'SettleLimitError';
  }
}

export class ControllerManager {
  private readonly binding: PvControllerBinding;
  readonly controllers: Controller[];
  private readonly handlers = new Map<string, (key: string) => void>();
  private readonly store: ObjectStore;
  private readonly scheduler: Scheduler;
  private readonly queue: WorkQueue;
  syncErrors: { item: WorkItem; error: string }[] = [];

  constructor(private readonly opts: ControllerManagerOptions) {
    this.store = opts.store;
    this.scheduler = opts.scheduler;
    this.queue = {
      add: (queue, key) => this.scheduler.add({ queue, key }),
      addAfter: (queue, key, delayMs) => this.scheduler.addAt({ queue, key }, opts.clock.now() + delayMs),
    };
    this.binding = new PvControllerBinding(opts.store, this.queue, opts.plugins ?? [], opts.featureGates ?? {});
    const on = opts.controllers ?? ['pv-controller', 'pvc-protection', 'pv-protection'];
    const storage: Controller[] = [this.binding, new ClaimProtectionController(opts.store), new VolumeProtectionController(opts.store)];
    this.controllers = [...storage.filter((c) => on.includes(c.name as ControllerName)), ...(opts.extraControllers?.(this.queue) ?? [])];
    // The PV controller's operations run even when only its decisions are under test.
    for (const c of [...new Set([this.binding, ...this.controllers])]) this.registerQueues(c);
  }

  private registerQueues(c: Controller): void {
    for (const [queue, sync] of Object.entries(c.queues)) {
      if (this.handlers.has(queue)) throw new Error(`work queue ${queue} has two owners`);
      this.handlers.set(queue, sync);
    }
  }

  /**
   * Adds a controller while the cluster runs (a kubelet for a node that just joined). It sees
   * changes from now on; `resync` hands it the existing objects.
   */
  addController(c: Controller): void {
    this.registerQueues(c);
    this.controllers.push(c);
    c.resync?.(this.queue);
  }

  get workQueue(): WorkQueue { return this.queue; }

  get pv(): PersistentVolumeController { return this.binding.pv; }

  /** Informer handlers: which work an object change causes. */
  onWatch(ev: WatchEvent): void {
    for (const c of this.controllers) c.onWatch?.(ev, this.queue);
  }

  /** Runs one work item; false when nothing waits. */
  step(): boolean {
    const item = this.scheduler.next();
    if (!item) return false;
    this.opts.record?.({ time: this.opts.clock.iso(), stream: 'scheduler', type: 'WorkDelivered', data: item });
    try {
      this.run(item);
    } catch (e) {
      // A failed sync is retried by the next one, as in Kubernetes; a broken invariant or a
      // programming error stops the simulation.
      if (!isRetriableError(e) || e.name === 'IllegalTransitionError') throw e;
      const error = e.message;
      this.syncErrors.push({ item, error });
      // Kubernetes logs a failed sync and retries it later; the log keeps it for inspection.
      this.opts.record?.({ time: this.opts.clock.iso(), stream: 'scheduler', type: 'SyncFailed', data: { ...item, error } });
    }
    return true;
  }

  private run(item: WorkItem): void {
    const sync = this.handlers.get(item.queue);
    if (!sync) throw new Error(`unknown work queue ${item.queue}`);
    sync(item.key);
  }

  /** The informers' periodic resync, for every controller. */
  resyncAll(): void {
    for (const c of this.controllers) c.resync?.(this.queue);
  }

  /** Something a later resync could still move, or a sync that failed since the last look. */
  private unsettled(errorsSeen: number): boolean {
    return this.syncErrors.length > errorsSeen || this.controllers.some((c) => c.unsettled?.() ?? false);
  }

  /**
   * Delivers until nothing waits, without advancing time. Called between the objects of one
   * apply: kubectl creates them one API call at a time while the controllers react in between.
   */
  drain(): number {
    const start = this.scheduler.delivered;
    const max = this.opts.deliveriesMax ?? 10_000_000;
    while (this.step()) {
      const n = this.scheduler.delivered - start;
      if (n > max) throw new SettleLimitError(max);
      if ((n & 1023) === 0) this.opts.onProgress?.(n, this.scheduler.size);
    }
    return this.scheduler.delivered - start;
  }

  /**
   * Lets simulated time run for up to `timeoutMs` — delayed work fires, resyncs run every
   * period whether or not anything looks unsettled — until `done()` holds (checked after every
   * step of time). What `kubectl wait` and a scenario's `advance` need. Returns whether `done()`
   * held.
   */
  runUntil(done: () => boolean, timeoutMs: number): boolean {
    const clock = this.opts.clock;
    const period = this.opts.resyncPeriodMs ?? DEFAULT_RESYNC_PERIOD_MS;
    const deadline = clock.now() + timeoutMs;
    this.drain();
    while (!done()) {
      const resyncAt = (Math.floor(clock.now() / period) + 1) * period;
      const due = this.scheduler.nextDue();
      const next = Math.min(resyncAt, due ?? Infinity);
      if (next > deadline) { clock.set(deadline); return done(); }
      clock.set(next);
      if (next === due) {
        this.scheduler.releaseDue(next);
      } else {
        this.opts.record?.({ time: clock.iso(), stream: 'scheduler', type: 'ResyncStarted', data: {} });
        this.resyncAll();
      }
      this.drain();
    }
    return true;
  }

  /**
   * Delivers until nothing waits; then moves simulated time to whichever comes first, the next
   * delayed item or the next resync (resyncs only while something is unsettled), until nothing
   * is delayed and a resync changes nothing.
   */
  settle(options: { untilQuiet?: boolean } = {}): SettleReport {
    const start = this.scheduler.delivered;
    const errorsBefore = this.syncErrors.length;
    const period = this.opts.resyncPeriodMs ?? DEFAULT_RESYNC_PERIOD_MS;
    const clock = this.opts.clock;
    let resyncs = 0;
    this.drain();
    let errorsSeen = errorsBefore;
    while (resyncs < SETTLE_RESYNCS_MAX) {
      const due = this.scheduler.nextDue();
      const wantResync = options.untilQuiet || this.unsettled(errorsSeen);
      if (due === undefined && !wantResync) break;
      const resyncAt = (Math.floor(clock.now() / period) + 1) * period;
      if (due !== undefined && (!wantResync || due <= resyncAt)) {
        clock.set(due);
        this.scheduler.releaseDue(clock.now());
        this.drain();
        continue;
      }
      const writes = this.store.writes;
      errorsSeen = this.syncErrors.length;
      clock.set(resyncAt);
      this.opts.record?.({ time: clock.iso(), stream: 'scheduler', type: 'ResyncStarted', data: {} });
      this.resyncAll();
      this.drain();
      resyncs++;
      if (this.store.writes === writes && this.scheduler.nextDue() === undefined) break;
    }
    return { deliveries: this.scheduler.delivered - start, resyncs, syncErrors: this.syncErrors.length - errorsBefore };
  }
}
