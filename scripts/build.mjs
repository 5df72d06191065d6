// Bundles the CLI and its dependencies into one ES module so `pvsim` starts without
// type-checking, transpiling or resolving hundreds of files (tsc runs in the tests instead).
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';

const out = 'services/cli/dist/pvsim.js';
await build({
  entryPoints: ['services/cli/src/main.ts'],
  outfile: out,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'bundle',
  // CommonJS dependencies (cli-progress) call require(); give the ES module one.
  banner: { js: "import { createRequire as __pvsimCreateRequire } from 'node:module'; const require = __pvsimCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
chmodSync(out, 0o755);

// The NATS log's worker thread (packages/nats/src/syncBridge.ts loads it from beside the bundle).
await build({
  entryPoints: ['packages/nats/src/natsWorker.mjs'],
  outfile: 'services/cli/dist/pvsim-nats-worker.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'bundle',
  banner: { js: "import { createRequire as __pvsimCreateRequire } from 'node:module'; const require = __pvsimCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
