// Type-checks the current package with tsc (strict) and records the outcome as one test, so the
// root summary counts a type error as a failure.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

// The root's own TypeScript (a root devDependency), whatever package we run in.
const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit'], { encoding: 'utf8' });
const ok = r.status === 0;
writeFileSync('.typecheck-result.json', JSON.stringify({ passed: ok ? 1 : 0, failed: ok ? 0 : 1 }) + '\n');
process.stdout.write((r.stdout ?? '') + (r.stderr ?? ''));
process.stdout.write(`typecheck ${ok ? 'ok' : 'FAILED'}\n`);
process.exit(ok ? 0 : 1);
