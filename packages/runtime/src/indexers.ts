/**
 * Design: client-go's cache.Indexer for the reads hot paths make by a field — a kubelet's pods
 * (by node), the pods of a claim, a node's VolumeAttachments, a volume's VolumeAttachments. The
 * kubelet, the scheduler and the attach/detach controller used to list every pod or attachment on
 * each sync or watch event and filter, which made settling N pods cost O(N²) (issue 14 item 2).
 *
 * An indexer is a pure function from an object to the values it is filed under; the informer
 * cache keeps, per indexer and value, the keys of the objects filed there, updated with each watch
 * event (InformerCache.apply), and hands them out in key order — the order `list()` has — so a
 * read through an index returns exactly what `list(kind).filter(...)` returned, and no queue is
 * filled in a different order. Anything that is not a cache (the API server's store) answers the
 * same question by filtering its list (`TypedReads.byIndex`), so the answer never depends on
 * which reader is asked.
 */
import { claimNameOf, type CsiVolumeObject, type FilesystemObject, type Pod, type VolumeAttachment } from '@pvsim/domain';

/** What an index function reads of an object (ObjectStore's AnyObject, without importing it: no import circle). */
interface AnyObject { metadata: { name: string; namespace?: string; uid?: string; [k: string]: unknown }; [k: string]: unknown }

export interface Indexer {
  /** The kind of the objects indexed (a StoredKind). */
  kind: 'Pod' | 'VolumeAttachment' | 'CSIVolume' | 'Filesystem';
  /** The values an object is filed under (none: it is in no bucket). */
  values(obj: AnyObject): readonly string[];
}

/** The indexers every informer cache keeps (client-go's `AddIndexers`, fixed for pvsim's components). */
export const INDEXERS = {
  /** Pods by `spec.nodeName` ('' for a pod not scheduled yet). */
  podsByNode: {
    kind: 'Pod',
    values: (o) => [((o as unknown as Pod).spec?.nodeName) ?? ''],
  },
  /** Pods by `namespace/claimName` of each claim their volumes name (ephemeral volumes' claims too). */
  podsByClaim: {
    kind: 'Pod',
    values: (o) => {
      const pod = o as unknown as Pod;
      const ns = pod.metadata.namespace ?? 'default';
      const out: string[] = [];
      for (const v of pod.spec?.volumes ?? []) {
        const name = claimNameOf(pod, v);
        if (name !== undefined && !out.includes(`${ns}/${name}`)) out.push(`${ns}/${name}`);
      }
      return out;
    },
  },
  /** Pods with required anti-affinity terms, under 'yes' (kube-scheduler's HavePodsWithRequiredAntiAffinityList). */
  podsWithRequiredAntiAffinity: {
    kind: 'Pod',
    values: (o) => {
      const terms = (o as unknown as { spec?: { affinity?: { podAntiAffinity?: { requiredDuringSchedulingIgnoredDuringExecution?: unknown[] } } } })
        .spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
      return terms && terms.length > 0 ? ['yes'] : [];
    },
  },
  /** Pods by `metadata.uid`. */
  podsByUid: {
    kind: 'Pod',
    values: (o): string[] => (typeof o.metadata.uid === 'string' ? [o.metadata.uid] : []),
  },
  /** A driver's backend volumes by each node they are staged or published on (a kubelet's reconstruction). */
  csiVolumesByNode: {
    kind: 'CSIVolume',
    values: (o) => {
      const status = (o as unknown as CsiVolumeObject).status;
      const nodes = new Set(Object.keys(status?.staged ?? {}));
      for (const p of Object.values(status?.published ?? {})) nodes.add(p.node);
      return [...nodes];
    },
  },
  /**
   * Filesystems a node's kubelet or container runtime looks after: those with a `spec.node`
   * (emptyDirs, the node's disk) under it, and container layers without one under ''.
   */
  filesystemsByNode: {
    kind: 'Filesystem',
    values: (o) => {
      const node = (o as unknown as FilesystemObject).spec?.['node'];
      if (typeof node === 'string') return [node];
      return o.metadata.name.startsWith('container.') ? [''] : [];
    },
  },
  /**
   * A driver's backend volumes by each node it has published them to (ControllerPublishVolume):
   * the driver's attach limit counts them. The API server's store keeps this one too, since the
   * drivers read it directly (STORE_INDEXES).
   */
  csiVolumesByPublishedNode: {
    kind: 'CSIVolume',
    values: (o) => Object.keys((o as unknown as CsiVolumeObject).status?.publishedNodes ?? {}),
  },
  /** VolumeAttachments by `spec.nodeName`. */
  attachmentsByNode: {
    kind: 'VolumeAttachment',
    values: (o) => [(o as unknown as VolumeAttachment).spec.nodeName],
  },
  /** VolumeAttachments by `spec.source.persistentVolumeName` ('' for an inline volume's). */
  attachmentsByVolume: {
    kind: 'VolumeAttachment',
    values: (o) => [(o as unknown as VolumeAttachment).spec.source.persistentVolumeName ?? ''],
  },
} as const satisfies Record<string, Indexer>;

export type IndexName = keyof typeof INDEXERS;

/** Keys filed per value for one indexer, with each bucket's sorted keys kept until it changes. */
export class IndexedKeys {
  private buckets = new Map<string, Set<string>>();
  private sorted = new Map<string, string[]>();

  /** `name`: the indexer's name in INDEXERS (what a footprint calls its buckets). */
  constructor(readonly indexer: Indexer, readonly name: string) {}

  /** The buckets a write from `old` to `next` changes or whose objects it changes: every value of either. */
  valuesOf(old: AnyObject | undefined, next: AnyObject | undefined): string[] {
    const out = old ? [...this.indexer.values(old)] : [];
    if (next) for (const v of this.indexer.values(next)) if (!out.includes(v)) out.push(v);
    return out;
  }

  /** The object under `key` changed from `old` to `next` (either may be absent). */
  update(key: string, old: AnyObject | undefined, next: AnyObject | undefined): void {
    const before = old ? this.indexer.values(old) : [];
    const after = next ? this.indexer.values(next) : [];
    for (const v of before) {
      if (after.includes(v)) continue;
      const bucket = this.buckets.get(v);
      if (bucket?.delete(key)) {
        this.sorted.delete(v);
        if (bucket.size === 0) this.buckets.delete(v);
      }
    }
    for (const v of after) {
      let bucket = this.buckets.get(v);
      if (!bucket) this.buckets.set(v, (bucket = new Set()));
      if (!bucket.has(key)) { bucket.add(key); this.sorted.delete(v); }
    }
  }

  /** The keys filed under `value`, in key order. */
  keys(value: string): readonly string[] {
    let keys = this.sorted.get(value);
    if (keys) return keys;
    const bucket = this.buckets.get(value);
    if (!bucket) return [];
    keys = [...bucket].sort();
    this.sorted.set(value, keys);
    return keys;
  }

  clear(): void {
    this.buckets.clear();
    this.sorted.clear();
  }

  /** Takes over `other`'s buckets (the same indexer's), which must not be used again. */
  adopt(other: IndexedKeys): void {
    // The maps change hands (a replay adopts a cache per input: copying every bucket each time grew with the cluster).
    this.buckets = other.buckets;
    this.sorted = other.sorted;
    other.buckets = new Map();
    other.sorted = new Map();
  }
}

/** The indexes the API server's store keeps as well (what the CSI drivers, which read it directly, ask for). */
export const STORE_INDEXES: readonly IndexName[] = ['csiVolumesByPublishedNode'];

/**
 * A running total of an amount per value over the objects of one kind (a sum index): what a
 * reader would get by adding up `amount` over the objects filed under a value, kept with each
 * write rather than recomputed by listing them.
 */
export interface Tally {
  kind: Indexer['kind'];
  /** The value an object is counted under (none: not counted). */
  value(obj: AnyObject): string | undefined;
  /** Its amount; throws for an object whose amount cannot be read. */
  amount(obj: AnyObject): bigint;
}

export const TALLIES = {
  /** A driver's backend volumes' capacity (bytes) by driver name: the pool's used space. */
  csiCapacityByDriver: {
    kind: 'CSIVolume',
    value: (o) => (o as unknown as CsiVolumeObject).spec?.driver,
    amount: (o) => BigInt((o as unknown as CsiVolumeObject).spec.capacityBytes),
  },
} as const satisfies Record<string, Tally>;

export type TallyName = keyof typeof TALLIES;

/** The totals of one tally, per value; a value with an object whose amount cannot be read has none. */
export class TalliedAmounts {
  private readonly totals = new Map<string, { sum: bigint; unreadable: number; objects: number }>();

  constructor(readonly tally: Tally) {}

  private add(obj: AnyObject, sign: 1 | -1): void {
    const value = this.tally.value(obj);
    if (value === undefined) return;
    let t = this.totals.get(value);
    if (!t) this.totals.set(value, (t = { sum: 0n, unreadable: 0, objects: 0 }));
    t.objects += sign;
    let amount: bigint | undefined;
    try { amount = this.tally.amount(obj); } catch { amount = undefined; }
    if (amount === undefined) t.unreadable += sign;
    else t.sum += sign === 1 ? amount : -amount;
    if (t.objects === 0) this.totals.delete(value);
  }

  /** The object under a key changed from `old` to `next` (either may be absent). */
  update(old: AnyObject | undefined, next: AnyObject | undefined): void {
    if (old) this.add(old, -1);
    if (next) this.add(next, 1);
  }

  /** The total under `value` (0n for none), or undefined when one of its objects' amounts cannot be read. */
  total(value: string): bigint | undefined {
    const t = this.totals.get(value);
    if (!t) return 0n;
    return t.unreadable > 0 ? undefined : t.sum;
  }
}
