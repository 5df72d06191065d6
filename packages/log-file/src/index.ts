export {
  DROPPED_LINES_MAX,
  FileEventLog,
  LogFileRefusedError,
  inspectLog,
  repairLog,
  sha256Hex,
  type DroppedLine,
  type FaultPoint,
  type FileEventLogOptions,
  type LogInspection,
  type RepairResult,
  type UnfinishedTail,
} from './FileEventLog.ts';
export {
  LogLockedError,
  acquireLogLock,
  describeOwner,
  liveLockOwner,
  type HeldLock,
  type LockClock,
  type LockOptions,
  type LockOwner,
} from './lock.ts';
