/**
 * Design: what a controller reads, as client-go's shared informers give it: a cache of the
 * objects fed only by watch events, never the API server's own state. In the in-process world
 * every watch event reaches the cache at once, so reads are as fresh as the store; when the world
 * lets informers lag (an explored action), a controller reads what its cache has and its writes
 * meet a Conflict on a stale resourceVersion — which is how Kubernetes' controllers see the API
 * server. One cache is shared by the controllers of one process, so memory does not multiply per
 * controller; it holds the stored objects themselves (treated as immutable), not copies.
 *
 * The binder's index lives here, next to the PVs it indexes: the PV controller's matcher reads
 * the cache, as Kubernetes' `findBestMatchForClaim` reads the PV informer's indexer.
 */
import {
  VolumeIndex,
  type ClusterApi, type ClusterReader, type KubeEvent, type PersistentVolume, type PersistentVolumeClaim,
} from '@pvsim/domain';
import { INDEXERS, IndexedKeys, type IndexName } from './indexers.ts';
import { bucketResource, type AccessTracker } from './Footprint.ts';
import { RESOURCE, TypedReads, objectKey, type AnyObject, type ObjectStore, type ReadObserver, type ObjectStoreOptions, type StoredKind, type WatchEvent } from './ObjectStore.ts';

/** Reads of one kind's objects, in list order (sorted keys; events in recording order). */
export interface ObjectReader {
  get(kind: StoredKind, key: string): AnyObject | undefined;
  list(kind: StoredKind): AnyObject[];
}

export class InformerCache extends TypedReads implements ObjectReader, ClusterReader {
  private readonly objects = new Map<StoredKind, Map<string, AnyObject>>();
  private readonly sortedKeys = new Map<StoredKind, string[]>();
  private index = new VolumeIndex();
  /** The standard indexers' buckets (indexers.ts), kept with every watch event. */
  private readonly indexed = Object.fromEntries(Object.entries(INDEXERS).map(([name, ix]) => [name, new IndexedKeys(ix, name)])) as Record<IndexName, IndexedKeys>;
  private readonly indexedByKind = new Map<StoredKind, IndexedKeys[]>();
  /** Watch events applied so far (a lagging cache has applied fewer than were sent). */
  applied = 0;
  /**
   * Every change to the cache counted, watch event or not (a relist, a load, an adoption count
   * one more than the events they apply): a component that keeps what it derived from the cache
   * up to date from its watch events compares this with the events it saw, so a change made
   * without one (a restart's relist, a restored snapshot) makes it start again.
   */
  changes = 0;
  /** Feature gate VolumeAttributesClass as the matcher sees it. */
  vacEnabled = true;
  /** Told every read and watch event applied while set, its resources named `${trackAs}<Kind>|<key>` (Footprint.ts). */
  tracker: AccessTracker | undefined;
  trackAs = 'o:';
  /** Told every object handed out while set, with the question asked (ReadSet.ts: a housekeeping pass's proof). */
  reads: ReadObserver | undefined;

  constructor(readonly name: string) {
    super();
    for (const ix of Object.values(this.indexed)) {
      const list = this.indexedByKind.get(ix.indexer.kind) ?? [];
      list.push(ix);
      this.indexedByKind.set(ix.indexer.kind, list);
    }
  }

  private of(kind: StoredKind): Map<string, AnyObject> {
    let m = this.objects.get(kind);
    if (!m) this.objects.set(kind, (m = new Map()));
    return m;
  }

  /** One watch event: the cache now holds `ev.new` under `ev.key` (or nothing). */
  apply(ev: WatchEvent): void {
    if (this.tracker) this.tracker.write(`${this.trackAs}${ev.kind}|${ev.key}`);
    const m = this.of(ev.kind);
    this.applied++;
    this.changes++;
    const indexers = this.indexedByKind.get(ev.kind);
    if (indexers) {
      const before = m.get(ev.key);
      if (this.tracker) for (const ix of indexers) for (const v of ix.valuesOf(before, ev.new)) this.tracker.write(bucketResource(this.trackAs, ev.kind, ix.name, v));
      for (const ix of indexers) ix.update(ev.key, before, ev.new);
    }
    if (ev.new) {
      // One lookup: a key is new when the map grew.
      const size = m.size;
      m.set(ev.key, ev.new);
      if (m.size !== size) this.sortedKeys.delete(ev.kind);
      if (ev.kind === 'PersistentVolume') this.index.set(ev.new as unknown as PersistentVolume);
    } else {
      if (m.delete(ev.key)) this.sortedKeys.delete(ev.kind);
      if (ev.kind === 'PersistentVolume') this.index.delete(ev.key);
    }
  }

  /** A relist: the cache becomes exactly what the server lists (a process start or restart). */
  relist(server: ObjectReader, kinds: readonly StoredKind[]): void {
    this.changes++;
    this.objects.clear();
    this.sortedKeys.clear();
    for (const ix of Object.values(this.indexed)) ix.clear();
    this.index = new VolumeIndex();
    for (const kind of kinds) {
      for (const obj of server.list(kind)) {
        const key = objectKey(kind, obj);
        this.apply({ kind, key, old: undefined, new: obj });
      }
    }
  }

  /**
   * `relist` of a cache that held exactly `server`'s objects until the keys `changed` changed
   * there (ObjectStore.reload's answer, a world restored in place): only those keys are read
   * again. The cache ends as a relist leaves it — the same objects and index answers, Events in
   * the server's order (a key that stayed keeps its place, one the server dropped is dropped) —
   * and its counters move as a relist moves them, so a component comparing `changes` with the
   * watch events it saw starts again as after a relist.
   */
  refresh(server: ObjectReader, changed: readonly (readonly [StoredKind, string])[]): void {
    for (const [kind, key] of changed) this.apply({ kind, key, old: undefined, new: server.get(kind, key) });
    let listed = 0;
    for (const m of this.objects.values()) listed += m.size;
    this.changes += 1 + listed - changed.length;
    this.applied += listed - changed.length;
  }

  /**
   * Takes over the objects and indexes of `other`, a cache of the same server that is up to date
   * with it (no watch event waiting) and will not be used again: what `relist` would build, without
   * building it (a world that continues another in memory, ADR 0008). The indexes answer the same
   * (sorted keys; the volume index breaks ties by capacity and name, never by insertion order).
   */
  adopt(other: InformerCache): void {
    this.changes++;
    other.changes++;
    this.objects.clear();
    for (const [kind, m] of other.objects) this.objects.set(kind, m);
    this.sortedKeys.clear();
    for (const [kind, keys] of other.sortedKeys) this.sortedKeys.set(kind, keys);
    for (const name of Object.keys(this.indexed) as IndexName[]) this.indexed[name].adopt(other.indexed[name]);
    this.index = other.index;
    other.objects.clear();
    other.sortedKeys.clear();
    other.index = new VolumeIndex();
  }

  get(kind: StoredKind, key: string): AnyObject | undefined {
    if (this.tracker) this.tracker.read(`${this.trackAs}${kind}|${key}`);
    const obj = this.objects.get(kind)?.get(key);
    if (this.reads) this.reads.get('cache', kind, key, obj);
    return obj;
  }

  /** The cache's objects (a lagging cache differs from the server's), for a world snapshot. */
  dump(): [StoredKind, string, AnyObject][] {
    const out: [StoredKind, string, AnyObject][] = [];
    for (const [kind, m] of this.objects) for (const [key, obj] of m) out.push([kind, key, obj]);
    return out;
  }

  /** Becomes what `dump()` described. */
  load(dump: readonly [StoredKind, string, AnyObject][]): void {
    this.changes++;
    this.objects.clear();
    this.sortedKeys.clear();
    for (const ix of Object.values(this.indexed)) ix.clear();
    this.index = new VolumeIndex();
    for (const [kind, key, obj] of dump) this.apply({ kind, key, old: undefined, new: obj });
  }

  list(kind: StoredKind): AnyObject[] {
    if (this.tracker) this.tracker.read(`${this.trackAs}${kind}|*`);
    this.reads?.unreplayable();
    const m = this.objects.get(kind);
    if (!m) return [];
    if (kind === 'Event') return [...m.values()];
    return this.keys(kind).map((k) => m.get(k)!);
  }

  override keys(kind: StoredKind): readonly string[] {
    if (this.tracker) this.tracker.read(`${this.trackAs}${kind}|*`);
    this.reads?.unreplayable();
    const m = this.objects.get(kind);
    if (!m) return [];
    if (kind === 'Event') return [...m.keys()];
    let keys = this.sortedKeys.get(kind);
    if (!keys) this.sortedKeys.set(kind, (keys = [...m.keys()].sort()));
    return keys;
  }

  override byIndex(name: IndexName, value: string): AnyObject[] {
    // The bucket, not the kind: every write of an object filed under `value` (before or after) writes it.
    if (this.tracker) this.tracker.read(bucketResource(this.trackAs, INDEXERS[name].kind, name, value));
    const m = this.objects.get(INDEXERS[name].kind);
    const objs = m ? this.indexed[name].keys(value).map((k) => m.get(k)!) : [];
    if (this.reads) this.reads.byIndex('cache', name, value, objs);
    return objs;
  }

  events(): KubeEvent[] { return this.list('Event') as unknown as KubeEvent[]; }
  findBestMatchForClaim(claim: PersistentVolumeClaim, delayBinding: boolean) {
    if (this.tracker) this.tracker.read(`${this.trackAs}PersistentVolume|*`);
    this.reads?.unreplayable();
    return this.index.findBestMatchForClaim(claim, delayBinding, this.vacEnabled);
  }
}

/** The API server's verbs a client calls (the ObjectStore has them). */
export type ApiServer = Pick<ObjectStore, 'create' | 'update' | 'delete' | 'event'>;

/**
 * The in-process client: reads from its process's informer cache, writes to the API server (which checks resourceVersions: a write based on a
 * stale read is a Conflict). Writes return the stored object; a controller that needs what it
 * just wrote uses that result, not a re-read, since its cache may not have it yet.
 */
/**
 * The typed client every controller, sidecar, kubelet and driver holds. The in-process world
 * gives each process an `InformerClient`; a user's command talks to the API server (the store)
 * directly, which has the same shape.
 */
export interface Client extends ClusterApi, ObjectReader {
  create(kind: StoredKind, obj: AnyObject): AnyObject;
  update(kind: StoredKind, obj: AnyObject, subresource?: 'status'): AnyObject;
  delete(kind: StoredKind, key: string): void;
  events(): KubeEvent[];
  /** The objects a standard indexer (indexers.ts) files under `value`, in list order. */
  byIndex(name: IndexName, value: string): AnyObject[];
  /** A kind's keys in list order, without reading its objects. */
  keys(kind: StoredKind): readonly string[];
  /** Feature gate VolumeAttributesClass as the matcher sees it. */
  vacEnabled: boolean;
}

export class InformerClient implements Client {
  /** `fault`: a failure to inject into this process's calls (the world's fault actions), before the server sees them. */
  constructor(private readonly server: ApiServer, readonly cache: InformerCache, private readonly fault?: ObjectStoreOptions['fault']) {}

  private check(verb: 'create' | 'update' | 'delete', kind: StoredKind, name: string): void {
    const err = this.fault?.(verb, RESOURCE[kind], name);
    if (err) throw err;
  }

  get(kind: StoredKind, key: string) { return this.cache.get(kind, key); }
  list(kind: StoredKind) { return this.cache.list(kind); }
  getVolume(name: string) { return this.cache.getVolume(name); }
  listVolumes() { return this.cache.listVolumes(); }
  getClaim(namespace: string, name: string) { return this.cache.getClaim(namespace, name); }
  listClaims() { return this.cache.listClaims(); }
  getClass(name: string) { return this.cache.getClass(name); }
  listClasses() { return this.cache.listClasses(); }
  listPods(namespace?: string) { return this.cache.listPods(namespace); }
  getNode(name: string) { return this.cache.getNode(name); }
  events() { return this.cache.events(); }
  byIndex(name: IndexName, value: string) { return this.cache.byIndex(name, value); }
  keys(kind: StoredKind) { return this.cache.keys(kind); }
  findBestMatchForClaim(claim: PersistentVolumeClaim, delayBinding: boolean) { return this.cache.findBestMatchForClaim(claim, delayBinding); }
  get vacEnabled() { return this.cache.vacEnabled; }
  set vacEnabled(on: boolean) { this.cache.vacEnabled = on; }

  create(kind: StoredKind, obj: AnyObject): AnyObject { this.check('create', kind, obj.metadata.name); return this.server.create(kind, obj); }
  update(kind: StoredKind, obj: AnyObject, subresource?: 'status'): AnyObject { this.check('update', kind, obj.metadata.name); return this.server.update(kind, obj, subresource); }
  delete(kind: StoredKind, key: string): void { this.check('delete', kind, key.slice(key.indexOf('/') + 1)); this.server.delete(kind, key); }
  event(...args: Parameters<ApiServer['event']>): void { this.server.event(...args); }

  createVolume(v: PersistentVolume) { return this.create('PersistentVolume', v as unknown as AnyObject) as unknown as PersistentVolume; }
  updateVolume(v: PersistentVolume) { return this.update('PersistentVolume', v as unknown as AnyObject) as unknown as PersistentVolume; }
  updateVolumeStatus(v: PersistentVolume) { return this.update('PersistentVolume', v as unknown as AnyObject, 'status') as unknown as PersistentVolume; }
  deleteVolume(name: string) { this.delete('PersistentVolume', name); }
  updateClaim(c: PersistentVolumeClaim) { return this.update('PersistentVolumeClaim', c as unknown as AnyObject) as unknown as PersistentVolumeClaim; }
  updateClaimStatus(c: PersistentVolumeClaim) { return this.update('PersistentVolumeClaim', c as unknown as AnyObject, 'status') as unknown as PersistentVolumeClaim; }
}
