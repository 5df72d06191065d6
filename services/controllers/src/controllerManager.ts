/**
 * Design: the wiring of kube-controller-manager's storage controllers (pv_controller_base.go):
 * informer notifications from the store become work items, the runtime's scheduler picks which
 * one runs next, and a periodic resync re-queues every claim and volume. Decisions stay in
 * pvController.ts and protection.ts. `settle` is what `pvsim apply` waits for: deliver until
 * nothing waits, then resync periods (simulated 15 s each) for as long as a period still changes
 * something and some object is still unsettled — a claim left Pending binds to a PV created
 * later exactly as on a real cluster within one resync.
 */
import { FINALIZER_PVC_PROTECTION, FINALIZER_PV_PROTECTION, claimKey, type NewLogRecord, type PersistentVolume, type PersistentVolumeClaim, type Pod } from '@pvsim/domain';
import type { ObjectStore, Scheduler, SimClock, WatchEvent, WorkItem } from '@pvsim/runtime';
import { PersistentVolumeController, type FeatureGates } from './pvController.ts';
import { syncClaimProtection, syncVolumeProtection } from './protection.ts';
import { VolumePluginManager, type VolumePlugin } from './plugins.ts';

export const DEFAULT_RESYNC_PERIOD_MS = 15_000;

/** A live object lacks its protection finalizer, or a deleted one still has it. */
function needsFinalizerSync(obj: { metadata: { deletionTimestamp?: string; finalizers?: string[] } }, finalizer: string): boolean {
  const has = (obj.metadata.finalizers ?? []).includes(finalizer);
  return obj.metadata.deletionTimestamp ? has : !has;
}

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
  /** Which controllers react to changes (all by default). */
  controllers?: readonly ControllerName[];
}

export type ControllerName = 'pv-controller' | 'pvc-protection' | 'pv-protection';

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
  readonly pv: PersistentVolumeController;
  private readonly operations = new Map<string, () => void>();
  private readonly store: ObjectStore;
  private readonly scheduler: Scheduler;
  syncErrors: { item: WorkItem; error: string }[] = [];

  constructor(private readonly opts: ControllerManagerOptions) {
    this.store = opts.store;
    this.scheduler = opts.scheduler;
    this.pv = new PersistentVolumeController({
      api: opts.store,
      plugins: new VolumePluginManager(opts.plugins ?? []),
      featureGates: opts.featureGates ?? {},
      scheduleOperation: (name, op) => {
        if (this.operations.has(name)) return;
        this.operations.set(name, op);
        this.scheduler.add({ queue: 'operations', key: name });
      },
      enqueueClaim: (key) => this.scheduler.add({ queue: 'claims', key }),
    });
    opts.store.vacEnabled = this.pv.gates.VolumeAttributesClass;
  }

  /** Informer handlers: which work an object change causes. */
  onWatch(ev: WatchEvent): void {
    const on = this.opts.controllers ?? ['pv-controller', 'pvc-protection', 'pv-protection'];
    const queueOwner: Record<string, ControllerName> = { volumes: 'pv-controller', claims: 'pv-controller', 'pv-protection': 'pv-protection', 'pvc-protection': 'pvc-protection' };
    const add = (queue: string, key: string) => { if (on.includes(queueOwner[queue]!)) this.scheduler.add({ queue, key }); };
    switch (ev.kind) {
      case 'PersistentVolume': {
        if (ev.new) { add('volumes', ev.key); add('pv-protection', ev.key); }
        else {
          const ref = (ev.old as unknown as PersistentVolume).spec.claimRef;
          if (ref) add('claims', `${ref.namespace ?? ''}/${ref.name ?? ''}`);
        }
        break;
      }
      case 'PersistentVolumeClaim': {
        if (ev.new) { add('claims', ev.key); add('pvc-protection', ev.key); }
        else {
          const name = (ev.old as unknown as PersistentVolumeClaim).spec.volumeName;
          if (name) add('volumes', name);
        }
        break;
      }
      case 'Pod': {
        for (const pod of [ev.old, ev.new] as (Pod | undefined)[]) {
          for (const v of pod?.spec.volumes ?? []) {
            if (v.persistentVolumeClaim) add('pvc-protection', `${pod!.metadata.namespace ?? 'default'}/${v.persistentVolumeClaim.claimName}`);
          }
        }
        break;
      }
      default:
        break;
    }
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
      if (!(e instanceof Error) || e.name === 'IllegalTransitionError' || e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError) throw e;
      const error = e instanceof Error ? e.message : String(e);
      this.syncErrors.push({ item, error });
      // Kubernetes logs a failed sync and retries it later; the log keeps it for inspection.
      this.opts.record?.({ time: this.opts.clock.iso(), stream: 'scheduler', type: 'SyncFailed', data: { ...item, error } });
    }
    return true;
  }

  private run(item: WorkItem): void {
    const [ns, name] = item.key.includes('/') ? item.key.split('/') as [string, string] : ['', item.key];
    switch (item.queue) {
      case 'claims': {
        const claim = this.store.getClaim(ns, name);
        if (claim) this.pv.syncClaim(claim);
        break;
      }
      case 'volumes': {
        const volume = this.store.getVolume(item.key);
        if (volume) this.pv.syncVolume(volume);
        break;
      }
      case 'operations': {
        const op = this.operations.get(item.key);
        this.operations.delete(item.key);
        op?.();
        break;
      }
      case 'pvc-protection':
        syncClaimProtection(this.store, ns, name);
        break;
      case 'pv-protection':
        syncVolumeProtection(this.store, item.key);
        break;
      default:
        throw new Error(`unknown work queue ${item.queue}`);
    }
  }

  /**
   * The informers' periodic resync. Every claim and volume goes to the PV controller; like the
   * protection controllers' update handlers, it also hands them every object whose finalizer
   * still has to be added or removed. That is how a failed protection sync is retried here
   * (Kubernetes also requeues it rate-limited); without it a finalizer write that failed once
   * left the object Terminating for good.
   */
  resyncAll(): void {
    const on = this.opts.controllers ?? ['pv-controller', 'pvc-protection', 'pv-protection'];
    for (const c of this.store.listClaims()) {
      this.scheduler.add({ queue: 'claims', key: claimKey(c) });
      if (on.includes('pvc-protection') && needsFinalizerSync(c, FINALIZER_PVC_PROTECTION)) this.scheduler.add({ queue: 'pvc-protection', key: claimKey(c) });
    }
    for (const v of this.store.listVolumes()) {
      this.scheduler.add({ queue: 'volumes', key: v.metadata.name });
      if (on.includes('pv-protection') && needsFinalizerSync(v, FINALIZER_PV_PROTECTION)) this.scheduler.add({ queue: 'pv-protection', key: v.metadata.name });
    }
  }

  /**
   * Something a resync could still move: a Pending claim, a Pending or Failed PV (reclaim is
   * retried), an object waiting for its finalizers, or a sync that failed since the last look.
   */
  private unsettled(errorsSeen: number): boolean {
    if (this.syncErrors.length > errorsSeen) return true;
    if (this.store.listClaims().some((c) => (c.status?.phase ?? 'Pending') === 'Pending' || c.metadata.deletionTimestamp)) return true;
    return this.store.listVolumes().some((v) => ['Pending', 'Failed', ''].includes(v.status?.phase ?? '') || v.metadata.deletionTimestamp);
  }

  /**
   * Delivers until nothing waits, without resync. Called between the objects of one apply:
   * kubectl creates them one API call at a time while the controllers react in between.
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

  /** Delivers until nothing waits, then resync periods while they still change something. */
  settle(options: { untilQuiet?: boolean } = {}): SettleReport {
    const start = this.scheduler.delivered;
    const errorsBefore = this.syncErrors.length;
    let resyncs = 0;
    this.drain();
    let errorsSeen = errorsBefore;
    while ((options.untilQuiet || this.unsettled(errorsSeen)) && resyncs < 100) {
      const writes = this.store.writes;
      errorsSeen = this.syncErrors.length;
      this.opts.clock.advance(this.opts.resyncPeriodMs ?? DEFAULT_RESYNC_PERIOD_MS);
      this.opts.record?.({ time: this.opts.clock.iso(), stream: 'scheduler', type: 'ResyncStarted', data: {} });
      this.resyncAll();
      this.drain();
      resyncs++;
      if (this.store.writes === writes) break;
    }
    return { deliveries: this.scheduler.delivered - start, resyncs, syncErrors: this.syncErrors.length - errorsBefore };
  }
}
