/**
 * Design: the access modes as guarantees a workload relies on (spec §10.2, §10.4). ReadWriteOnce
 * restricts a volume to one node — many pods on that node may share it — and ReadWriteOncePod to
 * one pod in the cluster. Two places show a breach: the attach state (VolumeAttachments with
 * `attached=true`, and the backend's own record of the nodes it is ControllerPublished to) and
 * the pods whose containers run. All of it must hold after every write, not only after a settle.
 * `podExclusiveUse` asks the question for one pod, at the moment it starts; `exclusiveUseSafety`
 * asks it of every running pod at once.
 */
import { isMultiAttachAllowed, type PersistentVolume, type PersistentVolumeClaim, type Pod } from '@pvsim/domain';
import { attachmentsOf, backendVolumesOf, claimsOf, namespacedKey, podsOf, volumesOf, type ClusterView } from './view.ts';

/** No RWO/RWOP volume attached to two nodes: VolumeAttachments, and the backend's publishedNodes. */
export function attachSafety(view: ClusterView): string[] {
  const out: string[] = [];
  const nodesByPv = new Map<string, string[]>();
  for (const va of attachmentsOf(view)) {
    if (va.status?.attached !== true) continue;
    const pv = va.spec.source.persistentVolumeName ?? '';
    nodesByPv.set(pv, [...(nodesByPv.get(pv) ?? []), va.spec.nodeName]);
  }
  let volumeByName: Map<string, PersistentVolume> | undefined;
  for (const [pvName, nodes] of nodesByPv) {
    if (new Set(nodes).size < 2) continue;
    volumeByName ??= new Map(volumesOf(view).map((v) => [v.metadata.name, v]));
    const pv = volumeByName.get(pvName);
    if (!pv || !isMultiAttachAllowed(pv)) {
      out.push(`volume ${pvName} (${pv ? (pv.spec.accessModes ?? []).join('+') : 'PV gone'}) has VolumeAttachments attached=true on ${[...nodes].sort().join(' and ')}`);
    }
  }
  for (const cv of backendVolumesOf(view)) {
    const nodes = Object.keys(cv.status?.publishedNodes ?? {}).sort();
    const mode = String(cv.spec.accessMode ?? '');
    if (nodes.length > 1 && !mode.startsWith('MULTI_NODE_')) out.push(`backend volume ${cv.metadata.name} (${mode}) is published to ${nodes.join(' and ')}`);
  }
  return out;
}

/** Some container of the pod runs, as far as the API knows (a lost node's pods may still run). */
export function containersRunning(pod: Pod): boolean {
  return ((pod.status?.['containerStatuses'] as { state?: { running?: unknown } }[] | undefined) ?? []).some((c) => c.state?.running !== undefined);
}

/** Whom a claim's access modes allow to use it: one pod, one node, or anyone. */
function exclusivity(claim: PersistentVolumeClaim): 'pod' | 'node' | undefined {
  const modes = claim.spec.accessModes ?? [];
  if (modes.includes('ReadWriteOncePod')) return 'pod';
  return modes.includes('ReadWriteMany') || modes.includes('ReadOnlyMany') ? undefined : 'node';
}

const claimNamesOf = (pod: Pod) => (pod.spec.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [v.persistentVolumeClaim.claimName] : []));

/**
 * A pod starting with an RWO claim: no container of another pod on another node uses the claim
 * (ReadWriteOncePod: of any other pod at all).
 */
export function podExclusiveUse(view: ClusterView, pod: Pod): string[] {
  const out: string[] = [];
  const ns = pod.metadata.namespace ?? 'default';
  const claims = new Map(claimsOf(view).map((c) => [namespacedKey(c), c]));
  const others = podsOf(view).filter((o) => (o.metadata.namespace ?? 'default') === ns && o.metadata.uid !== pod.metadata.uid && containersRunning(o));
  for (const claimName of claimNamesOf(pod)) {
    const claim = claims.get(`${ns}/${claimName}`);
    const only = claim && exclusivity(claim);
    if (!only) continue;
    for (const other of others) {
      if (!claimNamesOf(other).includes(claimName)) continue;
      if (only === 'pod' || other.spec.nodeName !== pod.spec.nodeName) {
        out.push(`${(claim.spec.accessModes ?? []).join('+')} claim ${claimName} is in use by running pod ${other.metadata.name} on ${other.spec.nodeName}`);
      }
    }
  }
  return out;
}

/** Across the cluster: no RWO claim used by running pods on two nodes, no RWOP claim by two running pods. */
export function exclusiveUseSafety(view: ClusterView): string[] {
  const out: string[] = [];
  const users = new Map<string, Pod[]>();
  for (const pod of podsOf(view)) {
    if (!containersRunning(pod)) continue;
    for (const claimName of new Set(claimNamesOf(pod))) {
      const key = `${pod.metadata.namespace ?? 'default'}/${claimName}`;
      users.set(key, [...(users.get(key) ?? []), pod]);
    }
  }
  for (const claim of claimsOf(view)) {
    const pods = users.get(namespacedKey(claim)) ?? [];
    const only = exclusivity(claim);
    if (pods.length < 2 || !only) continue;
    const nodes = new Set(pods.map((p) => p.spec.nodeName));
    if (only === 'pod' || nodes.size > 1) {
      out.push(`${(claim.spec.accessModes ?? []).join('+')} claim ${namespacedKey(claim)} is in use by running pods ${pods.map((p) => `${p.metadata.name} on ${p.spec.nodeName}`).sort().join(', ')}`);
    }
  }
  return out;
}
