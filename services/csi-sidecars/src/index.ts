export * from './externalProvisioner.ts';
export * from './externalProvisionerDecisions.ts';
export { generateVolumeNodeAffinity } from './topology.ts';
export * from './externalAttacher.ts';
export * from './externalResizer.ts';
export * from './csiSnapshotter.ts';
