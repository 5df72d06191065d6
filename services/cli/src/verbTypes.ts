/**
 * Design: what `cli.ts` hands every verb — the IO port and the global flags — and the error a verb
 * throws for a command line it cannot act on. They live apart from `cli.ts` so that imports run one
 * way: cli.ts imports the verb modules, and no verb module imports cli.ts.
 */

export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): string;
  env: Record<string, string | undefined>;
  cwd: string;
  /** Progress bars only on a terminal. */
  isTTY: boolean;
}

export interface GlobalOptions {
  clusterDir: string;
  seed: number;
  /** PVSIM_SNAPSHOT_EVERY: records between state snapshots (0 = never). */
  snapshotEveryRecords?: number;
  /** --settle-steps / --settle-time when not the defaults (recorded with each input, so `log verify` uses them). */
  budget?: { stepsMax?: number; simulatedMsMax?: number };
}

export class UsageError extends Error {
  readonly code = 'Usage';
  constructor(message: string) { super(message); this.name = 'UsageError'; }
}
