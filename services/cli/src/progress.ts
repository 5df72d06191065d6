/**
 * Design: progress for long work, on a terminal only (cli-progress); piped or redirected output
 * stays quiet. One bar per command: objects applied, then deliveries while the controllers settle.
 */
import cliProgress from 'cli-progress';
import type { CliIO } from './verbTypes.ts';

export interface Progress {
  /** Objects done out of total. */
  objects(done: number, total: number): void;
  /** Controller deliveries so far, and how many wait. */
  deliveries(delivered: number, waiting: number): void;
  stop(): void;
}

const QUIET: Progress = { objects: () => undefined, deliveries: () => undefined, stop: () => undefined };

/** A bar when stderr is a terminal and the work is large enough to wait for; else nothing. */
export function createProgress(io: CliIO, workItems: number): Progress {
  if (!io.isTTY || workItems < 1000) return QUIET;
  const bar = new cliProgress.SingleBar({
    format: '{phase} |{bar}| {value}/{total}',
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
    fps: 5,
  }, cliProgress.Presets.shades_classic);
  let phase = '';
  const show = (name: string, value: number, total: number) => {
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
    deliveries: (delivered, waiting) => show('settling', delivered, delivered + waiting),
    stop: () => { if (phase) bar.stop(); },
  };
}
