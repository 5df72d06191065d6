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
 */

import { stringify } from 'yaml';
import { ManifestError } from './errors.ts';
import { kindPrefix, resolveResource, resourceTypeForKind, type ResourceType } from './kinds.ts';
import { TabWriter, formatTabbed } from './tabwriter.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
const obj = (v: unknown): Obj => (isObj(v) ? v : {});
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

const BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
const IS_DEFAULT_CLASS = 'storageclass.kubernetes.io/is-default-class';
const BETA_IS_DEFAULT_CLASS = 'storageclass.beta.kubernetes.io/is-default-class';
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
  if (BETA_STORAGE_CLASS in ann) return str(ann[BETA_STORAGE_CLASS]);
  return str(obj(pv['spec'])['storageClassName']);
}

function claimClass(pvc: Obj): string {
  const ann = annotations(pvc);
  if (BETA_STORAGE_CLASS in ann) return str(ann[BETA_STORAGE_CLASS]);
  return str(obj(pvc['spec'])['storageClassName']);
}

function isDefaultClass(sc: Obj): boolean {
  const ann = annotations(sc);
  return ann[IS_DEFAULT_CLASS] === 'true' || ann[BETA_IS_DEFAULT_CLASS] === 'true';
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
      const spec = obj(pod['spec']);
      const status = obj(pod['status']);
      const containers = list(spec['containers']).length;
      const statuses = list(status['containerStatuses']).map(obj);
      const ready = statuses.filter((s) => s['ready'] === true).length;
      const restarts = statuses.reduce((n, s) => n + (typeof s['restartCount'] === 'number' ? s['restartCount'] : 0), 0);
      const phase = terminating(pod) ? 'Terminating' : str(status['reason']) || str(status['phase']);
      return [name(pod), `${ready}/${containers}`, phase, String(restarts), created(pod, now)];
    },
    wideRow(pod) {
      const status = obj(pod['status']);
      return [str(status['podIP']) || '<none>', str(obj(pod['spec'])['nodeName']) || '<none>', str(status['nominatedNodeName']) || '<none>', '<none>'];
    },
  },
  Node: {
    headers: ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'],
    wideHeaders: ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME'],
    row(node, now) {
      const status = obj(node['status']);
      const readyCondition = list(status['conditions']).map(obj).find((c) => c['type'] === 'Ready');
      let state = readyCondition === undefined ? 'Unknown' : readyCondition['status'] === 'True' ? 'Ready' : readyCondition['status'] === 'False' ? 'NotReady' : 'Unknown';
      if (obj(node['spec'])['unschedulable'] === true) state += ',SchedulingDisabled';
      const roles = new Set<string>();
      for (const [k, v] of Object.entries(obj(meta(node)['labels']))) {
        if (k.startsWith('node-role.kubernetes.io/') && k.length > 'node-role.kubernetes.io/'.length) roles.add(k.slice('node-role.kubernetes.io/'.length));
        else if (k === 'kubernetes.io/role' && str(v) !== '') roles.add(str(v));
      }
      const roleText = [...roles].sort(byCodeUnit).join(',') || '<none>';
      return [name(node), state, roleText, created(node, now), str(obj(status['nodeInfo'])['kubeletVersion'])];
    },
    wideRow(node) {
      const status = obj(node['status']);
      const addr = (type: string): string => str(list(status['addresses']).map(obj).find((a) => a['type'] === type)?.['address']) || '<none>';
      const info = obj(status['nodeInfo']);
      return [addr('InternalIP'), addr('ExternalIP'), str(info['osImage']) || '<unknown>', str(info['kernelVersion']) || '<unknown>', str(info['containerRuntimeVersion']) || '<unknown>'];
    },
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

/** Several tables (one per kind) the way `kubectl get pv,pvc` separates them. */
export function printTables(tables: readonly string[]): string {
  return tables.join('\n');
}

// ---------------------------------------------------------------------------------------------
// -o json / -o yaml / -o name

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isObj(value)) {
    const out: Obj = {};
    for (const k of Object.keys(value).sort(byCodeUnit)) {
      if (value[k] !== undefined) out[k] = sortKeys(value[k]);
    }
    return out;
  }
  return value;
}

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
  const text = JSON.stringify(sortKeys(documentFor(objects, options)), null, 4);
  return text.replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029') + '\n';
}

/** `-o yaml`: sorted keys, block sequences at the parent's indentation, strings quoted only when needed. */
export function printYaml(objects: readonly object[], options: DocumentOptions = {}): string {
  return stringify(sortKeys(documentFor(objects, options)), {
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
  /** Pods in the claim's namespace, for the PVC's "Used By" line. */
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
    d.write(1, `${str(e['type'])}\t${str(e['reason'])}\t${interval}\t${source}\t${str(e['message']).trim()}\n`);
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
    const attrs = obj(s['volumeAttributes']);
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
    default:
      throw new ManifestError('UnknownKind', `error: describe is not supported for ${type.plural} in pvsim`, { file: '' });
  }
}
