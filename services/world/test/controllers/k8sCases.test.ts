import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { dirname, resolve } from 'node:path';
import { loadCases, runMatchCase, runSyncCase } from './support/k8sCases.ts';

// The public cases live beside the repository (../shared); PVSIM_CASES may name another file of
// the same format.
const here = dirname(fileURLToPath(import.meta.url));
const path = process.env['PVSIM_CASES'] ?? resolve(here, '../../../../../shared/spec/k8s-cases.public.json');
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
