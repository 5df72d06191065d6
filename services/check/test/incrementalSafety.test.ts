/**
 * Safety judged from the parent state's judgement (incrementalSafety.ts, ADR 0033) is only worth
 * having if it is firstViolation's verdict, always. On random walks — the example objects created
 * and deleted in a random order, random deliveries, watch events, timers, and (when asked) faults,
 * crashes and nodes going down, with lagging informers or not — every state is judged both ways
 * and compared. The library's properties hold on every state of a correct cluster, so properties of
 * the test's own that fail on some states and hold on others (written the same way: over the
 * store's objects) prove that a judgement carried over is right; and every property not run again
 * is run anyway: it holds, and reads the kinds it was recorded to read.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Random, type AnyObject, type StoredKind } from '@pvsim/runtime';
import { FAULT_KINDS, createWorld, fifoChooser, type Action, type World } from '@pvsim/world';
import { SAFETY, firstViolation, type Property } from '../src/properties.ts';
import { judgeSafety, type SafetyMemo } from '../src/incrementalSafety.ts';
import { inputsOf } from './fixtures/inputs.ts';

const CREATES = inputsOf('access-modes/01-nodes.yaml', 'lecture/dynamic-disk/01-storageclass.yaml', 'lecture/dynamic-disk/02-pvc.yaml',
  'lecture/dynamic-disk/03-pod.yaml', 'static/01-volumes.yaml', 'static/02-claims.yaml');
const DELETES: [StoredKind, string][] = [['Pod', 'default/disk-pod'], ['PersistentVolumeClaim', 'default/disk-pvc']];

const list = (w: World, kind: StoredKind) => w.store.list(kind);
const status = (o: AnyObject) => (o['status'] ?? {}) as Record<string, unknown>;

/** Properties over the store that fail on some states: each problem names what it saw, so a stale verdict shows. */
const SOMETIMES: Property[] = [
  { name: 'no-pending-claim', kind: 'safety', storeOnly: true, check: (w) => list(w, 'PersistentVolumeClaim').filter((c) => status(c)['phase'] === 'Pending').map((c) => `claim ${c.metadata.name} Pending`) },
  { name: 'no-scheduled-pod', kind: 'safety', storeOnly: true, check: (w) => list(w, 'Pod').filter((p) => (p['spec'] as { nodeName?: string }).nodeName).map((p) => `pod ${p.metadata.name} scheduled`) },
  { name: 'no-attachment', kind: 'safety', storeOnly: true, check: (w) => list(w, 'VolumeAttachment').filter((va) => status(va)['attached'] === true).map((va) => `attachment ${va.metadata.name}`) },
  { name: 'disk-pvc-unbound', kind: 'safety', storeOnly: true, check: (w) => {
    const c = w.store.get('PersistentVolumeClaim', 'default/disk-pvc');
    return c && status(c)['phase'] === 'Bound' ? ['disk-pvc Bound'] : [];
  } },
  { name: 'few-events', kind: 'safety', storeOnly: true, check: (w) => (list(w, 'Event').length > 6 ? [`${list(w, 'Event').length} events`] : []) },
  { name: 'no-node-down', kind: 'safety', storeOnly: true, check: (w) => list(w, 'Node').filter((n) => (n.metadata['annotations'] as Record<string, string> | undefined)?.['pvsim.dev/node-down'] === 'true').map((n) => `node ${n.metadata.name} down`) },
];

const counts = { states: 0, carried: 0, violations: 0 };

function walk(seed: number, faults: boolean, informerLag: boolean, order: boolean, steps: number): void {
  const w = createWorld({
    seed, startMs: Date.UTC(2026, 0, 1), cluster: 'full', chooser: fifoChooser(), informerLag,
    ...(faults ? { explore: { faults: FAULT_KINDS, crash: true, nodes: true } } : {}),
  });
  // The library's first or the test's first: a violation stops firstViolation at different places.
  const properties = order ? [...SAFETY, ...SOMETIMES] : [...SOMETIMES, ...SAFETY];
  const r = new Random(seed);
  const inputs = [...CREATES.map((c) => () => c.apply(w)), ...DELETES.map(([kind, key]) => () => { if (w.store.get(kind, key)) w.store.delete(kind, key); })];
  let next = 0;
  let memo: SafetyMemo | undefined;
  // Each property judged alone too: in the list, the first that fails hides the ones after it.
  const alone: (SafetyMemo | undefined)[] = properties.map(() => undefined);
  for (let i = 0; i < steps; i++) {
    const written = new Set<string>();
    w.store.writtenKinds = written;
    try {
      const enabled = w.enabled();
      const moving = enabled.filter((a: Action) => a.type === 'deliver' || a.type === 'watch' || a.type === 'timer');
      if (next < inputs.length && (r.int(8) === 0 || moving.length === 0)) inputs[next++]!();
      else {
        const pool = moving.length > 0 && r.int(5) > 0 ? moving : enabled;
        w.step(pool[r.int(pool.length)]!, true);
      }
    } catch (e) {
      // An armed API fault may fail the user's write as it fails a controller's: the input is lost.
      if (!(e instanceof Error) || !/injected fault|Conflict|cannot be fulfilled/.test(e.message)) throw e;
    } finally {
      w.store.writtenKinds = undefined;
    }
    const judged = judgeSafety(w, properties, memo, written);
    const full = firstViolation(w, properties);
    assert.equal(judged.violation, full, `seed ${seed}, step ${i}: the verdict`);
    counts.states++;
    memo = judged.memo;
    for (const [j, p] of properties.entries()) {
      const before = alone[j];
      const one = judgeSafety(w, [p], before, written);
      const problems = p.check(w);
      assert.equal(one.violation?.message, problems[0], `seed ${seed}, step ${i}: ${p.name} alone`);
      if (problems.length > 0) counts.violations++;
      alone[j] = one.memo;
      const carried = before?.[0];
      if (carried === undefined || one.memo[0] !== carried) continue;
      counts.carried++;
      // Not run again: it holds here, and reads the kinds it read where it was last run.
      assert.equal(problems, [], `seed ${seed}, step ${i}: ${p.name} carried over`);
      assert.equal([...judgeSafety(w, [p]).memo[0]!].sort(), [...carried].sort(), `seed ${seed}, step ${i}: ${p.name} reads`);
    }
  }
}

test('judged from the parent, the verdict is firstViolation\'s on every state of random walks', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 1_000_000 }), fc.boolean(), fc.boolean(), fc.boolean(), fc.integer({ min: 30, max: 160 }),
    (seed, faults, lag, order, steps) => walk(seed, faults, lag, order, steps)), { numRuns: 40 });
  // Not vacuous: judgements were carried over, and the test's properties failed on some states.
  assert.ok(counts.carried > counts.states * 4, `${JSON.stringify(counts)}`);
  assert.ok(counts.violations > counts.states, `${JSON.stringify(counts)}`);
  if (process.env.COUNTS) console.log(counts);
});

test('a property that may read beyond the store is run on every state', () => {
  let runs = 0;
  const beyond: Property = { name: 'beyond', kind: 'safety', check: () => { runs++; return []; } };
  const w = createWorld({ seed: 1, startMs: Date.UTC(2026, 0, 1), cluster: 'full', chooser: fifoChooser() });
  const first = judgeSafety(w, [beyond]);
  judgeSafety(w, [beyond], first.memo, new Set());
  assert.is(runs, 2);
  assert.equal(first.memo, [undefined]);
});

test.run();
