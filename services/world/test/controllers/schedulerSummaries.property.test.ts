/**
 * The scheduler's node summaries (kube-scheduler's NodeInfo, kept from watch events) against what
 * reading the informer cache gives at the moment of each decision: on random clusters — pods and
 * claims created and deleted in random order on few or many nodes (the disk driver's attach limit
 * of 2 per node is reached), informers that lag, drop or repeat events, components that crash
 * (a relist), nodes that go down — every summary the scheduler uses is
 * compared with one derived there and then from the cache (`verifyNodeSummaries`); one that
 * differs is listed and fails the decision.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { PodScheduler } from '@pvsim/scheduler';
import { Random, type StoredKind } from '@pvsim/runtime';
import { createWorld, type Chooser, type World } from '../../src/index.ts';
import { createObject, podInputs } from '../fixtures/podsWithVolumes.ts';

function run(seed: number, lag: boolean, nodes: number): number {
  const rnd = new Random(seed);
  const chooser: Chooser = { kind: 'seeded', pickWork: (waiting) => rnd.int(waiting.length), choose: (enabled) => rnd.int(enabled.length) };
  const world: World = createWorld({
    seed, startMs: Date.UTC(2026, 0, 1), cluster: 'full', chooser, informerLag: lag,
    explore: { crash: true, nodes: true, faults: ['watch-drop', 'watch-dup'] },
  });
  const inputs = podInputs(24);
  for (const o of inputs.setup) { createObject(world, o); world.drain(); }
  const nodeObjects = inputs.objects.filter((o) => o.kind === 'Node').slice(0, nodes);
  const rest = inputs.objects.filter((o) => o.kind !== 'Node');
  for (const o of nodeObjects) createObject(world, o);
  let next = 0;
  for (let step = 0; step < 1500; step++) {
    const r = rnd.int(100);
    if (r < 25 && next < rest.length) createObject(world, rest[next++]!);
    else if (r < 15) {
      const kind: StoredKind = rnd.chance(1, 2) ? 'Pod' : 'PersistentVolumeClaim';
      const keys = world.store.keys(kind);
      if (keys.length > 0) { try { world.store.delete(kind, keys[rnd.int(keys.length)]!); } catch { /* already deleting */ } }
    } else world.stepChosen();
  }
  return world.store.keys('Pod').filter((k) => (world.store.get('Pod', k) as { spec?: { nodeName?: string } }).spec?.nodeName).length;
}

test('node summaries answer as reading the cache does (random clusters, lag, crashes)', () => {
  PodScheduler.verifyNodeSummaries = true;
  PodScheduler.staleSummaries.length = 0;
  try {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.boolean(), fc.integer({ min: 1, max: 12 }), (seed, lag, nodes) => {
      run(seed, lag, nodes);
      assert.equal(PodScheduler.staleSummaries, []);
    }), { numRuns: 12 });
  } finally {
    PodScheduler.verifyNodeSummaries = false;
  }
});

test.run();
