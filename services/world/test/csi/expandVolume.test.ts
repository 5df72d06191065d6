/**
 * ControllerExpandVolume and NodeExpandVolume of both profiles: the disk grows in whole GiB and
 * asks for a node step; the share grows to the byte and has none; no call ever shrinks a
 * volume; a class's `csi.pvsim.dev/max-size` makes growth beyond it OUT_OF_RANGE (final).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diskProfile, nasProfile, PARAM_MAX_SIZE } from '@pvsim/csi-drivers';
import { GiB, RWO, bringUp, cluster, csiState, stagingPath, targetPath, throwsCsi } from './support/harness.ts';

function made(profile = diskProfile, parameters: Record<string, string> = {}) {
  const c = cluster(profile);
  const { volume } = c.driver.createVolume({ name: 'pvc-1', capacityRange: { requiredBytes: String(10 * GiB) }, volumeCapabilities: [RWO], parameters });
  return { ...c, volumeId: volume.volumeId };
}

const capacityOf = (c: ReturnType<typeof made>) => (c.store.list('CSIVolume')[0] as unknown as { spec: { capacityBytes: string } }).spec.capacityBytes;

test('disk: grows to whole GiB and asks for the node step', () => {
  const c = made(diskProfile);
  const r = c.driver.controllerExpandVolume({ volumeId: c.volumeId, capacityRange: { requiredBytes: String(20 * GiB + 1) } });
  assert.equal(r, { capacityBytes: String(21 * GiB), nodeExpansionRequired: true });
  assert.is(capacityOf(c), String(21 * GiB));
});

test('nas: grows to the byte, no node step', () => {
  const c = made(nasProfile);
  const r = c.driver.controllerExpandVolume({ volumeId: c.volumeId, capacityRange: { requiredBytes: String(20 * GiB + 1) } });
  assert.equal(r, { capacityBytes: String(20 * GiB + 1), nodeExpansionRequired: false });
  assert.equal(c.driver.nodeGetCapabilities(), []);
  throwsCsi(() => c.driver.nodeExpandVolume({ node: 'node-a', volumeId: c.volumeId, volumePath: '/x', capacityRange: { requiredBytes: '1' } }), 'UNIMPLEMENTED');
});

test('asking for less than the volume has changes nothing and succeeds (no shrink); a retry is idempotent', () => {
  for (const profile of [diskProfile, nasProfile]) {
    const c = made(profile);
    const before = csiState(c.store);
    assert.equal(c.driver.controllerExpandVolume({ volumeId: c.volumeId, capacityRange: { requiredBytes: String(5 * GiB) } }).capacityBytes, String(10 * GiB));
    assert.is(csiState(c.store), before);
    c.driver.controllerExpandVolume({ volumeId: c.volumeId, capacityRange: { requiredBytes: String(20 * GiB) } });
    const after = csiState(c.store);
    c.driver.controllerExpandVolume({ volumeId: c.volumeId, capacityRange: { requiredBytes: String(20 * GiB) } });
    assert.is(csiState(c.store), after);
  }
});

test('errors: unknown volume NOT_FOUND, beyond the class max-size OUT_OF_RANGE, beyond the backend RESOURCE_EXHAUSTED, bad max-size INVALID_ARGUMENT', () => {
  const c = made(diskProfile, { [PARAM_MAX_SIZE]: '50Gi' });
  throwsCsi(() => c.driver.controllerExpandVolume({ volumeId: 'vol-0000000000000000', capacityRange: { requiredBytes: '1' } }), 'NOT_FOUND');
  c.driver.controllerExpandVolume({ volumeId: c.volumeId, capacityRange: { requiredBytes: String(50 * GiB) } });
  const before = csiState(c.store);
  throwsCsi(() => c.driver.controllerExpandVolume({ volumeId: c.volumeId, capacityRange: { requiredBytes: String(51 * GiB) } }), 'OUT_OF_RANGE', 'exceeds the largest volume size');
  assert.is(csiState(c.store), before);
  const d = made(diskProfile);
  throwsCsi(() => d.driver.controllerExpandVolume({ volumeId: d.volumeId, capacityRange: { requiredBytes: String(2000 * GiB) } }), 'RESOURCE_EXHAUSTED');
  const e = cluster(diskProfile);
  throwsCsi(() => e.driver.createVolume({ name: 'x', capacityRange: { requiredBytes: '1' }, volumeCapabilities: [RWO], parameters: { [PARAM_MAX_SIZE]: 'lots' } }), 'INVALID_ARGUMENT', 'is not a size');
});

test('disk NodeExpandVolume: only where the volume is staged, never beyond the disk', () => {
  const c = made(diskProfile);
  const volumePath = targetPath('pod-1', 'pv-1');
  throwsCsi(() => c.driver.nodeExpandVolume({ node: 'node-a', volumeId: c.volumeId, volumePath, capacityRange: { requiredBytes: String(10 * GiB) } }), 'NOT_FOUND', 'not staged or published');
  bringUp(c.driver, c.volumeId, 'node-a', volumePath);
  c.driver.controllerExpandVolume({ volumeId: c.volumeId, capacityRange: { requiredBytes: String(20 * GiB) } });
  const req = { node: 'node-a', volumeId: c.volumeId, volumePath, stagingTargetPath: stagingPath(c.driver.name, c.volumeId) };
  assert.equal(c.driver.nodeExpandVolume({ ...req, capacityRange: { requiredBytes: String(20 * GiB) } }), { capacityBytes: String(20 * GiB) });
  throwsCsi(() => c.driver.nodeExpandVolume({ ...req, capacityRange: { requiredBytes: String(30 * GiB) } }), 'OUT_OF_RANGE');
});

test.run();
