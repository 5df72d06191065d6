/**
 * Design: `pvsim explain KIND[.FIELD…]` from the same OpenAPI schemas `pvsim serve --api` gives
 * kubectl (@pvsim/api-server schemaFor), printed as kubectl explain prints them (its plaintext
 * template: KIND/VERSION, FIELD, DESCRIPTION wrapped as go-wordwrap wraps at 76 columns under a
 * 4-space indent, FIELDS with `<type>` and `-required-`), so both print the same text.
 */
import { schemaFor, type OpenApiSchema } from '@pvsim/api-server';
import { resolveResource } from '@pvsim/manifests';
import { UsageError, type CliIO } from './verbTypes.ts';

const WRAP = 76;

/** go-wordwrap's WrapString: words never break; a word that would pass the limit starts a new line. */
export function wordWrap(s: string, lim: number): string {
  let out = '';
  let current = 0;
  let word = '';
  let space = '';
  for (const ch of s) {
    if (ch === '\n') {
      if (word === '') {
        if (current + space.length > lim) current = 0; else out += space;
      } else {
        out += space + word;
      }
      space = ''; word = '';
      out += ch;
      current = 0;
    } else if (/\s/.test(ch) && ch !== '\u00a0') {
      if (space === '' || word !== '') {
        current += space.length + word.length;
        out += space + word;
        space = ''; word = '';
      }
      space += ch;
    } else {
      word += ch;
      if (current + space.length + word.length > lim && word.length < lim) {
        out += '\n';
        current = 0;
        space = '';
      }
    }
  }
  if (word === '') { if (current + space.length <= lim) out += space; } else out += space + word;
  return out;
}

const indent = (text: string): string => text.split('\n').map((l) => `    ${l}`).join('\n');

function typeName(s: OpenApiSchema | undefined): string {
  if (!s) return 'Object';
  if (s.$ref) return s.$ref.slice(s.$ref.lastIndexOf('.') + 1);
  if (s['x-kubernetes-int-or-string']) return 'IntOrString';
  if (s.type === 'array') return `[]${typeName(s.items)}`;
  if (s.type === 'object' && s.additionalProperties) return `map[string]${typeName(s.additionalProperties)}`;
  if (s.type === 'object') return 'Object';
  return s.type ?? 'Object';
}

export function explain(io: CliIO, path: string): number {
  const [resource, ...fields] = path.split('.');
  if (!resource) throw new UsageError('error: You must specify the type of resource to explain.');
  const type = resolveResource(resource);
  const doc = schemaFor(type.kind);
  if (!doc) throw new UsageError(`error: pvsim does not serve ${type.plural}`);
  const deref = (s: OpenApiSchema | undefined): OpenApiSchema | undefined => (s?.$ref ? doc.resolve(s.$ref) : s);
  const element = (s: OpenApiSchema | undefined): OpenApiSchema | undefined => (s?.type === 'array' ? s.items : s);
  let field: OpenApiSchema | undefined;
  let current: OpenApiSchema | undefined = doc.root;
  for (const [i, name] of fields.entries()) {
    const props: Record<string, OpenApiSchema> | undefined = deref(element(current))?.properties;
    const next: OpenApiSchema | undefined = props?.[name];
    if (!next) throw new UsageError(`error: field "${name}" does not exist`);
    field = next;
    current = next;
    if (i === fields.length - 1) break;
  }
  const lines = [...(type.group ? [`GROUP:      ${type.group}`] : []), `KIND:       ${type.kind}`, `VERSION:    ${type.version}`, ''];
  const target = deref(element(current));
  let description: string;
  if (field) {
    lines.push(`FIELD: ${fields[fields.length - 1]} <${typeName(field)}>`, '', '');
    const parts = [field.description, element(field)?.$ref ? target?.description : undefined].filter((d): d is string => !!d);
    description = parts.join('\n');
  } else {
    description = doc.root.description ?? '';
  }
  lines.push('DESCRIPTION:', indent(wordWrap(description === '' ? '<empty>' : description, WRAP)), '    ');
  const props = target?.properties;
  if (props && Object.keys(props).length > 0) {
    lines.push('FIELDS:');
    const required = new Set((target as { required?: string[] }).required ?? []);
    for (const name of Object.keys(props).sort()) {
      const p = props[name]!;
      lines.push(`  ${name}\t<${typeName(p)}>${required.has(name) ? ' -required-' : ''}`);
      lines.push(indent(wordWrap(p.description ?? '<no description>', WRAP)), '');
    }
  }
  io.stdout(lines.join('\n') + '\n\n');
  return 0;
}
