import type { BridgeRequest } from './bridgeProtocol.ts';

/** Runs one NATS request of the bridge protocol on this thread's connection for its options. */
export function runNatsOp(request: BridgeRequest): Promise<unknown>;
/** Drains and forgets every connection this thread opened. */
export function closeConnections(): Promise<void>;
/** What a failed call reports to its caller: a code, a message, and where a lost race left the stream. */
export function callErrorFields(error: unknown): { code: string; message: string; actualSeq?: number; storedCount?: number };
