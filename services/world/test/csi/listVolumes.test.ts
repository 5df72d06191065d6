/**
 * csi-sanity "ListVolumes", both profiles: values, new volumes appear and deleted ones
 * disappear, pagination with max_entries / starting_token, an invalid token is ABORTED, and a
 * token stays usable when volumes change between pages.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { diskProfile, nasProfile, type SimCsiDriver } from '@pvsim/csi-drivers';
import { RWO, bringUp, cluster, targetPath, throwsCsi } from './support/harness.ts';

const PROFILES = [nasProfile, diskProfile];

function create(driver: SimCsiDriver, names: string[]): string[] {
  return names.map((name) => driver.createVolume({ name, volumeCapabilities: [RWO] }).volume.volumeId);
}

function listAll(driver: SimCsiDriver, maxEntries: number): { pages: string[][]; ids: string[] } {
  const pages: string[][] = [];
  let token = '';
  for (let i = 0; i < 100; i++) {
    const r = driver.listVolumes({ maxEntries, ...(token ? { startingToken: token } : {}) });
    pages.push(r.entries.map((e) => e.volume.volumeId));
    token = r.nextToken;
    if (!token) break;
  }
  return { pages, ids: pages.flat() };
}

const pageRows: { name: string; volumes: number; maxEntries: number; pageSizes: number[] }[] = [
  { name: 'no volumes', volumes: 0, maxEntries: 2, pageSizes: [0] },
  { name: 'max_entries 0 returns everything', volumes: 5, maxEntries: 0, pageSizes: [5] },
  { name: 'pages of 2 over 5', volumes: 5, maxEntries: 2, pageSizes: [2, 2, 1] },
  { name: 'pages of 2 over 4: no empty last page', volumes: 4, maxEntries: 2, pageSizes: [2, 2] },
  { name: 'page larger than the list', volumes: 3, maxEntries: 10, pageSizes: [3] },
];

for (const profile of PROFILES) {
  test(`${profile.name}: ListVolumes: new volumes appear, deleted ones disappear`, () => {
    const { driver } = cluster(profile);
    assert.equal(driver.listVolumes().entries, []);
    const [a, b] = create(driver, ['pvc-a', 'pvc-b']);
    const listed = driver.listVolumes();
    assert.equal(listed.entries.map((e) => e.volume.volumeId), [a!, b!].sort());
    assert.is(listed.nextToken, '');
    const entry = listed.entries.find((e) => e.volume.volumeId === a)!;
    assert.equal(entry.volume, driver.createVolume({ name: 'pvc-a', volumeCapabilities: [RWO] }).volume);
    driver.deleteVolume({ volumeId: a! });
    assert.equal(driver.listVolumes().entries.map((e) => e.volume.volumeId), [b!]);
  });

  for (const row of pageRows) {
    test(`${profile.name}: ListVolumes pagination: ${row.name}`, () => {
      const { driver } = cluster(profile);
      const ids = create(driver, Array.from({ length: row.volumes }, (_, i) => `pvc-${i}`));
      const { pages, ids: listed } = listAll(driver, row.maxEntries);
      assert.equal(pages.map((p) => p.length), row.pageSizes);
      assert.equal(listed, [...ids].sort());
    });
  }

  test(`${profile.name}: ListVolumes invalid arguments`, () => {
    const { driver } = cluster(profile);
    create(driver, ['pvc-a']);
    throwsCsi(() => driver.listVolumes({ startingToken: 'invalid-token' }), 'ABORTED');
    throwsCsi(() => driver.listVolumes({ maxEntries: -1 }), 'INVALID_ARGUMENT');
  });

  test(`${profile.name}: ListVolumes token survives the deletion of the page's last volume and sees volumes added after it`, () => {
    const { driver } = cluster(profile);
    create(driver, ['pvc-0', 'pvc-1', 'pvc-2', 'pvc-3']);
    const first = driver.listVolumes({ maxEntries: 2 });
    assert.is(first.entries.length, 2);
    driver.deleteVolume({ volumeId: first.nextToken });
    // Create volumes until one sorts after the token: it must show up on a later page.
    let added = '';
    for (let i = 0; !added; i++) {
      const id = create(driver, [`late-${i}`])[0]!;
      if (id > first.nextToken) added = id;
    }
    const rest: string[] = [];
    let token = first.nextToken;
    while (token) {
      const r = driver.listVolumes({ maxEntries: 2, startingToken: token });
      rest.push(...r.entries.map((e) => e.volume.volumeId));
      token = r.nextToken;
    }
    assert.ok(rest.includes(added));
    assert.ok(rest.every((id) => id > first.nextToken));
  });
}

test('disk: ListVolumes reports published nodes; nas reports none (no LIST_VOLUMES_PUBLISHED_NODES)', () => {
  for (const profile of PROFILES) {
    const { driver } = cluster(profile);
    const [id] = create(driver, ['pvc-a']);
    bringUp(driver, id!, 'node-a', targetPath('pod-1', 'pvc-a'));
    const nodes = driver.listVolumes().entries[0]!.publishedNodeIds;
    assert.equal(nodes, profile === diskProfile ? ['node-a'] : [], profile.name);
  }
});

test.run();
