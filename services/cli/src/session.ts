/**
 * Design: one CLI invocation = one transaction on the cluster's event log. The session folds the
 * log's facts into a fresh ObjectStore (actors), lets the command change objects and the
 * controllers settle, and commits every record it produced — the command (input), the
 * scheduler's choices and the resulting facts — as ONE batch, fsynced before the command reports
 * success. Nothing is written when the command fails part-way, so no input is applied partially.
 * Randomness for the invocation is derived from the seed and the log position, so re-running the
 * same inputs with the same seed reproduces the log byte for byte.
 */
import { join } from 'node:path';
import type { EventLog, LogRecord, NewLogRecord } from '@pvsim/domain';
import { FileEventLog } from '@pvsim/log-file';
import { deriveSeed, foldRecords, type ObjectStore, type Scheduler, type SimClock } from '@pvsim/runtime';
import { createWorld, fifoChooser, type ClusterParts, type SettleBudget, type SettleReport, type World } from '@pvsim/world';
import { openClusterLog } from './clusterDir.ts';
import type { GlobalOptions } from './verbTypes.ts';
import { readCheckedSnapshot, writeSnapshotBestEffort } from './snapshotFile.ts';
import { summariseQuietResyncs, tagRequest } from './batchRecords.ts';
import { archiveSnapshot, archivedSnapshotsAtOrBefore } from './snapshotArchive.ts';
import { ReadPointError } from '@pvsim/replay';
import { CLUSTER_INIT_INPUT, defaultClusterInit, performClusterInit } from './clusterObjects.ts';

/** Simulated time starts here for every new cluster. */
export const EPOCH_MS = Date.UTC(2026, 0, 1, 0, 0, 0);
/** Simulated time between two invocations (a user types the next command). */
export const COMMAND_GAP_MS = 1_000;

/** Write a snapshot when this many records have been appended since the last one. */
export const SNAPSHOT_EVERY_RECORDS = 2_000;

/**
 * A snapshot is a cache of the fold at some log position, never the source of truth: it is used
 * only when its own checksum holds and the log still has that exact record (position and
 * checksum) at that byte offset, and it is rewritten whole (a private temporary file, then
 * rename), so a stale, torn or edited snapshot is simply ignored and rebuilt (snapshotFile.ts).
 */
/** The work a command left undelivered (the `WorkPending` record's data), as the queue hands it over. */
type PendingWork = ReturnType<Scheduler['pendingWork']>;

interface Snapshot {
  format: 1;
  /** The WorkPending record's data when the snapshot's last record is one. */
  pending?: PendingWork;
  pos: number;
  sum: string;
  byteOffset: number;
  time: string;
  store: ReturnType<ObjectStore['dump']>;
}

function readSnapshot(path: string): Snapshot | undefined {
  const s = readCheckedSnapshot(path) as Snapshot | undefined;
  return s?.format === 1 ? s : undefined;
}

export interface SessionOptions {
  clusterDir: string;
  seed: number;
  log?: EventLog;
  /** Records between snapshots (default SNAPSHOT_EVERY_RECORDS; 0 disables them). */
  snapshotEveryRecords?: number;
  onProgress?: (delivered: number, waiting: number) => void;
  /** How far one settle may go (steps, simulated time) before it stops and reports what is in flight. */
  budget?: Partial<SettleBudget>;
  /** Read the cluster as it was at this log position (time travel: read verbs only, never committed). */
  atPos?: number;
  /** How the world runs, when not as a user's command runs it: a `pvsim check` counterexample's lagging informers and FIFO settles. */
  world?: SessionWorld;
  /**
   * A batch another session produced on this (empty) log and did not append: folded as if it
   * had been, and appended first by `commit` (clusterInit.ts: a fresh cluster's own objects are
   * written only with the first command that succeeds).
   */
  preamble?: NewLogRecord[];
}

export interface SessionWorld { informerLag?: boolean; fifo?: boolean }

export class Session {
  /** The simulated cluster this invocation runs (built by the one composition root). */
  readonly world: World;
  readonly store: ObjectStore;
  readonly clock: SimClock;
  readonly log: EventLog;
  /** Drivers and kubelets, for the verbs that act on them (exec, restart, csi ls). */
  readonly parts: ClusterParts;
  private readonly pending: NewLogRecord[] = [];
  private readonly preamble: NewLogRecord[] | undefined;
  private readonly basePos: number;
  /** Written into the input record so that a retry of this command is recognised (retry.ts). */
  requestId: string | undefined;

  private readonly snapshotPath: string | undefined;
  private snapshotPos = 0;
  private lastTime: string | undefined;
  private readonly snapshotEvery: number;
  private readonly readsThePast: boolean;
  private readonly clusterDir: string;
  /** What the last settle left in flight when it stopped at its budget. */
  lastSettle: SettleReport | undefined;
  private readonly budget: Partial<SettleBudget> | undefined;

  constructor(opts: SessionOptions) {
    this.log = opts.log ?? new FileEventLog(join(opts.clusterDir, 'log.jsonl'));
    this.snapshotEvery = opts.snapshotEveryRecords ?? SNAPSHOT_EVERY_RECORDS;
    this.budget = opts.budget;
    this.snapshotPath = this.log instanceof FileEventLog ? join(opts.clusterDir, 'snapshot.json') : undefined;
    this.clusterDir = opts.clusterDir;
    const atPos = opts.atPos;
    this.readsThePast = atPos !== undefined;
    // Reading the past starts from the nearest archived snapshot at or before that position
    // (snapshotArchive.ts; the latest one is archived too), never from the latest's file.
    let snap = this.snapshotPath && atPos === undefined ? readSnapshot(this.snapshotPath) : undefined;
    let tail = snap && this.log instanceof FileEventLog ? this.log.readAfter(snap.byteOffset, snap.pos, snap.sum) : undefined;
    if (atPos !== undefined && this.log instanceof FileEventLog) {
      for (const path of archivedSnapshotsAtOrBefore(opts.clusterDir, atPos)) {
        const archived = readSnapshot(path);
        const after = archived ? this.log.readAfter(archived.byteOffset, archived.pos, archived.sum) : undefined;
        if (archived && after) { snap = archived; tail = after; break; }
      }
    }
    const all: LogRecord[] = snap && tail ? tail : this.log.read();
    const end = all.length > 0 ? all[all.length - 1]!.pos : (snap && tail ? snap.pos : 0);
    if (atPos !== undefined && atPos > end) throw new ReadPointError(`error: --at ${atPos}: the log ends at position ${end}`);
    this.preamble = opts.preamble && all.length === 0 && !snap ? opts.preamble : undefined;
    const preambleRecords = (this.preamble ?? []).map((r, i) => ({ ...r, pos: i + 1, sum: '' }) as LogRecord);
    const records = atPos === undefined ? (preambleRecords.length > 0 ? preambleRecords : all) : all.filter((r) => r.pos <= atPos);
    const last = records[records.length - 1];
    this.basePos = last ? last.pos : (snap && tail ? snap.pos : 0);
    // Randomness for this invocation is derived from the seed and the log position.
    this.world = createWorld({
      seed: deriveSeed(opts.seed, this.basePos),
      startMs: EPOCH_MS,
      cluster: 'full',
      record: (r) => { this.pending.push(r); },
      ...(opts.budget ? { budget: opts.budget } : {}),
      ...(opts.world?.informerLag ? { informerLag: true } : {}),
      ...(opts.world?.fifo ? { chooser: fifoChooser() } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    this.store = this.world.store;
    this.clock = this.world.clock;
    this.parts = this.world.parts;
    if (snap && tail) {
      this.store.load(snap.store);
      this.snapshotPos = snap.pos;
      this.lastTime = snap.time;
    }
    foldRecords(this.store, records);
    // Work the previous command left undelivered (it ended without settling) is picked up here.
    const pending = last ? (last.type === 'WorkPending' ? last.data as PendingWork : undefined) : snap?.pending;
    if (last) this.lastTime = last.time;
    if (this.lastTime) this.clock.set(Date.parse(this.lastTime));
    this.world.relist();
    if (pending) this.world.scheduler.restorePendingWork(pending);
  }

  /** Records an input (a user command) at the next simulated instant. */
  input(type: string, data: unknown): void {
    if (this.basePos > 0 || this.pending.length > 0) this.clock.advance(COMMAND_GAP_MS);
    // A settle budget other than the default changes what the command does: it is part of the input.
    const recorded = this.budget ? { ...(data as object), budget: this.budget } : data;
    this.pending.push({ time: this.clock.isoMs(), stream: 'cluster', type, data: recorded });
  }

  settle(): SettleReport {
    const report = this.world.settle();
    if (report.stoppedBy) this.lastSettle = report;
    return report;
  }

  /**
   * The batch as `commit` would append it — the clock's last move and the work left undelivered
   * recorded, quiet resyncs summarised — taken out of the session.
   */
  takeBatch(): NewLogRecord[] {
    const lastTime = this.pending.length > 0 ? this.pending[this.pending.length - 1]!.time : this.lastTime;
    if (this.pending.length > 0 && lastTime !== this.clock.isoMs()) {
      this.pending.push({ time: this.clock.isoMs(), stream: 'clock', type: 'ClockAdvanced', data: {} });
    }
    const work = this.world.scheduler.pendingWork();
    const hasWork = work.waiting.length > 0 || work.delayed.length > 0;
    if (this.pending.length > 0 && hasWork) this.pending.push({ time: this.clock.isoMs(), stream: 'scheduler', type: 'WorkPending', data: work });
    return summariseQuietResyncs(this.pending.splice(0));
  }

  /** Appends everything this invocation produced as one durable batch (after the preamble's, when there is one). */
  commit(): LogRecord[] {
    if (this.readsThePast) throw new Error('a session that reads the cluster at an earlier position cannot append to its log');
    if (this.preamble) this.log.append(this.preamble, 0);
    // Simulated time that passed with nothing to record (an `advance`, a wait that timed out)
    // still passed: the log's last record carries the time the next command starts from.
    const batch = this.takeBatch();
    if (this.requestId !== undefined) tagRequest(batch, this.requestId);
    const stored = this.log.append(batch, this.basePos);
    // The batch is durable: from here on nothing may fail the command. The snapshot is a cache,
    // written best effort (a failure is a warning).
    const last = stored[stored.length - 1];
    if (last && this.snapshotPath && this.log instanceof FileEventLog && this.snapshotEvery > 0 && last.pos - this.snapshotPos >= this.snapshotEvery) {
      const snap: Snapshot = {
        format: 1, pos: last.pos, sum: last.sum, byteOffset: this.log.lastAppendEnd ?? this.log.size(), time: last.time, store: this.store.dump(),
        ...(last.type === 'WorkPending' ? { pending: last.data as PendingWork } : {}),
      };
      if (writeSnapshotBestEffort(this.snapshotPath, snap, this.log)) archiveSnapshot(this.clusterDir, snap.pos, snap, this.log);
    }
    return stored;
  }

  get now(): string { return this.clock.iso(); }

  /** The log position this session started from (0: an empty log). */
  get basePosition(): number { return this.basePos; }

  /** Whether the log has nothing yet (no record folded, none pending). */
  get isFresh(): boolean { return this.basePos === 0 && this.pending.length === 0; }

  /** Records produced so far, not yet committed. */
  get pendingCount(): number { return this.pending.length; }
}

/** The session of one CLI invocation: the cluster directory, seed and snapshot setting from the global flags. */
export function openSession(g: GlobalOptions, onProgress?: (delivered: number, waiting: number) => void, options: { init?: boolean } = {}): Session {
  const log = openClusterLog(g);
  const make = (preamble?: NewLogRecord[]) => new Session({
    clusterDir: g.clusterDir, seed: g.seed, log, ...(preamble ? { preamble } : {}),
    ...(g.budget ? { budget: g.budget } : {}),
    ...(g.snapshotEveryRecords !== undefined ? { snapshotEveryRecords: g.snapshotEveryRecords } : {}),
    ...(onProgress ? { onProgress } : {}),
    ...(g.atPos !== undefined ? { atPos: g.atPos } : {}),
  });
  let session = make();
  // An empty log: the cluster's own objects come first (clusterInit.ts), as a batch of their own so
  // `log verify` re-executes them as recorded; a read sees them without writing. `pvsim init` opens with init: false.
  if (g.atPos === undefined && options.init !== false && session.isFresh) {
    const data = defaultClusterInit(g.seed);
    session.input(CLUSTER_INIT_INPUT, data);
    performClusterInit(session, data);
    // Its own batch (so `log verify` re-executes it as recorded), appended only when the command commits.
    if (!g.readOnly) session = make(session.takeBatch());
  }
  session.requestId = g.requestId;
  return session;
}

/**
 * What a command that stopped before the cluster settled says on stderr: why it stopped and what
 * is still in flight, as `kubectl describe` would show it on a real cluster. The command still
 * succeeds (the cluster accepted the input); the next command continues from here.
 */
export function unsettledNotice(s: Session): string {
  const r = s.lastSettle;
  if (!r?.stoppedBy) return '';
  const why = r.stoppedBy === 'retrying'
    ? 'only failing retries are left'
    : r.stoppedBy === 'steps' ? `the step budget ran out after ${r.deliveries} deliveries` : 'the simulated-time budget ran out';
  return `Warning: the cluster has not settled (${why}); still in flight:\n${r.inFlight.map((l) => `  ${l}\n`).join('')}`;
}
