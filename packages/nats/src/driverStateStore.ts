/**
 * Design: where a user's CSI driver module run as a process keeps its memory (ADR 0029): one
 * object per cluster and driver in the JetStream object store bucket `pvsim-csi-drivers`, the
 * module's `saveState()` as canonical-enough JSON (the module's own value, written as given). A
 * restarted driver process reads it back and resumes where the last one stopped.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import { StorageType } from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import { DRIVER_STATE_BUCKET, driverStateKey } from './subjects.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class DriverStateStore {
  private constructor(private readonly objects: ObjectStore, private readonly key: string) {}

  /** The bucket (made if missing) and the object of `driver` in `cluster`. */
  static async open(nc: NatsConnection, cluster: string, driver: string): Promise<DriverStateStore> {
    const objects = await new Objm(nc).create(DRIVER_STATE_BUCKET, { storage: StorageType.File });
    return new DriverStateStore(objects, driverStateKey(cluster, driver));
  }

  /** The saved state, or undefined when this driver of this cluster never saved one. */
  async load(): Promise<unknown> {
    const bytes = await this.objects.getBlob(this.key);
    return bytes ? JSON.parse(decoder.decode(bytes)) as unknown : undefined;
  }

  async save(state: unknown): Promise<void> {
    await this.objects.putBlob({ name: this.key }, encoder.encode(JSON.stringify(state ?? null)));
  }
}
