/**
 * Design: label selectors and node selectors with the semantics of the Kubernetes code paths the
 * volume binder goes through, not of the API documentation:
 * - metav1.LabelSelectorAsSelector: a nil selector selects nothing, an empty one everything;
 *   matchLabels and every matchExpression must hold; NotIn and DoesNotExist hold when the key is
 *   absent. A selector it would refuse to build (bad key, bad value, wrong value count, unknown
 *   operator) is an error in Kubernetes and FindMatchingVolume returns it — here it matches nothing.
 * - The PV binder skips the selector test entirely when a claim has none, so claims get their own
 *   helper (`claimSelectorMatches`) where nil means "no constraint".
 * - Node selectors follow nodeaffinity.LazyErrorNodeSelector, which CheckNodeAffinity uses: terms
 *   are ORed, expressions in a term ANDed, an empty term matches nothing, and a term that fails to
 *   parse is skipped while the other terms are still tried. matchFields are ignored when the node
 *   has no name, because CheckNodeAffinity builds its node from labels only.
 * Validation messages are those of apimachinery's ValidateLabelSelector and util/validation, so
 * that pvsim prints the same text kubectl would get back from an API server.
 */
import type { LabelSelector, LabelSelectorRequirement, NodeSelector, NodeSelectorRequirement, NodeSelectorTerm } from './types.ts';
import { isQualifiedName, isValidLabelValue } from './names.ts';

type Labels = Record<string, string>;

function hasLabel(labels: Labels, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(labels, key);
}

// Label keys and values are checked by names.ts (util/validation), shared with manifest validation.

// ---------------------------------------------------------------------------------------------
// field.Error text: "<path>: <Type>: <detail>".

/** strconv.Quote for the strings a selector can hold. */
function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

function child(path: string, name: string): string {
  return path === '' ? name : `${path}.${name}`;
}

const fieldErrors = {
  required: (path: string, detail: string) => `${path}: Required value: ${detail}`,
  forbidden: (path: string, detail: string) => `${path}: Forbidden: ${detail}`,
  invalid: (path: string, value: string, detail: string) => `${path}: Invalid value: ${goQuote(value)}: ${detail}`,
};

// ---------------------------------------------------------------------------------------------
// Label selectors.

function validateRequirement(req: LabelSelectorRequirement, path: string): string[] {
  const errs: string[] = [];
  const values = req.values ?? [];
  const operator: string = req.operator ?? '';
  switch (operator) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) errs.push(fieldErrors.required(child(path, 'values'), "must be specified when `operator` is 'In' or 'NotIn'"));
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length > 0) errs.push(fieldErrors.forbidden(child(path, 'values'), "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
      break;
    default:
      errs.push(fieldErrors.invalid(child(path, 'operator'), operator, 'not a valid selector operator'));
  }
  const key = req.key ?? '';
  for (const msg of isQualifiedName(key)) errs.push(fieldErrors.invalid(child(path, 'key'), key, msg));
  values.forEach((value, i) => {
    for (const msg of isValidLabelValue(value)) errs.push(fieldErrors.invalid(`${child(path, 'values')}[${i}]`, value, msg));
  });
  return errs;
}

/**
 * ValidateLabelSelector (apimachinery/pkg/apis/meta/v1/validation). matchLabels are checked in key
 * order so the list is stable; Go walks the map in random order.
 */
export function validateLabelSelector(sel: LabelSelector | null | undefined, fieldPath: string): string[] {
  if (sel == null) return [];
  const errs: string[] = [];
  const labelsPath = child(fieldPath, 'matchLabels');
  for (const key of Object.keys(sel.matchLabels ?? {}).sort()) {
    const value = sel.matchLabels![key]!;
    for (const msg of isQualifiedName(key)) errs.push(fieldErrors.invalid(labelsPath, key, msg));
    for (const msg of isValidLabelValue(value)) errs.push(fieldErrors.invalid(labelsPath, value, msg));
  }
  (sel.matchExpressions ?? []).forEach((req, i) => {
    errs.push(...validateRequirement(req, `${child(fieldPath, 'matchExpressions')}[${i}]`));
  });
  return errs;
}

/** labels.Requirement.Matches for the operators a selector can hold. */
function requirementMatches(operator: string, key: string, values: readonly string[], labels: Labels): boolean {
  const present = hasLabel(labels, key);
  switch (operator) {
    case 'In': return present && values.includes(labels[key]!);
    case 'NotIn': return !present || !values.includes(labels[key]!);
    case 'Exists': return present;
    case 'DoesNotExist': return !present;
    case 'Gt':
    case 'Lt': {
      if (!present || values.length !== 1) return false;
      const have = parseGoInt64(labels[key]!);
      const want = parseGoInt64(values[0]!);
      if (have === undefined || want === undefined) return false;
      return operator === 'Gt' ? have > want : have < want;
    }
    default: return false;
  }
}

/** LabelSelectorAsSelector: validated once, then a predicate; an invalid selector matches nothing. */
function compileNonNil(sel: LabelSelector): (labels: Labels | undefined) => boolean {
  // A selector LabelSelectorAsSelector refuses to build is an error, never a match.
  if (validateLabelSelector(sel, '').length > 0) return () => false;
  const matchLabels = Object.entries(sel.matchLabels ?? {});
  const expressions = sel.matchExpressions ?? [];
  return (given) => {
    const labels = given ?? {};
    for (const [key, value] of matchLabels) {
      if (!hasLabel(labels, key) || labels[key] !== value) return false;
    }
    return expressions.every((req) => requirementMatches(req.operator, req.key, req.values ?? [], labels));
  };
}

/** metav1.LabelSelectorAsSelector(selector).Matches(labels): nil selects nothing, {} everything. */
export function labelSelectorMatches(selector: LabelSelector | null | undefined, labels: Labels | undefined): boolean {
  if (selector == null) return false;
  return compileNonNil(selector)(labels);
}

/**
 * The PV binder's test of a claim's selector, built once per claim: a claim without one accepts
 * every volume.
 */
export function compileClaimSelector(selector: LabelSelector | null | undefined): (labels: Labels | undefined) => boolean {
  if (selector == null) return () => true;
  return compileNonNil(selector);
}

/** The PV binder's test of a claim's selector against one volume's labels. */
export function claimSelectorMatches(selector: LabelSelector | null | undefined, labels: Labels | undefined): boolean {
  return compileClaimSelector(selector)(labels);
}

// ---------------------------------------------------------------------------------------------
// Node selectors.

/** strconv.ParseInt(s, 10, 64): optional sign, decimal digits, int64 range. */
function parseGoInt64(s: string): bigint | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : undefined;
}

/** Whether labels.NewRequirement accepts the expression (nodeSelectorRequirementsAsSelector). */
function isValidNodeLabelRequirement(req: NodeSelectorRequirement): boolean {
  const values = req.values ?? [];
  if (isQualifiedName(req.key ?? '').length > 0) return false;
  switch (req.operator as string) {
    case 'In':
    case 'NotIn':
      if (values.length === 0) return false;
      break;
    case 'Exists':
    case 'DoesNotExist':
      if (values.length !== 0) return false;
      break;
    case 'Gt':
    case 'Lt':
      if (values.length !== 1 || values.some((v) => parseGoInt64(v) === undefined)) return false;
      break;
    default:
      return false;
  }
  // Every value must also be a valid label value — so Gt/Lt with a negative number never parses.
  return values.every((v) => isValidLabelValue(v).length === 0);
}

/** nodeSelectorRequirementsAsFieldSelector accepts only In/NotIn with exactly one value. */
function isValidFieldRequirement(req: NodeSelectorRequirement): boolean {
  return (req.operator === 'In' || req.operator === 'NotIn') && (req.values ?? []).length === 1;
}

function fieldRequirementMatches(req: NodeSelectorRequirement, fields: Labels): boolean {
  // fields.Set.Get yields "" for an absent field, so a selector on an unknown field compares to "".
  const have = fields[req.key] ?? '';
  const want = req.values![0]!;
  return req.operator === 'In' ? have === want : have !== want;
}

function termMatches(term: NodeSelectorTerm, nodeLabels: Labels, nodeFields: Labels): boolean {
  const expressions = term.matchExpressions ?? [];
  const fieldReqs = term.matchFields ?? [];
  if (!expressions.every(isValidNodeLabelRequirement) || !fieldReqs.every(isValidFieldRequirement)) return false;
  if (!expressions.every((req) => requirementMatches(req.operator, req.key, req.values ?? [], nodeLabels))) return false;
  if (fieldReqs.length > 0 && Object.keys(nodeFields).length > 0) {
    if (!fieldReqs.every((req) => fieldRequirementMatches(req, nodeFields))) return false;
  }
  return true;
}

/**
 * Whether a node satisfies a required node selector (a PV's nodeAffinity.required). No selector
 * at all is no constraint, as in CheckNodeAffinity.
 */
export function nodeSelectorMatches(sel: NodeSelector | undefined, nodeLabels: Labels, nodeName?: string): boolean {
  if (sel == null) return true;
  const nodeFields: Labels = nodeName ? { 'metadata.name': nodeName } : {};
  return (sel.nodeSelectorTerms ?? []).some((term) => {
    // A nil or empty term selects no objects.
    if ((term.matchExpressions ?? []).length === 0 && (term.matchFields ?? []).length === 0) return false;
    return termMatches(term, nodeLabels, nodeFields);
  });
}
