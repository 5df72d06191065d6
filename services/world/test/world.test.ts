/**
 * Design: the step machine's promises (issue 6), checked on the full cluster — nodes, a static NAS
 * PV, dynamically provisioned disks, pods that attach and mount them — built from the examples'
 * manifests as `pvsim apply` would admit them:
 *   - a run recorded under any chooser re-executes to the same fingerprint and the same records
 *     under the recorded chooser;
 *   - fork at any step, then continuing, equals continuing the original;
 *   - two seeds whose runs converge to the same objects (up to uids) fingerprint equally, and a
 *     real difference shows;
 *   - informers that lag (stale reads, Conflicts) are survived: explored interleavings of watch
 *     events and work converge to the same objects as the in-order run.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { ANN_NODE_DOWN, type NewLogRecord } from '@pvsim/domain';
import { prepareForCreate } from '@pvsim/manifests';
import { Random, type AnyObject, type StoredKind } from '@pvsim/runtime';
import { checkAll } from '@pvsim/invariants';
import { DEMO_INPUTS } from './fixtures/exampleInputs.ts';
import { FAULT_KINDS, createWorld, recordedChooser, seededChooser, type World, type WorldOptions } from '../src/index.ts';

const EPOCH_MS = Date.UTC(2026, 0, 1);
const INPUTS = DEMO_INPUTS;

function world(options: WorldOptions = {}): World {
  return createWorld({ seed: 7, startMs: EPOCH_MS, cluster: 'full', ...options });
}

/** Creates the inputs one by one, as kubectl does, letting the chooser drive `steps` actions after each. */
function run(w: World, steps: number): void {
  for (const o of INPUTS) {
    w.store.create(o.kind as StoredKind, prepareForCreate(structuredClone(o), w.clock.iso()) as AnyObject);
    for (let i = 0; i < steps && w.scheduler.size > 0; i++) w.drain(1);
  }
  w.settle();
}

test('the inputs are real: the claims bind and the pod runs', () => {
  const w = world();
  run(w, 3);
  const pod = w.store.get('Pod', 'default/disk-pod') as { status?: { phase?: string } } | undefined;
  assert.is(pod?.status?.phase, 'Running');
  for (const c of w.store.list('PersistentVolumeClaim')) assert.is((c as { status?: { phase?: string } }).status?.phase, 'Bound', c.metadata.name);
});

test('a recorded run re-executes to the same fingerprint and records under the recorded chooser', () => {
  for (const seed of [1, 2, 3]) {
    const records: NewLogRecord[] = [];
    // Driven by a chooser that is not the world's default; the other streams come from the seed.
    const live = world({ seed, record: (r) => records.push(structuredClone(r)), chooser: seededChooser(new Random(seed * 7919)) });
    run(live, 2);
    const again: NewLogRecord[] = [];
    const chooser = recordedChooser(records as never);
    const replay = world({ seed, record: (r) => again.push(structuredClone(r)), chooser });
    run(replay, 2);
    assert.is(chooser.remainingDeliveries(), 0);
    assert.is(replay.fingerprint(), live.fingerprint());
    assert.equal(again, records);
  }
});

test('a run driven action by action (lagging informers, faults, crashes, nodes, time) replays under the recorded chooser', () => {
  const lagged = new Set<string>();
  for (const seed of [1, 2, 3, 4]) {
    const explore = { faults: FAULT_KINDS, crash: true, nodes: true };
    const records: NewLogRecord[] = [];
    const drive = (w: World) => {
      for (const o of INPUTS) {
        w.store.create(o.kind as StoredKind, prepareForCreate(structuredClone(o), w.clock.iso()) as AnyObject);
        for (let i = 0; i < 40; i++) {
          w.stepChosen();
          // Safety: holds after every step, faults and crashes and stale reads included.
          assert.equal(checkAll(w.store, { phase: 'safety' }), [], `seed ${seed}`);
        }
      }
    };
    const live = world({ seed, informerLag: true, explore, record: (r) => records.push(structuredClone(r)), chooser: seededChooser(new Random(seed)) });
    drive(live);
    const again: NewLogRecord[] = [];
    const chooser = recordedChooser(records);
    const replay = world({ seed, informerLag: true, explore, record: (r) => again.push(structuredClone(r)), chooser });
    drive(replay);
    assert.is(chooser.remainingActions(), 0);
    assert.is(replay.fingerprint(), live.fingerprint());
    assert.equal(again, records);
    // Each process has its own informer: the run let several of them lag differently (which ones
    // get a turn depends on the chooser's path — watch faults among the choices — so they are
    // counted over the seeds).
    const informers = new Set(records.filter((r) => r.type === 'WatchDelivered').map((r) => (r.data as { informer: string }).informer));
    assert.ok(informers.size >= 2, `seed ${seed}: ${[...informers].join(', ')}`);
    for (const i of informers) lagged.add(i);
    assert.ok(records.some((r) => r.type === 'FaultInjected' && String((r.data as { kind: string }).kind).startsWith('csi-')) && records.some((r) => r.type === 'ComponentRestarted'), 'the run explored API and CSI faults and crashes');
    // Liveness: faults off, every node up, informers caught up — the cluster converges.
    for (const n of live.store.list('Node')) if ((n.metadata['annotations'] as Record<string, string> | undefined)?.[ANN_NODE_DOWN]) live.step({ type: 'node', node: n.metadata.name, down: false });
    live.settle({ untilQuiet: true });
    assert.equal(checkAll(live.store, { phase: 'converged' }), [], `seed ${seed}`);
  }
  assert.ok(lagged.has('kube-controller-manager') && lagged.has('kube-scheduler') && [...lagged].some((i) => i.startsWith('kubelet/')), [...lagged].join(', '));
});

/** Creates `objects` then the inputs, delivers `at` items, forks, and checks that the fork and the original continue alike. */
function forkEqualsContinuing(seed: number, at: number, objects: readonly AnyObject[] = []): void {
  const original = world({ seed });
  for (const o of [...objects, ...INPUTS]) original.store.create(o.kind as StoredKind, prepareForCreate(structuredClone(o), original.clock.iso()) as AnyObject);
  original.drain(at);
  const copy = original.fork();
  assert.is(copy.fingerprint(), original.fingerprint());
  original.settle();
  copy.settle();
  assert.is(copy.fingerprint(), original.fingerprint());
  assert.equal(copy.store.dump().objects, original.store.dump().objects);
}

test('fork at any step, then continuing, equals continuing the original', () => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 60 }), fc.integer({ min: 1, max: 1000 }), (at, seed) => forkEqualsContinuing(seed, at)), { numRuns: 15 });
});

test('fork equals continuing when components joined out of name order (kubelets of extra-2, extra-10, extra-1)', () => {
  const nodes = ['extra-2', 'extra-10', 'extra-1'].map((name) => ({
    apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': 'zone-a' } },
  }) as AnyObject);
  fc.assert(fc.property(fc.integer({ min: 0, max: 80 }), fc.integer({ min: 1, max: 1000 }), (at, seed) => forkEqualsContinuing(seed, at, nodes)), { numRuns: 10 });
});

test('two seeds that converge to the same objects fingerprint equally; a real difference shows', () => {
  // Drained after each input (as kubectl's one-object-at-a-time apply): the delivery orders and
  // the uids differ, the outcome does not.
  fc.assert(fc.property(fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 100_000 }), (seedA, seedB) => {
    fc.pre(seedA !== seedB);
    const a = world({ seed: seedA });
    const b = world({ seed: seedB });
    run(a, Infinity);
    run(b, Infinity);
    assert.is.not(a.store.get('PersistentVolumeClaim', 'default/disk-pvc')!.metadata['uid'], b.store.get('PersistentVolumeClaim', 'default/disk-pvc')!.metadata['uid']);
    assert.is(a.store.fingerprint(), b.store.fingerprint());
    assert.is(a.fingerprint(), b.fingerprint());
    const claim = structuredClone(b.store.get('PersistentVolumeClaim', 'default/db-data')!);
    claim.metadata.labels = { changed: 'yes' };
    b.store.update('PersistentVolumeClaim', claim);
    assert.is.not(a.store.fingerprint(), b.store.fingerprint());
  }), { numRuns: 10 });
});

test('lagging informers: stale reads and Conflicts are survived, and the run converges to the in-order objects', () => {
  const reference = world({ seed: 5 });
  run(reference, 0);
  fc.assert(fc.property(fc.integer({ min: 1, max: 10_000 }), (seed) => {
    const random = new Random(seed);
    const w = world({ seed: 5, informerLag: true, chooser: seededChooser(random) });
    for (const o of INPUTS) {
      w.store.create(o.kind as StoredKind, prepareForCreate(structuredClone(o), w.clock.iso()) as AnyObject);
      // Explore: deliver work and watch events in a seeded interleaving (never time).
      for (let i = 0; i < 200; i++) {
        const enabled = w.enabled().filter((a) => a.type === 'deliver' || a.type === 'watch');
        if (enabled.length === 0) break;
        w.step(enabled[random.int(enabled.length)]!);
      }
    }
    w.settle();
    assert.is(w.lag, 0);
    const phases = (x: World) => x.store.list('PersistentVolumeClaim').map((c) => `${c.metadata.name}=${(c as { status?: { phase?: string } }).status?.phase}`);
    assert.equal(phases(w), phases(reference));
    assert.is((w.store.get('Pod', 'default/disk-pod') as { status?: { phase?: string } }).status?.phase, 'Running');
  }), { numRuns: 20 });
});

test.run();
