export * from './explore.ts';
export * from './properties.ts';
