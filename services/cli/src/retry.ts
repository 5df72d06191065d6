/**
 * Design: a command whose batch met a moved log re-reads and re-runs, as a Kubernetes client
 * retries a Conflict. A conflict is found under the writers' lock before anything is written, so
 * re-running is safe: the whole command — open the session (fold the log afresh), validate, run,
 * commit — is repeated, and only the attempt that succeeds (or fails for another reason) speaks:
 * each attempt's output is held back and discarded on a conflict. A writing command holds the
 * writers' lock from before it reads the log until it has appended (lockClusterForWrite), so
 * writers wait their turn and conflicts are left to the first commands on a new cluster, which
 * have no directory to lock yet.
 *
 * A command given a request id (`--request-id`, PVSIM_REQUEST_ID) first looks for that id in the
 * log's inputs: if a previous attempt reached the log — and the user could not know, because it
 * was killed or failed after the batch was durable — it is not applied again.
 */
import { ExpectedVersionConflict } from '@pvsim/domain';
import type { CliIO, GlobalOptions } from './verbTypes.ts';
import { lockClusterForWrite, openClusterLog } from './clusterDir.ts';

/** Attempts before a conflict is reported: enough for dozens of writers on one cluster. */
export const CONFLICT_ATTEMPTS_MAX = 200;

/** An IO whose output can be held back for the duration of one attempt. */
export interface AttemptIO extends CliIO {
  begin(): void;
  /** Writes what the attempt printed. */
  keep(): void;
  /** Forgets what the attempt printed. */
  discard(): void;
}

export function attemptIO(io: CliIO): AttemptIO {
  let held: { to: 'stdout' | 'stderr'; text: string }[] | undefined;
  const write = (to: 'stdout' | 'stderr') => (text: string): void => {
    if (held) held.push({ to, text }); else io[to](text);
  };
  return {
    ...io,
    stdout: write('stdout'),
    stderr: write('stderr'),
    begin: () => { held = []; },
    keep: () => {
      const out = held ?? [];
      held = undefined;
      for (const o of out) io[o.to](o.text);
    },
    discard: () => { held = undefined; },
  };
}

/** Where in the log the input with `requestId` is, if a previous attempt wrote it. */
export function findRequest(g: GlobalOptions, requestId: string): number | undefined {
  for (const r of openClusterLog({ ...g, notice: () => {} }).read()) {
    if (r.stream === 'cluster' && (r.data as { requestId?: unknown } | null)?.requestId === requestId) return r.pos;
  }
  return undefined;
}

/**
 * Runs one command (`attempt`) until it does not meet a moved log. `writes` says whether the
 * command may append (only those look for their request id).
 */
export function runWithRetry<T>(io: AttemptIO, g: () => GlobalOptions, writes: boolean, attempt: () => T): T | number {
  for (let n = 1; ; n++) {
    io.begin();
    let release: (() => void) | undefined;
    try {
      const options = g();
      if (writes) release = lockClusterForWrite(options);
      if (writes && options.requestId !== undefined) {
        const pos = findRequest(options, options.requestId);
        if (pos !== undefined) {
          io.stderr(`request ${options.requestId} was already applied (record ${pos} of the log); not applying it again\n`);
          io.keep();
          return 0;
        }
      }
      const result = attempt();
      io.keep();
      return result;
    } catch (error) {
      if (error instanceof ExpectedVersionConflict && n < CONFLICT_ATTEMPTS_MAX) {
        io.discard();
        continue;
      }
      io.keep();
      throw error;
    } finally {
      release?.();
    }
  }
}
