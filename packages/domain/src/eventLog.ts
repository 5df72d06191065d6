/**
 * Design: the port every event log implements (file, JetStream, memory). A log is a sequence of
 * records numbered from 1; appends are transactions — a batch is written whole, its last record
 * marked `end`, so a reader can tell a torn batch from a finished one. Appends carry the position
 * the writer last saw (`expectedPos`); a mismatch is an ExpectedVersionConflict, never a silent
 * interleaving.
 */

export interface NewLogRecord {
  /** Simulated time, RFC 3339. */
  time: string;
  /** The object or actor the record belongs to, e.g. `pv/nas`, `pvc/default/data`, `cluster`. */
  stream: string;
  /** Past tense for facts (`PersistentVolumeUpdated`), imperative for inputs (`ApplyObjects`). */
  type: string;
  data: unknown;
  /**
   * The component that wrote it, when the world wrote it while acting for one (a controller's
   * sync of a delivered work item, an informer's watch delivery); absent for a user's command.
   * Its cause is the choice record before it (packages/replay causes.ts, ADR 0006).
   */
  component?: string;
}

export interface LogRecord extends NewLogRecord {
  /** 1-based position in the log. */
  pos: number;
  /** Present (true) on the last record of each appended batch. */
  end?: true;
  /** Checksum over every other field of the record. */
  sum: string;
}

export interface EventLog {
  /**
   * All records of complete batches, in order. Throws LogCorruptError on a corrupt record; an
   * unfinished last batch (a write in progress, or one a crash cut short) is never returned.
   */
  read(): LogRecord[];
  /** The position of the last record (0 when empty). */
  lastPos(): number;
  /**
   * Appends one batch atomically after checking that the log ends at `expectedPos`; durable
   * (flushed and fsynced) before it returns. Returns the records as stored.
   */
  append(batch: NewLogRecord[], expectedPos: number): LogRecord[];
  /**
   * `append` without blocking the caller's thread, for composition roots that can await (ADR
   * 0032): the same records, checks and errors. Offered by a log whose storage is reached
   * asynchronously (JetStream), where the blocking path costs a hop to another thread.
   */
  appendAsync?(batch: NewLogRecord[], expectedPos: number): Promise<LogRecord[]>;
}

export class ExpectedVersionConflict extends Error {
  readonly code = 'ExpectedVersionConflict';
  constructor(readonly expectedPos: number, readonly actualPos: number) {
    super(`event log moved on: expected to append after position ${expectedPos}, but it ends at ${actualPos}`);
    this.name = 'ExpectedVersionConflict';
  }
}

export class LogCorruptError extends Error {
  readonly code = 'LogCorrupt';
  constructor(
    readonly path: string,
    /** Position of the first bad record (the one after the last good one). */
    readonly pos: number,
    /** Byte offset where the bad data starts; `pvsim log repair` truncates here. */
    readonly byteOffset: number,
    readonly detail: string,
    /**
     * What the user can do, completing the message. The default names the command that shows
     * what is damaged without changing anything; an adapter passes its own where it knows more.
     */
    readonly hint = 'run `pvsim log repair` to see what is damaged (it changes nothing without --force)',
  ) {
    super(`${path}: record ${pos} (byte ${byteOffset}) is ${detail}; ${hint}`);
    this.name = 'LogCorruptError';
  }
}
