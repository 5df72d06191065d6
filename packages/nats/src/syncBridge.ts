/**
 * Design: calls into the NATS worker thread (natsWorker.mjs) that block the caller until the
 * answer arrives — `Atomics.wait` on a shared flag, then `receiveMessageOnPort` — so the
 * synchronous EventLog port can be served by the asynchronous nats.js client. One worker per
 * process, started on first use and unref'd (it never keeps a finished process alive). Every
 * call has a deadline: a server that does not answer is an error naming it, never a hang. Calls
 * are numbered and answers carry the number (bridgeProtocol.ts `BridgeCall`): the flag only rings,
 * and a call takes no answer but its own (ADR 0025, consequence of 2026-12-03).
 *
 * The worker's module is the sibling `natsWorker.mjs` when running from source (tests), and
 * `pvsim-nats-worker.js` beside the bundle when running the built CLI.
 */

import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { BRIDGE_READY, type BridgeAnswer, type BridgeCall, type BridgeRequest, type BridgeResult, type NatsConnectOptions } from './bridgeProtocol.ts';

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

  /** The error a failed call reports (the worker's answer, or natsOps.mjs `callErrorFields` on this thread). */
  static of(e: { code: string; message: string; actualSeq?: number; storedCount?: number }): NatsCallError {
    return new NatsCallError(e.code, e.message, e.actualSeq, e.storedCount);
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
  // The worker says it is ready by writing BRIDGE_READY; a worker that cannot load never does.
  if (Atomics.wait(flag, 0, 0, WORKER_START_MS) === 'timed-out' && Atomics.load(flag, 0) !== BRIDGE_READY) {
    void worker.terminate();
    throw new NatsCallError('Bridge', `the NATS worker thread (${url.pathname}) did not start within ${WORKER_START_MS} ms`);
  }
  bridge = { worker, port: port1, flag };
  return bridge;
}

let lastCall = 0;

/** The next call's number: 1, 2, …, wrapping below 2^31 (the flag is an Int32; BRIDGE_READY is never one). */
function nextCall(): number {
  lastCall = lastCall >= 0x7fff_ffff ? 1 : lastCall + 1;
  return lastCall;
}

/**
 * Blocks until the answer numbered `call` is on `port`, or `timeoutMs` passes with the flag
 * unchanged (undefined). Answers numbered otherwise — to earlier calls that stopped waiting — are
 * dropped. The flag is only a doorbell: a wake-up proves nothing (a worker's notify for an earlier
 * answer can land in this wait), the number on the answer does. Each wake-up re-arms the wait, so
 * the deadline stretches by at most one wait per earlier call's answer whose notify lands in it.
 */
export function awaitAnswer(port: MessagePort, flag: Int32Array, call: number, timeoutMs: number): BridgeResult | undefined {
  for (;;) {
    // The flag is read before the port: the worker posts an answer before it writes its number,
    // so once the flag says `call`, the answer is receivable.
    const seen = Atomics.load(flag, 0);
    for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
      const answer = m.message as BridgeAnswer;
      if (answer.call === call) {
        const { call: _, ...result } = answer;
        return result as BridgeResult;
      }
    }
    if (seen === call) throw new NatsCallError('Bridge', `the NATS worker signalled the answer to call ${call} but it was not on the port`);
    if (Atomics.wait(flag, 0, seen, timeoutMs) === 'timed-out') return undefined;
  }
}

/** Sends `request` to the worker and blocks until it answers or `timeoutMs` passes. */
export function callSync(request: BridgeRequest, timeoutMs: number): unknown {
  const { port, flag } = bridge ?? start();
  const call = nextCall();
  port.postMessage({ call, request } satisfies BridgeCall);
  // A call that times out leaves the worker running (a lockstep replica's subscriptions live
  // there): its late answer carries its number, and the next call drops it.
  const answer = awaitAnswer(port, flag, call, timeoutMs);
  if (!answer) throw new NatsCallError('Timeout', `NATS did not answer a ${request.op} within ${timeoutMs} ms`);
  if (!answer.ok) throw NatsCallError.of(answer.error);
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
