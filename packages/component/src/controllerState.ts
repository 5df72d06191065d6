/**
 * Design: helpers for `Controller.saveState` / `loadState`. A controller's memory is saved as
 * plain JSON in a deterministic shape — a Set as a sorted array, a Map as an object with sorted
 * keys, objects copied through JSON (no `undefined` members, no shared references) — so equal
 * memories serialise equally and a loaded instance cannot alias the saver's objects. The canonical
 * text of a world (fingerprints) is `canonicalJson` in @pvsim/domain; these only shape the value.
 */

/** A deep copy through JSON: what a snapshot file would give back. */
export function jsonCopy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

/** A string set as a sorted array. */
export function sortedArray(set: Iterable<string>): string[] {
  return [...set].sort();
}

/** A map with string keys as an object with sorted keys, each value through `save`. */
export function sortedRecord<V, S>(map: ReadonlyMap<string, V>, save: (v: V) => S): Record<string, S> {
  const out: Record<string, S> = {};
  for (const k of [...map.keys()].sort()) out[k] = save(map.get(k)!);
  return out;
}

/** The object a `loadState` was given, or a TypeError naming the controller. */
export function stateObject(owner: string, state: unknown): Record<string, unknown> {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) throw new TypeError(`${owner}: saved state is not an object`);
  return state as Record<string, unknown>;
}

/** A field of saved state that must be a string array (absent: empty). */
export function stringArray(owner: string, value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((x) => typeof x !== 'string')) throw new TypeError(`${owner}: saved state has a malformed string list`);
  return value as string[];
}

/** A field of saved state that must be an object (absent: empty). */
export function record(owner: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  return stateObject(owner, value);
}
