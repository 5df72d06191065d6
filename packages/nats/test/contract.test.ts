import { JetStreamEventLog, startNatsServer } from '@pvsim/nats';
import { eventLogContract } from '../../../test/contract/eventLog.ts';

const server = await startNatsServer();
process.on('exit', () => void server.stop());
let count = 0;

eventLogContract('JetStreamEventLog', () => {
  // A fresh cluster per test; its stream is created by the first append.
  const cluster = `contract-${++count}`;
  const open = () => new JetStreamEventLog({ connect: { servers: server.url }, cluster });
  return { log: open(), reopen: open };
});
