/**
 * Design: progress for long work on a terminal only (cli-progress); piped output stays quiet.
 */
import cliProgress from 'cli-progress';
import type { CliIO } from './cli.ts';

export function createProgress(io: CliIO): { update: (delivered: number, waiting: number) => void; stop: () => void } {
  void io;
  const bar = new cliProgress.SingleBar({
    format: 'settling |{bar}| {value} deliveries, {waiting} waiting',
    stream: process.stderr,
    hideCursor: true,
    clearOnComplete: true,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update: (delivered, waiting) => {
      if (!started) { bar.start(delivered + waiting, delivered, { waiting }); started = true; }
      bar.setTotal(delivered + waiting);
      bar.update(delivered, { waiting });
    },
    stop: () => { if (started) bar.stop(); },
  };
}
