/**
 * A world as the CLI's session builds it (`createWorld`, the storage controllers with the in-tree
 * plugins), with uids and scheduling from the seed. Tests add the controllers they exercise,
 * built over the world's client and work queue.
 */
import { Random, deriveSeed, type Client, type ObjectStore, type SimClock } from '@pvsim/runtime';
import { DeploymentController, ReplicaSetController, StatefulSetController, inTreePlugins, type ControllerManager } from '@pvsim/controller-manager';
import { PodScheduler } from '@pvsim/scheduler';
import type { Controller, WorkQueue } from '@pvsim/component';
import { createWorld, seededChooser, type World } from '../../../src/index.ts';

export const EPOCH_MS = Date.UTC(2026, 0, 1);

export interface TestCluster {
  world: World;
  store: ObjectStore;
  manager: ControllerManager;
  clock: SimClock;
}

export function testCluster(options: { seed?: number; controllers?: (client: Client, queue: WorkQueue, clock: SimClock) => Controller[] } = {}): TestCluster {
  const seed = options.seed ?? 1;
  const uids = new Random(deriveSeed(seed, 1));
  const world = createWorld({
    seed, startMs: EPOCH_MS, newUid: () => uids.uuid(), chooser: seededChooser(new Random(seed)), plugins: inTreePlugins(),
  });
  for (const c of options.controllers?.(world.client, world.manager.workQueue, world.clock) ?? []) world.manager.addController(c);
  return { world, store: world.store, manager: world.manager, clock: world.clock };
}

/** The scheduler and the workload controllers, the set the scheduling and workload tests run. */
export function schedulingControllers(client: Client, queue: WorkQueue, clock: SimClock): Controller[] {
  return [new PodScheduler(client, queue, { clock }), new DeploymentController(client, queue, clock), new ReplicaSetController(client, queue), new StatefulSetController(client, queue)];
}
