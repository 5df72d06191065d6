/**
 * Design: simulated time. Nothing in pvsim reads the wall clock; the clock moves only when the
 * runtime advances it (a command arrives, a resync period passes), so a run is reproducible.
 * XState gets the same clock through `createActor(machine, { clock })`.
 */
export class SimClock {
  private nowMs: number;
  private nextTimerId = 1;
  private timers = new Map<number, { at: number; fn: () => void }>();
  private isoAt = NaN;
  private isoText = '';
  private isoMsAt = NaN;
  private isoMsText = '';
  /**
   * Calls that read the time or schedule against it (`now`, `iso`, `isoMs`, `setTimeout`,
   * `clearTimeout`), counted: code that made none while it ran did not depend on the time
   * (the world repeats a proven-quiet resync round on that ground).
   */
  reads = 0;

  constructor(startMs = Date.UTC(2026, 0, 1)) {
    this.nowMs = startMs;
  }

  now(): number { this.reads++; return this.nowMs; }

  /** RFC 3339 with second precision, as Kubernetes serialises metav1.Time. */
  iso(): string {
    this.reads++;
    // Every write and log record asks; time moves far less often than that.
    if (this.isoAt !== this.nowMs) {
      this.isoAt = this.nowMs;
      this.isoText = new Date(this.nowMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
    }
    return this.isoText;
  }

  /**
   * RFC 3339 with millisecond precision, for log records' `time`: records one command writes a
   * retry's fraction of a second apart are told apart, and `--at-time` can name any of them.
   * Objects keep `iso()` (metav1.Time is serialised in seconds).
   */
  isoMs(): string {
    this.reads++;
    if (this.isoMsAt !== this.nowMs) {
      this.isoMsAt = this.nowMs;
      this.isoMsText = new Date(this.nowMs).toISOString();
    }
    return this.isoMsText;
  }

  set(ms: number): void { if (ms > this.nowMs) this.nowMs = ms; }

  /** Timers set with `setTimeout` and not yet fired or cleared (a world refuses to be restored in place over them). */
  get pendingTimers(): number { return this.timers.size; }

  /**
   * Puts the clock at `ms`, earlier or later: a world restored in place goes back to a snapshot's
   * time (World.restoreInPlace). Only with no timer pending — one set at a later time would fire
   * at a time its setter never saw.
   */
  restoreTo(ms: number): void {
    if (this.timers.size > 0) throw new Error(`SimClock.restoreTo: ${this.timers.size} timer(s) pending`);
    this.nowMs = ms;
  }

  /** Advances time, firing due timers in order of due time, then id. */
  advance(ms: number): void {
    const target = this.nowMs + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.timers) {
        if (entry[1].at <= target && (!next || entry[1].at < next[1].at || (entry[1].at === next[1].at && entry[0] < next[0]))) next = entry;
      }
      if (!next) break;
      this.timers.delete(next[0]);
      this.nowMs = Math.max(this.nowMs, next[1].at);
      next[1].fn();
    }
    this.nowMs = target;
  }

  // XState's Clock interface.
  setTimeout(fn: (...args: unknown[]) => void, timeout: number): number {
    this.reads++;
    const id = this.nextTimerId++;
    this.timers.set(id, { at: this.nowMs + timeout, fn });
    return id;
  }

  clearTimeout(id: unknown): void { this.reads++; this.timers.delete(id as number); }
}
