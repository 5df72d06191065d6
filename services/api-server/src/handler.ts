/**
 * Design: the Kubernetes REST API over an ApiCluster, as a function of requests — no sockets
 * here (http.ts binds it to a port). Paths follow the API server's layout
 * (`/api/v1/namespaces/NS/persistentvolumeclaims/NAME/status`, `/apis/GROUP/v1/…`); verbs map to
 * the cluster's writes; every failure is a Status. Reads come from the cluster's current view;
 * `limit`/`continue` page a list by position, `as=Table` prints it server side.
 *
 * Watches: the server keeps, per object, the resourceVersion it last saw and a history of the
 * changes it has seen since it started (ADDED, MODIFIED, DELETED with the object). `observe()`
 * compares the view with what it saw — after each write through this server and whenever the
 * composition root asks (other writers, e.g. the CLI, share the log) — and hands new events to
 * the watches that match. A watch from resourceVersion R replays the history after R; R from
 * before the server started is 410 Gone ("too old resource version"), as a compacted etcd
 * answers, and the client relists. Bookmarks carry the newest resourceVersion.
 */
import { resolveResource, type ResourceType } from '@pvsim/manifests';
import {
  AGGREGATED_V2, SERVER_VERSION, aggregatedDiscovery, apiGroupList, apiResourceList, apiVersions, hasScale, hasStatus, servedTypes, verbsOf, wantsAggregated,
} from './discovery.ts';
import { parse as parseYaml } from 'yaml';
import { applyPatch, PATCH_TYPES } from './patch.ts';
import { managerOf, serverSideApply, trackUpdate } from './managedFields.ts';
import { evictionRefusal } from './drain.ts';
import { StatusError, statusBody, toStatusError } from './status.ts';
import { toTable, wantsTable } from './table.ts';
import type { ApiCluster, ApiRequest, ApiResponse, Obj } from './types.ts';
import { openApiV2, openApiV3Document, openApiV3Root } from './openapi.ts';

const JSON_TYPE = 'application/json';

export interface WatchSpec {
  type: ResourceType;
  namespace: string | undefined;
  filter: (o: Obj) => boolean;
  /** Send each event's object as a one-row Table (kubectl get -w). */
  table: boolean;
  includeObject: string;
  bookmarks: boolean;
  timeoutSeconds: number | undefined;
  /** The first events to send (initial ADDED, or the history after the requested version). */
  initial: WatchEvent[];
}

export interface WatchEvent { type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'; object: object }

/** A response, or a watch the composition root keeps open and feeds. */
export type HandlerResult = { response: ApiResponse } | { watch: WatchSpec };

interface Seen { kind: string; key: string; rv: number; object: Obj }
interface Change { rv: number; kind: string; type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: Obj }

interface Route {
  type: ResourceType;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

const json = (status: number, body: unknown, contentType = JSON_TYPE): { response: ApiResponse } => ({ response: { status, contentType, body: JSON.stringify(body) } });

/** History kept for watches that resume: changes beyond this many are forgotten (410 Gone). */
export const WATCH_HISTORY_MAX = 10_000;

export class ApiHandler {
  private readonly seen = new Map<string, Seen>();
  private history: Change[] = [];
  /** Changes older than this resourceVersion are no longer in the history. */
  private historyFrom = 0;
  private rv = 0;
  private readonly watchers = new Set<{ spec: WatchSpec; send: (e: WatchEvent) => void }>();

  constructor(private readonly cluster: ApiCluster) {
    this.observe();
    this.historyFrom = this.rv;
    this.history = [];
  }

  /** The newest resourceVersion the server has seen. */
  get resourceVersion(): string { return String(this.rv); }

  /** Registers an open watch; returns how to stop it. */
  subscribe(spec: WatchSpec, send: (e: WatchEvent) => void): () => void {
    const w = { spec, send };
    this.watchers.add(w);
    return () => { this.watchers.delete(w); };
  }

  /** A BOOKMARK to every watch that asked for them. */
  bookmark(): void {
    for (const w of this.watchers) {
      if (!w.spec.bookmarks) continue;
      w.send({ type: 'BOOKMARK', object: { kind: w.spec.type.kind, apiVersion: w.spec.type.apiVersion, metadata: { resourceVersion: this.resourceVersion } } });
    }
  }

  /** Compares the cluster with what the server last saw; records and sends the changes. */
  observe(): void {
    const view = this.cluster.view();
    const now = new Map<string, Seen>();
    for (const t of servedTypes()) {
      for (const o of view.list(t.kind)) {
        const key = `${t.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
        const rv = Number(o.metadata.resourceVersion ?? 0);
        now.set(key, { kind: t.kind, key, rv, object: o });
      }
    }
    const changes: Change[] = [];
    for (const [key, s] of now) {
      const before = this.seen.get(key);
      if (s.rv > this.rv) this.rv = s.rv;
      if (!before) changes.push({ rv: s.rv, kind: s.kind, type: 'ADDED', object: s.object });
      else if (before.rv !== s.rv) changes.push({ rv: s.rv, kind: s.kind, type: 'MODIFIED', object: s.object });
    }
    for (const [key, s] of this.seen) if (!now.has(key)) changes.push({ rv: -1, kind: s.kind, type: 'DELETED', object: s.object });
    changes.sort((a, b) => a.rv - b.rv);
    for (const c of changes) if (c.rv < 0) c.rv = this.rv;
    this.seen.clear();
    for (const [k, v] of now) this.seen.set(k, v);
    if (changes.length === 0) return;
    this.history.push(...changes);
    if (this.history.length > WATCH_HISTORY_MAX) {
      const cut = this.history.length - WATCH_HISTORY_MAX;
      this.historyFrom = this.history[cut - 1]!.rv;
      this.history = this.history.slice(cut);
    }
    for (const w of this.watchers) for (const c of changes) {
      const e = this.eventFor(w.spec, c, view.now);
      if (e) w.send(e);
    }
  }

  private eventFor(spec: WatchSpec, c: Change, now: string): WatchEvent | undefined {
    if (c.kind !== spec.type.kind) return undefined;
    if (spec.namespace !== undefined && c.object.metadata.namespace !== spec.namespace) return undefined;
    if (!spec.filter(c.object)) return undefined;
    const object = c.type === 'DELETED' ? { ...c.object, metadata: { ...c.object.metadata, resourceVersion: String(c.rv) } } : c.object;
    return { type: c.type, object: spec.table ? toTable(spec.type.kind, [object], now, { resourceVersion: String(c.rv) }, spec.includeObject) : object };
  }

  handle(req: ApiRequest): HandlerResult {
    let route: Route | undefined;
    try {
      const discovery = this.discovery(req);
      if (discovery) return discovery;
      route = this.route(req.path);
      if (!route) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      return this.resource(req, route);
    } catch (e) {
      const err = toStatusError(e, route ? { ...(route.name !== undefined ? { name: route.name } : {}), group: route.type.group, plural: route.type.plural } : undefined);
      return json(err.code, statusBody(err.code, err.reason, err.message, err.details));
    }
  }

  private discovery(req: ApiRequest): HandlerResult | undefined {
    if (req.method !== 'GET') return undefined;
    const p = req.path.replace(/\/+$/, '') || '/';
    if (p === '/version') return json(200, SERVER_VERSION);
    if (p === '/healthz' || p === '/livez' || p === '/readyz') return { response: { status: 200, contentType: 'text/plain', body: 'ok' } };
    if (p === '/api' || p === '/apis') {
      if (wantsAggregated(req.headers['accept'])) return json(200, aggregatedDiscovery(p === '/api'), AGGREGATED_V2);
      return json(200, p === '/api' ? apiVersions() : apiGroupList());
    }
    if (p === '/openapi/v2' || p === '/openapi/v3') {
      const doc = p === '/openapi/v2' ? openApiV2() : openApiV3Root();
      if (!doc) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      return json(200, doc);
    }
    const v3 = /^\/openapi\/v3\/(api\/v1|apis\/[^/]+\/v1)$/.exec(p);
    if (v3) {
      const doc = openApiV3Document(v3[1]!);
      if (!doc) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      return json(200, doc);
    }
    const gv = /^\/api\/(v1)$|^\/apis\/([^/]+)\/([^/]+)$/.exec(p);
    if (gv) {
      const list = gv[1] ? apiResourceList('', 'v1') : apiResourceList(gv[2]!, gv[3]!);
      if (!list) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      return json(200, list);
    }
    if (/^\/apis\/[^/]+$/.test(p)) {
      const group = p.slice('/apis/'.length);
      const g = (apiGroupList() as { groups: { name: string }[] }).groups.find((x) => x.name === group);
      if (!g) throw new StatusError(404, 'NotFound', 'the server could not find the requested resource');
      return json(200, { kind: 'APIGroup', apiVersion: 'v1', ...g });
    }
    return undefined;
  }

  private route(path: string): Route | undefined {
    const parts = path.split('/').filter((s) => s !== '').map(decodeURIComponent);
    let group: string;
    let rest: string[];
    if (parts[0] === 'api' && parts[1] === 'v1') { group = ''; rest = parts.slice(2); } else if (parts[0] === 'apis' && parts.length >= 3 && parts[2] === 'v1') { group = parts[1]!; rest = parts.slice(3); } else return undefined;
    let namespace: string | undefined;
    if (rest[0] === 'namespaces' && rest.length >= 3) { namespace = rest[1]; rest = rest.slice(2); }
    const [plural, name, subresource, ...extra] = rest;
    if (!plural || extra.length > 0) return undefined;
    const type = servedTypes().find((t) => t.plural === plural && t.group === group);
    if (!type) return undefined;
    if (!type.namespaced && namespace !== undefined) return undefined;
    if (subresource !== undefined && !(subresource === 'status' && hasStatus(type.kind)) && !(subresource === 'scale' && hasScale(type.kind)) && !(subresource === 'eviction' && type.kind === 'Pod')) return undefined;
    return { type, namespace, name, subresource };
  }

  private keyOf(type: ResourceType, namespace: string | undefined, name: string): string {
    return type.namespaced ? `${namespace ?? 'default'}/${name}` : name;
  }

  private find(route: Route & { name: string }): Obj | undefined {
    return this.cluster.view().list(route.type.kind).find((o) => o.metadata.name === route.name && (!route.type.namespaced || o.metadata.namespace === (route.namespace ?? 'default')));
  }

  private notFound(route: Route): StatusError {
    return new StatusError(404, 'NotFound', `${route.type.plural}${route.type.group ? `.${route.type.group}` : ''} "${route.name}" not found`,
      { name: route.name!, group: route.type.group, kind: route.type.plural });
  }

  private allowed(route: Route, verb: string): void {
    if (!verbsOf(route.type).includes(verb)) {
      throw new StatusError(405, 'MethodNotAllowed', `the server does not allow this method on the requested resource (${verb} ${route.type.plural})`);
    }
  }

  private resource(req: ApiRequest, route: Route): HandlerResult {
    const dryRun = req.query.getAll('dryRun').includes('All');
    if (route.subresource === 'scale') return this.scale(req, route as Route & { name: string }, dryRun);
    if (route.subresource === 'eviction') return this.evict(req, route as Route & { name: string }, dryRun);
    const { type } = route;
    switch (req.method) {
      case 'GET': {
        if (route.name === undefined) return req.query.get('watch') === 'true' || req.query.get('watch') === '1' ? this.watch(req, route) : this.list(req, route);
        const o = this.find(route as Route & { name: string });
        if (!o) throw this.notFound(route);
        return this.reply(req, type, 200, o);
      }
      case 'POST': {
        this.allowed(route, 'create');
        if (route.name !== undefined) throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
        const body = this.body(req, type);
        if (route.namespace !== undefined && body.metadata.namespace !== undefined && body.metadata.namespace !== route.namespace) {
          throw new StatusError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
        }
        if (type.namespaced) body.metadata.namespace = route.namespace ?? body.metadata.namespace ?? 'default';
        const generate = body.metadata['generateName'];
        if (!body.metadata.name && typeof generate === 'string') body.metadata.name = `${generate}${this.rv.toString(36).padStart(5, '0').slice(-5)}`;
        let object: Obj | undefined;
        try {
          const owned = trackUpdate(undefined, body, managerOf(req.query, req.headers['user-agent']), this.cluster.view().now);
          object = this.cluster.write({ verb: 'create', kind: type.kind, object: owned, dryRun }).object;
        } catch (e) {
          throw toStatusError(e, { name: body.metadata.name, group: type.group, plural: type.plural });
        }
        if (!dryRun) this.observe();
        return this.reply(req, type, 201, object!);
      }
      case 'PUT': {
        this.allowed(route, 'update');
        if (route.name === undefined) throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
        const body = this.body(req, type);
        if (body.metadata.name !== route.name) throw new StatusError(400, 'BadRequest', `the name of the object (${body.metadata.name}) does not match the name on the URL (${route.name})`);
        if (type.namespaced) body.metadata.namespace = route.namespace ?? 'default';
        return this.update(req, route as Route & { name: string }, () => body, dryRun);
      }
      case 'PATCH': {
        this.allowed(route, 'patch');
        if (route.name === undefined) throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
        const contentType = req.headers['content-type'] ?? '';
        if (contentType.split(';')[0]!.trim() === PATCH_TYPES.apply) return this.apply(req, route as Route & { name: string }, dryRun);
        return this.update(req, route as Route & { name: string }, (live) => {
          const next = applyPatch(live, contentType, req.body) as Obj;
          if (next.metadata?.name !== live.metadata.name) throw new StatusError(400, 'BadRequest', 'metadata.name: Invalid value: a patch cannot change the name');
          return next;
        }, dryRun);
      }
      case 'DELETE': {
        this.allowed(route, 'delete');
        if (route.name === undefined) return this.deleteCollection(req, route, dryRun);
        const options = this.deleteOptions(req);
        const key = this.keyOf(type, route.namespace, route.name);
        if (!this.find(route as Route & { name: string })) throw this.notFound(route);
        const { object } = this.cluster.write({
          verb: 'delete', kind: type.kind, key, name: route.name, dryRun: dryRun || (options.dryRun ?? []).includes('All'),
          ...(options.preconditions ? { preconditions: options.preconditions } : {}),
        });
        if (!dryRun) this.observe();
        if (object) return this.reply(req, type, 200, object);
        return json(200, { ...statusBody(200, '', ''), details: { name: route.name, group: type.group, kind: type.plural } });
      }
      default:
        throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    }
  }

  /**
   * The scale subresource: an autoscaling/v1 Scale view of spec.replicas (and status.replicas,
   * the selector); a PUT or PATCH of the Scale changes the workload's spec.replicas.
   */
  private scale(req: ApiRequest, route: Route & { name: string }, dryRun: boolean): HandlerResult {
    const { type } = route;
    const scaleOf = (o: Obj): Obj => {
      const spec = (o['spec'] ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
      const status = (o['status'] ?? {}) as { replicas?: number };
      const labels = spec.selector?.matchLabels ?? {};
      return {
        kind: 'Scale', apiVersion: 'autoscaling/v1',
        metadata: { name: o.metadata.name, namespace: o.metadata.namespace!, uid: o.metadata.uid!, resourceVersion: o.metadata.resourceVersion!, creationTimestamp: o.metadata['creationTimestamp'] },
        spec: { replicas: spec.replicas ?? 1 },
        status: { replicas: status.replicas ?? 0, selector: Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',') },
      };
    };
    if (req.method === 'GET') {
      const o = this.find(route);
      if (!o) throw this.notFound(route);
      return json(200, scaleOf(o));
    }
    if (req.method !== 'PUT' && req.method !== 'PATCH') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    const { object } = this.cluster.write({
      verb: 'update', kind: type.kind, key: this.keyOf(type, route.namespace, route.name), name: route.name, dryRun,
      next: (live) => {
        if (!live) throw this.notFound(route);
        const current = scaleOf(live);
        let wanted: Obj;
        if (req.method === 'PUT') {
          try { wanted = JSON.parse(req.body) as Obj; } catch (e) { throw new StatusError(400, 'BadRequest', `the body of the request could not be decoded: ${(e as Error).message}`); }
        } else {
          wanted = applyPatch(current, req.headers['content-type'] ?? '', req.body) as Obj;
        }
        const replicas = (wanted['spec'] as { replicas?: unknown } | undefined)?.replicas;
        if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
          throw new StatusError(422, 'Invalid', `Scale.autoscaling "${route.name}" is invalid: spec.replicas: Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0`);
        }
        const rv = wanted.metadata?.resourceVersion;
        if (rv !== undefined && rv !== '' && rv !== live.metadata.resourceVersion) {
          throw new StatusError(409, 'Conflict', `Operation cannot be fulfilled on ${type.plural}${type.group ? `.${type.group}` : ''} "${route.name}": the object has been modified; please apply your changes to the latest version and try again`);
        }
        return { ...live, spec: { ...(live['spec'] as object), replicas } };
      },
    });
    if (!dryRun) this.observe();
    return json(200, scaleOf(object!));
  }

  /**
   * pods/eviction (policy/v1 Eviction): a graceful delete of the pod unless a disruption budget
   * forbids it now (429 TooManyRequests, the eviction API's text) — drain.ts, as `pvsim drain`.
   */
  private evict(req: ApiRequest, route: Route & { name: string }, dryRun: boolean): HandlerResult {
    if (req.method !== 'POST') throw new StatusError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
    const pod = this.find(route);
    if (!pod) throw this.notFound(route);
    const view = this.cluster.view();
    let budgets: Obj[] = [];
    try { budgets = view.list('PodDisruptionBudget'); } catch { budgets = []; }
    const refusal = evictionRefusal(pod, budgets, view.list('Pod'));
    if (refusal) throw new StatusError(429, 'TooManyRequests', refusal.message, { causes: [{ reason: 'DisruptionBudget', message: refusal.cause }] });
    this.cluster.write({ verb: 'delete', kind: 'Pod', key: this.keyOf(route.type, route.namespace, route.name), name: route.name, dryRun });
    if (!dryRun) this.observe();
    return json(201, statusBody(201, '', ''));
  }

  private update(req: ApiRequest, route: Route & { name: string }, change: (live: Obj) => Obj, dryRun: boolean): HandlerResult {
    const { type } = route;
    const key = this.keyOf(type, route.namespace, route.name);
    const manager = managerOf(req.query, req.headers['user-agent']);
    const { object } = this.cluster.write({
      verb: 'update', kind: type.kind, key, name: route.name, dryRun,
      ...(route.subresource === 'status' ? { subresource: 'status' as const } : {}),
      next: (live, now) => {
        if (!live) throw this.notFound(route);
        return trackUpdate(live, change(structuredClone(live)), manager, now, route.subresource);
      },
    });
    if (!dryRun) this.observe();
    return this.reply(req, type, 200, object!);
  }

  /**
   * Server-side apply (PATCH application/apply-patch+yaml): the request's configuration merged
   * into the live object with field ownership (managedFields.ts); creates the object when there
   * is none; a field another manager owns with another value is a 409 Conflict unless force=true.
   */
  private apply(req: ApiRequest, route: Route & { name: string }, dryRun: boolean): HandlerResult {
    const { type } = route;
    const manager = req.query.get('fieldManager');
    if (!manager) throw new StatusError(400, 'BadRequest', 'fieldManager is required for apply requests');
    let applied: Obj;
    try { applied = parseYaml(req.body) as Obj; } catch (e) { throw new StatusError(400, 'BadRequest', `error decoding YAML: ${(e as Error).message}`); }
    if (!applied || typeof applied !== 'object' || Array.isArray(applied)) throw new StatusError(400, 'BadRequest', 'the body of the request must be an object');
    if (applied.kind !== type.kind || applied.apiVersion !== type.apiVersion) {
      throw new StatusError(400, 'BadRequest', `the API version in the data (${applied.apiVersion}) does not match the expected API version (${type.apiVersion}) or kind (${applied.kind}) does not match ${type.kind}`);
    }
    applied.metadata ??= { name: route.name };
    if ((applied.metadata.name ?? route.name) !== route.name) throw new StatusError(400, 'BadRequest', `the name of the object (${applied.metadata.name}) does not match the name on the URL (${route.name})`);
    applied.metadata.name = route.name;
    if (type.namespaced) {
      if (applied.metadata.namespace !== undefined && applied.metadata.namespace !== (route.namespace ?? 'default')) throw new StatusError(400, 'BadRequest', 'the namespace of the provided object does not match the namespace sent on the request');
      applied.metadata.namespace = route.namespace ?? 'default';
    }
    const force = req.query.get('force') === 'true';
    const target = { name: route.name, group: type.group, plural: type.plural };
    const { object, created } = this.cluster.write({
      verb: 'update', kind: type.kind, key: this.keyOf(type, route.namespace, route.name), name: route.name, dryRun, upsert: true,
      next: (live, now) => serverSideApply(live, { applied, manager, force, now, target }),
    });
    if (!dryRun) this.observe();
    return this.reply(req, type, created ? 201 : 200, object!);
  }

  private deleteCollection(req: ApiRequest, route: Route, dryRun: boolean): HandlerResult {
    const items = this.selected(req, route);
    for (const o of items) {
      this.cluster.write({ verb: 'delete', kind: route.type.kind, key: this.keyOf(route.type, o.metadata.namespace, o.metadata.name), name: o.metadata.name, dryRun });
    }
    if (!dryRun) this.observe();
    return json(200, { kind: `${route.type.kind}List`, apiVersion: route.type.apiVersion, metadata: { resourceVersion: this.resourceVersion }, items });
  }

  private deleteOptions(req: ApiRequest): { dryRun?: string[]; preconditions?: { uid?: string; resourceVersion?: string } } {
    if (req.body.trim() === '') return {};
    try {
      const o = JSON.parse(req.body) as { dryRun?: string[]; preconditions?: { uid?: string; resourceVersion?: string } };
      return o && typeof o === 'object' ? o : {};
    } catch (e) {
      throw new StatusError(400, 'BadRequest', `error decoding DeleteOptions: ${(e as Error).message}`);
    }
  }

  private body(req: ApiRequest, type: ResourceType): Obj {
    let o: Obj;
    try { o = JSON.parse(req.body) as Obj; } catch (e) { throw new StatusError(400, 'BadRequest', `the body of the request could not be decoded: ${(e as Error).message}`); }
    if (!o || typeof o !== 'object' || Array.isArray(o)) throw new StatusError(400, 'BadRequest', 'the body of the request must be a JSON object');
    o.apiVersion ??= type.apiVersion;
    o.kind ??= type.kind;
    if (o.kind !== type.kind || o.apiVersion !== type.apiVersion) {
      throw new StatusError(400, 'BadRequest', `the API version in the data (${o.apiVersion}) does not match the expected API version (${type.apiVersion}) or kind (${o.kind}) does not match ${type.kind}`);
    }
    o.metadata ??= { name: '' };
    return o;
  }

  private selected(req: ApiRequest, route: Route): Obj[] {
    const filter = this.cluster.selector(route.type.kind, req.query.get('labelSelector') ?? undefined, req.query.get('fieldSelector') ?? undefined);
    return this.cluster.view().list(route.type.kind)
      .filter((o) => !route.type.namespaced || route.namespace === undefined || o.metadata.namespace === route.namespace)
      .filter(filter);
  }

  private list(req: ApiRequest, route: Route): HandlerResult {
    this.observe();
    const all = this.selected(req, route);
    const limit = Number(req.query.get('limit') ?? 0);
    const token = req.query.get('continue');
    let start = 0;
    if (token) {
      const m = /^(\d+):(\d+)$/.exec(Buffer.from(token, 'base64').toString('utf8'));
      if (!m) throw new StatusError(400, 'BadRequest', 'continue key is not valid');
      start = Number(m[2]);
    }
    const items = limit > 0 ? all.slice(start, start + limit) : all.slice(start);
    const more = limit > 0 && start + limit < all.length;
    const meta = { resourceVersion: this.resourceVersion, ...(more ? { continue: Buffer.from(`${this.rv}:${start + limit}`).toString('base64') } : {}) };
    if (wantsTable(req.headers['accept'])) return json(200, toTable(route.type.kind, items, this.cluster.view().now, meta, req.query.get('includeObject') ?? 'Metadata'));
    return json(200, {
      kind: `${route.type.kind}List`, apiVersion: route.type.apiVersion, metadata: meta,
      items: items.map((o) => ({ ...o, apiVersion: o.apiVersion ?? route.type.apiVersion, kind: o.kind ?? route.type.kind })),
    });
  }

  private watch(req: ApiRequest, route: Route): HandlerResult {
    this.observe();
    const filter = this.cluster.selector(route.type.kind, req.query.get('labelSelector') ?? undefined, req.query.get('fieldSelector') ?? undefined);
    const table = wantsTable(req.headers['accept']);
    const timeout = req.query.get('timeoutSeconds');
    const spec: WatchSpec = {
      type: route.type, namespace: route.type.namespaced ? route.namespace : undefined, filter, table,
      includeObject: req.query.get('includeObject') ?? 'Metadata',
      bookmarks: req.query.get('allowWatchBookmarks') === 'true',
      timeoutSeconds: timeout !== null && Number(timeout) > 0 ? Number(timeout) : undefined,
      initial: [],
    };
    const rvText = req.query.get('resourceVersion') ?? '';
    const now = this.cluster.view().now;
    if (rvText === '' || rvText === '0') {
      for (const o of this.selected(req, route)) spec.initial.push({ type: 'ADDED', object: table ? toTable(route.type.kind, [o], now, { resourceVersion: String(o.metadata.resourceVersion ?? '') }, spec.includeObject) : o });
    } else {
      const from = Number(rvText);
      if (!Number.isFinite(from)) throw new StatusError(400, 'BadRequest', `invalid resource version "${rvText}"`);
      if (from < this.historyFrom) {
        const status = statusBody(410, 'Expired', `too old resource version: ${from} (${this.historyFrom})`);
        spec.initial.push({ type: 'ERROR', object: status });
      } else {
        for (const c of this.history) {
          if (c.rv <= from) continue;
          const e = this.eventFor(spec, c, now);
          if (e) spec.initial.push(e);
        }
      }
    }
    return { watch: spec };
  }

  private reply(req: ApiRequest, type: ResourceType, status: number, o: Obj): HandlerResult {
    if (wantsTable(req.headers['accept'])) return json(status, toTable(type.kind, [o], this.cluster.view().now, { resourceVersion: String(o.metadata.resourceVersion ?? '') }, req.query.get('includeObject') ?? 'Metadata'));
    return json(status, o);
  }
}

/** kubectl's resource name resolution, for callers that take `pv` or `pvc` (the same table as discovery). */
export function resourceFor(name: string): ResourceType {
  return resolveResource(name);
}
