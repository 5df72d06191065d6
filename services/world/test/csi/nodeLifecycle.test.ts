/**
 * csi-sanity "Node Service" and the volume lifecycle (§14.2): create → publish → stage →
 * publish → unpublish → unstage → unpublish → delete, each step repeated (idempotent), against
 * both profiles, with the steps a profile lacks skipped as the CO would skip them. Then the
 * ordering and exclusivity rules, as rows.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CsiCode, CsiVolumeStatus } from '@pvsim/domain';
import { readFile, writeFile } from '@pvsim/domain';
import { diskProfile, nasProfile, readVolumeFs, volumeIdForName, writeVolumeFs, type SimCsiDriver } from '@pvsim/csi-drivers';
import {
  RWO, bringUp, cluster, csiState, hasPublish, hasStage, mount, stagingPath, targetPath, tearDown, throwsCsi,
} from './support/harness.ts';

const PROFILES = [nasProfile, diskProfile];
const REPEAT = 3;
const id = volumeIdForName;

function status(d: SimCsiDriver, store: { get: (k: 'CSIVolume', n: string) => unknown }, volumeId: string): CsiVolumeStatus {
  return (store.get('CSIVolume', `${d.name}.${volumeId}`) as { status: CsiVolumeStatus }).status;
}

for (const profile of PROFILES) {
  test(`${profile.name}: full lifecycle, every step repeated ${REPEAT} times`, () => {
    const { driver, store } = cluster(profile);
    const node = 'node-a';
    const staging = stagingPath(profile.name, id('pvc-1'));
    const target = targetPath('pod-1', 'pvc-1');
    const steps: { name: string; skip?: boolean; run: () => void; expect: CsiVolumeStatus | 'deleted' }[] = [];
    let volumeId = '';
    steps.push({
      name: 'CreateVolume',
      run: () => { volumeId = driver.createVolume({ name: 'pvc-1', volumeCapabilities: [RWO] }).volume.volumeId; },
      expect: { publishedNodes: {}, staged: {}, published: {} },
    });
    const attached = { [node]: { readonly: false, publishContext: { devicePath: `/dev/disk/by-id/pvsim-${id('pvc-1')}` } } };
    const afterAttach: CsiVolumeStatus['publishedNodes'] = hasPublish(driver) ? attached : {};
    const afterStage: Record<string, string> = hasStage(driver) ? { [node]: staging } : {};
    steps.push(
      { name: 'ControllerPublishVolume', skip: !hasPublish(driver), run: () => { driver.controllerPublishVolume({ volumeId, nodeId: node, volumeCapability: RWO, readonly: false }); }, expect: { publishedNodes: afterAttach, staged: {}, published: {} } },
      { name: 'NodeStageVolume', skip: !hasStage(driver), run: () => { driver.nodeStageVolume({ node, volumeId, stagingTargetPath: staging, volumeCapability: RWO }); }, expect: { publishedNodes: afterAttach, staged: afterStage, published: {} } },
      {
        name: 'NodePublishVolume',
        run: () => { driver.nodePublishVolume({ node, volumeId, targetPath: target, volumeCapability: RWO, readonly: false, ...(hasStage(driver) ? { stagingTargetPath: staging } : {}) }); },
        expect: { publishedNodes: afterAttach, staged: afterStage, published: { [target]: { node, readonly: false } } },
      },
      { name: 'NodeUnpublishVolume', run: () => { driver.nodeUnpublishVolume({ node, volumeId, targetPath: target }); }, expect: { publishedNodes: afterAttach, staged: afterStage, published: {} } },
      { name: 'NodeUnstageVolume', skip: !hasStage(driver), run: () => { driver.nodeUnstageVolume({ node, volumeId, stagingTargetPath: staging }); }, expect: { publishedNodes: afterAttach, staged: {}, published: {} } },
      { name: 'ControllerUnpublishVolume', skip: !hasPublish(driver), run: () => { driver.controllerUnpublishVolume({ volumeId, nodeId: node }); }, expect: { publishedNodes: {}, staged: {}, published: {} } },
      { name: 'DeleteVolume', run: () => { driver.deleteVolume({ volumeId }); }, expect: 'deleted' },
    );
    for (const step of steps) {
      if (step.skip) continue;
      let afterFirst = '';
      for (let i = 0; i < REPEAT; i++) {
        step.run();
        if (i === 0) afterFirst = csiState(store);
        else assert.is(csiState(store), afterFirst, `${step.name} #${i + 1} changed the store`);
      }
      if (step.expect === 'deleted') {
        assert.equal(store.list('CSIVolume'), [], step.name);
        assert.equal(store.list('Filesystem'), [], step.name);
      } else {
        assert.equal(status(driver, store, volumeId), step.expect, step.name);
      }
    }
  });

  interface MissingRow { name: string; call: (d: SimCsiDriver, v: string) => unknown; code: CsiCode; text?: string; stage?: boolean }
  const missingRows: MissingRow[] = [
    { name: 'NodePublishVolume without volume id', call: (d) => d.nodePublishVolume({ node: 'node-a', volumeId: '', targetPath: '/t', volumeCapability: RWO, readonly: false, stagingTargetPath: '/s' }), code: 'INVALID_ARGUMENT', text: 'volume id' },
    { name: 'NodePublishVolume without target path', call: (d, v) => d.nodePublishVolume({ node: 'node-a', volumeId: v, targetPath: '', volumeCapability: RWO, readonly: false, stagingTargetPath: '/s' }), code: 'INVALID_ARGUMENT', text: 'target path' },
    { name: 'NodePublishVolume without capability', call: (d, v) => d.nodePublishVolume({ node: 'node-a', volumeId: v, targetPath: '/t', readonly: false, stagingTargetPath: '/s' } as never), code: 'INVALID_ARGUMENT', text: 'capability' },
    { name: 'NodePublishVolume without node', call: (d, v) => d.nodePublishVolume({ node: '', volumeId: v, targetPath: '/t', volumeCapability: RWO, readonly: false, stagingTargetPath: '/s' }), code: 'INVALID_ARGUMENT', text: 'node' },
    { name: 'NodePublishVolume of an unknown volume', call: (d) => d.nodePublishVolume({ node: 'node-a', volumeId: id('nope'), targetPath: '/t', volumeCapability: RWO, readonly: false, stagingTargetPath: '/s' }), code: 'NOT_FOUND' },
    { name: 'NodeUnpublishVolume without volume id', call: (d) => d.nodeUnpublishVolume({ node: 'node-a', volumeId: '', targetPath: '/t' }), code: 'INVALID_ARGUMENT', text: 'volume id' },
    { name: 'NodeUnpublishVolume without target path', call: (d, v) => d.nodeUnpublishVolume({ node: 'node-a', volumeId: v, targetPath: '' }), code: 'INVALID_ARGUMENT', text: 'target path' },
    { name: 'NodeUnpublishVolume of an unknown volume', call: (d) => d.nodeUnpublishVolume({ node: 'node-a', volumeId: id('nope'), targetPath: '/t' }), code: 'NOT_FOUND' },
    { name: 'NodeStageVolume without volume id', stage: true, call: (d) => d.nodeStageVolume({ node: 'node-a', volumeId: '', stagingTargetPath: '/s', volumeCapability: RWO }), code: 'INVALID_ARGUMENT', text: 'volume id' },
    { name: 'NodeStageVolume without staging path', stage: true, call: (d, v) => d.nodeStageVolume({ node: 'node-a', volumeId: v, stagingTargetPath: '', volumeCapability: RWO }), code: 'INVALID_ARGUMENT', text: 'staging target path' },
    { name: 'NodeStageVolume without capability', stage: true, call: (d, v) => d.nodeStageVolume({ node: 'node-a', volumeId: v, stagingTargetPath: '/s' } as never), code: 'INVALID_ARGUMENT', text: 'capability' },
    { name: 'NodeStageVolume of an unknown volume', stage: true, call: (d) => d.nodeStageVolume({ node: 'node-a', volumeId: id('nope'), stagingTargetPath: '/s', volumeCapability: RWO }), code: 'NOT_FOUND' },
    { name: 'NodeUnstageVolume without volume id', stage: true, call: (d) => d.nodeUnstageVolume({ node: 'node-a', volumeId: '', stagingTargetPath: '/s' }), code: 'INVALID_ARGUMENT', text: 'volume id' },
    { name: 'NodeUnstageVolume without staging path', stage: true, call: (d, v) => d.nodeUnstageVolume({ node: 'node-a', volumeId: v, stagingTargetPath: '' }), code: 'INVALID_ARGUMENT', text: 'staging target path' },
    { name: 'NodeUnstageVolume of an unknown volume', stage: true, call: (d) => d.nodeUnstageVolume({ node: 'node-a', volumeId: id('nope'), stagingTargetPath: '/s' }), code: 'NOT_FOUND' },
  ];
  for (const row of missingRows) {
    if (row.stage && !profile.nodeCapabilities.includes('STAGE_UNSTAGE_VOLUME')) continue;
    // A NAS takes an unknown handle for a share that exists on the server (tested below).
    if (profile.preexistingShares && row.name === 'NodePublishVolume of an unknown volume') continue;
    test(`${profile.name}: ${row.name} ⇒ ${row.code}`, () => {
      const { driver, store } = cluster(profile);
      const v = driver.createVolume({ name: 'pvc-1', volumeCapabilities: [RWO] }).volume.volumeId;
      const before = csiState(store);
      throwsCsi(() => row.call(driver, v), row.code, row.text);
      assert.is(csiState(store), before);
    });
  }

  test(`${profile.name}: NodeUnpublishVolume removes the target path and leaves the others`, () => {
    const { driver, store } = cluster(profile);
    const v = driver.createVolume({ name: 'pvc-1', volumeCapabilities: [RWO] }).volume.volumeId;
    const t1 = targetPath('pod-1', 'pvc-1');
    const t2 = targetPath('pod-2', 'pvc-1');
    bringUp(driver, v, 'node-a', t1);
    bringUp(driver, v, 'node-a', t2);
    assert.equal(Object.keys(status(driver, store, v).published).sort(), [t1, t2].sort());
    driver.nodeUnpublishVolume({ node: 'node-a', volumeId: v, targetPath: t1 });
    assert.equal(Object.keys(status(driver, store, v).published), [t2]);
    // Unpublishing a path of another node does nothing.
    driver.nodeUnpublishVolume({ node: 'node-b', volumeId: v, targetPath: t2 });
    assert.equal(Object.keys(status(driver, store, v).published), [t2]);
  });

  test(`${profile.name}: SINGLE_NODE_SINGLE_WRITER published at a second target path ⇒ FAILED_PRECONDITION`, () => {
    const { driver, store } = cluster(profile);
    const snsw = mount('SINGLE_NODE_SINGLE_WRITER');
    const v = driver.createVolume({ name: 'pvc-1', volumeCapabilities: [snsw] }).volume.volumeId;
    const t1 = targetPath('pod-1', 'pvc-1');
    bringUp(driver, v, 'node-a', t1, snsw);
    const before = csiState(store);
    throwsCsi(() => driver.nodePublishVolume({
      node: 'node-a', volumeId: v, targetPath: targetPath('pod-2', 'pvc-1'), volumeCapability: snsw, readonly: false,
      ...(hasStage(driver) ? { stagingTargetPath: stagingPath(profile.name, v) } : {}),
    }), 'FAILED_PRECONDITION', t1);
    assert.is(csiState(store), before);
    // The same target path again is the idempotent retry, not a second writer.
    bringUp(driver, v, 'node-a', t1, snsw);
  });

  test(`${profile.name}: NodePublishVolume at the same path with different readonly ⇒ ALREADY_EXISTS`, () => {
    const { driver } = cluster(profile);
    const v = driver.createVolume({ name: 'pvc-1', volumeCapabilities: [RWO] }).volume.volumeId;
    const t = targetPath('pod-1', 'pvc-1');
    bringUp(driver, v, 'node-a', t);
    throwsCsi(() => driver.nodePublishVolume({
      node: 'node-a', volumeId: v, targetPath: t, volumeCapability: RWO, readonly: true,
      ...(hasStage(driver) ? { stagingTargetPath: stagingPath(profile.name, v) } : {}),
    }), 'ALREADY_EXISTS');
  });

  test(`${profile.name}: DeleteVolume while in use ⇒ FAILED_PRECONDITION, then OK after the unwind`, () => {
    const { driver, store } = cluster(profile);
    const v = driver.createVolume({ name: 'pvc-1', volumeCapabilities: [RWO] }).volume.volumeId;
    const t = targetPath('pod-1', 'pvc-1');
    bringUp(driver, v, 'node-a', t);
    throwsCsi(() => driver.deleteVolume({ volumeId: v }), 'FAILED_PRECONDITION', 'node-a');
    // Unwind one step at a time: every half-way state still refuses.
    driver.nodeUnpublishVolume({ node: 'node-a', volumeId: v, targetPath: t });
    if (hasStage(driver)) {
      throwsCsi(() => driver.deleteVolume({ volumeId: v }), 'FAILED_PRECONDITION', 'staged');
      driver.nodeUnstageVolume({ node: 'node-a', volumeId: v, stagingTargetPath: stagingPath(profile.name, v) });
    }
    if (hasPublish(driver)) {
      throwsCsi(() => driver.deleteVolume({ volumeId: v }), 'FAILED_PRECONDITION', 'published to node node-a');
      driver.controllerUnpublishVolume({ volumeId: v, nodeId: 'node-a' });
    }
    driver.deleteVolume({ volumeId: v });
    assert.equal(store.list('CSIVolume'), []);
  });
}

// ---------------------------------------------------------------- disk ordering rules

interface OrderRow { name: string; setup: (d: SimCsiDriver, v: string) => void; call: (d: SimCsiDriver, v: string) => void; code: CsiCode; text: string }
const s = (v: string) => stagingPath(diskProfile.name, v);
const t1 = targetPath('pod-1', 'pvc-1');

const orderRows: OrderRow[] = [
  {
    name: 'NodeStage before ControllerPublish',
    setup: () => {},
    call: (d, v) => d.nodeStageVolume({ node: 'node-a', volumeId: v, stagingTargetPath: s(v), volumeCapability: RWO }),
    code: 'FAILED_PRECONDITION', text: 'not published to node node-a',
  },
  {
    name: 'NodeStage on a node the volume is not published to',
    setup: (d, v) => { d.controllerPublishVolume({ volumeId: v, nodeId: 'node-a', volumeCapability: RWO, readonly: false }); },
    call: (d, v) => d.nodeStageVolume({ node: 'node-a2', volumeId: v, stagingTargetPath: s(v), volumeCapability: RWO }),
    code: 'FAILED_PRECONDITION', text: 'node-a2',
  },
  {
    name: 'NodeStage again at another staging path',
    setup: (d, v) => {
      d.controllerPublishVolume({ volumeId: v, nodeId: 'node-a', volumeCapability: RWO, readonly: false });
      d.nodeStageVolume({ node: 'node-a', volumeId: v, stagingTargetPath: s(v), volumeCapability: RWO });
    },
    call: (d, v) => d.nodeStageVolume({ node: 'node-a', volumeId: v, stagingTargetPath: '/elsewhere', volumeCapability: RWO }),
    code: 'ALREADY_EXISTS', text: 'already staged',
  },
  {
    name: 'NodePublish without a staging path',
    setup: (d, v) => {
      d.controllerPublishVolume({ volumeId: v, nodeId: 'node-a', volumeCapability: RWO, readonly: false });
      d.nodeStageVolume({ node: 'node-a', volumeId: v, stagingTargetPath: s(v), volumeCapability: RWO });
    },
    call: (d, v) => d.nodePublishVolume({ node: 'node-a', volumeId: v, targetPath: t1, volumeCapability: RWO, readonly: false }),
    code: 'FAILED_PRECONDITION', text: 'staging target path is required',
  },
  {
    name: 'NodePublish before NodeStage',
    setup: (d, v) => { d.controllerPublishVolume({ volumeId: v, nodeId: 'node-a', volumeCapability: RWO, readonly: false }); },
    call: (d, v) => d.nodePublishVolume({ node: 'node-a', volumeId: v, stagingTargetPath: s(v), targetPath: t1, volumeCapability: RWO, readonly: false }),
    code: 'FAILED_PRECONDITION', text: 'not staged',
  },
  {
    name: 'NodeUnstage while still published on the node',
    setup: (d, v) => bringUp(d, v, 'node-a', t1),
    call: (d, v) => d.nodeUnstageVolume({ node: 'node-a', volumeId: v, stagingTargetPath: s(v) }),
    code: 'FAILED_PRECONDITION', text: t1,
  },
];

for (const row of orderRows) {
  test(`disk ordering: ${row.name} ⇒ ${row.code}`, () => {
    const { driver, store } = cluster(diskProfile);
    const v = driver.createVolume({ name: 'pvc-1', volumeCapabilities: [RWO] }).volume.volumeId;
    row.setup(driver, v);
    const before = csiState(store);
    throwsCsi(() => row.call(driver, v), row.code, row.text);
    assert.is(csiState(store), before);
  });
}

test('disk: NodeUnstage at a path it is not staged at is OK and changes nothing', () => {
  const { driver, store } = cluster(diskProfile);
  const v = driver.createVolume({ name: 'pvc-1', volumeCapabilities: [RWO] }).volume.volumeId;
  bringUp(driver, v, 'node-a', t1);
  const before = csiState(store);
  driver.nodeUnstageVolume({ node: 'node-a', volumeId: v, stagingTargetPath: '/elsewhere' });
  driver.nodeUnstageVolume({ node: 'node-a2', volumeId: v, stagingTargetPath: s(v) });
  assert.is(csiState(store), before);
});

// ---------------------------------------------------------------- nas: one share, many nodes

const shareRows: { name: string; mode: Parameters<typeof mount>[0]; secondNode: string; code?: CsiCode }[] = [
  { name: 'MULTI_NODE_MULTI_WRITER on two nodes', mode: 'MULTI_NODE_MULTI_WRITER', secondNode: 'node-b' },
  { name: 'MULTI_NODE_READER_ONLY on two nodes', mode: 'MULTI_NODE_READER_ONLY', secondNode: 'node-b' },
  { name: 'SINGLE_NODE_WRITER, two pods on one node', mode: 'SINGLE_NODE_WRITER', secondNode: 'node-a' },
  { name: 'SINGLE_NODE_WRITER refuses a second node', mode: 'SINGLE_NODE_WRITER', secondNode: 'node-b', code: 'FAILED_PRECONDITION' },
];

for (const row of shareRows) {
  test(`nas share: ${row.name}`, () => {
    const { driver, store } = cluster(nasProfile);
    const cap = mount(row.mode);
    const v = driver.createVolume({ name: 'pvc-1', volumeCapabilities: [cap] }).volume.volumeId;
    const ta = targetPath('pod-a', 'pvc-1');
    const tb = targetPath('pod-b', 'pvc-1');
    bringUp(driver, v, 'node-a', ta, cap);
    if (row.code) {
      throwsCsi(() => bringUp(driver, v, row.secondNode, tb, cap), row.code, 'node-a');
      return;
    }
    bringUp(driver, v, row.secondNode, tb, cap);
    assert.equal(status(driver, store, v).published, {
      [ta]: { node: 'node-a', readonly: false },
      [tb]: { node: row.secondNode, readonly: false },
    });
  });
}

test('nas share: a file written through one node is seen through the other', () => {
  const { driver, store } = cluster(nasProfile);
  const rwx = mount('MULTI_NODE_MULTI_WRITER');
  const v = driver.createVolume({ name: 'pvc-1', volumeCapabilities: [rwx] }).volume.volumeId;
  bringUp(driver, v, 'node-a', targetPath('pod-a', 'pvc-1'), rwx);
  bringUp(driver, v, 'node-b', targetPath('pod-b', 'pvc-1'), rwx);
  // What the kubelet of node-a does for `write /data/hello.txt` in its pod...
  writeVolumeFs(store, nasProfile.name, v, writeFile(readVolumeFs(store, nasProfile.name, v), '/hello.txt', 'from node-a'));
  // ...and what node-b's kubelet reads for its pod: the same Filesystem object.
  assert.is(readFile(readVolumeFs(store, nasProfile.name, v), '/hello.txt'), 'from node-a');
  tearDown(driver, v, 'node-a', targetPath('pod-a', 'pvc-1'));
  assert.is(readFile(readVolumeFs(store, nasProfile.name, v), '/hello.txt'), 'from node-a', 'unpublishing keeps the data');
  assert.equal(Object.keys(status(driver, store, v).published), [targetPath('pod-b', 'pvc-1')]);
});

test('disk: data survives detach and re-attach on another node of the zone', () => {
  const { driver, store } = cluster(diskProfile);
  const v = driver.createVolume({ name: 'pvc-1', volumeCapabilities: [RWO] }).volume.volumeId;
  bringUp(driver, v, 'node-a', t1);
  writeVolumeFs(store, diskProfile.name, v, writeFile(readVolumeFs(store, diskProfile.name, v), '/db/data', '42'));
  tearDown(driver, v, 'node-a', t1);
  bringUp(driver, v, 'node-a2', targetPath('pod-2', 'pvc-1'));
  assert.is(readFile(readVolumeFs(store, diskProfile.name, v), '/db/data'), '42');
});

test('nas.csi.pvsim.dev: a handle it did not create is a pre-existing share, taken in when first published', () => {
  const { driver, store } = cluster(nasProfile);
  driver.nodePublishVolume({ node: 'node-a', volumeId: 'share-1', targetPath: '/t1', volumeCapability: { accessMode: 'MULTI_NODE_MULTI_WRITER', mount: {} }, readonly: false, volumeContext: { server: 'nas.example' } });
  const vol = store.get('CSIVolume', 'nas.csi.pvsim.dev.share-1') as unknown as { spec: { capacityBytes: string; parameters: Record<string, string> }; status: { published: Record<string, unknown> } };
  assert.is(vol.spec.capacityBytes, '0');
  assert.equal(vol.spec.parameters, { server: 'nas.example' });
  assert.equal(Object.keys(vol.status.published), ['/t1']);
  assert.ok(store.get('Filesystem', 'csi.nas.csi.pvsim.dev.share-1'));
});

test.run();
