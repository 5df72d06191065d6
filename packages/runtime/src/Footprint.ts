/**
 * Design: what one step of the world touched, for a model checker's partial-order reduction
 * (services/check, ADR 0018). The store, the informer caches, the work queue and the random
 * streams each take an optional `AccessTracker`; unset (every run but an exploration's), a read
 * or write costs one field test. A resource is named `family|key`, and `family|*` stands for
 * every key of the family — a list of a kind reads `o:Pod|*`, so it meets any write of one pod:
 *   o:<Kind>|<key>             an object in the API server (and in the informers, when they do not lag)
 *   o:<Kind>|#<index>=<value>  the objects an index files under a value: who is in the bucket and what
 *                              they hold (read by an index lookup; written by every write of an object
 *                              filed there before or after it, so a lookup by one node's pods does not
 *                              meet a write of another node's pod, as a list of every pod would)
 *   o:<Kind>|$<tally>=<value>  a running total (a tally) under a value, and every object it adds up
 *   c:<process>:<Kind>|<key>   an object in one process's lagging informer cache (its buckets: c:<process>:<Kind>|#…)
 *   p:<process>|head / |tail   that cache's undelivered watch events (the one applied next / appended)
 *   q:<queue>|<key>            a waiting work item; t:<queue>|<key> a delayed one
 *   r|<label>                  a random stream drawn from
 *   m|<component>              what a component remembers (its saved state)
 *   f|armed                    the faults armed and not yet taken
 * Two steps commute when neither wrote what the other read or wrote (`conflicts`).
 */

export interface AccessTracker {
  read(resource: string): void;
  write(resource: string): void;
}

/** An index's bucket (`prefix`: `o:`, or a lagging cache's `c:<process>:`). */
export function bucketResource(prefix: string, kind: string, index: string, value: string): string {
  return `${prefix}${kind}|#${index}=${value}`;
}

/** A tally's total under a value. */
export function tallyResource(kind: string, tally: string, value: string): string {
  return `o:${kind}|$${tally}=${value}`;
}

const familyOf = (resource: string): string => resource.slice(0, resource.indexOf('|'));
const isWildcard = (resource: string): boolean => resource.endsWith('|*');

export class Footprint implements AccessTracker {
  /** Every resource read or written. */
  readonly touched = new Set<string>();
  readonly written = new Set<string>();
  private readonly touchedFamilies = new Set<string>();

  read(resource: string): void {
    if (this.touched.has(resource)) return;
    this.touched.add(resource);
    this.touchedFamilies.add(familyOf(resource));
  }

  write(resource: string): void {
    this.read(resource);
    this.written.add(resource);
  }

  /** Whether this step wrote what `other` touched, or `other` wrote what this one touched. */
  conflicts(other: Footprint): boolean {
    return this.wroteWhat(other) || other.wroteWhat(this);
  }

  private wroteWhat(other: Footprint): boolean {
    for (const w of this.written) {
      if (other.touched.has(w)) return true;
      const family = familyOf(w);
      // A wildcard write meets any key of its family; an exact write meets the family's wildcard.
      if (isWildcard(w) ? other.touchedFamilies.has(family) : other.touched.has(`${family}|*`)) return true;
    }
    return false;
  }
}
