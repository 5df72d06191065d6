/**
 * Design: what a fresh cluster has before anyone applies anything — what `kind create cluster`,
 * `gcloud container clusters create` or `eksctl create cluster` leave behind, as far as storage
 * cares: the namespaces the API server creates (`pkg/controlplane/controller/systemnamespaces`:
 * default, kube-system, kube-public, kube-node-lease), the nodes (with their zone and region
 * labels) and the provider's StorageClasses. The provider's CSI driver is played by pvsim's
 * simulated `disk.csi.pvsim.dev`, so the class keeps its name, binding mode and parameters but
 * names that provisioner. Pure: the objects are returned, the caller creates them.
 */
import { LABEL_INSTANCE_TYPE } from '@pvsim/csi-drivers';
import { defaultNodeObject } from '@pvsim/scheduler';

export type ClusterProfileName = 'pvsim' | 'kind' | 'gke' | 'eks';

export interface ClusterShape {
  profile: ClusterProfileName;
  nodes: number;
  zones: number;
}

/** What a cluster gets when nothing says otherwise: the two nodes in two zones pvsim always had. */
export const DEFAULT_CLUSTER_SHAPE: ClusterShape = { profile: 'pvsim', nodes: 2, zones: 2 };

export const SYSTEM_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system'] as const;

const DISK = 'disk.csi.pvsim.dev';
const DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
const LABEL_REGION = 'topology.kubernetes.io/region';

interface Profile {
  nodeName(i: number): string;
  /** The machine type its nodes are labelled with (`node.kubernetes.io/instance-type`): the attach limit follows it. */
  instanceType?: string;
  zone(i: number): string;
  region?: string;
  classes: Record<string, unknown>[];
}

const letter = (i: number): string => String.fromCharCode(97 + (i % 26)) + (i >= 26 ? String(Math.floor(i / 26)) : '');

const storageClass = (name: string, isDefault: boolean, parameters: Record<string, string>, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
  metadata: { name, ...(isDefault ? { annotations: { [DEFAULT_CLASS]: 'true' } } : {}) },
  provisioner: DISK, reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
  ...(Object.keys(parameters).length > 0 ? { parameters } : {}), ...extra,
});

const PROFILES: Record<ClusterProfileName, Profile> = {
  // pvsim's own: node-a, node-b, … in zone-a, zone-b, …; no default class (the examples bring theirs).
  pvsim: { nodeName: (i) => `node-${letter(i)}`, zone: (i) => `zone-${letter(i)}`, classes: [] },
  // kind: workers kind-worker, kind-worker2, …; its default class `standard` (rancher.io/local-path, WaitForFirstConsumer).
  kind: { nodeName: (i) => `kind-worker${i === 0 ? '' : i + 1}`, zone: (i) => `zone-${letter(i)}`, classes: [storageClass('standard', true, {})] },
  // GKE: the PD CSI driver's default `standard-rwo` (pd-balanced, expandable).
  gke: {
    // GKE's default machine type, e2-medium, is shared-core: the PD CSI driver allows 15 disks.
    instanceType: 'e2-medium',
    nodeName: (i) => `gke-pvsim-default-pool-${String(i + 1).padStart(4, '0')}`, zone: (i) => `us-central1-${['a', 'b', 'c', 'f'][i % 4]}`, region: 'us-central1',
    classes: [storageClass('standard-rwo', true, { type: 'pd-balanced' }, { allowVolumeExpansion: true })],
  },
  // EKS: `gp2` exists but, for clusters created on 1.30 and later, is no longer annotated default.
  eks: {
    // eksctl's default node type, m5.large (Nitro): 25 EBS volumes.
    instanceType: 'm5.large',
    nodeName: (i) => `ip-192-168-${i + 1}-10.ec2.internal`, zone: (i) => `us-east-1${letter(i)}`, region: 'us-east-1',
    classes: [storageClass('gp2', false, { type: 'gp2', fsType: 'ext4' })],
  },
};

export const CLUSTER_PROFILES = Object.keys(PROFILES) as ClusterProfileName[];

/** The objects of a fresh cluster of this shape, in creation order: namespaces, nodes, classes. */
export function clusterInitObjects(shape: ClusterShape, now: string): Record<string, unknown>[] {
  const p = PROFILES[shape.profile];
  const namespaces = SYSTEM_NAMESPACES.map((name) => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } }));
  const nodes = Array.from({ length: shape.nodes }, (_, i) => {
    const zone = shape.zones > 0 ? p.zone(i % shape.zones) : undefined;
    const labels = { ...(p.region && zone ? { [LABEL_REGION]: p.region } : {}), ...(p.instanceType ? { [LABEL_INSTANCE_TYPE]: p.instanceType } : {}) };
    return defaultNodeObject(p.nodeName(i), zone, now, labels) as unknown as Record<string, unknown>;
  });
  return [...namespaces, ...nodes, ...structuredClone(p.classes)];
}
