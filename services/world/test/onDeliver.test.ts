/**
 * Design: `WorldOptions.onDeliver`, the one seam a lockstep run adds to the world (ADR 0025). For
 * any subset of the example objects, settled from any seed: the hook is told of every delivery,
 * before it — the component owning the item's queue and the item, exactly the WorkDelivered
 * records the run writes, in order — and the function it returns runs after that delivery's
 * records are written and before the next delivery begins; and a world with the hook writes the
 * same records as one without it (embedded runs are unchanged byte for byte).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { NewLogRecord } from '@pvsim/domain';
import { prepareForCreate } from '@pvsim/manifests';
import type { AnyObject, StoredKind, WorkItem } from '@pvsim/runtime';
import { DEMO_INPUTS } from './fixtures/exampleInputs.ts';
import { createWorld, type WorldOptions } from '../src/index.ts';

const EPOCH_MS = Date.UTC(2026, 0, 1);

function run(picked: number[], seed: number, onDeliver?: WorldOptions['onDeliver'], records: NewLogRecord[] = []): NewLogRecord[] {
  const w = createWorld({ seed, startMs: EPOCH_MS, cluster: 'full', record: (r) => records.push(r), ...(onDeliver ? { onDeliver } : {}) });
  const inputs = picked.map((i) => DEMO_INPUTS[i]!).sort((a, b) => Number(b.kind === 'Node') - Number(a.kind === 'Node'));
  for (const o of inputs) w.store.create(o.kind as StoredKind, prepareForCreate(structuredClone(o), w.clock.iso()) as AnyObject);
  w.settle();
  return records;
}

test('onDeliver is told of every delivery before it and called back after it; the records are those of a world without it', () => {
  fc.assert(
    fc.property(
      fc.shuffledSubarray([...DEMO_INPUTS.keys()], { minLength: 1, maxLength: 6 }),
      fc.integer({ min: 1, max: 1_000 }),
      (picked, seed) => {
        const told: { component: string; item: WorkItem; recordsBefore: number; recordsAfter?: number }[] = [];
        const records: NewLogRecord[] = [];
        const hooked = run(picked, seed, (component, item) => {
          const entry: (typeof told)[number] = { component, item: { ...item }, recordsBefore: records.length };
          assert.ok(told.every((t) => t.recordsAfter !== undefined), 'a delivery began before the previous one was called back');
          told.push(entry);
          return () => { entry.recordsAfter = records.length; };
        }, records);
        const plain = run(picked, seed);
        assert.ok(told.length > 0, 'nothing was delivered');
        // Told before: the delivery's own WorkDelivered is the next record written; called back after it.
        for (const t of told) {
          const first = hooked[t.recordsBefore]!;
          assert.equal([first.type, first.component, first.data], ['WorkDelivered', t.component, t.item]);
          assert.ok(t.recordsAfter! > t.recordsBefore);
        }
        assert.is(JSON.stringify(hooked), JSON.stringify(plain));
        const deliveries = hooked.filter((r) => r.type === 'WorkDelivered');
        assert.equal(told.map((t) => [t.component, t.item]), deliveries.map((r) => [r.component, r.data]));
      },
    ),
    { numRuns: 20 },
  );
});

test.run();
