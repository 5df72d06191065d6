/**
 * Design: the csi-snapshotter sidecar of one CSI driver (kubernetes-csi/external-snapshotter
 * pkg/sidecar-controller). It owns the VolumeSnapshotContents of its driver:
 * - a dynamic content (`source.volumeHandle`) without a snapshot handle gets CreateSnapshot named
 *   `snapshot-<VolumeSnapshot uid>` (a retry finds the same snapshot); its answer becomes the
 *   content's status — snapshotHandle, creationTime (ns), readyToUse, restoreSize (bytes);
 * - a pre-provisioned content (`source.snapshotHandle`) is looked up with ListSnapshots;
 * - a deleted content with deletionPolicy Delete gets DeleteSnapshot; then (Delete or Retain)
 *   its `volumesnapshotcontent-bound-protection` finalizer goes and the content disappears.
 * A failed call is `status.error` on the content and a retry with backoff (1 s … 5 min).
 * Work key: the content's name. Memory (JSON): failure counts.
 */
import {
  CsiError, FINALIZER_VSC, csiSnapshotName, withFinalizer,
  type CsiDriverPort, type CsiSnapshot, type VolumeSnapshotContent,
} from '@pvsim/domain';
import type { AnyObject, Client, SimClock, WatchEvent } from '@pvsim/runtime';
import { StateVersion, TrackedMap, record, sortedRecord, stateObject, type Controller, type WorkQueue } from '@pvsim/component';

export const SNAPSHOT_RETRY_BASE_MS = 1_000;
export const SNAPSHOT_RETRY_MAX_MS = 5 * 60_000;

export class CsiSnapshotter implements Controller {
  readonly name: string;
  /** `loadState` copies what it is given into its own sets and maps (Controller.loadStateCopies). */
  readonly loadStateCopies = true;
  readonly queueName: string;
  readonly queues: Record<string, (key: string) => void>;
  /** Moved by every change of the memory below (the world's fingerprint reads it). */
  readonly stateVersion = new StateVersion();
  private readonly failures = new TrackedMap<string, number>(this.stateVersion);

  constructor(
    private readonly client: Client,
    private readonly queue: WorkQueue,
    readonly driverName: string,
    private readonly driver: CsiDriverPort,
    private readonly options: { clock: SimClock },
  ) {
    this.name = `csi-snapshotter/${driverName}`;
    this.queueName = `csi-snapshotter/${driverName}`;
    this.queues = { [this.queueName]: (key) => this.sync(key) };
  }

  onWatch(ev: WatchEvent, queue: WorkQueue): void {
    if (ev.kind !== 'VolumeSnapshotContent' || !ev.new) return;
    if ((ev.new as unknown as VolumeSnapshotContent).spec.driver === this.driverName) queue.add(this.queueName, ev.key);
  }

  resync(queue: WorkQueue): void {
    for (const c of this.client.list('VolumeSnapshotContent') as unknown as VolumeSnapshotContent[]) {
      if (c.spec.driver === this.driverName && (c.metadata.deletionTimestamp || c.status?.readyToUse !== true)) queue.add(this.queueName, c.metadata.name);
    }
  }

  unsettled(): boolean { return this.failures.size > 0; }

  saveState(): { failures: Record<string, number> } {
    return { failures: sortedRecord(this.failures, (n) => n) };
  }

  loadState(state: unknown): void {
    const s = stateObject(this.name, state);
    this.failures.clear();
    for (const [key, n] of Object.entries(record(this.name, s['failures']))) {
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0) throw new TypeError(`${this.name}: saved failure count of "${key}" is not a count`);
      this.failures.set(key, n);
    }
  }

  private retryLater(key: string): void {
    const n = (this.failures.get(key) ?? 0) + 1;
    this.failures.set(key, n);
    this.queue.addAfter(this.queueName, key, Math.min(SNAPSHOT_RETRY_BASE_MS * 2 ** (n - 1), SNAPSHOT_RETRY_MAX_MS), 'retry');
  }

  private sync(name: string): void {
    const content = this.client.get('VolumeSnapshotContent', name) as unknown as VolumeSnapshotContent | undefined;
    if (!content || content.spec.driver !== this.driverName) { this.failures.delete(name); return; }
    if (content.metadata.deletionTimestamp) { this.syncDeleted(content); return; }
    if (content.status?.readyToUse === true && content.status.snapshotHandle) { this.failures.delete(name); return; }
    let snapshot: CsiSnapshot | undefined;
    try {
      if (content.spec.source.volumeHandle !== undefined) {
        if (!this.driver.createSnapshot) throw new CsiError('UNIMPLEMENTED', `CreateSnapshot: ${this.driverName} does not take snapshots`);
        const ref = content.spec.volumeSnapshotRef;
        snapshot = this.driver.createSnapshot({ name: csiSnapshotName(ref.uid ?? `${ref.namespace}-${ref.name}`), sourceVolumeId: content.spec.source.volumeHandle }).snapshot;
      } else {
        if (!this.driver.listSnapshots) throw new CsiError('UNIMPLEMENTED', `ListSnapshots: ${this.driverName} does not list snapshots`);
        const handle = content.spec.source.snapshotHandle ?? '';
        snapshot = this.driver.listSnapshots({ snapshotId: handle }).entries[0];
        if (!snapshot) throw new CsiError('NOT_FOUND', `snapshot ${handle} does not exist on ${this.driverName}`);
      }
    } catch (e) {
      const message = content.spec.source.volumeHandle !== undefined
        ? `Failed to check and update snapshot content: failed to take snapshot of the volume ${content.spec.source.volumeHandle}: ${(e as Error).message}`
        : `Failed to check and update snapshot content: failed to list snapshot for content ${name}: ${(e as Error).message}`;
      this.client.update('VolumeSnapshotContent', { ...content, status: { ...(content.status ?? {}), readyToUse: false, error: { time: this.options.clock.iso(), message } } } as unknown as AnyObject, 'status');
      this.client.event(content, 'Warning', 'SnapshotCreationFailed', message, `csi-snapshotter ${this.driverName}`);
      this.retryLater(name);
      return;
    }
    this.failures.delete(name);
    const status: NonNullable<VolumeSnapshotContent['status']> = {
      snapshotHandle: snapshot.snapshotId, creationTime: snapshot.creationTimeMs * 1_000_000, readyToUse: snapshot.readyToUse, restoreSize: Number(snapshot.sizeBytes),
    };
    this.client.update('VolumeSnapshotContent', { ...content, status } as unknown as AnyObject, 'status');
  }

  private syncDeleted(content: VolumeSnapshotContent): void {
    const name = content.metadata.name;
    if (!(content.metadata.finalizers ?? []).includes(FINALIZER_VSC)) { this.failures.delete(name); return; }
    const handle = content.status?.snapshotHandle ?? content.spec.source.snapshotHandle;
    if (content.spec.deletionPolicy === 'Delete' && handle) {
      try {
        if (!this.driver.deleteSnapshot) throw new CsiError('UNIMPLEMENTED', `DeleteSnapshot: ${this.driverName} does not delete snapshots`);
        this.driver.deleteSnapshot({ snapshotId: handle });
      } catch (e) {
        const message = `Failed to delete snapshot: ${(e as Error).message}`;
        this.client.update('VolumeSnapshotContent', { ...content, status: { ...(content.status ?? {}), error: { time: this.options.clock.iso(), message } } } as unknown as AnyObject, 'status');
        this.client.event(content, 'Warning', 'SnapshotDeleteError', message, `csi-snapshotter ${this.driverName}`);
        this.retryLater(name);
        return;
      }
    }
    this.failures.delete(name);
    const fresh = this.client.get('VolumeSnapshotContent', name) as unknown as VolumeSnapshotContent | undefined;
    if (fresh) this.client.update('VolumeSnapshotContent', withFinalizer(fresh, FINALIZER_VSC, false) as unknown as AnyObject);
  }
}
