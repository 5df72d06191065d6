/**
 * Design: server-side apply and field ownership (metadata.managedFields), as pure functions of
 * (live object, request, manager) — the part of sigs.k8s.io/structured-merge-diff pvsim needs.
 *
 * A field set is the set of paths an object sets: `.spec.capacity.storage`, an item of a keyed
 * list `.spec.containers[name="app"]` and its fields, a member of a set-like list
 * `.metadata.finalizers[="x"]`; a list without a merge key is atomic (one leaf). Which lists are
 * keyed is the strategic merge patch's table (patch.ts MERGE_KEYS), the same schema knowledge.
 *
 * - An apply (PATCH application/apply-patch+yaml) by manager M with configuration A: every leaf
 *   of A that another manager owns and whose value A would change is a conflict (409, the API
 *   server's message) unless `force`, which takes the field over. Fields M applied before and
 *   left out now are removed from the object when no one else owns them. A is merged into the
 *   live object (keyed lists by key); M's Apply entry owns exactly A's fields.
 * - Any other write by manager M (create, update, patch): the fields it changed become M's
 *   (an Update entry), and no longer anyone else's.
 * Field sets are written as FieldsV1 (`f:spec`, `k:{"name":"app"}`, `v:"x"`, `.`), as kubectl
 * shows them with --show-managed-fields. Status is not applied through the main resource.
 */
import { MERGE_KEYS, MERGED_SCALAR_LISTS, strategicMergePatch } from './patch.ts';
import { StatusError } from './status.ts';
import type { Obj } from './types.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonMap = { [k: string]: Json };
const isMap = (v: unknown): v is JsonMap => typeof v === 'object' && v !== null && !Array.isArray(v);

type Segment = { field: string } | { key: JsonMap } | { value: Json };
interface FieldPath { segments: Segment[]; leaf: boolean }
/** Paths by their printed form (`.spec.containers[name="app"].image`). */
export type FieldSet = Map<string, FieldPath>;

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonMap;
  subresource?: string;
}

/** Metadata the server owns: never part of anyone's field set. */
const SERVER_METADATA = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'managedFields', 'selfLink']);

function segmentText(s: Segment): string {
  if ('field' in s) return `.${s.field}`;
  if ('key' in s) return `[${Object.keys(s.key).sort().map((k) => `${k}=${JSON.stringify(s.key[k])}`).join(',')}]`;
  return `[=${JSON.stringify(s.value)}]`;
}

export function pathText(segments: Segment[]): string {
  return segments.map(segmentText).join('');
}

/** The fields an object sets (apiVersion, kind, server metadata and status left out). */
export function fieldSet(o: object): FieldSet {
  const out: FieldSet = new Map();
  const add = (segments: Segment[], leaf: boolean): void => { out.set(pathText(segments), { segments, leaf }); };
  const walk = (v: Json, at: Segment[], name: string): void => {
    if (isMap(v) && Object.keys(v).length > 0) {
      for (const [k, x] of Object.entries(v)) walk(x, [...at, { field: k }], k);
      return;
    }
    if (Array.isArray(v) && v.length > 0) {
      const key = MERGE_KEYS[name];
      if (key && v.every((x) => isMap(x) && x[key] !== undefined)) {
        for (const item of v as JsonMap[]) {
          const here = [...at, { key: { [key]: item[key]! } }];
          add(here, false);
          for (const [k, x] of Object.entries(item)) walk(x, [...here, { field: k }], k);
        }
        return;
      }
      if (MERGED_SCALAR_LISTS.has(name)) {
        for (const x of v) add([...at, { value: x }], true);
        return;
      }
    }
    add(at, true);
  };
  for (const [k, v] of Object.entries(o as JsonMap)) {
    if (k === 'apiVersion' || k === 'kind' || k === 'status') continue;
    if (k === 'metadata' && isMap(v)) {
      for (const [mk, mv] of Object.entries(v)) if (!SERVER_METADATA.has(mk)) walk(mv, [{ field: 'metadata' }, { field: mk }], mk);
      continue;
    }
    walk(v as Json, [{ field: k }], k);
  }
  return out;
}

const MISSING = Symbol('missing');

function valueAt(o: Json, segments: Segment[]): Json | typeof MISSING {
  let cur: Json = o;
  for (const s of segments) {
    if ('field' in s) {
      if (!isMap(cur) || !Object.hasOwn(cur, s.field)) return MISSING;
      cur = cur[s.field]!;
    } else if ('key' in s) {
      if (!Array.isArray(cur)) return MISSING;
      const [k, want] = Object.entries(s.key)[0]!;
      const item = cur.find((x) => isMap(x) && JSON.stringify(x[k]) === JSON.stringify(want));
      if (item === undefined) return MISSING;
      cur = item;
    } else {
      if (!Array.isArray(cur) || !cur.some((x) => JSON.stringify(x) === JSON.stringify(s.value))) return MISSING;
      cur = s.value;
    }
  }
  return cur;
}

function removeAt(o: Json, segments: Segment[]): void {
  const parent = segments.length > 1 ? valueAt(o, segments.slice(0, -1)) : o;
  const last = segments[segments.length - 1]!;
  if (parent === MISSING) return;
  if ('field' in last) { if (isMap(parent)) delete parent[last.field]; return; }
  if (!Array.isArray(parent)) return;
  const at = 'key' in last
    ? parent.findIndex((x) => isMap(x) && JSON.stringify(x[Object.keys(last.key)[0]!]) === JSON.stringify(Object.values(last.key)[0]))
    : parent.findIndex((x) => JSON.stringify(x) === JSON.stringify(last.value));
  if (at >= 0) parent.splice(at, 1);
}

/** Removes maps and lists left empty by a removal, from the leaves up (as apply prunes). */
function pruneEmpty(o: Json, segments: Segment[]): void {
  for (let n = segments.length - 1; n >= 1; n--) {
    const v = valueAt(o, segments.slice(0, n));
    if (v === MISSING) continue;
    if ((isMap(v) && Object.keys(v).length === 0) || (Array.isArray(v) && v.length === 0)) removeAt(o, segments.slice(0, n));
    else break;
  }
}

/** FieldsV1 JSON of a field set. */
export function toFieldsV1(set: FieldSet): JsonMap {
  const root: JsonMap = {};
  for (const { segments, leaf } of set.values()) {
    let node = root;
    for (const s of segments) {
      const k = 'field' in s ? `f:${s.field}` : 'key' in s ? `k:${JSON.stringify(Object.fromEntries(Object.keys(s.key).sort().map((x) => [x, s.key[x]])))}` : `v:${JSON.stringify(s.value)}`;
      node[k] ??= {};
      node = node[k] as JsonMap;
    }
    if (!leaf) node['.'] = {};
  }
  return root;
}

/** The field set FieldsV1 JSON describes. */
export function fromFieldsV1(fields: JsonMap | undefined): FieldSet {
  const out: FieldSet = new Map();
  const walk = (node: JsonMap, at: Segment[]): void => {
    const children = Object.keys(node).filter((k) => k !== '.');
    if (at.length > 0 && (children.length === 0 || Object.hasOwn(node, '.'))) out.set(pathText(at), { segments: at, leaf: children.length === 0 });
    for (const k of children) {
      const rest = k.slice(2);
      let s: Segment;
      try {
        s = k.startsWith('f:') ? { field: rest } : k.startsWith('k:') ? { key: JSON.parse(rest) as JsonMap } : { value: JSON.parse(rest) as Json };
      } catch { continue; }
      walk(isMap(node[k]) ? node[k] as JsonMap : {}, [...at, s]);
    }
  };
  walk(fields ?? {}, []);
  return out;
}

function entriesOf(o: Obj | undefined): ManagedFieldsEntry[] {
  const m = o?.metadata['managedFields'];
  return Array.isArray(m) ? structuredClone(m) as ManagedFieldsEntry[] : [];
}

function sameValue(a: Json | typeof MISSING, b: Json | typeof MISSING): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The manager as the API server names it in conflicts: `"kubectl-patch" using v1` for an Update. */
function printManager(e: ManagedFieldsEntry): string {
  const name = `${JSON.stringify(e.manager)}${e.subresource ? ` with subresource ${JSON.stringify(e.subresource)}` : ''}`;
  return e.operation === 'Update' ? `${name} using ${e.apiVersion}` : name;
}

/** apimachinery's NewConflictError: the message and one cause per conflicting field. */
function conflictError(conflicts: { entry: ManagedFieldsEntry; path: string }[], target: { name: string; group: string; plural: string }): StatusError {
  let message: string;
  if (conflicts.length === 1) {
    message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0]!.entry)}: ${conflicts[0]!.path}`;
  } else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const m = printManager(c.entry);
      byManager.set(m, [...(byManager.get(m) ?? []), c.path]);
    }
    const lines: string[] = [];
    for (const m of [...byManager.keys()].sort()) lines.push(`conflicts with ${m}:`, ...byManager.get(m)!.map((p) => `- ${p}`));
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`;
  }
  return new StatusError(409, 'Conflict', message, {
    name: target.name, group: target.group, kind: target.plural,
    causes: conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.entry)}`, field: c.path })),
  });
}

const keep = (e: ManagedFieldsEntry): boolean => Object.keys(e.fieldsV1).length > 0;

export interface ApplyRequest {
  /** The applied configuration (already parsed). */
  applied: Obj;
  manager: string;
  force: boolean;
  /** Simulated time of the write (the entry's `time`). */
  now: string;
  target: { name: string; group: string; plural: string };
}

/**
 * Server-side apply of `applied` by `manager` onto `live` (undefined: the apply creates). Returns
 * the object to store, managedFields included; throws the 409 Conflict the API server sends.
 */
export function serverSideApply(live: Obj | undefined, r: ApplyRequest): Obj {
  const applied = structuredClone(r.applied) as Obj;
  delete applied['status'];
  const mine = fieldSet(applied);
  const entries = entriesOf(live);
  const base = (live ? structuredClone(live) : { apiVersion: applied.apiVersion, kind: applied.kind, metadata: { name: applied.metadata.name, ...(applied.metadata.namespace !== undefined ? { namespace: applied.metadata.namespace } : {}) } }) as Obj;
  const isMine = (e: ManagedFieldsEntry): boolean => e.manager === r.manager && e.operation === 'Apply' && !e.subresource;
  const conflicts: { entry: ManagedFieldsEntry; path: string }[] = [];
  const others = entries.filter((e) => !isMine(e)).map((entry) => ({ entry, set: fromFieldsV1(entry.fieldsV1) }));
  for (const [text, p] of mine) {
    if (!p.leaf) continue;
    if (sameValue(valueAt(applied as unknown as Json, p.segments), valueAt(base as unknown as Json, p.segments))) continue;
    for (const o of others) if (o.set.has(text) && o.set.get(text)!.leaf) conflicts.push({ entry: o.entry, path: text });
  }
  // structured-merge-diff reports them in path order.
  conflicts.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (conflicts.length > 0 && !r.force) throw conflictError(conflicts, r.target);
  // Forced: the fields change hands.
  for (const o of others) for (const c of conflicts) if (c.entry === o.entry) o.set.delete(c.path);
  // Fields this manager applied before and leaves out now go, unless someone else owns them.
  const before = fromFieldsV1(entries.find(isMine)?.fieldsV1);
  const object = base as unknown as Json;
  const dropped = [...before.values()].filter((p) => !mine.has(pathText(p.segments)) && !others.some((o) => o.set.has(pathText(p.segments))));
  // Deepest first, so an item goes after its fields.
  dropped.sort((a, b) => b.segments.length - a.segments.length);
  for (const p of dropped) { removeAt(object, p.segments); pruneEmpty(object, p.segments); }
  const { metadata: appliedMeta, ...appliedRest } = applied;
  const merged = strategicMergePatch(object, { ...appliedRest, metadata: { ...appliedMeta, managedFields: null } } as unknown as Json) as unknown as Obj;
  const next: ManagedFieldsEntry[] = [];
  for (const e of entries) {
    if (isMine(e)) continue;
    const o = others.find((x) => x.entry === e)!;
    next.push({ ...e, fieldsV1: toFieldsV1(o.set) });
  }
  const own: ManagedFieldsEntry = { manager: r.manager, operation: 'Apply', apiVersion: applied.apiVersion.includes('/') ? applied.apiVersion : applied.apiVersion, time: r.now, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(mine) };
  const at = entries.findIndex(isMine);
  const all = next.filter(keep);
  if (at >= 0) all.splice(Math.min(at, all.length), 0, own); else all.push(own);
  merged.metadata = { ...merged.metadata, managedFields: all.filter(keep) };
  // An apply that changes nothing is a no-op, its entry's time included (as the API server does).
  const previous = entries.find(isMine);
  if (live && previous && canonical({ ...merged, metadata: { ...merged.metadata, managedFields: all.map((e) => (e === own ? { ...own, time: previous.time } : e)) } }) === canonical(live)) return live;
  return merged;
}

/** JSON with map keys sorted: equal objects, equal text, whatever their key order. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isMap(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v);
}

/**
 * Ownership after any other write by `manager` (create, update, patch): the fields that changed
 * are the manager's (its Update entry) and no one else's. Managed fields the request itself set
 * to something new are taken as given (kubectl's client-side to server-side apply migration
 * rewrites them with a JSON patch).
 */
export function trackUpdate(live: Obj | undefined, next: Obj, manager: string, now: string, subresource?: string): Obj {
  const given = next.metadata['managedFields'];
  const liveEntries = entriesOf(live);
  if (Array.isArray(given) && JSON.stringify(given) !== JSON.stringify(liveEntries)) return next;
  const was = fieldSet(live ?? { metadata: {} });
  const now_ = fieldSet(next);
  const changed = new Set<string>();
  for (const [text, p] of now_) if (p.leaf && !sameValue(valueAt(next as unknown as Json, p.segments), live ? valueAt(live as unknown as Json, p.segments) : MISSING)) changed.add(text);
  for (const [text, p] of now_) if (!p.leaf && !was.has(text)) changed.add(text);
  const gone = [...was.keys()].filter((t) => !now_.has(t));
  const entries: ManagedFieldsEntry[] = [];
  let mine: FieldSet | undefined;
  let mineAt = -1;
  for (const e of liveEntries) {
    const set = fromFieldsV1(e.fieldsV1);
    if (e.manager === manager && e.operation === 'Update' && (e.subresource ?? '') === (subresource ?? '')) { mine = set; mineAt = entries.length; continue; }
    for (const t of [...changed, ...gone]) set.delete(t);
    entries.push({ ...e, fieldsV1: toFieldsV1(set) });
  }
  mine ??= new Map();
  for (const t of gone) mine.delete(t);
  for (const t of changed) mine.set(t, now_.get(t)!);
  const kept = entries.filter(keep);
  if (mine.size > 0) {
    const own: ManagedFieldsEntry = { manager, operation: 'Update', apiVersion: next.apiVersion, time: now, fieldsType: 'FieldsV1', fieldsV1: toFieldsV1(mine), ...(subresource ? { subresource } : {}) };
    if (mineAt >= 0) kept.splice(Math.min(mineAt, kept.length), 0, own); else kept.push(own);
  }
  const out = { ...next, metadata: { ...next.metadata } };
  if (kept.length > 0) out.metadata['managedFields'] = kept; else delete out.metadata['managedFields'];
  return out;
}

/** The field manager of a request: `?fieldManager=`, else the user agent's name (as the API server does). */
export function managerOf(query: URLSearchParams, userAgent: string | undefined): string {
  const given = query.get('fieldManager');
  if (given) return given;
  const agent = (userAgent ?? '').split('/')[0]!.trim();
  return agent === '' ? 'unknown' : agent;
}
