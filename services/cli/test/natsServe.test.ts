// A component process of a free-running distributed run (ADR 0019), against a real nats-server
// started by the one launcher: `pvsim serve --only pv-controller` binds the claims a separate
// `apply --wait=false` left pending, the cluster's log verifies (the distributed run re-executes
// embedded byte for byte), a process killed before its append wrote nothing and its restart
// converges with no volume bound twice, two processes at once never bind a volume twice, and a
// process whose server restarts reconnects and goes on.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JetStreamEventLog, startNatsServer } from '@pvsim/nats';
import { ExpectedVersionConflict } from '@pvsim/domain';
import { FollowingSessions } from '../src/componentHost.ts';
import { runInput } from '../src/inputs.ts';
import { openSession } from '../src/session.ts';
import type { GlobalOptions } from '../src/verbTypes.ts';
import { cliArgv, pvsim, repoRoot } from './support.ts';

const server = await startNatsServer();
const children: ChildProcess[] = [];
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); void server.stop(); });
const nats = (cluster: string) => ['--nats', server.url, '--cluster', cluster];
/** A budget for a child on a loaded machine, never a pause: exceeding it fails with what the child printed. */
const BUDGET_MS = 180_000;

const ok = async (args: string[]) => {
  const r = await pvsim('.unused', args);
  assert.is(r.code, 0, `pvsim ${args.join(' ')}: ${r.stderr}`);
  return r;
};

interface Served {
  child: ChildProcess;
  exited: Promise<NodeJS.Signals | number | null>;
  /** Resolves with stdout once `re` has matched it `times` times; rejects after the budget, naming what it printed. */
  waitFor(re: RegExp, times?: number): Promise<string>;
}

function serve(cluster: string, env: Record<string, string> = {}): Served {
  const child = spawn(process.execPath, cliArgv([...nats(cluster), 'serve', '--only', 'pv-controller']), {
    cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env },
  });
  children.push(child);
  let out = '';
  let err = '';
  const count = (re: RegExp) => (out.match(new RegExp(re.source, 'gm')) ?? []).length;
  const waiters: { re: RegExp; times: number; resolve: (s: string) => void }[] = [];
  child.stdout!.on('data', (c) => {
    out += c;
    for (const w of waiters.splice(0)) { if (count(w.re) >= w.times) w.resolve(out); else waiters.push(w); }
  });
  child.stderr!.on('data', (c) => { err += c; });
  const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('close', (code, signal) => resolve(signal ?? code)));
  return {
    child, exited,
    waitFor: (re, times = 1) => new Promise((resolve, reject) => {
      if (count(re) >= times) { resolve(out); return; }
      waiters.push({ re, times, resolve });
      const budget = setTimeout(() => reject(new Error(`serve did not print ${re} ${times}x within ${BUDGET_MS} ms; it printed:\n${out}${err}`)), BUDGET_MS);
      budget.unref();
      void exited.then(() => reject(new Error(`serve exited before printing ${re} ${times}x:\n${out}${err}`)));
    }),
  };
}

async function claimsAndVolumes(cluster: string): Promise<{ claims: Map<string, { phase: string; volume?: string }>; volumes: Map<string, { phase: string; claim?: string }> }> {
  const items = JSON.parse((await ok([...nats(cluster), 'get', 'pv,pvc', '-o', 'json'])).stdout).items as any[];
  const claims = new Map<string, { phase: string; volume?: string }>();
  const volumes = new Map<string, { phase: string; claim?: string }>();
  for (const o of items) {
    if (o.kind === 'PersistentVolumeClaim') claims.set(o.metadata.name, { phase: o.status?.phase, ...(o.spec.volumeName ? { volume: o.spec.volumeName } : {}) });
    else volumes.set(o.metadata.name, { phase: o.status?.phase, ...(o.spec.claimRef ? { claim: o.spec.claimRef.name } : {}) });
  }
  return { claims, volumes };
}

/** Every claim and volume bound at most once, and each binding agreed from both sides. */
function assertNoDoubleBind(state: Awaited<ReturnType<typeof claimsAndVolumes>>): void {
  const used = new Map<string, string>();
  for (const [name, c] of state.claims) {
    if (!c.volume) continue;
    assert.not.ok(used.has(c.volume), `volume ${c.volume} is bound by ${used.get(c.volume)} and ${name}`);
    used.set(c.volume, name);
    if (c.phase === 'Bound') assert.is(state.volumes.get(c.volume)?.claim, name, `claim ${name} is bound to ${c.volume}, whose claimRef is ${state.volumes.get(c.volume)?.claim}`);
  }
}

/** What `apply --wait=false` of examples/static leaves for a pv-controller, then settled by one: as embedded, in that order. */
const EXPECTED = { 'db-data': 'disk-10g', 'shared-data': 'nas-5g' };

async function assertBoundAsEmbedded(cluster: string): Promise<void> {
  const state = await claimsAndVolumes(cluster);
  assertNoDoubleBind(state);
  for (const [claim, volume] of Object.entries(EXPECTED)) assert.equal(state.claims.get(claim), { phase: 'Bound', volume }, `claim ${claim}`);
  // The third claim's volume was not Available yet when its sync ran (queue order), exactly as an
  // embedded `apply --wait=false` + delivery in the same order leaves it; the next resync binds it.
  assert.equal(state.claims.get('scratch'), { phase: 'Pending' });
}

test('a pv-controller process binds what apply --wait=false left, and the log re-executes embedded byte for byte', async () => {
  await ok([...nats('served'), 'apply', '-f', 'examples/static/', '--wait=false']);
  const before = await claimsAndVolumes('served');
  assert.ok([...before.claims.values()].every((c) => c.phase === 'Pending'), 'nothing is bound before the process runs');
  const p = serve('served');
  await p.waitFor(/^pv-controller: appended records \d+-\d+$/);
  await assertBoundAsEmbedded('served');
  assert.match((await ok([...nats('served'), 'log', 'verify'])).stdout, /log verified: 3 inputs re-executed/);
  p.child.kill('SIGTERM');
  assert.is(await p.exited, 0);
});

test('the pv-controller process killed before its append wrote nothing; restarted, it converges with no volume bound twice', async () => {
  const pauseDir = mkdtempSync(join(tmpdir(), 'pvsim-serve-'));
  await ok([...nats('killed'), 'apply', '-f', 'examples/static/', '--wait=false']);
  const end = (await ok([...nats('killed'), 'log'])).stdout;
  const paused = serve('killed', { PVSIM_TEST_FAULT: 'component-commit:pause', PVSIM_TEST_PAUSE_DIR: pauseDir });
  await paused.waitFor(/^pv-controller: ran \d+ work item\(s\) on the log at \d+, appending$/);
  await new Promise<void>((resolve) => {
    const file = join(pauseDir, `paused.${paused.child.pid}`);
    const w = watch(pauseDir, () => { if (existsSync(file)) { w.close(); resolve(); } });
    if (existsSync(file)) { w.close(); resolve(); }
  });
  paused.child.kill('SIGKILL');
  assert.is(await paused.exited, 'SIGKILL');
  assert.is((await ok([...nats('killed'), 'log'])).stdout, end, 'the killed process appended nothing');
  const restarted = serve('killed');
  await restarted.waitFor(/^pv-controller: appended records \d+-\d+$/);
  await assertBoundAsEmbedded('killed');
  const log = (await ok([...nats('killed'), 'log'])).stdout;
  assert.is(log.split('\n').filter((l) => l.includes('"type":"ComponentWorkRequested"')).length, 1, 'one transaction of the pv-controller reached the log');
  assert.match((await ok([...nats('killed'), 'log', 'verify'])).stdout, /log verified: 3 inputs re-executed/);
  restarted.child.kill('SIGTERM');
  assert.is(await restarted.exited, 0);
});

test('a following process folds the lines it heard, as a read of the log would; lines not heard yet leave it behind, and its write then loses the race', async () => {
  const cluster = 'heard';
  await ok([...nats(cluster), 'init']);
  const g: GlobalOptions = { clusterDir: '.unused', seed: 1, nats: { url: server.url, cluster } };
  const log = new JetStreamEventLog({ connect: { servers: server.url }, cluster });
  const sessions = new FollowingSessions(g);
  const first = sessions.open();
  sessions.keep(first);
  sessions.following(first.endPosition + 1);
  await ok([...nats(cluster), 'apply', '-f', join(repoRoot, 'examples/static/'), '--wait=false']);
  // Heard: the very lines the stream stores (a record's line is its JSON).
  for (const r of log.readAfter(first.endPosition)) sessions.hear(r.pos, JSON.stringify(r));
  const heard = sessions.open();
  const read = openSession(g);
  assert.is(heard.endPosition, read.endPosition);
  assert.equal(heard.store.dump().objects, read.store.dump().objects);
  assert.is(heard.world.fingerprint(), read.world.fingerprint());
  sessions.keep(heard);
  const old = openSession(g);
  // Another batch the process has not heard yet: its session is the one before it, and a write there is stale.
  await ok([...nats(cluster), 'delete', 'pvc', 'scratch', '--wait=false']);
  const behind = sessions.open();
  assert.is(behind.endPosition, heard.endPosition);
  assert.ok(log.lastPos() > behind.endPosition);
  runInput(behind, { type: 'ComponentWorkRequested', data: { seed: 1, component: 'pv-controller' } });
  assert.throws(() => behind.commit(), (e: unknown) => e instanceof ExpectedVersionConflict);
  // Lines heard only from later than its last session's end (a gap): it reads the log instead.
  const late = new FollowingSessions(g);
  late.keep(old);
  late.following(log.lastPos() + 1);
  assert.is(late.open().endPosition, log.lastPos());
});

test('two pv-controller processes at once: one transaction wins each race, no volume is bound twice', async () => {
  await ok([...nats('two'), 'init']);
  const a = serve('two');
  const b = serve('two');
  await a.waitFor(/^pvsim serve: pv-controller/);
  await b.waitFor(/^pvsim serve: pv-controller/);
  await ok([...nats('two'), 'apply', '-f', 'examples/static/', '--wait=false']);
  // Exactly one of them appends the binding transaction; the other either finds the work taken
  // or loses the race and, on the new log, finds nothing left for it.
  await Promise.race([a.waitFor(/^pv-controller: appended/), b.waitFor(/^pv-controller: appended/)]);
  await assertBoundAsEmbedded('two');
  a.child.kill('SIGTERM');
  b.child.kill('SIGTERM');
  assert.is(await a.exited, 0);
  assert.is(await b.exited, 0);
  const log = (await ok([...nats('two'), 'log'])).stdout;
  assert.is(log.split('\n').filter((l) => l.includes('"type":"ComponentWorkRequested"')).length, 1, 'one binding transaction in the log');
  assert.match((await ok([...nats('two'), 'log', 'verify'])).stdout, /log verified: 3 inputs re-executed/);
});

test('nats-server restarted under a running pv-controller process: it reconnects, follows on and binds what is applied after', async () => {
  const p = serve('restarted');
  await p.waitFor(/^pvsim serve: pv-controller/);
  await server.restart();
  await ok([...nats('restarted'), 'apply', '-f', 'examples/static/', '--wait=false']);
  await p.waitFor(/^pv-controller: appended records \d+-\d+$/);
  await assertBoundAsEmbedded('restarted');
  assert.match((await ok([...nats('restarted'), 'log', 'verify'])).stdout, /log verified: 3 inputs re-executed/);
  p.child.kill('SIGTERM');
  assert.is(await p.exited, 0);
});

test.run();
