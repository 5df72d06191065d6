/**
 * Design: the safety properties judged on an explored state from its parent's judgement (ADR
 * 0033). A property of the library reads nothing but the stored objects (and the world's fixed
 * configuration: its drivers' capabilities), so it is a function of the objects it reads: a
 * property that held on the parent and read no object of a kind the step wrote reads the same
 * objects on the child, takes the same branches and holds again — it is not run. Which kinds a
 * property read is recorded by the store's access tracker (Footprint.ts names the resources) while
 * it runs, at kind level: a list of a kind reads every object of it, and the library's invariants
 * list. The verdict is firstViolation's, always (test/incrementalSafety.test.ts compares them on
 * random walks); a property that may read beyond the store (a user's driver module, a user's own
 * invariant) is run every time. The explorer judged every property on every new state, an eighth
 * of a state's cost (2026-12-03 session 8).
 */
import type { World } from '@pvsim/world';
import type { Property, Violation } from './properties.ts';

/**
 * Per property (in the properties' order), at a state where it held: the kinds of object it read
 * there; undefined where it must be run again (it did not hold, was not reached, or may read
 * beyond the store).
 */
export type SafetyMemo = readonly (ReadonlySet<string> | undefined)[];

export interface SafetyJudgement { violation: Violation | undefined; memo: SafetyMemo }

/**
 * firstViolation(w, properties), running only the properties `parent`'s judgement cannot vouch
 * for: `parent` is the judgement of the state `w` was reached from by one step that wrote objects
 * of the kinds `written` (undefined: not known, every property is run).
 */
export function judgeSafety(w: World, properties: readonly Property[], parent?: SafetyMemo, written?: ReadonlySet<string>): SafetyJudgement {
  const memo: (ReadonlySet<string> | undefined)[] = [];
  for (let i = 0; i < properties.length; i++) {
    const p = properties[i]!;
    const before = parent?.[i];
    if (before !== undefined && written !== undefined && !meets(before, written)) { memo.push(before); continue; }
    const kinds = p.storeOnly === true ? new Set<string>() : undefined;
    const problems = kinds ? readingKinds(w, kinds, () => p.check(w)) : p.check(w);
    if (problems.length > 0) {
      while (memo.length < properties.length) memo.push(undefined);
      return { violation: { invariant: p.name, kind: p.kind, message: problems[0]! }, memo };
    }
    memo.push(kinds);
  }
  return { violation: undefined, memo };
}

function meets(read: ReadonlySet<string>, written: ReadonlySet<string>): boolean {
  for (const kind of written) if (read.has(kind)) return true;
  return false;
}

/** `f()`, with the kind of every object the store hands out (or lists, or files in an index or a tally) added to `kinds`. */
function readingKinds<T>(w: World, kinds: Set<string>, f: () => T): T {
  const outer = w.store.tracker;
  w.store.tracker = {
    // `o:<Kind>|…` (Footprint.ts): an object, a kind's list, an index's bucket or a tally.
    read: (resource) => { kinds.add(resource.slice(2, resource.indexOf('|', 2))); outer?.read(resource); },
    write: (resource) => outer?.write(resource),
  };
  try { return f(); } finally { w.store.tracker = outer; }
}
