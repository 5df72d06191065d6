/**
 * Design: the facts of volume expansion that the external-resizer (csi-sidecars) and the kubelet
 * both read and write on a claim — `status.allocatedResources`, `status.allocatedResourceStatuses`
 * and the `Resizing` / `FileSystemResizePending` / `ControllerResizeError` / `NodeResizeError`
 * conditions — as pure functions from a claim to the next claim, so the two writers cannot drift.
 * Behaviour follows Kubernetes 1.34 with RecoverVolumeExpansionFailure GA (external-resizer
 * pkg/controller/expand_and_recover.go, K/pkg/volume/util/resize_util.go): the resizer works from
 * `allocatedResourceStatuses['storage']`, a final ControllerExpandVolume error makes the claim
 * `ControllerResizeInfeasible`, and a user recovers by lowering the request (still above
 * `status.capacity`), which the resizer then tries instead.
 */
import { compareQuantities, formatQuantity, parseQuantity, quantityToBytes, type Quantity } from './quantity.ts';
import type { PersistentVolume, PersistentVolumeClaim } from './types.ts';

export type ClaimResizeStatus =
  | 'ControllerResizeInProgress' | 'ControllerResizeInfeasible' | 'NodeResizePending' | 'NodeResizeInProgress' | 'NodeResizeInfeasible';

export const CONDITION_RESIZING = 'Resizing';
export const CONDITION_FS_RESIZE_PENDING = 'FileSystemResizePending';
export const CONDITION_CONTROLLER_RESIZE_ERROR = 'ControllerResizeError';
export const CONDITION_NODE_RESIZE_ERROR = 'NodeResizeError';
const RESIZE_CONDITIONS = [CONDITION_RESIZING, CONDITION_FS_RESIZE_PENDING, CONDITION_CONTROLLER_RESIZE_ERROR, CONDITION_NODE_RESIZE_ERROR];

/** K/pkg/volume/util/resize_util.go: the FileSystemResizePending condition's message. */
export const FS_RESIZE_PENDING_MESSAGE = 'Waiting for user to (re-)start a pod to finish file system resize of volume on node.';

export interface ClaimCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  lastProbeTime?: string | null;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

function storageOf(map: Record<string, string> | undefined): Quantity | undefined {
  const v = map?.['storage'];
  if (v === undefined) return undefined;
  try { return parseQuantity(v); } catch { return undefined; }
}

export function requestedSize(pvc: PersistentVolumeClaim): Quantity | undefined { return storageOf(pvc.spec.resources?.requests); }
export function statusCapacity(pvc: PersistentVolumeClaim): Quantity | undefined { return storageOf(pvc.status?.capacity); }
export function volumeStorageCapacity(pv: PersistentVolume): Quantity | undefined { return storageOf(pv.spec.capacity); }
export function allocatedSize(pvc: PersistentVolumeClaim): Quantity | undefined {
  return storageOf(pvc.status?.['allocatedResources'] as Record<string, string> | undefined);
}
export function resizeStatusOf(pvc: PersistentVolumeClaim): ClaimResizeStatus | undefined {
  return (pvc.status?.['allocatedResourceStatuses'] as Record<string, ClaimResizeStatus> | undefined)?.['storage'];
}
export function conditionsOf(pvc: PersistentVolumeClaim): ClaimCondition[] {
  return (pvc.status?.conditions as ClaimCondition[] | undefined) ?? [];
}

/** q in bytes as the API prints a capacity (BinarySI: 20Gi). */
export function bytesQuantity(bytes: bigint): string {
  return formatQuantity({ num: bytes, den: 1n, format: 'BinarySI' });
}
export function quantityBytes(q: Quantity): bigint { return quantityToBytes(q); }

/** a > b, either may be missing (missing is smaller than anything). */
export function larger(a: Quantity | undefined, b: Quantity | undefined): boolean {
  if (!a) return false;
  if (!b) return true;
  return compareQuantities(a, b) > 0;
}

/** The claim with these resize conditions (the others of RESIZE_CONDITIONS dropped), transition times kept. */
function withConditions(pvc: PersistentVolumeClaim, next: ClaimCondition[], now: string): ClaimCondition[] {
  const old = conditionsOf(pvc);
  const kept = old.filter((c) => !RESIZE_CONDITIONS.includes(c.type));
  const made = next.map((c) => {
    const before = old.find((o) => o.type === c.type);
    return { ...c, lastProbeTime: null, lastTransitionTime: before && before.status === c.status && before.lastTransitionTime ? before.lastTransitionTime : now };
  });
  return [...kept, ...made];
}

function withStatus(pvc: PersistentVolumeClaim, change: {
  allocated?: string; resizeStatus?: ClaimResizeStatus | null; capacity?: string; conditions: ClaimCondition[];
}, now: string): PersistentVolumeClaim {
  const status = { ...(pvc.status ?? {}) } as NonNullable<PersistentVolumeClaim['status']>;
  if (change.allocated !== undefined) status['allocatedResources'] = { ...(status['allocatedResources'] as object ?? {}), storage: change.allocated };
  if (change.capacity !== undefined) status.capacity = { ...(status.capacity ?? {}), storage: change.capacity };
  if (change.resizeStatus !== undefined) {
    const statuses = { ...(status['allocatedResourceStatuses'] as Record<string, string> | undefined ?? {}) };
    if (change.resizeStatus === null) delete statuses['storage']; else statuses['storage'] = change.resizeStatus;
    if (Object.keys(statuses).length > 0) status['allocatedResourceStatuses'] = statuses; else delete status['allocatedResourceStatuses'];
  }
  const conditions = withConditions(pvc, change.conditions, now);
  if (conditions.length > 0) status.conditions = conditions; else delete status.conditions;
  return { ...pvc, status };
}

/** What the resizer does with a bound claim of its driver (expand_and_recover.go, 1.34). */
export type ResizerPlan =
  | { kind: 'none' }
  /** Call ControllerExpandVolume for this size (a quantity text). */
  | { kind: 'expand'; size: string }
  /** The PV is already as large as asked: only the claim's status is behind. */
  | { kind: 'alreadyExpanded' };

export function planControllerResize(pvc: PersistentVolumeClaim, pv: PersistentVolume): ResizerPlan {
  if (pvc.status?.phase !== 'Bound' || pvc.spec.volumeName !== pv.metadata.name) return { kind: 'none' };
  const spec = requestedSize(pvc);
  const status = resizeStatusOf(pvc);
  const allocated = allocatedSize(pvc);
  switch (status) {
    // A node step is pending or running: the kubelet's turn.
    case 'NodeResizePending': case 'NodeResizeInProgress': case 'NodeResizeInfeasible':
      return { kind: 'none' };
    // An interrupted or transiently failed call: retried with the size it was made with (case 1).
    case 'ControllerResizeInProgress':
      return allocated ? { kind: 'expand', size: formatQuantity(allocated) } : { kind: 'none' };
    // A final failure: only a changed request (usually lowered: recovery) is tried again (case 3).
    case 'ControllerResizeInfeasible':
      if (!spec || (allocated && compareQuantities(spec, allocated) === 0)) return { kind: 'none' };
      if (!larger(spec, statusCapacity(pvc))) return { kind: 'none' };
      return { kind: 'expand', size: formatQuantity(spec) };
    default:
      if (!larger(spec, statusCapacity(pvc))) return { kind: 'none' };
      if (!larger(spec, volumeStorageCapacity(pv))) return { kind: 'alreadyExpanded' };
      return { kind: 'expand', size: formatQuantity(spec!) };
  }
}

/** markControllerResizeInProgress: allocatedResources is the size being made, condition Resizing. */
export function markControllerResizeInProgress(pvc: PersistentVolumeClaim, size: string, now: string): PersistentVolumeClaim {
  return withStatus(pvc, {
    allocated: size, resizeStatus: 'ControllerResizeInProgress',
    conditions: [{ type: CONDITION_RESIZING, status: 'True' }],
  }, now);
}

/** A failed ControllerExpandVolume: final errors make the claim infeasible, others stay in progress. */
export function markControllerResizeFailed(pvc: PersistentVolumeClaim, final: boolean, message: string, now: string): PersistentVolumeClaim {
  return withStatus(pvc, {
    resizeStatus: final ? 'ControllerResizeInfeasible' : 'ControllerResizeInProgress',
    conditions: final ? [{ type: CONDITION_CONTROLLER_RESIZE_ERROR, status: 'True', message }]
      : [{ type: CONDITION_RESIZING, status: 'True' }, { type: CONDITION_CONTROLLER_RESIZE_ERROR, status: 'True', message }],
  }, now);
}

/** The controller step is done and the node must grow the filesystem. */
export function markNodeResizePending(pvc: PersistentVolumeClaim, now: string): PersistentVolumeClaim {
  return withStatus(pvc, {
    resizeStatus: 'NodeResizePending',
    conditions: [{ type: CONDITION_FS_RESIZE_PENDING, status: 'True', message: FS_RESIZE_PENDING_MESSAGE }],
  }, now);
}

/** NodeExpandVolume failed: the kubelet tries again at its next sync (NodeResizeError condition). */
export function markNodeResizeFailed(pvc: PersistentVolumeClaim, message: string, now: string): PersistentVolumeClaim {
  return withStatus(pvc, {
    resizeStatus: 'NodeResizePending',
    conditions: [
      { type: CONDITION_FS_RESIZE_PENDING, status: 'True', message: FS_RESIZE_PENDING_MESSAGE },
      { type: CONDITION_NODE_RESIZE_ERROR, status: 'True', message },
    ],
  }, now);
}

/** MarkFSResizeFinished / markOverallExpansionAsFinished: status.capacity is the new size; no resize status or condition. */
export function markResizeFinished(pvc: PersistentVolumeClaim, capacity: string, now: string): PersistentVolumeClaim {
  return withStatus(pvc, { capacity, allocated: capacity, resizeStatus: null, conditions: [] }, now);
}

/** The kubelet grows the filesystem of a mounted volume whose claim waits for it. */
export function needsNodeResize(pvc: PersistentVolumeClaim | undefined): boolean {
  const s = pvc ? resizeStatusOf(pvc) : undefined;
  return s === 'NodeResizePending' || s === 'NodeResizeInProgress';
}

/** external-resizer `isFinalError`: these codes may succeed when retried with the same size. */
export function isFinalResizeError(code: string | undefined): boolean {
  return !['CANCELED', 'DEADLINE_EXCEEDED', 'UNAVAILABLE', 'RESOURCE_EXHAUSTED', 'ABORTED'].includes(code ?? '');
}
