/**
 * CreateSnapshot / DeleteSnapshot / ListSnapshots and CreateVolume from a content source, for
 * both profiles: a snapshot keeps the files as they were when it was cut (later writes are not
 * in it), a restore or a clone starts with exactly the source's files, a restore smaller than the
 * snapshot is OUT_OF_RANGE, a clone of a zonal disk stays in its zone, retries are idempotent.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile, writeFile, type FsState } from '@pvsim/domain';
import { diskProfile, nasProfile, readVolumeFs, writeVolumeFs } from '@pvsim/csi-drivers';
import { GiB, RWO, cluster, csiState, throwsCsi } from './support/harness.ts';

const ZONE = 'topology.kubernetes.io/zone';

for (const profile of [diskProfile, nasProfile]) {
  const setup = () => {
    const c = cluster(profile);
    const { volume } = c.driver.createVolume({ name: 'pvc-src', capacityRange: { requiredBytes: String(10 * GiB) }, volumeCapabilities: [RWO] });
    const write = (text: string) => writeVolumeFs(c.client, profile.name, volume.volumeId, writeFile(readVolumeFs(c.client, profile.name, volume.volumeId), '/rows', text));
    const read = (volumeId: string) => readFile(readVolumeFs(c.client, profile.name, volumeId) as FsState, '/rows');
    return { ...c, volumeId: volume.volumeId, write, read };
  };

  test(`${profile.name}: a snapshot keeps the files as they were; a restore holds exactly them`, () => {
    const c = setup();
    c.write('before');
    const { snapshot } = c.driver.createSnapshot({ name: 'snapshot-1', sourceVolumeId: c.volumeId });
    assert.equal({ ...snapshot, creationTimeMs: 0 }, { snapshotId: snapshot.snapshotId, sourceVolumeId: c.volumeId, sizeBytes: String(10 * GiB), creationTimeMs: 0, readyToUse: true });
    c.write('after');
    const restored = c.driver.createVolume({ name: 'pvc-restore', capacityRange: { requiredBytes: String(10 * GiB) }, volumeCapabilities: [RWO], volumeContentSource: { snapshot: { snapshotId: snapshot.snapshotId } } }).volume;
    assert.is(c.read(restored.volumeId), 'before');
    assert.is(c.read(c.volumeId), 'after');
    // A second restore of the same snapshot: the same contents, whatever the first one did since.
    writeVolumeFs(c.client, profile.name, restored.volumeId, writeFile(readVolumeFs(c.client, profile.name, restored.volumeId), '/rows', 'changed'));
    const again = c.driver.createVolume({ name: 'pvc-restore-2', capacityRange: { requiredBytes: String(10 * GiB) }, volumeCapabilities: [RWO], volumeContentSource: { snapshot: { snapshotId: snapshot.snapshotId } } }).volume;
    assert.is(c.read(again.volumeId), 'before');
  });

  test(`${profile.name}: CreateSnapshot is idempotent by name; the same name for another volume is ALREADY_EXISTS`, () => {
    const c = setup();
    const a = c.driver.createSnapshot({ name: 'snapshot-1', sourceVolumeId: c.volumeId }).snapshot;
    const before = csiState(c.store);
    assert.equal(c.driver.createSnapshot({ name: 'snapshot-1', sourceVolumeId: c.volumeId }).snapshot, a);
    assert.is(csiState(c.store), before);
    const other = c.driver.createVolume({ name: 'pvc-other', capacityRange: { requiredBytes: String(GiB) }, volumeCapabilities: [RWO] }).volume;
    throwsCsi(() => c.driver.createSnapshot({ name: 'snapshot-1', sourceVolumeId: other.volumeId }), 'ALREADY_EXISTS');
    throwsCsi(() => c.driver.createSnapshot({ name: 'snapshot-2', sourceVolumeId: 'vol-0000000000000000' }), 'NOT_FOUND');
  });

  test(`${profile.name}: ListSnapshots filters; DeleteSnapshot is idempotent; a deleted snapshot cannot be restored`, () => {
    const c = setup();
    const a = c.driver.createSnapshot({ name: 'snapshot-a', sourceVolumeId: c.volumeId }).snapshot;
    const b = c.driver.createSnapshot({ name: 'snapshot-b', sourceVolumeId: c.volumeId }).snapshot;
    assert.equal(c.driver.listSnapshots({}).entries.map((s) => s.snapshotId), [a.snapshotId, b.snapshotId].sort());
    assert.equal(c.driver.listSnapshots({ snapshotId: a.snapshotId }).entries, [a]);
    c.driver.deleteSnapshot({ snapshotId: a.snapshotId });
    c.driver.deleteSnapshot({ snapshotId: a.snapshotId });
    assert.equal(c.driver.listSnapshots({ snapshotId: a.snapshotId }).entries, []);
    throwsCsi(() => c.driver.createVolume({ name: 'pvc-r', capacityRange: { requiredBytes: String(10 * GiB) }, volumeCapabilities: [RWO], volumeContentSource: { snapshot: { snapshotId: a.snapshotId } } }), 'NOT_FOUND');
  });

  test(`${profile.name}: a restore or clone smaller than its source is OUT_OF_RANGE; a clone copies the volume`, () => {
    const c = setup();
    c.write('now');
    const { snapshot } = c.driver.createSnapshot({ name: 'snapshot-1', sourceVolumeId: c.volumeId });
    throwsCsi(() => c.driver.createVolume({ name: 'pvc-small', capacityRange: { requiredBytes: String(5 * GiB) }, volumeCapabilities: [RWO], volumeContentSource: { snapshot: { snapshotId: snapshot.snapshotId } } }), 'OUT_OF_RANGE');
    throwsCsi(() => c.driver.createVolume({ name: 'pvc-small', capacityRange: { requiredBytes: String(5 * GiB) }, volumeCapabilities: [RWO], volumeContentSource: { volume: { volumeId: c.volumeId } } }), 'OUT_OF_RANGE');
    const clone = c.driver.createVolume({ name: 'pvc-clone', capacityRange: { requiredBytes: String(20 * GiB) }, volumeCapabilities: [RWO], volumeContentSource: { volume: { volumeId: c.volumeId } } }).volume;
    assert.is(c.read(clone.volumeId), 'now');
  });
}

test('disk: a clone is made in the zone of its source, and refused when the requisite topology excludes it', () => {
  const c = cluster(diskProfile);
  const src = c.driver.createVolume({ name: 'pvc-src', capacityRange: { requiredBytes: String(GiB) }, volumeCapabilities: [RWO], accessibilityRequirements: { requisite: [{ [ZONE]: 'zone-a' }] } }).volume;
  const clone = c.driver.createVolume({
    name: 'pvc-clone', capacityRange: { requiredBytes: String(GiB) }, volumeCapabilities: [RWO], volumeContentSource: { volume: { volumeId: src.volumeId } },
    accessibilityRequirements: { requisite: [{ [ZONE]: 'zone-a' }, { [ZONE]: 'zone-b' }], preferred: [{ [ZONE]: 'zone-b' }] },
  }).volume;
  assert.equal(clone.accessibleTopology, [{ [ZONE]: 'zone-a' }]);
  throwsCsi(() => c.driver.createVolume({
    name: 'pvc-clone-b', capacityRange: { requiredBytes: String(GiB) }, volumeCapabilities: [RWO], volumeContentSource: { volume: { volumeId: src.volumeId } },
    accessibilityRequirements: { requisite: [{ [ZONE]: 'zone-b' }] },
  }), 'INVALID_ARGUMENT', 'a clone is made in the same zone');
  // A snapshot restores into any zone.
  const { snapshot } = c.driver.createSnapshot({ name: 'snapshot-1', sourceVolumeId: src.volumeId });
  const restored = c.driver.createVolume({
    name: 'pvc-restore-b', capacityRange: { requiredBytes: String(GiB) }, volumeCapabilities: [RWO], volumeContentSource: { snapshot: { snapshotId: snapshot.snapshotId } },
    accessibilityRequirements: { requisite: [{ [ZONE]: 'zone-b' }] },
  }).volume;
  assert.equal(restored.accessibleTopology, [{ [ZONE]: 'zone-b' }]);
});

test.run();
