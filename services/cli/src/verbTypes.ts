/**
 * Design: what `cli.ts` hands every verb — the IO port and the global flags — and the error a verb
 * throws for a command line it cannot act on. They live apart from `cli.ts` so that imports run one
 * way: cli.ts imports the verb modules, and no verb module imports cli.ts.
 */
import type { NatsConnectOptions } from '@pvsim/nats';

export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): string;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Progress bars only on a terminal. */
  isTTY: boolean;
}

/** How a NATS client authenticates and trusts the server, beyond the URL (--nats-creds, --nats-nkey, --nats-tls-*). */
export type NatsClientOptions = Omit<NatsConnectOptions, 'servers'>;

export interface GlobalOptions {
  clusterDir: string;
  /** --nats URL (env PVSIM_NATS): the log is the JetStream stream of cluster `cluster` there (ADR 0007). */
  nats?: { url: string; cluster: string; options?: NatsClientOptions };
  seed: number;
  /** PVSIM_SNAPSHOT_EVERY: records between state snapshots (0 = never). */
  snapshotEveryRecords?: number;
  /** --settle-steps / --settle-time when not the defaults (recorded with each input, so `log verify` uses them). */
  budget?: { stepsMax?: number; simulatedMsMax?: number };
  /** The directory was named by --cluster or PVSIM_CLUSTER (not the default `.pvsim`). */
  clusterGiven?: boolean;
  /** --request-id / PVSIM_REQUEST_ID: a retry with the same id is recognised, not applied twice. */
  requestId?: string;
  /** PVSIM_LOCK_TIMEOUT_MS: how long a writer waits for another. */
  lockTimeoutMs?: number;
  /** PVSIM_MAX_LOG_BYTES: the largest log one command reads. */
  maxLogBytes?: number;
  /** The command line, shown to a writer waiting for this one. */
  command?: string;
  /** Warnings that are not errors (stderr). */
  notice?: (text: string) => void;
  /** --at / --at-time, resolved to a log position: read verbs show the cluster as it was there (timeTravel.ts). */
  atPos?: number;
  /** PVSIM_TEST_FAULT: the test fault seam (clusterDir.ts). */
  faults?: (site: 'lock' | 'open' | 'write' | 'mid-write' | 'fsync' | 'appended' | 'snapshot') => void;
}

export class UsageError extends Error {
  readonly code = 'Usage';
  constructor(message: string) { super(message); this.name = 'UsageError'; }
}
