/**
 * Design: kubectl's `-l/--selector` and `--field-selector` strings, parsed into pvsim's label
 * selector (domain) and a field predicate. Label syntax as k8s.io/apimachinery labels.Parse:
 * `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`, comma-separated (AND).
 * Field selectors support what the API server supports for the kinds pvsim serves:
 * metadata.name, metadata.namespace, and for pods spec.nodeName and status.phase (`=`, `==`, `!=`).
 */
import { labelSelectorMatches, type LabelSelector, type LabelSelectorRequirement } from '@pvsim/domain';
import { UsageError } from './verbTypes.ts';

/** Splits on commas that are not inside parentheses. */
function splitTop(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) { out.push(cur); cur = ''; } else cur += ch;
  }
  out.push(cur);
  return out.map((s) => s.trim()).filter((s) => s !== '');
}

export function parseLabelSelector(text: string): LabelSelector {
  const reqs: LabelSelectorRequirement[] = [];
  for (const part of splitTop(text)) {
    let m: RegExpExecArray | null;
    if ((m = /^([^\s!=(),]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part))) {
      reqs.push({ key: m[1]!, operator: m[2] === 'in' ? 'In' : 'NotIn', values: m[3]!.split(',').map((v) => v.trim()).filter((v) => v !== '') });
    } else if ((m = /^([^\s!=(),]+)\s*!=\s*([^\s,()]*)$/.exec(part))) {
      reqs.push({ key: m[1]!, operator: 'NotIn', values: [m[2]!] });
    } else if ((m = /^([^\s!=(),]+)\s*==?\s*([^\s,()]*)$/.exec(part))) {
      reqs.push({ key: m[1]!, operator: 'In', values: [m[2]!] });
    } else if ((m = /^!\s*([^\s!=(),]+)$/.exec(part))) {
      reqs.push({ key: m[1]!, operator: 'DoesNotExist' });
    } else if ((m = /^([^\s!=(),]+)$/.exec(part))) {
      reqs.push({ key: m[1]!, operator: 'Exists' });
    } else {
      throw new UsageError(`error: unable to parse requirement: found '${part}', expected: key, '=', '==', '!=', 'in', 'notin'`);
    }
  }
  return { matchExpressions: reqs };
}

type Obj = { metadata: { name: string; namespace?: string; labels?: Record<string, string> }; spec?: Record<string, unknown>; status?: Record<string, unknown> };

const FIELDS: Record<string, (o: Obj) => string | undefined> = {
  'metadata.name': (o) => o.metadata.name,
  'metadata.namespace': (o) => o.metadata.namespace,
  'spec.nodeName': (o) => o.spec?.['nodeName'] as string | undefined,
  'status.phase': (o) => o.status?.['phase'] as string | undefined,
  // Events (kubectl describe asks for an object's events by these).
  'involvedObject.kind': (o) => eventField(o, 'kind'),
  'involvedObject.name': (o) => eventField(o, 'name'),
  'involvedObject.namespace': (o) => eventField(o, 'namespace'),
  'involvedObject.uid': (o) => eventField(o, 'uid'),
  'involvedObject.apiVersion': (o) => eventField(o, 'apiVersion'),
  'involvedObject.resourceVersion': (o) => eventField(o, 'resourceVersion'),
  'involvedObject.fieldPath': (o) => eventField(o, 'fieldPath'),
  'reason': (o) => (o as { reason?: string }).reason,
  'type': (o) => (o as { type?: string }).type,
  'source': (o) => (o as { source?: { component?: string } }).source?.component,
};

const EVENT_FIELDS = new Set(['reason', 'type', 'source']);
const eventField = (o: Obj, f: string): string | undefined => ((o as { involvedObject?: Record<string, string> }).involvedObject ?? {})[f];

export function parseFieldSelector(text: string, kind: string): (o: Obj) => boolean {
  const tests = splitTop(text).map((part) => {
    const m = /^([\w.]+)\s*(==|=|!=)\s*(.*)$/.exec(part);
    if (!m) throw new UsageError(`error: invalid field selector: '${part}'`);
    // Own properties only: `__proto__=x` is an unsupported field, not Object.prototype.
    const get = Object.hasOwn(FIELDS, m[1]!) ? FIELDS[m[1]!] : undefined;
    const eventOnly = m[1]!.startsWith('involvedObject.') || EVENT_FIELDS.has(m[1]!);
    if (!get || (m[1]!.startsWith('spec.') || m[1]!.startsWith('status.')) && kind !== 'Pod' || eventOnly !== (kind === 'Event') && eventOnly) {
      throw new UsageError(`Error from server (BadRequest): Unable to find "${kind.toLowerCase()}s" that match label selector "", field selector "${text}": field label not supported: ${m[1]}`);
    }
    const want = m[3]!;
    return m[2] === '!=' ? (o: Obj) => (get(o) ?? '') !== want : (o: Obj) => (get(o) ?? '') === want;
  });
  return (o) => tests.every((t) => t(o));
}

export function selectorFilter(kind: string, labels: string | undefined, fields: string | undefined): (o: Obj) => boolean {
  const sel = labels !== undefined ? parseLabelSelector(labels) : undefined;
  const field = fields !== undefined ? parseFieldSelector(fields, kind) : undefined;
  return (o) => (!sel || labelSelectorMatches(sel, o.metadata.labels ?? {})) && (!field || field(o));
}
