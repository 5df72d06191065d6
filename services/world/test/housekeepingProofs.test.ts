/**
 * Design: a kubelet's housekeeping pass proven to do nothing again is skipped (kubelet.ts
 * `HousekeepingProofs`), within a world and in the next world over the same API server (a
 * replay's world per input, `relistFrom`). The promise is that nothing can tell: the same records,
 * fingerprint, snapshot (objects, work, random streams, what each kubelet remembers) and count of
 * deliveries as running every pass (`proveHousekeeping: false`) — over random runs of the full
 * cluster in a chain of worlds, each continuing the last as a CLI session does: objects created,
 * pods deleted (some forced, past the kubelet), nodes going down and up, time let run.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { NewLogRecord } from '@pvsim/domain';
import { DEMO_INPUTS, playDemoOp, type DemoOp } from './fixtures/exampleInputs.ts';
import { createWorld, type World, type WorldOptions } from '../src/index.ts';

const EPOCH_MS = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

type Op = DemoOp | { op: 'next-world' };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ op: 'create' as const }) },
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 3 * MINUTE }).map((ms) => ({ op: 'run' as const, ms })) },
  { weight: 1, arbitrary: fc.record({ which: fc.nat(5), force: fc.boolean() }).map((o) => ({ op: 'delete-pod' as const, ...o })) },
  { weight: 1, arbitrary: fc.nat(5).map((which) => ({ op: 'node' as const, which })) },
  { weight: 4, arbitrary: fc.constant({ op: 'next-world' as const }) },
);

interface Outcome { records: NewLogRecord[]; fingerprint: string; snapshot: string; delivered: number; skipped: number }

/** Plays `ops` on a chain of worlds, each new one adopting the last one's API server as a CLI session does (ADR 0008). */
function play(ops: readonly Op[], options: WorldOptions): Outcome {
  const records: NewLogRecord[] = [];
  let worlds = 0;
  let skipped = 0;
  let delivered = 0;
  const make = (previous?: World): World => {
    const w = createWorld({ seed: 7 + worlds++, startMs: EPOCH_MS, cluster: 'full', ...options, record: (r) => records.push(structuredClone(r)) });
    if (previous) {
      w.store.adopt(previous.store);
      w.clock.set(previous.clock.now());
      w.relistFrom(previous);
      w.scheduler.restorePendingWork(previous.scheduler.pendingWork());
      skipped += previous.housekeepingProofs.skipped;
      delivered += previous.scheduler.delivered;
    } else {
      w.relist();
    }
    return w;
  };
  let w = make();
  const created = { next: 0 };
  for (const o of ops) {
    if (o.op === 'next-world') { w.drain(); w = make(w); w.drain(); } else playDemoOp(w, o, created);
  }
  w.runUntil(() => false, MINUTE);
  return { records, fingerprint: w.fingerprint(), snapshot: JSON.stringify(w.snapshot()), delivered: delivered + w.scheduler.delivered, skipped: skipped + w.housekeepingProofs.skipped };
}

test('skipped housekeeping passes and passes run in full cannot be told apart (random runs over a chain of worlds)', () => {
  let skipped = 0;
  fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 16 }), (ops) => {
    const fast = play(ops, {});
    const full = play(ops, { proveHousekeeping: false });
    assert.is(full.skipped, 0);
    assert.is(fast.records.length, full.records.length, 'records');
    assert.equal(fast.records, full.records);
    assert.is(fast.fingerprint, full.fingerprint);
    assert.is(fast.snapshot, full.snapshot);
    assert.is(fast.delivered, full.delivered);
    skipped += fast.skipped;
  }), { numRuns: 25 });
  // Not vacuous: new worlds and quiet stretches leave passes to skip.
  assert.ok(skipped > 50, `only ${skipped} passes were skipped`);
});

test('a pod deleted past its kubelet after a proven pass is still cleaned up: the proof does not outlive a change', () => {
  const all = DEMO_INPUTS.map(() => ({ op: 'create' as const }));
  const ops: Op[] = [...all, { op: 'run', ms: 2 * MINUTE }, { op: 'next-world' }, { op: 'run', ms: MINUTE }, { op: 'next-world' },
    { op: 'delete-pod', which: 0, force: true }, { op: 'run', ms: 2 * MINUTE }, { op: 'next-world' }, { op: 'run', ms: MINUTE }];
  const fast = play(ops, {});
  const full = play(ops, { proveHousekeeping: false });
  assert.ok(fast.skipped > 0);
  // The kubelet's clean-up of the forced pod's volume is in the records.
  const gone = full.records.findIndex((r) => r.type === 'PodDeleted');
  assert.ok(gone > 0 && full.records.slice(gone).some((r) => r.type === 'CSIVolumeUpdated' && r.component?.startsWith('kubelet/')), 'no clean-up after the forced deletion');
  assert.equal(fast.records, full.records);
  assert.is(fast.snapshot, full.snapshot);
});

test('a pass is keyed to what it reads: a write elsewhere leaves every proof standing, a change of one node re-runs that node\'s pass only', () => {
  const records: NewLogRecord[] = [];
  const w = createWorld({ seed: 3, startMs: EPOCH_MS, cluster: 'full', record: (r) => records.push(r) });
  w.relist();
  const created = { next: 0 };
  for (const _ of DEMO_INPUTS) playDemoOp(w, { op: 'create' }, created);
  w.runUntil(() => false, 2 * MINUTE);
  const nodes = w.store.list('Node').map((n) => n.metadata.name);
  assert.ok(nodes.length >= 2);
  /** One resync round from now: each kubelet's housekeeping pass, and how many of them ran. */
  const round = (): { passes: number; ran: number } => {
    const from = records.length;
    const skipped = w.housekeepingProofs.skipped;
    w.step({ type: 'resync', atMs: w.clock.now() + w.resyncPeriodMs });
    w.drain();
    const passes = records.slice(from).filter((r) => r.type === 'WorkDelivered' && (r.data as { key: string }).key === '*' && r.component?.startsWith('kubelet/')).length;
    return { passes, ran: passes - (w.housekeepingProofs.skipped - skipped) };
  };
  round();
  assert.is(round().ran, 0, 'a quiet round runs no pass');
  // An event, and a claim no pod uses: the store changed, but nothing a pass reads.
  w.store.event(w.store.get('Node', nodes[0]!)!, 'Normal', 'Test', 'something happened', 'test');
  const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'unused', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'none', resources: { requests: { storage: '1Gi' } } } };
  w.store.create('PersistentVolumeClaim', claim as never);
  w.drain();
  const after = round();
  assert.is(after.passes, nodes.length);
  assert.is(after.ran, 0, 'a write no pass reads re-ran a pass');
  // One node's labels change: its kubelet's pass (which read the Node) runs again, no other.
  const target = w.store.get('Node', nodes[1]!)!;
  w.store.update('Node', { ...target, metadata: { ...target.metadata, labels: { ...(target.metadata['labels'] as object), team: 'x' } } } as never);
  w.drain();
  assert.is(round().ran, 1);
});

test('no pass is skipped when informers lag or the option is off', () => {
  const ops: Op[] = [...DEMO_INPUTS.map(() => ({ op: 'create' as const })), { op: 'run', ms: 2 * MINUTE }, { op: 'next-world' }, { op: 'run', ms: MINUTE }];
  assert.ok(play(ops, {}).skipped > 0);
  assert.is(play(ops, { informerLag: true }).skipped, 0);
  assert.is(play(ops, { proveHousekeeping: false }).skipped, 0);
});

test.run();
