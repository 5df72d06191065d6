export {
  ClusterNameInvalidError,
  checkClusterName,
  csiRpcSubject,
  lockstepSubject,
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
export { callAsync, closeAsyncCalls } from './asyncCalls.ts';
export { NatsCallError, closeBridge, natsNextRequest, natsRequest, natsRespond, natsServe, pingBridge, type ServedRequest } from './syncBridge.ts';
export type { NatsConnectOptions } from './bridgeProtocol.ts';
export {
  CHECK_BUCKET, DRIVER_STATE_BUCKET, RESULT_STREAM, driverStateKey, TASK_STREAM, WORKER_CONSUMER, resultSubject, taskSubject,
} from './subjects.ts';
export {
  DEFAULT_ACK_WAIT_MS, GatherTimeoutError, WorkQueue, type TaskMessage, type TaskResult,
} from './workQueue.ts';
export { natsConnectOptions, withUrlCredentials } from './connectOptions.mjs';
export { createUserNkey } from './nkeys.ts';
export { connectNats, followLog, type FollowHandle } from './followLog.ts';
export { DriverStateStore } from './driverStateStore.ts';
