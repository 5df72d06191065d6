/**
 * Design: the world's fingerprint is incremental — objects are hashed when written, a
 * component's state only when its state version moved (packages/component/src/stateVersion.ts)
 * — and must stay exactly what it would be computed from scratch. A component whose version
 * misses a change of its memory (a mutation site that forgot to count, a record changed through
 * a shared reference) leaves a stale hash behind: these runs compare `fingerprint()` with
 * `fingerprintFromScratch()` every third step, over explored runs of the full cluster that touch
 * every component with memory — provisioning, attach, mount, expansion (online, too far),
 * snapshots and a restore, deletion — with API, CSI and watch faults, crashes, nodes going down
 * and up, and lagging informers; and the fingerprint of a fork (a fresh world restored from
 * the snapshot, whose caches are empty) equals the original's.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyDefaults, parseManifests, prepareForCreate } from '@pvsim/manifests';
import { Random, type AnyObject, type StoredKind } from '@pvsim/runtime';
import { FAULT_KINDS, createWorld, seededChooser, type Action, type World } from '../src/index.ts';

const EXAMPLES = join(dirname(fileURLToPath(import.meta.url)), '../../../examples');
const EPOCH_MS = Date.UTC(2026, 0, 1);
const NAMESPACED = new Set(['PersistentVolumeClaim', 'Pod', 'VolumeSnapshot']);

/** The objects of the example files, the namespaced ones moved to `namespace` (the examples reuse names). */
function objectsOf(namespace: string, ...files: string[]): AnyObject[] {
  return files.flatMap((f) => parseManifests(readFileSync(join(EXAMPLES, f), 'utf8'), f).map((p) => {
    const o = applyDefaults(p.object) as unknown as AnyObject;
    if (NAMESPACED.has(o.kind)) o.metadata.namespace = namespace;
    return o;
  }));
}

type Input = { apply: AnyObject } | { delete: [StoredKind, string] };

const INPUTS: Input[] = [
  ...objectsOf('default', 'access-modes/01-nodes.yaml', 'lecture/dynamic-disk/01-storageclass.yaml', 'lecture/dynamic-disk/02-pvc.yaml',
    'lecture/dynamic-disk/03-pod.yaml', 'static/01-volumes.yaml', 'static/02-claims.yaml'),
  ...objectsOf('exp', 'expansion/01-storageclasses.yaml', 'expansion/02-claims.yaml', 'expansion/03-pod.yaml', 'expansion/resize/grow-db.yaml',
    'expansion/resize/grow-shared-too-far.yaml'),
  ...objectsOf('snap', 'snapshots/01-classes.yaml', 'snapshots/02-database.yaml', 'snapshots/03-snapshot.yaml', 'snapshots/04-restore.yaml'),
  ...objectsOf('wffc', 'wffc-provisioning-failure/01-class.yaml', 'wffc-provisioning-failure/02-too-big.yaml', 'wffc-provisioning-failure/03-fits.yaml'),
].map((o): Input => ({ apply: o })).concat([
  { delete: ['Pod', 'default/disk-pod'] },
  { delete: ['PersistentVolumeClaim', 'default/disk-pvc'] },
  { delete: ['PersistentVolumeClaim', 'default/scratch'] },
]);

/** Creates the object, or (an example that changes one) replaces the live object's spec. */
function apply(w: World, o: AnyObject): void {
  const kind = o.kind as StoredKind;
  const key = o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
  const live = w.store.get(kind, key);
  try {
    if (!live) w.store.create(kind, prepareForCreate(structuredClone(o), w.clock.iso()) as AnyObject);
    else w.store.update(kind, { ...structuredClone(live), spec: structuredClone((o as { spec?: unknown }).spec) } as AnyObject);
  } catch (e) {
    // An armed API fault may fail the user's write as it fails a controller's: the input is lost.
    if (!(e instanceof Error) || !/injected fault|Conflict|cannot be fulfilled/.test(e.message)) throw e;
  }
}

const CATCH_UP_STEPS = 300;

/**
 * Applies the inputs one at a time, taking `stepsPerInput` steps after each — seven in eight of
 * them a delivery, a watch event or a timer when one is enabled (so the cluster makes progress),
 * the rest anything the world offers: faults, crashes (unless `crash` is false), nodes, resyncs —
 * and then up to CATCH_UP_STEPS deliveries, watch events and timers.
 */
function drive(seed: number, stepsPerInput: number, check: (w: World, step: number) => void, crash = true): World {
  const w = createWorld({
    seed, startMs: EPOCH_MS, cluster: 'full', informerLag: true,
    explore: { faults: FAULT_KINDS, crash, nodes: true },
    chooser: seededChooser(new Random(seed)),
  });
  const coin = new Random(seed + 1);
  const progress = (a: Action) => a.type === 'deliver' || a.type === 'watch' || a.type === 'timer';
  let step = 0;
  for (const input of INPUTS) {
    if ('apply' in input) apply(w, input.apply);
    else if (w.store.get(...input.delete)) { try { w.store.delete(...input.delete); } catch (e) { if (!(e instanceof Error) || !/injected fault/.test(e.message)) throw e; } }
    for (let i = 0; i < stepsPerInput; i++) {
      if (coin.int(8) > 0 && w.enabled().some(progress)) w.stepChosen(progress); else w.stepChosen();
      check(w, ++step);
    }
    // Then the cluster catches up (work, watch events, timers; no faults) for a while.
    for (let i = 0; i < CATCH_UP_STEPS && w.enabled().some(progress); i++) {
      w.stepChosen(progress);
      check(w, ++step);
    }
  }
  return w;
}

// From scratch rehashes every object and every component's state, so it is compared every third
// step and at the end (at every step the file took over two minutes): a stale hash stays stale
// until its object or component is written again, which is rarely within three steps.
test('the incremental fingerprint equals the one from scratch every third step of explored runs', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 100_000 }), (seed) => {
    const same = (w: World, step: number | 'end') => {
      const incremental = w.fingerprint();
      const scratch = w.fingerprintFromScratch();
      if (incremental !== scratch) assert.unreachable(`seed ${seed}, step ${step}: incremental ${incremental}, from scratch ${scratch}`);
    };
    same(drive(seed, 30, (w, step) => { if (step % 3 === 0) same(w, step); }), 'end');
  }), { numRuns: 8 });
});

test('a fork (a fresh world restored from the snapshot) fingerprints as the original, at any step', () => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 100_000 }), (seed) => {
    drive(seed, 30, (w, step) => {
      w.fingerprint();
      if (step % 25 !== 0) return;
      const fork = w.fork();
      assert.is(fork.fingerprint(), w.fingerprint(), `seed ${seed}, step ${step}`);
      // The fork starts from the component hashes its snapshot carried (World.snapshot): they
      // and the ones it computes after its own steps are what hashing from scratch gives.
      assert.is(fork.fingerprintFromScratch(), fork.fingerprint(), `seed ${seed}, step ${step}, fork`);
      for (let i = 0; i < 3; i++) {
        const a = fork.enabled().find((x) => x.type === 'deliver' || x.type === 'watch');
        if (!a) break;
        fork.step(a, true);
        assert.is(fork.fingerprint(), fork.fingerprintFromScratch(), `seed ${seed}, step ${step}, fork step ${i}`);
      }
      // Without crashes: a crash of a kube-controller-manager component relists that process's
      // informer, and the kubelet pool (in the same process) misses a Node event still waiting
      // there, while a fork joins that node's kubelet at once — a difference of the fork, not of
      // the fingerprint.
    }, false);
  }), { numRuns: 4 });
});

test('the runs change the memory of every kind of component that keeps much (the properties above are not vacuous)', () => {
  const versions = new Map<string, number>();
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    drive(seed, 30, (w) => { for (const c of w.manager.controllers) if (c.stateVersion) versions.set(c.name, Math.max(versions.get(c.name) ?? 0, c.stateVersion.value)); });
  }
  const moved = [...versions].filter(([, v]) => v > 0).map(([n]) => n);
  // The resizers' and snapshotters' memory (failure counts, final errors) changes only when
  // their CSI calls fail, which these runs do not reach; it is all in tracked collections.
  for (const prefix of ['pv-controller', 'scheduler', 'attachdetach', 'kubelet/', 'external-provisioner/', 'attacher/']) {
    assert.ok(moved.some((n) => n.startsWith(prefix)), `no ${prefix} state changed in the runs: ${moved.join(', ')}`);
  }
});

test.run();
