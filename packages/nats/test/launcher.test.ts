import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { JetStreamEventLog, NatsServerMissingError, findNatsServer, startNatsServer } from '@pvsim/nats';

test('a missing nats-server binary is a clear error that says how to install it', async () => {
  assert.throws(() => findNatsServer('/nonexistent/nats-server'), (e: unknown) => e instanceof NatsServerMissingError && /apt-get install nats-server/.test(e.message));
  try {
    await startNatsServer({ binary: '/nonexistent/nats-server' });
    assert.unreachable('started without a binary');
  } catch (error) {
    assert.instance(error, NatsServerMissingError);
  }
});

test('the launcher starts a JetStream server on a loopback ephemeral port, restarts it keeping its store, and stops it', async () => {
  const server = await startNatsServer();
  assert.match(server.url, /^nats:\/\/127\.0\.0\.1:\d+$/);
  assert.is.not(server.port, 4222);
  const log = new JetStreamEventLog({ connect: { servers: server.url }, cluster: 'launcher', timeoutMs: 10_000 });
  log.append([{ time: 't', stream: 'pv/a', type: 'T', data: 1 }], 0);
  await server.restart();
  // The worker's connection reconnects to the restarted server; the record is still there.
  const again = new JetStreamEventLog({ connect: { servers: server.url }, cluster: 'launcher', timeoutMs: 10_000 });
  assert.is(again.lastPos(), 1);
  again.append([{ time: 't', stream: 'pv/a', type: 'T', data: 2 }], 1);
  assert.equal(log.read().map((r) => r.data), [1, 2]);
  await server.stop();
  await server.stop();
});

test.run();
