/**
 * Design: the three patch types of PATCH requests, as pure functions of (live object, patch):
 * JSON patch (RFC 6902), JSON merge patch (RFC 7386) and strategic merge patch — a merge patch
 * whose lists of objects merge by their Kubernetes patchMergeKey (containers by name, volume
 * mounts by mountPath, …) and whose `$patch`, `$setElementOrder/…`, `$retainKeys` and
 * `$deleteFromPrimitiveList/…` directives mean what apimachinery's strategicpatch gives them.
 * The merge keys are those of the fields of the kinds pvsim serves (k8s.io/api types.go
 * `patchStrategy:"merge" patchMergeKey:…`); any other list is replaced whole, as for a type
 * without a strategy. A patch that cannot be applied is a BadRequest, nothing changes.
 */
import { StatusError } from './status.ts';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonMap = { [k: string]: Json };
const isMap = (v: unknown): v is JsonMap => typeof v === 'object' && v !== null && !Array.isArray(v);

const bad = (message: string): StatusError => new StatusError(400, 'BadRequest', message);

export const PATCH_TYPES = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
} as const;

/** RFC 7386: null removes, maps merge, anything else replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isMap(patch)) return structuredClone(patch);
  const out: JsonMap = isMap(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else Object.defineProperty(out, k, { value: mergePatch(Object.hasOwn(out, k) ? out[k]! : null, v), enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** patchMergeKey of the list fields that merge (by the field's name; the kinds pvsim serves). */
export const MERGE_KEYS: Record<string, string> = {
  containers: 'name', initContainers: 'name', ephemeralContainers: 'name', volumes: 'name', env: 'name',
  volumeMounts: 'mountPath', volumeDevices: 'devicePath', ports: 'containerPort', imagePullSecrets: 'name',
  ownerReferences: 'uid', conditions: 'type', taints: 'key', topologySpreadConstraints: 'topologyKey',
  hostAliases: 'ip', resourceClaims: 'name', addresses: 'type',
};
/** Lists of scalars with patchStrategy merge. */
export const MERGED_SCALAR_LISTS = new Set(['finalizers']);

export function strategicMergePatch(target: Json, patch: Json): Json {
  if (!isMap(patch)) return structuredClone(patch);
  if (patch['$patch'] === 'replace') {
    const copy = { ...patch };
    delete copy['$patch'];
    return stripDirectives(copy);
  }
  if (patch['$patch'] === 'delete') return null;
  const out: JsonMap = isMap(target) ? { ...target } : {};
  const retain = Array.isArray(patch['$retainKeys']) ? new Set(patch['$retainKeys'] as string[]) : undefined;
  for (const [k, v] of Object.entries(patch)) {
    if (k === '$patch' || k === '$retainKeys' || k.startsWith('$setElementOrder/')) continue;
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const drop = new Set((Array.isArray(v) ? v : []).map((x) => JSON.stringify(x)));
      if (Array.isArray(out[field])) out[field] = (out[field] as Json[]).filter((x) => !drop.has(JSON.stringify(x)));
      continue;
    }
    if (v === null) { delete out[k]; continue; }
    const live = Object.hasOwn(out, k) ? out[k]! : null;
    let next: Json;
    if (Array.isArray(v) && MERGE_KEYS[k] && v.every(isMap)) next = mergeList(Array.isArray(live) ? live : [], v as JsonMap[], MERGE_KEYS[k]!);
    else if (Array.isArray(v) && MERGED_SCALAR_LISTS.has(k)) next = [...(Array.isArray(live) ? live : []), ...v.filter((x) => !(Array.isArray(live) ? live : []).some((y) => JSON.stringify(y) === JSON.stringify(x)))];
    else if (isMap(v)) next = strategicMergePatch(live, v);
    else next = structuredClone(v);
    Object.defineProperty(out, k, { value: next, enumerable: true, writable: true, configurable: true });
  }
  if (retain) for (const k of Object.keys(out)) if (!retain.has(k)) delete out[k];
  return out;
}

function mergeList(live: Json[], patch: JsonMap[], key: string): Json[] {
  const out = live.map((x) => structuredClone(x));
  for (const item of patch) {
    const at = out.findIndex((x) => isMap(x) && JSON.stringify(x[key]) === JSON.stringify(item[key]));
    if (item['$patch'] === 'delete') { if (at >= 0) out.splice(at, 1); continue; }
    if (at >= 0) out[at] = strategicMergePatch(out[at]!, item);
    else out.push(stripDirectives(item));
  }
  return out;
}

function stripDirectives(v: Json): Json {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isMap(v)) return v;
  const out: JsonMap = {};
  for (const [k, x] of Object.entries(v)) if (!k.startsWith('$')) Object.defineProperty(out, k, { value: stripDirectives(x), enumerable: true, writable: true, configurable: true });
  return out;
}

/** RFC 6901 pointer into segments. */
function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw bad(`the path "${path}" does not start with /`);
  return path.slice(1).split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parentOf(doc: Json, segs: string[], path: string): { parent: JsonMap | Json[]; last: string } {
  let cur: Json = doc;
  for (const s of segs.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(s)] ?? null;
    else if (isMap(cur) && Object.hasOwn(cur, s)) cur = cur[s]!;
    else throw bad(`doc is missing path: "${path}": missing value`);
  }
  if (!Array.isArray(cur) && !isMap(cur)) throw bad(`doc is missing path: "${path}": missing value`);
  return { parent: cur, last: segs[segs.length - 1]! };
}

function getAt(doc: Json, path: string): Json {
  let cur: Json = doc;
  for (const s of pointer(path)) {
    if (Array.isArray(cur) && /^\d+$/.test(s) && Number(s) < cur.length) cur = cur[Number(s)]!;
    else if (isMap(cur) && Object.hasOwn(cur, s)) cur = cur[s]!;
    else throw bad(`doc is missing path: "${path}": missing value`);
  }
  return cur;
}

function removeAt(doc: Json, path: string): Json {
  const segs = pointer(path);
  const { parent, last } = parentOf(doc, segs, path);
  if (Array.isArray(parent)) {
    const i = Number(last);
    if (!/^\d+$/.test(last) || i >= parent.length) throw bad(`doc is missing path: "${path}": missing value`);
    return parent.splice(i, 1)[0]!;
  }
  if (!Object.hasOwn(parent, last)) throw bad(`doc is missing path: "${path}": missing value`);
  const v = parent[last]!;
  delete parent[last];
  return v;
}

function addAt(doc: Json, path: string, value: Json, replace: boolean): Json {
  const segs = pointer(path);
  if (segs.length === 0) return structuredClone(value);
  const { parent, last } = parentOf(doc, segs, path);
  if (Array.isArray(parent)) {
    const i = last === '-' ? parent.length : Number(last);
    if (!(last === '-' || /^\d+$/.test(last)) || i > parent.length || (replace && i >= parent.length)) throw bad(`doc is missing path: "${path}": missing value`);
    if (replace) parent[i] = structuredClone(value); else parent.splice(i, 0, structuredClone(value));
  } else {
    if (replace && !Object.hasOwn(parent, last)) throw bad(`doc is missing path: "${path}": missing value`);
    Object.defineProperty(parent, last, { value: structuredClone(value), enumerable: true, writable: true, configurable: true });
  }
  return doc;
}

export function jsonPatch(target: Json, ops: Json): Json {
  if (!Array.isArray(ops)) throw bad('json patch must be an array of operations');
  let doc = structuredClone(target);
  for (const raw of ops) {
    if (!isMap(raw) || typeof raw['op'] !== 'string' || typeof raw['path'] !== 'string') throw bad('json patch operation must have "op" and "path"');
    const path = raw['path'];
    switch (raw['op']) {
      case 'add': doc = addAt(doc, path, raw['value'] ?? null, false); break;
      case 'replace': doc = addAt(doc, path, raw['value'] ?? null, true); break;
      case 'remove': removeAt(doc, path); break;
      case 'move': { const v = removeAt(doc, String(raw['from'])); doc = addAt(doc, path, v, false); break; }
      case 'copy': doc = addAt(doc, path, getAt(doc, String(raw['from'])), false); break;
      case 'test':
        if (JSON.stringify(getAt(doc, path)) !== JSON.stringify(raw['value'])) throw new StatusError(422, 'Invalid', `the server rejected our request due to an error in our request: testing value ${path} failed`);
        break;
      default: throw bad(`Unexpected kind: ${raw['op']}`);
    }
  }
  return doc;
}

/** Applies a PATCH body of the given content type to the live object. */
export function applyPatch(live: object, contentType: string, body: string): object {
  const type = contentType.split(';')[0]!.trim();
  let patch: Json;
  try { patch = JSON.parse(body) as Json; } catch (e) { throw bad(`error decoding patch: ${(e as Error).message}`); }
  if (type === PATCH_TYPES.json) return jsonPatch(live as Json, patch) as object;
  if (type === PATCH_TYPES.merge) return mergePatch(live as Json, patch) as object;
  if (type === PATCH_TYPES.strategic) return strategicMergePatch(live as Json, patch) as object;
  throw new StatusError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${PATCH_TYPES.json}, ${PATCH_TYPES.merge}, ${PATCH_TYPES.strategic}`);
}
