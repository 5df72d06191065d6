/**
 * Design: one error class for everything a user's manifest can get wrong, with a stable `code`
 * (STYLE §6) and the file, line and field it concerns, so the CLI can print kubectl's words and an
 * editor can jump to the line. Field errors are modelled on apimachinery's `field.Error`
 * (k8s.io/apimachinery/pkg/util/validation/field/errors.go): the type decides the wording
 * ("Required value", "Invalid value: …", "Unsupported value: …"), and a list of them is joined the way
 * `ErrorList.ToAggregate()` does — duplicates dropped, one message bare, several in brackets.
 */

export type ManifestErrorCode = 'InvalidYAML' | 'InvalidObject' | 'UnknownKind' | 'FileNotFound' | 'Invalid' | 'TooLarge';

export interface ManifestErrorDetails {
  file: string;
  line?: number;
  field?: string;
  /** Every field error of the object, already formatted (`spec.capacity: Required value`). */
  causes?: readonly string[];
  cause?: unknown;
}

export class ManifestError extends Error {
  readonly code: ManifestErrorCode;
  readonly file: string;
  readonly line: number | undefined;
  readonly field: string | undefined;
  readonly causes: readonly string[];

  constructor(code: ManifestErrorCode, message: string, details: ManifestErrorDetails) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.name = 'ManifestError';
    this.code = code;
    this.file = details.file;
    this.line = details.line;
    this.field = details.field;
    this.causes = details.causes ?? [];
  }
}

/** 'Raw' carries a message formatted elsewhere (the domain's label selector validation) in `detail`. */
export type FieldErrorType = 'Required' | 'Invalid' | 'NotSupported' | 'Forbidden' | 'TooLong' | 'TooMany' | 'Duplicate' | 'NotFound' | 'Raw';

/** One field-level complaint, as the API server's validation would produce it. */
export interface FieldError {
  type: FieldErrorType;
  /** Field path as Kubernetes prints it: `spec.capacity[storage]`, `spec.accessModes`. */
  field: string;
  /** The offending value (the Go `BadValue`); ignored for Required/Forbidden/TooLong. */
  value?: unknown;
  detail: string;
  /** A more precise path used only to find the line (`metadata.labels[bad key]`). */
  at?: string;
}

const TYPE_TEXT: Record<FieldErrorType, string> = {
  Required: 'Required value',
  Invalid: 'Invalid value',
  NotSupported: 'Unsupported value',
  Forbidden: 'Forbidden',
  TooLong: 'Too long',
  TooMany: 'Too many',
  Duplicate: 'Duplicate value',
  NotFound: 'Not found',
  Raw: '',
};

/** A bad value printed verbatim, as Go's `%#v` would print a struct, instead of quoted as a string. */
export class GoLiteral {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export const required = (field: string, detail = '', at?: string): FieldError => ({ type: 'Required', field, detail, ...(at ? { at } : {}) });
export const invalid = (field: string, value: unknown, detail: string, at?: string): FieldError => ({ type: 'Invalid', field, value, detail, ...(at ? { at } : {}) });
export const forbidden = (field: string, detail: string, at?: string): FieldError => ({ type: 'Forbidden', field, detail, ...(at ? { at } : {}) });
export const tooLong = (field: string, maxLength: number): FieldError => ({ type: 'TooLong', field, detail: `must have at most ${maxLength} bytes` });
export const duplicate = (field: string, value: unknown, at?: string): FieldError => ({ type: 'Duplicate', field, value, detail: '', ...(at ? { at } : {}) });
/** `field.NotFound`: a reference to something that is not there (`volumeMounts[0].name: Not found: "x"`). */
export const notFound = (field: string, value: unknown, at?: string): FieldError => ({ type: 'NotFound', field, value, detail: '', ...(at ? { at } : {}) });
export function notSupported(field: string, value: unknown, validValues: readonly string[], at?: string): FieldError {
  const detail = validValues.length > 0 ? 'supported values: ' + validValues.map(goQuote).join(', ') : '';
  return { type: 'NotSupported', field, value, detail, ...(at ? { at } : {}) };
}

/** Go's `strconv.Quote`, close enough for the ASCII and printable Unicode found in manifests. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/**
 * Renders a bad value the way `field.Error.ErrorBody` does: strings quoted, numbers and booleans
 * bare, nil as `null`. Go would print structs with `%#v`; we print maps as `map[k:v …]` and lists as
 * `[a b]`, which is what `%v` gives and reads better than a Go struct dump.
 */
export function formatBadValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return goQuote(value);
  if (value instanceof GoLiteral) return value.text;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return goValue(value);
}

function goValue(value: unknown): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return '[' + value.map(goValue).join(' ') + ']';
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return 'map[' + entries.map(([k, v]) => `${k}:${goValue(v)}`).join(' ') + ']';
  }
  return String(value);
}

/** `field.Error.Error()`: `<field>: <type text>[: <value>][: <detail>]`. */
export function formatFieldError(e: FieldError): string {
  if (e.type === 'Raw') return e.detail;
  let body = TYPE_TEXT[e.type];
  if (e.type !== 'Required' && e.type !== 'Forbidden' && e.type !== 'TooLong') {
    body += ': ' + (e.type === 'TooMany' ? String(e.value) : formatBadValue(e.value));
  }
  if (e.detail.length > 0) body += ': ' + e.detail;
  return `${e.field}: ${body}`;
}

/** `ErrorList.ToAggregate().Error()`: drop repeated messages, bare if one, `[a, b]` if several. */
export function aggregateMessages(messages: readonly string[]): string {
  const unique = [...new Set(messages)];
  if (unique.length === 1) return unique[0]!;
  return '[' + unique.join(', ') + ']';
}

export function uniqueMessages(errors: readonly FieldError[]): string[] {
  return [...new Set(errors.map(formatFieldError))];
}
