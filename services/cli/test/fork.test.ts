import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { getJson, logBytes, pvsim, tempCluster } from './support.ts';

async function run(c: string, args: string[]): Promise<void> {
  const r = await pvsim(c, args);
  assert.is(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
}

const records = (c: string) => logBytes(c).trim().split('\n').map((l) => JSON.parse(l));

test('fork at a command boundary: the new cluster holds exactly that history, verifies, and goes its own way; diff shows where', async () => {
  const c = tempCluster();
  await run(c, ['apply', '-f', 'examples/static/']);
  const afterApply = records(c).length;
  await run(c, ['delete', 'pvc', 'scratch']);
  const f = join(dirname(c), 'what-if');
  const r = await pvsim(c, ['fork', '--at', String(afterApply), '--to', f]);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, `at position ${afterApply}`);
  assert.is(logBytes(f), logBytes(c).split('\n').slice(0, afterApply).join('\n') + '\n');
  assert.is((await pvsim(f, ['log', 'verify'])).code, 0);
  // The original and the fork agree at the fork point…
  const same = await pvsim(c, ['diff', c, f, '--at', String(afterApply)]);
  assert.is(same.code, 0, same.stdout + same.stderr);
  assert.match(same.stdout, 'no differences');
  // …and now differ: the what-if keeps its claim.
  const d = await pvsim(c, ['diff', c, f]);
  assert.is(d.code, 1);
  assert.match(d.stdout, '+ persistentvolumeclaim/default/scratch');
  assert.match(d.stdout, /~ persistentvolume\/disk-50g\n(\s+.*\n)*\s+status\.phase: \w+→Bound/);
  const j = JSON.parse((await pvsim(c, ['diff', c, f, '-o', 'json'])).stdout);
  assert.is(j.same, false);
  assert.ok(j.objects.some((e: any) => e.status === 'only-b' && e.ref.name === 'scratch'));
  // The fork continues with any verb; the original does not move.
  const before = logBytes(c);
  await run(f, ['delete', 'pvc', 'db-data']);
  assert.is(logBytes(c), before);
  assert.ok(!(await getJson(f, 'pvc')).items.some((p: any) => p.metadata.name === 'db-data'));
});

test('fork refuses a position inside a batch, an existing target, and leaves nothing behind when it fails', async () => {
  const c = tempCluster();
  await run(c, ['apply', '-f', 'examples/static/']);
  const end = records(c).length;
  // The fresh cluster's own batch (ClusterInitRequested) comes first; the apply's follows it.
  const start = records(c).findIndex((r: any) => r.type === 'ApplyRequested') + 1;
  const parent = dirname(c);
  const inside = await pvsim(c, ['fork', '--at', String(start + 4), '--to', join(parent, 'x')]);
  assert.is(inside.code, 1);
  assert.match(inside.stderr, `position ${start + 4} is inside the batch of the command at position ${start} (input ApplyRequested, records ${start}–${end}); fork at ${start - 1} (before it) or at ${end} (after it)`);
  assert.not.ok(existsSync(join(parent, 'x')));
  const exists = await pvsim(c, ['fork', '--to', c]);
  assert.is(exists.code, 1);
  assert.match(exists.stderr, 'already exists');
  writeFileSync(join(parent, 'file'), 'not a directory');
  const bad = await pvsim(c, ['fork', '--to', join(parent, 'file', 'sub')]);
  assert.is(bad.code, 1);
  assert.is(bad.stderr.trim().split('\n').length, 1, bad.stderr);
  const empty = await pvsim(c, ['fork', '--at', '0', '--to', join(parent, 'empty')]);
  assert.is(empty.code, 0, empty.stderr);
  const none = await pvsim(join(parent, 'empty'), ['get', 'pv']);
  assert.match(none.stderr, 'No resources found');
  assert.equal(readdirSync(parent).filter((n) => n.includes('.new-')), [], 'no temporary directory is left');
});

test.run();
