/**
 * Design: the external-attacher sidecar of one CSI driver (spec §10.3, external-attacher
 * pkg/controller/csi_handler.go). It owns the VolumeAttachments whose `spec.attacher` is its
 * driver: a live VA not yet attached gets the finalizer (PV first, then VA, as `csiAttach` does)
 * and a ControllerPublishVolume, whose publish_context becomes `status.attachmentMetadata`; a
 * deleted VA gets ControllerUnpublishVolume and loses the finalizer, which lets it disappear.
 * The PV keeps its finalizer while any VA names it. Failures are written to
 * `status.attachError`/`detachError` and retried with exponential backoff (1 s … 5 min of
 * simulated time) through `queue.addAfter`; a call's latency (a driver's optional `latencyMs`)
 * is simulated by making the call only when a delayed work item for it comes due.
 *
 * Work keys: a VA name; `pv/<name>` for the PV finalizer check (a VA name cannot contain `/`);
 * `<key>#<rpc>` for a call whose latency has elapsed (LatencyGate).
 */
import {
  csiAccessMode, csiLatencyMs, csiSourceOf, withFinalizer, type CsiDriverPort, type CsiPersistentVolumeSource, type PersistentVolume,
  type VolumeCapability, type CsiCall, type VolumeAttachment,
} from '@pvsim/domain';
import type { AnyObject, Client, SimClock, WatchEvent } from '@pvsim/runtime';
import { LatencyGate, StateVersion, TrackedMap, record, sortedRecord, stateObject, type Controller, type LatencyGateState, type WorkQueue } from '@pvsim/component';

export const ATTACH_RETRY_BASE_MS = 1_000;
export const ATTACH_RETRY_MAX_MS = 5 * 60_000;

/** external-attacher `SanitizeDriverName`: every character outside [a-zA-Z0-9-] becomes '-'. */
export function sanitizeDriverName(driver: string): string {
  const name = driver.replace(/[^a-zA-Z0-9-]/g, '-');
  return name.endsWith('-') ? name + 'X' : name;
}

/** external-attacher `GetFinalizerName`. */
export function attacherFinalizer(driver: string): string {
  return `external-attacher/${sanitizeDriverName(driver)}`;
}

/** The capability the attacher publishes with: the PV's whole mode set (§9.3). */
export function attachCapability(pv: PersistentVolume, csi: CsiPersistentVolumeSource, singleNodeMultiWriter: boolean): VolumeCapability {
  const accessMode = csiAccessMode(pv.spec.accessModes ?? [], singleNodeMultiWriter);
  if (pv.spec.volumeMode === 'Block') return { accessMode, block: {} };
  const mount: { fsType?: string; mountFlags?: string[] } = {};
  if (csi.fsType) mount.fsType = csi.fsType;
  if (pv.spec.mountOptions?.length) mount.mountFlags = [...pv.spec.mountOptions];
  return { accessMode, mount };
}

/**
 * external-attacher `shouldEnqueueVAChange`: a change of attachError/detachError alone is the
 * attacher's own report of a failure; syncing on it again would defeat the backoff.
 */
function shouldEnqueueChange(old: VolumeAttachment, next: VolumeAttachment): boolean {
  const strip = (va: VolumeAttachment) => {
    const status = { ...(va.status ?? {}) };
    delete status.attachError;
    delete status.detachError;
    return JSON.stringify({ ...va, metadata: { ...va.metadata, resourceVersion: undefined }, status });
  };
  return strip(old) !== strip(next);
}

export interface ExternalAttacherOptions {
  /** Simulated time, for `attachError.time` / `detachError.time`. */
  clock: SimClock;
  /** Every CSI call made, in order (tests). */
  csiCalls?: CsiCall[];
}

export class ExternalAttacher implements Controller {
  readonly name: string;
  /** `loadState` copies what it is given into its own sets and maps (Controller.loadStateCopies). */
  readonly loadStateCopies = true;
  readonly queueName: string;
  readonly queues: Record<string, (key: string) => void>;
  readonly finalizer: string;
  /** Moved by every change of the memory below (the world's fingerprint reads it). */
  readonly stateVersion = new StateVersion();
  private readonly gate: LatencyGate;
  /** key -> consecutive failures (backoff exponent). */
  private readonly failures = new TrackedMap<string, number>(this.stateVersion);

  constructor(
    private readonly client: Client,
    private readonly queue: WorkQueue,
    readonly driverName: string,
    private readonly driver: CsiDriverPort,
    private readonly options: ExternalAttacherOptions,
  ) {
    this.name = `attacher/${driverName}`;
    this.queueName = `attacher/${driverName}`;
    this.finalizer = attacherFinalizer(driverName);
    this.gate = new LatencyGate(queue, this.queueName, this.stateVersion);
    this.queues = {
      [this.queueName]: (key) => {
        const base = this.gate.arrive(key);
        try {
          if (base.startsWith('pv/')) this.syncVolume(base.slice(3)); else this.syncAttachment(base);
        } finally {
          this.gate.forget(base);
        }
      },
    };
  }

  onWatch(ev: WatchEvent, queue: WorkQueue): void {
    if (ev.kind !== 'VolumeAttachment') return;
    const va = (ev.new ?? ev.old) as unknown as VolumeAttachment;
    if (va.spec.attacher !== this.driverName) return;
    if (ev.new && ev.old && !shouldEnqueueChange(ev.old as unknown as VolumeAttachment, ev.new as unknown as VolumeAttachment)) return;
    if (ev.new) queue.add(this.queueName, va.metadata.name);
    else if (va.spec.source.persistentVolumeName) queue.add(this.queueName, `pv/${va.spec.source.persistentVolumeName}`);
  }

  resync(queue: WorkQueue): void {
    for (const va of this.attachments()) {
      if (va.metadata.deletionTimestamp || !va.status?.attached) queue.add(this.queueName, va.metadata.name);
    }
    for (const pv of this.client.listVolumes()) {
      if ((pv.metadata.finalizers ?? []).includes(this.finalizer)) queue.add(this.queueName, `pv/${pv.metadata.name}`);
    }
  }

  /** A failed call waits for its retry. */
  unsettled(): boolean {
    return this.failures.size > 0;
  }

  /** `{ gate: LatencyGateState, failures: { <key>: count } }`, keys sorted. */
  saveState(): { gate: LatencyGateState; failures: Record<string, number> } {
    return { gate: this.gate.save(), failures: sortedRecord(this.failures, (n) => n) };
  }

  loadState(state: unknown): void {
    const s = stateObject(this.name, state);
    this.gate.load(this.name, s['gate'] ?? {});
    this.failures.clear();
    for (const [key, n] of Object.entries(record(this.name, s['failures']))) {
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new TypeError(`${this.name}: saved failure count of "${key}" is not a count`);
      this.failures.set(key, n);
    }
  }

  private iso(): string {
    return this.options.clock.iso();
  }

  private attachments(): VolumeAttachment[] {
    return (this.client.list('VolumeAttachment') as unknown as VolumeAttachment[]).filter((va) => va.spec.attacher === this.driverName);
  }

  private getAttachment(name: string): VolumeAttachment | undefined {
    return this.client.get('VolumeAttachment', name) as unknown as VolumeAttachment | undefined;
  }

  private retryLater(key: string): void {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    this.queue.addAfter(this.queueName, key, Math.min(ATTACH_RETRY_BASE_MS * 2 ** (n - 1), ATTACH_RETRY_MAX_MS), 'retry');
  }

  private latency(rpc: string, volumeId: string): () => number {
    return () => csiLatencyMs(this.driver, rpc, { volumeId });
  }

  private syncAttachment(name: string): void {
    const va = this.getAttachment(name);
    if (!va || va.spec.attacher !== this.driverName) { this.failures.delete(name); return; }
    if (va.metadata.deletionTimestamp) { this.detach(va); return; }
    if (va.status?.attached) { this.failures.delete(name); return; }
    this.attach(va);
  }

  private attach(va: VolumeAttachment): void {
    const name = va.metadata.name;
    const pvName = va.spec.source.persistentVolumeName;
    if (!pvName) { this.attachFailed(va, 'VolumeAttachment has no persistentVolumeName (inline volumes are not simulated)'); return; }
    let pv = this.client.getVolume(pvName);
    if (!pv) { this.attachFailed(va, `persistentvolume "${pvName}" not found`); return; }
    if (pv.metadata.deletionTimestamp) { this.attachFailed(va, `PersistentVolume "${pvName}" is marked for deletion`); return; }
    const csi = csiSourceOf(pv);
    if (!csi) { this.attachFailed(va, `PersistentVolume "${pvName}" is not a CSI volume`); return; }
    let capability: VolumeCapability;
    try {
      capability = attachCapability(pv, csi, this.driver.controllerGetCapabilities().includes('SINGLE_NODE_MULTI_WRITER'));
    } catch (e) {
      this.attachFailed(va, (e as Error).message);
      return;
    }
    // Finalizers before the call: PV first, then the VA (csi_handler.go csiAttach).
    if (!(pv.metadata.finalizers ?? []).includes(this.finalizer)) pv = this.client.updateVolume(withFinalizer(pv, this.finalizer, true));
    let current = this.getAttachment(name)!;
    if (!(current.metadata.finalizers ?? []).includes(this.finalizer)) {
      current = this.client.update('VolumeAttachment', withFinalizer(current, this.finalizer, true) as unknown as AnyObject) as unknown as VolumeAttachment;
    }
    if (!this.gate.ready(name, 'ControllerPublishVolume', this.latency('ControllerPublishVolume', csi.volumeHandle))) return;
    this.options.csiCalls?.push({ rpc: 'ControllerPublishVolume', volumeId: csi.volumeHandle, node: va.spec.nodeName });
    let publishContext: Record<string, string>;
    try {
      const req = { volumeId: csi.volumeHandle, nodeId: va.spec.nodeName, volumeCapability: capability, readonly: csi.readOnly ?? false };
      publishContext = this.driver.controllerPublishVolume(csi.volumeAttributes ? { ...req, volumeContext: csi.volumeAttributes } : req).publishContext;
    } catch (e) {
      this.attachFailed(current, (e as Error).message);
      return;
    }
    this.failures.delete(name);
    // The attachment as this sync last wrote it (a re-read could be older: informers lag).
    const fresh = current;
    const status: NonNullable<VolumeAttachment['status']> = { attached: true };
    if (Object.keys(publishContext).length > 0) status.attachmentMetadata = { ...publishContext };
    this.client.update('VolumeAttachment', { ...fresh, status } as unknown as AnyObject, 'status');
  }

  private attachFailed(va: VolumeAttachment, message: string): void {
    const status = { ...(va.status ?? {}), attached: false, attachError: { time: this.iso(), message } };
    this.client.update('VolumeAttachment', { ...va, status } as unknown as AnyObject, 'status');
    this.retryLater(va.metadata.name);
  }

  private detach(va: VolumeAttachment): void {
    const name = va.metadata.name;
    if (!(va.metadata.finalizers ?? []).includes(this.finalizer)) { this.failures.delete(name); return; }
    const pv = this.client.getVolume(va.spec.source.persistentVolumeName ?? '');
    const csi = csiSourceOf(pv);
    if (csi) {
      if (!this.gate.ready(name, 'ControllerUnpublishVolume', this.latency('ControllerUnpublishVolume', csi.volumeHandle))) return;
      this.options.csiCalls?.push({ rpc: 'ControllerUnpublishVolume', volumeId: csi.volumeHandle, node: va.spec.nodeName });
      try {
        this.driver.controllerUnpublishVolume({ volumeId: csi.volumeHandle, nodeId: va.spec.nodeName });
      } catch (e) {
        const status = { ...(va.status ?? {}), detachError: { time: this.iso(), message: (e as Error).message } };
        this.client.update('VolumeAttachment', { ...va, status } as unknown as AnyObject, 'status');
        this.retryLater(name);
        return;
      }
    }
    this.failures.delete(name);
    // OBSERVATION: detached; without its last finalizer the deleted VA disappears.
    const fresh = this.getAttachment(name);
    if (fresh) this.client.update('VolumeAttachment', withFinalizer(fresh, this.finalizer, false) as unknown as AnyObject);
  }

  /** The PV finalizer goes once no VolumeAttachment names the PV. */
  private syncVolume(pvName: string): void {
    const pv = this.client.getVolume(pvName);
    if (!pv || !(pv.metadata.finalizers ?? []).includes(this.finalizer)) return;
    // The cache's index of VAs by PV (a list of every VA per PV event made this O(VAs) per volume).
    if (this.client.byIndex('attachmentsByVolume', pvName).length > 0) return;
    this.client.updateVolume(withFinalizer(pv, this.finalizer, false));
  }
}
