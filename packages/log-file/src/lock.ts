/**
 * Design: the writers' lock of a file event log, one that a crash cannot leave behind
 * (docs/decisions/0003-log-lock.md). Node has no flock, so the lock is a file that says who holds
 * it: `<log>.lock` holds one JSON line — pid, the process's start time, the boot id, host name,
 * a nonce, the command and when it was taken. It is created whole and atomically by writing a
 * private temporary file and hard-linking it to the lock name (link fails with EEXIST if the lock
 * exists), so no reader ever sees an empty or half-written lock.
 *
 * - A lock whose owner is gone — its pid does not exist (ESRCH), the pid now belongs to a process
 *   that started at another time, or the machine has rebooted since (another boot id) — is stale
 *   and is taken over. Taking over is itself guarded by `<log>.lock.break`, created the same way,
 *   so two processes that find the same stale lock cannot both remove it and then one another's
 *   new lock; the lock is removed only if it still carries the stale owner's nonce.
 * - A lock held by a live process is waited for, up to `timeoutMs`, sleeping through the
 *   composition root's `LockClock` (packages/ never sleeps or reads the wall clock on its own);
 *   without a clock the lock is refused at once, as before.
 * - A lock on another host cannot be checked and counts as live.
 * - A lock file that is not JSON (the empty lock of pvsim before this format) has no owner to ask
 *   and counts as stale.
 * - Release removes the lock only if it is still ours.
 */
import {
  closeSync,
  constants,
  fsyncSync,
  linkSync,
  openSync,
  readFileSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { hostname } from 'node:os';

/** Wall-clock time and sleeping, supplied by the composition root. */
export interface LockClock {
  nowMs(): number;
  sleepMs(ms: number): void;
}

export interface LockOptions {
  /** How long to wait for a live holder (needs `clock`; default 0: refuse at once). */
  timeoutMs?: number;
  clock?: LockClock;
  /** Identifies this holder; unique per process and lock attempt (default: pid and a counter). */
  nonce?: string;
  /** What the holder is doing, shown to whoever waits (e.g. `pvsim apply -f x.yaml`). */
  command?: string;
}

/** What a lock file says about its holder. */
export interface LockOwner {
  pid: number;
  nonce: string;
  host: string;
  /** /proc/<pid>/stat start time in clock ticks since boot (Linux), to notice a reused pid. */
  start?: string;
  bootId?: string;
  command?: string;
  /** Milliseconds since the epoch when taken, when the holder had a clock. */
  sinceMs?: number;
}

/** Another live process holds the lock, and it was not released in time. */
export class LogLockedError extends Error {
  readonly code = 'LogLocked';
  constructor(
    readonly path: string,
    readonly lockPath: string,
    readonly owner: LockOwner | undefined,
    readonly waitedMs: number,
    options?: { cause?: unknown },
  ) {
    super(
      `${path}: the event log is locked by ${describeOwner(owner)}` +
        `${waitedMs > 0 ? `; gave up after waiting ${formatMs(waitedMs)}` : ''}. ` +
        'pvsim takes the lock over by itself once that process has exited; if it is stuck, stop it',
      options,
    );
    this.name = 'LogLockedError';
  }
}

export interface HeldLock {
  readonly owner: LockOwner;
  /** The stale owner whose lock this one replaced, if any. */
  readonly tookOverFrom?: LockOwner;
  release(): void;
}

let attempts = 0;

/** Locks this process holds, by lock path: taking a held lock again only counts. */
const held = new Map<string, { lock: HeldLock; count: number }>();

/**
 * Takes the writers' lock of the log at `path`, waiting for a live holder as `options` allow.
 * Re-entrant within a process: a command may hold the lock around reading, running and
 * appending, and the append inside takes it again for free.
 */
export function acquireLogLock(path: string, options: LockOptions = {}): HeldLock {
  const lockPath = `${path}.lock`;
  const mine = held.get(lockPath);
  if (mine) {
    mine.count++;
    return { owner: mine.lock.owner, release: () => releaseHeld(lockPath) };
  }
  const lock = acquireFresh(path, lockPath, options);
  held.set(lockPath, { lock, count: 1 });
  return { ...lock, release: () => releaseHeld(lockPath) };
}

function releaseHeld(lockPath: string): void {
  const mine = held.get(lockPath);
  if (!mine) return;
  if (--mine.count > 0) return;
  held.delete(lockPath);
  mine.lock.release();
}

function acquireFresh(path: string, lockPath: string, options: LockOptions): HeldLock {
  const clock = options.clock;
  const started = clock?.nowMs() ?? 0;
  const timeoutMs = clock ? options.timeoutMs ?? 0 : 0;
  const owner: LockOwner = {
    pid: process.pid,
    nonce: options.nonce ?? `${process.pid}-${++attempts}`,
    host: hostname(),
    ...selfIdentity(),
    ...(options.command !== undefined ? { command: options.command } : {}),
    ...(clock ? { sinceMs: started } : {}),
  };
  let tookOverFrom: LockOwner | undefined;
  let pauseMs = 2;
  for (;;) {
    if (createWhole(lockPath, owner)) {
      return {
        owner,
        ...(tookOverFrom ? { tookOverFrom } : {}),
        release: () => removeIfOwned(lockPath, owner.nonce),
      };
    }
    const holder = readOwner(lockPath);
    if (holder === 'absent') continue;
    if (holder === 'unreadable' || !isAlive(holder)) {
      const stale = holder === 'unreadable' ? undefined : holder;
      if (breakStale(lockPath, stale, owner)) tookOverFrom = stale ?? { pid: 0, nonce: '', host: '' };
      continue;
    }
    const waited = (clock?.nowMs() ?? 0) - started;
    if (!clock || waited >= timeoutMs) throw new LogLockedError(path, lockPath, holder, waited);
    clock.sleepMs(Math.min(pauseMs, timeoutMs - waited));
    pauseMs = Math.min(pauseMs * 2, 50);
  }
}

/** Who holds the lock of the log at `path` right now, if that holder is alive. */
export function liveLockOwner(path: string): LockOwner | undefined {
  const holder = readOwner(`${path}.lock`);
  return typeof holder === 'object' && isAlive(holder) ? holder : undefined;
}

/** The lock's owner as recorded, whether or not it is alive; undefined when there is no lock. */
export function recordedLockOwner(path: string): LockOwner | 'unreadable' | undefined {
  const holder = readOwner(`${path}.lock`);
  return holder === 'absent' ? undefined : holder;
}

export function describeOwner(owner: LockOwner | undefined): string {
  if (!owner) return 'a process that left no owner record';
  const what = owner.command ? ` (${owner.command})` : '';
  const host = owner.host && owner.host !== hostname() ? ` on host ${owner.host}` : '';
  return `pid ${owner.pid}${host}${what}`;
}

function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(1)} s` : `${ms} ms`;
}

/**
 * Creates `target` holding `owner`, atomically and whole: false when it already exists. A crash
 * can leave only the private temporary file, which no one reads.
 */
function createWhole(target: string, owner: LockOwner): boolean {
  const temporary = `${target}.${owner.nonce}.tmp`;
  const fd = openSync(temporary, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  try {
    const text = Buffer.from(`${JSON.stringify(owner)}\n`);
    let written = 0;
    while (written < text.length) written += writeSync(fd, text, written);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(temporary, target);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(temporary);
  }
}

function readOwner(lockPath: string): LockOwner | 'absent' | 'unreadable' {
  let text: string;
  try {
    const fd = openSync(lockPath, constants.O_RDONLY | constants.O_NOFOLLOW);
    try { text = readFileSync(fd, 'utf8'); } finally { closeSync(fd); }
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return 'absent';
    if (errorCode(error) === 'ELOOP') return 'unreadable';
    throw error;
  }
  try {
    const value = JSON.parse(text) as Partial<LockOwner>;
    if (typeof value?.pid === 'number' && typeof value.nonce === 'string' && typeof value.host === 'string') return value as LockOwner;
  } catch {
    // Not an owner record: see the design note.
  }
  return 'unreadable';
}

/**
 * Removes the stale lock (the one carrying `stale`'s nonce, or an unreadable one), guarded by
 * the break file. True when this call removed it.
 */
function breakStale(lockPath: string, stale: LockOwner | undefined, me: LockOwner): boolean {
  const breakPath = `${lockPath}.break`;
  if (!createWhole(breakPath, { ...me, nonce: `${me.nonce}-break` })) {
    const breaker = readOwner(breakPath);
    // A breaker that died inside its few system calls: remove its file and try again.
    if (breaker === 'unreadable' || (breaker !== 'absent' && !isAlive(breaker))) removeIfOwned(breakPath, breaker === 'unreadable' ? undefined : breaker.nonce);
    return false;
  }
  try {
    const current = readOwner(lockPath);
    const same = stale === undefined ? current === 'unreadable' : typeof current === 'object' && current.nonce === stale.nonce;
    if (!same) return false;
    unlinkSync(lockPath);
    return true;
  } finally {
    removeIfOwned(breakPath, `${me.nonce}-break`);
  }
}

/** Unlinks `path` if it still carries `nonce` (any content when `nonce` is undefined). */
function removeIfOwned(path: string, nonce: string | undefined): void {
  const current = readOwner(path);
  if (current === 'absent') return;
  if (nonce !== undefined && (current === 'unreadable' || current.nonce !== nonce)) return;
  try {
    unlinkSync(path);
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') throw error;
  }
}

function isAlive(owner: LockOwner): boolean {
  if (owner.host !== hostname()) return true;
  const self = selfIdentity();
  if (owner.bootId !== undefined && self.bootId !== undefined && owner.bootId !== self.bootId) return false;
  if (owner.pid === process.pid) return true;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if (errorCode(error) === 'ESRCH') return false;
    // EPERM: the pid exists and belongs to someone else; fall through to the start-time check.
  }
  if (owner.start !== undefined) {
    const start = processStart(owner.pid);
    if (start !== undefined && start !== owner.start) return false;
  }
  return true;
}

let identity: { start?: string; bootId?: string } | undefined;

function selfIdentity(): { start?: string; bootId?: string } {
  if (identity) return identity;
  const start = processStart(process.pid);
  let bootId: string | undefined;
  try { bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim(); } catch { bootId = undefined; }
  identity = { ...(start !== undefined ? { start } : {}), ...(bootId ? { bootId } : {}) };
  return identity;
}

/** Field 22 of /proc/<pid>/stat (after the parenthesised command name); undefined off Linux. */
function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}
