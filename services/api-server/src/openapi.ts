/**
 * Design: the OpenAPI documents kubectl fetches before it writes. `kubectl apply` (1.32) asks
 * OpenAPI v3 whether a kind's PATCH takes the `fieldValidation` query parameter; when it does,
 * validation happens on the server (pvsim's validation, with the CLI's texts) and kubectl needs
 * no schema of its own. Each kind gets its paths (with the x-kubernetes-group-version-kind
 * extension kubectl matches on) and an object schema that admits any field; strategic merge
 * patches then come from kubectl's built-in types. A v2 document with the same kinds is served for
 * older clients.
 */
import { SERVER_VERSION, servedTypes, verbsOf } from './discovery.ts';
import type { ResourceType } from '@pvsim/manifests';
import { MERGE_KEYS, MERGED_SCALAR_LISTS } from './patch.ts';
import { GENERATED_SCHEMAS } from './schemas.ts';

type Schema = { type?: string; description?: string; properties?: Record<string, Schema>; items?: Schema; additionalProperties?: Schema; $ref?: string; [k: string]: unknown };

/**
 * Kubernetes' own schemas of the kinds pvsim serves, with their field documentation (generated
 * from @kubernetes/client-node's models by scripts/gen-schemas.mjs), each list field carrying the
 * strategic-merge patch keys pvsim's patches use (patch.ts), so kubectl computes the same patches.
 */
const TYPED: Record<string, Schema> = (() => {
  const out = structuredClone(GENERATED_SCHEMAS) as Record<string, Schema>;
  for (const schema of Object.values(out)) {
    for (const [name, p] of Object.entries(schema.properties ?? {})) {
      if (p.type !== 'array') continue;
      if (MERGE_KEYS[name] && p.items?.$ref) Object.assign(p, { 'x-kubernetes-patch-merge-key': MERGE_KEYS[name], 'x-kubernetes-patch-strategy': 'merge' });
      else if (MERGED_SCALAR_LISTS.has(name)) p['x-kubernetes-patch-strategy'] = 'merge';
    }
  }
  return out;
})();

const typedName = (kind: string): string | undefined => Object.keys(TYPED).find((k) => TYPED[k]!['x-pvsim-kind'] === kind);

const gvk = (t: ResourceType) => ({ group: t.group, version: t.version, kind: t.kind });
const schemaName = (t: ResourceType) => typedName(t.kind) ?? `io.pvsim.${t.group === '' ? 'core' : t.group}.${t.version}.${t.kind}`;
const gvPath = (t: ResourceType) => (t.group === '' ? 'api/v1' : `apis/${t.group}/${t.version}`);

const QUERY = (name: string) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });

function schemaOf(t: ResourceType): object {
  const typed = typedName(t.kind);
  if (typed) {
    const { ['x-pvsim-kind']: _kind, ...schema } = TYPED[typed]!;
    return { ...schema, 'x-kubernetes-group-version-kind': [gvk(t)] };
  }
  return {
    type: 'object',
    description: `${t.kind} (served by pvsim)`,
    properties: {
      apiVersion: { type: 'string', description: 'APIVersion defines the versioned schema of this representation of an object.' },
      kind: { type: 'string', description: 'Kind is a string value representing the REST resource this object represents.' },
      metadata: { type: 'object', description: "Standard object's metadata.", 'x-kubernetes-preserve-unknown-fields': true },
      spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
      status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
    },
    'x-kubernetes-preserve-unknown-fields': true,
    'x-kubernetes-group-version-kind': [gvk(t)],
  };
}

function pathsOf(t: ResourceType): Record<string, object> {
  const prefix = `/${gvPath(t)}${t.namespaced ? '/namespaces/{namespace}' : ''}/${t.plural}`;
  const ref = { $ref: `#/components/schemas/${schemaName(t)}` };
  const body = { content: { 'application/json': { schema: ref } }, required: true };
  const ok = { 200: { description: 'OK', content: { 'application/json': { schema: ref } } } };
  const ext = { 'x-kubernetes-group-version-kind': gvk(t) };
  const verbs = verbsOf(t);
  const writes = verbs.includes('create');
  const itemParams = [QUERY('dryRun'), QUERY('fieldManager'), QUERY('fieldValidation')];
  return {
    [prefix]: {
      get: { ...ext, 'x-kubernetes-action': 'list', responses: ok },
      ...(writes ? { post: { ...ext, 'x-kubernetes-action': 'post', parameters: itemParams, requestBody: body, responses: ok } } : {}),
    },
    [`${prefix}/{name}`]: {
      get: { ...ext, 'x-kubernetes-action': 'get', responses: ok },
      ...(writes ? {
        put: { ...ext, 'x-kubernetes-action': 'put', parameters: itemParams, requestBody: body, responses: ok },
        patch: { ...ext, 'x-kubernetes-action': 'patch', parameters: [...itemParams, QUERY('force')], requestBody: { content: { 'application/merge-patch+json': { schema: { type: 'object' } } } }, responses: ok },
        delete: { ...ext, 'x-kubernetes-action': 'delete', parameters: [QUERY('dryRun')], responses: ok },
      } : {}),
    },
  };
}

export function openApiV3Root(): object {
  const paths: Record<string, object> = {};
  for (const t of servedTypes()) paths[gvPath(t)] = { serverRelativeURL: `/openapi/v3/${gvPath(t)}` };
  return { paths };
}

const v3Documents = new Map<string, object | undefined>();

/** The document of one group version (`api/v1`, `apis/storage.k8s.io/v1`); undefined when pvsim serves none of it. Built once per path (they never change). */
export function openApiV3Document(path: string): object | undefined {
  if (!v3Documents.has(path)) v3Documents.set(path, buildV3Document(path));
  return v3Documents.get(path);
}

function buildV3Document(path: string): object | undefined {
  const types = servedTypes().filter((t) => gvPath(t) === path);
  if (types.length === 0) return undefined;
  const paths: Record<string, object> = {};
  const schemas: Record<string, object> = {};
  for (const [name, schema] of Object.entries(TYPED)) {
    const { ['x-pvsim-kind']: _kind, ...rest } = schema;
    schemas[name] = rest;
  }
  for (const t of types) {
    Object.assign(paths, pathsOf(t));
    schemas[schemaName(t)] = schemaOf(t);
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes (pvsim)', version: SERVER_VERSION.gitVersion }, paths, components: { schemas } };
}

let v2Document: object | undefined;

export function openApiV2(): object {
  v2Document ??= buildV2Document();
  return v2Document;
}

function buildV2Document(): object {
  const definitions: Record<string, object> = {};
  for (const [name, schema] of Object.entries(TYPED)) {
    const { ['x-pvsim-kind']: _kind, ...rest } = schema;
    definitions[name] = rest;
  }
  for (const t of servedTypes()) {
    const { properties, ...rest } = schemaOf(t) as { properties: object };
    definitions[schemaName(t)] = { ...rest, properties };
  }
  // Swagger 2 refers to #/definitions/.
  return JSON.parse(JSON.stringify({ swagger: '2.0', info: { title: 'Kubernetes (pvsim)', version: SERVER_VERSION.gitVersion }, paths: {}, definitions }).replaceAll('#/components/schemas/', '#/definitions/')) as object;
}

/** The schema document of a kind and the schemas it refers to (for `pvsim explain`); undefined for a kind pvsim does not serve. */
export function schemaFor(kind: string): { root: Schema; resolve(ref: string): Schema | undefined } | undefined {
  const t = servedTypes().find((x) => x.kind === kind);
  if (!t) return undefined;
  return { root: schemaOf(t) as Schema, resolve: (ref) => TYPED[ref.replace('#/components/schemas/', '')] };
}
export type { Schema as OpenApiSchema };
