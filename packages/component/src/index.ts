export * from './controller.ts';
export * from './controllerState.ts';
export * from './LatencyGate.ts';
export * from './volumes.ts';
export * from './stateVersion.ts';
