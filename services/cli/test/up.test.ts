// `pvsim up`: a real process that starts nats-server through the launcher, serves commands given
// --nats, and on SIGINT stops the server and removes its store; a missing binary is a clear error.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { cliArgv, logBytes, pvsim, repoRoot, tempCluster } from './support.ts';
import { driverProcesses } from '../src/upVerb.ts';

/** `pvsim [GLOBALS] up ARGS` as a real process; resolves once it printed its "Ctrl-C" line. */
async function startUp(args: string[], globals: string[] = []): Promise<{ child: ReturnType<typeof spawn>; out: () => string; err: () => string; exited: Promise<number | null>; ready: RegExpExecArray }> {
  const child = spawn(process.execPath, cliArgv([...globals, 'up', ...args]), { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
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
  return { child, out: () => out, err: () => err, exited, ready };
}

/** Resolves once disk-pod is Running; looked at again whenever a process of `up` prints, with a budget. */
async function untilDiskPodRunning(child: ReturnType<typeof spawn>, nats: string[], out: () => string, err: () => string): Promise<void> {
  const phase = async () => (await pvsim('.unused', [...nats, 'get', 'pod', 'disk-pod', '-o', 'jsonpath={.status.phase}'])).stdout;
  await new Promise<void>((resolve, reject) => {
    let looking = false;
    let again = false;
    const look = async (): Promise<void> => {
      if (looking) { again = true; return; }
      looking = true;
      do {
        again = false;
        if (await phase() === 'Running') { child.stdout!.off('data', onData); resolve(); return; }
      } while (again);
      looking = false;
    };
    const onData = () => void look();
    child.stdout!.on('data', onData);
    void look();
    const budget = setTimeout(() => reject(new Error(`disk-pod not Running within 240 s: ${out()}${err()}`)), 240_000);
    budget.unref();
  });
}

test('pvsim up runs a JetStream server for --nats and Ctrl-C stops it and removes its store', async () => {
  const { child, out, err, exited, ready } = await startUp([]);
  const [, url, , storeDir] = ready;
  const applied = await pvsim('.unused', ['--nats', url!, '--cluster', 'up', 'apply', '-f', 'examples/static/01-volumes.yaml']);
  assert.is(applied.code, 0, applied.stderr);
  assert.ok(existsSync(storeDir!));
  child.kill('SIGINT');
  assert.is(await exited, 0, err());
  assert.match(out(), /stopped nats-server and removed its store\n$/);
  assert.not.ok(existsSync(storeDir!));
});

test('pvsim up --workers 1 also runs a worker that pvsim sim --nats uses; Ctrl-C stops the worker too', async () => {
  const { child, out, err, exited, ready } = await startUp(['--workers', '1']);
  const [, url] = ready;
  const worker = /^pvsim worker 1 \(pid (\d+)\) pulling tasks for pvsim sim --nats$/m.exec(out());
  assert.ok(worker, out());
  const sim = await pvsim('.unused', ['--nats', url!, '--cluster', 'up', 'sim', 'examples/check/zonal-immediate/fixed.yaml', '--runs', '1', '--out', join(tempCluster(), 'found')]);
  assert.is(sim.code, 0, sim.stderr);
  assert.match(sim.stdout, /^1 runs of .* \(seeds 1\.\.1\), 0 failed\n$/);
  child.kill('SIGINT');
  assert.is(await exited, 0, err());
  assert.match(out(), /stopped 1 worker\(s\)\nstopped nats-server and removed its store\n$/);
  assert.throws(() => process.kill(Number(worker![1]), 0), /ESRCH/, 'the worker process is gone');
});

test('pvsim up --serve pv-controller starts the cluster and a component process that binds what apply --wait=false left', async () => {
  const { child, out, err, exited, ready } = await startUp(['--serve', 'pv-controller']);
  const [, url] = ready;
  assert.match(out(), /^pvsim serve --only pv-controller \(pid \d+\) for cluster default$/m);
  const nats = ['--nats', url!, '--cluster', 'default'];
  const applied = await pvsim('.unused', [...nats, 'apply', '-f', 'examples/static/', '--wait=false']);
  assert.is(applied.code, 0, applied.stderr);
  // The process's lines come through up's stdout; wait for its transaction, with a budget.
  await new Promise<void>((resolve, reject) => {
    const seen = () => /^pv-controller: appended records \d+-\d+$/m.test(out());
    if (seen()) { resolve(); return; }
    child.stdout!.on('data', () => { if (seen()) resolve(); });
    const budget = setTimeout(() => reject(new Error(`no transaction of the pv-controller within 180 s: ${out()}${err()}`)), 180_000);
    budget.unref();
  });
  const pvc = await pvsim('.unused', [...nats, 'get', 'pvc', 'db-data', '-o', 'jsonpath={.status.phase}']);
  assert.is(pvc.stdout, 'Bound', pvc.stderr);
  child.kill('SIGINT');
  assert.is(await exited, 0, err());
  assert.match(out(), /stopped pvsim serve\nstopped nats-server and removed its store\n$/);
});

test('pvsim up --nodes 3 --serve all runs a whole cluster as processes: a pod with a provisioned disk runs after apply --wait=false', async () => {
  const { child, out, err, exited, ready } = await startUp(['--nodes', '3', '--serve', 'all']);
  const [, url] = ready;
  assert.match(out(), /^cluster default started with 3 node\(s\)$/m);
  assert.match(out(), /^pvsim serve --only pv-controller,.*,scheduler,attachdetach,.* \(pid \d+\) for cluster default$/m);
  for (const d of ['nas', 'disk']) assert.match(out(), new RegExp(`^pvsim csi-driver ${d}\\.csi\\.pvsim\\.dev \\(pid \\d+\\) for cluster default$`, 'm'));
  for (const n of ['node-a', 'node-b', 'node-c']) assert.match(out(), new RegExp(`^pvsim kubelet --node ${n} \\(pid \\d+\\) for cluster default$`, 'm'));
  const nats = ['--nats', url!, '--cluster', 'default'];
  const applied = await pvsim('.unused', [...nats, 'apply', '-f', 'examples/lecture/dynamic-disk/', '--wait=false']);
  assert.is(applied.code, 0, applied.stderr);
  await untilDiskPodRunning(child, nats, out, err);
  const verified = await pvsim('.unused', [...nats, 'log', 'verify']);
  assert.match(verified.stdout, /^log verified: /, verified.stderr);
  child.kill('SIGINT');
  assert.is(await exited, 0, err());
  assert.match(out(), /stopped 6 component process\(es\)\nstopped nats-server and removed its store\n$/);
});

test('pvsim --lockstep up --serve all starts every process in lockstep: a lockstep apply writes the embedded log byte for byte', async () => {
  const { child, out, err, exited, ready } = await startUp(['--serve', 'all'], ['--lockstep']);
  try {
    assert.match(out(), /^pvsim serve --only .* --lockstep \(pid \d+\) for cluster default$/m);
    assert.match(out(), /^pvsim kubelet --node node-a --lockstep \(pid \d+\) for cluster default$/m);
    assert.match(out(), /^use it: pvsim --nats \S+ --cluster default --lockstep COMMAND/m);
    const nats = ['--nats', ready[1]!, '--cluster', 'default'];
    const applied = await pvsim('.unused', [...nats, '--lockstep', 'apply', '-f', 'examples/static/']);
    assert.is(applied.code, 0, applied.stderr);
    const embedded = tempCluster();
    assert.is((await pvsim(embedded, ['apply', '-f', 'examples/static/'])).code, 0);
    const exported = await pvsim('.unused', [...nats, 'log', 'export']);
    assert.is(exported.stdout, logBytes(embedded));
    child.kill('SIGINT');
    assert.is(await exited, 0, err());
    assert.match(out(), /stopped nats-server and removed its store\n$/);
  } finally {
    child.kill('SIGKILL');
  }
});

test('up --serve drivers --driver-rpc: each driver its own process answering over NATS, a module for disk; sidecars and kubelets call it', async () => {
  assert.equal(driverProcesses(['a.csi', 'b.csi'], false), { drivers: [['csi-driver', 'a.csi'], ['csi-driver', 'b.csi']], kubeletGlobals: [] });
  assert.equal(driverProcesses(['a.csi', 'b.csi'], true, { 'b.csi': '/m.mjs' }), {
    drivers: [['csi-driver', 'a.csi', '--rpc'], ['--csi-rpc', 'a.csi,b.csi', 'csi-driver', 'a.csi'], ['csi-driver', 'b.csi=/m.mjs'], ['--csi-rpc', 'a.csi,b.csi', 'csi-driver', 'b.csi']],
    kubeletGlobals: ['--csi-rpc', 'a.csi,b.csi'],
  });
  assert.throws(() => driverProcesses(['a.csi'], false, { 'a.csi': '/m.mjs' }), /give --driver-rpc too/);
  assert.throws(() => driverProcesses(['a.csi'], true, { 'z.csi': '/m.mjs' }), /no driver of that name/);

  const { child, out, err, exited, ready } = await startUp(['--nodes', '2', '--serve', 'all', '--driver-rpc', '--csi-driver', 'disk.csi.pvsim.dev=examples/check/csi-driver/disk-driver.mjs']);
  const [, url] = ready;
  assert.match(out(), /^pvsim csi-driver nas\.csi\.pvsim\.dev --rpc \(pid \d+\)/m);
  assert.match(out(), /^pvsim csi-driver disk\.csi\.pvsim\.dev=\S+disk-driver\.mjs \(pid \d+\)/m);
  assert.match(out(), /^pvsim --csi-rpc nas\.csi\.pvsim\.dev,disk\.csi\.pvsim\.dev kubelet --node node-a \(pid \d+\)/m);
  const nats = ['--nats', url!, '--cluster', 'default'];
  const applied = await pvsim('.unused', [...nats, 'apply', '-f', 'examples/lecture/dynamic-disk/', '--wait=false']);
  assert.is(applied.code, 0, applied.stderr);
  await untilDiskPodRunning(child, nats, out, err);
  const log = await pvsim('.unused', [...nats, 'log']);
  assert.match(log.stdout, /"type":"CsiRpcAnswered".*"rpc":"NodePublishVolume"/);
  const verified = await pvsim('.unused', [...nats, 'log', 'verify']);
  assert.match(verified.stdout, /^log verified: /, verified.stderr);
  child.kill('SIGINT');
  assert.is(await exited, 0, err());
});

test('pvsim up without a nats-server binary says so and how to install it', async () => {
  const r = await pvsim('.unused', ['up'], '', { PVSIM_NATS_SERVER: '/nonexistent/nats-server' });
  assert.is(r.code, 1);
  assert.match(r.stderr, /^error: nats-server not found \(looked in \/nonexistent\/nats-server\); install it with `apt-get install nats-server`/);
  assert.is(r.stderr.trim().split('\n').length, 1);
});

test.run();
