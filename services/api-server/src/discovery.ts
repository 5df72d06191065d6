/**
 * Design: the discovery documents kubectl reads before anything else — `/version`, the legacy
 * `/api`, `/apis`, `/api/v1`, `/apis/GROUP/VERSION` lists, and the aggregated discovery
 * (apidiscovery.k8s.io/v2, one document per `/api` and `/apis`) that kubectl 1.32 asks for
 * first — all built from the manifests package's table of resource types, so kubectl resolves
 * `pv`, `pvc`, `sc` exactly as the CLI does.
 */
import { KUBERNETES_VERSION } from '@pvsim/domain';
import { RESOURCE_TYPES, type ResourceType } from '@pvsim/manifests';

/** The Kubernetes version pvsim's behaviour follows (kubectl warns beyond one minor version of skew). */
export const SERVER_VERSION = {
  ...KUBERNETES_VERSION, gitCommit: '', gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z', goVersion: 'go1.24', compiler: 'gc', platform: 'linux/amd64',
};

/** Kinds the simulator's controllers write and users only read. */
const READ_ONLY = new Set(['Event']);
/** Kinds with a status subresource. */
const WITH_STATUS = new Set(['PersistentVolume', 'PersistentVolumeClaim', 'Pod', 'Node', 'Deployment', 'StatefulSet', 'VolumeAttachment']);

export function servedTypes(): ResourceType[] {
  return RESOURCE_TYPES.filter((t) => t.served);
}

export function verbsOf(t: ResourceType): string[] {
  return READ_ONLY.has(t.kind)
    ? ['get', 'list', 'watch']
    : ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
}

export function hasStatus(kind: string): boolean {
  return WITH_STATUS.has(kind);
}

/** Kinds with a scale subresource (autoscaling/v1 Scale): kubectl scale. */
const WITH_SCALE = new Set(['Deployment', 'StatefulSet']);

export function hasScale(kind: string): boolean {
  return WITH_SCALE.has(kind);
}

const SCALE_KIND = { group: 'autoscaling', version: 'v1', kind: 'Scale' };

function groups(): Map<string, ResourceType[]> {
  const out = new Map<string, ResourceType[]>();
  for (const t of servedTypes()) out.set(t.group, [...(out.get(t.group) ?? []), t]);
  return out;
}

export function apiVersions(): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '' }] };
}

export function apiGroupList(): object {
  const list = [...groups().keys()].filter((g) => g !== '').sort().map((name) => {
    const gv = { groupVersion: `${name}/v1`, version: 'v1' };
    return { name, versions: [gv], preferredVersion: gv };
  });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: list };
}

/** `/api/v1` or `/apis/GROUP/v1`; undefined for a group pvsim does not serve. */
export function apiResourceList(group: string, version: string): object | undefined {
  const types = groups().get(group);
  if (!types || version !== 'v1') return undefined;
  const resources = types.flatMap((t) => [
    { name: t.plural, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: verbsOf(t), ...(t.shortNames.length ? { shortNames: [...t.shortNames] } : {}) },
    ...(hasStatus(t.kind) ? [{ name: `${t.plural}/status`, singularName: '', namespaced: t.namespaced, kind: t.kind, verbs: ['get', 'patch', 'update'] }] : []),
    ...(hasScale(t.kind) ? [{ name: `${t.plural}/scale`, singularName: '', namespaced: t.namespaced, ...SCALE_KIND, verbs: ['get', 'patch', 'update'] }] : []),
    // kubectl drain looks for pods/eviction here before it evicts instead of deleting.
    ...(t.kind === 'Pod' ? [{ name: 'pods/eviction', singularName: '', namespaced: true, group: 'policy', version: 'v1', kind: 'Eviction', verbs: ['create'] }] : []),
  ]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group === '' ? 'v1' : `${group}/v1`, resources };
}

export const AGGREGATED_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';

/** Whether the Accept header asks for aggregated discovery (v2). */
export function wantsAggregated(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => /as=APIGroupDiscoveryList/.test(part) && /v=v2(;|$)/.test(part.replace(/\s/g, '')));
}

/** The aggregated discovery document of `/api` (legacy: the core group) or `/apis` (the named groups). */
export function aggregatedDiscovery(legacy: boolean): object {
  const items = [...groups()].filter(([g]) => (g === '') === legacy).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([group, types]) => ({
    metadata: { name: group, creationTimestamp: null },
    versions: [{
      version: 'v1',
      resources: types.map((t) => ({
        resource: t.plural,
        responseKind: { group, version: 'v1', kind: t.kind },
        scope: t.namespaced ? 'Namespaced' : 'Cluster',
        singularResource: t.singular,
        verbs: verbsOf(t),
        ...(t.shortNames.length ? { shortNames: [...t.shortNames] } : {}),
        ...(hasStatus(t.kind) ? {
          subresources: [
            { subresource: 'status', responseKind: { group, version: 'v1', kind: t.kind }, verbs: ['get', 'patch', 'update'] },
            ...(hasScale(t.kind) ? [{ subresource: 'scale', responseKind: SCALE_KIND, verbs: ['get', 'patch', 'update'] }] : []),
            ...(t.kind === 'Pod' ? [{ subresource: 'eviction', responseKind: { group: 'policy', version: 'v1', kind: 'Eviction' }, verbs: ['create'] }] : []),
          ],
        } : {}),
      })),
      freshness: 'Current',
    }],
  }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: 'apidiscovery.k8s.io/v2', metadata: {}, items };
}
