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
import { ObjectStore, Random, Scheduler, SimClock, deriveSeed, foldRecords, type WatchEvent } from '@pvsim/runtime';
import { ControllerManager, type SettleReport } from '@pvsim/controllers';
import { inTreePlugins } from './plugins.ts';

/** Simulated time starts here for every new cluster. */
export const EPOCH_MS = Date.UTC(2026, 0, 1, 0, 0, 0);
/** Simulated time between two invocations (a user types the next command). */
export const COMMAND_GAP_MS = 1_000;

export interface SessionOptions {
  clusterDir: string;
  seed: number;
  log?: EventLog;
  onProgress?: (delivered: number, waiting: number) => void;
}

export class Session {
  readonly store: ObjectStore;
  readonly manager: ControllerManager;
  readonly clock: SimClock;
  readonly random: Random;
  readonly log: EventLog;
  readonly records: LogRecord[];
  private readonly pending: NewLogRecord[] = [];
  private readonly basePos: number;

  constructor(opts: SessionOptions) {
    this.log = opts.log ?? new FileEventLog(join(opts.clusterDir, 'log.jsonl'));
    this.records = this.log.read();
    this.basePos = this.records.length === 0 ? 0 : this.records[this.records.length - 1]!.pos;
    this.clock = new SimClock(EPOCH_MS);
    const last = this.records[this.records.length - 1];
    if (last) this.clock.set(Date.parse(last.time));
    this.random = new Random(deriveSeed(opts.seed, this.basePos));
    let manager: ControllerManager | undefined;
    const record = (r: NewLogRecord) => { this.pending.push(r); };
    this.store = new ObjectStore({
      clock: this.clock,
      newUid: () => this.random.uuid(),
      record,
      watch: (ev: WatchEvent) => manager?.onWatch(ev),
    });
    foldRecords(this.store, this.records);
    manager = new ControllerManager({
      store: this.store,
      scheduler: Scheduler.seeded(this.random),
      clock: this.clock,
      plugins: inTreePlugins(),
      record,
      ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    });
    this.manager = manager;
  }

  /** Records an input (a user command) at the next simulated instant. */
  input(type: string, data: unknown): void {
    if (this.records.length > 0 || this.pending.length > 0) this.clock.advance(COMMAND_GAP_MS);
    this.pending.push({ time: this.clock.iso(), stream: 'cluster', type, data });
  }

  settle(): SettleReport {
    return this.manager.settle();
  }

  /** Appends everything this invocation produced as one durable batch. */
  commit(): LogRecord[] {
    return this.log.append(this.pending.splice(0), this.basePos);
  }

  get now(): string { return this.clock.iso(); }
}
