/**
 * Design: a CSI call's latency as the callers model it (the external-attacher, the kubelet; the
 * drivers answer at once). The gate is component plumbing, not any one component's: it lives
 * below them so the kubelet does not import the attacher for it.
 */
import type { WorkQueue } from './controller.ts';
import { sortedArray, stateObject, stringArray } from './controllerState.ts';
import { StateVersion, TrackedSet } from './stateVersion.ts';

/** What a LatencyGate remembers: calls whose delayed item is queued, and calls whose item arrived. */
export interface LatencyGateState { scheduled: string[]; matured: string[] }

/**
 * Simulated call latency: the first time a call is due, it is not made; a delayed work item
 * `<key>#<op>` is scheduled instead, and when it comes due the sync of `<key>` runs again and
 * this time makes the call. Calls without latency go through at once (nothing is drawn from the
 * driver's generator for them twice: `delayMs` is asked once per scheduled call).
 */
export class LatencyGate {
  private readonly scheduled: Set<string>;
  private readonly matured: Set<string>;

  /** `version`: the owner's state version, moved by every change of the gate (stateVersion.ts). */
  constructor(private readonly queue: WorkQueue, private readonly queueName: string, version: StateVersion = new StateVersion()) {
    this.scheduled = new TrackedSet(version);
    this.matured = new TrackedSet(version);
  }

  /** Splits a delivered key; a latency completion marks its call as ready. */
  arrive(key: string): string {
    const i = key.indexOf('#');
    if (i < 0) return key;
    if (this.scheduled.delete(key)) this.matured.add(key);
    return key.slice(0, i);
  }

  /** True when the call may be made now. */
  ready(key: string, op: string, delayMs: () => number): boolean {
    const id = `${key}#${op}`;
    if (this.matured.delete(id)) return true;
    if (this.scheduled.has(id)) return false;
    const delay = delayMs();
    if (delay <= 0) return true;
    this.scheduled.add(id);
    this.queue.addAfter(this.queueName, id, delay);
    return false;
  }

  /** Drops completions a sync did not use (the state moved on meanwhile). */
  forget(key: string): void {
    for (const id of this.matured) if (id.startsWith(`${key}#`)) this.matured.delete(id);
  }

  get pending(): number { return this.scheduled.size; }

  /** Sorted ids. `matured` is empty between syncs (a sync forgets what it did not use); kept for completeness. */
  save(): LatencyGateState {
    return { scheduled: sortedArray(this.scheduled), matured: sortedArray(this.matured) };
  }

  load(owner: string, state: unknown): void {
    const s = stateObject(owner, state);
    this.scheduled.clear();
    this.matured.clear();
    for (const id of stringArray(owner, s['scheduled'])) this.scheduled.add(id);
    for (const id of stringArray(owner, s['matured'])) this.matured.add(id);
  }
}
