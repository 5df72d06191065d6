/**
 * Design: the model checker over the world's one seam (issue 7). A state is a world plus how many
 * of the scenario's inputs it has taken; its moves are the world's enabled actions (deliveries,
 * watch events, timers, resyncs and the faults asked for, while the path has faults left) and the
 * scenario's next input. States are deduplicated by the world's uid-blind fingerprint (TLC's
 * fingerprints) — a state met again with no more moves, faults or delays left than before is not
 * expanded again (ADR 0037) —, safety is judged on every new state, and at
 * every leaf (quiet, or at the depth bound) a liveness phase runs on a fork: nodes brought back,
 * the remaining inputs taken, then a bounded settle until quiet, and the converged properties and
 * the scenario's own final checks judged. bfs and dfs expand forks of stored snapshots (or, for up to
 * LIVE_WORLDS_MAX states at a time, the world a state was reached in: ADR 0024); random
 * walks one world per run (P's random scheduler). A violation's path is shrunk (moves removed
 * while the same property still fails) before it is reported.
 *
 * bfs and dfs also reduce independent deliveries (partial-order reduction, on unless asked off or
 * a delay bound is set): two deliveries or watch events whose footprints (World.stepTracked: the
 * objects, work items, random streams, component memories and informer queues each read and
 * wrote) do not conflict commute, so only one of their orders needs taking from a state — sleep
 * sets with state caching, argued at `search` and in ADR 0018. It saves transitions, not states:
 * the set of distinct states is the same with and without (the tests compare the sets).
 *
 * Nothing here reads a clock: `outOfTime` comes from the composition root.
 */
import { Random, type Footprint } from '@pvsim/runtime';
import { ANN_NODE_DOWN } from '@pvsim/domain';
import { describeAction, FAULT_KINDS, type Action, type Exploration, type FaultKind, type World, type WorldSnapshot } from '@pvsim/world';
import { LIVENESS, SAFETY, firstViolation, podsRunning, type FinalCheck, type Property, type Violation } from './properties.ts';
import { judgeSafety, type SafetyMemo } from './incrementalSafety.ts';

/** The faults `--faults` names: the world's API and CSI faults, process crashes, node loss, stale informers. */
export const CHECK_FAULTS = [...FAULT_KINDS, 'crash', 'node-down', 'stale-read'] as const;
export type CheckFault = typeof CHECK_FAULTS[number];

/** What the world must offer for these faults, and whether its informers lag. */
export function explorationFor(faults: readonly CheckFault[]): { explore: Exploration; informerLag: boolean } {
  return {
    explore: {
      faults: faults.filter((f): f is FaultKind => (FAULT_KINDS as readonly string[]).includes(f)),
      crash: faults.includes('crash'),
      nodes: faults.includes('node-down'),
    },
    // Watch faults disturb undelivered watch events: only lagging informers have any.
    informerLag: faults.includes('stale-read') || faults.includes('watch-drop') || faults.includes('watch-dup'),
  };
}

/** Parses `--faults`: a comma-separated list of kinds, `all`, or `none`. Throws a one-line error. */
export function parseFaults(text: string): CheckFault[] {
  if (text === '' || text === 'none') return [];
  const out: CheckFault[] = [];
  for (const part of text.split(',').map((s) => s.trim())) {
    if (part === 'all') { for (const f of CHECK_FAULTS) if (!out.includes(f)) out.push(f); continue; }
    if (!(CHECK_FAULTS as readonly string[]).includes(part)) throw new Error(`unknown fault "${part}" (use ${CHECK_FAULTS.join(', ')}, all or none)`);
    if (!out.includes(part as CheckFault)) out.push(part as CheckFault);
  }
  return out;
}

/** One user input of the scenario: applied to the world as the CLI would (an object created, deleted, a node taken down). */
export interface CheckInput {
  label: string;
  apply: (w: World) => void;
  /** The input takes a node down (or up): the liveness phase leaves down what the scenario took down. */
  node?: { name: string; down: boolean };
}

export type Move = { type: 'input'; index: number } | { type: 'action'; action: Action };

export type Strategy = 'bfs' | 'dfs' | 'random' | 'pct';
export const STRATEGIES: readonly Strategy[] = ['bfs', 'dfs', 'random', 'pct'];

export interface CheckOptions {
  /** A fresh world for a path's start (the composition root builds it, with `explorationFor(faults)`). */
  newWorld: () => World;
  inputs: readonly CheckInput[];
  finals?: readonly FinalCheck[];
  strategy: Strategy;
  /** Moves per path at most (bfs/dfs: the bound of the space; random: the length of a walk). */
  depth: number;
  maxFaults: number;
  /** Non-default choices per path at most (default unbounded). */
  maxDelays?: number;
  seed: number;
  /** Asked now and then; true stops the search with verdict `budget`. */
  outOfTime: () => boolean;
  /** Simulated-time budget of a leaf's liveness settle. */
  settleMs?: number;
  /** Called now and then with the counts so far. */
  onProgress?: (p: Progress) => void;
  /** A user's own properties (`--invariant`): safety ones judged on every state, liveness ones at leaves. */
  invariants?: readonly Property[];
  /** Pods (`namespace/name`) the scenario expects to stay Pending: \`pod-running\` leaves them be. */
  pendingAllowed?: readonly string[];
  /** Shrink a violation's path (default true). */
  shrink?: boolean;
  /**
   * Partial-order reduction for bfs and dfs (default true): sleep sets over the footprints of
   * deliveries and watch events (see `search`). Off under a delay bound, which counts the moves a
   * reordering would change.
   */
  por?: boolean;
  /**
   * Reduction of states by no-op deliveries, with partial-order reduction (default false here, so
   * a caller comparing state sets says what it compares; `pvsim check` turns it on unless
   * `--noops off`, ADR 0021 and 0023):
   * at a state where a waiting item's delivery changes nothing but the queue, only that delivery
   * is taken; the state's other moves are taken after all if some later move before the queue
   * drains writes what the no-op read without queueing it again. Off without `por`, with faults
   * (`maxFaults` > 0) and with a user's invariants (which could read the queue).
   */
  noops?: boolean;
  /**
   * A state reached again with no less of every bound left than a stored record of it (depth,
   * `maxFaults`, `maxDelays`) is not expanded again (default true; ADR 0037). False: states are
   * told apart by the faults and delays their path used, as before — for the tests comparing the
   * states visited.
   */
  dominance?: boolean;
  /** Deduplicate states by key (default true; false only to measure what dedup saves: a tree search, no reduction). */
  dedup?: boolean;
  /**
   * Told the key of every distinct state the search stores (the tests compare the sets with and
   * without reduction), with the world in that state: read it during the call only — the search
   * restores other states into it later (ADR 0030).
   */
  onState?: (key: string, w: World) => void;
  /** Counted, when given: worlds the search built and worlds it restored in place (benchmarks). */
  worldCounts?: { built: number; reused: number };
}

export interface Progress { states: number; distinctStates: number; transitions: number; maxDepth: number; queue: number }

/**
 * What partial-order reduction saved: moves not taken because they slept, and states expanded
 * again for moves slept before; with no-op reduction (`noops`), the states where only a no-op
 * delivery was taken (`noopStates`) and those expanded in full later because a no-op's promise
 * was broken (`noopFallbacks`); `noopRechecks`: deliveries tried again to keep a promise.
 */
export interface Reduction { por: boolean; slept: number; reexpanded: number; revisited: number; noops?: boolean; noopStates?: number; noopRechecks?: number; noopFallbacks?: number }

export interface Counterexample extends Violation {
  /** The moves from the start, shrunk. */
  moves: Move[];
  /** The moves in words, numbered from 1. */
  steps: string[];
}

export interface CheckResult extends Progress {
  verdict: 'pass' | 'violation' | 'budget';
  /** Some path reached `depth` while still busy (its leaf was judged there). */
  depthBounded: boolean;
  strategy: Strategy;
  violations: Counterexample[];
  reduction: Reduction;
}

interface Node {
  /**
   * The state's snapshot; undefined only while `live` holds the state and no one has needed it
   * yet (taken from the live world, before it moves, when the expansion needs it: `snapOf`).
   */
  snap: WorldSnapshot | undefined;
  /** The state's key: the world's, the inputs taken and the settling (not the bounds' budget spent). */
  key: string;
  /** The record the state is stored as (`Stored`), set when it is stored; a later record may replace it. */
  entry?: Stored;
  inputsDone: number;
  /** A sync failed since the last resync (or resyncs in a row preferred so far): see `settling`. */
  settle: Settling;
  faultsUsed: number;
  delaysUsed: number;
  depth: number;
  parent: Node | undefined;
  move: Move | undefined;
  /** The no-op deliveries taken alone on the path since the queue last drained and still watched (`NoopPromise`). */
  owed: NoopPromise[];
  /**
   * The world this state was reached in, kept live after its step (`LIVE_WORLDS_MAX` at most over
   * the search): its expansion continues it instead of building a world and restoring `snap`.
   * Taken (set undefined) by the first expansion; a later one restores `snap`.
   */
  live?: World | undefined;
  /** The safety properties' judgement of this state, when it was judged (incrementalSafety.ts): its children's are judged from it. */
  safety?: SafetyMemo;
}

/** A move taken from a node: the child's world, the move's footprint (when tracked) and the kinds of object it wrote. */
interface Stepped { child: World; fp: Footprint | undefined; written: ReadonlySet<string> }

/**
 * Children's worlds kept live for their own expansion, at most (each a whole world in memory).
 * dfs expands the child pushed last next, bfs a level later; either way most expansions of a
 * frontier this size skip a world's construction and a restore (a third to a half of an
 * explored state's cost, 2026-12-02 session 5). Past it, children are restored from snapshots.
 */
const LIVE_WORLDS_MAX = 64;

/**
 * Worlds no state holds any more (a child met before, a child whose snapshot was taken, a leaf's
 * liveness copy, a re-check's copy) kept to restore the next state into (World.restoreInPlace,
 * ADR 0030) instead of building a world for it, at most. A handful is enough: a world is released
 * and taken again within one expansion.
 */
const SPARE_WORLDS_MAX = 4;

const isFault = (a: Action): boolean => a.type === 'fault' || a.type === 'crash' || (a.type === 'node' && a.down);

function downNodes(w: World): string[] {
  return w.store.list('Node').filter((n) => (n.metadata['annotations'] as Record<string, string> | undefined)?.[ANN_NODE_DOWN] === 'true').map((n) => n.metadata.name);
}

/**
 * Whether the cluster is still settling when nothing waits: a sync failed since the last resync
 * (Kubernetes retries it at the next resync), and how many resyncs in a row were taken for it.
 * `pvsim run` lets such a resync happen before the user's next command; so does the default order.
 */
interface Settling { failed: boolean; resyncs: number }
const SETTLED: Settling = { failed: false, resyncs: 0 };
/** Resyncs in a row the default order takes before the next input while syncs keep failing. */
const SETTLE_RESYNCS_BEFORE_INPUT = 1;

function settlingAfter(before: Settling, move: Move, syncFailed: boolean): Settling {
  if (move.type === 'action' && move.action.type === 'resync') return { failed: syncFailed, resyncs: before.resyncs + 1 };
  if (move.type === 'input') return { failed: syncFailed, resyncs: 0 };
  return before.failed || syncFailed ? { failed: true, resyncs: before.resyncs } : before;
}

/**
 * The moves a state offers: the world's enabled actions (faults while the path has some left) and
 * the next input. The first move is the default one — the first waiting work item (a client-go
 * queue with one worker), else the next watch event, else a due timer (the settle policy), else
 * the next input, else a resync; taking any other non-fault move is a delay, and a path may take
 * at most `delaysMax` of them (delay bounding: the orders closest to the default come first).
 */
function movesOf(w: World, inputsDone: number, inputCount: number, faultsUsed: number, maxFaults: number, delaysUsed: number, delaysMax: number, settling: Settling = SETTLED): Move[] {
  const ordinary: Move[] = [];
  const faults: Move[] = [];
  // Time moves, and the user types the next command, only once no work item or watch event waits
  // (as the settle policy): the explored interleavings are the delivery orders and the faults.
  const busy = w.scheduler.size > 0 || w.lag > 0;
  let resync: Move | undefined;
  for (const a of w.enabled()) {
    if (isFault(a)) { if (faultsUsed < maxFaults) faults.push({ type: 'action', action: a }); continue; }
    if (busy && (a.type === 'timer' || a.type === 'resync')) continue;
    if (a.type === 'resync') { resync = { type: 'action', action: a }; continue; }
    ordinary.push({ type: 'action', action: a });
  }
  // A failed sync is retried at the next resync before the user's next command, as `pvsim run` settles.
  const resyncFirst = resync !== undefined && settling.failed && settling.resyncs < SETTLE_RESYNCS_BEFORE_INPUT && inputsDone < inputCount;
  if (resync && resyncFirst) ordinary.push(resync);
  if (inputsDone < inputCount && !busy) ordinary.push({ type: 'input', index: inputsDone });
  if (resync && !resyncFirst) ordinary.push(resync);
  const allowed = delaysUsed < delaysMax ? ordinary : ordinary.slice(0, 1);
  return [...allowed, ...faults];
}

/** Nothing left to do but let time pass: every input taken, no work waiting or delayed, no watch event pending. */
function quiet(w: World, inputsDone: number, inputCount: number): boolean {
  return inputsDone === inputCount && w.scheduler.size === 0 && w.scheduler.nextDue() === undefined && w.lag === 0;
}

/** Nothing waits and no watch event is pending, but a timer is due later: only time (a retry's backoff) moves the cluster on. */
function retrying(w: World): boolean {
  return w.scheduler.size === 0 && w.lag === 0 && w.scheduler.nextDue() !== undefined;
}

function take(w: World, move: Move, inputs: readonly CheckInput[]): void {
  if (move.type === 'input') inputs[move.index]!.apply(w);
  else w.step(move.action, true);
}

/** The liveness phase on a copy: faults stop, nodes come back, the remaining inputs run, a bounded settle, then the converged properties. */
/** The safety properties: the library's and the user's. */
function safetyOf(opts: Pick<CheckOptions, 'invariants'>): readonly Property[] {
  const mine = (opts.invariants ?? []).filter((p) => p.kind === 'safety');
  return mine.length === 0 ? SAFETY : [...SAFETY, ...mine];
}

export function livenessOf(w: World, inputsDone: number, opts: Pick<CheckOptions, 'inputs' | 'finals' | 'settleMs' | 'pendingAllowed' | 'invariants'>): Violation | undefined {
  const allowed = new Set(opts.pendingAllowed ?? []);
  const liveness = [
    ...LIVENESS.map((p) => (p.name === 'pod-running' ? { ...p, check: (x: World) => podsRunning(x, allowed) } : p)),
    ...(opts.invariants ?? []).filter((p) => p.kind === 'liveness'),
  ];
  const SAFETY = safetyOf(opts);
  // Nodes a fault took down come back; a node the scenario itself takes down stays down.
  const keptDown = new Set<string>();
  for (const input of opts.inputs) if (input.node) { if (input.node.down) keptDown.add(input.node.name); else keptDown.delete(input.node.name); }
  for (const node of downNodes(w)) if (!keptDown.has(node)) w.step({ type: 'node', node, down: false }, true);
  for (let i = inputsDone; i < opts.inputs.length; i++) {
    opts.inputs[i]!.apply(w);
    w.settle();
  }
  const report = w.settle({ untilQuiet: true, ...(opts.settleMs ? { budget: { simulatedMsMax: opts.settleMs } } : {}) });
  if (report.stoppedBy) {
    const why = report.stoppedBy === 'retrying' ? 'only failing retries were left' : `its ${report.stoppedBy} budget ran out`;
    const progress: Property = { name: 'progress', kind: 'liveness', check: () => [`the cluster did not settle (${why}): ${report.inFlight.slice(0, 3).join('; ')}`] };
    // A stuck pod or claim says more than "no progress": report that when there is one.
    const v = firstViolation(w, [...SAFETY, ...liveness, ...(opts.finals ?? []).map((f) => ({ ...f, kind: 'liveness' as const })), progress]);
    return v && { ...v, afterSettle: true };
  }
  const v = firstViolation(w, [...SAFETY, ...liveness, ...(opts.finals ?? []).map((f) => ({ ...f, kind: 'liveness' as const }))]);
  return v && { ...v, afterSettle: true };
}

/** Explores the scenario's space with the strategy asked for; stops at the first violation (shrunk). */
export function check(opts: CheckOptions): CheckResult {
  const stats: Progress = { states: 0, distinctStates: 0, transitions: 0, maxDepth: 0, queue: 0 };
  const bounded = { cut: false };
  const exhaustive = opts.strategy === 'bfs' || opts.strategy === 'dfs';
  const por = exhaustive && opts.por !== false && opts.dedup !== false && (opts.maxDelays ?? Infinity) === Infinity;
  const noops = por && opts.noops === true && opts.maxFaults === 0 && (opts.invariants ?? []).length === 0;
  const reduction: Reduction = { por, slept: 0, reexpanded: 0, revisited: 0, ...(noops ? { noops, noopStates: 0, noopRechecks: 0, noopFallbacks: 0 } : {}) };
  const found = exhaustive ? search(opts, stats, bounded, reduction) : walk(opts, stats);
  if (found === 'budget' || found === 'pass') return { verdict: found, strategy: opts.strategy, depthBounded: bounded.cut, ...stats, violations: [], reduction };
  const moves = opts.shrink === false ? found.moves : shrink(opts, found.moves, found.violation);
  const replayed = replay(opts, moves) ?? found.violation;
  return {
    verdict: 'violation', strategy: opts.strategy, depthBounded: bounded.cut, ...stats,
    violations: [{ ...replayed, moves, steps: describeMoves(opts, moves, replayed.afterSettle === true) }],
    reduction,
  };
}

type Found = 'pass' | 'budget' | { moves: Move[]; violation: Violation };

/** What tells two states apart: the world's fingerprint and the faults armed in it (a fault armed is not yet in any object). */
function stateKey(w: World): string {
  const armed = w.armed;
  return armed.length === 0 ? w.fingerprint() : `${w.fingerprint()}|${armed.map((f) => describeAction({ type: 'fault', fault: f })).join(';')}`;
}

/** A node's snapshot, which every expansion that restores it has taken by then (`Node.snap`). */
function snapOf(node: Node): WorldSnapshot {
  if (node.snap === undefined) throw new Error(`check: no snapshot of state ${node.key} (its live world was taken)`);
  return node.snap;
}

function pathOf(node: Node): Move[] {
  const out: Move[] = [];
  for (let n: Node | undefined = node; n?.move; n = n.parent) out.push(n.move);
  return out.reverse();
}

/** A move's name: equal for the same delivery, watch event, input or fault at any state. */
export function moveId(m: Move): string {
  return m.type === 'input' ? `input ${m.index}` : describeAction(m.action);
}

/**
 * A move asleep at a state, with its footprint as measured where it was taken (still its
 * footprint here: only moves independent of it were taken since).
 */
export interface Sleeper { id: string; fp: Footprint }

/** Whether a move may be put to sleep or reordered at all: only deliveries and watch events. */
export function reorderable(m: Move): boolean {
  return m.type === 'action' && (m.action.type === 'deliver' || m.action.type === 'watch');
}

/**
 * Two moves, each with its footprint at the same state, commute there: they are different moves,
 * both deliveries or watch events, and neither wrote what the other read or wrote. Anything else
 * (an input, time, a fault, a crash, a node) is dependent with every move.
 */
export function independent(a: { id: string; fp: Footprint | undefined }, b: { id: string; fp: Footprint | undefined }): boolean {
  return a.id !== b.id && a.fp !== undefined && b.fp !== undefined && !a.fp.conflicts(b.fp);
}

/**
 * One expansion of a stored state: all its moves but the sleeping ones, or (again, later) only
 * `only`; `full`: every move, none asleep and no no-op taken alone (a broken no-op promise).
 */
interface Expansion { node: Node; sleep: readonly Sleeper[]; only?: ReadonlySet<string>; full?: boolean }

/**
 * A no-op delivery taken alone at a state (`origins`: the keys of the states where it was, or
 * where a path carrying it met a stored state carrying this one), with its footprint there. The
 * promise: until the queue drains, no later move writes what it read (or its work item) — unless
 * the item waits again after that move, where the path rejoins the full space. A move that breaks
 * it has every origin expanded in full (`broken`).
 */
interface NoopPromise { item: { queue: string; key: string }; fp: Footprint; origins: string[]; broken: boolean }

/**
 * A delivery that changed nothing in the state but took its own work item: no sync error, no
 * other work item, timer, memory, random stream or informer queue written, and the objects it
 * wrote (a status written again as it was, an Event counted once more) are the same up to what the
 * fingerprint leaves out (resourceVersions, times, Event counts). `storeBefore`: the store's
 * fingerprint before the step.
 */
function noopDelivery(move: Move, fp: Footprint, w: World, storeBefore: string): { queue: string; key: string } | undefined {
  if (move.type !== 'action' || move.action.type !== 'deliver' || w.manager.syncErrors.length > 0) return undefined;
  const item = move.action.item;
  const own = `q:${item.queue}|${item.key}`;
  if (!fp.written.has(own)) return undefined;
  let objects = false;
  for (const r of fp.written) {
    if (r === own) continue;
    if (!r.startsWith('o:')) return undefined;
    objects = true;
  }
  return !objects || w.store.fingerprint() === storeBefore ? { queue: item.queue, key: item.key } : undefined;
}

/**
 * `list` with the promises of `more` added: one for an item already promised with a footprint
 * covering its own is merged into that one (its origins added), not kept twice. Every promise a
 * state carries for one item says the same of that state — delivering the item there is a no-op
 * with this footprint — and origins only say which states to expand in full if it breaks (more of
 * them is more work, never less search); without merging, paths that meet at a state each hand it
 * a copy, and the copies multiply down every path from there (100 000 promises for 11 items seen).
 */
function withPromises(list: readonly NoopPromise[], more: readonly NoopPromise[]): NoopPromise[] {
  const out = [...list];
  for (const p of more) {
    if (p.broken || out.includes(p)) continue;
    const q = out.find((x) => !x.broken && covers(x, p));
    if (!q) { out.push(p); continue; }
    for (const o of p.origins) if (!q.origins.includes(o)) q.origins.push(o);
  }
  return out;
}

/** Whether promise `p` (the stored one) watches at least what `q` must: the same item, a footprint touching all `q`'s does. */
function covers(p: NoopPromise, q: NoopPromise): boolean {
  if (p.item.queue !== q.item.queue || p.item.key !== q.item.key) return false;
  for (const r of q.fp.touched) if (!p.fp.touched.has(r)) return false;
  for (const r of q.fp.written) if (!p.fp.written.has(r)) return false;
  return true;
}

/**
 * What the search remembers of a state, one record per budget no other record of it covers (ADR
 * 0037): the node it is expanded from, the sleep set it is (or was) expanded with, whether it has
 * been, whether it is quiet (a leaf whatever the path: nothing to expand again), and whether a
 * path with more of the bounds left replaced it (`superseded`: its queued expansion is skipped).
 */
interface Stored { node: Node; sleep: Sleeper[]; expanded: boolean; quiet: boolean; fullyExpanded?: boolean; superseded?: boolean }

/**
 * bfs or dfs over stored snapshots, deduplicated by state key. With reduction (`Reduction.por`)
 * it is Godefroid's sleep-set search with state caching ("Partial-Order Methods for the
 * Verification of Concurrent Systems", 1996, ch. 5; ADR 0018):
 *   - a state's moves are taken in order m_0, m_1, …; the footprint of each (World.stepTracked)
 *     is known once it is taken. The child reached by m_i inherits as its sleep set
 *     { m_j : j < i, m_j independent of m_i } ∪ { z ∈ sleep(state) : z independent of m_i }, each
 *     with its footprint; a state's sleeping moves are not taken from it (counted as `slept`).
 *     Sound because an independent pair commutes: neither changed what the other read, so each
 *     reads, does and writes the same in either order and both orders end in the same state —
 *     the state reached by taking a sleeping move is reached by another path of the same length.
 *   - with a stored state met again: if not expanded yet, its sleep set becomes the intersection
 *     with the new one; if expanded, the moves asleep then but not on this path (stored \ new)
 *     are taken now, from the intersection (`reexpanded`) — so no state is lost.
 * With or without reduction, a state met again by a path with more of the bounds left than every
 * record of it (a shorter path, fewer faults or delays used: budget dominance, ADR 0037) is
 * expanded again from that path, in place of the records it covers: without this, dfs — which may
 * meet a state first by a long path — missed states within the bound, and bfs could too once
 * reduction expands a state again late. A path covered by a record (no more of every bound spent)
 * offers nothing that record does not, and is not expanded.
 * Only deliveries and watch events are ever independent (`independent`); sleep sets reduce the
 * transitions taken, not the set of distinct states (the tests compare the two sets).
 */
function search(opts: CheckOptions, stats: Progress, bounded: { cut: boolean }, reduction: Reduction): Found {
  const safety = safetyOf(opts);
  const root = opts.newWorld();
  // Safety judged from the parent's judgement, unless a user's driver module is loaded (the
  // properties then read its memory, and its capabilities are its own code's answer).
  const incremental = (root.parts.userDrivers?.size ?? 0) === 0;
  /** Spare worlds (`SPARE_WORLDS_MAX`): `worldAt` restores into one when it can, else builds one. */
  const spares: World[] = [];
  const release = (x: World): void => { if (spares.length < SPARE_WORLDS_MAX && !spares.includes(x)) spares.push(x); };
  const worldAt = (snap: WorldSnapshot): World => {
    // A spare may refuse this state (it runs a kubelet of a node the state does not have yet, a
    // user's driver module is loaded): it stays a spare for another state, and the next one is asked.
    for (let i = spares.length - 1; i >= 0; i--) {
      const spare = spares[i]!;
      if (spare.inPlaceRefusal(snap) !== undefined) continue;
      spares.splice(i, 1);
      spare.restoreInPlace(snap);
      if (opts.worldCounts) opts.worldCounts.reused++;
      return spare;
    }
    // No spare: the live world of the state expanded last is taken (its snapshot first, while it
    // is still that state — ADR 0024's condition), as if it had not been kept live. A restore in
    // place costs a seventh of a new world and a restore; keeping 64 worlds live built 33.
    for (;;) {
      const victim = opts.strategy === 'bfs' ? liveNodes.pop() : liveNodes.shift();
      if (victim === undefined) break;
      const x = victim.live;
      if (x === undefined) continue;
      victim.snap ??= x.snapshot();
      victim.live = undefined;
      liveWorlds--;
      if (x.inPlaceRefusal(snap) !== undefined) { release(x); continue; }
      x.restoreInPlace(snap);
      if (opts.worldCounts) opts.worldCounts.reused++;
      return x;
    }
    const x = opts.newWorld();
    if (opts.worldCounts) opts.worldCounts.built++;
    x.restore(snap);
    return x;
  };
  /** Nodes made live (`Node.live`), in that order; some have been expanded since (their `live` is undefined). */
  const liveNodes: Node[] = [];
  const por = reduction.por;
  const noops = reduction.noops === true;
  /** Moves (by id) once found to be no-ops: where no-ops may be taken alone, they are tried first. */
  const wasNoop = new Set<string>();
  /**
   * A state's records by key (ADR 0037): at most one per budget spent that no other record's
   * budget covers (the Pareto front of depth, faults used and delays used), most often one.
   */
  const seen = new Map<string, Stored[]>();
  const delaysMax = opts.maxDelays ?? Infinity;
  const budgetInKey = opts.dominance === false;
  const key = (w: World, inputsDone: number, settle: Settling, faultsUsed: number, delaysUsed: number) =>
    `${stateKey(w)}|${inputsDone}|${settle.failed ? settle.resyncs : '-'}${budgetInKey ? `|${faultsUsed}|${delaysOf({ delaysUsed })}` : ''}`;
  /** Delays spent, as far as they bound anything. */
  const delaysOf = (n: { delaysUsed: number }): number => (delaysMax === Infinity ? 0 : n.delaysUsed);
  /** Whether `a` has spent no more of every bound than `b`: from the same state `a` offers every move `b` does, each at no more cost. */
  const within = (a: { depth: number; faultsUsed: number; delaysUsed: number }, b: { depth: number; faultsUsed: number; delaysUsed: number }): boolean =>
    a.depth <= b.depth && a.faultsUsed <= b.faultsUsed && delaysOf(a) <= delaysOf(b);
  const rootKey = key(root, 0, SETTLED, 0, 0);
  const rootNode: Node = { snap: root.snapshot(), key: rootKey, inputsDone: 0, settle: SETTLED, faultsUsed: 0, delaysUsed: 0, depth: 0, parent: undefined, move: undefined, owed: [] };
  const frontier: Expansion[] = [{ node: rootNode, sleep: [] }];
  rootNode.entry = { node: rootNode, sleep: [], expanded: false, quiet: false };
  seen.set(rootKey, [rootNode.entry]);
  opts.onState?.(rootKey, root);
  release(root);
  stats.states = stats.distinctStates = 1;
  let head = 0;
  /** Nodes holding a live world (`Node.live`). */
  let liveWorlds = 0;
  // A broken promise: every state it was made at is expanded in full (once).
  const breakPromise = (p: NoopPromise): void => {
    if (p.broken) return;
    p.broken = true;
    for (const k of p.origins) {
      // With no-ops, no bound but depth: one record a key.
      const st = seen.get(k)![0]!;
      if (st.fullyExpanded) continue;
      st.fullyExpanded = true;
      reduction.noopFallbacks!++;
      frontier.push({ node: st.node, sleep: [], full: true });
    }
  };
  // The footprint of delivering `item` at the state `snap` (where it does not wait) when that
  // changes nothing but the queue. The copy is kept for the next item re-checked at the same state
  // while every delivery on it was a no-op (it is then that state again, up to resourceVersions and
  // Event counts, which the fingerprint leaves out).
  let recheckOn: { snap: WorldSnapshot; world: World } | undefined;
  const stillNoop = (snap: WorldSnapshot, item: { queue: string; key: string }): Footprint | undefined => {
    let x = recheckOn?.snap === snap ? recheckOn.world : undefined;
    if (!x) {
      if (recheckOn) release(recheckOn.world);
      x = worldAt(snap);
    }
    recheckOn = undefined;
    x.scheduler.add({ ...item });
    const move: Move = { type: 'action', action: { type: 'deliver', item: { ...item } } };
    const storeBefore = x.store.fingerprint();
    const fp = x.stepTracked(move.action as Action, x.memories());
    if (!noopDelivery(move, fp, x, storeBefore)) { release(x); return undefined; }
    recheckOn = { snap, world: x };
    return fp;
  };
  while (head < frontier.length) {
    if ((stats.transitions & 7) === 0) {
      if (opts.outOfTime()) return 'budget';
      opts.onProgress?.({ ...stats, queue: frontier.length - head });
    }
    const expansion = opts.strategy === 'bfs' ? frontier[head++]! : frontier.pop()!;
    if (opts.strategy === 'bfs') frontier[head - 1] = undefined as never;
    const { node, only } = expansion;
    const full = expansion.full === true;
    const stored = node.entry!;
    // A path with more of the bounds left to this state came since this expansion was queued: its
    // own expansion stands. A live world is the node's state now or never: taken here, whatever this expansion does.
    const live = node.live;
    if (live !== undefined) { node.live = undefined; liveWorlds--; }
    if (!only && !full && (stored.node !== node || stored.superseded === true)) { if (live) release(live); continue; }
    // A first expansion takes the sleep set stored by then (every path met so far agrees on it).
    let sleep: Sleeper[] = full ? [] : only ? [...expansion.sleep] : stored.sleep;
    const judged = stored.expanded;
    if (!only && !full) stored.expanded = true;
    const w = live ?? worldAt(snapOf(node));
    // The state as `snap` has it: a restored world starts with no sync errors (they are a log,
    // not part of a state; a step's own are judged by the count after it).
    if (live !== undefined) live.manager.syncErrors.length = 0;
    // With reduction a node may be expanded again (moves woken, a broken promise, a leaf met
    // again): from its snapshot, taken now while the live world is still its state. Without,
    // a node is expanded once, and needs its snapshot only for the moves below.
    if (node.snap === undefined && por) node.snap = w.snapshot();
    if (node.depth >= opts.depth || quiet(w, node.inputsDone, opts.inputs.length)) {
      if (only || full || judged) { release(w); continue; }
      if (node.depth >= opts.depth) bounded.cut = true;
      else stored.quiet = true;
      const v = livenessOf(w, node.inputsDone, opts);
      if (v) return { moves: pathOf(node), violation: v };
      release(w);
      continue;
    }
    const backoff = !only && !full && !judged && retrying(w);
    const offered = movesOf(w, node.inputsDone, opts.inputs.length, node.faultsUsed, opts.maxFaults, node.delaysUsed, delaysMax, node.settle);
    // A copy below for a retry's liveness phase, or a move other than the last: from the snapshot.
    if (node.snap === undefined && (backoff || offered.length > 1)) node.snap = w.snapshot();
    if (backoff) {
      // A retry in backoff (ADR 0023): judged as a leaf at the depth bound is, on a copy, and
      // still expanded. A controller that retries forever with a growing counter in its memory
      // never reaches a quiet leaf; without this its violation showed only at the depth bound.
      const copy = worldAt(snapOf(node));
      const v = livenessOf(copy, node.inputsDone, opts);
      if (v) return { moves: pathOf(node), violation: v };
      release(copy);
    }
    const asleep = new Set(sleep.map((z) => z.id));
    const memories = por && offered.some(reorderable) ? w.memories() : undefined;
    // A no-op delivery may be taken alone here (ADR 0021): only when every move is a delivery or
    // a watch event, in a first expansion, of a state no broken promise has asked to expand in full.
    const mayTakeNoopAlone = noops && !only && !full && !stored.fullyExpanded && offered.every(reorderable);
    // Deliveries that were no-ops somewhere before are tried first (fewer moves tried in vain).
    const moves = mayTakeNoopAlone ? [...offered.filter((m) => wasNoop.has(moveId(m))), ...offered.filter((m) => !wasNoop.has(moveId(m)))] : offered;
    let tookNoopAlone = false;
    /** The node's own world became a child's (the last move's); else it is released after the moves. */
    let wTaken = false;
    /** The current move's child, released before the next move unless a state keeps it live. */
    let dropped: World | undefined;
    const storeBefore = mayTakeNoopAlone ? w.store.fingerprint() : '';
    // A child starts from the node's stored snapshot (a fork would snapshot the parent again
    // first); the last move is taken on the node's own world, restored from that snapshot too
    // and only read since (moves, quiet, memories), which saves a world and a restore per node.
    const stepped = (i: number, move: Move): Stepped => {
      const child = i === moves.length - 1 ? w : worldAt(snapOf(node));
      if (child === w) wTaken = true;
      // The kinds of object the move writes: the child's safety is judged from the node's (judgeSafety).
      const written = new Set<string>();
      child.store.writtenKinds = written;
      try {
        if (memories && reorderable(move)) return { child, fp: child.stepTracked((move as { action: Action }).action, memories), written };
        take(child, move, opts.inputs);
        return { child, fp: undefined, written };
      } finally {
        child.store.writtenKinds = undefined;
      }
    };
    // Where a no-op may be taken alone, the moves are tried before any child is stored: the first
    // no-op found is then the only move taken, and the moves tried before it are dropped (ADR
    // 0023). Taking those in full as well, as before, explored them again at every state of a
    // chain of no-ops: every subset of the waiting no-ops became a state of its own.
    const tried = new Map<number, Stepped>();
    let alone: number | undefined;
    if (mayTakeNoopAlone) {
      for (const [i, move] of moves.entries()) {
        if (asleep.has(moveId(move))) continue;
        const t = stepped(i, move);
        if (t.fp && noopDelivery(move, t.fp, t.child, storeBefore)) {
          for (const other of tried.values()) release(other.child);
          tried.clear(); tried.set(i, t); alone = i; break;
        }
        tried.set(i, t);
      }
    }
    for (const [i, move] of moves.entries()) {
      if (tookNoopAlone) break;
      if (alone !== undefined && i !== alone) continue;
      const id = por ? moveId(move) : '';
      if (por && (asleep.has(id) || (only && !only.has(id)))) { if (asleep.has(id)) reduction.slept++; continue; }
      // The last move's child, when no state kept it, is a spare before this move takes one: the
      // next sibling is then restored into the world one step from the node's state, where a
      // restore changes only what that step wrote (ObjectStore.reload).
      if (dropped !== undefined) { release(dropped); dropped = undefined; }
      const { child, fp, written } = tried.get(i) ?? stepped(i, move);
      dropped = child;
      // A fork starts with no sync errors: any now are this move's.
      const settle = settlingAfter(node.settle, move, child.manager.syncErrors.length > 0);
      let childSnap: WorldSnapshot | undefined;
      const childSnapOf = (): WorldSnapshot => (childSnap ??= child.snapshot());
      const noop = mayTakeNoopAlone && fp ? noopDelivery(move, fp, child, storeBefore) : undefined;
      if (noop) { tookNoopAlone = true; reduction.noopStates!++; wasNoop.add(id); }
      // The promises the path carries on: a move that meets one's footprint keeps it only when
      // the no-op's item waits again after it (the path has rejoined the full space); else breaks it.
      let owed: NoopPromise[] = [];
      for (const p of node.owed) {
        if (p.broken) continue;
        if (fp && !fp.conflicts(p.fp)) owed.push(p);
        else if (!child.scheduler.has(p.item)) {
          // Is the item's delivery still a no-op here? Then the full path's state (the item still
          // waiting) is this one plus a no-op, as where the promise was made: watch the new footprint.
          const refreshed = fp ? stillNoop(childSnapOf(), p.item) : undefined;
          if (refreshed) { reduction.noopRechecks!++; owed.push({ item: p.item, fp: refreshed, origins: p.origins, broken: false }); } else breakPromise(p);
        }
      }
      if (noop) owed.push({ item: noop, fp: fp!, origins: [node.key], broken: false });
      // The queue drained: every full path has delivered those items by now, and they were no-ops still.
      if (owed.length > 0 && child.scheduler.size === 0 && child.lag === 0) owed = [];
      // A no-op taken alone costs no depth: the full path it stands for is as long without it.
      const depth = node.depth + (noop ? 0 : 1);
      stats.transitions++;
      stats.states++;
      const inputsDone = node.inputsDone + (move.type === 'input' ? 1 : 0);
      const faultsUsed = node.faultsUsed + (move.type === 'action' && isFault(move.action) ? 1 : 0);
      const delaysUsed = node.delaysUsed + (i > 0 && !(move.type === 'action' && isFault(move.action)) ? 1 : 0);
      // Without dedup every child is a state of its own (a tree search).
      const k = opts.dedup === false ? `${stats.transitions}` : key(child, inputsDone, settle, faultsUsed, delaysUsed);
      const taken = { id, fp };
      const childSleep = por ? sleep.filter((z) => independent(z, taken)) : [];
      // Later siblings sleep on this move where they commute with it.
      if (por && fp) { sleep = [...sleep, { id, fp }]; asleep.add(id); }
      const front = seen.get(k);
      const spent = { depth, faultsUsed, delaysUsed };
      // Stored with no more of every bound spent: this path offers nothing that record's does not
      // (ADR 0037). Else the records this path's budget covers are replaced by it.
      const covering = front?.find((s) => within(s.node, spent));
      const dominated = front && !covering ? front.filter((s) => within(spent, s.node)) : [];
      const again = covering ?? dominated[0];
      if (front?.some((s) => s.quiet)) continue;
      if (again) {
        if (owed.length > 0) {
          if (!again.expanded) again.node.owed = withPromises(again.node.owed, owed);
          // Expanded: the promises it was expanded with watch its moves; one watching at least
          // what this path's does takes on its origins, else this path's is broken.
          else for (const p of owed) {
            const q = again.node.owed.find((x) => covers(x, p));
            if (!q || q.broken) breakPromise(p);
            else for (const o of p.origins) if (!q.origins.includes(o)) q.origins.push(o);
          }
        }
      }
      if (covering) {
        if (!por || covering.node.depth >= opts.depth) continue;
        const before = covering.sleep;
        const wake = before.filter((z) => !childSleep.some((c) => c.id === z.id));
        if (wake.length === 0) continue;
        covering.sleep = childSleep.filter((c) => before.some((z) => z.id === c.id));
        if (covering.expanded) {
          reduction.reexpanded++;
          frontier.push({ node: covering.node, sleep: covering.sleep, only: new Set(wake.map((z) => z.id)) });
        }
        continue;
      }
      // Stored: a new state, or one met again with more of the bounds left than some record of it
      // (a shorter path, fewer faults or delays used: it may have more moves, or children with
      // more left), expanded again from here — in place of the records this path covers, or
      // beside them when it covers none (fewer delays but a longer path, say).
      let sleepHere = childSleep;
      if (front) {
        reduction.revisited++;
        // A record not expanded yet hands on its sleep set: moves asleep on both paths stay asleep.
        for (const s of dominated) {
          if (!s.expanded) { const now = sleepHere; sleepHere = s.sleep.filter((z) => now.some((c) => c.id === z.id)); }
          if (s !== again) { s.superseded = true; front.splice(front.indexOf(s), 1); }
        }
      } else stats.distinctStates++;
      // The child's world is its state, as `snap` is (a restore continues exactly where it is) —
      // but not after a fault, a crash or a node move: a crash relists its process's informer
      // while the kubelet pool may miss a Node event still waiting there, which a restored world
      // does not (services/world fingerprint.test.ts, the fork property), so such a child is
      // restored from its snapshot as before. A live child's snapshot waits until it is needed.
      const keepLive = liveWorlds < LIVE_WORLDS_MAX && !(move.type === 'action' && (isFault(move.action) || move.action.type === 'node'));
      const next: Node = { snap: keepLive ? childSnap : childSnapOf(), key: k, inputsDone, settle, faultsUsed, delaysUsed, depth, parent: node, move, owed: again ? withPromises(owed, again.node.owed) : owed };
      if (again) {
        // The first record covered is reused (its queued expansion, if any, is skipped: `stored.node !== node`).
        Object.assign(again, { node: next, sleep: sleepHere, expanded: false });
        next.entry = again;
      } else {
        next.entry = { node: next, sleep: sleepHere, expanded: false, quiet: false };
        if (front) front.push(next.entry); else seen.set(k, [next.entry]);
      }
      if (!front) opts.onState?.(k, child);
      stats.maxDepth = Math.max(stats.maxDepth, next.depth);
      const judged = judgeSafety(child, safety, incremental ? node.safety : undefined, written);
      if (judged.violation) return { moves: pathOf(next), violation: judged.violation };
      if (incremental) next.safety = judged.memo;
      if (keepLive) { next.live = child; liveWorlds++; liveNodes.push(next); dropped = undefined; }
      frontier.push({ node: next, sleep: sleepHere });
    }
    if (dropped !== undefined) release(dropped);
    if (!wTaken) release(w);
  }
  return 'pass';
}

function walk(opts: CheckOptions, stats: Progress): Found {
  const safety = safetyOf(opts);
  const random = new Random(opts.seed);
  const seen = new Set<string>();
  for (;;) {
    if (opts.outOfTime()) return 'budget';
    opts.onProgress?.({ ...stats, queue: 0 });
    const w = opts.newWorld();
    const moves: Move[] = [];
    let inputsDone = 0;
    let faultsUsed = 0;
    const pick = opts.strategy === 'pct' ? pctPicker(random, opts.depth, opts.maxFaults) : (choices: Move[]) => choices[random.int(choices.length)]!;
    let settle = SETTLED;
    while (moves.length < opts.depth && !quiet(w, inputsDone, opts.inputs.length)) {
      const choices = movesOf(w, inputsDone, opts.inputs.length, faultsUsed, opts.maxFaults, 0, Infinity, settle);
      const move = pick(choices, moves.length);
      const errors = w.manager.syncErrors.length;
      take(w, move, opts.inputs);
      settle = settlingAfter(settle, move, w.manager.syncErrors.length > errors);
      moves.push(move);
      if (move.type === 'input') inputsDone++;
      else if (isFault(move.action)) faultsUsed++;
      stats.transitions++;
      stats.states++;
      const k = `${stateKey(w)}|${inputsDone}|${faultsUsed}`;
      if (!seen.has(k)) { seen.add(k); stats.distinctStates++; }
      stats.maxDepth = Math.max(stats.maxDepth, moves.length);
      const v = firstViolation(w, safety);
      if (v) return { moves, violation: v };
    }
    const v = livenessOf(w, inputsDone, opts);
    if (v) return { moves, violation: v };
  }
}

/** PCT's bug depth: priority change points per walk are this minus one. */
export const PCT_DEPTH = 3;

function threadOf(m: Move): string {
  if (m.type === 'input') return 'input';
  const a = m.action;
  if (a.type === 'deliver') return `queue ${a.item.queue}`;
  if (a.type === 'watch') return `informer ${a.informer}`;
  return a.type === 'timer' || a.type === 'resync' ? 'time' : 'fault';
}

/**
 * PCT (Burckhardt et al., "A randomized scheduler with probabilistic guarantees of finding bugs"),
 * with a component's queue, an informer, time and the user's inputs as its threads: each thread
 * gets a random priority when first seen and the highest-priority enabled one runs; at PCT_DEPTH-1
 * random steps the running thread drops below every other. Faults come at `maxFaults` random steps.
 */
function pctPicker(random: Random, depth: number, maxFaults: number): (choices: Move[], step: number) => Move {
  const steps = Math.max(1, Math.min(depth, 400));
  const changeAt = new Set(Array.from({ length: PCT_DEPTH - 1 }, () => random.int(steps)));
  const faultAt = new Set(Array.from({ length: maxFaults }, () => random.int(steps)));
  const priority = new Map<string, number>();
  let lowest = 0;
  return (choices, step) => {
    const faults = choices.filter((m) => m.type === 'action' && isFault(m.action));
    if (faultAt.has(step) && faults.length > 0) return faults[random.int(faults.length)]!;
    const ordinary = choices.filter((m) => !faults.includes(m));
    const pool = ordinary.length > 0 ? ordinary : choices;
    let best = pool[0]!;
    let bestPriority = -Infinity;
    for (const m of pool) {
      const t = threadOf(m);
      if (!priority.has(t)) priority.set(t, 1 + random.int(1_000_000));
      if (priority.get(t)! > bestPriority) { best = m; bestPriority = priority.get(t)!; }
    }
    if (changeAt.has(step)) priority.set(threadOf(best), --lowest);
    return best;
  };
}

/**
 * Re-runs moves from a fresh world: a move the state no longer offers (a delivery that is not
 * waiting, an input already taken) is skipped. Returns the violation the run shows: safety after
 * any move, else liveness at the end.
 */
export function replay(opts: Pick<CheckOptions, 'newWorld' | 'inputs' | 'finals' | 'settleMs' | 'pendingAllowed' | 'invariants'>, moves: readonly Move[], onMove?: (w: World, move: Move) => void): Violation | undefined {
  const w = opts.newWorld();
  const done = { inputs: 0 };
  for (const move of moves) {
    if (!takeMove(w, opts, move, done)) continue;
    onMove?.(w, move);
    const v = firstViolation(w, safetyOf(opts));
    if (v) return v;
  }
  return livenessOf(w, done.inputs, opts);
}

/**
 * Takes one recorded move in `w` if the state still offers it: the next input in order, or an
 * enabled action described the same way. False when it is skipped.
 */
function takeMove(w: World, opts: Pick<CheckOptions, 'inputs'>, move: Move, done: { inputs: number }): boolean {
  if (move.type === 'input') {
    if (move.index !== done.inputs) return false;
    opts.inputs[move.index]!.apply(w);
    done.inputs++;
    return true;
  }
  const want = describeAction(move.action);
  const a = w.enabled().find((x) => describeAction(x) === want);
  if (!a) return false;
  w.step(a, true);
  return true;
}

/** Fewer moves while the same property fails: drop halves, then quarters, … then single moves (ddmin, greedily). */
export function shrink(opts: CheckOptions, moves: Move[], violation: Violation, attemptsMax = 400): Move[] {
  let best = moves;
  let attempts = 0;
  const stillFails = (candidate: Move[]) => {
    attempts++;
    const v = replay(opts, candidate);
    return v?.invariant === violation.invariant && v.afterSettle === violation.afterSettle;
  };
  for (let chunk = Math.max(1, best.length >> 1); chunk >= 1; chunk >>= 1) {
    for (let i = 0; i + chunk <= best.length && attempts < attemptsMax;) {
      if (opts.outOfTime() && attempts > 20) return best;
      const candidate = [...best.slice(0, i), ...best.slice(i + chunk)];
      if (stillFails(candidate)) best = candidate; else i += chunk;
    }
  }
  // Only the moves the replay actually took (a skipped move says nothing).
  const taken: Move[] = [];
  const w = opts.newWorld();
  const done = { inputs: 0 };
  for (const move of best) if (takeMove(w, opts, move, done)) taken.push(move);
  return taken;
}

/** The moves in words, numbered as the report prints them. */
export function describeMoves(opts: Pick<CheckOptions, 'inputs'>, moves: readonly Move[], liveness = false): string[] {
  const words = moves.map((m) => (m.type === 'input' ? opts.inputs[m.index]!.label : describeActionInWords(m.action)));
  if (liveness) {
    let inputsDone = 0;
    for (const m of moves) if (m.type === 'input') inputsDone = m.index + 1;
    if (moves.some((m) => m.type === 'action' && isFault(m.action))) words.push('faults stop; nodes a fault took down come back (liveness phase)');
    for (const input of opts.inputs.slice(inputsDone)) words.push(`${input.label}; the cluster settles`);
    words.push('the cluster settles until quiet');
  }
  return words.map((w, i) => `${i + 1}. ${w}`);
}

/** One action as a person would say it. */
export function describeActionInWords(a: Action): string {
  switch (a.type) {
    case 'deliver': return `${a.item.queue} works on ${a.item.key}`;
    case 'watch': return `${a.informer}'s informer receives its next watch event`;
    case 'timer': return `time passes to the next timer (${a.atMs} ms)`;
    case 'resync': return `time passes to the next resync; every controller resyncs`;
    case 'crash': return `${a.component} crashes and restarts with empty memory`;
    case 'node': return `node ${a.node} ${a.down ? 'goes down (its kubelet stops)' : 'comes back up'}`;
    case 'fault': {
      const f = a.fault as { kind: string; verb?: string; resource?: string; driver?: string; rpc?: string; code?: string; latencyMs?: number; replyLost?: boolean; informer?: string };
      if (f.kind === 'api-error') return `the next API ${f.verb}${f.resource ? ` of ${f.resource}` : ''} fails with an internal error`;
      if (f.kind === 'conflict') return `the next API ${f.verb} fails with a Conflict`;
      if (f.kind === 'csi-error') return `the next ${f.rpc ?? 'CSI call'} to ${f.driver} fails with ${f.code}`;
      if (f.kind === 'csi-timeout') return f.replyLost
        ? `the next ${f.rpc ?? 'CSI call'} to ${f.driver} runs, but its reply is lost (the caller sees a timeout)`
        : `the next ${f.rpc ?? 'CSI call'} to ${f.driver} times out without running`;
      if (f.kind === 'watch-drop') return `${f.informer}'s informer misses its next watch event (a later one for the same object is waiting)`;
      if (f.kind === 'watch-dup') return `${f.informer}'s informer receives its next watch event twice`;
      return `the next ${f.rpc ?? 'CSI call'} to ${f.driver} takes ${f.latencyMs} ms longer`;
    }
  }
}
