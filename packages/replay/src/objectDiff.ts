/**
 * Design: what changed between two versions of an object, and between two clusters' objects, as
 * a list of field paths with their old and new values. Paths are dotted (`status.phase`,
 * `spec.claimRef.name`, `metadata.finalizers[0]`), listed in sorted order so the same two inputs
 * always print the same diff. Bookkeeping that changes on every write and says nothing about the
 * storage story (resourceVersion, managedFields, the last-applied annotation) is left out; a
 * cluster diff also ignores identities and timestamps that differ between any two runs (uids,
 * `…Timestamp`, `…Time`), so two forks compare by what their objects mean.
 */

export interface FieldChange {
  path: string;
  /** Absent: the field was added. */
  from?: unknown;
  /** Absent: the field was removed. */
  to?: unknown;
}

const ALWAYS_IGNORED = new Set(['metadata.resourceVersion', 'metadata.managedFields', 'metadata.annotations.kubectl.kubernetes.io/last-applied-configuration', 'metadata.generation']);

/** Field names a cluster diff ignores wherever they appear. */
export const IDENTITY_FIELD = (name: string): boolean => name === 'uid' || name === 'resourceVersion' || /(Timestamp|Time)$/.test(name);

function flatten(value: unknown, path: string, out: Map<string, unknown>, skip: (path: string, name: string) => boolean): void {
  if (Array.isArray(value)) {
    if (value.length === 0) { out.set(path, []); return; }
    value.forEach((v, i) => flatten(v, `${path}[${i}]`, out, skip));
    return;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0) { out.set(path, {}); return; }
    for (const [k, v] of entries) {
      const p = path === '' ? k : `${path}.${k}`;
      if (!skip(p, k)) flatten(v, p, out, skip);
    }
    return;
  }
  out.set(path, value);
}

/** Changed fields from `a` to `b` (either may be undefined: created, deleted). */
export function fieldChanges(a: unknown, b: unknown, opts: { ignoreIdentity?: boolean } = {}): FieldChange[] {
  const skip = (p: string, name: string): boolean => ALWAYS_IGNORED.has(p) || (!!opts.ignoreIdentity && IDENTITY_FIELD(name));
  const fa = new Map<string, unknown>();
  const fb = new Map<string, unknown>();
  if (a !== undefined) flatten(a, '', fa, skip);
  if (b !== undefined) flatten(b, '', fb, skip);
  const paths = [...new Set([...fa.keys(), ...fb.keys()])].sort();
  // An empty `{}`/`[]` that the other side fills is not a change of its own: its fields are.
  const filled = (p: string, other: Map<string, unknown>): boolean => {
    for (const q of other.keys()) if (q.startsWith(`${p}.`) || q.startsWith(`${p}[`)) return true;
    return false;
  };
  const isEmpty = (v: unknown): boolean => v !== null && typeof v === 'object' && Object.keys(v).length === 0;
  const out: FieldChange[] = [];
  for (const p of paths) {
    const inA = fa.has(p);
    const inB = fb.has(p);
    const va = fa.get(p);
    const vb = fb.get(p);
    if (inA && inB && JSON.stringify(va) === JSON.stringify(vb)) continue;
    if ((inA && !inB && isEmpty(va) && filled(p, fb)) || (inB && !inA && isEmpty(vb) && filled(p, fa))) continue;
    out.push({ path: p, ...(inA ? { from: va } : {}), ...(inB ? { to: vb } : {}) });
  }
  return out;
}

const show = (v: unknown): string => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
};

/** One change as text: `status.phase: Available→Bound`, `+spec.claimRef.name=data`, `-metadata.finalizers[0]`. */
export function formatChange(c: FieldChange): string {
  if (!('from' in c)) return `+${c.path}=${show(c.to)}`;
  if (!('to' in c)) return `-${c.path}`;
  return `${c.path}: ${show(c.from)}→${show(c.to)}`;
}

/** The first `max` changes as text, and how many more there are. */
export function summariseChanges(changes: readonly FieldChange[], max = 3): string {
  const shown = changes.slice(0, max).map(formatChange);
  if (changes.length > max) shown.push(`+${changes.length - max} more`);
  return shown.join(', ');
}

export interface ObjectRef { kind: string; namespace?: string; name: string }
type Obj = { kind: string; metadata: { name: string; namespace?: string } };

export interface ClusterDiffEntry {
  ref: ObjectRef;
  /** `only-a`, `only-b`, or `differs` with the field changes from a to b. */
  status: 'only-a' | 'only-b' | 'differs';
  changes: FieldChange[];
}

const refKey = (o: Obj): string => `${o.kind}\u0000${o.metadata.namespace ?? ''}\u0000${o.metadata.name}`;

/** Objects present on one side only, and objects that differ (by meaning: identities and times ignored); sorted by kind, namespace, name. */
export function diffClusters(a: readonly Obj[], b: readonly Obj[]): ClusterDiffEntry[] {
  const ma = new Map(a.map((o) => [refKey(o), o]));
  const mb = new Map(b.map((o) => [refKey(o), o]));
  const keys = [...new Set([...ma.keys(), ...mb.keys()])].sort();
  const out: ClusterDiffEntry[] = [];
  for (const k of keys) {
    const oa = ma.get(k);
    const ob = mb.get(k);
    const o = (oa ?? ob)!;
    const ref: ObjectRef = { kind: o.kind, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}), name: o.metadata.name };
    if (!oa) { out.push({ ref, status: 'only-b', changes: [] }); continue; }
    if (!ob) { out.push({ ref, status: 'only-a', changes: [] }); continue; }
    const changes = fieldChanges(oa, ob, { ignoreIdentity: true });
    if (changes.length > 0) out.push({ ref, status: 'differs', changes });
  }
  return out;
}
