/**
 * csi-sanity "Identity Service" and the capability/info calls of the other services, for both
 * profiles: what each profile declares is exactly what docs/explanation/pods-and-csi.md expects.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diskProfile, nasProfile, type CsiProfile } from '@pvsim/csi-drivers';
import { cluster, throwsCsi } from './support/harness.ts';

const KNOWN_PLUGIN = ['CONTROLLER_SERVICE', 'VOLUME_ACCESSIBILITY_CONSTRAINTS', 'VOLUME_EXPANSION_ONLINE', 'VOLUME_EXPANSION_OFFLINE'];
const KNOWN_CONTROLLER = [
  'CREATE_DELETE_VOLUME', 'PUBLISH_UNPUBLISH_VOLUME', 'LIST_VOLUMES', 'GET_CAPACITY', 'PUBLISH_READONLY',
  'LIST_VOLUMES_PUBLISHED_NODES', 'SINGLE_NODE_MULTI_WRITER', 'EXPAND_VOLUME', 'GET_VOLUME', 'CREATE_DELETE_SNAPSHOT', 'LIST_SNAPSHOTS', 'CLONE_VOLUME',
];
const KNOWN_NODE = ['STAGE_UNSTAGE_VOLUME', 'GET_VOLUME_STATS', 'SINGLE_NODE_MULTI_WRITER', 'EXPAND_VOLUME'];

const rows: {
  name: string;
  profile: CsiProfile;
  plugin: string[];
  controller: string[];
  node: string[];
  nodeInfo: { nodeId: string; maxVolumesPerNode: number; accessibleTopology: Record<string, string> };
}[] = [
  {
    name: 'nas: file share, no attach, no staging, no topology',
    profile: nasProfile,
    plugin: ['CONTROLLER_SERVICE', 'VOLUME_EXPANSION_ONLINE'],
    controller: ['CREATE_DELETE_VOLUME', 'LIST_VOLUMES', 'GET_CAPACITY', 'EXPAND_VOLUME', 'CREATE_DELETE_SNAPSHOT', 'LIST_SNAPSHOTS', 'CLONE_VOLUME'],
    node: [],
    nodeInfo: { nodeId: 'node-b', maxVolumesPerNode: 0, accessibleTopology: {} },
  },
  {
    name: 'disk: attach, staging, zonal topology, attach limit 2',
    profile: diskProfile,
    plugin: ['CONTROLLER_SERVICE', 'VOLUME_ACCESSIBILITY_CONSTRAINTS', 'VOLUME_EXPANSION_ONLINE'],
    controller: ['CREATE_DELETE_VOLUME', 'PUBLISH_UNPUBLISH_VOLUME', 'LIST_VOLUMES', 'LIST_VOLUMES_PUBLISHED_NODES', 'GET_CAPACITY', 'PUBLISH_READONLY', 'EXPAND_VOLUME', 'CREATE_DELETE_SNAPSHOT', 'LIST_SNAPSHOTS', 'CLONE_VOLUME'],
    node: ['STAGE_UNSTAGE_VOLUME', 'EXPAND_VOLUME'],
    nodeInfo: { nodeId: 'node-b', maxVolumesPerNode: 2, accessibleTopology: { 'topology.kubernetes.io/zone': 'zone-b' } },
  },
];

for (const row of rows) {
  test(`${row.name}: GetPluginInfo name and version are non-empty`, () => {
    const info = cluster(row.profile).driver.getPluginInfo();
    assert.is(info.name, row.profile.name);
    assert.ok(info.vendorVersion.length > 0);
  });

  test(`${row.name}: capabilities are known values and the expected ones`, () => {
    const { driver } = cluster(row.profile);
    for (const c of driver.getPluginCapabilities()) assert.ok(KNOWN_PLUGIN.includes(c), c);
    for (const c of driver.controllerGetCapabilities()) assert.ok(KNOWN_CONTROLLER.includes(c), c);
    for (const c of driver.nodeGetCapabilities()) assert.ok(KNOWN_NODE.includes(c), c);
    assert.equal([...driver.getPluginCapabilities()].sort(), [...row.plugin].sort());
    assert.equal([...driver.controllerGetCapabilities()].sort(), [...row.controller].sort());
    assert.equal([...driver.nodeGetCapabilities()].sort(), [...row.node].sort());
  });

  test(`${row.name}: Probe is ready`, () => {
    assert.equal(cluster(row.profile).driver.probe(), { ready: true });
  });

  test(`${row.name}: NodeGetInfo sets node id, limit and topology`, () => {
    const { driver } = cluster(row.profile);
    assert.equal(driver.nodeGetInfo({ node: 'node-b' }), row.nodeInfo);
    throwsCsi(() => driver.nodeGetInfo({ node: '' }), 'INVALID_ARGUMENT');
  });

  test(`${row.name}: returned capability lists are copies`, () => {
    const { driver } = cluster(row.profile);
    driver.controllerGetCapabilities().push('GET_VOLUME');
    assert.equal([...driver.controllerGetCapabilities()].sort(), [...row.controller].sort());
  });
}

test('disk: NodeGetInfo reports the maxVolumesPerNode option', () => {
  const { driver } = cluster(diskProfile, { options: { maxVolumesPerNode: 5 } });
  assert.is(driver.nodeGetInfo({ node: 'node-a' }).maxVolumesPerNode, 5);
});

test('disk: NodeGetInfo of a node that does not exist is NOT_FOUND', () => {
  const { driver } = cluster(diskProfile);
  throwsCsi(() => driver.nodeGetInfo({ node: 'node-z' }), 'NOT_FOUND', 'node-z');
});

test.run();
