import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createWriteTracker, viewOf, type ViewObject } from '../src/index.ts';
import { expectProblems, filesystem, pv } from './support.ts';

const NAS = 'nas.csi.pvsim.dev';
const retainPv = pv('pv-r', { phase: 'Bound', claim: 'c', claimUid: 'uid-c', csi: { driver: NAS, handle: 'vol-r' } });
const deletePv = pv('pv-d', { phase: 'Bound', claim: 'd', claimUid: 'uid-d', reclaim: 'Delete', csi: { driver: NAS, handle: 'vol-d' } });

function tracked() {
  const t = createWriteTracker();
  t.noteWrite(retainPv, '/a.txt', 'one\n');
  t.noteWrite(retainPv, '/a.txt', 'two\n'); // the last write is what must be read
  t.noteWrite(deletePv, '/b.txt', 'three\n');
  return t;
}

const rows: { name: string; objects: ViewObject[]; expected: RegExp[] }[] = [
  { name: 'both volumes hold what was written', objects: [retainPv, deletePv, filesystem(NAS, 'vol-r', { '/a.txt': 'two\n' }), filesystem(NAS, 'vol-d', { '/b.txt': 'three\n' })], expected: [] },
  { name: 'the Retain volume\'s PV is deleted, its files remain', objects: [filesystem(NAS, 'vol-r', { '/a.txt': 'two\n' })], expected: [] },
  {
    name: 'the Retain volume lost its files',
    objects: [deletePv, filesystem(NAS, 'vol-d', { '/b.txt': 'three\n' })],
    expected: [/data lost: \/a.txt on Retain volume pv-r \(vol-r\): its Filesystem is gone/],
  },
  {
    name: 'the Retain volume holds an older write',
    objects: [retainPv, filesystem(NAS, 'vol-r', { '/a.txt': 'one\n' })],
    expected: [/data lost: \/a.txt on Retain volume pv-r \(vol-r\) holds "one\\n", "two\\n" was written/],
  },
  {
    name: 'a Bound Delete volume lost a file',
    objects: [retainPv, deletePv, filesystem(NAS, 'vol-r', { '/a.txt': 'two\n' }), filesystem(NAS, 'vol-d')],
    expected: [/data lost: \/b.txt on Delete volume pv-d \(vol-d\) holds undefined/],
  },
  {
    name: 'a Released Delete volume may lose its files (reclaim has begun)',
    objects: [retainPv, { ...deletePv, status: { phase: 'Released' } }, filesystem(NAS, 'vol-r', { '/a.txt': 'two\n' })],
    expected: [],
  },
];

for (const r of rows) test(`write tracker: ${r.name}`, () => expectProblems(tracked().check(viewOf(r.objects)), r.expected, r.name));

test('write tracker: its state is plain JSON a new tracker resumes from', () => {
  const t = tracked();
  const resumed = createWriteTracker({ state: JSON.parse(JSON.stringify(t.state)) });
  assert.equal(resumed.state, t.state);
  expectProblems(resumed.check(viewOf([])), [/\/a.txt on Retain volume pv-r/], 'resumed');
});

test('write tracker: a write through a PV without a CSI source is refused', () => {
  assert.throws(() => createWriteTracker().noteWrite(pv('host'), '/x', 'y'), /not a CSI volume/);
});

test.run();
