// The store's fingerprint: equal for worlds that differ only in uids (and names generated from
// them), resource versions and timestamps; different for any real change. Worlds are driven
// through the store's own API, with uids from different generators and clocks from different
// instants.
import { createHash } from 'node:crypto';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { ApiError, type NewLogRecord } from '@pvsim/domain';
import { ObjectStore, type AnyObject } from '../src/ObjectStore.ts';
import { foldRecords } from '../src/replay.ts';
import { Random } from '../src/Random.ts';
import { SimClock } from '../src/SimClock.ts';

interface World { store: ObjectStore; records: NewLogRecord[]; clock: SimClock }

function world(uids: () => string, startMs = 0): World {
  const records: NewLogRecord[] = [];
  const clock = new SimClock(startMs);
  return { store: new ObjectStore({ clock, newUid: uids, record: (r) => records.push(r) }), records, clock };
}
const seeded = (seed: number) => { const r = new Random(seed); return () => r.uuid(); };
const counting = (prefix: string) => { let n = 0; return () => `${prefix}-${++n}`; };

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const DRIVER = 'nas.csi.pvsim.dev';

const claim = (name: string, labels?: Record<string, string>): AnyObject => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default', ...(labels ? { labels } : {}) },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'nas' },
  status: { phase: 'Pending' },
});

/** What dynamic provisioning writes: backend volume and its files, the PV, then the bind. */
function provision(w: World, claimName: string, capacity = '1Gi'): AnyObject {
  const { store, clock } = w;
  clock.advance(1000);
  const c = store.get('PersistentVolumeClaim', `default/${claimName}`)!;
  const pvName = `pvc-${c.metadata['uid'] as string}`;
  const volumeId = `vol-${sha(pvName).slice(0, 16)}`;
  store.create('CSIVolume', {
    apiVersion: 'csi.pvsim.dev/v1', kind: 'CSIVolume', metadata: { name: `${DRIVER}.${volumeId}` },
    spec: { driver: DRIVER, volumeId, name: pvName, capacityBytes: '1073741824', parameters: {}, accessibleTopology: [], accessMode: 'SINGLE_NODE_WRITER' },
    status: { publishedNodes: {}, staged: {}, published: {} },
  });
  store.create('Filesystem', { apiVersion: 'csi.pvsim.dev/v1', kind: 'Filesystem', metadata: { name: `csi.${DRIVER}.${volumeId}` }, status: { files: {}, dirs: [] } });
  const pv = store.create('PersistentVolume', {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name: pvName, annotations: { 'pv.kubernetes.io/provisioned-by': DRIVER } },
    spec: {
      capacity: { storage: capacity }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', storageClassName: 'nas',
      csi: { driver: DRIVER, volumeHandle: volumeId },
      claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name: claimName, uid: c.metadata['uid'], resourceVersion: c.metadata['resourceVersion'] },
    },
    status: { phase: 'Pending' },
  });
  store.event(c, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
  clock.advance(10);
  store.update('PersistentVolume', { ...pv, status: { phase: 'Bound', lastPhaseTransitionTime: clock.iso() } }, 'status');
  const bound = store.update('PersistentVolumeClaim', { ...c, spec: { ...(c['spec'] as object), volumeName: pvName } });
  store.update('PersistentVolumeClaim', { ...bound, status: { phase: 'Bound', capacity: { storage: capacity }, accessModes: ['ReadWriteOnce'] } }, 'status');
  return pv;
}

/** A pod using the claim on a node: attachment named from a digest, paths holding uids. */
function attach(w: World, claimName: string): void {
  const { store, clock } = w;
  clock.advance(1000);
  const c = store.get('PersistentVolumeClaim', `default/${claimName}`)!;
  const pvName = (c['spec'] as { volumeName: string }).volumeName;
  const pv = store.get('PersistentVolume', pvName)!;
  const handle = (pv['spec'] as { csi: { volumeHandle: string } }).csi.volumeHandle;
  const pod = store.create('Pod', {
    apiVersion: 'v1', kind: 'Pod', metadata: { name: `use-${claimName}`, namespace: 'default' },
    spec: { nodeName: 'node-1', volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] },
    status: { phase: 'Running', startTime: clock.iso(), containerStatuses: [{ name: 'app', state: { running: { startedAt: clock.iso() } } }] },
  });
  store.create('VolumeAttachment', {
    apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name: `csi-${sha(handle + DRIVER + 'node-1')}` },
    spec: { attacher: DRIVER, nodeName: 'node-1', source: { persistentVolumeName: pvName } },
    status: { attached: true },
  });
  const podUid = pod.metadata['uid'] as string;
  const vol = store.get('CSIVolume', `${DRIVER}.${handle}`)!;
  store.update('CSIVolume', {
    ...vol,
    status: {
      publishedNodes: { 'node-1': { readonly: false, publishContext: { devicePath: `/dev/disk/by-id/pvsim-${handle}` } } },
      staged: { 'node-1': `/var/lib/kubelet/plugins/kubernetes.io/csi/${DRIVER}/${sha(handle)}/globalmount` },
      published: { [`/var/lib/kubelet/pods/${podUid}/volumes/kubernetes.io~csi/${pvName}/mount`]: { node: 'node-1', readonly: false } },
    },
  });
  store.create('Filesystem', { apiVersion: 'csi.pvsim.dev/v1', kind: 'Filesystem', metadata: { name: `emptydir.${podUid}.cache` }, status: { files: { '/a': 'x' }, dirs: [] } });
  store.event(pod, 'Normal', 'Started', 'Started container app', 'kubelet');
}

/** Claim deleted (PV Released, its claimRef.uid dangling) and created again under its name. */
function recreate(w: World, claimName: string): void {
  const { store, clock } = w;
  clock.advance(1000);
  const pvName = (store.get('PersistentVolumeClaim', `default/${claimName}`)!['spec'] as { volumeName: string }).volumeName;
  store.delete('PersistentVolumeClaim', `default/${claimName}`);
  const pv = store.get('PersistentVolume', pvName)!;
  store.update('PersistentVolume', { ...pv, status: { phase: 'Released', lastPhaseTransitionTime: clock.iso() } }, 'status');
  store.create('PersistentVolumeClaim', claim(claimName));
}

function scenario(w: World): World {
  w.store.create('PersistentVolumeClaim', claim('data'));
  provision(w, 'data');
  attach(w, 'data');
  recreate(w, 'data');
  provision(w, 'data');
  return w;
}

test('same operations under different uids, clocks and uid shapes: equal fingerprints', () => {
  const a = scenario(world(seeded(1)));
  const b = scenario(world(seeded(2), 86_400_000));
  const c = scenario(world(counting('uid')));
  assert.is.not(a.store.get('PersistentVolumeClaim', 'default/data')!.metadata['uid'], b.store.get('PersistentVolumeClaim', 'default/data')!.metadata['uid']);
  assert.is(a.store.fingerprint(), b.store.fingerprint());
  assert.is(a.store.fingerprint(), c.store.fingerprint());
  assert.equal([...a.store.hashed().hashes()], [...c.store.hashed().hashes()]);
});

test('the canonical keys name objects by what they are, not by their uids', () => {
  const w = scenario(world(counting('uid')));
  const keys = [...w.store.hashed().hashes().keys()];
  assert.ok(keys.includes('PersistentVolumeClaim/default/data'), keys.join('\n'));
  assert.ok(keys.includes('PersistentVolume/pvc-<PersistentVolumeClaim/default/data#1>'), keys.join('\n'));
  assert.ok(keys.includes('PersistentVolume/pvc-<PersistentVolumeClaim/default/data#2>'), keys.join('\n'));
  assert.ok(keys.includes(`CSIVolume/${DRIVER}.<volumeId(pvc-<PersistentVolumeClaim/default/data#1>)>`), keys.join('\n'));
  assert.ok(keys.includes('Filesystem/emptydir.<Pod/default/use-data#1>.cache'), keys.join('\n'));
  assert.ok(keys.some((k) => k.startsWith('VolumeAttachment/<attachment(pvc-<PersistentVolumeClaim/default/data#1>')), keys.join('\n'));
  assert.not.ok(keys.some((k) => /uid-\d/.test(k)), keys.join('\n'));
});

test('any real change moves the fingerprint', () => {
  const base = scenario(world(seeded(1))).store.fingerprint();
  const changes: [string, (w: World) => void][] = [
    ['a phase', (w) => { const c = w.store.get('PersistentVolumeClaim', 'default/data')!; w.store.update('PersistentVolumeClaim', { ...c, status: { phase: 'Lost' } }, 'status'); }],
    ['a capacity', (w) => { const pv = w.store.list('PersistentVolume')[0]!; w.store.update('PersistentVolume', { ...pv, spec: { ...(pv['spec'] as object), capacity: { storage: '2Gi' } } }); }],
    ['a label', (w) => { const c = w.store.get('PersistentVolumeClaim', 'default/data')!; w.store.update('PersistentVolumeClaim', { ...c, metadata: { ...c.metadata, labels: { tier: 'gold' } } }); }],
    ['an extra object', (w) => { w.store.create('PersistentVolumeClaim', claim('extra')); }],
    ['a deleted object', (w) => { w.store.delete('Pod', 'default/use-data'); }],
    ['a new event', (w) => { const p = w.store.get('Pod', 'default/use-data')!; w.store.event(p, 'Warning', 'BackOff', 'Back-off restarting failed container', 'kubelet'); }],
    ['a deletion started', (w) => { const p = w.store.get('Pod', 'default/use-data')!; w.store.update('Pod', { ...p, metadata: { ...p.metadata, finalizers: ['x'] } }); w.store.delete('Pod', 'default/use-data'); }],
    ['a file', (w) => { const fs = w.store.list('Filesystem').find((f) => f.metadata.name.startsWith('emptydir.'))!; w.store.update('Filesystem', { ...fs, status: { files: { '/a': 'y' }, dirs: [] } }); }],
  ];
  const seen = new Set([base]);
  for (const [what, change] of changes) {
    const w = scenario(world(seeded(1)));
    change(w);
    const fp = w.store.fingerprint();
    assert.is.not(fp, base, what);
    seen.add(fp);
  }
  assert.is(seen.size, changes.length + 1, 'each change gives its own fingerprint');
});

test('an event seen again (its count) is not a new state: a retry that fails the same way leaves the world where it was', () => {
  const w = scenario(world(seeded(1)));
  const before = w.store.fingerprint();
  const p = w.store.get('Pod', 'default/use-data')!;
  w.store.event(p, 'Normal', 'Started', 'Started container app', 'kubelet');
  assert.is(w.store.fingerprint(), before);
});

test('only timestamps differ: equal; a claim recreated under its name is not the first one', () => {
  const a = world(seeded(1));
  a.store.create('PersistentVolumeClaim', claim('data'));
  const b = world(seeded(2));
  b.clock.advance(5000);
  b.store.create('PersistentVolumeClaim', claim('data'));
  assert.is(a.store.fingerprint(), b.store.fingerprint());
  b.store.delete('PersistentVolumeClaim', 'default/data');
  b.store.create('PersistentVolumeClaim', claim('data'));
  assert.is.not(a.store.fingerprint(), b.store.fingerprint(), 'data#2 is not data#1');
});

test('the order of independent creates does not matter (events included)', () => {
  const build = (names: string[], seed: number) => {
    const w = world(seeded(seed));
    for (const n of names) w.store.create('PersistentVolumeClaim', claim(n));
    for (const n of names) provision(w, n);
    return w.store.fingerprint();
  };
  assert.is(build(['a', 'b', 'c'], 1), build(['c', 'a', 'b'], 2));
  assert.is.not(build(['a', 'b'], 1), build(['a', 'b', 'c'], 1));
});

test('a store rebuilt from the records, or from a dump, fingerprints as the live one', () => {
  const live = scenario(world(seeded(7)));
  const rebuilt = world(() => { throw new Error('a replay assigns no uids'); });
  foldRecords(rebuilt.store, live.records);
  assert.is(rebuilt.store.fingerprint(), live.store.fingerprint());
  const loaded = world(counting('unused'));
  loaded.store.load(JSON.parse(JSON.stringify(live.store.dump())));
  assert.is(loaded.store.fingerprint(), live.store.fingerprint());
  // A write after the load is canonicalised with the loaded registry.
  recreate(loaded, 'data');
  recreate(live, 'data');
  assert.is(loaded.store.fingerprint(), live.store.fingerprint());
});

test('a dump whose kept hashes are of an older scheme (a snapshot of an older pvsim) loads with its objects hashed again', () => {
  const live = scenario(world(seeded(7)));
  const dump = JSON.parse(JSON.stringify(live.store.dump()));
  delete dump.fingerprint.hash;
  for (const o of dump.fingerprint.objects) o[3] = '0123456789abcdef';
  const loaded = world(counting('unused'));
  loaded.store.load(dump);
  assert.is(loaded.store.fingerprint(), live.store.fingerprint());
  assert.is(loaded.store.fingerprintFromScratch().value, live.store.fingerprint());
  // Scheme 2's kept hashes (an Event's type, reason and message in its value too) are dropped as well.
  const scheme2 = JSON.parse(JSON.stringify(live.store.dump()));
  scheme2.fingerprint.hash = 2;
  for (const o of scheme2.fingerprint.objects) o[3] = '0123456789abcdef';
  const loaded2 = world(counting('unused'));
  loaded2.store.load(scheme2);
  assert.is(loaded2.store.fingerprint(), live.store.fingerprint());
});

test('fingerprint() is the same whether asked after every write or once at the end', () => {
  const eager = world(seeded(3));
  const ops = [() => eager.store.create('PersistentVolumeClaim', claim('data')), () => provision(eager, 'data'), () => attach(eager, 'data'), () => recreate(eager, 'data')];
  for (const op of ops) { op(); eager.store.fingerprint(); }
  const lazy = world(seeded(4));
  lazy.store.create('PersistentVolumeClaim', claim('data'));
  provision(lazy, 'data');
  attach(lazy, 'data');
  recreate(lazy, 'data');
  assert.is(eager.store.fingerprint(), lazy.store.fingerprint());
});

// ------------------------------------------------------------------ property

type Op =
  | { op: 'claim'; name: string }
  | { op: 'provision'; name: string }
  | { op: 'phase'; name: string; phase: string }
  | { op: 'label'; name: string; value: string }
  | { op: 'deleteClaim'; name: string }
  | { op: 'deleteVolume'; name: string }
  | { op: 'tick'; ms: number };

const name = fc.constantFrom('a', 'b', 'c');
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('claim' as const), name }),
  fc.record({ op: fc.constant('provision' as const), name }),
  fc.record({ op: fc.constant('phase' as const), name, phase: fc.constantFrom('Pending', 'Bound', 'Lost') }),
  fc.record({ op: fc.constant('label' as const), name, value: fc.constantFrom('x', 'y') }),
  fc.record({ op: fc.constant('deleteClaim' as const), name }),
  fc.record({ op: fc.constant('deleteVolume' as const), name }),
  fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 5000 }) }),
);

function run(w: World, ops: Op[]): void {
  const { store } = w;
  for (const o of ops) {
    try {
      const c = o.op === 'tick' ? undefined : store.get('PersistentVolumeClaim', `default/${o.name}`);
      switch (o.op) {
        case 'tick': w.clock.advance(o.ms); break;
        case 'claim': store.create('PersistentVolumeClaim', claim(o.name)); break;
        case 'provision': if (c && !(c['spec'] as { volumeName?: string }).volumeName) provision(w, o.name); break;
        case 'phase': if (c) store.update('PersistentVolumeClaim', { ...c, status: { phase: o.phase } }, 'status'); break;
        case 'label': if (c) store.update('PersistentVolumeClaim', { ...c, metadata: { ...c.metadata, labels: { v: o.value } } }); break;
        case 'deleteClaim': store.delete('PersistentVolumeClaim', `default/${o.name}`); break;
        case 'deleteVolume': {
          const pv = store.list('PersistentVolume').find((v) => (v['spec'] as { claimRef?: { name: string } }).claimRef?.name === o.name);
          if (pv) store.delete('PersistentVolume', pv.metadata.name);
          break;
        }
      }
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    }
  }
}

test('property: the same operations under two uid seeds fingerprint equally, live and rebuilt', () => {
  fc.assert(fc.property(fc.array(opArb, { maxLength: 30 }), fc.integer(), fc.integer(), (ops, s1, s2) => {
    const a = world(seeded(s1));
    const b = world(seeded(s2), 1_000_000);
    run(a, ops);
    run(b, ops);
    assert.is(a.store.fingerprint(), b.store.fingerprint());
    const rebuilt = world(counting('unused'));
    foldRecords(rebuilt.store, b.records);
    assert.is(rebuilt.store.fingerprint(), b.store.fingerprint());
  }), { numRuns: 60 });
});

test.run();
