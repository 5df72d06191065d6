/**
 * Design: one canonical JSON for the whole project (STYLE §2: "one canonical JSON function, not
 * one per module"). Two values that are equal as JSON data give the same text whatever order
 * their object keys were written in, so the text can be compared, hashed or used as a map key.
 * Object keys are sorted by UTF-16 code unit (the default `sort()`, which is also the order Go's
 * encoding/json and kubectl print), members whose value is `undefined` are dropped as
 * `JSON.stringify` drops them, arrays keep their order, and an `undefined` array element or top
 * level value is `null`. Values are plain JSON data: no `toJSON`, Maps or class instances.
 */

type Json = Record<string, unknown>;

const isPlainObject = (v: unknown): v is Json => v !== null && typeof v === 'object' && !Array.isArray(v);

/** Compact JSON with object keys sorted recursively and `undefined` members dropped. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i]);
    return out + ']';
  }
  if (isPlainObject(value)) {
    let out = '{';
    let first = true;
    for (const k of Object.keys(value).sort()) {
      const v = value[k];
      if (v === undefined) continue;
      out += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalJson(v);
      first = false;
    }
    return out + '}';
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * The same value with every object's keys in sorted order and `undefined` members dropped, for
 * printers that indent (`JSON.stringify(sortKeysDeep(v), null, 4)`, YAML) and so need the value,
 * not the text. `JSON.stringify(sortKeysDeep(v)) === canonicalJson(v)` for JSON data, except
 * that a JavaScript object always lists integer-like keys ("0", "10") first, whatever order
 * they were inserted in; canonicalJson does not depend on that.
 */
export function sortKeysDeep<T>(value: T): T {
  if (Array.isArray(value)) return value.map(sortKeysDeep) as T;
  if (isPlainObject(value)) {
    // Null prototype: a key such as `__proto__` (a ConfigMap key may be one) stays an own key.
    const out = Object.create(null) as Json;
    for (const k of Object.keys(value).sort()) {
      const v = value[k];
      if (v !== undefined) out[k] = sortKeysDeep(v);
    }
    return out as T;
  }
  return value;
}

/**
 * Whether two JSON values are equal as JSON (undefined members count as absent; key order does not
 * matter). Stops at the first difference and allocates nothing, so it is cheaper than comparing
 * two `JSON.stringify` texts — the API server asks it on every write (is this update a no-op?).
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let nx = 0;
  for (const k in x) {
    if (!Object.prototype.hasOwnProperty.call(x, k) || x[k] === undefined) continue;
    nx++;
    if (!Object.prototype.hasOwnProperty.call(y, k) || !jsonEqual(x[k], y[k])) return false;
  }
  let ny = 0;
  for (const k in y) if (Object.prototype.hasOwnProperty.call(y, k) && y[k] !== undefined) ny++;
  return nx === ny;
}

/**
 * A deep copy of JSON data (`undefined` members kept, as `structuredClone` keeps them) in which
 * every part that is the very same value (`===`) as the part at the same place in `base` is
 * shared, not copied. `base` is a stored object, which nobody changes in place (stored objects
 * are immutable; writers copy before they change), so sharing its parts is safe, and a write that
 * copied the stored object shallowly and changed one field costs a walk of the changed path only —
 * where a `structuredClone` of the request copied every node of it. Without `base` it is a plain
 * deep copy, several times cheaper than `structuredClone` on small objects.
 */
export function copyShared<T>(value: T, base?: unknown): T {
  if (value === base || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    const b = Array.isArray(base) ? base : undefined;
    const out = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = copyShared(value[i], b?.[i]);
    return out as T;
  }
  const b = isPlainObject(base) ? base : undefined;
  const out: Json = {};
  for (const k of Object.keys(value as Json)) {
    const v = copyShared((value as Json)[k], b?.[k]);
    // A key such as `__proto__` (a ConfigMap key may be one) stays an own key.
    if (k === '__proto__') Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
    else out[k] = v;
  }
  return out as T;
}
