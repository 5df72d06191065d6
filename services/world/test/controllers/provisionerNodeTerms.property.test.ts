/**
 * The external-provisioner's node topology terms (kept between provisionings, a node's term read
 * again only when a watch event changed the node) against a fresh read of every node at the
 * moment of each provisioning: on random clusters — nodes created between claims, relabelled into
 * other zones and deleted, claims and pods created and deleted in random order, informers that
 * lag, drop or repeat events, components that crash (a relist), nodes that go down — every
 * `requisite` the provisioner computes is compared with the fresh one (`verifyNodeTerms`); one that
 * differs is listed and fails the provisioning.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { ExternalProvisioner } from '@pvsim/csi-sidecars';
import { Random, type AnyObject, type StoredKind } from '@pvsim/runtime';
import { createWorld, type Chooser, type World } from '../../src/index.ts';
import { createObject, podInputs } from '../fixtures/podsWithVolumes.ts';

// Many zones for few nodes, so a relabel usually changes the set of distinct terms.
const ZONES = Array.from({ length: 12 }, (_, i) => `zone-${String.fromCharCode(97 + i)}`);

/** A node's zone labels moved to another zone (a new object, as an update makes). */
function relabel(world: World, rnd: Random): void {
  const keys = world.store.keys('Node');
  if (keys.length === 0) return;
  const node = world.store.get('Node', keys[rnd.int(keys.length)]!) as AnyObject & { metadata: { labels?: Record<string, string> } };
  const zone = ZONES[rnd.int(ZONES.length)]!;
  const labels = Object.fromEntries(Object.entries(node.metadata.labels ?? {}).map(([k, v]) => [k, k.includes('zone') ? zone : v]));
  try { world.store.update('Node', { ...node, metadata: { ...node.metadata, labels } } as AnyObject); } catch { /* a conflict: skipped */ }
}

function run(seed: number, lag: boolean): number {
  const rnd = new Random(seed);
  const chooser: Chooser = { kind: 'seeded', pickWork: (waiting) => rnd.int(waiting.length), choose: (enabled) => rnd.int(enabled.length) };
  const world: World = createWorld({
    seed, startMs: Date.UTC(2026, 0, 1), cluster: 'full', chooser, informerLag: lag,
    explore: { crash: true, nodes: true, faults: ['watch-drop', 'watch-dup'] },
  });
  const inputs = podInputs(60);
  for (const o of inputs.setup) { createObject(world, o); world.drain(); }
  // Nodes come with the claims and pods (the fixture's order), so provisionings see the node set grow.
  const objects = inputs.objects;
  let next = 0;
  for (let step = 0; step < 1500; step++) {
    const r = rnd.int(100);
    // Creations spread over the run, so provisionings keep happening between relabels.
    if (r < 12 && next < objects.length) createObject(world, objects[next++]!);
    else if (r < 18) relabel(world, rnd);
    else if (r < 19) {
      const keys = world.store.keys('Node');
      if (keys.length > 1) { try { world.store.delete('Node', keys[rnd.int(keys.length)]!); } catch { /* already deleting */ } }
    } else if (r < 22) {
      const kind: StoredKind = rnd.chance(1, 2) ? 'Pod' : 'PersistentVolumeClaim';
      const keys = world.store.keys(kind);
      if (keys.length > 0) { try { world.store.delete(kind, keys[rnd.int(keys.length)]!); } catch { /* already deleting */ } }
    } else world.stepChosen();
  }
  return world.store.keys('PersistentVolume').length;
}

test('node topology terms answer as reading every node does (random clusters, lag, crashes, relabels)', () => {
  ExternalProvisioner.verifyNodeTerms = true;
  ExternalProvisioner.staleNodeTerms.length = 0;
  let volumes = 0;
  try {
    fc.assert(fc.property(fc.integer({ min: 1, max: 1_000_000 }), fc.boolean(), (seed, lag) => {
      volumes += run(seed, lag);
      assert.equal(ExternalProvisioner.staleNodeTerms, []);
    }), { numRuns: 12 });
  } finally {
    ExternalProvisioner.verifyNodeTerms = false;
  }
  // The runs provisioned volumes (so the terms were computed and compared).
  assert.ok(volumes > 0, 'no volume was provisioned');
});

test.run();
