/**
 * Design: Storage Object in Use Protection (spec §8): the PVC and PV protection controllers of
 * kube-controller-manager. Each adds its finalizer to live objects and removes it from a deleted
 * one only once nothing uses it: for a PVC, no scheduled pod that references it (pod phase is
 * ignored, as in Kubernetes); for a PV, not Bound. Pods arrive in a later issue; `podUsesClaim`
 * is the hook they plug into.
 */
import {
  FINALIZER_PV_PROTECTION, FINALIZER_PVC_PROTECTION, withFinalizer,
  type ClusterApi, type PersistentVolumeClaim, type Pod,
} from '@pvsim/domain';

/** A pod uses a claim when it is scheduled and one of its volumes names the claim. */
export function podUsesClaim(pod: Pod, claim: { metadata: { name: string; namespace?: string } }): boolean {
  if (!pod.spec.nodeName) return false;
  if ((pod.metadata.namespace ?? 'default') !== (claim.metadata.namespace ?? 'default')) return false;
  return (pod.spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim.metadata.name
    || (v.ephemeral !== undefined && `${pod.metadata.name}-${v.name}` === claim.metadata.name));
}

export function syncClaimProtection(api: ClusterApi, namespace: string, name: string): void {
  protectClaim(api, api.getClaim(namespace, name));
}

/** `syncClaimProtection` of a claim already read (nothing when it is gone). */
export function protectClaim(api: ClusterApi, claim: PersistentVolumeClaim | undefined): void {
  if (!claim) return;
  // The namespace of its key (ObjectStore's objectKey: none means default).
  const namespace = claim.metadata.namespace ?? 'default';
  const has = (claim.metadata.finalizers ?? []).includes(FINALIZER_PVC_PROTECTION);
  if (claim.metadata.deletionTimestamp && has) {
    const inUse = api.listPods(namespace).some((p) => podUsesClaim(p, claim));
    if (!inUse) api.updateClaim(withFinalizer(claim, FINALIZER_PVC_PROTECTION, false));
    return;
  }
  if (!claim.metadata.deletionTimestamp && !has) api.updateClaim(withFinalizer(claim, FINALIZER_PVC_PROTECTION, true));
}

export function syncVolumeProtection(api: ClusterApi, name: string): void {
  const volume = api.getVolume(name);
  if (!volume) return;
  const has = (volume.metadata.finalizers ?? []).includes(FINALIZER_PV_PROTECTION);
  if (volume.metadata.deletionTimestamp && has) {
    if (volume.status?.phase !== 'Bound') api.updateVolume(withFinalizer(volume, FINALIZER_PV_PROTECTION, false));
    return;
  }
  if (!volume.metadata.deletionTimestamp && !has) api.updateVolume(withFinalizer(volume, FINALIZER_PV_PROTECTION, true));
}
