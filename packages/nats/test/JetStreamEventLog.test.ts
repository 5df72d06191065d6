// Behaviour of the JetStream log beyond the shared contract: where records go, and the edges
// the server (2.9) leaves to the client.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { sealBatch } from '@pvsim/domain';
import { JetStreamEventLog, closeAsyncCalls, logStreamName, logSubject, logSubjectFilter, startNatsServer } from '@pvsim/nats';
import type { LogRecord, NewLogRecord } from '@pvsim/domain';

const server = await startNatsServer();
process.on('exit', () => void server.stop());
const open = (cluster: string) => new JetStreamEventLog({ connect: { servers: server.url }, cluster });
const rec = (stream: string, data: unknown) => ({ time: '2026-01-01T00:00:00Z', stream, type: 'T', data });
const isConflict = (e: unknown) => (e as { code?: string }).code === 'ExpectedVersionConflict';

/** The two ways to drive an append (ADR 0032): blocking through the worker thread, and awaited on this thread. */
const DRIVERS: [string, (log: JetStreamEventLog, batch: NewLogRecord[], expectedPos: number) => Promise<LogRecord[]>][] = [
  ['append', async (log, batch, expectedPos) => log.append(batch, expectedPos)],
  ['appendAsync', (log, batch, expectedPos) => log.appendAsync(batch, expectedPos)],
];

async function rejects(p: Promise<unknown>, ok: (e: unknown) => boolean): Promise<void> {
  const error = await p.then(() => undefined, (e: unknown) => e ?? new Error('rejected with nothing'));
  assert.ok(error !== undefined, 'expected the append to fail');
  assert.ok(ok(error), `unexpected failure: ${String(error)}`);
}

test('each record is one message on its object\'s subject, its payload the file log\'s line', async () => {
  const log = open('subjects');
  const stored = log.append([rec('pv/data.v1', 1), rec('pvc/default/a b', 2), rec('cluster', 3)], 0);
  const nc = await connect({ servers: server.url });
  const jsm = await jetstreamManager(nc);
  const subjects: string[] = [];
  for (let seq = 1; seq <= 3; seq++) {
    const m = (await jsm.streams.getMessage(logStreamName('subjects'), { seq }))!;
    subjects.push(m.subject);
    assert.is(new TextDecoder().decode(m.data), JSON.stringify(stored[seq - 1]));
    // Position 1's id is fixed (two first writers collide on it); later ones name the record.
    assert.is(m.header?.get('Nats-Msg-Id'), seq === 1 ? 'PVSIM_subjects:1' : `PVSIM_subjects:${seq}:${stored[seq - 1]!.sum}`);
  }
  assert.equal(subjects, ['pvsim.subjects.log.pv.data%2Ev1', 'pvsim.subjects.log.pvc.default.a%20b', 'pvsim.subjects.log.cluster']);
  await nc.close();
});

test('an append after a position a log that does not exist yet never reached is a conflict at 0', () => {
  const error = (() => {
    try {
      open('missing').append([rec('pv/a', 1)], 3);
    } catch (e) {
      return e as { code?: string; expectedPos?: number; actualPos?: number };
    }
    return undefined;
  })();
  assert.is(error?.code, 'ExpectedVersionConflict');
  assert.is(error?.expectedPos, 3);
  assert.is(error?.actualPos, 0);
  assert.is(open('missing').lastPos(), 0);
});

test('appendAsync stores the very records, lines and ids append stores, and the logs read the same', async () => {
  const batches = [[rec('cluster', 0)], [rec('pv/a.b', 1), rec('pvc/default/c', 2)], [rec('pv/a.b', { x: [1, 'y'] })]];
  const sync = open('same-bytes-sync');
  const awaited = open('same-bytes-async');
  let pos = 0;
  for (const batch of batches) {
    const a = sync.append(batch, pos);
    const b = await awaited.appendAsync(batch, pos);
    assert.equal(b, a);
    pos = a.at(-1)!.pos;
  }
  assert.equal(awaited.read(), sync.read());
  assert.is(awaited.lastPos(), 4);
  await rejects(awaited.appendAsync([rec('pv/z', 9)], 2), isConflict);
  await rejects(open('never-written-async').appendAsync([rec('pv/z', 9)], 3), (e) => isConflict(e) && (e as { actualPos?: number }).actualPos === 0);
  assert.is(awaited.read().length, 4);
});

for (const [how, append] of DRIVERS) {
  test(`${how}: a writer that lost the race for position 1 with identical records still loses (msg-id dedup)`, async () => {
    const a = open(`race-${how}`);
    const b = open(`race-${how}`);
    await append(a, [rec('pv/a', 1), rec('pv/b', 2)], 0);
    await rejects(append(b, [rec('pv/a', 1), rec('pv/b', 2)], 0), isConflict);
    assert.is(a.read().length, 2);
  });

  test(`${how}: two writers appending the very same batch at the same position past 1: both succeed, and it is stored once`, async () => {
    // Two component processes on the same log compute the same transaction; whichever lines of the
    // other's landed first are byte for byte its own (the ids name the records), so neither fails.
    const a = open(`same-batch-${how}`);
    const b = open(`same-batch-${how}`);
    await append(a, [rec('pv/a', 1), rec('pv/b', 2)], 0);
    const batch = [rec('pv/c', 3), rec('pv/d', 4), rec('pv/e', 5)];
    const first = await append(a, batch, 2);
    const second = await append(b, batch, 2);
    assert.equal(second, first);
    assert.equal(open(`same-batch-${how}`).read().map((r) => r.pos), [1, 2, 3, 4, 5]);
    // Another batch at that position is still a conflict.
    await rejects(append(b, [rec('pv/f', 6)], 2), isConflict);
  });

  test(`${how}: an append that loses its race to a batch still on the wire is a Conflict, not a torn batch`, async () => {
    const cluster = `inflight-${how}`;
    const log = open(cluster);
    await append(log, [rec('cluster', 'a')], 0);
    // Another writer's two-line batch at position 2: its first line is stored, its last (with
    // `end`) is published by another process a moment later, while our append is waiting.
    const other = sealBatch([rec('cluster', 'b'), rec('pv/x', 'b')], 2, (t) => createHash('sha256').update(t).digest('hex'));
    const nc = await connect({ servers: server.url });
    nc.publish(logSubject(cluster, other.records[0]!.stream), other.lines[0]!);
    await nc.flush();
    await nc.close();
    const late = spawn(process.execPath, ['--input-type=module', '-e', `
      const { connect } = await import('@nats-io/transport-node');
      await new Promise((r) => setTimeout(r, 700));
      const nc = await connect({ servers: ${JSON.stringify(server.url)} });
      nc.publish(${JSON.stringify(logSubject(cluster, other.records[1]!.stream))}, ${JSON.stringify(other.lines[1]!)});
      await nc.flush();
      await nc.close();
    `], { cwd: new URL('..', import.meta.url).pathname, stdio: 'inherit' });
    const published = new Promise<number | null>((resolve) => late.on('exit', resolve));
    try {
      await rejects(append(log, [rec('cluster', 'c')], 1), isConflict);
      assert.is(await published, 0);
      assert.equal(log.read().map((r) => r.data), ['a', 'b', 'b']);
      assert.is((await append(log, [rec('cluster', 'c')], 3)).at(-1)!.pos, 4);
    } finally {
      late.kill('SIGKILL');
    }
  });

  test(`${how}: a batch of several windows is stored whole, in order; a line refused inside a window stops the batch there, with that line's own error`, async () => {
    // Lines inside a window go without a reply (natsOps.mjs): only the chain of expected
    // positions and ids keeps a refused line from being skipped silently.
    const cluster = `windows-${how}`;
    const nc = await connect({ servers: server.url });
    const jsm = await jetstreamManager(nc);
    // The stream made beforehand, refusing messages over 2,000 bytes (the log creates it only when missing).
    await jsm.streams.add({ name: logStreamName(cluster), subjects: [logSubjectFilter(cluster)], max_msg_size: 2_000 });
    await nc.close();
    const log = open(cluster);
    await append(log, [rec('cluster', 'start')], 0);
    const whole = Array.from({ length: 2_500 }, (_, i) => rec(`pv/v${i % 7}`, i));
    const stored = await append(log, whole, 1);
    assert.equal(stored.map((r) => r.pos), whole.map((_, i) => i + 2));
    assert.equal(log.read().slice(1).map((r) => r.data), whole.map((r) => r.data));
    const big = Array.from({ length: 3_000 }, (_, i) => rec('pv/w', i === 1_500 ? 'x'.repeat(5_000) : i));
    await rejects(append(log, big, 2_501), (e) => (e as Error).message.includes('the append stopped after 1500 of 3000 records') && /maximum/i.test((e as Error).message));
    // What was stored of it is the part before the refused line (never read: the batch is unfinished).
    assert.is(log.read().length, 2_501);
    const nc2 = await connect({ servers: server.url });
    assert.is((await (await jetstreamManager(nc2)).streams.info(logStreamName(cluster))).state.last_seq, 2_501 + 1_500);
    await nc2.close();
  });
}

// The awaited appends' connection would keep the process (and the server it stops on exit) alive.
test.after(() => closeAsyncCalls());

test.run();
