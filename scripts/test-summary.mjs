// Adds up the results every package's test and typecheck tasks wrote, and prints the one line CI
// reads: "N passed, N failed". Exits non-zero when anything failed or a package reported nothing.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

let passed = 0, failed = 0;
const missing = [];
for (const root of ['packages', 'services']) {
  for (const name of readdirSync(root).sort()) {
    const dir = join(root, name);
    if (!existsSync(join(dir, 'package.json'))) continue;
    for (const file of ['.test-result.json', '.typecheck-result.json']) {
      const p = join(dir, file);
      if (!existsSync(p)) { missing.push(p); failed++; continue; }
      const r = JSON.parse(readFileSync(p, 'utf8'));
      passed += r.passed; failed += r.failed;
    }
  }
}
for (const m of missing) console.log(`missing result: ${m} (its task did not run to the end)`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
