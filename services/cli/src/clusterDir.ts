/**
 * Design: everything the CLI decides about the cluster directory in one place — how its event
 * log is opened (the lock's wait and clock, the size limit, where notices go, the test fault
 * seam), which directory a command may use, and how a file-system failure becomes one line.
 * The wall clock and sleeping the lock needs are supplied here, at the composition root, so
 * packages/ stays free of them (STYLE §2).
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, mkdtempSync, openSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { EventLog } from '@pvsim/domain';
import { JetStreamEventLog, type NatsConnectOptions } from '@pvsim/nats';
import { FileEventLog, acquireLogLock, describeOwner, type FaultPoint, type FileEventLogOptions, type LockClock } from '@pvsim/log-file';
import { UsageError, type GlobalOptions } from './verbTypes.ts';

/** The connect options of `--nats` and its credential flags. */
export function natsConnectOf(g: GlobalOptions): NatsConnectOptions {
  if (!g.nats) throw new UsageError('error: --nats URL is required (or PVSIM_NATS)');
  return { servers: g.nats.url, ...g.nats.options };
}

/** How long a writer waits for another one by default (PVSIM_LOCK_TIMEOUT_MS). */
export const LOCK_TIMEOUT_MS = 60_000;
/** The largest log (or log tail after a snapshot) one command reads (PVSIM_MAX_LOG_BYTES). */
export const MAX_LOG_BYTES = 256 * 1024 * 1024;

export const LOG_FILE = 'log.jsonl';

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Real time for the lock: a monotonic clock and a blocking sleep (the CLI is synchronous). */
export const wallClock: LockClock = {
  nowMs: () => Math.round(performance.now()),
  sleepMs: (ms) => { Atomics.wait(sleeper, 0, 0, Math.max(1, ms)); },
};

/** Where the test fault seam may act: the log's write path, the snapshot, a new cluster directory just before it is published, a worker that has taken a task (simWorkers.ts), a component process about to append its batch (componentHost.ts). */
export type FaultSite = FaultPoint | 'snapshot' | 'publish' | 'worker-task' | 'component-commit';
export type Faults = (site: FaultSite) => void;

/**
 * The fault seam from PVSIM_TEST_FAULT, e.g. `mid-write:pause` or `write:ENOSPC,snapshot:EIO`.
 * `pause` writes `<PVSIM_TEST_PAUSE_DIR>/paused.<pid>` and blocks until `go.<pid>` appears there
 * (the test kills the process, or lets it go on); an error code throws that error, as the file
 * system would. Undefined when the variable is unset.
 */
export function faultsFromEnv(env: Record<string, string | undefined>): Faults | undefined {
  const spec = env['PVSIM_TEST_FAULT'];
  if (!spec) return undefined;
  const rules = new Map<string, string>();
  for (const part of spec.split(',')) {
    const [site, action] = part.split(':');
    if (site && action) rules.set(site, action);
  }
  const dir = env['PVSIM_TEST_PAUSE_DIR'] ?? '.';
  return (site) => {
    const action = rules.get(site);
    if (action === undefined) return;
    if (action === 'pause') {
      writeFileSync(join(dir, `paused.${process.pid}`), site);
      while (!existsSync(join(dir, `go.${process.pid}`))) wallClock.sleepMs(5);
      return;
    }
    throw Object.assign(new Error(`${action}: injected fault at ${site}`), { code: action, syscall: site === 'snapshot' ? 'write' : site });
  };
}

function numberFromEnv(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const text = env[name];
  if (text === undefined || text === '') return fallback;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`error: ${name} must be a non-negative number, got "${text}"`);
  return n;
}

/** The log and lock settings from the environment, for GlobalOptions. */
export function logSettingsFromEnv(env: Record<string, string | undefined>): Pick<GlobalOptions, 'lockTimeoutMs' | 'maxLogBytes' | 'faults'> {
  const faults = faultsFromEnv(env);
  return {
    lockTimeoutMs: numberFromEnv(env, 'PVSIM_LOCK_TIMEOUT_MS', LOCK_TIMEOUT_MS),
    maxLogBytes: numberFromEnv(env, 'PVSIM_MAX_LOG_BYTES', MAX_LOG_BYTES),
    ...(faults ? { faults } : {}),
  };
}

/** The cluster's event log as every command opens it. */
export function openClusterLog(g: GlobalOptions): EventLog {
  // In NATS the stream's optimistic concurrency is the lock, and there is no directory.
  if (g.nats) return new JetStreamEventLog({ connect: natsConnectOf(g), cluster: g.nats.cluster });
  return openFileLog(g);
}

/** The cluster directory's log file with the command's lock, size, notice and fault settings. */
export function openFileLog(g: GlobalOptions, extra: Pick<FileEventLogOptions, 'syncEachAppend'> = {}): FileEventLog {
  const faults = g.faults;
  return new FileEventLog(join(g.clusterDir, LOG_FILE), {
    ...extra,
    lock: lockOptions(g),
    maxBytes: g.maxLogBytes ?? MAX_LOG_BYTES,
    ...(g.notice ? { onNotice: (text: string) => g.notice!(`warning: ${text}`) } : {}),
    ...(faults ? { faults: (point: FaultPoint) => faults(point) } : {}),
  });
}

/**
 * A command that only reads must not create the cluster directory, and a directory the user
 * named that does not exist is more likely a typo than an empty cluster: say so.
 */
export function checkClusterForRead(g: GlobalOptions): void {
  if (g.nats) return;
  let isDirectory: boolean;
  try {
    isDirectory = statSync(g.clusterDir).isDirectory();
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOENT') throw error;
    if (g.clusterGiven) {
      throw new UsageError(`error: cluster directory ${g.clusterDir} does not exist (a command that writes, such as apply, creates it)`);
    }
    return;
  }
  if (!isDirectory) throw new UsageError(`error: cluster directory ${g.clusterDir} is not a directory`);
}

/**
 * Any verb: a cluster path that exists must be a directory, and a log in it a file — said in one
 * line before anything reads or writes (a write would otherwise fail deep in the lock or log code).
 */
export function checkClusterPath(g: GlobalOptions): void {
  if (g.nats) return;
  let dir;
  try { dir = statSync(g.clusterDir); } catch { return; }
  if (!dir.isDirectory()) throw new UsageError(`error: cluster directory ${g.clusterDir} is not a directory`);
  const log = join(g.clusterDir, LOG_FILE);
  let file;
  try { file = statSync(log); } catch { return; }
  if (!file.isFile()) throw new UsageError(`error: ${log} is not a file; the event log cannot be read`);
}

const ERRNO_WORDS: Record<string, string> = {
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory, not a file',
  EEXIST: 'already exists',
  ELOOP: 'too many symbolic links',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the file name is too long',
  EFBIG: 'the file is too large',
  ENOENT: 'no such file or directory',
};

/**
 * One line for a failed file-system call, or undefined when `error` is not one. A write that
 * failed changed nothing: the log is cut back to its last batch and the snapshot is only a cache.
 */
export function fileSystemErrorLine(error: unknown): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const e = error as Error & { code?: unknown; path?: unknown; syscall?: unknown };
  if (typeof e.code !== 'string' || !/^E[A-Z]+$/.test(e.code)) return undefined;
  const words = ERRNO_WORDS[e.code] ?? e.message.split('\n')[0];
  const where = typeof e.path === 'string' ? `${e.path}: ` : '';
  const what = typeof e.syscall === 'string' ? ` (${e.syscall})` : '';
  return `error: ${where}${words}${what} [${e.code}]; nothing was changed`;
}

/**
 * Takes the cluster log's writers' lock for a whole writing command (read, run, append), so
 * writers wait their turn instead of computing against a log that moves under them; the append
 * inside takes the same lock again (it is re-entrant). Returns the release, or undefined when
 * the cluster directory does not exist yet (the first append creates it and locks then).
 */
export function lockClusterForWrite(g: GlobalOptions): (() => void) | undefined {
  if (g.nats) return undefined;
  if (!existsSync(g.clusterDir)) return undefined;
  const path = join(g.clusterDir, LOG_FILE);
  const lock = acquireLogLock(path, lockOptions(g));
  if (lock.tookOverFrom) g.notice?.(`warning: took over the event log's lock from ${describeOwner(lock.tookOverFrom)}, which has exited`);
  return () => lock.release();
}

/** The writers' lock options a command uses (the log's own: owner record, takeover, timeout). */
function lockOptions(g: GlobalOptions) {
  return { timeoutMs: g.lockTimeoutMs ?? LOCK_TIMEOUT_MS, clock: wallClock, ...(g.command ? { command: g.command } : {}) };
}

/** The prefix of the private directories a new cluster at `target` is written in. */
const tempPrefix = (target: string): string => `.${basename(target)}.new-`;

/**
 * Makes a new cluster directory completely or not at all (`fork`, `record import`, `record save`,
 * `check`'s counterexamples): `fill` writes into a private temporary directory beside `target`
 * (a dot name no command reads), which is fsynced — every file, every subdirectory — and renamed
 * into place; any failure removes it. `target` must not exist.
 *
 * The rules are the event log's (ADR 0003): creators of one target exclude each other with the
 * log's own lock (an owner record beside the target, `.NAME.new.lock`, taken over when its owner
 * has exited, waited for up to the lock timeout), so two commands never both publish `target`.
 * Whoever holds that lock knows that any temporary directory of `target` still there was left by
 * a creator that died before publishing — never acknowledged, like a batch without its `end` —
 * and removes it, as the log's next writer cuts off an unfinished batch.
 */
export function writeClusterAtomically(g: GlobalOptions, target: string, fill: (dir: string) => void): void {
  const parent = dirname(target);
  if (existsSync(target)) throw new UsageError(`error: ${target} already exists; pvsim writes a new cluster directory`);
  mkdirSync(parent, { recursive: true });
  const creating = acquireLogLock(join(parent, `.${basename(target)}.new`), lockOptions(g));
  try {
    if (creating.tookOverFrom) g.notice?.(`warning: took over the lock on creating ${target} from ${describeOwner(creating.tookOverFrom)}, which has exited`);
    if (existsSync(target)) throw new UsageError(`error: ${target} already exists; pvsim writes a new cluster directory`);
    for (const name of readdirSync(parent)) {
      if (!name.startsWith(tempPrefix(target))) continue;
      rmSync(join(parent, name), { recursive: true, force: true });
      g.notice?.(`warning: removed ${join(parent, name)}, an unfinished ${basename(target)} that a stopped pvsim process left (it was never published)`);
    }
    const temp = mkdtempSync(join(parent, tempPrefix(target)));
    try {
      fill(temp);
      syncTree(temp);
      g.faults?.('publish');
      renameSync(temp, target);
      syncPath(parent);
    } catch (e) {
      rmSync(temp, { recursive: true, force: true });
      throw e;
    }
  } finally {
    creating.release();
  }
}

/** fsyncs every file and directory under `dir`, then `dir` itself. */
function syncTree(dir: string): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) syncTree(join(dir, entry.name));
    else syncPath(join(dir, entry.name));
  }
  syncPath(dir);
}

function syncPath(path: string): void {
  const fd = openSync(path, 'r');
  try { fsyncSync(fd); } finally { closeSync(fd); }
}
