import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHistoryTracker, viewOf, type ViewObject } from '../src/index.ts';

const pvc = (capacity: string, pvName = 'pv-1', dataSource?: object): ViewObject => ({
  kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' },
  spec: { volumeName: pvName, ...(dataSource ? { dataSource } : {}) }, status: { phase: 'Bound', capacity: { storage: capacity } },
} as ViewObject);
const pv = (capacity: string, name = 'pv-1', handle = 'vol-1'): ViewObject => ({
  kind: 'PersistentVolume', metadata: { name }, spec: { capacity: { storage: capacity }, csi: { driver: 'd', volumeHandle: handle } },
} as ViewObject);
const files = (name: string, text: string): ViewObject => ({
  kind: 'Filesystem', metadata: { name }, status: { entries: { '/rows': { type: 'file', contents: text } } },
} as unknown as ViewObject);

test('capacity: growing is fine, shrinking is reported, a claim may not show more than its PV', () => {
  const t = createHistoryTracker();
  assert.equal(t.observe(viewOf([pvc('10Gi'), pv('10Gi')])), []);
  assert.equal(t.observe(viewOf([pvc('10Gi'), pv('20Gi')])), []);
  assert.equal(t.observe(viewOf([pvc('20Gi'), pv('20Gi')])), []);
  assert.equal(t.observe(viewOf([pvc('20Gi'), pv('15Gi')])), ['pv/pv-1: capacity shrank from 20Gi to 15Gi', 'pvc/default/data: shows 20Gi, more than its PV\'s 15Gi']);
  assert.equal(t.observe(viewOf([pvc('10240Mi'), pv('20Gi')])), ['pvc/default/data: capacity shrank from 20Gi to 10240Mi']);
});

test('a snapshot\'s files never change', () => {
  const t = createHistoryTracker();
  assert.equal(t.observe(viewOf([files('csisnap.d.snap-1', 'a')])), []);
  assert.equal(t.observe(viewOf([files('csisnap.d.snap-1', 'a'), files('csi.d.vol-1', 'b')])), []);
  assert.equal(t.observe(viewOf([files('csisnap.d.snap-1', 'b')])), ['snapshot csisnap.d.snap-1: its files changed']);
});

test('a restored volume starts with exactly the snapshot\'s files', () => {
  const vs: ViewObject = { kind: 'VolumeSnapshot', metadata: { name: 'snap', namespace: 'default' }, status: { boundVolumeSnapshotContentName: 'c1' } } as ViewObject;
  const content: ViewObject = { kind: 'VolumeSnapshotContent', metadata: { name: 'c1' }, spec: { driver: 'd' }, status: { snapshotHandle: 'snap-1' } } as ViewObject;
  const ds = { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap' };
  const good = createHistoryTracker();
  assert.equal(good.observe(viewOf([vs, content, files('csisnap.d.snap-1', 'old'), pvc('1Gi', 'pv-2', ds), pv('1Gi', 'pv-2', 'vol-2'), files('csi.d.vol-2', 'old')])), []);
  // Later writes to the restored volume are its own business.
  assert.equal(good.observe(viewOf([vs, content, files('csisnap.d.snap-1', 'old'), pvc('1Gi', 'pv-2', ds), pv('1Gi', 'pv-2', 'vol-2'), files('csi.d.vol-2', 'new')])), []);
  const bad = createHistoryTracker();
  assert.equal(bad.observe(viewOf([vs, content, files('csisnap.d.snap-1', 'old'), pvc('1Gi', 'pv-2', ds), pv('1Gi', 'pv-2', 'vol-2'), files('csi.d.vol-2', 'new')])),
    ['pv/pv-2: restored from snap but its files differ from the snapshot\'s']);
});

test.run();
