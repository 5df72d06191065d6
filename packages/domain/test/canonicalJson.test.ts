import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { canonicalJson, copyShared, jsonEqual, sortKeysDeep } from '../src/canonicalJson.ts';

interface Row { name: string; value: unknown; want: string }

const rows: Row[] = [
  { name: 'scalars as JSON.stringify prints them', value: [1, 'a', true, null, 1.5e300], want: '[1,"a",true,null,1.5e+300]' },
  { name: 'keys sorted', value: { b: 1, a: 2, c: 3 }, want: '{"a":2,"b":1,"c":3}' },
  { name: 'keys sorted at every depth', value: { z: { y: 1, x: [{ q: 1, p: 2 }] } }, want: '{"z":{"x":[{"p":2,"q":1}],"y":1}}' },
  { name: 'arrays keep their order', value: [3, 1, 2], want: '[3,1,2]' },
  { name: 'undefined members dropped', value: { a: undefined, b: 1 }, want: '{"b":1}' },
  { name: 'only undefined members: empty object', value: { a: undefined }, want: '{}' },
  { name: 'undefined array element is null', value: [undefined, 1], want: '[null,1]' },
  { name: 'undefined at top level is null', value: undefined, want: 'null' },
  { name: 'keys by UTF-16 code unit (upper case first)', value: { b: 1, B: 2, a: 3, _: 4 }, want: '{"B":2,"_":4,"a":3,"b":1}' },
  { name: 'keys and strings escaped', value: { 'a"b': 'x\ny' }, want: '{"a\\"b":"x\\ny"}' },
  { name: 'numeric-looking keys sorted as strings', value: { 10: 'a', 9: 'b', 1: 'c' }, want: '{"1":"c","10":"a","9":"b"}' },
  { name: 'empty containers', value: { a: {}, b: [] }, want: '{"a":{},"b":[]}' },
];

for (const row of rows) {
  test(`canonicalJson: ${row.name}`, () => {
    assert.is(canonicalJson(row.value), row.want);
  });
}

test('sortKeysDeep: the sorted value, not a string; JSON.stringify of it is the canonical text', () => {
  const value = { b: [{ d: 1, c: undefined }], a: 'x' };
  const sorted = sortKeysDeep(value);
  assert.equal(Object.keys(sorted), ['a', 'b']);
  assert.equal(JSON.parse(JSON.stringify(sorted)), { a: 'x', b: [{ d: 1 }] });
  assert.is(JSON.stringify(sorted), canonicalJson(value));
});

test('sortKeysDeep: a key such as __proto__ (a ConfigMap key may be one) stays an own key', () => {
  const value = JSON.parse('{"__proto__": "x", "a": 1}') as Record<string, unknown>;
  const sorted = sortKeysDeep(value);
  assert.equal(Object.keys(sorted), ['__proto__', 'a']);
  assert.is(JSON.stringify(sorted), '{"__proto__":"x","a":1}');
});

test('sortKeysDeep: integer-like keys still come first (a JavaScript object lists them so)', () => {
  const value = { '': 1, 0: 2 };
  assert.is(canonicalJson(value), '{"":1,"0":2}');
  assert.is(JSON.stringify(sortKeysDeep(value)), '{"0":2,"":1}');
});

test('property: key order does not matter, and the text parses back to the same value', () => {
  fc.assert(fc.property(fc.jsonValue(), (value) => {
    const shuffled = JSON.parse(JSON.stringify(value), (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v).reverse())
      : v));
    assert.is(canonicalJson(shuffled), canonicalJson(value));
    assert.equal(JSON.parse(canonicalJson(value)), JSON.parse(JSON.stringify(value)));
    assert.is(canonicalJson(sortKeysDeep(value)), canonicalJson(value));
  }));
});

test('jsonEqual agrees with comparing canonical JSON texts', () => {
  const json = fc.jsonValue({ maxDepth: 3 });
  fc.assert(fc.property(json, json, (a, b) => jsonEqual(a, b) === (canonicalJson(a) === canonicalJson(b))));
  fc.assert(fc.property(json, (a) => jsonEqual(a, JSON.parse(JSON.stringify(a)))));
  assert.ok(jsonEqual({ a: 1, b: undefined }, { a: 1 }));
  assert.not.ok(jsonEqual({ a: [1, 2] }, { a: [2, 1] }));
  assert.not.ok(jsonEqual({ a: {} }, { a: [] }));
});

test('copyShared: an equal copy, shared where the base has the very same part, new elsewhere', () => {
  const base = { metadata: { name: 'a', labels: { x: '1' } }, spec: { modes: ['RWO'], size: 1 } };
  const request = { ...base, metadata: { ...base.metadata, annotations: { y: '2' } }, extra: undefined };
  const out = copyShared(request, base);
  assert.equal(out, request);
  assert.ok('extra' in out, 'undefined members are kept, as structuredClone keeps them');
  assert.is.not(out, request);
  assert.is.not(out.metadata, request.metadata);
  assert.is.not(out.metadata.annotations, request.metadata.annotations);
  assert.is(out.spec, base.spec);
  assert.is(out.metadata.labels, base.metadata.labels);
  assert.equal(Object.keys(out), Object.keys(request));
});

test('copyShared keeps a __proto__ key as an own key', () => {
  const v = JSON.parse('{"data":{"__proto__":"x","a":"b"}}');
  const c = copyShared(v);
  assert.equal(Object.keys(c.data), ['__proto__', 'a']);
  assert.is(JSON.stringify(c), JSON.stringify(v));
});

test('copyShared without a base is a deep copy equal to structuredClone', () => {
  fc.assert(fc.property(fc.jsonValue(), (v) => {
    const c = copyShared(v);
    assert.equal(c, structuredClone(v));
    if (v !== null && typeof v === 'object') assert.is.not(c, v);
  }));
});

test.run();
