/**
 * Design: the external-provisioner's decisions as pure functions, apart from the wiring that reads
 * the cluster, calls the driver and writes (externalProvisioner.ts), as the scheduler's
 * `schedulePod` and the kubelet's kubeletDecisions.ts are. Each function takes plain data — a
 * claim or a PV, the StorageClass, the key's operation record, the retry policy — and answers what
 * to do: queue the key or not, provision, wait, reschedule, retry after a backoff, give up, delete.
 * The class applies the answer to its record and makes the calls. Nothing here reads the store or
 * calls a driver, so every branch is a row of a table test
 * (services/csi-sidecars/test/externalProvisionerDecisions.test.ts).
 *
 * The records (`ClaimOp`, `VolumeOp`) are the Go code's per-key memory: claimsInProgress, the
 * workqueue's failure counts, and pvsim's own phases for a CSI call waiting out its latency
 * (`calling`) and a retry waiting for its timer (`backoff`).
 */
import {
  ANN_BETA_STORAGE_PROVISIONER, ANN_DYNAMICALLY_PROVISIONED, ANN_MIGRATED_TO, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, CsiError,
  FINALIZER_PV_EXTERNAL_DELETION, getClaimClass,
  type CreateVolumeRequest, type Node, type PersistentVolume, type PersistentVolumeClaim, type StorageClass,
} from '@pvsim/domain';

// ------------------------------------------------------------------------------- records

export type Phase = 'idle' | 'calling' | 'backoff' | 'gaveUp';
export const PHASES: readonly string[] = ['idle', 'calling', 'backoff', 'gaveUp'];

/** A CreateVolume built and waiting for its latency to pass. */
export interface PendingCreate {
  claim: PersistentVolumeClaim;
  cls: StorageClass;
  request: CreateVolumeRequest;
  fsType: string;
  mayReschedule: boolean;
  supportsTopology: boolean;
}

export interface ClaimOp {
  uid: string;
  phase: Phase;
  /** Consecutive failures (the workqueue's NumRequeues + 1 after a failure). */
  failures: number;
  /** LIB claimsInProgress: CreateVolume may still run, so keep provisioning this copy even if the claim goes. */
  inBackground?: PersistentVolumeClaim;
  pending?: PendingCreate;
}

export interface VolumeOp {
  uid: string;
  phase: Phase;
  failures: number;
  pendingVolumeId?: string;
}

/** LIB ProvisioningState: what a failed provisioning attempt means for the next one. */
export type ProvisioningState = 'finished' | 'inBackground' | 'reschedule' | 'noChange';

/** A failed attempt: what it means, its message, whether it is reported, and whether it retries slowly. */
export interface Failure { state: ProvisioningState; message: string; event: boolean; slow?: boolean }

/** How failures are retried: the workqueue's exponential backoff and the LIB thresholds (0 = never give up). */
export interface RetryPolicy { baseMs: number; maxMs: number; threshold: number }

/**
 * checkError (external-provisioner controller.go): may CreateVolume still be running in the
 * driver, and is rescheduling allowed and useful?
 */
export function checkProvisioningError(err: unknown, mayReschedule: boolean): ProvisioningState {
  // Not a gRPC status: the call may never have reached the driver, or may still run there.
  if (!(err instanceof CsiError)) return 'inBackground';
  switch (err.code) {
    case 'RESOURCE_EXHAUSTED':
      return mayReschedule ? 'reschedule' : 'finished';
    case 'CANCELED': case 'DEADLINE_EXCEEDED': case 'UNAVAILABLE': case 'ABORTED':
      return 'inBackground';
    default:
      return 'finished';
  }
}

/** ItemExponentialFailureRateLimiter: base·2^(failures-1), capped at max. */
export function backoffMs(failures: number, policy: Pick<RetryPolicy, 'baseMs' | 'maxMs'>): number {
  const exponent = Math.max(0, failures - 1);
  if (exponent >= 52) return policy.maxMs;
  return Math.min(policy.maxMs, policy.baseMs * 2 ** exponent);
}

/** A key whose delayed work item will come back: a call waiting out its latency, or a retry. */
export function isWaiting(op: { phase: Phase } | undefined): boolean {
  return op?.phase === 'calling' || op?.phase === 'backoff';
}

/**
 * After a failure: retry after a backoff (the slow set waits the longest), or give up once the
 * failures exceed the threshold (AddRateLimited while NumRequeues < threshold).
 */
export function retryOrGiveUp(failures: number, slow: boolean, policy: RetryPolicy): { giveUp: true } | { giveUp: false; retryAfterMs: number } {
  if (policy.threshold > 0 && failures - 1 >= policy.threshold) return { giveUp: true };
  return { giveUp: false, retryAfterMs: slow ? policy.maxMs : backoffMs(failures, policy) };
}

// ------------------------------------------------------------------------------- claims

/** The claim asks this driver to provision it (`volume.kubernetes.io/storage-provisioner`, or the beta key). */
export function isClaimForDriver(claim: PersistentVolumeClaim, driver: string): boolean {
  const ann = claim.metadata.annotations ?? {};
  return (ann[ANN_STORAGE_PROVISIONER] ?? ann[ANN_BETA_STORAGE_PROVISIONER]) === driver;
}

/**
 * What an informer notification about a claim does: forget the record of a deleted claim that
 * nothing runs for, queue the claim (re-arming one given up on: it is tried once more when it
 * changes, as the informer's update handler would; its failure count is kept), or nothing — not
 * ours, bound, or a delayed item of its own will come.
 */
export function claimWatchAction(op: ClaimOp | undefined, claim: PersistentVolumeClaim | undefined, driver: string): 'forget' | 'queue' | 'rearm' | 'none' {
  if (!claim) return op && (op.phase === 'idle' || op.phase === 'gaveUp') && !op.inBackground ? 'forget' : 'none';
  if (!isClaimForDriver(claim, driver)) return 'none';
  if (!op && claim.spec.volumeName) return 'none'; // bound: nothing for a provisioner to do
  if (isWaiting(op)) return 'none'; // its delayed item will come
  return op?.phase === 'gaveUp' ? 'rearm' : 'queue';
}

/** What a resync re-queues: shouldProvision without its errors, and no PV yet. */
export function needsProvisioning(claim: PersistentVolumeClaim, driver: string, pvExists: boolean, cls: StorageClass | undefined): boolean {
  if (claim.spec.volumeName || claim.metadata.deletionTimestamp || !isClaimForDriver(claim, driver)) return false;
  if (pvExists) return false;
  if (cls?.volumeBindingMode === 'WaitForFirstConsumer' && !claim.metadata.annotations?.[ANN_SELECTED_NODE]) return false;
  return true;
}

/**
 * The start of a claim's sync (after a CreateVolume whose latency passed was completed, and a due
 * retry went back to `idle`), given its record and the stored claim: forget a claim that is gone,
 * do nothing for one given up on, or go on with a claim — the stored one, or the copy kept while a
 * CreateVolume may still run in the background for a claim that is gone or re-created — with a
 * fresh record when the claim's uid is new.
 */
export type ClaimSyncStart =
  | { kind: 'forget' }
  | { kind: 'gaveUp' }
  | { kind: 'sync'; claim: PersistentVolumeClaim; freshOp: boolean };

export function claimSyncStart(op: ClaimOp | undefined, stored: PersistentVolumeClaim | undefined): ClaimSyncStart {
  let claim = stored;
  // OBSERVATION: the claim is gone (or re-created) while a CreateVolume may still run: keep
  // going with the copy, so the volume ends up in a PV that the PV controller releases.
  if (op?.inBackground && (!stored || stored.metadata.uid !== op.uid)) claim = op.inBackground;
  if (!claim) return { kind: 'forget' };
  const freshOp = !op || op.uid !== (claim.metadata.uid ?? '');
  if (!freshOp && op!.phase === 'gaveUp') return { kind: 'gaveUp' }; // nothing re-armed it
  return { kind: 'sync', claim, freshOp };
}

/** The start of a PV's sync, as claimSyncStart: forget, given up, or go on (fresh record for a new uid). */
export function volumeSyncStart(op: VolumeOp | undefined, volume: PersistentVolume | undefined): { kind: 'forget' } | { kind: 'gaveUp' } | { kind: 'sync'; freshOp: boolean } {
  if (!volume) return { kind: 'forget' };
  const freshOp = !op || op.uid !== (volume.metadata.uid ?? '');
  if (!freshOp && op!.phase === 'gaveUp') return { kind: 'gaveUp' };
  return { kind: 'sync', freshOp };
}

/**
 * LIB shouldProvision: provision this claim? A missing class is an error (retried), not a "no".
 * A claim being deleted is left alone unless a CreateVolume for it may still be running.
 */
export function shouldProvision(claim: PersistentVolumeClaim, driver: string, cls: StorageClass | undefined, inBackground: boolean): boolean | { error: string } {
  if (claim.spec.volumeName) return false;
  if (!isClaimForDriver(claim, driver)) return false;
  if (claim.metadata.deletionTimestamp && !inBackground) return false;
  if (!cls) return { error: `storageClass "${getClaimClass(claim)}" not found` };
  if (cls.volumeBindingMode === 'WaitForFirstConsumer') {
    // The PV controller annotates only claims with a selected node, but a provisioner may
    // have removed it since to ask the scheduler for another node.
    return (claim.metadata.annotations?.[ANN_SELECTED_NODE] ?? '') !== '';
  }
  return true;
}

/**
 * LIB provisionClaimOperation before it builds the request: done already (the PV exists), fail
 * (no class, or a selected node that does not exist: reschedule), not ours any more (the class
 * changed its provisioner since the claim was annotated), or provision.
 */
export type ClaimOperationStart =
  | { kind: 'done' }
  | { kind: 'fail'; failure: Failure }
  | { kind: 'provision'; cls: StorageClass; selectedNode?: Node };

export function claimOperationStart(
  claim: PersistentVolumeClaim, driver: string, pvExists: boolean, cls: StorageClass | undefined, getNode: (name: string) => Node | undefined,
): ClaimOperationStart {
  // OBSERVATION: provisioned already (by an earlier attempt that finished).
  if (pvExists) return { kind: 'done' };
  if (!cls) return { kind: 'fail', failure: { state: 'finished', message: `storageClass "${getClaimClass(claim)}" not found`, event: false } };
  if (cls.provisioner !== driver) return { kind: 'done' };
  const nodeName = claim.metadata.annotations?.[ANN_SELECTED_NODE];
  if (nodeName === undefined) return { kind: 'provision', cls };
  const selectedNode = getNode(nodeName);
  if (!selectedNode) return { kind: 'fail', failure: { state: 'reschedule', message: `nodes "${nodeName}" not found`, event: true } };
  return { kind: 'provision', cls, selectedNode };
}

/** The capacity a created volume is recorded with: the driver's, the request's when it says 0 (unknown), or too small. */
export function createdCapacity(requiredBytes: bigint, reportedText: string | undefined): { capacityBytes: bigint } | { tooSmall: bigint } {
  const reported = /^[0-9]+$/.test(reportedText ?? '') ? BigInt(reportedText!) : 0n;
  // CSI allows "unknown" (0); Kubernetes needs a size, so the request is recorded.
  if (reported === 0n) return { capacityBytes: requiredBytes };
  if (reported < requiredBytes) return { tooSmall: reported };
  return { capacityBytes: reported };
}

/**
 * A failed provisioning attempt, after a reschedule was tried or not: the claim copy kept for a
 * CreateVolume in the background (set, kept or dropped), the failure count, and give up or retry.
 * LIB gives up and forgets the claim in progress (which may leak a volume being made).
 */
export function provisionFailure(
  op: Pick<ClaimOp, 'failures' | 'inBackground'>, claim: PersistentVolumeClaim, state: ProvisioningState, slow: boolean, policy: RetryPolicy,
): { failures: number; inBackground: PersistentVolumeClaim | undefined } & ({ giveUp: true } | { giveUp: false; retryAfterMs: number }) {
  let inBackground = op.inBackground;
  if (state === 'inBackground') inBackground = structuredClone(claim);
  else if (state === 'finished') inBackground = undefined;
  const failures = op.failures + 1;
  const next = retryOrGiveUp(failures, slow, policy);
  return next.giveUp ? { failures, inBackground: undefined, giveUp: true } : { failures, inBackground, ...next };
}

/** A reschedule failure asks the scheduler for another node only for a claim with a selected node. */
export function mayReschedule(state: ProvisioningState, claim: PersistentVolumeClaim): boolean {
  return state === 'reschedule' && claim.metadata.annotations?.[ANN_SELECTED_NODE] !== undefined;
}

// ------------------------------------------------------------------------------- volumes

/** LIB isProvisionerForVolume: provisioned by this driver, or a static CSI PV of it. */
export function isProvisionerForVolume(volume: PersistentVolume, driver: string): boolean {
  const ann = volume.metadata.annotations ?? {};
  if (Object.prototype.hasOwnProperty.call(ann, ANN_DYNAMICALLY_PROVISIONED)) {
    return ann[ANN_DYNAMICALLY_PROVISIONED] === driver || ann[ANN_MIGRATED_TO] === driver;
  }
  const csi = volume.spec['csi'] as { driver?: string } | undefined;
  if (csi !== undefined) return csi.driver === driver;
  return ann[ANN_MIGRATED_TO] === driver;
}

/** handleProtectionFinalizer: the finalizers the PV should have, when they differ. */
export function finalizersToWrite(volume: PersistentVolume): string[] | undefined {
  const finalizers = volume.metadata.finalizers ?? [];
  const has = finalizers.includes(FINALIZER_PV_EXTERNAL_DELETION);
  const policy = volume.spec.persistentVolumeReclaimPolicy;
  if (!has && policy === 'Delete' && !volume.metadata.deletionTimestamp && volume.status?.phase === 'Bound') {
    return [...finalizers, FINALIZER_PV_EXTERNAL_DELETION];
  }
  if (has && (policy === 'Retain' || policy === 'Recycle')) return finalizers.filter((f) => f !== FINALIZER_PV_EXTERNAL_DELETION);
  return undefined;
}

/** LIB shouldDelete (with the deletion finalizer enabled). */
export function shouldDelete(volume: PersistentVolume): boolean {
  const has = (volume.metadata.finalizers ?? []).includes(FINALIZER_PV_EXTERNAL_DELETION);
  // Finalizer gone from a PV being deleted: the backend volume was deleted already.
  if (!has && volume.metadata.deletionTimestamp) return false;
  return volume.status?.phase === 'Released' && volume.spec.persistentVolumeReclaimPolicy === 'Delete';
}

/** The volume has work for this provisioner: a finalizer to write or a backend volume to delete. */
export function volumeHasWork(volume: PersistentVolume): boolean {
  return shouldDelete(volume) || finalizersToWrite(volume) !== undefined;
}

/** What an informer notification about a PV does (see claimWatchAction). */
export function volumeWatchAction(op: VolumeOp | undefined, volume: PersistentVolume | undefined, driver: string): 'forget' | 'queue' | 'rearm' | 'none' {
  if (!volume) return op && !isWaiting(op) ? 'forget' : 'none';
  if (!isProvisionerForVolume(volume, driver)) return 'none';
  if (!op && !volumeHasWork(volume)) return 'none';
  if (isWaiting(op)) return 'none';
  return op?.phase === 'gaveUp' ? 'rearm' : 'queue';
}

/**
 * external-provisioner Delete before the DeleteVolume call: the volume id to delete, or why not
 * (not a CSI PV; attached somewhere — never delete a volume a VolumeAttachment still names).
 */
export function deleteVolumeStart(
  volume: PersistentVolume, attachable: boolean, attachments: readonly { source?: { persistentVolumeName?: string }; nodeName?: string }[],
): { volumeId: string } | { failure: string } {
  const name = volume.metadata.name;
  const csi = volume.spec['csi'] as { volumeHandle?: string } | undefined;
  if (!csi?.volumeHandle) return { failure: 'invalid CSI PV' };
  if (attachable) {
    const va = attachments.find((spec) => spec.source?.persistentVolumeName === name);
    if (va) return { failure: `persistentvolume ${name} is still attached to node ${va.nodeName ?? ''}` };
  }
  return { volumeId: csi.volumeHandle };
}
