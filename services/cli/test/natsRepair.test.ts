// `pvsim log repair` of a cluster in NATS (ADR 0022), against a real nats-server: a batch torn
// mid-publish (its lines up to but not including the one carrying `end`, as a writer killed
// between two publishes leaves it) makes every append refused; repair removes it, keeps every
// complete batch byte for byte (and a copy of them in a file), and the cluster goes on and verifies.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sealBatch } from '@pvsim/domain';
import { connectNats, logSubject, startNatsServer } from '@pvsim/nats';
import { pvsim } from './support.ts';

const server = await startNatsServer();
process.on('exit', () => void server.stop());
const nats = (cluster: string) => ['--nats', server.url, '--cluster', cluster];

/** Publishes the first `count` lines of a batch sealed at the log's end, never the one with `end`. */
async function tear(cluster: string, count: number): Promise<void> {
  const end = Number((await pvsim('.unused', [...nats(cluster), 'log'])).stdout.trim().split('\n').length);
  const batch = Array.from({ length: count + 1 }, (_, i) => ({ time: '2026-01-01T00:01:00.000Z', stream: i === 0 ? 'cluster' : `pv/torn-${i}`, type: i === 0 ? 'ApplyRequested' : 'PersistentVolumeCreated', data: { i } }));
  const { lines, records } = sealBatch(batch, end + 1, (text) => createHash('sha256').update(text).digest('hex'));
  // Plain publishes on the log's subjects: the stream stores them in order, as it stored the
  // first lines of a batch whose writer died before the last.
  const nc = await connectNats({ servers: server.url });
  for (let k = 0; k < count; k++) nc.publish(logSubject(cluster, records[k]!.stream), lines[k]!);
  await nc.flush();
  await nc.close();
  assert.is(JSON.parse(lines[count]!).end, true, 'the line left out is the one that ends the batch');
}

test('log repair --nats removes a batch torn mid-publish; complete batches are kept byte for byte and the cluster goes on', async () => {
  const cluster = 'torn';
  const dir = mkdtempSync(join(tmpdir(), 'pvsim-repair-'));
  const applied = await pvsim('.unused', [...nats(cluster), 'apply', '-f', 'examples/static/01-volumes.yaml']);
  assert.is(applied.code, 0, applied.stderr);
  const before = (await pvsim('.unused', [...nats(cluster), 'log', 'export'])).stdout;
  await tear(cluster, 2);
  // Readers never see the torn batch; writers refuse to append after it.
  assert.is((await pvsim('.unused', [...nats(cluster), 'log', 'export'])).stdout, before);
  const refused = await pvsim('.unused', [...nats(cluster), 'apply', '-f', 'examples/static/02-claims.yaml']);
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /never finished/);
  const backup = join(dir, 'kept.jsonl');
  const repaired = await pvsim('.unused', [...nats(cluster), 'log', 'repair', '--backup', backup]);
  assert.is(repaired.code, 0, repaired.stderr);
  const kept = before.trim().split('\n').length;
  assert.match(repaired.stdout, new RegExp(`^cluster torn at nats://127\\.0\\.0\\.1:\\d+: removed an unfinished last batch`, 'm'));
  assert.match(repaired.stdout, new RegExp(`^kept ${kept} records \\(a copy is in ${backup.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\); dropped 2:\\n  stream sequence ${kept + 1}: record ${kept + 1} ApplyRequested cluster\\n  stream sequence ${kept + 2}: record ${kept + 2} PersistentVolumeCreated pv/torn-1\\n$`, 'm'));
  assert.is(readFileSync(backup, 'utf8'), before, 'the copy is the export of the kept records');
  assert.is((await pvsim('.unused', [...nats(cluster), 'log', 'export'])).stdout, before, 'the stream holds the same complete batches');
  const again = await pvsim('.unused', [...nats(cluster), 'apply', '-f', 'examples/static/02-claims.yaml']);
  assert.is(again.code, 0, again.stderr);
  const verified = await pvsim('.unused', [...nats(cluster), 'log', 'verify']);
  assert.match(verified.stdout, /^log verified: 3 inputs re-executed/, verified.stderr);
  const intact = await pvsim('.unused', [...nats(cluster), 'log', 'repair', '--backup', join(dir, 'unused.jsonl')]);
  assert.match(intact.stdout, /: intact \(\d+ records\); nothing to repair\n$/);
  assert.not.ok(existsSync(join(dir, 'unused.jsonl')), 'nothing copied when nothing is repaired');
});

test('log repair --nats refuses --force, and --backup is for NATS only', async () => {
  const force = await pvsim('.unused', [...nats('torn'), 'log', 'repair', '--force']);
  assert.is(force.code, 1);
  assert.match(force.stderr, /--force works on a file log/);
  const file = await pvsim(join(mkdtempSync(join(tmpdir(), 'pvsim-repair-')), 'c'), ['log', 'repair', '--backup', 'x.jsonl']);
  assert.is(file.code, 1);
  assert.match(file.stderr, /--backup is for a cluster in NATS/);
});

test.run();
