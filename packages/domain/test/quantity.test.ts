// Tables are Kubernetes' own (staging/src/k8s.io/apimachinery/pkg/api/resource/quantity_test.go)
// where they exist, then pvsim's rows for exabytes, quirks and the BigInt edges.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import {
  compareQuantities,
  formatQuantity,
  isQuantity,
  parseQuantity,
  QuantityParseError,
  quantityToBytes,
  type Quantity,
  type QuantityFormat,
  type QuantityParseReason,
} from '../src/quantity.ts';

/** Kubernetes' decQuantity: mantissa × 10^exponent. */
function dec(mantissa: bigint, exponent: number, format: QuantityFormat): Quantity {
  return exponent >= 0
    ? { num: mantissa * 10n ** BigInt(exponent), den: 1n, format }
    : { num: mantissa, den: 10n ** BigInt(-exponent), format };
}
const MAX_INT64 = 2n ** 63n - 1n;
const maxAllowed: Quantity = { num: MAX_INT64, den: 1n, format: 'BinarySI' };

function negate(q: Quantity): Quantity {
  return { ...q, num: -q.num };
}

function show(q: Quantity): string {
  return `${q.num}/${q.den} ${q.format} (${formatQuantity(q)})`;
}

function assertSameQuantity(actual: Quantity, expected: Quantity, label: string): void {
  assert.is(compareQuantities(actual, expected), 0, `${label}: got ${show(actual)}, want ${show(expected)}`);
  assert.is(actual.format, expected.format, `${label}: format`);
}

// --- TestQuantityParse ------------------------------------------------------------------------

interface ParseRow { input: string; expect: Quantity }

const parseRows: ParseRow[] = [
  { input: '0', expect: dec(0n, 0, 'DecimalSI') },
  { input: '0n', expect: dec(0n, 0, 'DecimalSI') },
  { input: '0u', expect: dec(0n, 0, 'DecimalSI') },
  { input: '0m', expect: dec(0n, 0, 'DecimalSI') },
  { input: '0Ki', expect: dec(0n, 0, 'BinarySI') },
  { input: '0k', expect: dec(0n, 0, 'DecimalSI') },
  { input: '0Mi', expect: dec(0n, 0, 'BinarySI') },
  { input: '0M', expect: dec(0n, 0, 'DecimalSI') },
  { input: '0Gi', expect: dec(0n, 0, 'BinarySI') },
  { input: '0G', expect: dec(0n, 0, 'DecimalSI') },
  { input: '0Ti', expect: dec(0n, 0, 'BinarySI') },
  { input: '0T', expect: dec(0n, 0, 'DecimalSI') },
  // Quantity less numbers are allowed
  { input: '1', expect: dec(1n, 0, 'DecimalSI') },
  // Binary suffixes
  { input: '1Ki', expect: dec(1024n, 0, 'BinarySI') },
  { input: '8Ki', expect: dec(8n * 1024n, 0, 'BinarySI') },
  { input: '7Mi', expect: dec(7n * 1024n ** 2n, 0, 'BinarySI') },
  { input: '6Gi', expect: dec(6n * 1024n ** 3n, 0, 'BinarySI') },
  { input: '5Ti', expect: dec(5n * 1024n ** 4n, 0, 'BinarySI') },
  { input: '4Pi', expect: dec(4n * 1024n ** 5n, 0, 'BinarySI') },
  { input: '3Ei', expect: dec(3n * 1024n ** 6n, 0, 'BinarySI') },
  { input: '10Ti', expect: dec(10n * 1024n ** 4n, 0, 'BinarySI') },
  { input: '100Ti', expect: dec(100n * 1024n ** 4n, 0, 'BinarySI') },
  // Decimal suffixes
  { input: '5n', expect: dec(5n, -9, 'DecimalSI') },
  { input: '4u', expect: dec(4n, -6, 'DecimalSI') },
  { input: '3m', expect: dec(3n, -3, 'DecimalSI') },
  { input: '9', expect: dec(9n, 0, 'DecimalSI') },
  { input: '8k', expect: dec(8n, 3, 'DecimalSI') },
  { input: '50k', expect: dec(5n, 4, 'DecimalSI') },
  { input: '7M', expect: dec(7n, 6, 'DecimalSI') },
  { input: '6G', expect: dec(6n, 9, 'DecimalSI') },
  { input: '5T', expect: dec(5n, 12, 'DecimalSI') },
  { input: '40T', expect: dec(4n, 13, 'DecimalSI') },
  { input: '300T', expect: dec(3n, 14, 'DecimalSI') },
  { input: '2P', expect: dec(2n, 15, 'DecimalSI') },
  { input: '1E', expect: dec(1n, 18, 'DecimalSI') },
  // Decimal exponents
  { input: '1E-3', expect: dec(1n, -3, 'DecimalExponent') },
  { input: '1e3', expect: dec(1n, 3, 'DecimalExponent') },
  { input: '1E6', expect: dec(1n, 6, 'DecimalExponent') },
  { input: '1e9', expect: dec(1n, 9, 'DecimalExponent') },
  { input: '1E12', expect: dec(1n, 12, 'DecimalExponent') },
  { input: '1e15', expect: dec(1n, 15, 'DecimalExponent') },
  { input: '1E18', expect: dec(1n, 18, 'DecimalExponent') },
  // Nonstandard but still parsable
  { input: '1e14', expect: dec(1n, 14, 'DecimalExponent') },
  { input: '1e13', expect: dec(1n, 13, 'DecimalExponent') },
  { input: '100.035k', expect: dec(100035n, 0, 'DecimalSI') },
  // Things that look like floating point
  { input: '0.001', expect: dec(1n, -3, 'DecimalSI') },
  { input: '0.0005k', expect: dec(5n, -1, 'DecimalSI') },
  { input: '0.005', expect: dec(5n, -3, 'DecimalSI') },
  { input: '0.05', expect: dec(5n, -2, 'DecimalSI') },
  { input: '0.5', expect: dec(5n, -1, 'DecimalSI') },
  { input: '0.00050k', expect: dec(5n, -1, 'DecimalSI') },
  { input: '0.00500', expect: dec(5n, -3, 'DecimalSI') },
  { input: '0.05000', expect: dec(5n, -2, 'DecimalSI') },
  { input: '0.50000', expect: dec(5n, -1, 'DecimalSI') },
  { input: '0.5e0', expect: dec(5n, -1, 'DecimalExponent') },
  { input: '0.5e-1', expect: dec(5n, -2, 'DecimalExponent') },
  { input: '0.5e-2', expect: dec(5n, -3, 'DecimalExponent') },
  { input: '10.035M', expect: dec(10035n, 3, 'DecimalSI') },
  { input: '1.2e3', expect: dec(12n, 2, 'DecimalExponent') },
  { input: '1.3E+6', expect: dec(13n, 5, 'DecimalExponent') },
  { input: '1.40e9', expect: dec(14n, 8, 'DecimalExponent') },
  { input: '1.53E12', expect: dec(153n, 10, 'DecimalExponent') },
  { input: '1.6e15', expect: dec(16n, 14, 'DecimalExponent') },
  { input: '1.7E18', expect: dec(17n, 17, 'DecimalExponent') },
  { input: '9.01', expect: dec(901n, -2, 'DecimalSI') },
  { input: '8.1k', expect: dec(81n, 2, 'DecimalSI') },
  { input: '7.123456M', expect: dec(7123456n, 0, 'DecimalSI') },
  { input: '6.987654321G', expect: dec(6987654321n, 0, 'DecimalSI') },
  { input: '5.444T', expect: dec(5444n, 9, 'DecimalSI') },
  { input: '40.1T', expect: dec(401n, 11, 'DecimalSI') },
  { input: '300.2T', expect: dec(3002n, 11, 'DecimalSI') },
  { input: '2.5P', expect: dec(25n, 14, 'DecimalSI') },
  { input: '1.01E', expect: dec(101n, 16, 'DecimalSI') },
  // Things that saturate/round
  { input: '3.001n', expect: dec(4n, -9, 'DecimalSI') },
  { input: '1.1E-9', expect: dec(2n, -9, 'DecimalExponent') },
  { input: '0.0000000001', expect: dec(1n, -9, 'DecimalSI') },
  { input: '0.0000000005', expect: dec(1n, -9, 'DecimalSI') },
  { input: '0.00000000050', expect: dec(1n, -9, 'DecimalSI') },
  { input: '0.5e-9', expect: dec(1n, -9, 'DecimalExponent') },
  { input: '0.9n', expect: dec(1n, -9, 'DecimalSI') },
  { input: '0.00000012345', expect: dec(124n, -9, 'DecimalSI') },
  { input: '0.00000012354', expect: dec(124n, -9, 'DecimalSI') },
  { input: '9Ei', expect: maxAllowed },
  { input: '9223372036854775807Ki', expect: maxAllowed },
  { input: '12E', expect: dec(12n, 18, 'DecimalSI') },
  // We'll accept fractional binary stuff, too.
  { input: '100.035Ki', expect: dec(10243584n, -2, 'BinarySI') },
  { input: '0.5Mi', expect: dec(512n * 1024n, 0, 'BinarySI') },
  { input: '0.05Gi', expect: dec(536870912n, -1, 'BinarySI') },
  { input: '0.025Ti', expect: dec(274877906944n, -1, 'BinarySI') },
  // Things written by trolls
  { input: '0.000000000001Ki', expect: dec(2n, -9, 'DecimalSI') }, // rounds up, changes format
  { input: '.001', expect: dec(1n, -3, 'DecimalSI') },
  { input: '.0001k', expect: dec(100n, -3, 'DecimalSI') },
  { input: '1.', expect: dec(1n, 0, 'DecimalSI') },
  { input: '1.G', expect: dec(1n, 9, 'DecimalSI') },
  // pvsim rows: exabytes exactly, the BinarySI cap, and scanner quirks that follow parseQuantityString.
  { input: '8Ei', expect: maxAllowed },
  { input: '7Ei', expect: dec(7n * 2n ** 60n, 0, 'BinarySI') },
  { input: '200E', expect: dec(2n, 20, 'DecimalSI') },
  { input: '9223372036854775808', expect: dec(2n ** 63n, 0, 'DecimalSI') },
  { input: '1000E', expect: dec(1n, 21, 'DecimalSI') },
  { input: '1e100', expect: dec(1n, 100, 'DecimalExponent') },
  { input: '.', expect: dec(0n, 0, 'DecimalSI') },
  { input: 'Ki', expect: dec(0n, 0, 'BinarySI') },
  { input: 'M', expect: dec(0n, 0, 'DecimalSI') },
  { input: '000', expect: dec(0n, 0, 'DecimalSI') },
  { input: '007k', expect: dec(7n, 3, 'DecimalSI') },
  { input: '1e+03', expect: dec(1n, 3, 'DecimalExponent') },
  { input: '.484785E-7466', expect: dec(1n, -9, 'DecimalExponent') },
  { input: '1e-2147483647', expect: dec(1n, -9, 'DecimalExponent') },
  { input: '0e2147483647', expect: dec(0n, 0, 'DecimalExponent') },
];

for (const row of parseRows) {
  test(`parse ${JSON.stringify(row.input)}`, () => {
    assertSameQuantity(parseQuantity(row.input), row.expect, row.input);
  });
  // Kubernetes runs the whole table again with "-" and with "+" in front.
  test(`parse ${JSON.stringify('-' + row.input)}`, () => {
    assertSameQuantity(parseQuantity('-' + row.input), negate(row.expect), '-' + row.input);
  });
  test(`parse ${JSON.stringify('+' + row.input)}`, () => {
    assertSameQuantity(parseQuantity('+' + row.input), row.expect, '+' + row.input);
  });
}

test('parsed values are reduced fractions over a divisor of 10^9', () => {
  for (const row of parseRows) {
    const q = parseQuantity(row.input);
    assert.ok(q.den > 0n && 10n ** 9n % q.den === 0n, `${row.input}: den ${q.den}`);
  }
  assert.equal(parseQuantity('1.5Gi'), { num: 1610612736n, den: 1n, format: 'BinarySI' });
  assert.equal(parseQuantity('250m'), { num: 1n, den: 4n, format: 'DecimalSI' });
});

// --- invalid input ----------------------------------------------------------------------------

interface InvalidRow { input: string; reason: QuantityParseReason }

const invalidRows: InvalidRow[] = [
  { input: '', reason: 'FormatWrong' },
  // Kubernetes' invalid list
  { input: '1.1.M', reason: 'FormatWrong' },
  { input: '1+1.0M', reason: 'FormatWrong' },
  { input: '0.1mi', reason: 'Suffix' },
  { input: '0.1am', reason: 'FormatWrong' },
  { input: 'aoeu', reason: 'FormatWrong' },
  { input: '.5i', reason: 'Suffix' },
  { input: '1i', reason: 'Suffix' },
  { input: '-3.01i', reason: 'Suffix' },
  { input: '-3.01e-', reason: 'Suffix' },
  { input: '1e4294967297', reason: 'Suffix' },
  { input: ' 1', reason: 'FormatWrong' },
  { input: '1 ', reason: 'FormatWrong' },
  // exponent bounds: ±(2^31-1) accepted by Kubernetes' suffixer, anything wider refused
  { input: '1E2147483648', reason: 'Suffix' },
  { input: '1E-2147483648', reason: 'Suffix' },
  { input: '1E9223372036854775808', reason: 'Suffix' },
  // pvsim rows
  { input: '1e', reason: 'Suffix' },
  { input: '1E+', reason: 'Suffix' },
  { input: '1Ee3', reason: 'Suffix' },
  { input: '1k2', reason: 'Suffix' },
  { input: '1Ki3', reason: 'Suffix' },
  { input: '1KI', reason: 'FormatWrong' }, // 'I' is not a suffix letter
  { input: '1kb', reason: 'FormatWrong' },
  { input: '1e3k', reason: 'FormatWrong' },
  { input: '1_000', reason: 'FormatWrong' },
  { input: '0x10', reason: 'FormatWrong' },
  { input: '--1', reason: 'Suffix' }, // the second sign is read as the start of a suffix
  { input: '1Gi ', reason: 'FormatWrong' },
  { input: '١', reason: 'FormatWrong' },
  // a digitless mantissa is only rejected on Kubernetes' slow path (scale below nano, Pi, Ei)
  { input: '.Ei', reason: 'Numeric' },
  { input: 'Pi', reason: 'Numeric' },
  { input: '-.e-10', reason: 'Numeric' },
  { input: 'e-10', reason: 'Numeric' },
  // pvsim's own limit: the value must fit in memory as a BigInt
  { input: '1e10001', reason: 'ExponentTooLarge' },
  { input: '1e2147483647', reason: 'ExponentTooLarge' },
];

for (const row of invalidRows) {
  test(`invalid ${JSON.stringify(row.input)} (${row.reason})`, () => {
    let caught: unknown;
    try {
      parseQuantity(row.input);
    } catch (err) {
      caught = err;
    }
    assert.instance(caught, QuantityParseError, `${row.input} parsed unexpectedly`);
    const err = caught as QuantityParseError;
    assert.instance(err, Error);
    assert.is(err.reason, row.reason);
    assert.is(err.code, 'InvalidQuantity');
    assert.is(err.name, 'QuantityParseError');
    assert.is(err.input, row.input);
    assert.not.ok(isQuantity(row.input));
  });
}

test('error messages are the Kubernetes ones', () => {
  const message = (text: string) => {
    try { parseQuantity(text); } catch (err) { return (err as Error).message; }
    return undefined;
  };
  assert.is(message('aoeu'), "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'");
  assert.is(message('1i'), "unable to parse quantity's suffix");
  assert.is(message('.Ei'), 'unable to parse numeric part of quantity');
});

// --- TestQuantityString: canonical form -------------------------------------------------------

interface StringRow { in: Quantity; expect: string; alternate?: string }

const stringRows: StringRow[] = [
  { in: dec(1024n * 1024n * 1024n, 0, 'BinarySI'), expect: '1Gi', alternate: '1024Mi' },
  { in: dec(300n * 1024n * 1024n, 0, 'BinarySI'), expect: '300Mi', alternate: '307200Ki' },
  { in: dec(6n * 1024n, 0, 'BinarySI'), expect: '6Ki' },
  { in: dec(1001n * 1024n ** 3n, 0, 'BinarySI'), expect: '1001Gi', alternate: '1025024Mi' },
  { in: dec(1024n ** 4n, 0, 'BinarySI'), expect: '1Ti', alternate: '1024Gi' },
  { in: dec(5n, 0, 'BinarySI'), expect: '5', alternate: '5000m' },
  { in: dec(500n, -3, 'BinarySI'), expect: '500m', alternate: '0.5' },
  { in: dec(1n, 9, 'DecimalSI'), expect: '1G', alternate: '1000M' },
  { in: dec(1000n, 6, 'DecimalSI'), expect: '1G', alternate: '0.001T' },
  { in: dec(1000000n, 3, 'DecimalSI'), expect: '1G' },
  { in: dec(1000000000n, 0, 'DecimalSI'), expect: '1G' },
  { in: dec(1n, -3, 'DecimalSI'), expect: '1m', alternate: '1000u' },
  { in: dec(80n, -3, 'DecimalSI'), expect: '80m' },
  { in: dec(1080n, -3, 'DecimalSI'), expect: '1080m', alternate: '1.08' },
  { in: dec(108n, -2, 'DecimalSI'), expect: '1080m', alternate: '1080000000n' },
  { in: dec(10800n, -4, 'DecimalSI'), expect: '1080m' },
  { in: dec(300n, 6, 'DecimalSI'), expect: '300M' },
  { in: dec(1n, 12, 'DecimalSI'), expect: '1T' },
  // DecimalSI has no suffix beyond E: exponent form, not a dropped magnitude (kubernetes#140459)
  { in: dec(1n, 18, 'DecimalSI'), expect: '1E' },
  { in: dec(1n, 21, 'DecimalSI'), expect: '1e21', alternate: '1000E' },
  { in: dec(5n, 21, 'DecimalSI'), expect: '5e21', alternate: '5000E' },
  { in: dec(1n, 24, 'DecimalSI'), expect: '1e24', alternate: '1000000E' },
  // BinarySI has no suffix beyond Ei: decimal exponent form
  { in: dec(1n, 70, 'BinarySI'), expect: '10e69' },
  { in: dec(2n, 70, 'BinarySI'), expect: '20e69' },
  { in: dec(1n, 72, 'BinarySI'), expect: '1e72' },
  { in: dec(1234567n, 6, 'DecimalSI'), expect: '1234567M' },
  { in: dec(1234567n, -3, 'BinarySI'), expect: '1234567m' },
  { in: dec(3n, 3, 'DecimalSI'), expect: '3k' },
  { in: dec(1025n, 0, 'BinarySI'), expect: '1025' },
  { in: dec(0n, 0, 'DecimalSI'), expect: '0' },
  { in: dec(0n, 0, 'BinarySI'), expect: '0' },
  { in: dec(1n, 9, 'DecimalExponent'), expect: '1e9', alternate: '.001e12' },
  { in: dec(1n, -3, 'DecimalExponent'), expect: '1e-3', alternate: '0.001e0' },
  { in: dec(1n, -9, 'DecimalExponent'), expect: '1e-9', alternate: '1000e-12' },
  { in: dec(80n, -3, 'DecimalExponent'), expect: '80e-3' },
  { in: dec(300n, 6, 'DecimalExponent'), expect: '300e6' },
  { in: dec(1n, 12, 'DecimalExponent'), expect: '1e12' },
  { in: dec(1n, 3, 'DecimalExponent'), expect: '1e3' },
  { in: dec(3n, 3, 'DecimalExponent'), expect: '3e3' },
  { in: dec(0n, 0, 'DecimalExponent'), expect: '0', alternate: '00' },
  { in: dec(1n, -9, 'DecimalSI'), expect: '1n' },
  { in: dec(80n, -9, 'DecimalSI'), expect: '80n' },
  { in: dec(1080n, -9, 'DecimalSI'), expect: '1080n' },
  { in: dec(108n, -8, 'DecimalSI'), expect: '1080n' },
  { in: dec(10800n, -10, 'DecimalSI'), expect: '1080n' },
  { in: dec(1n, -6, 'DecimalSI'), expect: '1u' },
  { in: dec(80n, -6, 'DecimalSI'), expect: '80u' },
  { in: dec(1080n, -6, 'DecimalSI'), expect: '1080u' },
  // The brief's examples, and the fast-path inputs Kubernetes would echo verbatim (#138165)
  { in: dec(15n, 8, 'DecimalSI'), expect: '1500M', alternate: '1500M' },
  { in: dec(1536n * 1024n * 1024n, 0, 'BinarySI'), expect: '1536Mi', alternate: '1.5Gi' },
  { in: dec(5n, -1, 'DecimalSI'), expect: '500m', alternate: '0.5' },
  { in: dec(1001n, -3, 'DecimalSI'), expect: '1001m', alternate: '1.001' },
  { in: dec(1n, 0, 'DecimalSI'), expect: '1', alternate: '+1' },
  { in: dec(15n, 2, 'DecimalSI'), expect: '1500', alternate: '1.500k' },
  { in: dec(15n, 2, 'DecimalExponent'), expect: '1500', alternate: '1.5e3' },
  { in: dec(MAX_INT64, 0, 'BinarySI'), expect: '9223372036854775807', alternate: '8Ei' },
  { in: dec(2n, 20, 'DecimalSI'), expect: '200E', alternate: '200000000000000000000' },
];

for (const row of stringRows) {
  test(`format ${show(row.in)} is ${row.expect}`, () => {
    assert.is(formatQuantity(row.in), row.expect);
    // The canonical text parses back to the same value.
    assert.is(compareQuantities(parseQuantity(row.expect), row.in), 0);
    if (row.alternate !== undefined) assert.is(formatQuantity(parseQuantity(row.alternate)), row.expect, `alternate ${row.alternate}`);
    if (row.in.num !== 0n) assert.is(formatQuantity(negate(row.in)), `-${row.expect}`, 'negated');
  });
}

const otherFormatRows: Array<{ name: string; in: Quantity; expect: string }> = [
  // TestQuantityStringBelowNano: only reachable by building a Quantity by hand
  { name: 'below nano 1e-12', in: dec(1n, -12, 'DecimalSI'), expect: '1e-12' },
  { name: 'below nano 1e-10', in: dec(1n, -10, 'DecimalSI'), expect: '100e-12' },
  // TestBinarySIZeroExponentString / TestBinarySIPastEiArithmeticRoundTrip
  { name: 'BinarySI 2000', in: dec(2000n, 0, 'BinarySI'), expect: '2000' },
  { name: 'BinarySI -2000', in: dec(-2000n, 0, 'BinarySI'), expect: '-2000' },
  { name: 'BinarySI 2^70', in: { num: 2n ** 70n, den: 1n, format: 'BinarySI' }, expect: '1180591620717411303424' },
  { name: 'BinarySI 1024 is 1Ki', in: dec(1024n, 0, 'BinarySI'), expect: '1Ki' },
  { name: 'BinarySI -1024 is -1Ki', in: dec(-1024n, 0, 'BinarySI'), expect: '-1Ki' },
  { name: 'BinarySI 1023 is decimal', in: dec(1023n, 0, 'BinarySI'), expect: '1023' },
  { name: 'BinarySI fraction above 1024 falls back to DecimalSI', in: parseQuantity('1.0001Ki'), expect: '1024102400u' },
  { name: '1.5Gi in Ki is 1536Mi', in: parseQuantity('1572864Ki'), expect: '1536Mi' },
  // A hand-built non-terminating fraction is rounded up to nano, as parsing would have done.
  { name: 'one third', in: { num: 1n, den: 3n, format: 'DecimalSI' }, expect: '333333334n' },
  { name: 'minus one third', in: { num: -1n, den: 3n, format: 'DecimalSI' }, expect: '-333333334n' },
  { name: 'negative denominator', in: { num: 3n, den: -2n, format: 'DecimalSI' }, expect: '-1500m' },
  { name: 'huge exact decimal', in: parseQuantity('1e100'), expect: '10e99' },
];

for (const row of otherFormatRows) {
  test(`format: ${row.name}`, () => {
    assert.is(formatQuantity(row.in), row.expect);
  });
}

test('a zero denominator is a programming error', () => {
  assert.throws(() => formatQuantity({ num: 1n, den: 0n, format: 'DecimalSI' }), RangeError);
  assert.throws(() => compareQuantities({ num: 1n, den: 0n, format: 'DecimalSI' }, parseQuantity('1')), RangeError);
});

// --- TestQuantityParseEmit --------------------------------------------------------------------

const emitRows: Array<{ in: string; expect: string }> = [
  { in: '1Ki', expect: '1Ki' },
  { in: '1Mi', expect: '1Mi' },
  { in: '1Gi', expect: '1Gi' },
  { in: '1024Mi', expect: '1Gi' },
  { in: '1000M', expect: '1G' },
  { in: '.001Ki', expect: '1024m' },
  { in: '.000001Ki', expect: '1024u' },
  { in: '.000000001Ki', expect: '1024n' },
  { in: '.000000000001Ki', expect: '2n' },
  // pvsim rows
  { in: '1E', expect: '1E' },
  { in: '1E3', expect: '1e3' },
  { in: '1e3', expect: '1e3' },
  { in: '1000e0', expect: '1e3' },
  { in: '0.0001', expect: '100u' },
  { in: '0.1n', expect: '1n' },
  { in: '12345678901234567890123', expect: '12345678901234567890123' },
  { in: '9Ei', expect: '9223372036854775807' },
  { in: '4Ei', expect: '4Ei' },
  { in: '1.5Ei', expect: '1536Pi' },
];

for (const row of emitRows) {
  test(`parse then format ${row.in} → ${row.expect}`, () => {
    assert.is(formatQuantity(parseQuantity(row.in)), row.expect);
    assert.is(formatQuantity(parseQuantity(`-${row.in}`)), `-${row.expect}`);
  });
}

// --- TestQuantityCmp, plus exabytes -----------------------------------------------------------

const cmpRows: Array<{ x: string; y: string; expect: -1 | 0 | 1 }> = [
  { x: '0', y: '0', expect: 0 },
  { x: '100m', y: '50m', expect: 1 },
  { x: '50m', y: '100m', expect: -1 },
  { x: '10000T', y: '100Gi', expect: 1 },
  // exabytes, exactly
  { x: '200E', y: '8Ei', expect: 1 },
  { x: '200E', y: '9223372036854775807', expect: 1 },
  { x: '8Ei', y: '9223372036854775807', expect: 0 }, // BinarySI is capped at 2^63-1 on parse
  { x: '8Ei', y: '9Ei', expect: 0 },
  { x: '7Ei', y: '8Ei', expect: -1 },
  { x: '9223372036854775808', y: '8Ei', expect: 1 }, // DecimalSI is not capped
  { x: '8E', y: '8Ei', expect: -1 },
  { x: '9.223372036854775807E', y: '8Ei', expect: 0 },
  { x: '1Ei', y: '1152921504606846976', expect: 0 },
  { x: '1E', y: '1e18', expect: 0 },
  { x: '1E', y: '1E3', expect: 1 },
  { x: '1000E', y: '1e21', expect: 0 },
  { x: '1001E', y: '1e21', expect: 1 },
  // suffixes, fractions, milli and below
  { x: '1E3', y: '1k', expect: 0 },
  { x: '1.5Gi', y: '1536Mi', expect: 0 },
  { x: '1G', y: '1Gi', expect: -1 },
  { x: '1Gi', y: '1073741825', expect: -1 },
  { x: '1m', y: '0.001', expect: 0 },
  { x: '1m', y: '999999n', expect: 1 },
  { x: '0.1n', y: '1n', expect: 0 },
  { x: '0.5', y: '500m', expect: 0 },
  { x: '.5', y: '0.5e0', expect: 0 },
  { x: '-1', y: '1', expect: -1 },
  { x: '-1Gi', y: '-1G', expect: -1 },
  { x: '-0', y: '0Ki', expect: 0 },
];

for (const row of cmpRows) {
  test(`compare ${row.x} with ${row.y} is ${row.expect}`, () => {
    const x = parseQuantity(row.x);
    const y = parseQuantity(row.y);
    assert.is(compareQuantities(x, y), row.expect);
    assert.is(compareQuantities(y, x), -row.expect || 0);
  });
}

// --- Value(): TestNegativeValueRoundsAwayFromZero, plus exabytes ------------------------------

const bytesRows: Array<{ input: string; expect: bigint }> = [
  { input: '-.484785E-7466', expect: -1n },
  { input: '.484785E-7466', expect: 1n },
  { input: '-.484785E-1', expect: -1n },
  { input: '.484785E-1', expect: 1n },
  { input: '-0.0005', expect: -1n },
  { input: '0.0005', expect: 1n },
  { input: '-1500m', expect: -2n },
  { input: '1500m', expect: 2n },
  { input: '-9.5000000001Gi', expect: -10200547329n },
  { input: '9.5000000001Gi', expect: 10200547329n },
  { input: '-1', expect: -1n },
  { input: '1', expect: 1n },
  { input: '0', expect: 0n },
  // pvsim rows
  { input: '1Gi', expect: 1073741824n },
  { input: '1.5Gi', expect: 1610612736n },
  { input: '200E', expect: 200_000_000_000_000_000_000n },
  { input: '8Ei', expect: MAX_INT64 },
  { input: '1000E', expect: 10n ** 21n },
  { input: '1e30', expect: 10n ** 30n },
];

for (const row of bytesRows) {
  test(`quantityToBytes(${row.input}) is ${row.expect}`, () => {
    assert.is(quantityToBytes(parseQuantity(row.input)), row.expect);
  });
}

test('isQuantity', () => {
  for (const text of ['1Gi', '1e3', '.5', '1.', '-1', '+1Ki', '200E']) assert.ok(isQuantity(text), text);
  for (const text of ['', '1 Gi', 'Gi1', '1GB', '1.1.1']) assert.not.ok(isQuantity(text), text);
});

// --- properties -------------------------------------------------------------------------------

const digitString = (maxLength: number) =>
  fc.array(fc.constantFrom(...'0123456789'.split('')), { maxLength }).map((d) => d.join(''));

const suffixArb = fc.oneof(
  fc.constantFrom('', 'n', 'u', 'm', 'k', 'M', 'G', 'T', 'P', 'E', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei'),
  fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.integer({ min: 0, max: 40 }))
    .map(([e, sign, n]) => `${e}${sign}${n}`),
);

/** Well-formed quantity text, including forms like "1." and ".5" that Kubernetes accepts. */
const quantityText = fc
  .tuple(fc.constantFrom('', '+', '-'), digitString(22), fc.option(digitString(14), { nil: undefined }), suffixArb)
  .filter(([, whole, frac]) => whole.length > 0 || (frac ?? '').length > 0)
  .map(([sign, whole, frac, suffix]) => `${sign}${whole}${frac === undefined ? '' : `.${frac}`}${suffix}`);

const quantityArb = quantityText.map(parseQuantity);

test('property: every generated quantity parses', () => {
  fc.assert(fc.property(quantityText, (text) => isQuantity(text)));
});

test('property: parse(format(parse(x))) equals parse(x)', () => {
  fc.assert(fc.property(quantityArb, (q) => compareQuantities(parseQuantity(formatQuantity(q)), q) === 0), { numRuns: 2000 });
});

test('property: after one round trip the canonical text is a fixed point', () => {
  fc.assert(fc.property(quantityArb, (q) => {
    const once = formatQuantity(parseQuantity(formatQuantity(q)));
    return formatQuantity(parseQuantity(once)) === once;
  }), { numRuns: 1000 });
});

test('property: compare is reflexive and antisymmetric', () => {
  fc.assert(fc.property(quantityArb, quantityArb, (a, b) =>
    compareQuantities(a, a) === 0 && compareQuantities(a, b) === -compareQuantities(b, a) + 0), { numRuns: 1000 });
});

test('property: compare is transitive', () => {
  const transitive = (a: Quantity, b: Quantity, c: Quantity) =>
    !(compareQuantities(a, b) <= 0 && compareQuantities(b, c) <= 0) || compareQuantities(a, c) <= 0;
  fc.assert(fc.property(quantityArb, quantityArb, quantityArb, transitive), { numRuns: 1000 });
  // Random triples rarely tie; a small domain of equal-valued spellings exercises the ties.
  const small = fc.tuple(fc.constantFrom('', '-'), fc.integer({ min: 0, max: 3 }), fc.constantFrom('', 'k', 'Ki', 'm', 'e3', 'e0'))
    .map(([s, n, suf]) => parseQuantity(`${s}${n}${suf}`));
  fc.assert(fc.property(small, small, small, transitive), { numRuns: 2000 });
});

test('property: compare agrees with an integer oracle for whole decimal quantities', () => {
  const exponents: Record<string, bigint> = { '': 0n, k: 3n, M: 6n, G: 9n, T: 12n, P: 15n, E: 18n };
  const whole = fc.tuple(fc.bigInt({ min: -(10n ** 20n), max: 10n ** 20n }), fc.constantFrom(...Object.keys(exponents)))
    .map(([n, suf]) => ({ text: `${n}${suf}`, value: n * 10n ** exponents[suf]! }));
  fc.assert(fc.property(whole, whole, (a, b) => {
    const want = a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
    return compareQuantities(parseQuantity(a.text), parseQuantity(b.text)) === want
      && quantityToBytes(parseQuantity(a.text)) === a.value;
  }), { numRuns: 1000 });
});

test('property: quantityToBytes is monotonic', () => {
  fc.assert(fc.property(quantityArb, quantityArb, (a, b) =>
    compareQuantities(a, b) > 0 || quantityToBytes(a) <= quantityToBytes(b)), { numRuns: 1000 });
});

test('property: any string either parses or throws QuantityParseError', () => {
  const alphabet = fc.constantFrom(...'0123456789.+-eEinumkKMGTPa '.split(''));
  const noisy = fc.oneof(fc.string(), fc.array(alphabet, { maxLength: 12 }).map((c) => c.join('')));
  fc.assert(fc.property(noisy, (text) => {
    try {
      parseQuantity(text);
      return true;
    } catch (err) {
      return err instanceof QuantityParseError;
    }
  }), { numRuns: 3000 });
});

test.run();
