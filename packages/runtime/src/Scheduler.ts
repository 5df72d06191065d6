/**
 * Design: the order of deliveries is the simulator's main source of interleavings, so one
 * object decides it. Work items are deduplicated like a client-go work queue (a key waiting
 * once), and the next item is drawn from the waiting ones by the seeded generator. Each choice is
 * reported (`onDeliver`) so the log records the schedule and a run can be re-executed exactly.
 * A model checker can replace `choose` to enumerate every order.
 */
import type { Random } from './Random.ts';

export interface WorkItem {
  /** Queue name, e.g. `claims`, `volumes`, `operations`. */
  queue: string;
  key: string;
}

export type Chooser = (waiting: readonly WorkItem[]) => number;

export class Scheduler {
  private waiting: WorkItem[] = [];
  private readonly keys = new Set<string>();
  delivered = 0;

  /** `'fifo'`: oldest first, like a client-go work queue with one worker (tests, replays). */
  constructor(private readonly choose: Chooser | 'fifo') {}

  static seeded(random: Random): Scheduler {
    return new Scheduler((waiting) => random.int(waiting.length));
  }

  static fifo(): Scheduler {
    return new Scheduler('fifo');
  }

  private timers: { due: number; seq: number; item: WorkItem }[] = [];
  private timerSeq = 0;

  /**
   * Adds an item that becomes deliverable at simulated time `dueMs` (retries with backoff,
   * operations that take time). Timers fire in order of due time, then of scheduling.
   */
  addAt(item: WorkItem, dueMs: number): void {
    this.timers.push({ due: dueMs, seq: this.timerSeq++, item });
    this.timers.sort((a, b) => a.due - b.due || a.seq - b.seq);
  }

  /** The earliest due time of a delayed item, if any. */
  nextDue(): number | undefined {
    return this.timers[0]?.due;
  }

  /** Moves every delayed item due at or before `nowMs` to the waiting items. */
  releaseDue(nowMs: number): number {
    let n = 0;
    while (this.timers.length > 0 && this.timers[0]!.due <= nowMs) {
      this.add(this.timers.shift()!.item);
      n++;
    }
    return n;
  }

  get delayed(): number { return this.timers.length; }

  /**
   * The work not yet delivered, in order: what a process that stops now hands to the next one
   * (the CLI records it at the end of a command so the next command continues the queue).
   */
  pendingWork(): { waiting: WorkItem[]; delayed: { due: number; item: WorkItem }[] } {
    return {
      waiting: this.waiting.map((i) => ({ ...i })),
      delayed: this.timers.map((t) => ({ due: t.due, item: { ...t.item } })),
    };
  }

  /** Takes back work `pendingWork()` described. */
  restorePendingWork(work: { waiting: WorkItem[]; delayed: { due: number; item: WorkItem }[] }): void {
    for (const item of work.waiting) this.add(item);
    for (const t of work.delayed) this.addAt(t.item, t.due);
  }

  /** Adds an item unless the same one is already waiting. */
  add(item: WorkItem): void {
    const id = `${item.queue}\u0000${item.key}`;
    if (this.keys.has(id)) return;
    this.keys.add(id);
    this.waiting.push(item);
  }

  get size(): number { return this.waiting.length; }

  /** Removes and returns the next item, or undefined when nothing waits. */
  next(): WorkItem | undefined {
    if (this.waiting.length === 0) return undefined;
    let item: WorkItem;
    if (this.choose === 'fifo') {
      item = this.waiting.shift()!;
    } else {
      const i = this.waiting.length === 1 ? 0 : this.choose(this.waiting);
      // Swap-remove: O(1) per delivery. The order of `waiting` is itself a function of the
      // seed, so choices stay reproducible.
      item = this.waiting[i]!;
      const last = this.waiting.pop()!;
      if (i < this.waiting.length) this.waiting[i] = last;
    }
    this.keys.delete(`${item.queue}\u0000${item.key}`);
    this.delivered++;
    return item;
  }
}
