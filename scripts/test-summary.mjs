// Adds up the results every package's test and typecheck tasks wrote, and prints the one line CI
// reads: "N passed, N failed". Exits non-zero when anything failed or a package reported nothing.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0, failed = 0;
const missing = [];
/** Wall seconds of every test file (`run-tests.mjs`), by package/file. */
const seconds = [];
for (const root of ['packages', 'services']) {
  for (const name of readdirSync(root).sort()) {
    const dir = join(root, name);
    if (!existsSync(join(dir, 'package.json'))) continue;
    for (const file of ['.test-result.json', '.typecheck-result.json']) {
      const p = join(dir, file);
      if (!existsSync(p)) { missing.push(p); failed++; continue; }
      const r = JSON.parse(readFileSync(p, 'utf8'));
      passed += r.passed; failed += r.failed;
      for (const [file, s] of Object.entries(r.seconds ?? {})) seconds.push([join(dir, file), s]);
    }
  }
}
// Files ran two at a time per package and packages side by side: a file's seconds include waiting
// for the CPU, so this is where a run's time goes, not what each file costs alone.
if (seconds.length > 0) {
  console.log('slowest test files (wall seconds, under the run\'s load):');
  for (const [file, s] of seconds.sort((a, b) => b[1] - a[1]).slice(0, 8)) console.log(`  ${String(s).padStart(6)}  ${file}`);
}
for (const m of missing) console.log(`missing result: ${m} (its task did not run to the end)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
