export * from './objectMachine.ts';
export * from './volumeMachine.ts';
export * from './claimMachine.ts';
export * from './attachmentMachine.ts';
