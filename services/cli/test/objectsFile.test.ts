/**
 * The objects file (objectsFile.ts): `get` reads a few objects of a large cluster from it instead
 * of building the world. It is a cache like the snapshot it is written with: with it, damaged,
 * out of date (records after it) or deleted, every `get` prints the same bytes.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pvsim, tempCluster } from './support.ts';

const GETS = [
  ['get', 'pv,pvc'],
  ['get', 'pv', 'disk-10g'],
  ['get', 'pv', 'nope', 'disk-10g', 'disk-10g'],
  ['get', 'pvc', 'db-data', '-o', 'yaml'],
  ['get', 'pvc', '-A', '-o', 'wide'],
  ['get', 'pv', '-l', 'tier=fast'],
  ['get', 'events'],
  ['get', 'pvc', 'shared-data', '-n', 'other'],
  ['get', 'pv', '--sort-by', '.spec.capacity.storage', '-o', 'name'],
];

async function answers(c: string): Promise<string[]> {
  const out: string[] = [];
  for (const args of GETS) {
    const r = await pvsim(c, args);
    out.push(`${r.code}\n${r.stdout}\n${r.stderr}`);
  }
  return out;
}

test('get answers the same from the objects file, with records after it, damaged, or deleted', async () => {
  const c = tempCluster();
  const everyCommand = { PVSIM_SNAPSHOT_EVERY: '1' };
  for (const args of [['apply', '-f', 'examples/static/01-volumes.yaml'], ['apply', '-f', 'examples/static/02-claims.yaml']]) {
    assert.is((await pvsim(c, args, '', everyCommand)).code, 0);
  }
  const file = join(c, 'objects.jsonl');
  assert.ok(existsSync(file), 'written with the snapshot');
  // Later commands write no snapshot: the file is behind the log, and the records after it count.
  for (const args of [['delete', 'pvc', 'scratch'], ['advance', '1m'], ['delete', 'pvc', 'db-data'], ['apply', '-f', 'examples/static/02-claims.yaml']]) {
    assert.is((await pvsim(c, args, '', { PVSIM_SNAPSHOT_EVERY: '100000' })).code, 0);
  }
  const withFile = await answers(c);
  assert.ok(withFile[1]!.includes('disk-10g'), withFile[1]);
  // A flipped byte in one object is caught by its checksum: the verb folds the log instead.
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, text.replace('"Available"', '"Availablx"'));
  assert.equal(await answers(c), withFile);
  // A damaged header or index, and no file at all.
  writeFileSync(file, text.replace('"PersistentVolume":[', '"PersistentVolume":[1'));
  assert.equal(await answers(c), withFile);
  rmSync(file);
  assert.equal(await answers(c), withFile);
  assert.not.ok(existsSync(file), 'a read never writes it');
});

test.run();
