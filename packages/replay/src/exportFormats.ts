/**
 * Design: a pvsim cluster's history written in the formats a user captures on a real cluster, so
 * the same tools (and `pvsim record import`) read both: a watch stream (`kubectl get … --watch
 * --output-watch-events -o json`: one `{"type","object"}` per change; a DELETED carries the object
 * as it last was), the API server's audit log (audit.k8s.io/v1 events, one JSON line each, at
 * RequestResponse level, with the user the change's component authenticates as) and the events
 * list (`kubectl get events -A -o json`). Pure over annotated records; the API paths come from a
 * resolver the caller supplies (the manifests package knows them).
 */
import type { Annotated } from './causes.ts';
import { auditUserOf, fieldManagerOf } from './users.ts';

export interface ResourceInfo { resource: string; group: string; version: string; namespaced: boolean }
export type ResourceOf = (kind: string) => ResourceInfo | undefined;

type Obj = { kind: string; apiVersion?: string; metadata: { name: string; namespace?: string; resourceVersion?: string } };

interface Change { a: Annotated; verb: 'create' | 'update' | 'delete'; object: Obj; kind: string }

interface ManagedFieldsEntry { manager: string; operation: 'Update'; apiVersion: string; time: string; fieldsType: 'FieldsV1' }

/**
 * The object changes (not events) in log order, a deletion carrying the object as it last was.
 * Each object carries `metadata.managedFields` as a real API server keeps it — one entry per
 * field manager with the time of its last write (RFC 3339, seconds) — which is where a real
 * capture's changes get their times and their authors from (importFormats.ts reads both).
 */
function changes(annotated: readonly Annotated[]): Change[] {
  const last = new Map<string, Obj>();
  const managers = new Map<string, ManagedFieldsEntry[]>();
  const out: Change[] = [];
  for (const a of annotated) {
    const m = /^(.+)(Created|Updated|Deleted)$/.exec(a.record.type);
    if (!m || a.record.stream.startsWith('event/') || !a.record.stream.includes('/')) continue;
    const data = a.record.data as Obj;
    if (m[2] === 'Deleted') {
      const before = last.get(a.record.stream) ?? data;
      last.delete(a.record.stream);
      managers.delete(a.record.stream);
      out.push({ a, verb: 'delete', kind: m[1]!, object: { ...before, metadata: { ...before.metadata, resourceVersion: data.metadata.resourceVersion ?? before.metadata.resourceVersion } } as Obj });
    } else {
      const manager = fieldManagerOf(a.component);
      const entries = (managers.get(a.record.stream) ?? []).filter((e) => e.manager !== manager);
      entries.push({ manager, operation: 'Update', apiVersion: data.apiVersion ?? 'v1', time: `${a.record.time.slice(0, 19)}Z`, fieldsType: 'FieldsV1' });
      managers.set(a.record.stream, entries);
      const object = { ...data, metadata: { ...data.metadata, managedFields: entries } } as Obj;
      last.set(a.record.stream, object);
      out.push({ a, verb: m[2] === 'Created' ? 'create' : 'update', kind: m[1]!, object });
    }
  }
  return out;
}

/** `kubectl get … -A --watch --output-watch-events -o json`: one JSON object per line. */
export function exportWatch(annotated: readonly Annotated[]): string {
  return changes(annotated)
    .map((c) => `${JSON.stringify({ type: c.verb === 'create' ? 'ADDED' : c.verb === 'update' ? 'MODIFIED' : 'DELETED', object: c.object })}\n`)
    .join('');
}

/** audit.k8s.io/v1 events at RequestResponse level, one JSON line each. */
export function exportAudit(annotated: readonly Annotated[], resourceOf: ResourceOf): string {
  return changes(annotated).map((c) => {
    const r = resourceOf(c.kind);
    if (!r) throw new Error(`no API resource for kind ${c.kind}`);
    const ns = r.namespaced ? c.object.metadata.namespace ?? 'default' : undefined;
    const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
    const collection = `${base}${ns ? `/namespaces/${ns}` : ''}/${r.resource}`;
    const requestURI = c.verb === 'create' ? collection : `${collection}/${c.object.metadata.name}`;
    const time = c.a.record.time;
    const event = {
      kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'RequestResponse',
      auditID: `pvsim-${String(c.a.record.pos).padStart(8, '0')}`, stage: 'ResponseComplete',
      requestURI, verb: c.verb,
      user: { username: auditUserOf(c.a.component) },
      objectRef: { resource: r.resource, ...(ns ? { namespace: ns } : {}), name: c.object.metadata.name, ...(r.group ? { apiGroup: r.group } : {}), apiVersion: r.version },
      responseStatus: { metadata: {}, code: c.verb === 'create' ? 201 : 200 },
      ...(c.verb === 'delete' ? {} : { requestObject: c.object }),
      responseObject: c.object,
      requestReceivedTimestamp: time, stageTimestamp: time,
    };
    return `${JSON.stringify(event)}\n`;
  }).join('');
}

/** `kubectl get events -A -o json`: the events as last recorded. */
export function exportEvents(annotated: readonly Annotated[]): string {
  const latest = new Map<string, unknown>();
  for (const a of annotated) if (a.record.type === 'EventRecorded') latest.set(a.record.stream, a.record.data);
  return `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: [...latest.values()], metadata: { resourceVersion: '' } }, null, 4)}\n`;
}
