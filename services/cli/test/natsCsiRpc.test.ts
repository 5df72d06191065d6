// A CSI driver's controller RPCs over NATS request/reply (ADR 0022), against a real nats-server
// started by the one launcher: `pvsim csi-driver disk --rpc` is the driver, answering on
// `pvsim.CLUSTER.csi.disk%2Ecsi%2Epvsim%2Edev.rpc`; `pvsim --csi-rpc disk csi-driver disk` hosts the
// sidecars, which call it with a deadline and record its answers. A claim is provisioned and its
// volume deleted through request/reply, and the log re-executes byte for byte with the driver
// process stopped; a driver that does not answer in time (stopped with SIGSTOP) gives
// DEADLINE_EXCEEDED, recorded, and the retry once it answers again provisions exactly one volume.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { startNatsServer } from '@pvsim/nats';
import { BUDGET_MS, processHarness } from './fixtures/processes.ts';
import { pvsim } from './support.ts';

const server = await startNatsServer();
process.on('exit', () => { void server.stop(); });
const { nats, ok, start, until, stop, killAll } = processHarness(server.url);
// A failed assertion leaves no child running.
test.after.each(killAll);
const MANIFESTS = ['-f', 'examples/lecture/dynamic-disk/01-storageclass.yaml', '-f', 'examples/lecture/dynamic-disk/02-pvc.yaml'];

/** The backend's volumes: `pvsim csi ls disk.csi.pvsim.dev`, their PVs. */
async function backendVolumes(cluster: string): Promise<string[]> {
  const r = await ok([...nats(cluster), 'csi', 'ls', 'disk.csi.pvsim.dev']);
  return r.stdout.split('\n').slice(1).filter((l) => l.trim() !== '').map((l) => l.trim().split(/\s{2,}/).at(-1)!);
}

const claimPhase = async (cluster: string) => JSON.parse((await ok([...nats(cluster), 'get', 'pvc', 'disk-pvc', '-o', 'json'])).stdout).status?.phase as string | undefined;
const pvNames = async (cluster: string) => (JSON.parse((await ok([...nats(cluster), 'get', 'pv', '-o', 'json'])).stdout).items as any[]).map((p) => p.metadata.name as string);
const records = async (cluster: string) => (await ok([...nats(cluster), 'log'])).stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { type: string; data: any });
const rpcs = (rs: { type: string; data: any }[], type: string, rpc: string) => rs.filter((r) => r.type === type && r.data.rpc === rpc);

async function verifies(cluster: string): Promise<void> {
  assert.match((await ok([...nats(cluster), 'log', 'verify'])).stdout, /^log verified: \d+ inputs re-executed, \d+ records reproduced byte for byte$/m);
}

test('a claim provisioned and its volume deleted through request/reply; the log verifies with the driver process stopped', async () => {
  const cluster = 'rpc';
  const driver = start(cluster, ['csi-driver', 'disk', '--rpc']);
  await driver.waitFor(/^pvsim csi-driver: answering disk\.csi\.pvsim\.dev's RPCs on pvsim\.rpc\.csi\.disk%2Ecsi%2Epvsim%2Edev\.rpc /);
  // A deadline no loaded machine reaches: this test is about the answers, the next one about timeouts.
  const sidecars = start(cluster, ['--csi-rpc', 'disk', '--csi-rpc-deadline', String(BUDGET_MS), 'csi-driver', 'disk']);
  const controllers = start(cluster, ['serve', '--only', 'pv-controller,pvc-protection,pv-protection']);
  await sidecars.waitFor(/^pvsim csi-driver: /);
  await controllers.waitFor(/^pvsim serve: /);
  await ok([...nats(cluster), 'apply', ...MANIFESTS, '--wait=false']);
  await until('disk-pvc Bound', async () => (await claimPhase(cluster)) === 'Bound');
  const [pv, ...otherPvs] = await pvNames(cluster);
  assert.equal(otherPvs, []);
  assert.equal(await backendVolumes(cluster), [pv], 'one backend volume, the PV\'s');
  let rs = await records(cluster);
  const [created, ...again] = rpcs(rs, 'CsiRpcAnswered', 'CreateVolume');
  assert.equal(again, [], 'one CreateVolume answered');
  assert.is(created!.data.driver, 'disk.csi.pvsim.dev');
  assert.equal(created!.data.writes.map((w: any) => `${w.op} ${w.kind}`), ['create CSIVolume', 'create Filesystem']);
  // The driver prints this before it answers, but its pipe and the NATS socket are read
  // independently: the claim can be Bound before the line has reached this process.
  await driver.waitFor(/^disk\.csi\.pvsim\.dev: CreateVolume at log position \d+: OK, 2 backend write\(s\)$/);

  await ok([...nats(cluster), 'delete', 'pvc', 'disk-pvc', '--wait=false']);
  await until('the PV and its backend volume gone', async () => (await pvNames(cluster)).length === 0 && (await backendVolumes(cluster)).length === 0);
  rs = await records(cluster);
  assert.is(rpcs(rs, 'CsiRpcAnswered', 'DeleteVolume').filter((r) => !r.data.error).length, 1, 'one DeleteVolume answered OK');
  assert.is(rs.filter((r) => r.type === 'CsiRpcTimedOut').length, 0);

  for (const p of [sidecars, controllers, driver]) await stop(p);
  // Nothing answers on the driver's subject now: the answers come from the log.
  await verifies(cluster);
});

test('a driver that does not answer in time: DEADLINE_EXCEEDED recorded; retried with the same arguments once it answers, exactly one volume', async () => {
  const cluster = 'rpctimeout';
  const driver = start(cluster, ['csi-driver', 'disk', '--rpc']);
  await driver.waitFor(/^pvsim csi-driver: answering /);
  const sidecars = start(cluster, ['--csi-rpc', 'disk', '--csi-rpc-deadline', '1000', 'csi-driver', 'disk']);
  const controllers = start(cluster, ['serve', '--only', 'pv-controller,pvc-protection,pv-protection']);
  await sidecars.waitFor(/^pvsim csi-driver: /);
  await controllers.waitFor(/^pvsim serve: /);
  // Stopped, its subscription stays: a request reaches it and waits past its deadline.
  driver.child.kill('SIGSTOP');
  await ok([...nats(cluster), 'apply', ...MANIFESTS, '--wait=false']);
  await until('a CreateVolume timed out', async () => rpcs(await records(cluster), 'CsiRpcTimedOut', 'CreateVolume').length > 0);
  let rs = await records(cluster);
  const timedOut = rpcs(rs, 'CsiRpcTimedOut', 'CreateVolume')[0]!;
  assert.is(timedOut.data.deadlineMs, 1000);
  const after = rs.slice(rs.indexOf(timedOut) + 1);
  const failed = after.find((r) => r.type === 'EventRecorded' && r.data.reason === 'ProvisioningFailed');
  assert.match(failed?.data.message ?? '', /DeadlineExceeded/, 'the claim\'s event says the call timed out');
  assert.equal(await backendVolumes(cluster), [], 'no backend volume: the driver\'s work is applied only with its recorded answer');
  assert.equal(await pvNames(cluster), []);

  driver.child.kill('SIGCONT');
  // The retry waits for its backoff in simulated time: a command moves it, calling the driver as the sidecars do.
  await ok([...nats(cluster), '--csi-rpc', 'disk', '--csi-rpc-deadline', String(BUDGET_MS), 'advance', '1m']);
  assert.is(await claimPhase(cluster), 'Bound');
  const pvs = await pvNames(cluster);
  assert.is(pvs.length, 1);
  assert.equal(await backendVolumes(cluster), pvs, 'exactly one backend volume, the PV\'s');
  rs = await records(cluster);
  const answered = rpcs(rs, 'CsiRpcAnswered', 'CreateVolume').filter((r) => !r.data.error);
  assert.is(answered.length, 1);
  assert.is(answered[0]!.data.request, timedOut.data.request, 'retried with the same arguments');

  for (const p of [sidecars, controllers, driver]) await stop(p);
  await verifies(cluster);
});

test('a pod with a provisioned disk runs and goes: attach, detach, stage, publish and their undoing through request/reply too', async () => {
  const cluster = 'rpcpod';
  const driver = start(cluster, ['csi-driver', 'disk', '--rpc']);
  await driver.waitFor(/^pvsim csi-driver: answering /);
  const procs = [
    start(cluster, ['--csi-rpc', 'disk', '--csi-rpc-deadline', String(BUDGET_MS), 'csi-driver', 'disk']),
    start(cluster, ['serve', '--only', 'pv-controller,pvc-protection,pv-protection,scheduler,attachdetach']),
    // The kubelets call the node RPCs over NATS too.
    start(cluster, ['--csi-rpc', 'disk', '--csi-rpc-deadline', String(BUDGET_MS), 'kubelet', '--node', 'node-a']),
    start(cluster, ['--csi-rpc', 'disk', '--csi-rpc-deadline', String(BUDGET_MS), 'kubelet', '--node', 'node-b']),
  ];
  for (const p of procs) await p.waitFor(/^pvsim (csi-driver|serve|kubelet): /);
  await ok([...nats(cluster), 'apply', '-f', 'examples/lecture/dynamic-disk/', '--wait=false']);
  const podPhase = async () => (JSON.parse((await ok([...nats(cluster), 'get', 'pods', '-o', 'json'])).stdout).items as any[]).find((p) => p.metadata.name === 'disk-pod')?.status?.phase;
  await until('disk-pod Running', async () => (await podPhase()) === 'Running');
  await ok([...nats(cluster), 'delete', 'pod', 'disk-pod', '--wait=false']);
  const attachments = async () => (JSON.parse((await ok([...nats(cluster), 'get', 'volumeattachments', '-o', 'json'])).stdout).items as any[]).length;
  await until('disk-pod gone and its volume detached', async () => (await podPhase()) === undefined && (await attachments()) === 0);
  const rs = await records(cluster);
  for (const rpc of ['CreateVolume', 'ControllerPublishVolume', 'NodeStageVolume', 'NodePublishVolume', 'NodeUnpublishVolume', 'NodeUnstageVolume', 'ControllerUnpublishVolume']) {
    assert.ok(rpcs(rs, 'CsiRpcAnswered', rpc).some((r) => !r.data.error), `${rpc} answered over NATS`);
  }
  for (const p of [...procs, driver]) await stop(p);
  await verifies(cluster);
});

test('a mounted disk grown online and snapshotted: ControllerExpand, NodeExpand, CreateSnapshot and DeleteSnapshot through request/reply', async () => {
  const cluster = 'rpcexpand';
  const driver = start(cluster, ['csi-driver', 'disk', '--rpc']);
  await driver.waitFor(/^pvsim csi-driver: answering /);
  const remote = ['--csi-rpc', 'disk', '--csi-rpc-deadline', String(BUDGET_MS)];
  const procs = [
    start(cluster, [...remote, 'csi-driver', 'disk']),
    start(cluster, ['serve', '--only', 'all']),
    start(cluster, [...remote, 'kubelet', '--node', 'node-a']),
    start(cluster, [...remote, 'kubelet', '--node', 'node-b']),
  ];
  for (const p of procs) await p.waitFor(/^pvsim (csi-driver|serve|kubelet): /);
  await ok([...nats(cluster), 'apply', '-f', 'examples/expansion/01-storageclasses.yaml', '-f', 'examples/expansion/02-claims.yaml', '-f', 'examples/expansion/03-pod.yaml', '-f', 'examples/snapshots/01-classes.yaml', '--wait=false']);
  const get = async (what: string) => JSON.parse((await ok([...nats(cluster), 'get', what, '-o', 'json'])).stdout) as any;
  await until('pod db Running', async () => (await get('pod/db')).status?.phase === 'Running');
  await ok([...nats(cluster), 'apply', '-f', 'examples/expansion/resize/grow-db.yaml', '--wait=false']);
  await until('db-data grown to 20Gi, its filesystem too', async () => (await get('pvc/db-data')).status?.capacity?.storage === '20Gi');
  await ok([...nats(cluster), 'apply', '-f', 'examples/snapshots/03-snapshot.yaml', '--wait=false']);
  await until('db-snap ready to use', async () => (await get('volumesnapshots')).items.some((v: any) => v.metadata.name === 'db-snap' && v.status?.readyToUse === true));
  await ok([...nats(cluster), 'delete', 'volumesnapshot', 'db-snap', '--wait=false']);
  await until('db-snap and its content gone', async () => (await get('volumesnapshots')).items.length === 0 && (await get('volumesnapshotcontents')).items.length === 0);
  const rs = await records(cluster);
  for (const rpc of ['ControllerExpandVolume', 'NodeExpandVolume', 'CreateSnapshot', 'DeleteSnapshot']) {
    assert.ok(rpcs(rs, 'CsiRpcAnswered', rpc).some((r) => !r.data.error), `${rpc} answered over NATS`);
  }
  for (const p of [...procs, driver]) await stop(p);
  await verifies(cluster);
});

test('--csi-rpc and csi-driver --rpc say what they need', async () => {
  const noNats = await pvsim('.unused', ['--csi-rpc', 'disk', 'get', 'pv'], '', {});
  assert.is.not(noNats.code, 0, noNats.stderr);
  assert.match(noNats.stderr, /^error: --csi-rpc calls a driver over NATS: give --nats URL/m);
  const empty = await pvsim('.unused', [...nats('bad'), '--csi-rpc', '', 'get', 'pv']);
  assert.match(empty.stderr, /--csi-rpc needs at least one driver/);
  const deadline = await pvsim('.unused', [...nats('bad'), '--csi-rpc', 'disk', '--csi-rpc-deadline', 'soon', 'get', 'pv']);
  assert.match(deadline.stderr, /invalid argument "soon" for "--csi-rpc-deadline" flag/);
  const tape = await pvsim('.unused', [...nats('bad2'), 'csi-driver', 'tape', '--rpc']);
  assert.match(tape.stderr, /^error: the cluster has no CSI driver "tape"/m);
});

test.run();
