/**
 * Design: what the controller manager needs from a controller, as kube-controller-manager and
 * the sidecars need from theirs: the work queues it owns and a sync function for each, the
 * informer handlers that turn object changes into work, what a periodic resync re-queues, and
 * whether it still has something in flight. Controllers never run themselves; the manager's
 * scheduler decides which work item runs next, so every interleaving is a function of the seed.
 */
import type { Pod } from '@pvsim/domain';
import type { Client, WatchEvent } from '@pvsim/runtime';

export interface WorkQueue {
  /** Queue the key unless it already waits (client-go workqueue Add). */
  add(queue: string, key: string): void;
  /**
   * Queue the key after `delayMs` of simulated time (AddAfter, AddRateLimited). `retry` marks a
   * retry with backoff after a failure: settling follows such timers only while they change
   * something, so a retry loop does not fast-forward the cluster.
   */
  addAfter(queue: string, key: string, delayMs: number, kind?: 'retry'): void;
}

export interface Controller {
  readonly name: string;
  /** Queue name -> sync of one key. Queue names are global; prefix them with the controller. */
  readonly queues: Readonly<Record<string, (key: string) => void>>;
  /** Informer handlers. */
  onWatch?(ev: WatchEvent, queue: WorkQueue): void;
  /**
   * Set by a controller of which there is one per key (a kubelet per node): its `onWatch` acts
   * only on events `concerned` lists its key for (a superset is fine), so the manager calls only
   * those instead of every instance — O(1), not O(nodes), per watch event. 'all': every instance.
   */
  readonly watchScope?: { key: string; concerned(ev: WatchEvent): readonly string[] | 'all' };
  /** Periodic resync. */
  resync?(queue: WorkQueue): void;
  /** True while this controller could still change something at a later resync. */
  unsettled?(): boolean;
  /**
   * What this controller remembers between syncs, as plain JSON (operations in flight, backoffs,
   * failure counts, reported-once sets): `world.snapshot()` saves it and `restore` gives it back
   * to a fresh instance, so a world can be copied. A controller that remembers nothing omits both.
   * A crash is a fresh instance that is given nothing.
   */
  saveState?(): unknown;
  loadState?(state: unknown): void;
  /**
   * True when `loadState` neither changes what it is given nor keeps a part of it that this
   * controller changes later (it copies into its own sets and maps, or keeps only parts it never
   * changes): the world then hands it a snapshot's state itself, which snapshots share and never
   * change, instead of a copy (services/world/test/loadStateContract.test.ts holds every built-in
   * component to it). Without it the world copies the state first (a user's driver module, whose
   * code is not ours to vouch for).
   */
  readonly loadStateCopies?: boolean;
  /**
   * What `saveState()` returns as the fingerprint sees it, for hashing right away only: it may
   * share this controller's own memory (no copies) and list a record's members in any order (a
   * hash of an object does not depend on its members' order), but it must hash exactly as
   * `saveState()` does — `world.fingerprintFromScratch()` hashes `saveState()` and the tests
   * compare the two after every step. Without it the fingerprint hashes `saveState()`.
   */
  stateForHash?(): unknown;
  /**
   * Moves whenever what `saveState` would return changes (stateVersion.ts), so the world's
   * fingerprint serialises this controller again only then. Without it, every fingerprint
   * serialises the controller's state.
   */
  readonly stateVersion?: { readonly value: number };
  /** What is still in flight, one line each, as a user would want it reported when a command stops at its budget. */
  inFlight?(): string[];
}

/**
 * A node's place among the nodes by name (0 when it is not there), from which its simulated
 * addresses are numbered: a binary search in the reader's sorted keys, not a list of every node.
 */
export function nodeIndex(reader: Pick<Client, 'keys'>, name: string): number {
  const keys = reader.keys('Node');
  let lo = 0;
  let hi = keys.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const k = keys[mid]!;
    if (k === name) return mid;
    if (k < name) lo = mid + 1; else hi = mid - 1;
  }
  return 0;
}

/** A pod's work-queue key, `namespace/name` (MetaNamespaceKeyFunc; no namespace means default). */
export function podKey(pod: Pod): string {
  return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}`;
}

/** cache.SplitMetaNamespaceKey: `namespace/name`, or a bare name (cluster-scoped, namespace ''). */
export function splitKey(key: string): [namespace: string, name: string] {
  const i = key.indexOf('/');
  return i < 0 ? ['', key] : [key.slice(0, i), key.slice(i + 1)];
}

/**
 * An error a later sync may mend, as Kubernetes retries a failed sync. Not one: a programming
 * error (TypeError, RangeError, ReferenceError) or a throw of something that is not an Error;
 * syncs rethrow those, and they stop the simulation.
 */
export function isRetriableError(e: unknown): e is Error {
  return e instanceof Error && !(e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError);
}
