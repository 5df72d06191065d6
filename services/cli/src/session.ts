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
import { STORED_KINDS, applyFact, deriveSeed, factOf, objectKey, type AnyObject, type StoredKind, type ObjectStore, type Scheduler, type SimClock, type WorkItem } from '@pvsim/runtime';
import { loadCsiDriverModules } from './csiDriverModules.ts';
import { createWorld, fifoChooser, type ClusterParts, type RpcTransport, type SettleBudget, type SettleReport, type World } from '@pvsim/world';
import { openClusterLog } from './clusterDir.ts';
import { natsDriverRpc } from './csiRpc.ts';
import { lockstepSequencer } from './lockstepSequencer.ts';
import type { GlobalOptions } from './verbTypes.ts';
import { readCheckedSnapshot, writeSnapshotBestEffort } from './snapshotFile.ts';
import { summariseQuietResyncs, tagRequest } from './batchRecords.ts';
import { archiveSnapshot, archivedSnapshotsAtOrBefore } from './snapshotArchive.ts';
import { ReadPointError } from '@pvsim/replay';
import { OBJECTS_FILE, ObjectsView, writeObjectsFile, type LogPoint } from './objectsFile.ts';
import { CLUSTER_INIT_INPUT, defaultClusterInit, performClusterInit } from './clusterObjects.ts';

/** Simulated time starts here for every new cluster. */
export const EPOCH_MS = Date.UTC(2026, 0, 1, 0, 0, 0);
/** Simulated time between two invocations (a user types the next command). */
export const COMMAND_GAP_MS = 1_000;

/**
 * The record a component process writes at the end of its pass with what its components now
 * remember (backoffs, retries in flight: `saveState`), so the next process that folds the log —
 * itself after a restart, another process, a command — starts from it (ADR 0026). Kubelets are
 * left out: they rebuild their memory from the node's objects (ADR 0022).
 */
export const COMPONENT_MEMORY_SAVED = 'ComponentMemorySaved';
/** Inputs a process writes, not a user: the clock owner's bounds count from the last other input. */
const PROCESS_INPUTS = new Set(['ComponentWorkRequested', 'ClockAdvanceRequested']);

/** What the log says about the clock owner's last advance (ADR 0026), for its bounds. */
export interface ClockHistory {
  /** Position and time of the last input a user (or a command) wrote. */
  lastUserInput: { pos: number; time: string } | undefined;
  /** The last `ClockAdvanceRequested` input: its position and data. */
  lastAdvance: { pos: number; data: Record<string, unknown> } | undefined;
  /**
   * The objects' fingerprints the advances since the last user input recorded: objects back at
   * one of them moved in a loop since (a retry cycle of several components), only time went on.
   */
  advancedAt: Set<string>;
}

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
  /** Told, batch by batch, how many of the log's records the fold has read (the command's progress bar). */
  onFold?: (done: number, total: number) => void;
  /** How far one settle may go (steps, simulated time) before it stops and reports what is in flight. */
  budget?: Partial<SettleBudget>;
  /** Read the cluster as it was at this log position (time travel: read verbs only, never committed). */
  atPos?: number;
  /** How the world runs, when not as a user's command runs it: a `pvsim check` counterexample's lagging informers and FIFO settles. */
  world?: SessionWorld;
  /**
   * Continue in memory after this committed session, as a new session on the same log would
   * after reading it: a new world, built exactly as the fold would build it, adopts the previous
   * world's API server instead of folding the log again (record import replays its inputs so).
   */
  after?: Session;
  /**
   * A batch another session produced on this (empty) log and did not append: folded as if it
   * had been, and appended first by `commit` (clusterInit.ts: a fresh cluster's own objects are
   * written only with the first command that succeeds).
   */
  preamble?: NewLogRecord[];
  /**
   * With `after`: the complete batches the log gained after that session's end (another writer's),
   * folded on top of its objects — a component process following the log folds only what is new
   * (componentHost.ts), and the world relists, as a fresh fold's does.
   */
  appended?: LogRecord[];
  /**
   * Write the objects file (objectsFile.ts) only for the last snapshot, when `writeDueObjectsFile`
   * is called, instead of at every snapshot: for a log replayed by many sessions in a private
   * directory (record import), where every earlier objects file would be overwritten unread.
   * A session continuing another (`after`) takes the setting and the file still due over.
   */
  objectsFileAtEnd?: boolean;
  /**
   * Drivers whose controller RPCs another process answers (ADR 0022, csiRpc.ts): the transport for
   * a driver, given this session's log position, or undefined to keep it in-process.
   */
  driverRpc?: (driver: string, pos: number) => RpcTransport | undefined;
  /**
   * Lockstep (ADR 0025, lockstep.ts): told of every delivery of a work item before the world
   * performs it, with this session (its base position and the transaction's records so far); the
   * function it returns is called once the delivery is performed.
   */
  onDeliver?: (s: Session, component: string, item: WorkItem) => (() => void) | undefined;
}

export interface SessionWorld {
  /** false: the world's fingerprint is never asked for (WorldOptions.fingerprints). */
  fingerprints?: false;
  informerLag?: boolean;
  fifo?: boolean;
  /** Users' CSI driver modules by driver name: absolute paths (`--csi-driver`). */
  csiDrivers?: Record<string, string>;
}

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
  /** The log's end as this session last saw it (after its commit), and the work a WorkPending there left. */
  private endPos: number;
  private endPending: PendingWork | undefined;
  private handedOver = false;
  /** Written into the input record so that a retry of this command is recognised (retry.ts). */
  requestId: string | undefined;
  /** The command's progress bar, told of each object a long input works through (progress.ts). */
  progress: { objects(done: number, total: number): void } | undefined;

  private readonly snapshotPath: string | undefined;
  private snapshotPos = 0;
  private lastTime: string | undefined;
  private readonly snapshotEvery: number;
  private readonly readsThePast: boolean;
  private readonly clusterDir: string;
  /** What the last settle left in flight when it stopped at its budget. */
  lastSettle: SettleReport | undefined;
  /** Each component's memory as the log last saved it (`ComponentMemorySaved`), restored into the world. */
  private readonly savedMemories: Map<string, unknown>;
  /** Each component's memory (JSON) once the fold restored it: a pass saves what differs from it. */
  private memoryBaseline: Map<string, string> | undefined;
  /** The clock owner's bounds, read from the log (clockOwner.ts). */
  readonly clockHistory: ClockHistory;
  private readonly budget: Partial<SettleBudget> | undefined;
  /** The objects and resource version before this command (for snapshots inside its batch). */
  private before: { resourceVersion: number; objects: [StoredKind, string, AnyObject][] } | undefined;
  /** The highest resource version a folded deletion carried (the store's counter moves with it). */
  private foldedVersion = 0;
  private readonly objectsFileAtEnd: boolean;
  /** The objects file of the last snapshot, not written yet (`objectsFileAtEnd`). */
  private objectsFileDue: { point: LogPoint; objects: ReturnType<ObjectStore['dump']>['objects'] } | undefined;

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
    // A session that continues another in memory (`after`) takes its objects over and reads nothing.
    const after = opts.after?.handOver();
    this.savedMemories = new Map(after?.memories ?? []);
    this.clockHistory = {
      lastUserInput: after?.clockHistory.lastUserInput, lastAdvance: after?.clockHistory.lastAdvance, advancedAt: new Set(after?.clockHistory.advancedAt),
    };
    this.objectsFileAtEnd = after?.objectsFileAtEnd ?? opts.objectsFileAtEnd ?? false;
    this.objectsFileDue = after?.objectsFileDue;
    const file = this.log instanceof FileEventLog ? this.log : undefined;
    let snap: Snapshot | undefined;
    let records: LogRecord[] | undefined;
    let end: number;
    if (after) {
      records = opts.appended ?? [];
      if (records.length > 0 && records[0]!.pos !== after.pos + 1) throw new Error(`the records appended after position ${after.pos} start at ${records[0]!.pos}`);
      end = records.length > 0 ? records[records.length - 1]!.pos : after.pos;
    } else if (file) {
      // A file log is folded batch by batch as it is read (FileEventLog.forEachBatch): a log of
      // any size folds in the memory of its largest batch, not of every record at once.
      end = file.lastPos();
      const candidates = atPos === undefined ? [this.snapshotPath!] : archivedSnapshotsAtOrBefore(opts.clusterDir, atPos);
      for (const path of candidates) {
        const candidate = readSnapshot(path);
        if (candidate && candidate.pos <= end && file.hasRecordAt(candidate.byteOffset, candidate.pos, candidate.sum, { batchEnd: atPos === undefined })) { snap = candidate; break; }
      }
    } else {
      records = this.log.read();
      end = records.length > 0 ? records[records.length - 1]!.pos : 0;
    }
    if (atPos !== undefined && atPos > end) throw new ReadPointError(`error: --at ${atPos}: the log ends at position ${end}`);
    this.preamble = opts.preamble && end === 0 && !snap && !after ? opts.preamble : undefined;
    if (this.preamble) records = this.preamble.map((r, i) => ({ ...r, pos: i + 1, sum: '' }) as LogRecord);
    this.basePos = this.preamble ? this.preamble.length : atPos ?? end;
    // Randomness for this invocation is derived from the seed and the log position.
    this.world = createWorld({
      seed: deriveSeed(opts.seed, this.basePos),
      // Uids are not drawn at a log position: the same object gets the same uid wherever it is created (ADR 0031).
      uidSeed: opts.seed,
      startMs: EPOCH_MS,
      cluster: 'full',
      record: (r) => { this.pending.push(r); },
      ...(opts.budget ? { budget: opts.budget } : {}),
      ...(opts.world?.informerLag ? { informerLag: true } : {}),
      ...(opts.world?.fingerprints === false ? { fingerprints: false } : {}),
      ...(opts.world?.fifo ? { chooser: fifoChooser() } : {}),
      ...(opts.world?.csiDrivers ? { userDrivers: loadCsiDriverModules(opts.world.csiDrivers) } : {}),
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      ...(opts.driverRpc ? { driverRpc: (driver: string) => opts.driverRpc!(driver, this.basePos) } : {}),
      ...(opts.onDeliver ? { onDeliver: (component: string, item: WorkItem) => opts.onDeliver!(this, component, item) } : {}),
    });
    this.store = this.world.store;
    this.clock = this.world.clock;
    this.parts = this.world.parts;
    if (snap) {
      this.store.load(snap.store);
      this.snapshotPos = snap.pos;
      this.lastTime = snap.time;
    }
    if (after) {
      this.store.adopt(after.store);
      this.snapshotPos = after.snapshotPos;
      this.lastTime = after.time;
    }
    let last: LogRecord | undefined;
    const fold = (r: LogRecord): boolean => {
      if (r.pos > this.basePos) return false;
      if (!applyFact(this.store, r)) this.note(r);
      const deleted = r.type.endsWith('Deleted') ? Number((r.data as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion ?? 0) : 0;
      if (deleted > this.foldedVersion) this.foldedVersion = deleted;
      last = r;
      return true;
    };
    if (file && !after && !this.preamble) {
      const from = snap ? { byteOffset: snap.byteOffset, pos: snap.pos, sum: snap.sum } : undefined;
      const first = snap?.pos ?? 0;
      const onFold = opts.onFold;
      const read = file.forEachBatch(onFold
        ? (batch) => { const more = batch.every(fold); if (last) onFold(last.pos - first, this.basePos - first); return more; }
        : (batch) => batch.every(fold), from);
      if (!read) throw new Error(`${file.path}: the log was replaced while it was being read; run the command again`);
    } else {
      for (const r of records!) if (!fold(r)) break;
    }
    // Work the previous command left undelivered (it ended without settling) is picked up here.
    const folded = last as LogRecord | undefined;
    const pending = folded ? (folded.type === 'WorkPending' ? folded.data as PendingWork : undefined) : snap?.pending ?? after?.pending;
    if (folded) this.lastTime = folded.time;
    this.endPos = this.basePos;
    this.endPending = pending;
    if (this.lastTime) this.clock.set(Date.parse(this.lastTime));
    if (after && !folded) this.world.relistFrom(after.world); else this.world.relist();
    if (pending) this.world.restorePendingWork(pending);
    // What the components remembered, as the last process to save it left it (only logs of
    // distributed clusters hold any: embedded runs and commands never write it).
    if (this.savedMemories.size > 0) {
      for (const c of this.world.manager.controllers) {
        const memory = this.savedMemories.get(c.name);
        if (memory !== undefined && c.loadState) c.loadState(structuredClone(memory));
      }
    }
    // The objects before this command's batch, kept by reference (stored objects are never changed
    // in place), from which commit folds the snapshots inside the batch.
    if (file && !after && this.snapshotEvery > 0 && atPos === undefined) {
      const rv = STORED_KINDS.flatMap((k) => this.store.list(k)).reduce((m, o) => Math.max(m, Number(o.metadata.resourceVersion ?? 0)), Number(snap?.store.resourceVersion ?? 0));
      this.before = { resourceVersion: Math.max(rv, this.foldedVersion), objects: STORED_KINDS.flatMap((k) => this.store.list(k).map((o): [StoredKind, string, AnyObject] => [k, objectKey(k, o), o])) };
    }
  }

  /**
   * Snapshots inside the batch just appended (issue 9 item 4), every `snapshotEvery` records
   * since the last one (or every as many records as the cluster has objects, when more): the objects before the batch with the batch's facts folded up to each
   * point, archived under its position for reads at any position (`--at`). They hold objects
   * only: what the world held in flight in the middle of a command is in no log, so the past is
   * read there but never continued from there (a fork copies whole batches).
   */
  private snapshotsInside(stored: LogRecord[], log: FileEventLog): void {
    const before = this.before;
    if (!before || stored.length < 2 || log.lastAppendRecordEnds.length !== stored.length) return;
    // A snapshot costs what the cluster holds: at most one per that many records, so snapshots
    // cost a constant per record however large the cluster, and their bytes stay in proportion to the log.
    const every = Math.max(this.snapshotEvery, before.objects.length);
    let previous = this.snapshotPos;
    const points = stored.slice(0, -1).map((r, i) => ({ r, i })).filter(({ r }) => {
      if (r.pos - previous < every) return false;
      previous = r.pos;
      return true;
    });
    if (points.length === 0) return;
    const objects = new Map<StoredKind, Map<string, AnyObject>>();
    for (const [kind, key, obj] of before.objects) {
      let m = objects.get(kind);
      if (!m) objects.set(kind, (m = new Map()));
      m.set(key, obj);
    }
    let resourceVersion = before.resourceVersion;
    let next = 0;
    for (const { r, i } of points) {
      for (; next <= i; next++) {
        const fact = factOf(stored[next]!);
        if (!fact) continue;
        let m = objects.get(fact.kind);
        if (!m) objects.set(fact.kind, (m = new Map()));
        if (fact.object) {
          m.set(fact.key, fact.object);
          resourceVersion = Math.max(resourceVersion, Number(fact.object.metadata.resourceVersion ?? 0));
        } else {
          m.delete(fact.key);
          resourceVersion = Math.max(resourceVersion, Number(fact.deletedVersion ?? 0));
        }
      }
      const dump = { resourceVersion, objects: [...objects].flatMap(([kind, m]) => [...m].map(([key, obj]): [StoredKind, string, AnyObject] => [kind, key, obj])) };
      const snap: Snapshot = { format: 1, pos: r.pos, sum: r.sum, byteOffset: log.lastAppendRecordEnds[i]!, time: r.time, store: dump as Snapshot['store'] };
      archiveSnapshot(this.clusterDir, r.pos, snap, log);
    }
  }

  /** Remembers what a folded record that is no object fact says for later sessions: memories, inputs. */
  private note(r: Pick<LogRecord, 'pos' | 'stream' | 'type' | 'data' | 'time'>): void {
    if (r.type === COMPONENT_MEMORY_SAVED) {
      const d = r.data as { component: string; memory: unknown };
      this.savedMemories.set(d.component, d.memory);
    } else if (r.stream === 'cluster') {
      if (r.type === 'ClockAdvanceRequested') {
        const data = r.data as Record<string, unknown>;
        this.clockHistory.lastAdvance = { pos: r.pos, data };
        if (typeof data['fingerprint'] === 'string') this.clockHistory.advancedAt.add(data['fingerprint']);
      } else if (!PROCESS_INPUTS.has(r.type)) {
        this.clockHistory.lastUserInput = { pos: r.pos, time: r.time };
        this.clockHistory.advancedAt.clear();
      }
    }
  }

  /**
   * Records, at the end of a component process's pass, the memory of every component (kubelets
   * aside) that differs from what the fold restored (ADR 0026) — or that the log holds none of
   * yet: a memory as fresh as the world made it is still the process's own (the external
   * provisioner's identity, drawn once per process, names the source of its Events; drawn again
   * by every pass, no Event of a failing retry aggregated, and a retry cycle never looked idle to
   * the clock owner). Only process inputs call this (inputs.ts), so the logs of embedded runs and
   * commands are unchanged.
   */
  saveChangedMemories(): void {
    const baseline = this.memoryBaseline;
    if (!baseline) return;
    for (const [component, raw] of this.world.memories()) {
      if (component.startsWith('kubelet/')) continue;
      const unchanged = baseline.get(component) === raw;
      if (unchanged && this.savedMemories.has(component)) continue;
      if (unchanged) this.unchangedSaved++;
      this.pending.push({ time: this.clock.isoMs(), stream: 'memory', type: COMPONENT_MEMORY_SAVED, data: { component, memory: JSON.parse(raw) } });
    }
  }

  /**
   * How many of the memories `saveChangedMemories` recorded are as the pass found them (saved
   * only because the log held none yet): they ride along with a pass that appends, and do not
   * make a pass that changed nothing worth appending. Counts the records pending (takeBatch resets it).
   */
  get unchangedMemoriesSaved(): number { return this.unchangedSaved; }
  private unchangedSaved = 0;

  /** Records an input (a user command) at the next simulated instant. */
  input(type: string, data: unknown): void {
    // A process's pass compares what its components remember afterwards with this.
    if (PROCESS_INPUTS.has(type) && this.memoryBaseline === undefined) this.memoryBaseline = this.world.memories();
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
    this.unchangedSaved = 0;
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
    const batch = this.batchToCommit();
    if (this.preamble) this.log.append(this.preamble, 0);
    return this.committed(this.log.append(batch, this.basePos));
  }

  /**
   * `commit` for a composition root that can await (a component process): the log's asynchronous
   * append where it has one (ADR 0032: JetStream without the hop to the bridge thread).
   */
  async commitAsync(): Promise<LogRecord[]> {
    const batch = this.batchToCommit();
    const append = this.log.appendAsync ? this.log.appendAsync.bind(this.log) : async (b: NewLogRecord[], p: number) => this.log.append(b, p);
    if (this.preamble) await append(this.preamble, 0);
    return this.committed(await append(batch, this.basePos));
  }

  private batchToCommit(): NewLogRecord[] {
    if (this.readsThePast) throw new Error('a session that reads the cluster at an earlier position cannot append to its log');
    // Simulated time that passed with nothing to record (an `advance`, a wait that timed out)
    // still passed: the log's last record carries the time the next command starts from.
    const batch = this.takeBatch();
    if (this.requestId !== undefined) tagRequest(batch, this.requestId);
    return batch;
  }

  private committed(stored: LogRecord[]): LogRecord[] {
    // The batch is durable: from here on nothing may fail the command. The snapshot is a cache,
    // written best effort (a failure is a warning).
    const last = stored[stored.length - 1];
    for (const r of stored) if (!factOf(r)) this.note(r);
    if (last) {
      this.endPos = last.pos;
      this.lastTime = last.time;
      this.endPending = last.type === 'WorkPending' ? last.data as PendingWork : undefined;
    }
    if (this.log instanceof FileEventLog && this.snapshotEvery > 0) this.snapshotsInside(stored, this.log);
    if (last && this.snapshotPath && this.log instanceof FileEventLog && this.snapshotEvery > 0 && last.pos - this.snapshotPos >= this.snapshotEvery) {
      const dump = this.store.dump();
      const snap: Snapshot = {
        format: 1, pos: last.pos, sum: last.sum, byteOffset: this.log.lastAppendEnd ?? this.log.size(), time: last.time, store: dump,
        ...(last.type === 'WorkPending' ? { pending: last.data as PendingWork } : {}),
      };
      const written = writeSnapshotBestEffort(this.snapshotPath, snap, this.log);
      if (written) {
        archiveSnapshot(this.clusterDir, snap.pos, written, this.log);
        this.snapshotPos = snap.pos;
        // The same objects laid out for read verbs that read a few (objectsFile.ts).
        this.objectsFileDue = { point: { pos: snap.pos, sum: snap.sum, byteOffset: snap.byteOffset, time: snap.time }, objects: dump.objects };
        if (!this.objectsFileAtEnd) this.writeDueObjectsFile();
      }
    }
    return stored;
  }

  /** Writes the objects file of the last snapshot, if it is not written yet (`objectsFileAtEnd`). */
  writeDueObjectsFile(): void {
    const due = this.objectsFileDue;
    this.objectsFileDue = undefined;
    if (due && this.log instanceof FileEventLog) writeObjectsFile(join(this.clusterDir, OBJECTS_FILE), due.point, due.objects, this.log);
  }

  get now(): string { return this.clock.iso(); }

  /** What a session continuing after this one (`after`) starts from; this session is done. */
  private handOver(): {
    store: ObjectStore; world: World; pos: number; time: string | undefined; pending: PendingWork | undefined; snapshotPos: number;
    objectsFileAtEnd: boolean; objectsFileDue: Session['objectsFileDue']; memories: Map<string, unknown>; clockHistory: ClockHistory;
  } {
    if (this.pending.length > 0) throw new Error('a session must commit before another continues after it');
    if (this.readsThePast || this.handedOver) throw new Error('this session cannot be continued');
    this.handedOver = true;
    const objectsFileDue = this.objectsFileDue;
    this.objectsFileDue = undefined;
    return {
      store: this.store, world: this.world, pos: this.endPos, time: this.lastTime, pending: this.endPending, snapshotPos: this.snapshotPos,
      objectsFileAtEnd: this.objectsFileAtEnd, objectsFileDue, memories: this.savedMemories, clockHistory: this.clockHistory,
    };
  }

  /** A fresh cluster's own objects this session folded and will append first (undefined: none). */
  get preambleRecords(): readonly NewLogRecord[] | undefined { return this.preamble; }

  /** The log position this session started from (0: an empty log). */
  get basePosition(): number { return this.basePos; }

  /** The log's end as this session last saw it: where it started, or its own batch's end once committed. */
  get endPosition(): number { return this.endPos; }

  /** Whether the log has nothing yet (no record folded, none pending). */
  get isFresh(): boolean { return this.basePos === 0 && this.pending.length === 0; }

  /** Records produced so far, not yet committed. */
  get pendingCount(): number { return this.pending.length; }

  /** The records produced so far, not yet committed (read only: what a component pass wrote). */
  get pendingRecords(): readonly NewLogRecord[] { return this.pending; }
}

/** The session of one CLI invocation: the cluster directory, seed and snapshot setting from the global flags. */
export function openSession(g: GlobalOptions, onProgress?: (delivered: number, waiting: number) => void, options: { init?: boolean } = {}): Session {
  const log = openClusterLog(g);
  const driverRpc = natsDriverRpc(g);
  const make = (preamble?: NewLogRecord[]) => new Session({
    clusterDir: g.clusterDir, seed: g.seed, log, ...(preamble ? { preamble } : {}),
    ...(g.budget ? { budget: g.budget } : {}),
    ...(g.snapshotEveryRecords !== undefined ? { snapshotEveryRecords: g.snapshotEveryRecords } : {}),
    ...(onProgress ?? g.progress ? { onProgress: onProgress ?? g.progress!.deliveries } : {}),
    ...(g.progress ? { onFold: g.progress.records } : {}),
    ...(g.atPos !== undefined ? { atPos: g.atPos } : {}),
    ...(driverRpc ? { driverRpc } : {}),
    // A lockstep command is the sequencer (ADR 0025): every delivery is granted to its process.
    ...(g.lockstep && g.nats && !g.readOnly ? { onDeliver: lockstepSequencer(g) } : {}),
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
  session.progress = g.progress;
  return session;
}

/**
 * The cluster's objects at the log's end without building the world, from the objects file
 * beside the snapshot (objectsFile.ts) — for a read verb that reads a few objects. Undefined when
 * there is none or it does not match the log (the caller opens a session), or when the verb reads
 * the past or the cluster lives in NATS.
 */
export function openObjectsView(g: GlobalOptions): ObjectsView | undefined {
  if (g.atPos !== undefined || g.nats) return undefined;
  const log = openClusterLog(g);
  return log instanceof FileEventLog ? ObjectsView.open(join(g.clusterDir, OBJECTS_FILE), log, EPOCH_MS) : undefined;
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
