/**
 * The work queue and its timers: deduplicated waiting items (client-go's workqueue), one timer per
 * key that keeps the earlier due time (the delaying queue), retries marked as such, FIFO or chosen
 * order, and the pending work a command hands to the next.
 */
import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Random, RandomStreams, Scheduler, type WorkItem } from '../src/index.ts';


test('a key waits once; FIFO delivers oldest first', () => {
  const s = Scheduler.fifo();
  s.add({ queue: 'q', key: 'a' });
  s.add({ queue: 'q', key: 'b' });
  s.add({ queue: 'q', key: 'a' });
  assert.is(s.size, 2);
  assert.equal([s.next(), s.next(), s.next()], [{ queue: 'q', key: 'a' }, { queue: 'q', key: 'b' }, undefined]);
});

test('the chooser is asked for every delivery, even of a single waiting item (a recorded run stays aligned)', () => {
  const asked: number[] = [];
  const s = new Scheduler((waiting) => { asked.push(waiting.length); return 0; });
  s.add({ queue: 'q', key: 'a' });
  s.next();
  assert.equal(asked, [1]);
});

test('take removes one particular waiting item', () => {
  const s = Scheduler.fifo();
  for (const key of ['a', 'b', 'c']) s.add({ queue: 'q', key });
  assert.equal(s.take({ queue: 'q', key: 'b' }), { queue: 'q', key: 'b' });
  assert.is(s.take({ queue: 'q', key: 'b' }), undefined);
  assert.equal(s.waitingItems.map((w) => w.key), ['a', 'c']);
});

test('one timer per key: the earlier due time wins; release moves due items to the waiting ones', () => {
  const s = Scheduler.fifo();
  s.addAt({ queue: 'q', key: 'a' }, 5_000, true);
  s.addAt({ queue: 'q', key: 'a' }, 9_000, true);
  s.addAt({ queue: 'q', key: 'a' }, 2_000, true);
  s.addAt({ queue: 'q', key: 'b' }, 3_000);
  assert.is(s.delayed, 2);
  assert.is(s.nextDue(), 2_000);
  assert.ok(s.nextDueIsRetry());
  assert.not.ok(s.onlyRetriesDelayed());
  assert.is(s.releaseDue(2_000), 1);
  assert.equal(s.next(), { queue: 'q', key: 'a' });
  assert.not.ok(s.nextDueIsRetry());
  // Released, the key can be delayed again.
  s.addAt({ queue: 'q', key: 'a' }, 10_000, true);
  assert.is(s.delayed, 2);
});

test('pending work round-trips, retry marks included; clear forgets everything', () => {
  const s = Scheduler.fifo();
  s.add({ queue: 'q', key: 'w' });
  s.addAt({ queue: 'q', key: 'r' }, 1_000, true);
  s.addAt({ queue: 'q', key: 't' }, 2_000);
  const work = s.pendingWork();
  const copy = Scheduler.fifo();
  copy.restorePendingWork(JSON.parse(JSON.stringify(work)));
  assert.equal(copy.pendingWork(), work);
  copy.clear();
  assert.equal(copy.pendingWork(), { waiting: [], delayed: [] });
});

test('random streams: one per label, independent, and their state continues a fork exactly', () => {
  const a = new RandomStreams(42);
  const uids = a.for('uids').uuid();
  const draws = [a.for('delivery').int(1000), a.for('delivery').int(1000)];
  const b = new RandomStreams(42);
  b.for('delivery').int(1000);
  b.for('delivery').int(1000);
  assert.is(b.for('uids').uuid(), uids, 'draws in one stream do not move another');
  const fork = RandomStreams.fromState(42, a.state());
  assert.is(fork.for('delivery').int(1000), a.for('delivery').int(1000));
  const c = new RandomStreams(42);
  c.load(JSON.parse(JSON.stringify(b.state())));
  assert.is(c.for('uids').uuid(), b.for('uids').uuid());
  assert.equal(draws.length, 2);
  const r = new Random(3);
  const st = r.state();
  const x = r.int(100);
  r.load(st);
  assert.is(r.int(100), x);
});

/** A stand-in for the world's item hash: any function of the item alone. */
function itemHash(item: WorkItem): [number, number] {
  let h = 0x811c9dc5;
  for (const c of `${item.queue} ${item.key}`) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  return [h, Math.imul(h, 0x9e3779b1) >>> 0];
}

function sumOf(items: readonly WorkItem[]): [number, number] {
  let hi = 0;
  let lo = 0;
  for (const item of items) { const [h, l] = itemHash(item); hi = (hi + h) >>> 0; lo = (lo + l) >>> 0; }
  return [hi, lo];
}

const operation = fc.oneof(
  fc.record({ op: fc.constant('add' as const), queue: fc.constantFrom('claims', 'volumes'), key: fc.constantFrom('a', 'b', 'c', 'd', 'ns/e') }),
  fc.record({ op: fc.constant('next' as const) }),
  fc.record({ op: fc.constant('take' as const), queue: fc.constantFrom('claims', 'volumes'), key: fc.constantFrom('a', 'b', 'c', 'd', 'ns/e') }),
  fc.record({ op: fc.constant('clear' as const) }),
  fc.record({ op: fc.constant('each' as const), keys: fc.uniqueArray(fc.constantFrom('a', 'b', 'c'), { maxLength: 3 }), read: fc.boolean() }),
  fc.record({ op: fc.constant('read' as const) }),
);

test('the waiting hash, kept from its first read on, is the sum over the waiting items; a key waits once, and again once taken', () => {
  fc.assert(fc.property(fc.array(operation, { maxLength: 60 }), fc.integer({ min: 0, max: 1000 }), (ops, seed) => {
    const random = new Random(seed);
    const s = new Scheduler((waiting) => random.int(waiting.length));
    s.itemHash = itemHash;
    const waiting = new Set<string>();
    for (const o of ops) {
      if (o.op === 'add') {
        s.add({ queue: o.queue, key: o.key });
        waiting.add(`${o.queue} ${o.key}`);
      } else if (o.op === 'next') {
        const item = s.next();
        if (item) waiting.delete(`${item.queue} ${item.key}`);
      } else if (o.op === 'take') {
        s.take({ queue: o.queue, key: o.key });
        waiting.delete(`${o.queue} ${o.key}`);
      } else if (o.op === 'clear') {
        s.clear();
        waiting.clear();
      } else if (o.op === 'each') {
        if (s.size > 0) continue;
        // A fingerprint read within a quiet round's repetition sees the round's items in no sum.
        s.takeEach(o.keys.map((key) => ({ queue: 'claims', key })), () => { if (o.read) assert.equal(s.waitingHash, [0, 0]); });
      } else {
        assert.equal(s.waitingHash, sumOf(s.waitingItems));
      }
      assert.is(s.size, waiting.size);
      for (const queue of ['claims', 'volumes']) {
        for (const key of ['a', 'b', 'c', 'd', 'ns/e']) assert.is(s.has({ queue, key }), waiting.has(`${queue} ${key}`));
      }
    }
    assert.equal(s.waitingHash, sumOf(s.waitingItems));
  }));
});

test.run();
