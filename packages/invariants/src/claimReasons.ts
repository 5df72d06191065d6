/**
 * Design: a user who finds a claim not Bound reads `kubectl describe pvc` for why. Once the
 * controllers have converged, every claim is Bound or has an Event on it that says why not:
 * FailedBinding, VolumeMismatch, WaitForFirstConsumer, ExternalProvisioning, ProvisioningFailed,
 * ClaimLost, … (spec §4, §9). The one silent case Kubernetes allows is a claim whose
 * `spec.volumeName` names a PV that does not exist: it stays Pending, retried, without an event
 * (spec §4, `syncUnboundClaim`). Events count only for this very claim: same namespace and name,
 * and the same uid when the event names one (a deleted claim's events do not explain its successor).
 */
import type { KubeEvent, PersistentVolumeClaim } from '@pvsim/domain';
import { claimsOf, eventsOf, namespacedKey, phaseOf, volumesOf, type ClusterView } from './view.ts';

function isAbout(ev: KubeEvent, claim: PersistentVolumeClaim): boolean {
  const o = ev.involvedObject;
  return o.kind === 'PersistentVolumeClaim' && o.name === claim.metadata.name
    && (o.namespace ?? 'default') === (claim.metadata.namespace ?? 'default')
    && (o.uid === undefined || claim.metadata.uid === undefined || o.uid === claim.metadata.uid);
}

export function claimReasons(view: ClusterView): string[] {
  const out: string[] = [];
  const volumeNames = new Set(volumesOf(view).map((v) => v.metadata.name));
  const events = eventsOf(view).filter((e) => e.involvedObject.kind === 'PersistentVolumeClaim');
  for (const claim of claimsOf(view)) {
    const phase = phaseOf(claim);
    if (phase === 'Bound') continue;
    const wanted = claim.spec.volumeName ?? '';
    if (phase === 'Pending' && wanted !== '' && !volumeNames.has(wanted)) continue;
    if (!events.some((e) => isAbout(e, claim))) out.push(`PVC ${namespacedKey(claim)} is ${phase} with no recorded reason (no Event on it)`);
  }
  return out;
}
