/**
 * Design: what installing a CSI driver does to the API — its CSIDriver object, created from the
 * driver's profile (a real cluster gets it from the driver's manifests, Helm chart or operator).
 * Not a Kubernetes controller: it stands for the driver's installation, so the attach/detach
 * controller, the scheduler and the kubelet find the object a cluster with these drivers would
 * have. Stateless, as an operator reconciling its manifests is: a missing object (a new cluster,
 * or one a user deleted) is created again; one that exists is left as it is.
 */
import type { AnyObject, Client, WatchEvent } from '@pvsim/runtime';
import type { Controller, WorkQueue } from '@pvsim/component';
import { csiDriverObject, type SimCsiDriver } from '@pvsim/csi-drivers';

export const CSI_DRIVER_REGISTRAR_QUEUE = 'csi-driver-registrar';

export class CsiDriverRegistrar implements Controller {
  readonly name = 'csi-driver-registrar';
  readonly queues: Record<string, (key: string) => void>;

  constructor(private readonly client: Client, private readonly drivers: ReadonlyMap<string, SimCsiDriver>) {
    this.queues = { [CSI_DRIVER_REGISTRAR_QUEUE]: (key) => this.sync(key) };
  }

  /** The cluster's first object, or a deleted CSIDriver, brings the installation in. */
  onWatch(ev: WatchEvent, queue: WorkQueue): void {
    if (ev.kind !== 'Event') this.resync(queue);
  }

  resync(queue: WorkQueue): void {
    for (const name of [...this.drivers.keys()].sort()) if (!this.client.get('CSIDriver', name)) queue.add(CSI_DRIVER_REGISTRAR_QUEUE, name);
  }

  private sync(name: string): void {
    const driver = this.drivers.get(name);
    if (!driver || this.client.get('CSIDriver', name)) return;
    this.client.create('CSIDriver', { ...csiDriverObject(driver.profile), metadata: { name } } as unknown as AnyObject);
  }
}
