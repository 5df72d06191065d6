import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { byteLength } from '../src/names.ts';

const encoder = new TextEncoder();

test('byteLength is the UTF-8 length TextEncoder gives, lone surrogates included', () => {
  for (const s of ['', 'a', 'é', '€', '😀', '\ud800', '\udc00', 'a\ud800b', '\ud800\ud800\udc00', 'x'.repeat(300)]) {
    assert.is(byteLength(s), encoder.encode(s).length, JSON.stringify(s));
  }
  fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.string({ unit: fc.integer({ min: 0xd7f0, max: 0xe010 }).map((c) => String.fromCharCode(c)) }), (a, b) => {
    assert.is(byteLength(a), encoder.encode(a).length);
    assert.is(byteLength(b + a), encoder.encode(b + a).length);
  }));
});

test.run();
