/**
 * Design: the snapshot-controller (kubernetes-csi/external-snapshotter pkg/common-controller),
 * which Kubernetes runs as a Deployment of its own (processOf puts it in its own process). It
 * owns VolumeSnapshots and binds them to VolumeSnapshotContents; the driver's csi-snapshotter
 * sidecar (csi-sidecars) cuts the snapshot on the backend and fills the content's status.
 *
 * - A dynamic snapshot (`source.persistentVolumeClaimName`) of a Bound CSI claim gets its class
 *   (named, or the default class of the PV's driver, written into its spec), the finalizers
 *   `volumesnapshot-as-source-protection` and `volumesnapshot-bound-protection`, the claim the
 *   finalizer `pvc-as-source-protection` while the snapshot is not ready, and a content
 *   `snapcontent-<uid>` with the class's deletionPolicy (event CreatingSnapshot).
 * - A pre-provisioned snapshot (`source.volumeSnapshotContentName`) binds to that content when the
 *   content's `volumeSnapshotRef` names it.
 * - The snapshot's status follows its content's: boundVolumeSnapshotContentName, creationTime,
 *   readyToUse, restoreSize (events SnapshotCreated, SnapshotReady once ready); a problem is
 *   `status.error` and a Warning event.
 * - A deleted snapshot waits while a Pending claim restores from it; then its content is
 *   deleted if the policy is Delete (the sidecar deletes the backend snapshot) or kept if Retain,
 *   and the snapshot's finalizers go.
 * Every content this controller binds carries `volumesnapshotcontent-bound-protection`, which the
 * sidecar removes once it has dealt with the backend snapshot.
 */
import {
  ANN_DEFAULT_SNAPSHOT_CLASS, FINALIZER_PVC_AS_SNAPSHOT_SOURCE, FINALIZER_VSC, FINALIZER_VS_AS_SOURCE, FINALIZER_VS_BOUND, SNAPSHOT_API_VERSION,
  SNAPSHOT_GROUP, bytesQuantity, csiSourceOf, snapshotContentName, withFinalizer,
  type PersistentVolumeClaim, type VolumeSnapshot, type VolumeSnapshotClass, type VolumeSnapshotContent,
} from '@pvsim/domain';
import type { AnyObject, Client, SimClock, WatchEvent } from '@pvsim/runtime';
import { splitKey, type Controller, type WorkQueue } from '@pvsim/component';

const QUEUE = 'snapshot-controller';
const COMPONENT = 'snapshot-controller';

/** A claim restoring from the snapshot and not provisioned yet (isVolumeBeingCreatedFromSnapshot). */
export function claimsRestoringFrom(claims: PersistentVolumeClaim[], vs: VolumeSnapshot): PersistentVolumeClaim[] {
  const ns = vs.metadata.namespace ?? 'default';
  return claims.filter((c) => (c.metadata.namespace ?? 'default') === ns && c.status?.phase === 'Pending'
    && [c.spec.dataSource, c.spec.dataSourceRef].some((d) => d && d.kind === 'VolumeSnapshot' && (d.apiGroup ?? '') === SNAPSHOT_GROUP && d.name === vs.metadata.name));
}

export class SnapshotController implements Controller {
  readonly name = 'snapshot-controller';
  readonly queues: Record<string, (key: string) => void>;

  constructor(private readonly client: Client, private readonly clock: SimClock) {
    this.queues = { [QUEUE]: (key) => this.sync(key) };
  }

  onWatch(ev: WatchEvent, queue: WorkQueue): void {
    if (ev.kind === 'VolumeSnapshot') queue.add(QUEUE, ev.key);
    else if (ev.kind === 'VolumeSnapshotContent') {
      const ref = ((ev.new ?? ev.old) as unknown as VolumeSnapshotContent).spec.volumeSnapshotRef;
      if (ref?.name) queue.add(QUEUE, `${ref.namespace}/${ref.name}`);
    } else if (ev.kind === 'PersistentVolumeClaim') {
      const c = (ev.new ?? ev.old) as unknown as PersistentVolumeClaim;
      const ns = c.metadata.namespace ?? 'default';
      for (const vs of this.snapshots()) {
        if ((vs.metadata.namespace ?? 'default') !== ns) continue;
        const ds = [c.spec.dataSource, c.spec.dataSourceRef].some((d) => d?.kind === 'VolumeSnapshot' && d.name === vs.metadata.name);
        if (vs.spec.source.persistentVolumeClaimName === c.metadata.name || ds) queue.add(QUEUE, `${ns}/${vs.metadata.name}`);
      }
    } else if (ev.kind === 'VolumeSnapshotClass') {
      for (const vs of this.snapshots()) if (!vs.status?.readyToUse) queue.add(QUEUE, `${vs.metadata.namespace ?? 'default'}/${vs.metadata.name}`);
    }
  }

  resync(queue: WorkQueue): void {
    for (const vs of this.snapshots()) if (vs.metadata.deletionTimestamp || !vs.status?.readyToUse) queue.add(QUEUE, `${vs.metadata.namespace ?? 'default'}/${vs.metadata.name}`);
  }

  private snapshots(): VolumeSnapshot[] {
    return this.client.list('VolumeSnapshot') as unknown as VolumeSnapshot[];
  }

  private content(name: string): VolumeSnapshotContent | undefined {
    return this.client.get('VolumeSnapshotContent', name) as unknown as VolumeSnapshotContent | undefined;
  }

  private contentNameOf(vs: VolumeSnapshot): string | undefined {
    return vs.status?.boundVolumeSnapshotContentName ?? vs.spec.source.volumeSnapshotContentName
      ?? (vs.spec.source.persistentVolumeClaimName !== undefined && vs.metadata.uid ? snapshotContentName(vs.metadata.uid) : undefined);
  }

  private update(vs: VolumeSnapshot, subresource?: 'status'): VolumeSnapshot {
    return this.client.update('VolumeSnapshot', vs as unknown as AnyObject, subresource) as unknown as VolumeSnapshot;
  }

  private sync(key: string): void {
    const [ns, name] = splitKey(key);
    const vs = this.client.get('VolumeSnapshot', `${ns || 'default'}/${name}`) as unknown as VolumeSnapshot | undefined;
    if (!vs) return;
    if (vs.metadata.deletionTimestamp) { this.syncDeleted(vs); return; }
    if (vs.spec.source.persistentVolumeClaimName !== undefined) this.syncDynamic(vs); else this.syncPreProvisioned(vs);
  }

  private fail(vs: VolumeSnapshot, reason: string, message: string): void {
    if (vs.status?.error?.message !== message) {
      this.update({ ...vs, status: { ...(vs.status ?? {}), readyToUse: false, error: { time: this.clock.iso(), message } } }, 'status');
    }
    this.client.event(vs, 'Warning', reason, message, COMPONENT);
  }

  private withFinalizers(vs: VolumeSnapshot, finalizers: string[]): VolumeSnapshot {
    const missing = finalizers.filter((f) => !(vs.metadata.finalizers ?? []).includes(f));
    if (missing.length === 0) return vs;
    let next = vs;
    for (const f of missing) next = withFinalizer(next, f, true);
    return this.update(next);
  }

  private syncDynamic(input: VolumeSnapshot): void {
    let vs = input;
    const ns = vs.metadata.namespace ?? 'default';
    const pvcName = vs.spec.source.persistentVolumeClaimName!;
    const contentName = snapshotContentName(vs.metadata.uid ?? '');
    let content = this.content(contentName);
    if (!content) {
      const pvc = this.client.getClaim(ns, pvcName);
      if (!pvc) { this.fail(vs, 'SnapshotContentCreationFailed', `Failed to create snapshot content with error snapshot controller failed to update ${ns}/${vs.metadata.name} on API server: persistentvolumeclaim "${pvcName}" not found`); return; }
      const pv = pvc.status?.phase === 'Bound' && pvc.spec.volumeName ? this.client.getVolume(pvc.spec.volumeName) : undefined;
      if (!pv) { this.fail(vs, 'SnapshotContentCreationFailed', `Failed to create snapshot content with error the PVC ${pvcName} is not yet bound to a PV, will not attempt to take a snapshot`); return; }
      const csi = csiSourceOf(pv);
      if (!csi) { this.fail(vs, 'SnapshotContentCreationFailed', `Failed to create snapshot content with error the PV ${pv.metadata.name} is not a CSI volume`); return; }
      const classes = this.client.list('VolumeSnapshotClass') as unknown as VolumeSnapshotClass[];
      let cls: VolumeSnapshotClass | undefined;
      if (vs.spec.volumeSnapshotClassName) {
        cls = classes.find((c) => c.metadata.name === vs.spec.volumeSnapshotClassName);
        if (!cls) { this.fail(vs, 'SnapshotContentCreationFailed', `Failed to create snapshot content with error failed to get snapshot class with error volumesnapshotclass.snapshot.storage.k8s.io "${vs.spec.volumeSnapshotClassName}" not found`); return; }
      } else {
        const defaults = classes.filter((c) => c.driver === csi.driver && c.metadata.annotations?.[ANN_DEFAULT_SNAPSHOT_CLASS] === 'true');
        if (defaults.length !== 1) {
          this.fail(vs, 'SnapshotContentCreationFailed', defaults.length === 0
            ? `Failed to create snapshot content with error cannot find default snapshot class`
            : `Failed to create snapshot content with error ${defaults.length} default snapshot classes were found`);
          return;
        }
        cls = defaults[0]!;
        vs = this.update({ ...vs, spec: { ...vs.spec, volumeSnapshotClassName: cls.metadata.name } });
      }
      if (cls.driver !== csi.driver) {
        this.fail(vs, 'SnapshotContentCreationFailed', `Failed to create snapshot content with error the snapshot class ${cls.metadata.name} is for driver ${cls.driver}, the volume of ${pvcName} is ${csi.driver}'s`);
        return;
      }
      vs = this.withFinalizers(vs, [FINALIZER_VS_AS_SOURCE, FINALIZER_VS_BOUND]);
      if (!(pvc.metadata.finalizers ?? []).includes(FINALIZER_PVC_AS_SNAPSHOT_SOURCE)) this.client.updateClaim(withFinalizer(pvc, FINALIZER_PVC_AS_SNAPSHOT_SOURCE, true));
      const made: VolumeSnapshotContent = {
        apiVersion: SNAPSHOT_API_VERSION, kind: 'VolumeSnapshotContent',
        metadata: { name: contentName, finalizers: [FINALIZER_VSC] },
        spec: {
          volumeSnapshotRef: { apiVersion: SNAPSHOT_API_VERSION, kind: 'VolumeSnapshot', name: vs.metadata.name, namespace: ns, ...(vs.metadata.uid ? { uid: vs.metadata.uid } : {}) },
          source: { volumeHandle: csi.volumeHandle }, driver: csi.driver, deletionPolicy: cls.deletionPolicy, volumeSnapshotClassName: cls.metadata.name,
        },
      };
      content = this.client.create('VolumeSnapshotContent', made as unknown as AnyObject) as unknown as VolumeSnapshotContent;
      this.client.event(vs, 'Normal', 'CreatingSnapshot', `Waiting for a snapshot ${ns}/${vs.metadata.name} to be created by the CSI driver.`, COMPONENT);
    }
    vs = this.withFinalizers(vs, [FINALIZER_VS_AS_SOURCE, FINALIZER_VS_BOUND]);
    const ready = this.syncStatus(vs, content);
    if (ready) this.releaseClaim(ns, pvcName);
  }

  private syncPreProvisioned(input: VolumeSnapshot): void {
    const ns = input.metadata.namespace ?? 'default';
    const contentName = input.spec.source.volumeSnapshotContentName!;
    let content = this.content(contentName);
    if (!content) { this.fail(input, 'SnapshotContentMissing', `VolumeSnapshotContent ${contentName} is missing`); return; }
    const ref = content.spec.volumeSnapshotRef;
    if (ref.name !== input.metadata.name || ref.namespace !== ns || (ref.uid !== undefined && ref.uid !== input.metadata.uid)) {
      this.fail(input, 'SnapshotContentMisbound', `VolumeSnapshotContent ${contentName} is bound to a different snapshot`);
      return;
    }
    if (!(content.metadata.finalizers ?? []).includes(FINALIZER_VSC)) {
      content = this.client.update('VolumeSnapshotContent', withFinalizer(content, FINALIZER_VSC, true) as unknown as AnyObject) as unknown as VolumeSnapshotContent;
    }
    const vs = this.withFinalizers(input, [FINALIZER_VS_AS_SOURCE, FINALIZER_VS_BOUND]);
    this.syncStatus(vs, content);
  }

  /** The snapshot's status from its content's; true when ready. */
  private syncStatus(vs: VolumeSnapshot, content: VolumeSnapshotContent): boolean {
    const cs = content.status ?? {};
    const status: NonNullable<VolumeSnapshot['status']> = { boundVolumeSnapshotContentName: content.metadata.name, readyToUse: cs.readyToUse === true };
    if (cs.creationTime !== undefined) status.creationTime = new Date(Math.floor(cs.creationTime / 1e6)).toISOString().replace(/\.\d{3}Z$/, 'Z');
    if (cs.restoreSize !== undefined) status.restoreSize = bytesQuantity(BigInt(cs.restoreSize));
    if (cs.error) status.error = cs.error;
    const wasReady = vs.status?.readyToUse === true;
    if (JSON.stringify(status) !== JSON.stringify(vs.status ?? {})) this.update({ ...vs, status }, 'status');
    if (status.readyToUse && !wasReady) {
      const ns = vs.metadata.namespace ?? 'default';
      this.client.event(vs, 'Normal', 'SnapshotCreated', `Snapshot ${ns}/${vs.metadata.name} was successfully created by the CSI driver.`, COMPONENT);
      this.client.event(vs, 'Normal', 'SnapshotReady', `Snapshot ${ns}/${vs.metadata.name} is ready to use.`, COMPONENT);
    }
    return status.readyToUse === true;
  }

  /** The claim's as-source finalizer goes once no snapshot of it is still being taken. */
  private releaseClaim(ns: string, pvcName: string): void {
    const pvc = this.client.getClaim(ns, pvcName);
    if (!pvc || !(pvc.metadata.finalizers ?? []).includes(FINALIZER_PVC_AS_SNAPSHOT_SOURCE)) return;
    const busy = this.snapshots().some((s) => (s.metadata.namespace ?? 'default') === ns && s.spec.source.persistentVolumeClaimName === pvcName
      && !s.metadata.deletionTimestamp && s.status?.readyToUse !== true);
    if (!busy) this.client.updateClaim(withFinalizer(pvc, FINALIZER_PVC_AS_SNAPSHOT_SOURCE, false));
  }

  private syncDeleted(vs: VolumeSnapshot): void {
    const ns = vs.metadata.namespace ?? 'default';
    // A claim still being provisioned from it keeps the snapshot (and its content) alive.
    if (claimsRestoringFrom(this.client.listClaims(), vs).length > 0) return;
    const contentName = this.contentNameOf(vs);
    const content = contentName ? this.content(contentName) : undefined;
    const boundToThis = content && content.spec.volumeSnapshotRef.name === vs.metadata.name && content.spec.volumeSnapshotRef.namespace === ns;
    if (content && boundToThis && content.spec.deletionPolicy === 'Delete' && !content.metadata.deletionTimestamp) {
      this.client.delete('VolumeSnapshotContent', content.metadata.name);
    }
    if (vs.spec.source.persistentVolumeClaimName !== undefined) {
      const pvc = this.client.getClaim(ns, vs.spec.source.persistentVolumeClaimName);
      if (pvc && (pvc.metadata.finalizers ?? []).includes(FINALIZER_PVC_AS_SNAPSHOT_SOURCE)) {
        const others = this.snapshots().some((s) => s !== vs && (s.metadata.namespace ?? 'default') === ns && s.spec.source.persistentVolumeClaimName === pvc.metadata.name
          && !s.metadata.deletionTimestamp && s.status?.readyToUse !== true);
        if (!others) this.client.updateClaim(withFinalizer(pvc, FINALIZER_PVC_AS_SNAPSHOT_SOURCE, false));
      }
    }
    const mine = [FINALIZER_VS_AS_SOURCE, FINALIZER_VS_BOUND];
    if ((vs.metadata.finalizers ?? []).some((f) => mine.includes(f))) {
      this.update(withFinalizer(withFinalizer(vs, FINALIZER_VS_AS_SOURCE, false), FINALIZER_VS_BOUND, false));
    }
  }
}
