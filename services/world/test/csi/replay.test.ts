/**
 * The driver's only state is the store: fold the recorded facts into a fresh store and a new
 * driver instance sees the same volumes, attachments, mounts and files, and carries on from
 * there (idempotent retries across the restart, unwinding what the old instance set up).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFile, writeFile } from '@pvsim/domain';
import { Random, foldRecords } from '@pvsim/runtime';
import { SimCsiDriver, diskProfile, nasProfile, readVolumeFs, writeVolumeFs, type CsiProfile } from '@pvsim/csi-drivers';
import { RWO, bringUp, cluster, csiState, mount, newWorld, targetPath, tearDown } from './support/harness.ts';

const RWX = mount('MULTI_NODE_MULTI_WRITER');

function build() {
  const c = cluster(diskProfile, { seed: 1 });
  const disk = c.driver;
  const nas = new SimCsiDriver({ profile: nasProfile, client: c.client, random: new Random(2) });
  // disk: one attached, staged and mounted volume with data; one created only; one deleted.
  const d1 = disk.createVolume({ name: 'pvc-d1', volumeCapabilities: [RWO], capacityRange: { requiredBytes: '5000000000' } }).volume.volumeId;
  bringUp(disk, d1, 'node-a', targetPath('pod-1', 'pvc-d1'));
  writeVolumeFs(c.store, disk.name, d1, writeFile(readVolumeFs(c.store, disk.name, d1), '/db/rows', '1,2,3'));
  const d2 = disk.createVolume({ name: 'pvc-d2', volumeCapabilities: [RWO], accessibilityRequirements: { preferred: [{ 'topology.kubernetes.io/zone': 'zone-b' }] } }).volume.volumeId;
  const d3 = disk.createVolume({ name: 'pvc-d3', volumeCapabilities: [RWO] }).volume.volumeId;
  disk.deleteVolume({ volumeId: d3 });
  // nas: a share mounted on two nodes, with a file.
  const n1 = nas.createVolume({ name: 'pvc-n1', volumeCapabilities: [RWX] }).volume.volumeId;
  bringUp(nas, n1, 'node-a', targetPath('pod-2', 'pvc-n1'), RWX);
  bringUp(nas, n1, 'node-b', targetPath('pod-3', 'pvc-n1'), RWX);
  writeVolumeFs(c.store, nas.name, n1, writeFile(readVolumeFs(c.store, nas.name, n1), '/shared.txt', 'hello'));
  return { ...c, disk, nas, ids: { d1, d2, d3, n1 } };
}

function replayed(records: Parameters<typeof foldRecords>[1]) {
  const world = newWorld();
  foldRecords(world.store, records);
  // The facts went into the API server without watch events: the informers list it.
  world.relist();
  const { store, client } = world;
  return {
    store,
    disk: new SimCsiDriver({ profile: diskProfile, client, random: new Random(1) }),
    nas: new SimCsiDriver({ profile: nasProfile, client, random: new Random(2) }),
  };
}

test('the log records every backend change as CSIVolume / Filesystem facts', () => {
  const { records } = build();
  const types = new Set(records.map((r) => r.type));
  for (const t of ['CSIVolumeCreated', 'CSIVolumeUpdated', 'CSIVolumeDeleted', 'FilesystemCreated', 'FilesystemUpdated', 'FilesystemDeleted']) {
    assert.ok(types.has(t), t);
  }
  assert.ok(records.some((r) => r.stream.startsWith('csivol/disk.csi.pvsim.dev.vol-')));
  assert.ok(records.some((r) => r.stream.startsWith('fs/csi.nas.csi.pvsim.dev.vol-')));
});

const views: { name: string; profile: CsiProfile; view: (d: SimCsiDriver) => unknown }[] = [
  { name: 'disk ListVolumes', profile: diskProfile, view: (d) => d.listVolumes() },
  { name: 'nas ListVolumes', profile: nasProfile, view: (d) => d.listVolumes() },
  { name: 'disk GetCapacity', profile: diskProfile, view: (d) => d.getCapacity() },
  { name: 'nas GetCapacity', profile: nasProfile, view: (d) => d.getCapacity() },
];

for (const row of views) {
  test(`replay: a new driver sees the same ${row.name}`, () => {
    const live = build();
    const again = replayed(live.records);
    const liveDriver = row.profile === diskProfile ? live.disk : live.nas;
    const newDriver = row.profile === diskProfile ? again.disk : again.nas;
    assert.equal(row.view(newDriver), row.view(liveDriver));
  });
}

test('replay: the stores hold the same CSI objects and files', () => {
  const live = build();
  const again = replayed(live.records);
  assert.is(csiState(again.store), csiState(live.store));
  assert.is(readFile(readVolumeFs(again.store, diskProfile.name, live.ids.d1), '/db/rows'), '1,2,3');
  assert.is(readFile(readVolumeFs(again.store, nasProfile.name, live.ids.n1), '/shared.txt'), 'hello');
  assert.is(again.store.get('CSIVolume', `${diskProfile.name}.${live.ids.d3}`), undefined);
});

test('replay: the new driver carries on — retries are idempotent and the unwind works', () => {
  const live = build();
  const { store, disk, nas } = replayed(live.records);
  const { d1, d2, n1 } = live.ids;
  const before = csiState(store);
  // A CreateVolume retried after the restart finds the same volume; a re-sent publish/stage is OK.
  assert.is(disk.createVolume({ name: 'pvc-d1', volumeCapabilities: [RWO], capacityRange: { requiredBytes: '5000000000' } }).volume.volumeId, d1);
  bringUp(disk, d1, 'node-a', targetPath('pod-1', 'pvc-d1'));
  assert.is(csiState(store), before);
  // The attach limit counts what the old instance attached.
  disk.controllerPublishVolume({ volumeId: d2, nodeId: 'node-b', volumeCapability: RWO, readonly: false });
  assert.equal(disk.listVolumes().entries.map((e) => e.publishedNodeIds), [d1, d2].sort().map((id) => (id === d1 ? ['node-a'] : ['node-b'])));
  // Unwind everything the old instance set up, then delete.
  tearDown(disk, d1, 'node-a', targetPath('pod-1', 'pvc-d1'));
  disk.deleteVolume({ volumeId: d1 });
  tearDown(nas, n1, 'node-a', targetPath('pod-2', 'pvc-n1'));
  tearDown(nas, n1, 'node-b', targetPath('pod-3', 'pvc-n1'));
  nas.deleteVolume({ volumeId: n1 });
  assert.equal(store.list('Filesystem').map((f) => f.metadata.name), [`csi.${diskProfile.name}.${d2}`]);
});

test('replay: a prefix of the log is a consistent earlier state', () => {
  const live = build();
  // Every prefix folds into a store the driver can read without error.
  for (let n = 0; n <= live.records.length; n++) {
    const { disk, nas } = replayed(live.records.slice(0, n));
    for (const d of [disk, nas]) {
      for (const e of d.listVolumes().entries) {
        assert.ok(d.validateVolumeCapabilities({ volumeId: e.volume.volumeId, volumeCapabilities: [RWO] }).confirmed);
      }
      d.getCapacity();
    }
  }
});

test.run();
