// Bundles the CLI into one ES module so `pvsim` starts without type-checking or transpiling
// (tsc runs in the tests, not at start-up). Dependencies stay external: node_modules has them.
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
  external: ['xstate', 'yaml', 'commander', 'cli-progress', 'pure-rand'],
  banner: { js: '#!/usr/bin/env node' },
  logLevel: 'warning',
});
chmodSync(out, 0o755);
