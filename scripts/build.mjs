// Bundles the CLI and its dependencies into one ES module so `pvsim` starts without
// type-checking, transpiling or resolving hundreds of files (tsc runs in the tests instead).
//
// `node scripts/build.mjs [DIR]` writes into DIR instead of services/cli/dist: the tests that start
// the CLI as a process build their own copy from the current sources (services/cli/test/support.ts
// `cliArgv`), so they never run a bundle older than src/ and two test files never write one file.
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = resolve(process.argv[2] ?? join(root, 'services/cli/dist'));
const out = join(dir, 'pvsim.js');
await build({
  entryPoints: [join(root, 'services/cli/src/main.ts')],
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
  entryPoints: [join(root, 'packages/nats/src/natsWorker.mjs')],
  outfile: join(dir, 'pvsim-nats-worker.js'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'bundle',
  banner: { js: "import { createRequire as __pvsimCreateRequire } from 'node:module'; const require = __pvsimCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
