// A user's CSI driver module as a process (ADR 0029), against a real nats-server started by the
// one launcher: `pvsim csi-driver disk.csi.pvsim.dev=examples/check/csi-driver/disk-driver.mjs`
// answers the disk driver's RPCs for the processes given `--csi-rpc disk` (the sidecars, the
// kubelets), its memory in the object store bucket `pvsim-csi-drivers`. A claim is provisioned and
// a pod runs on it; its kubelet is killed and restarted and rebuilds the module's mounts from the
// pod; the driver process is killed (SIGKILL) and restarted and resumes from its
// saved memory; the pod goes and the claim, and the module's memory holds no volume (none
// leaked); the log verifies with no driver process at all.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { DriverStateStore, connectNats, startNatsServer } from '@pvsim/nats';
import { BUDGET_MS, processHarness } from './fixtures/processes.ts';

const server = await startNatsServer();
process.on('exit', () => { void server.stop(); });
const { nats, ok, start, until, stop, killAll } = processHarness(server.url);
// A failed assertion leaves no child running.
test.after.each(killAll);

const MODULE = 'disk.csi.pvsim.dev=examples/check/csi-driver/disk-driver.mjs';
const REMOTE = ['--csi-rpc', 'disk', '--csi-rpc-deadline', String(BUDGET_MS)];
const records = async (cluster: string) => (await ok([...nats(cluster), 'log'])).stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { type: string; data: any });
const get = async (cluster: string, what: string) => JSON.parse((await ok([...nats(cluster), 'get', what, '-o', 'json'])).stdout) as any;
const podPhase = async (cluster: string) => (await get(cluster, 'pods')).items.find((p: any) => p.metadata.name === 'disk-pod')?.status?.phase as string | undefined;

/** The module's memory as the driver process saved it. */
async function moduleMemory(cluster: string): Promise<{ volumes: Record<string, { name: string; publishedNodes: string[]; staged: Record<string, unknown>; mounts: Record<string, unknown> }> }> {
  const nc = await connectNats({ servers: server.url });
  try {
    return await (await DriverStateStore.open(nc, cluster, 'disk.csi.pvsim.dev')).load() as never;
  } finally {
    await nc.close();
  }
}

test('a driver module as a process: provision, a pod\'s life, the process killed and restarted with its memory kept, no leaked volume', async () => {
  const cluster = 'module';
  let driver = start(cluster, ['csi-driver', MODULE]);
  await driver.waitFor(/^pvsim csi-driver: answering disk\.csi\.pvsim\.dev's RPCs \(module examples\/check\/csi-driver\/disk-driver\.mjs, memory new\) on /);
  const procs = [
    start(cluster, [...REMOTE, 'csi-driver', 'disk']),
    start(cluster, ['serve', '--only', 'pv-controller,pvc-protection,pv-protection,scheduler,attachdetach']),
    start(cluster, [...REMOTE, 'kubelet', '--node', 'node-a']),
    start(cluster, [...REMOTE, 'kubelet', '--node', 'node-b']),
  ];
  for (const p of procs) await p.waitFor(/^pvsim (csi-driver|serve|kubelet): /);
  await ok([...nats(cluster), 'apply', '-f', 'examples/lecture/dynamic-disk/', '--wait=false']);
  await until('disk-pod Running', async () => (await podPhase(cluster)) === 'Running');
  const pod = (await get(cluster, 'pods')).items.find((p: any) => p.metadata.name === 'disk-pod');
  const pv = (await get(cluster, 'pv')).items[0];
  let memory = await moduleMemory(cluster);
  const ids = Object.keys(memory.volumes);
  assert.equal(ids, [pv.spec.csi.volumeHandle], 'the module made one volume, the PV\'s');
  const v = memory.volumes[ids[0]!]!;
  assert.equal(v.publishedNodes, [pod.spec.nodeName]);
  assert.equal(Object.keys(v.mounts).length, 1, 'mounted once');

  // The pod's kubelet killed and restarted: with no backend objects to reconstruct from, it
  // rebuilds the module's mounts from the Running pod, so it calls nothing and appends nothing.
  const node = pod.spec.nodeName as string;
  const k = node === 'node-a' ? 2 : 3;
  procs[k]!.child.kill('SIGKILL');
  assert.is(await procs[k]!.exited, 'SIGKILL');
  const kubeletPasses = async () => (await records(cluster)).filter((r) => r.type === 'ComponentWorkRequested' && r.data.component === `kubelet/${node}`).length;
  const passesBefore = await kubeletPasses();
  procs[k] = start(cluster, [...REMOTE, 'kubelet', '--node', node]);
  await procs[k]!.waitFor(new RegExp(`^kubelet/${node}: ran \\d+ work item\\(s\\) on the log at \\d+; they changed nothing, not appended$`));
  assert.is(await kubeletPasses(), passesBefore, 'the restarted kubelet appended nothing');
  assert.equal(Object.keys((await moduleMemory(cluster)).volumes[ids[0]!]!.mounts).length, 1, 'still mounted once');

  driver.child.kill('SIGKILL');
  assert.is(await driver.exited, 'SIGKILL');
  driver = start(cluster, ['csi-driver', MODULE]);
  await driver.waitFor(/^pvsim csi-driver: answering .* memory restored\) on /);

  await ok([...nats(cluster), 'delete', 'pod', 'disk-pod', '--wait=false']);
  await until('disk-pod gone and its volume detached', async () => (await podPhase(cluster)) === undefined && (await get(cluster, 'volumeattachments')).items.length === 0);
  memory = await moduleMemory(cluster);
  assert.equal({ published: memory.volumes[ids[0]!]!.publishedNodes, staged: memory.volumes[ids[0]!]!.staged, mounts: memory.volumes[ids[0]!]!.mounts }, { published: [], staged: {}, mounts: {} },
    'the restarted process unpublished, unstaged and detached the volume its predecessor set up');
  await ok([...nats(cluster), 'delete', 'pvc', 'disk-pvc', '--wait=false']);
  await until('the claim and its PV gone', async () => (await get(cluster, 'pv,pvc')).items.length === 0);
  assert.equal((await moduleMemory(cluster)).volumes, {}, 'no leaked volume');

  const rs = await records(cluster);
  for (const rpc of ['CreateVolume', 'ControllerPublishVolume', 'NodeStageVolume', 'NodePublishVolume', 'NodeUnpublishVolume', 'NodeUnstageVolume', 'ControllerUnpublishVolume', 'DeleteVolume']) {
    assert.ok(rs.some((r) => r.type === 'CsiRpcAnswered' && r.data.rpc === rpc && !r.data.error), `${rpc} answered by the module process`);
  }
  assert.ok(rs.filter((r) => r.type === 'CsiRpcAnswered').every((r) => r.data.writes.length === 0), 'a module\'s answers carry no backend writes');
  for (const p of [...procs, driver]) await stop(p);
  // No driver process answers now: the module's answers come from the log.
  assert.match((await ok([...nats(cluster), 'log', 'verify'])).stdout, /^log verified: \d+ inputs re-executed, \d+ records reproduced byte for byte$/m);
});

test('csi-driver NAME=MODULE says what is wrong with the module', async () => {
  const r = await (await import('./support.ts')).pvsim('.unused', [...nats('modbad'), 'csi-driver', 'disk.csi.pvsim.dev=examples/check/csi-driver/nowhere.mjs']);
  assert.is.not(r.code, 0);
  assert.match(r.stderr, /^error: csi-driver disk\.csi\.pvsim\.dev=examples\/check\/csi-driver\/nowhere\.mjs: .*no such file/m);
});

test.run();
