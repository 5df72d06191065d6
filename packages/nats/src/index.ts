export {
  ClusterNameInvalidError,
  checkClusterName,
  escapeToken,
  logStreamName,
  logSubject,
  logSubjectFilter,
  recordStreamOf,
  redactCredentials,
  unescapeToken,
} from './subjects.ts';
export {
  NatsServerMissingError,
  NatsServerStartError,
  findNatsServer,
  startNatsServer,
  type NatsServer,
  type NatsServerOptions,
} from './launcher.ts';
export { JetStreamEventLog, type JetStreamEventLogOptions } from './JetStreamEventLog.ts';
export { NatsCallError, closeBridge } from './syncBridge.ts';
export type { NatsConnectOptions } from './bridgeProtocol.ts';
