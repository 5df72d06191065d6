// Runs every test file of the current package, one Node process per file (isolation, and
// one failing file cannot hide another), and writes the counts to .test-result.json so the
// root summary can add up every package. uvu prints "Total:/Passed:" per file; we parse it.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function testFiles(dir) {
  let out = [];
  let entries;
  try { entries = readdirSync(dir).sort(); } catch { return out; }
  for (const name of entries) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) { if (name !== 'fixtures') out = out.concat(testFiles(p)); }
    else if (/\.test\.ts$/.test(name)) out.push(p);
  }
  return out;
}

const dirs = process.argv.slice(2);
const files = (dirs.length ? dirs : ['test']).flatMap(testFiles);
let passed = 0, failed = 0;
const failures = [];
for (const file of files) {
  const setup = new URL('./fc-setup.mjs', import.meta.url).href;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--import', setup, file], { encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
  const out = (r.stdout ?? '') + (r.stderr ?? '');
  const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const ok = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const skipped = Number(/Skipped:\s+(\d+)/.exec(out)?.[1] ?? 0);
  if (skipped > 0) { failures.push(`${file}: ${skipped} skipped test(s) left behind`); }
  if (r.status !== 0 || total === 0) {
    failed += Math.max(1, total - ok);
    passed += ok;
    failures.push(`${file}:\n${out}`);
  } else {
    passed += ok;
  }
  process.stdout.write(`${r.status === 0 && total > 0 ? 'ok  ' : 'FAIL'} ${file} (${ok}/${total})\n`);
}
writeFileSync('.test-result.json', JSON.stringify({ passed, failed }) + '\n');
for (const f of failures) process.stdout.write(f + '\n');
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);
