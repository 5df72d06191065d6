// `pvsim check online` (issue 8 item 5): the invariants library over a cluster's log batch by
// batch — a sound log passes; a forged batch that binds a second claim to a bound volume is
// reported at its positions; with --follow on a cluster in NATS it judges batches other
// processes append while it runs, and stops after --until-idle. Against a real nats-server.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sealBatch, type NewLogRecord } from '@pvsim/domain';
import { sha256Hex } from '@pvsim/log-file';
import { startNatsServer } from '@pvsim/nats';
import { pvsim, tempCluster } from './support.ts';

const server = await startNatsServer();
process.on('exit', () => void server.stop());
const nats = (cluster: string) => ['--nats', server.url, '--cluster', cluster];

/** A file cluster with the static example applied: three claims bound. */
async function boundCluster(): Promise<string> {
  const dir = tempCluster();
  const r = await pvsim(dir, ['apply', '-f', 'examples/static/']);
  assert.is(r.code, 0, r.stderr);
  return dir;
}

test('a sound log passes: every batch judged, no safety violation', async () => {
  const dir = await boundCluster();
  const r = await pvsim(dir, ['check', 'online']);
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^2 batches \(\d+ records\) checked: no safety violation\n$/);
});

test('a forged batch binding a second claim to a bound volume is reported at its positions', async () => {
  const dir = await boundCluster();
  const text = readFileSync(join(dir, 'log.jsonl'), 'utf8');
  const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as NewLogRecord & { pos: number; data: any });
  const scratch = lines.filter((r) => r.stream === 'pvc/default/scratch' && r.type === 'PersistentVolumeClaimUpdated').at(-1)!;
  const forged = { time: scratch.time, stream: scratch.stream, type: scratch.type, data: { ...scratch.data, spec: { ...scratch.data.spec, volumeName: 'disk-10g' } } };
  const next = lines.length + 1;
  const { lines: sealed } = sealBatch([forged], next, sha256Hex);
  const moved = await pvsim('.unused', [...nats('forged'), 'log', 'import', '-f', '-'], `${text}${sealed.join('\n')}\n`);
  assert.is(moved.code, 0, moved.stderr);
  const r = await pvsim('.unused', [...nats('forged'), 'check', 'online']);
  assert.is(r.code, 1, r.stdout + r.stderr);
  assert.match(r.stdout, new RegExp(`^positions ${next}\\.\\.${next} \\(PersistentVolumeClaimUpdated\\): safety: PVC default/scratch is Bound to disk-10g, whose claimRef is .*\\n`, 'm'));
  assert.match(r.stdout, /safety: PV disk-10g has 2 Bound claims: default\/db-data, default\/scratch\n/);
  assert.match(r.stdout, /^3 batches \(\d+ records\) checked: 2 safety violation\(s\)\n$/m);
});

test('--follow judges the batches appended while it runs and stops after --until-idle', async () => {
  assert.is((await pvsim('.unused', [...nats('live'), 'apply', '-f', 'examples/static/01-volumes.yaml'])).code, 0);
  const following = pvsim('.unused', [...nats('live'), 'check', 'online', '--follow', '--until-idle', '3s']);
  const applied = await pvsim('.unused', [...nats('live'), 'apply', '-f', 'examples/static/02-claims.yaml']);
  assert.is(applied.code, 0, applied.stderr);
  const r = await following;
  assert.is(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^following cluster live from position \d+ until 3s pass without a record \(Ctrl-C stops\)\n/);
  assert.match(r.stdout, /^3 batches \(\d+ records\) checked \(stopped after 3s without a record\): no safety violation\n$/m);
  const file = await pvsim(tempCluster(), ['check', 'online', '--follow']);
  assert.is(file.code, 1);
  assert.match(file.stderr, /^error: --follow consumes a cluster in NATS/);
});

test.run();
