// The CLI over a cluster whose log is in NATS JetStream (ADR 0007), against a real nats-server
// started by the one launcher: the same commands give the same log as a file cluster, read verbs
// and `log verify` work there, and `log export`/`log import` move a cluster between the stores.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startNatsServer } from '@pvsim/nats';
import { pvsim, logBytes, tempCluster } from './support.ts';

const server = await startNatsServer();
process.on('exit', () => void server.stop());
const nats = (cluster: string) => ['--nats', server.url, '--cluster', cluster];
const run = (args: string[], stdin = '') => pvsim('.unused', args, stdin);
const ok = async (args: string[], stdin = '') => {
  const r = await run(args, stdin);
  assert.is(r.code, 0, `pvsim ${args.join(' ')}: ${r.stderr}`);
  return r;
};
// Three commands, after the fresh cluster's own batch (ClusterInitRequested): four inputs, four batches.
const STEPS = [['apply', '-f', 'examples/static/01-volumes.yaml'], ['apply', '-f', 'examples/static/02-claims.yaml'], ['delete', 'pvc', 'scratch']];

test('the same commands on a NATS cluster and a file cluster give byte-identical logs and the same objects', async () => {
  const dir = tempCluster();
  for (const step of STEPS) {
    await ok([...nats('same'), ...step]);
    const r = await pvsim(dir, step);
    assert.is(r.code, 0, r.stderr);
  }
  const exported = (await ok([...nats('same'), 'log', 'export'])).stdout;
  assert.is(exported, logBytes(dir));
  const get = ['get', 'pv,pvc', '-o', 'json'];
  assert.is((await ok([...nats('same'), ...get])).stdout, (await pvsim(dir, get)).stdout);
  assert.match((await ok([...nats('same'), 'log', 'verify'])).stdout, /log verified: 4 inputs re-executed/);
  assert.is((await ok([...nats('same'), 'log'])).stdout, exported);
});

test('log import moves a file cluster into NATS and back, byte for byte, and the result verifies', async () => {
  const dir = tempCluster();
  for (const step of STEPS) assert.is((await pvsim(dir, step)).code, 0);
  const file = join(dir, 'log.jsonl');
  assert.match((await ok([...nats('moved'), 'log', 'import', '-f', file])).stdout, /imported \d+ records in 4 batches into cluster moved in NATS/);
  assert.is((await ok([...nats('moved'), 'log', 'export'])).stdout, readFileSync(file, 'utf8'));
  assert.match((await ok([...nats('moved'), 'log', 'verify'])).stdout, /log verified/);
  const back = tempCluster();
  const text = (await ok([...nats('moved'), 'log', 'export'])).stdout;
  const r = await pvsim(back, ['log', 'import', '-f', '-'], text);
  assert.is(r.code, 0, r.stderr);
  assert.is(logBytes(back), text);
});

test('import refuses a non-empty target and bad input, naming the line, and applies nothing', async () => {
  const dir = tempCluster();
  assert.is((await pvsim(dir, STEPS[0]!)).code, 0);
  const text = logBytes(dir);
  await ok([...nats('full'), 'log', 'import', '-f', '-'], text);
  const again = await run([...nats('full'), 'log', 'import', '-f', '-'], text);
  assert.is(again.code, 1);
  assert.match(again.stderr, /^error: cluster full in NATS at nats:\/\/127\.0\.0\.1:\d+ already holds \d+ records; import only into an empty cluster\n$/);
  const lines = text.split('\n');
  const tampered = [lines[0], lines[1]!.replace('"pos":2', '"pos":3'), ...lines.slice(2)].join('\n');
  const bad = await run([...nats('bad'), 'log', 'import', '-f', '-'], tampered);
  assert.is(bad.code, 1);
  assert.match(bad.stderr, /^error: stdin:2: record 2 is failing its checksum; nothing imported\n$/);
  const unfinished = lines.slice(0, 2).join('\n') + '\n';
  const cut = await run([...nats('bad'), 'log', 'import', '-f', '-'], unfinished);
  assert.match(cut.stderr, /^error: stdin:2: the last batch \(from record 1\) never finished/);
  assert.is((await ok([...nats('bad'), 'log', 'export'])).stdout, '');
});

test('nats-server restarted between commands: the next ones reconnect, nothing is lost or applied twice', async () => {
  const dir = tempCluster();
  for (const [k, step] of STEPS.entries()) {
    if (k > 0) await server.restart();
    await ok([...nats('restarts'), ...step]);
    assert.is((await pvsim(dir, step)).code, 0);
  }
  assert.is((await ok([...nats('restarts'), 'log', 'export'])).stdout, logBytes(dir));
  assert.match((await ok([...nats('restarts'), 'log', 'verify'])).stdout, /log verified: 4 inputs re-executed/);
});

test('with authorization on, credentials in the URL pass through, and a missing or wrong one is a one-line error that hides them', async () => {
  const secured = await startNatsServer({ args: ['--user', 'pvsim', '--pass', 's3cret'] });
  try {
    const url = secured.url.replace('nats://', 'nats://pvsim:s3cret@');
    await ok(['--nats', url, '--cluster', 'auth', 'apply', '-f', 'examples/static/01-volumes.yaml']);
    assert.match((await ok(['--nats', url, '--cluster', 'auth', 'get', 'pv'])).stdout, /nas-5g/);
    for (const bad of [secured.url, secured.url.replace('nats://', 'nats://pvsim:wrong@')]) {
      const r = await run(['--nats', bad, '--cluster', 'auth', 'get', 'pv']);
      assert.is(r.code, 1);
      assert.match(r.stderr, /^error: cannot connect to NATS at nats:\/\/127\.0\.0\.1:\d+: Authorization Violation\n$/);
      assert.not.match(r.stderr, /wrong|s3cret/);
    }
  } finally {
    await secured.stop();
  }
});

test('a bad --nats URL, an unreachable server and a cluster name NATS cannot hold are one-line errors', async () => {
  const url = await run(['--nats', 'localhost', '--cluster', 'x', 'get', 'pv']);
  assert.is(url.code, 1);
  assert.match(url.stderr, /^error: --nats "localhost" is not a NATS server URL/);
  const name = await run(['--nats', server.url, '--cluster', 'a.b', 'get', 'pv']);
  assert.match(name.stderr, /^error: --cluster: cluster name "a\.b" must be 1 to 64 characters/);
  const down = await run(['--nats', 'nats://127.0.0.1:1', '--cluster', 'x', 'get', 'pv']);
  assert.is(down.code, 1);
  assert.match(down.stderr, /^error: cannot connect to NATS at nats:\/\/127\.0\.0\.1:1: /);
  assert.is(down.stderr.trim().split('\n').length, 1);
});

test.run();
