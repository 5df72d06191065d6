export * from './SimCsiDriver.ts';
export * from './csiDriverObject.ts';
export * from './moduleDriver.ts';
