/**
 * Design: the cluster's event log kept in a JetStream stream (ADR 0007) — the EventLog port,
 * passing the same contract suite as the file log. One message per record on the subject of the
 * record's stream (subjects.ts), its payload exactly the line the file log would hold
 * (`sealBatch` in @pvsim/domain), so an export is byte-identical to the file and the checksums
 * carry over. A record's position is its stream sequence: the log has one writer at a time by
 * optimistic concurrency, the append expecting the stream to end at `expectedPos`.
 *
 * Batches: 2.9 has no atomic multi-message publish, so a batch is published line by line with
 * chained expectations (natsWorker.mjs) and its last line carries `end`. A reader returns only
 * complete batches; a batch a crash cut short stays in the stream unread, and the next append
 * is refused with LogCorruptError until the operator deals with it (see the ADR).
 *
 * Synchronous by design: the calls block on the worker thread (syncBridge.ts). A composition root
 * that can await appends with `appendAsync` instead (ADR 0032): the same protocol — each call
 * to the server a step the generators below yield — driven on the caller's own event loop, with
 * no hop to the worker thread.
 */

import { createHash } from 'node:crypto';
import {
  ExpectedVersionConflict,
  LogCorruptError,
  checkLine,
  sealBatch,
  type EventLog,
  type LogRecord,
  type NewLogRecord,
} from '@pvsim/domain';
import type { BridgeRequest, NatsConnectOptions, StoredLine } from './bridgeProtocol.ts';
import { callAsync } from './asyncCalls.ts';
import { NatsCallError, callSync } from './syncBridge.ts';
import { checkClusterName, logStreamName, logSubject, logSubjectFilter, redactCredentials } from './subjects.ts';

/**
 * A log record's `Nats-Msg-Id`. A retried publish carries the same id and is stored once. Past
 * position 1 the id names the record, not only its position (its checksum covers position and
 * content): the next line of a batch expects the previous line's id as the stream's last, so a
 * line of another writer at that position — the same position, another record — breaks the
 * chain, and a stale writer's later lines cannot land after a shorter batch that won. (With ids
 * by position alone they did: line k of the loser expected position p+k and the id `p+k`, which
 * the winner's record there carried too.) Position 1 keeps a fixed id: 2.9 skips an expected last
 * sequence of 0, and two first writers collide on it instead (natsWorker.mjs).
 */
export function logMsgId(stream: string, pos: number, sum: string): string {
  return pos === 1 ? `${stream}:1` : `${stream}:${pos}:${sum}`;
}

export interface JetStreamEventLogOptions {
  connect: NatsConnectOptions;
  cluster: string;
  /** Deadline of one call to the server (default 30 s). */
  timeoutMs?: number;
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex');

/** One call to the server a protocol makes, with the synchronous caller's deadline for it. */
interface Call { request: BridgeRequest; timeoutMs: number }
/** A protocol of calls: each yielded call is answered with its result, or its NatsCallError thrown in. */
type Protocol<T> = Generator<Call, T, unknown>;

/** Drives `protocol` with blocking calls through the worker thread. */
function runSync<T>(protocol: Protocol<T>): T {
  for (let next = protocol.next(); ; ) {
    if (next.done) return next.value;
    let answer: unknown;
    try {
      answer = callSync(next.value.request, next.value.timeoutMs);
    } catch (error) {
      next = protocol.throw(error);
      continue;
    }
    next = protocol.next(answer);
  }
}

/** Drives `protocol` with calls on the caller's own event loop. */
async function runAsync<T>(protocol: Protocol<T>): Promise<T> {
  for (let next = protocol.next(); ; ) {
    if (next.done) return next.value;
    let answer: unknown;
    try {
      answer = await callAsync(next.value.request);
    } catch (error) {
      next = protocol.throw(error);
      continue;
    }
    next = protocol.next(answer);
  }
}

/** How often an append that lost its race looks again at an unfinished tail, and how long it must stand still to be torn. */
const TAIL_LOOK_MS = 100;
const TAIL_QUIET_MS = 3_000;
/** How many record streams' subjects a log remembers before it starts again (memory stays bounded). */
const SUBJECTS_REMEMBERED = 10_000;

export class JetStreamEventLog implements EventLog {
  readonly cluster: string;
  readonly stream: string;
  private readonly connect: NatsConnectOptions;
  private readonly timeoutMs: number;
  private readonly subjects = new Map<string, string>();

  constructor(options: JetStreamEventLogOptions) {
    this.cluster = checkClusterName(options.cluster);
    this.stream = logStreamName(options.cluster);
    this.connect = options.connect;
    this.timeoutMs = options.timeoutMs ?? 30_000;
  }

  /** Where the log lives, for messages: `nats://host:port cluster NAME`. */
  describe(): string {
    const servers = (Array.isArray(this.connect.servers) ? this.connect.servers : [this.connect.servers]).map(redactCredentials).join(',');
    return `${servers} cluster ${this.cluster}`;
  }

  read(): LogRecord[] {
    return this.readAfter(0);
  }

  /**
   * The records of the complete batches after position `pos` (a batch boundary the caller has
   * already read: a follower folding only what is new, ADR 0019), checked as `read()` checks them.
   */
  readAfter(pos: number): LogRecord[] {
    const stored = callSync({ op: 'read', connect: this.connect, stream: this.stream, fromSeq: pos + 1 }, this.timeoutMs) as StoredLine[];
    return this.complete(stored, pos);
  }

  /**
   * `readAfter(pos)` of lines the caller already holds — a follower's (followLog), which hears
   * every line as it is stored — instead of reading them again: the complete batches among
   * `lines` (stream sequences pos + 1, pos + 2, … in order), checked as `read()` checks them.
   */
  recordsOf(lines: readonly Pick<StoredLine, 'seq' | 'line'>[], pos: number): LogRecord[] {
    return this.complete(lines, pos);
  }

  lastPos(): number {
    return runSync(this.lastPosSteps());
  }

  private *lastPosSteps(): Protocol<number> {
    const last = (yield this.call({ op: 'lastLine', connect: this.connect, stream: this.stream })) as StoredLine | null;
    if (last === null) return 0;
    const checked = checkLine(last.line, hash);
    if (checked.ok && checked.record.end === true && checked.record.pos === last.seq) return last.seq;
    const stored = (yield this.call({ op: 'read', connect: this.connect, stream: this.stream, fromSeq: 1 })) as StoredLine[];
    return this.complete(stored).at(-1)?.pos ?? 0;
  }

  /** The subject of a record stream, remembered: an object's records come again and again. */
  private subjectOf(recordStream: string): string {
    let subject = this.subjects.get(recordStream);
    if (subject === undefined) {
      if (this.subjects.size >= SUBJECTS_REMEMBERED) this.subjects.clear();
      subject = logSubject(this.cluster, recordStream);
      this.subjects.set(recordStream, subject);
    }
    return subject;
  }

  private call(request: BridgeRequest, timeoutMs = this.timeoutMs): Call {
    return { request, timeoutMs };
  }

  /**
   * Where the complete batches end after an append lost its race with nothing stored. Lines past
   * `expectedPos` that end no batch are either another writer's batch still on the wire or a batch
   * torn for good: wait while the stream keeps growing, and take the tail as torn only once it has
   * stood still for TAIL_QUIET_MS (a loaded machine can hold a writer between two publishes for
   * a while; a torn tail costs only this wait, once). Returns the end of the last complete batch.
   */
  private *settledEnd(expectedPos: number): Protocol<number> {
    const lastSeq = this.call({ op: 'lastSeq', connect: this.connect, stream: this.stream });
    let end = yield* this.lastPosSteps();
    let seq = (yield lastSeq) as number;
    let still = 0;
    while (end === expectedPos && seq > expectedPos && still < TAIL_QUIET_MS / TAIL_LOOK_MS) {
      yield this.call({ op: 'pause', ms: TAIL_LOOK_MS });
      end = yield* this.lastPosSteps();
      const now = (yield lastSeq) as number;
      still = now === seq ? still + 1 : 0;
      seq = now;
    }
    return end;
  }

  append(batch: NewLogRecord[], expectedPos: number): LogRecord[] {
    return runSync(this.appendSteps(batch, expectedPos));
  }

  /**
   * `append` on the caller's event loop (ADR 0032): the same records, checks and errors, without
   * blocking the thread or hopping to the worker — for composition roots that can await.
   */
  appendAsync(batch: NewLogRecord[], expectedPos: number): Promise<LogRecord[]> {
    return runAsync(this.appendSteps(batch, expectedPos));
  }

  /** Opens the connection `appendAsync` uses, so a process's first transaction does not wait for it. */
  async connectAsync(): Promise<void> {
    await callAsync({ op: 'lastSeq', connect: this.connect, stream: this.stream });
  }

  private *appendSteps(batch: NewLogRecord[], expectedPos: number): Protocol<LogRecord[]> {
    if (batch.length === 0) return [];
    const { records, lines } = sealBatch(batch, expectedPos + 1, hash);
    const outgoing = lines.map((line, k) => ({
      subject: this.subjectOf(records[k]!.stream),
      line,
      msgID: logMsgId(this.stream, records[k]!.pos, records[k]!.sum),
    }));
    try {
      yield this.call(
        { op: 'append', connect: this.connect, stream: this.stream, subjects: [logSubjectFilter(this.cluster)], lines: outgoing, expectedSeq: expectedPos },
        // A large batch gets time in proportion (10 000 records: +100 s on a loaded machine).
        this.timeoutMs + 10 * batch.length,
      );
    } catch (error) {
      if (error instanceof NatsCallError && error.code === 'Conflict' && !error.storedCount) {
        const actual = yield* this.settledEnd(expectedPos);
        if (actual === expectedPos) {
          throw new LogCorruptError(this.describe(), actual + 1, 0, 'the start of a batch that never finished', 'the log refuses appends until the stream is repaired: run `pvsim log repair` (with --nats)');
        }
        throw new ExpectedVersionConflict(expectedPos, actual);
      }
      if (error instanceof NatsCallError && error.storedCount) {
        throw new LogCorruptError(
          this.describe(),
          expectedPos + error.storedCount + 1,
          0,
          `missing: the append stopped after ${error.storedCount} of ${batch.length} records (${error.message})`,
          'the stored part of the batch is never read; the log refuses appends until the stream is repaired: run `pvsim log repair` (with --nats)',
        );
      }
      throw error;
    }
    return records;
  }

  /**
   * What `log repair` sees: the stored lines up to the end of the last complete batch (`kept`,
   * every one checked and numbered as its stream sequence) and the unfinished batch after it
   * (`tail`, never acknowledged, so never read by anyone). Damage before the last complete batch
   * (a line that does not check, or numbering that does not match the stream) is LogCorruptError:
   * cutting there would lose acknowledged records, which repair does not do to a stream.
   */
  inspectTail(): { kept: StoredLine[]; tail: StoredLine[] } {
    const stored = callSync({ op: 'read', connect: this.connect, stream: this.stream, fromSeq: 1 }, this.timeoutMs) as StoredLine[];
    let lastEnd = 0;
    let firstBad: { index: number; detail: string } | undefined;
    for (const [i, s] of stored.entries()) {
      const checked = checkLine(s.line, hash);
      const detail = !checked.ok ? checked.detail : checked.record.pos !== s.seq || s.seq !== i + 1 ? `at stream sequence ${s.seq} but numbered ${checked.record.pos}` : undefined;
      if (detail !== undefined) { firstBad ??= { index: i, detail }; continue; }
      if (checked.ok && checked.record.end === true) {
        if (firstBad) throw new LogCorruptError(this.describe(), firstBad.index + 1, stored[firstBad.index]!.seq, firstBad.detail, `a complete batch follows it (at ${s.seq}): repair would lose acknowledged records; export the cluster and inspect the stream with \`nats stream view\``);
        lastEnd = i + 1;
      }
    }
    return { kept: stored.slice(0, lastEnd), tail: stored.slice(lastEnd) };
  }

  /**
   * Replaces the stream with one holding `kept` (inspectTail's, unchanged): the stream is deleted
   * and the lines appended again from position 1, each on its subject with its id — JetStream
   * cannot cut a stream's tail and keep its sequences, and a record's position is its sequence.
   * Not atomic: the caller keeps a copy of `kept` first (`log repair` writes it to a file).
   */
  rewrite(kept: StoredLine[]): void {
    callSync({ op: 'deleteStream', connect: this.connect, stream: this.stream }, this.timeoutMs);
    if (kept.length === 0) return;
    const lines = kept.map((s) => {
      const checked = checkLine(s.line, hash);
      if (!checked.ok) throw new Error(`rewrite: line ${s.seq} does not check: ${checked.detail}`);
      return { subject: s.subject, line: s.line, msgID: logMsgId(this.stream, checked.record.pos, checked.record.sum) };
    });
    callSync(
      { op: 'append', connect: this.connect, stream: this.stream, subjects: [logSubjectFilter(this.cluster)], lines, expectedSeq: 0 },
      this.timeoutMs + 10 * lines.length,
    );
  }

  /** The records of complete batches, checked; corrupt or out-of-order data is LogCorruptError. */
  private complete(stored: readonly Pick<StoredLine, 'seq' | 'line'>[], after = 0): LogRecord[] {
    const out: LogRecord[] = [];
    let lastEnd = 0;
    for (const s of stored) {
      const checked = checkLine(s.line, hash);
      const expectedPos = after + out.length + 1;
      if (!checked.ok) throw new LogCorruptError(this.describe(), expectedPos, s.seq, checked.detail, 'inspect the stream with `nats stream view`');
      if (checked.record.pos !== s.seq || s.seq !== expectedPos) {
        throw new LogCorruptError(this.describe(), expectedPos, s.seq, `at stream sequence ${s.seq} but numbered ${checked.record.pos}`, 'the stream was changed outside pvsim');
      }
      out.push(checked.record);
      if (checked.record.end === true) lastEnd = out.length;
    }
    return out.slice(0, lastEnd);
  }
}
