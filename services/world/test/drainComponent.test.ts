/**
 * Design: `World.drainComponent` — what a component process of a distributed run does with the
 * work a command left (ADR 0019) — delivers that component's work and nobody else's: every
 * delivery it records is stamped with the component, none of its work waits afterwards, every
 * other component's waiting item is still waiting, simulated time does not move, and the cluster
 * the rest of the components then settle is as safe as one settled in-process. For any subset of
 * the example objects created without settling (`apply --wait=false`), in any order.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { NewLogRecord } from '@pvsim/domain';
import { prepareForCreate } from '@pvsim/manifests';
import type { AnyObject, StoredKind } from '@pvsim/runtime';
import { checkAll } from '@pvsim/invariants';
import { DEMO_INPUTS } from './fixtures/exampleInputs.ts';
import { createWorld } from '../src/index.ts';

const EPOCH_MS = Date.UTC(2026, 0, 1);
const COMPONENTS = ['pv-controller', 'pvc-protection', 'pv-protection'] as const;

test('drainComponent delivers one component\'s work only, leaves the rest waiting, and does not move time', () => {
  fc.assert(
    fc.property(
      fc.shuffledSubarray([...DEMO_INPUTS.keys()], { minLength: 1 }),
      fc.constantFrom(...COMPONENTS),
      fc.integer({ min: 1, max: 1_000 }),
      (picked, component, seed) => {
        const records: NewLogRecord[] = [];
        const w = createWorld({ seed, startMs: EPOCH_MS, cluster: 'full', record: (r) => records.push(r) });
        // Nodes first (pods need them), then the picked objects in the picked order, nothing settled.
        const inputs = picked.map((i) => DEMO_INPUTS[i]!).sort((a, b) => Number(b.kind === 'Node') - Number(a.kind === 'Node'));
        for (const o of inputs) w.store.create(o.kind as StoredKind, prepareForCreate(structuredClone(o), w.clock.iso()) as AnyObject);
        const owner = (queue: string) => w.manager.ownerOf(queue) ?? queue;
        const othersBefore = w.scheduler.waitingItems.filter((item) => owner(item.queue) !== component).map((item) => `${item.queue} ${item.key}`);
        const now = w.clock.now();
        const from = records.length;
        const delivered = w.drainComponent(component);

        const deliveries = records.slice(from).filter((r) => r.type === 'WorkDelivered');
        assert.is(deliveries.length, delivered);
        for (const r of deliveries) assert.is(r.component, component, JSON.stringify(r));
        assert.not.ok(w.scheduler.waitingItems.some((item) => owner(item.queue) === component), 'none of its work waits');
        const waitingAfter = new Set(w.scheduler.waitingItems.map((item) => `${item.queue} ${item.key}`));
        for (const item of othersBefore) assert.ok(waitingAfter.has(item), `${item} still waits`);
        assert.is(w.clock.now(), now);

        w.settle();
        assert.equal(checkAll(w.store, { phase: 'safety' }), []);
      },
    ),
    { numRuns: 25 },
  );
});

test.run();
