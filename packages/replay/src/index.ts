export * from './readPoint.ts';
export * from './causes.ts';
export * from './history.ts';
export * from './objectDiff.ts';
