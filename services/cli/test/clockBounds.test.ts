// The clock owner's bounds (clockOwner.ts clockBounds, ADR 0026) against a model, over any sequence
// of user inputs, object changes and advances: it stops after IDLE_TIME_STEPS_MAX advances in a
// row after which only time had moved, never earlier; a user input or a change starts the count
// again; and it stops when the next timer is more than --settle-time after the last user input.
// The counters come only from the log (the last advance's record), so a restarted owner counts on.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import fc from 'fast-check';
import { IDLE_TIME_STEPS_MAX } from '@pvsim/world';
import { clockBounds } from '../src/clockOwner.ts';
import type { ClockHistory } from '../src/session.ts';

type Step = { kind: 'user'; gapMs: number } | { kind: 'change' } | { kind: 'advance'; dueInMs: number };
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('user' as const), gapMs: fc.integer({ min: 1, max: 120_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('change' as const) }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('advance' as const), dueInMs: fc.integer({ min: 0, max: 60_000 }) }) },
);

test('clockBounds stops exactly as the model says: idle advances in a row, or --settle-time past the last user input', () => {
  fc.assert(fc.property(fc.array(step, { maxLength: 60 }), fc.integer({ min: 1_000, max: 600_000 }), (steps, settleTimeMs) => {
    let pos = 1;
    let nowMs = Date.UTC(2026, 0, 1);
    let fingerprint = 'objects-0';
    let changes = 0;
    const history: ClockHistory = { lastUserInput: { pos, time: new Date(nowMs).toISOString() }, lastAdvance: undefined };
    // The model: advances appended since the last user input or object change, and when that input was.
    let advancesSinceChange = 0;
    let userMs = nowMs;
    for (const s of steps) {
      if (s.kind === 'user') {
        nowMs += s.gapMs;
        history.lastUserInput = { pos: ++pos, time: new Date(nowMs).toISOString() };
        userMs = nowMs;
        advancesSinceChange = 0;
      } else if (s.kind === 'change') {
        // A process's pass changed the objects.
        fingerprint = `objects-${++changes}`;
        pos++;
        advancesSinceChange = 0;
      } else {
        const dueMs = nowMs + s.dueInMs;
        const b = clockBounds(history, fingerprint, dueMs, settleTimeMs);
        assert.is(b.idleAdvances, advancesSinceChange);
        const expected = advancesSinceChange >= IDLE_TIME_STEPS_MAX ? 'idle' : dueMs - userMs > settleTimeMs ? 'time' : undefined;
        assert.is(b.stop, expected);
        if (b.stop) continue;
        history.lastAdvance = { pos: ++pos, data: { fingerprint: b.fingerprint, idleAdvances: b.idleAdvances, sinceCommandMs: b.sinceCommandMs } };
        nowMs = dueMs;
        advancesSinceChange++;
      }
    }
  }));
});

test('clockBounds: eight advances that moved only time stop the ninth; the next user input starts again', () => {
  const t0 = Date.UTC(2026, 0, 1);
  const history: ClockHistory = { lastUserInput: { pos: 1, time: new Date(t0).toISOString() }, lastAdvance: undefined };
  for (let i = 0; i < IDLE_TIME_STEPS_MAX; i++) {
    const b = clockBounds(history, 'same', t0 + (i + 1) * 1_000, 3_600_000);
    assert.is(b.stop, undefined);
    history.lastAdvance = { pos: 2 + i, data: { fingerprint: b.fingerprint, idleAdvances: b.idleAdvances } };
  }
  assert.is(clockBounds(history, 'same', t0 + 10_000, 3_600_000).stop, 'idle');
  history.lastUserInput = { pos: 100, time: new Date(t0 + 20_000).toISOString() };
  assert.equal(clockBounds(history, 'same', t0 + 21_000, 3_600_000), { idleAdvances: 0, sinceCommandMs: 1_000, fingerprint: 'same' });
});

test.run();
