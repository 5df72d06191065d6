/**
 * Design: a port of Kubernetes `resource.Quantity` (k8s.io/apimachinery/pkg/api/resource) as plain
 * data — an exact rational `num/den` plus the format the text was written in — so that capacities
 * compare exactly at any size (no floats, no int64 overflow) and print the way kubectl prints them.
 *
 * What a parsed value is follows ParseQuantity, not its doc comment:
 * - the scanner is the one of `parseQuantityString`, quirks included: "." "+" "-" "Ki" and "M" all
 *   parse as zero, "1." and ".5" are numbers, "1E" is exa but "1E3" is an exponent;
 * - a magnitude with digits below the nano place is rounded away from zero to the next nano
 *   ("0.1n" is 1n; milli is not the limit, whatever the Kubernetes doc comment says);
 * - BinarySI magnitudes are capped at 2^63-1, so "8Ei" and "9Ei" both parse as
 *   9223372036854775807 (Kubernetes' own table: "9Ei" → maxAllowed); DecimalSI and exponent forms
 *   are never capped, so "200E" stays 2×10^20;
 * - a BinarySI value strictly between 0 and 1 in magnitude becomes DecimalSI.
 * Parsed values therefore always have a denominator dividing 10^9, which keeps arithmetic small.
 *
 * `formatQuantity` is CanonicalizeBytes + String(): the largest suffix that leaves an integer
 * mantissa, with the fallbacks Kubernetes added in 2026 (DecimalSI beyond E and below n, and
 * BinarySI beyond Ei, print in exponent form instead of dropping the magnitude). It never echoes
 * the input text: Kubernetes caches the input for some fast-path inputs ("+1", "01", "1.001")
 * and prints that back (kubernetes#138165), which a value-only Quantity cannot and should not do.
 *
 * One deliberate divergence: a positive decimal exponent above MAX_DECIMAL_EXPONENT is rejected,
 * because the value must be materialised as a BigInt; Kubernetes would accept up to 2^31-1.
 */

export type QuantityFormat = 'BinarySI' | 'DecimalSI' | 'DecimalExponent';

export interface Quantity { readonly num: bigint; readonly den: bigint; readonly format: QuantityFormat }

/** The regular expression Kubernetes names in its parse error (it is not what the scanner uses). */
export const QUANTITY_REGEXP = '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$';

/** Largest positive power of ten a parsed quantity may carry (10^10000 is a 33,000-bit BigInt). */
export const MAX_DECIMAL_EXPONENT = 10_000;

const MESSAGES = {
  FormatWrong: `quantities must match the regular expression '${QUANTITY_REGEXP}'`,
  Numeric: 'unable to parse numeric part of quantity',
  Suffix: "unable to parse quantity's suffix",
  ExponentTooLarge: `quantity exponent is larger than pvsim supports (10^${MAX_DECIMAL_EXPONENT})`,
} as const;

export type QuantityParseReason = keyof typeof MESSAGES;

export class QuantityParseError extends Error {
  readonly code = 'InvalidQuantity' as const;
  /** Which Kubernetes error it is: ErrFormatWrong, ErrNumeric, ErrSuffix, or pvsim's own limit. */
  readonly reason: QuantityParseReason;
  readonly input: string;
  constructor(reason: QuantityParseReason, input: string) {
    super(MESSAGES[reason]);
    this.name = 'QuantityParseError';
    this.reason = reason;
    this.input = input;
  }
}

const NANO_PER_UNIT = 10n ** 9n;
const MAX_INT64 = 2n ** 63n - 1n;
const MAX_INT32 = 2 ** 31 - 1;
const SUFFIX_CHARS = 'eEinumkKMGTP';

interface Suffix { base: 2 | 10; exponent: number; format: QuantityFormat }

const SUFFIXES: ReadonlyMap<string, Suffix> = new Map<string, Suffix>([
  ['', { base: 10, exponent: 0, format: 'DecimalSI' }],
  ['n', { base: 10, exponent: -9, format: 'DecimalSI' }],
  ['u', { base: 10, exponent: -6, format: 'DecimalSI' }],
  ['m', { base: 10, exponent: -3, format: 'DecimalSI' }],
  ['k', { base: 10, exponent: 3, format: 'DecimalSI' }],
  ['M', { base: 10, exponent: 6, format: 'DecimalSI' }],
  ['G', { base: 10, exponent: 9, format: 'DecimalSI' }],
  ['T', { base: 10, exponent: 12, format: 'DecimalSI' }],
  ['P', { base: 10, exponent: 15, format: 'DecimalSI' }],
  ['E', { base: 10, exponent: 18, format: 'DecimalSI' }],
  ['Ki', { base: 2, exponent: 10, format: 'BinarySI' }],
  ['Mi', { base: 2, exponent: 20, format: 'BinarySI' }],
  ['Gi', { base: 2, exponent: 30, format: 'BinarySI' }],
  ['Ti', { base: 2, exponent: 40, format: 'BinarySI' }],
  ['Pi', { base: 2, exponent: 50, format: 'BinarySI' }],
  ['Ei', { base: 2, exponent: 60, format: 'BinarySI' }],
]);

const DECIMAL_SUFFIX_BY_EXPONENT: ReadonlyMap<number, string> = new Map([
  [-9, 'n'], [-6, 'u'], [-3, 'm'], [0, ''], [3, 'k'], [6, 'M'], [9, 'G'], [12, 'T'], [15, 'P'], [18, 'E'],
]);
const BINARY_SUFFIX_BY_POWER_OF_1024 = ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'] as const;

interface Scanned { negative: boolean; intDigits: string; fracDigits: string; hasDigits: boolean; suffix: string }

function isDigit(ch: string | undefined): boolean {
  return ch !== undefined && ch >= '0' && ch <= '9';
}

/**
 * Splits text the way parseQuantityString does: sign, digits, optional '.' and digits, then a run
 * of suffix letters, an optional sign and digits. Anything left over is ErrFormatWrong; whether the
 * suffix means anything is decided later, as in Kubernetes, which is why "1e" fails as a suffix
 * and "1.1.M" as a format.
 */
function scan(text: string): Scanned | undefined {
  const end = text.length;
  let pos = 0;
  let negative = false;
  if (text[0] === '-') { negative = true; pos = 1; } else if (text[0] === '+') { pos = 1; }
  const mantissaStart = pos;
  while (pos < end && isDigit(text[pos])) pos++;
  const intDigits = text.slice(mantissaStart, pos);
  let fracDigits = '';
  if (text[pos] === '.') {
    const fracStart = ++pos;
    while (pos < end && isDigit(text[pos])) pos++;
    fracDigits = text.slice(fracStart, pos);
  }
  // A sign with nothing after it, or only zeros, is zero in Kubernetes before any suffix is read.
  const hasDigits = intDigits.length + fracDigits.length > 0 || (pos === mantissaStart && pos === end);
  const suffixStart = pos;
  while (pos < end && SUFFIX_CHARS.includes(text[pos]!)) pos++;
  if (text[pos] === '+' || text[pos] === '-') pos++;
  while (pos < end && isDigit(text[pos])) pos++;
  if (pos < end) return undefined;
  return { negative, intDigits, fracDigits, hasDigits, suffix: text.slice(suffixStart) };
}

/** Go's strconv.ParseInt(s, 10, 64) limited to the int32 scale Kubernetes stores exponents in. */
function parseExponent(text: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(text)) return undefined;
  const value = BigInt(text);
  // ±(2^31-1): the newest Kubernetes rejects anything wider instead of truncating it to int32.
  if (value > BigInt(MAX_INT32) || value < -BigInt(MAX_INT32)) return undefined;
  return Number(value);
}

function interpretSuffix(suffix: string): Suffix | undefined {
  const known = SUFFIXES.get(suffix);
  if (known) return known;
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E')) {
    const exponent = parseExponent(suffix.slice(1));
    return exponent === undefined ? undefined : { base: 10, exponent, format: 'DecimalExponent' };
  }
  return undefined;
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

function gcd(a: bigint, b: bigint): bigint {
  let x = a < 0n ? -a : a;
  let y = b;
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

function reduced(num: bigint, den: bigint, format: QuantityFormat): Quantity {
  const g = gcd(num, den);
  return Object.freeze({ num: num / g, den: den / g, format });
}

/**
 * Quantities parsed so far, by text: a cluster's objects repeat a few sizes ("10Gi"), and every
 * resync parses each claim's and volume's sizes again. The results are frozen, so they are shared;
 * the table is emptied when it grows large (only a cache: a miss parses again).
 */
let parsed = new Map<string, Quantity>();
const PARSED_ENTRIES_MAX = 4096;

export function parseQuantity(text: string): Quantity {
  const known = parsed.get(text);
  if (known !== undefined) return known;
  const q = parseQuantityText(text);
  if (parsed.size >= PARSED_ENTRIES_MAX) parsed = new Map();
  parsed.set(text, q);
  return q;
}

function parseQuantityText(text: string): Quantity {
  if (text.length === 0) throw new QuantityParseError('FormatWrong', text);
  const scanned = scan(text);
  if (!scanned) throw new QuantityParseError('FormatWrong', text);
  const suffix = interpretSuffix(scanned.suffix);
  if (!suffix) throw new QuantityParseError('Suffix', text);

  // Kubernetes only reads a digitless mantissa ("." or "-") on its slow path, where inf.Dec
  // rejects it: that path is taken for scales below nano and for Pi/Ei.
  if (!scanned.hasDigits) {
    const slowPath = suffix.base === 10 ? suffix.exponent < -9 : suffix.exponent >= 50;
    if (slowPath) throw new QuantityParseError('Numeric', text);
  }

  const digits = BigInt((scanned.intDigits + scanned.fracDigits) || '0');
  const binaryFactor = suffix.base === 2 ? 2n ** BigInt(suffix.exponent) : 1n;
  const decimalExponent = (suffix.base === 10 ? suffix.exponent : 0) - scanned.fracDigits.length;
  const magnitude = digits * binaryFactor;

  // Count whole nanos, rounding any remainder up (away from zero), as ParseQuantity does.
  let nanos: bigint;
  const nanoShift = decimalExponent + 9;
  if (magnitude === 0n) {
    nanos = 0n;
  } else if (nanoShift >= 0) {
    if (decimalExponent > MAX_DECIMAL_EXPONENT) throw new QuantityParseError('ExponentTooLarge', text);
    nanos = magnitude * 10n ** BigInt(nanoShift);
  } else if (-nanoShift > magnitude.toString().length) {
    // Below a tenth of a nano whatever the digits: skip building 10^2147483647.
    nanos = 1n;
  } else {
    nanos = ceilDiv(magnitude, 10n ** BigInt(-nanoShift));
  }

  let format = suffix.format;
  if (format === 'BinarySI') {
    if (nanos > MAX_INT64 * NANO_PER_UNIT) nanos = MAX_INT64 * NANO_PER_UNIT;
    if (nanos > 0n && nanos < NANO_PER_UNIT) format = 'DecimalSI';
  }
  return reduced(scanned.negative ? -nanos : nanos, NANO_PER_UNIT, format);
}

export function isQuantity(text: string): boolean {
  try {
    parseQuantity(text);
    return true;
  } catch (err) {
    if (err instanceof QuantityParseError) return false;
    throw err;
  }
}

function normalized(q: Quantity): { num: bigint; den: bigint } {
  if (q.den === 0n) throw new RangeError('Quantity has a zero denominator');
  return q.den < 0n ? { num: -q.num, den: -q.den } : { num: q.num, den: q.den };
}

export function compareQuantities(a: Quantity, b: Quantity): -1 | 0 | 1 {
  const x = normalized(a);
  const y = normalized(b);
  const left = x.num * y.den;
  const right = y.num * x.den;
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Value(): the integer nearest away from zero (1.5 → 2, -1.5 → -2), exact at any size. */
export function quantityToBytes(q: Quantity): bigint {
  const { num, den } = normalized(q);
  const magnitude = ceilDiv(num < 0n ? -num : num, den);
  return num < 0n ? -magnitude : magnitude;
}

function trailingZeros(digits: string): number {
  let n = 0;
  while (n < digits.length - 1 && digits[digits.length - 1 - n] === '0') n++;
  return n;
}

/**
 * AsCanonicalBytes: mantissa × 10^exponent with every factor of ten moved into the exponent and
 * the exponent then lowered to a multiple of three. `scaled` is a positive integer in units of
 * 10^-scale.
 */
function decimalCanonical(scaled: bigint, scale: number): { mantissa: string; exponent: number } {
  const digits = scaled.toString();
  const zeros = trailingZeros(digits);
  let exponent = zeros - scale;
  let mantissa = digits.slice(0, digits.length - zeros);
  const down = ((exponent % 3) + 3) % 3;
  mantissa += '0'.repeat(down);
  exponent -= down;
  return { mantissa, exponent };
}

function exponentSuffix(exponent: number): string {
  return exponent === 0 ? '' : `e${exponent}`;
}

/** The quantity as a positive integer count of 10^-scale, exact when the decimal terminates. */
function asDecimal(num: bigint, den: bigint): { scaled: bigint; scale: number } {
  let rest = den;
  let twos = 0;
  let fives = 0;
  while (rest % 2n === 0n) { rest /= 2n; twos++; }
  while (rest % 5n === 0n) { rest /= 5n; fives++; }
  if (rest !== 1n) {
    // Not a terminating decimal, so not something Kubernetes can hold: round up to nano,
    // as ParseQuantity would have.
    return { scaled: ceilDiv(num * NANO_PER_UNIT, den), scale: 9 };
  }
  const scale = Math.max(twos, fives);
  return { scaled: num * (10n ** BigInt(scale) / den), scale };
}

export function formatQuantity(q: Quantity): string {
  const { num, den } = normalized(q);
  if (num === 0n) return '0';
  const sign = num < 0n ? '-' : '';
  const { scaled, scale } = asDecimal(num < 0n ? -num : num, den);
  const unit = 10n ** BigInt(scale);

  let format: QuantityFormat = q.format;
  if (format === 'BinarySI') {
    // Below 1024 or fractional, a binary suffix would round or confuse: print as DecimalSI.
    if (scaled < 1024n * unit || scaled % unit !== 0n) format = 'DecimalSI';
  } else if (format !== 'DecimalSI') {
    // An unknown format (a hand-built or deserialised object) prints as Kubernetes' default.
    format = 'DecimalExponent';
  }

  if (format === 'BinarySI') {
    let mantissa = scaled / unit;
    let power = 0;
    while (mantissa % 1024n === 0n) { mantissa /= 1024n; power++; }
    if (power === 0) return sign + mantissa.toString();
    const suffix = BINARY_SUFFIX_BY_POWER_OF_1024[power];
    if (suffix !== undefined) return sign + mantissa.toString() + suffix;
    // Beyond Ei there is no binary suffix; Kubernetes falls back to the decimal exponent form.
    const canonical = decimalCanonical(scaled, scale);
    return sign + canonical.mantissa + exponentSuffix(canonical.exponent);
  }

  const { mantissa, exponent } = decimalCanonical(scaled, scale);
  if (format === 'DecimalSI') {
    const suffix = DECIMAL_SUFFIX_BY_EXPONENT.get(exponent);
    if (suffix !== undefined) return sign + mantissa + suffix;
  }
  return sign + mantissa + exponentSuffix(exponent);
}
