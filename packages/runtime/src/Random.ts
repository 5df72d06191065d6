/**
 * Design: the one source of randomness. A seed decides everything (STYLE §7); pure-rand gives a
 * well-tested generator whose state we advance in place. Integer-only API: probabilities are
 * "n in d", never floats.
 */
import { xoroshiro128plus, xoroshiro128plusFromState } from 'pure-rand/generator/xoroshiro128plus';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import type { JumpableRandomGenerator } from 'pure-rand/types/JumpableRandomGenerator';
import type { AccessTracker } from './Footprint.ts';

export class Random {
  private rng: JumpableRandomGenerator;

  constructor(readonly seed: number, state?: readonly number[]) {
    this.rng = state ? xoroshiro128plusFromState(state) : xoroshiro128plus(seed | 0);
  }

  /** The generator's state since the last draw or load (`state()`; every snapshot asks each stream, most of them not drawn from since). */
  private stateNow: readonly number[] | undefined;

  /**
   * Continues from `state()` in place (the holders of this generator keep it). A generator
   * already at that state (not drawn from since it was there: a world restored in place, where
   * most streams are never drawn from) is left as it is.
   */
  load(state: readonly number[]): void {
    const now = this.stateNow;
    if (now !== undefined && now.length === state.length && now.every((x, i) => x === state[i])) return;
    this.rng = xoroshiro128plusFromState(state);
    this.stateNow = undefined;
  }

  /** The generator's state as JSON (a fork continues from it). */
  state(): number[] { return [...this.stateShared()]; }

  /** `state()` without the copy: the same array until the next draw or load, never changed (RandomStreams.state). */
  stateShared(): readonly number[] { return (this.stateNow ??= [...this.rng.getState()]); }

  /** A generator that continues exactly where `state()` was taken. */
  static fromState(seed: number, state: readonly number[]): Random { return new Random(seed, state); }

  /** Called on every draw while set (a stream's footprint; see RandomStreams.track). */
  onDraw: (() => void) | undefined;

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (n <= 1) return 0;
    if (this.onDraw) this.onDraw();
    this.stateNow = undefined;
    return uniformInt(this.rng, 0, n - 1);
  }

  /** True with probability `num/den`. */
  chance(num: number, den: number): boolean {
    return num > 0 && this.int(den) < num;
  }

  /** A version-4-shaped UUID made from this generator (Kubernetes uids are UUIDs). */
  uuid(): string {
    const hex: string[] = [];
    for (let i = 0; i < 16; i++) hex.push(this.int(256).toString(16).padStart(2, '0'));
    hex[6] = ((parseInt(hex[6]!, 16) & 0x0f) | 0x40).toString(16).padStart(2, '0');
    hex[8] = ((parseInt(hex[8]!, 16) & 0x3f) | 0x80).toString(16).padStart(2, '0');
    const h = hex.join('');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
}

/** Derives a sub-seed deterministically (e.g. per command, from the seed and the log position). */
export function deriveSeed(seed: number, salt: number): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  h = Math.imul(h ^ (salt >>> 0), 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h | 0;
}

/** A label's 32-bit FNV-1a hash, so a stream can be named rather than numbered. */
function labelHash(label: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * Separate random streams per purpose (provisioner identity, latency, faults, delivery; `uids`
 * only lends its seed to uids.ts, ADR 0031), each derived from the seed and its label: a new draw
 * in one place does not reshuffle the choices of every other. `state()`/`fromState` copy the streams for a fork.
 */
export class RandomStreams {
  private readonly streams = new Map<string, Random>();
  private tracker: AccessTracker | undefined;
  constructor(readonly seed: number) {}
  /** The stream of one purpose, created on first use. */
  for(label: string): Random {
    let r = this.streams.get(label);
    if (!r) {
      this.streams.set(label, (r = new Random(deriveSeed(this.seed, labelHash(label)))));
      this.hook(label, r);
    }
    return r;
  }

  /** Tells `tracker` of every draw from now on (resource `r|<label>`), or no longer when undefined. */
  track(tracker: AccessTracker | undefined): void {
    this.tracker = tracker;
    for (const [label, r] of this.streams) this.hook(label, r);
  }

  private hook(label: string, r: Random): void {
    const tracker = this.tracker;
    r.onDraw = tracker ? () => tracker.write(`r|${label}`) : undefined;
  }

  /**
   * Every stream's state as JSON, for a snapshot or fork. While no stream has been drawn from,
   * loaded to another state or made since the last call, that call's record is returned again:
   * snapshots share it, and it is never changed (`load` copies what it is given).
   */
  state(): Record<string, number[]> {
    const last = this.lastState;
    if (last !== undefined && this.unmoved(last)) return last.record;
    const parts: (readonly number[])[] = [];
    for (const r of this.streams.values()) parts.push(r.stateShared());
    // Frozen: it is shared (a caller that wants to change it copies it).
    const record = Object.freeze(Object.fromEntries([...this.streams].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, r]) => [k, Object.freeze([...r.stateShared()]) as number[]])));
    this.lastState = { parts, record };
    return record;
  }

  /** Whether every stream stands where it stood at the `state()` that returned `last`, and none was made since. */
  private unmoved(last: { parts: (readonly number[])[] }): boolean {
    if (last.parts.length !== this.streams.size) return false;
    let i = 0;
    for (const r of this.streams.values()) if (r.stateShared() !== last.parts[i++]) return false;
    return true;
  }

  /** The last `state()`: each stream's shared state then (in the streams' order) and the record returned. */
  private lastState: { parts: (readonly number[])[]; record: Record<string, number[]> } | undefined;

  /** Every stream continues from `state()`, in place (holders keep their generators). */
  load(state: Record<string, number[]>): void {
    for (const [label, st] of Object.entries(state)) this.for(label).load(st);
  }

  /**
   * `load` into streams that have been drawn from since (a world restored in place): a stream
   * the state does not name is put back at its start, where a new world's would be.
   */
  loadInPlace(state: Record<string, number[]>): void {
    // The state this world last gave, and no stream moved since (a restore of a state whose step drew nothing).
    const last = this.lastState;
    if (last !== undefined && last.record === state && this.unmoved(last)) return;
    for (const [label, r] of this.streams) {
      if (!(label in state)) r.load(new Random(deriveSeed(this.seed, labelHash(label))).state());
    }
    this.load(state);
  }

  static fromState(seed: number, state: Record<string, number[]>): RandomStreams {
    const s = new RandomStreams(seed);
    for (const [label, st] of Object.entries(state)) s.streams.set(label, Random.fromState(deriveSeed(seed, labelHash(label)), st));
    return s;
  }
}
