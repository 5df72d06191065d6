export * from './world.ts';
export * from './actions.ts';
export * from './chooser.ts';
export * from './cluster.ts';
export * from './profiles.ts';
export * from './driverRpc.ts';
