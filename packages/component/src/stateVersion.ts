/**
 * Design: a component's memory with a change counter, so the world's fingerprint re-serialises
 * only the components whose memory changed since it last looked (issue 6 item 6/11: the
 * fingerprint's cost per step). A component that opts in exposes a `StateVersion` as
 * `Controller.stateVersion` and holds its memory in `TrackedMap`s and `TrackedSet`s made with it:
 * their writes (set, add, delete, clear) bump the counter themselves, so a collection cannot be
 * changed without it. What is not a collection — a scalar field, a record mutated in place —
 * calls `touch()` where it changes. A counter that does not move when the memory did would make
 * the fingerprint stale: services/world/test/fingerprint.test.ts compares the incremental
 * fingerprint with one computed from scratch after every step of explored runs.
 *
 * Over-counting is harmless (a write of an equal value, a delete of nothing is not counted but
 * a set of the same value is): the world then serialises once more and finds the same text.
 */

/** A monotonic counter of changes to one component's memory. */
export class StateVersion {
  /**
   * Changes to any StateVersion's memory in this process so far: while it stands still, no
   * component's memory changed, and the world need not ask each of them (a fingerprint after
   * every step asked all 61 components of a 40-node cluster, most steps for nothing).
   */
  static get changes(): number { return changes; }
  private n = 0;
  get value(): number { return this.n; }
  touch(): void {
    this.n++;
    changes++;
  }
}

let changes = 0;

/** A Map whose writes bump `version`. */
export class TrackedMap<K, V> extends Map<K, V> {
  constructor(private readonly version: StateVersion) {
    super();
  }

  override set(key: K, value: V): this {
    // Called by Map's own constructor before `version` is set: nothing to count then.
    this.version?.touch();
    return super.set(key, value);
  }

  override delete(key: K): boolean {
    const deleted = super.delete(key);
    if (deleted) this.version.touch();
    return deleted;
  }

  override clear(): void {
    if (this.size > 0) this.version.touch();
    super.clear();
  }
}

/** A Set whose writes bump `version`. */
export class TrackedSet<T> extends Set<T> {
  constructor(private readonly version: StateVersion) {
    super();
  }

  override add(value: T): this {
    if (this.version !== undefined && !super.has(value)) this.version.touch();
    return super.add(value);
  }

  override delete(value: T): boolean {
    const deleted = super.delete(value);
    if (deleted) this.version.touch();
    return deleted;
  }

  override clear(): void {
    if (this.size > 0) this.version.touch();
    super.clear();
  }
}
