/**
 * Design: calls into the NATS worker thread (natsWorker.mjs) that block the caller until the
 * answer arrives — `Atomics.wait` on a shared flag, then `receiveMessageOnPort` — so the
 * synchronous EventLog port can be served by the asynchronous nats.js client. One worker per
 * process, started on first use and unref'd (it never keeps a finished process alive). Every
 * call has a deadline: a server that does not answer is an error naming it, never a hang.
 *
 * The worker's module is the sibling `natsWorker.mjs` when running from source (tests), and
 * `pvsim-nats-worker.js` beside the bundle when running the built CLI.
 */

import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { BridgeRequest, BridgeResult, NatsConnectOptions } from './bridgeProtocol.ts';

export class NatsCallError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly actualSeq?: number,
    readonly storedCount?: number,
  ) {
    super(message);
    this.name = 'NatsCallError';
  }
}

/**
 * How long the worker thread may take to load nats.js and say it is ready. A budget for a broken
 * start only (a healthy start takes milliseconds); 30 s was exceeded at load average ~100 on this
 * 2-core machine, where the contract suite then failed its first four tests.
 */
const WORKER_START_MS = 120_000;

let bridge: { worker: Worker; port: MessagePort; flag: Int32Array } | undefined;

function workerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('./natsWorker.mjs', here) : new URL('./pvsim-nats-worker.js', here);
}

function start() {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const { port1, port2 } = new MessageChannel();
  const url = workerUrl();
  const worker = new Worker(url, {
    workerData: { flag, port: port2 },
    transferList: [port2],
  });
  worker.unref();
  port1.unref();
  // A worker that fails to load is reported by the start deadline below, not by a crash later.
  worker.on('error', () => undefined);
  // The worker says it is ready by raising the flag; a worker that cannot load never does.
  if (Atomics.wait(flag, 0, 0, WORKER_START_MS) === 'timed-out') {
    void worker.terminate();
    throw new NatsCallError('Bridge', `the NATS worker thread (${url.pathname}) did not start within ${WORKER_START_MS} ms`);
  }
  bridge = { worker, port: port1, flag };
  return bridge;
}

/** Sends `request` to the worker and blocks until it answers or `timeoutMs` passes. */
export function callSync(request: BridgeRequest, timeoutMs: number): unknown {
  const { port, flag } = bridge ?? start();
  Atomics.store(flag, 0, 0);
  port.postMessage(request);
  const waited = Atomics.wait(flag, 0, 0, timeoutMs);
  if (waited === 'timed-out') {
    // The worker may still answer later; a fresh worker keeps the next call from reading it.
    void bridge?.worker.terminate();
    bridge = undefined;
    throw new NatsCallError('Timeout', `NATS did not answer a ${request.op} within ${timeoutMs} ms`);
  }
  // The flag is raised after the answer is posted, yet on a loaded machine the answer was once
  // not yet receivable when the caller woke (bench natsLog, load ≈ 10): look again, 1 ms apart,
  // within the same deadline, before calling the bridge broken.
  let answer = receiveMessageOnPort(port)?.message as BridgeResult | undefined;
  for (let waitedMs = 0; !answer && waitedMs < timeoutMs; waitedMs++) {
    Atomics.wait(flag, 0, 1, 1);
    answer = receiveMessageOnPort(port)?.message as BridgeResult | undefined;
  }
  if (!answer) throw new NatsCallError('Bridge', `the NATS worker signalled but no answer to a ${request.op} arrived within ${timeoutMs} ms`);
  if (!answer.ok) throw new NatsCallError(answer.error.code, answer.error.message, answer.error.actualSeq, answer.error.storedCount);
  return answer.value;
}

/** One round trip to the worker thread and back with no NATS call in it (benchmarks, health). */
export function pingBridge(timeoutMs = 5_000): void {
  callSync({ op: 'ping' }, timeoutMs);
}

/** How much longer than a request's own deadline the caller waits for the worker to report it. */
const REQUEST_MARGIN_MS = 30_000;

/**
 * A NATS request that blocks until its reply or its deadline (`timeoutMs`): the reply's text;
 * NatsCallError `RequestTimeout` when none came in time, `NoResponders` when nobody listens.
 */
export function natsRequest(connect: NatsConnectOptions, subject: string, data: string, timeoutMs: number): string {
  return callSync({ op: 'request', connect, subject, data, timeoutMs }, timeoutMs + REQUEST_MARGIN_MS) as string;
}

/** A request taken by `natsNextRequest`, to be answered with `natsRespond(id, …)`. */
export interface ServedRequest { id: number; subject: string; data: string }

/** Subscribes to `subjects` (ADR 0025): requests arriving there wait until `natsNextRequest` takes them. */
export function natsServe(connect: NatsConnectOptions, subjects: string[], timeoutMs = 30_000): void {
  callSync({ op: 'serve', connect, subjects }, timeoutMs);
}

/** The oldest request that arrived on the served subjects, waiting up to `timeoutMs`; null when none came. */
export function natsNextRequest(timeoutMs: number): ServedRequest | null {
  return callSync({ op: 'nextRequest', timeoutMs }, timeoutMs + REQUEST_MARGIN_MS) as ServedRequest | null;
}

/** Answers the request `natsNextRequest` returned under `id`. */
export function natsRespond(id: number, data: string, timeoutMs = 30_000): void {
  callSync({ op: 'respond', id, data }, timeoutMs);
}

/** Closes the worker's connections (drains them) and stops the worker. */
export function closeBridge(timeoutMs = 5_000): void {
  if (!bridge) return;
  try {
    callSync({ op: 'close' }, timeoutMs);
  } finally {
    void bridge?.worker.terminate();
    bridge = undefined;
  }
}
