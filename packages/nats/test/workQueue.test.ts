// Exploration over workers (ADR 0014) against a real nats-server: tasks go to the workers'
// one queue and every result comes back once; a task a worker took and never acked (it died) is
// redelivered to another worker after the ack wait; a gather with no worker says what is missing.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { GatherTimeoutError, RESULT_STREAM, TASK_STREAM, WORKER_CONSUMER, WorkQueue, startNatsServer } from '../src/index.ts';

const server = await startNatsServer();
process.on('exit', () => void server.stop());
const ACK_WAIT_MS = 400;

test('processes opening the queue at once on a server without its streams all open it (the create race)', async () => {
  // A sim --nats and its worker start together; 2.9 refuses the loser of the stream create as
  // "already in use" or as "subjects overlap with an existing stream" (the winner's).
  const own = await startNatsServer();
  try {
    for (let round = 0; round < 5; round++) {
      const queues = await Promise.all(Array.from({ length: 4 }, () => WorkQueue.open({ servers: own.url })));
      const jsm = await jetstreamManager(queues[0]!.nc);
      assert.is((await jsm.streams.info(TASK_STREAM)).config.name, TASK_STREAM);
      await jsm.streams.delete(TASK_STREAM);
      await jsm.streams.delete(RESULT_STREAM);
      await Promise.all(queues.map((q) => q.close()));
    }
  } finally {
    await own.stop();
  }
});

test('two workers share a job; each task has one result; a resubmitted task is queued once', async () => {
  const coordinator = await WorkQueue.open({ servers: server.url });
  const a = await WorkQueue.open({ servers: server.url });
  const b = await WorkQueue.open({ servers: server.url });
  let stop = false;
  try {
    const tasks = Array.from({ length: 20 }, (_, i) => ({ task: String(i), data: i }));
    await coordinator.submit('double', tasks);
    await coordinator.submit('double', tasks.slice(0, 5));
    // Deduplicated on the way in: the stream stored 20 tasks, not 25 (read from the server, so a
    // redelivery after a short ack wait on a loaded machine, which runs a task twice, cannot blur it).
    assert.is((await jetstreamManager(coordinator.nc).then((m) => m.streams.info(TASK_STREAM))).state.last_seq, 20, 'the 5 resubmitted tasks were deduplicated by their message ids');
    const served = [a, b].map((q, k) => q.serve<number, number>(`w${k}`, (t) => t.data * 2, { ackWaitMs: ACK_WAIT_MS, stopped: () => stop }));
    const results = await coordinator.gather<number>('double', tasks.map((t) => t.task), 20_000);
    stop = true;
    const done = (await Promise.all(served)).reduce((x, y) => x + y, 0);
    assert.equal([...results.values()].map((r) => (r.ok ? r.value : NaN)).sort((x, y) => x - y), tasks.map((t) => t.data * 2));
    // At least once: every task ran; more only where an ack wait ran out (redelivery), never fewer.
    assert.ok(done >= 20, `${done} tasks done`);
  } finally {
    stop = true;
    for (const q of [coordinator, a, b]) await q.close();
  }
});

test('a task taken by a worker that dies before acking is redelivered and done by another', async () => {
  const coordinator = await WorkQueue.open({ servers: server.url });
  await coordinator.submit('dying', [{ task: 'only', data: 7 }]);
  // The dying worker: takes the task over its own connection and goes away without an ack.
  const dying = await WorkQueue.open({ servers: server.url });
  let stop = false;
  const survivor = await WorkQueue.open({ servers: server.url });
  const taken = await (await jetstream(dying.nc).consumers.get(TASK_STREAM, WORKER_CONSUMER)).next({ expires: 5_000 });
  assert.ok(taken, 'the dying worker got the task');
  await dying.nc.close();
  const served = survivor.serve<number, number>('survivor', (t) => t.data + 1, { ackWaitMs: ACK_WAIT_MS, stopped: () => stop });
  const results = await coordinator.gather<number>('dying', ['only'], 20_000);
  stop = true;
  assert.is(await served, 1);
  const r = results.get('only')!;
  assert.ok(r.ok && r.value === 8 && r.worker === 'survivor');
  for (const q of [coordinator, survivor]) await q.close();
});

test('a handler that throws leaves an error result; a gather with nobody working names what is missing', async () => {
  const q = await WorkQueue.open({ servers: server.url });
  await q.submit('bad', [{ task: 'x', data: 0 }]);
  let stop = false;
  const served = q.serve('w', () => { throw new Error('scenario.yaml: no such file'); }, { stopped: () => stop });
  const results = await q.gather('bad', ['x'], 20_000);
  stop = true;
  await served;
  assert.equal(results.get('x'), { job: 'bad', task: 'x', worker: 'w', ok: false, error: 'scenario.yaml: no such file' });
  await q.submit('orphan', []);
  const e = await q.gather('orphan', ['a', 'b'], 300).catch((x: unknown) => x);
  assert.instance(e, GatherTimeoutError);
  assert.match((e as Error).message, /job orphan: 2 task\(s\) still without a result after 0 s \(a, b\); is a `pvsim worker --nats URL` running\?/);
  await q.close();
});

test('objects round-trip through the bucket and list by prefix', async () => {
  const q = await WorkQueue.open({ servers: server.url });
  await q.putObject('job1/3.json', { seed: 3 });
  await q.putObject('job1/10.json', { seed: 10 });
  await q.putObject('job2/1.json', { seed: 1 });
  assert.equal(await q.listObjects('job1/'), ['job1/10.json', 'job1/3.json']);
  assert.equal(await q.getObject('job1/3.json'), { seed: 3 });
  assert.is(await q.getObject('nope'), undefined);
  await q.close();
});

test('nats-server restarted while a worker holds a task: the worker and the gatherer reconnect, no task lost or answered twice', async () => {
  const own = await startNatsServer();
  try {
    const coordinator = await WorkQueue.open({ servers: own.url });
    const tasks = Array.from({ length: 6 }, (_, i) => ({ task: String(i), data: i }));
    await coordinator.submit('restart', tasks);
    const w = await WorkQueue.open({ servers: own.url });
    let stop = false;
    let restarted = false;
    const runs: number[] = [];
    const served = w.serve<number, number>('w', async (t) => {
      runs.push(t.data);
      // Mid-task, the server goes away and comes back on the same port and store.
      if (!restarted) { restarted = true; await own.restart(); }
      return t.data * 10;
    }, { ackWaitMs: 2_000, stopped: () => stop });
    const results = await coordinator.gather<number>('restart', tasks.map((t) => t.task), 30_000);
    stop = true;
    await served;
    assert.ok(restarted);
    assert.equal([...results.keys()].sort(), tasks.map((t) => t.task).sort());
    assert.equal([...results.values()].map((r) => (r.ok ? r.value : NaN)).sort((a, b) => a - b), tasks.map((t) => t.data * 10));
    for (const q of [coordinator, w]) await q.close();
  } finally {
    await own.stop();
  }
});

test.run();
