import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Fingerprinter } from '../src/Fingerprinter.ts';
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

test.run();
