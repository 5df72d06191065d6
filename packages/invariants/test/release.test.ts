import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { PersistentVolume } from '@pvsim/domain';
import { createReleaseTracker, type ReleaseTracker } from '../src/index.ts';
import { expectProblems, pv } from './support.ts';

/** Feeds a PV's successive versions (undefined: deleted) and collects what the tracker reports. */
function feed(tracker: ReleaseTracker, versions: (PersistentVolume | undefined)[]): string[] {
  const problems: string[] = [];
  let old: PersistentVolume | undefined;
  for (const next of versions) {
    problems.push(...tracker.observe('PersistentVolume', old, next));
    old = next;
  }
  return problems;
}

const available = pv('pv-a', { phase: 'Available' });
const boundRetain = pv('pv-a', { phase: 'Bound', claim: 'c', claimUid: 'uid-c' });
const released = pv('pv-a', { phase: 'Released', claim: 'c', claimUid: 'uid-c' });
const availableWithOldUid = pv('pv-a', { phase: 'Available', claim: 'c', claimUid: 'uid-c' });
const cleared = pv('pv-a', { phase: 'Available' }); // an administrator removed claimRef
const releasedDelete = pv('pv-a', { phase: 'Released', claim: 'c', claimUid: 'uid-c', reclaim: 'Delete' });
const failedDelete = pv('pv-a', { phase: 'Failed', claim: 'c', claimUid: 'uid-c', reclaim: 'Delete' });

const rows: { name: string; strict?: boolean; versions: (PersistentVolume | undefined)[]; expected: RegExp[] }[] = [
  { name: 'bound, released and kept (Retain)', versions: [available, boundRetain, released, released], expected: [] },
  { name: 'released, then Available with the old claimRef uid', versions: [boundRetain, released, availableWithOldUid], expected: [/PV pv-a became Available again with the claimRef uid uid-c/] },
  { name: 'released, then made Available by an administrator clearing claimRef', versions: [boundRetain, released, cleared], expected: [] },
  { name: 'the same, when no administrator edits PVs (strict)', strict: true, versions: [boundRetain, released, cleared], expected: [/PV pv-a \(Retain\) went from Released to Available/] },
  { name: 'Delete policy: released, then Failed (no deleter), strict', strict: true, versions: [releasedDelete, failedDelete], expected: [] },
  {
    name: 'deleted and created again under the same name: a new history',
    versions: [released, undefined, { ...availableWithOldUid, metadata: { ...availableWithOldUid.metadata, uid: 'pv-uid-2' } }],
    expected: [],
  },
];

for (const r of rows) {
  test(`release tracker: ${r.name}`, () => {
    expectProblems(feed(createReleaseTracker({ strict: r.strict ?? false }), r.versions), r.expected, r.name);
  });
}

test('release tracker: a tracker started late learns the release from the change\'s old side', () => {
  const tracker = createReleaseTracker();
  expectProblems(tracker.observe('PersistentVolume', released, availableWithOldUid), [/became Available again/], 'late start');
});

test('release tracker: other kinds are ignored', () => {
  assert.equal(createReleaseTracker().observe('PersistentVolumeClaim', undefined, released), []);
});

test('release tracker: its state is plain JSON a new tracker resumes from', () => {
  const first = createReleaseTracker();
  feed(first, [boundRetain, released]);
  assert.equal(first.state, { releasedFrom: { 'pv-a|pv-uid-pv-a': 'uid-c' }, releases: 1 });
  const resumed = createReleaseTracker({ state: JSON.parse(JSON.stringify(first.state)) });
  expectProblems(resumed.observe('PersistentVolume', undefined, availableWithOldUid), [/became Available again/], 'resumed');
  assert.is(first.state.releases, 1, 'the resumed tracker does not share the first one\'s memory');
});

test.run();
