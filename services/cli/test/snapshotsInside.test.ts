/**
 * Snapshots inside a batch (issue 9 item 4): one command that writes many records leaves an
 * archived snapshot every PVSIM_SNAPSHOT_EVERY records, not only at its end, so reaching a
 * position inside it folds only the records since the nearest one. They are a cache: reads at
 * every position answer the same with them, with one damaged, and with all deleted.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { logBytes, pvsim, tempCluster } from './support.ts';

const env = { PVSIM_SNAPSHOT_EVERY: '15' };

test('a long batch is snapshotted inside; reads at every position answer the same without those snapshots', async () => {
  const c = tempCluster();
  assert.is((await pvsim(c, ['apply', '-f', 'examples/static/'], '', env)).code, 0);
  const lines = logBytes(c).trim().split('\n').map((l) => JSON.parse(l) as { pos: number; end?: boolean });
  const ends = new Set(lines.filter((r) => r.end).map((r) => r.pos));
  const archived = readdirSync(join(c, 'snapshots')).map((n) => Number(n.slice(0, 12)));
  const inside = archived.filter((p) => !ends.has(p));
  assert.ok(inside.length >= 2, `snapshots inside the batch: ${archived.join(', ')} (batch ends ${[...ends].join(', ')})`);
  const answers = async () => {
    const out: string[] = [];
    for (let p = 1; p <= lines.length; p += 3) {
      const r = await pvsim(c, ['get', 'pv,pvc', '-A', '-o', 'json', '--at', String(p)], '', env);
      assert.is(r.code, 0, r.stderr);
      out.push(r.stdout);
    }
    return out;
  };
  const withSnapshots = await answers();
  const victim = join(c, 'snapshots', readdirSync(join(c, 'snapshots')).find((n) => Number(n.slice(0, 12)) === inside[0])!);
  writeFileSync(victim, readFileSync(victim, 'utf8').replace('"Available"', '"Availablx"'));
  assert.equal(await answers(), withSnapshots);
  rmSync(join(c, 'snapshots'), { recursive: true });
  rmSync(join(c, 'snapshot.json'));
  assert.equal(await answers(), withSnapshots);
});

test.run();
