/**
 * Design: the decisions of Kubernetes' PV controller (pkg/controller/volume/persistentvolume/
 * pv_controller.go), ported branch for branch so that its unit-test cases hold here too. Like the
 * original it is level-triggered and idempotent: `syncClaim` and `syncVolume` look at the current
 * objects and make at most the next few writes; any failed write returns and the next sync resumes
 * from what was saved (the bind is four writes, PV first — spec §2). Wiring (queues, resync,
 * watches, when async operations run) lives in the runtime, as pv_controller_base.go is apart
 * from pv_controller.go. The "// OBSERVATION" comments mirror Kubernetes' space-shuttle style.
 */
import {
  ANN_BETA_STORAGE_PROVISIONER, ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_DYNAMICALLY_PROVISIONED, ANN_MIGRATED_TO, getDefaultClass,
  ANN_PRE_RESIZE_CAPACITY, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, FINALIZER_PV_IN_TREE_DELETION, hasAnnotation, checkVolumeModeMismatches,
  checkVolumeSatisfyClaim, claimHasClass, claimKey, compareQuantities, getClaimClass, isDelayBindingMode, isDelayBindingProvisioning,
  isVolumeBoundToClaim, parseQuantity, claimReference, type ClusterApi, type PersistentVolume, type PersistentVolumeClaim,
  type Pod, type StorageClass,
} from '@pvsim/domain';
import { PluginNotFoundError, type VolumePlugin, type VolumePluginManager } from './plugins.ts';

export interface FeatureGates {
  HonorPVReclaimPolicy: boolean;
  VolumeAttributesClass: boolean;
}

export const DEFAULT_FEATURE_GATES: FeatureGates = { HonorPVReclaimPolicy: true, VolumeAttributesClass: true };

export interface PvControllerOptions {
  api: ClusterApi;
  plugins: VolumePluginManager;
  featureGates?: Partial<FeatureGates>;
  /**
   * Starts an asynchronous operation unless one of that name is already pending or running
   * (goroutinemap). The runtime decides when it runs, by handing the operation back to
   * `runOperation`; it is data, so a controller's pending operations can be saved and restored.
   */
  scheduleOperation(name: string, operation: PvOperation): void;
  /** claimQueue.Add: ask for a syncClaim soon. */
  enqueueClaim(key: string): void;
  /** createProvisionedPVRetryCount. */
  createProvisionedPVRetryCount?: number;
}

/**
 * An operation the controller started and the runtime has not run yet, as data: what the Go
 * goroutine's closure held. `delete` and `recycle` hold the PV as the sync that started them saw
 * it (deleteVolumeOperation writes a Failed phase on that copy, so a stale copy meets a Conflict,
 * as in Kubernetes); `provision` holds the claim's identity and the StorageClass it was started
 * with, and re-reads the claim when it runs. The plugin is found again by the class's
 * provisioner (plugins are configuration, not memory); `external` says none was found.
 */
export type PvOperation =
  | { kind: 'provision'; claim: { namespace: string; name: string; uid: string }; storageClass: StorageClass; external: boolean }
  | { kind: 'delete'; volume: PersistentVolume }
  | { kind: 'recycle'; volume: PersistentVolume };

/**
 * The copy a write starts from: a new object with new metadata, spec and status, sharing
 * everything below them with the cached object. Cached objects are immutable, and every change
 * below replaces a field of metadata, spec or status (never changes a nested value in place), so
 * this is all the copying a write needs — a deep copy here was a tenth of a bind's cost.
 */
function clone<T extends { metadata: object; spec?: object; status?: object }>(o: T): T {
  // `{ ...o }` alone takes V8's fast object-clone path; a spread with other members does not.
  const out = { ...o };
  out.metadata = { ...o.metadata };
  if (o.spec !== undefined) out.spec = { ...o.spec };
  if (o.status !== undefined) out.status = { ...o.status };
  return out;
}

function setAnnotation<T extends { metadata: { annotations?: Record<string, string> } }>(obj: T, key: string, value: string): void {
  obj.metadata.annotations = { ...(obj.metadata.annotations ?? {}), [key]: value };
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isPodTerminated(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

export class PersistentVolumeController {
  private readonly api: ClusterApi;
  private readonly plugins: VolumePluginManager;
  readonly gates: FeatureGates;
  private readonly opts: PvControllerOptions;

  constructor(opts: PvControllerOptions) {
    this.opts = opts;
    this.api = opts.api;
    this.plugins = opts.plugins;
    this.gates = { ...DEFAULT_FEATURE_GATES, ...(opts.featureGates ?? {}) };
  }

  // ---------------------------------------------------------------- claims

  syncClaim(claim: PersistentVolumeClaim): void {
    if (!hasAnnotation(claim.metadata, ANN_BIND_COMPLETED)) this.syncUnboundClaim(claim);
    else this.syncBoundClaim(claim);
  }

  private syncUnboundClaim(claim: PersistentVolumeClaim): void {
    // OBSERVATION: pvc is "Pending"
    if (!claim.spec.volumeName) {
      // User did not care which PV they get.
      const delayBinding = isDelayBindingMode(claim, (n) => this.api.getClass(n));
      const volume = this.findBestMatchForClaim(claim, delayBinding);
      if (!volume) {
        // OBSERVATION: pvc is "Pending", will retry
        if (this.assignDefaultStorageClass(claim)) return;
        if (delayBinding && !isDelayBindingProvisioning(claim)) {
          this.emitEventForUnboundDelayBindingClaim(claim);
        } else if (getClaimClass(claim) !== '') {
          this.provisionClaim(claim);
          return;
        } else {
          this.api.event(claim, 'Normal', 'FailedBinding', 'no persistent volumes available for this claim and no storage class is set');
        }
        // Mark the claim as Pending and try to find a match in the next periodic syncClaim.
        this.updateClaimStatus(claim, 'Pending', undefined);
        return;
      }
      // OBSERVATION: pvc is "Pending", pv is "Available"
      this.bind(volume, claim);
      return;
    }
    // User asked for a specific PV.
    const volume = this.api.getVolume(claim.spec.volumeName);
    if (!volume) {
      // OBSERVATION: pvc is "Pending"; retry later.
      this.updateClaimStatus(claim, 'Pending', undefined);
      return;
    }
    if (!volume.spec.claimRef) {
      // OBSERVATION: pvc is "Pending", pv is "Available"
      const mismatch = checkVolumeSatisfyClaim(volume, claim, this.gates.VolumeAttributesClass);
      if (mismatch !== undefined) {
        this.api.event(claim, 'Warning', 'VolumeMismatch', `Cannot bind to requested volume "${volume.metadata.name}": ${mismatch}`);
        this.updateClaimStatus(claim, 'Pending', undefined);
      } else {
        this.bind(volume, claim);
      }
      return;
    }
    if (isVolumeBoundToClaim(volume, claim)) {
      // OBSERVATION: pvc is "Pending", pv is "Bound"; finish the binding.
      this.bind(volume, claim);
      return;
    }
    // User asked for a PV that is claimed by someone else.
    const msg = `volume "${volume.metadata.name}" already bound to a different claim.`;
    this.api.event(claim, 'Warning', 'FailedBinding', msg);
    if (!hasAnnotation(claim.metadata, ANN_BOUND_BY_CONTROLLER)) {
      this.updateClaimStatus(claim, 'Pending', undefined);
      return;
    }
    // This should never happen: someone removed bind-completed from the claim.
    const ref = volume.spec.claimRef;
    throw new Error(`invalid binding of claim "${claimKey(claim)}" to volume "${claim.spec.volumeName}": volume already claimed by "${ref.namespace}/${ref.name}"`);
  }

  private syncBoundClaim(claim: PersistentVolumeClaim): void {
    // OBSERVATION: pvc is not "Pending"
    if (!claim.spec.volumeName) {
      this.updateClaimStatusWithEvent(claim, 'Lost', undefined, 'Warning', 'ClaimLost', 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!');
      return;
    }
    const volume = this.api.getVolume(claim.spec.volumeName);
    if (!volume) {
      this.updateClaimStatusWithEvent(claim, 'Lost', undefined, 'Warning', 'ClaimLost', 'Bound claim has lost its PersistentVolume. Data on the volume is lost!');
      return;
    }
    if (!volume.spec.claimRef) {
      // Claim is bound but volume has come unbound: bind again.
      this.bind(volume, claim);
    } else if ((volume.spec.claimRef.uid ?? '') === (claim.metadata.uid ?? '')) {
      // All is well; bind() fixes any missing piece.
      this.bind(volume, claim);
    } else {
      this.updateClaimStatusWithEvent(claim, 'Lost', undefined, 'Warning', 'ClaimMisbound', 'Two claims are bound to the same volume, this one is bound incorrectly');
    }
  }

  private findBestMatchForClaim(claim: PersistentVolumeClaim, delayBinding: boolean): PersistentVolume | undefined {
    return this.api.findBestMatchForClaim(claim, delayBinding);
  }

  private emitEventForUnboundDelayBindingClaim(claim: PersistentVolumeClaim): void {
    const podNames = this.findNonScheduledPodsByClaim(claim);
    if (podNames.length > 1) this.api.event(claim, 'Normal', 'WaitForPodScheduled', `waiting for pods ${podNames.join(',')} to be scheduled`);
    else if (podNames.length === 1) this.api.event(claim, 'Normal', 'WaitForPodScheduled', `waiting for pod ${podNames[0]} to be scheduled`);
    else this.api.event(claim, 'Normal', 'WaitForFirstConsumer', 'waiting for first consumer to be created before binding');
  }

  private podsUsingClaim(namespace: string, name: string): Pod[] {
    return this.api.listPods(namespace).filter((p) => (p.spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === name));
  }

  private findNonScheduledPodsByClaim(claim: PersistentVolumeClaim): string[] {
    return this.podsUsingClaim(claim.metadata.namespace ?? '', claim.metadata.name)
      .filter((p) => !isPodTerminated(p) && !p.spec.nodeName)
      .map((p) => p.metadata.name);
  }

  /** assignDefaultStorageClass: retroactive default class for a claim with no class key. */
  private assignDefaultStorageClass(claim: PersistentVolumeClaim): boolean {
    if (claimHasClass(claim)) return false;
    const cls = getDefaultClass(this.api.listClasses());
    if (!cls) return false;
    const next = clone(claim);
    next.spec.storageClassName = cls.metadata.name;
    this.api.updateClaim(next);
    return true;
  }

  // ---------------------------------------------------------------- volumes

  syncVolume(volume: PersistentVolume): void {
    volume = this.updateVolumeFinalizers(volume);
    if (!volume.spec.claimRef) {
      // Volume is unused.
      this.updateVolumePhase(volume, 'Available', '');
      return;
    }
    if ((volume.spec.claimRef.uid ?? '') === '') {
      // Reserved for a claim that has not bound yet; the claim sync handles it.
      this.updateVolumePhase(volume, 'Available', '');
      return;
    }
    const ref = volume.spec.claimRef;
    let claim = this.api.getClaim(ref.namespace ?? '', ref.name ?? '');
    if (claim && (claim.metadata.uid ?? '') !== ref.uid) {
      // The claim the PV pointed to was deleted and another with the same name created.
      claim = undefined;
    }
    if (!claim) {
      // OBSERVATION: the claim is gone; reclaim. Do not overwrite a Failed phase.
      const phase = volume.status?.phase;
      if (phase !== 'Released' && phase !== 'Failed') volume = this.updateVolumePhase(volume, 'Released', '');
      this.reclaimVolume(volume);
      return;
    }
    if (!claim.spec.volumeName) {
      if (checkVolumeModeMismatches(claim, volume)) {
        this.api.event(volume, 'Warning', 'VolumeMismatch', `Cannot bind PersistentVolume to requested PersistentVolumeClaim "${claim.metadata.name}" due to incompatible volumeMode.`);
        this.api.event(claim, 'Warning', 'VolumeMismatch', `Cannot bind PersistentVolume "${volume.metadata.name}" to requested PersistentVolumeClaim due to incompatible volumeMode.`);
        return;
      }
      // OBSERVATION: pv is Bound, claim is Pending; the next syncClaim fixes it.
      this.opts.enqueueClaim(claimKey(claim));
      return;
    }
    if (claim.spec.volumeName === volume.metadata.name) {
      // Bound properly; update status if necessary.
      this.updateVolumePhase(volume, 'Bound', '');
      return;
    }
    // Volume is bound to a claim that is bound elsewhere.
    if (hasAnnotation(volume.metadata, ANN_DYNAMICALLY_PROVISIONED) && volume.spec.persistentVolumeReclaimPolicy === 'Delete') {
      const phase = volume.status?.phase;
      if (phase !== 'Released' && phase !== 'Failed') volume = this.updateVolumePhase(volume, 'Released', '');
      this.reclaimVolume(volume);
      return;
    }
    // Bound by the controller: roll back; pre-bound by a user: clear only the uid.
    this.unbindVolume(volume);
  }

  /** modifyDeletionFinalizers (HonorPVReclaimPolicy) for in-tree provisioned volumes. */
  private updateVolumeFinalizers(volume: PersistentVolume): PersistentVolume {
    if (!this.gates.HonorPVReclaimPolicy) return volume;
    const provisioner = volume.metadata.annotations?.[ANN_DYNAMICALLY_PROVISIONED];
    if (provisioner === undefined || !provisioner.startsWith('kubernetes.io/')) return volume;
    const finalizers = volume.metadata.finalizers ?? [];
    const has = finalizers.includes(FINALIZER_PV_IN_TREE_DELETION);
    const policy = volume.spec.persistentVolumeReclaimPolicy;
    let next: string[] | undefined;
    if (policy === 'Delete' && !has) next = [...finalizers, FINALIZER_PV_IN_TREE_DELETION];
    else if ((policy === 'Retain' || policy === 'Recycle') && has) next = finalizers.filter((f) => f !== FINALIZER_PV_IN_TREE_DELETION);
    if (!next) return volume;
    const updated = clone(volume);
    updated.metadata.finalizers = next;
    return this.api.updateVolume(updated);
  }

  // ---------------------------------------------------------------- writes

  private updateClaimStatus(claim: PersistentVolumeClaim, phase: string, volume: PersistentVolume | undefined): PersistentVolumeClaim {
    // A status write changes the status alone (the API server keeps the stored spec and metadata),
    // and a sync that finds nothing to change (most of them) copies nothing: `status()` makes the
    // copy at the first change.
    let next: PersistentVolumeClaim | undefined;
    const status = (): NonNullable<PersistentVolumeClaim['status']> => {
      if (!next) { next = { ...claim }; next.status = { ...(claim.status ?? {}) }; }
      return next.status!;
    };
    if (claim.status?.phase !== phase) status().phase = phase;
    if (!volume) {
      if (claim.status?.accessModes !== undefined) delete status().accessModes;
      if (claim.status?.capacity !== undefined) delete status().capacity;
    } else {
      if (JSON.stringify(claim.status?.accessModes) !== JSON.stringify(volume.spec.accessModes)) {
        if (volume.spec.accessModes === undefined) delete status().accessModes; else status().accessModes = [...volume.spec.accessModes];
      }
      const vac = volume.spec.volumeAttributesClassName;
      if (this.gates.VolumeAttributesClass && vac && claim.status?.['currentVolumeAttributesClassName'] !== vac) {
        status()['currentVolumeAttributesClassName'] = vac;
      }
      // Capacity is written only when the claim becomes Bound.
      if (claim.status?.phase !== phase) {
        const volumeCap = volume.spec.capacity?.storage;
        if (volumeCap === undefined) throw new Error(`PersistentVolume "${volume.metadata.name}" is without a storage capacity`);
        const pre = volume.metadata.annotations?.[ANN_PRE_RESIZE_CAPACITY];
        const claimCap = claim.status?.capacity?.storage;
        if (pre !== undefined) {
          status().capacity = { ...(status().capacity ?? {}), storage: pre };
        } else if (claimCap === undefined || compareQuantities(parseQuantity(volumeCap), parseQuantity(claimCap)) !== 0) {
          status().capacity = { ...volume.spec.capacity! };
        }
      }
    }
    return next ? this.api.updateClaimStatus(next) : claim;
  }
  private updateClaimStatusWithEvent(claim: PersistentVolumeClaim, phase: string, volume: PersistentVolume | undefined, type: 'Normal' | 'Warning', reason: string, message: string): void {
    if (claim.status?.phase === phase) return;
    const updated = this.updateClaimStatus(claim, phase, volume);
    this.api.event(updated, type, reason, message);
  }

  private updateVolumePhase(volume: PersistentVolume, phase: string, message: string): PersistentVolume {
    if (volume.status?.phase === phase) return volume;
    // A status write changes the status alone (the API server keeps the stored spec and metadata).
    const next = { ...volume };
    next.status = { ...(volume.status ?? {}), phase };
    if (message === '') delete next.status.message; else next.status.message = message;
    return this.api.updateVolumeStatus(next);
  }

  private updateVolumePhaseWithEvent(volume: PersistentVolume, phase: string, type: 'Normal' | 'Warning', reason: string, message: string): PersistentVolume {
    if (volume.status?.phase === phase) return volume;
    const updated = this.updateVolumePhase(volume, phase, message);
    this.api.event(updated, type, reason, message);
    return updated;
  }

  /** bindVolumeToClaim (GetBindVolumeToClaim + update). */
  private bindVolumeToClaim(volume: PersistentVolume, claim: PersistentVolumeClaim): PersistentVolume {
    // What to change is read off the stored object; a copy is made only when something changes
    // (a sync of a bound pair, most of them, writes nothing and copies nothing).
    const ref = volume.spec.claimRef;
    const refChanges = !ref || ref.name !== claim.metadata.name || (ref.namespace ?? '') !== (claim.metadata.namespace ?? '') || (ref.uid ?? '') !== (claim.metadata.uid ?? '');
    const markBoundByController = !isVolumeBoundToClaim(volume, claim) && !hasAnnotation(volume.metadata, ANN_BOUND_BY_CONTROLLER);
    if (!refChanges && !markBoundByController) return volume;
    const next = clone(volume);
    if (refChanges) next.spec.claimRef = claimReference(claim);
    if (markBoundByController) setAnnotation(next, ANN_BOUND_BY_CONTROLLER, 'yes');
    return this.api.updateVolume(next);
  }

  private bindClaimToVolume(claim: PersistentVolumeClaim, volume: PersistentVolume): PersistentVolumeClaim {
    const rename = volume.metadata.name !== claim.spec.volumeName;
    const complete = !hasAnnotation(claim.metadata, ANN_BIND_COMPLETED);
    if (!rename && !complete) return claim;
    const next = clone(claim);
    if (rename) {
      next.spec.volumeName = volume.metadata.name;
      if (!hasAnnotation(next.metadata, ANN_BOUND_BY_CONTROLLER)) setAnnotation(next, ANN_BOUND_BY_CONTROLLER, 'yes');
    }
    if (complete) setAnnotation(next, ANN_BIND_COMPLETED, 'yes');
    return this.api.updateClaim(next);
  }

  /** The four-write bind, PV first (spec §2). Any failed write throws; the next sync resumes. */
  bind(volume: PersistentVolume, claim: PersistentVolumeClaim): void {
    volume = this.bindVolumeToClaim(volume, claim);
    volume = this.updateVolumePhase(volume, 'Bound', '');
    claim = this.bindClaimToVolume(claim, volume);
    this.updateClaimStatus(claim, 'Bound', volume);
  }

  /** unbindVolume: roll back a binding (or clear the uid of a user's pre-binding). */
  private unbindVolume(volume: PersistentVolume): void {
    const next = clone(volume);
    if (hasAnnotation(volume.metadata, ANN_BOUND_BY_CONTROLLER)) {
      delete next.spec.claimRef;
      const ann = { ...(next.metadata.annotations ?? {}) };
      delete ann[ANN_BOUND_BY_CONTROLLER];
      if (Object.keys(ann).length === 0) delete next.metadata.annotations; else next.metadata.annotations = ann;
    } else {
      next.spec.claimRef = { ...next.spec.claimRef!, uid: '' };
    }
    const saved = this.api.updateVolume(next);
    this.updateVolumePhase(saved, 'Available', '');
  }

  // ---------------------------------------------------------------- reclaim

  private reclaimVolume(volume: PersistentVolume): void {
    if (volume.metadata.annotations?.[ANN_MIGRATED_TO]) return;
    const policy = volume.spec.persistentVolumeReclaimPolicy;
    const uid = volume.metadata.uid ?? '';
    if (policy === 'Retain') {
      // Nothing to do: the PV stays Released with its claimRef until an admin acts.
    } else if (policy === 'Recycle') {
      this.opts.scheduleOperation(`recycle-${volume.metadata.name}[${uid}]`, { kind: 'recycle', volume });
    } else if (policy === 'Delete') {
      this.opts.scheduleOperation(`delete-${volume.metadata.name}[${uid}]`, { kind: 'delete', volume });
    } else {
      this.updateVolumePhaseWithEvent(volume, 'Failed', 'Warning', 'VolumeUnknownReclaimPolicy', 'Volume has unrecognized PersistentVolumeReclaimPolicy');
    }
  }

  /** isVolumeReleased: claimRef uid set and the claim is gone, replaced, or bound elsewhere. */
  private isVolumeReleased(volume: PersistentVolume): boolean {
    const ref = volume.spec.claimRef;
    if (!ref || (ref.uid ?? '') === '') return false;
    const claim = this.api.getClaim(ref.namespace ?? '', ref.name ?? '');
    if (claim && (claim.metadata.uid ?? '') === ref.uid) {
      return !!claim.spec.volumeName && claim.spec.volumeName !== volume.metadata.name;
    }
    return true;
  }

  private recycleVolumeOperation(volume: PersistentVolume): void {
    const current = this.api.getVolume(volume.metadata.name);
    if (!current) return;
    if (!this.isVolumeReleased(current)) return;
    const ref = volume.spec.claimRef!;
    const users = this.podsUsingClaim(ref.namespace ?? '', ref.name ?? '').filter((p) => !isPodTerminated(p))
      .map((p) => `${p.metadata.namespace}/${p.metadata.name}`).sort();
    const claimCached = this.api.getClaim(ref.namespace ?? '', ref.name ?? '') !== undefined;
    if (users.length > 0 && !claimCached) {
      this.api.event(volume, 'Normal', 'VolumeFailedRecycle', `Volume is used by pods: ${users.join(',')}`);
      return;
    }
    volume = current;
    let plugin: VolumePlugin;
    try {
      plugin = this.plugins.findRecyclablePluginBySpec(volume);
    } catch {
      this.updateVolumePhaseWithEvent(volume, 'Failed', 'Warning', 'VolumeFailedRecycle', 'No recycler plugin found for the volume!');
      return;
    }
    try {
      plugin.recycle!(volume);
    } catch (e) {
      this.updateVolumePhaseWithEvent(volume, 'Failed', 'Warning', 'VolumeFailedRecycle', `Recycle failed: ${errorMessage(e)}`);
      return;
    }
    this.api.event(volume, 'Normal', 'VolumeRecycled', 'Volume recycled');
    this.unbindVolume(volume);
  }

  private deleteVolumeOperation(volume: PersistentVolume): void {
    const current = this.api.getVolume(volume.metadata.name);
    if (!current) return;
    if (!this.gates.HonorPVReclaimPolicy && current.metadata.deletionTimestamp) return;
    if (!this.isVolumeReleased(current)) return;
    let deleted: boolean;
    try {
      deleted = this.doDeleteVolume(volume);
    } catch (e) {
      this.updateVolumePhaseWithEvent(volume, 'Failed', 'Warning', 'VolumeFailedDelete', errorMessage(e));
      return;
    }
    if (!deleted) return; // An external deleter is responsible.
    try {
      this.api.deleteVolume(volume.metadata.name);
    } catch {
      // The next sync deletes it again.
    }
  }

  /** Returns true when the backend volume was deleted, false when an external deleter owns it. */
  private doDeleteVolume(volume: PersistentVolume): boolean {
    const plugin = this.findDeletablePlugin(volume);
    if (!plugin) return false;
    let deleter: () => void;
    try {
      deleter = plugin.newDeleter!(volume);
    } catch (e) {
      throw new Error(`failed to create deleter for volume "${volume.metadata.name}": ${errorMessage(e)}`);
    }
    deleter();
    if (this.gates.HonorPVReclaimPolicy) this.removeDeletionProtectionFinalizer(volume);
    return true;
  }

  private removeDeletionProtectionFinalizer(volume: PersistentVolume): void {
    const current = this.api.getVolume(volume.metadata.name);
    if (!current) return;
    const finalizers = current.metadata.finalizers ?? [];
    if (!finalizers.includes(FINALIZER_PV_IN_TREE_DELETION)) return;
    const next = clone(current);
    next.metadata.finalizers = finalizers.filter((f) => f !== FINALIZER_PV_IN_TREE_DELETION);
    if (next.metadata.finalizers.length === 0) delete next.metadata.finalizers;
    this.api.updateVolume(next);
  }

  private findDeletablePlugin(volume: PersistentVolume): VolumePlugin | undefined {
    const provisionedBy = volume.metadata.annotations?.[ANN_DYNAMICALLY_PROVISIONED];
    if (provisionedBy) {
      try {
        return this.plugins.findDeletablePluginByName(provisionedBy);
      } catch (e) {
        if (!provisionedBy.startsWith('kubernetes.io/')) return undefined; // external deleter
        throw e;
      }
    }
    if (this.gates.HonorPVReclaimPolicy) {
      if (hasAnnotation(volume.metadata, ANN_MIGRATED_TO)) return undefined;
      if (volume.spec['csi'] !== undefined) return undefined;
    }
    try {
      return this.plugins.findDeletablePluginBySpec(volume);
    } catch (e) {
      throw new Error(`error getting deleter volume plugin for volume "${volume.metadata.name}": ${errorMessage(e)}`);
    }
  }

  // ---------------------------------------------------------------- provisioning

  private provisionClaim(claim: PersistentVolumeClaim): void {
    const opName = `provision-${claimKey(claim)}[${claim.metadata.uid ?? ''}]`;
    let plugin: VolumePlugin | undefined;
    let cls: StorageClass;
    try {
      ({ plugin, cls } = this.findProvisionablePlugin(claim));
    } catch (e) {
      // Retried on every syncUnboundClaim.
      this.api.event(claim, 'Warning', 'ProvisioningFailed', errorMessage(e));
      return;
    }
    this.opts.scheduleOperation(opName, {
      kind: 'provision',
      claim: { namespace: claim.metadata.namespace ?? '', name: claim.metadata.name, uid: claim.metadata.uid ?? '' },
      storageClass: cls,
      external: !plugin,
    });
  }

  /** Runs an operation `scheduleOperation` was given (the goroutine's body). */
  runOperation(op: PvOperation): void {
    switch (op.kind) {
      case 'recycle':
        this.recycleVolumeOperation(op.volume);
        return;
      case 'delete':
        this.deleteVolumeOperation(op.volume);
        return;
      case 'provision': {
        // In Kubernetes the operation's goroutine starts at once, holding the claim it was given;
        // here other work may run first, so it takes the claim as it is now (same uid), not a copy
        // that an unrelated write (a finalizer, selected-node) has made stale.
        const latest = this.api.getClaim(op.claim.namespace, op.claim.name);
        if (!latest || (latest.metadata.uid ?? '') !== op.claim.uid) return;
        const cls = op.storageClass;
        if (op.external) this.provisionClaimOperationExternal(latest, cls);
        else this.provisionClaimOperation(latest, this.plugins.findProvisionablePluginByName(cls.provisioner), cls);
        return;
      }
    }
  }

  private findProvisionablePlugin(claim: PersistentVolumeClaim): { plugin: VolumePlugin | undefined; cls: StorageClass } {
    const name = getClaimClass(claim);
    const cls = this.api.getClass(name);
    if (!cls) throw new Error(`storageclass.storage.k8s.io "${name}" not found`);
    const plugin = this.plugins.provisionablePluginNamed(cls.provisioner);
    if (plugin || !cls.provisioner.startsWith('kubernetes.io/')) return { plugin, cls };
    return { plugin: this.plugins.findProvisionablePluginByName(cls.provisioner), cls };
  }

  /** setClaimProvisioner: annotate the claim for the provisioner (GA key, then beta). */
  private setClaimProvisioner(claim: PersistentVolumeClaim, provisioner: string): PersistentVolumeClaim {
    if (claim.metadata.annotations?.[ANN_STORAGE_PROVISIONER] === provisioner) return claim;
    const next = clone(claim);
    setAnnotation(next, ANN_STORAGE_PROVISIONER, provisioner);
    setAnnotation(next, ANN_BETA_STORAGE_PROVISIONER, provisioner);
    return this.api.updateClaim(next);
  }

  private provisionClaimOperation(claim: PersistentVolumeClaim, plugin: VolumePlugin, cls: StorageClass): void {
    const claimClass = getClaimClass(claim);
    if (plugin.name !== 'kubernetes.io/csi' && claim.spec.dataSource) {
      this.api.event(claim, 'Warning', 'ProvisioningFailed', `plugin "${plugin.name}" is not a CSI plugin. Only CSI plugin can provision a claim with a datasource`);
      return;
    }
    claim = this.setClaimProvisioner(claim, cls.provisioner);
    const pvName = `pvc-${claim.metadata.uid ?? ''}`;
    if (this.api.getVolume(pvName)) return; // Already provisioned.
    const claimRef = claimReference(claim);
    const options = {
      pvName,
      claim,
      parameters: cls.parameters ?? {},
      reclaimPolicy: cls.reclaimPolicy ?? 'Delete',
      mountOptions: cls.mountOptions ?? [],
    };
    if (!plugin.supportsMountOption && options.mountOptions.length > 0) {
      this.api.event(claim, 'Warning', 'ProvisioningFailed', `Mount options are not supported by the provisioner but StorageClass "${cls.metadata.name}" has mount options [${options.mountOptions.join(' ')}]`);
      return;
    }
    let provision: NonNullable<ReturnType<NonNullable<VolumePlugin['newProvisioner']>>>;
    try {
      provision = plugin.newProvisioner!(options);
    } catch (e) {
      this.api.event(claim, 'Warning', 'ProvisioningFailed', `Failed to create provisioner: ${errorMessage(e)}`);
      return;
    }
    let selectedNode;
    const nodeName = claim.metadata.annotations?.[ANN_SELECTED_NODE];
    if (nodeName !== undefined) {
      selectedNode = this.api.getNode(nodeName);
      if (!selectedNode) {
        this.api.event(claim, 'Warning', 'ProvisioningFailed', `Failed to get target node: node "${nodeName}" not found`);
        return;
      }
    }
    let volume: PersistentVolume;
    try {
      volume = provision(selectedNode, cls.allowedTopologies);
    } catch (e) {
      this.rescheduleProvisioning(claim);
      this.api.event(claim, 'Warning', 'ProvisioningFailed', `Failed to provision volume with StorageClass "${cls.metadata.name}": ${errorMessage(e)}`);
      return;
    }
    volume = clone(volume);
    if (!volume.metadata.name) volume.metadata.name = pvName;
    volume.spec.claimRef = claimRef;
    volume.status = { phase: 'Bound' };
    volume.spec.storageClassName = claimClass;
    setAnnotation(volume, ANN_BOUND_BY_CONTROLLER, 'yes');
    setAnnotation(volume, ANN_DYNAMICALLY_PROVISIONED, plugin.name);
    if (this.gates.HonorPVReclaimPolicy && volume.spec.persistentVolumeReclaimPolicy === 'Delete') {
      volume.metadata.finalizers = [FINALIZER_PV_IN_TREE_DELETION];
    }
    let lastError: unknown;
    let saved = false;
    const tries = this.opts.createProvisionedPVRetryCount ?? 5;
    for (let i = 0; i < tries; i++) {
      try {
        this.api.createVolume(volume);
        saved = true;
        break;
      } catch (e) {
        if ((e as { code?: string }).code === 'AlreadyExists') { saved = true; break; }
        lastError = e;
      }
    }
    if (!saved) {
      this.api.event(claim, 'Warning', 'ProvisioningFailed', `Error creating provisioned PV object for claim ${claimKey(claim)}: ${errorMessage(lastError)}. Deleting the volume.`);
      let deleteError: unknown;
      for (let i = 0; i < tries; i++) {
        try {
          const deleted = this.doDeleteVolume(volume);
          deleteError = undefined;
          if (deleted) break;
          break; // Unreachable in Kubernetes: an in-tree plugin always has a deleter.
        } catch (e) {
          deleteError = e;
        }
      }
      if (deleteError !== undefined) {
        this.api.event(claim, 'Warning', 'ProvisioningCleanupFailed', `Error cleaning provisioned volume for claim ${claimKey(claim)}: ${errorMessage(deleteError)}. Please delete manually.`);
      }
      return;
    }
    this.api.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${volume.metadata.name} using ${plugin.name}`);
  }

  private provisionClaimOperationExternal(claim: PersistentVolumeClaim, cls: StorageClass): void {
    const provisioner = cls.provisioner;
    try {
      claim = this.setClaimProvisioner(claim, provisioner);
    } catch (e) {
      this.api.event(claim, 'Warning', 'ProvisioningFailed', `Error saving claim: ${errorMessage(e)}`);
      return;
    }
    this.api.event(claim, 'Normal', 'ExternalProvisioning',
      `Waiting for a volume to be created either by the external provisioner '${provisioner}' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.`);
  }

  private rescheduleProvisioning(claim: PersistentVolumeClaim): void {
    if (claim.metadata.annotations?.[ANN_SELECTED_NODE] === undefined) return;
    const next = clone(claim);
    const ann = { ...next.metadata.annotations };
    delete ann[ANN_SELECTED_NODE];
    next.metadata.annotations = ann;
    try { this.api.updateClaim(next); } catch { /* retried by the next sync */ }
  }
}

export { PluginNotFoundError };
