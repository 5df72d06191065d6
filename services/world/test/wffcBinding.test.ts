/**
 * Design: kube-scheduler's binding cycle for WaitForFirstConsumer claims (volumebinding
 * binder.go, v1.34) on the full cluster, explored: under seeded interleavings of work and lagging
 * informers, a pod is never bound to a node before its claim is Bound (safety, checked after every
 * step), and it runs in the end (liveness); a claim the backend cannot hold never gets a PV, its
 * pod never a node, and the retries back off instead of looping at one instant.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PersistentVolumeClaim, Pod } from '@pvsim/domain';
import { applyDefaults, parseManifests, prepareForCreate } from '@pvsim/manifests';
import { Random, type AnyObject, type StoredKind } from '@pvsim/runtime';
import { createWorld, seededChooser, type World } from '../src/index.ts';

const EXAMPLE = join(dirname(fileURLToPath(import.meta.url)), '../../../examples/wffc-provisioning-failure');
const EPOCH_MS = Date.UTC(2026, 0, 1);

const objectsOf = (...files: string[]): AnyObject[] =>
  files.flatMap((f) => parseManifests(readFileSync(join(EXAMPLE, f), 'utf8'), f).map((p) => applyDefaults(p.object) as unknown as AnyObject));

const pod = (w: World, name: string) => w.store.get('Pod', `default/${name}`) as unknown as Pod | undefined;
const claim = (w: World, name: string) => w.store.get('PersistentVolumeClaim', `default/${name}`) as unknown as PersistentVolumeClaim | undefined;

/** The safety property: a pod with a node has its claim Bound. */
function boundBeforeScheduled(w: World, name: string): string | undefined {
  const p = pod(w, name);
  if (!p?.spec.nodeName) return undefined;
  const phase = claim(w, name)?.status?.phase;
  return phase === 'Bound' ? undefined : `pod ${name} is on ${p.spec.nodeName} while its claim is ${phase}`;
}

test('explored, informers lagging: the pod is bound only after its claim, and runs', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 100_000 }), (seed) => {
    const random = new Random(seed);
    const w = createWorld({ seed: 3, startMs: EPOCH_MS, cluster: 'full', informerLag: true, chooser: seededChooser(random) });
    for (const o of objectsOf('01-class.yaml', '03-fits.yaml')) {
      w.store.create(o.kind as StoredKind, prepareForCreate(structuredClone(o), w.clock.iso()) as AnyObject);
      for (let i = 0; i < 300; i++) {
        const enabled = w.enabled().filter((a) => a.type === 'deliver' || a.type === 'watch');
        if (enabled.length === 0) break;
        w.step(enabled[random.int(enabled.length)]!);
        const broken = boundBeforeScheduled(w, 'small');
        assert.is(broken, undefined);
      }
    }
    w.settle();
    assert.is(boundBeforeScheduled(w, 'small'), undefined);
    assert.is(pod(w, 'small')?.status?.phase, 'Running');
    const scheduled = w.store.events().filter((e) => e.reason === 'Scheduled').length;
    assert.is(scheduled, 1);
  }), { numRuns: 15 });
});

test('a claim the backend cannot hold: no PV, no node, FailedScheduling retried with backoff, time moves', () => {
  const w = createWorld({ seed: 3, startMs: EPOCH_MS, cluster: 'full' });
  for (const o of objectsOf('01-class.yaml', '02-too-big.yaml')) w.store.create(o.kind as StoredKind, prepareForCreate(structuredClone(o), w.clock.iso()) as AnyObject);
  const start = w.clock.now();
  const report = w.settle();
  assert.ok(report.deliveries < 5_000, `${report.deliveries} deliveries`);
  assert.is(pod(w, 'big')?.spec.nodeName, undefined);
  assert.is(claim(w, 'big')?.spec.volumeName, undefined);
  assert.equal(w.store.list('PersistentVolume'), []);
  const failed = w.store.events().filter((e) => e.reason === 'FailedScheduling');
  assert.equal(failed.map((e) => e.message), ['running PreBind plugin "VolumeBinding": binding volumes: provisioning failed for PVC "big"']);
  // Each failed attempt waited out a growing backoff: several attempts took simulated seconds, not none.
  assert.ok(failed[0]!.count >= 3, `count ${failed[0]!.count}`);
  assert.ok(w.clock.now() - start >= (failed[0]!.count - 1) * 1_000, `${w.clock.now() - start} ms for ${failed[0]!.count} attempts`);
});

test.run();
