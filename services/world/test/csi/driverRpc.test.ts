// A driver's controller RPCs answered by another process (driverRpc.ts, ADR 0022): the answer is
// the driver run on the caller's backend with its writes captured; the caller records it and
// applies the writes; a recorded outcome handed back reproduces the records and the store; a
// timeout is DEADLINE_EXCEEDED and changes nothing.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CsiDriverPort, NewLogRecord } from '@pvsim/domain';
import { SimCsiDriver, diskProfile } from '@pvsim/csi-drivers';
import { Random } from '@pvsim/runtime';
import { RecordedRpcMismatchError, answerRpc, recordedTransport, remoteDriverPort, type RpcOutcome, type RpcTransport } from '../../src/driverRpc.ts';
import { GiB, RWO, cluster, throwsCsi } from './support/harness.ts';

const request = (name: string) => ({ name, capacityRange: { requiredBytes: String(10 * GiB) }, volumeCapabilities: [RWO], parameters: { type: 'cloud_ssd' } });
const backend = (c: ReturnType<typeof cluster>) => ['CSIVolume', 'Filesystem'].flatMap((k) => c.store.list(k as never).map((o) => `${k} ${o.metadata.name}`)).sort();

/** A caller whose driver answers from `driverSide`'s store (the log at the caller's position). */
function remote(transport?: RpcTransport) {
  const caller = cluster(diskProfile);
  const driverSide = cluster(diskProfile);
  const outcomes: RpcOutcome[] = [];
  const answering: RpcTransport = (call) => ({
    type: 'CsiRpcAnswered',
    data: { driver: call.driver, rpc: call.rpc, request: call.request, ...answerRpc(driverSide.store, call.touched, (store) => new SimCsiDriver({ profile: diskProfile, client: store, random: new Random(1) }), call.rpc, call.args) },
  });
  const port = remoteDriverPort(diskProfile.name, caller.driver as CsiDriverPort, caller.client, (o) => outcomes.push(o), transport ?? answering);
  return { caller, driverSide, port, outcomes };
}

test('CreateVolume answered remotely writes what the in-process driver writes, in the caller\'s store only', () => {
  const local = cluster(diskProfile);
  const expected = local.driver.createVolume(request('pvc-1'));
  const { caller, driverSide, port, outcomes } = remote();
  assert.equal(port.createVolume(request('pvc-1')), expected);
  assert.equal(backend(caller), backend(local));
  assert.equal(backend(driverSide), [], 'the driver process made no write of its own');
  assert.equal(outcomes.map((o) => o.type), ['CsiRpcAnswered']);
  assert.equal((outcomes[0]!.data as { writes: { op: string; kind: string }[] }).writes.map((w) => `${w.op} ${w.kind}`), ['create CSIVolume', 'create Filesystem']);
});

test('a later call of the same transaction sees what earlier answers wrote (the touched objects)', () => {
  const { caller, port } = remote();
  const { volume } = port.createVolume(request('pvc-1'));
  port.deleteVolume({ volumeId: volume.volumeId });
  assert.equal(backend(caller), [], 'DeleteVolume found the volume CreateVolume made, though the driver\'s log lacks it');
});

test('a timeout is DEADLINE_EXCEEDED, recorded, and changes nothing', () => {
  const { caller, port, outcomes } = remote((call) => ({ type: 'CsiRpcTimedOut', data: { driver: call.driver, rpc: call.rpc, request: call.request, deadlineMs: 1000 } }));
  throwsCsi(() => port.createVolume(request('pvc-1')), 'DEADLINE_EXCEEDED', 'within 1000 ms');
  assert.equal(outcomes.map((o) => o.type), ['CsiRpcTimedOut']);
  assert.equal(backend(caller), []);
});

test('recorded outcomes handed back reproduce the records and the store; another call is refused', () => {
  const first = remote();
  const volume = first.port.createVolume(request('pvc-1')).volume;
  throwsCsi(() => first.port.controllerPublishVolume({ volumeId: 'vol-0000000000000000', nodeId: 'nowhere', volumeCapability: RWO, readonly: false }), 'NOT_FOUND');
  const again = remote(recordedTransport(first.outcomes));
  assert.equal(again.port.createVolume(request('pvc-1')).volume, volume);
  throwsCsi(() => again.port.controllerPublishVolume({ volumeId: 'vol-0000000000000000', nodeId: 'nowhere', volumeCapability: RWO, readonly: false }), 'NOT_FOUND');
  assert.equal(again.outcomes, first.outcomes);
  const records = (c: ReturnType<typeof cluster>) => c.records.map((r: NewLogRecord) => JSON.stringify(r));
  assert.equal(records(again.caller), records(first.caller));
  const other = remote(recordedTransport(first.outcomes));
  assert.throws(() => other.port.createVolume(request('pvc-2')), (e: unknown) => e instanceof RecordedRpcMismatchError);
});

/** A disk's whole life through `port`: the controller, node, expansion and snapshot RPCs. */
function life(port: CsiDriverPort): unknown[] {
  const replies: unknown[] = [];
  const { volume } = port.createVolume(request('pvc-1'));
  const v = volume.volumeId;
  replies.push(volume);
  replies.push(port.controllerPublishVolume({ volumeId: v, nodeId: 'node-a', volumeCapability: RWO, readonly: false }));
  port.nodeStageVolume({ node: 'node-a', volumeId: v, stagingTargetPath: '/staging', volumeCapability: RWO });
  port.nodePublishVolume({ node: 'node-a', volumeId: v, stagingTargetPath: '/staging', targetPath: '/target', volumeCapability: RWO, readonly: false });
  replies.push(port.controllerExpandVolume!({ volumeId: v, capacityRange: { requiredBytes: String(20 * GiB) } }));
  replies.push(port.nodeExpandVolume!({ node: 'node-a', volumeId: v, volumePath: '/target', stagingTargetPath: '/staging', capacityRange: { requiredBytes: String(20 * GiB) } }));
  const { snapshot } = port.createSnapshot!({ name: 'snapshot-1', sourceVolumeId: v });
  replies.push(snapshot);
  port.deleteSnapshot!({ snapshotId: snapshot.snapshotId });
  port.nodeUnpublishVolume({ node: 'node-a', volumeId: v, targetPath: '/target' });
  port.nodeUnstageVolume({ node: 'node-a', volumeId: v, stagingTargetPath: '/staging' });
  port.controllerUnpublishVolume({ volumeId: v, nodeId: 'node-a' });
  return replies;
}

test('node, expansion and snapshot RPCs answered remotely reply and write as the in-process driver does, each recorded', () => {
  const local = cluster(diskProfile);
  const expected = life(local.driver as CsiDriverPort);
  const { caller, driverSide, port, outcomes } = remote();
  assert.equal(life(port), expected);
  assert.equal(backend(caller), backend(local));
  assert.equal(backend(driverSide), [], 'the driver process made no write of its own');
  assert.equal(outcomes.map((o) => o.data.rpc), [
    'CreateVolume', 'ControllerPublishVolume', 'NodeStageVolume', 'NodePublishVolume', 'ControllerExpandVolume', 'NodeExpandVolume',
    'CreateSnapshot', 'DeleteSnapshot', 'NodeUnpublishVolume', 'NodeUnstageVolume', 'ControllerUnpublishVolume',
  ]);
  assert.ok(outcomes.every((o) => o.type === 'CsiRpcAnswered' && !o.data.error), 'every call answered OK');
});

test('a driver process without an RPC answers UNIMPLEMENTED, and the caller throws it as a CSI error', () => {
  const without = (store: Parameters<Parameters<typeof answerRpc>[2]>[0]): CsiDriverPort => {
    const d = new SimCsiDriver({ profile: diskProfile, client: store, random: new Random(1) });
    return new Proxy(d, { get: (t, p) => (p === 'createSnapshot' ? undefined : Reflect.get(t, p, t)) }) as CsiDriverPort;
  };
  const driverSide = cluster(diskProfile);
  const answer = answerRpc(driverSide.store, [], without, 'CreateSnapshot', { name: 'snapshot-1', sourceVolumeId: 'vol-1' });
  assert.equal(answer.error?.code, 'UNIMPLEMENTED');
  assert.equal(answer.writes, []);
  const { port, outcomes } = remote((call) => ({ type: 'CsiRpcAnswered', data: { driver: call.driver, rpc: call.rpc, request: call.request, ...answerRpc(driverSide.store, call.touched, without, call.rpc, call.args) } }));
  throwsCsi(() => port.createSnapshot!({ name: 'snapshot-1', sourceVolumeId: 'vol-1' }), 'UNIMPLEMENTED');
  assert.equal(outcomes.map((o) => o.type), ['CsiRpcAnswered']);
});

test.run();
