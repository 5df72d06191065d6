import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { evalJsonPathTemplate, parseJsonPath, printCustomColumns, sortBy } from '../src/outputFormats.ts';
import { pvsim, tempCluster } from './support.ts';

const list = {
  kind: 'List',
  items: [
    { metadata: { name: 'b', labels: { app: 'db' } }, spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'] }, status: { phase: 'Bound' } },
    { metadata: { name: 'a', labels: {} }, spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteMany', 'ReadOnlyMany'] }, status: { phase: 'Available' } },
  ],
};

test('kubectl JSONPath: paths, [*], range, literals, filters, recursion, slices', () => {
  const cases: [string, string][] = [
    ['{.items[*].metadata.name}', 'b a'],
    ['{.items[0].spec.capacity.storage}', '10Gi'],
    ['{.items[-1].metadata.name}', 'a'],
    ['{range .items[*]}{.metadata.name}{"\\t"}{.status.phase}{"\\n"}{end}', 'b\tBound\na\tAvailable\n'],
    ['{.items[?(@.status.phase=="Bound")].metadata.name}', 'b'],
    ['{.items[?(@.metadata.labels.app)].metadata.name}', 'b'],
    ['{..storage}', '10Gi 5Gi'],
    ['{.items[0:1].metadata.name}', 'b'],
    ['{.items[1].spec.accessModes}', '["ReadWriteMany","ReadOnlyMany"]'],
    ['{.items[0].metadata[\'labels\'].app}', 'db'],
    ['names: {.items[*].metadata.name}', 'names: b a'],
    ['.items[1].metadata.name', 'a'],
    ['{.nope}', ''],
  ];
  for (const [template, want] of cases) assert.is(evalJsonPathTemplate(parseJsonPath(template), list), want, template);
  for (const broken of ['{range .items[*]}{.x}', '{end}', '{.items[}']) {
    assert.throws(() => parseJsonPath(broken), /error parsing jsonpath/);
  }
});

test('custom columns print Go values and <none>; --sort-by compares quantities by value', () => {
  assert.is(printCustomColumns('NAME:.metadata.name,MODES:.spec.accessModes,APP:.metadata.labels.app', list.items as never, false),
    'NAME   MODES                          APP\nb      [ReadWriteOnce]                db\na      [ReadWriteMany ReadOnlyMany]   <none>\n');
  assert.equal(sortBy(list.items as never, '.spec.capacity.storage').map((o) => o.metadata.name), ['a', 'b']);
  assert.equal(sortBy(list.items as never, '{.metadata.name}').map((o) => o.metadata.name), ['a', 'b']);
});

test('pvsim get: -o jsonpath, -o custom-columns, --show-labels, -L, --sort-by, --no-headers', async () => {
  const c = tempCluster();
  try {
    assert.is((await pvsim(c, ['apply', '-f', 'examples/static/'])).code, 0);
    const names = await pvsim(c, ['get', 'pv', '-o', 'jsonpath={.items[*].metadata.name}']);
    assert.is(names.stdout, 'disk-100g disk-10g disk-50g nas-5g');
    const one = await pvsim(c, ['get', 'pvc', 'db-data', '-o', 'jsonpath={.spec.volumeName}']);
    assert.is(one.stdout, 'disk-10g');
    const cols = await pvsim(c, ['get', 'pvc', '-o', 'custom-columns=NAME:.metadata.name,VOLUME:.spec.volumeName', '--sort-by=.spec.volumeName', '--no-headers']);
    assert.is(cols.stdout, 'db-data       disk-10g\nscratch       disk-50g\nshared-data   nas-5g\n');
    const sorted = await pvsim(c, ['get', 'pv', '--sort-by=.spec.capacity.storage', '--no-headers', '-o', 'name']);
    assert.is(sorted.stdout, 'persistentvolume/nas-5g\npersistentvolume/disk-10g\npersistentvolume/disk-50g\npersistentvolume/disk-100g\n');
    const labels = await pvsim(c, ['get', 'pv', 'nas-5g', '--show-labels', '-L', 'type']);
    assert.match(labels.stdout.split('\n')[0]!, /\s+AGE\s+TYPE\s+LABELS$/);
    assert.match(labels.stdout.split('\n')[1]!, /\s+nas\s+type=nas$/);
    const bare = await pvsim(c, ['get', 'pv', '--no-headers']);
    assert.not.match(bare.stdout, /NAME/);
    assert.is(bare.stdout.split('\n').filter(Boolean).length, 4);
    const bad = await pvsim(c, ['get', 'pv', '-o', 'bogus']);
    assert.is(bad.code, 1);
    assert.match(bad.stderr, /^error: unable to match a printer suitable for the output format "bogus"/);
  } finally {
    rmSync(dirname(c), { recursive: true, force: true });
  }
});

test.run();
