export * from './readPoint.ts';
export * from './causes.ts';
export * from './history.ts';
export * from './objectDiff.ts';
export * from './users.ts';
export * from './exportFormats.ts';
export * from './importFormats.ts';
export * from './compare.ts';
