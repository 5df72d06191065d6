export * from './SimCsiDriver.ts';
export * from './csiDriverObject.ts';
