export * from './kubelet.ts';
export * from './kubeletDecisions.ts';
export * from './exec.ts';
