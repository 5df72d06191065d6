/**
 * Design: the PV controller's matcher (index.go findBestMatchForClaim) without its O(volumes)
 * scan per claim. Kubernetes groups PVs by access-mode set, tries the groups whose modes cover
 * the claim's in order of fewest modes, and inside a group returns a PV pre-bound to the claim or
 * else the smallest candidate. We keep the same order of decisions, with two indexes per group:
 *   - pre-bound PVs by the claim they name (ns/name), so the shortcut is a map lookup;
 *   - free PVs (no claimRef, Available, not being deleted) in buckets by (class, volumeMode,
 *     VAC) sorted by (capacity, name), so "smallest that fits" is a binary search.
 * A bucket removes by marking (a next-alive pointer with path compression) and inserts into an
 * unsorted side list. The side list is merged into the sorted part when a write makes it longer
 * than the sorted part (so a bulk load costs O(n log n) in all, by doubling), or when a lookup
 * finds it longer than about √n (so a lookup never scans more than that). Ties are broken by
 * name — Kubernetes breaks them by informer list order, which is not reproducible.
 */
import type { AccessMode, PersistentVolume, PersistentVolumeClaim } from './types.ts';
import { ACCESS_MODES, ACCESS_MODE_SHORT } from './types.ts';
import { compareQuantities, type Quantity } from './quantity.ts';
import {
  claimKey, claimRefKey, claimRequest, containsAllAccessModes, getVolumeClass, getClaimClass, judgeVolume,
  UnsupportedVolumeAttributesClassError, volumeCapacity,
} from './volumeHelpers.ts';
import { compileClaimSelector } from './labels.ts';

/** GetAccessModesAsString: the modes in Kubernetes' fixed order, short names, comma-joined. */
export function accessModesKey(modes: readonly AccessMode[] | undefined): string {
  const set = new Set(modes ?? []);
  return ACCESS_MODES.filter((m) => set.has(m)).map((m) => ACCESS_MODE_SHORT[m]).join(',');
}

function modesFromKey(key: string): AccessMode[] {
  if (key === '') return [];
  const byShort = new Map(ACCESS_MODES.map((m) => [ACCESS_MODE_SHORT[m], m] as const));
  return key.split(',').map((s) => byShort.get(s)!);
}

interface Entry { qty: Quantity; name: string }

function compareEntries(a: Entry, b: Entry): number {
  return compareQuantities(a.qty, b.qty) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
}

/** Free PVs of one (modes, class, volumeMode, VAC) bucket, sorted by (capacity, name). */
class FreeBucket {
  private items: Entry[] = [];
  private next = new Int32Array(1);
  private position = new Map<string, number>();
  private dead = 0;
  private pending: Entry[] = [];
  /** name -> its index in `pending` (unsorted until a rebuild), so a removal is O(1), not a scan. */
  private pendingAt = new Map<string, number>();

  get size(): number { return this.items.length - this.dead + this.pending.length; }

  add(entry: Entry): void {
    this.pendingAt.set(entry.name, this.pending.length);
    this.pending.push(entry);
    if (this.pending.length > 32 && this.pending.length > this.items.length - this.dead) this.rebuild();
  }

  remove(name: string): void {
    const p = this.pendingAt.get(name);
    if (p !== undefined) {
      // Swap-remove: the side list is unsorted, so its order does not matter.
      const last = this.pending.pop()!;
      this.pendingAt.delete(name);
      if (p < this.pending.length) { this.pending[p] = last; this.pendingAt.set(last.name, p); }
      return;
    }
    const i = this.position.get(name);
    if (i === undefined) return;
    this.position.delete(name);
    this.next[i] = i + 1;
    this.dead++;
    if (this.dead > 64 && this.dead * 2 > this.items.length) this.rebuild();
  }

  /** Smallest entry with capacity >= request whose name passes `accept`. */
  smallestFit(request: Quantity, accept: (name: string) => boolean): string | undefined {
    if (this.pending.length > 32 + Math.sqrt(this.items.length)) this.rebuild();
    let best: Entry | undefined;
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareQuantities(this.items[mid]!.qty, request) < 0) lo = mid + 1; else hi = mid;
    }
    for (let i = this.find(lo); i < this.items.length; i = this.find(i + 1)) {
      const e = this.items[i]!;
      if (accept(e.name)) { best = e; break; }
    }
    for (const e of this.pending) {
      if (compareQuantities(e.qty, request) >= 0 && (!best || compareEntries(e, best) < 0) && accept(e.name)) best = e;
    }
    return best?.name;
  }

  private find(i: number): number {
    let root = i;
    while (root < this.items.length && this.next[root] !== root) root = this.next[root]!;
    while (i < this.items.length && this.next[i] !== i) { const n = this.next[i]!; this.next[i] = root; i = n; }
    return root;
  }

  private rebuild(): void {
    const alive: Entry[] = [];
    for (let i = this.find(0); i < this.items.length; i = this.find(i + 1)) alive.push(this.items[i]!);
    this.pending.sort(compareEntries);
    const merged: Entry[] = [];
    let a = 0, b = 0;
    while (a < alive.length || b < this.pending.length) {
      if (b >= this.pending.length || (a < alive.length && compareEntries(alive[a]!, this.pending[b]!) <= 0)) merged.push(alive[a++]!);
      else merged.push(this.pending[b++]!);
    }
    this.items = merged;
    this.pending = [];
    this.pendingAt.clear();
    this.dead = 0;
    this.next = new Int32Array(merged.length + 1);
    this.position.clear();
    for (let i = 0; i < merged.length; i++) { this.next[i] = i; this.position.set(merged[i]!.name, i); }
    this.next[merged.length] = merged.length;
  }
}

interface Group {
  key: string;
  modes: AccessMode[];
  /** claim key (ns/name) -> names of PVs in this group whose claimRef names it. */
  prebound: Map<string, Set<string>>;
  free: Map<string, FreeBucket>;
}

/** Free volumes are bucketed by what a claim must equal exactly: class, volume mode, attributes class. */
function bucketKeyOf(className: string, volumeMode: string | undefined, attributesClass: string): string {
  return JSON.stringify([className, volumeMode ?? 'Filesystem', attributesClass]);
}

function bucketKey(volume: PersistentVolume): string {
  return bucketKeyOf(getVolumeClass(volume), volume.spec.volumeMode, volume.spec.volumeAttributesClassName ?? '');
}

function isFree(volume: PersistentVolume): boolean {
  return !volume.spec.claimRef && volume.status?.phase === 'Available' && !volume.metadata.deletionTimestamp;
}

export class VolumeIndex {
  private readonly volumes = new Map<string, PersistentVolume>();
  private readonly groups = new Map<string, Group>();
  private ordered: Group[] | undefined;

  get size(): number { return this.volumes.size; }
  get(name: string): PersistentVolume | undefined { return this.volumes.get(name); }
  values(): IterableIterator<PersistentVolume> { return this.volumes.values(); }

  /** Adds or replaces a volume (by name). */
  set(volume: PersistentVolume): void {
    this.delete(volume.metadata.name);
    this.volumes.set(volume.metadata.name, volume);
    const group = this.group(accessModesKey(volume.spec.accessModes));
    const key = claimRefKey(volume);
    if (key !== undefined) {
      let set = group.prebound.get(key);
      if (!set) group.prebound.set(key, (set = new Set()));
      set.add(volume.metadata.name);
    } else if (isFree(volume)) {
      const bk = bucketKey(volume);
      let bucket = group.free.get(bk);
      if (!bucket) group.free.set(bk, (bucket = new FreeBucket()));
      bucket.add({ qty: volumeCapacity(volume), name: volume.metadata.name });
    }
  }

  delete(name: string): void {
    const old = this.volumes.get(name);
    if (!old) return;
    this.volumes.delete(name);
    const group = this.groups.get(accessModesKey(old.spec.accessModes))!;
    const key = claimRefKey(old);
    if (key !== undefined) {
      const set = group.prebound.get(key);
      set?.delete(name);
      if (set && set.size === 0) group.prebound.delete(key);
    } else if (isFree(old)) {
      group.free.get(bucketKey(old))?.remove(name);
    }
  }

  /**
   * findBestMatchForClaim: the first mode group (fewest modes first) that yields a volume wins.
   */
  findBestMatchForClaim(claim: PersistentVolumeClaim, delayBinding: boolean, vacEnabled = true): PersistentVolume | undefined {
    if (!vacEnabled && (claim.spec.volumeAttributesClassName ?? '') !== '') {
      throw new UnsupportedVolumeAttributesClassError(claimKey(claim));
    }
    const request = claimRequest(claim);
    const wanted = claim.spec.accessModes ?? [];
    const selectorMatches = compileClaimSelector(claim.spec.selector);
    const opts = { delayBinding, vacEnabled, selectorMatches };
    const bucket = bucketKeyOf(getClaimClass(claim), claim.spec.volumeMode, vacEnabled ? claim.spec.volumeAttributesClassName ?? '' : '');
    for (const group of this.orderedGroups()) {
      if (!containsAllAccessModes(group.modes, wanted)) continue;
      const prebound = group.prebound.get(claimKey(claim));
      if (prebound) {
        for (const name of [...prebound].sort()) {
          if (judgeVolume(claim, this.volumes.get(name)!, request, opts) === 'prebound') return this.volumes.get(name);
        }
      }
      if (delayBinding) continue;
      const found = group.free.get(bucket)?.smallestFit(request, (name) => selectorMatches(this.volumes.get(name)!.metadata.labels));
      if (found !== undefined) return this.volumes.get(found);
    }
    return undefined;
  }

  private group(key: string): Group {
    let g = this.groups.get(key);
    if (!g) {
      g = { key, modes: modesFromKey(key), prebound: new Map(), free: new Map() };
      this.groups.set(key, g);
      this.ordered = undefined;
    }
    return g;
  }

  private orderedGroups(): Group[] {
    if (!this.ordered) {
      this.ordered = [...this.groups.values()].sort((a, b) => a.modes.length - b.modes.length || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    }
    return this.ordered;
  }
}
