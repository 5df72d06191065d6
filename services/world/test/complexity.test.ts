/**
 * Design: the complexity claim of issue 14 item 2 — settling pods with volumes costs linear time —
 * checked on small sizes, never with absolute times. Two measures, each as the ratio between N and
 * 4N pods settled in the same process (one node per two pods, as bench/scale.ts has it):
 *   - objects returned by full lists of the informer cache (`list` of pods, claims, volumes,
 *     attachments, backend objects): deterministic, so the bound can be tight; a component that
 *     scans every pod or attachment on each sync or watch event (what the kubelet, the scheduler
 *     and the attach/detach controller did) grows it ×16. Nodes count too: the scheduler walks
 *     nodes per pod as kube-scheduler does (up to numFeasibleNodesToFind of them) one at a time by
 *     name, not by listing them, and the external-provisioner keeps every node's topology term
 *     from the watch events (it listed every node per provisioning); reads through an index (a
 *     node's pods, a claim's pods, a volume's attachments) are bounded by what they return;
 *   - CPU time (process.cpuUsage, after a warm-up run), with a generous bound, since the machine
 *     is shared: the quadratic scans this replaced made it ×10 and more at these sizes.
 * A second test does the same at 250 and 1,000 pods (issue 14's goal: 10k pods cost at most 12×
 * 1k), where the scheduler's per-pod sample of nodes has grown (numFeasibleNodesToFind) and the
 * CSI drivers' backend has hundreds of volumes; it also counts the objects the API server's store
 * returns from full lists (the drivers read the store: they listed every backend volume on each
 * CreateVolume and ControllerPublishVolume).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { World } from '../src/index.ts';
import { podInputs, podWorld, settlePods } from './fixtures/podsWithVolumes.ts';

interface Cost { reads: number; cpuMs: number; deliveries: number }

function countStoreReads(world: World): { reads: number } {
  const counter = { reads: 0 };
  const list = world.store.list.bind(world.store);
  world.store.list = (kind) => { const out = list(kind); counter.reads += out.length; return out; };
  return counter;
}

function countReads(world: World): { reads: number } {
  const counter = { reads: 0 };
  const cache = world.cache;
  const list = cache.list.bind(cache);
  cache.list = (kind) => { const out = list(kind); counter.reads += out.length; return out; };
  return counter;
}

function settle(pods: number): Cost {
  const inputs = podInputs(pods);
  const world = podWorld(inputs, 7);
  const counter = countReads(world);
  const c0 = process.cpuUsage();
  const { deliveries } = settlePods(world, inputs);
  const cpu = process.cpuUsage(c0);
  return { reads: counter.reads, cpuMs: (cpu.user + cpu.system) / 1000, deliveries };
}

test('settling 4× the pods with volumes costs about 4× (reads from the cache and CPU time)', () => {
  settle(20); // warm-up: the JIT, the module caches
  const small = settle(60);
  const large = settle(240);
  const deliveries = large.deliveries / small.deliveries;
  const reads = large.reads / small.reads;
  const cpu = large.cpuMs / small.cpuMs;
  const report = `deliveries ×${deliveries.toFixed(2)}, reads ×${reads.toFixed(2)} (${small.reads} → ${large.reads}), CPU ×${cpu.toFixed(2)} (${small.cpuMs.toFixed(0)} → ${large.cpuMs.toFixed(0)} ms)`;
  assert.ok(deliveries > 3.5 && deliveries < 4.5, `the work itself grows linearly: ${report}`);
  assert.ok(reads < 4 * 1.5, `objects read by full lists grow at most ×6 for ×4 pods: ${report}`);
  assert.ok(cpu < 4 * 2.5, `CPU time grows at most ×10 for ×4 pods: ${report}`);
});

test('settling 1,000 pods with volumes costs about 4× settling 250 (CPU time, and full lists of the API server)', () => {
  settle(60); // warm-up
  const measure = (pods: number) => {
    const inputs = podInputs(pods);
    const world = podWorld(inputs, 7);
    const store = countStoreReads(world);
    const c0 = process.cpuUsage();
    const { deliveries } = settlePods(world, inputs);
    const cpu = process.cpuUsage(c0);
    return { deliveries, storeReads: store.reads, cpuMs: (cpu.user + cpu.system) / 1000 };
  };
  const small = measure(250);
  const large = measure(1000);
  const deliveries = large.deliveries / small.deliveries;
  const storeReads = large.storeReads / small.storeReads;
  const cpu = large.cpuMs / small.cpuMs;
  const report = `deliveries ×${deliveries.toFixed(2)}, store list reads ×${storeReads.toFixed(2)} (${small.storeReads} → ${large.storeReads}), CPU ×${cpu.toFixed(2)} (${small.cpuMs.toFixed(0)} → ${large.cpuMs.toFixed(0)} ms)`;
  assert.ok(deliveries > 3.5 && deliveries < 4.5, `the work itself grows linearly: ${report}`);
  // settlePods lists the pods and claims once at its end (2 per pod); nothing else lists the store.
  assert.ok(storeReads < 4 * 1.5, `objects read by full lists of the store grow at most ×6 for ×4 pods: ${report}`);
  assert.ok(cpu < 4 * 2, `CPU time grows at most ×8 for ×4 pods: ${report}`);
});

test.run();
