/**
 * Design: the NATS calls of the bridge protocol made on the caller's own event loop (ADR 0032) —
 * for composition roots that can await (a component process appending its transactions), where
 * the synchronous bridge's blocking hop to the worker thread and back is most of an append's
 * cost. The same calls as the worker's (natsOps.mjs), failing with the same NatsCallError, so the
 * event log's protocol is written once and driven either way (JetStreamEventLog.ts). Every NATS
 * call inside has its own deadline (natsOps.mjs), so an await here never waits for ever.
 */

import type { BridgeRequest } from './bridgeProtocol.ts';
import { callErrorFields, closeConnections, runNatsOp } from './natsOps.mjs';
import { NatsCallError } from './syncBridge.ts';

/** Runs `request` on this thread's connection; a failure is the NatsCallError a synchronous call throws. */
export async function callAsync(request: BridgeRequest): Promise<unknown> {
  try {
    return await runNatsOp(request);
  } catch (error) {
    throw NatsCallError.of(callErrorFields(error));
  }
}

/** Drains the connections asynchronous calls opened (a process's shutdown). */
export function closeAsyncCalls(): Promise<void> {
  return closeConnections();
}
