export * from './SimClock.ts';
export * from './Random.ts';
export * from './ObjectStore.ts';
export * from './MemoryEventLog.ts';
export * from './Scheduler.ts';
export * from './replay.ts';
export * from './Bus.ts';
export * from './ports.ts';
