/**
 * Design: reading what a user captured on a real cluster (issue 9): a snapshot (`kubectl get …
 * -A -o yaml|json`), a watch stream (`… --watch --output-watch-events -o json`: concatenated
 * `{"type","object"}` values), an events list (`kubectl get events -A -o json`) and the API
 * server's audit log (audit.k8s.io/v1 JSON lines, Request or RequestResponse level). Each file's
 * format is recognised from its content. Every change becomes either an *input* — made by a person
 * or a workload's owner (creates, deletes, spec edits, a node going away) — that pvsim replays
 * through its own controllers, or an *observation* — made by a real controller (an audit user
 * that is a control-plane component, a watch change to status or by a controller's field
 * manager) — that `record compare` holds the model to. Times come from the recording. A bad or
 * truncated file is refused with its name, line and reason (RecordingError), before anything is
 * written. Pure: texts in, a Recording out.
 */
import { LineCounter, parseAllDocuments } from 'yaml';
import { isControllerUser } from './users.ts';

export class RecordingError extends Error {
  readonly code = 'Recording';
  constructor(readonly file: string, readonly line: number, readonly reason: string) {
    super(`error: ${file}:${line}: ${reason}; nothing was imported`);
    this.name = 'UsageError';
  }
}

export type RecObj = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string; [k: string]: unknown }; spec?: Record<string, unknown>; status?: Record<string, unknown>; [k: string]: unknown };

export interface RecordedChange {
  /** RFC 3339 time from the recording. */
  time: string;
  verb: 'create' | 'update' | 'delete' | 'node-down' | 'node-up';
  object: RecObj;
  /** `input`: a person's change pvsim replays; `observation`: a real controller's, compared with the model. */
  role: 'input' | 'observation';
  /** Who made it, when the recording says (audit user, field manager). */
  by?: string;
  /** The object no longer exists after this change (a watch DELETED, a deletion with no finalizers left). */
  gone: boolean;
  file: string;
  line: number;
}

export interface Recording {
  /** The objects of the snapshots: the cluster as it was when the recording started. */
  initial: RecObj[];
  /** Every change, in time order (stable for equal times). */
  changes: RecordedChange[];
  /** Events the real cluster recorded (as last seen). */
  events: RecObj[];
  /** Kinds the recording holds that pvsim does not model (skipped, reported). */
  skippedKinds: string[];
  formats: { file: string; format: 'snapshot' | 'watch' | 'events' | 'audit' }[];
}

/** Kind of an API resource (audit objectRef.resource). */
const KIND_OF_RESOURCE: Record<string, string> = {
  persistentvolumes: 'PersistentVolume', persistentvolumeclaims: 'PersistentVolumeClaim', storageclasses: 'StorageClass',
  pods: 'Pod', nodes: 'Node', volumeattachments: 'VolumeAttachment', deployments: 'Deployment', statefulsets: 'StatefulSet',
  configmaps: 'ConfigMap', secrets: 'Secret', csinodes: 'CSINode', events: 'Event',
};

/** Field managers of control-plane components: their changes are observations. */
const CONTROLLER_MANAGERS = /^(kube-controller-manager|kube-scheduler|kubelet|csi-provisioner|csi-attacher|external-provisioner|external-attacher|csi-resizer|external-resizer|node-controller)/;

/** Event reasons that say a controller deleted the pod (kube-controller-manager's taint manager, the kubelet's eviction). */
const EVICTION_REASONS = new Set(['TaintManagerEviction', 'Evicted', 'Preempted']);

interface Value { value: unknown; line: number }

/** Concatenated JSON values (objects or arrays), each with the line it starts on. */
export function splitJsonValues(file: string, text: string): Value[] {
  const out: Value[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (ch === '\n') { line++; i++; continue; }
    if (ch === ' ' || ch === '\t' || ch === '\r') { i++; continue; }
    if (ch !== '{' && ch !== '[') throw new RecordingError(file, line, `expected a JSON object, found ${JSON.stringify(text.slice(i, i + 20))}`);
    const start = i;
    const startLine = line;
    // A value alone on its line (JSON lines: an audit log) is that line: parsed whole, without
    // scanning it character by character. The scan below finds the same value there (the value
    // ends where its brackets close, then only blanks), and takes every other case.
    const eol = text.indexOf('\n', i);
    const lineEnd = eol < 0 ? text.length : eol;
    const closer = lastNonBlank(text, start, lineEnd);
    if (closer > start && (text[closer] === '}' || text[closer] === ']')) {
      let value: unknown;
      let whole = true;
      try { value = JSON.parse(text.slice(start, closer + 1)); } catch { whole = false; }
      if (whole) {
        out.push({ value, line: startLine });
        i = closer + 1;
        continue;
      }
    }
    let depth = 0;
    let inString = false;
    for (; i < text.length; i++) {
      const c = text[i]!;
      if (c === '\n') line++;
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '{' || c === '[') depth++;
      else if (c === '}' || c === ']') { depth--; if (depth === 0) { i++; break; } }
    }
    if (depth !== 0) throw new RecordingError(file, startLine, 'truncated: the JSON value that starts here never ends (was the capture cut short?)');
    try {
      out.push({ value: JSON.parse(text.slice(start, i)), line: startLine });
    } catch (e) {
      throw new RecordingError(file, startLine, `not valid JSON (${(e as Error).message})`);
    }
  }
  return out;
}

/** The index of the last character of `text[from, to)` that is not a blank (space, tab, CR); `from - 1` when none. */
function lastNonBlank(text: string, from: number, to: number): number {
  let j = to - 1;
  while (j >= from && (text[j] === ' ' || text[j] === '\t' || text[j] === '\r')) j--;
  return j;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkObject(file: string, line: number, v: unknown, what: string): RecObj {
  if (!isObj(v)) throw new RecordingError(file, line, `${what} is not an object`);
  if (typeof v['kind'] !== 'string') throw new RecordingError(file, line, `${what} has no "kind"`);
  const md = v['metadata'];
  if (!isObj(md) || typeof md['name'] !== 'string') throw new RecordingError(file, line, `${what} (${v['kind']}) has no metadata.name`);
  return v as RecObj;
}

const latestTime = (o: RecObj): string | undefined => {
  const times: string[] = [];
  const md = o.metadata as { creationTimestamp?: string; deletionTimestamp?: string; managedFields?: { time?: string }[] };
  if (md.creationTimestamp) times.push(md.creationTimestamp);
  if (md.deletionTimestamp) times.push(md.deletionTimestamp);
  for (const m of md.managedFields ?? []) if (m.time) times.push(m.time);
  return times.sort().pop();
};

const lastManager = (o: RecObj): string | undefined => {
  const fields = (o.metadata as { managedFields?: { manager?: string; time?: string }[] }).managedFields ?? [];
  return [...fields].sort((a, b) => ((a.time ?? '') < (b.time ?? '') ? -1 : 1)).pop()?.manager;
};

const readyOf = (o: RecObj | undefined): string | undefined =>
  ((o?.status?.['conditions'] as { type: string; status: string }[] | undefined) ?? []).find((c) => c.type === 'Ready')?.status;

/** Whether the PV would be deleted by its reclaim policy (the controller's deletion, not a person's). */
const reclaimedByController = (o: RecObj | undefined): boolean =>
  o?.kind === 'PersistentVolume' && o.spec?.['persistentVolumeReclaimPolicy'] === 'Delete' && ['Released', 'Failed'].includes(String(o.status?.['phase']));

/** Objects a controller creates (dynamic PVs, pods of a workload, attachments). */
const createdByController = (o: RecObj): boolean => {
  const md = o.metadata as { annotations?: Record<string, string>; ownerReferences?: unknown[] };
  if (o.kind === 'PersistentVolume' && md.annotations?.['pv.kubernetes.io/provisioned-by']) return true;
  if (o.kind === 'VolumeAttachment' || o.kind === 'Event') return true;
  return (md.ownerReferences?.length ?? 0) > 0;
};

const without = (o: unknown, keys: string[]): string => JSON.stringify(o, (k, v) => (keys.includes(k) ? undefined : v));

function parseWatch(file: string, values: Value[], rec: Recording): void {
  const last = new Map<string, RecObj>();
  let clock = '';
  for (const { value, line } of values) {
    if (!isObj(value) || typeof value['type'] !== 'string' || !('object' in value)) throw new RecordingError(file, line, 'not a watch event: expected {"type": "ADDED|MODIFIED|DELETED", "object": …} (kubectl get --watch --output-watch-events -o json)');
    const type = value['type'];
    if (type === 'BOOKMARK') continue;
    if (type === 'ERROR') throw new RecordingError(file, line, `the watch ended with an error: ${String((value['object'] as { message?: string } | undefined)?.message ?? 'unknown')}`);
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') throw new RecordingError(file, line, `unknown watch event type "${type}" (ADDED, MODIFIED, DELETED)`);
    const object = checkObject(file, line, value['object'], 'the watch event\'s object');
    const key = `${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;
    const before = last.get(key);
    const t = latestTime(object);
    if (t && t > clock) clock = t;
    if (!clock) throw new RecordingError(file, line, 'no time: the object has no creationTimestamp or managedFields time to place the change in time');
    const manager = lastManager(object);
    const byController = manager !== undefined && CONTROLLER_MANAGERS.test(manager);
    let verb: RecordedChange['verb'];
    let role: RecordedChange['role'];
    if (type === 'ADDED') {
      verb = 'create';
      // A node joining is the environment (its kubelet registers it), which pvsim takes as an input.
      role = object.kind !== 'Node' && (createdByController(object) || byController) ? 'observation' : 'input';
      if (before) throw new RecordingError(file, line, `${key} ADDED twice without a DELETED in between`);
    } else if (type === 'DELETED') {
      verb = 'delete';
      const deletionSeen = !!(before?.metadata as { deletionTimestamp?: string } | undefined)?.['deletionTimestamp'];
      role = deletionSeen || reclaimedByController(before ?? object) || createdByController(object) ? 'observation' : 'input';
    } else {
      const startsDeletion = !(before?.metadata as Record<string, unknown> | undefined)?.['deletionTimestamp'] && !!object.metadata['deletionTimestamp'];
      if (startsDeletion) {
        verb = 'delete';
        role = reclaimedByController(before) || createdByController(object) ? 'observation' : 'input';
      } else if (object.kind === 'Node' && readyOf(before) !== readyOf(object) && (readyOf(object) === 'True' || readyOf(before) === 'True')) {
        verb = readyOf(object) === 'True' ? 'node-up' : 'node-down';
        role = 'input';
      } else {
        verb = 'update';
        // The binder sets a claim's volumeName and the scheduler a pod's nodeName: not a person's spec edit.
        const specChanged = before !== undefined && without(before.spec, ['volumeName', 'nodeName']) !== without(object.spec, ['volumeName', 'nodeName']);
        const metaChanged = before !== undefined && without(before.metadata, ['resourceVersion', 'managedFields', 'generation', 'annotations', 'finalizers']) !== without(object.metadata, ['resourceVersion', 'managedFields', 'generation', 'annotations', 'finalizers']);
        role = (specChanged || metaChanged) && !byController && !createdByController(object) && object.kind !== 'PersistentVolume' ? 'input' : 'observation';
      }
    }
    if (type === 'DELETED') last.delete(key); else last.set(key, object);
    rec.changes.push({ time: clock, verb, object, role, ...(manager ? { by: manager } : {}), gone: type === 'DELETED', file, line });
  }
}

/**
 * A JSON merge patch (RFC 7386) applied to `target`: objects merge key by key, `null` removes a
 * key, anything else replaces. kubectl's strategic merge patches are read the same way, which
 * is exact for the maps and scalars a person patches (labels, annotations, a claim's requested
 * size) and replaces a list whole.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return patch;
  const out: Record<string, unknown> = isObj(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$')) continue; // strategic merge patch directives ($patch, $setElementOrder/…)
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

function parseAudit(file: string, values: Value[], rec: Recording): void {
  // The objects as last seen, so a patch logged at Request level (its body is only the patch) can be applied.
  const known = new Map<string, RecObj>();
  const keyOf = (kind: string, ns: unknown, name: unknown) => `${kind}/${typeof ns === 'string' ? ns : ''}/${String(name)}`;
  for (const o of rec.initial) known.set(keyOf(o.kind, o.metadata.namespace, o.metadata.name), o);
  for (const { value, line } of values) {
    if (!isObj(value) || value['apiVersion'] !== 'audit.k8s.io/v1' || value['kind'] !== 'Event') throw new RecordingError(file, line, 'not an audit event: expected apiVersion audit.k8s.io/v1, kind Event (one JSON object per line)');
    if (value['stage'] !== 'ResponseComplete') continue;
    const verb = value['verb'];
    if (verb !== 'create' && verb !== 'update' && verb !== 'patch' && verb !== 'delete') continue;
    const code = (value['responseStatus'] as { code?: number } | undefined)?.code ?? 200;
    if (code >= 300) continue;
    const ref = value['objectRef'];
    if (!isObj(ref) || typeof ref['resource'] !== 'string') throw new RecordingError(file, line, 'audit event has no objectRef.resource');
    const kind = KIND_OF_RESOURCE[ref['resource']];
    if (!kind) { if (!rec.skippedKinds.includes(ref['resource'])) rec.skippedKinds.push(ref['resource']); continue; }
    if (kind === 'Event' || kind === 'CSINode') continue;
    const time = value['stageTimestamp'] ?? value['requestReceivedTimestamp'];
    if (typeof time !== 'string') throw new RecordingError(file, line, 'audit event has no stageTimestamp or requestReceivedTimestamp');
    const user = (value['user'] as { username?: string } | undefined)?.username;
    if (typeof user !== 'string') throw new RecordingError(file, line, 'audit event has no user.username');
    const key = keyOf(kind, ref['namespace'], ref['name']);
    const fromRef = (): RecObj => ({ apiVersion: String(ref['apiGroup'] ? `${ref['apiGroup']}/${ref['apiVersion']}` : ref['apiVersion'] ?? 'v1'), kind, metadata: { name: String(ref['name']), ...(ref['namespace'] ? { namespace: String(ref['namespace']) } : {}) } });
    const response = value['responseObject'];
    const request = value['requestObject'];
    let body = isObj(response) && response['kind'] !== 'Status' ? response : request;
    // At Request level a patch logs only its body: the object is the last one seen with the patch applied.
    if (verb === 'patch' && body === request && isObj(request)) {
      const base = known.get(key);
      if (!base && typeof request['kind'] !== 'string') throw new RecordingError(file, line, `a patch of ${ref['resource']} "${String(ref['name'])}" logged at Request level, but the recording never showed the object before it (add a snapshot taken at the start, or record at RequestResponse level)`);
      body = mergePatch(base ?? fromRef(), request);
    }
    let object: RecObj;
    if (verb === 'delete' || !isObj(body) || body['kind'] === 'Status') {
      if (verb !== 'delete') throw new RecordingError(file, line, `a ${verb} without requestObject or responseObject: record the audit log at Request or RequestResponse level (Metadata level carries no objects)`);
      object = fromRef();
    } else {
      object = checkObject(file, line, body, 'the audit event\'s object');
    }
    const role = isControllerUser(user) ? 'observation' : 'input';
    const md = object.metadata as { deletionTimestamp?: string; finalizers?: string[] };
    const gone = md.deletionTimestamp ? (md.finalizers ?? []).length === 0 : verb === 'delete';
    if (gone) known.delete(key); else known.set(key, object);
    rec.changes.push({ time, verb: verb === 'patch' ? 'update' : verb, object, role, by: user, gone, file, line });
  }
}

/** Reads the recording's files (any mix of the four formats). */
export function parseRecording(files: readonly { name: string; text: string }[]): Recording {
  const rec: Recording = { initial: [], changes: [], events: [], skippedKinds: [], formats: [] };
  for (const { name, text } of files) {
    const trimmed = text.trimStart();
    if (trimmed === '') throw new RecordingError(name, 1, 'empty file');
    let values: Value[];
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      values = splitJsonValues(name, text);
    } else {
      const lineCounter = new LineCounter();
      const docs = parseAllDocuments(text, { lineCounter });
      values = [];
      for (const d of Array.isArray(docs) ? docs : []) {
        if (d.errors.length > 0) throw new RecordingError(name, lineCounter.linePos(d.errors[0]!.pos[0]).line, `not valid YAML (${d.errors[0]!.message.split('\n')[0]})`);
        values.push({ value: d.toJS(), line: lineCounter.linePos(d.range[0]).line });
      }
    }
    if (values.length === 0) throw new RecordingError(name, 1, 'no objects in the file');
    const first = values[0]!.value;
    if (isObj(first) && first['apiVersion'] === 'audit.k8s.io/v1') {
      rec.formats.push({ file: name, format: 'audit' });
      parseAudit(name, values, rec);
    } else if (isObj(first) && typeof first['type'] === 'string' && 'object' in first) {
      rec.formats.push({ file: name, format: 'watch' });
      parseWatch(name, values, rec);
    } else {
      const items: { v: unknown; line: number }[] = [];
      for (const { value, line } of values) {
        if (isObj(value) && value['kind'] === 'List' && Array.isArray(value['items'])) for (const it of value['items']) items.push({ v: it, line });
        else if (value !== null) items.push({ v: value, line });
      }
      const objs = items.map(({ v, line }) => checkObject(name, line, v, 'an item'));
      const events = objs.length > 0 && objs.every((o) => o.kind === 'Event');
      rec.formats.push({ file: name, format: events ? 'events' : 'snapshot' });
      if (events) rec.events.push(...objs);
      else {
        for (const o of objs) {
          if (!Object.values(KIND_OF_RESOURCE).includes(o.kind) || o.kind === 'CSINode' || o.kind === 'Event') { if (!rec.skippedKinds.includes(o.kind)) rec.skippedKinds.push(o.kind); continue; }
          rec.initial.push(o);
        }
      }
    }
  }
  // A pod's deletion that the events say a controller started (the taint manager evicting it
  // from a dead node) is the controller's, though a watch stream cannot tell who deleted it.
  const evicted = new Set(rec.events.filter((e) => EVICTION_REASONS.has(String(e['reason'])))
    .map((e) => { const o = e['involvedObject'] as { kind?: string; namespace?: string; name?: string } | undefined; return `${o?.kind}/${o?.namespace ?? 'default'}/${o?.name}`; }));
  for (const c of rec.changes) {
    if (c.verb === 'delete' && c.role === 'input' && c.object.kind === 'Pod' && evicted.has(`Pod/${c.object.metadata.namespace ?? 'default'}/${c.object.metadata.name}`)) c.role = 'observation';
  }
  rec.changes = rec.changes.map((c, i) => ({ c, i })).sort((a, b) => (a.c.time < b.c.time ? -1 : a.c.time > b.c.time ? 1 : a.i - b.i)).map((x) => x.c);
  return rec;
}
