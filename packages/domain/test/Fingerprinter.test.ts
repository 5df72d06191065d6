import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { FINGERPRINT_HASH_SCHEME, Fingerprinter } from '../src/Fingerprinter.ts';
import { canonicalJson } from '../src/canonicalJson.ts';

const pvc = (uid: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default', uid, resourceVersion: '7', creationTimestamp: '2026-01-01T00:00:00Z' },
  status: { phase: 'Bound' }, ...extra,
});

test('a uid stands for its object, numbered by how often the kind and key were created', () => {
  const f = new Fingerprinter();
  f.register('u1', 'PersistentVolumeClaim', 'default/data');
  f.register('u2', 'PersistentVolumeClaim', 'default/data');
  f.register('u1', 'PersistentVolumeClaim', 'default/other');
  assert.is(f.identity('u1'), 'PersistentVolumeClaim/default/data#1');
  assert.is(f.identity('u2'), 'PersistentVolumeClaim/default/data#2');
  assert.is(f.identity('nobody'), undefined);
});

test('an identity made before a token its key (or a key within it) names was registered is made again', () => {
  const f = new Fingerprinter();
  f.register('uid-p', 'PersistentVolume', 'pvc-uid-x');
  f.register('uid-q', 'Thing', 'of-uid-p');
  assert.is(f.identity('uid-q'), 'Thing/of-<PersistentVolume/pvc-uid-x#1>#1');
  // Fewer and more registrations between than the memo rechecks.
  for (const between of [0, 3, 40]) {
    const g = Fingerprinter.fromJSON({ ...f.toJSON(), objects: [] });
    assert.is(g.identity('uid-q'), 'Thing/of-<PersistentVolume/pvc-uid-x#1>#1');
    for (let i = 0; i < between; i++) g.register(`other-${i}`, 'Thing', `t${i}`);
    g.register('uid-x', 'PersistentVolumeClaim', 'default/x');
    assert.is(g.identity('uid-p'), 'PersistentVolume/pvc-<PersistentVolumeClaim/default/x#1>#1', `${between} between`);
    assert.is(g.identity('uid-q'), 'Thing/of-<PersistentVolume/pvc-<PersistentVolumeClaim/default/x#1>#1>#1', `${between} between`);
    assert.is(g.substitute('a uid-q b'), 'a <Thing/of-<PersistentVolume/pvc-<PersistentVolumeClaim/default/x#1>#1>#1> b');
  }
});

interface SubstituteRow { name: string; text: string; want: string }
const substituteRows: SubstituteRow[] = [
  { name: 'a whole string', text: 'uid-1', want: '<C/default/data#1>' },
  { name: 'after a dash', text: 'pvc-uid-1', want: 'pvc-<C/default/data#1>' },
  { name: 'inside a path', text: '/pods/uid-1/volumes', want: '/pods/<C/default/data#1>/volumes' },
  { name: 'not a prefix of a longer word', text: 'uid-10', want: 'uid-10' },
  { name: 'not a suffix of a longer word', text: 'xuid-1', want: 'xuid-1' },
  { name: 'the longer token wins', text: 'uid-1-2 uid-1', want: '<C/default/data#2> <C/default/data#1>' },
  { name: 'an unregistered uid stays', text: 'uid-3', want: 'uid-3' },
  { name: 'a token inside a registered key is substituted too', text: 'pv-a', want: '<PV/pvc-<C/default/data#1>#1>' },
  { name: 'in prose, after a space and before a quote', text: 'claim "uid-1" is bound to uid-1-2 now', want: 'claim "<C/default/data#1>" is bound to <C/default/data#2> now' },
  { name: 'one token after another in a path', text: '/a/uid-1/b/uid-1-2/c', want: '/a/<C/default/data#1>/b/<C/default/data#2>/c' },
];
for (const row of substituteRows) {
  test(`substitute: ${row.name}`, () => {
    const f = new Fingerprinter();
    f.register('uid-1', 'C', 'default/data');
    f.register('uid-1-2', 'C', 'default/data');
    f.register('pv-a', 'PV', 'pvc-uid-1');
    assert.is(f.substitute(row.text), row.want);
  });
}

test('canonical object: no uid, versions, timestamps or managed fields; times become <time>; deleting is kept', () => {
  const f = new Fingerprinter();
  f.register('u1', 'Pod', 'default/p');
  const got = f.canonicalObject('Pod', {
    metadata: { name: 'p', uid: 'u1', resourceVersion: '3', creationTimestamp: 'x', deletionTimestamp: '2026-01-01T00:00:00Z', managedFields: [{}] },
    spec: { claimRef: { uid: 'u1', resourceVersion: '2' } },
    status: {
      startTime: '2026-01-01T00:00:00Z', conditions: [{ type: 'Ready', lastTransitionTime: 'x', lastProbeTime: null }],
      containerStatuses: [{ state: { terminated: { startedAt: '2026-01-01T00:00:00.123Z', finishedAt: '2026-01-01T00:00:01+02:00' } } }],
      published: { '/pods/u1/mount': true },
    },
  });
  assert.equal(got, {
    metadata: { name: 'p', uid: '<Pod/default/p#1>', deleting: true },
    spec: { claimRef: { uid: '<Pod/default/p#1>' } },
    status: { conditions: [{ type: 'Ready' }], containerStatuses: [{ state: { terminated: { startedAt: '<time>', finishedAt: '<time>' } } }], published: { '/pods/<Pod/default/p#1>/mount': true } },
  });
});

test('an event is keyed by what the correlator aggregates on, not by its counter name', () => {
  const f = new Fingerprinter();
  const ev = (name: string, reason: string) => ({
    apiVersion: 'v1', kind: 'Event', metadata: { name, namespace: 'default' },
    involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, type: 'Normal', reason, message: 'm', count: 1, source: { component: 'kubelet' },
  });
  const a = new Fingerprinter();
  a.set('Event', 'default/p.0000000000000001', ev('p.0000000000000001', 'Started'));
  a.set('Event', 'default/p.0000000000000002', ev('p.0000000000000002', 'Pulled'));
  const b = new Fingerprinter();
  b.set('Event', 'default/p.0000000000000001', ev('p.0000000000000001', 'Pulled'));
  b.set('Event', 'default/p.0000000000000002', ev('p.0000000000000002', 'Started'));
  assert.is(a.value(), b.value());
  assert.is(a.hashes().size, 2);
  assert.not.ok(f.canonicalKey('Event', 'default/p.0000000000000001', ev('p.0000000000000001', 'Started')).includes('0000000000000001'));
});

test('set replaces and removes: the value is the multiset of the current objects', () => {
  const f = new Fingerprinter();
  const empty = f.value();
  f.register('u1', 'PersistentVolumeClaim', 'default/data');
  f.set('PersistentVolumeClaim', 'default/data', pvc('u1'));
  const bound = f.value();
  f.set('PersistentVolumeClaim', 'default/data', pvc('u1', { status: { phase: 'Lost' } }));
  assert.is.not(f.value(), bound);
  f.set('PersistentVolumeClaim', 'default/data', pvc('u1'));
  assert.is(f.value(), bound);
  f.set('PersistentVolumeClaim', 'default/data', undefined);
  assert.is(f.value(), empty);
});

test('derived names: a CSI volume id is an alias of the CreateVolume name it digests', () => {
  const f = new Fingerprinter();
  f.registerObject('PersistentVolumeClaim', 'default/data', { metadata: { uid: 'u1' } });
  f.registerObject('CSIVolume', 'd.vol-abc', { metadata: { uid: 'u2' }, spec: { volumeId: 'vol-abc', name: 'pvc-u1' } } as never);
  assert.is(f.substitute('csi.d.vol-abc'), 'csi.d.<volumeId(pvc-<PersistentVolumeClaim/default/data#1>)>');
  assert.is(f.identity('u2'), 'CSIVolume/d.<volumeId(pvc-<PersistentVolumeClaim/default/data#1>)>#1');
});

test('property: the value does not depend on the order of writes, and survives toJSON/fromJSON', () => {
  const objects = fc.uniqueArray(fc.record({ key: fc.string({ minLength: 1, maxLength: 4 }), phase: fc.constantFrom('A', 'B', 'C') }), { selector: (o) => o.key, maxLength: 12 });
  fc.assert(fc.property(objects, fc.integer({ min: 1, max: 1000 }), (list, rotate) => {
    const build = (order: typeof list) => {
      const f = new Fingerprinter();
      for (const o of order) {
        f.register(`uid-${o.key}`, 'C', `default/${o.key}`);
        f.set('C', `default/${o.key}`, pvc(`uid-${o.key}`, { status: { phase: o.phase } }));
      }
      return f;
    };
    const k = list.length === 0 ? 0 : rotate % list.length;
    const a = build(list);
    const b = build([...list.slice(k), ...list.slice(0, k)].reverse());
    assert.is(a.value(), b.value());
    const copy = Fingerprinter.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
    assert.is(copy.value(), a.value());
    assert.equal(copy.toJSON(), a.toJSON());
    // The copy goes on as the original would.
    for (const o of list) { copy.set('C', `default/${o.key}`, undefined); a.set('C', `default/${o.key}`, undefined); }
    assert.is(copy.value(), a.value());
    assert.is(copy.value(), new Fingerprinter().value());
  }));
});

test('canonicalText is canonicalJson(canonicalObject(...)) for any object, written in one walk', () => {
  const f = new Fingerprinter();
  f.register('uid-1', 'PersistentVolumeClaim', 'default/data');
  f.register('uid-22', 'PersistentVolume', 'pvc-uid-1');
  const word = fc.constantFrom('uid-1', 'uid-22', 'pvc-uid-1', 'x', 'deleting', 'resourceVersion', 'managedFields', 'deletionTimestamp',
    'lastTransitionTime', 'containerID', 'storage.kubernetes.io/csiProvisionerIdentity', '2026-01-01T00:00:00Z', '/var/lib/kubelet/plugins/kubernetes.io/csi/d/' + 'a'.repeat(64) + '/globalmount', '__proto__',
    // An Event's canonical form drops metadata.name and count and rewrites a source component.
    'metadata', 'name', 'count', 'component', 'd.csi_42-d.csi');
  const leaf = fc.oneof(word, fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined));
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('tree'), { maxLength: 4 }), fc.dictionary(fc.oneof(word, fc.string()), tie('tree'), { maxKeys: 5 })),
  }));
  // canonicalObject rewrites a `component` member of any kind; the hash of an object that is
  // not an Event has always kept it as it is (a label `component: <uid>` is substituted).
  const hasComponent = (v: unknown): boolean => v !== null && typeof v === 'object'
    && (Array.isArray(v) ? v.some(hasComponent) : Object.keys(v).some((k) => k === 'component' || hasComponent((v as Record<string, unknown>)[k])));
  fc.assert(fc.property(fc.dictionary(fc.oneof(word, fc.string()), tree, { maxKeys: 6 }), fc.constantFrom('Pod', 'PersistentVolume', 'Event'), (obj, kind) => {
    if (kind !== 'Event' && hasComponent(obj)) return;
    assert.is(f.canonicalText(kind, obj as never), canonicalJson(f.canonicalObject(kind, obj as never)));
  }), { numRuns: 2000 });
});

test('an object is hashed as its canonical text is written: equal texts, equal hashes; different texts, different hashes', () => {
  const f = new Fingerprinter();
  f.register('uid-1', 'PersistentVolumeClaim', 'default/data');
  f.register('uid-22', 'PersistentVolume', 'pvc-uid-1');
  const word = fc.constantFrom('uid-1', 'uid-22', 'pvc-uid-1', 'x', 'y', 'resourceVersion', 'managedFields', 'deletionTimestamp',
    'lastTransitionTime', 'containerID', '2026-01-01T00:00:00Z', '2026-01-02T00:00:00Z', 'metadata', 'name', 'count', 'component', 'd.csi_42-d.csi', '1', '');
  const leaf = fc.oneof(word, fc.integer({ min: -3, max: 3 }), fc.constantFrom(0.5, 2 ** 40, true, false, null));
  const { tree } = fc.letrec((tie) => ({
    tree: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('tree'), { maxLength: 3 }), fc.dictionary(word, tie('tree'), { maxKeys: 4 })),
  }));
  // Two keys that canonicalise to one member name: the text keeps the last, the hash both (see
  // the module comment); such objects are left out here.
  const clash = (v: unknown): boolean => v !== null && typeof v === 'object'
    && (Array.isArray(v) ? v.some(clash) : ('deleting' in v && 'deletionTimestamp' in v) || Object.values(v).some(clash));
  const reordered = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(reordered);
    if (v === null || typeof v !== 'object') return v;
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).reverse()) out[k] = reordered((v as Record<string, unknown>)[k]);
    return out;
  };
  const object = fc.dictionary(word, tree, { maxKeys: 5 });
  const kind = fc.constantFrom('Pod', 'Event');
  fc.assert(fc.property(object, object, kind, (a, b, k) => {
    if (clash(a) || clash(b)) return;
    const text = (o: object) => f.canonicalText(k, o as never);
    const hash = (o: object) => f.hashOf(k, o as never).join(',');
    assert.is(hash(reordered(a) as object), hash(a));
    assert.is(hash(a) === hash(b), text(a) === text(b), `${text(a)} / ${text(b)}`);
  }), { numRuns: 3000 });
});

test('a string remembered before a token in it was registered is canonicalised again (a hand-written uid created later)', () => {
  const uid = (n: number) => `0000000${n}-aaaa-bbbb-cccc-dddddddddddd`;
  const pv = (claimUid: string) => ({ metadata: { name: 'pv-1', uid: uid(1) }, spec: { claimRef: { uid: claimUid }, note: `bound to pvc-${claimUid}` } });
  for (const between of [0, 3, 20]) {
    const f = new Fingerprinter();
    f.register(uid(1), 'PersistentVolume', 'pv-1');
    f.set('PersistentVolume', 'pv-1', pv(uid(2)));
    for (let i = 0; i < between; i++) f.register(`${uid(3)}-${i}`, 'Pod', `default/p${i}`);
    f.register(uid(2), 'PersistentVolumeClaim', 'default/data');
    f.set('PersistentVolume', 'pv-1', pv(uid(2)));
    const scratch = Fingerprinter.fromJSON({ ...f.toJSON(), objects: [] });
    scratch.set('PersistentVolume', 'pv-1', pv(uid(2)));
    assert.is(f.value(), scratch.value(), `${between} tokens between`);
  }
});

test('kept hashes of another scheme are not loaded: the objects are hashed again', () => {
  const f = new Fingerprinter();
  f.register('u1', 'PersistentVolumeClaim', 'default/data');
  f.set('PersistentVolumeClaim', 'default/data', pvc('u1'));
  const json = f.toJSON();
  assert.is(json.hash, FINGERPRINT_HASH_SCHEME);
  assert.is(Fingerprinter.fromJSON(json).value(), f.value());
  const { hash: _hash, ...older } = json;
  const loaded = Fingerprinter.fromJSON({ ...older, objects: older.objects.map(([k, r, c]) => [k, r, c, '0123456789abcdef']) });
  assert.is(loaded.value(), new Fingerprinter().value());
  assert.is(loaded.identity('u1'), 'PersistentVolumeClaim/default/data#1');
  loaded.set('PersistentVolumeClaim', 'default/data', pvc('u1'));
  assert.is(loaded.value(), f.value());
  // Scheme 2 (an Event's type, reason and message hashed in its value too) is another scheme.
  assert.is(FINGERPRINT_HASH_SCHEME, 3);
  const scheme2 = Fingerprinter.fromJSON({ ...json, hash: 2 });
  assert.is(scheme2.value(), new Fingerprinter().value());
  scheme2.set('PersistentVolumeClaim', 'default/data', pvc('u1'));
  assert.is(scheme2.value(), f.value());
});

/** A Fingerprinter with `f`'s registry and nothing hashed or remembered, holding `objects` hashed afresh. */
function fromScratch(f: Fingerprinter, objects: [string, string, object][]): Fingerprinter {
  const g = Fingerprinter.fromJSON({ ...f.toJSON(), objects: [] });
  for (const [kind, key, obj] of objects) g.set(kind, key, obj);
  return g;
}

test('hashTop: a write that shares parts with the version before hashes as the new version hashed afresh', () => {
  const f = new Fingerprinter();
  f.register('u1', 'PersistentVolumeClaim', 'default/data');
  const spec = { storageClassName: 'nas', resources: { requests: { storage: '1Gi' } }, volumeName: 'pvc-u1' };
  const v1 = { ...pvc('u1'), spec, status: { phase: 'Pending' } };
  f.set('PersistentVolumeClaim', 'default/data', v1);
  // A status write: new status and metadata (only the resourceVersion moved), the same spec.
  const rows: [string, Record<string, unknown>][] = [
    ['status changed, metadata only a new resourceVersion', { ...v1, metadata: { ...v1.metadata, resourceVersion: '8' }, status: { phase: 'Bound' } }],
    ['metadata gains a finalizer', { ...v1, metadata: { ...v1.metadata, finalizers: ['kubernetes.io/pvc-protection'] } }],
    ['metadata changes a name it holds', { ...v1, metadata: { ...v1.metadata, name: 'other' } }],
    ['deletionTimestamp set (deleting: true)', { ...v1, metadata: { ...v1.metadata, deletionTimestamp: '2026-01-01T00:00:01Z' } }],
    ['deletionTimestamp moved (still deleting)', { ...v1, metadata: { ...v1.metadata, deletionTimestamp: '2026-01-01T00:00:02Z' } }],
    ['a member removed', { ...v1, status: undefined }],
    ['members reordered', { status: v1.status, spec, metadata: v1.metadata, kind: v1.kind, apiVersion: v1.apiVersion }],
    ['the spec changed inside', { ...v1, spec: { ...spec, volumeName: 'pvc-u2' } }],
    ['a member added', { ...v1, extra: { a: 1 } }],
  ];
  for (const [name, next] of rows) {
    f.set('PersistentVolumeClaim', 'default/data', next);
    assert.is(f.value(), fromScratch(f, [['PersistentVolumeClaim', 'default/data', next]]).value(), name);
  }
});

test('a repeated Event (count and lastTimestamp bumped) keeps its hash; a changed one does not', () => {
  const f = new Fingerprinter();
  const ev = {
    apiVersion: 'v1', kind: 'Event', metadata: { name: 'p.01', namespace: 'default', resourceVersion: '3' },
    involvedObject: { kind: 'Pod', name: 'p', namespace: 'default' }, type: 'Warning', reason: 'FailedMount', message: 'm',
    count: 1, lastTimestamp: '2026-01-01T00:00:00Z', source: { component: 'kubelet' },
  };
  f.set('Event', 'default/p.01', ev);
  const first = f.value();
  const repeated = { ...ev, metadata: { ...ev.metadata, resourceVersion: '9' }, count: 2, lastTimestamp: '2026-01-01T00:00:10Z' };
  f.set('Event', 'default/p.01', repeated);
  assert.is(f.value(), first);
  assert.is(f.value(), fromScratch(f, [['Event', 'default/p.01', repeated]]).value());
  const other = { ...repeated, message: 'n' };
  f.set('Event', 'default/p.01', other);
  assert.is.not(f.value(), first);
  assert.is(f.value(), fromScratch(f, [['Event', 'default/p.01', other]]).value());
  assert.equal([...f.hashes().keys()], [...fromScratch(f, [['Event', 'default/p.01', other]]).hashes().keys()]);
});


// A snapshot's state (snapshotState) is shared, not copied: what the Fingerprinter does next —
// writes, removals, registrations — must leave it as it was, and a restore must give back what a
// JSON round trip of it gives, whichever branch the Fingerprinter went down in between.
interface Op { kind: 'set' | 'drop' | 'register'; key: number; phase: number }
const opArb = fc.record({ kind: fc.constantFrom<Op['kind']>('set', 'set', 'drop', 'register'), key: fc.integer({ min: 0, max: 3 }), phase: fc.integer({ min: 0, max: 2 }) });
const applyOps = (f: Fingerprinter, ops: Op[], salt: string) => {
  for (const [i, op] of ops.entries()) {
    const uid = `uid-${op.key}-${salt}${i}`;
    if (op.kind === 'register') f.register(uid, 'PersistentVolumeClaim', `default/c${op.key}`);
    else if (op.kind === 'drop') f.set('PersistentVolumeClaim', `default/c${op.key}`, undefined);
    else f.set('PersistentVolumeClaim', `default/c${op.key}`, { ...pvc(`uid-${op.key}-a0`), status: { phase: ['Pending', 'Bound', 'Lost'][op.phase] } });
  }
};
test('a restored state is the one snapshotted, whatever was done in between', () => {
  fc.assert(fc.property(fc.array(opArb, { maxLength: 8 }), fc.array(opArb, { maxLength: 8 }), fc.array(opArb, { maxLength: 8 }), (before, between, after) => {
    const f = new Fingerprinter();
    applyOps(f, before, 'a');
    const state = f.snapshotState();
    const json = JSON.stringify(f.toJSON());
    const value = f.value();
    applyOps(f, between, 'b');
    assert.is(JSON.stringify(Fingerprinter.stateToJSON(state)), json);
    f.restore(state);
    assert.is(f.value(), value);
    assert.is(JSON.stringify(f.toJSON()), json);
    // Going on from the restored state and from a JSON round trip of it: the same.
    const g = Fingerprinter.fromJSON(JSON.parse(json));
    applyOps(f, after, 'c');
    applyOps(g, after, 'c');
    assert.is(f.value(), g.value());
    assert.is(JSON.stringify(f.toJSON()), JSON.stringify(g.toJSON()));
    assert.is(JSON.stringify(Fingerprinter.stateToJSON(state)), json);
  }));
});
test.run();
