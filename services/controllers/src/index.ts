export * from './plugins.ts';
export * from './inTreePlugins.ts';
export * from './pvController.ts';
export * from './protection.ts';
export * from './controllerManager.ts';
