export * from './types.ts';
export * from './quantity.ts';
export * from './eventLog.ts';
