/**
 * Design: the server-side printing kubectl asks for with `Accept: …;as=Table;g=meta.k8s.io`:
 * a meta.k8s.io/v1 Table whose columns and cells are the manifests package's kubectl columns
 * (the CLI prints the same ones), the wide columns at priority 1 (`-o wide`), and each row's
 * object as PartialObjectMetadata (or the whole object with `includeObject=Object`), which
 * kubectl reads for `--show-labels`, `-L` and the NAMESPACE column of `-A`.
 */
import { tableCells } from '@pvsim/manifests';
import type { Obj } from './types.ts';

export function wantsTable(accept: string | undefined): boolean {
  return (accept ?? '').split(',').some((part) => /as=Table/.test(part) && /g=meta\.k8s\.io/.test(part));
}

function rowObject(o: Obj, include: string): object | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return o;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata };
}

export function toTable(kind: string, objects: readonly Obj[], now: string, meta: { resourceVersion: string; continue?: string }, includeObject = 'Metadata'): object {
  const { columns, rows } = tableCells(kind, objects, now);
  return {
    kind: 'Table', apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: meta.resourceVersion, ...(meta.continue ? { continue: meta.continue } : {}) },
    columnDefinitions: columns.map((c, i) => ({
      name: c.name, type: 'string', format: i === 0 && c.name === 'NAME' ? 'name' : '', description: '', priority: c.priority,
    })),
    rows: objects.map((o, i) => {
      const object = rowObject(o, includeObject);
      return { cells: rows[i]!, ...(object ? { object } : {}) };
    }),
  };
}
