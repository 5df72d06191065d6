import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { getJson, logBytes, pvsim, tempCluster } from './support.ts';

/** examples/static, a minute, then the scratch claim deleted: its disk-50g is Released (then Failed: the host_path deleter refuses /mnt). */
async function story(): Promise<string> {
  const c = tempCluster();
  for (const args of [['apply', '-f', 'examples/static/'], ['advance', '1m'], ['delete', 'pvc', 'scratch']]) {
    const r = await pvsim(c, args);
    assert.is(r.code, 0, r.stderr);
  }
  return c;
}

const records = (c: string) => logBytes(c).trim().split('\n').map((l) => JSON.parse(l));
const posOf = (c: string, pred: (r: any) => boolean): number => records(c).find(pred)!.pos;

test('get/describe --at POS shows the cluster as the records up to POS left it; a read never writes', async () => {
  const c = await story();
  const before = logBytes(c);
  const created = posOf(c, (r) => r.type === 'PersistentVolumeClaimCreated' && r.stream === 'pvc/default/scratch');
  const bound = posOf(c, (r) => r.stream === 'pvc/default/scratch' && r.data?.status?.phase === 'Bound');
  const atCreate = await getJson(c, 'pvc', ['--at', String(created)]);
  assert.equal(atCreate.items.map((p) => [p.metadata.name, p.status.phase]).sort(), [['db-data', 'Bound'], ['scratch', 'Pending'], ['shared-data', 'Bound']]);
  const atBound = await getJson(c, 'pvc', ['--at', String(bound)]);
  assert.is(atBound.items.find((p) => p.metadata.name === 'scratch').status.phase, 'Bound');
  const now = await pvsim(c, ['get', 'pvc', 'scratch']);
  assert.is(now.code, 1);
  const empty = await pvsim(c, ['get', 'pv', '--at', '0']);
  assert.is(empty.code, 0);
  assert.match(empty.stderr, 'No resources found');
  const d = await pvsim(c, ['describe', 'pvc', 'scratch', '--at', String(bound)]);
  assert.is(d.code, 0, d.stderr);
  assert.match(d.stdout, /Status:\s+Bound/);
  assert.is(logBytes(c), before);
});

test('--at-time: simulated time since the start or an instant, in milliseconds; records carry millisecond times', async () => {
  const c = await story();
  assert.ok(records(c).every((r) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(r.time)), 'every record time has milliseconds');
  const pv = async (args: string[]) => (await getJson(c, 'pv', args)).items.find((p: any) => p.metadata.name === 'disk-50g')?.status.phase;
  // The fresh cluster's own batch is at 0 s; the story's first command comes 1 s later.
  assert.is(await pv(['--at-time', '0s']), undefined);
  assert.is(await pv(['--at-time', '1s']), 'Bound');
  assert.is(await pv(['--at-time', '62s']), 'Bound');
  assert.is(await pv(['--at-time', '63s']), 'Failed');
  assert.is(await pv(['--at-time', '2026-01-01T00:01:02.999Z']), 'Bound');
  assert.is(await pv(['--at-time', '2026-01-01T00:01:03Z']), 'Failed');
});

test('--at and --at-time refuse bad input with one line and exit 1', async () => {
  const c = await story();
  const last = records(c).length;
  for (const [args, msg] of [
    [['get', 'pv', '--at', String(last + 1)], `--at ${last + 1}: the log ends at position ${last}`],
    [['get', 'pv', '--at', 'x'], 'invalid argument "x" for "--at" flag'],
    [['describe', 'pv', '--at-time', 'soon'], 'invalid argument "soon" for "--at-time" flag'],
    [['get', 'pv', '--at', '1', '--at-time', '1s'], 'give one of them'],
    [['events', '--since', '1', '--at', '3'], 'give one or the other'],
  ] as [string[], string][]) {
    const r = await pvsim(c, args);
    assert.is(r.code, 1, args.join(' '));
    assert.match(r.stderr, msg);
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});

test('events --since/--until lists the events recorded between two positions', async () => {
  const c = await story();
  const del = posOf(c, (r) => r.type === 'DeleteRequested');
  const all = await pvsim(c, ['events']);
  assert.match(all.stdout, 'VolumeFailedDelete');
  const before = await pvsim(c, ['events', '--until', String(del)]);
  assert.is(before.code, 0);
  assert.not.match(before.stdout, 'VolumeFailedDelete');
  const after = await pvsim(c, ['events', '--since', String(del)]);
  assert.match(after.stdout, 'VolumeFailedDelete');
  const atBefore = await pvsim(c, ['events', '--at', String(del)]);
  assert.not.match(atBefore.stdout, 'VolumeFailedDelete');
});

test('log -o json: position, component and cause on every record', async () => {
  const c = await story();
  const r = await pvsim(c, ['log', '-o', 'json']);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.is(lines.length, records(c).length);
  lines.forEach((l, i) => assert.is(l.position, i + 1));
  const input = lines.find((l) => l.type === 'ApplyRequested');
  assert.is(input.component, 'kubectl');
  const bind = lines.find((l) => l.stream === 'pvc/default/scratch' && l.data.status?.phase === 'Bound');
  assert.is(bind.component, 'pv-controller');
  assert.is(bind.cause.type, 'WorkDelivered');
  assert.is(lines[bind.cause.position - 1].data.queue, 'claims');
  const created = lines.find((l) => l.stream === 'pvc/default/scratch' && l.type === 'PersistentVolumeClaimCreated');
  assert.is(created.component, 'kubectl');
  assert.is(created.cause.position, input.position);
  const window = await pvsim(c, ['log', '-o', 'json', '--since', '10', '--until', '12']);
  assert.equal(window.stdout.trim().split('\n').map((l) => JSON.parse(l).position), [11, 12]);
});

test('history KIND/NAME: one line per change with phase, component, cause and field diff; -o json', async () => {
  const c = await story();
  const r = await pvsim(c, ['history', 'pv/disk-50g']);
  assert.is(r.code, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.match(lines[0]!, /^POS\s+TIME\s+PHASE\s+BY\s+CAUSE\s+CHANGES$/);
  assert.match(lines[1]!, /Created Pending\s+kubectl\s+input ApplyRequested at \d+/);
  assert.ok(lines.some((l) => /Bound\s+pv-controller\s+claims default\/scratch at \d+, caused by pvc\/default\/scratch created at \d+\s+status\.phase: Available→Bound/.test(l)), r.stdout);
  assert.ok(lines.some((l) => /Released\s+pv-controller .*status\.phase: Bound→Released/.test(l)), r.stdout);
  const j = await pvsim(c, ['history', 'pvc', 'scratch', '-o', 'json']);
  const entries = j.stdout.trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(entries.map((e) => e.change), ['Created', 'Updated', 'Updated', 'Updated', 'Deleted']);
  assert.is(entries[4].component, 'pvc-protection');
  assert.is(entries[3].component, 'kubectl');
  const early = await pvsim(c, ['history', 'pvc/scratch', '--at', String(entries[1].position), '-o', 'json']);
  assert.is(early.stdout.trim().split('\n').length, 2);
  const missing = await pvsim(c, ['history', 'pvc/nope']);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, 'persistentvolumeclaim/nope has no history');
});

test('log verify still reproduces a log with millisecond times and components byte for byte', async () => {
  const c = await story();
  const r = await pvsim(c, ['log', 'verify']);
  assert.is(r.code, 0, r.stderr);
});

test.run();
