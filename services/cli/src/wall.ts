/**
 * Design: the wall clock of a pvsim process — a composition-root port (verbTypes.ts `Wall`),
 * bound in main.ts and by tests that drive the CLI in-process. `waitForChange` looks at a file's
 * size every POLL_MS (a log is only ever appended to, so a new size is a new batch); it is the
 * one place the CLI's verbs wait on wall time.
 */
import { statSync } from 'node:fs';
import type { Wall } from './verbTypes.ts';

export const POLL_MS = 50;

function sizeOf(file: string): number {
  try { return statSync(file).size; } catch { return -1; }
}

export const processWall: Wall = {
  nowMs: () => Date.now(),
  waitForChange: (file, timeoutMs) => new Promise<boolean>((resolve) => {
    const before = sizeOf(file);
    let poll: ReturnType<typeof setInterval> | undefined;
    let limit: ReturnType<typeof setTimeout> | undefined;
    const finish = (changed: boolean): void => {
      if (poll) clearInterval(poll);
      if (limit) clearTimeout(limit);
      resolve(changed);
    };
    poll = setInterval(() => { if (sizeOf(file) !== before) finish(true); }, POLL_MS);
    if (Number.isFinite(timeoutMs)) limit = setTimeout(() => finish(false), Math.max(0, timeoutMs));
  }),
};
