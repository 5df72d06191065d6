/**
 * Design: every non-deterministic or effectful thing the simulation touches, in one object built
 * at a composition root (STYLE §2): simulated time, the seeded generator, ids, the bus that
 * reaches actors, and the event log. Tests build it with fixed values; the CLI builds it from
 * `--seed` and the cluster directory; a distributed run swaps the bus and the log.
 */
import type { EventLog } from '@pvsim/domain';
import type { Bus } from './Bus.ts';
import type { Random } from './Random.ts';
import type { SimClock } from './SimClock.ts';

export interface Ports {
  clock: SimClock;
  random: Random;
  newUid(): string;
  bus: Bus;
  log?: EventLog;
}
