/**
 * Design: the simulated API server. Each PersistentVolume, PersistentVolumeClaim and
 * VolumeAttachment is kept as the persisted snapshot of its XState machine (packages/machines),
 * whose context is the stored object; classes, pods, nodes and events are plain records. A write
 * reaches the object's address on the bus and moves its snapshot on with the machine's pure
 * transition — an actor lives only for that one event, passivated the rest of the time (the
 * virtual actors of Orleans): a live actor costs ≈ 3.8 KB, its snapshot ≈ 0.5 KB, and a settled
 * million objects would not fit in memory as live actors (ADR 0009). The store gives controllers the ClusterApi port with API-server semantics:
 * resource versions and conflicts, status written only through the status subresource,
 * deletion that waits for finalizers (Terminating), events aggregated like the event
 * correlator. Every change is reported twice: to `watch` (the controllers' informers) and as a
 * fact record to `record` (the event log). `restore` rebuilds state from facts without
 * reporting anything, which is how a CLI invocation reloads a cluster from its log.
 * Objects handed out are the stored ones, not copies (a bind writes six times; copies were a
 * fifth of its cost): callers treat them as immutable and clone before changing, as client-go
 * callers must treat informer objects.
 * The store keeps the world's fingerprint (domain Fingerprinter): every uid is registered when an
 * object carrying it is first put — by `create`, or by `restore`/`load` replaying one — so a
 * store rebuilt from the log registers uids in the order the live one did and fingerprints the
 * same. Hashing is lazy: a write only marks its key, and `fingerprint()` hashes the marked ones.
 * A new uid is asked of `newUid` with the object's identity and how many objects of that kind
 * and key were created before (ADR 0031). That count is kept as data, for the keys whose object
 * was removed only (`recreated`; a cluster without deletes keeps nothing): dumped and loaded,
 * counted again by a fold of the log (a removal record drops the object), so a world folded,
 * restored or forked draws the uids the live one would.
 */
import { createActor, type AnyActorScope, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';
import {
  ApiError, FINGERPRINT_HASH_SCHEME, Fingerprinter, type FingerprinterState, VolumeIndex, decideCreate, decideDelete, decideEvent, decideUpdate, eventCorrelationKey,
  type ClusterApi, type FingerprinterJSON, type KubeEvent, type NewLogRecord, type Node, type PersistentVolume,
  type PersistentVolumeClaim, type Pod, type StorageClass,
} from '@pvsim/domain';
import { volumeMachine, claimMachine, attachmentMachine, restingPhaseOf } from '@pvsim/machines';
import type { SimClock } from './SimClock.ts';
import { INDEXERS, IndexedKeys, STORE_INDEXES, TALLIES, TalliedAmounts, type Indexer, type IndexName, type TallyName } from './indexers.ts';
import { InProcessBus, type Bus, type BusEvent } from './Bus.ts';
import { bucketResource, tallyResource, type AccessTracker } from './Footprint.ts';
import type { UidIdentity } from './uids.ts';

/** Which reader answered: the API server itself, or the informer cache the components read. */
export type ReadSource = 'store' | 'cache';

/**
 * Told every object a reader (this store, an informer cache) hands out, with the question asked;
 * ReadSet.ts keeps them as a housekeeping pass's proof (ADR 0020).
 */
export interface ReadObserver {
  get(source: ReadSource, kind: StoredKind, key: string, obj: AnyObject | undefined): void;
  byIndex(source: ReadSource, name: IndexName, value: string, objs: AnyObject[]): void;
  /** A read that cannot be asked again cheaply (a whole list, a kind's keys, the events). */
  unreplayable(): void;
}

export type StoredKind =
  | 'PersistentVolume' | 'PersistentVolumeClaim' | 'StorageClass' | 'Pod' | 'Node' | 'Event'
  | 'ConfigMap' | 'Secret' | 'Deployment' | 'StatefulSet' | 'VolumeAttachment' | 'CSIVolume' | 'Filesystem'
  | 'VolumeSnapshotClass' | 'VolumeSnapshot' | 'VolumeSnapshotContent'
  | 'CSIDriver' | 'CSINode' | 'ReplicaSet' | 'ControllerRevision'
  | 'Namespace' | 'Service' | 'ServiceAccount' | 'PodDisruptionBudget';
export type AnyObject = { kind: string; apiVersion: string; metadata: { name: string; namespace?: string; [k: string]: unknown }; [k: string]: unknown };

export interface WatchEvent {
  kind: StoredKind;
  key: string;
  old: AnyObject | undefined;
  new: AnyObject | undefined;
}

export interface ObjectStoreOptions {
  clock: SimClock;
  /** How writes reach the actors (in-process by default). */
  bus?: Bus;
  /**
   * A new object's uid, from its identity (ADR 0031: the world digests it with the seed); a test
   * may ignore the identity and count.
   */
  newUid: (identity: UidIdentity) => string;
  /** Fact records for the event log. */
  record?: (rec: NewLogRecord) => void;
  /** Informer notifications for controllers. */
  watch?: (ev: WatchEvent) => void;
  /** Fault injection: return an error to fail this API call. */
  fault?: (verb: 'create' | 'update' | 'delete', resource: string, name: string) => ApiError | undefined;
}

/** Thrown when a write would move an actor along an edge its machine does not have. */
export class IllegalTransitionError extends Error {
  readonly code = 'IllegalTransition';
  constructor(kind: string, name: string, from: string, to: string) {
    super(`invariant broken: ${kind} "${name}" cannot go from ${from || '(none)'} to ${to || '(none)'}`);
    this.name = 'IllegalTransitionError';
  }
}

/**
 * One row per kind: its log stream prefix, API resource name, scope, and the machine of its
 * actors for the kinds whose lifecycle is an actor (PV, PVC, VolumeAttachment). The simulator's
 * own backends (CSIVolume: a CSI driver's volume; Filesystem: file contents of a volume, a
 * node's disk or an emptyDir) are stored like API objects so the log records and replays them.
 */
const KINDS: Record<StoredKind, { prefix: string; resource: string; namespaced: boolean; machine?: unknown }> = {
  PersistentVolume: { prefix: 'pv', resource: 'persistentvolumes', namespaced: false, machine: volumeMachine },
  PersistentVolumeClaim: { prefix: 'pvc', resource: 'persistentvolumeclaims', namespaced: true, machine: claimMachine },
  VolumeAttachment: { prefix: 'va', resource: 'volumeattachments', namespaced: false, machine: attachmentMachine },
  StorageClass: { prefix: 'sc', resource: 'storageclasses', namespaced: false },
  Pod: { prefix: 'pod', resource: 'pods', namespaced: true },
  Node: { prefix: 'node', resource: 'nodes', namespaced: false },
  Event: { prefix: 'event', resource: 'events', namespaced: true },
  ConfigMap: { prefix: 'cm', resource: 'configmaps', namespaced: true },
  Secret: { prefix: 'secret', resource: 'secrets', namespaced: true },
  Deployment: { prefix: 'deploy', resource: 'deployments', namespaced: true },
  StatefulSet: { prefix: 'sts', resource: 'statefulsets', namespaced: true },
  CSIVolume: { prefix: 'csivol', resource: 'csivolumes', namespaced: false },
  Filesystem: { prefix: 'fs', resource: 'filesystems', namespaced: false },
  VolumeSnapshotClass: { prefix: 'vsclass', resource: 'volumesnapshotclasses', namespaced: false },
  VolumeSnapshot: { prefix: 'vs', resource: 'volumesnapshots', namespaced: true },
  VolumeSnapshotContent: { prefix: 'vsc', resource: 'volumesnapshotcontents', namespaced: false },
  CSIDriver: { prefix: 'csidriver', resource: 'csidrivers', namespaced: false },
  CSINode: { prefix: 'csinode', resource: 'csinodes', namespaced: false },
  ReplicaSet: { prefix: 'rs', resource: 'replicasets', namespaced: true },
  ControllerRevision: { prefix: 'controllerrevision', resource: 'controllerrevisions', namespaced: true },
  // Stored and printed so an application's manifests apply unchanged (no networking, no eviction API).
  Namespace: { prefix: 'ns', resource: 'namespaces', namespaced: false },
  Service: { prefix: 'svc', resource: 'services', namespaced: true },
  ServiceAccount: { prefix: 'sa', resource: 'serviceaccounts', namespaced: true },
  PodDisruptionBudget: { prefix: 'pdb', resource: 'poddisruptionbudgets', namespaced: true },
};

export const STORED_KINDS = Object.keys(KINDS) as StoredKind[];

/** A stored object of a machine kind and its machine state: an actor at rest. */
/**
 * A stored object of a machine kind and its machine state: an actor at rest. `address` is its bus
 * address, the very string it subscribed with: a write publishes to it without making the string
 * again (a new string is hashed before the bus's lookup, which was 3 % of a settled bind).
 */
interface Passivated { object: AnyObject; state: AnyMachineSnapshot; address: string }

interface MachineHost {
  machine: AnyStateMachine;
  scope: AnyActorScope;
  passivate(snapshot: AnyMachineSnapshot, address: string): Passivated;
  /** A new (or loaded) object at rest in the state its phase enters. */
  initial(object: AnyObject, address: string): Passivated;
  onEvent(event: BusEvent, address: string): void;
}
/**
 * A machine kind's scope and state templates, made once per process and shared by every store:
 * the machines are pure (no timers, children or effects, objectMachine.ts), so the scope's actor
 * never runs anything and its clock is never read; templates are immutable. An explorer builds a
 * world (a store) per transition, and an actor per kind per store was 7 % of a restore.
 */
const sharedHosts = new Map<StoredKind, Omit<MachineHost, 'onEvent'>>();
function sharedHostOf(kind: StoredKind): Omit<MachineHost, 'onEvent'> {
  let host = sharedHosts.get(kind);
  if (host) return host;
  const machine = KINDS[kind].machine as AnyStateMachine;
  const self = createActor(machine);
  const scope = {
    self, id: '', sessionId: '', system: self.system, logger: () => {}, defer: () => {}, emit: () => {},
    stopChild: () => {}, actionExecutor: () => {},
  } as unknown as AnyActorScope;
  // Per status, per state value: a flat machine's value is the state's name, used as it is (a
  // key made as JSON plus the status was a new string to hash on every write).
  const templates = new Map<string, Map<string, AnyMachineSnapshot>>();
  const passivate = (snapshot: AnyMachineSnapshot, address: string): Passivated => {
    const value = typeof snapshot.value === 'string' ? snapshot.value : JSON.stringify(snapshot.value);
    let byValue = templates.get(snapshot.status);
    if (!byValue) templates.set(snapshot.status, (byValue = new Map()));
    let state = byValue.get(value);
    if (!state) byValue.set(value, (state = { ...snapshot, context: undefined }));
    return { object: snapshot.context.object as AnyObject, state, address };
  };
  // The state a new or loaded object enters depends on its phase alone (objectMachine.ts).
  const resting = restingPhaseOf(machine);
  const entered = new Map<string, AnyMachineSnapshot>();
  const initial = (object: AnyObject, address: string): Passivated => {
    const phase = resting?.(object as never);
    const state = phase === undefined ? undefined : entered.get(phase);
    if (state) return { object, state, address };
    const made = passivate(machine.getInitialSnapshot(scope, { object }), address);
    if (phase !== undefined) entered.set(phase, made.state);
    return made;
  };
  host = { machine, scope, passivate, initial };
  sharedHosts.set(kind, host);
  return host;
}

export const STREAM_PREFIX = Object.fromEntries(STORED_KINDS.map((k) => [k, KINDS[k].prefix])) as Record<StoredKind, string>;
/** Each kind's API resource name (`persistentvolumes`, …). */
export const RESOURCE = Object.fromEntries(STORED_KINDS.map((k) => [k, KINDS[k].resource])) as Record<StoredKind, string>;
const NAMESPACED = Object.fromEntries(STORED_KINDS.map((k) => [k, KINDS[k].namespaced])) as Record<StoredKind, boolean>;
const isActorKind = (kind: StoredKind) => KINDS[kind].machine !== undefined;
/** Each kind's place in STORED_KINDS (`ObjectStore.kindEntries` is indexed by it). */
const KIND_INDEX = new Map(STORED_KINDS.map((k, i) => [k, i]));
/** One kind's objects in a dump, in its order: frozen entries, in arrays never changed once made. */
type KindEntries = [StoredKind, string, AnyObject][];
/** Each kind's fact record types, made once (a template per write was a new string each time). */
const FACT_TYPES = Object.fromEntries(STORED_KINDS.map((k) => [k, { Created: `${k}Created`, Updated: `${k}Updated`, Deleted: `${k}Deleted` }])) as Record<StoredKind, Record<'Created' | 'Updated' | 'Deleted', string>>;

/**
 * Each stored Event's correlation key, computed once per object (stored objects are frozen and
 * shared by every world restored from a snapshot: a restore puts every Event again, and computing
 * the key each time was a measurable part of one).
 */
const correlationKeys = new WeakMap<object, string>();
function correlationKeyOf(ev: AnyObject): string {
  let k = correlationKeys.get(ev);
  if (k === undefined) correlationKeys.set(ev, (k = eventCorrelationKey(ev as unknown as KubeEvent)));
  return k;
}

export function objectKey(kind: StoredKind, obj: { metadata: { name: string; namespace?: string } }): string {
  return NAMESPACED[kind] ? `${obj.metadata.namespace ?? 'default'}/${obj.metadata.name}` : obj.metadata.name;
}

/**
 * The typed reads every object reader offers over its `get`/`list` (the API server's store and an
 * informer cache alike), written once.
 */
export abstract class TypedReads {
  abstract get(kind: StoredKind, key: string): AnyObject | undefined;
  abstract list(kind: StoredKind): AnyObject[];
  getVolume(name: string) { return this.get('PersistentVolume', name) as unknown as PersistentVolume | undefined; }
  listVolumes() { return this.list('PersistentVolume') as unknown as PersistentVolume[]; }
  getClaim(namespace: string, name: string) { return this.get('PersistentVolumeClaim', `${namespace}/${name}`) as unknown as PersistentVolumeClaim | undefined; }
  listClaims() { return this.list('PersistentVolumeClaim') as unknown as PersistentVolumeClaim[]; }
  getClass(name: string) { return this.get('StorageClass', name) as unknown as StorageClass | undefined; }
  listClasses() { return this.list('StorageClass') as unknown as StorageClass[]; }
  listPods(namespace?: string) {
    const pods = this.list('Pod') as unknown as Pod[];
    return namespace === undefined ? pods : pods.filter((p) => (p.metadata.namespace ?? 'default') === namespace);
  }
  getNode(name: string) { return this.get('Node', name) as unknown as Node | undefined; }
  /**
   * The objects a standard indexer (indexers.ts) files under `value`, in list order. A reader
   * without an index filters its list; the informer cache answers from its index.
   */
  /** A kind's keys in list order (a cache hands out the array it keeps: no object is touched). */
  keys(kind: StoredKind): readonly string[] {
    return this.list(kind).map((o) => objectKey(kind, o));
  }
  byIndex(name: IndexName, value: string): AnyObject[] {
    const indexer: Indexer = INDEXERS[name];
    return this.list(indexer.kind).filter((o) => indexer.values(o).includes(value));
  }
}

/** The store's own indexes and tallies, by kind (see ObjectStore.derived). */
interface Derived {
  indexes: Map<IndexName, IndexedKeys>;
  tallies: Map<TallyName, TalliedAmounts>;
  byKind: Map<StoredKind, { update(key: string, old: AnyObject | undefined, next: AnyObject | undefined): void }[]>;
}

function newDerived(): Derived {
  const d: Derived = { indexes: new Map(), tallies: new Map(), byKind: new Map() };
  const add = (kind: StoredKind, u: { update(key: string, old: AnyObject | undefined, next: AnyObject | undefined): void }) => {
    const list = d.byKind.get(kind) ?? [];
    list.push(u);
    d.byKind.set(kind, list);
  };
  for (const name of STORE_INDEXES) {
    const ix = new IndexedKeys(INDEXERS[name], name);
    d.indexes.set(name, ix);
    add(ix.indexer.kind, ix);
  }
  for (const [name, tally] of Object.entries(TALLIES) as [TallyName, (typeof TALLIES)[TallyName]][]) {
    const t = new TalliedAmounts(tally);
    d.tallies.set(name, t);
    add(tally.kind, { update: (_key, old, next) => t.update(old, next) });
  }
  return d;
}

/** What `ObjectStore.dump` gives and `load` takes. */
export interface StoreDump {
  resourceVersion: number;
  objects: [StoredKind, string, AnyObject][];
  fingerprint?: FingerprinterJSON;
  /** `<kind>|<key>` -> objects created under it and removed since (ADR 0031); absent when none. */
  recreated?: [string, number][];
}

/** The keys `ObjectStore.reload` changed, in the order it changed them. */
export type ReloadedKeys = [StoredKind, string][];

/**
 * The fingerprinter's state a dump of this process shares (`dump`), beside its data: a dump read
 * back from JSON has none and loads its registry from `fingerprint`.
 */
const fingerprinterStates = new WeakMap<StoreDump, DumpSide>();

/**
 * What a dump of this process carries beside its data: the fingerprinter's state (ADR 0034), and
 * its objects kind by kind (STORED_KINDS order) as the store's own arrays (`kindEntries`) — a
 * reload into a store that holds the very array skips the kind by one comparison.
 */
interface DumpSide { state: FingerprinterState; kinds: readonly KindEntries[] }

/** Whether a dump's objects come kind by kind in STORED_KINDS order, as `dump()` writes them. */
function groupedByKind(objects: StoreDump['objects']): boolean {
  let k = 0;
  for (const [kind] of objects) {
    while (k < STORED_KINDS.length && STORED_KINDS[k] !== kind) k++;
    if (k === STORED_KINDS.length) return false;
  }
  return true;
}

export class ObjectStore extends TypedReads implements ClusterApi {
  /** Machine kinds: key -> the object and its machine state (a passivated actor). */
  private readonly actors = new Map<StoredKind, Map<string, Passivated>>();
  /** Per machine kind, what its writes run with (scope, state templates, the bus handler). */
  private readonly hosts = new Map<StoredKind, MachineHost>();
  /** Plain kinds: key -> object. Events keep insertion order (their names are counters). */
  private readonly plain = new Map<StoredKind, Map<string, AnyObject>>();
  /**
   * The binder's index over the stored PVs, built on first use only: components match through
   * their informer cache's index, so in a world the store never builds one (a second index per
   * PV would double its memory). A caller that uses the store itself as its API gets one.
   */
  private index: VolumeIndex | undefined;
  /** Per kind, its keys sorted (list order); dropped when a key is added or removed. */
  private readonly sortedKeys = new Map<StoredKind, string[]>();
  /**
   * The few indexes and tallies the store keeps itself (STORE_INDEXES, TALLIES): the CSI drivers
   * read it directly, and their attach limit and free capacity would otherwise list every backend
   * volume on each call (O(N²) over N volumes).
   */
  private derived = newDerived();
  /** The event correlator's index: correlation key -> key of the event it aggregates into. */
  private eventByCorrelation = new Map<string, string>();
  /**
   * Whether `eventByCorrelation` is what building it from the Events in order gives (each
   * correlation key's first Event). Puts keep it so; dropping the Event a key points at does not
   * (the key is forgotten, where a build would find a later Event with it).
   */
  private correlationBuilt = true;
  private resourceVersion = 0;
  private bus: Bus;
  /** Number of object writes (not events) so far; settle loops compare it. */
  writes = 0;
  /**
   * Every change of the stored objects counted — writes, events, loads and restores — and kept
   * when another store adopts this one: equal counts mean the same objects (a cache keyed by it
   * stays valid across the worlds of a replay).
   */
  changes = 0;
  private fingerprinter = new Fingerprinter();
  /** `<kind>|<key>` -> how many objects under it were created and removed (ADR 0031); only keys removed at least once. */
  private recreated = new Map<string, number>();
  /** Per kind, keys written since `fingerprint()` last hashed them. */
  private readonly unhashed = new Map<StoredKind, Set<string>>();

  constructor(private readonly opts: ObjectStoreOptions) {
    super();
    this.bus = opts.bus ?? new InProcessBus();
  }

  // ------------------------------------------------------------ generic access

  private actorsOf(kind: StoredKind): Map<string, Passivated> {
    let m = this.actors.get(kind);
    if (!m) this.actors.set(kind, (m = new Map()));
    return m;
  }

  private plainOf(kind: StoredKind): Map<string, AnyObject> {
    let m = this.plain.get(kind);
    if (!m) this.plain.set(kind, (m = new Map()));
    return m;
  }

  /** Told every read and write while set (an explorer's footprint of one step; Footprint.ts). */
  tracker: AccessTracker | undefined;
  /** Told every object handed out while set, with the question asked (ReadSet.ts: a housekeeping pass's proof). */
  reads: ReadObserver | undefined;
  /**
   * While set, the kind of every object put or dropped (a write or an event, not a load) is added
   * to it: an explorer's safety checks judge again only what read those kinds (services/check
   * incrementalSafety.ts).
   */
  writtenKinds: Set<string> | undefined;
  /**
   * Per kind, the dump's entries of its objects (in the map's order) as last dumped or reloaded,
   * while no object of the kind has been put or dropped since (`markUnhashed`): every dump taken
   * meanwhile shares them (they are never changed), and a reload of a dump that holds them skips
   * the kind — its map already stands as the dump has it. An explorer snapshots and restores
   * states a step apart, where a step writes objects of one to three kinds.
   */
  private readonly kindEntries: (KindEntries | undefined)[] = new Array<KindEntries | undefined>(STORED_KINDS.length).fill(undefined);

  get(kind: StoredKind, key: string): AnyObject | undefined {
    if (this.tracker) this.tracker.read(`o:${kind}|${key}`);
    const obj = isActorKind(kind) ? this.actorsOf(kind).get(key)?.object : this.plainOf(kind).get(key);
    if (this.reads) this.reads.get('store', kind, key, obj);
    return obj;
  }

  override byIndex(name: IndexName, value: string): AnyObject[] {
    const ix = this.derived.indexes.get(name);
    // Who is in the bucket (the objects' own keys are read by get below).
    if (ix && this.tracker) this.tracker.read(bucketResource('o:', ix.indexer.kind, name, value));
    const objs = ix ? ix.keys(value).map((k) => this.get(ix.indexer.kind, k)!) : super.byIndex(name, value);
    if (this.reads) this.reads.byIndex('store', name, value, objs);
    return objs;
  }

  /** The running total of a tally (TALLIES) under `value`: undefined when an object's amount cannot be read. */
  tally(name: TallyName, value: string): bigint | undefined {
    if (this.tracker) this.tracker.read(tallyResource(TALLIES[name].kind, name, value));
    return this.derived.tallies.get(name)!.total(value);
  }

  /** Keeps the store's own indexes and tallies with a write of `key` (before the maps change). */
  private derive(kind: StoredKind, key: string, next: AnyObject | undefined): void {
    const list = this.derived.byKind.get(kind);
    if (!list) return;
    const old = this.get(kind, key);
    if (this.tracker) this.trackDerived(kind, old, next);
    for (const u of list) u.update(key, old, next);
  }

  /** A write's footprint on the store's own indexes and tallies: the buckets and totals it changes. */
  private trackDerived(kind: StoredKind, old: AnyObject | undefined, next: AnyObject | undefined): void {
    for (const ix of this.derived.indexes.values()) {
      if (ix.indexer.kind !== kind) continue;
      for (const v of ix.valuesOf(old, next)) this.tracker!.write(bucketResource('o:', kind, ix.name, v));
    }
    for (const [name, t] of this.derived.tallies) {
      if (t.tally.kind !== kind) continue;
      for (const o of [old, next]) {
        const v = o && t.tally.value(o);
        if (v !== undefined) this.tracker!.write(tallyResource(kind, name, v));
      }
    }
  }

  list(kind: StoredKind): AnyObject[] {
    if (this.tracker) this.tracker.read(`o:${kind}|*`);
    this.reads?.unreplayable();
    if (kind === 'Event') return [...this.plainOf(kind).values()];
    if (isActorKind(kind)) {
      const actors = this.actorsOf(kind);
      return this.sortedKeysOf(kind).map((k) => actors.get(k)!.object);
    }
    const objects = this.plainOf(kind);
    return this.sortedKeysOf(kind).map((k) => objects.get(k)!);
  }

  /** A kind's keys in order, sorted again only after a key was added or removed. */
  private sortedKeysOf(kind: StoredKind): string[] {
    let keys = this.sortedKeys.get(kind);
    if (!keys) {
      keys = [...(isActorKind(kind) ? this.actorsOf(kind) : this.plainOf(kind)).keys()].sort();
      this.sortedKeys.set(kind, keys);
    }
    return keys;
  }

  /** The actor's state value (its phase machine state), for inspection and tests. */
  actorState(kind: StoredKind, key: string): string | undefined {
    const entry = this.actorsOf(kind).get(key);
    return entry ? String(entry.state.value) : undefined;
  }

  /**
   * The fingerprint of every stored object: equal for two stores that differ only in uids,
   * names generated from them, resource versions and timestamps (see the domain Fingerprinter).
   */
  fingerprint(): string {
    return this.hashed().value();
  }

  /**
   * `fingerprint()` computed with no hash kept: every object hashed again by a new Fingerprinter
   * with this one's registry (`registryCopy`). Equal to `fingerprint()` unless a hash kept is
   * stale; tests compare the two. Returns that Fingerprinter too.
   */
  fingerprintFromScratch(): { value: string; fingerprinter: Fingerprinter } {
    const f = this.registryCopy();
    for (const kind of STORED_KINDS) {
      const entries: [string, AnyObject][] = isActorKind(kind)
        ? [...this.actorsOf(kind)].map(([k, a]) => [k, a.object])
        : [...this.plainOf(kind)];
      for (const [k, o] of entries) f.set(kind, k, o);
    }
    return { value: f.value(), fingerprinter: f };
  }

  /** A new Fingerprinter with this one's uids, aliases and counters and no object hashed (nothing remembered). */
  registryCopy(): Fingerprinter {
    return Fingerprinter.fromJSON({ ...this.fingerprinter.toJSON(), objects: [] });
  }

  /** Replaces every uid (and name generated from one) in `text` by its canonical name; hashes nothing. */
  canonicalNames(text: string): string {
    return this.fingerprinter.substitute(text);
  }

  /** The fingerprinter with every written key hashed (for per-object hashes and snapshots). */
  hashed(): Fingerprinter {
    if (this.unhashed.size === 0) return this.fingerprinter;
    for (const [kind, keys] of this.unhashed) {
      for (const key of keys) this.fingerprinter.set(kind, key, this.get(kind, key));
    }
    this.unhashed.clear();
    return this.fingerprinter;
  }

  /**
   * Everything a snapshot needs to recreate this store (objects in a stable order). The
   * fingerprinter's registry goes with it: the objects alone do not say which uids came first
   * or how often a name was reused.
   */
  dump(): StoreDump & { fingerprint: FingerprinterJSON } {
    const objects: [StoredKind, string, AnyObject][] = [];
    for (let k = 0; k < STORED_KINDS.length; k++) {
      const kind = STORED_KINDS[k]!;
      let entries = this.kindEntries[k];
      if (entries === undefined) {
        entries = [];
        // Each entry frozen: dumps share it.
        if (isActorKind(kind)) { for (const [k, a] of this.actorsOf(kind)) entries.push(Object.freeze([kind, k, a.object]) as [StoredKind, string, AnyObject]); }
        else for (const [k, o] of this.plainOf(kind)) entries.push(Object.freeze([kind, k, o]) as [StoredKind, string, AnyObject]);
        this.kindEntries[k] = entries;
      }
      for (let i = 0; i < entries.length; i++) objects.push(entries[i]!);
    }
    // The registry's state is shared with the dump, not written as JSON (ADR 0034): a dump is
    // reloaded far more often than written to a file (an explorer snapshots every new state and
    // restores one per transition), and the JSON round trip was a tenth of an exploration. The
    // JSON is written when first read (a file, a comparison) and kept.
    const state = this.hashed().snapshotState();
    let json: FingerprinterJSON | undefined;
    const dump: StoreDump & { fingerprint: FingerprinterJSON } = {
      resourceVersion: this.resourceVersion,
      objects,
      get fingerprint() { return (json ??= Fingerprinter.stateToJSON(state)); },
    };
    fingerprinterStates.set(dump, { state, kinds: this.kindEntries.slice() as KindEntries[] });
    // Absent when empty: a snapshot of a cluster without deletes is as it was before ADR 0031.
    if (this.recreated.size > 0) dump.recreated = [...this.recreated];
    return dump;
  }

  /** Recreates the state `dump()` returned (a dump without a fingerprint registers as it loads). */
  load(dump: StoreDump): void {
    const state = fingerprinterStates.get(dump)?.state;
    if (state !== undefined) this.fingerprinter = Fingerprinter.fromState(state);
    else if (dump.fingerprint) this.fingerprinter = Fingerprinter.fromJSON(dump.fingerprint);
    // With the registry, every loaded object's hash came with it (the dump hashed them all first):
    // only what was written before the load is hashed again (an explorer restores a world per
    // transition, and hashing every object again was a third of a restore's cost) — unless the
    // hashes are of another scheme (a snapshot written by an older pvsim): fromJSON drops them.
    const kept = state !== undefined || (dump.fingerprint !== undefined && (dump.fingerprint.hash ?? 1) === FINGERPRINT_HASH_SCHEME);
    const before = kept ? new Map([...this.unhashed].map(([kind, keys]) => [kind, new Set(keys)])) : undefined;
    for (const [kind, key, obj] of dump.objects) this.put(kind, key, obj);
    if (before) {
      this.unhashed.clear();
      for (const [kind, keys] of before) this.unhashed.set(kind, keys);
    }
    this.resourceVersion = Math.max(this.resourceVersion, dump.resourceVersion);
    for (const [key, n] of dump.recreated ?? []) this.recreated.set(key, n);
  }

  /**
   * `load` into a store that has been used since it was built (World.restoreInPlace): every
   * object, actor, index, tally, correlation entry and version counter is dropped first, so the
   * store ends as a new store loaded with `dump` would — its hosts (one per kind, stateless) and
   * its bus are kept. `changes` keeps counting (caches keyed by it must not see an old count again).
   */
  loadInPlace(dump: StoreDump): void {
    this.kindEntries.fill(undefined);
    for (const [kind, actors] of this.actors) {
      for (const a of actors.values()) this.bus.unsubscribe(a.address);
      actors.clear();
      this.sortedKeys.delete(kind);
    }
    for (const [kind, objects] of this.plain) {
      objects.clear();
      this.sortedKeys.delete(kind);
    }
    this.index = undefined;
    this.derived = newDerived();
    this.eventByCorrelation = new Map();
    this.correlationBuilt = true;
    this.unhashed.clear();
    this.fingerprinter = new Fingerprinter();
    this.resourceVersion = 0;
    this.recreated = new Map();
    this.writes = 0;
    this.changes++;
    this.load(dump);
  }

  /**
   * `loadInPlace`, keeping what already stands: the objects are frozen and shared between a
   * snapshot and every world restored from it (ADR 0009), so an object whose reference is the
   * dump's is the dump's — its actor (whose state is its phase's, as a load would give it), bus
   * subscription and index entries are kept, and only the objects that differ are put. Each kind's
   * map ends in the dump's order (Events list in insertion order): a kind whose keys already stand
   * in that order (the dump's keys first, then keys the dump lacks: objects created since) is
   * changed in place, key by key — an explorer restores states a step or two apart, and
   * rebuilding every map was a third of a restore (2026-12-03 session 8); any other kind's map is
   * rebuilt in the dump's order; a kind whose entries are the very ones this store last dumped or
   * reloaded, unwritten since (`kindEntries`), is not looked at. The correlation index is rebuilt from the Events in that order,
   * the registry from the dump (its shared state, ADR 0034, or else its JSON). A dump without this
   * scheme's hashes is loaded in full.
   * Returns the keys whose object changed (put, replaced or dropped) — an informer cache that
   * held this store's objects before catches up with them alone (InformerCache.refresh) — or
   * undefined after a full load, or when the Events were rebuilt (their order changed: a cache
   * lists Events in insertion order and must list them again).
   */
  reload(dump: StoreDump): ReloadedKeys | undefined {
    const side = fingerprinterStates.get(dump);
    const state = side?.state;
    // A dump of this process is grouped by kind (dump() writes it so), and its `kinds` say where each kind starts.
    if ((state === undefined && (dump.fingerprint === undefined || (dump.fingerprint.hash ?? 1) !== FINGERPRINT_HASH_SCHEME)) || (side === undefined && !groupedByKind(dump.objects))) { this.loadInPlace(dump); return undefined; }
    // A dump of this process shares its registry's state: taken back as it is (keeping what this
    // fingerprinter remembers of short strings); one read from a file is loaded from its JSON.
    if (state !== undefined) this.fingerprinter.restore(state);
    else this.fingerprinter = Fingerprinter.fromJSON(dump.fingerprint!);
    this.index = undefined;
    this.unhashed.clear();
    const changed: ReloadedKeys = [];
    let eventsRebuilt = false;
    let eventsChanged = false;
    const objects = dump.objects;
    const kinds = side?.kinds;
    let from = 0;
    for (let k = 0; k < STORED_KINDS.length; k++) {
      const kind = STORED_KINDS[k]!;
      const shared = kinds?.[k];
      let to = from;
      if (shared !== undefined) to += shared.length;
      else while (to < objects.length && objects[to]![0] === kind) to++;
      // The kind's entries as this store last dumped or reloaded them, unwritten since, are the
      // dump's, entry for entry (an entry is never changed): its map stands as the dump has it.
      // The very array (this store's own dump, or one it reloaded) needs no look inside.
      const held = this.kindEntries[k];
      if (held !== undefined && held === shared) { from = to; continue; }
      if (this.holds(held, objects, from, to)) { if (shared !== undefined) this.kindEntries[k] = shared; from = to; continue; }
      const actorKind = isActorKind(kind);
      const current: Map<string, AnyObject | Passivated> | undefined = actorKind ? this.actors.get(kind) : this.plain.get(kind);
      if ((current === undefined || current.size === 0) && to === from) continue;
      if (kind === 'Event') eventsChanged = true;
      const map = current ?? (actorKind ? this.actorsOf(kind) : this.plainOf(kind));
      if (!this.reloadInOrder(kind, map, objects, from, to, changed)) {
        this.reloadRebuilt(kind, map, objects.slice(from, to).map(([, key, obj]) => [key, obj]), changed);
        if (kind === 'Event') eventsRebuilt = true;
      }
      // The map now stands as the dump has the kind, in its order.
      this.kindEntries[k] = shared ?? objects.slice(from, to);
      from = to;
    }
    // Built again unless the Events stand as they stood and it was built for them.
    if (eventsChanged || !this.correlationBuilt) {
      this.eventByCorrelation = new Map();
      for (const [key, ev] of this.plainOf('Event')) {
        const correlation = correlationKeyOf(ev);
        if (!this.eventByCorrelation.has(correlation)) this.eventByCorrelation.set(correlation, key);
      }
      this.correlationBuilt = true;
    }
    this.resourceVersion = dump.resourceVersion;
    this.recreated = new Map(dump.recreated ?? []);
    this.writes = 0;
    this.changes++;
    return eventsRebuilt ? undefined : changed;
  }

  /** Whether `held` (a kind's `kindEntries`) are the entries `objects[from, to)` themselves. */
  private holds(held: KindEntries | undefined, objects: StoreDump['objects'], from: number, to: number): boolean {
    if (held === undefined || held.length !== to - from) return false;
    for (let i = 0; i < held.length; i++) if (held[i] !== objects[from + i]) return false;
    return true;
  }

  /**
   * One kind of `reload` in place, when `map`'s keys are the dump's (`objects[from, to)`) in its
   * order followed by keys it lacks: the objects that differ are put, the keys after dropped.
   * False (nothing changed) when the keys stand in another order.
   */
  private reloadInOrder(kind: StoredKind, map: Map<string, AnyObject | Passivated>, objects: StoreDump['objects'], from: number, to: number, changed: ReloadedKeys): boolean {
    const n = to - from;
    if (map.size < n) return false;
    let j = from;
    for (const key of map.keys()) {
      if (j === to) break;
      if (key !== objects[j]![1]) return false;
      j++;
    }
    const actorKind = isActorKind(kind);
    const host = actorKind && n > 0 ? this.hostOf(kind) : undefined;
    const created: string[] = [];
    j = from;
    for (const [key, v] of map) {
      if (j === to) { created.push(key); continue; }
      const obj = objects[j++]![2];
      if ((actorKind ? (v as Passivated).object : v) === obj) continue;
      // The indexes and tallies move first (derive reads the object that stands).
      this.derive(kind, key, obj);
      changed.push([kind, key]);
      if (actorKind) {
        // Setting a key the map has keeps its place.
        const address = (v as Passivated).address;
        this.bus.unsubscribe(address);
        map.set(key, host!.initial(obj, address));
        this.bus.subscribe(address, host!.onEvent);
      } else {
        map.set(key, obj);
      }
    }
    for (const key of created) {
      this.derive(kind, key, undefined);
      if (actorKind) this.bus.unsubscribe((map.get(key) as Passivated).address);
      map.delete(key);
      changed.push([kind, key]);
    }
    if (created.length > 0) this.sortedKeys.delete(kind);
    return true;
  }

  /** One kind of `reload` whose keys stand in another order than the dump's: its map is rebuilt in the dump's order. */
  private reloadRebuilt(kind: StoredKind, current: Map<string, AnyObject | Passivated>, next: [string, AnyObject][], changed: ReloadedKeys): void {
    const actorKind = isActorKind(kind);
    const objectOf = (v: AnyObject | Passivated): AnyObject => (actorKind ? (v as Passivated).object : (v as AnyObject));
    const wanted = new Map(next);
    let keysMoved = false;
    // The indexes and tallies move from what stands to the dump's objects (before the maps change).
    for (const [key, v] of current) {
      if (wanted.has(key)) continue;
      this.derive(kind, key, undefined);
      if (actorKind) this.bus.unsubscribe((v as Passivated).address);
      keysMoved = true;
      changed.push([kind, key]);
    }
    for (const [key, obj] of next) {
      const v = current.get(key);
      if (v !== undefined && objectOf(v) === obj) continue;
      this.derive(kind, key, obj);
      changed.push([kind, key]);
      if (v === undefined) keysMoved = true;
    }
    const before = new Map(current);
    current.clear();
    if (actorKind) {
      const actors = current as Map<string, Passivated>;
      const host = next.length > 0 ? this.hostOf(kind) : undefined;
      for (const [key, obj] of next) {
        const a = before.get(key) as Passivated | undefined;
        if (a !== undefined && a.object === obj) { actors.set(key, a); continue; }
        if (a !== undefined) this.bus.unsubscribe(a.address);
        const address = `${STREAM_PREFIX[kind]}/${key}`;
        actors.set(key, host!.initial(obj, address));
        this.bus.subscribe(address, host!.onEvent);
      }
    } else {
      for (const [key, obj] of next) (current as Map<string, AnyObject>).set(key, obj);
    }
    if (keysMoved) this.sortedKeys.delete(kind);
  }

  /**
   * Takes over every object of `other` — its actors as they are, its version counter, event
   * index and fingerprint registry — in place of folding the log or loading a dump, which would
   * build an actor per object again. The result is the store a fold of the same log gives (a
   * machine's state is its object's phase, ADR 0006 replays by folding): `record import` hands
   * one command's API server to the next command's new world this way. This store must be new
   * and `other` is not used afterwards.
   */
  adopt(other: ObjectStore): void {
    const holds = (m: Map<StoredKind, Map<string, unknown>>): boolean => [...m.values()].some((x) => x.size > 0);
    if (this.resourceVersion !== 0 || holds(this.actors) || holds(this.plain)) throw new Error('ObjectStore.adopt: this store is not new');
    this.actors.clear();
    this.plain.clear();
    this.sortedKeys.clear();
    this.kindEntries.fill(undefined);
    for (const [kind, m] of other.actors) this.actors.set(kind, m);
    for (const [kind, m] of other.plain) this.plain.set(kind, m);
    for (const [kind, keys] of other.sortedKeys) this.sortedKeys.set(kind, keys);
    this.derived = other.derived;
    // Taken over, not copied (this store is new: its index is empty): a replay adopts a store per
    // input, and copying every event's entry each time grew with the recording.
    this.eventByCorrelation = other.eventByCorrelation;
    this.correlationBuilt = other.correlationBuilt;
    other.eventByCorrelation = new Map();
    for (const [kind, host] of other.hosts) this.hosts.set(kind, host);
    for (const [kind, keys] of other.unhashed) this.unhashed.set(kind, keys);
    // The actors listen on the other store's bus; writes reach them through it.
    this.bus = other.bus;
    this.fingerprinter = other.fingerprinter;
    this.recreated = other.recreated;
    other.recreated = new Map();
    this.resourceVersion = other.resourceVersion;
    this.changes = other.changes;
    other.actors.clear();
    other.plain.clear();
  }

  /** Replay of a deletion record: the version counter moves as it did live. */
  noteResourceVersion(rv: string | undefined): void {
    const n = Number(rv ?? 0);
    if (n > this.resourceVersion) this.resourceVersion = n;
  }

  /** Puts an object back exactly as recorded (log replay); reports nothing. */
  restore(kind: StoredKind, obj: AnyObject | undefined, key?: string): void {
    const k = key ?? objectKey(kind, obj!);
    if (!obj) { this.drop(kind, k); return; }
    const rv = Number(obj.metadata.resourceVersion ?? 0);
    if (rv > this.resourceVersion) this.resourceVersion = rv;
    this.put(kind, k, obj);
  }

  // ------------------------------------------------------------ writes

  private writeContext(kind: StoredKind) {
    return { resource: RESOURCE[kind], now: this.opts.clock.iso(), nextVersion: () => String(++this.resourceVersion) };
  }

  /** Create: assigns uid, creationTimestamp and resourceVersion; keeps the given status. */
  create(kind: StoredKind, obj: AnyObject): AnyObject {
    const key = objectKey(kind, obj);
    if (this.tracker) this.tracker.write(`o:${kind}|${key}`);
    this.checkFault('create', kind, obj.metadata.name);
    const newUid = (): string => this.opts.newUid({
      apiVersion: obj.apiVersion, kind, namespace: NAMESPACED[kind] ? (obj.metadata.namespace ?? 'default') : '', name: obj.metadata.name,
      n: this.recreated.get(`${kind}|${key}`) ?? 0,
    });
    const stored = decideCreate(this.get(kind, key), obj, { ...this.writeContext(kind), namespaced: NAMESPACED[kind], newUid }) as AnyObject;
    this.commit(kind, key, undefined, stored, 'Created');
    return stored;
  }

  /**
   * Update. `subresource` 'status' keeps the stored spec and metadata; the main resource keeps
   * the stored status (PV and PVC strategies). A stale resourceVersion is a Conflict.
   */
  update(kind: StoredKind, obj: AnyObject, subresource?: 'status'): AnyObject {
    const key = objectKey(kind, obj);
    if (this.tracker) this.tracker.write(`o:${kind}|${key}`);
    this.checkFault('update', kind, obj.metadata.name);
    const old = this.get(kind, key);
    const out = decideUpdate(old, obj, subresource, this.writeContext(kind));
    if (out.fact === 'Unchanged') return out.next as AnyObject;
    if (out.fact === 'Deleted') {
      // The last finalizer is gone: the object disappears. Its caller gets what it wrote.
      this.commit(kind, key, old, undefined, 'Deleted');
      return out.written as AnyObject;
    }
    this.commit(kind, key, old, out.next as AnyObject, 'Updated');
    return out.next as AnyObject;
  }

  /** Delete: with finalizers the object turns Terminating (deletionTimestamp), else it is gone. */
  delete(kind: StoredKind, key: string): void {
    if (this.tracker) this.tracker.write(`o:${kind}|${key}`);
    const old = this.get(kind, key);
    if (old) this.checkFault('delete', kind, old.metadata.name);
    const out = decideDelete(old, key.split('/').pop()!, this.writeContext(kind));
    if (out.fact === 'Unchanged') return;
    this.commit(kind, key, old, out.next as AnyObject | undefined, out.fact);
  }

  // ------------------------------------------------------------ ClusterApi

  findBestMatchForClaim(claim: PersistentVolumeClaim, delayBinding: boolean) {
    if (this.tracker) this.tracker.read('o:PersistentVolume|*');
    this.reads?.unreplayable();
    if (!this.index) {
      this.index = new VolumeIndex();
      for (const v of this.listVolumes()) this.index.set(v);
    }
    return this.index.findBestMatchForClaim(claim, delayBinding, this.vacEnabled);
  }
  /** Feature gate VolumeAttributesClass as the matcher sees it. */
  vacEnabled = true;

  createVolume(v: PersistentVolume) { return this.create('PersistentVolume', v as unknown as AnyObject) as unknown as PersistentVolume; }
  updateVolume(v: PersistentVolume) { return this.update('PersistentVolume', v as unknown as AnyObject) as unknown as PersistentVolume; }
  updateVolumeStatus(v: PersistentVolume) { return this.update('PersistentVolume', v as unknown as AnyObject, 'status') as unknown as PersistentVolume; }
  deleteVolume(name: string) { this.delete('PersistentVolume', name); }
  updateClaim(c: PersistentVolumeClaim) { return this.update('PersistentVolumeClaim', c as unknown as AnyObject) as unknown as PersistentVolumeClaim; }
  updateClaimStatus(c: PersistentVolumeClaim) { return this.update('PersistentVolumeClaim', c as unknown as AnyObject, 'status') as unknown as PersistentVolumeClaim; }

  /**
   * EventRecorder with the correlator's aggregation: same object, type, reason, message and
   * source => count+1. `component` is the reporting component (`source.component`).
   */
  event(object: { kind: string; apiVersion: string; metadata: { name: string; namespace?: string; uid?: string } }, type: 'Normal' | 'Warning', reason: string, message: string, component = 'persistentvolume-controller'): void {
    const namespace = object.metadata.namespace ?? 'default';
    const now = this.opts.clock.iso();
    const correlated = this.eventByCorrelation.get(eventCorrelationKey({
      involvedObject: { kind: object.kind, name: object.metadata.name, namespace: object.metadata.namespace, uid: object.metadata.uid },
      type, reason, message, source: { component },
    }));
    const existing = correlated === undefined ? undefined : this.plainOf('Event').get(correlated) as unknown as KubeEvent;
    const ev = decideEvent(existing, { object, type, reason, message, component }, now, this.plainOf('Event').size + 1);
    const key = `${namespace}/${ev.metadata.name}`;
    // A new event's name counts the events so far: it reads them all.
    if (this.tracker) { this.tracker.read('o:Event|*'); this.tracker.write(`o:Event|${key}`); }
    this.put('Event', key, ev as unknown as AnyObject);
    this.opts.record?.({ time: this.opts.clock.isoMs(), stream: `event/${key}`, type: 'EventRecorded', data: ev });
    this.opts.watch?.({ kind: 'Event', key, old: existing as unknown as AnyObject | undefined, new: ev as unknown as AnyObject });
  }

  /** Events in the order they were first recorded. */
  events(): KubeEvent[] { return this.list('Event') as unknown as KubeEvent[]; }

  // ------------------------------------------------------------ internals

  private checkFault(verb: 'create' | 'update' | 'delete', kind: StoredKind, name: string): void {
    const err = this.opts.fault?.(verb, RESOURCE[kind], name);
    if (err) throw err;
  }

  private commit(kind: StoredKind, key: string, old: AnyObject | undefined, next: AnyObject | undefined, verb: 'Created' | 'Updated' | 'Deleted'): void {
    // An update keeps the stored uid (decideUpdate), registered when the object was first put.
    let address: string | undefined;
    if (next) address = this.put(kind, key, next, old !== undefined && old.metadata['uid'] === next.metadata['uid']); else this.drop(kind, key);
    this.writes++;
    this.opts.record?.({
      time: this.opts.clock.isoMs(),
      // An actor's stream is its bus address, kept with it; the fact's type is made once per kind.
      stream: address ?? `${STREAM_PREFIX[kind]}/${key}`,
      type: FACT_TYPES[kind][verb],
      data: next ?? {
        kind, apiVersion: old!.apiVersion,
        metadata: {
          name: old!.metadata.name, ...(old!.metadata.namespace ? { namespace: old!.metadata.namespace } : {}), uid: old!.metadata['uid'],
          resourceVersion: String(this.resourceVersion),
        },
      },
    });
    this.opts.watch?.({ kind, key, old, new: next });
  }

  /**
   * `uidRegistered`: the object's uid is known to be registered already (an update's). Returns an
   * actor's bus address (`pv/<key>`: its log stream too).
   */
  private put(kind: StoredKind, key: string, obj: AnyObject, uidRegistered = false): string | undefined {
    this.changes++;
    this.derive(kind, key, obj);
    // Looking the uid up in the registry (a map of every uid and generated name) was 2 % of a bind.
    if (!uidRegistered) this.fingerprinter.registerObject(kind, key, obj);
    this.markUnhashed(kind, key);
    if (isActorKind(kind)) {
      const actors = this.actorsOf(kind);
      const before = actors.get(key);
      const host = this.hostOf(kind);
      let address: string;
      if (!before) {
        address = `${STREAM_PREFIX[kind]}/${key}`;
        actors.set(key, host.initial(obj, address));
        this.sortedKeys.delete(kind);
        this.bus.subscribe(address, host.onEvent);
      } else {
        address = before.address;
        this.bus.publish(before.address, { type: 'WRITE', object: obj });
        const after = actors.get(key)!;
        if (after === before || after.object !== obj) {
          throw new IllegalTransitionError(kind, obj.metadata.name, String(before.state.value), String(after.state.value));
        }
      }
      if (kind === 'PersistentVolume') this.index?.set(obj as unknown as PersistentVolume);
      return address;
    }
    const objects = this.plainOf(kind);
    // One lookup: a key is new when the map grew.
    const size = objects.size;
    objects.set(key, obj);
    if (objects.size !== size) this.sortedKeys.delete(kind);
    if (kind === 'Event') {
      const correlation = correlationKeyOf(obj);
      if (!this.eventByCorrelation.has(correlation)) this.eventByCorrelation.set(correlation, key);
    }
  }

  /**
   * What the writes of one machine kind run with, made once per kind: the scope of the machine's
   * pure transitions — what xstate's own `transition()` makes on every call (an actor and a system
   * each time, which cost more than the transition). The machines have no timers, children,
   * emitted events or effects, so nothing is ever scheduled or spawned in it; their one action
   * (the `store` assign) is applied by the transition itself. A passivated object keeps its state
   * as a template shared by every object in that state (the snapshot without its context); the
   * snapshot a transition needs is the template with the object as context. One bus handler per
   * kind finds the object by the address it is given.
   */
  private hostOf(kind: StoredKind): MachineHost {
    let host = this.hosts.get(kind);
    if (host) return host;
    const { machine, scope, passivate, initial } = sharedHostOf(kind);
    const actors = this.actorsOf(kind);
    const prefixLength = STREAM_PREFIX[kind].length + 1;
    const onEvent = (event: BusEvent, address: string) => {
      const key = address.slice(prefixLength);
      const current = actors.get(key);
      if (!current || current.state.status !== 'active') return;
      const snapshot = { ...current.state, context: { object: current.object } } as AnyMachineSnapshot;
      const next = machine.transition(snapshot, event, scope);
      if (next !== snapshot) actors.set(key, passivate(next, current.address));
    };
    host = { machine, scope, passivate, initial, onEvent };
    this.hosts.set(kind, host);
    return host;
  }

  private markUnhashed(kind: StoredKind, key: string): void {
    this.writtenKinds?.add(kind);
    this.kindEntries[KIND_INDEX.get(kind)!] = undefined;
    let keys = this.unhashed.get(kind);
    if (!keys) this.unhashed.set(kind, (keys = new Set()));
    keys.add(key);
  }

  /** One more object of `kind` and `key` was created and is gone: the next one's uid is another. */
  private countRemoved(kind: StoredKind, key: string): void {
    const k = `${kind}|${key}`;
    this.recreated.set(k, (this.recreated.get(k) ?? 0) + 1);
  }

  private drop(kind: StoredKind, key: string): void {
    this.changes++;
    this.derive(kind, key, undefined);
    this.markUnhashed(kind, key);
    if (isActorKind(kind)) {
      const actors = this.actorsOf(kind);
      if (actors.has(key)) {
        this.countRemoved(kind, key);
        const address = `${STREAM_PREFIX[kind]}/${key}`;
        this.bus.publish(address, { type: 'REMOVE' });
        this.bus.unsubscribe(address);
        actors.delete(key);
        this.sortedKeys.delete(kind);
      }
      if (kind === 'PersistentVolume') this.index?.delete(key);
      return;
    }
    const old = this.plainOf(kind).get(key);
    if (this.plainOf(kind).delete(key)) {
      this.sortedKeys.delete(kind);
      this.countRemoved(kind, key);
    }
    if (kind === 'Event' && old) {
      const correlation = correlationKeyOf(old);
      if (this.eventByCorrelation.get(correlation) === key) { this.eventByCorrelation.delete(correlation); this.correlationBuilt = false; }
    }
  }
}
