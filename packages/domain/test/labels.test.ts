// Rows follow apimachinery's labels/selector_test.go, metav1 validation tests and
// component-helpers' nodeaffinity_test.go, with pvsim's rows for the binder's own rules.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { claimSelectorMatches, labelSelectorMatches, nodeSelectorMatches, validateLabelSelector } from '../src/labels.ts';
import type { LabelSelector, LabelSelectorRequirement, NodeSelector } from '../src/types.ts';

type Labels = Record<string, string>;
/** Operators outside the typed union, as they arrive from YAML. */
const op = (o: string) => o as LabelSelectorRequirement['operator'];

// --- label selectors --------------------------------------------------------------------------

interface SelectorRow {
  name: string;
  selector: LabelSelector | null | undefined;
  labels: Labels | undefined;
  /** metav1.LabelSelectorAsSelector(selector).Matches(labels) */
  want: boolean;
  /** The PV binder's answer; differs only for a nil selector. */
  wantClaim?: boolean;
}

const zone = 'topology.kubernetes.io/zone';

const selectorRows: SelectorRow[] = [
  { name: 'nil selector selects nothing', selector: null, labels: { a: 'b' }, want: false, wantClaim: true },
  { name: 'undefined selector selects nothing', selector: undefined, labels: undefined, want: false, wantClaim: true },
  { name: 'empty selector selects everything', selector: {}, labels: { a: 'b' }, want: true },
  { name: 'empty selector selects unlabelled objects', selector: {}, labels: undefined, want: true },
  { name: 'empty lists select everything', selector: { matchLabels: {}, matchExpressions: [] }, labels: {}, want: true },
  { name: 'matchLabels equal', selector: { matchLabels: { tier: 'gold' } }, labels: { tier: 'gold', x: 'y' }, want: true },
  { name: 'matchLabels different value', selector: { matchLabels: { tier: 'gold' } }, labels: { tier: 'silver' }, want: false },
  { name: 'matchLabels missing key', selector: { matchLabels: { tier: 'gold' } }, labels: {}, want: false },
  { name: 'matchLabels empty value needs the key', selector: { matchLabels: { tier: '' } }, labels: {}, want: false },
  { name: 'matchLabels empty value present', selector: { matchLabels: { tier: '' } }, labels: { tier: '' }, want: true },
  { name: 'matchLabels all must hold', selector: { matchLabels: { a: '1', b: '2' } }, labels: { a: '1', b: '3' }, want: false },
  { name: 'matchLabels prefixed key', selector: { matchLabels: { [zone]: 'z1' } }, labels: { [zone]: 'z1' }, want: true },
  { name: 'In value listed', selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold', 'silver'] }] }, labels: { tier: 'silver' }, want: true },
  { name: 'In value not listed', selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold'] }] }, labels: { tier: 'bronze' }, want: false },
  { name: 'In key absent', selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold'] }] }, labels: {}, want: false },
  { name: 'NotIn key absent matches', selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['gold'] }] }, labels: {}, want: true },
  { name: 'NotIn value listed', selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['gold'] }] }, labels: { tier: 'gold' }, want: false },
  { name: 'NotIn other value', selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['gold'] }] }, labels: { tier: 'bronze' }, want: true },
  { name: 'Exists present', selector: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] }, labels: { ssd: '' }, want: true },
  { name: 'Exists absent', selector: { matchExpressions: [{ key: 'ssd', operator: 'Exists' }] }, labels: { hdd: 'true' }, want: false },
  { name: 'Exists with empty values list', selector: { matchExpressions: [{ key: 'ssd', operator: 'Exists', values: [] }] }, labels: { ssd: 'x' }, want: true },
  { name: 'DoesNotExist absent', selector: { matchExpressions: [{ key: 'ssd', operator: 'DoesNotExist' }] }, labels: undefined, want: true },
  { name: 'DoesNotExist present', selector: { matchExpressions: [{ key: 'ssd', operator: 'DoesNotExist' }] }, labels: { ssd: 'true' }, want: false },
  {
    name: 'matchLabels AND matchExpressions, all hold',
    selector: { matchLabels: { app: 'db' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold'] }, { key: 'legacy', operator: 'DoesNotExist' }] },
    labels: { app: 'db', tier: 'gold' },
    want: true,
  },
  {
    name: 'matchLabels AND matchExpressions, one fails',
    selector: { matchLabels: { app: 'db' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold'] }, { key: 'legacy', operator: 'DoesNotExist' }] },
    labels: { app: 'db', tier: 'gold', legacy: 'yes' },
    want: false,
  },
  // Selectors LabelSelectorAsSelector refuses: an error in Kubernetes, so never a match.
  { name: 'invalid: In without values', selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: [] }] }, labels: { tier: 'gold' }, want: false, wantClaim: false },
  { name: 'invalid: NotIn without values', selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn' }] }, labels: {}, want: false, wantClaim: false },
  { name: 'invalid: Exists with values', selector: { matchExpressions: [{ key: 'ssd', operator: 'Exists', values: ['x'] }] }, labels: { ssd: 'x' }, want: false, wantClaim: false },
  { name: 'invalid: unknown operator', selector: { matchExpressions: [{ key: 'ssd', operator: op('Equals'), values: ['x'] }] }, labels: { ssd: 'x' }, want: false, wantClaim: false },
  { name: 'invalid: Gt is not a label selector operator', selector: { matchExpressions: [{ key: 'n', operator: op('Gt'), values: ['1'] }] }, labels: { n: '5' }, want: false, wantClaim: false },
  { name: 'invalid: bad key', selector: { matchExpressions: [{ key: '-ssd', operator: 'DoesNotExist' }] }, labels: {}, want: false, wantClaim: false },
  { name: 'invalid: bad value', selector: { matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['not valid!'] }] }, labels: {}, want: false, wantClaim: false },
  { name: 'invalid: bad matchLabels value', selector: { matchLabels: { tier: 'a b' } }, labels: { tier: 'a b' }, want: false, wantClaim: false },
];

for (const row of selectorRows) {
  test(`labelSelectorMatches: ${row.name}`, () => {
    assert.is(labelSelectorMatches(row.selector, row.labels), row.want);
  });
  test(`claimSelectorMatches: ${row.name}`, () => {
    assert.is(claimSelectorMatches(row.selector, row.labels), row.wantClaim ?? row.want);
  });
}

// --- validateLabelSelector --------------------------------------------------------------------

const QNAME = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const VALUE = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const SUBDOMAIN = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

interface ValidateRow { name: string; selector: LabelSelector | null | undefined; path?: string; want: string[] }

const validateRows: ValidateRow[] = [
  { name: 'nil', selector: null, want: [] },
  { name: 'empty', selector: {}, want: [] },
  {
    name: 'valid',
    selector: { matchLabels: { [zone]: 'us-east-1a', 'app.kubernetes.io/name': 'db' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['gold', ''] }, { key: 'x', operator: 'DoesNotExist' }] },
    want: [],
  },
  {
    name: 'In without values',
    selector: { matchExpressions: [{ key: 'tier', operator: 'In', values: [] }] },
    want: ["spec.selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"],
  },
  {
    name: 'NotIn with values absent',
    selector: { matchExpressions: [{ key: 'a', operator: 'Exists' }, { key: 'tier', operator: 'NotIn' }] },
    want: ["spec.selector.matchExpressions[1].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"],
  },
  {
    name: 'Exists with values',
    selector: { matchExpressions: [{ key: 'ssd', operator: 'Exists', values: ['true'] }] },
    want: ["spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"],
  },
  {
    name: 'DoesNotExist with values',
    selector: { matchExpressions: [{ key: 'ssd', operator: 'DoesNotExist', values: ['true'] }] },
    want: ["spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"],
  },
  {
    name: 'unknown operator',
    selector: { matchExpressions: [{ key: 'ssd', operator: op('Equals'), values: ['true'] }] },
    want: ['spec.selector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator'],
  },
  {
    name: 'missing operator',
    selector: { matchExpressions: [{ key: 'ssd' } as LabelSelectorRequirement] },
    want: ['spec.selector.matchExpressions[0].operator: Invalid value: "": not a valid selector operator'],
  },
  {
    name: 'bad expression key',
    selector: { matchExpressions: [{ key: '-key', operator: 'In', values: ['value'] }] },
    want: [`spec.selector.matchExpressions[0].key: Invalid value: "-key": name part ${QNAME}`],
  },
  {
    name: 'empty expression key gets both name-part messages',
    selector: { matchExpressions: [{ key: '', operator: 'Exists' }] },
    want: [
      'spec.selector.matchExpressions[0].key: Invalid value: "": name part must be non-empty',
      `spec.selector.matchExpressions[0].key: Invalid value: "": name part ${QNAME}`,
    ],
  },
  {
    name: 'bad expression value',
    selector: { matchExpressions: [{ key: 'key', operator: 'In', values: ['ok', '-value'] }] },
    want: [`spec.selector.matchExpressions[0].values[1]: Invalid value: "-value": ${VALUE}`],
  },
  {
    name: 'value too long',
    selector: { matchExpressions: [{ key: 'key', operator: 'NotIn', values: ['a'.repeat(64)] }] },
    want: [`spec.selector.matchExpressions[0].values[0]: Invalid value: "${'a'.repeat(64)}": must be no more than 63 bytes`],
  },
  {
    name: 'key name part too long',
    selector: { matchLabels: { ['k'.repeat(64)]: 'v' } },
    want: [`spec.selector.matchLabels: Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 bytes`],
  },
  {
    name: 'key with two slashes',
    selector: { matchLabels: { 'a/b/c': 'v' } },
    want: [`spec.selector.matchLabels: Invalid value: "a/b/c": a valid label key ${QNAME} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`],
  },
  {
    name: 'key with an upper-case prefix',
    selector: { matchLabels: { 'Example.com/name': 'v' } },
    want: [`spec.selector.matchLabels: Invalid value: "Example.com/name": prefix part ${SUBDOMAIN}`],
  },
  {
    name: 'key with an empty prefix',
    selector: { matchLabels: { '/name': 'v' } },
    want: ['spec.selector.matchLabels: Invalid value: "/name": prefix part must be non-empty'],
  },
  {
    name: 'bad matchLabels value, quoted like Go',
    selector: { matchLabels: { tier: 'a"b' } },
    want: [`spec.selector.matchLabels: Invalid value: "a\\"b": ${VALUE}`],
  },
  {
    name: 'several errors in Kubernetes order, matchLabels sorted by key',
    path: 'selector',
    selector: {
      matchLabels: { 'z!': 'ok', a: 'bad value' },
      matchExpressions: [{ key: 'k', operator: 'In' }, { key: 'bad key', operator: op('Foo'), values: ['v'] }],
    },
    want: [
      `selector.matchLabels: Invalid value: "bad value": ${VALUE}`,
      `selector.matchLabels: Invalid value: "z!": name part ${QNAME}`,
      "selector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'",
      'selector.matchExpressions[1].operator: Invalid value: "Foo": not a valid selector operator',
      `selector.matchExpressions[1].key: Invalid value: "bad key": name part ${QNAME}`,
    ],
  },
];

for (const row of validateRows) {
  test(`validateLabelSelector: ${row.name}`, () => {
    assert.equal(validateLabelSelector(row.selector, row.path ?? 'spec.selector'), row.want);
  });
}

// --- node selectors ---------------------------------------------------------------------------

interface NodeRow { name: string; selector: NodeSelector | undefined; labels: Labels; nodeName?: string; want: boolean }

const nodeLabels: Labels = { [zone]: 'z1', 'kubernetes.io/hostname': 'node-1', gpus: '4', disk: 'ssd' };
const terms = (...t: NodeSelector['nodeSelectorTerms']): NodeSelector => ({ nodeSelectorTerms: t });

const nodeRows: NodeRow[] = [
  { name: 'no selector is no constraint', selector: undefined, labels: nodeLabels, want: true },
  { name: 'no terms selects nothing', selector: terms(), labels: nodeLabels, want: false },
  { name: 'an empty term selects nothing', selector: terms({}), labels: nodeLabels, want: false },
  { name: 'empty expression lists select nothing', selector: terms({ matchExpressions: [], matchFields: [] }), labels: nodeLabels, want: false },
  { name: 'In matches', selector: terms({ matchExpressions: [{ key: zone, operator: 'In', values: ['z0', 'z1'] }] }), labels: nodeLabels, want: true },
  { name: 'In other value', selector: terms({ matchExpressions: [{ key: zone, operator: 'In', values: ['z2'] }] }), labels: nodeLabels, want: false },
  { name: 'NotIn absent key', selector: terms({ matchExpressions: [{ key: 'rack', operator: 'NotIn', values: ['r1'] }] }), labels: nodeLabels, want: true },
  { name: 'Exists', selector: terms({ matchExpressions: [{ key: 'disk', operator: 'Exists' }] }), labels: nodeLabels, want: true },
  { name: 'DoesNotExist', selector: terms({ matchExpressions: [{ key: 'disk', operator: 'DoesNotExist' }] }), labels: nodeLabels, want: false },
  {
    name: 'expressions in a term are ANDed',
    selector: terms({ matchExpressions: [{ key: zone, operator: 'In', values: ['z1'] }, { key: 'disk', operator: 'In', values: ['hdd'] }] }),
    labels: nodeLabels,
    want: false,
  },
  {
    name: 'terms are ORed',
    selector: terms({ matchExpressions: [{ key: zone, operator: 'In', values: ['z9'] }] }, { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }),
    labels: nodeLabels,
    want: true,
  },
  { name: 'an empty term does not make the selector match', selector: terms({}, { matchExpressions: [{ key: 'disk', operator: 'In', values: ['hdd'] }] }), labels: nodeLabels, want: false },
  { name: 'Gt true', selector: terms({ matchExpressions: [{ key: 'gpus', operator: 'Gt', values: ['3'] }] }), labels: nodeLabels, want: true },
  { name: 'Gt equal is false', selector: terms({ matchExpressions: [{ key: 'gpus', operator: 'Gt', values: ['4'] }] }), labels: nodeLabels, want: false },
  { name: 'Lt true', selector: terms({ matchExpressions: [{ key: 'gpus', operator: 'Lt', values: ['10'] }] }), labels: nodeLabels, want: true },
  { name: 'Lt compares integers, not strings', selector: terms({ matchExpressions: [{ key: 'gpus', operator: 'Lt', values: ['10'] }] }), labels: { gpus: '9' }, want: true },
  { name: 'Gt with a leading plus', selector: terms({ matchExpressions: [{ key: 'gpus', operator: 'Gt', values: ['3'] }] }), labels: { gpus: '+4' }, want: true },
  { name: 'Gt absent key', selector: terms({ matchExpressions: [{ key: 'cpus', operator: 'Gt', values: ['1'] }] }), labels: nodeLabels, want: false },
  { name: 'Gt non-integer label', selector: terms({ matchExpressions: [{ key: 'disk', operator: 'Gt', values: ['1'] }] }), labels: nodeLabels, want: false },
  { name: 'Gt label beyond int64', selector: terms({ matchExpressions: [{ key: 'n', operator: 'Gt', values: ['1'] }] }), labels: { n: '9223372036854775808' }, want: false },
  { name: 'Gt label at int64 max', selector: terms({ matchExpressions: [{ key: 'n', operator: 'Gt', values: ['1'] }] }), labels: { n: '9223372036854775807' }, want: true },
  { name: 'Lt negative label', selector: terms({ matchExpressions: [{ key: 'n', operator: 'Lt', values: ['0'] }] }), labels: { n: '-3' }, want: true },
  // Requirements labels.NewRequirement refuses make their term fail, not the whole selector.
  { name: 'Gt with a negative value never parses (not a label value)', selector: terms({ matchExpressions: [{ key: 'gpus', operator: 'Gt', values: ['-5'] }] }), labels: nodeLabels, want: false },
  { name: 'Gt with two values', selector: terms({ matchExpressions: [{ key: 'gpus', operator: 'Gt', values: ['1', '2'] }] }), labels: nodeLabels, want: false },
  { name: 'Gt with a non-integer value', selector: terms({ matchExpressions: [{ key: 'gpus', operator: 'Gt', values: ['1.5'] }] }), labels: nodeLabels, want: false },
  { name: 'In without values', selector: terms({ matchExpressions: [{ key: 'disk', operator: 'In', values: [] }] }), labels: nodeLabels, want: false },
  { name: 'NotIn without values', selector: terms({ matchExpressions: [{ key: 'rack', operator: 'NotIn' }] }), labels: nodeLabels, want: false },
  { name: 'Exists with values', selector: terms({ matchExpressions: [{ key: 'disk', operator: 'Exists', values: ['ssd'] }] }), labels: nodeLabels, want: false },
  { name: 'unknown operator', selector: terms({ matchExpressions: [{ key: 'disk', operator: 'Equals' as 'In', values: ['ssd'] }] }), labels: nodeLabels, want: false },
  { name: 'invalid key', selector: terms({ matchExpressions: [{ key: 'bad key', operator: 'DoesNotExist' }] }), labels: nodeLabels, want: false },
  {
    name: 'a broken term is skipped and a later term still matches',
    selector: terms({ matchExpressions: [{ key: 'disk', operator: 'Equals' as 'In', values: ['ssd'] }] }, { matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }] }),
    labels: nodeLabels,
    want: true,
  },
  // matchFields: only metadata.name exists on a node; In/NotIn with exactly one value.
  { name: 'matchFields name In', selector: terms({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] }), labels: nodeLabels, nodeName: 'node-1', want: true },
  { name: 'matchFields name In other node', selector: terms({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] }), labels: nodeLabels, nodeName: 'node-2', want: false },
  { name: 'matchFields name NotIn', selector: terms({ matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['node-1'] }] }), labels: nodeLabels, nodeName: 'node-2', want: true },
  { name: 'matchFields are ignored for a node without a name', selector: terms({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] }), labels: nodeLabels, want: true },
  { name: 'matchFields on an unknown field compare to ""', selector: terms({ matchFields: [{ key: 'metadata.uid', operator: 'In', values: ['u'] }] }), labels: nodeLabels, nodeName: 'node-1', want: false },
  { name: 'matchFields In with two values is invalid', selector: terms({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1', 'node-2'] }] }), labels: nodeLabels, nodeName: 'node-1', want: false },
  { name: 'matchFields Exists is invalid', selector: terms({ matchFields: [{ key: 'metadata.name', operator: 'Exists' }] }), labels: nodeLabels, nodeName: 'node-1', want: false },
  { name: 'an invalid matchFields breaks the term even without a node name', selector: terms({ matchFields: [{ key: 'metadata.name', operator: 'Exists' }] }), labels: nodeLabels, want: false },
  {
    name: 'expressions and fields in one term are ANDed',
    selector: terms({ matchExpressions: [{ key: 'disk', operator: 'In', values: ['ssd'] }], matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-2'] }] }),
    labels: nodeLabels,
    nodeName: 'node-1',
    want: false,
  },
  {
    name: 'fields-only term matches with expressions-only term failing',
    selector: terms({ matchExpressions: [{ key: 'disk', operator: 'In', values: ['hdd'] }] }, { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] }),
    labels: nodeLabels,
    nodeName: 'node-1',
    want: true,
  },
];

for (const row of nodeRows) {
  test(`nodeSelectorMatches: ${row.name}`, () => {
    assert.is(nodeSelectorMatches(row.selector, row.labels, row.nodeName), row.want);
  });
}

test.run();
