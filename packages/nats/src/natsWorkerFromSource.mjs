// Design: the worker's entry when running from TypeScript source (tests): registers tsx in this
// thread (Node 20 does not apply the parent's --import loaders to a worker), then loads the worker.
const { register } = await import('tsx/esm/api');
register();
await import(new URL('./natsWorker.ts', import.meta.url).href);
