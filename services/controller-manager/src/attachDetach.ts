/**
 * Design: the attach/detach controller of kube-controller-manager (spec §10.2,
 * K/pkg/controller/volume/attachdetach/reconciler/reconciler.go). Its desired state is computed
 * afresh from the store at every sync — for each node, the attachable CSI volumes of the pods
 * scheduled there that are not terminated — and its actual state is the VolumeAttachment objects,
 * so a restarted CLI process reconciles from what the log restored, like the real controller
 * rebuilding its caches from informers. One sync handles one node: detaches first (delete the VA
 * of a volume no pod there wants, once the kubelet no longer reports it in
 * `node.status.volumesInUse`, or forcibly after 6 minutes on an unhealthy node or at once on an
 * out-of-service node), then attaches (create the VA, unless an RWO/RWOP volume is attached to
 * another node: Multi-Attach error), then publishes `node.status.volumesAttached`. The attach
 * itself is the external-attacher's job (services/csi-sidecars).
 */
import {
  type CsiDriverAttachSpec, csiSourceOf, isMultiAttachAllowed, claimNameOf, hasTaint, isAttachable, isNodeReady, isPodTerminated, readyCondition, uniqueVolumeName,
  type CsiDriverPort, type CsiPersistentVolumeSource, type KubeEvent, type Node, type PersistentVolume, type PersistentVolumeClaim, type Pod,
  type VolumeAttachment,
} from '@pvsim/domain';
import type { AnyObject, Client, SimClock, WatchEvent } from '@pvsim/runtime';
import {
  StateVersion, TrackedSet, boundVolumeOf, podKey, sortedArray, stateObject, stringArray, volumeAttachmentName, type Controller, type WorkQueue,
} from '@pvsim/component';

/** When the controller first wanted to detach a VolumeAttachment it could not (see setDetachRequested). */
export const ANN_DETACH_REQUESTED_AT = 'attachdetach.pvsim.dev/detach-requested-at';
/** `maxWaitForUnmountDuration` of the AD controller. */
export const MAX_WAIT_FOR_UNMOUNT_MS = 6 * 60_000;
export const TAINT_OUT_OF_SERVICE = 'node.kubernetes.io/out-of-service';
export const ATTACH_DETACH_QUEUE = 'attachdetach';

// ------------------------------------------------------------------ the controller

export interface AttachDetachOptions {
  /** Simulated time (the forced detach after 6 minutes, event times). */
  clock: SimClock;
}

/** One attachable volume some pods on a node want. */
interface DesiredVolume {
  pv: PersistentVolume;
  csi: CsiPersistentVolumeSource;
  pods: Pod[];
}

export class AttachDetachController implements Controller {
  readonly name = 'attachdetach';
  /** `loadState` copies what it is given into its own sets and maps (Controller.loadStateCopies). */
  readonly loadStateCopies = true;
  readonly queues: Record<string, (key: string) => void>;
  /** Moved by every change of the memory below (the world's fingerprint reads it). */
  readonly stateVersion = new StateVersion();
  /** Nodes with an attach or detach that waits for something a later look may change. */
  private readonly blockedNodes = new TrackedSet<string>(this.stateVersion);
  /** pod uid + PV: Multi-Attach already reported. */
  private readonly multiAttachReported = new TrackedSet<string>(this.stateVersion);

  constructor(
    private readonly client: Client,
    private readonly drivers: Map<string, CsiDriverPort>,
    private readonly options: AttachDetachOptions,
  ) {
    this.queues = { [ATTACH_DETACH_QUEUE]: (key) => (key === '*' ? this.syncAll() : this.syncNode(key, this.desiredByNode(key).get(key) ?? new Map(), () => this.desiredByNode())) };
  }

  onWatch(ev: WatchEvent, queue: WorkQueue): void {
    if (ev.kind === 'Pod') {
      for (const pod of [ev.old, ev.new] as (Pod | undefined)[]) {
        const node = pod?.spec.nodeName;
        if (node && (pod.spec.volumes ?? []).some((v) => claimNameOf(pod, v) !== undefined)) queue.add(ATTACH_DETACH_QUEUE, node);
      }
    } else if (ev.kind === 'Node') {
      queue.add(ATTACH_DETACH_QUEUE, ev.key);
    } else if (ev.kind === 'VolumeAttachment') {
      const oldVa = ev.old as unknown as VolumeAttachment | undefined;
      const newVa = ev.new as unknown as VolumeAttachment | undefined;
      const va = newVa ?? oldVa!;
      // The attach operation, which waits for the VA, reports success as soon as it sees it.
      if (newVa?.status?.attached && !oldVa?.status?.attached && !newVa.metadata.deletionTimestamp) this.reportAttached(newVa);
      const failure = newVa?.status?.attachError;
      if (newVa && failure && JSON.stringify(failure) !== JSON.stringify(oldVa?.status?.attachError)) this.reportAttachFailed(newVa, failure.message);
      queue.add(ATTACH_DETACH_QUEUE, va.spec.nodeName);
      // A VA that went away may unblock a Multi-Attach elsewhere.
      if (!newVa) for (const n of this.blockedNodes) queue.add(ATTACH_DETACH_QUEUE, n);
    } else if (ev.kind === 'PersistentVolumeClaim') {
      const claim = (ev.new ?? ev.old) as unknown as PersistentVolumeClaim;
      for (const pod of this.client.byIndex('podsByClaim', `${claim.metadata.namespace ?? 'default'}/${claim.metadata.name}`) as unknown as Pod[]) {
        if (pod.spec.nodeName) queue.add(ATTACH_DETACH_QUEUE, pod.spec.nodeName);
      }
    }
  }

  resync(queue: WorkQueue): void {
    queue.add(ATTACH_DETACH_QUEUE, '*');
  }

  unsettled(): boolean {
    return this.blockedNodes.size > 0;
  }

  /**
   * `{ blockedNodes: [node], multiAttachReported: [<pod uid>\u0000<pv>] }`, sorted. The desired
   * state of the world is not memory: every sync derives it from the informer.
   */
  saveState(): { blockedNodes: string[]; multiAttachReported: string[] } {
    return { blockedNodes: sortedArray(this.blockedNodes), multiAttachReported: sortedArray(this.multiAttachReported) };
  }

  loadState(state: unknown): void {
    const s = stateObject(this.name, state);
    this.blockedNodes.clear();
    for (const n of stringArray(this.name, s['blockedNodes'])) this.blockedNodes.add(n);
    this.multiAttachReported.clear();
    for (const id of stringArray(this.name, s['multiAttachReported'])) this.multiAttachReported.add(id);
  }

  private now(): number {
    return this.options.clock.now();
  }

  /** The VolumeAttachments, all or those of one node or one volume (through the cache's indexes). */
  private attachments(only?: { node: string } | { volume: string }): VolumeAttachment[] {
    if (only && 'node' in only) return this.client.byIndex('attachmentsByNode', only.node) as unknown as VolumeAttachment[];
    if (only) return this.client.byIndex('attachmentsByVolume', only.volume) as unknown as VolumeAttachment[];
    return this.client.list('VolumeAttachment') as unknown as VolumeAttachment[];
  }

  /** Desired state of the world for every node (or only `only`), from one pass over the pods. */
  private desiredByNode(only?: string): Map<string, Map<string, DesiredVolume>> {
    const out = new Map<string, Map<string, DesiredVolume>>();
    const pods = only !== undefined ? this.client.byIndex('podsByNode', only) as unknown as Pod[] : this.client.listPods();
    // Each driver's answer read once per call (a node's sync reads every pod on it).
    const attachableByDriver = new Map<string, boolean>();
    const attachable = (driver: string): boolean => {
      let yes = attachableByDriver.get(driver);
      if (yes === undefined) attachableByDriver.set(driver, (yes = isAttachable(this.drivers.get(driver), this.client.get('CSIDriver', driver) as CsiDriverAttachSpec | undefined)));
      return yes;
    };
    for (const pod of pods) {
      const node = pod.spec.nodeName;
      if (!node || (only !== undefined && node !== only) || isPodTerminated(pod)) continue;
      for (const volume of pod.spec.volumes ?? []) {
        const bound = boundVolumeOf(this.client, pod, volume);
        const csi = csiSourceOf(bound?.pv);
        if (!bound || !csi || !attachable(csi.driver)) continue;
        let perNode = out.get(node);
        if (!perNode) out.set(node, (perNode = new Map()));
        const entry = perNode.get(bound.pv.metadata.name);
        if (entry) { if (!entry.pods.includes(pod)) entry.pods.push(pod); } else perNode.set(bound.pv.metadata.name, { pv: bound.pv, csi, pods: [pod] });
      }
    }
    return out;
  }

  private syncAll(): void {
    const desired = this.desiredByNode();
    const nodes = new Set<string>([
      ...this.client.list('Node').map((n) => n.metadata.name),
      ...this.attachments().map((va) => va.spec.nodeName),
      ...desired.keys(),
    ]);
    for (const node of [...nodes].sort()) this.syncNode(node, desired.get(node) ?? new Map(), () => desired);
  }

  private syncNode(nodeName: string, desired: Map<string, DesiredVolume>, desiredAll: () => Map<string, Map<string, DesiredVolume>>): void {
    const node = this.client.getNode(nodeName);
    let blocked = false;
    const onNode = () => this.attachments({ node: nodeName });

    // Detach first: volumes no pod on the node wants any more.
    for (const va of onNode()) {
      if (va.metadata.deletionTimestamp) continue;
      const pvName = va.spec.source.persistentVolumeName ?? '';
      if (desired.has(pvName)) { this.setDetachRequested(va, undefined); continue; }
      if (!this.safeToDetach(node, va)) { blocked = true; continue; }
      // OBSERVATION: no pod on the node uses the volume and the kubelet has unmounted it.
      this.client.delete('VolumeAttachment', va.metadata.name);
    }

    // Then attach what is wanted and not yet there.
    for (const pvName of [...desired.keys()].sort()) {
      const want = desired.get(pvName)!;
      const name = volumeAttachmentName(want.csi.volumeHandle, want.csi.driver, nodeName);
      const existing = this.client.get('VolumeAttachment', name) as unknown as VolumeAttachment | undefined;
      if (existing) {
        // A VA still detaching: the attach waits until it is gone.
        if (existing.metadata.deletionTimestamp) blocked = true;
        continue;
      }
      if (!isMultiAttachAllowed(want.pv)) {
        const elsewhere = this.attachments({ volume: pvName }).filter((va) => va.spec.nodeName !== nodeName);
        if (elsewhere.length > 0) {
          // OBSERVATION: RWO/RWOP volume attached to another node: no second attachment.
          this.reportMultiAttach(want, elsewhere.map((va) => va.spec.nodeName), desiredAll());
          blocked = true;
          continue;
        }
      }
      const va: VolumeAttachment = {
        apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment',
        metadata: { name },
        spec: { attacher: want.csi.driver, nodeName, source: { persistentVolumeName: pvName } },
      };
      this.client.create('VolumeAttachment', va as unknown as AnyObject);
    }

    if (blocked) this.blockedNodes.add(nodeName); else this.blockedNodes.delete(nodeName);
    if (node) this.updateVolumesAttached(node, onNode());
  }

  /** SuccessfulAttachVolume on every pod on the node that wanted the volume (operation_generator.go). */
  private reportAttached(va: VolumeAttachment): void {
    const pvName = va.spec.source.persistentVolumeName ?? '';
    const want = this.desiredByNode(va.spec.nodeName).get(va.spec.nodeName)?.get(pvName);
    for (const pod of want?.pods ?? []) {
      this.client.event(pod, 'Normal', 'SuccessfulAttachVolume', `AttachVolume.Attach succeeded for volume "${pvName}"`, 'attachdetach-controller');
    }
  }

  /** The attach operation's failure (csi_attacher waitForVolumeAttachment returns the attachError). */
  private reportAttachFailed(va: VolumeAttachment, message: string): void {
    const pvName = va.spec.source.persistentVolumeName ?? '';
    const want = this.desiredByNode(va.spec.nodeName).get(va.spec.nodeName)?.get(pvName);
    for (const pod of want?.pods ?? []) {
      this.client.event(pod, 'Warning', 'FailedAttachVolume', `AttachVolume.Attach failed for volume "${pvName}" : ${message}`, 'attachdetach-controller');
    }
  }

  /**
   * The volume may go when the node does not report it in use, or when the node is unhealthy and
   * the wait exceeded maxWaitForUnmountDuration, or when the node is out of service.
   */
  private safeToDetach(node: Node | undefined, va: VolumeAttachment): boolean {
    if (!node) return true;
    const pv = this.client.getVolume(va.spec.source.persistentVolumeName ?? '');
    const handle = csiSourceOf(pv)?.volumeHandle ?? va.spec.source.persistentVolumeName ?? '';
    const inUse = ((node.status?.['volumesInUse'] as string[] | undefined) ?? []).includes(uniqueVolumeName(va.spec.attacher, handle));
    if (!inUse) return true;
    if (hasTaint(node, TAINT_OUT_OF_SERVICE)) return true;
    if (isNodeReady(node)) return false;
    const now = this.now();
    let requested = Date.parse(va.metadata.annotations?.[ANN_DETACH_REQUESTED_AT] ?? '');
    if (!Number.isFinite(requested)) {
      requested = now;
      this.setDetachRequested(va, this.options.clock.iso());
    }
    const downSince = Date.parse(readyCondition(node)?.lastTransitionTime ?? '');
    const since = Math.max(requested, Number.isFinite(downSince) ? downSince : requested);
    return now - since > MAX_WAIT_FOR_UNMOUNT_MS;
  }

  /**
   * When the controller first wanted a detach it could not yet do is kept on the VolumeAttachment
   * (Kubernetes keeps it in the controller's memory; here a controller lives one command, so the
   * six-minute wait would restart with every command).
   */
  private setDetachRequested(va: VolumeAttachment, time: string | undefined): void {
    const current = va.metadata.annotations?.[ANN_DETACH_REQUESTED_AT];
    if (current === time) return;
    const annotations = { ...(va.metadata.annotations ?? {}) };
    if (time === undefined) delete annotations[ANN_DETACH_REQUESTED_AT]; else annotations[ANN_DETACH_REQUESTED_AT] = time;
    const next = { ...va, metadata: { ...va.metadata, annotations } };
    if (Object.keys(annotations).length === 0) delete (next.metadata as { annotations?: unknown }).annotations;
    this.client.update('VolumeAttachment', next as never);
  }

  /** reconciler.go `reportMultiAttachError`: one event per pod that waits, naming the pods in its namespace. */
  private reportMultiAttach(want: DesiredVolume, otherNodes: string[], desiredAll: Map<string, Map<string, DesiredVolume>>): void {
    const pvName = want.pv.metadata.name;
    const users = otherNodes.flatMap((n) => desiredAll.get(n)?.get(pvName)?.pods ?? []);
    for (const pod of want.pods) {
      const id = `${pod.metadata.uid ?? podKey(pod)}\u0000${pvName}`;
      if (this.multiAttachReported.has(id)) continue;
      this.multiAttachReported.add(id);
      const prefix = `Multi-Attach error for volume "${pvName}"`;
      // Once per pod, also across CLI invocations (the event is in the store).
      if (this.client.events().some((e: KubeEvent) => e.involvedObject.uid === pod.metadata.uid && e.reason === 'FailedAttachVolume' && e.message.startsWith(prefix))) continue;
      let detail: string;
      if (users.length === 0) {
        detail = "Volume is already exclusively attached to one node and can't be attached to another";
      } else {
        const ns = pod.metadata.namespace ?? 'default';
        const local = users.filter((p) => (p.metadata.namespace ?? 'default') === ns).map((p) => p.metadata.name);
        const others = users.length - local.length;
        if (local.length > 0) {
          detail = `Volume is already used by pod(s) ${local.join(', ')}`;
          if (others > 0) detail += ` and ${others} pod(s) in different namespaces`;
        } else {
          detail = `Volume is already used by ${others} pod(s) in different namespaces`;
        }
      }
      this.client.event(pod, 'Warning', 'FailedAttachVolume', `${prefix} ${detail}`, 'attachdetach-controller');
    }
  }

  /** `node.status.volumesAttached` from the VAs the attacher marked attached. */
  private updateVolumesAttached(node: Node, vas: VolumeAttachment[]): void {
    const attached = vas.filter((va) => va.status?.attached).map((va) => {
      const pv = this.client.getVolume(va.spec.source.persistentVolumeName ?? '');
      const handle = csiSourceOf(pv)?.volumeHandle ?? va.spec.source.persistentVolumeName ?? '';
      return { name: uniqueVolumeName(va.spec.attacher, handle), devicePath: '' };
    }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const current = (node.status?.['volumesAttached'] as unknown[] | undefined) ?? [];
    if (sameVolumesAttached(current, attached)) return;
    const status: Record<string, unknown> = { ...(node.status ?? {}) };
    if (attached.length > 0) status['volumesAttached'] = attached; else delete status['volumesAttached'];
    this.client.update('Node', { ...node, status } as unknown as AnyObject, 'status');
  }
}

/**
 * Whether `current` is `attached` as JSON would tell (same length, each entry exactly
 * `{ name, devicePath }` in that key order with the same values), without serialising both on
 * every sync of every node.
 */
function sameVolumesAttached(current: readonly unknown[], attached: readonly { name: string; devicePath: string }[]): boolean {
  if (current.length !== attached.length) return false;
  for (let i = 0; i < current.length; i++) {
    const c = current[i] as Record<string, unknown> | null;
    if (typeof c !== 'object' || c === null || Array.isArray(c)) return false;
    const keys = Object.keys(c);
    if (keys.length !== 2 || keys[0] !== 'name' || keys[1] !== 'devicePath' || c['name'] !== attached[i]!.name || c['devicePath'] !== attached[i]!.devicePath) return false;
  }
  return true;
}
