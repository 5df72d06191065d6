// Kubelet and CSI-driver processes of a free-running distributed run (ADR 0019, ADR 0022), against
// a real nats-server started by the one launcher: a pod with a dynamically provisioned disk runs
// and goes with processes only (`pvsim serve --only …`, `pvsim csi-driver disk`, `pvsim kubelet
// --node …`) after `apply --wait=false`, and the log re-executes embedded byte for byte; a kubelet
// killed (SIGKILL) with the volume mounted and restarted rebuilds from the log and leaves the
// mount as it is (no second NodePublish), or, the pod deleted meanwhile, unmounts it; a kubelet
// killed at the test seam before the append of its mount transaction mounted nothing, and its
// restart mounts once; a driver
// process killed before the append of its CreateVolume transaction leaked no volume, and its
// restart provisions exactly one.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { existsSync, mkdtempSync, watch } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startNatsServer } from '@pvsim/nats';
import { BUDGET_MS, processHarness, type Proc } from './fixtures/processes.ts';
import { pvsim } from './support.ts';

const server = await startNatsServer();
process.on('exit', () => { void server.stop(); });
const { nats, ok, start, until, stop, killAll } = processHarness(server.url);
// A failed assertion leaves no child running.
test.after.each(killAll);
/** What `serve --only` runs for a pod with a claim (the rest of the pod's work is the kubelets' and the driver's). */
const CONTROLLERS = 'pv-controller,pvc-protection,pv-protection,scheduler,attachdetach';

async function pod(cluster: string): Promise<any | undefined> {
  const items = JSON.parse((await ok([...nats(cluster), 'get', 'pods', '-o', 'json'])).stdout).items as any[];
  return items.find((p) => p.metadata.name === 'disk-pod');
}

async function attachments(cluster: string): Promise<any[]> {
  return JSON.parse((await ok([...nats(cluster), 'get', 'volumeattachments', '-o', 'json'])).stdout).items as any[];
}

interface BackendVolume { pv: string; publishedTo: string; stagedOn: string; mounts: number }

/** `pvsim csi ls disk.csi.pvsim.dev`, one entry per backend volume. */
async function backendVolumes(cluster: string): Promise<BackendVolume[]> {
  const r = await ok([...nats(cluster), 'csi', 'ls', 'disk.csi.pvsim.dev']);
  return r.stdout.split('\n').slice(1).filter((l) => l.trim() !== '').map((l) => {
    const cols = l.trim().split(/\s{2,}/);
    return { publishedTo: cols[5]!, stagedOn: cols[6]!, mounts: Number(cols[7]), pv: cols.at(-1)! };
  });
}

const logLines = async (cluster: string) => (await ok([...nats(cluster), 'log'])).stdout.split('\n').filter((l) => l !== '');
const count = (lines: string[], type: string) => lines.filter((l) => l.includes(`"type":"${type}"`)).length;

/** The processes a pod with a disk claim needs, both nodes' kubelets included. */
function startAll(cluster: string, remote: string[] = []): { controllers: Proc; driver: Proc; kubelets: Map<string, Proc> } {
  return {
    controllers: start(cluster, ['serve', '--only', CONTROLLERS]),
    driver: start(cluster, [...remote, 'csi-driver', 'disk']),
    kubelets: new Map(['node-a', 'node-b'].map((n) => [n, start(cluster, [...remote, 'kubelet', '--node', n])])),
  };
}

/** The global flags of a process calling the disk driver's RPCs over NATS (`--csi-rpc`). */
const REMOTE = ['--csi-rpc', 'disk', '--csi-rpc-deadline', String(BUDGET_MS)];

async function running(cluster: string, procs: ReturnType<typeof startAll>): Promise<string> {
  await procs.controllers.waitFor(/^pvsim serve: /);
  await procs.driver.waitFor(/^pvsim csi-driver: /);
  for (const k of procs.kubelets.values()) await k.waitFor(/^pvsim kubelet: /);
  await ok([...nats(cluster), 'apply', '-f', 'examples/lecture/dynamic-disk/', '--wait=false']);
  await until('disk-pod Running', async () => (await pod(cluster))?.status?.phase === 'Running');
  const node = (await pod(cluster)).spec.nodeName as string;
  const [volume, ...more] = await backendVolumes(cluster);
  assert.equal(more, [], 'one backend volume');
  assert.equal({ publishedTo: volume!.publishedTo, stagedOn: volume!.stagedOn, mounts: volume!.mounts }, { publishedTo: node, stagedOn: node, mounts: 1 });
  assert.not.match(volume!.pv, /leaked/);
  return node;
}

/** The pod gone, its volume unpublished, unstaged and detached (the claim and its PV stay). */
async function untilUnmounted(cluster: string): Promise<void> {
  await until('disk-pod gone, its volume unmounted and detached', async () => {
    if (await pod(cluster)) return false;
    const [v] = await backendVolumes(cluster);
    return v !== undefined && v.mounts === 0 && v.stagedOn === '<none>' && v.publishedTo === '<none>' && (await attachments(cluster)).length === 0;
  });
}

/** Resolves once `p` stands at the test seam (PVSIM_TEST_FAULT=…:pause): its transaction run, not appended. */
function pausedAtSeam(p: Proc, pauseDir: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const file = join(pauseDir, `paused.${p.child.pid}`);
    const w = watch(pauseDir, () => { if (existsSync(file)) { w.close(); resolve(); } });
    if (existsSync(file)) { w.close(); resolve(); }
  });
}

async function verifies(cluster: string): Promise<void> {
  assert.match((await ok([...nats(cluster), 'log', 'verify'])).stdout, /^log verified: \d+ inputs re-executed, \d+ records reproduced byte for byte$/m);
}

test('a pod with a provisioned disk runs and goes with processes only; a kubelet killed with it mounted and restarted leaves the mount as it is', async () => {
  const cluster = 'life';
  const procs = startAll(cluster);
  const node = await running(cluster, procs);
  const kubelet = procs.kubelets.get(node)!;
  kubelet.child.kill('SIGKILL');
  assert.is(await kubelet.exited, 'SIGKILL');
  const passes = (lines: string[]) => lines.filter((l) => l.includes('"type":"ComponentWorkRequested"') && l.includes(`"component":"kubelet/${node}"`)).length;
  const before = passes(await logLines(cluster));
  // Restarted, it rebuilds its actual state from the node as the log shows it: the volume is
  // published there, so its first pass finds nothing to do, and appends nothing.
  const restarted = start(cluster, ['kubelet', '--node', node]);
  await restarted.waitFor(new RegExp(`^kubelet/${node}: ran \\d+ work item\\(s\\) on the log at \\d+; they changed nothing, not appended$`));
  assert.is(passes(await logLines(cluster)), before, 'the restarted kubelet appended nothing');
  const [volume] = await backendVolumes(cluster);
  assert.is(volume!.mounts, 1, 'still one mount');
  assert.is((await pod(cluster)).status.phase, 'Running');
  // Then the pod goes, and the claim: unmounted, detached, the volume deleted — by the processes.
  await ok([...nats(cluster), 'delete', 'pod', 'disk-pod', '--wait=false']);
  await untilUnmounted(cluster);
  await ok([...nats(cluster), 'delete', 'pvc', 'disk-pvc', '--wait=false']);
  await until('the claim, its PV and the backend volume gone', async () => (await backendVolumes(cluster)).length === 0
    && JSON.parse((await ok([...nats(cluster), 'get', 'pv,pvc', '-o', 'json'])).stdout).items.length === 0);
  await verifies(cluster);
  // The other node's kubelet ran a housekeeping pass after every batch and never appended one:
  // a pass that changed nothing is left out (two kubelets used to take turns appending them).
  const other = node === 'node-a' ? 'node-b' : 'node-a';
  assert.match(procs.kubelets.get(other)!.out(), new RegExp(`^kubelet/${other}: ran \\d+ work item\\(s\\) on the log at \\d+; they changed nothing, not appended$`, 'm'));
  assert.is((await logLines(cluster)).filter((l) => l.includes(`"component":"kubelet/${other}"`) && l.includes('"type":"ComponentWorkRequested"')).length, 0);
  for (const p of [procs.controllers, procs.driver, restarted, ...[...procs.kubelets.values()].filter((k) => k !== kubelet)]) await stop(p);
});

test('the driver answering over NATS (--csi-rpc): a kubelet killed with the volume mounted and restarted rebuilds its mounts from the pods and the log, appends nothing, and later unmounts through request/reply', async () => {
  const cluster = 'liferpc';
  const answering = start(cluster, ['csi-driver', 'disk', '--rpc']);
  await answering.waitFor(/^pvsim csi-driver: answering /);
  const procs = startAll(cluster, REMOTE);
  const node = await running(cluster, procs);
  const kubelet = procs.kubelets.get(node)!;
  kubelet.child.kill('SIGKILL');
  assert.is(await kubelet.exited, 'SIGKILL');
  const passes = (lines: string[]) => lines.filter((l) => l.includes('"type":"ComponentWorkRequested"') && l.includes(`"component":"kubelet/${node}"`)).length;
  const before = passes(await logLines(cluster));
  const restarted = start(cluster, [...REMOTE, 'kubelet', '--node', node]);
  await restarted.waitFor(new RegExp(`^kubelet/${node}: ran \\d+ work item\\(s\\) on the log at \\d+; they changed nothing, not appended$`));
  assert.is(passes(await logLines(cluster)), before, 'the restarted kubelet appended nothing (so called no driver)');
  assert.is((await backendVolumes(cluster))[0]!.mounts, 1, 'still one mount');
  await ok([...nats(cluster), 'delete', 'pod', 'disk-pod', '--wait=false']);
  await untilUnmounted(cluster);
  const lines = await logLines(cluster);
  for (const rpc of ['NodeStageVolume', 'NodePublishVolume', 'NodeUnpublishVolume', 'NodeUnstageVolume']) {
    assert.ok(lines.some((l) => l.includes('"type":"CsiRpcAnswered"') && l.includes(`"rpc":"${rpc}"`)), `${rpc} answered over NATS`);
  }
  for (const p of [procs.controllers, procs.driver, restarted, answering, ...[...procs.kubelets.values()].filter((k) => k !== kubelet)]) await stop(p);
  await verifies(cluster);
});

test('a kubelet killed with a volume mounted, its pod deleted meanwhile: restarted, it unmounts', async () => {
  const cluster = 'unwind';
  const procs = startAll(cluster);
  const node = await running(cluster, procs);
  const kubelet = procs.kubelets.get(node)!;
  kubelet.child.kill('SIGKILL');
  assert.is(await kubelet.exited, 'SIGKILL');
  await ok([...nats(cluster), 'delete', 'pod', 'disk-pod', '--wait=false']);
  // Nobody unmounts while the node's kubelet is down: the pod stays Terminating on its finalizer.
  const terminating = await pod(cluster);
  assert.ok(terminating?.metadata.deletionTimestamp, 'the pod is Terminating');
  assert.is((await backendVolumes(cluster))[0]!.mounts, 1);
  const restarted = start(cluster, ['kubelet', '--node', node]);
  await untilUnmounted(cluster);
  assert.equal((await backendVolumes(cluster)).length, 1, 'the claim keeps its volume');
  await verifies(cluster);
  for (const p of [procs.controllers, procs.driver, restarted, ...[...procs.kubelets.values()].filter((k) => k !== kubelet)]) await stop(p);
});

test('a driver process killed before the append of its CreateVolume transaction leaked no volume; restarted, it provisions exactly one', async () => {
  const cluster = 'driver';
  const pauseDir = mkdtempSync(join(tmpdir(), 'pvsim-driver-'));
  const controllers = start(cluster, ['serve', '--only', CONTROLLERS]);
  const paused = start(cluster, ['csi-driver', 'disk'], { PVSIM_TEST_FAULT: 'component-commit:pause', PVSIM_TEST_PAUSE_DIR: pauseDir });
  await controllers.waitFor(/^pvsim serve: /);
  await paused.waitFor(/^pvsim csi-driver: /);
  await ok([...nats(cluster), 'apply', '-f', 'examples/lecture/dynamic-disk/01-storageclass.yaml', '-f', 'examples/lecture/dynamic-disk/02-pvc.yaml', '--wait=false']);
  await paused.waitFor(/^external-provisioner\/disk\.csi\.pvsim\.dev: ran \d+ work item\(s\) on the log at \d+, appending$/);
  await pausedAtSeam(paused, pauseDir);
  // Its CreateVolume ran in the transaction it had not appended: the backend holds nothing.
  paused.child.kill('SIGKILL');
  assert.is(await paused.exited, 'SIGKILL');
  assert.equal(await backendVolumes(cluster), [], 'no backend volume');
  assert.is(count(await logLines(cluster), 'PersistentVolumeCreated'), 0);
  const restarted = start(cluster, ['csi-driver', 'disk']);
  await until('disk-pvc Bound', async () => JSON.parse((await ok([...nats(cluster), 'get', 'pvc', 'disk-pvc', '-o', 'json'])).stdout).status?.phase === 'Bound');
  const volumes = await backendVolumes(cluster);
  const pvs = JSON.parse((await ok([...nats(cluster), 'get', 'pv', '-o', 'json'])).stdout).items as any[];
  assert.is(pvs.length, 1);
  assert.equal(volumes.map((v) => v.pv), [pvs[0].metadata.name], 'exactly one backend volume, the PV\'s');
  assert.is(count(await logLines(cluster), 'PersistentVolumeCreated'), 1);
  await verifies(cluster);
  await stop(controllers);
  await stop(restarted);
});

test('a kubelet killed before the append of its mount transaction mounted nothing; restarted, it mounts once', async () => {
  // The lecture's NAS share: no provisioning, no attach — a kubelet admits a pod and mounts its
  // volume in one pass. Two replicas, one a node (anti-affinity).
  const cluster = 'mount';
  const pauseDir = mkdtempSync(join(tmpdir(), 'pvsim-kubelet-'));
  const controllers = start(cluster, ['serve', '--only', 'pv-controller,pvc-protection,pv-protection,scheduler,deployment,replicaset']);
  const paused = start(cluster, ['kubelet', '--node', 'node-a'], { PVSIM_TEST_FAULT: 'component-commit:pause', PVSIM_TEST_PAUSE_DIR: pauseDir });
  const nodeB = start(cluster, ['kubelet', '--node', 'node-b']);
  for (const [p, re] of [[controllers, /^pvsim serve: /], [paused, /^pvsim kubelet: /], [nodeB, /^pvsim kubelet: /]] as const) await p.waitFor(re);
  await ok([...nats(cluster), 'apply', '-f', 'examples/lecture/static-nas/', '--wait=false']);
  await paused.waitFor(/^kubelet\/node-a: ran \d+ work item\(s\) on the log at \d+, appending$/);
  await pausedAtSeam(paused, pauseDir);
  paused.child.kill('SIGKILL');
  assert.is(await paused.exited, 'SIGKILL');
  const pods = async () => (JSON.parse((await ok([...nats(cluster), 'get', 'pods', '-o', 'json'])).stdout).items as any[])
    .map((p) => ({ node: p.spec.nodeName as string, phase: p.status?.phase as string }))
    .sort((a, b) => (a.node < b.node ? -1 : 1));
  const mounts = async () => {
    const r = await ok([...nats(cluster), 'csi', 'ls', 'nas.csi.pvsim.dev']);
    return Number(r.stdout.split('\n')[1]?.trim().split(/\s{2,}/)[7] ?? 0);
  };
  await until('the pod on node-b Running', async () => (await pods()).some((p) => p.node === 'node-b' && p.phase === 'Running'));
  assert.equal(await pods(), [{ node: 'node-a', phase: 'Pending' }, { node: 'node-b', phase: 'Running' }], 'the killed kubelet wrote nothing for its pod');
  assert.is(await mounts(), 1, 'only node-b\'s mount');
  const restarted = start(cluster, ['kubelet', '--node', 'node-a']);
  await until('both pods Running', async () => (await pods()).every((p) => p.phase === 'Running'));
  assert.is(await mounts(), 2, 'one mount a node: the restarted kubelet mounted once');
  await verifies(cluster);
  for (const p of [controllers, nodeB, restarted]) await stop(p);
});

test('kubelet and csi-driver say what they cannot host', async () => {
  await ok([...nats('bad'), 'init']);
  const node = await pvsim('.unused', [...nats('bad'), 'kubelet', '--node', 'node-z']);
  assert.is(node.code, 1, node.stderr);
  assert.match(node.stderr, /^error: the cluster has no node "node-z" \(its nodes: node-a, node-b\)$/m);
  const driver = await pvsim('.unused', [...nats('bad'), 'csi-driver', 'tape']);
  assert.is(driver.code, 1, driver.stderr);
  assert.match(driver.stderr, /^error: the cluster has no CSI driver "tape" \(its drivers: disk\.csi\.pvsim\.dev, nas\.csi\.pvsim\.dev\)$/m);
  const module = await pvsim('.unused', [...nats('bad'), 'csi-driver', 'disk=./driver.mjs']);
  assert.is(module.code, 1, module.stderr);
  // A module runs as a process now (ADR 0029, natsCsiModule.test.ts); one that is not there is named.
  assert.match(module.stderr, /^error: csi-driver disk=\.\/driver\.mjs: \S+\/driver\.mjs: no such file$/m);
  const noNats = await pvsim('.unused', ['kubelet', '--node', 'node-a']);
  assert.is(noNats.code, 1);
  assert.match(noNats.stderr, /give --nats URL/);
});

test.run();
