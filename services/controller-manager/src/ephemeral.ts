/**
 * Design: the ephemeral volume controller (pkg/controller/volume/ephemeral/controller.go) and, for
 * the claims it creates, the garbage collector's part. For each generic ephemeral volume of a pod
 * it creates the claim `<pod>-<volume>` from the volume's volumeClaimTemplate, owned by the pod
 * (controller: true, blockOwnerDeletion: true); a claim of that name that the pod does not own is
 * left alone and reported, as Kubernetes does. When the pod is gone, the claims it owned are
 * deleted (what the garbage collector does through the owner reference; pvsim has none).
 */
import { claimNameOf, type PersistentVolumeClaimSpec, type Pod, type PodVolume } from '@pvsim/domain';
import type { AnyObject, Client, WatchEvent } from '@pvsim/runtime';
import { podKey, type Controller, type WorkQueue } from '@pvsim/component';
import { claimFromTemplate } from './workloads.ts';

export const EPHEMERAL_QUEUE = 'ephemeral-volume';

interface EphemeralSource { volumeClaimTemplate?: { metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> }; spec: PersistentVolumeClaimSpec } }

type Ref = { kind?: string; name?: string; uid?: string; controller?: boolean };
/** The claim's Pod owner reference: the controlling one, or with `anyPod` the first Pod reference. */
const podOwner = (claim: { metadata: object }, anyPod = false): Ref | undefined =>
  (((claim.metadata as Record<string, unknown>)['ownerReferences'] as Ref[] | undefined) ?? []).find((r) => r.kind === 'Pod' && (anyPod || r.controller === true));

const hasEphemeral = (pod: object): boolean =>
  ((((pod as { spec?: { volumes?: { ephemeral?: unknown }[] } }).spec)?.volumes) ?? []).some((v) => v.ephemeral !== undefined);

export class EphemeralVolumeController implements Controller {
  readonly name = 'ephemeral-volume-controller';
  readonly queues: Record<string, (key: string) => void>;

  constructor(private readonly client: Client) {
    this.queues = { [EPHEMERAL_QUEUE]: (key) => this.sync(key) };
  }

  // Only pods with generic ephemeral volumes (and claims they own) make work: a cluster without
  // them runs exactly as it would without this controller.
  onWatch(ev: WatchEvent, queue: WorkQueue): void {
    if (ev.kind === 'Pod' && ev.new && hasEphemeral(ev.new)) queue.add(EPHEMERAL_QUEUE, ev.key);
    if (ev.kind === 'Pod' && !ev.new && ev.old && hasEphemeral(ev.old)) queue.add(EPHEMERAL_QUEUE, '*');
    // A claim deleted under a live pod is created again.
    if (ev.kind === 'PersistentVolumeClaim' && !ev.new && ev.old) {
      const owner = podOwner(ev.old, true);
      if (owner?.name) queue.add(EPHEMERAL_QUEUE, `${ev.old.metadata.namespace ?? 'default'}/${owner.name}`);
    }
  }

  resync(queue: WorkQueue): void {
    for (const p of this.client.listPods()) if (hasEphemeral(p as never)) queue.add(EPHEMERAL_QUEUE, podKey(p));
    if (this.client.listClaims().some((c) => podOwner(c) !== undefined)) queue.add(EPHEMERAL_QUEUE, '*');
  }

  private sync(key: string): void {
    if (key === '*') { this.collectOrphans(); return; }
    const pod = this.client.get('Pod', key) as unknown as Pod | undefined;
    if (!pod) { this.collectOrphans(); return; }
    if (pod.metadata.deletionTimestamp) return;
    const namespace = pod.metadata.namespace ?? 'default';
    for (const volume of (pod.spec.volumes ?? []) as (PodVolume & { ephemeral?: EphemeralSource })[]) {
      const template = volume.ephemeral?.volumeClaimTemplate;
      if (!template) continue;
      const name = claimNameOf(pod, volume)!;
      const existing = this.client.getClaim(namespace, name);
      if (existing) {
        if (podOwner(existing)?.uid !== pod.metadata.uid) {
          this.client.event(pod, 'Warning', 'FailedBinding', `PVC ${namespace}/${name} was not created for pod ${namespace}/${pod.metadata.name} (pod is not owner)`, 'ephemeral_volume');
        }
        continue;
      }
      const owner = { apiVersion: 'v1', kind: 'Pod', name: pod.metadata.name, uid: pod.metadata.uid ?? '', controller: true, blockOwnerDeletion: true };
      this.client.create('PersistentVolumeClaim', claimFromTemplate(this.client, template, { name, namespace, owner }) as unknown as AnyObject);
    }
  }

  /** The garbage collector's part: claims whose owning pod no longer exists go. */
  private collectOrphans(): void {
    const live = new Set(this.client.listPods().map((p) => p.metadata.uid ?? ''));
    for (const claim of this.client.listClaims()) {
      const owner = podOwner(claim);
      if (!owner || live.has(owner.uid ?? '') || claim.metadata.deletionTimestamp) continue;
      this.client.delete('PersistentVolumeClaim', `${claim.metadata.namespace ?? 'default'}/${claim.metadata.name}`);
    }
  }
}
