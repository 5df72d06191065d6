/**
 * Design: the facts of volume expansion that the external-resizer (csi-sidecars) and the kubelet
 * both read and write on a claim — `status.allocatedResources`, `status.allocatedResourceStatuses`
 * and the `Resizing` / `FileSystemResizePending` / `ControllerResizeError` / `NodeResizeError`
 * conditions — as pure functions from a claim to the next claim, so the two writers cannot drift.
 * Behaviour follows Kubernetes 1.34 with RecoverVolumeExpansionFailure GA (external-resizer
 * pkg/controller/expand_and_recover.go, K/pkg/volume/util/resize_util.go): the resizer works from
 * `allocatedResourceStatuses['storage']`, an infeasible ControllerExpandVolume error makes the
 * claim `ControllerResizeInfeasible`, and a user recovers by lowering the request (still above
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

/** What the resizer does with a claim of its driver: nothing, or ControllerExpandVolume for a size. */
export type ResizerPlan =
  | { kind: 'none' }
  /** `size`: a quantity text; `sameAsAllocated`: the size is the one already in allocatedResources (no status write). */
  | { kind: 'expand'; size: string; sameAsAllocated: boolean };

/**
 * external-resizer `pvcNeedResize` + `expandAndRecover` (v1.14, Kubernetes 1.34), case for case:
 * which size to ask for, given the claim, its PV and whether this resizer's last attempt for the
 * claim ended in a final error (its `finalErrorPVCs`).
 */
export function planControllerResize(pvc: PersistentVolumeClaim, pv: PersistentVolume, lastErrorFinal = false): ResizerPlan {
  if (pvc.status?.phase !== 'Bound' || !pvc.spec.volumeName || pvc.spec.volumeName !== pv.metadata.name) return { kind: 'none' };
  const ref = pv.spec.claimRef;
  if (!ref || ref.namespace !== (pvc.metadata.namespace ?? 'default') || ref.uid !== pvc.metadata.uid) return { kind: 'none' };
  const spec = requestedSize(pvc);
  if (!spec || !larger(spec, statusCapacity(pvc))) return { kind: 'none' };
  const pvSize = volumeStorageCapacity(pv);
  const status = resizeStatusOf(pvc);
  const allocated = allocatedSize(pvc);
  let size: Quantity = spec;
  if (larger(spec, pvSize)) {
    // The PV is smaller than asked: finish an earlier operation before starting a new one.
    switch (status) {
      case 'NodeResizeInfeasible': size = allocated ?? spec; break;
      case 'NodeResizePending': case 'NodeResizeInProgress':
        size = allocated ?? spec;
        if (!larger(size, pvSize)) return { kind: 'none' };
        break;
      // An uncertain error: the earlier call may still finish, so its size is kept; after a final error the request is taken.
      case 'ControllerResizeInProgress': size = lastErrorFinal ? spec : allocated ?? spec; break;
      default: size = spec;
    }
  } else {
    // The PV is already large enough: a spurious event, or a resize whose API writes were lost.
    switch (status) {
      case 'NodeResizePending': case 'NodeResizeInProgress': return { kind: 'none' };
      case 'NodeResizeInfeasible': case 'ControllerResizeInProgress': case 'ControllerResizeInfeasible': size = allocated ?? spec; break;
      default:
        if (allocated) size = allocated;
        else if (conditionsOf(pvc).some((c) => c.type === CONDITION_FS_RESIZE_PENDING)) return { kind: 'none' };
    }
  }
  return { kind: 'expand', size: formatQuantity(size), sameAsAllocated: allocated !== undefined && compareQuantities(allocated, size) === 0 };
}

/** markControllerResizeInProgress: allocatedResources is the size being made, condition Resizing. */
export function markControllerResizeInProgress(pvc: PersistentVolumeClaim, size: string, now: string): PersistentVolumeClaim {
  return withStatus(pvc, {
    allocated: size, resizeStatus: 'ControllerResizeInProgress',
    conditions: [{ type: CONDITION_RESIZING, status: 'True' }],
  }, now);
}

/**
 * A final ControllerExpandVolume error: infeasible (INVALID_ARGUMENT, OUT_OF_RANGE, NOT_FOUND)
 * makes the claim ControllerResizeInfeasible; another final error leaves it in progress. Both
 * record condition ControllerResizeError. (An uncertain error changes nothing on the claim.)
 */
export function markControllerResizeFailed(pvc: PersistentVolumeClaim, infeasible: boolean, message: string, now: string): PersistentVolumeClaim {
  return withStatus(pvc, {
    resizeStatus: infeasible ? 'ControllerResizeInfeasible' : 'ControllerResizeInProgress',
    conditions: infeasible ? [{ type: CONDITION_CONTROLLER_RESIZE_ERROR, status: 'True', message }]
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

/** external-resizer `IsFinalError`: all codes but these (the operation may still be running or succeed when retried). */
export function isFinalResizeError(code: string | undefined): boolean {
  return !['CANCELED', 'DEADLINE_EXCEEDED', 'UNAVAILABLE', 'RESOURCE_EXHAUSTED', 'ABORTED'].includes(code ?? '');
}

/** The final errors that make a resize infeasible (csi_resizer / the kubelet's expander: the request itself is impossible). */
export function isInfeasibleResizeError(code: string | undefined): boolean {
  return code === 'INVALID_ARGUMENT' || code === 'OUT_OF_RANGE' || code === 'NOT_FOUND';
}
