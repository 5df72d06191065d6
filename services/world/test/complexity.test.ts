/**
 * Design: the complexity claim of issue 14 item 2 — settling pods with volumes costs linear time —
 * checked on small sizes, never with absolute times. Two measures, each as the ratio between N and
 * 4N pods settled in the same process (one node per two pods, as bench/scale.ts has it):
 *   - objects returned by full lists of the informer cache (`list` of pods, claims, volumes,
 *     attachments, backend objects): deterministic, so the bound can be tight; a component that
 *     scans every pod or attachment on each sync or watch event (what the kubelet, the scheduler
 *     and the attach/detach controller did) grows it ×16. Nodes are left out: the scheduler walks
 *     nodes per pod as kube-scheduler does (up to numFeasibleNodesToFind of them), and the
 *     external-provisioner reads every node's topology per provisioning, as the real one does;
 *     reads through an index (a node's pods, a claim's pods) are bounded by what they return;
 *   - CPU time (process.cpuUsage, after a warm-up run), with a generous bound, since the machine
 *     is shared: the quadratic scans this replaced made it ×10 and more at these sizes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { World } from '../src/index.ts';
import { podInputs, podWorld, settlePods } from './fixtures/podsWithVolumes.ts';

interface Cost { reads: number; cpuMs: number; deliveries: number }

function countReads(world: World): { reads: number } {
  const counter = { reads: 0 };
  const cache = world.cache;
  const list = cache.list.bind(cache);
  cache.list = (kind) => { const out = list(kind); if (kind !== 'Node') counter.reads += out.length; return out; };
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

test.run();
