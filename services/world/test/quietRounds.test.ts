/**
 * Design: a resync round proven quiet is repeated without running the controllers again
 * (`repeatQuietRounds`, world.ts `resyncRound`). The promise is that nothing can tell: the same
 * records, in the same order with the same data, the same fingerprint, the same snapshot (objects,
 * work, every random stream, what each component remembers) and the same count of deliveries as
 * running every round in full (`repeatQuietRounds: false`).
 *   - a property over random runs of the full cluster: objects created one by one, time let run
 *     (`runUntil`) for random stretches, pods deleted, nodes going down and up, settles, under the
 *     default seeded chooser, FIFO and a chooser of its own;
 *   - one test per condition of the proof, with a controller that breaks only that one — it reads
 *     the clock, remembers something new, draws from a random stream, or queues work while the
 *     round runs — and acts on it later: if the proof missed it, the repeated rounds would skip
 *     what the full ones do, and the records would differ.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { NewLogRecord } from '@pvsim/domain';
import { prepareForCreate } from '@pvsim/manifests';
import { Random, type AnyObject } from '@pvsim/runtime';
import type { Controller, WorkQueue } from '@pvsim/component';
import { DEMO_INPUTS, playDemoOp, type DemoOp } from './fixtures/exampleInputs.ts';
import { createWorld, fifoChooser, seededChooser, type World, type WorldOptions } from '../src/index.ts';

const EPOCH_MS = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;
const INPUTS = DEMO_INPUTS;

type Op = DemoOp;

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ op: 'create' as const }) },
  { weight: 4, arbitrary: fc.integer({ min: 0, max: 6 * MINUTE }).map((ms) => ({ op: 'run' as const, ms })) },
  { weight: 1, arbitrary: fc.constant({ op: 'settle' as const }) },
  { weight: 1, arbitrary: fc.nat(5).map((which) => ({ op: 'delete-pod' as const, which })) },
  { weight: 1, arbitrary: fc.nat(5).map((which) => ({ op: 'node' as const, which })) },
);

interface Outcome { records: NewLogRecord[]; fingerprint: string; snapshot: string; delivered: number; repeated: number }

/** Plays `ops` on a full cluster; `extra` controllers join first. */
function play(ops: readonly Op[], options: WorldOptions, extra: (w: World) => Controller[] = () => []): Outcome {
  const records: NewLogRecord[] = [];
  const w = createWorld({ seed: 11, startMs: EPOCH_MS, cluster: 'full', ...options, record: (r) => records.push(structuredClone(r)) });
  for (const c of extra(w)) w.manager.addController(c);
  const created = { next: 0 };
  for (const o of ops) {
    playDemoOp(w, o, created);
  }
  w.runUntil(() => false, 2 * MINUTE);
  return { records, fingerprint: w.fingerprint(), snapshot: JSON.stringify(w.snapshot()), delivered: w.scheduler.delivered, repeated: w.repeatedQuietRounds };
}

/** Plays `ops` with quiet rounds repeated and with every round run in full (each on a world of its own, with a chooser of its own), and checks nothing tells them apart. */
function sameBothWays(ops: readonly Op[], options: () => WorldOptions, extra?: (w: World) => Controller[]): { fast: Outcome; full: Outcome } {
  const fast = play(ops, { ...options(), repeatQuietRounds: true }, extra);
  const full = play(ops, { ...options(), repeatQuietRounds: false }, extra);
  assert.is(full.repeated, 0);
  assert.is(fast.records.length, full.records.length, 'records');
  assert.equal(fast.records, full.records);
  assert.is(fast.fingerprint, full.fingerprint);
  assert.is(fast.snapshot, full.snapshot);
  assert.is(fast.delivered, full.delivered);
  return { fast, full };
}

const CHOOSERS: Record<string, () => WorldOptions> = {
  seeded: () => ({}),
  fifo: () => ({ chooser: fifoChooser() }),
  own: () => ({ chooser: seededChooser(new Random(4242)) }),
};

test('repeated quiet rounds and rounds run in full cannot be told apart (random runs, every chooser)', () => {
  let repeated = 0;
  fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 14 }), fc.constantFrom(...Object.keys(CHOOSERS)), (ops, chooser) => {
    repeated += sameBothWays(ops, CHOOSERS[chooser]!).fast.repeated;
  }), { numRuns: 25 });
  // The property is not vacuous: the runs let time pass on quiet clusters.
  assert.ok(repeated > 50, `only ${repeated} rounds were repeated`);
});

test('a long quiet stretch is repeated, not run: one round in full, the rest repeated', () => {
  const ops: Op[] = [...INPUTS.map(() => ({ op: 'create' as const })), { op: 'settle' }, { op: 'run', ms: 30 * MINUTE }];
  const { fast } = sameBothWays(ops, () => ({}));
  // 30 minutes of 15 s rounds, then the 2 minutes at the end (each `runUntil` proves its first round in full).
  assert.ok(fast.repeated >= 120 + 8 - 2 - 4, `repeated ${fast.repeated}`);
});

/** A controller that queues one item per resync and runs `sync` on it. */
function probe(name: string, sync: (key: string, queue: WorkQueue) => void, state?: { save(): unknown; load(s: unknown): void }): Controller & { bind(q: WorkQueue): void } {
  let queue: WorkQueue | undefined;
  return {
    name,
    queues: { [name]: (key: string) => sync(key, queue!) },
    bind(q) { queue = q; },
    resync(q) { queue = q; q.add(name, 'tick'); },
    ...(state ? { saveState: state.save, loadState: state.load } : {}),
  };
}

const late = (name: string, iso: string): AnyObject => prepareForCreate({
  apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', nfs: { server: 'probe', path: `/${name}` } },
} as unknown as AnyObject, iso) as AnyObject;

const QUIET_THEN_WAIT: Op[] = [...INPUTS.map(() => ({ op: 'create' as const })), { op: 'settle' }, { op: 'run', ms: 20 * MINUTE }];

test('a round in which a controller reads the clock is not repeated (its decision may depend on the time)', () => {
  const { fast } = sameBothWays(QUIET_THEN_WAIT, () => ({}), (w) => {
    const at = w.clock.now() + 10 * MINUTE;
    return [probe('probe-clock', () => {
      if (w.clock.now() >= at && !w.store.get('PersistentVolume', 'late-clock')) w.store.create('PersistentVolume', late('late-clock', w.clock.iso()));
    })];
  });
  assert.ok(fast.records.some((r) => r.type === 'PersistentVolumeCreated' && (r.data as AnyObject).metadata.name === 'late-clock'));
});

test('a round in which a controller remembers something new is not repeated', () => {
  const { fast } = sameBothWays(QUIET_THEN_WAIT, () => ({}), (w) => {
    let ticks = 0;
    return [probe('probe-memory', () => {
      if (++ticks === 60 && !w.store.get('PersistentVolume', 'late-memory')) w.store.create('PersistentVolume', late('late-memory', w.clock.iso()));
    }, { save: () => ({ ticks }), load: (s) => { ticks = (s as { ticks: number }).ticks; } })];
  });
  assert.ok(fast.records.some((r) => r.type === 'PersistentVolumeCreated' && (r.data as AnyObject).metadata.name === 'late-memory'));
});

test('a round in which a controller draws from a random stream is not repeated', () => {
  const { fast } = sameBothWays(QUIET_THEN_WAIT, () => ({}), (w) => {
    const random = w.streams.for('probe');
    return [probe('probe-random', () => {
      if (random.int(40) === 0 && !w.store.get('PersistentVolume', 'late-random')) w.store.create('PersistentVolume', late('late-random', w.clock.iso()));
    })];
  });
  assert.ok(fast.records.some((r) => r.type === 'PersistentVolumeCreated' && (r.data as AnyObject).metadata.name === 'late-random'));
});

test('a round in which a delivery queues more work is not repeated (the extra deliveries are recorded each round)', () => {
  const { fast } = sameBothWays(QUIET_THEN_WAIT, () => ({}), () => [probe('probe-chain', (key, queue) => {
    if (key === 'tick') queue.add('probe-chain', 'tock');
  })]);
  const tocks = fast.records.filter((r) => r.type === 'WorkDelivered' && (r.data as { key: string }).key === 'tock').length;
  assert.ok(tocks >= 80, `tock delivered ${tocks} times`);
});

test.run();
