/**
 * Design: the wiring of kube-controller-manager (and, in the in-process world, the CSI sidecars
 * and kubelets): informer notifications become work items of the controllers that own them, and
 * one work item is run at a time by `deliver`. Which item runs next, when time moves and whether
 * an informer lags is not decided here: the world (services/world) lists what can happen and its
 * chooser picks. Decisions stay in the controllers. A controller can be restarted with empty
 * memory (a crash): the manager builds it again from its factory and hands it a relist.
 */
import type { NewLogRecord } from '@pvsim/domain';
import type { Client, SimClock, WatchEvent, WorkItem } from '@pvsim/runtime';
import type { FeatureGates, PersistentVolumeController } from './pvController.ts';
import type { VolumePlugin } from './plugins.ts';
import { ClaimProtectionController, PvControllerBinding, VolumeProtectionController } from './storageControllers.ts';
import { isRetriableError, type Controller, type WorkQueue } from '@pvsim/component';

export const DEFAULT_RESYNC_PERIOD_MS = 15_000;

export type ControllerName = 'pv-controller' | 'pvc-protection' | 'pv-protection';

export interface ControllerManagerOptions {
  /** What the controllers read (an informer cache) and write (the API server) through. */
  client: Client;
  /** Where controllers queue work (the world's work queue). */
  queue: WorkQueue;
  clock: SimClock;
  plugins?: VolumePlugin[];
  featureGates?: Partial<FeatureGates>;
  /** Failed syncs, for the event log. */
  record?: (rec: NewLogRecord) => void;
  /** Which of the storage controllers run (all by default). */
  controllers?: readonly ControllerName[];
  /** More controllers (provisioner, attacher, kubelets, …), built with the manager's queue. */
  extraControllers?: (queue: WorkQueue) => Controller[];
  /** Which process a controller runs in (whose informer's watch events reach its handlers). */
  processOf?: (controller: string) => string;
}

export class ControllerManager {
  private binding: PvControllerBinding;
  readonly controllers: Controller[];
  private readonly handlers = new Map<string, { owner: Controller; sync: (key: string) => void }>();
  private readonly queue: WorkQueue;
  /** How many controllers were built in (the rest joined later, kept in name order). */
  private builtIn = 0;
  /** Controllers that joined later and have a watch scope, by scope key (kubelets by node). */
  private readonly scoped = new Map<string, Controller>();
  syncErrors: { item: WorkItem; error: string }[] = [];

  constructor(private readonly opts: ControllerManagerOptions) {
    this.queue = opts.queue;
    this.binding = this.newBinding();
    const on = opts.controllers ?? ['pv-controller', 'pvc-protection', 'pv-protection'];
    const storage: Controller[] = [this.binding, new ClaimProtectionController(opts.client), new VolumeProtectionController(opts.client)];
    this.controllers = [...storage.filter((c) => on.includes(c.name as ControllerName)), ...(opts.extraControllers?.(this.queue) ?? [])];
    this.builtIn = this.controllers.length;
    // The PV controller's operations run even when only its decisions are under test.
    for (const c of [...new Set([this.binding, ...this.controllers])]) this.registerQueues(c);
  }

  private newBinding(): PvControllerBinding {
    return new PvControllerBinding(this.opts.client, this.queue, this.opts.plugins ?? [], this.opts.featureGates ?? {});
  }

  private registerQueues(c: Controller): void {
    for (const [queue, sync] of Object.entries(c.queues)) {
      const owner = this.handlers.get(queue)?.owner;
      if (owner && owner.name !== c.name) throw new Error(`work queue ${queue} has two owners`);
      this.handlers.set(queue, { owner: c, sync });
    }
  }

  /**
   * Adds a controller while the cluster runs (a kubelet for a node that just joined). It sees
   * changes from now on; `resync` hands it the existing objects.
   */
  addController(c: Controller): void {
    this.registerQueues(c);
    if (c.watchScope) this.scoped.set(c.watchScope.key, c);
    // Controllers that join while the cluster runs stand in name order after the built-in ones,
    // whatever order they joined in: informer handlers run in this order, so a world rebuilt from
    // a snapshot (its kubelets join in node-name order) queues work exactly as the original did.
    let i = this.controllers.length;
    while (i > this.builtIn && this.controllers[i - 1]!.name > c.name) i--;
    this.controllers.splice(i, 0, c);
    c.resync?.(this.queue);
  }

  /**
   * A controller process restarts with empty memory: `fresh` replaces the controller named
   * `name` (the PV controller is rebuilt here), and gets a relist through its resync, as a
   * restarted process's informers list everything again.
   */
  restartController(name: string, fresh?: Controller): boolean {
    const i = this.controllers.findIndex((c) => c.name === name);
    if (name === this.binding.name) {
      this.binding = this.newBinding();
      fresh = this.binding;
    }
    if (!fresh) return false;
    if (i >= 0) this.controllers[i] = fresh;
    if (i >= this.builtIn && fresh.watchScope) this.scoped.set(fresh.watchScope.key, fresh);
    this.registerQueues(fresh);
    fresh.resync?.(this.queue);
    return true;
  }

  get workQueue(): WorkQueue { return this.queue; }

  get pv(): PersistentVolumeController { return this.binding.pv; }

  /** Informer handlers: which work an object change causes (only a process's controllers, when one is named). */
  onWatch(ev: WatchEvent, process?: string): void {
    const processOf = this.opts.processOf;
    if (process !== undefined && processOf) {
      for (const c of this.controllers) if (processOf(c.name) === process) c.onWatch?.(ev, this.queue);
      return;
    }
    // Built-in controllers first, then those that joined, in name order — as one loop over
    // `controllers` would, but handing the event only to the scoped ones it concerns. (A
    // controller may join during this loop: the kubelet pool starts a node's kubelet.)
    for (let i = 0; i < this.builtIn; i++) this.controllers[i]!.onWatch?.(ev, this.queue);
    const joined = this.controllers.length - this.builtIn;
    const first = this.scoped.values().next().value as Controller | undefined;
    const concerned = joined > 0 && joined === this.scoped.size && first ? first.watchScope!.concerned(ev) : 'all';
    if (concerned === 'all') {
      for (let i = this.builtIn; i < this.controllers.length; i++) this.controllers[i]!.onWatch?.(ev, this.queue);
      return;
    }
    for (const key of [...new Set(concerned)].sort()) this.scoped.get(key)?.onWatch?.(ev, this.queue);
  }

  /** The name of the controller that owns a work queue (the log's readers say who wrote a record). */
  ownerOf(queue: string): string | undefined { return this.handlers.get(queue)?.owner.name; }

  /**
   * Runs one work item. A failed sync is retried by a later one, as in Kubernetes; a broken
   * invariant or a programming error stops the simulation.
   */
  deliver(item: WorkItem): void {
    const handler = this.handlers.get(item.queue);
    if (!handler) throw new Error(`unknown work queue ${item.queue}`);
    try {
      handler.sync(item.key);
    } catch (e) {
      if (!isRetriableError(e) || e.name === 'IllegalTransitionError') throw e;
      const error = e.message;
      this.syncErrors.push({ item, error });
      // Kubernetes logs a failed sync and retries it later; the log keeps it for inspection.
      this.opts.record?.({ time: this.opts.clock.isoMs(), stream: 'scheduler', type: 'SyncFailed', data: { ...item, error } });
    }
  }

  /** The informers' periodic resync, for every controller. */
  resyncAll(): void {
    for (const c of this.controllers) c.resync?.(this.queue);
  }

  /** Something a later resync could still move. */
  unsettled(): boolean {
    return this.controllers.some((c) => c.unsettled?.() ?? false);
  }

  /** What each controller still has in flight, one line each (empty when nothing). */
  inFlight(): string[] {
    return this.controllers.flatMap((c) => c.inFlight?.() ?? []);
  }
}
