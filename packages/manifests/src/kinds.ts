/**
 * Design: one table of the resource types pvsim knows, shaped like the API server's discovery
 * document (kind, plural, singular, short names, group/version, scope). kubectl resolves what a
 * user types (`pv`, `PersistentVolumes`, `storageclasses.storage.k8s.io`) against discovery, and a
 * manifest's apiVersion/kind against the same table ("no matches for kind"); both go through here.
 * Types that the simulator does not serve stay in the table, flagged `served: false`, so the map is
 * complete: the simulator's own backends (CSIVolume, Filesystem: docs/explanation/pods-and-csi.md)
 * are stored and printed like API objects but never accepted from a user's manifest.
 */

import { ManifestError } from './errors.ts';

export interface ResourceType {
  kind: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  /** '' for the core group. */
  group: string;
  version: string;
  apiVersion: string;
  namespaced: boolean;
  served: boolean;
}

function entry(kind: string, plural: string, shortNames: string[], group: string, namespaced: boolean, served = true): ResourceType {
  const version = 'v1'; // every kind pvsim knows is at v1 in its group (core, apps, policy, storage.k8s.io, snapshot.storage.k8s.io, csi.pvsim.dev)
  return {
    kind, plural, singular: kind.toLowerCase(), shortNames, group, version,
    apiVersion: group === '' ? version : `${group}/${version}`, namespaced, served,
  };
}

export const RESOURCE_TYPES: readonly ResourceType[] = [
  entry('PersistentVolume', 'persistentvolumes', ['pv'], '', false),
  entry('PersistentVolumeClaim', 'persistentvolumeclaims', ['pvc'], '', true),
  entry('StorageClass', 'storageclasses', ['sc'], 'storage.k8s.io', false),
  entry('Event', 'events', ['ev'], '', true),
  entry('Pod', 'pods', ['po'], '', true),
  entry('Node', 'nodes', ['no'], '', false),
  entry('ConfigMap', 'configmaps', ['cm'], '', true),
  entry('Secret', 'secrets', [], '', true),
  entry('Deployment', 'deployments', ['deploy'], 'apps', true),
  entry('StatefulSet', 'statefulsets', ['sts'], 'apps', true),
  entry('ReplicaSet', 'replicasets', ['rs'], 'apps', true),
  entry('ControllerRevision', 'controllerrevisions', [], 'apps', true),
  entry('Namespace', 'namespaces', ['ns'], '', false),
  entry('Service', 'services', ['svc'], '', true),
  entry('ServiceAccount', 'serviceaccounts', ['sa'], '', true),
  entry('PodDisruptionBudget', 'poddisruptionbudgets', ['pdb'], 'policy', true),
  entry('VolumeAttachment', 'volumeattachments', [], 'storage.k8s.io', false),
  entry('VolumeSnapshotClass', 'volumesnapshotclasses', ['vsclass', 'vsclasses'], 'snapshot.storage.k8s.io', false),
  entry('VolumeSnapshot', 'volumesnapshots', ['vs'], 'snapshot.storage.k8s.io', true),
  entry('VolumeSnapshotContent', 'volumesnapshotcontents', ['vsc', 'vscs'], 'snapshot.storage.k8s.io', false),
  entry('CSIDriver', 'csidrivers', [], 'storage.k8s.io', false),
  entry('CSINode', 'csinodes', [], 'storage.k8s.io', false),
  // The simulator's internal objects: stored, logged and printable, never applied by a user.
  entry('CSIVolume', 'csivolumes', [], 'csi.pvsim.dev', false, false),
  entry('Filesystem', 'filesystems', [], 'csi.pvsim.dev', false, false),
];

export interface ResolveOptions {
  /** Also return the internal types the simulator does not serve (CSIVolume, Filesystem). */
  includeUnserved?: boolean;
}

/**
 * What `kubectl get <name>` accepts: plural, singular or short name, any case, optionally followed
 * by `.<group>` or `.<version>.<group>` (`storageclasses.storage.k8s.io`, `sc.v1.storage.k8s.io`).
 */
export function resolveResource(name: string, options: ResolveOptions = {}): ResourceType {
  const wanted = name.toLowerCase();
  for (const t of RESOURCE_TYPES) {
    if (!t.served && !options.includeUnserved) continue;
    const names = [t.plural, t.singular, ...t.shortNames];
    for (const n of names) {
      if (wanted === n) return t;
      if (t.group === '') {
        // core group: only the version may be given, as `pods.v1` or `pods.v1.`
        if (wanted === `${n}.${t.version}` || wanted === `${n}.${t.version}.`) return t;
      } else if (wanted === `${n}.${t.group}` || wanted === `${n}.${t.version}.${t.group}`) {
        return t;
      }
    }
  }
  throw new ManifestError('UnknownKind', `error: the server doesn't have a resource type "${name}"`, { file: '' });
}

/** The served type for a manifest's apiVersion/kind pair, or undefined ("no matches for kind"). */
export function resolveKind(apiVersion: string, kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.served && t.kind === kind && t.apiVersion === apiVersion);
}

/** The apiVersion pvsim expects for a kind (`v1`, `storage.k8s.io/v1`), if it knows the kind. */
export function expectedApiVersion(kind: string): string | undefined {
  return RESOURCE_TYPES.find((t) => t.kind === kind)?.apiVersion;
}

/** `persistentvolume`, `storageclass.storage.k8s.io`: the prefix kubectl puts before a name. */
export function kindPrefix(t: ResourceType): string {
  return t.group === '' ? t.singular : `${t.singular}.${t.group}`;
}

export function resourceTypeForKind(kind: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.kind === kind);
}
