/**
 * Design: kubectl's printing flags for `get` that go beyond the tables of the manifests package:
 * `-o jsonpath=TEMPLATE` (kubectl's JSONPath dialect: text with `{…}` actions, `{range …}{end}`,
 * `[*]`, `[n]`, `[a:b]`, `['key']`, `..key`, `[?(@.f=="v")]` filters, `{"\n"}` literals),
 * `-o custom-columns=HEADER:PATH,…`, `--show-labels`, `-L KEY`, `--sort-by=PATH` and
 * `--no-headers`. Pure functions of the objects; the verb prints what they return.
 * Source: k8s.io/client-go/util/jsonpath (parser.go, jsonpath.go) and kubectl's
 * get/customcolumn.go, sorter.go, and printers/tableprinter.go (label columns).
 */
import { formatTabbed, tableCells, kindPrefix, printTable, type ResourceType } from '@pvsim/manifests';
import { compareQuantities, isQuantity, parseQuantity } from '@pvsim/domain';
import { UsageError } from './verbTypes.ts';

type Json = unknown;
type Obj = { metadata: { name: string; namespace?: string; labels?: Record<string, string> }; [k: string]: unknown };

// ----------------------------------------------------------------------------------- JSONPath

type Node =
  | { t: 'text'; text: string }
  | { t: 'path'; steps: Step[] }
  | { t: 'range'; steps: Step[]; body: Node[] };
type Step =
  | { t: 'field'; name: string }
  | { t: 'recursive'; name: string }
  | { t: 'index'; index: number }
  | { t: 'slice'; start: number | undefined; end: number | undefined }
  | { t: 'all' }
  | { t: 'filter'; path: Step[]; op: string | undefined; value: string | number | undefined };

function bad(template: string, why: string): UsageError {
  return new UsageError(`error: error parsing jsonpath ${template}, ${why}`);
}

/** Parses the steps of one path (`.items[*].metadata.name`, `..name`, `['a.b']`). */
function parseSteps(expr: string, template: string): Step[] {
  const steps: Step[] = [];
  let i = 0;
  const s = expr.trim().replace(/^\$/, '');
  while (i < s.length) {
    if (s.startsWith('..', i)) {
      i += 2;
      const m = /^[^.[\]]+/.exec(s.slice(i));
      if (!m) throw bad(template, 'a name must follow ..');
      steps.push({ t: 'recursive', name: m[0] });
      i += m[0].length;
    } else if (s[i] === '.') {
      i++;
      let name = '';
      while (i < s.length && s[i] !== '.' && s[i] !== '[') {
        if (s[i] === '\\' && i + 1 < s.length) { name += s[i + 1]; i += 2; } else { name += s[i]; i++; }
      }
      if (name === '*') steps.push({ t: 'all' }); else if (name !== '') steps.push({ t: 'field', name });
    } else if (s[i] === '[') {
      const end = s.indexOf(']', i);
      if (end < 0) throw bad(template, 'unclosed [');
      const body = s.slice(i + 1, end).trim();
      i = end + 1;
      let m: RegExpExecArray | null;
      if (body === '*') steps.push({ t: 'all' });
      else if (/^-?\d+$/.test(body)) steps.push({ t: 'index', index: Number(body) });
      else if ((m = /^(-?\d*):(-?\d*)$/.exec(body))) steps.push({ t: 'slice', start: m[1] ? Number(m[1]) : undefined, end: m[2] ? Number(m[2]) : undefined });
      else if ((m = /^['"](.*)['"]$/.exec(body))) steps.push({ t: 'field', name: m[1]! });
      else if ((m = /^\?\(@(.*?)(?:\s*(==|!=|<=|>=|<|>)\s*(.*))?\)$/.exec(body))) {
        const raw = m[3]?.trim();
        const value = raw === undefined ? undefined : /^['"].*['"]$/.test(raw) ? raw.slice(1, -1) : Number(raw);
        steps.push({ t: 'filter', path: parseSteps(m[1]!, template), op: m[2], value });
      } else throw bad(template, `unrecognized array index ${body}`);
    } else {
      throw bad(template, `unrecognized character in action: ${JSON.stringify(s[i])}`);
    }
  }
  return steps;
}

/** kubectl accepts `{.a}` templates and, for convenience, a bare `.a`. */
export function parseJsonPath(template: string): Node[] {
  const text = template.includes('{') ? template : `{${template}}`;
  const root: Node[] = [];
  const stack: Node[][] = [root];
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf('{', i);
    if (open < 0) { stack[stack.length - 1]!.push({ t: 'text', text: text.slice(i) }); break; }
    if (open > i) stack[stack.length - 1]!.push({ t: 'text', text: text.slice(i, open) });
    const close = text.indexOf('}', open);
    if (close < 0) throw bad(template, 'unclosed action');
    const action = text.slice(open + 1, close).trim();
    i = close + 1;
    let m: RegExpExecArray | null;
    if ((m = /^"((?:[^"\\]|\\.)*)"$/.exec(action))) {
      stack[stack.length - 1]!.push({ t: 'text', text: JSON.parse(`"${m[1]}"`) as string });
    } else if ((m = /^range\s+(.*)$/.exec(action))) {
      const node: Node = { t: 'range', steps: parseSteps(m[1]!, template), body: [] };
      stack[stack.length - 1]!.push(node);
      stack.push(node.body);
    } else if (action === 'end') {
      if (stack.length === 1) throw bad(template, 'not in range, nothing to end');
      stack.pop();
    } else {
      stack[stack.length - 1]!.push({ t: 'path', steps: parseSteps(action, template) });
    }
  }
  if (stack.length > 1) throw bad(template, 'unclosed range');
  return root;
}

const isMap = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

function walk(values: Json[], steps: Step[]): Json[] {
  let cur = values;
  for (const step of steps) {
    const next: Json[] = [];
    for (const v of cur) {
      switch (step.t) {
        case 'field': if (isMap(v) && Object.hasOwn(v, step.name)) next.push(v[step.name]); break;
        case 'index': if (Array.isArray(v)) { const x = v[step.index < 0 ? v.length + step.index : step.index]; if (x !== undefined) next.push(x); } break;
        case 'slice': if (Array.isArray(v)) next.push(...v.slice(step.start, step.end)); break;
        case 'all': if (Array.isArray(v)) next.push(...v); else if (isMap(v)) next.push(...Object.keys(v).sort().map((k) => v[k])); break;
        case 'recursive': {
          const visit = (x: Json): void => {
            if (isMap(x)) { if (Object.hasOwn(x, step.name)) next.push(x[step.name]); for (const k of Object.keys(x).sort()) visit(x[k]); } else if (Array.isArray(x)) x.forEach(visit);
          };
          visit(v);
          break;
        }
        case 'filter': if (Array.isArray(v)) {
          for (const item of v) {
            const found = walk([item], step.path);
            if (step.op === undefined ? found.length > 0 : found.some((f) => compare(f, step.op!, step.value))) next.push(item);
          }
        } break;
      }
    }
    cur = next;
  }
  return cur;
}

function compare(a: Json, op: string, b: string | number | undefined): boolean {
  const x = typeof b === 'number' ? Number(a) : String(a);
  switch (op) {
    case '==': return x === b;
    case '!=': return x !== b;
    case '<': return (x as number) < (b as number);
    case '>': return (x as number) > (b as number);
    case '<=': return (x as number) <= (b as number);
    default: return (x as number) >= (b as number);
  }
}

/** How kubectl prints one value: strings bare, everything else as JSON. */
function show(v: Json): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

export function evalJsonPathTemplate(nodes: Node[], data: Json): string {
  let out = '';
  for (const n of nodes) {
    if (n.t === 'text') out += n.text;
    else if (n.t === 'path') out += walk([data], n.steps).map(show).join(' ');
    else for (const item of walk([data], n.steps)) out += evalJsonPathTemplate(n.body, item);
  }
  return out;
}

/** Values a path finds in one object (custom columns, --sort-by). */
export function jsonPathValues(path: string, data: Json): Json[] {
  const inner = path.trim().replace(/^\{/, '').replace(/\}$/, '');
  return walk([data], parseSteps(inner, path));
}

/** Go's `%v` of a decoded JSON value, as custom columns print it: `[a b]`, `map[k:v]`. */
function goValue(v: Json): string {
  if (Array.isArray(v)) return `[${v.map(goValue).join(' ')}]`;
  if (isMap(v)) return `map[${Object.keys(v).sort().map((k) => `${k}:${goValue(v[k])}`).join(' ')}]`;
  return v === null ? '<nil>' : String(v);
}

// ------------------------------------------------------------------------------ printers

/** `-o jsonpath=…`: a single object asked for by name is the root, otherwise a List. */
export function printJsonPath(template: string, objects: readonly Obj[], single: boolean): string {
  const nodes = parseJsonPath(template);
  const data = single ? objects[0] : { apiVersion: 'v1', kind: 'List', items: objects, metadata: { resourceVersion: '' } };
  return evalJsonPathTemplate(nodes, data);
}

/** `-o custom-columns=NAME:.metadata.name,…`. */
export function printCustomColumns(spec: string, objects: readonly Obj[], noHeaders: boolean): string {
  const columns = spec.split(',').map((c) => {
    const at = c.indexOf(':');
    if (at < 0) throw new UsageError(`error: unexpected custom-columns spec: ${c}, expected <header>:<json-path-expr>`);
    return { header: c.slice(0, at), path: c.slice(at + 1) };
  });
  const rows = noHeaders ? [] : [columns.map((c) => c.header)];
  for (const o of objects) {
    rows.push(columns.map((c) => {
      const values = jsonPathValues(c.path.startsWith('.') || c.path.startsWith('{') ? c.path : `.${c.path}`, o);
      return values.length === 0 ? '<none>' : values.map(goValue).join(',');
    }));
  }
  return formatTabbed(rows.map((r) => r.join('\t')).join('\n') + '\n', { minwidth: 6, padding: 3 });
}

/** `--sort-by=PATH`: by the first value the path finds; numbers as numbers, objects without a value first. */
export function sortBy<T extends Obj>(objects: readonly T[], path: string): T[] {
  const key = (o: T): Json => jsonPathValues(path.startsWith('.') || path.startsWith('{') ? path : `.${path}`, o)[0];
  return objects.map((o) => ({ o, k: key(o) })).sort((a, b) => {
    if (a.k === undefined || b.k === undefined) return a.k === undefined ? (b.k === undefined ? 0 : -1) : 1;
    if (typeof a.k === 'number' && typeof b.k === 'number') return a.k - b.k;
    // kubectl's sorter compares quantities (`5Gi` < `10Gi`) by value.
    if (typeof a.k === 'string' && typeof b.k === 'string' && isQuantity(a.k) && isQuantity(b.k)) return compareQuantities(parseQuantity(a.k), parseQuantity(b.k));
    const x = show(a.k);
    const y = show(b.k);
    return x < y ? -1 : x > y ? 1 : 0;
  }).map((e) => e.o);
}

export interface ExtraColumns {
  now: string;
  wide: boolean;
  allNamespaces: boolean;
  withKind: boolean;
  noHeaders: boolean;
  showLabels: boolean;
  /** `-L KEY` columns. */
  labelColumns: string[];
}

/** A kubectl table with the label columns of `-L` and `--show-labels` (kubectl adds them after the kind's columns). */
export function printTableWithLabels(type: ResourceType, objects: readonly Obj[], o: ExtraColumns): string {
  if (type.kind === 'Event' || (!o.showLabels && o.labelColumns.length === 0)) {
    return printTable(type.kind, objects, { now: o.now, wide: o.wide, allNamespaces: o.allNamespaces, withKind: o.withKind, noHeaders: o.noHeaders });
  }
  const { columns, rows } = tableCells(type.kind, objects, o.now);
  const keep = columns.map((c) => c.priority === 0 || o.wide);
  const namespaced = type.namespaced && o.allNamespaces;
  const lines: string[][] = [];
  if (!o.noHeaders) {
    lines.push([...(namespaced ? ['NAMESPACE'] : []), ...columns.filter((_, i) => keep[i]).map((c) => c.name),
      ...o.labelColumns.map((k) => k.slice(k.lastIndexOf('/') + 1).toUpperCase()), ...(o.showLabels ? ['LABELS'] : [])]);
  }
  objects.forEach((obj, r) => {
    const labels = obj.metadata.labels ?? {};
    const cells = rows[r]!.filter((_, i) => keep[i]).map((c, i) => (i === 0 && o.withKind ? `${kindPrefix(type)}/${c}` : c));
    const shown = Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',');
    lines.push([...(namespaced ? [obj.metadata.namespace ?? ''] : []), ...cells, ...o.labelColumns.map((k) => labels[k] ?? ''), ...(o.showLabels ? [shown || '<none>'] : [])]);
  });
  return formatTabbed(lines.map((l) => l.join('\t')).join('\n') + '\n', { minwidth: 6, padding: 3 });
}

/** The printing flags of `get` beyond the kind's table. */
export interface PrintFlags {
  output: string | undefined;
  noHeaders: boolean;
  showLabels: boolean;
  labelColumns: string[];
  sortBy: string | undefined;
}

/** `-o jsonpath=…` and `-o custom-columns=…`; undefined for the other formats. */
export function printFormatted(o: Partial<PrintFlags>, objects: readonly Obj[], single: boolean): string | undefined {
  const out = o.output ?? '';
  if (out.startsWith('jsonpath=')) return printJsonPath(out.slice('jsonpath='.length), objects, single);
  if (out.startsWith('custom-columns=')) return printCustomColumns(out.slice('custom-columns='.length), objects, !!o.noHeaders);
  return undefined;
}

/** The `-o` values `get` accepts. */
export function checkOutputFormat(output: string | undefined): void {
  if (output === undefined || ['wide', 'json', 'yaml', 'name'].includes(output) || /^(jsonpath|custom-columns)=./.test(output)) return;
  throw new UsageError(`error: unable to match a printer suitable for the output format "${output}", allowed formats are: custom-columns,json,jsonpath,name,wide,yaml`);
}
