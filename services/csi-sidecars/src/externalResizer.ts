/**
 * Design: the external-resizer sidecar of one CSI driver (kubernetes-csi/external-resizer
 * pkg/controller/controller.go and expand_and_recover.go, as of v1.14 with Kubernetes 1.34 and
 * RecoverVolumeExpansionFailure GA). It watches bound claims whose PV is its driver's; what to do
 * is decided by `planControllerResize` (domain/expansion.ts) from the claim's
 * `allocatedResourceStatuses['storage']`:
 *
 * - a request above `status.capacity` (and the PV): the claim is marked
 *   ControllerResizeInProgress with `allocatedResources` = the size and condition `Resizing`,
 *   event `Resizing`, then ControllerExpandVolume. On success the PV's capacity becomes the
 *   driver's; when the driver needs a node step the claim waits in NodeResizePending with
 *   condition `FileSystemResizePending` (event `FileSystemResizeRequired`) for the kubelet,
 *   otherwise `status.capacity` is set at once (event `VolumeResizeSuccessful`).
 * - a failure: event `VolumeResizeFailed`, and another try with backoff (1 s … 5 min). An
 *   uncertain error (UNAVAILABLE, DEADLINE_EXCEEDED, …) changes nothing on the claim and the same
 *   size is tried again; a final one records condition `ControllerResizeError`, and an infeasible
 *   one (INVALID_ARGUMENT, OUT_OF_RANGE, NOT_FOUND) also makes the claim ControllerResizeInfeasible,
 *   whose size is tried again only after the slow-set interval (5 min). A user recovers by lowering
 *   the request (still above status.capacity — admission's rule): after a final error the
 *   resizer takes the new request at once.
 *
 * Work key: the claim's `namespace/name`; `<key>#ControllerExpandVolume` for a call whose
 * latency has elapsed (LatencyGate). Memory (JSON): the gate, the failure counts, the claims whose
 * last error was final, and the slow set.
 */
import {
  CsiError, bytesQuantity, csiLatencyMs, csiSourceOf, isFinalResizeError, isInfeasibleResizeError, resizeStatusOf, markControllerResizeFailed, markControllerResizeInProgress,
  markNodeResizePending, markResizeFinished, parseQuantity, planControllerResize, quantityToBytes, volumeStorageCapacity,
  type CsiDriverPort, type PersistentVolume, type PersistentVolumeClaim, type Pod,
} from '@pvsim/domain';
import type { Client, SimClock, WatchEvent } from '@pvsim/runtime';
import { LatencyGate, StateVersion, TrackedMap, TrackedSet, record, sortedArray, sortedRecord, splitKey, stateObject, stringArray, type Controller, type LatencyGateState, type WorkQueue } from '@pvsim/component';

export const RESIZE_RETRY_BASE_MS = 1_000;
export const RESIZE_RETRY_MAX_MS = 5 * 60_000;
/** How long an infeasible size waits before it is tried again (the resizer's slow set). */
export const SLOW_RETRY_MS = 5 * 60_000;

export interface ExternalResizerOptions {
  clock: SimClock;
}

export class ExternalResizer implements Controller {
  readonly name: string;
  /** `loadState` copies what it is given into its own sets and maps (Controller.loadStateCopies). */
  readonly loadStateCopies = true;
  readonly queueName: string;
  readonly queues: Record<string, (key: string) => void>;
  /** Moved by every change of the memory below (the world's fingerprint reads it). */
  readonly stateVersion = new StateVersion();
  private readonly gate: LatencyGate;
  /** claim key -> consecutive failed attempts (backoff exponent). */
  private readonly failures = new TrackedMap<string, number>(this.stateVersion);
  /** Claims whose last attempt ended in a final error (`finalErrorPVCs`): a lowered request may be tried. */
  private readonly finalErrors = new TrackedSet<string>(this.stateVersion);
  /** claim key -> when its infeasible size entered the slow set (simulated ms). */
  private readonly slowSince = new TrackedMap<string, number>(this.stateVersion);
  /**
   * Claims whose expansion the driver refused because the volume is in use (FAILED_PRECONDITION:
   * a driver that expands only offline): tried again once no pod uses the claim, not on a timer —
   * external-resizer's `--handle-volume-inuse-error` and its used-PVC tracking.
   */
  private readonly inUse = new TrackedSet<string>(this.stateVersion);

  constructor(
    private readonly client: Client,
    private readonly queue: WorkQueue,
    readonly driverName: string,
    private readonly driver: CsiDriverPort,
    private readonly options: ExternalResizerOptions,
  ) {
    this.name = `external-resizer/${driverName}`;
    this.queueName = `external-resizer/${driverName}`;
    this.gate = new LatencyGate(queue, this.queueName, this.stateVersion);
    this.queues = {
      [this.queueName]: (key) => {
        const base = this.gate.arrive(key);
        try { this.syncClaim(base); } finally { this.gate.forget(base); }
      },
    };
  }

  onWatch(ev: WatchEvent, queue: WorkQueue): void {
    if (ev.kind === 'PersistentVolumeClaim' && ev.new) {
      const pvc = ev.new as unknown as PersistentVolumeClaim;
      if (pvc.status?.phase === 'Bound') queue.add(this.queueName, ev.key);
    }
    // A pod that goes away (or finishes) may leave an in-use claim unused: try it again.
    if (ev.kind === 'Pod' && this.inUse.size > 0) {
      for (const pod of [ev.old, ev.new] as (Pod | undefined)[]) {
        for (const v of pod?.spec.volumes ?? []) {
          const key = `${pod!.metadata.namespace ?? 'default'}/${v.persistentVolumeClaim?.claimName ?? ''}`;
          if (v.persistentVolumeClaim && this.inUse.has(key) && !this.claimInUse(key)) queue.add(this.queueName, key);
        }
      }
    }
  }

  /** Whether a pod that has not finished uses the claim (the resizer's used-PVC set). */
  private claimInUse(key: string): boolean {
    const [namespace, name] = splitKey(key);
    return this.client.listPods(namespace || 'default').some((p) =>
      p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed' && (p.spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === name));
  }

  resync(queue: WorkQueue): void {
    for (const pvc of this.client.listClaims()) {
      const pv = pvc.spec.volumeName ? this.client.getVolume(pvc.spec.volumeName) : undefined;
      if (pv && this.owns(pv) && planControllerResize(pvc, pv).kind !== 'none') queue.add(this.queueName, `${pvc.metadata.namespace ?? 'default'}/${pvc.metadata.name}`);
    }
  }

  /**
   * A failed attempt waits for its retry, and a claim of this driver still asks for more than it
   * has: a resync picks it up (after a restart the resizer's memory of in-use claims is gone, as a
   * restarted external-resizer's is; its informers' relist finds the claim again).
   */
  unsettled(): boolean {
    if (this.failures.size > 0) return true;
    return this.client.listClaims().some((pvc) => {
      const pv = pvc.spec.volumeName ? this.client.getVolume(pvc.spec.volumeName) : undefined;
      return !!pv && this.owns(pv) && planControllerResize(pvc, pv).kind !== 'none';
    });
  }

  saveState(): { gate: LatencyGateState; failures: Record<string, number>; finalErrors: string[]; slowSince: Record<string, number>; inUse: string[] } {
    return { gate: this.gate.save(), failures: sortedRecord(this.failures, (n) => n), finalErrors: sortedArray(this.finalErrors), slowSince: sortedRecord(this.slowSince, (ms) => ms), inUse: sortedArray(this.inUse) };
  }

  loadState(state: unknown): void {
    const s = stateObject(this.name, state);
    this.gate.load(this.name, s['gate'] ?? {});
    this.failures.clear();
    for (const [key, n] of Object.entries(record(this.name, s['failures']))) {
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new TypeError(`${this.name}: saved failure count of "${key}" is not a count`);
      this.failures.set(key, n);
    }
    this.finalErrors.clear();
    for (const key of stringArray(this.name, s['finalErrors'] ?? [])) this.finalErrors.add(key);
    this.inUse.clear();
    for (const key of stringArray(this.name, s['inUse'] ?? [])) this.inUse.add(key);
    this.slowSince.clear();
    for (const [key, ms] of Object.entries(record(this.name, s['slowSince'] ?? {}))) {
      if (typeof ms !== 'number' || !Number.isFinite(ms)) throw new TypeError(`${this.name}: saved slow-set time of "${key}" is not a time`);
      this.slowSince.set(key, ms);
    }
  }

  inFlight(): string[] {
    return [...this.failures.keys()].sort().map((k) => this.inUse.has(k)
      ? `${this.name}: expansion of claim ${k} waits until no pod uses it (the driver expands only offline)`
      : `${this.name}: expansion of claim ${k} waits for a retry`);
  }

  private owns(pv: PersistentVolume): boolean {
    return csiSourceOf(pv)?.driver === this.driverName;
  }

  private forget(key: string): void {
    this.inUse.delete(key);
    this.failures.delete(key);
    this.finalErrors.delete(key);
    this.slowSince.delete(key);
  }

  private retryLater(key: string, delayMs?: number): void {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    this.queue.addAfter(this.queueName, key, delayMs ?? Math.min(RESIZE_RETRY_BASE_MS * 2 ** (n - 1), RESIZE_RETRY_MAX_MS), 'retry');
  }

  private syncClaim(key: string): void {
    const [namespace, name] = splitKey(key);
    const pvc = this.client.getClaim(namespace || 'default', name);
    const pv = pvc?.spec.volumeName ? this.client.getVolume(pvc.spec.volumeName) : undefined;
    if (!pvc || !pv || !this.owns(pv)) { this.forget(key); return; }
    const plan = planControllerResize(pvc, pv, this.finalErrors.has(key));
    if (plan.kind === 'none') { this.forget(key); return; }
    const nowMs = this.options.clock.now();
    // The slow set: an infeasible size is tried again only after SLOW_RETRY_MS.
    const since = this.slowSince.get(key);
    const inSlowSet = since !== undefined && nowMs < since + SLOW_RETRY_MS;
    if (resizeStatusOf(pvc) === 'ControllerResizeInfeasible' && !inSlowSet) this.slowSince.set(key, nowMs);
    let claim = pvc;
    if (plan.sameAsAllocated) {
      if (inSlowSet) { this.retryLater(key, since! + SLOW_RETRY_MS - nowMs); return; }
    } else {
      claim = this.client.updateClaimStatus(markControllerResizeInProgress(claim, plan.size, this.options.clock.iso()));
    }
    // Refused before because the volume was in use: wait for its pods to go (a pod event requeues it).
    if (this.inUse.has(key) && this.claimInUse(key)) return;
    const csi = csiSourceOf(pv)!;
    if (!this.gate.ready(key, 'ControllerExpandVolume', () => csiLatencyMs(this.driver, 'ControllerExpandVolume', { volumeId: csi.volumeHandle }))) return;
    this.client.event(claim, 'Normal', 'Resizing', `External resizer is resizing volume ${pv.metadata.name}`, this.component());
    const requiredBytes = quantityToBytes(parseQuantity(plan.size));
    let result: { capacityBytes: string; nodeExpansionRequired: boolean };
    try {
      if (!this.driver.controllerExpandVolume) throw new CsiError('UNIMPLEMENTED', `ControllerExpandVolume: ${this.driverName} does not expand volumes`);
      result = this.driver.controllerExpandVolume({ volumeId: csi.volumeHandle, capacityRange: { requiredBytes: requiredBytes.toString() } });
    } catch (e) {
      const code = e instanceof CsiError ? e.code : undefined;
      const message = `resize volume "${pv.metadata.name}" by resizer "${this.driverName}" failed: ${(e as Error).message}`;
      if (isFinalResizeError(code)) {
        this.finalErrors.add(key);
        const infeasible = isInfeasibleResizeError(code);
        if (infeasible) this.slowSince.set(key, nowMs); else this.slowSince.delete(key);
        claim = this.client.updateClaimStatus(markControllerResizeFailed(claim, infeasible, message, this.options.clock.iso()));
      } else {
        // Uncertain: the call may still be running; the claim stays as it is and the same size is retried.
        this.slowSince.delete(key);
        this.finalErrors.delete(key);
      }
      this.client.event(claim, 'Warning', 'VolumeResizeFailed', message, this.component());
      if (code === 'FAILED_PRECONDITION') this.inUse.add(key); else this.inUse.delete(key);
      if (code === 'FAILED_PRECONDITION' && this.claimInUse(key)) {
        // Counted as waiting (unsettled) without a timer: the pod's going requeues it.
        this.failures.set(key, (this.failures.get(key) ?? 0) + 1);
        return;
      }
      this.retryLater(key);
      return;
    }
    this.forget(key);
    const reported = BigInt(/^[0-9]+$/.test(result.capacityBytes) ? result.capacityBytes : '0');
    const newBytes = reported > requiredBytes ? reported : requiredBytes;
    const size = bytesQuantity(newBytes);
    // The PV first (updatePVCapacity), then the claim.
    const current = this.client.getVolume(pv.metadata.name) ?? pv;
    const pvSize = volumeStorageCapacity(current);
    if (!pvSize || quantityToBytes(pvSize) < newBytes) {
      this.client.updateVolume({ ...current, spec: { ...current.spec, capacity: { ...(current.spec.capacity ?? {}), storage: size } } });
    }
    if (result.nodeExpansionRequired) {
      claim = this.client.updateClaimStatus(markNodeResizePending(claim, this.options.clock.iso()));
      this.client.event(claim, 'Normal', 'FileSystemResizeRequired', 'Require file system resize of volume on node', this.component());
    } else {
      claim = this.client.updateClaimStatus(markResizeFinished(claim, size, this.options.clock.iso()));
      this.client.event(claim, 'Normal', 'VolumeResizeSuccessful', 'Resize volume succeeded', this.component());
    }
  }

  private component(): string {
    return `external-resizer ${this.driverName}`;
  }
}
