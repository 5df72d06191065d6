/**
 * Design: a tracked collection's writes move its owner's state version (what the world's
 * fingerprint relies on to skip a component whose memory did not change); reads do not.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LatencyGate, StateVersion, TrackedMap, TrackedSet } from '../src/index.ts';

test('a TrackedMap counts set, a delete that deleted and a clear of something; reads count nothing', () => {
  const v = new StateVersion();
  const m = new TrackedMap<string, number>(v);
  m.set('a', 1);
  assert.is(v.value, 1);
  m.set('a', 2);
  assert.is(v.value, 2);
  m.get('a'); m.has('a'); [...m]; m.forEach(() => {});
  assert.is(v.value, 2);
  assert.is(m.delete('b'), false);
  assert.is(v.value, 2);
  assert.is(m.delete('a'), true);
  assert.is(v.value, 3);
  m.clear();
  assert.is(v.value, 3);
  m.set('c', 3);
  m.clear();
  assert.is(v.value, 5);
  assert.is(m.size, 0);
  assert.ok(m instanceof Map);
});

test('a TrackedSet counts an add of something new, a delete that deleted and a clear of something', () => {
  const v = new StateVersion();
  const s = new TrackedSet<string>(v);
  s.add('a');
  s.add('a');
  assert.is(v.value, 1);
  s.has('a'); [...s];
  assert.is(s.delete('x'), false);
  assert.is(v.value, 1);
  s.add('b');
  assert.is(s.delete('b'), true);
  assert.is(v.value, 3);
  s.clear();
  s.clear();
  assert.is(v.value, 4);
  assert.equal([...s], []);
});

test("a LatencyGate moves its owner's version when it schedules, matures, uses, forgets or loads a call", () => {
  const v = new StateVersion();
  const queued: string[] = [];
  const gate = new LatencyGate({ add: () => {}, addAfter: (_q, key) => queued.push(key) }, 'q', v);
  assert.is(gate.ready('k', 'op', () => 0), true);
  assert.is(v.value, 0);
  assert.is(gate.ready('k', 'op', () => 5), false);
  const scheduled = v.value;
  assert.ok(scheduled > 0);
  assert.is(gate.arrive(queued[0]!), 'k');
  const matured = v.value;
  assert.ok(matured > scheduled);
  assert.is(gate.ready('k', 'op', () => 5), true);
  assert.ok(v.value > matured);
  const before = v.value;
  gate.load('owner', { scheduled: ['k#x'], matured: [] });
  assert.ok(v.value > before);
});

test('StateVersion.changes moves with every change of any version, and only then', () => {
  const a = new StateVersion();
  const m = new TrackedMap<string, number>(new StateVersion());
  const start = StateVersion.changes;
  m.get('x');
  assert.is(StateVersion.changes, start);
  a.touch();
  assert.is(StateVersion.changes, start + 1);
  m.set('x', 1);
  m.delete('y');
  assert.is(StateVersion.changes, start + 2);
});

test.run();
