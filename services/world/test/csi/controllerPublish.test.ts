/**
 * csi-sanity "ControllerPublishVolume" / "ControllerUnpublishVolume" against the disk profile
 * (nas has no attach step: the RPCs are UNIMPLEMENTED there). Each row: volumes that exist
 * (`given`, name -> zone, published nodes), one call (`when`), the expected outcome (`then`).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { ControllerPublishRequest, CsiCode } from '@pvsim/domain';
import { diskProfile, nasProfile, volumeIdForName, type SimCsiDriver } from '@pvsim/csi-drivers';
import { RWO, cluster, csiState, mount, throwsCsi } from './support/harness.ts';

const ZONE = 'topology.kubernetes.io/zone';
const id = volumeIdForName;

interface Row {
  name: string;
  /** Volumes to create: name -> { zone, nodes it is already published to (readonly false) }. */
  given: Record<string, { zone: string; publishedTo?: string[] }>;
  when: Partial<ControllerPublishRequest>;
  then: { code: CsiCode; text?: string } | { publishedNodes: Record<string, boolean> };
  options?: { maxVolumesPerNode?: number };
}

const rows: Row[] = [
  { name: 'missing volume id', given: { v: { zone: 'zone-a' } }, when: { nodeId: 'node-a', volumeCapability: RWO, readonly: false }, then: { code: 'INVALID_ARGUMENT', text: 'volume id' } },
  { name: 'missing node id', given: { v: { zone: 'zone-a' } }, when: { volumeId: id('v'), volumeCapability: RWO, readonly: false }, then: { code: 'INVALID_ARGUMENT', text: 'node id' } },
  { name: 'missing capability', given: { v: { zone: 'zone-a' } }, when: { volumeId: id('v'), nodeId: 'node-a', readonly: false }, then: { code: 'INVALID_ARGUMENT', text: 'capability' } },
  { name: 'multi-node capability', given: { v: { zone: 'zone-a' } }, when: { volumeId: id('v'), nodeId: 'node-a', volumeCapability: mount('MULTI_NODE_MULTI_WRITER'), readonly: false }, then: { code: 'INVALID_ARGUMENT', text: 'unsupported access mode' } },
  { name: 'unknown volume', given: {}, when: { volumeId: id('nope'), nodeId: 'node-a', volumeCapability: RWO, readonly: false }, then: { code: 'NOT_FOUND', text: id('nope') } },
  { name: 'unknown node', given: { v: { zone: 'zone-a' } }, when: { volumeId: id('v'), nodeId: 'node-z', volumeCapability: RWO, readonly: false }, then: { code: 'NOT_FOUND', text: 'node-z' } },
  { name: 'publish', given: { v: { zone: 'zone-a' } }, when: { volumeId: id('v'), nodeId: 'node-a', volumeCapability: RWO, readonly: false }, then: { publishedNodes: { 'node-a': false } } },
  { name: 'publish readonly', given: { v: { zone: 'zone-a' } }, when: { volumeId: id('v'), nodeId: 'node-a', volumeCapability: mount('SINGLE_NODE_READER_ONLY'), readonly: true }, then: { publishedNodes: { 'node-a': true } } },
  { name: 'republish compatibly is OK', given: { v: { zone: 'zone-a', publishedTo: ['node-a'] } }, when: { volumeId: id('v'), nodeId: 'node-a', volumeCapability: RWO, readonly: false }, then: { publishedNodes: { 'node-a': false } } },
  { name: 'republish with different readonly', given: { v: { zone: 'zone-a', publishedTo: ['node-a'] } }, when: { volumeId: id('v'), nodeId: 'node-a', volumeCapability: RWO, readonly: true }, then: { code: 'ALREADY_EXISTS', text: 'readonly' } },
  { name: 'published to another node', given: { v: { zone: 'zone-a', publishedTo: ['node-a'] } }, when: { volumeId: id('v'), nodeId: 'node-a2', volumeCapability: RWO, readonly: false }, then: { code: 'FAILED_PRECONDITION', text: 'node-a' } },
  { name: 'node in another zone', given: { v: { zone: 'zone-a' } }, when: { volumeId: id('v'), nodeId: 'node-b', volumeCapability: RWO, readonly: false }, then: { code: 'FAILED_PRECONDITION', text: 'zone-b' } },
  {
    name: 'node at its attach limit (2)',
    given: { v1: { zone: 'zone-a', publishedTo: ['node-a'] }, v2: { zone: 'zone-a', publishedTo: ['node-a'] }, v3: { zone: 'zone-a' } },
    when: { volumeId: id('v3'), nodeId: 'node-a', volumeCapability: RWO, readonly: false },
    then: { code: 'RESOURCE_EXHAUSTED', text: 'node-a' },
  },
  {
    name: 'attach limit counts only the node asked about',
    given: { v1: { zone: 'zone-a', publishedTo: ['node-a'] }, v2: { zone: 'zone-a', publishedTo: ['node-a'] }, v3: { zone: 'zone-a' } },
    when: { volumeId: id('v3'), nodeId: 'node-a2', volumeCapability: RWO, readonly: false },
    then: { publishedNodes: { 'node-a2': false } },
  },
  {
    name: 'a higher maxVolumesPerNode option lets a third volume attach',
    options: { maxVolumesPerNode: 3 },
    given: { v1: { zone: 'zone-a', publishedTo: ['node-a'] }, v2: { zone: 'zone-a', publishedTo: ['node-a'] }, v3: { zone: 'zone-a' } },
    when: { volumeId: id('v3'), nodeId: 'node-a', volumeCapability: RWO, readonly: false },
    then: { publishedNodes: { 'node-a': false } },
  },
];

function given(driver: SimCsiDriver, volumes: Row['given']): void {
  for (const [name, v] of Object.entries(volumes)) {
    driver.createVolume({ name, volumeCapabilities: [RWO], accessibilityRequirements: { requisite: [{ [ZONE]: v.zone }] } });
    for (const node of v.publishedTo ?? []) driver.controllerPublishVolume({ volumeId: id(name), nodeId: node, volumeCapability: RWO, readonly: false });
  }
}

for (const row of rows) {
  test(`disk ControllerPublishVolume: ${row.name}`, () => {
    const { driver, store } = cluster(diskProfile, row.options ? { options: row.options } : {});
    given(driver, row.given);
    const req = row.when as ControllerPublishRequest;
    if ('code' in row.then) {
      const before = csiState(store);
      throwsCsi(() => driver.controllerPublishVolume(req), row.then.code, row.then.text);
      assert.is(csiState(store), before, 'a refused publish writes nothing');
      return;
    }
    const first = driver.controllerPublishVolume(req);
    assert.equal(first.publishContext, { devicePath: `/dev/disk/by-id/pvsim-${req.volumeId}` });
    // Idempotent: the same call again answers the same and writes nothing.
    const before = csiState(store);
    assert.equal(driver.controllerPublishVolume(req), first);
    assert.is(csiState(store), before);
    const stored = store.get('CSIVolume', `${diskProfile.name}.${req.volumeId}`) as any;
    assert.equal(
      Object.fromEntries(Object.entries(stored.status.publishedNodes as Record<string, { readonly: boolean }>).map(([n, p]) => [n, p.readonly])),
      row.then.publishedNodes,
    );
    assert.equal(driver.listVolumes().entries.find((e) => e.volume.volumeId === req.volumeId)!.publishedNodeIds, Object.keys(row.then.publishedNodes).sort());
  });
}

const unpublishRows: { name: string; publishedTo: string[]; when: { volumeId: string; nodeId: string }; code?: CsiCode; left: string[] }[] = [
  { name: 'missing volume id', publishedTo: ['node-a'], when: { volumeId: '', nodeId: 'node-a' }, code: 'INVALID_ARGUMENT', left: ['node-a'] },
  { name: 'unknown volume is OK', publishedTo: ['node-a'], when: { volumeId: id('nope'), nodeId: 'node-a' }, left: ['node-a'] },
  { name: 'not published to that node is OK', publishedTo: ['node-a'], when: { volumeId: id('v'), nodeId: 'node-a2' }, left: ['node-a'] },
  { name: 'unknown node is OK', publishedTo: ['node-a'], when: { volumeId: id('v'), nodeId: 'node-z' }, left: ['node-a'] },
  { name: 'unpublish', publishedTo: ['node-a'], when: { volumeId: id('v'), nodeId: 'node-a' }, left: [] },
  { name: 'empty node id unpublishes from every node', publishedTo: ['node-a'], when: { volumeId: id('v'), nodeId: '' }, left: [] },
];

for (const row of unpublishRows) {
  test(`disk ControllerUnpublishVolume: ${row.name}`, () => {
    const { driver, store } = cluster(diskProfile);
    given(driver, { v: { zone: 'zone-a', publishedTo: row.publishedTo } });
    for (let i = 0; i < 2; i++) {
      if (row.code) throwsCsi(() => driver.controllerUnpublishVolume(row.when), row.code);
      else driver.controllerUnpublishVolume(row.when);
    }
    const stored = store.get('CSIVolume', `${diskProfile.name}.${id('v')}`) as any;
    assert.equal(Object.keys(stored.status.publishedNodes), row.left);
  });
}

test('disk: after unpublishing, the volume attaches to another node of its zone', () => {
  const { driver } = cluster(diskProfile);
  given(driver, { v: { zone: 'zone-a', publishedTo: ['node-a'] } });
  driver.controllerUnpublishVolume({ volumeId: id('v'), nodeId: 'node-a' });
  driver.controllerPublishVolume({ volumeId: id('v'), nodeId: 'node-a2', volumeCapability: RWO, readonly: false });
});

const unimplementedRows: { name: string; call: (d: SimCsiDriver) => unknown }[] = [
  { name: 'ControllerPublishVolume', call: (d) => d.controllerPublishVolume({ volumeId: id('v'), nodeId: 'node-a', volumeCapability: RWO, readonly: false }) },
  { name: 'ControllerUnpublishVolume', call: (d) => d.controllerUnpublishVolume({ volumeId: id('v'), nodeId: 'node-a' }) },
  { name: 'NodeStageVolume', call: (d) => d.nodeStageVolume({ node: 'node-a', volumeId: id('v'), stagingTargetPath: '/s', volumeCapability: RWO }) },
  { name: 'NodeUnstageVolume', call: (d) => d.nodeUnstageVolume({ node: 'node-a', volumeId: id('v'), stagingTargetPath: '/s' }) },
];

for (const row of unimplementedRows) {
  test(`nas: ${row.name} is UNIMPLEMENTED (no capability for it)`, () => {
    const { driver } = cluster(nasProfile);
    driver.createVolume({ name: 'v', volumeCapabilities: [RWO] });
    throwsCsi(() => row.call(driver), 'UNIMPLEMENTED');
  });
}

test.run();
