import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { loadCases, runMatchCase, runSyncCase } from './support/k8sCases.ts';

// The public cases live beside the repository (../shared), or beside a folder further up that
// holds it (a git worktree such as /work/wt/NAME); PVSIM_CASES may name another file of the same
// format. Without either, the nearest candidate is reported missing.
const here = dirname(fileURLToPath(import.meta.url));
function besideRepository(): string {
  const candidates: string[] = [];
  for (let dir = resolve(here, '../../../../..'); ; dir = dirname(dir)) {
    candidates.push(resolve(dir, 'shared/spec/k8s-cases.public.json'));
    if (dirname(dir) === dir) break;
  }
  return candidates.find((c) => existsSync(c)) ?? candidates[0]!;
}
const path = process.env['PVSIM_CASES'] ?? besideRepository();
const cases = loadCases(path);

for (const c of cases) {
  test(c.source.replace(/^.*\//, ''), () => {
    if (c.kind === 'match') {
      const r = runMatchCase(c);
      assert.ok(r.ok, `${c.source}: ${r.detail}`);
    } else {
      const r = runSyncCase(c);
      assert.ok(r.ok, `${c.source}:\n  ${r.problems.join('\n  ')}`);
    }
  });
}

test.run();
