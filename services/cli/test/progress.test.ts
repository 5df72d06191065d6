/**
 * Feedback on long work: under a pseudo-terminal (util-linux `script`) apply shows a progress
 * bar on stderr; piped, the same command prints only its answer; --quiet silences the bar. The
 * bar's one-second delay is set to 0 here (PVSIM_PROGRESS_AFTER_MS) so the test does not depend
 * on how fast the machine is. `run` and the tests leave no temporary directory behind.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliArgv, repoRoot } from './support.ts';

const root = mkdtempSync(join(tmpdir(), 'pvsim-progress-'));
const manifest = join(root, 'many.yaml');
writeFileSync(manifest, Array.from({ length: 40 }, (_, i) => `apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv-${i}}\nspec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], hostPath: {path: /tmp/p${i}}}\n`).join('---\n'));
const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const env = (extra: Record<string, string> = {}) => ({ ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PVSIM_'))), PVSIM_PROGRESS_AFTER_MS: '0', ...extra });
const expected = Array.from({ length: 40 }, (_, i) => `persistentvolume/pv-${i} created\n`).join('');

/** The command under a pseudo-terminal: everything it wrote to the terminal. */
function onTerminal(args: string[], extra: Record<string, string> = {}): string {
  const command = [process.execPath, ...cliArgv(args)].map(shellQuote).join(' ');
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, env: env(extra) });
  assert.is(r.status, 0, r.stderr);
  return r.stdout;
}

test('on a terminal, apply of many objects shows a bar; its answer follows', () => {
  const out = onTerminal(['--cluster', join(root, 'tty'), 'apply', '-f', manifest]);
  assert.match(out, /applying \|[█░]+\| \d+\/40/);
  assert.match(out.replace(/\r/g, ''), /persistentvolume\/pv-39 created\n/);
});

test('on a terminal, a command that folds a long log shows the records read; piped, nothing', () => {
  // No snapshots: every command folds the whole log, batch by batch (one batch per command).
  const dir = join(root, 'replay');
  const noSnapshots = { PVSIM_SNAPSHOT_EVERY: '0' };
  for (let i = 0; i < 5; i++) {
    const r = spawnSync(process.execPath, cliArgv(['--cluster', dir, 'advance', '1s']), { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, env: env(noSnapshots) });
    assert.is(r.status, 0, r.stderr);
  }
  const out = onTerminal(['--cluster', dir, 'advance', '1s'], noSnapshots);
  const shown = [...out.matchAll(/replaying \|[█░]+\| (\d+)\/(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])] as const);
  assert.ok(shown.length > 0, out);
  const total = shown[0]![1];
  assert.ok(total > 5, `${total} records`);
  assert.ok(shown.every(([done, t]) => t === total && done <= total), out);
  const piped = spawnSync(process.execPath, cliArgv(['--cluster', dir, 'advance', '1s']), { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, env: env(noSnapshots) });
  assert.is(piped.stderr, '');
});

test('--quiet on a terminal: no bar', () => {
  const out = onTerminal(['--cluster', join(root, 'quiet'), '--quiet', 'apply', '-f', manifest]);
  assert.not.match(out, 'applying');
  assert.is(out.replace(/\r/g, ''), expected);
});

test('piped: only the answer, nothing on stderr, no escape codes', () => {
  const r = spawnSync(process.execPath, cliArgv(['--cluster', join(root, 'piped'), 'apply', '-f', manifest]), { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, env: env() });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout, expected);
  assert.is(r.stderr, '');
});

test('pvsim run and log verify leave no temporary directory behind', () => {
  const scratch = join(root, 'tmp');
  mkdirSync(scratch);
  const run = spawnSync(process.execPath, cliArgv(['run', 'examples/lecture/static-nas/scenarios/demo.yaml']), { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, env: env({ TMPDIR: scratch }) });
  assert.is(run.status, 0, run.stderr);
  const verify = spawnSync(process.execPath, cliArgv(['--cluster', join(root, 'piped'), 'log', 'verify']), { cwd: repoRoot, encoding: 'utf8', timeout: 120_000, env: env({ TMPDIR: scratch }) });
  assert.is(verify.status, 0, verify.stderr);
  assert.equal(readdirSync(scratch), []);
});

test.after(() => rmSync(root, { recursive: true, force: true }));

test.run();
