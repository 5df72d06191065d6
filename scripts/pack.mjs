// Packs the bundled CLI (services/cli/dist/pvsim.js, built by scripts/build.mjs) as an npm package
// with no dependencies, so `npm install -g ./pvsim-VERSION.tgz` puts `pvsim` on the PATH.
// Usage: node scripts/pack.mjs [OUT_DIR]   (prints the tarball's path)
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(new URL('..', import.meta.url).pathname);
const out = resolve(process.argv[2] ?? root);
execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
const cli = JSON.parse(readFileSync(join(root, 'services/cli/package.json'), 'utf8'));
const stage = mkdtempSync(join(tmpdir(), 'pvsim-pack-'));
try {
  mkdirSync(join(stage, 'dist'));
  copyFileSync(join(root, 'services/cli/dist/pvsim.js'), join(stage, 'dist/pvsim.js'));
  writeFileSync(join(stage, 'package.json'), JSON.stringify({
    name: 'pvsim', version: cli.version, description: 'A simulator of the Kubernetes persistent-storage control plane with a kubectl-like CLI',
    type: 'module', bin: { pvsim: './dist/pvsim.js' }, engines: { node: '>=20' }, files: ['dist'], license: 'Apache-2.0',
  }, null, 2) + '\n');
  mkdirSync(out, { recursive: true });
  const name = execFileSync('npm', ['pack', '--silent', '--pack-destination', out], { cwd: stage, encoding: 'utf8' }).trim().split('\n').pop();
  process.stdout.write(join(out, name) + '\n');
} finally {
  rmSync(stage, { recursive: true, force: true });
}
