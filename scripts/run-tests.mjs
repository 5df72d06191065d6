// Runs every test file of the current package, one Node process per file (isolation, and
// one failing file cannot hide another), and writes the counts to .test-result.json so the
// root summary can add up every package. uvu prints "Total:/Passed:" per file; we parse it.
//
// Files run PVSIM_TEST_JOBS at a time (default 2; 1 = one after another). Every test file makes
// its own temporary directories and servers on ephemeral ports, so two can run side by side; the
// long pole of a CI run is one package's files run one after another (services/cli), and two at
// a time lets it use the second core once the other packages are done.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
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

function jobsWanted() {
  const raw = process.env.PVSIM_TEST_JOBS;
  if (raw === undefined || raw === '') return 2;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`error: PVSIM_TEST_JOBS=${raw}: want a whole number of 1 or more\n`);
    process.exit(2);
  }
  return n;
}

/**
 * A test file's budget of wall time (PVSIM_TEST_FILE_BUDGET_S, default 900 s; the slowest file
 * takes about two minutes on a loaded 2-core machine). A file still running then is killed with
 * every process it started (its own process group) and counted as failed, with what it printed so
 * far: a hung test must make a red run that says which file hung, never a run that does not end.
 * The composition root of the test run, so the wall clock is allowed here.
 */
function fileBudgetMs() {
  const raw = process.env.PVSIM_TEST_FILE_BUDGET_S;
  if (raw === undefined || raw === '') return 900_000;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    process.stderr.write(`error: PVSIM_TEST_FILE_BUDGET_S=${raw}: want a number of seconds above 0\n`);
    process.exit(2);
  }
  return n * 1000;
}

/** Runs one file; resolves with its combined output and exit status. */
function runFile(file, budgetMs) {
  const setup = new URL('./fc-setup.mjs', import.meta.url).href;
  return new Promise((resolve) => {
    // Its own process group, so a file over budget is killed with the servers and CLIs it started.
    const child = spawn(process.execPath, ['--import', 'tsx', '--import', setup, file], { env: { ...process.env, FORCE_COLOR: '0' }, detached: true });
    const chunks = [];
    let overBudget = false;
    const timer = setTimeout(() => {
      overBudget = true;
      try { process.kill(-child.pid, 'SIGKILL'); } catch { child.kill('SIGKILL'); }
    }, budgetMs);
    child.stdout.on('data', (c) => chunks.push(c));
    child.stderr.on('data', (c) => chunks.push(c));
    child.on('error', (err) => { clearTimeout(timer); resolve({ out: String(err), status: null }); });
    child.on('close', (status) => {
      clearTimeout(timer);
      const out = Buffer.concat(chunks).toString('utf8');
      resolve(overBudget
        ? { out: `${out}\n${file}: still running after ${budgetMs / 1000} s (PVSIM_TEST_FILE_BUDGET_S): killed with the processes it started\n`, status: null }
        : { out, status });
    });
  });
}

/**
 * The package's slowest files first (package.json `testsFirst`, in that order), then the rest by
 * name: with two at a time, a long file started last would run alone at the end while the other
 * slot idles (services/cli's natsEquivalence took a third of the package's wall time). A listed
 * file that does not exist is an error, so the list cannot go stale silently.
 */
function slowestFirst(files, wholePackage) {
  let first = [];
  try { first = JSON.parse(readFileSync('package.json', 'utf8')).testsFirst ?? []; } catch { return files; }
  const missing = first.filter((f) => !files.includes(f));
  if (wholePackage && missing.length > 0) {
    process.stderr.write(`error: package.json testsFirst names ${missing.join(', ')}, which is not a test file here\n`);
    process.exit(2);
  }
  first = first.filter((f) => files.includes(f));
  return [...first, ...files.filter((f) => !first.includes(f))];
}

const dirs = process.argv.slice(2);
const files = slowestFirst((dirs.length ? dirs : ['test']).flatMap(testFiles), dirs.length === 0);
const results = new Array(files.length);
const budgetMs = fileBudgetMs();
let next = 0;
async function worker() {
  while (next < files.length) {
    const i = next++;
    const started = performance.now();
    const { out, status } = await runFile(files[i], budgetMs);
    const seconds = Math.round((performance.now() - started) / 100) / 10;
    const total = Number(/Total:\s+(\d+)/.exec(out)?.[1] ?? 0);
    const ok = Number(/Passed:\s+(\d+)/.exec(out)?.[1] ?? 0);
    const skipped = Number(/Skipped:\s+(\d+)/.exec(out)?.[1] ?? 0);
    results[i] = { file: files[i], out, status, total, ok, skipped, seconds };
    process.stdout.write(`${status === 0 && total > 0 && ok === total ? 'ok  ' : 'FAIL'} ${files[i]} (${ok}/${total}, ${seconds} s)\n`);
  }
}
await Promise.all(Array.from({ length: Math.min(jobsWanted(), files.length) }, worker));

let passed = 0, failed = 0;
const failures = [];
for (const r of results) {
  if (r.skipped > 0) failures.push(`${r.file}: ${r.skipped} skipped test(s) left behind`);
  // uvu exits 0 when a `before` hook throws, printing "(0 / N)": every test not passed is a failure.
  if (r.status !== 0 || r.total === 0 || r.ok < r.total) {
    failed += Math.max(1, r.total - r.ok);
    passed += r.ok;
    failures.push(`${r.file}:\n${r.out}`);
  } else {
    passed += r.ok;
  }
}
// Each file's wall seconds go with the counts, so the root summary can name the slowest files of
// the whole run (CI must stay under 15 minutes on a 2-core machine: this says where it goes).
const seconds = Object.fromEntries(results.map((r) => [r.file, r.seconds]));
writeFileSync('.test-result.json', JSON.stringify({ passed, failed, seconds }) + '\n');
for (const f of failures) process.stdout.write(f + '\n');
process.stdout.write(`${passed} passed, ${failed} failed\n`);
process.exit(failed > 0 ? 1 : 0);
