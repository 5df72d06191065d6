import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { pvsim, repoRoot, tempCluster } from './support.ts';

test('the static example scenario passes', async () => {
  const r = await pvsim(tempCluster(), ['run', 'examples/static/scenarios/static-provisioning.yaml']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'passed: 16 steps');
});

test('a failed expectation stops the run with a readable diff and exit 1', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pvsim-scn-'));
  for (const f of ['01-volumes.yaml', '02-claims.yaml']) copyFileSync(join(repoRoot, 'examples/static', f), join(dir, f));
  writeFileSync(join(dir, 's.yaml'), [
    'steps:',
    '  - apply: [01-volumes.yaml, 02-claims.yaml]',
    '  - expect: { object: pvc/db-data, fields: { .spec.volumeName: disk-50g } }',
    '  - delete: pvc/db-data',
  ].join('\n'));
  const r = await pvsim(tempCluster(), ['run', join(dir, 's.yaml')]);
  assert.is(r.code, 1);
  assert.match(r.stderr, 'FAIL step 2');
  assert.match(r.stderr, 'pvc/db-data .spec.volumeName: want "disk-50g", got "disk-10g"');
  assert.not.match(r.stdout, 'step 3');
});

test('expectError passes when the command fails as expected', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pvsim-scn-'));
  writeFileSync(join(dir, 'bad.yaml'), 'apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: x\nspec:\n  capacity: {storage: 5Gb}\n  accessModes: [ReadWriteOnce]\n  hostPath: {path: /tmp/x}\n');
  writeFileSync(join(dir, 's.yaml'), 'steps:\n  - apply: bad.yaml\n    expectError: \'Invalid value: "5Gb"\'\n  - expect: { object: pv/x, absent: true }\n');
  const r = await pvsim(tempCluster(), ['run', join(dir, 's.yaml')]);
  assert.is(r.code, 0, r.stderr);
});

test('an unknown step or a broken file is a clear error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pvsim-scn-'));
  writeFileSync(join(dir, 's.yaml'), 'steps:\n  - frobnicate: 1\n');
  const r = await pvsim(tempCluster(), ['run', join(dir, 's.yaml')]);
  assert.is(r.code, 1);
  assert.match(r.stderr, 'unknown step');
  writeFileSync(join(dir, 't.yaml'), 'steps: [\n');
  const t = await pvsim(tempCluster(), ['run', join(dir, 't.yaml')]);
  assert.is(t.code, 1);
  assert.match(t.stderr, 't.yaml:');
});

test.run();
