/**
 * Design: kubectl, not the API server, decides which namespace a manifest object goes to: an object
 * without one gets the request namespace (`-n`, else the context's, else `default`); an object that
 * names a namespace keeps it, unless `-n` was given explicitly and differs, which kubectl refuses
 * before sending anything. Cluster-scoped objects are left alone (the server drops their namespace).
 * Validation runs after this step, so a namespaced object always has a namespace to check.
 */

import { ManifestError } from './errors.ts';
import { resourceTypeForKind } from './kinds.ts';
import type { ParsedObject } from './parse.ts';

export interface NamespaceOptions {
  /** The namespace kubectl would use: `-n` value, or the default (`default`). */
  namespace: string;
  /** True when `-n/--namespace` was given on the command line. */
  explicit: boolean;
}

/** Returns the parsed object with `metadata.namespace` filled in as kubectl would send it. */
export function applyRequestNamespace(parsed: ParsedObject, options: NamespaceOptions): ParsedObject {
  const kind = parsed.object['kind'];
  const type = typeof kind === 'string' ? resourceTypeForKind(kind) : undefined;
  if (!type?.namespaced) return parsed;
  const metadata = parsed.object['metadata'];
  const meta = metadata !== null && typeof metadata === 'object' && !Array.isArray(metadata) ? (metadata as Record<string, unknown>) : {};
  const own = typeof meta['namespace'] === 'string' ? meta['namespace'] : '';
  if (own !== '' && options.explicit && own !== options.namespace) {
    const line = parsed.lineOf('metadata.namespace') ?? parsed.line;
    throw new ManifestError('Invalid',
      `${parsed.file}:${line}: error: the namespace from the provided object ${JSON.stringify(own)} does not match the namespace ${JSON.stringify(options.namespace)}. You must pass '--namespace=${own}' to perform this operation.`,
      { file: parsed.file, line, field: 'metadata.namespace' });
  }
  if (own !== '') return parsed;
  const object = structuredClone(parsed.object);
  object['metadata'] = { ...meta, namespace: options.namespace };
  return { ...parsed, object };
}
