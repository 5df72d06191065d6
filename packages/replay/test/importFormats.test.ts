import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareRecording, parseRecording, splitJsonValues, steps, type RecObj } from '../src/index.ts';

const T = (s: number) => `2026-03-01T10:00:${String(s).padStart(2, '0')}Z`;
const obj = (kind: string, name: string, extra: Record<string, unknown> = {}, manager?: string, at = 0): RecObj => ({
  apiVersion: 'v1', kind, metadata: { name, ...(kind === 'Node' || kind === 'PersistentVolume' ? {} : { namespace: 'default' }), creationTimestamp: T(0), ...(manager ? { managedFields: [{ manager, time: T(at) }] } : {}) }, ...extra,
} as RecObj);
const watch = (...evs: [string, RecObj][]) => ({ name: 'w.json', text: evs.map(([type, object]) => JSON.stringify({ type, object })).join('\n') });

test('watch: who made each change decides input or observation; changes keep the stream\'s order', () => {
  const claim = obj('PersistentVolumeClaim', 'data', { spec: { resources: {} }, status: { phase: 'Pending' } }, 'kubectl-client-side-apply', 1);
  const bound = obj('PersistentVolumeClaim', 'data', { spec: { resources: {}, volumeName: 'pv1' }, status: { phase: 'Bound' } }, 'kube-controller-manager', 2);
  const edited = obj('PersistentVolumeClaim', 'data', { spec: { resources: { requests: { storage: '2Gi' } }, volumeName: 'pv1' }, status: { phase: 'Bound' } }, 'kubectl-edit', 3);
  const deleting = { ...edited, metadata: { ...edited.metadata, deletionTimestamp: T(4) } } as RecObj;
  const dyn = obj('PersistentVolume', 'pvc-1', { metadata: { name: 'pvc-1', creationTimestamp: T(2), annotations: { 'pv.kubernetes.io/provisioned-by': 'x' } }, spec: {}, status: { phase: 'Bound' } });
  const nodeReady = obj('Node', 'n1', { status: { conditions: [{ type: 'Ready', status: 'True' }] } }, 'kubelet', 0);
  const nodeGone = obj('Node', 'n1', { status: { conditions: [{ type: 'Ready', status: 'Unknown' }] } }, 'kube-controller-manager', 5);
  const rec = parseRecording([watch(['ADDED', claim], ['MODIFIED', bound], ['ADDED', dyn], ['MODIFIED', edited], ['MODIFIED', deleting], ['DELETED', deleting], ['ADDED', nodeReady], ['MODIFIED', nodeGone])]);
  assert.equal(rec.changes.map((c) => [c.object.kind, c.verb, c.role, c.gone]), [
    ['PersistentVolumeClaim', 'create', 'input', false],
    ['PersistentVolumeClaim', 'update', 'observation', false],
    ['PersistentVolume', 'create', 'observation', false],
    ['PersistentVolumeClaim', 'update', 'input', false],
    ['PersistentVolumeClaim', 'delete', 'input', false],
    ['PersistentVolumeClaim', 'delete', 'observation', true],
    ['Node', 'create', 'input', false],
    ['Node', 'node-down', 'input', false],
  ]);
});

test('audit: control-plane users are observations, people are inputs; reads, early stages and failures are skipped', () => {
  const line = (o: Record<string, unknown>) => JSON.stringify({ kind: 'Event', apiVersion: 'audit.k8s.io/v1', stage: 'ResponseComplete', objectRef: { resource: 'persistentvolumeclaims', namespace: 'default', name: 'data', apiVersion: 'v1' }, stageTimestamp: T(1), responseStatus: { code: 200 }, ...o });
  const body = obj('PersistentVolumeClaim', 'data', { status: { phase: 'Pending' } });
  const rec = parseRecording([{ name: 'a.jsonl', text: [
    line({ verb: 'get', user: { username: 'alice' } }),
    line({ verb: 'create', stage: 'RequestReceived', user: { username: 'alice' }, requestObject: body }),
    line({ verb: 'create', user: { username: 'alice' }, requestObject: body, responseStatus: { code: 201 } }),
    line({ verb: 'update', user: { username: 'bob' }, requestObject: body, responseStatus: { code: 409 } }),
    line({ verb: 'patch', user: { username: 'system:serviceaccount:kube-system:persistent-volume-binder' }, responseObject: body }),
    line({ verb: 'delete', user: { username: 'alice' } }),
  ].join('\n') }]);
  assert.equal(rec.formats, [{ file: 'a.jsonl', format: 'audit' }]);
  assert.equal(rec.changes.map((c) => [c.verb, c.role, c.by, c.gone]), [
    ['create', 'input', 'alice', false], ['update', 'observation', 'system:serviceaccount:kube-system:persistent-volume-binder', false], ['delete', 'input', 'alice', true],
  ]);
});

test('audit at Request level: a patch logs only its body, applied to the object as last seen; a patch of an object never seen is refused with file and line', () => {
  const ev = (verb: string, name: string, at: number, o: Record<string, unknown>) => JSON.stringify({
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Request', stage: 'ResponseComplete', verb, user: { username: 'alice' },
    objectRef: { resource: 'persistentvolumeclaims', namespace: 'default', name, apiVersion: 'v1' }, responseStatus: { code: verb === 'create' ? 201 : 200 }, stageTimestamp: T(at), ...o,
  });
  const created = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default', labels: { team: 'a', tier: 'db' } }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } };
  const text = [
    ev('create', 'data', 1, { requestObject: created }),
    // kubectl patch pvc data -p '{"spec":…}' (a strategic merge patch) and a label removed with null.
    ev('patch', 'data', 2, { requestObject: { metadata: { labels: { tier: null } }, spec: { resources: { requests: { storage: '2Gi' } } }, $setElementOrder: {} } }),
    ev('delete', 'data', 3, {}),
  ].join('\n');
  const rec = parseRecording([{ name: 'audit.jsonl', text }]);
  assert.equal(rec.changes.map((c) => [c.verb, c.role, c.gone]), [['create', 'input', false], ['update', 'input', false], ['delete', 'input', true]]);
  const patched = rec.changes[1]!.object;
  assert.equal(patched.metadata['labels'], { team: 'a' });
  assert.equal(patched.spec, { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } });
  assert.is(patched.kind, 'PersistentVolumeClaim');
  assert.is(rec.changes[2]!.object.kind, 'PersistentVolumeClaim');
  assert.throws(() => parseRecording([{ name: 'late.jsonl', text: `${ev('create', 'data', 1, { requestObject: created })}\n${ev('patch', 'other', 2, { requestObject: { spec: {} } })}` }]),
    (e: Error) => /^error: late\.jsonl:2: a patch of persistentvolumeclaims "other" logged at Request level, but the recording never showed the object before it/.test(e.message));
});

test('splitJsonValues: concatenated values with their starting lines; strings with braces do not confuse it', () => {
  const v = splitJsonValues('f', '{"a": "}{"}\n\n[1,\n2] {"b": "\\"{"}');
  assert.equal(v.map((x) => x.line), [1, 3, 4]);
  assert.equal(v[0]!.value, { a: '}{' });
});

test('steps: phase runs with what they are bound to at the end; deletion is a step', () => {
  const pv = (phase: string, claim?: string) => ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'v' }, spec: claim ? { claimRef: { namespace: 'ns', name: claim } } : {}, status: { phase } }) as RecObj;
  assert.equal(steps([pv('Available'), pv('Available', 'c'), pv('Bound', 'c'), pv('Released', 'c'), undefined]), ['Available → ns/c', 'Bound → ns/c', 'Released → ns/c', 'Deleted']);
});

test('compareRecording: the first differing step, objects only reality had, and events the model never emitted', () => {
  const pvc = (phase: string, vol?: string) => obj('PersistentVolumeClaim', 'data', { spec: vol ? { volumeName: vol } : {}, status: { phase } });
  const rec = { initial: [pvc('Pending')], changes: [
    { time: T(1), verb: 'update' as const, object: pvc('Bound', 'a'), role: 'observation' as const, gone: false, file: 'f', line: 1 },
    { time: T(1), verb: 'create' as const, object: obj('Pod', 'web', { spec: { nodeName: 'n1' }, status: { phase: 'Running' } }), role: 'observation' as const, gone: false, file: 'f', line: 2 },
  ], events: [obj('Event', 'e', { reason: 'Odd', message: 'm', involvedObject: { kind: 'PersistentVolumeClaim', name: 'data', namespace: 'default' } })], skippedKinds: [], formats: [] };
  const model = [pvc('Pending'), pvc('Bound', 'b')].map((data, i) => ({ pos: i + 1, time: T(0), stream: 'pvc/default/data', type: i === 0 ? 'PersistentVolumeClaimCreated' : 'PersistentVolumeClaimUpdated', data, sum: '0' }));
  const r = compareRecording(rec, model);
  assert.is(r.agree, false);
  assert.equal(r.objects.map((o) => [o.kind, o.agree, o.step, o.detail]), [
    ['PersistentVolumeClaim', false, 2, 'real Bound → a, model Bound → b'],
    ['Pod', false, 1, 'the real cluster had it; the model never did'],
  ]);
  assert.equal(r.missingEvents.map((e) => e.reason), ['Odd']);
});

test.run();
