export * from './view.ts';
export * from './binding.ts';
export * from './release.ts';
export * from './exclusiveUse.ts';
export * from './leaks.ts';
export * from './writes.ts';
export * from './claimReasons.ts';
export * from './checkAll.ts';
