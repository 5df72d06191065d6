/**
 * csi-sanity "CreateVolume", "DeleteVolume", "ValidateVolumeCapabilities" and "GetCapacity", run
 * against both profiles, plus the profile-specific rules: capacity rounding (disk: whole GiB,
 * nas: exact), access modes the disk refuses, zonal placement, backend capacity.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { CreateVolumeRequest, CsiCode } from '@pvsim/domain';
import { csiFilesystemName, readFile, writeFile } from '@pvsim/domain';
import { diskProfile, nasProfile, readVolumeFs, volumeIdForName, writeVolumeFs, type CsiProfile } from '@pvsim/csi-drivers';
import { GiB, RWO, cluster, csiState, mount, throwsCsi } from './support/harness.ts';

const PROFILES = [nasProfile, diskProfile];
const ZONE = 'topology.kubernetes.io/zone';

// ---------------------------------------------------------------- CreateVolume, both profiles

type Outcome = number | CsiCode;

interface CreateRow {
  name: string;
  req: CreateVolumeRequest;
  /** Per profile: the capacity CreateVolume returns, or the error code it fails with. */
  expect: { nas: Outcome; disk: Outcome };
  text?: string;
}

const both = (o: Outcome) => ({ nas: o, disk: o });

const createRows: CreateRow[] = [
  { name: 'without name fails', req: { name: '', volumeCapabilities: [RWO] }, expect: both('INVALID_ARGUMENT'), text: 'name' },
  { name: 'without capabilities fails', req: { name: 'v', volumeCapabilities: [] }, expect: both('INVALID_ARGUMENT'), text: 'capabilities' },
  { name: 'capability without access type fails', req: { name: 'v', volumeCapabilities: [{ accessMode: 'SINGLE_NODE_WRITER' }] }, expect: both('INVALID_ARGUMENT'), text: 'access type' },
  { name: 'without capacity gets the default (1 GiB)', req: { name: 'v', volumeCapabilities: [RWO] }, expect: both(GiB) },
  { name: 'with capacity: exact on nas, whole GiB on disk', req: { name: 'v', volumeCapabilities: [RWO], capacityRange: { requiredBytes: String(GiB + 1) } }, expect: { nas: GiB + 1, disk: 2 * GiB } },
  { name: 'with required = limit = 10 GiB', req: { name: 'v', volumeCapabilities: [RWO], capacityRange: { requiredBytes: String(10 * GiB), limitBytes: String(10 * GiB) } }, expect: both(10 * GiB) },
  { name: 'only a limit, below the default: nas takes the limit, no whole GiB fits on disk', req: { name: 'v', volumeCapabilities: [RWO], capacityRange: { limitBytes: String(GiB / 2) } }, expect: { nas: GiB / 2, disk: 'OUT_OF_RANGE' } },
  { name: 'only a limit, above the default', req: { name: 'v', volumeCapabilities: [RWO], capacityRange: { limitBytes: String(5 * GiB) } }, expect: both(GiB) },
  { name: 'limit below required is OUT_OF_RANGE', req: { name: 'v', volumeCapabilities: [RWO], capacityRange: { requiredBytes: '2000', limitBytes: '1000' } }, expect: both('OUT_OF_RANGE') },
  { name: 'required 1000 bytes, limit 2000: nas exact, disk cannot round up to a GiB', req: { name: 'v', volumeCapabilities: [RWO], capacityRange: { requiredBytes: '1000', limitBytes: '2000' } }, expect: { nas: 1000, disk: 'OUT_OF_RANGE' } },
  { name: 'negative required is OUT_OF_RANGE', req: { name: 'v', volumeCapabilities: [RWO], capacityRange: { requiredBytes: '-1' } }, expect: both('OUT_OF_RANGE') },
  { name: 'non-numeric required is INVALID_ARGUMENT', req: { name: 'v', volumeCapabilities: [RWO], capacityRange: { requiredBytes: '1Gi' } }, expect: both('INVALID_ARGUMENT') },
  { name: 'more than the backend holds is RESOURCE_EXHAUSTED', req: { name: 'v', volumeCapabilities: [RWO], capacityRange: { requiredBytes: String(2048 * GiB) } }, expect: both('RESOURCE_EXHAUSTED') },
  { name: 'max-length name (128)', req: { name: 'n'.repeat(128), volumeCapabilities: [RWO] }, expect: both(GiB) },
  { name: 'malformed latency parameter is INVALID_ARGUMENT', req: { name: 'v', volumeCapabilities: [RWO], parameters: { 'csi.pvsim.dev/latency-ms': 'fast' } }, expect: both('INVALID_ARGUMENT'), text: 'latency' },
  { name: 'unknown csi.pvsim.dev/ parameter is INVALID_ARGUMENT', req: { name: 'v', volumeCapabilities: [RWO], parameters: { 'csi.pvsim.dev/speed': 'x' } }, expect: both('INVALID_ARGUMENT'), text: 'unsupported parameter' },
  { name: 'other parameters are kept as volume context', req: { name: 'v', volumeCapabilities: [RWO], parameters: { type: 'ssd', 'csi.pvsim.dev/latency-ms': '100-400' } }, expect: both(GiB) },
];

for (const profile of PROFILES) {
  for (const row of createRows) {
    test(`${profile.name}: CreateVolume ${row.name}`, () => {
      const { driver, store } = cluster(profile);
      const expected = profile === nasProfile ? row.expect.nas : row.expect.disk;
      if (typeof expected === 'string') {
        const before = csiState(store);
        throwsCsi(() => driver.createVolume(row.req), expected, row.text);
        assert.is(csiState(store), before, 'a failed CreateVolume writes nothing');
        return;
      }
      const { volume } = driver.createVolume(row.req);
      assert.is(volume.capacityBytes, String(expected));
      assert.ok(BigInt(volume.capacityBytes) >= BigInt(row.req.capacityRange?.requiredBytes ?? 0));
      assert.is(volume.volumeId, volumeIdForName(row.req.name));
      assert.equal(volume.volumeContext, row.req.parameters ?? {});
      const stored = store.get('CSIVolume', `${profile.name}.${volume.volumeId}`) as any;
      assert.is(stored.spec.name, row.req.name);
      assert.is(stored.spec.driver, profile.name);
      assert.is(stored.spec.accessMode, 'SINGLE_NODE_WRITER');
      assert.equal(stored.status, { publishedNodes: {}, staged: {}, published: {} });
      assert.equal(readVolumeFs(store, profile.name, volume.volumeId), { files: {}, dirs: [] });
    });
  }

  interface RepeatRow { name: string; first: CreateVolumeRequest; second: CreateVolumeRequest; same: boolean }
  const repeatRows: RepeatRow[] = [
    {
      name: 'same name, same capacity ⇒ same volume',
      first: { name: 'pvc-1', volumeCapabilities: [RWO], capacityRange: { requiredBytes: String(10 * GiB) } },
      second: { name: 'pvc-1', volumeCapabilities: [RWO], capacityRange: { requiredBytes: String(10 * GiB) } },
      same: true,
    },
    {
      name: 'same name, smaller compatible capacity ⇒ same volume',
      first: { name: 'pvc-1', volumeCapabilities: [RWO], capacityRange: { requiredBytes: String(10 * GiB) } },
      second: { name: 'pvc-1', volumeCapabilities: [RWO], capacityRange: { requiredBytes: String(5 * GiB) } },
      same: true,
    },
    {
      name: 'same name, different capacity (required = limit) ⇒ ALREADY_EXISTS',
      first: { name: 'pvc-1', volumeCapabilities: [RWO], capacityRange: { requiredBytes: String(10 * GiB), limitBytes: String(10 * GiB) } },
      second: { name: 'pvc-1', volumeCapabilities: [RWO], capacityRange: { requiredBytes: String(20 * GiB), limitBytes: String(20 * GiB) } },
      same: false,
    },
    {
      name: 'same name, larger required capacity ⇒ ALREADY_EXISTS',
      first: { name: 'pvc-1', volumeCapabilities: [RWO], capacityRange: { requiredBytes: String(GiB) } },
      second: { name: 'pvc-1', volumeCapabilities: [RWO], capacityRange: { requiredBytes: String(3 * GiB) } },
      same: false,
    },
    {
      name: 'same name, different parameters ⇒ ALREADY_EXISTS',
      first: { name: 'pvc-1', volumeCapabilities: [RWO], parameters: { type: 'ssd' } },
      second: { name: 'pvc-1', volumeCapabilities: [RWO], parameters: { type: 'hdd' } },
      same: false,
    },
    {
      name: 'different names ⇒ different volumes',
      first: { name: 'pvc-1', volumeCapabilities: [RWO] },
      second: { name: 'pvc-2', volumeCapabilities: [RWO] },
      same: false,
    },
  ];
  for (const row of repeatRows) {
    test(`${profile.name}: CreateVolume twice: ${row.name}`, () => {
      const { driver, store } = cluster(profile);
      const a = driver.createVolume(row.first).volume;
      if (row.same) {
        const before = csiState(store);
        const b = driver.createVolume(row.second).volume;
        assert.equal(b, a);
        assert.is(csiState(store), before, 'a repeated CreateVolume writes nothing');
      } else if (row.first.name === row.second.name) {
        throwsCsi(() => driver.createVolume(row.second), 'ALREADY_EXISTS', row.first.name);
      } else {
        assert.is.not(driver.createVolume(row.second).volume.volumeId, a.volumeId);
      }
    });
  }

  test(`${profile.name}: CreateVolume retry repairs a missing Filesystem (crash between the two writes)`, () => {
    const { driver, store } = cluster(profile);
    const { volume } = driver.createVolume({ name: 'pvc-1', volumeCapabilities: [RWO] });
    store.delete('Filesystem', csiFilesystemName(profile.name, volume.volumeId));
    driver.createVolume({ name: 'pvc-1', volumeCapabilities: [RWO] });
    assert.equal(readVolumeFs(store, profile.name, volume.volumeId), { files: {}, dirs: [] });
  });

  // ---------------------------------------------------------------- DeleteVolume

  test(`${profile.name}: DeleteVolume without id fails, unknown id is OK`, () => {
    const { driver } = cluster(profile);
    throwsCsi(() => driver.deleteVolume({ volumeId: '' }), 'INVALID_ARGUMENT');
    driver.deleteVolume({ volumeId: 'vol-0000000000000000' });
    driver.deleteVolume({ volumeId: 'no-such-volume' });
  });

  test(`${profile.name}: DeleteVolume removes the volume and its files, and repeats OK`, () => {
    const { driver, store } = cluster(profile);
    const { volume } = driver.createVolume({ name: 'pvc-1', volumeCapabilities: [RWO] });
    writeVolumeFs(store, profile.name, volume.volumeId, writeFile(readVolumeFs(store, profile.name, volume.volumeId), '/data', 'x'));
    for (let i = 0; i < 3; i++) driver.deleteVolume({ volumeId: volume.volumeId });
    assert.equal(store.list('CSIVolume'), []);
    assert.equal(store.list('Filesystem'), []);
    throwsCsi(() => readVolumeFs(store, profile.name, volume.volumeId), 'NOT_FOUND');
    // A new volume of the same name starts empty: the data went with the old one.
    const again = driver.createVolume({ name: 'pvc-1', volumeCapabilities: [RWO] }).volume;
    assert.is(again.volumeId, volume.volumeId);
    assert.equal(readVolumeFs(store, profile.name, again.volumeId).files, {});
  });

  test(`${profile.name}: DeleteVolume of an unknown id removes a Filesystem left by a half-finished delete`, () => {
    const { driver, store } = cluster(profile);
    const { volume } = driver.createVolume({ name: 'pvc-1', volumeCapabilities: [RWO] });
    store.delete('CSIVolume', `${profile.name}.${volume.volumeId}`);
    driver.deleteVolume({ volumeId: volume.volumeId });
    assert.equal(store.list('Filesystem'), []);
  });

  // ---------------------------------------------------------------- ValidateVolumeCapabilities

  test(`${profile.name}: ValidateVolumeCapabilities`, () => {
    const { driver } = cluster(profile);
    const { volume } = driver.createVolume({ name: 'pvc-1', volumeCapabilities: [RWO] });
    throwsCsi(() => driver.validateVolumeCapabilities({ volumeId: '', volumeCapabilities: [RWO] }), 'INVALID_ARGUMENT');
    throwsCsi(() => driver.validateVolumeCapabilities({ volumeId: volume.volumeId, volumeCapabilities: [] }), 'INVALID_ARGUMENT');
    throwsCsi(() => driver.validateVolumeCapabilities({ volumeId: 'vol-0000000000000000', volumeCapabilities: [RWO] }), 'NOT_FOUND');
    assert.equal(driver.validateVolumeCapabilities({ volumeId: volume.volumeId, volumeCapabilities: [RWO] }), { confirmed: true, message: '' });
    const rwx = driver.validateVolumeCapabilities({ volumeId: volume.volumeId, volumeCapabilities: [mount('MULTI_NODE_MULTI_WRITER')] });
    assert.is(rwx.confirmed, profile === nasProfile);
    const block = driver.validateVolumeCapabilities({ volumeId: volume.volumeId, volumeCapabilities: [{ accessMode: 'SINGLE_NODE_WRITER', block: {} }] });
    assert.is(block.confirmed, profile === diskProfile);
  });

  // ---------------------------------------------------------------- GetCapacity

  test(`${profile.name}: GetCapacity reports what is left, and a full backend refuses`, () => {
    const { driver } = cluster(profile, { options: { totalCapacityBytes: 10 * GiB } });
    assert.is(driver.getCapacity().availableCapacity, String(10 * GiB));
    const { volume } = driver.createVolume({ name: 'a', volumeCapabilities: [RWO], capacityRange: { requiredBytes: String(6 * GiB) } });
    assert.is(driver.getCapacity().availableCapacity, String(4 * GiB));
    throwsCsi(() => driver.createVolume({ name: 'b', volumeCapabilities: [RWO], capacityRange: { requiredBytes: String(5 * GiB) } }), 'RESOURCE_EXHAUSTED');
    driver.createVolume({ name: 'c', volumeCapabilities: [RWO], capacityRange: { requiredBytes: String(4 * GiB) } });
    assert.is(driver.getCapacity({ accessibleTopology: { [ZONE]: 'zone-a' } }).availableCapacity, '0');
    driver.deleteVolume({ volumeId: volume.volumeId });
    assert.is(driver.getCapacity().availableCapacity, String(6 * GiB));
  });
}

// ---------------------------------------------------------------- profile-specific rules

const modeRows: { name: string; profile: CsiProfile; mode: Parameters<typeof mount>[0]; ok: boolean }[] = [
  { name: 'nas accepts MULTI_NODE_MULTI_WRITER', profile: nasProfile, mode: 'MULTI_NODE_MULTI_WRITER', ok: true },
  { name: 'nas accepts MULTI_NODE_READER_ONLY', profile: nasProfile, mode: 'MULTI_NODE_READER_ONLY', ok: true },
  { name: 'nas accepts SINGLE_NODE_SINGLE_WRITER', profile: nasProfile, mode: 'SINGLE_NODE_SINGLE_WRITER', ok: true },
  { name: 'disk accepts SINGLE_NODE_WRITER', profile: diskProfile, mode: 'SINGLE_NODE_WRITER', ok: true },
  { name: 'disk accepts SINGLE_NODE_READER_ONLY', profile: diskProfile, mode: 'SINGLE_NODE_READER_ONLY', ok: true },
  { name: 'disk accepts SINGLE_NODE_SINGLE_WRITER', profile: diskProfile, mode: 'SINGLE_NODE_SINGLE_WRITER', ok: true },
  { name: 'disk accepts SINGLE_NODE_MULTI_WRITER', profile: diskProfile, mode: 'SINGLE_NODE_MULTI_WRITER', ok: true },
  { name: 'disk refuses MULTI_NODE_MULTI_WRITER', profile: diskProfile, mode: 'MULTI_NODE_MULTI_WRITER', ok: false },
  { name: 'disk refuses MULTI_NODE_READER_ONLY', profile: diskProfile, mode: 'MULTI_NODE_READER_ONLY', ok: false },
  { name: 'disk refuses MULTI_NODE_SINGLE_WRITER', profile: diskProfile, mode: 'MULTI_NODE_SINGLE_WRITER', ok: false },
];

for (const row of modeRows) {
  test(`CreateVolume access mode: ${row.name}`, () => {
    const { driver, store } = cluster(row.profile);
    const req = { name: 'v', volumeCapabilities: [RWO, mount(row.mode)] };
    if (row.ok) driver.createVolume(req);
    else {
      throwsCsi(() => driver.createVolume(req), 'INVALID_ARGUMENT', 'unsupported access mode');
      assert.equal(store.list('CSIVolume'), []);
    }
  });
}

test('nas refuses block volumes', () => {
  const { driver } = cluster(nasProfile);
  throwsCsi(() => driver.createVolume({ name: 'v', volumeCapabilities: [{ accessMode: 'SINGLE_NODE_WRITER', block: {} }] }), 'INVALID_ARGUMENT', 'block');
});

const zoneRows: {
  name: string;
  requirements?: CreateVolumeRequest['accessibilityRequirements'];
  zone?: string;
  code?: CsiCode;
}[] = [
  { name: 'no requirements ⇒ zone-a', zone: 'zone-a' },
  { name: 'first requisite zone', requirements: { requisite: [{ [ZONE]: 'zone-b' }, { [ZONE]: 'zone-a' }] }, zone: 'zone-b' },
  { name: 'first preferred zone', requirements: { preferred: [{ [ZONE]: 'zone-c' }, { [ZONE]: 'zone-a' }] }, zone: 'zone-c' },
  {
    name: 'preferred inside requisite wins (WaitForFirstConsumer: selected node first)',
    requirements: { requisite: [{ [ZONE]: 'zone-a' }, { [ZONE]: 'zone-b' }], preferred: [{ [ZONE]: 'zone-b' }, { [ZONE]: 'zone-a' }] },
    zone: 'zone-b',
  },
  {
    name: 'preferred outside requisite is skipped',
    requirements: { requisite: [{ [ZONE]: 'zone-a' }], preferred: [{ [ZONE]: 'zone-b' }] },
    zone: 'zone-a',
  },
  { name: 'requisite without a zone key cannot be placed', requirements: { requisite: [{ 'example.com/rack': 'r1' }] }, code: 'RESOURCE_EXHAUSTED' },
];

for (const row of zoneRows) {
  test(`disk CreateVolume topology: ${row.name}`, () => {
    const { driver, store } = cluster(diskProfile);
    const req: CreateVolumeRequest = { name: 'v', volumeCapabilities: [RWO], ...(row.requirements ? { accessibilityRequirements: row.requirements } : {}) };
    if (row.code) { throwsCsi(() => driver.createVolume(req), row.code); return; }
    const { volume } = driver.createVolume(req);
    assert.equal(volume.accessibleTopology, [{ [ZONE]: row.zone! }]);
    assert.equal((store.get('CSIVolume', `${diskProfile.name}.${volume.volumeId}`) as any).spec.accessibleTopology, [{ [ZONE]: row.zone! }]);
  });
}

test('disk CreateVolume again with a requisite excluding its zone ⇒ ALREADY_EXISTS', () => {
  const { driver } = cluster(diskProfile);
  driver.createVolume({ name: 'v', volumeCapabilities: [RWO], accessibilityRequirements: { requisite: [{ [ZONE]: 'zone-a' }] } });
  driver.createVolume({ name: 'v', volumeCapabilities: [RWO], accessibilityRequirements: { requisite: [{ [ZONE]: 'zone-a' }, { [ZONE]: 'zone-b' }] } });
  throwsCsi(() => driver.createVolume({ name: 'v', volumeCapabilities: [RWO], accessibilityRequirements: { requisite: [{ [ZONE]: 'zone-b' }] } }), 'ALREADY_EXISTS', 'zone-a');
});

test('nas ignores topology: no accessible topology', () => {
  const { driver } = cluster(nasProfile);
  const { volume } = driver.createVolume({ name: 'v', volumeCapabilities: [RWO], accessibilityRequirements: { requisite: [{ [ZONE]: 'zone-b' }] } });
  assert.equal(volume.accessibleTopology, []);
});

test('file helpers write through the store and read back', () => {
  const { driver, store, records } = cluster(nasProfile);
  const { volume } = driver.createVolume({ name: 'v', volumeCapabilities: [RWO] });
  const n = records.length;
  writeVolumeFs(store, nasProfile.name, volume.volumeId, writeFile(readVolumeFs(store, nasProfile.name, volume.volumeId), '/a/b.txt', 'hello'));
  assert.is(readFile(readVolumeFs(store, nasProfile.name, volume.volumeId), '/a/b.txt'), 'hello');
  assert.is(records.length, n + 1);
  assert.is(records[n]!.type, 'FilesystemUpdated');
  assert.is(records[n]!.stream, `fs/csi.${nasProfile.name}.${volume.volumeId}`);
});

test.run();
