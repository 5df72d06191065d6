/**
 * Design: `kubectl apply` semantics without a server-side merge: the last applied configuration
 * is kept in the `kubectl.kubernetes.io/last-applied-configuration` annotation (as kubectl does),
 * and a new configuration is merged three ways — fields the user set are set, fields the user
 * set before and dropped now are removed, fields written by controllers (volumeName, claimRef,
 * their annotations) are kept. Lists are replaced whole (no strategic merge keys needed for
 * the storage kinds).
 */
export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const isMap = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function threeWayMerge(live: Json, last: Json | undefined, next: Json): Json {
  if (!isMap(next) || !isMap(live)) return structuredClone(next);
  const out: Record<string, Json> = { ...live };
  const lastMap = isMap(last) ? last : {};
  // Own keys only, and defined rather than assigned: map keys such as `__proto__` or
  // `constructor` (ConfigMap keys may be either) are data, never Object.prototype's members.
  const own = (m: Record<string, Json>, k: string): Json | undefined => (Object.hasOwn(m, k) ? m[k] : undefined);
  for (const [k, v] of Object.entries(next)) {
    Object.defineProperty(out, k, { value: threeWayMerge(own(live, k) as Json, own(lastMap, k) as Json, v), enumerable: true, writable: true, configurable: true });
  }
  for (const k of Object.keys(lastMap)) {
    if (!Object.hasOwn(next, k)) delete out[k];
  }
  return out;
}

/** The configuration as kubectl records it: the user's object without status. */
export function lastAppliedOf(object: Record<string, unknown>): string {
  const copy = structuredClone(object) as { metadata?: { annotations?: Record<string, string> }; status?: unknown };
  delete copy.status;
  if (copy.metadata?.annotations) {
    delete copy.metadata.annotations[LAST_APPLIED];
    if (Object.keys(copy.metadata.annotations).length === 0) delete copy.metadata.annotations;
  }
  return JSON.stringify(copy);
}
