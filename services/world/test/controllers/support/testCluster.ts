/**
 * A store and a controller manager wired together the way the CLI's session wires them: the
 * manager's informer handlers watch the store, uids and scheduling come from the seed, and the
 * in-tree plugins are registered. Tests add the controllers they exercise.
 */
import { ObjectStore, Random, Scheduler, SimClock, deriveSeed, type WatchEvent } from '@pvsim/runtime';
import {
  ControllerManager, DeploymentController, PodScheduler, StatefulSetController, inTreePlugins, type Controller, type WorkQueue,
} from '../../src/index.ts';

export const EPOCH_MS = Date.UTC(2026, 0, 1);

export interface TestCluster {
  store: ObjectStore;
  manager: ControllerManager;
  clock: SimClock;
}

export function testCluster(options: { seed?: number; controllers?: (store: ObjectStore, queue: WorkQueue, clock: SimClock) => Controller[] } = {}): TestCluster {
  const seed = options.seed ?? 1;
  const clock = new SimClock(EPOCH_MS);
  const uids = new Random(deriveSeed(seed, 1));
  let manager: ControllerManager | undefined;
  const store = new ObjectStore({ clock, newUid: () => uids.uuid(), watch: (ev: WatchEvent) => manager?.onWatch(ev) });
  manager = new ControllerManager({
    store, clock, plugins: inTreePlugins(), scheduler: Scheduler.seeded(new Random(seed)),
    extraControllers: (queue) => options.controllers?.(store, queue, clock) ?? [],
  });
  return { store, manager, clock };
}

/** The scheduler and the workload controllers, the set the scheduling and workload tests run. */
export function schedulingControllers(store: ObjectStore, queue: WorkQueue, clock: SimClock): Controller[] {
  return [new PodScheduler(store, queue, { clock }), new DeploymentController(store, queue), new StatefulSetController(store, queue)];
}
