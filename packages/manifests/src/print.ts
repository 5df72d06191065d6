/**
 * Design: kubectl's output formats as pure functions of (objects, simulated `now`), so a test can
 * pin them as golden strings and the simulator never reads a clock:
 *   tables   — the server-side printers of K/pkg/printers/internalversion/printers.go
 *              (`printPersistentVolume`, `…Claim`, `printStorageClass`, `printEvent`, …) laid out by
 *              cli-runtime's tab writer (min width 6, padding 3); ages by duration.HumanDuration.
 *   -o json  — `json.MarshalIndent(obj, "", "    ")` of unstructured objects: keys sorted, HTML
 *              characters escaped; several objects become a `kind: List`.
 *   -o yaml  — sigs.k8s.io/yaml: keys sorted, sequences not indented under their key.
 *   -o name  — `persistentvolume/nas`, `storageclass.storage.k8s.io/fast`.
 *   describe — staging/src/k8s.io/kubectl/pkg/describe/describe.go, through the same tab writer with
 *              describe's settings (min width 0, padding 2), flushed where kubectl flushes.
 *              VolumeAttachment (and pvsim's CSIVolume/Filesystem) go through kubectl's generic,
 *              unstructured describer, as kubectl has no dedicated one.
 * Not ported, because pvsim has no such objects: describe node's Lease, ResourceSlices and
 * "Non-terminated Pods"/"Allocated resources" tables, describe deployment's ReplicaSet lines.
 * One pvsim addition: describe node lists `Volumes In Use` and `Attached Volumes` (NodeStatus
 * facts kubectl shows only in `get -o yaml`), because they are what this simulator is about.
 */

import { ANN_BETA_STORAGE_CLASS, formatQuantity, hasDefaultClassAnnotation, parseQuantity, sortKeysDeep } from '@pvsim/domain';
import { stringify } from 'yaml';
import { podQOSClass } from './defaults.ts';
import { ManifestError } from './errors.ts';
import { kindPrefix, resolveResource, resourceTypeForKind, type ResourceType } from './kinds.ts';
import { TabWriter, formatTabbed } from './tabwriter.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const present = (v: unknown): boolean => v !== undefined && v !== null;
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const MAX_ANNOTATION_LEN = 140;

// ---------------------------------------------------------------------------------------------
// Ages

/** duration.HumanDuration: "45s", "3m12s", "17m", "5h3m", "30h", "3d4h", "45d", "2y30d", "9y". */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(ms / 3_600_000);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const y = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** translateTimestampSince: `<unknown>` for a missing timestamp. */
export function age(timestamp: unknown, now: string): string {
  if (typeof timestamp !== 'string' || timestamp === '') return '<unknown>';
  const then = Date.parse(timestamp);
  const at = Date.parse(now);
  if (Number.isNaN(then) || Number.isNaN(at)) return '<unknown>';
  return humanDuration(at - then);
}

// ---------------------------------------------------------------------------------------------
// Helpers shared with kubectl's printers

/** helper.GetAccessModesAsString: fixed order RWO, ROX, RWX, RWOP, duplicates dropped. */
export function accessModesString(modes: unknown): string {
  const have = new Set(list(modes).map(str));
  return ([['ReadWriteOnce', 'RWO'], ['ReadOnlyMany', 'ROX'], ['ReadWriteMany', 'RWX'], ['ReadWriteOncePod', 'RWOP']] as const)
    .filter(([mode]) => have.has(mode)).map(([, short]) => short).join(',');
}

function annotations(o: Obj): Obj {
  return obj(obj(o['metadata'])['annotations']);
}

function volumeClass(pv: Obj): string {
  const ann = annotations(pv);
  if (ANN_BETA_STORAGE_CLASS in ann) return str(ann[ANN_BETA_STORAGE_CLASS]);
  return str(obj(pv['spec'])['storageClassName']);
}

function claimClass(pvc: Obj): string {
  const ann = annotations(pvc);
  if (ANN_BETA_STORAGE_CLASS in ann) return str(ann[ANN_BETA_STORAGE_CLASS]);
  return str(obj(pvc['spec'])['storageClassName']);
}

function isDefaultClass(sc: Obj): boolean {
  return hasDefaultClassAnnotation(annotations(sc));
}

function typeFor(kind: string): ResourceType {
  return resourceTypeForKind(kind) ?? resolveResource(kind, { includeUnserved: true });
}

// ---------------------------------------------------------------------------------------------
// Tables

export interface TableOptions {
  /** Simulated current time (RFC 3339), for the AGE columns. */
  now: string;
  wide?: boolean;
  allNamespaces?: boolean;
  /** Prefix names with the kind (`persistentvolume/nas`), as kubectl does for `get pv,pvc`. */
  withKind?: boolean;
  /** The namespace that was listed, for the "No resources found in … namespace." message. */
  namespace?: string;
  noHeaders?: boolean;
}

interface Columns {
  headers: string[];
  wideHeaders: string[];
  row(o: Obj, now: string): string[];
  wideRow(o: Obj, now: string): string[];
}

const meta = (o: Obj): Obj => obj(o['metadata']);
const name = (o: Obj): string => str(meta(o)['name']);
const terminating = (o: Obj): boolean => str(meta(o)['deletionTimestamp']) !== '';
const created = (o: Obj, now: string): string => age(meta(o)['creationTimestamp'], now);
const orUnset = (v: unknown): string => (v === undefined || v === null ? '<unset>' : str(v));

const COLUMNS: Record<string, Columns> = {
  PersistentVolume: {
    headers: ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE'],
    wideHeaders: ['VOLUMEMODE'],
    row(pv, now) {
      const spec = obj(pv['spec']);
      const status = obj(pv['status']);
      const claimRef = spec['claimRef'];
      const claim = isObj(claimRef) ? `${str(claimRef['namespace'])}/${str(claimRef['name'])}` : '';
      return [
        name(pv), str(obj(spec['capacity'])['storage']), accessModesString(spec['accessModes']),
        str(spec['persistentVolumeReclaimPolicy']), terminating(pv) ? 'Terminating' : str(status['phase']),
        claim, volumeClass(pv), orUnset(spec['volumeAttributesClassName']), str(status['reason']), created(pv, now),
      ];
    },
    wideRow: (pv) => [orUnset(obj(pv['spec'])['volumeMode'])],
  },
  PersistentVolumeClaim: {
    headers: ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE'],
    wideHeaders: ['VOLUMEMODE'],
    row(pvc, now) {
      const spec = obj(pvc['spec']);
      const status = obj(pvc['status']);
      const bound = str(spec['volumeName']) !== '';
      return [
        name(pvc), terminating(pvc) ? 'Terminating' : str(status['phase']), str(spec['volumeName']),
        bound ? str(obj(status['capacity'])['storage']) : '', bound ? accessModesString(status['accessModes']) : '',
        claimClass(pvc), orUnset(spec['volumeAttributesClassName']), created(pvc, now),
      ];
    },
    wideRow: (pvc) => [orUnset(obj(pvc['spec'])['volumeMode'])],
  },
  // The snapshot CRDs' additionalPrinterColumns (external-snapshotter client/config/crd): a
  // missing value is an empty cell, a date column (CREATIONTIME) prints as an age.
  VolumeSnapshotClass: {
    headers: ['NAME', 'DRIVER', 'DELETIONPOLICY', 'AGE'],
    wideHeaders: [],
    row: (c, now) => [name(c), str(c['driver']), str(c['deletionPolicy']), created(c, now)],
    wideRow: () => [],
  },
  VolumeSnapshot: {
    headers: ['NAME', 'READYTOUSE', 'SOURCEPVC', 'SOURCESNAPSHOTCONTENT', 'RESTORESIZE', 'SNAPSHOTCLASS', 'SNAPSHOTCONTENT', 'CREATIONTIME', 'AGE'],
    wideHeaders: [],
    row(vs, now) {
      const spec = obj(vs['spec']);
      const source = obj(spec['source']);
      const status = obj(vs['status']);
      const ready = status['readyToUse'];
      return [
        name(vs), typeof ready === 'boolean' ? String(ready) : '', str(source['persistentVolumeClaimName']), str(source['volumeSnapshotContentName']),
        str(status['restoreSize']), str(spec['volumeSnapshotClassName']), str(status['boundVolumeSnapshotContentName']),
        status['creationTime'] === undefined ? '' : age(status['creationTime'], now), created(vs, now),
      ];
    },
    wideRow: () => [],
  },
  VolumeSnapshotContent: {
    headers: ['NAME', 'READYTOUSE', 'RESTORESIZE', 'DELETIONPOLICY', 'DRIVER', 'VOLUMESNAPSHOTCLASS', 'VOLUMESNAPSHOT', 'VOLUMESNAPSHOTNAMESPACE', 'AGE'],
    wideHeaders: [],
    row(c, now) {
      const spec = obj(c['spec']);
      const ref = obj(spec['volumeSnapshotRef']);
      const status = obj(c['status']);
      const ready = status['readyToUse'];
      const size = status['restoreSize'];
      return [
        name(c), typeof ready === 'boolean' ? String(ready) : '', typeof size === 'number' ? String(size) : '', str(spec['deletionPolicy']), str(spec['driver']),
        str(spec['volumeSnapshotClassName']), str(ref['name']), str(ref['namespace']), created(c, now),
      ];
    },
    wideRow: () => [],
  },
  StorageClass: {
    headers: ['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE'],
    wideHeaders: [],
    row(sc, now) {
      return [
        name(sc) + (isDefaultClass(sc) ? ' (default)' : ''), str(sc['provisioner']),
        str(sc['reclaimPolicy'] ?? 'Delete') || 'Delete', str(sc['volumeBindingMode'] ?? 'Immediate') || 'Immediate',
        String(sc['allowVolumeExpansion'] === true), created(sc, now),
      ];
    },
    wideRow: () => [],
  },
  Event: {
    headers: ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'],
    wideHeaders: [],
    row(e, now) {
      const [last, type, reason, target] = eventCells(e, now);
      return [last, type, reason, target, str(e['message']).trim()];
    },
    wideRow: () => [],
  },
  Pod: {
    headers: ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'],
    wideHeaders: ['IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES'],
    row(pod, now) {
      const s = podStatusCells(pod, now);
      return [name(pod), s.ready, s.reason, s.restarts, created(pod, now)];
    },
    wideRow(pod) {
      const spec = obj(pod['spec']);
      const status = obj(pod['status']);
      // printPod reads status.podIPs; pvsim's kubelet may set only podIP, so that is the fallback.
      const ip = str(obj(list(status['podIPs'])[0])['ip']) || str(status['podIP']) || '<none>';
      const gates = list(spec['readinessGates']).map(obj);
      let readiness = '<none>';
      if (gates.length > 0) {
        const conditions = list(status['conditions']).map(obj);
        const trueCount = gates.filter((g) => conditions.find((c) => c['type'] === g['conditionType'])?.['status'] === 'True').length;
        readiness = `${trueCount}/${gates.length}`;
      }
      return [ip, str(spec['nodeName']) || '<none>', str(status['nominatedNodeName']) || '<none>', readiness];
    },
  },
  Node: {
    headers: ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
    wideHeaders: ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'],
    row(node, now) {
      const status = obj(node['status']);
      const readyCondition = list(status['conditions']).map(obj).find((c) => c['type'] === 'Ready');
      // printNode: Ready only when the condition is True; False and Unknown both read NotReady.
      let state = readyCondition === undefined ? 'Unknown' : readyCondition['status'] === 'True' ? 'Ready' : 'NotReady';
      if (obj(node['spec'])['unschedulable'] === true) state += ',SchedulingDisabled';
      return [name(node), state, nodeRoles(node).join(',') || '<none>', created(node, now), str(obj(status['nodeInfo'])['kubeletVersion'])];
    },
    wideRow(node) {
      const status = obj(node['status']);
      const addr = (type: string): string => str(list(status['addresses']).map(obj).find((a) => a['type'] === type)?.['address']) || '<none>';
      const info = obj(status['nodeInfo']);
      return [addr('InternalIP'), addr('ExternalIP'), str(info['osImage']) || '<unknown>', str(info['kernelVersion']) || '<unknown>', str(info['containerRuntimeVersion']) || '<unknown>'];
    },
  },
  ConfigMap: {
    headers: ['NAME', 'DATA', 'AGE'],
    wideHeaders: [],
    row: (cm, now) => [name(cm), String(Object.keys(obj(cm['data'])).length + Object.keys(obj(cm['binaryData'])).length), created(cm, now)],
    wideRow: () => [],
  },
  Secret: {
    headers: ['NAME', 'TYPE', 'DATA', 'AGE'],
    wideHeaders: [],
    row(secret, now) {
      // A stored Secret has only `data`; a manifest's stringData keys count too, as the server would merge them.
      const keys = new Set([...Object.keys(obj(secret['data'])), ...Object.keys(obj(secret['stringData']))]);
      return [name(secret), str(secret['type']) || 'Opaque', String(keys.size), created(secret, now)];
    },
    wideRow: () => [],
  },
  Deployment: {
    headers: ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'],
    wideHeaders: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
    row(d, now) {
      const spec = obj(d['spec']);
      const status = obj(d['status']);
      return [name(d), `${num(status['readyReplicas'])}/${num(spec['replicas'], 1)}`, String(num(status['updatedReplicas'])), String(num(status['availableReplicas'])), created(d, now)];
    },
    wideRow(d) {
      const spec = obj(d['spec']);
      const [names, images] = containerCells(spec);
      return [names, images, selectorString(spec['selector'])];
    },
  },
  StatefulSet: {
    headers: ['NAME', 'READY', 'AGE'],
    wideHeaders: ['CONTAINERS', 'IMAGES'],
    row(sts, now) {
      const spec = obj(sts['spec']);
      return [name(sts), `${num(obj(sts['status'])['readyReplicas'])}/${num(spec['replicas'], 1)}`, created(sts, now)];
    },
    wideRow: (sts) => containerCells(obj(sts['spec'])),
  },
  // printReplicaSet.
  ReplicaSet: {
    headers: ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'],
    wideHeaders: ['CONTAINERS', 'IMAGES', 'SELECTOR'],
    row(rs, now) {
      const status = obj(rs['status']);
      return [name(rs), String(num(obj(rs['spec'])['replicas'], 1)), String(num(status['replicas'])), String(num(status['readyReplicas'])), created(rs, now)];
    },
    wideRow: (rs) => [...containerCells(obj(rs['spec'])), selectorString(obj(rs['spec'])['selector'])],
  },
  // printControllerRevision: CONTROLLER is the controller owner as `<kind>.<group>/<name>`.
  ControllerRevision: {
    headers: ['NAME', 'CONTROLLER', 'REVISION', 'AGE'],
    wideHeaders: [],
    row(cr, now) {
      const owner = list(obj(cr['metadata'])['ownerReferences']).map(obj).find((r) => r['controller'] === true);
      const group = owner ? str(owner['apiVersion']).split('/').slice(0, -1).join('/') : '';
      const controller = owner ? `${str(owner['kind']).toLowerCase()}${group ? `.${group}` : ''}/${str(owner['name'])}` : '<none>';
      return [name(cr), controller, String(num(cr['revision'])), created(cr, now)];
    },
    wideRow: () => [],
  },
  // printCSIDriver / printCSINode (K/pkg/printers/internalversion/printers.go).
  CSIDriver: {
    headers: ['NAME', 'ATTACHREQUIRED', 'PODINFOONMOUNT', 'STORAGECAPACITY', 'TOKENREQUESTS', 'REQUIRESREPUBLISH', 'MODES', 'AGE'],
    wideHeaders: [],
    row(d, now) {
      const spec = obj(d['spec']);
      const flag = (v: unknown, dflt: boolean) => String(typeof v === 'boolean' ? v : dflt);
      const tokens = list(spec['tokenRequests']).map((t) => str(obj(t)['audience']));
      const modes = list(spec['volumeLifecycleModes']).map(str);
      return [name(d), flag(spec['attachRequired'], true), flag(spec['podInfoOnMount'], false), flag(spec['storageCapacity'], false),
        tokens.length > 0 ? tokens.join(',') : '<unset>', flag(spec['requiresRepublish'], false), modes.length > 0 ? modes.join(',') : 'Persistent', created(d, now)];
    },
    wideRow: () => [],
  },
  CSINode: {
    headers: ['NAME', 'DRIVERS', 'AGE'],
    wideHeaders: [],
    row: (n, now) => [name(n), String(list(obj(n['spec'])['drivers']).length), created(n, now)],
    wideRow: () => [],
  },
  // printNamespace, printService, printServiceAccount, printPodDisruptionBudget (K/pkg/printers/internalversion/printers.go).
  Namespace: {
    headers: ['NAME', 'STATUS', 'AGE'],
    wideHeaders: [],
    row: (ns, now) => [name(ns), str(obj(ns['status'])['phase']), created(ns, now)],
    wideRow: () => [],
  },
  Service: {
    headers: ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'],
    wideHeaders: ['SELECTOR'],
    row(svc, now) {
      const spec = obj(svc['spec']);
      const type = str(spec['type']) || 'ClusterIP';
      const ports = list(spec['ports']).map(obj).map((p) => `${num(p['port'])}${p['nodePort'] !== undefined ? `:${num(p['nodePort'])}` : ''}/${str(p['protocol']) || 'TCP'}`);
      return [name(svc), type, str(spec['clusterIP']) || '<none>', serviceExternalIp(svc, type), ports.join(',') || '<none>', created(svc, now)];
    },
    wideRow(svc) {
      const selector = obj(obj(svc['spec'])['selector']);
      const keys = Object.keys(selector).sort();
      return [keys.length > 0 ? keys.map((k) => `${k}=${str(selector[k])}`).join(',') : '<none>'];
    },
  },
  ServiceAccount: {
    headers: ['NAME', 'SECRETS', 'AGE'],
    wideHeaders: [],
    row: (sa, now) => [name(sa), String(list(sa['secrets']).length), created(sa, now)],
    wideRow: () => [],
  },
  PodDisruptionBudget: {
    headers: ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE'],
    wideHeaders: [],
    row(pdb, now) {
      const spec = obj(pdb['spec']);
      const intOrString = (v: unknown) => (v === undefined || v === null ? 'N/A' : String(v));
      return [name(pdb), intOrString(spec['minAvailable']), intOrString(spec['maxUnavailable']), String(num(obj(pdb['status'])['disruptionsAllowed'])), created(pdb, now)];
    },
    wideRow: () => [],
  },
  VolumeAttachment: {
    headers: ['NAME', 'ATTACHER', 'PV', 'NODE', 'ATTACHED', 'AGE'],
    wideHeaders: [],
    row(va, now) {
      const spec = obj(va['spec']);
      return [name(va), str(spec['attacher']), str(obj(spec['source'])['persistentVolumeName']), str(spec['nodeName']),
        String(obj(va['status'])['attached'] === true), created(va, now)];
    },
    wideRow: () => [],
  },
};

const num = (v: unknown, fallback = 0): number => (typeof v === 'number' ? v : fallback);

/** getServiceExternalIP (printers.go): external IPs, a load balancer's ingress or `<pending>`, an ExternalName's name. */
function serviceExternalIp(svc: Obj, type: string): string {
  const spec = obj(svc['spec']);
  const external = list(spec['externalIPs']).map(str);
  switch (type) {
    case 'ClusterIP': case 'NodePort':
      return external.length > 0 ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const ingress = list(obj(obj(obj(svc['status'])['loadBalancer']))['ingress']).map(obj).map((i) => str(i['ip']) || str(i['hostname']));
      const all = [...ingress, ...external];
      return all.length > 0 ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return str(spec['externalName']);
    default:
      return '<unknown>';
  }
}

/** findNodeRoles: `node-role.kubernetes.io/<role>` labels and the legacy `kubernetes.io/role`. */
function nodeRoles(node: Obj): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(obj(meta(node)['labels']))) {
    if (k.startsWith('node-role.kubernetes.io/') && k.length > 'node-role.kubernetes.io/'.length) roles.add(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role' && str(v) !== '') roles.add(str(v));
  }
  return [...roles].sort(byCodeUnit);
}

/** layoutContainerCells: the template's container names and images, comma-separated. */
function containerCells(workloadSpec: Obj): [string, string] {
  const containers = list(obj(obj(workloadSpec['template'])['spec'])['containers']).map(obj);
  return [containers.map((c) => str(c['name'])).join(','), containers.map((c) => str(c['image'])).join(',')];
}

/**
 * labels.Selector.String() of metav1.LabelSelectorAsSelector: requirements sorted by key,
 * `k=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`; a nil or empty selector prints as ''.
 */
export function selectorString(selector: unknown): string {
  if (!isObj(selector)) return '';
  const reqs: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(obj(selector['matchLabels']))) reqs.push([k, `${k}=${str(v)}`]);
  for (const e of list(selector['matchExpressions']).map(obj)) {
    const key = str(e['key']);
    const values = [...new Set(list(e['values']).map(str))].sort(byCodeUnit).join(',');
    switch (e['operator']) {
      case 'In': reqs.push([key, `${key} in (${values})`]); break;
      case 'NotIn': reqs.push([key, `${key} notin (${values})`]); break;
      case 'Exists': reqs.push([key, key]); break;
      case 'DoesNotExist': reqs.push([key, `!${key}`]); break;
      default: break;
    }
  }
  return reqs.sort((a, b) => byCodeUnit(a[0], b[0])).map(([, text]) => text).join(',');
}

interface PodStatusCells {
  ready: string;
  reason: string;
  restarts: string;
}

const isRestartableInit = (c: Obj | undefined): boolean => c?.['restartPolicy'] === 'Always';

/**
 * printPod's READY, STATUS and RESTARTS: the phase (or status.reason), overridden by the first
 * failing or waiting init container, then by the last container's waiting/terminated reason;
 * `Completed` turns back to Running (or NotReady) while a container still runs; a deleted pod
 * reads Terminating (Unknown when its node was lost).
 */
function podStatusCells(pod: Obj, now: string): PodStatusCells {
  const spec = obj(pod['spec']);
  const status = obj(pod['status']);
  const phase = str(status['phase']);
  let reason = str(status['reason']) || phase;
  const conditions = list(status['conditions']).map(obj);
  if (conditions.some((c) => c['type'] === 'PodScheduled' && c['reason'] === 'SchedulingGated')) reason = 'SchedulingGated';
  const initSpecs = new Map(list(spec['initContainers']).map(obj).map((c) => [str(c['name']), c]));
  const total = list(spec['containers']).length + [...initSpecs.values()].filter(isRestartableInit).length;
  let ready = 0;
  let restarts = 0;
  let restartableRestarts = 0;
  let lastRestart = '';
  let lastRestartableRestart = '';
  const later = (a: string, b: string): string => (Date.parse(b) > (Date.parse(a) || -Infinity) ? b : a);
  const initStatuses = list(status['initContainerStatuses']).map(obj);
  let initializing = false;
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i]!;
    const state = obj(c['state']);
    const lastTerminated = obj(obj(c['lastState'])['terminated']);
    restarts += num(c['restartCount']);
    if (isObj(obj(c['lastState'])['terminated'])) lastRestart = later(lastRestart, str(lastTerminated['finishedAt']));
    const restartable = isRestartableInit(initSpecs.get(str(c['name'])));
    if (restartable) {
      restartableRestarts += num(c['restartCount']);
      if (isObj(obj(c['lastState'])['terminated'])) lastRestartableRestart = later(lastRestartableRestart, str(lastTerminated['finishedAt']));
    }
    const terminated = isObj(state['terminated']) ? state['terminated'] : undefined;
    const waiting = isObj(state['waiting']) ? state['waiting'] : undefined;
    if (terminated && num(terminated['exitCode']) === 0) continue;
    if (restartable && c['started'] === true) {
      if (c['ready'] === true) ready++;
      continue;
    }
    if (terminated) {
      if (str(terminated['reason']) === '') reason = num(terminated['signal']) !== 0 ? `Init:Signal:${num(terminated['signal'])}` : `Init:ExitCode:${num(terminated['exitCode'])}`;
      else reason = `Init:${str(terminated['reason'])}`;
    } else if (waiting && str(waiting['reason']) !== '' && waiting['reason'] !== 'PodInitializing') {
      reason = `Init:${str(waiting['reason'])}`;
    } else {
      reason = `Init:${i}/${initSpecs.size}`;
    }
    initializing = true;
    break;
  }
  const initialized = conditions.some((c) => c['type'] === 'Initialized' && c['status'] === 'True');
  if (!initializing || initialized) {
    restarts = restartableRestarts;
    lastRestart = lastRestartableRestart;
    let hasRunning = false;
    const statuses = list(status['containerStatuses']).map(obj);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i]!;
      const state = obj(c['state']);
      restarts += num(c['restartCount']);
      if (isObj(obj(c['lastState'])['terminated'])) lastRestart = later(lastRestart, str(obj(obj(c['lastState'])['terminated'])['finishedAt']));
      const waiting = isObj(state['waiting']) ? state['waiting'] : undefined;
      const terminated = isObj(state['terminated']) ? state['terminated'] : undefined;
      if (waiting && str(waiting['reason']) !== '') reason = str(waiting['reason']);
      else if (terminated && str(terminated['reason']) !== '') reason = str(terminated['reason']);
      else if (terminated) reason = num(terminated['signal']) !== 0 ? `Signal:${num(terminated['signal'])}` : `ExitCode:${num(terminated['exitCode'])}`;
      else if (c['ready'] === true && isObj(state['running'])) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = conditions.some((c) => c['type'] === 'Ready' && c['status'] === 'True') ? 'Running' : 'NotReady';
    }
  }
  if (terminating(pod) && str(status['reason']) === 'NodeLost') reason = 'Unknown';
  else if (terminating(pod) && phase !== 'Succeeded' && phase !== 'Failed') reason = 'Terminating';
  const restartText = restarts !== 0 && lastRestart !== '' ? `${restarts} (${age(lastRestart, now)} ago)` : String(restarts);
  return { ready: `${ready}/${total}`, reason, restarts: restartText };
}

/** LAST SEEN, TYPE, REASON, OBJECT of `printEvent`. */
function eventCells(e: Obj, now: string): [string, string, string, string] {
  const first = str(e['firstTimestamp']) !== '' ? age(e['firstTimestamp'], now) : age(e['eventTime'], now);
  const last = str(e['lastTimestamp']) !== '' ? age(e['lastTimestamp'], now) : first;
  const involved = obj(e['involvedObject']);
  const kind = str(involved['kind']).toLowerCase();
  const target = str(involved['name']) !== '' ? `${kind}/${str(involved['name'])}` : kind;
  return [last, str(e['type']), str(e['reason']), target];
}

function eventWideRow(e: Obj, now: string): string[] {
  const [last, type, reason, target] = eventCells(e, now);
  const first = str(e['firstTimestamp']) !== '' ? age(e['firstTimestamp'], now) : age(e['eventTime'], now);
  const source = obj(e['source']);
  const component = str(source['component']) || str(e['reportingComponent']);
  const host = str(source['host']) || str(e['reportingInstance']);
  const count = typeof e['count'] === 'number' && e['count'] !== 0 ? e['count'] : 1;
  return [last, type, reason, target, str(involved(e)['fieldPath']), host === '' ? component : `${component}, ${host}`,
    str(e['message']).trim(), first, String(count), name(e)];
}

const involved = (e: Obj): Obj => obj(e['involvedObject']);

/** kubectl's message when a list is empty; the CLI prints it on stderr. */
export function noResourcesFound(kind: string, options: { allNamespaces?: boolean; namespace?: string } = {}): string {
  const type = typeFor(kind);
  if (!type.namespaced || options.allNamespaces) return 'No resources found';
  return `No resources found in ${options.namespace ?? 'default'} namespace.`;
}

/**
 * `kubectl get <kind>` as a table. An empty list gives kubectl's "No resources found …" message
 * instead (see `noResourcesFound`). Several kinds (`get pv,pvc`) are printed by calling this once
 * per kind with `withKind` and joining the tables with a blank line (`printTables`).
 */
export function printTable(kind: string, objects: readonly object[], options: TableOptions): string {
  const type = typeFor(kind);
  if (objects.length === 0) return noResourcesFound(type.kind, options);
  const cols = COLUMNS[type.kind] ?? {
    headers: ['NAME', 'AGE'], wideHeaders: [], row: (o: Obj, now: string) => [name(o), created(o, now)], wideRow: () => [],
  };
  const withNamespace = type.namespaced && options.allNamespaces === true;
  const rows: string[][] = [];
  if (!options.noHeaders) {
    const headers = type.kind === 'Event' && options.wide
      ? ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'SUBOBJECT', 'SOURCE', 'MESSAGE', 'FIRST SEEN', 'COUNT', 'NAME']
      : [...cols.headers, ...(options.wide ? cols.wideHeaders : [])];
    rows.push(withNamespace ? ['NAMESPACE', ...headers] : headers);
  }
  for (const o of objects as Obj[]) {
    let cells = type.kind === 'Event' && options.wide
      ? eventWideRow(o, options.now)
      : [...cols.row(o, options.now), ...(options.wide ? cols.wideRow(o, options.now) : [])];
    if (options.withKind) {
      // Events have no NAME column in the default view; kubectl then leaves the cells alone.
      const nameIndex = type.kind === 'Event' ? (options.wide ? 9 : -1) : 0;
      if (nameIndex >= 0) cells = cells.map((c, i) => (i === nameIndex ? `${kindPrefix(type)}/${c}` : c));
    }
    rows.push(withNamespace ? [str(meta(o)['namespace']), ...cells] : cells);
  }
  return formatTabbed(rows.map((r) => r.join('\t')).join('\n') + '\n', { minwidth: 6, padding: 3 });
}

/**
 * The cells behind `printTable`, for the API server's Table responses (`as=Table`): kubectl's
 * column names and one row of cells per object, the wide columns flagged by priority 1.
 */
export function tableCells(kind: string, objects: readonly object[], now: string): { columns: { name: string; priority: number }[]; rows: string[][] } {
  const type = typeFor(kind);
  const cols = COLUMNS[type.kind] ?? {
    headers: ['NAME', 'AGE'], wideHeaders: [], row: (o: Obj, at: string) => [name(o), created(o, at)], wideRow: () => [],
  };
  return {
    columns: [...cols.headers.map((n) => ({ name: n, priority: 0 })), ...cols.wideHeaders.map((n) => ({ name: n, priority: 1 }))],
    rows: (objects as Obj[]).map((o) => [...cols.row(o, now), ...cols.wideRow(o, now)]),
  };
}

/** Several tables (one per kind) the way `kubectl get pv,pvc` separates them. */
export function printTables(tables: readonly string[]): string {
  return tables.join('\n');
}

// ---------------------------------------------------------------------------------------------
// -o json / -o yaml / -o name

function listOf(objects: readonly object[]): Obj {
  return { apiVersion: 'v1', items: [...objects], kind: 'List', metadata: { resourceVersion: '' } };
}

export interface DocumentOptions {
  /** `kubectl get pv nas -o json` (one object asked for by name) prints the object, not a List. */
  single?: boolean;
}

function documentFor(objects: readonly object[], options: DocumentOptions): unknown {
  if (options.single) {
    if (objects.length !== 1) throw new RangeError(`single output needs exactly one object, got ${objects.length}`);
    return objects[0];
  }
  return listOf(objects);
}

/** `-o json`: 4-space indent, sorted keys, `<`, `>`, `&` escaped as Go's encoder does. */
export function printJson(objects: readonly object[], options: DocumentOptions = {}): string {
  const text = JSON.stringify(sortKeysDeep(documentFor(objects, options)), null, 4);
  return text.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029') + '\n';
}

/** `-o yaml`: sorted keys, block sequences at the parent's indentation, strings quoted only when needed. */
export function printYaml(objects: readonly object[], options: DocumentOptions = {}): string {
  return stringify(sortKeysDeep(documentFor(objects, options)), {
    indentSeq: false, lineWidth: 0, minContentWidth: 0, version: '1.1', aliasDuplicateObjects: false,
    defaultStringType: 'PLAIN', defaultKeyType: 'PLAIN', doubleQuotedMinMultiLineLength: Number.MAX_SAFE_INTEGER,
  });
}

/** `-o name`: one `<kind>[.<group>]/<name>` per line. */
export function printNames(objects: readonly object[]): string {
  return objects.map((o) => {
    const kind = str((o as Obj)['kind']);
    const type = resourceTypeForKind(kind);
    const prefix = type ? kindPrefix(type) : kind.toLowerCase();
    return `${prefix}/${name(o as Obj)}\n`;
  }).join('');
}

// ---------------------------------------------------------------------------------------------
// describe

export interface DescribeOptions {
  /**
   * Pods in the object's namespace: the pods that use a PVC ("Used By"), and the pods a
   * StatefulSet controls ("Pods Status", matched by controller ownerReference).
   */
  pods?: readonly object[];
  /** kubectl --show-events=false leaves the Events section out. */
  showEvents?: boolean;
}

class Describer {
  private readonly w = new TabWriter({ minwidth: 0, padding: 2 });
  write(level: number, text: string): void {
    this.w.write('  '.repeat(level) + text);
  }
  line(text: string): void {
    this.w.write(text + '\n');
  }
  flush(): void {
    this.w.flush();
  }
  toString(): string {
    return this.w.toString();
  }
}

function goList(values: readonly unknown[]): string {
  return '[' + values.map(str).join(' ') + ']';
}

function printLabelsMultiline(d: Describer, title: string, labels: unknown): void {
  d.write(0, `${title}:\t`);
  const map = obj(labels);
  const keys = Object.keys(map).sort(byCodeUnit);
  if (keys.length === 0) {
    d.line('<none>');
    return;
  }
  keys.forEach((k, i) => {
    if (i !== 0) d.write(0, '\t');
    d.write(0, `${k}=${str(map[k])}\n`);
  });
}

function shorten(s: string, max: number): string {
  return s.length > max ? s.slice(0, max) + '...' : s;
}

function printAnnotationsMultiline(d: Describer, title: string, annotationsMap: unknown): void {
  d.write(0, `${title}:\t`);
  const map = obj(annotationsMap);
  const keys = Object.keys(map).filter((k) => k !== LAST_APPLIED).sort(byCodeUnit);
  if (keys.length === 0) {
    d.line('<none>');
    return;
  }
  keys.forEach((k, i) => {
    if (i !== 0) d.write(0, '\t');
    const value = str(map[k]).replace(/\n$/, '');
    if (value.length + k.length + 2 > MAX_ANNOTATION_LEN || value.includes('\n')) {
      d.write(0, `${k}:\n`);
      for (const s of value.split('\n')) d.write(0, `\t  ${shorten(s, MAX_ANNOTATION_LEN - 2)}\n`);
    } else {
      d.write(0, `${k}: ${value}\n`);
    }
  });
}

/** labels.FormatLabels: `a=b,c=d` sorted by key, `<none>` when empty. */
function formatLabels(map: unknown): string {
  const m = obj(map);
  const keys = Object.keys(m).sort(byCodeUnit);
  return keys.length === 0 ? '<none>' : keys.map((k) => `${k}=${str(m[k])}`).join(',');
}

function describeEvents(d: Describer, events: readonly object[], now: string): void {
  if (events.length === 0) {
    d.write(0, 'Events:\t<none>\n');
    return;
  }
  d.flush();
  const sorted = [...events as Obj[]].sort((a, b) => Date.parse(str(a['lastTimestamp'])) - Date.parse(str(b['lastTimestamp'])));
  d.write(0, 'Events:\n  Type\tReason\tAge\tFrom\tMessage\n');
  d.write(1, '----\t------\t----\t----\t-------\n');
  for (const e of sorted) {
    const first = str(e['firstTimestamp']) !== '' ? age(e['firstTimestamp'], now) : age(e['eventTime'], now);
    const count = typeof e['count'] === 'number' ? e['count'] : 0;
    const interval = count > 1 ? `${age(e['lastTimestamp'], now)} (x${count} over ${first})` : first;
    const source = str(obj(e['source'])['component']) || str(e['reportingComponent']);
    const fieldPath = str(involved(e)['fieldPath']);
    const message = fieldPath !== '' ? `${fieldPath}: ${str(e['message']).trim()}` : str(e['message']).trim();
    d.write(1, `${str(e['type'])}\t${str(e['reason'])}\t${interval}\t${source}\t${message}\n`);
  }
}

function printVolumeNodeAffinity(d: Describer, affinity: unknown): void {
  d.write(0, 'Node Affinity:\t');
  const required = isObj(affinity) ? affinity['required'] : undefined;
  if (!isObj(required)) {
    d.line('<none>');
    return;
  }
  d.line('');
  d.write(1, 'Required Terms:\t');
  const terms = list(required['nodeSelectorTerms']);
  if (terms.length === 0) {
    d.line('<none>');
    return;
  }
  d.line('');
  terms.forEach((term, i) => {
    d.write(2, `Term ${i}:\t`);
    const reqs = list(obj(term)['matchExpressions']).map(obj);
    if (reqs.length === 0) {
      d.line('<none>');
      return;
    }
    reqs.forEach((r, j) => {
      if (j !== 0) d.write(2, '\t');
      const values = list(r['values']).map(str);
      let expr = `${str(r['key'])} ${str(r['operator']).toLowerCase()}`;
      if (values.length > 0) expr += ` [${values.join(', ')}]`;
      d.write(0, `${expr}\n`);
    });
  });
}

function goBool(v: unknown): string {
  return v === true ? 'true' : 'false';
}

/** The `Source:` block of `describe pv`, per volume type (printXxxVolumeSource). */
function printVolumeSource(d: Describer, spec: Obj): void {
  const field = (lines: string[]): void => {
    d.write(2, lines.join('\n    ') + '\n');
  };
  const src = (k: string): Obj | undefined => (isObj(spec[k]) ? (spec[k] as Obj) : undefined);
  let s: Obj | undefined;
  if ((s = src('hostPath'))) {
    field(['Type:\tHostPath (bare host directory volume)', `Path:\t${str(s['path'])}`, `HostPathType:\t${s['type'] === undefined || s['type'] === null ? '<none>' : str(s['type'])}`]);
  } else if ((s = src('gcePersistentDisk'))) {
    field(['Type:\tGCEPersistentDisk (a Persistent Disk resource in Google Compute Engine)', `PDName:\t${str(s['pdName'])}`, `FSType:\t${str(s['fsType'])}`, `Partition:\t${Number(s['partition'] ?? 0)}`, `ReadOnly:\t${goBool(s['readOnly'])}`]);
  } else if ((s = src('awsElasticBlockStore'))) {
    field(['Type:\tAWSElasticBlockStore (a Persistent Disk resource in AWS)', `VolumeID:\t${str(s['volumeID'])}`, `FSType:\t${str(s['fsType'])}`, `Partition:\t${Number(s['partition'] ?? 0)}`, `ReadOnly:\t${goBool(s['readOnly'])}`]);
  } else if ((s = src('nfs'))) {
    field(['Type:\tNFS (an NFS mount that lasts the lifetime of a pod)', `Server:\t${str(s['server'])}`, `Path:\t${str(s['path'])}`, `ReadOnly:\t${goBool(s['readOnly'])}`]);
  } else if ((s = src('iscsi'))) {
    field(['Type:\tISCSI (an ISCSI Disk resource that is attached to a kubelet\'s host machine and then exposed to the pod)',
      `TargetPortal:\t${str(s['targetPortal'])}`, `IQN:\t${str(s['iqn'])}`, `Lun:\t${Number(s['lun'] ?? 0)}`, `ISCSIInterface\t${str(s['iscsiInterface'])}`,
      `FSType:\t${str(s['fsType'])}`, `ReadOnly:\t${goBool(s['readOnly'])}`, `Portals:\t${goList(list(s['portals']))}`,
      `DiscoveryCHAPAuth:\t${goBool(s['discoveryCHAPAuth'])}`, `SessionCHAPAuth:\t${goBool(s['sessionCHAPAuth'])}`,
      `SecretRef:\t${isObj(s['secretRef']) ? `&SecretReference{Name:${str(s['secretRef']['name'])},Namespace:${str(s['secretRef']['namespace'])},}` : 'nil'}`,
      `InitiatorName:\t${s['initiatorName'] === undefined ? '<none>' : str(s['initiatorName'])}`]);
  } else if ((s = src('local'))) {
    field(['Type:\tLocalVolume (a persistent volume backed by local storage on a node)', `Path:\t${str(s['path'])}`]);
  } else if ((s = src('cephfs'))) {
    field(['Type:\tCephFS (a CephFS mount on the host that shares a pod\'s lifetime)', `Monitors:\t${goList(list(s['monitors']))}`, `Path:\t${str(s['path'])}`, `User:\t${str(s['user'])}`, `SecretFile:\t${str(s['secretFile'])}`, `SecretRef:\t${isObj(s['secretRef']) ? `&SecretReference{Name:${str(s['secretRef']['name'])},Namespace:${str(s['secretRef']['namespace'])},}` : 'nil'}`, `ReadOnly:\t${goBool(s['readOnly'])}`]);
  } else if ((s = src('fc'))) {
    field(['Type:\tFC (a Fibre Channel disk)', `TargetWWNs:\t${list(s['targetWWNs']).map(str).join(', ')}`, `LUN:\t${s['lun'] === undefined ? '<none>' : str(s['lun'])}`, `FSType:\t${str(s['fsType'])}`, `ReadOnly:\t${goBool(s['readOnly'])}`]);
  } else if ((s = src('flexVolume'))) {
    field(['Type:\tFlexVolume (a generic volume resource that is provisioned/attached using an exec based plugin)', `Driver:\t${str(s['driver'])}`, `FSType:\t${str(s['fsType'])}`, `SecretRef:\t${isObj(s['secretRef']) ? `&SecretReference{Name:${str(s['secretRef']['name'])},Namespace:${str(s['secretRef']['namespace'])},}` : 'nil'}`, `ReadOnly:\t${goBool(s['readOnly'])}`, `Options:\t${goMap(s['options'])}`]);
  } else if ((s = src('csi'))) {
    field(['Type:\tCSI (a Container Storage Interface (CSI) volume source)', `Driver:\t${str(s['driver'])}`, `FSType:\t${str(s['fsType'])}`, `VolumeHandle:\t${str(s['volumeHandle'])}`, `ReadOnly:\t${goBool(s['readOnly'])}`]);
    // printCSIPersistentVolumeAttributesMultiline, including its extra indentation of continuation lines.
    printVolumeAttributes(d, obj(s['volumeAttributes']));
  } else {
    d.write(1, '<unknown>\n');
  }
}

function goMap(v: unknown): string {
  const m = obj(v);
  return 'map[' + Object.keys(m).sort(byCodeUnit).map((k) => `${k}:${str(m[k])}`).join(' ') + ']';
}

/** Go's time.RFC1123Z in UTC: "Mon, 02 Jan 2006 15:04:05 +0000". */
function rfc1123z(timestamp: unknown): string {
  const t = Date.parse(str(timestamp));
  if (Number.isNaN(t)) return 'Mon, 01 Jan 0001 00:00:00 +0000';
  const d = new Date(t);
  const days = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${days[d.getUTCDay()]}, ${p(d.getUTCDate())} ${months[d.getUTCMonth()]} ${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

function describePersistentVolume(pv: Obj, events: readonly object[] | undefined, now: string): string {
  const d = new Describer();
  const m = meta(pv);
  const spec = obj(pv['spec']);
  const status = obj(pv['status']);
  d.write(0, `Name:\t${name(pv)}\n`);
  printLabelsMultiline(d, 'Labels', m['labels']);
  printAnnotationsMultiline(d, 'Annotations', m['annotations']);
  d.write(0, `Finalizers:\t${goList(list(m['finalizers']))}\n`);
  d.write(0, `StorageClass:\t${volumeClass(pv)}\n`);
  if (terminating(pv)) d.write(0, `Status:\tTerminating (lasts ${age(m['deletionTimestamp'], now)})\n`);
  else d.write(0, `Status:\t${str(status['phase'])}\n`);
  const claimRef = spec['claimRef'];
  d.write(0, `Claim:\t${isObj(claimRef) ? `${str(claimRef['namespace'])}/${str(claimRef['name'])}` : ''}\n`);
  d.write(0, `Reclaim Policy:\t${str(spec['persistentVolumeReclaimPolicy'])}\n`);
  d.write(0, `Access Modes:\t${accessModesString(spec['accessModes'])}\n`);
  if (spec['volumeMode'] !== undefined && spec['volumeMode'] !== null) d.write(0, `VolumeMode:\t${str(spec['volumeMode'])}\n`);
  d.write(0, `Capacity:\t${str(obj(spec['capacity'])['storage']) || '0'}\n`);
  printVolumeNodeAffinity(d, spec['nodeAffinity']);
  d.write(0, `Message:\t${str(status['message'])}\n`);
  d.write(0, 'Source:\n');
  printVolumeSource(d, spec);
  if (events) describeEvents(d, events, now);
  return d.toString();
}

function describePersistentVolumeClaim(pvc: Obj, events: readonly object[] | undefined, now: string, pods: readonly object[]): string {
  const d = new Describer();
  const m = meta(pvc);
  const spec = obj(pvc['spec']);
  const status = obj(pvc['status']);
  d.write(0, `Name:\t${name(pvc)}\n`);
  d.write(0, `Namespace:\t${str(m['namespace'])}\n`);
  d.write(0, `StorageClass:\t${claimClass(pvc)}\n`);
  if (terminating(pvc)) d.write(0, `Status:\tTerminating (lasts ${age(m['deletionTimestamp'], now)})\n`);
  else d.write(0, `Status:\t${str(status['phase'])}\n`);
  d.write(0, `Volume:\t${str(spec['volumeName'])}\n`);
  printLabelsMultiline(d, 'Labels', m['labels']);
  printAnnotationsMultiline(d, 'Annotations', m['annotations']);
  d.write(0, `Finalizers:\t${goList(list(m['finalizers']))}\n`);
  const bound = str(spec['volumeName']) !== '';
  d.write(0, `Capacity:\t${bound ? str(obj(status['capacity'])['storage']) || '0' : ''}\n`);
  d.write(0, `Access Modes:\t${bound ? accessModesString(status['accessModes']) : ''}\n`);
  if (spec['volumeMode'] !== undefined && spec['volumeMode'] !== null) d.write(0, `VolumeMode:\t${str(spec['volumeMode'])}\n`);
  const ds = spec['dataSource'];
  if (isObj(ds)) {
    d.write(0, 'DataSource:\n');
    if (ds['apiGroup'] !== undefined && ds['apiGroup'] !== null) d.write(1, `APIGroup:\t${str(ds['apiGroup'])}\n`);
    d.write(1, `Kind:\t${str(ds['kind'])}\n`);
    d.write(1, `Name:\t${str(ds['name'])}\n`);
  }
  const claimName = name(pvc);
  const users = (pods as Obj[])
    .filter((p) => list(obj(p['spec'])['volumes']).some((v) => str(obj(obj(v)['persistentVolumeClaim'])['claimName']) === claimName))
    .map(name).sort(byCodeUnit);
  d.write(0, 'Used By:\t');
  if (users.length === 0) d.line('<none>');
  users.forEach((u, i) => {
    if (i !== 0) d.write(0, '\t');
    d.write(0, `${u}\n`);
  });
  const conditions = list(status['conditions']).map(obj);
  if (conditions.length > 0) {
    d.write(0, 'Conditions:\n');
    d.write(1, 'Type\tStatus\tLastProbeTime\tLastTransitionTime\tReason\tMessage\n');
    d.write(1, '----\t------\t-----------------\t------------------\t------\t-------\n');
    for (const c of conditions) {
      d.write(1, `${str(c['type'])} \t${str(c['status'])} \t${rfc1123z(c['lastProbeTime'])} \t${rfc1123z(c['lastTransitionTime'])} \t${str(c['reason'])} \t${str(c['message'])}\n`);
    }
  }
  if (events) describeEvents(d, events, now);
  return d.toString();
}

function describeStorageClass(sc: Obj, events: readonly object[] | undefined, now: string): string {
  const d = new Describer();
  const m = meta(sc);
  d.write(0, `Name:\t${name(sc)}\n`);
  d.write(0, `IsDefaultClass:\t${isDefaultClass(sc) ? 'Yes' : 'No'}\n`);
  d.write(0, `Annotations:\t${formatLabels(m['annotations'])}\n`);
  d.write(0, `Provisioner:\t${str(sc['provisioner'])}\n`);
  d.write(0, `Parameters:\t${formatLabels(sc['parameters'])}\n`);
  const expansion = sc['allowVolumeExpansion'];
  d.write(0, `AllowVolumeExpansion:\t${expansion === true ? 'True' : expansion === false ? 'False' : '<unset>'}\n`);
  const options = list(sc['mountOptions']).map(str);
  if (options.length === 0) d.write(0, 'MountOptions:\t<none>\n');
  else {
    d.write(0, 'MountOptions:\n');
    for (const o of options) d.write(1, `${o}\n`);
  }
  if (sc['reclaimPolicy'] !== undefined && sc['reclaimPolicy'] !== null) d.write(0, `ReclaimPolicy:\t${str(sc['reclaimPolicy'])}\n`);
  if (sc['volumeBindingMode'] !== undefined && sc['volumeBindingMode'] !== null) d.write(0, `VolumeBindingMode:\t${str(sc['volumeBindingMode'])}\n`);
  if (sc['allowedTopologies'] !== undefined && sc['allowedTopologies'] !== null) {
    const terms = list(sc['allowedTopologies']);
    d.write(0, 'AllowedTopologies:\t');
    if (terms.length === 0) d.line('<none>');
    else {
      d.line('');
      terms.forEach((term, i) => {
        d.write(1, `Term ${i}:\t`);
        const reqs = list(obj(term)['matchLabelExpressions']).map(obj);
        if (reqs.length === 0) {
          d.line('<none>');
          return;
        }
        reqs.forEach((r, j) => {
          if (j !== 0) d.write(1, '\t');
          const values = list(r['values']).map(str);
          d.write(0, `${str(r['key'])} in${values.length > 0 ? ` [${values.join(', ')}]` : ''}\n`);
        });
      });
    }
  }
  if (events) describeEvents(d, events, now);
  return d.toString();
}

// ---------------------------------------------------------------------------------------------
// describe: pods and pod templates (describePod, DescribePodTemplate, describeContainers,
// describeVolumes)

/** Go's `%q` of a Go string (a subPath in a mount line). */
function goQuoted(s: string): string {
  return JSON.stringify(s).replace(/\\u([0-9a-f]{4})/g, (m, hex: string) => (parseInt(hex, 16) < 0x20 || parseInt(hex, 16) === 0x7f ? `\\x${hex.slice(2)}` : m));
}

/** resource.Quantity.String() of a manifest value: the canonical form when it parses. */
function quantityText(v: unknown): string {
  try {
    return formatQuantity(parseQuantity(str(v)));
  } catch {
    return str(v);
  }
}

const controllerOf = (o: Obj): Obj | undefined => list(meta(o)['ownerReferences']).map(obj).find((r) => r['controller'] === true);

/** The downward-API values describe can resolve from the pod itself (EnvValueRetriever). */
function fieldRefValue(pod: Obj | undefined, fieldPath: string): string {
  if (!pod) return '';
  const m = meta(pod);
  switch (fieldPath) {
    case 'metadata.name': return str(m['name']);
    case 'metadata.namespace': return str(m['namespace']);
    case 'metadata.uid': return str(m['uid']);
    case 'spec.nodeName': return str(obj(pod['spec'])['nodeName']);
    case 'spec.serviceAccountName': return str(obj(pod['spec'])['serviceAccountName']);
    case 'status.podIP': return str(obj(pod['status'])['podIP']);
    case 'status.hostIP': return str(obj(pod['status'])['hostIP']);
    default: {
      const label = /^metadata\.labels\['(.*)'\]$/.exec(fieldPath);
      if (label) return str(obj(m['labels'])[label[1]!]);
      const annotation = /^metadata\.annotations\['(.*)'\]$/.exec(fieldPath);
      if (annotation) return str(obj(m['annotations'])[annotation[1]!]);
      return '';
    }
  }
}

function describeContainerState(d: Describer, title: string, state: Obj): void {
  const running = state['running'];
  const waiting = state['waiting'];
  const terminated = state['terminated'];
  if (isObj(running)) {
    d.write(2, `${title}:\tRunning\n`);
    d.write(3, `Started:\t${rfc1123z(running['startedAt'])}\n`);
  } else if (isObj(waiting)) {
    d.write(2, `${title}:\tWaiting\n`);
    if (str(waiting['reason']) !== '') d.write(3, `Reason:\t${str(waiting['reason'])}\n`);
  } else if (isObj(terminated)) {
    d.write(2, `${title}:\tTerminated\n`);
    if (str(terminated['reason']) !== '') d.write(3, `Reason:\t${str(terminated['reason'])}\n`);
    if (str(terminated['message']) !== '') d.write(3, `Message:\t${str(terminated['message'])}\n`);
    d.write(3, `Exit Code:\t${num(terminated['exitCode'])}\n`);
    if (num(terminated['signal']) > 0) d.write(3, `Signal:\t${num(terminated['signal'])}\n`);
    d.write(3, `Started:\t${rfc1123z(terminated['startedAt'])}\n`);
    d.write(3, `Finished:\t${rfc1123z(terminated['finishedAt'])}\n`);
  } else {
    d.write(2, `${title}:\tWaiting\n`);
  }
}

function describeResources(d: Describer, resources: Obj, level: number): void {
  for (const [title, key] of [['Limits', 'limits'], ['Requests', 'requests']] as const) {
    const rl = obj(resources[key]);
    const names = Object.keys(rl).sort(byCodeUnit);
    if (names.length > 0) d.write(level, `${title}:\n`);
    for (const n of names) d.write(level + 1, `${n}:\t${quantityText(rl[n])}\n`);
  }
}

function portsText(ports: Obj[], field: 'containerPort' | 'hostPort'): string {
  return ports.map((p) => {
    const text = `${num(p[field])}/${str(p['protocol'])}`;
    return str(p['name']) !== '' ? `${text} (${str(p['name'])})` : text;
  }).join(', ');
}

/** describeContainers: `space` is '' for a pod, '  ' inside a pod template. */
function describeContainers(d: Describer, label: string, containers: Obj[], statuses: Obj[] | undefined, pod: Obj | undefined, space: string): void {
  const byName = new Map((statuses ?? []).map((st) => [str(st['name']), st]));
  d.write(0, `${space}${label}:${containers.length === 0 ? ' <none>' : ''}\n`);
  for (const c of containers) {
    const status = byName.get(str(c['name']));
    d.write(1, `${space ? ' ' : ''}${str(c['name'])}:\n`);
    if (status) d.write(2, `Container ID:\t${str(status['containerID'])}\n`);
    d.write(2, `Image:\t${str(c['image'])}\n`);
    if (status) d.write(2, `Image ID:\t${str(status['imageID'])}\n`);
    const ports = list(c['ports']).map(obj);
    const portString = portsText(ports, 'containerPort');
    d.write(2, portString.includes(',') ? `Ports:\t${portString}\n` : `Port:\t${portString || '<none>'}\n`);
    const hostPortString = portsText(ports, 'hostPort');
    d.write(2, hostPortString.includes(',') ? `Host Ports:\t${hostPortString}\n` : `Host Port:\t${hostPortString || '<none>'}\n`);
    for (const [title, key] of [['Command', 'command'], ['Args', 'args']] as const) {
      const items = list(c[key]).map(str);
      if (items.length === 0) continue;
      d.write(2, `${title}:\n`);
      for (const item of items) for (const line of item.split('\n')) d.write(3, `${line}\n`);
    }
    if (status) {
      describeContainerState(d, 'State', obj(status['state']));
      if (isObj(obj(status['lastState'])['terminated'])) describeContainerState(d, 'Last State', obj(status['lastState']));
      d.write(2, `Ready:\t${status['ready'] === true ? 'True' : 'False'}\n`);
      d.write(2, `Restart Count:\t${num(status['restartCount'])}\n`);
    }
    describeResources(d, obj(c['resources']), 2);
    const envFrom = list(c['envFrom']).map(obj);
    if (envFrom.length > 0) {
      d.write(2, 'Environment Variables from:\n');
      for (const e of envFrom) {
        const ref = isObj(e['configMapRef']) ? e['configMapRef'] : isObj(e['secretRef']) ? e['secretRef'] : {};
        const from = isObj(e['configMapRef']) ? 'ConfigMap' : isObj(e['secretRef']) ? 'Secret' : '';
        const optional = ref['optional'] === true;
        const prefix = str(e['prefix']);
        d.write(3, prefix === '' ? `${str(ref['name'])}\t${from}\tOptional: ${optional}\n` : `${str(ref['name'])}\t${from} with prefix '${prefix}'\tOptional: ${optional}\n`);
      }
    }
    const env = list(c['env']).map(obj);
    d.write(2, `Environment:${env.length === 0 ? '\t<none>' : ''}\n`);
    for (const e of env) {
      const from = obj(e['valueFrom']);
      if (!isObj(e['valueFrom'])) {
        str(e['value']).split('\n').forEach((line, i) => d.write(3, i === 0 ? `${str(e['name'])}:\t${line}\n` : `\t${line}\n`));
      } else if (isObj(from['fieldRef'])) {
        const ref = from['fieldRef'];
        d.write(3, `${str(e['name'])}:\t${fieldRefValue(pod, str(ref['fieldPath']))} (${str(ref['apiVersion']) || 'v1'}:${str(ref['fieldPath'])})\n`);
      } else if (isObj(from['resourceFieldRef'])) {
        d.write(3, `${str(e['name'])}:\t (${str(from['resourceFieldRef']['resource'])})\n`);
      } else if (isObj(from['secretKeyRef'])) {
        const ref = from['secretKeyRef'];
        d.write(3, `${str(e['name'])}:\t<set to the key '${str(ref['key'])}' in secret '${str(ref['name'])}'>\tOptional: ${ref['optional'] === true}\n`);
      } else if (isObj(from['configMapKeyRef'])) {
        const ref = from['configMapKeyRef'];
        d.write(3, `${str(e['name'])}:\t<set to the key '${str(ref['key'])}' of config map '${str(ref['name'])}'>\tOptional: ${ref['optional'] === true}\n`);
      }
    }
    const mounts = list(c['volumeMounts']).map(obj).sort((a, b) => byCodeUnit(str(a['mountPath']), str(b['mountPath'])));
    d.write(2, `Mounts:${mounts.length === 0 ? '\t<none>' : ''}\n`);
    for (const m of mounts) {
      const flags = [m['readOnly'] === true ? 'ro' : 'rw'];
      if (str(m['subPath']) !== '') flags.push(`path=${goQuoted(str(m['subPath']))}`);
      d.write(3, `${str(m['mountPath'])} from ${str(m['name'])} (${flags.join(',')})\n`);
    }
    const devices = list(c['volumeDevices']).map(obj).sort((a, b) => byCodeUnit(str(a['devicePath']), str(b['devicePath'])));
    if (devices.length > 0) {
      d.write(2, `Devices:${mounts.length === 0 ? '\t<none>' : ''}\n`);
      for (const dev of devices) d.write(3, `${str(dev['devicePath'])} from ${str(dev['name'])}\n`);
    }
  }
}

/** describeVolumes: each pod volume by source type, as kubectl words it. */
function describeVolumes(d: Describer, volumes: Obj[], space: string): void {
  if (volumes.length === 0) {
    d.write(0, `${space}Volumes:\t<none>\n`);
    return;
  }
  d.write(0, `${space}Volumes:\n`);
  const field = (lines: string[]): void => d.write(2, lines.join('\n    ') + '\n');
  for (const v of volumes) {
    d.write(1, `${space ? ' ' : ''}${str(v['name'])}:\n`);
    const src = (k: string): Obj | undefined => (isObj(v[k]) ? v[k] : undefined);
    let s: Obj | undefined;
    if ((s = src('hostPath'))) {
      field(['Type:\tHostPath (bare host directory volume)', `Path:\t${str(s['path'])}`, `HostPathType:\t${s['type'] === undefined || s['type'] === null ? '<none>' : str(s['type'])}`]);
    } else if ((s = src('emptyDir'))) {
      const limit = s['sizeLimit'];
      const q = present(limit) ? quantityText(limit) : '';
      const positive = q !== '' && !q.startsWith('-') && q !== '0';
      field(['Type:\tEmptyDir (a temporary directory that shares a pod\'s lifetime)', `Medium:\t${str(s['medium'])}`, `SizeLimit:\t${positive ? q : '<unset>'}`]);
    } else if ((s = src('secret'))) {
      field(['Type:\tSecret (a volume populated by a Secret)', `SecretName:\t${str(s['secretName'])}`, `Optional:\t${s['optional'] === true}`]);
    } else if ((s = src('configMap'))) {
      field(['Type:\tConfigMap (a volume populated by a ConfigMap)', `Name:\t${str(s['name'])}`, `Optional:\t${s['optional'] === true}`]);
    } else if ((s = src('persistentVolumeClaim'))) {
      field(['Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same namespace)', `ClaimName:\t${str(s['claimName'])}`, `ReadOnly:\t${goBool(s['readOnly'])}`]);
    } else if ((s = src('ephemeral'))) {
      d.write(2, 'Type:\tEphemeralVolume (an inline specification for a volume that gets created and deleted with the pod)\n');
      const template = s['volumeClaimTemplate'];
      if (isObj(template)) describeClaimTemplateNested(d, template);
    } else if ((s = src('downwardAPI'))) {
      d.write(2, 'Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n');
      for (const item of list(s['items']).map(obj)) {
        if (isObj(item['fieldRef'])) d.write(3, `${str(item['fieldRef']['fieldPath'])} -> ${str(item['path'])}\n`);
        if (isObj(item['resourceFieldRef'])) d.write(3, `${str(item['resourceFieldRef']['resource'])} -> ${str(item['path'])}\n`);
      }
    } else if ((s = src('projected'))) {
      d.write(2, 'Type:\tProjected (a volume that contains injected data from multiple sources)\n');
      for (const source of list(s['sources']).map(obj)) {
        if (isObj(source['secret'])) field([`SecretName:\t${str(source['secret']['name'])}`, `Optional:\t${source['secret']['optional'] === true}`]);
        else if (isObj(source['downwardAPI'])) d.write(2, 'DownwardAPI:\ttrue\n');
        else if (isObj(source['configMap'])) field([`ConfigMapName:\t${str(source['configMap']['name'])}`, `Optional:\t${source['configMap']['optional'] === true}`]);
        else if (isObj(source['serviceAccountToken'])) d.write(2, `TokenExpirationSeconds:\t${num(source['serviceAccountToken']['expirationSeconds'])}\n`);
      }
    } else if ((s = src('csi'))) {
      // printCSIVolumeSource: the inline variant has no VolumeHandle.
      field(['Type:\tCSI (a Container Storage Interface (CSI) volume source)', `Driver:\t${str(s['driver'])}`, `FSType:\t${str(s['fsType'])}`, `ReadOnly:\t${goBool(s['readOnly'])}`]);
      printVolumeAttributes(d, obj(s['volumeAttributes']));
    } else {
      printVolumeSource(d, v);
    }
  }
}

/** printPersistentVolumeClaim(nested by two levels, isFullPVC=false), kubectl's indenting quirks included. */
function describeClaimTemplateNested(d: Describer, template: Obj): void {
  const tm = obj(template['metadata']);
  const spec = obj(template['spec']);
  const nested = (text: string): void => d.write(2, text);
  nested(`StorageClass:\t${ANN_BETA_STORAGE_CLASS in obj(tm['annotations']) ? str(obj(tm['annotations'])[ANN_BETA_STORAGE_CLASS]) : str(spec['storageClassName'])}\n`);
  nested(`Volume:\t${str(spec['volumeName'])}\n`);
  for (const [title, map] of [['Labels', tm['labels']], ['Annotations', tm['annotations']]] as const) {
    const m = obj(map);
    const keys = Object.keys(m).filter((k) => k !== LAST_APPLIED).sort(byCodeUnit);
    // The nested writer indents even WriteLine's "<none>".
    if (keys.length === 0) {
      nested(`${title}:\t`);
      d.write(2, '<none>\n');
      continue;
    }
    keys.forEach((k, i) => nested(i === 0 ? `${title}:\t${k}=${str(m[k])}\n` : `\t${k}=${str(m[k])}\n`));
  }
  nested('Capacity:\t\n');
  nested('Access Modes:\t\n');
  if (present(spec['volumeMode'])) nested(`VolumeMode:\t${str(spec['volumeMode'])}\n`);
}

function printVolumeAttributes(d: Describer, attrs: Obj): void {
  const keys = Object.keys(attrs).sort(byCodeUnit);
  d.write(2, 'VolumeAttributes:\t');
  if (keys.length === 0) d.line('<none>');
  keys.forEach((k, i) => {
    if (i !== 0) {
      d.write(2, '');
      d.write(2, '\t');
    }
    const text = `${k}=${str(attrs[k])}`;
    d.write(2, (text.length > MAX_ANNOTATION_LEN ? text.slice(0, MAX_ANNOTATION_LEN) + '...' : text) + '\n');
  });
}

function printTolerations(d: Describer, title: string, tolerations: Obj[]): void {
  d.write(0, `${title}:\t`);
  if (tolerations.length === 0) {
    d.line('<none>');
    return;
  }
  [...tolerations].sort((a, b) => byCodeUnit(str(a['key']), str(b['key']))).forEach((t, i) => {
    if (i !== 0) d.write(0, '\t');
    let text = str(t['key']);
    if (str(t['value']) !== '') text += `=${str(t['value'])}`;
    if (str(t['effect']) !== '') text += `:${str(t['effect'])}`;
    if (t['operator'] === 'Exists' && str(t['value']) === '') text += str(t['key']) !== '' || str(t['effect']) !== '' ? ' op=Exists' : 'op=Exists';
    if (typeof t['tolerationSeconds'] === 'number') text += ` for ${t['tolerationSeconds']}s`;
    d.write(0, `${text}\n`);
  });
}

function describePod(pod: Obj, events: readonly object[] | undefined, now: string): string {
  const d = new Describer();
  const m = meta(pod);
  const spec = obj(pod['spec']);
  const status = obj(pod['status']);
  d.write(0, `Name:\t${name(pod)}\n`);
  d.write(0, `Namespace:\t${str(m['namespace'])}\n`);
  if (typeof spec['priority'] === 'number') d.write(0, `Priority:\t${spec['priority']}\n`);
  if (str(spec['priorityClassName']) !== '') d.write(0, `Priority Class Name:\t${str(spec['priorityClassName'])}\n`);
  if (str(spec['runtimeClassName']) !== '') d.write(0, `Runtime Class Name:\t${str(spec['runtimeClassName'])}\n`);
  if (str(spec['serviceAccountName']) !== '') d.write(0, `Service Account:\t${str(spec['serviceAccountName'])}\n`);
  d.write(0, `Node:\t${str(spec['nodeName']) === '' ? '<none>' : `${str(spec['nodeName'])}/${str(status['hostIP'])}`}\n`);
  if (present(status['startTime'])) d.write(0, `Start Time:\t${rfc1123z(status['startTime'])}\n`);
  printLabelsMultiline(d, 'Labels', m['labels']);
  printAnnotationsMultiline(d, 'Annotations', m['annotations']);
  const phase = str(status['phase']);
  if (terminating(pod) && phase !== 'Failed' && phase !== 'Succeeded') {
    d.write(0, `Status:\tTerminating (lasts ${age(m['deletionTimestamp'], now)})\n`);
    d.write(0, `Termination Grace Period:\t${num(m['deletionGracePeriodSeconds'], num(spec['terminationGracePeriodSeconds'], 30))}s\n`);
  } else {
    d.write(0, `Status:\t${phase}\n`);
  }
  if (str(status['reason']) !== '') d.write(0, `Reason:\t${str(status['reason'])}\n`);
  if (str(status['message']) !== '') d.write(0, `Message:\t${str(status['message'])}\n`);
  d.write(0, `IP:\t${str(status['podIP'])}\n`);
  const ips = list(status['podIPs']).map(obj);
  if (ips.length === 0) d.write(0, 'IPs:\t<none>\n');
  else {
    d.write(0, 'IPs:\n');
    for (const ip of ips) d.write(1, `IP:\t${str(ip['ip'])}\n`);
  }
  const controller = controllerOf(pod);
  if (controller) d.write(0, `Controlled By:\t${str(controller['kind'])}/${str(controller['name'])}\n`);
  if (str(status['nominatedNodeName']) !== '') d.write(0, `NominatedNodeName:\t${str(status['nominatedNodeName'])}\n`);
  const initContainers = list(spec['initContainers']).map(obj);
  if (initContainers.length > 0) describeContainers(d, 'Init Containers', initContainers, list(status['initContainerStatuses']).map(obj), pod, '');
  describeContainers(d, 'Containers', list(spec['containers']).map(obj), list(status['containerStatuses']).map(obj), pod, '');
  const conditions = list(status['conditions']).map(obj);
  const gates = list(spec['readinessGates']).map(obj);
  if (gates.length > 0) {
    d.write(0, 'Readiness Gates:\n  Type\tStatus\n');
    for (const g of gates) {
      const c = conditions.find((x) => x['type'] === g['conditionType']);
      d.write(1, `${str(g['conditionType'])} \t${c ? str(c['status']) : '<none>'} \n`);
    }
  }
  if (conditions.length > 0) {
    d.write(0, 'Conditions:\n  Type\tStatus\n');
    for (const c of conditions) d.write(1, `${str(c['type'])} \t${str(c['status'])} \n`);
  }
  describeVolumes(d, list(spec['volumes']).map(obj), '');
  d.write(0, `QoS Class:\t${str(status['qosClass']) || podQOSClass(spec)}\n`);
  printLabelsMultiline(d, 'Node-Selectors', spec['nodeSelector']);
  printTolerations(d, 'Tolerations', list(spec['tolerations']).map(obj));
  if (events) describeEvents(d, events, now);
  return d.toString();
}

/** DescribePodTemplate, as Deployments and StatefulSets show their template. */
function describePodTemplate(d: Describer, template: Obj): void {
  const tm = obj(template['metadata']);
  const spec = obj(template['spec']);
  d.write(0, 'Pod Template:\n');
  printLabelsMultiline(d, '  Labels', tm['labels']);
  if (Object.keys(obj(tm['annotations'])).length > 0) printAnnotationsMultiline(d, '  Annotations', tm['annotations']);
  if (str(spec['serviceAccountName']) !== '') d.write(1, `Service Account:\t${str(spec['serviceAccountName'])}\n`);
  const initContainers = list(spec['initContainers']).map(obj);
  if (initContainers.length > 0) describeContainers(d, 'Init Containers', initContainers, undefined, undefined, '  ');
  describeContainers(d, 'Containers', list(spec['containers']).map(obj), undefined, undefined, '  ');
  describeVolumes(d, list(spec['volumes']).map(obj), '  ');
  if (str(spec['priorityClassName']) !== '') d.write(1, `Priority Class Name:\t${str(spec['priorityClassName'])}\n`);
  printLabelsMultiline(d, '  Node-Selectors', spec['nodeSelector']);
  printTolerations(d, '  Tolerations', list(spec['tolerations']).map(obj));
}

/** intstr.IntOrString.String(). */
const intOrString = (v: unknown): string => (typeof v === 'number' ? String(v) : str(v));

function describeDeployment(dep: Obj, events: readonly object[] | undefined, now: string): string {
  const d = new Describer();
  const m = meta(dep);
  const spec = obj(dep['spec']);
  const status = obj(dep['status']);
  d.write(0, `Name:\t${name(dep)}\n`);
  d.write(0, `Namespace:\t${str(m['namespace'])}\n`);
  d.write(0, `CreationTimestamp:\t${rfc1123z(m['creationTimestamp'])}\n`);
  printLabelsMultiline(d, 'Labels', m['labels']);
  printAnnotationsMultiline(d, 'Annotations', m['annotations']);
  d.write(0, `Selector:\t${selectorString(spec['selector'])}\n`);
  d.write(0, `Replicas:\t${num(spec['replicas'], 1)} desired | ${num(status['updatedReplicas'])} updated | ${num(status['replicas'])} total | ${num(status['availableReplicas'])} available | ${num(status['unavailableReplicas'])} unavailable\n`);
  const strategy = obj(spec['strategy']);
  d.write(0, `StrategyType:\t${str(strategy['type'])}\n`);
  d.write(0, `MinReadySeconds:\t${num(spec['minReadySeconds'])}\n`);
  if (isObj(strategy['rollingUpdate'])) {
    const ru = strategy['rollingUpdate'];
    d.write(0, `RollingUpdateStrategy:\t${intOrString(ru['maxUnavailable'])} max unavailable, ${intOrString(ru['maxSurge'])} max surge\n`);
  }
  describePodTemplate(d, obj(spec['template']));
  const conditions = list(status['conditions']).map(obj);
  if (conditions.length > 0) {
    d.write(0, 'Conditions:\n  Type\tStatus\tReason\n');
    d.write(1, '----\t------\t------\n');
    for (const c of conditions) d.write(1, `${str(c['type'])} \t${str(c['status'])}\t${str(c['reason'])}\n`);
  }
  if (events) describeEvents(d, events, now);
  return d.toString();
}

/** getPodStatusForController: the pods this object controls, by phase. */
function podsStatus(owner: Obj, pods: readonly object[]): string {
  const counts = { Running: 0, Pending: 0, Succeeded: 0, Failed: 0 };
  const uid = str(meta(owner)['uid']);
  for (const p of pods as Obj[]) {
    const ref = controllerOf(p);
    if (!ref) continue;
    const mine = uid !== '' ? str(ref['uid']) === uid : ref['kind'] === owner['kind'] && ref['name'] === name(owner);
    if (!mine || str(meta(p)['namespace']) !== str(meta(owner)['namespace'])) continue;
    const phase = str(obj(p['status'])['phase']);
    if (phase in counts) counts[phase as keyof typeof counts]++;
  }
  return `${counts.Running} Running / ${counts.Pending} Waiting / ${counts.Succeeded} Succeeded / ${counts.Failed} Failed`;
}

function describeStatefulSet(sts: Obj, events: readonly object[] | undefined, now: string, pods: readonly object[]): string {
  const d = new Describer();
  const m = meta(sts);
  const spec = obj(sts['spec']);
  d.write(0, `Name:\t${name(sts)}\n`);
  d.write(0, `Namespace:\t${str(m['namespace'])}\n`);
  d.write(0, `CreationTimestamp:\t${rfc1123z(m['creationTimestamp'])}\n`);
  d.write(0, `Selector:\t${selectorString(spec['selector'])}\n`);
  printLabelsMultiline(d, 'Labels', m['labels']);
  printAnnotationsMultiline(d, 'Annotations', m['annotations']);
  d.write(0, `Replicas:\t${num(spec['replicas'], 1)} desired | ${num(obj(sts['status'])['replicas'])} total\n`);
  const strategy = obj(spec['updateStrategy']);
  d.write(0, `Update Strategy:\t${str(strategy['type'])}\n`);
  const ru = strategy['rollingUpdate'];
  if (isObj(ru) && typeof ru['partition'] === 'number') {
    d.write(1, `Partition:\t${ru['partition']}\n`);
    if (present(ru['maxUnavailable'])) d.write(1, `MaxUnavailable:\t${intOrString(ru['maxUnavailable'])}\n`);
  }
  d.write(0, `Pods Status:\t${podsStatus(sts, pods)}\n`);
  describePodTemplate(d, obj(spec['template']));
  const templates = list(spec['volumeClaimTemplates']).map(obj);
  if (templates.length === 0) d.write(0, 'Volume Claims:\t<none>\n');
  else {
    d.write(0, 'Volume Claims:\n');
    for (const t of templates) {
      const tm = obj(t['metadata']);
      const tspec = obj(t['spec']);
      d.write(1, `Name:\t${str(tm['name'])}\n`);
      d.write(1, `StorageClass:\t${claimClass(t)}\n`);
      printLabelsMultiline(d, '  Labels', tm['labels']);
      printLabelsMultiline(d, '  Annotations', tm['annotations']);
      const requests = obj(obj(tspec['resources'])['requests']);
      d.write(1, `Capacity:\t${'storage' in requests ? quantityText(requests['storage']) : '<default>'}\n`);
      d.write(1, `Access Modes:\t${goList(list(tspec['accessModes']))}\n`);
    }
  }
  if (events) describeEvents(d, events, now);
  return d.toString();
}

// ---------------------------------------------------------------------------------------------
// describe: nodes, config, and the generic describer (VolumeAttachment and pvsim's own kinds)

function describeNode(node: Obj, events: readonly object[] | undefined, now: string): string {
  const d = new Describer();
  const m = meta(node);
  const spec = obj(node['spec']);
  const status = obj(node['status']);
  d.write(0, `Name:\t${name(node)}\n`);
  d.write(0, `Roles:\t${nodeRoles(node).join(',') || '<none>'}\n`);
  printLabelsMultiline(d, 'Labels', m['labels']);
  printAnnotationsMultiline(d, 'Annotations', m['annotations']);
  d.write(0, `CreationTimestamp:\t${rfc1123z(m['creationTimestamp'])}\n`);
  const taints = list(spec['taints']).map(obj)
    .sort((a, b) => byCodeUnit(`${str(a['effect'])},${str(a['key'])}`, `${str(b['effect'])},${str(b['key'])}`));
  d.write(0, 'Taints:\t');
  if (taints.length === 0) d.line('<none>');
  taints.forEach((t, i) => {
    if (i !== 0) d.write(0, '\t');
    // Taint.ToString: key[=value]:effect
    d.write(0, `${str(t['key'])}${str(t['value']) !== '' ? `=${str(t['value'])}` : ''}${str(t['effect']) !== '' ? `:${str(t['effect'])}` : ''}\n`);
  });
  d.write(0, `Unschedulable:\t${spec['unschedulable'] === true}\n`);
  const conditions = list(status['conditions']).map(obj);
  if (conditions.length > 0) {
    d.write(0, 'Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n');
    d.write(1, '----\t------\t-----------------\t------------------\t------\t-------\n');
    for (const c of conditions) {
      d.write(1, `${str(c['type'])} \t${str(c['status'])} \t${rfc1123z(c['lastHeartbeatTime'])} \t${rfc1123z(c['lastTransitionTime'])} \t${str(c['reason'])} \t${str(c['message'])}\n`);
    }
  }
  d.write(0, 'Addresses:\n');
  for (const a of list(status['addresses']).map(obj)) d.write(1, `${str(a['type'])}:\t${str(a['address'])}\n`);
  for (const [title, key] of [['Capacity', 'capacity'], ['Allocatable', 'allocatable']] as const) {
    const rl = obj(status[key]);
    const names = Object.keys(rl).sort(byCodeUnit);
    if (names.length === 0) continue;
    d.write(0, `${title}:\n`);
    for (const n of names) d.write(0, `  ${n}:\t${quantityText(rl[n])}\n`);
  }
  const info = obj(status['nodeInfo']);
  d.write(0, 'System Info:\n');
  for (const [title, key] of [
    ['Machine ID', 'machineID'], ['System UUID', 'systemUUID'], ['Boot ID', 'bootID'], ['Kernel Version', 'kernelVersion'],
    ['OS Image', 'osImage'], ['Operating System', 'operatingSystem'], ['Architecture', 'architecture'],
    ['Container Runtime Version', 'containerRuntimeVersion'], ['Kubelet Version', 'kubeletVersion'],
  ]) d.write(0, `  ${title}:\t${str(info[key!])}\n`);
  if (str(spec['podCIDR']) !== '') d.write(0, `PodCIDR:\t${str(spec['podCIDR'])}\n`);
  if (list(spec['podCIDRs']).length > 0) d.write(0, `PodCIDRs:\t${list(spec['podCIDRs']).map(str).join(',')}\n`);
  if (str(spec['providerID']) !== '') d.write(0, `ProviderID:\t${str(spec['providerID'])}\n`);
  // pvsim addition: the storage facts of NodeStatus, which kubectl shows only in `get -o yaml`.
  const inUse = list(status['volumesInUse']).map(str).sort(byCodeUnit);
  d.write(0, 'Volumes In Use:\t');
  if (inUse.length === 0) d.line('<none>');
  inUse.forEach((v, i) => d.write(0, i === 0 ? `${v}\n` : `\t${v}\n`));
  const attached = list(status['volumesAttached']).map(obj).sort((a, b) => byCodeUnit(str(a['name']), str(b['name'])))
    .map((a) => (str(a['devicePath']) !== '' ? `${str(a['name'])} (${str(a['devicePath'])})` : str(a['name'])));
  d.write(0, 'Attached Volumes:\t');
  if (attached.length === 0) d.line('<none>');
  attached.forEach((v, i) => d.write(0, i === 0 ? `${v}\n` : `\t${v}\n`));
  if (events) describeEvents(d, events, now);
  return d.toString();
}

function describeConfigMap(cm: Obj, events: readonly object[] | undefined, now: string): string {
  const d = new Describer();
  const m = meta(cm);
  d.write(0, `Name:\t${name(cm)}\n`);
  d.write(0, `Namespace:\t${str(m['namespace'])}\n`);
  printLabelsMultiline(d, 'Labels', m['labels']);
  printAnnotationsMultiline(d, 'Annotations', m['annotations']);
  d.write(0, '\nData\n====\n');
  const data = obj(cm['data']);
  for (const k of Object.keys(data).sort(byCodeUnit)) {
    d.write(0, `${k}:\n----\n`);
    d.write(0, `${str(data[k])}\n`);
    d.write(0, '\n');
  }
  d.write(0, '\nBinaryData\n====\n');
  const binary = obj(cm['binaryData']);
  for (const k of Object.keys(binary).sort(byCodeUnit)) d.write(0, `${k}: ${Buffer.from(str(binary[k]), 'base64').length} bytes\n`);
  d.write(0, '\n');
  if (events) describeEvents(d, events, now);
  return d.toString();
}

/** describeSecret: values are never shown, only their decoded sizes (and no events). */
function describeSecret(secret: Obj): string {
  const d = new Describer();
  const m = meta(secret);
  d.write(0, `Name:\t${name(secret)}\n`);
  d.write(0, `Namespace:\t${str(m['namespace'])}\n`);
  printLabelsMultiline(d, 'Labels', m['labels']);
  printAnnotationsMultiline(d, 'Annotations', m['annotations']);
  d.write(0, `\nType:\t${str(secret['type'])}\n`);
  d.write(0, '\nData\n====\n');
  const data: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const [k, v] of Object.entries(obj(secret['data']))) data[k] = Buffer.from(str(v), 'base64').length;
  for (const [k, v] of Object.entries(obj(secret['stringData']))) data[k] = Buffer.byteLength(str(v));
  for (const k of Object.keys(data).sort(byCodeUnit)) {
    if (k === 'token' && secret['type'] === 'kubernetes.io/service-account-token') d.write(0, `${k}:\t${Buffer.from(str(obj(secret['data'])[k]), 'base64').toString('utf8')}\n`);
    else d.write(0, `${k}:\t${data[k]} bytes\n`);
  }
  return d.toString();
}

/**
 * fatih/camelcase.Split: runs of lower case, upper case, digits and other characters, with the last
 * upper-case letter of a run moved to a following lower-case run (`PDName` → PD, Name).
 */
function camelSplit(s: string): string[] {
  const kind = (ch: string): number => (/[a-z]/.test(ch) ? 1 : /[A-Z]/.test(ch) ? 2 : /[0-9]/.test(ch) ? 3 : 4);
  const runs: string[][] = [];
  let last = 0;
  for (const ch of s) {
    const k = kind(ch);
    if (k === last && runs.length > 0) runs[runs.length - 1]!.push(ch);
    else runs.push([ch]);
    last = k;
  }
  for (let i = 0; i < runs.length - 1; i++) {
    if (kind(runs[i]![0]!) === 2 && kind(runs[i + 1]![0]!) === 1) {
      runs[i + 1] = [runs[i]!.pop()!, ...runs[i + 1]!];
    }
  }
  return runs.filter((r) => r.length > 0).map((r) => r.join(''));
}

/** smartLabelFor: `persistentVolumeName` → `Persistent Volume Name`, `apiVersion` → `API Version`. */
function smartLabelFor(field: string): string {
  if (/[^A-Za-z-]/.test(field)) return field;
  const parts = camelSplit(field);
  const merged: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const next = parts[i + 1];
    if (next !== undefined && part.length >= 2 && part === part.toUpperCase() && /^[A-Z]/.test(next)) {
      merged.push(part + next);
      i++;
      continue;
    }
    merged.push(part);
  }
  return merged.filter((p) => p !== '_').map((p) => {
    if (['API', 'URL', 'UID', 'GUID'].includes(p.toUpperCase())) return p.toUpperCase();
    if (p.toLowerCase() === p) return p.charAt(0).toUpperCase() + p.slice(1);
    return p;
  }).join(' ');
}

/** Go's `%v` of a decoded JSON scalar. */
function goValueText(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  return String(v);
}

function printUnstructuredContent(d: Describer, level: number, content: Obj, skipPrefix: string, skip: readonly string[]): void {
  for (const field of Object.keys(content).sort(byCodeUnit)) {
    const value = content[field];
    const skipExpr = `${skipPrefix}.${field}`;
    if (skip.includes(skipExpr)) continue;
    if (isObj(value)) {
      d.write(level, `${smartLabelFor(field)}:\n`);
      printUnstructuredContent(d, level + 1, value, skipExpr, skip);
    } else if (Array.isArray(value)) {
      d.write(level, `${smartLabelFor(field)}:\n`);
      for (const item of value) {
        if (isObj(item)) printUnstructuredContent(d, level + 1, item, skipExpr, skip);
        else d.write(level + 1, `${goValueText(item)}\n`);
      }
    } else {
      d.write(level, `${smartLabelFor(field)}:\t${goValueText(value)}\n`);
    }
  }
}

/** kubectl's genericDescriber, used for kinds without a describer of their own (VolumeAttachment). */
function describeGeneric(o: Obj, events: readonly object[] | undefined, now: string): string {
  const d = new Describer();
  const m = meta(o);
  d.write(0, `Name:\t${name(o)}\n`);
  d.write(0, `Namespace:\t${str(m['namespace'])}\n`);
  printLabelsMultiline(d, 'Labels', m['labels']);
  printAnnotationsMultiline(d, 'Annotations', m['annotations']);
  printUnstructuredContent(d, 0, o, '', ['.metadata.managedFields', '.metadata.name', '.metadata.namespace', '.metadata.labels', '.metadata.annotations']);
  if (events) describeEvents(d, events, now);
  return d.toString();
}

/**
 * `kubectl describe <kind> <name>`. `events` are the events whose involvedObject is this object
 * (kubectl searches them by uid/name); none gives `Events: <none>`, and `showEvents: false` leaves
 * the section out like `--show-events=false`.
 */
export function describe(kind: string, object: object, events: readonly object[] | undefined, now: string, options: DescribeOptions = {}): string {
  const type = typeFor(kind);
  const shown = options.showEvents === false ? undefined : events ?? [];
  switch (type.kind) {
    case 'PersistentVolume':
      return describePersistentVolume(object as Obj, shown, now);
    case 'PersistentVolumeClaim':
      return describePersistentVolumeClaim(object as Obj, shown, now, options.pods ?? []);
    case 'StorageClass':
      return describeStorageClass(object as Obj, shown, now);
    case 'Pod':
      return describePod(object as Obj, shown, now);
    case 'Node':
      return describeNode(object as Obj, shown, now);
    case 'Deployment':
      return describeDeployment(object as Obj, shown, now);
    case 'StatefulSet':
      return describeStatefulSet(object as Obj, shown, now, options.pods ?? []);
    case 'ConfigMap':
      return describeConfigMap(object as Obj, shown, now);
    case 'Secret':
      return describeSecret(object as Obj);
    case 'VolumeAttachment':
    case 'VolumeSnapshotClass':
    case 'VolumeSnapshot':
    case 'VolumeSnapshotContent':
    case 'ReplicaSet':
    case 'ControllerRevision':
    case 'CSIDriver':
    case 'CSINode':
    case 'CSIVolume':
    case 'Filesystem':
      return describeGeneric(object as Obj, shown, now);
    default:
      throw new ManifestError('UnknownKind', `error: describe is not supported for ${type.plural} in pvsim`, { file: '' });
  }
}
