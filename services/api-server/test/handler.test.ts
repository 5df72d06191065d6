import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ApiError, KUBERNETES_VERSION } from '@pvsim/domain';
import { ApiHandler, WATCH_HISTORY_MAX, type ApiCluster, type ApiRequest, type Obj } from '../src/index.ts';

/** A cluster of plain objects: enough to exercise routing, paging, tables, watches and errors. */
function fakeCluster(): ApiCluster & { objects: Map<string, Obj>; rv: number } {
  const objects = new Map<string, Obj>();
  const c = {
    objects, rv: 0,
    view: () => ({ now: '2026-01-01T00:01:00Z', list: (kind: string) => [...objects.values()].filter((o) => o.kind === kind).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1)) }),
    write: (r: Parameters<ApiCluster['write']>[0]) => {
      if (r.verb === 'create') {
        if (objects.has(r.object.metadata.name)) throw new ApiError('AlreadyExists', `persistentvolumes "${r.object.metadata.name}" already exists`);
        const o = { ...r.object, metadata: { ...r.object.metadata, resourceVersion: String(++c.rv), creationTimestamp: '2026-01-01T00:00:00Z' } };
        if (!r.dryRun) objects.set(o.metadata.name, o);
        return { object: o };
      }
      if (r.verb === 'update') {
        const live = objects.get(r.name);
        const o = r.next(live, '2026-01-01T00:01:00Z');
        o.metadata.resourceVersion = String(++c.rv);
        if (!r.dryRun) objects.set(r.name, o);
        return { object: o, ...(!live && r.upsert ? { created: true } : {}) };
      }
      if (!r.dryRun) objects.delete(r.name);
      return { object: undefined };
    },
    selector: () => () => true,
    exec: () => ({ stdout: '', stderr: '', exitCode: 0 }),
  };
  return c;
}

const req = (method: string, url: string, body = '', headers: Record<string, string> = {}): ApiRequest => {
  const u = new URL(url, 'http://x');
  return { method, path: u.pathname, query: u.searchParams, headers, body };
};
const pv = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name }, spec: { capacity: { storage: '1Gi' } } });

function body(h: ApiHandler, r: ApiRequest): { status: number; json: any } {
  const out = h.handle(r);
  if (!('response' in out)) throw new Error('expected a response');
  return { status: out.response.status, json: JSON.parse(out.response.body) };
}

test('discovery: version, legacy and aggregated documents', () => {
  const h = new ApiHandler(fakeCluster());
  assert.is(body(h, req('GET', '/version')).json.minor, '34');
  // One version throughout: what the nodes report is what discovery reports (v1.34).
  assert.is(body(h, req('GET', '/version')).json.gitVersion, KUBERNETES_VERSION.gitVersion);
  assert.equal(body(h, req('GET', '/api')).json.versions, ['v1']);
  const groups = body(h, req('GET', '/apis')).json.groups.map((g: { name: string }) => g.name);
  assert.equal(groups, ['apps', 'policy', 'snapshot.storage.k8s.io', 'storage.k8s.io']);
  const agg = h.handle(req('GET', '/api', '', { accept: 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json' }));
  assert.ok('response' in agg && agg.response.contentType.includes('as=APIGroupDiscoveryList'));
  const core = JSON.parse((agg as { response: { body: string } }).response.body);
  const pvc = core.items[0].versions[0].resources.find((r: { resource: string }) => r.resource === 'persistentvolumeclaims');
  assert.equal(pvc.shortNames, ['pvc']);
  assert.is(pvc.scope, 'Namespaced');
  assert.equal(pvc.subresources.map((s: { subresource: string }) => s.subresource), ['status']);
  const events = body(h, req('GET', '/api/v1')).json.resources.find((r: { name: string }) => r.name === 'events');
  assert.equal(events.verbs, ['get', 'list', 'watch']);
});

test('create, get, list with limit/continue, Table, delete; errors are Status', () => {
  const h = new ApiHandler(fakeCluster());
  for (const n of ['a', 'b', 'c']) assert.is(body(h, req('POST', '/api/v1/persistentvolumes', pv(n))).status, 201);
  const dup = body(h, req('POST', '/api/v1/persistentvolumes', pv('a')));
  assert.equal([dup.status, dup.json.kind, dup.json.reason, dup.json.details.name], [409, 'Status', 'AlreadyExists', 'a']);
  const page1 = body(h, req('GET', '/api/v1/persistentvolumes?limit=2')).json;
  assert.equal(page1.items.map((o: Obj) => o.metadata.name), ['a', 'b']);
  const page2 = body(h, req('GET', `/api/v1/persistentvolumes?limit=2&continue=${encodeURIComponent(page1.metadata.continue)}`)).json;
  assert.equal(page2.items.map((o: Obj) => o.metadata.name), ['c']);
  assert.is(page2.metadata.continue, undefined);
  const table = body(h, req('GET', '/api/v1/persistentvolumes/a', '', { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' })).json;
  assert.is(table.kind, 'Table');
  assert.is(table.columnDefinitions[0].name, 'NAME');
  assert.is(table.rows[0].cells[0], 'a');
  assert.is(table.rows[0].object.kind, 'PartialObjectMetadata');
  const missing = body(h, req('GET', '/api/v1/persistentvolumes/zz'));
  assert.equal([missing.status, missing.json.reason, missing.json.message], [404, 'NotFound', 'persistentvolumes "zz" not found']);
  assert.is(body(h, req('GET', '/api/v1/widgets')).status, 404);
  assert.is(body(h, req('POST', '/api/v1/namespaces/default/events', '{}')).status, 405);
  assert.is(body(h, req('POST', '/api/v1/persistentvolumes', '{')).json.reason, 'BadRequest');
  assert.is(body(h, req('DELETE', '/api/v1/persistentvolumes/a')).json.status, 'Success');
  assert.is(body(h, req('GET', '/api/v1/persistentvolumes/a')).status, 404);
});

test('dryRun=All answers as a write would and stores nothing', () => {
  const c = fakeCluster();
  const h = new ApiHandler(c);
  assert.is(body(h, req('POST', '/api/v1/persistentvolumes?dryRun=All', pv('a'))).status, 201);
  assert.is(c.objects.size, 0);
});

test('watch: history after a version, then live events; older than the history is 410 Gone', () => {
  const c = fakeCluster();
  const h = new ApiHandler(c);
  body(h, req('POST', '/api/v1/persistentvolumes', pv('a')));
  const from = body(h, req('GET', '/api/v1/persistentvolumes')).json.metadata.resourceVersion;
  body(h, req('POST', '/api/v1/persistentvolumes', pv('b')));
  const w = h.handle(req('GET', `/api/v1/persistentvolumes?watch=true&resourceVersion=${from}`));
  assert.ok('watch' in w);
  const spec = (w as { watch: import('../src/index.ts').WatchSpec }).watch;
  assert.equal(spec.initial.map((e) => [e.type, (e.object as Obj).metadata.name]), [['ADDED', 'b']]);
  const seen: string[] = [];
  const stop = h.subscribe(spec, (e) => seen.push(`${e.type} ${(e.object as Obj).metadata.name}`));
  body(h, req('PATCH', '/api/v1/persistentvolumes/a', '{"metadata":{"labels":{"x":"1"}}}', { 'content-type': 'application/merge-patch+json' }));
  body(h, req('DELETE', '/api/v1/persistentvolumes/b'));
  stop();
  assert.equal(seen, ['MODIFIED a', 'DELETED b']);
  // Push the first changes out of the history.
  for (let i = 0; i <= WATCH_HISTORY_MAX; i++) {
    c.objects.set(`x${i}`, { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `x${i}`, resourceVersion: String(++c.rv) } });
  }
  h.observe();
  const gone = h.handle(req('GET', `/api/v1/persistentvolumes?watch=true&resourceVersion=${from}`));
  const event = (gone as { watch: import('../src/index.ts').WatchSpec }).watch.initial[0]!;
  assert.is(event.type, 'ERROR');
  assert.is((event.object as { code: number }).code, 410);
});

test.run();
