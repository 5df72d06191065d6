/**
 * Design: server-side field validation, as the API server does it since 1.27 (kubectl's default
 * `--validate=strict`). The API server decodes a request body strictly
 * (`k8s.io/apimachinery/pkg/runtime/serializer/json` with sigs.k8s.io/json's strict options): every
 * field the Go type does not have is an `unknown field "spec.storageClassNam"`, every key given
 * twice a `duplicate field "spec.paused"`, listed in the order the decoder meets them (a field both
 * unknown and repeated is reported once, as unknown). Then `fieldValidation` decides
 * (`staging/src/k8s.io/apiserver/pkg/endpoints/handlers/create.go`, `rest.go`
 * `fieldValidation`): Strict refuses the request with
 * `Kind in version "v1" cannot be handled as a Kind: strict decoding error: …` (BadRequest),
 * Warn stores the object without the unknown fields and returns each problem as a warning, Ignore
 * drops them silently. kubectl's flag maps onto it (`kubectl/pkg/cmd/util/helpers.go`
 * GetValidationDirective): strict or true, warn, ignore or false.
 * The fields of each type are generated from @kubernetes/client-node's models (k8sFields.ts, by
 * scripts/gen-k8s-fields.mjs); the issues are found on the YAML tree, so each has its line.
 */
import { isMap, isPair, isScalar, isSeq, type Node as YamlNode } from 'yaml';
import { FIELD_TYPES, ROOT_TYPES } from './k8sFields.ts';
import { ManifestError } from './errors.ts';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface FieldIssue {
  type: 'unknown' | 'duplicate';
  /** As the decoder prints it: `spec.template.spec.containers[0].imagePullPolicy`. */
  path: string;
  line: number;
}

/** kubectl's `--validate` value → the API's fieldValidation (GetValidationDirective). */
export function validationDirective(flag: string): FieldValidation {
  switch (flag) {
    case 'strict': case 'true': case '1': case 't': case 'T': case 'TRUE': case 'True': return 'Strict';
    case 'warn': return 'Warn';
    case 'ignore': case 'false': case '0': case 'f': case 'F': case 'FALSE': case 'False': return 'Ignore';
    default:
      throw new ManifestError('Invalid', `error: invalid - validate option ${JSON.stringify(flag)}; must be one of: strict (or true), warn, ignore (or false)`, { file: '' });
  }
}

/** Whether pvsim knows the fields of this kind (the snapshot CRDs are not checked). */
export function hasFieldSchema(kind: string): boolean {
  return ROOT_TYPES[kind] !== undefined;
}

const MAP_OF = /^\{ \[key: string\]: (.*); \}$/;
const ARRAY_OF = /^Array<(.*)>$/;

/** Unknown and duplicate fields of an object's YAML tree, in document order. */
export function findFieldIssues(root: YamlNode, kind: string, lineAt: (offset: number) => number): FieldIssue[] {
  const rootType = ROOT_TYPES[kind];
  const out: FieldIssue[] = [];
  if (rootType === undefined) return out;
  const walk = (node: unknown, type: string, path: string): void => {
    const arrayOf = ARRAY_OF.exec(type)?.[1];
    if (arrayOf !== undefined) {
      if (isSeq(node)) node.items.forEach((item, i) => walk(item, arrayOf, `${path}[${i}]`));
      return;
    }
    const mapOf = MAP_OF.exec(type)?.[1];
    if (mapOf !== undefined) {
      if (!isMap(node)) return;
      const seen = new Set<string>();
      for (const pair of node.items) {
        if (!isPair(pair) || !isScalar(pair.key)) continue;
        const key = String(pair.key.value);
        const at = `${path}${path ? '.' : ''}${key}`;
        if (seen.has(key)) out.push({ type: 'duplicate', path: at, line: lineOf(pair.key) });
        else walk(pair.value, mapOf, at);
        seen.add(key);
      }
      return;
    }
    const fields = FIELD_TYPES[type];
    if (fields === undefined || !isMap(node)) return; // a primitive, IntOrString, any
    const seen = new Set<string>();
    const unknown = new Set<string>();
    for (const pair of node.items) {
      if (!isPair(pair) || !isScalar(pair.key)) continue;
      const key = String(pair.key.value);
      const at = `${path}${path ? '.' : ''}${key}`;
      const fieldType = Object.hasOwn(fields, key) ? fields[key] : undefined;
      if (fieldType === undefined) {
        if (!unknown.has(key)) out.push({ type: 'unknown', path: at, line: lineOf(pair.key) });
        unknown.add(key);
      } else if (seen.has(key)) {
        out.push({ type: 'duplicate', path: at, line: lineOf(pair.key) });
      } else {
        walk(pair.value, fieldType, at);
      }
      seen.add(key);
    }
  };
  const lineOf = (n: YamlNode): number => lineAt(n.range?.[0] ?? 0);
  walk(root, rootType, '');
  return out;
}

/** `unknown field "spec.x"` / `duplicate field "spec.y"`: the decoder's words for one issue. */
export function fieldIssueText(issue: FieldIssue): string {
  return `${issue.type} field ${JSON.stringify(issue.path)}`;
}

/** What field validation needs of a parsed object (parse.ts ParsedObject has it). */
export interface FieldCheckedObject {
  object: Record<string, unknown>;
  file: string;
  fieldIssues?: readonly FieldIssue[];
}

export interface FieldValidationResult<P extends FieldCheckedObject = FieldCheckedObject> {
  /** The object as the API server stores it: unknown fields dropped. */
  parsed: P;
  /** What kubectl prints as `Warning: …` (Warn only). */
  warnings: string[];
}

/**
 * Applies the directive to one parsed object: Strict throws the API server's BadRequest naming the
 * file and the line of the first problem; Warn and Ignore return the object without its unknown
 * fields (a duplicate keeps its last value, as Go's decoder does).
 */
export function applyFieldValidation<P extends FieldCheckedObject>(parsed: P, directive: FieldValidation, verb: 'creating' | 'patching' = 'creating'): FieldValidationResult<P> {
  const issues = parsed.fieldIssues ?? [];
  if (issues.length === 0) return { parsed, warnings: [] };
  if (directive === 'Strict') {
    const kind = String(parsed.object['kind']);
    const apiVersion = String(parsed.object['apiVersion']);
    const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
    const first = issues[0]!;
    throw new ManifestError('Invalid',
      `${parsed.file}:${first.line}: Error from server (BadRequest): error when ${verb} ${JSON.stringify(parsed.file)}: ${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: `
      + `strict decoding error: ${issues.map(fieldIssueText).join(', ')}`,
      { file: parsed.file, line: first.line, field: first.path, causes: issues.map(fieldIssueText) });
  }
  const object = structuredClone(parsed.object);
  for (const issue of issues) if (issue.type === 'unknown') removePath(object, issue.path);
  return { parsed: { ...parsed, object, fieldIssues: [] }, warnings: directive === 'Warn' ? issues.map(fieldIssueText) : [] };
}

function removePath(object: Record<string, unknown>, path: string): void {
  const segments = path.match(/[^.[\]]+|\[\d+\]/g) ?? [];
  let node: unknown = object;
  for (let i = 0; i < segments.length - 1; i++) {
    const seg = segments[i]!;
    const index = /^\[(\d+)\]$/.exec(seg);
    node = index ? (node as unknown[])[Number(index[1])] : (node as Record<string, unknown>)[seg];
    if (node === null || typeof node !== 'object') return;
  }
  delete (node as Record<string, unknown>)[segments[segments.length - 1]!];
}
