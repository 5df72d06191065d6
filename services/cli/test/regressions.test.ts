/**
 * `pvsim sim` regressions: test/regressions/*.json at the repository root keeps seeds once run (failing or, for a fix,
 * clean); each is replayed and must end exactly as recorded — the same seeds failing on the same
 * invariants, or none.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pvsim, repoRoot, tempCluster } from './support.ts';

const DIR = join(repoRoot, 'test', 'regressions');
const out = mkdtempSync(join(tmpdir(), 'pvsim-regressions-'));

for (const name of readdirSync(DIR).filter((n) => n.endsWith('.json')).sort()) {
  const r = JSON.parse(readFileSync(join(DIR, name), 'utf8')) as { why: string; scenario: string; seed: number; runs: number; faults: string; maxFaults: number; expect: [number, string][] };
  test(`regression ${name}: ${r.why}`, async () => {
    const run = await pvsim(tempCluster(), ['--seed', String(r.seed), 'sim', r.scenario, '--runs', String(r.runs), '--faults', r.faults, '--max-faults', String(r.maxFaults), '-o', 'json', '--out', out]);
    assert.is(run.code, r.expect.length > 0 ? 1 : 0, run.stdout + run.stderr);
    const got = (JSON.parse(run.stdout).failed as { seed: number; invariant: string }[]).map((f) => [f.seed, f.invariant]);
    assert.equal(got, r.expect);
  });
}

test.run();
