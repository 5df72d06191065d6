/**
 * Design: the PV controller and the two protection controllers as `Controller`s — their
 * informer wiring (pv_controller_base.go, the protection controllers' event handlers) apart from
 * their decisions (pvController.ts, protection.ts).
 */
import {
  FINALIZER_PVC_PROTECTION, FINALIZER_PV_PROTECTION, claimKey,
  type PersistentVolume, type PersistentVolumeClaim, type Pod,
} from '@pvsim/domain';
import type { Client } from '@pvsim/runtime';
import { PersistentVolumeController, type FeatureGates, type PvOperation } from './pvController.ts';
import { protectClaim, syncVolumeProtection } from './protection.ts';
import { VolumePluginManager, type VolumePlugin } from './plugins.ts';
import { StateVersion, TrackedMap, jsonCopy, record, sortedRecord, stateObject, type Controller, type WorkQueue } from '@pvsim/component';

/** A live object lacks its protection finalizer, or a deleted one still has it. */
function needsFinalizerSync(obj: { metadata: { deletionTimestamp?: string; finalizers?: string[] } }, finalizer: string): boolean {
  const has = (obj.metadata.finalizers ?? []).includes(finalizer);
  return obj.metadata.deletionTimestamp ? has : !has;
}

/**
 * The claim a work-queue key names, read with the key itself: `getClaim(namespace, name)` joins
 * the two parts into a new string, and hashing a new string for the cache's lookup cost more than
 * the lookup (the key is the watch event's, whose hash is kept). A bare name is cluster-scoped
 * (namespace ''), as splitKey reads it.
 */
function claimOf(client: Client, key: string): PersistentVolumeClaim | undefined {
  return (key.includes('/') ? client.get('PersistentVolumeClaim', key) : client.getClaim('', key)) as unknown as PersistentVolumeClaim | undefined;
}

export class PvControllerBinding implements Controller {
  readonly name = 'pv-controller';
  /** `loadState` copies what it is given into its own sets and maps (Controller.loadStateCopies). */
  readonly loadStateCopies = true;
  readonly pv: PersistentVolumeController;
  readonly queues: Record<string, (key: string) => void>;
  /** Moved by every change of `operations` (the world's fingerprint reads it). */
  readonly stateVersion = new StateVersion();
  /** Operations scheduled and not run yet, by goroutinemap name (their work items are queued). */
  private readonly operations = new TrackedMap<string, PvOperation>(this.stateVersion);

  constructor(private readonly client: Client, queue: WorkQueue, plugins: VolumePlugin[], featureGates: Partial<FeatureGates>) {
    this.pv = new PersistentVolumeController({
      api: client,
      plugins: new VolumePluginManager(plugins),
      featureGates,
      scheduleOperation: (name, op) => {
        if (this.operations.has(name)) return;
        this.operations.set(name, op);
        queue.add('operations', name);
      },
      enqueueClaim: (key) => queue.add('claims', key),
    });
    client.vacEnabled = this.pv.gates.VolumeAttributesClass;
    this.queues = {
      claims: (key) => {
        const claim = claimOf(this.client, key);
        if (claim) this.pv.syncClaim(claim);
      },
      volumes: (key) => {
        const volume = this.client.getVolume(key);
        if (volume) this.pv.syncVolume(volume);
      },
      operations: (key) => {
        const op = this.operations.get(key);
        this.operations.delete(key);
        if (op) this.pv.runOperation(op);
      },
    };
  }

  /** `{ operations: { <name>: PvOperation } }`, names sorted. */
  saveState(): { operations: Record<string, PvOperation> } {
    return { operations: sortedRecord(this.operations, (op) => jsonCopy(op)) };
  }

  /** `saveState()` without copying or sorting the operations (hashed at once, not kept). */
  stateForHash(): unknown {
    return { operations: Object.fromEntries(this.operations) };
  }

  /** The operations come back without being queued again: their work items are the queue's, saved with it. */
  loadState(state: unknown): void {
    const ops = record(this.name, stateObject(this.name, state)['operations']);
    this.operations.clear();
    for (const name of Object.keys(ops).sort()) {
      const op = stateObject(this.name, ops[name]) as PvOperation;
      if (op.kind !== 'provision' && op.kind !== 'delete' && op.kind !== 'recycle') throw new TypeError(`${this.name}: saved operation "${name}" has an unknown kind`);
      this.operations.set(name, jsonCopy(op));
    }
  }

  onWatch(ev: Parameters<NonNullable<Controller['onWatch']>>[0], queue: WorkQueue): void {
    if (ev.kind === 'PersistentVolume') {
      if (ev.new) queue.add('volumes', ev.key);
      else {
        const ref = (ev.old as unknown as PersistentVolume).spec.claimRef;
        if (ref) queue.add('claims', `${ref.namespace ?? ''}/${ref.name ?? ''}`);
      }
    } else if (ev.kind === 'PersistentVolumeClaim') {
      if (ev.new) queue.add('claims', ev.key);
      else {
        const name = (ev.old as unknown as PersistentVolumeClaim).spec.volumeName;
        if (name) queue.add('volumes', name);
      }
    }
  }

  resync(queue: WorkQueue): void {
    for (const c of this.client.listClaims()) queue.add('claims', claimKey(c));
    for (const v of this.client.listVolumes()) queue.add('volumes', v.metadata.name);
  }

  /** A Pending claim, or a PV Pending or Failed (reclaim is retried at each resync). */
  unsettled(): boolean {
    if (this.client.listClaims().some((c) => (c.status?.phase ?? 'Pending') === 'Pending' || c.metadata.deletionTimestamp)) return true;
    return this.client.listVolumes().some((v) => ['Pending', 'Failed', ''].includes(v.status?.phase ?? '') || v.metadata.deletionTimestamp);
  }
}

/**
 * The protection controllers also get, at each resync, every object whose finalizer still has
 * to be added or removed: that is how a failed protection sync is retried (Kubernetes requeues
 * it rate-limited); without it a finalizer write that failed once left the object Terminating.
 */
export class ClaimProtectionController implements Controller {
  readonly name = 'pvc-protection';
  readonly queues: Record<string, (key: string) => void>;

  constructor(private readonly client: Client) {
    this.queues = { 'pvc-protection': (key) => protectClaim(this.client, claimOf(this.client, key)) };
  }

  onWatch(ev: Parameters<NonNullable<Controller['onWatch']>>[0], queue: WorkQueue): void {
    if (ev.kind === 'PersistentVolumeClaim' && ev.new) queue.add('pvc-protection', ev.key);
    if (ev.kind === 'Pod') {
      for (const pod of [ev.old, ev.new] as (Pod | undefined)[]) {
        for (const v of pod?.spec.volumes ?? []) {
          if (v.persistentVolumeClaim) queue.add('pvc-protection', `${pod!.metadata.namespace ?? 'default'}/${v.persistentVolumeClaim.claimName}`);
        }
      }
    }
  }

  resync(queue: WorkQueue): void {
    for (const c of this.client.listClaims()) if (needsFinalizerSync(c, FINALIZER_PVC_PROTECTION)) queue.add('pvc-protection', claimKey(c));
  }
}

export class VolumeProtectionController implements Controller {
  readonly name = 'pv-protection';
  readonly queues: Record<string, (key: string) => void>;

  constructor(private readonly client: Client) {
    this.queues = { 'pv-protection': (key) => syncVolumeProtection(this.client, key) };
  }

  onWatch(ev: Parameters<NonNullable<Controller['onWatch']>>[0], queue: WorkQueue): void {
    if (ev.kind === 'PersistentVolume' && ev.new) queue.add('pv-protection', ev.key);
  }

  resync(queue: WorkQueue): void {
    for (const v of this.client.listVolumes()) if (needsFinalizerSync(v, FINALIZER_PV_PROTECTION)) queue.add('pv-protection', v.metadata.name);
  }
}
