/**
 * A user's CSI driver module behind the port (docs/reference/csi-driver-module.md): requests reach
 * it in proto3 JSON, node RPCs name their node, a thrown status becomes the CsiError of that code
 * (by name or gRPC number; anything else INTERNAL), a module without a required RPC or without
 * saveState/loadState is refused, and its state travels with a world's fork.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CsiError } from '@pvsim/domain';
import { ModuleCsiDriver, type CsiDriverFactory, type CsiDriverModule } from '@pvsim/csi-drivers';
import { createWorld, fifoChooser } from '../../src/index.ts';

// The shipped example driver (a JS module: loaded by URL, typed by the factory it must export).
const EXAMPLE = new URL('../../../../examples/check/csi-driver/disk-driver.mjs', import.meta.url).href;
const createDiskDriver = ((await import(EXAMPLE)) as { default: CsiDriverFactory }).default;

const NAME = 'disk.csi.pvsim.dev';
const CAP = { accessMode: 'SINGLE_NODE_WRITER' as const, mount: { fsType: 'ext4' } };

function driverThrowing(thrown: unknown): ModuleCsiDriver {
  const mod = createDiskDriver({ name: NAME }) as CsiDriverModule;
  mod['DeleteVolume'] = () => { throw thrown; };
  return new ModuleCsiDriver(NAME, mod);
}

test('thrown statuses become CsiErrors of their code: by name, by gRPC number; anything else is INTERNAL', () => {
  const cases: [unknown, string][] = [
    [{ code: 'NOT_FOUND', message: 'gone' }, 'NOT_FOUND'],
    [{ code: 'failed_precondition', message: 'busy' }, 'FAILED_PRECONDITION'],
    [{ code: 9, message: 'busy' }, 'FAILED_PRECONDITION'],
    [{ code: 14, message: 'later' }, 'UNAVAILABLE'],
    [{ code: 1, message: 'stop' }, 'CANCELED'],
    [{ code: 'UNKNOWN', message: '?' }, 'INTERNAL'],
    [new TypeError('x is undefined'), 'INTERNAL'],
    ['a string', 'INTERNAL'],
  ];
  for (const [thrown, code] of cases) {
    try { driverThrowing(thrown).deleteVolume({ volumeId: 'vol-1' }); assert.unreachable('threw'); } catch (e) {
      assert.instance(e, CsiError);
      assert.is((e as CsiError).code, code, JSON.stringify(thrown));
      assert.match((e as Error).message, /DeleteVolume: /);
    }
  }
});

test('requests arrive in proto3 JSON; node RPCs name their node; replies come back in the port\'s shape', () => {
  const seen: [string, unknown, unknown][] = [];
  const mod = createDiskDriver({ name: NAME }) as CsiDriverModule;
  for (const rpc of ['CreateVolume', 'ControllerPublishVolume', 'NodeStageVolume']) {
    const original = mod[rpc] as (this: unknown, r: unknown, c: unknown) => unknown;
    mod[rpc] = function (this: unknown, req: unknown, ctx: unknown) { seen.push([rpc, req, ctx]); return original.call(this, req, ctx); };
  }
  const d = new ModuleCsiDriver(NAME, mod);
  const { volume } = d.createVolume({ name: 'pvc-1', capacityRange: { requiredBytes: '2048' }, volumeCapabilities: [CAP], accessibilityRequirements: { requisite: [{ zone: 'a' }] } });
  assert.equal(volume, { volumeId: 'vol-1', capacityBytes: '2048', volumeContext: {}, accessibleTopology: [] });
  assert.equal(seen[0]![1], {
    name: 'pvc-1', capacityRange: { requiredBytes: '2048' }, parameters: {},
    volumeCapabilities: [{ mount: { fsType: 'ext4', mountFlags: [] }, accessMode: { mode: 'SINGLE_NODE_WRITER' } }],
    accessibilityRequirements: { requisite: [{ segments: { zone: 'a' } }], preferred: [] },
  });
  assert.equal(d.controllerPublishVolume({ volumeId: 'vol-1', nodeId: 'node-a', volumeCapability: CAP, readonly: false }), { publishContext: { devicePath: '/dev/disk/vol-1' } });
  d.nodeStageVolume({ node: 'node-a', volumeId: 'vol-1', stagingTargetPath: '/staging', volumeCapability: CAP });
  assert.equal(seen[2]![2], { node: 'node-a' });
  assert.equal(d.listVolumes().entries, [{ volume: { volumeId: 'vol-1', capacityBytes: '2048', volumeContext: {}, accessibleTopology: [] }, publishedNodeIds: ['node-a'] }]);
  // The example keeps the single-node rule: a second node is refused.
  assert.throws(() => d.controllerPublishVolume({ volumeId: 'vol-1', nodeId: 'node-b', volumeCapability: CAP, readonly: false }), /FailedPrecondition/);
  assert.equal(d.controllerGetCapabilities(), ['CREATE_DELETE_VOLUME', 'PUBLISH_UNPUBLISH_VOLUME', 'LIST_VOLUMES', 'LIST_VOLUMES_PUBLISHED_NODES']);
  assert.equal(d.nodeGetCapabilities(), ['STAGE_UNSTAGE_VOLUME']);
  assert.equal(d.nodeGetInfo({ node: 'node-b' }).nodeId, 'node-b');
});

test('a module missing a required RPC, or its state methods, is refused with its name', () => {
  const noCreate = createDiskDriver({ name: NAME }) as CsiDriverModule;
  delete noCreate['CreateVolume'];
  assert.throws(() => new ModuleCsiDriver(NAME, noCreate), /has no CreateVolume method/);
  const noState = { ...createDiskDriver({ name: NAME }) } as Partial<CsiDriverModule>;
  delete noState.saveState;
  assert.throws(() => new ModuleCsiDriver(NAME, noState as CsiDriverModule), /saveState\(\) and loadState/);
});

test('the module\'s backend is part of the world: a fork carries it, and the fingerprint sees it', () => {
  const w = createWorld({ seed: 1, startMs: Date.UTC(2026, 0, 1), cluster: 'full', chooser: fifoChooser(), userDrivers: { [NAME]: createDiskDriver } });
  const d = w.parts.userDrivers!.get(NAME)!;
  const before = w.fingerprint();
  d.createVolume({ name: 'pvc-1', volumeCapabilities: [CAP] });
  assert.is.not(w.fingerprint(), before);
  const copy = w.fork();
  assert.is(copy.fingerprint(), w.fingerprint());
  assert.equal(copy.parts.userDrivers!.get(NAME)!.listVolumes().entries.map((e) => e.volume.volumeId), ['vol-1']);
});

test.run();
