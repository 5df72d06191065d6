// ObjectStore.adopt: a store that takes over another's objects is the store a fold of the same
// writes gives — same objects, lists, version counter and fingerprint — and it goes on exactly as
// the folded one does: the same writes produce the same records.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { NewLogRecord } from '@pvsim/domain';
import { ObjectStore, STORED_KINDS, type AnyObject } from '../src/ObjectStore.ts';
import { foldRecords } from '../src/replay.ts';
import { SimClock } from '../src/SimClock.ts';

const pv = (name: string, phase?: string): AnyObject => ({
  apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
  spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', nfs: { server: 'nas', path: `/${name}` } },
  ...(phase ? { status: { phase } } : {}),
});

function store(records: NewLogRecord[], clock = new SimClock(0)): ObjectStore {
  let n = 0;
  return new ObjectStore({ clock, newUid: () => `uid-${++n}`, record: (r) => records.push(r) });
}

function everything(s: ObjectStore): unknown {
  return STORED_KINDS.map((k) => s.list(k));
}

test('a store that adopts another equals the store folded from the same log, and continues as it does', () => {
  const log: NewLogRecord[] = [];
  const live = store(log);
  live.create('PersistentVolume', pv('a'));
  live.create('PersistentVolume', pv('b'));
  live.update('PersistentVolume', { ...live.get('PersistentVolume', 'a')!, status: { phase: 'Available' } }, 'status');
  live.delete('PersistentVolume', 'b');
  live.event(pv('a'), 'Normal', 'Tested', 'an event');

  const folded = store([]);
  foldRecords(folded, JSON.parse(JSON.stringify(log)));
  const adopted = store([]);
  adopted.adopt(live);
  assert.equal(everything(adopted), everything(folded));
  assert.equal(adopted.dump(), folded.dump());
  assert.is(adopted.fingerprint(), folded.fingerprint());
  assert.equal(everything(live), STORED_KINDS.map(() => []), 'the adopted-from store is emptied');

  // The same writes after the hand-over write the same records (versions, uids aside: each store has its own generator).
  const after = (s: ObjectStore, out: NewLogRecord[]) => {
    const opts = (s as unknown as { opts: { record: (r: NewLogRecord) => void } }).opts;
    opts.record = (r) => out.push(r);
    s.create('PersistentVolume', pv('c'));
    s.update('PersistentVolume', { ...s.get('PersistentVolume', 'a')!, status: { phase: 'Released' } }, 'status');
    s.delete('PersistentVolume', 'a');
  };
  const a: NewLogRecord[] = [];
  const f: NewLogRecord[] = [];
  after(adopted, a);
  after(folded, f);
  assert.equal(a, f);
  assert.throws(() => folded.adopt(adopted), /not new/, 'only a new store adopts');
});

test.run();
