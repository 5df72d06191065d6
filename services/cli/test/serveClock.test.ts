/**
 * `pvsim serve --api --speed X`: simulated time follows wall time times X. The wall clock is a
 * counter the test turns (each read is one more second), so the advances are exact; the test
 * waits for the server's own report of each advance, never for a duration.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { followWallClock, serveApi } from '../src/serveVerb.ts';
import { pvsim, repoRoot, tempCluster } from './support.ts';

const quiet = { stdout: () => {}, stderr: () => {}, readStdin: () => '', env: {}, cwd: repoRoot, isTTY: false };

test('each tick advances the cluster by the wall time since the last one times --speed', async () => {
  const cluster = tempCluster();
  const g = { clusterDir: cluster, seed: 1 };
  assert.is((await pvsim(cluster, ['apply', '-f', 'examples/static/01-volumes.yaml'])).code, 0);
  const before = JSON.parse((await pvsim(cluster, ['get', 'pv', 'nas-5g', '-o', 'json'])).stdout).metadata.creationTimestamp as string;
  const server = await serveApi(quiet, g, { port: 0, host: '127.0.0.1' });
  let wall = 0;
  const seen: string[] = [];
  let stop = (): void => {};
  try {
    await new Promise<void>((resolve, reject) => {
      const budget = setTimeout(() => reject(new Error(`no three advances within 20 s: ${seen.join(', ')}`)), 20_000);
      stop = followWallClock(g, server, {
        speed: 2, tickMs: 5, wallMs: () => (wall += 1_000),
        onError: reject,
        onAdvance: (now) => { seen.push(now); if (seen.length === 3) { clearTimeout(budget); stop(); resolve(); } },
      });
    });
  } finally {
    stop();
    await server.close();
  }
  // 2 simulated seconds per wall second: 2000 ms each tick, the input's own gap included.
  const ms = seen.map((t) => Date.parse(t));
  assert.equal([ms[1]! - ms[0]!, ms[2]! - ms[1]!], [2_000, 2_000]);
  assert.ok(ms[0]! - Date.parse(before) >= 2_000);
  const log = await pvsim(cluster, ['log', 'verify']);
  assert.is(log.code, 0, log.stderr);
  rmSync(dirname(cluster), { recursive: true, force: true });
});

test('--speed and --paused: one or the other, a positive number', async () => {
  const cluster = tempCluster();
  for (const [args, message] of [[['--speed', '0'], 'error: invalid argument "0" for "--speed" flag: must be a positive number\n'], [['--speed', '2', '--paused'], 'error: --speed and --paused cannot be used together\n']] as const) {
    const r = await pvsim(cluster, ['serve', '--api', '--port', '0', ...args]);
    assert.equal([r.code, r.stderr], [1, message]);
  }
  rmSync(dirname(cluster), { recursive: true, force: true });
});

test.run();
