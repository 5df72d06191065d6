/**
 * Design: what the API server does to an object between decoding it and storing it, as pure
 * functions that return a new object and never touch their input:
 *  - `applyDefaults` = the defaulting functions run on every decode (K/pkg/apis/core/v1/defaults.go
 *    `SetDefaults_PersistentVolume`, `…Claim`, `…ClaimSpec`, `…HostPathVolumeSource`, storage/v1
 *    `SetDefaults_StorageClass`; spec §1), plus two decode-time normalisations a user sees in
 *    `get -o yaml`: quantities come back in canonical form (`5120Mi` → `5Gi`, as `resource.Quantity`
 *    re-serialises) and a namespace written on a cluster-scoped object is dropped (apiserver
 *    `rest.BeforeCreate` clears it rather than rejecting it).
 *    Issue 3 adds the pod defaults (SetDefaults_Pod, _PodSpec, _Container, _ContainerPort, _Volume
 *    and the volume sources' modes), which also apply inside Deployment and StatefulSet templates
 *    (SetDefaults_Pod's limits-to-requests and enableServiceLinks only to a Pod), apps/v1
 *    SetDefaults_Deployment and _StatefulSet (whose volumeClaimTemplates get the claim defaults),
 *    and SetDefaults_Secret; a Secret's `stringData` is folded into `data` as the v1 → internal
 *    conversion does, so the stored object has only `data`, like a real one.
 *  - `prepareForCreate` = the registry strategies' `PrepareForCreate`: client-written status is
 *    discarded, so a provisioner's "already Bound" PV starts Pending (spec §1, §15.8); a Pod starts
 *    Pending with its QoS class, a Deployment or StatefulSet with an empty status and generation 1,
 *    a VolumeAttachment unattached.
 */

import { compareQuantities, formatQuantity, parseQuantity, type Quantity } from '@pvsim/domain';
import { resourceTypeForKind } from './kinds.ts';
import { POD_VOLUME_SOURCE_KEYS } from './validatePod.ts';
import { defaultCsiDriver } from './validateCsi.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function child(parent: Obj, key: string): Obj {
  const existing = parent[key];
  if (isObj(existing)) return existing;
  const created: Obj = {};
  parent[key] = created;
  return created;
}

const unset = (v: unknown): boolean => v === undefined || v === null || v === '';

const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/**
 * Canonical form of every quantity in a resource list (or of the named keys only); values that do
 * not parse are left for validation.
 */
function canonicalQuantities(list: unknown, ...only: string[]): void {
  if (!isObj(list)) return;
  for (const [k, v] of Object.entries(list)) {
    if (only.length > 0 && !only.includes(k)) continue;
    if (typeof v !== 'string' && typeof v !== 'number') continue;
    try {
      list[k] = formatQuantity(parseQuantity(String(v)));
    } catch {
      // invalid quantity: validation reports it with the file and line
    }
  }
}

/** The defaulting of every volume source type (shared by PV specs and pod volumes). */
function defaultVolumeSources(spec: Obj): void {
  for (const key of ['secret', 'configMap', 'downwardAPI', 'projected']) {
    const source = spec[key];
    if (isObj(source) && source['defaultMode'] === undefined) source['defaultMode'] = 0o644;
  }
  const projected = spec['projected'];
  if (isObj(projected)) {
    for (const s of list(projected['sources'])) {
      const token = isObj(s) ? s['serviceAccountToken'] : undefined;
      if (isObj(token) && token['expirationSeconds'] === undefined) token['expirationSeconds'] = 3600;
    }
  }
  const emptyDir = spec['emptyDir'];
  if (isObj(emptyDir) && emptyDir['sizeLimit'] !== undefined) canonicalQuantities(emptyDir, 'sizeLimit');
  const ephemeral = spec['ephemeral'];
  const template = isObj(ephemeral) ? ephemeral['volumeClaimTemplate'] : undefined;
  if (isObj(template)) defaultClaimSpec(child(template, 'spec'));
  const hostPath = spec['hostPath'];
  if (isObj(hostPath) && hostPath['type'] === undefined) hostPath['type'] = '';
  const iscsi = spec['iscsi'];
  if (isObj(iscsi) && unset(iscsi['iscsiInterface'])) iscsi['iscsiInterface'] = 'default';
  const rbd = spec['rbd'];
  if (isObj(rbd)) {
    if (unset(rbd['pool'])) rbd['pool'] = 'rbd';
    if (unset(rbd['user'])) rbd['user'] = 'admin';
    if (unset(rbd['keyring'])) rbd['keyring'] = '/etc/ceph/keyring';
  }
  const azureDisk = spec['azureDisk'];
  if (isObj(azureDisk)) {
    if (azureDisk['cachingMode'] === undefined) azureDisk['cachingMode'] = 'ReadWrite';
    if (azureDisk['kind'] === undefined) azureDisk['kind'] = 'Shared';
    if (azureDisk['fsType'] === undefined) azureDisk['fsType'] = 'ext4';
    if (azureDisk['readOnly'] === undefined) azureDisk['readOnly'] = false;
  }
}

function defaultClaimSpec(spec: Obj): void {
  if (unset(spec['volumeMode'])) spec['volumeMode'] = 'Filesystem';
  const resources = spec['resources'];
  if (isObj(resources)) {
    canonicalQuantities(resources['requests']);
    canonicalQuantities(resources['limits']);
  }
}

/**
 * parsers.ParseImageName's tag, as SetDefaults_Container uses it: `latest` when neither a tag nor a
 * digest is given, '' for a digest (or an image that does not parse).
 */
function imageTag(image: string): string {
  if (image === '') return '';
  if (image.includes('@')) return '';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const colon = lastSegment.indexOf(':');
  return colon >= 0 ? lastSegment.slice(colon + 1) : 'latest';
}

function defaultContainer(c: Obj): void {
  if (unset(c['imagePullPolicy'])) c['imagePullPolicy'] = imageTag(typeof c['image'] === 'string' ? c['image'] : '') === 'latest' ? 'Always' : 'IfNotPresent';
  if (unset(c['terminationMessagePath'])) c['terminationMessagePath'] = '/dev/termination-log';
  if (unset(c['terminationMessagePolicy'])) c['terminationMessagePolicy'] = 'File';
  for (const p of list(c['ports'])) if (isObj(p) && unset(p['protocol'])) p['protocol'] = 'TCP';
  const resources = c['resources'];
  if (isObj(resources)) {
    canonicalQuantities(resources['requests']);
    canonicalQuantities(resources['limits']);
  }
}

/** SetDefaults_PodSpec and the defaulters of the types inside it. */
function defaultPodSpec(spec: Obj): void {
  if (unset(spec['dnsPolicy'])) spec['dnsPolicy'] = 'ClusterFirst';
  if (unset(spec['restartPolicy'])) spec['restartPolicy'] = 'Always';
  if (spec['securityContext'] === undefined || spec['securityContext'] === null) spec['securityContext'] = {};
  if (spec['terminationGracePeriodSeconds'] === undefined || spec['terminationGracePeriodSeconds'] === null) spec['terminationGracePeriodSeconds'] = 30;
  if (unset(spec['schedulerName'])) spec['schedulerName'] = 'default-scheduler';
  for (const key of ['containers', 'initContainers', 'ephemeralContainers']) {
    for (const c of list(spec[key])) if (isObj(c)) defaultContainer(c);
  }
  for (const v of list(spec['volumes'])) {
    if (!isObj(v)) continue;
    // SetDefaults_Volume: a volume with no source at all is an emptyDir.
    if (POD_VOLUME_SOURCE_KEYS.every((k) => v[k] === undefined || v[k] === null)) v['emptyDir'] = {};
    defaultVolumeSources(v);
  }
}

/** SetDefaults_Pod: requests default to limits (a Pod's containers only, not a template's). */
function defaultPod(spec: Obj): void {
  for (const key of ['containers', 'initContainers']) {
    for (const c of list(spec[key])) {
      const resources = isObj(c) ? c['resources'] : undefined;
      if (!isObj(resources) || !isObj(resources['limits'])) continue;
      const requests = child(resources, 'requests');
      for (const [name, value] of Object.entries(resources['limits'])) if (!(name in requests)) requests[name] = value;
    }
  }
  if (spec['enableServiceLinks'] === undefined || spec['enableServiceLinks'] === null) spec['enableServiceLinks'] = true;
}

function defaultTemplate(spec: Obj): void {
  defaultPodSpec(child(child(spec, 'template'), 'spec'));
}

function defaultDeployment(spec: Obj): void {
  if (spec['replicas'] === undefined || spec['replicas'] === null) spec['replicas'] = 1;
  const strategy = child(spec, 'strategy');
  if (unset(strategy['type'])) strategy['type'] = 'RollingUpdate';
  if (strategy['type'] === 'RollingUpdate') {
    const rollingUpdate = child(strategy, 'rollingUpdate');
    if (rollingUpdate['maxUnavailable'] === undefined || rollingUpdate['maxUnavailable'] === null) rollingUpdate['maxUnavailable'] = '25%';
    if (rollingUpdate['maxSurge'] === undefined || rollingUpdate['maxSurge'] === null) rollingUpdate['maxSurge'] = '25%';
  }
  if (spec['revisionHistoryLimit'] === undefined || spec['revisionHistoryLimit'] === null) spec['revisionHistoryLimit'] = 10;
  if (spec['progressDeadlineSeconds'] === undefined || spec['progressDeadlineSeconds'] === null) spec['progressDeadlineSeconds'] = 600;
  defaultTemplate(spec);
}

function defaultStatefulSet(spec: Obj): void {
  if (unset(spec['podManagementPolicy'])) spec['podManagementPolicy'] = 'OrderedReady';
  const strategy = child(spec, 'updateStrategy');
  if (unset(strategy['type'])) {
    strategy['type'] = 'RollingUpdate';
    child(strategy, 'rollingUpdate');
  }
  const rollingUpdate = strategy['rollingUpdate'];
  if (strategy['type'] === 'RollingUpdate' && isObj(rollingUpdate) && (rollingUpdate['partition'] === undefined || rollingUpdate['partition'] === null)) {
    rollingUpdate['partition'] = 0;
  }
  const retention = child(spec, 'persistentVolumeClaimRetentionPolicy');
  if (unset(retention['whenDeleted'])) retention['whenDeleted'] = 'Retain';
  if (unset(retention['whenScaled'])) retention['whenScaled'] = 'Retain';
  if (spec['replicas'] === undefined || spec['replicas'] === null) spec['replicas'] = 1;
  if (spec['revisionHistoryLimit'] === undefined || spec['revisionHistoryLimit'] === null) spec['revisionHistoryLimit'] = 10;
  defaultTemplate(spec);
  // The claim templates are PersistentVolumeClaims and get their defaults, status phase included.
  for (const t of list(spec['volumeClaimTemplates'])) {
    if (!isObj(t)) continue;
    defaultClaimSpec(child(t, 'spec'));
    const status = child(t, 'status');
    if (unset(status['phase'])) status['phase'] = 'Pending';
  }
}

/** The v1 → internal conversion writes `stringData` over `data`; the stored Secret has only `data`. */
function foldStringData(secret: Obj): void {
  const stringData = secret['stringData'];
  if (!isObj(stringData) || !Object.values(stringData).every((v) => typeof v === 'string')) return;
  const data = child(secret, 'data');
  // defineProperty, not `data[k] =`: a key such as `__proto__` must become an own key.
  for (const [k, v] of Object.entries(stringData)) Object.defineProperty(data, k, { value: Buffer.from(v as string, 'utf8').toString('base64'), enumerable: true, writable: true, configurable: true });
  delete secret['stringData'];
}

/** Returns a copy of `object` with the API server's defaults applied. */
export function applyDefaults<T extends object>(object: T): T {
  const out = structuredClone(object) as Obj;
  const kind = out['kind'];
  const type = typeof kind === 'string' ? resourceTypeForKind(kind) : undefined;
  const meta = out['metadata'];
  if (type && !type.namespaced && isObj(meta) && 'namespace' in meta) delete meta['namespace'];

  switch (kind) {
    case 'PersistentVolume': {
      const spec = child(out, 'spec');
      if (unset(spec['persistentVolumeReclaimPolicy'])) spec['persistentVolumeReclaimPolicy'] = 'Retain';
      if (unset(spec['volumeMode'])) spec['volumeMode'] = 'Filesystem';
      canonicalQuantities(spec['capacity']);
      defaultVolumeSources(spec);
      const status = child(out, 'status');
      if (unset(status['phase'])) status['phase'] = 'Pending';
      break;
    }
    case 'PersistentVolumeClaim': {
      const spec = child(out, 'spec');
      if (unset(spec['volumeMode'])) spec['volumeMode'] = 'Filesystem';
      const resources = spec['resources'];
      if (isObj(resources)) {
        canonicalQuantities(resources['requests']);
        canonicalQuantities(resources['limits']);
      }
      const status = child(out, 'status');
      if (unset(status['phase'])) status['phase'] = 'Pending';
      canonicalQuantities(status['capacity']);
      break;
    }
    case 'CSIDriver':
      defaultCsiDriver(child(out, 'spec'));
      break;
    case 'ReplicaSet': {
      const spec = child(out, 'spec');
      if (spec['replicas'] === undefined || spec['replicas'] === null) spec['replicas'] = 1;
      defaultTemplate(spec);
      break;
    }
    case 'StorageClass': {
      if (unset(out['reclaimPolicy'])) out['reclaimPolicy'] = 'Delete';
      if (unset(out['volumeBindingMode'])) out['volumeBindingMode'] = 'Immediate';
      break;
    }
    case 'Pod': {
      const spec = child(out, 'spec');
      defaultPod(spec);
      defaultPodSpec(spec);
      break;
    }
    case 'Deployment':
      defaultDeployment(child(out, 'spec'));
      break;
    case 'StatefulSet':
      defaultStatefulSet(child(out, 'spec'));
      break;
    case 'Secret':
      if (unset(out['type'])) out['type'] = 'Opaque';
      foldStringData(out);
      break;
    case 'Namespace': {
      // SetDefaults_Namespace: the immutable name label every namespace carries since 1.21.
      const name = isObj(meta) ? meta['name'] : undefined;
      if (isObj(meta) && typeof name === 'string') child(meta, 'labels')['kubernetes.io/metadata.name'] = name;
      const spec = child(out, 'spec');
      if (unset(spec['finalizers'])) spec['finalizers'] = ['kubernetes'];
      break;
    }
    case 'Service':
      defaultService(child(out, 'spec'));
      break;
    default:
      break;
  }
  return out as T;
}

/** SetDefaults_Service and SetDefaults_ServicePort (pkg/apis/core/v1/defaults.go). */
function defaultService(spec: Obj): void {
  if (unset(spec['type'])) spec['type'] = 'ClusterIP';
  if (unset(spec['sessionAffinity'])) spec['sessionAffinity'] = 'None';
  if (spec['type'] !== 'ExternalName' && unset(spec['internalTrafficPolicy'])) spec['internalTrafficPolicy'] = 'Cluster';
  const ports = spec['ports'];
  if (Array.isArray(ports)) {
    for (const p of ports) {
      if (!isObj(p)) continue;
      if (unset(p['protocol'])) p['protocol'] = 'TCP';
      if (unset(p['targetPort']) && p['port'] !== undefined) p['targetPort'] = p['port'];
    }
  }
}

/**
 * The Service registry's ClusterIP allocation (pkg/registry/core/service/ipallocator): kind's and
 * kubeadm's default service CIDR 10.96.0.0/12. Kubernetes picks a free address at random; pvsim
 * derives it from the service's namespace and name (FNV-1a), so a run is reproducible, skipping the
 * first ten addresses (10.96.0.1 is the `kubernetes` service, 10.96.0.10 kube-dns).
 */
export function serviceClusterIp(namespace: string, name: string): string {
  let h = 0x811c9dc5;
  for (const ch of `${namespace}/${name}`) { h ^= ch.charCodeAt(0); h = Math.imul(h, 0x01000193) >>> 0; }
  const offset = 11 + (h % ((1 << 20) - 12));
  return `10.${96 + (offset >>> 16)}.${(offset >>> 8) & 0xff}.${offset & 0xff}`;
}

/**
 * The registry's `PrepareForCreate`: status written by the client is dropped. A PV then starts
 * `Pending` (with `lastPhaseTransitionTime` = `now` when given, PersistentVolumeLastPhaseTransitionTime
 * being GA); a PVC starts `Pending`. Other kinds are returned as a plain copy.
 */
export function prepareForCreate<T extends object>(object: T, now?: string): T {
  const out = structuredClone(object) as Obj;
  switch (out['kind']) {
    case 'PersistentVolume':
      out['status'] = now === undefined ? { phase: 'Pending' } : { phase: 'Pending', lastPhaseTransitionTime: now };
      break;
    case 'PersistentVolumeClaim':
      out['status'] = { phase: 'Pending' };
      break;
    case 'Pod':
      out['status'] = { phase: 'Pending', qosClass: podQOSClass(isObj(out['spec']) ? out['spec'] : {}) };
      break;
    case 'Deployment':
    case 'StatefulSet':
    case 'ReplicaSet':
      out['status'] = {};
      child(out, 'metadata')['generation'] = 1;
      break;
    case 'VolumeAttachment':
      out['status'] = { attached: false };
      break;
    case 'Namespace':
      out['status'] = { phase: 'Active' };
      break;
    case 'Service': {
      const spec = child(out, 'spec');
      const meta = child(out, 'metadata');
      if (spec['type'] !== 'ExternalName' && unset(spec['clusterIP'])) spec['clusterIP'] = serviceClusterIp(String(meta['namespace'] ?? 'default'), String(meta['name'] ?? ''));
      if (spec['type'] !== 'ExternalName') {
        if (unset(spec['clusterIPs'])) spec['clusterIPs'] = [spec['clusterIP']];
        if (unset(spec['ipFamilies'])) spec['ipFamilies'] = ['IPv4'];
        if (unset(spec['ipFamilyPolicy'])) spec['ipFamilyPolicy'] = 'SingleStack';
      }
      out['status'] = { loadBalancer: {} };
      break;
    }
    case 'PodDisruptionBudget':
      // The disruption controller fills it in; pvsim has none (docs/reference/kubernetes-fidelity.md).
      out['status'] = { currentHealthy: 0, desiredHealthy: 0, disruptionsAllowed: 0, expectedPods: 0 };
      break;
    default:
      break;
  }
  return out as T;
}

const ZERO: Quantity = { num: 0n, den: 1n, format: 'DecimalSI' };
const addQuantities = (a: Quantity, b: Quantity): Quantity => ({ num: a.num * b.den + b.num * a.den, den: a.den * b.den, format: a.format });

function quantityOf(v: unknown): Quantity | undefined {
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  try {
    return parseQuantity(String(v));
  } catch {
    return undefined;
  }
}

/**
 * qos.ComputePodQOS over cpu and memory: no requests or limits at all is BestEffort; limits equal
 * to requests for both resources in every container is Guaranteed; anything else is Burstable.
 */
export function podQOSClass(spec: Obj): 'BestEffort' | 'Burstable' | 'Guaranteed' {
  const requests = new Map<string, Quantity>();
  const limits = new Map<string, Quantity>();
  let guaranteed = true;
  for (const c of [...list(spec['containers']), ...list(spec['initContainers'])]) {
    const resources = isObj(c) && isObj(c['resources']) ? c['resources'] : {};
    const sum = (into: Map<string, Quantity>, from: unknown): Set<string> => {
      const seen = new Set<string>();
      if (!isObj(from)) return seen;
      for (const name of ['cpu', 'memory']) {
        const q = quantityOf(from[name]);
        if (q === undefined || q.num === 0n) continue;
        seen.add(name);
        into.set(name, addQuantities(into.get(name) ?? ZERO, q));
      }
      return seen;
    };
    sum(requests, resources['requests']);
    const limited = sum(limits, resources['limits']);
    if (!limited.has('cpu') || !limited.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, q] of requests) {
      const limit = limits.get(name);
      if (limit === undefined || compareQuantities(limit, q) !== 0) guaranteed = false;
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
