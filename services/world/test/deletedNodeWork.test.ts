/**
 * Design: a world built after `delete node/N` (a CLI command, a distributed component process,
 * a restored snapshot) has no kubelet for N — it joins per Node object — while the work the
 * previous process left (the log's `WorkPending`) may still name `kubelet/N`. As in Kubernetes, a
 * kubelet of a deleted node does nothing more: its items are dropped when the work is taken back,
 * never delivered (delivering one threw `unknown work queue kubelet/N`, issue 8, the distributed
 * node-failure/node-deleted scenario).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { prepareForCreate } from '@pvsim/manifests';
import type { AnyObject, StoredKind } from '@pvsim/runtime';
import { checkAll } from '@pvsim/invariants';
import { objectsOf } from './fixtures/exampleInputs.ts';
import { createWorld, type World } from '../src/index.ts';

const EPOCH_MS = Date.UTC(2026, 0, 1);
const SEED = 7;

/** A world with the example's nodes and app created, nothing delivered yet. */
function withWaitingWork(): World {
  const w = createWorld({ seed: SEED, startMs: EPOCH_MS, cluster: 'full' });
  for (const o of objectsOf('node-failure/01-nodes.yaml', 'node-failure/02-app.yaml')) {
    w.store.create(o.kind as StoredKind, prepareForCreate(structuredClone(o), w.clock.iso()) as AnyObject);
  }
  return w;
}

test('work of the kubelet of a node deleted before the work was taken back is dropped, never delivered', () => {
  const before = withWaitingWork();
  assert.ok(before.waitingWorkOf('kubelet/node-1') !== undefined, 'kubelet/node-1 has waiting work');
  before.store.delete('Node', 'node-1');
  const work = before.scheduler.pendingWork();
  assert.ok(work.waiting.some((i) => i.queue === 'kubelet/node-1'), 'the work handed over names kubelet/node-1');

  // The next process: the objects as the log has them, then the work the previous one left.
  const after = createWorld({ seed: SEED, startMs: EPOCH_MS, cluster: 'full' });
  after.store.load(before.store.dump());
  after.relist();
  after.restorePendingWork(work);

  assert.not.ok(after.manager.controllers.some((c) => c.name === 'kubelet/node-1'), 'no kubelet joins for a deleted node');
  // What the kubelet process of the deleted node asks for (it threw `unknown work queue kubelet/node-1`).
  let delivered = -1;
  assert.not.throws(() => { delivered = after.drainComponent('kubelet/node-1'); });
  assert.is(delivered, 0);
  assert.is(after.waitingWorkOf('kubelet/node-1'), undefined);
  const others = work.waiting.filter((i) => i.queue !== 'kubelet/node-1').map((i) => `${i.queue} ${i.key}`);
  const waiting = new Set(after.scheduler.waitingItems.map((i) => `${i.queue} ${i.key}`));
  for (const item of others) assert.ok(waiting.has(item), `${item} still waits`);
  assert.not.ok(after.scheduler.waitingItems.some((i) => i.queue === 'kubelet/node-1'));

  assert.not.throws(() => after.settle());
  assert.equal(checkAll(after.store, { phase: 'safety' }), []);
});

test('a world restored from a snapshot taken after the node was deleted drops that kubelet\'s work too', () => {
  const before = withWaitingWork();
  before.store.delete('Node', 'node-1');
  const snap = before.snapshot();
  assert.ok(snap.work.waiting.some((i) => i.queue === 'kubelet/node-1'));
  const after = createWorld({ seed: SEED, startMs: EPOCH_MS, cluster: 'full' });
  after.restore(snap);
  assert.is(after.waitingWorkOf('kubelet/node-1'), undefined);
  assert.not.throws(() => after.settle());
  assert.equal(checkAll(after.store, { phase: 'safety' }), []);
});

test.run();
