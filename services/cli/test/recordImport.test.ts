import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pvsim, repoRoot, tempCluster } from './support.ts';

async function story(): Promise<string> {
  const c = tempCluster();
  for (const args of [['apply', '-f', 'examples/static/'], ['advance', '1m'], ['delete', 'pvc', 'scratch']]) {
    const r = await pvsim(c, args);
    assert.is(r.code, 0, r.stderr);
  }
  return c;
}

async function exportTo(c: string, format: string, file: string): Promise<string> {
  const r = await pvsim(c, ['record', 'export', '--format', format]);
  assert.is(r.code, 0, r.stderr);
  const path = join(dirname(c), file);
  writeFileSync(path, r.stdout);
  return path;
}

for (const format of ['watch', 'audit'] as const) {
  test(`a recording pvsim made itself, exported as ${format} + events, imports and compares clean`, async () => {
    const c = await story();
    const files = [await exportTo(c, format, `rec.${format}`), await exportTo(c, 'events', 'events.json')];
    const to = join(dirname(c), 'imported');
    const imp = await pvsim(c, ['record', 'import', ...files, '--to', to]);
    assert.is(imp.code, 0, imp.stderr);
    assert.match(imp.stdout, `(${format})`);
    assert.match(imp.stdout, '(events)');
    const cmp = await pvsim(c, ['record', 'compare', to]);
    assert.is(cmp.code, 0, cmp.stdout + cmp.stderr);
    assert.match(cmp.stdout, 'the model agrees with the recording: 7 objects');
    assert.match(cmp.stdout, 'agree     persistentvolume/disk-50g: Pending, Available → default/scratch, Bound → default/scratch, Released → default/scratch, Failed → default/scratch');
    const json = JSON.parse((await pvsim(c, ['record', 'compare', to, '-o', 'json'])).stdout);
    assert.is(json.agree, true);
    // The imported cluster is a pvsim cluster like any other: its log re-executes, its history reads.
    assert.is((await pvsim(to, ['log', 'verify'])).code, 0);
    assert.match((await pvsim(to, ['history', 'pvc/scratch'])).stdout, 'pvc-protection');
  });
}

test('an audit log at Request level (people\'s writes carry only their request body, as many audit policies log them) imports and compares clean', async () => {
  const c = await story();
  const audit = await exportTo(c, 'audit', 'rec.audit');
  const request = readFileSync(audit, 'utf8').trim().split('\n').map((l) => {
    const e = JSON.parse(l);
    if (e.user.username.startsWith('system:')) return l;
    delete e.responseObject;
    e.level = 'Request';
    return JSON.stringify(e);
  });
  writeFileSync(audit, `${request.join('\n')}\n`);
  const to = join(dirname(c), 'imported-request');
  const imp = await pvsim(c, ['record', 'import', audit, await exportTo(c, 'events', 'events.json'), '--to', to]);
  assert.is(imp.code, 0, imp.stderr);
  const cmp = await pvsim(c, ['record', 'compare', to]);
  assert.is(cmp.code, 0, cmp.stdout + cmp.stderr);
  assert.match(cmp.stdout, 'the model agrees with the recording: 7 objects');
});

/** Every kept incident: the shipped examples (each with a README) and those `record save` put under test/incidents/. */
const incidentDirs = ['examples/incidents', 'test/incidents'].flatMap((parent) =>
  existsSync(join(repoRoot, parent)) ? readdirSync(join(repoRoot, parent)).sort().map((name) => join(parent, name)) : []);
assert.ok(incidentDirs.length >= 3, 'the shipped incidents are found');
for (const rel of incidentDirs) {
  test(`incident ${rel}: record compare reports exactly its expected report`, async () => {
    const dir = join(repoRoot, rel);
    const files = readdirSync(dir).filter((f) => f !== 'README.md' && f !== 'expected-report.txt').sort().map((f) => join(rel, f));
    const to = join(mkdtempSync(join(tmpdir(), 'pvsim-incident-')), 'cluster');
    const imp = await pvsim(to, ['record', 'import', ...files, '--to', to]);
    assert.is(imp.code, 0, imp.stderr);
    const cmp = await pvsim(to, ['record', 'compare', to]);
    const expected = readFileSync(join(dir, 'expected-report.txt'), 'utf8');
    assert.fixture(cmp.stdout, expected);
    assert.is(cmp.code, expected.includes('DISAGREE') ? 1 : 0);
    if (rel.startsWith('examples/')) assert.ok(readFileSync(join(dir, 'README.md'), 'utf8').includes('record compare'));
  });
}

test('record save keeps an imported recording (its files as captured and its report) as a regression test', async () => {
  const inc = 'examples/incidents/claim-bound-elsewhere';
  const root = mkdtempSync(join(tmpdir(), 'pvsim-save-'));
  const to = join(root, 'imported');
  assert.is((await pvsim(to, ['record', 'import', `${inc}/snapshot.json`, `${inc}/audit.jsonl`, `${inc}/events.json`, '--to', to])).code, 0);
  const saved = join(root, 'incidents', 'elsewhere');
  const r = await pvsim(to, ['record', 'save', to, '--as', saved]);
  assert.is(r.code, 0, r.stderr);
  assert.equal(readdirSync(saved).sort(), ['audit.jsonl', 'events.json', 'expected-report.txt', 'snapshot.json']);
  for (const f of ['audit.jsonl', 'events.json', 'snapshot.json']) assert.is(readFileSync(join(saved, f), 'utf8'), readFileSync(join(repoRoot, inc, f), 'utf8'));
  assert.is(readFileSync(join(saved, 'expected-report.txt'), 'utf8'), readFileSync(join(repoRoot, inc, 'expected-report.txt'), 'utf8'));
  const again = await pvsim(to, ['record', 'save', to, '--as', saved]);
  assert.is(again.code, 1);
  assert.match(again.stderr, 'already exists');
});

test('bad or truncated recordings are refused with file, line and reason, and nothing is written', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pvsim-badrec-'));
  const watchEvent = (type: string, name: string) => JSON.stringify({ type, object: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default', creationTimestamp: '2026-03-01T10:00:00Z' }, spec: {}, status: { phase: 'Pending' } } }, null, 2);
  const audit = (o: Record<string, unknown>) => JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', stage: 'ResponseComplete', verb: 'create', user: { username: 'alice' }, objectRef: { resource: 'persistentvolumeclaims', namespace: 'default', name: 'x', apiVersion: 'v1' }, stageTimestamp: '2026-03-01T10:00:00Z', ...o });
  const cases: [string, string, RegExp][] = [
    ['truncated.json', `${watchEvent('ADDED', 'a')}\n${watchEvent('MODIFIED', 'a').slice(0, 60)}`, /truncated\.json:17: truncated: the JSON value that starts here never ends/],
    ['badtype.json', `${watchEvent('ADDED', 'a')}\n${watchEvent('CHANGED', 'a')}`, /badtype\.json:17: unknown watch event type "CHANGED"/],
    ['garbage.json', `${watchEvent('ADDED', 'a')}\nnot json`, /garbage\.json:17: expected a JSON object/],
    ['metadata.jsonl', `${audit({})}\n`, /metadata\.jsonl:1: a create without requestObject or responseObject: record the audit log at Request or RequestResponse level/],
    ['mixed.jsonl', `${audit({ level: 'Request', requestObject: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'x' } } })}\n{"type":"ADDED"}\n`, /mixed\.jsonl:2: not an audit event/],
    ['noname.yaml', 'apiVersion: v1\nkind: List\nitems:\n- kind: PersistentVolume\n  metadata: {}\n', /noname\.yaml:1: an item \(PersistentVolume\) has no metadata\.name/],
    ['broken.yaml', 'kind: PersistentVolume\nmetadata:\n  name: [unclosed\n', /broken\.yaml:\d+: not valid YAML/],
    ['empty.json', '   \n', /empty\.json:1: empty file/],
  ];
  for (const [file, text, want] of cases) {
    writeFileSync(join(dir, file), text);
    const to = join(dir, `out-${file}`);
    const r = await pvsim(to, ['record', 'import', join(dir, file), '--to', to]);
    assert.is(r.code, 1, file);
    assert.match(r.stderr, want);
    assert.match(r.stderr, 'nothing was imported');
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.not.ok(existsSync(to), `${file}: no cluster directory`);
  }
  assert.equal(readdirSync(dir).filter((n) => n.includes('.new-')), [], 'no temporary directory is left');
  const missing = await pvsim(dir, ['record', 'import', join(dir, 'nope.json'), '--to', join(dir, 'x')]);
  assert.match(missing.stderr, 'nope.json: no such file');
  const notRec = await pvsim(dir, ['record', 'compare', dir]);
  assert.is(notRec.code, 1);
  assert.match(notRec.stderr, 'is not an imported recording');
});

test.run();
