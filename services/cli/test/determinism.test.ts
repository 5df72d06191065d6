import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { LogRecord, NewLogRecord } from '../../../packages/domain/src/index.ts';
import { FileEventLog } from '../../../packages/log-file/src/index.ts';
import { join } from 'node:path';
import { logBytes, pvsim, tempCluster } from './support.ts';

async function story(cluster: string, seed: string, env: Record<string, string> = {}): Promise<void> {
  for (const args of [
    ['apply', '-f', 'examples/static/02-claims.yaml'],
    ['apply', '-f', 'examples/static/01-volumes.yaml'],
    ['delete', 'pvc', 'shared-data', 'db-data'],
    ['apply', '-f', 'examples/static/'],
  ]) {
    const r = await pvsim(cluster, ['--seed', seed, ...args], '', env);
    assert.is(r.code, 0, r.stderr);
  }
}

test('the same seed and inputs give a byte-identical log', async () => {
  const a = tempCluster();
  const b = tempCluster();
  await story(a, '7');
  await story(b, '7');
  assert.ok(logBytes(a).length > 0);
  assert.is(logBytes(a), logBytes(b));
});

test('snapshots are only a cache: with and without them the log is the same', async () => {
  const a = tempCluster();
  const b = tempCluster();
  await story(a, '5', { PVSIM_SNAPSHOT_EVERY: '1' });
  await story(b, '5', { PVSIM_SNAPSHOT_EVERY: '0' });
  assert.ok(existsSync(join(a, 'snapshot.json')));
  assert.not.ok(existsSync(join(b, 'snapshot.json')));
  assert.is(logBytes(a), logBytes(b));
  const ga = await pvsim(a, ['get', 'pv,pvc', '-o', 'json'], '', { PVSIM_SNAPSHOT_EVERY: '1' });
  const gb = await pvsim(b, ['get', 'pv,pvc', '-o', 'json']);
  assert.is(ga.stdout, gb.stdout);
});

test('a stale snapshot (log replaced) is ignored', async () => {
  const a = tempCluster();
  await story(a, '5', { PVSIM_SNAPSHOT_EVERY: '1' });
  const snap = readFileSync(join(a, 'snapshot.json'), 'utf8');
  const b = tempCluster();
  await pvsim(b, ['apply', '-f', 'examples/static/01-volumes.yaml']);
  writeFileSync(join(b, 'snapshot.json'), snap);
  const r = await pvsim(b, ['get', 'pvc', '-o', 'json']);
  assert.equal(JSON.parse(r.stdout).items, []);
});

test('log verify re-executes the inputs and reproduces the log', async () => {
  const c = tempCluster();
  await story(c, '3');
  const r = await pvsim(c, ['log', 'verify']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, 'reproduced byte for byte');
});

/**
 * Copies a cluster's log batch by batch into a new cluster through the log's own writer (so every
 * checksum is valid), passing each record through `edit`; `extra` is appended as a last batch.
 */
function copyLog(from: string, edit: (r: NewLogRecord, index: number) => NewLogRecord, extra: NewLogRecord[] = []): string {
  const to = tempCluster();
  mkdirSync(to, { recursive: true });
  const target = new FileEventLog(join(to, 'log.jsonl'), { syncEachAppend: false });
  let index = 0;
  let pos = 0;
  new FileEventLog(join(from, 'log.jsonl')).forEachBatch((batch: LogRecord[]) => {
    const fresh = batch.map(({ pos: _p, end: _e, sum: _s, ...r }) => edit(r, index++));
    pos = target.append(fresh, pos).at(-1)!.pos;
  });
  if (extra.length) target.append(extra, pos);
  return to;
}

test('log verify names the first record the re-execution does not reproduce, and exits 1', async () => {
  const c = tempCluster();
  await story(c, '3');
  const total = logBytes(c).trimEnd().split('\n').length;
  // A controller's record changed in the middle (a phase the model never wrote there).
  let target = -1;
  const edited = copyLog(c, (r, i) => {
    if (target < 0 && r.stream.startsWith('pv/') && r.type === 'PersistentVolumeUpdated') { target = i; return { ...r, data: { ...(r.data as object), tampered: true } }; }
    return r;
  });
  const r1 = await pvsim(edited, ['log', 'verify']);
  assert.is(r1.code, 1, r1.stdout);
  assert.match(r1.stderr, `log differs at record ${target + 1}:`);
  assert.match(r1.stderr, '"tampered":true');
  // A record after the last one the inputs produce.
  const longer = copyLog(c, (r) => r, [{ time: '2026-01-01T00:00:00.000Z', stream: 'clock', type: 'ClockAdvanced', data: {} }]);
  const r2 = await pvsim(longer, ['log', 'verify']);
  assert.is(r2.code, 1, r2.stdout);
  assert.match(r2.stderr, `log differs at record ${total + 1}:`);
  assert.match(r2.stderr, 'replayed: (none)');
});

test.run();
