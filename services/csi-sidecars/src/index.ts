export * from './externalProvisioner.ts';
export * from './externalAttacher.ts';
