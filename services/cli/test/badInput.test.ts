import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { appendFileSync, mkdirSync, writeFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { logBytes, pvsim, tempCluster } from './support.ts';

function manifest(dir: string, name: string, text: string): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

const goodPv = `apiVersion: v1
kind: PersistentVolume
metadata:
  name: good
spec:
  capacity:
    storage: 1Gi
  accessModes: [ReadWriteOnce]
  hostPath:
    path: /tmp/good
`;

const rows: { name: string; text: string; expect: RegExp[] }[] = [
  {
    name: 'invalid quantity names file, line and field',
    text: goodPv + `---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: nas
spec:
  capacity:
    storage: 5Gb
  accessModes: [ReadWriteMany]
  nfs: {server: x, path: /y}
`,
    expect: [/bad\.yaml:18/, /PersistentVolume "nas" is invalid: spec\.capacity\.storage: Invalid value: "5Gb"/],
  },
  { name: 'unknown kind', text: goodPv + `---\napiVersion: v1\nkind: Frobnicator\nmetadata:\n  name: x\n`, expect: [/no matches for kind "Frobnicator"/, /bad\.yaml/] },
  { name: 'broken YAML', text: goodPv + `---\napiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: x\n  labels: [a\n`, expect: [/bad\.yaml/] },
  { name: 'missing access modes', text: goodPv + `---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: c\nspec:\n  resources:\n    requests:\n      storage: 1Gi\n`, expect: [/spec\.accessModes/] },
];

for (const row of rows) {
  test(`refused with nothing applied: ${row.name}`, async () => {
    const c = tempCluster();
    const dir = join(c, '..', 'in');
    const f = manifest(dir, 'bad.yaml', row.text);
    const before = logBytes(c);
    const r = await pvsim(c, ['apply', '-f', f]);
    assert.is(r.code, 1);
    for (const e of row.expect) assert.match(r.stderr, e);
    assert.is(logBytes(c), before, 'the log is unchanged');
  });
}

test('a missing file is refused', async () => {
  const c = tempCluster();
  const r = await pvsim(c, ['apply', '-f', 'no/such/file.yaml']);
  assert.is(r.code, 1);
  assert.match(r.stderr, 'does not exist');
});

test('an unfinished last batch is ignored with a warning, never read; log repair removes it; then work goes on', async () => {
  const c = tempCluster();
  await pvsim(c, ['apply', '-f', 'examples/static/01-volumes.yaml']);
  const path = join(c, 'log.jsonl');
  const size = statSync(path).size;
  appendFileSync(path, '{"pos":999,"time":"x","str');
  const read = await pvsim(c, ['get', 'pv']);
  assert.is(read.code, 0, read.stderr);
  assert.match(read.stderr, 'never finished');
  const repaired = await pvsim(c, ['log', 'repair']);
  assert.is(repaired.code, 0, repaired.stderr);
  assert.match(repaired.stdout, 'removed an unfinished last batch');
  assert.is(statSync(path).size, size);
  const ok = await pvsim(c, ['get', 'pv']);
  assert.is(ok.code, 0, ok.stderr);
  assert.is(ok.stderr, '');
});

test('damage in acknowledged records is reported with record and byte; repair changes nothing without --force', async () => {
  const c = tempCluster();
  await pvsim(c, ['apply', '-f', 'examples/static/01-volumes.yaml']);
  await pvsim(c, ['apply', '-f', 'examples/static/02-claims.yaml']);
  const path = join(c, 'log.jsonl');
  const bytes = readFileSync(path);
  const at = bytes.indexOf('"pos":3,') + 20;
  bytes[at]! ^= 1;
  writeFileSync(path, bytes);
  const refused = await pvsim(c, ['get', 'pv']);
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /record 3 \(byte \d+\)/);
  assert.match(refused.stderr, '--force');
  assert.is(refused.stderr.trim().split('\n').length, 1);
  const report = await pvsim(c, ['log', 'repair']);
  assert.is(report.code, 1);
  assert.match(report.stderr, 'NOT changed');
  assert.ok(readFileSync(path).equals(bytes));
  const forced = await pvsim(c, ['log', 'repair', '--force']);
  assert.is(forced.code, 0, forced.stderr);
  assert.ok(readFileSync(`${path}.damaged-1`).equals(bytes));
  const ok = await pvsim(c, ['get', 'pv']);
  assert.is(ok.code, 0, ok.stderr);
});

test.run();
