/**
 * Design: the cluster directory under the faults a careful user's CI meets — processes killed at
 * random and at aimed moments, many writers at once, a full disk, a read-only file system,
 * damaged bytes, an edited snapshot, a symlinked or foreign log. Every case runs the real CLI in
 * its own `node` process (the bundle built from src/ at the start), because locks, crashes and
 * races only exist between processes.
 *
 * After every trial: no acknowledged record lost (the log still starts with what it held when
 * the last successful command exited), the next command works without a hand edit, `log verify`
 * reproduces the log, and the storage invariants hold. Aimed kills pause the victim inside the
 * write path through the PVSIM_TEST_FAULT seam (clusterDir.ts) and kill it once it says it is
 * there; random kills are scheduled by a seeded PRNG, the fault schedule of the trial.
 *
 * Sample sizes: small in CI; PVSIM_FAULT_TRIALS=N runs N random and N aimed trials of each size.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { cliArgv, repoRoot } from './support.ts';

const TRIALS = Number(process.env['PVSIM_FAULT_TRIALS'] ?? 0);
const RANDOM_TRIALS = TRIALS || 4;
const AIMED_ROUNDS = TRIALS ? Math.ceil(TRIALS / 6) : 1;
const CONDITION_TIMEOUT_MS = 30_000;

const root = mkdtempSync(join(tmpdir(), 'pvsim-faults-'));
process.on('exit', () => rmSync(root, { recursive: true, force: true }));
let clusters = 0;
const freshCluster = () => join(root, `cluster-${++clusters}`);

interface Exit { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

interface Spawned { pid: number; exit: Promise<Exit>; kill(): void }

function start(cluster: string, args: string[], env: Record<string, string> = {}): Spawned {
  const child = spawn(process.execPath, cliArgv(['--cluster', cluster, ...args]), {
    cwd: repoRoot,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const exit = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })));
  return { pid: child.pid!, exit, kill: () => { child.kill('SIGKILL'); } };
}

const run = (cluster: string, args: string[], env: Record<string, string> = {}): Promise<Exit> => start(cluster, args, env).exit;

async function ok(cluster: string, args: string[], env: Record<string, string> = {}): Promise<Exit> {
  const r = await run(cluster, args, env);
  assert.is(r.code, 0, `pvsim ${args.join(' ')} exited ${r.code}:\n${r.stderr}`);
  return r;
}

/** Waits for `condition` with a bound, yielding to the event loop between looks. */
async function until(what: string, condition: () => boolean): Promise<void> {
  const deadline = performance.now() + CONDITION_TIMEOUT_MS;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}

const logPath = (cluster: string) => join(cluster, 'log.jsonl');
const logBytes = (cluster: string) => (existsSync(logPath(cluster)) ? readFileSync(logPath(cluster)) : Buffer.alloc(0));

/** Seeded PRNG (mulberry32): the fault schedule of a trial. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pvYaml(name: string, gi = 1): string {
  return `apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: ${name}\nspec:\n  capacity:\n    storage: ${gi}Gi\n  accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: Retain\n  hostPath:\n    path: /tmp/${name}\n`;
}

function pvcYaml(name: string, gi = 1): string {
  return `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: ${name}\n  namespace: default\nspec:\n  accessModes: [ReadWriteOnce]\n  storageClassName: ""\n  resources:\n    requests:\n      storage: ${gi}Gi\n`;
}

const manifests = join(root, 'manifests');
mkdirSync(manifests);
function manifest(name: string, text: string): string {
  const p = join(manifests, name);
  writeFileSync(p, text);
  return p;
}

/** A small apply (2 objects) and a large one (120 PVs and 120 claims that bind to them). */
const SMALL = () => manifest(`small-${++clusters}.yaml`, `${pvYaml(`s-${clusters}`)}---\n${pvcYaml(`s-${clusters}`)}`);
const LARGE = () => {
  const n = ++clusters;
  const docs: string[] = [];
  for (let i = 0; i < 120; i++) docs.push(pvYaml(`l-${n}-${i}`, 1 + (i % 5)), pvcYaml(`l-${n}-${i}`, 1 + (i % 5)));
  return manifest(`large-${n}.yaml`, docs.join('---\n'));
};

/** The storage invariants the log must keep: a Bound claim and its PV point at each other, one claim per PV. */
async function checkInvariants(cluster: string): Promise<void> {
  const r = await ok(cluster, ['get', 'pv,pvc', '-A', '-o', 'json']);
  const items = (JSON.parse(r.stdout) as { items: any[] }).items;
  const pvs = new Map(items.filter((o) => o.kind === 'PersistentVolume').map((o) => [o.metadata.name, o]));
  const claimedBy = new Map<string, string>();
  for (const c of items.filter((o) => o.kind === 'PersistentVolumeClaim' && o.status?.phase === 'Bound')) {
    const pv = pvs.get(c.spec.volumeName);
    assert.ok(pv, `claim ${c.metadata.name} is Bound to missing PV ${c.spec.volumeName}`);
    assert.is(pv.spec.claimRef?.name, c.metadata.name, `PV ${pv.metadata.name} does not point back at ${c.metadata.name}`);
    assert.not.ok(claimedBy.has(pv.metadata.name), `PV ${pv.metadata.name} is bound twice`);
    claimedBy.set(pv.metadata.name, c.metadata.name);
  }
}

/** After a fault: nothing acknowledged lost, the next command works, verify passes, invariants hold. */
async function afterFault(cluster: string, acknowledged: Buffer, label: string): Promise<void> {
  assert.ok(logBytes(cluster).subarray(0, acknowledged.length).equals(acknowledged), `${label}: acknowledged records lost`);
  const next = await run(cluster, ['apply', '-f', SMALL()]);
  assert.is(next.code, 0, `${label}: the next command failed:\n${next.stderr}`);
  assert.ok(logBytes(cluster).subarray(0, acknowledged.length).equals(acknowledged), `${label}: acknowledged records lost by the next command`);
  assert.not.ok(existsSync(`${logPath(cluster)}.lock`), `${label}: a lock was left behind`);
  const verify = await run(cluster, ['log', 'verify']);
  assert.is(verify.code, 0, `${label}: log verify failed:\n${verify.stderr}`);
  await checkInvariants(cluster);
}

const requestsIn = (cluster: string, id: string) =>
  logBytes(cluster).toString('utf8').split('\n').filter((l) => l.includes(`"requestId":${JSON.stringify(id)}`)).length;

const results: string[] = [];
process.on('exit', () => { if (results.length) process.stdout.write(`${results.join('\n')}\n`); });

test('build the CLI bundle the processes run', () => {
  assert.ok(existsSync(cliArgv([])[0]!));
});

test(`SIGKILL at random moments of small and large applies (${RANDOM_TRIALS} trials each)`, async () => {
  let killed = 0;
  let finished = 0;
  for (const size of ['small', 'large'] as const) {
    for (let trial = 0; trial < RANDOM_TRIALS; trial++) {
      const random = prng(trial * 7919 + (size === 'large' ? 1 : 0));
      const cluster = freshCluster();
      await ok(cluster, ['apply', '-f', SMALL()]);
      let acknowledged = logBytes(cluster);
      const file = size === 'small' ? SMALL() : LARGE();
      const victim = start(cluster, ['apply', '-f', file, '--request-id', `r-${trial}`], { PVSIM_SNAPSHOT_EVERY: String(1 + Math.floor(random() * 300)) });
      // The fault schedule: a kill anywhere in the command's life (start-up, fold, settle, write).
      const delayMs = Math.floor(random() * (size === 'small' ? 250 : 900));
      const timer = setTimeout(() => victim.kill(), delayMs);
      const exit = await victim.exit;
      clearTimeout(timer);
      if (exit.code === 0) { finished++; acknowledged = logBytes(cluster); } else { killed++; assert.is(exit.signal, 'SIGKILL', exit.stderr); }
      await afterFault(cluster, acknowledged, `${size} trial ${trial} (kill after ${delayMs} ms)`);
      // Retrying the killed command is safe: applied at most once.
      await ok(cluster, ['apply', '-f', file, '--request-id', `r-${trial}`]);
      assert.is(requestsIn(cluster, `r-${trial}`), 1);
    }
  }
  results.push(`random SIGKILL: ${2 * RANDOM_TRIALS} trials, ${killed} killed mid-command, ${finished} finished first; all recovered`);
});

const AIMED_POINTS = ['lock', 'write', 'mid-write', 'fsync', 'appended', 'snapshot'] as const;

test(`SIGKILL aimed at every point of the write path (${AIMED_ROUNDS} round(s) of ${AIMED_POINTS.length})`, async () => {
  let trials = 0;
  let landed = 0;
  for (let round = 0; round < AIMED_ROUNDS; round++) {
    for (const point of AIMED_POINTS) {
      const cluster = freshCluster();
      const pauseDir = mkdtempSync(join(root, 'pause-'));
      await ok(cluster, ['apply', '-f', SMALL()]);
      const acknowledged = logBytes(cluster);
      const file = round % 2 === 0 ? SMALL() : LARGE();
      const id = `aimed-${round}-${point}`;
      const victim = start(cluster, ['apply', '-f', file, '--request-id', id], {
        PVSIM_TEST_FAULT: `${point}:pause`, PVSIM_TEST_PAUSE_DIR: pauseDir, PVSIM_SNAPSHOT_EVERY: '1',
      });
      await until(`${point} pause of pid ${victim.pid}`, () => existsSync(join(pauseDir, `paused.${victim.pid}`)));
      victim.kill();
      assert.is((await victim.exit).signal, 'SIGKILL');
      trials++;
      await afterFault(cluster, acknowledged, `kill at ${point}`);
      // Counted after the next command, which removes a batch the kill left unfinished.
      if (requestsIn(cluster, id) === 1) landed++;
      await ok(cluster, ['apply', '-f', file, '--request-id', id]);
      assert.is(requestsIn(cluster, id), 1, `kill at ${point}: the retried command is in the log once`);
    }
  }
  results.push(`aimed SIGKILL: ${trials} trials over ${AIMED_POINTS.join(', ')}; ${landed} batches were durable before the kill (recognised on retry); 0 needed a hand edit`);
});

test('a new cluster killed while it is written (fork, record import, a check counterexample): none appears, no command trusts the leftover, the next creator removes it and succeeds', async () => {
  const source = freshCluster();
  await ok(source, ['apply', '-f', LARGE()]);
  const recording = join(root, `recording-${++clusters}.json`);
  writeFileSync(recording, (await ok(source, ['record', 'export', '--format', 'watch'])).stdout);
  // Each writer with the points it passes: inside an append to the new log, and just before the rename.
  const writers: [string, readonly string[], (target: string) => string[]][] = [
    ['fork', ['publish'], (t) => ['fork', '--to', t]],
    ['record import', ['mid-write', 'publish'], (t) => ['record', 'import', recording, '--to', t]],
    ['check', ['mid-write', 'publish'], (t) => ['check', 'examples/check/zonal-immediate/immediate.yaml', '--max-delays', '0', '--out', t]],
  ];
  let trials = 0;
  for (const [name, points, args] of writers) {
    for (const point of points) {
      const parent = join(root, `new-${++clusters}`);
      const target = join(parent, 'x');
      // A check writes its counterexamples as numbered directories under --out.
      const cluster = name === 'check' ? join(target, '1') : target;
      const pauseDir = mkdtempSync(join(root, 'pause-'));
      const victim = start(source, args(target), { PVSIM_TEST_FAULT: `${point}:pause`, PVSIM_TEST_PAUSE_DIR: pauseDir });
      await until(`${name} ${point} pause of pid ${victim.pid}`, () => existsSync(join(pauseDir, `paused.${victim.pid}`)));
      victim.kill();
      assert.is((await victim.exit).signal, 'SIGKILL');
      trials++;
      const label = `${name} killed at ${point}`;
      assert.not.ok(existsSync(cluster), `${label}: a half cluster was published`);
      const dirOf = dirname(cluster);
      assert.is(readdirSync(dirOf).filter((n) => n.startsWith(`.${basename(cluster)}.new-`)).length, 1, `${label}: the unfinished directory is there, under a dot name`);
      const read = await run(cluster, ['get', 'pv']);
      assert.is(read.code, 1, `${label}: a read of the unpublished cluster must fail`);
      assert.match(read.stderr, 'does not exist');
      // A check exits 1: it found the scenario's known violation, and wrote its counterexample.
      const again = await run(source, args(target));
      assert.is(again.code, name === 'check' ? 1 : 0, `${label}: ${again.stderr}`);
      assert.match(again.stderr, 'took over the lock on creating');
      assert.match(again.stderr, 'never published');
      assert.equal(readdirSync(dirOf).filter((n) => n.startsWith('.')), [], `${label}: the leftover and the lock are gone`);
      const verify = await run(cluster, ['log', 'verify']);
      assert.is(verify.code, 0, `${label}: ${verify.stderr}`);
    }
  }
  results.push(`new cluster directories: ${trials} kills (fork, record import, check; inside the log's append and before the rename); none published half, all recovered by the next creator`);
});

test('20 parallel writers on a new cluster all succeed, in some order, nothing lost or doubled', async () => {
  const cluster = freshCluster();
  const writers = 20;
  const files = Array.from({ length: writers }, (_, i) => manifest(`par-${i}.yaml`, pvYaml(`par-${i}`)));
  const exits = await Promise.all(files.map((f) => run(cluster, ['apply', '-f', f])));
  exits.forEach((e, i) => assert.is(e.code, 0, `writer ${i}: ${e.stderr}`));
  const applies = logBytes(cluster).toString('utf8').split('\n').filter((l) => l.includes('"type":"ApplyRequested"'));
  assert.is(applies.length, writers);
  for (let i = 0; i < writers; i++) assert.is(applies.filter((l) => l.includes(`"name":"par-${i}"`)).length, 1, `par-${i} once`);
  const names = (await ok(cluster, ['get', 'pv', '-o', 'name'])).stdout.trim().split('\n');
  assert.is(names.length, writers);
  await ok(cluster, ['log', 'verify']);
  // Readers run during writes and never mistake a write in progress for a torn one.
  const mixed = await Promise.all([
    ...Array.from({ length: 10 }, (_, i) => run(cluster, ['advance', '1s', '--request-id', `adv-${i}`])),
    ...Array.from({ length: 10 }, () => run(cluster, ['get', 'pv'])),
  ]);
  mixed.forEach((e) => { assert.is(e.code, 0, e.stderr); assert.not.match(e.stderr, 'never finished'); });
  results.push(`parallel: ${writers} writers, then 10 writers + 10 readers at once: all exit 0, each apply once`);
});

test('a full disk while writing the log: one line, exit 1, the log as it was; the snapshot failing does not fail the command', async () => {
  const cluster = freshCluster();
  await ok(cluster, ['apply', '-f', SMALL()]);
  const before = logBytes(cluster);
  const full = await run(cluster, ['apply', '-f', SMALL()], { PVSIM_TEST_FAULT: 'mid-write:ENOSPC' });
  assert.is(full.code, 1);
  assert.is(full.stderr.trim().split('\n').length, 1, full.stderr);
  assert.match(full.stderr, 'no space left');
  assert.ok(logBytes(cluster).equals(before));
  const snapshotFull = await run(cluster, ['advance', '5m', '--request-id', 'five'], { PVSIM_TEST_FAULT: 'snapshot:ENOSPC', PVSIM_SNAPSHOT_EVERY: '1' });
  assert.is(snapshotFull.code, 0, snapshotFull.stderr);
  assert.match(snapshotFull.stderr, 'snapshot (a cache) was not written');
  const retried = await ok(cluster, ['advance', '5m', '--request-id', 'five']);
  assert.match(retried.stderr, 'already applied');
  assert.match((await ok(cluster, ['advance', '0s'])).stdout, 'T00:05:0');
  assert.equal(readdirSync(cluster).filter((n) => n.endsWith('.tmp')), []);
  await afterFault(cluster, logBytes(cluster), 'disk full');
});

test('a read-only file system: one line, exit 1, nothing written, no lock left', async () => {
  const cluster = freshCluster();
  await ok(cluster, ['apply', '-f', SMALL()]);
  const before = logBytes(cluster);
  const r = await run(cluster, ['apply', '-f', SMALL()], { PVSIM_TEST_FAULT: 'open:EROFS' });
  assert.is(r.code, 1);
  assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, 'read-only');
  assert.ok(logBytes(cluster).equals(before));
  assert.not.ok(existsSync(`${logPath(cluster)}.lock`));
});

test('damage at the end and in the middle of the log: one line; repair needs --force and writes a backup', async () => {
  for (const where of ['end', 'middle'] as const) {
    const cluster = freshCluster();
    await ok(cluster, ['apply', '-f', SMALL()]);
    await ok(cluster, ['apply', '-f', SMALL()]);
    const bytes = logBytes(cluster);
    const at = where === 'end' ? bytes.length - 5 : Math.floor(bytes.length / 3);
    bytes[at]! ^= 0x04;
    writeFileSync(logPath(cluster), bytes);
    const read = await run(cluster, ['get', 'pv']);
    assert.is(read.code, 1);
    assert.is(read.stderr.trim().split('\n').length, 1, read.stderr);
    const report = await run(cluster, ['log', 'repair']);
    assert.is(report.code, 1);
    assert.ok(logBytes(cluster).equals(bytes), 'repair without --force changed nothing');
    await ok(cluster, ['log', 'repair', '--force']);
    assert.ok(readFileSync(`${logPath(cluster)}.damaged-1`).equals(bytes));
    await ok(cluster, ['apply', '-f', SMALL()]);
    await ok(cluster, ['log', 'verify']);
  }
});

test('a tampered snapshot is ignored and rebuilt; a snapshot.json that is a directory does not fail writes', async () => {
  const cluster = freshCluster();
  await ok(cluster, ['apply', '-f', manifest('snap.yaml', pvYaml('snap-pv', 3))], { PVSIM_SNAPSHOT_EVERY: '1' });
  const snapshot = join(cluster, 'snapshot.json');
  writeFileSync(snapshot, readFileSync(snapshot, 'utf8').replace('"3Gi"', '"9Gi"'));
  const shown = await ok(cluster, ['get', 'pv', 'snap-pv']);
  assert.match(shown.stdout, '3Gi');
  await ok(cluster, ['advance', '1s'], { PVSIM_SNAPSHOT_EVERY: '1' });
  assert.not.match(readFileSync(snapshot, 'utf8'), '9Gi');
  const dirCluster = freshCluster();
  mkdirSync(join(dirCluster, 'snapshot.json'), { recursive: true });
  const w = await run(dirCluster, ['apply', '-f', SMALL()], { PVSIM_SNAPSHOT_EVERY: '1' });
  assert.is(w.code, 0, w.stderr);
  assert.match(w.stderr, 'not written');
  await ok(dirCluster, ['log', 'verify']);
});

test('a symlinked log and a foreign log.jsonl are refused in one line and never changed', async () => {
  const cluster = freshCluster();
  await ok(cluster, ['apply', '-f', SMALL()]);
  const linked = freshCluster();
  mkdirSync(linked);
  symlinkSync(logPath(cluster), logPath(linked));
  const target = logBytes(cluster);
  for (const args of [['get', 'pv'], ['apply', '-f', SMALL()], ['log', 'repair', '--force']]) {
    const r = await run(linked, args);
    assert.is(r.code, 1, args.join(' '));
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, 'symbolic link');
  }
  assert.ok(logBytes(cluster).equals(target));
  const foreign = freshCluster();
  mkdirSync(foreign);
  const text = '{"ts":1,"msg":"another program"}\n{"ts":2}\n';
  writeFileSync(logPath(foreign), text);
  for (const args of [['get', 'pv'], ['apply', '-f', SMALL()], ['log', 'repair'], ['log', 'repair', '--force']]) {
    const r = await run(foreign, args);
    assert.is(r.code, 1, args.join(' '));
    assert.is(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, 'not a pvsim event log');
  }
  assert.is(readFileSync(logPath(foreign), 'utf8'), text);
  assert.equal(readdirSync(foreign), ['log.jsonl']);
});

test('cluster directory rules: --cluster "" refused, a missing directory for a read says so and is not created', async () => {
  const empty = await run('', ['get', 'pv']);
  assert.is(empty.code, 1);
  assert.match(empty.stderr, 'must not be empty');
  const missing = join(root, 'no-such-cluster');
  const r = await run(missing, ['get', 'pv']);
  assert.is(r.code, 1);
  assert.match(r.stderr, 'does not exist');
  assert.not.ok(existsSync(missing));
  const notDir = join(root, 'a-file');
  writeFileSync(notDir, 'x');
  const w = await run(join(notDir, 'cluster'), ['apply', '-f', SMALL()]);
  assert.is(w.code, 1);
  assert.is(w.stderr.trim().split('\n').length, 1, w.stderr);
});

test('advance on an idle cluster writes records for what happened, not for the time advanced', async () => {
  const cluster = freshCluster();
  await ok(cluster, ['apply', '-f', join(repoRoot, 'examples/pod-volumes/01-config.yaml'), '-f', join(repoRoot, 'examples/pod-volumes/02-pod.yaml')]);
  const before = statSync(logPath(cluster)).size;
  const lines = () => logBytes(cluster).toString('utf8').split('\n').length;
  const n = lines();
  await ok(cluster, ['advance', '24h']);
  assert.ok(lines() - n < 20, `advance 24h added ${lines() - n} records`);
  assert.ok(statSync(logPath(cluster)).size - before < 10_000);
  await ok(cluster, ['log', 'verify']);
});

test.run();
