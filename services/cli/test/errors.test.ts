/**
 * What a user can get wrong on the command line or in the environment is one clear line on
 * stderr and a non-zero exit — never a stack trace. The real process (main.ts) runs each row.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliArgv, repoRoot } from './support.ts';

const root = mkdtempSync(join(tmpdir(), 'pvsim-errors-'));
const file = join(root, 'a-file');
writeFileSync(file, 'not a cluster\n');
const logIsDir = join(root, 'log-is-dir');
mkdirSync(join(logIsDir, 'log.jsonl'), { recursive: true });
const foreign = join(root, 'foreign');
mkdirSync(foreign);
writeFileSync(join(foreign, 'log.jsonl'), 'hello\n');

const rows: { name: string; args: string[]; line: string | RegExp }[] = [
  { name: 'a bad flag', args: ['get', 'pv', '--bogus'], line: "error: unknown option '--bogus'" },
  { name: 'an unknown verb', args: ['frobnicate'], line: "error: unknown command 'frobnicate'" },
  { name: 'a bad flag value', args: ['--seed', 'x', 'get', 'pv'], line: 'error: invalid argument "x" for "--seed" flag: must be an integer' },
  { name: 'a missing cluster directory (read)', args: ['--cluster', join(root, 'nope'), 'get', 'pv'], line: `error: cluster directory ${join(root, 'nope')} does not exist (a command that writes, such as apply, creates it)` },
  { name: '--cluster pointing at a file (read)', args: ['--cluster', file, 'get', 'pv'], line: `error: cluster directory ${file} is not a directory` },
  { name: '--cluster pointing at a file (write)', args: ['--cluster', file, 'apply', '-f', 'examples/static/'], line: `error: cluster directory ${file} is not a directory` },
  { name: '--cluster pointing at a file (serve)', args: ['--cluster', file, 'serve', '--api', '--port', '0', '--paused'], line: `error: cluster directory ${file} is not a directory` },
  { name: 'an unreadable log (a directory)', args: ['--cluster', logIsDir, 'get', 'pv'], line: `error: ${join(logIsDir, 'log.jsonl')} is not a file; the event log cannot be read` },
  { name: 'a log that is not pvsim\'s', args: ['--cluster', foreign, 'events'], line: /^error: .*log\.jsonl: is not a pvsim event log/ },
  { name: 'a missing manifest', args: ['--cluster', join(root, 'c'), 'apply', '-f', 'no/such.yaml'], line: /does not exist/ },
  { name: 'get -w with a bad timeout', args: ['--cluster', root, 'get', 'pv', '-w', '--request-timeout', 'soon'], line: 'error: invalid argument "soon" for "--request-timeout" flag: must be a duration such as 5s, 1m' },
];

for (const r of rows) {
  test(`one line, exit 1: ${r.name}`, () => {
    const p = spawnSync(process.execPath, cliArgv(r.args), { cwd: repoRoot, encoding: 'utf8', timeout: 60_000, env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PVSIM_'))) });
    assert.is(p.status, 1, p.stderr);
    assert.is(p.stdout, '');
    const lines = p.stderr.trimEnd().split('\n');
    assert.is(lines.length, 1, p.stderr);
    if (typeof r.line === 'string') assert.is(lines[0], r.line); else assert.match(lines[0]!, r.line);
    assert.not.match(p.stderr, /\n\s+at /, 'no stack trace');
  });
}

test.after(() => rmSync(root, { recursive: true, force: true }));

test.run();
