export * from './explore.ts';
export * from './properties.ts';
export * from './onlineChecker.ts';
