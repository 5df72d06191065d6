import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  VolumeIndex, accessModesKey, claimSelectorMatches, containsAllAccessModes, findMatchingVolume,
  type AccessMode, type PersistentVolume, type PersistentVolumeClaim,
} from '../src/index.ts';

/**
 * The reference: Kubernetes' findBestMatchForClaim as written — every mode group whose modes
 * cover the claim's, fewest modes first, and a full FindMatchingVolume scan of each group.
 * Lists are in name order so "first seen wins a tie" means "smallest name", the index's rule.
 */
function reference(claim: PersistentVolumeClaim, volumes: PersistentVolume[], delayBinding: boolean): PersistentVolume | undefined {
  const groups = new Map<string, PersistentVolume[]>();
  for (const v of [...volumes].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))) {
    const key = accessModesKey(v.spec.accessModes);
    groups.set(key, [...(groups.get(key) ?? []), v]);
  }
  const keys = [...groups.keys()].sort((a, b) => (a === '' ? 0 : a.split(',').length) - (b === '' ? 0 : b.split(',').length) || (a < b ? -1 : a > b ? 1 : 0));
  for (const key of keys) {
    const vols = groups.get(key)!;
    if (!containsAllAccessModes(vols[0]!.spec.accessModes ?? [], claim.spec.accessModes ?? [])) continue;
    const found = findMatchingVolume(claim, vols, {
      delayBinding, vacEnabled: true, selectorMatches: (l) => claimSelectorMatches(claim.spec.selector, l),
    });
    if (found) return found;
  }
  return undefined;
}

const modeSets: AccessMode[][] = [['ReadWriteOnce'], ['ReadWriteOnce', 'ReadOnlyMany'], ['ReadWriteMany'], ['ReadOnlyMany'], ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany'], ['ReadWriteOncePod']];
const sizes = ['1Gi', '2Gi', '1500Mi', '5G', '10Gi', '1Ti'];

const volumeArb = (i: number) => fc.record({
  size: fc.constantFrom(...sizes),
  modes: fc.constantFrom(...modeSets),
  cls: fc.constantFrom('', 'gold'),
  phase: fc.constantFrom('Available', 'Available', 'Available', 'Bound', 'Released', 'Pending'),
  prebound: fc.constantFrom<null | string>(null, null, null, 'c', 'other'),
  uid: fc.constantFrom('', 'uid-c', 'uid-old'),
  label: fc.constantFrom('a', 'b'),
  block: fc.boolean(),
  deleting: fc.constantFrom(false, false, false, true),
}).map((r): PersistentVolume => ({
  apiVersion: 'v1', kind: 'PersistentVolume',
  metadata: { name: `pv-${i}`, labels: { tier: r.label }, ...(r.deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  spec: {
    capacity: { storage: r.size }, accessModes: r.modes, storageClassName: r.cls, volumeMode: r.block ? 'Block' : 'Filesystem',
    ...(r.prebound ? { claimRef: { name: r.prebound, namespace: 'ns', ...(r.uid ? { uid: r.uid } : {}) } } : {}),
  },
  status: { phase: r.phase },
}));

const claimArb = fc.record({
  size: fc.constantFrom(...sizes, '500Mi'),
  modes: fc.constantFrom(...modeSets, [] as AccessMode[]),
  cls: fc.constantFrom<string | undefined>(undefined, '', 'gold'),
  selector: fc.constantFrom<null | string>(null, null, 'a', 'b'),
  block: fc.constantFrom(false, false, true),
}).map((r): PersistentVolumeClaim => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim',
  metadata: { name: 'c', namespace: 'ns', uid: 'uid-c' },
  spec: {
    accessModes: r.modes, resources: { requests: { storage: r.size } }, volumeMode: r.block ? 'Block' : 'Filesystem',
    ...(r.cls !== undefined ? { storageClassName: r.cls } : {}),
    ...(r.selector ? { selector: { matchLabels: { tier: r.selector } } } : {}),
  },
}));

test('the index picks exactly what Kubernetes\' scan picks (ties by name)', () => {
  fc.assert(fc.property(
    fc.integer({ min: 0, max: 30 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => volumeArb(i)))),
    claimArb,
    fc.boolean(),
    (volumes, claim, delayBinding) => {
      const index = new VolumeIndex();
      for (const v of volumes) index.set(v);
      const got = index.findBestMatchForClaim(claim, delayBinding)?.metadata.name;
      const want = reference(claim, volumes, delayBinding)?.metadata.name;
      assert.is(got, want);
    },
  ), { numRuns: 500 });
});

test('the index follows updates and deletions', () => {
  fc.assert(fc.property(
    fc.array(fc.tuple(fc.integer({ min: 0, max: 15 }), fc.constantFrom('set', 'delete')), { maxLength: 80 }),
    fc.array(volumeArb(0), { minLength: 16, maxLength: 16 }),
    claimArb,
    (ops, pool, claim) => {
      const index = new VolumeIndex();
      const live = new Map<string, PersistentVolume>();
      for (const [i, op] of ops) {
        const name = `pv-${i}`;
        if (op === 'delete') { index.delete(name); live.delete(name); continue; }
        const v = { ...pool[i]!, metadata: { ...pool[i]!.metadata, name } };
        index.set(v); live.set(name, v);
        // Mutate another volume's phase to exercise re-indexing.
        const j = (i * 7) % 16;
        const other = live.get(`pv-${j}`);
        if (other) { const w = { ...other, status: { phase: other.status?.phase === 'Available' ? 'Bound' : 'Available' } }; index.set(w); live.set(w.metadata.name, w); }
      }
      assert.is(index.size, live.size);
      assert.is(index.findBestMatchForClaim(claim, false)?.metadata.name, reference(claim, [...live.values()], false)?.metadata.name);
    },
  ), { numRuns: 300 });
});

const table: { name: string; volumes: [string, string, AccessMode[]][]; request: string; modes: AccessMode[]; want: string | undefined }[] = [
  { name: 'smallest that fits', volumes: [['a', '10Gi', ['ReadWriteOnce']], ['b', '5Gi', ['ReadWriteOnce']], ['c', '1Gi', ['ReadWriteOnce']]], request: '2Gi', modes: ['ReadWriteOnce'], want: 'b' },
  { name: 'closest mode set beats size', volumes: [['ebs', '10G', ['ReadWriteOnce']], ['nfs', '1G', ['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany']]], request: '1G', modes: ['ReadWriteOnce'], want: 'ebs' },
  { name: 'larger mode set when the close one is full', volumes: [['ebs', '1G', ['ReadWriteOnce']], ['nfs', '10G', ['ReadWriteOnce', 'ReadWriteMany']]], request: '5G', modes: ['ReadWriteOnce'], want: 'nfs' },
  { name: 'exact comparison, no float: 1Gi > 1G', volumes: [['g', '1G', ['ReadWriteOnce']]], request: '1Gi', modes: ['ReadWriteOnce'], want: undefined },
  { name: 'exabytes without overflow', volumes: [['x', '8Ei', ['ReadWriteOnce']], ['y', '200E', ['ReadWriteOnce']]], request: '100E', modes: ['ReadWriteOnce'], want: 'y' },
  { name: 'ties broken by name', volumes: [['z', '1Gi', ['ReadWriteOnce']], ['m', '1024Mi', ['ReadWriteOnce']]], request: '1Gi', modes: ['ReadWriteOnce'], want: 'm' },
  { name: 'no match', volumes: [['a', '1Gi', ['ReadOnlyMany']]], request: '1Gi', modes: ['ReadWriteOnce'], want: undefined },
];

for (const row of table) {
  test(`binder: ${row.name}`, () => {
    const index = new VolumeIndex();
    for (const [name, size, modes] of row.volumes) {
      index.set({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name }, spec: { capacity: { storage: size }, accessModes: modes, storageClassName: '' }, status: { phase: 'Available' } });
    }
    const claim: PersistentVolumeClaim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c', namespace: 'default', uid: 'u' }, spec: { accessModes: row.modes, resources: { requests: { storage: row.request } }, storageClassName: '' } };
    assert.is(index.findBestMatchForClaim(claim, false)?.metadata.name, row.want);
  });
}

test.run();
