// The synchronous bridge's protocol (syncBridge.ts ↔ natsWorker.mjs, ADR 0025 consequence of
// 2026-12-03): a call takes no answer but its own. Before, the caller took whatever answer was on
// the port when the flag rang; a worker's notify for an earlier answer could ring during the next
// call, which then gave up ("signalled but no answer") and left its own answer on the port for the
// call after it — a lockstep replica's `read` got a `nextRequest`'s answer ("stored is not
// iterable") and the grant in it was lost.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { MessageChannel } from 'node:worker_threads';
import { NatsCallError, awaitAnswer, callSync } from '../src/syncBridge.ts';
import type { BridgeAnswer } from '../src/bridgeProtocol.ts';

/** A worker played on this thread: posts an answer, then writes its number to the flag (as natsWorker.mjs does). */
function fakeWorker() {
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  const answer = (call: number, value: unknown): void => {
    port2.postMessage({ call, ok: true, value } satisfies BridgeAnswer);
    Atomics.store(flag, 0, call);
  };
  const close = (): void => { port1.close(); port2.close(); };
  return { port: port1, flag, answer, close };
}

test('an answer to an earlier call left on the port is dropped; the call gets its own', () => {
  const w = fakeWorker();
  w.answer(1, { id: 7, subject: 's', data: 'grant' });
  w.answer(2, [{ seq: 1, subject: 's', line: 'x' }]);
  assert.equal(awaitAnswer(w.port, w.flag, 2, 1_000), { ok: true, value: [{ seq: 1, subject: 's', line: 'x' }] });
  w.close();
});

test('a flag rung by an earlier call is not an answer: the call waits out its deadline, then its late answer is not taken by the next', () => {
  const w = fakeWorker();
  // Call 1's answer came and was taken; call 2 finds the flag at 1 and nothing of its own.
  Atomics.store(w.flag, 0, 1);
  assert.is(awaitAnswer(w.port, w.flag, 2, 5), undefined);
  // Call 2's answer arrives late, after it gave up; call 3 must not return it.
  w.answer(2, { id: 8, subject: 's', data: 'late' });
  assert.is(awaitAnswer(w.port, w.flag, 3, 5), undefined);
  w.answer(3, []);
  assert.equal(awaitAnswer(w.port, w.flag, 3, 1_000), { ok: true, value: [] });
  w.close();
});

test('the flag at the call\'s number with no answer on the port is a bridge error, not a hang', () => {
  const w = fakeWorker();
  Atomics.store(w.flag, 0, 4);
  assert.throws(() => awaitAnswer(w.port, w.flag, 4, 1_000), (e: unknown) => e instanceof NatsCallError && e.code === 'Bridge');
  w.close();
});

test('the real worker: calls that time out leave late answers, and every later call gets its own', () => {
  // A pause of 200 ms with a deadline of 1 ms times out; its answer (null) comes while or before
  // the pings run. Whatever the interleaving, each ping returns its own echo.
  assert.throws(() => callSync({ op: 'pause', ms: 200 }, 1), (e: unknown) => e instanceof NatsCallError && e.code === 'Timeout');
  for (let i = 0; i < 50; i++) {
    try {
      callSync({ op: 'pause', ms: i % 5 }, i % 3);
    } catch (e) {
      assert.ok(e instanceof NatsCallError && e.code === 'Timeout', String(e));
    }
    assert.is(callSync({ op: 'ping', echo: `ping ${i}` }, 60_000), `ping ${i}`);
  }
});

test.run();
