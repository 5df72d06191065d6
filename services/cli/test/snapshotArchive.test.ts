import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { logBytes, pvsim, tempCluster } from './support.ts';

const env = { PVSIM_SNAPSHOT_EVERY: '10' };

test('snapshots every N records are a cache: reads at any position give the same answer with them, damaged, or deleted', async () => {
  const c = tempCluster();
  for (const args of [['apply', '-f', 'examples/static/01-volumes.yaml'], ['apply', '-f', 'examples/static/02-claims.yaml'], ['advance', '1m'], ['delete', 'pvc', 'scratch'], ['delete', 'pvc', 'db-data']]) {
    const r = await pvsim(c, args, '', env);
    assert.is(r.code, 0, r.stderr);
  }
  const archived = readdirSync(join(c, 'snapshots'));
  assert.ok(archived.length >= 3, `several archived snapshots: ${archived.join(', ')}`);
  const last = logBytes(c).trim().split('\n').length;
  const positions = [0, 1, 5, 12, 30, Math.floor(last / 2), last - 3, last];
  const answers = async () => {
    const out: string[] = [];
    for (const p of positions) {
      const r = await pvsim(c, ['get', 'pv,pvc', '-A', '-o', 'json', '--at', String(p)], '', env);
      assert.is(r.code, 0, r.stderr);
      out.push(r.stdout);
      out.push((await pvsim(c, ['describe', 'pv', 'disk-50g', '--at', String(p)], '', env)).stdout);
    }
    return out;
  };
  const withSnapshots = await answers();
  // A damaged archived snapshot is ignored (its checksum fails), not believed.
  const victim = join(c, 'snapshots', archived[1]!);
  writeFileSync(victim, readFileSync(victim, 'utf8').replace('"Available"', '"Availablx"'));
  assert.equal(await answers(), withSnapshots);
  rmSync(join(c, 'snapshots'), { recursive: true });
  rmSync(join(c, 'snapshot.json'));
  assert.equal(await answers(), withSnapshots);
  assert.not.ok(existsSync(join(c, 'snapshots')), 'a read never writes a snapshot');
});

test.run();
