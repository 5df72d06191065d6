/**
 * Design: kube-controller-manager's expand controller (K/pkg/controller/volume/expand/
 * expand_controller.go, 1.34) as far as CSI volumes go: a claim whose request grew (or whose
 * status capacity grew) is looked at; while the request is above `status.capacity` and the claim
 * is bound to its PV, it says that an external controller — the CSI driver's external-resizer —
 * is to expand it (event `ExternalExpanding`, from `volume_expand`), and does nothing else. No
 * in-tree plugin of pvsim expands volumes, so every claim gets that answer.
 */
import { compareQuantities, parseQuantity, type PersistentVolumeClaim, type Quantity } from '@pvsim/domain';
import type { Client, WatchEvent } from '@pvsim/runtime';
import { splitKey, type Controller, type WorkQueue } from '@pvsim/component';

const QUEUE = 'volume-expand';

function storage(map: Record<string, string> | undefined): Quantity {
  try { return parseQuantity(map?.['storage'] ?? '0'); } catch { return parseQuantity('0'); }
}

/** The informer's UpdateFunc: the request grew, or the status capacity did. */
export function expandControllerWants(old: PersistentVolumeClaim, next: PersistentVolumeClaim): boolean {
  return compareQuantities(storage(next.spec.resources?.requests), storage(old.spec.resources?.requests)) > 0
    || compareQuantities(storage(next.status?.capacity), storage(old.status?.capacity)) > 0;
}

export class ExpandController implements Controller {
  readonly name = 'volume-expand';
  readonly queues: Record<string, (key: string) => void>;

  constructor(private readonly client: Client) {
    this.queues = { [QUEUE]: (key) => this.sync(key) };
  }

  onWatch(ev: WatchEvent, queue: WorkQueue): void {
    if (ev.kind !== 'PersistentVolumeClaim' || !ev.old || !ev.new) return;
    if (expandControllerWants(ev.old as unknown as PersistentVolumeClaim, ev.new as unknown as PersistentVolumeClaim)) queue.add(QUEUE, ev.key);
  }

  private sync(key: string): void {
    const [namespace, name] = splitKey(key);
    const pvc = this.client.getClaim(namespace || 'default', name);
    if (!pvc?.spec.volumeName) return;
    const pv = this.client.getVolume(pvc.spec.volumeName);
    const ref = pv?.spec.claimRef;
    if (!pv || !ref || ref.namespace !== (pvc.metadata.namespace ?? 'default') || ref.uid !== pvc.metadata.uid) return;
    if (compareQuantities(storage(pvc.spec.resources?.requests), storage(pvc.status?.capacity)) <= 0) return;
    this.client.event(pvc, 'Normal', 'ExternalExpanding', 'waiting for an external controller to expand this PVC', 'volume_expand');
  }
}
