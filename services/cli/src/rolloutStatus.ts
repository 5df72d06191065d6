/**
 * Design: kubectl rollout status's verdict on a Deployment or StatefulSet, as a pure function of
 * the object (k8s.io/kubectl/pkg/polymorphichelpers/rollout_status.go, its texts). `pvsim rollout
 * status` prints it, and `pvsim wait --for=rollout` (the condition `rollout`) waits for `done`.
 */
type Obj = { kind?: string; metadata: { name: string; generation?: number; [k: string]: unknown }; spec?: unknown; status?: unknown };

export interface RolloutVerdict { message: string; done: boolean; error?: string }

export function rolloutStatus(o: Obj): RolloutVerdict {
  const spec = (o.spec ?? {}) as { replicas?: number; updateStrategy?: { type?: string; rollingUpdate?: { partition?: number } } };
  const status = (o.status ?? {}) as { observedGeneration?: number; updatedReplicas?: number; replicas?: number; availableReplicas?: number; readyReplicas?: number; currentReplicas?: number; updateRevision?: string; currentRevision?: string; conditions?: { type: string; reason?: string }[] };
  const generation = Number(o.metadata.generation ?? 0);
  const name = o.metadata.name;
  const updated = status.updatedReplicas ?? 0;
  if (o.kind === 'Deployment') {
    if (generation > (status.observedGeneration ?? 0)) return { message: 'Waiting for deployment spec update to be observed...', done: false };
    const progressing = (status.conditions ?? []).find((c) => c.type === 'Progressing');
    if (progressing?.reason === 'ProgressDeadlineExceeded') return { message: '', done: false, error: `deployment "${name}" exceeded its progress deadline` };
    if (spec.replicas !== undefined && updated < spec.replicas) return { message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${spec.replicas} new replicas have been updated...`, done: false };
    if ((status.replicas ?? 0) > updated) return { message: `Waiting for deployment "${name}" rollout to finish: ${(status.replicas ?? 0) - updated} old replicas are pending termination...`, done: false };
    if ((status.availableReplicas ?? 0) < updated) return { message: `Waiting for deployment "${name}" rollout to finish: ${status.availableReplicas ?? 0} of ${updated} updated replicas are available...`, done: false };
    return { message: `deployment "${name}" successfully rolled out`, done: true };
  }
  if (o.kind === 'StatefulSet') {
    if ((spec.updateStrategy?.type ?? 'RollingUpdate') !== 'RollingUpdate') return { message: '', done: false, error: 'rollout status is only available for RollingUpdate strategy type' };
    if ((status.observedGeneration ?? 0) === 0 || generation > (status.observedGeneration ?? 0)) return { message: 'Waiting for statefulset spec update to be observed...', done: false };
    const replicas = spec.replicas ?? 1;
    if ((status.readyReplicas ?? 0) < replicas) return { message: `Waiting for ${replicas - (status.readyReplicas ?? 0)} pods to be ready...`, done: false };
    const partition = spec.updateStrategy?.rollingUpdate?.partition;
    if (partition !== undefined && partition > 0) {
      if (updated < replicas - partition) return { message: `Waiting for partitioned roll out to finish: ${updated} out of ${replicas - partition} new pods have been updated...`, done: false };
      return { message: `partitioned roll out complete: ${updated} new pods have been updated...`, done: true };
    }
    if (status.updateRevision !== status.currentRevision) return { message: `waiting for statefulset rolling update to complete ${updated} pods at revision ${status.updateRevision}...`, done: false };
    return { message: `statefulset rolling update complete ${status.currentReplicas ?? 0} pods at revision ${status.currentRevision}...`, done: true };
  }
  return { message: '', done: false, error: `no status viewer has been implemented for ${o.kind ?? 'this kind'}` };
}
