/**
 * Design: the OpenAPI documents kubectl fetches before it writes. `kubectl apply` (1.32) asks
 * OpenAPI v3 whether a kind's PATCH takes the `fieldValidation` query parameter; when it does,
 * validation happens on the server (pvsim's validation, with the CLI's texts) and kubectl needs
 * no schema of its own. Each kind gets its paths (with the x-kubernetes-group-version-kind
 * extension kubectl matches on) and an object schema that admits any field; strategic merge
 * patches then come from kubectl's built-in types. A v2 document with the same kinds is served for
 * older clients.
 */
import { servedTypes, verbsOf } from './discovery.ts';
import type { ResourceType } from '@pvsim/manifests';

const gvk = (t: ResourceType) => ({ group: t.group, version: t.version, kind: t.kind });
const schemaName = (t: ResourceType) => `io.pvsim.${t.group === '' ? 'core' : t.group}.${t.version}.${t.kind}`;
const gvPath = (t: ResourceType) => (t.group === '' ? 'api/v1' : `apis/${t.group}/${t.version}`);

const QUERY = (name: string) => ({ name, in: 'query', schema: { type: 'string', uniqueItems: true } });

function schemaOf(t: ResourceType): object {
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

/** The document of one group version (`api/v1`, `apis/storage.k8s.io/v1`); undefined when pvsim serves none of it. */
export function openApiV3Document(path: string): object | undefined {
  const types = servedTypes().filter((t) => gvPath(t) === path);
  if (types.length === 0) return undefined;
  const paths: Record<string, object> = {};
  const schemas: Record<string, object> = {};
  for (const t of types) {
    Object.assign(paths, pathsOf(t));
    schemas[schemaName(t)] = schemaOf(t);
  }
  return { openapi: '3.0.0', info: { title: 'Kubernetes (pvsim)', version: 'v1.32.0-pvsim' }, paths, components: { schemas } };
}

export function openApiV2(): object {
  const definitions: Record<string, object> = {};
  for (const t of servedTypes()) {
    const { properties, ...rest } = schemaOf(t) as { properties: object };
    definitions[schemaName(t)] = { ...rest, properties };
  }
  return { swagger: '2.0', info: { title: 'Kubernetes (pvsim)', version: 'v1.32.0-pvsim' }, paths: {}, definitions };
}
