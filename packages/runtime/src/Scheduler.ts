/**
 * Design: the order of deliveries is the simulator's main source of interleavings, so one
 * object decides it. Work items are deduplicated like a client-go work queue (a key waiting
 * once), and the next item is drawn from the waiting ones by the seeded generator. Each choice is
 * reported (`onDeliver`) so the log records the schedule and a run can be re-executed exactly.
 * A model checker can replace `choose` to enumerate every order.
 */
import type { Random } from './Random.ts';
import type { AccessTracker } from './Footprint.ts';

export interface WorkItem {
  /** Queue name, e.g. `claims`, `volumes`, `operations`. */
  queue: string;
  key: string;
}

export type Chooser = (waiting: readonly WorkItem[]) => number;

/**
 * Whether the item it belongs to still waits (see `Scheduler.keys`), and the item's part of
 * `waitingHash` (hi, lo) while it is counted: kept so that taking it subtracts what adding it
 * added, without hashing it again.
 */
interface Mark { waiting: boolean; hi: number; lo: number }
const UNKEYED: Mark = { waiting: false, hi: 0, lo: 0 };

export class Scheduler {
  private waiting: WorkItem[] = [];
  /**
   * An order-independent hash of the waiting items (lane-wise sums of each item's hash), kept as
   * items come and go, so a world's fingerprint does not sort the queue on every step. Kept from
   * the first read of `waitingHash` on (summed over the items waiting then): a run that never
   * asks — a command's, a benchmark's until its end — does not hash two items per delivery. An
   * item's hash must not change while it waits (the world's hashes its queue and its key with
   * uids replaced by their canonical names, which do not change once registered).
   */
  itemHash: ((item: WorkItem) => [number, number]) | undefined;
  private hashing = false;
  private takingEach = false;
  private waitingHi = 0;
  private waitingLo = 0;

  /** Adds a waiting item's hash to the sum, and keeps it in its mark. */
  private count(item: WorkItem, mark: Mark): void {
    if (!this.hashing || !this.itemHash) return;
    const [hi, lo] = this.itemHash(item);
    mark.hi = hi;
    mark.lo = lo;
    this.waitingHi = (this.waitingHi + hi) >>> 0;
    this.waitingLo = (this.waitingLo + lo) >>> 0;
  }

  /** Takes a taken item's hash (as its mark kept it) out of the sum. */
  private uncount(mark: Mark): void {
    if (!this.hashing || !this.itemHash) return;
    this.waitingHi = (this.waitingHi - mark.hi) >>> 0;
    this.waitingLo = (this.waitingLo - mark.lo) >>> 0;
  }

  /** The waiting items' order-independent hash (see `itemHash`). */
  get waitingHash(): [number, number] {
    if (!this.hashing && this.itemHash) {
      this.hashing = true;
      // Within `takeEach` the round's items are in no sum (see there).
      if (!this.takingEach) for (let i = 0; i < this.waiting.length; i++) this.count(this.waiting[i]!, this.marks[i]!);
    }
    return [this.waitingHi, this.waitingLo];
  }
  /**
   * Per queue, the mark of each key that was queued: a key waits while its mark says so. A set of
   * `queue + key` strings made a new string per add, check and take. Taking an item reaches its
   * mark through `marks` (`marks[i]` belongs to `waiting[i]`) rather than looking its key up
   * again: by the time an item is taken its key and its entry have long left the CPU's caches, and
   * that lookup (a delete, or a mark set false) was 5–8 % of a settled bind at 10k pairs. The
   * marks are dropped whenever nothing waits, so they never outgrow what waited at once.
   */
  private readonly keys = new Map<string, Map<string, Mark>>();
  private marks: Mark[] = [];
  /** The mark of the item `removeAt` took last. */
  private takenMark: Mark = UNKEYED;
  delivered = 0;

  private keysOf(queue: string): Map<string, Mark> {
    let keys = this.keys.get(queue);
    if (!keys) this.keys.set(queue, (keys = new Map()));
    return keys;
  }

  /** Removes `waiting[i]` (swap-remove, or in order for FIFO) and unmarks its key. */
  private removeAt(i: number): WorkItem {
    const item = this.waiting[i]!;
    const mark = this.marks[i]!;
    if (this.choose === 'fifo') {
      this.waiting.splice(i, 1);
      this.marks.splice(i, 1);
    } else {
      // Swap-remove: O(1) per delivery. The order of `waiting` is itself a function of the
      // seed, so choices stay reproducible.
      const last = this.waiting.pop()!;
      const lastMark = this.marks.pop()!;
      if (i < this.waiting.length) { this.waiting[i] = last; this.marks[i] = lastMark; }
    }
    mark.waiting = false;
    this.takenMark = mark;
    if (this.waiting.length === 0) this.keys.clear();
    return item;
  }

  /** Told every waiting or delayed item added or taken while set (Footprint.ts). */
  tracker: AccessTracker | undefined;

  /** `'fifo'`: oldest first, like a client-go work queue with one worker (tests, replays). */
  constructor(private readonly choose: Chooser | 'fifo') {}

  static seeded(random: Random): Scheduler {
    return new Scheduler((waiting) => random.int(waiting.length));
  }

  static fifo(): Scheduler {
    return new Scheduler('fifo');
  }

  private timers: { due: number; seq: number; item: WorkItem; retry?: boolean }[] = [];
  private timerSeq = 0;
  /** Queue and key of each delayed item -> its due time (one timer per key). */
  private readonly timerDue = new Map<string, number>();

  /**
   * Adds an item that becomes deliverable at simulated time `dueMs` (retries with backoff,
   * operations that take time). Timers fire in order of due time, then of scheduling.
   */
  addAt(item: WorkItem, dueMs: number, retry = false): void {
    if (this.tracker) this.tracker.write(`t:${item.queue}|${item.key}`);
    // client-go's delaying queue: a key already waiting for its time keeps the earlier one.
    const id = `${item.queue}\u0000${item.key}`;
    const existing = this.timerDue.get(id);
    if (existing !== undefined) {
      if (existing <= dueMs) return;
      this.timers.splice(this.timers.findIndex((t) => t.item.queue === item.queue && t.item.key === item.key), 1);
    }
    this.timerDue.set(id, dueMs);
    this.timers.push({ due: dueMs, seq: this.timerSeq++, item, ...(retry ? { retry } : {}) });
    this.timers.sort((a, b) => a.due - b.due || a.seq - b.seq);
  }

  /** The earliest due time of a delayed item, if any. */
  nextDue(): number | undefined {
    return this.timers[0]?.due;
  }

  /** The delayed items and their due times, in firing order (a copy; the waiting ones are not copied). */
  delayedItems(): { due: number; item: WorkItem }[] {
    return this.timers.map((t) => ({ due: t.due, item: t.item }));
  }

  /** True when every item due at the earliest due time is a retry after a failure. */
  nextDueIsRetry(): boolean {
    const due = this.timers[0]?.due;
    return due !== undefined && this.timers.every((t) => t.due !== due || t.retry === true);
  }

  /** True when every delayed item is a retry after a failure. */
  onlyRetriesDelayed(): boolean {
    return this.timers.every((t) => t.retry === true);
  }

  /** Moves every delayed item due at or before `nowMs` to the waiting items. */
  releaseDue(nowMs: number): number {
    let n = 0;
    while (this.timers.length > 0 && this.timers[0]!.due <= nowMs) {
      const { item } = this.timers.shift()!;
      this.timerDue.delete(`${item.queue}\u0000${item.key}`);
      this.add(item);
      n++;
    }
    return n;
  }

  get delayed(): number { return this.timers.length; }

  /**
   * The work not yet delivered, in order: what a process that stops now hands to the next one
   * (the CLI records it at the end of a command so the next command continues the queue).
   */
  pendingWork(): { waiting: WorkItem[]; delayed: { due: number; item: WorkItem; retry?: boolean }[] } {
    return {
      waiting: this.waiting.map((i) => ({ ...i })),
      delayed: this.timers.map((t) => ({ due: t.due, item: { ...t.item }, ...(t.retry ? { retry: true } : {}) })),
    };
  }

  /** Forgets every waiting and delayed item (a world restored from a snapshot takes its own). */
  clear(): void {
    this.waiting = [];
    this.marks = [];
    this.waitingHi = 0;
    this.waitingLo = 0;
    this.keys.clear();
    this.timers = [];
    this.timerDue.clear();
  }

  /**
   * The waiting items' parts of `waitingHash` as their marks keep them (hi, lo per item, in
   * `pendingWork()`'s order), while the sum is kept; undefined before. A snapshot carries them so
   * that a restore puts its items back without hashing each again (`restorePendingWork`).
   */
  waitingHashes(): number[] | undefined {
    if (!this.hashing || !this.itemHash || this.takingEach) return undefined;
    const out = new Array<number>(this.marks.length * 2);
    for (let i = 0; i < this.marks.length; i++) { out[2 * i] = this.marks[i]!.hi; out[2 * i + 1] = this.marks[i]!.lo; }
    return out;
  }

  /**
   * Takes back work `pendingWork()` described. `hashes`: `waitingHashes()` of the scheduler it was
   * described by, item for item (the same registry of names): each item's part of the sum is
   * taken from there instead of hashed again, so the sum is the one that scheduler had — kept from
   * here on, as that scheduler kept it (whether this one had been asked for it yet or not).
   */
  restorePendingWork(work: { waiting: WorkItem[]; delayed: { due: number; item: WorkItem; retry?: boolean }[] }, hashes?: readonly number[]): void {
    const carried = hashes !== undefined && hashes.length === work.waiting.length * 2 && !this.takingEach && this.itemHash !== undefined
      && (this.hashing || this.waiting.length === 0);
    if (carried) this.hashing = true;
    for (let i = 0; i < work.waiting.length; i++) {
      if (carried) this.addHashed(work.waiting[i]!, hashes[2 * i]!, hashes[2 * i + 1]!);
      else this.add(work.waiting[i]!);
    }
    for (const t of work.delayed) this.addAt(t.item, t.due, t.retry === true);
  }

  /** Adds an item unless the same one is already waiting. */
  add(item: WorkItem): void {
    if (this.tracker) this.tracker.write(`q:${item.queue}|${item.key}`);
    const keys = this.keysOf(item.queue);
    if (keys.get(item.key)?.waiting === true) return;
    const mark: Mark = { waiting: true, hi: 0, lo: 0 };
    keys.set(item.key, mark);
    this.waiting.push(item);
    this.marks.push(mark);
    this.count(item, mark);
  }

  /** `add` with the item's hash given (`restorePendingWork`: only while the sum is kept). */
  private addHashed(item: WorkItem, hi: number, lo: number): void {
    if (this.tracker) this.tracker.write(`q:${item.queue}|${item.key}`);
    const mark = this.mark(item);
    if (mark === undefined) return;
    mark.hi = hi;
    mark.lo = lo;
    this.waitingHi = (this.waitingHi + hi) >>> 0;
    this.waitingLo = (this.waitingLo + lo) >>> 0;
  }

  /** Queues an item with a new mark, or returns undefined when it is waiting already. */
  private mark(item: WorkItem): Mark | undefined {
    const keys = this.keysOf(item.queue);
    if (keys.get(item.key)?.waiting === true) return undefined;
    const mark: Mark = { waiting: true, hi: 0, lo: 0 };
    keys.set(item.key, mark);
    this.waiting.push(item);
    this.marks.push(mark);
    return mark;
  }

  get size(): number { return this.waiting.length; }

  /** Whether this item waits (an explorer's question; not tracked). */
  has(item: WorkItem): boolean { return this.keys.get(item.queue)?.get(item.key)?.waiting === true; }

  /** The waiting items in the order a chooser sees them. */
  get waitingItems(): readonly WorkItem[] { return this.waiting; }

  /** Removes and returns one particular waiting item (an explorer's or a replay's choice). */
  take(item: WorkItem): WorkItem | undefined {
    if (this.tracker) this.tracker.write(`q:${item.queue}|${item.key}`);
    const i = this.waiting.findIndex((w) => w.queue === item.queue && w.key === item.key);
    if (i < 0) return undefined;
    const taken = this.removeAt(i);
    this.uncount(this.takenMark);
    this.delivered++;
    return taken;
  }

  /**
   * Queues `items` (distinct) into the empty queue, in this order, and takes them one by one
   * exactly as `next()` would — the same chooser calls on the same waiting lists, so the same
   * random draws and the same order — handing each to `onTake` instead of a controller. What a
   * round of work already proven to change nothing costs without running it (the world's quiet
   * resyncs). The queue is left empty, as it was, with its hash unchanged (every item's part is
   * added and taken away again, so it is not computed).
   */
  takeEach(items: readonly WorkItem[], onTake: (item: WorkItem) => void): void {
    if (this.waiting.length > 0) throw new Error('Scheduler.takeEach: the queue is not empty');
    this.waiting = items.slice();
    // The round's items are not keyed (nothing looks them up): one mark stands for them all.
    this.marks = items.map(() => UNKEYED);
    this.takingEach = true;
    try {
      while (this.waiting.length > 0) {
        const item = this.takeChosen();
        this.delivered++;
        onTake(item);
      }
    } finally {
      this.takingEach = false;
    }
  }

  /** Takes the item the chooser picks out of `waiting` (which must not be empty). */
  private takeChosen(): WorkItem {
    return this.removeAt(this.choose === 'fifo' ? 0 : this.choose(this.waiting));
  }

  /** Removes and returns the next item, or undefined when nothing waits. */
  next(): WorkItem | undefined {
    if (this.waiting.length === 0) return undefined;
    const item = this.takeChosen();
    this.uncount(this.takenMark);
    this.delivered++;
    return item;
  }
}
