export * from './SimCsiDriver.ts';
