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
  /**
   * The wall clock, bound by the composition root (main.ts, wall.ts): when a progress bar may
   * show, and how `get -w` waits for the log to grow. Absent: no bar, and `get -w` refuses.
   */
  wall?: Wall;
  /** Whether stdin is a terminal (`exec -it` prompts only then). */
  stdinIsTTY?: boolean;
}

/** A command's progress bar (progress.ts draws it). */
export interface Progress {
  /** Objects done out of total. */
  objects(done: number, total: number): void;
  /** Log records folded so far out of those to fold (a long log read when the command starts). */
  records(done: number, total: number): void;
  /** Controller deliveries so far, and how many wait. */
  deliveries(delivered: number, waiting: number): void;
  /** Clears the bar (it comes back if work goes on). */
  stop(): void;
}

export interface Wall {
  nowMs(): number;
  /** Resolves true when `file` changes size, false after `timeoutMs` (Infinity: never gives up). */
  waitForChange(file: string, timeoutMs: number): Promise<boolean>;
}

/** How a NATS client authenticates and trusts the server, beyond the URL (--nats-creds, --nats-nkey, --nats-tls-*). */
export type NatsClientOptions = Omit<NatsConnectOptions, 'servers'>;

export interface GlobalOptions {
  clusterDir: string;
  /** --nats URL (env PVSIM_NATS): the log is the JetStream stream of cluster `cluster` there (ADR 0007). */
  nats?: { url: string; cluster: string; options?: NatsClientOptions };
  /** --csi-rpc DRIVERS (env PVSIM_CSI_RPC): these drivers' controller RPCs go over NATS request/reply (ADR 0022, csiRpc.ts). */
  csiRpc?: { drivers: string[]; deadlineMs: number };
  /**
   * --lockstep (env PVSIM_LOCKSTEP=1), with --nats (ADR 0025, lockstep.ts): a command is the
   * sequencer granting every delivery to the process hosting its component; a process is a replica.
   * `deadlineMs`: how long a grant waits for its process (--lockstep-deadline).
   */
  lockstep?: { deadlineMs: number };
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
  /** The command's progress bar (progress.ts): every session's settle reports to it; verbs clear it before they print. */
  progress?: Progress;
  /** --quiet: no progress bar, no notices. */
  quiet?: boolean;
  /** -v (repeatable): how much more to say on stderr. */
  verbosity?: number;
  /** The verb only reads: a fresh cluster's own objects are then shown, not written (clusterInit.ts). */
  readOnly?: boolean;
  /** PVSIM_TEST_FAULT: the test fault seam (clusterDir.ts). */
  faults?: (site: 'lock' | 'open' | 'write' | 'mid-write' | 'fsync' | 'appended' | 'snapshot' | 'publish') => void;
}

export class UsageError extends Error {
  readonly code = 'Usage';
  constructor(message: string) { super(message); this.name = 'UsageError'; }
}
