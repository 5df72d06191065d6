/**
 * Design: the checks every kind's validation shares, kept apart from the per-kind rules so that the
 * storage kinds (validate.ts) and the pod spec (validatePod.ts) use one copy without importing each
 * other. They mirror apimachinery and the small helpers of K/pkg/apis/core/validation/validation.go:
 *   ValidateObjectMeta, ValidateLabels, ValidateAnnotations, ValidateLabelSelector,
 *   validateLocalDescendingPath / validatePathNoBacksteps / ValidateLocalNonReservedPath,
 *   ValidateNonnegativeField, ValidateCSIDriverName, IsConfigMapKey.
 * Values are decoded JSON (`unknown`), so every helper tolerates a wrong type and leaves the complaint
 * to the check that owns the field.
 */

import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, parseQuantity, regexError, validateLabelSelector, type Quantity } from '@pvsim/domain';
import { forbidden, invalid, required, tooLong, type FieldError } from './errors.ts';

export type Obj = Record<string, unknown>;
export const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);
export const present = (v: unknown): boolean => v !== undefined && v !== null;
export const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));
export const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const obj = (v: unknown): Obj => (isObj(v) ? v : {});
/** Sets `key`, or removes it when `value` is undefined (a copied field that was absent stays absent). */
export function setOrDelete(target: Obj, key: string, value: unknown): void {
  if (value === undefined) delete target[key];
  else target[key] = value;
}

export const sortedSet = (values: readonly string[]): string[] => [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

export const HOST_PATH_TYPES = sortedSet(['', 'DirectoryOrCreate', 'Directory', 'FileOrCreate', 'File', 'Socket', 'CharDevice', 'BlockDevice']);
const STANDARD_FINALIZERS = new Set(['kubernetes', 'orphan', 'foregroundDeletion']);
export const QUANTITY_RE = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
export const QUANTITY_FORMAT_MSG = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;
export const IS_NEGATIVE_MSG = 'must be greater than or equal to 0';
export const FILE_MODE_MSG = 'must be a number between 0 and 0777 (octal), both inclusive';

// ---------------------------------------------------------------------------------------------
// Metadata (apimachinery ValidateObjectMeta; namespace of cluster-scoped objects is cleared by the
// API server before validation, see defaults.ts)

/** `nameCheck` is the kind's ValidateNameFunc: DNS subdomain for most kinds, DNS label for StatefulSets. */
export function validateObjectMeta(metadata: unknown, namespaced: boolean, nameCheck: (name: string) => string[] = isDNS1123Subdomain): FieldError[] {
  const errs: FieldError[] = [];
  const meta = isObj(metadata) ? metadata : {};
  const name = str(meta['name']);
  if (name.length === 0) errs.push(required('metadata.name', 'name or generateName is required'));
  else for (const msg of nameCheck(name)) errs.push(invalid('metadata.name', name, msg));
  if (namespaced) {
    const ns = str(meta['namespace']);
    if (ns.length === 0) errs.push(required('metadata.namespace'));
    else for (const msg of isDNS1123Label(ns)) errs.push(invalid('metadata.namespace', ns, msg));
  }
  errs.push(...validateLabels(meta['labels'], 'metadata.labels'));
  errs.push(...validateAnnotations(meta['annotations'], 'metadata.annotations'));
  const finalizers = list(meta['finalizers']).map(str);
  for (const f of finalizers) for (const msg of isQualifiedName(f)) errs.push(invalid('metadata.finalizers', f, msg));
  finalizers.forEach((f, i) => {
    if (f.split('/').length === 1 && !STANDARD_FINALIZERS.has(f)) {
      errs.push(invalid(`metadata.finalizers[${i}]`, f, 'name is neither a standard finalizer name nor is it fully qualified'));
    }
  });
  return errs;
}

/** A string map field (labels, annotations, parameters) whose values are not strings cannot be decoded. */
export function stringMapErrors(value: unknown, path: string, goField: string): FieldError[] {
  if (!present(value)) return [];
  if (!isObj(value)) return [invalid(path, value, `json: cannot unmarshal ${jsonType(value)} into Go struct field ${goField} of type map[string]string`)];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string' && v !== null) {
      errs.push(invalid(`${path}.${k}`, v, `json: cannot unmarshal ${jsonType(v)} into Go struct field ${goField} of type string`, `${path}[${k}]`));
    }
  }
  return errs;
}

export function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  if (v === null || v === undefined) return 'null';
  return typeof v;
}

/** `unversionedvalidation.ValidateLabels`; `goField` names the field in a decode error. */
export function validateLabels(labels: unknown, path: string, goField = 'ObjectMeta.metadata.labels'): FieldError[] {
  const typeErrs = stringMapErrors(labels, path, goField);
  if (typeErrs.length > 0 || !isObj(labels)) return typeErrs;
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels)) {
    for (const msg of isQualifiedName(k)) errs.push(invalid(path, k, msg, `${path}[${k}]`));
    for (const msg of isValidLabelValue(str(v))) errs.push(invalid(path, str(v), msg, `${path}[${k}]`));
  }
  return errs;
}

export function validateAnnotations(annotations: unknown, path: string, goField = 'ObjectMeta.metadata.annotations'): FieldError[] {
  const typeErrs = stringMapErrors(annotations, path, goField);
  if (typeErrs.length > 0 || !isObj(annotations)) return typeErrs;
  const errs: FieldError[] = [];
  let size = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const msg of isQualifiedName(k.toLowerCase())) errs.push(invalid(path, k, msg, `${path}[${k}]`));
    size += Buffer.byteLength(k) + Buffer.byteLength(str(v));
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.push(tooLong(path, TOTAL_ANNOTATION_SIZE_LIMIT));
  return errs;
}

/**
 * `ValidateLabelSelector` (the domain's copy, which words its own messages), after the JSON decoder's
 * type checks. `goField` is the Go struct path of the selector for decode errors.
 */
export function labelSelectorErrors(selector: unknown, path: string, goField: string): FieldError[] {
  if (!present(selector)) return [];
  if (!isObj(selector)) return [invalid(path, selector, `json: cannot unmarshal ${jsonType(selector)} into Go struct field ${goField} of type v1.LabelSelector`)];
  if (present(selector['matchExpressions']) && !Array.isArray(selector['matchExpressions'])) {
    return [invalid(`${path}.matchExpressions`, selector['matchExpressions'], `json: cannot unmarshal ${jsonType(selector['matchExpressions'])} into Go struct field LabelSelector.${goField.replace(/^[^.]*\./, '')}.matchExpressions of type []v1.LabelSelectorRequirement`)];
  }
  const typeErrs = stringMapErrors(selector['matchLabels'], `${path}.matchLabels`, `LabelSelector.${goField.replace(/^[^.]*\./, '')}.matchLabels`);
  if (typeErrs.length > 0) return typeErrs;
  return validateLabelSelector(selector as never, path).map((message) => ({ type: 'Raw' as const, field: message.slice(0, message.indexOf(': ')), detail: message }));
}

// ---------------------------------------------------------------------------------------------
// Numbers and quantities

type QuantityCheck = { ok: true; q: Quantity } | { ok: false; errors: FieldError[] };

/** Decodes a quantity; failure is reported on the JSON path (`spec.capacity.storage`). */
export function decodeQuantity(value: unknown, jsonPath: string): QuantityCheck {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !QUANTITY_RE.test(text)) {
    return { ok: false, errors: [invalid(jsonPath, value, QUANTITY_FORMAT_MSG)] };
  }
  try {
    return { ok: true, q: parseQuantity(text) };
  } catch (e) {
    const msg = e instanceof Error && e.message ? e.message : QUANTITY_FORMAT_MSG;
    return { ok: false, errors: [invalid(jsonPath, value, msg)] };
  }
}

/** resource.Quantity.Value(): rounded up to an integer. */
export function quantityValue(q: Quantity): bigint {
  const { num, den } = q;
  if (num >= 0n) return (num + den - 1n) / den;
  return -((-num) / den);
}

/** `ValidateNonnegativeField` for an optional integer field (absent is fine: defaults fill it). */
export function nonNegative(value: unknown, path: string): FieldError[] {
  if (typeof value === 'number' && value < 0) return [invalid(path, value, IS_NEGATIVE_MSG)];
  return [];
}

/** A file mode (`defaultMode`, `mode`): 0..0777. */
export function fileMode(value: unknown, path: string): FieldError[] {
  if (typeof value === 'number' && (value > 0o777 || value < 0)) return [invalid(path, value, FILE_MODE_MSG)];
  return [];
}

// ---------------------------------------------------------------------------------------------
// Paths

/** path.Clean. */
export function cleanPath(p: string): string {
  if (p === '') return '.';
  const abs = p.startsWith('/');
  const parts: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (parts.length > 0 && parts[parts.length - 1] !== '..') parts.pop();
      else if (!abs) parts.push('..');
    } else parts.push(part);
  }
  const joined = parts.join('/');
  return abs ? '/' + joined : joined === '' ? '.' : joined;
}

/** validatePathNoBacksteps: one error however many `..` elements there are. */
export function noBacksteps(p: string, path: string, at?: string): FieldError[] {
  return p.replace(/\\/g, '/').split('/').includes('..') ? [invalid(path, p, "must not contain '..'", at)] : [];
}

/** validateLocalDescendingPath: relative, and no `..` element (subPath, gitRepo directory). */
export function localDescendingPath(p: string, path: string, at?: string): FieldError[] {
  const errs: FieldError[] = [];
  if (p.startsWith('/')) errs.push(invalid(path, p, 'must be a relative path', at));
  errs.push(...noBacksteps(p, path, at));
  return errs;
}

/** ValidateLocalNonReservedPath: a descending path that also does not start with `..` (`..data`). */
export function localNonReservedPath(p: string, path: string): FieldError[] {
  const errs = localDescendingPath(p, path);
  if (p.startsWith('..') && !p.startsWith('../')) errs.push(invalid(path, p, "must not start with '..'"));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Names and keys

/** ValidateCSIDriverName: required, at most 63 bytes, a DNS subdomain once lower-cased. */
export function csiDriverNameErrors(driver: string, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (driver.length === 0) errs.push(required(path));
  if (Buffer.byteLength(driver) > 63) errs.push(tooLong(path, 63));
  for (const msg of isDNS1123Subdomain(driver.toLowerCase())) errs.push(invalid(path, driver, msg));
  return errs;
}

/**
 * ValidateNodeSelector: at least one term, each term valid. `allowInvalidLabelValue` is
 * Kubernetes' allowInvalidLabelValueInRequiredNodeAffinity: when set, requirement values are not
 * checked as label values.
 */
export function nodeSelectorErrors(selector: Obj, path: string, allowInvalidLabelValue: boolean): FieldError[] {
  const terms = list(selector['nodeSelectorTerms']);
  if (terms.length === 0) return [required(`${path}.nodeSelectorTerms`, 'must have at least one node selector term')];
  return terms.flatMap((t, i) => nodeSelectorTermErrors(obj(t), `${path}.nodeSelectorTerms[${i}]`, allowInvalidLabelValue));
}

/** ValidateNodeSelectorTerm: its label requirements, then its field requirements. */
export function nodeSelectorTermErrors(term: Obj, path: string, allowInvalidLabelValue: boolean): FieldError[] {
  return [
    ...list(term['matchExpressions']).flatMap((r, j) => nodeSelectorRequirementErrors(obj(r), `${path}.matchExpressions[${j}]`, allowInvalidLabelValue)),
    ...list(term['matchFields']).flatMap((r, j) => nodeFieldSelectorRequirementErrors(obj(r), `${path}.matchFields[${j}]`)),
  ];
}

/** ValidateNodeSelectorRequirement. */
function nodeSelectorRequirementErrors(req: Obj, path: string, allowInvalidLabelValue: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const values = list(req['values']).map(str);
  const op = str(req['operator']);
  if (op === 'In' || op === 'NotIn') {
    if (values.length === 0) errs.push(required(`${path}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
  } else if (op === 'Exists' || op === 'DoesNotExist') {
    if (values.length > 0) errs.push(forbidden(`${path}.values`, "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
  } else if (op === 'Gt' || op === 'Lt') {
    if (values.length !== 1) errs.push(required(`${path}.values`, "must be specified single value when `operator` is 'Lt' or 'Gt'"));
  } else {
    errs.push(invalid(`${path}.operator`, op, 'not a valid selector operator'));
  }
  const key = str(req['key']);
  for (const msg of isQualifiedName(key)) errs.push(invalid(`${path}.key`, key, msg));
  if (!allowInvalidLabelValue) {
    values.forEach((v, i) => {
      for (const msg of isValidLabelValue(v)) errs.push(invalid(`${path}.values[${i}]`, v, msg));
    });
  }
  return errs;
}

/** ValidateNodeFieldSelectorRequirement: only `metadata.name`, In or NotIn, one value. */
function nodeFieldSelectorRequirementErrors(req: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const values = list(req['values']).map(str);
  const op = str(req['operator']);
  if (op === 'In' || op === 'NotIn') {
    if (values.length !== 1) errs.push(required(`${path}.values`, "must be only one value when `operator` is 'In' or 'NotIn' for node field selector"));
  } else {
    errs.push(invalid(`${path}.operator`, op, 'not a valid selector operator'));
  }
  const key = str(req['key']);
  if (key !== 'metadata.name') errs.push(invalid(`${path}.key`, key, 'not a valid field selector key'));
  else values.forEach((v, i) => {
    for (const msg of isDNS1123Subdomain(v)) errs.push(invalid(`${path}.values[${i}]`, v, msg));
  });
  return errs;
}

const CONFIG_MAP_KEY_FMT = '[-._a-zA-Z0-9]+';
const CONFIG_MAP_KEY_RE = new RegExp('^' + CONFIG_MAP_KEY_FMT + '$');

/** `validation.IsConfigMapKey`: the keys of a ConfigMap or Secret, which become file names. */
export function isConfigMapKey(value: string): string[] {
  const errs: string[] = [];
  if (Buffer.byteLength(value) > 253) errs.push('must be no more than 253 characters');
  if (!CONFIG_MAP_KEY_RE.test(value)) {
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", CONFIG_MAP_KEY_FMT, 'key.name', 'KEY_NAME', 'key-name'));
  }
  if (value === '.') errs.push("must not be '.'");
  else if (value === '..') errs.push("must not be '..'");
  else if (value.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

// ---------------------------------------------------------------------------------------------

/** Structural equality of decoded JSON values (apiequality.Semantic.DeepEqual, quantities aside). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]));
  }
  if (isObj(a) && isObj(b)) {
    const ka = Object.keys(a).filter((k) => a[k] !== undefined);
    const kb = Object.keys(b).filter((k) => b[k] !== undefined);
    if (ka.length !== kb.length) return false;
    return ka.every((k) => deepEqual(a[k], b[k]));
  }
  return false;
}

/**
 * A struct-valued bad value, printed readably (`{attacher:x nodeName:n}`) rather than as Go's `%#v`
 * dump with pointer addresses; kept for the rare messages whose exact Go text is not worth chasing.
 */
export function readableStruct(v: unknown): string {
  if (v === undefined || v === null) return 'nil';
  return formatReadable(v);
}

function formatReadable(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(formatReadable).join(' ') + ']';
  if (isObj(v)) return '{' + Object.keys(v).sort().map((k) => `${k}:${formatReadable(v[k])}`).join(' ') + '}';
  return String(v);
}

/** Go's `%#v` of a `map[string]string`: keys sorted, `map[string]string(nil)` for a missing map. */
export function goStringMapLiteral(value: unknown): string {
  if (!isObj(value)) return 'map[string]string(nil)';
  const keys = sortedSet(Object.keys(value));
  return 'map[string]string{' + keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(str(value[k]))}`).join(', ') + '}';
}

/** Go's `%#v` of a (dereferenced) `metav1.LabelSelector`. */
export function goLabelSelectorLiteral(selector: unknown): string {
  const sel = obj(selector);
  const strings = (v: unknown): string => (Array.isArray(v) ? '[]string{' + v.map((x) => JSON.stringify(str(x))).join(', ') + '}' : '[]string(nil)');
  const exprs = sel['matchExpressions'];
  const exprText = Array.isArray(exprs)
    ? '[]v1.LabelSelectorRequirement{' + exprs.map((e) => {
      const r = obj(e);
      return `v1.LabelSelectorRequirement{Key:${JSON.stringify(str(r['key']))}, Operator:${JSON.stringify(str(r['operator']))}, Values:${strings(r['values'])}}`;
    }).join(', ') + '}'
    : '[]v1.LabelSelectorRequirement(nil)';
  return `v1.LabelSelector{MatchLabels:${goStringMapLiteral(sel['matchLabels'])}, MatchExpressions:${exprText}}`;
}
