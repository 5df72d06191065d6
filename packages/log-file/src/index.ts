export {
  FileEventLog,
  LogLockedError,
  inspectLog,
  repairLog,
  sha256Hex,
  type DroppedLine,
  type LogInspection,
  type RepairResult,
} from './FileEventLog.ts';
