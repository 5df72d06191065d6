/**
 * Design: exploration spread over worker processes (issue 8 item 6, ADR 0014). A job (one `pvsim
 * sim` run) is a spec in the object store and one task message per unit of work (a seed) on the
 * work-queue stream `PVSIM_TASKS`; every worker pulls from the one durable consumer there, so each
 * task goes to one worker at a time. A worker acks a task only after its result is stored in
 * `PVSIM_RESULTS`: a worker killed mid-task never acks, and the server redelivers the task to
 * another worker once the consumer's ack wait runs out. Results and tasks carry `Nats-Msg-Id`
 * `<job>:<task>`, so a task published twice is queued once and a task run twice (redelivered
 * after a slow first run) leaves one result; the gatherer also keeps only the first result per
 * task. Large things (job specs, counterexamples) live in the object store bucket `pvsim-check`.
 *
 * Asynchronous on purpose: this is used by composition roots only (the `sim` coordinator, the
 * `worker` process), never by a component; the work a task does is synchronous and deterministic.
 * Every wait has a budget and says what it is waiting for.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import {
  AckPolicy, DeliverPolicy, JetStreamApiError, RetentionPolicy, StorageType, jetstream, jetstreamManager,
  type JetStreamClient, type JetStreamManager,
} from '@nats-io/jetstream';
import { Objm, type ObjectStore } from '@nats-io/obj';
import type { NatsConnectOptions } from './bridgeProtocol.ts';
import { connectNats } from './followLog.ts';
import { isTransient, pause, retrying } from './transient.mjs';
import {
  CHECK_BUCKET, RESULT_STREAM, TASK_STREAM, WORKER_CONSUMER, checkClusterName, resultSubject, resultSubjectFilter, taskSubject, taskSubjectFilter,
} from './subjects.ts';

/** How long a worker may hold a task before the server gives it to another (default). */
export const DEFAULT_ACK_WAIT_MS = 60_000;
const API_TIMEOUT_MS = 5_000;
/** How long one pull waits for a task before asking again (a stop is noticed this fast). */
const PULL_EXPIRES_MS = 1_000;
/** A gather reads results on one consumer for at most this long without a new one, then opens another. */
const GATHER_WINDOW_MS = 5_000;
/** A gather whose consumer failed for a reason a reconnect explains asks again after this. */
const GATHER_RETRY_MS = 250;
const STREAM_EXISTS = 10058;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const nanos = (ms: number) => ms * 1_000_000;

export interface TaskMessage<T = unknown> { job: string; task: string; data: T }
export type TaskResult<R = unknown> = { job: string; task: string; worker: string; ok: true; value: R } | { job: string; task: string; worker: string; ok: false; error: string };

/** Waiting for results ran out of its budget; says which tasks are still out. */
export class GatherTimeoutError extends Error {
  readonly code = 'GatherTimeout';
  constructor(readonly job: string, readonly missing: string[], budgetMs: number) {
    super(`job ${job}: ${missing.length} task(s) still without a result after ${Math.round(budgetMs / 1000)} s (${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}); is a \`pvsim worker --nats URL\` running?`);
    this.name = 'GatherTimeoutError';
  }
}

export class WorkQueue {
  private constructor(
    readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly js: JetStreamClient,
    private readonly objects: ObjectStore,
  ) {}

  /** Connects and makes sure the task stream, the result stream and the bucket exist. */
  static async open(given: NatsConnectOptions): Promise<WorkQueue> {
    const nc = await connectNats(given);
    const jsm = await jetstreamManager(nc, { timeout: API_TIMEOUT_MS });
    await addStream(jsm, { name: TASK_STREAM, subjects: [taskSubjectFilter()], retention: RetentionPolicy.Workqueue, storage: StorageType.File, duplicate_window: nanos(120_000) });
    await addStream(jsm, { name: RESULT_STREAM, subjects: [resultSubjectFilter()], retention: RetentionPolicy.Limits, storage: StorageType.File, duplicate_window: nanos(120_000) });
    const objects = await new Objm(nc).create(CHECK_BUCKET, { storage: StorageType.File });
    return new WorkQueue(nc, jsm, jetstream(nc, { timeout: API_TIMEOUT_MS }), objects);
  }

  // ------------------------------------------------------------------ objects

  async putObject(name: string, value: unknown): Promise<void> {
    await this.objects.putBlob({ name }, encoder.encode(JSON.stringify(value)));
  }

  async getObject<T>(name: string): Promise<T | undefined> {
    const bytes = await this.objects.getBlob(name);
    return bytes ? JSON.parse(decoder.decode(bytes)) as T : undefined;
  }

  /** Names of the objects under `prefix`, sorted. */
  async listObjects(prefix: string): Promise<string[]> {
    return (await this.objects.list()).filter((o) => !o.deleted && o.name.startsWith(prefix)).map((o) => o.name).sort();
  }

  // ------------------------------------------------------------------ the coordinator's side

  /** Queues one message per task (each stored once, however often this is called). */
  async submit<T>(job: string, tasks: readonly { task: string; data: T }[]): Promise<void> {
    checkClusterName(job);
    const acks = tasks.map((t) => retrying(() => this.js.publish(taskSubject(job), encoder.encode(JSON.stringify({ job, task: t.task, data: t.data } satisfies TaskMessage<T>)), { msgID: `${job}:${t.task}` })));
    await Promise.all(acks);
  }

  /**
   * The first result of every task in `tasks`, read from the start of the job's results; a task
   * without one after `budgetMs` of silence is a GatherTimeoutError naming it. `onResult` sees
   * each first result as it comes.
   */
  async gather<R>(job: string, tasks: readonly string[], budgetMs: number, onResult?: (r: TaskResult<R>) => void): Promise<Map<string, TaskResult<R>>> {
    const want = new Set(tasks);
    const got = new Map<string, TaskResult<R>>();
    if (want.size === 0) return got;
    // Budgeted on silence: while results keep coming the gather goes on. The job's results are
    // read in windows of at most GATHER_WINDOW_MS without a new one, each from a fresh consumer
    // from the job's first result (results already had are skipped): a consumer that a server
    // restart left without messages — the ordered consumer does not always recover on a loaded
    // machine — is replaced instead of waited on for the whole budget.
    const windowMs = Math.min(budgetMs, GATHER_WINDOW_MS);
    let silentMs = 0;
    while (silentMs < budgetMs) {
      let fresh = false;
      let messages: { stop(): void } | undefined;
      let window: NodeJS.Timeout | undefined;
      try {
        const consumer = await retrying(() => this.js.consumers.get(RESULT_STREAM, { filter_subjects: resultSubject(job), deliver_policy: DeliverPolicy.All }));
        const open = await consumer.consume({ max_messages: 256, expires: Math.max(1_000, windowMs) });
        messages = open;
        const arm = () => { clearTimeout(window); window = setTimeout(() => open.stop(), windowMs); };
        arm();
        for await (const m of open) {
          const r = JSON.parse(decoder.decode(m.data)) as TaskResult<R>;
          if (!want.has(r.task) || got.has(r.task)) continue;
          got.set(r.task, r);
          fresh = true;
          arm();
          onResult?.(r);
          if (got.size === want.size) return got;
        }
        silentMs = fresh ? 0 : silentMs + windowMs;
      } catch (e) {
        if (!isTransient(e)) throw e;
        // The server is away: wait a little before asking again, and count the wait as silence.
        await pause(GATHER_RETRY_MS);
        silentMs = fresh ? 0 : silentMs + GATHER_RETRY_MS;
      } finally {
        clearTimeout(window);
        messages?.stop();
      }
    }
    throw new GatherTimeoutError(job, [...want].filter((t) => !got.has(t)), budgetMs);
  }

  // ------------------------------------------------------------------ the worker's side

  /**
   * Pulls tasks and runs `handle` on each until `stopped()` says so (checked between tasks and
   * every PULL_EXPIRES_MS while idle). A task is acked only after its result is stored; a
   * handler that throws stores an error result (the task is done: a bad spec would fail again).
   * Returns the number of tasks done.
   */
  async serve<T, R>(worker: string, handle: (t: TaskMessage<T>) => Promise<R> | R, o: { ackWaitMs?: number; stopped: () => boolean; onTask?: (t: TaskMessage<T>) => void }): Promise<number> {
    await this.ensureConsumer(o.ackWaitMs ?? DEFAULT_ACK_WAIT_MS);
    const consumerOf = () => retrying(() => this.js.consumers.get(TASK_STREAM, WORKER_CONSUMER));
    let consumer = await consumerOf();
    let done = 0;
    while (!o.stopped()) {
      let m;
      try {
        // A pull open across a server restart may never be answered: it is given up after twice
        // its own expiry, like a pull the server ended.
        m = await withDeadline(consumer.next({ expires: PULL_EXPIRES_MS }), 2 * PULL_EXPIRES_MS);
      } catch (e) {
        // The server went away: the client reconnects; ask again on a fresh consumer handle (a stop is still noticed).
        if (!isTransient(e)) throw e;
        consumer = await consumerOf();
        continue;
      }
      if (!m) continue;
      const t = JSON.parse(decoder.decode(m.data)) as TaskMessage<T>;
      o.onTask?.(t);
      let result: TaskResult<R>;
      try {
        result = { job: t.job, task: t.task, worker, ok: true, value: await handle(t) };
      } catch (e) {
        result = { job: t.job, task: t.task, worker, ok: false, error: (e as Error).message };
      }
      // Stored once however often it is sent (the msg id); then the ack. An ack lost to a
      // reconnect only means the task comes back after the ack wait and its result is kept once.
      await retrying(() => this.js.publish(resultSubject(t.job), encoder.encode(JSON.stringify(result)), { msgID: `${t.job}:${t.task}` }));
      await retrying(() => m.ackAck()).catch((e: unknown) => { if (!isTransient(e)) throw e; });
      done++;
    }
    return done;
  }

  private async ensureConsumer(ackWaitMs: number): Promise<void> {
    const config = { durable_name: WORKER_CONSUMER, ack_policy: AckPolicy.Explicit, ack_wait: nanos(ackWaitMs), max_deliver: -1, max_ack_pending: 1_000 };
    try {
      await this.jsm.consumers.add(TASK_STREAM, config);
    } catch (e) {
      // Another worker made it first, with its own ack wait: that one stands.
      if (!(e instanceof JetStreamApiError)) throw e;
      await this.jsm.consumers.info(TASK_STREAM, WORKER_CONSUMER).catch(() => { throw e; });
    }
  }

  async close(): Promise<void> {
    await this.nc.drain().catch(() => undefined);
  }
}

/**
 * Creates a stream unless it exists. Two processes opening the queue at once (a `sim --nats` and
 * its worker) race to create it: 2.9 refuses the loser as "already in use" or, as often, as
 * "subjects overlap with an existing stream" — the winner's, of the same name. Either way the
 * stream that now stands under that name is ours; any other refusal stands.
 */
async function addStream(jsm: JetStreamManager, config: Parameters<JetStreamManager['streams']['add']>[0]): Promise<void> {
  try {
    await jsm.streams.add(config);
  } catch (e) {
    if (!(e instanceof JetStreamApiError)) throw e;
    if (e.code === STREAM_EXISTS || /already in use/.test(e.message)) return;
    const standing = await jsm.streams.info(config.name!).catch(() => undefined);
    if (standing === undefined || JSON.stringify(standing.config.subjects) !== JSON.stringify(config.subjects)) throw e;
  }
}

/** `promise`, or a TimeoutError once `ms` pass without it settling (a transient failure: the caller asks again). */
function withDeadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer to a pull within ${ms} ms`), { name: 'TimeoutError' })), ms);
  });
  // The pull given up on may still fail later (nats.js times it out too): that is expected, not an unhandled rejection.
  promise.catch(() => undefined);
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
