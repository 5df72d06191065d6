/**
 * Design: feedback on long work, on a terminal only (cli-progress on stderr): a bar appears once
 * a command has run about a second (SHOW_AFTER_MS of wall time, from the wall port; the env
 * PVSIM_PROGRESS_AFTER_MS sets it, tests use 0) and shows the log records read while a long log
 * is folded (batch by batch) and the controllers' deliveries while they settle; it is cleared before the command prints its answer. Piped or redirected stderr,
 * `--quiet`, or no wall clock (the CLI driven in-process): nothing at all. One per command
 * invocation (cli.ts hands it to every session through the global options).
 */
import cliProgress from 'cli-progress';
import type { CliIO, Progress } from './verbTypes.ts';

export type { Progress };

export const SHOW_AFTER_MS = 1_000;

const QUIET: Progress = { objects: () => undefined, records: () => undefined, deliveries: () => undefined, stop: () => undefined };

/** A bar on a terminal for work that lasts; else nothing. */
export function createProgress(io: CliIO, o: { quiet?: boolean | undefined } = {}): Progress {
  const wall = io.wall;
  if (!io.isTTY || o.quiet || !wall) return QUIET;
  const after = Number(io.env['PVSIM_PROGRESS_AFTER_MS'] ?? SHOW_AFTER_MS);
  const started = wall.nowMs();
  let bar: cliProgress.SingleBar | undefined;
  let phase = '';
  const show = (name: string, value: number, total: number) => {
    if (!bar && wall.nowMs() - started < after) return;
    if (!bar) bar = new cliProgress.SingleBar({ format: '{phase} |{bar}| {value}/{total}', stream: process.stderr, hideCursor: true, clearOnComplete: true, fps: 5 }, cliProgress.Presets.shades_classic);
    if (phase !== name) {
      if (phase) bar.stop();
      bar.start(total, value, { phase: name });
      phase = name;
    }
    bar.setTotal(total);
    bar.update(value, { phase: name });
  };
  return {
    objects: (done, total) => show('applying', done, total),
    records: (done, total) => show('replaying', done, total),
    deliveries: (delivered, waiting) => show('settling', delivered, delivered + waiting),
    stop: () => { if (bar && phase) bar.stop(); phase = ''; },
  };
}
