/**
 * Design: the messages between a synchronous caller and the NATS worker thread (syncBridge.ts ↔
 * natsWorker.mjs). Plain data only — they cross a MessagePort by structured clone.
 */

/** How to reach the server; passed through to `connect` (credentials and TLS included). */
export interface NatsConnectOptions {
  servers: string | string[];
  token?: string;
  user?: string;
  pass?: string;
  /** Ask the client to time out a connection attempt after this long. */
  timeout?: number;
  /** A `.creds` file (user JWT and nkey seed), as `nats --creds`. */
  credsFile?: string;
  /** A file holding a user's nkey seed (`SU…`), as `nats --nkey`. */
  nkeyFile?: string;
  /** TLS: the CA to trust, and a client certificate and key (PEM files). */
  tls?: { caFile?: string; certFile?: string; keyFile?: string };
}

export interface StoredLine {
  seq: number;
  subject: string;
  line: string;
}

export interface OutgoingLine {
  subject: string;
  line: string;
  msgID: string;
}

export type BridgeRequest =
  | { op: 'lastSeq'; connect: NatsConnectOptions; stream: string }
  | { op: 'lastLine'; connect: NatsConnectOptions; stream: string }
  | { op: 'read'; connect: NatsConnectOptions; stream: string; fromSeq: number }
  | {
      op: 'append';
      connect: NatsConnectOptions;
      stream: string;
      subjects: string[];
      lines: OutgoingLine[];
      expectedSeq: number;
    }
  /** Deletes the stream (log repair, which then appends the kept records to a new one). */
  | { op: 'deleteStream'; connect: NatsConnectOptions; stream: string }
  /**
   * A core NATS request (ADR 0022: a driver's RPC): the reply's text, or an error with code
   * `RequestTimeout` (no reply within `timeoutMs`) or `NoResponders` (nobody subscribes).
   */
  | { op: 'request'; connect: NatsConnectOptions; subject: string; data: string; timeoutMs: number }
  /**
   * Lockstep replicas (ADR 0025): subscribe to `subjects`; what arrives there waits in the worker
   * until `nextRequest` takes it (the oldest, or null after `timeoutMs`: `{ id, subject, data }`),
   * and `respond` answers the request taken under `id`.
   */
  | { op: 'serve'; connect: NatsConnectOptions; subjects: string[] }
  | { op: 'nextRequest'; timeoutMs: number }
  | { op: 'respond'; id: number; data: string }
  | { op: 'close' }
  /**
   * Answered at once by the worker with `echo` (null without): what one blocking hop to the
   * thread and back costs.
   */
  | { op: 'ping'; echo?: string }
  /** Answered after `ms` of wall time: an append waiting for another writer's batch to finish (JetStreamEventLog). */
  | { op: 'pause'; ms: number };

export type BridgeResult =
  | { ok: true; value: unknown }
  | { ok: false; error: { code: string; message: string; actualSeq?: number; storedCount?: number } };

/**
 * What crosses the port, each way. A call is numbered (1, 2, …, wrapping below 2^31); its answer
 * carries the same number, and the worker writes that number into the shared flag after posting
 * the answer. The caller takes only the answer numbered as its call: an answer to an earlier call
 * that stopped waiting (its deadline passed) is dropped, never returned to a later call.
 */
export interface BridgeCall { call: number; request: BridgeRequest }
export type BridgeAnswer = { call: number } & BridgeResult;

/** The flag's value once the worker has loaded (no call is numbered so). */
export const BRIDGE_READY = -1;
