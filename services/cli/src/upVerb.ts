/**
 * Design: `pvsim up` — a local nats-server with JetStream for `--nats`, started by the one
 * launcher (@pvsim/nats) on 127.0.0.1 with its store in a temporary directory; it prints where it
 * runs and how to point commands at it, and on Ctrl-C (SIGINT) or SIGTERM stops the server and
 * removes the store. A composition root: it waits on signals, which nothing below it does. The
 * component processes issue 8 adds later (serve, kubelet, csi-driver) are to be started here too.
 */

import { startNatsServer } from '@pvsim/nats';
import type { CliIO } from './verbTypes.ts';

export async function up(io: CliIO): Promise<number> {
  const binary = io.env['PVSIM_NATS_SERVER'];
  const server = await startNatsServer(binary ? { binary } : {});
  io.stdout(`nats-server ${server.url} (pid ${server.pid}), JetStream store in ${server.storeDir}\n`);
  io.stdout(`use it: pvsim --nats ${server.url} --cluster NAME COMMAND   (or export PVSIM_NATS=${server.url})\n`);
  io.stdout('Ctrl-C stops it and removes the store\n');
  // Signal listeners do not keep a process alive, and the launcher unrefs the server; this does.
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  await new Promise<void>((resolve) => {
    const done = () => {
      clearInterval(keepAlive);
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
  await server.stop();
  io.stdout('stopped nats-server and removed its store\n');
  return 0;
}
