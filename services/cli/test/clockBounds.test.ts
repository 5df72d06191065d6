// The clock owner's bounds (clockOwner.ts clockBounds, ADR 0026) against a model, over any sequence
// of user inputs, object changes and advances: it stops after IDLE_TIME_STEPS_MAX advances in a
// row that found the objects as they were at an advance since the last user input (only time
// moved, or a retry cycle brought them back), never earlier; a user input or a change to objects
// not seen at such an advance starts the count again; and it stops when the next timer is more
// than --settle-time after the last user input.
// The counters come only from the log (the last advance's record), so a restarted owner counts on.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import fc from 'fast-check';
import { IDLE_TIME_STEPS_MAX } from '@pvsim/world';
import { clockBounds } from '../src/clockOwner.ts';
import type { ClockHistory } from '../src/session.ts';

type Step = { kind: 'user'; gapMs: number } | { kind: 'change' } | { kind: 'back'; to: number } | { kind: 'advance'; dueInMs: number };
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('user' as const), gapMs: fc.integer({ min: 1, max: 120_000 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('change' as const) }) },
  // A process's pass put the objects back as they were at some earlier point (a retry cycle).
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('back' as const), to: fc.nat() }) },
  { weight: 6, arbitrary: fc.record({ kind: fc.constant('advance' as const), dueInMs: fc.integer({ min: 0, max: 60_000 }) }) },
);

test('clockBounds stops exactly as the model says: idle advances in a row, or --settle-time past the last user input', () => {
  fc.assert(fc.property(fc.array(step, { maxLength: 60 }), fc.integer({ min: 1_000, max: 600_000 }), (steps, settleTimeMs) => {
    let pos = 1;
    let nowMs = Date.UTC(2026, 0, 1);
    let fingerprint = 'objects-0';
    let changes = 0;
    const history: ClockHistory = { lastUserInput: { pos, time: new Date(nowMs).toISOString() }, lastAdvance: undefined, advancedAt: new Set() };
    // The model: the objects' fingerprint at each advance since the last user input, in order, and when that input was.
    let advances: string[] = [];
    let userMs = nowMs;
    const everSeen = [fingerprint];
    // Idle: the longest run of advances ending now (this one included) each of which found the
    // objects as they were at an earlier advance since the user input.
    const idleRun = (now: string): number => {
      const all = [...advances, now];
      let run = 0;
      for (let k = all.length - 1; k > 0 && all.slice(0, k).includes(all[k]!); k--) run++;
      return run;
    };
    for (const s of steps) {
      if (s.kind === 'user') {
        nowMs += s.gapMs;
        history.lastUserInput = { pos: ++pos, time: new Date(nowMs).toISOString() };
        history.advancedAt.clear();
        userMs = nowMs;
        advances = [];
      } else if (s.kind === 'change' || s.kind === 'back') {
        // A process's pass changed the objects: to new ones, or back to ones seen before.
        fingerprint = s.kind === 'change' ? `objects-${++changes}` : everSeen[s.to % everSeen.length]!;
        everSeen.push(fingerprint);
        pos++;
      } else {
        const dueMs = nowMs + s.dueInMs;
        const b = clockBounds(history, fingerprint, dueMs, settleTimeMs);
        const idle = idleRun(fingerprint);
        assert.is(b.idleAdvances, idle);
        const expected = idle >= IDLE_TIME_STEPS_MAX ? 'idle' : dueMs - userMs > settleTimeMs ? 'time' : undefined;
        assert.is(b.stop, expected);
        if (b.stop) continue;
        // What a session's fold of the appended advance remembers (session.ts note).
        history.lastAdvance = { pos: ++pos, data: { fingerprint: b.fingerprint, idleAdvances: b.idleAdvances, sinceCommandMs: b.sinceCommandMs } };
        history.advancedAt.add(b.fingerprint);
        advances.push(fingerprint);
        nowMs = dueMs;
      }
    }
  }));
});

test('clockBounds: eight advances that moved only time stop the ninth; the next user input starts again', () => {
  const t0 = Date.UTC(2026, 0, 1);
  const history: ClockHistory = { lastUserInput: { pos: 1, time: new Date(t0).toISOString() }, lastAdvance: undefined, advancedAt: new Set() };
  for (let i = 0; i < IDLE_TIME_STEPS_MAX; i++) {
    const b = clockBounds(history, 'same', t0 + (i + 1) * 1_000, 3_600_000);
    assert.is(b.stop, undefined);
    history.lastAdvance = { pos: 2 + i, data: { fingerprint: b.fingerprint, idleAdvances: b.idleAdvances } };
    history.advancedAt.add(b.fingerprint);
  }
  assert.is(clockBounds(history, 'same', t0 + 10_000, 3_600_000).stop, 'idle');
  history.lastUserInput = { pos: 100, time: new Date(t0 + 20_000).toISOString() };
  history.advancedAt.clear();
  assert.equal(clockBounds(history, 'same', t0 + 21_000, 3_600_000), { idleAdvances: 0, sinceCommandMs: 1_000, fingerprint: 'same' });
});

test('clockBounds: a retry cycle through two components (objects A, B, A, B … at the advances) stops as one retry does', () => {
  // wffc-provisioning-failure: the scheduler's PreBind selects a node (objects B), the provisioner
  // fails and removes it (objects A), each then waits on its own backoff: two quiet points a round.
  const t0 = Date.UTC(2026, 0, 1);
  const history: ClockHistory = { lastUserInput: { pos: 1, time: new Date(t0).toISOString() }, lastAdvance: undefined, advancedAt: new Set() };
  const seen: number[] = [];
  for (let i = 0; ; i++) {
    const b = clockBounds(history, i % 2 === 0 ? 'A' : 'B', t0 + (i + 1) * 1_000, 3_600_000);
    if (b.stop) { assert.is(b.stop, 'idle'); break; }
    seen.push(b.idleAdvances);
    history.lastAdvance = { pos: 2 + i, data: { fingerprint: b.fingerprint, idleAdvances: b.idleAdvances } };
    history.advancedAt.add(b.fingerprint);
  }
  assert.equal(seen, [0, 0, 1, 2, 3, 4, 5, 6, 7]);
});

test.run();
