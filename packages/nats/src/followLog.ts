/**
 * Design: follow a cluster's log in JetStream as it grows — an ordered consumer on the cluster's
 * stream from a sequence, each record's line handed over in order — for processes that consume
 * the stream online (the invariant checker, `pvsim check online --follow`; issue 8 item 5).
 * Asynchronous: used by composition roots only. It stops when `stop()` is called or after
 * `idleMs` without a new record (a budget, never a hang), and says which.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { DeliverPolicy, JetStreamApiError, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnectOptions } from './bridgeProtocol.ts';
import { natsConnectOptions } from './connectOptions.mjs';
import { logStreamName, redactCredentials } from './subjects.ts';

const API_TIMEOUT_MS = 5_000;
const STREAM_NOT_FOUND = 10059;
const decoder = new TextDecoder();

/** Connects with pvsim's connect options (credentials from the URL or files); a failure names the server. */
export async function connectNats(given: NatsConnectOptions): Promise<NatsConnection> {
  const options = natsConnectOptions(given);
  try {
    return await connect({ ...(options as Parameters<typeof connect>[0] & { servers: string[] }), timeout: options.timeout ?? 5_000, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
  } catch (e) {
    throw Object.assign(new Error(`cannot connect to NATS at ${options.servers.map(redactCredentials).join(',')}: ${(e as Error).message}`), { code: 'Connect' });
  }
}

export interface FollowHandle {
  /** Resolves when following ends: `stopped` (stop() called) or `idle` (idleMs without a record). */
  readonly done: Promise<'stopped' | 'idle'>;
  stop(): void;
}

/** Hands `onLine` every record of `cluster`'s log from sequence `fromSeq` on, as it arrives. */
export async function followLog(given: NatsConnectOptions, cluster: string, fromSeq: number, onLine: (seq: number, line: string) => void, o: { idleMs?: number } = {}): Promise<FollowHandle> {
  const nc = await connectNats(given);
  const stream = logStreamName(cluster);
  try {
    await (await jetstreamManager(nc, { timeout: API_TIMEOUT_MS })).streams.info(stream);
  } catch (e) {
    await nc.close();
    if (e instanceof JetStreamApiError && e.code === STREAM_NOT_FOUND) throw Object.assign(new Error(`no cluster ${cluster} in NATS at ${redactCredentials(String(given.servers))}`), { code: 'NotFound' });
    throw e;
  }
  const consumer = await jetstream(nc, { timeout: API_TIMEOUT_MS }).consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: Math.max(1, fromSeq) });
  const messages = await consumer.consume({ max_messages: 1_000, expires: 5_000 });
  let why: 'stopped' | 'idle' = 'stopped';
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    if (o.idleMs === undefined) return;
    clearTimeout(idle);
    idle = setTimeout(() => { why = 'idle'; messages.stop(); }, o.idleMs);
  };
  arm();
  const done = (async () => {
    try {
      for await (const m of messages) {
        arm();
        onLine(m.seq, decoder.decode(m.data));
      }
    } finally {
      clearTimeout(idle);
      await nc.close();
    }
    return why;
  })();
  return { done, stop: () => { why = 'stopped'; messages.stop(); } };
}
