/** `pnpm pack` + `npm install -g` puts a working `pvsim` on the PATH (into a temporary prefix here). */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './support.ts';

test('the packed CLI installs with npm and runs as `pvsim`; its JSON output is clean for pipes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pvsim-install-'));
  try {
    const tarball = execFileSync(process.execPath, [join(repoRoot, 'scripts/pack.mjs'), dir], { encoding: 'utf8', timeout: 60_000 }).trim().split('\n').pop()!;
    execFileSync('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--prefix', join(dir, 'prefix'), tarball], { encoding: 'utf8', timeout: 60_000 });
    const env = { ...process.env, PATH: `${join(dir, 'prefix', 'bin')}:${process.env['PATH']}` };
    const run = (args: string[]) => execFileSync('pvsim', ['--cluster', join(dir, 'cluster'), ...args], { cwd: repoRoot, env, encoding: 'utf8', timeout: 60_000 });
    assert.match(run(['apply', '-f', 'examples/static/01-volumes.yaml']), /^persistentvolume\/nas-5g created$/m);
    const json = JSON.parse(run(['get', 'pv', '-o', 'json']));
    assert.is(json.items.length, 4);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('npm install -g . from the checkout links the built CLI as `pvsim`', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pvsim-install-'));
  try {
    execFileSync('npm', ['install', '-g', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--prefix', join(dir, 'prefix'), '.'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
    const out = execFileSync(join(dir, 'prefix', 'bin', 'pvsim'), ['version'], { encoding: 'utf8', timeout: 60_000 });
    assert.match(out, /^Client Version: v0\.1\.0-pvsim$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
