/**
 * $(VAR) expansion as the kubelet applies it to subPathExpr (and command/args):
 * third_party/forked/golang/expansion/expand_test.go's rules — a known name is replaced, an
 * unknown one kept as written, `$$` escapes, a lone `$` or an unclosed `$(` stays.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { expandEnvReferences } from '../src/index.ts';

const env = new Map([['POD_NAME', 'web-1'], ['NS', 'shop'], ['EMPTY', '']]);

const rows: [string, string][] = [
  ['$(POD_NAME)', 'web-1'],
  ['logs/$(NS)/$(POD_NAME)', 'logs/shop/web-1'],
  ['$(UNKNOWN)/x', '$(UNKNOWN)/x'],
  ['$$(POD_NAME)', '$(POD_NAME)'],
  ['a$b', 'a$b'],
  ['$(POD_NAME', '$(POD_NAME'],
  ['x$', 'x$'],
  ['$(EMPTY)a', 'a'],
];
for (const [input, want] of rows) {
  test(`expand ${JSON.stringify(input)}`, () => assert.is(expandEnvReferences(input, env), want));
}

test.run();
