/**
 * Design: every non-deterministic or effectful thing the simulation touches, in one object built
 * at a composition root (STYLE §2): simulated time, the seeded generator, ids, the bus that
 * reaches actors, and the event log. Tests build it with fixed values; the CLI builds it from
 * `--seed` and the cluster directory; a distributed run swaps the bus and the log.
 */
import type { EventLog } from '@pvsim/domain';
import { InProcessBus, type Bus } from './Bus.ts';
import { Random } from './Random.ts';
import { SimClock } from './SimClock.ts';

export interface Ports {
  clock: SimClock;
  random: Random;
  newUid(): string;
  bus: Bus;
  log?: EventLog;
}

export function createPorts(options: { seed: number; startMs?: number; log?: EventLog; bus?: Bus }): Ports {
  const random = new Random(options.seed);
  return {
    clock: new SimClock(options.startMs),
    random,
    newUid: () => random.uuid(),
    bus: options.bus ?? new InProcessBus(),
    ...(options.log ? { log: options.log } : {}),
  };
}
