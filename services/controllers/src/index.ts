export * from './plugins.ts';
export * from './inTreePlugins.ts';
export * from './pvController.ts';
export * from './protection.ts';
export * from './controller.ts';
export * from './storageControllers.ts';
export * from './controllerManager.ts';
