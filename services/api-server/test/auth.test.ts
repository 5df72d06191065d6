/** The bearer-token check of `serve --api --token` (http.ts bearerMatches): a table of headers. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { bearerMatches, kubeconfigFor } from '../src/index.ts';

const TOKEN = 'abc.DEF-123_x';
const cases: [string, string | string[] | undefined, boolean][] = [
  ['the token', `Bearer ${TOKEN}`, true],
  ['scheme in any case', `bearer ${TOKEN}`, true],
  ['trailing space', `Bearer ${TOKEN} `, true],
  ['no header', undefined, false],
  ['empty header', '', false],
  ['another token', 'Bearer abc.DEF-123_y', false],
  ['a prefix of the token', 'Bearer abc', false],
  ['the token and more', `Bearer ${TOKEN}x`, false],
  ['basic auth', `Basic ${TOKEN}`, false],
  ['no scheme', TOKEN, false],
  ['words after the token (ignored, as the API server does)', `Bearer ${TOKEN} extra`, true],
  ['two spaces: an empty token', `Bearer  ${TOKEN}`, false],
  ['first of repeated headers', [`Bearer ${TOKEN}`, 'Bearer x'], true],
];
for (const [name, header, expected] of cases) {
  test(`bearer: ${name}`, () => { assert.is(bearerMatches(header, TOKEN), expected); });
}

test('kubeconfig: a CA replaces insecure-skip-tls-verify; a token goes to the user', () => {
  const plain = kubeconfigFor('http://127.0.0.1:6443');
  assert.match(plain, /insecure-skip-tls-verify: true/);
  assert.match(plain, /user: \{\}/);
  const secured = kubeconfigFor('https://127.0.0.1:6443', 'default', { token: TOKEN, caCert: '-----BEGIN CERTIFICATE-----\nx\n' });
  assert.not.match(secured, /insecure-skip-tls-verify/);
  assert.match(secured, new RegExp(`certificate-authority-data: ${Buffer.from('-----BEGIN CERTIFICATE-----\nx\n').toString('base64')}`));
  assert.match(secured, new RegExp(`  user:\\n    token: ${TOKEN.replace(/\./g, '\\.')}\\n`));
});

test.run();
