// `pvsim up`: a real process that starts nats-server through the launcher, serves commands given
// --nats, and on SIGINT stops the server and removes its store; a missing binary is a clear error.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pvsim, repoRoot } from './support.ts';

test('pvsim up runs a JetStream server for --nats and Ctrl-C stops it and removes its store', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'services/cli/src/main.ts'), 'up'], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (c) => { err += c; });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const ready = await new Promise<RegExpExecArray>((resolve, reject) => {
    child.stdout.on('data', (c) => {
      out += c;
      const m = /^nats-server (nats:\/\/127\.0\.0\.1:\d+) \(pid (\d+)\), JetStream store in (\S+)\n/m.exec(out);
      if (m && out.includes('Ctrl-C')) resolve(m);
    });
    void exited.then(() => reject(new Error(`pvsim up exited early: ${out}${err}`)));
  });
  const [, url, , storeDir] = ready;
  const applied = await pvsim('.unused', ['--nats', url!, '--cluster', 'up', 'apply', '-f', 'examples/static/01-volumes.yaml']);
  assert.is(applied.code, 0, applied.stderr);
  assert.ok(existsSync(storeDir!));
  child.kill('SIGINT');
  assert.is(await exited, 0, err);
  assert.match(out, /stopped nats-server and removed its store\n$/);
  assert.not.ok(existsSync(storeDir!));
});

test('pvsim up without a nats-server binary says so and how to install it', async () => {
  const r = await pvsim('.unused', ['up'], '', { PVSIM_NATS_SERVER: '/nonexistent/nats-server' });
  assert.is(r.code, 1);
  assert.match(r.stderr, /^error: nats-server not found \(looked in \/nonexistent\/nats-server\); install it with `apt-get install nats-server`/);
  assert.is(r.stderr.trim().split('\n').length, 1);
});

test.run();
