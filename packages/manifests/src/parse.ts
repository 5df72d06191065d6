/**
 * Design: manifests are parsed with the `yaml` package's document API rather than a plain
 * `YAML.parse`, because every later complaint (validation, unknown kind) must name the file and the
 * line of the field it is about, the way a compiler would. Each object keeps its AST node and the
 * file's LineCounter; `lineOf('spec.accessModes[1]')` walks that node. Syntax errors are reworded
 * into the go-yaml messages kubectl users know ("mapping values are not allowed in this context")
 * but carry the absolute line in the file, not kubectl's line within the document.
 * JSON is YAML, so the same path handles `-f pv.json`; `kind: List` is flattened and each item keeps
 * its own line. Reading files goes through a small port so tests need no disk.
 */

import * as nodeFs from 'node:fs';
import * as nodePath from 'node:path';
import {
  parseAllDocuments, LineCounter, isMap, isSeq, isScalar, isPair, isAlias,
  type Document, type YAMLError, type Node as YamlNode, type ParsedNode,
} from 'yaml';
import { canonicalJson } from '@pvsim/domain';
import { ManifestError } from './errors.ts';
import { resolveKind } from './kinds.ts';
import { findFieldIssues, type FieldIssue } from './strictFields.ts';

export interface ParsedObject {
  object: Record<string, unknown>;
  file: string;
  /** 1-based line where the object starts (its first key). */
  line: number;
  /** 1-based line of a field path such as `spec.capacity.storage`, `spec.accessModes[1]` or `spec.capacity[storage]`. */
  lineOf(path: string): number | undefined;
  /** Unknown and duplicate fields, for server-side field validation (strictFields.ts). */
  fieldIssues?: readonly FieldIssue[];
}

export interface ManifestSource {
  file: string;
  text: string;
}

export interface ParseResult {
  objects: ParsedObject[];
  errors: ManifestError[];
}

/** Parses every document of a file; throws the first problem found (kubectl stops at it too). */
/**
 * Limits, checked before the YAML parser sees the text (a 50 MB manifest used to take minutes
 * and gigabytes before it was refused). The API server takes at most 3 MiB per request and etcd
 * 1.5 MiB per object; kubectl sends one object per request, so a document over 3 MiB can never
 * be created. The per-source and per-invocation caps bound the parser's work.
 */
export const MANIFEST_LIMITS = {
  /** One file or stdin. */
  sourceBytesMax: 16 * 1024 * 1024,
  /** One YAML document (the API server's request limit). */
  documentBytesMax: 3 * 1024 * 1024,
  /** One object as stored (etcd's limit). */
  objectBytesMax: 1.5 * 1024 * 1024,
  /** Documents in one source. */
  documentsMax: 10_000,
};

function tooLarge(file: string, line: number | undefined, message: string): ManifestError {
  return new ManifestError('TooLarge', `${file}${line !== undefined ? `:${line}` : ''}: ${message}`, { file, ...(line !== undefined ? { line } : {}) });
}

/** Refuses text over the limits by counting, before parsing. */
function checkTextLimits(text: string, file: string): void {
  const bytes = Buffer.byteLength(text);
  if (bytes > MANIFEST_LIMITS.sourceBytesMax) {
    throw tooLarge(file, undefined, `error: the manifest is ${bytes} bytes, over pvsim's limit of ${MANIFEST_LIMITS.sourceBytesMax} bytes per file; split it`);
  }
  // A line starting with `---` at column 0 always starts a new document in YAML.
  let documents = 1;
  let start = 0;
  let line = 1;
  let startLine = 1;
  const checkDocument = (end: number): void => {
    if (end - start > MANIFEST_LIMITS.documentBytesMax && Buffer.byteLength(text.slice(start, end)) > MANIFEST_LIMITS.documentBytesMax) {
      throw tooLarge(file, startLine, `Error from server (RequestEntityTooLarge): Request entity too large: limit is ${MANIFEST_LIMITS.documentBytesMax}`);
    }
  };
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) {
    line++;
    if (text.startsWith('---', i + 1)) {
      checkDocument(i + 1);
      if (++documents > MANIFEST_LIMITS.documentsMax) {
        throw tooLarge(file, line, `error: more than ${MANIFEST_LIMITS.documentsMax} YAML documents in one file; pvsim reads at most that many`);
      }
      start = i + 1;
      startLine = line;
    }
  }
  checkDocument(text.length);
}

/** Refuses an object larger than etcd stores. */
function checkObjectSize(parsed: ParsedObject): void {
  const bytes = Buffer.byteLength(JSON.stringify(parsed.object));
  if (bytes > MANIFEST_LIMITS.objectBytesMax) {
    throw tooLarge(parsed.file, parsed.line, `Error from server: error when creating ${JSON.stringify(parsed.file)}: etcdserver: request is too large (the object is ${bytes} bytes; the limit is ${MANIFEST_LIMITS.objectBytesMax})`);
  }
}

export function parseManifests(text: string, file: string): ParsedObject[] {
  checkTextLimits(text, file);
  const { objects, errors } = parseManifestsSettled(text, file);
  for (const o of objects) checkObjectSize(o);
  if (errors.length > 0) throw errors[0]!;
  return objects;
}

/** Like `parseManifests`, but keeps going: good documents are returned next to the errors of bad ones. */
export function parseManifestsSettled(text: string, file: string): ParseResult {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: false });
  // Duplicate keys are not a YAML error here: the API server's strict decoding reports them (strictFields.ts).
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  const objects: ParsedObject[] = [];
  const errors: ManifestError[] = [];
  const list: Document.Parsed[] = Array.isArray(docs) ? docs : [];
  for (const doc of list) {
    const syntax = doc.errors[0];
    if (syntax) {
      errors.push(yamlError(syntax, text, file, lineAt));
      continue;
    }
    const contents = doc.contents;
    if (contents === null || (isScalar(contents) && contents.value === null)) continue; // empty document
    try {
      collect(doc, contents, file, text, lineAt, objects);
    } catch (e) {
      if (e instanceof ManifestError) errors.push(e);
      else throw e;
    }
  }
  return { objects, errors };
}

function collect(doc: Document.Parsed, node: ParsedNode, file: string, text: string, lineAt: (o: number) => number, out: ParsedObject[]): void {
  const line = lineAt(node.range[0]);
  if (!isMap(node)) {
    const jsType = isSeq(node) ? 'array' : typeof toJSSafe(doc, node, file, text, lineAt);
    const what = jsType === 'boolean' ? 'bool' : jsType;
    throw new ManifestError('InvalidObject',
      `${file}:${line}: error: error parsing ${file}: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal ${what} into Go value of type map[string]interface {}`,
      { file, line });
  }
  const object = toJSSafe(doc, node, file, text, lineAt) as Record<string, unknown>;
  const kind = object['kind'];
  const apiVersion = object['apiVersion'];
  if (typeof kind !== 'string' || kind === '') {
    throw new ManifestError('InvalidObject',
      `${file}:${line}: error: unable to decode ${JSON.stringify(file)}: Object 'Kind' is missing in '${goJson(object)}'`,
      { file, line, field: 'kind' });
  }
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    throw new ManifestError('InvalidObject',
      `${file}:${line}: error: unable to decode ${JSON.stringify(file)}: Object 'apiVersion' is missing in '${goJson(object)}'`,
      { file, line, field: 'apiVersion' });
  }
  if (kind === 'List' && apiVersion === 'v1') {
    const items = node.get('items', true);
    if (items === undefined || items === null || (isScalar(items) && items.value === null)) return;
    if (!isSeq(items)) {
      const itemsLine = lineAt((items as ParsedNode).range[0]);
      throw new ManifestError('InvalidObject',
        `${file}:${itemsLine}: error: error parsing ${file}: items: expected an array of objects`,
        { file, line: itemsLine, field: 'items' });
    }
    for (const item of items.items) collect(doc, item as ParsedNode, file, text, lineAt, out);
    return;
  }
  if (!resolveKind(apiVersion, kind)) {
    const meta = object['metadata'] as Record<string, unknown> | undefined;
    const name = typeof meta?.['name'] === 'string' ? meta['name'] : '';
    const namespace = typeof meta?.['namespace'] === 'string' ? meta['namespace'] : '';
    const kindLine = lineOfNode(node, ['kind'], lineAt) ?? line;
    throw new ManifestError('UnknownKind',
      `${file}:${kindLine}: error: resource mapping not found for name: ${JSON.stringify(name)} namespace: ${JSON.stringify(namespace)} from ${JSON.stringify(file)}: no matches for kind ${JSON.stringify(kind)} in version ${JSON.stringify(apiVersion)}\nensure CRDs are installed first`,
      { file, line: kindLine, field: 'kind' });
  }
  metadataTypeCheck(object, kind, apiVersion, file, node, lineAt, line);
  const fieldIssues = findFieldIssues(node, kind, lineAt);
  out.push({
    object,
    file,
    line,
    ...(fieldIssues.length > 0 ? { fieldIssues } : {}),
    lineOf: (path: string) => lineOfNode(node, parseFieldPath(path), lineAt),
  });
}

/** ObjectMeta fields that are strings in Go: anything else fails to decode on the API server. */
const META_STRING_FIELDS = ['name', 'generateName', 'namespace', 'uid', 'resourceVersion'];

/**
 * The API server decodes metadata into Go's ObjectMeta before validating, so `name: 123` or
 * `name: true` is refused there with the decoder's words — kubectl prints them as below — and
 * never stored as a number.
 */
function metadataTypeCheck(object: Record<string, unknown>, kind: string, apiVersion: string, file: string, node: ParsedNode, lineAt: (o: number) => number, line: number): void {
  const meta = object['metadata'];
  if (meta === undefined || meta === null) return;
  const version = apiVersion.includes('/') ? apiVersion.slice(apiVersion.indexOf('/') + 1) : apiVersion;
  const refuse = (what: string, field: string, goType: string): never => {
    const at = lineOfNode(node, ['metadata', ...(field ? [field] : [])], lineAt) ?? line;
    throw new ManifestError('InvalidObject',
      `${file}:${at}: Error from server (BadRequest): error when creating ${JSON.stringify(file)}: ${kind} in version ${JSON.stringify(version)} cannot be handled as a ${kind}: ` +
      `json: cannot unmarshal ${what} into Go struct field ${kind}.metadata${field ? `.${field}` : ''} of type ${goType}`,
      { file, line: at, field: field ? `metadata.${field}` : 'metadata' });
  };
  if (typeof meta !== 'object' || Array.isArray(meta)) refuse(goKind(meta), '', 'v1.ObjectMeta');
  for (const field of META_STRING_FIELDS) {
    const v = (meta as Record<string, unknown>)[field];
    if (v !== undefined && v !== null && typeof v !== 'string') refuse(goKind(v), field, 'string');
  }
}

/** How Go's JSON decoder names a value's type in "cannot unmarshal X". */
function goKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'boolean') return 'bool';
  return typeof v === 'object' ? 'object' : typeof v;
}

function toJSSafe(doc: Document.Parsed, node: ParsedNode, file: string, text: string, lineAt: (o: number) => number): unknown {
  try {
    return node.toJS(doc);
  } catch (e) {
    const m = /:\s*(\S+)\s*$/.exec(e instanceof Error ? e.message : '');
    const anchor = m?.[1] ?? '';
    const at = anchor ? text.indexOf('*' + anchor, node.range[0]) : -1;
    const line = lineAt(at >= 0 ? at : node.range[0]);
    throw new ManifestError('InvalidYAML',
      `error: error parsing ${file}: error converting YAML to JSON: yaml: line ${line}: unknown anchor '${anchor}' referenced`,
      { file, line, cause: e });
  }
}

/** Compact JSON with sorted keys, as Go prints a decoded map in "Object 'Kind' is missing in '…'". */
const goJson = canonicalJson;

const GO_YAML_WORDS: Partial<Record<string, string>> = {
  BLOCK_AS_IMPLICIT_KEY: 'mapping values are not allowed in this context',
  MULTILINE_IMPLICIT_KEY: "could not find expected ':'",
  TAB_AS_INDENT: 'found character that cannot start any token',
  UNEXPECTED_TOKEN: 'did not find expected node content',
  MISSING_CHAR: 'found unexpected end of stream',
  BAD_SCALAR_START: 'found character that cannot start any token',
  BLOCK_IN_FLOW: 'did not find expected node content',
  MULTIPLE_DOCS: 'did not find expected <document start>',
};

function yamlError(err: YAMLError, text: string, file: string, lineAt: (o: number) => number): ManifestError {
  const [start, end] = err.pos;
  let offset = start;
  let words = GO_YAML_WORDS[err.code];
  switch (err.code) {
    case 'BLOCK_AS_IMPLICIT_KEY': {
      // go-yaml points at the second ':' (the one that is "not allowed"), not at the scalar before it.
      const re = /:(?=[ \t\r\n]|$)/g;
      re.lastIndex = start;
      const m = re.exec(text);
      if (m) offset = m.index;
      break;
    }
    case 'MULTILINE_IMPLICIT_KEY':
      offset = Math.max(start, end - 1);
      break;
    case 'BAD_INDENT':
      words = /flow sequence/i.test(err.message) ? "did not find expected ',' or ']'"
        : /flow map|flow mapping/i.test(err.message) ? "did not find expected ',' or '}'"
          : 'did not find expected key';
      break;
    case 'DUPLICATE_KEY': {
      const lineStart = text.lastIndexOf('\n', start - 1) + 1;
      const key = /^\s*(?:-\s+)?("[^"]*"|'[^']*'|[^:#]+?)\s*:/.exec(text.slice(lineStart))?.[1] ?? '';
      words = `mapping key ${JSON.stringify(key.replace(/^["']|["']$/g, ''))} already defined`;
      break;
    }
    default:
      break;
  }
  if (words === undefined) {
    const first = err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
    words = first.charAt(0).toLowerCase() + first.slice(1);
  }
  const line = lineAt(Math.min(offset, Math.max(0, text.length)));
  return new ManifestError('InvalidYAML',
    `error: error parsing ${file}: error converting YAML to JSON: yaml: line ${line}: ${words}`,
    { file, line, cause: err });
}

export type PathSegment = string | number;

/** `spec.accessModes[1]` → ['spec', 'accessModes', 1]; `metadata.labels[a.b/c]` → ['metadata', 'labels', 'a.b/c']. */
export function parseFieldPath(path: string): PathSegment[] {
  const out: PathSegment[] = [];
  let i = 0;
  let name = '';
  const flush = (): void => {
    if (name !== '') out.push(name);
    name = '';
  };
  while (i < path.length) {
    const ch = path[i]!;
    if (ch === '.') {
      flush();
      i++;
    } else if (ch === '[') {
      flush();
      const close = path.indexOf(']', i);
      const inner = close < 0 ? path.slice(i + 1) : path.slice(i + 1, close);
      out.push(/^\d+$/.test(inner) ? Number(inner) : inner);
      i = close < 0 ? path.length : close + 1;
    } else {
      name += ch;
      i++;
    }
  }
  flush();
  return out;
}

function lineOfNode(root: YamlNode, path: readonly PathSegment[], lineAt: (o: number) => number): number | undefined {
  let node: unknown = root;
  let line: number | undefined;
  for (const seg of path) {
    if (isAlias(node)) return undefined;
    if (isMap(node)) {
      const key = String(seg);
      const pair = node.items.find((p) => isPair(p) && keyText(p.key) === key);
      if (!pair) return undefined;
      const k = pair.key as YamlNode | null;
      const range = k?.range ?? (pair.value as YamlNode | null)?.range;
      if (!range) return undefined;
      line = lineAt(range[0]);
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as YamlNode | undefined;
      if (!item?.range) return undefined;
      line = lineAt(item.range[0]);
      node = item;
    } else {
      return undefined;
    }
  }
  return line ?? (root.range ? lineAt(root.range[0]) : undefined);
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return undefined;
}

/** The file system as `readManifestSources` needs it; tests pass a fake. */
export interface ManifestFileSystem {
  exists(path: string): boolean;
  /** Bytes in the file, to refuse one over the limit before reading it (optional for fakes). */
  size?(path: string): number;
  isDirectory(path: string): boolean;
  readDir(path: string): string[];
  readFile(path: string): string;
}

export const nodeFileSystem: ManifestFileSystem = {
  exists: (p) => nodeFs.existsSync(p),
  isDirectory: (p) => nodeFs.statSync(p).isDirectory(),
  readDir: (p) => nodeFs.readdirSync(p),
  size: (p) => nodeFs.statSync(p).size,
  readFile: (p) => nodeFs.readFileSync(p, 'utf8'),
};

const MANIFEST_EXTENSIONS = ['.json', '.yaml', '.yml'];

/**
 * Resolves `-f` arguments like kubectl: a file is read as is, a directory contributes its
 * `*.json|*.yaml|*.yml` files (not recursive, in byte order of the name), `-` is stdin (named `STDIN`
 * in messages, as kubectl does).
 */
export function readManifestSources(paths: readonly string[], readStdin: () => string, fs: ManifestFileSystem = nodeFileSystem): ManifestSource[] {
  const out: ManifestSource[] = [];
  const read = (p: string): string => {
    const bytes = fs.size?.(p);
    if (bytes !== undefined && bytes > MANIFEST_LIMITS.sourceBytesMax) {
      throw tooLarge(p, undefined, `error: the manifest is ${bytes} bytes, over pvsim's limit of ${MANIFEST_LIMITS.sourceBytesMax} bytes per file; split it`);
    }
    return fs.readFile(p);
  };
  for (const p of paths) {
    if (p === '-') {
      out.push({ file: 'STDIN', text: readStdin() });
      continue;
    }
    if (!fs.exists(p)) {
      throw new ManifestError('FileNotFound', `error: the path ${JSON.stringify(p)} does not exist`, { file: p });
    }
    if (fs.isDirectory(p)) {
      const names = fs.readDir(p)
        .filter((n) => MANIFEST_EXTENSIONS.includes(nodePath.extname(n)))
        .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const n of names) {
        const full = nodePath.join(p, n);
        if (fs.isDirectory(full)) continue;
        out.push({ file: full, text: read(full) });
      }
      continue;
    }
    out.push({ file: p, text: read(p) });
  }
  return out;
}
