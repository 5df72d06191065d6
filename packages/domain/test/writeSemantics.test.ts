/**
 * The API server's write semantics as pure functions (given the stored object, when a write
 * arrives, then what is stored and which fact it is) — the same functions the in-process store and
 * a NATS writer apply.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiError, decideCreate, decideDelete, decideEvent, decideUpdate, eventCorrelationKey, type StoredObject } from '../src/index.ts';

let version = 10;
const ctx = () => ({ resource: 'persistentvolumes', now: '2026-01-01T00:00:05Z', nextVersion: () => String(++version) });
const pv = (extra: Partial<StoredObject> = {}, metadata: Record<string, unknown> = {}): StoredObject => ({
  kind: 'PersistentVolume', apiVersion: 'v1', metadata: { name: 'pv-1', uid: 'u1', resourceVersion: '5', creationTimestamp: '2026-01-01T00:00:00Z', ...metadata },
  spec: { capacity: { storage: '1Gi' } }, status: { phase: 'Available' }, ...extra,
});
const code = (fn: () => unknown) => { try { fn(); return 'ok'; } catch (e) { return e instanceof ApiError ? e.code : String(e); } };

test('create: uid, timestamp, version and namespace assigned; AlreadyExists when it exists', () => {
  const created = decideCreate(undefined, { kind: 'PersistentVolumeClaim', apiVersion: 'v1', metadata: { name: 'c' } }, { ...ctx(), namespaced: true, newUid: () => 'new-uid' });
  assert.equal(created.metadata, { name: 'c', namespace: 'default', uid: 'new-uid', creationTimestamp: '2026-01-01T00:00:05Z', resourceVersion: String(version) });
  assert.is(code(() => decideCreate(pv(), pv(), { ...ctx(), namespaced: false, newUid: () => 'x' })), 'AlreadyExists');
});

test('create: a provisioned PV (no status) starts Pending with lastPhaseTransitionTime now; an imported one keeps its status', () => {
  const fresh = decideCreate(undefined, pv({ status: undefined }), { ...ctx(), namespaced: false, newUid: () => 'u' });
  assert.equal(fresh['status'], { phase: 'Pending', lastPhaseTransitionTime: '2026-01-01T00:00:05Z' });
  const imported = decideCreate(undefined, pv({ status: { phase: 'Bound' } }), { ...ctx(), namespaced: false, newUid: () => 'u' });
  assert.equal(imported['status'], { phase: 'Bound' });
});

const updates: { name: string; old?: StoredObject; write: StoredObject; subresource?: 'status'; want: string; check?: (n: StoredObject | undefined) => void }[] = [
  { name: 'not found', write: pv(), want: 'NotFound' },
  { name: 'stale resourceVersion is a Conflict', old: pv(), write: pv({}, { resourceVersion: '4' }), want: 'Conflict' },
  { name: 'no resourceVersion: last write wins', old: pv(), write: pv({ spec: { capacity: { storage: '2Gi' } } }, { resourceVersion: undefined }), want: 'Updated' },
  { name: 'nothing changed: nothing stored', old: pv(), write: pv(), want: 'Unchanged' },
  { name: 'main resource of a PV keeps the stored status', old: pv(), write: pv({ status: { phase: 'Bound' }, spec: { capacity: { storage: '2Gi' } } }), want: 'Updated', check: (n) => assert.equal(n!['status'], { phase: 'Available' }) },
  { name: 'status subresource keeps spec and metadata', old: pv(), write: pv({ status: { phase: 'Bound' }, spec: {} }, { labels: { a: 'b' } }), subresource: 'status', want: 'Updated', check: (n) => { assert.equal(n!['spec'], { capacity: { storage: '1Gi' } }); assert.is(n!.metadata['labels'], undefined); } },
  { name: 'uid and creationTimestamp cannot change', old: pv(), write: pv({ spec: { x: 1 } }, { uid: 'other', creationTimestamp: 'later' }), want: 'Updated', check: (n) => { assert.is(n!.metadata['uid'], 'u1'); assert.is(n!.metadata['creationTimestamp'], '2026-01-01T00:00:00Z'); } },
  // PersistentVolumeLastPhaseTransitionTime, GA 1.31 (pkg/registry/core/persistentvolume/strategy.go, status PrepareForUpdate).
  { name: 'a PV phase change stamps lastPhaseTransitionTime with now', old: pv({ status: { phase: 'Available', lastPhaseTransitionTime: '2026-01-01T00:00:00Z' } }), write: pv({ status: { phase: 'Bound', lastPhaseTransitionTime: '2026-01-01T00:00:00Z' } }), subresource: 'status', want: 'Updated', check: (n) => assert.equal(n!['status'], { phase: 'Bound', lastPhaseTransitionTime: '2026-01-01T00:00:05Z' }) },
  { name: 'a PV phase change without the time stamps it too', old: pv(), write: pv({ status: { phase: 'Released' } }), subresource: 'status', want: 'Updated', check: (n) => assert.equal(n!['status'], { phase: 'Released', lastPhaseTransitionTime: '2026-01-01T00:00:05Z' }) },
  { name: 'the same phase keeps the stored time', old: pv({ status: { phase: 'Bound', lastPhaseTransitionTime: '2026-01-01T00:00:01Z' } }), write: pv({ status: { phase: 'Bound', message: 'm' } }), subresource: 'status', want: 'Updated', check: (n) => assert.equal(n!['status'], { phase: 'Bound', message: 'm', lastPhaseTransitionTime: '2026-01-01T00:00:01Z' }) },
  { name: 'a time the client sets with the phase change is kept', old: pv(), write: pv({ status: { phase: 'Failed', lastPhaseTransitionTime: '2026-01-01T00:00:03Z' } }), subresource: 'status', want: 'Updated', check: (n) => assert.equal(n!['status'], { phase: 'Failed', lastPhaseTransitionTime: '2026-01-01T00:00:03Z' }) },
  { name: 'the last finalizer removed from a deleting object deletes it', old: pv({}, { finalizers: ['f'], deletionTimestamp: 't' }), write: pv({}, { finalizers: [], deletionTimestamp: 't' }), want: 'Deleted' },
];
for (const row of updates) {
  test(`update: ${row.name}`, () => {
    let got: string;
    let next: StoredObject | undefined;
    try {
      const out = decideUpdate(row.old, row.write, row.subresource, ctx());
      got = out.fact;
      next = out.next;
    } catch (e) { got = (e as ApiError).code; }
    assert.is(got, row.want);
    row.check?.(next);
  });
}

test('update: the stored object is never changed, whether the request shares its metadata or brings its own; metadata keys keep their order', () => {
  const old = pv({}, { labels: { a: 'b' } });
  const before = JSON.stringify(old);
  // A writer that copied the object shallowly and kept the stored metadata itself.
  const shared = decideUpdate(old, { ...old, spec: { capacity: { storage: '2Gi' } } }, undefined, ctx());
  assert.is(JSON.stringify(old), before);
  assert.ok(shared.next!.metadata !== old.metadata);
  assert.equal(Object.keys(shared.next!.metadata), ['name', 'uid', 'resourceVersion', 'creationTimestamp', 'labels']);
  // A request without identity fields: they come back after its own keys, uid first.
  const own = decideUpdate(old, { kind: 'PersistentVolume', apiVersion: 'v1', metadata: { labels: { a: 'c' }, name: 'pv-1' }, spec: old['spec'] }, undefined, ctx());
  assert.equal(Object.keys(own.next!.metadata), ['labels', 'name', 'uid', 'creationTimestamp', 'resourceVersion']);
  const status = decideUpdate(old, { ...old, status: { phase: 'Bound' } }, 'status', ctx());
  assert.ok(status.next!.metadata !== old.metadata);
  assert.is(JSON.stringify(old), before);
});

test('delete: gone without finalizers; Terminating with them, once', () => {
  assert.is(decideDelete(pv(), 'pv-1', ctx()).fact, 'Deleted');
  const terminating = decideDelete(pv({}, { finalizers: ['f'] }), 'pv-1', ctx());
  assert.is(terminating.fact, 'Updated');
  assert.is(terminating.next!.metadata['deletionTimestamp'], '2026-01-01T00:00:05Z');
  assert.is(decideDelete(terminating.next, 'pv-1', ctx()).fact, 'Unchanged');
  assert.is(code(() => decideDelete(undefined, 'pv-1', ctx())), 'NotFound');
});

test('events: a new one is named by its sequence; the same one again counts', () => {
  const req = { object: { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'p', namespace: 'ns', uid: 'u' } }, type: 'Warning' as const, reason: 'FailedMount', message: 'm', component: 'kubelet' };
  const first = decideEvent(undefined, req, 't1', 3);
  assert.is(first.metadata.name, 'p.0000000000000003');
  assert.is(first.count, 1);
  const again = decideEvent(first, req, 't2', 4);
  assert.is(again.count, 2);
  assert.is(again.lastTimestamp, 't2');
  assert.is(again.firstTimestamp, 't1');
  assert.is(eventCorrelationKey(again), eventCorrelationKey(first));
});

test('apps kinds: a spec change moves metadata.generation on; metadata or status changes do not (PrepareForUpdate)', () => {
  const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default', generation: 3, resourceVersion: '7' }, spec: { replicas: 1 } };
  const spec = decideUpdate(d as never, { ...d, spec: { replicas: 2 } } as never, undefined, ctx());
  assert.is((spec.next as unknown as { metadata: { generation: number } }).metadata.generation, 4);
  const labels = decideUpdate(d as never, { ...d, metadata: { ...d.metadata, labels: { a: 'b' } } } as never, undefined, ctx());
  assert.is((labels.next as unknown as { metadata: { generation: number } }).metadata.generation, 3);
  const status = decideUpdate(d as never, { ...d, status: { replicas: 1 } } as never, 'status', ctx());
  assert.is((status.next as unknown as { metadata: { generation: number } }).metadata.generation, 3);
});

test.run();
