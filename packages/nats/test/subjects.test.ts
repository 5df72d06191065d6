import * as assert from 'uvu/assert';
import { test } from 'uvu';
import fc from 'fast-check';
import {
  ClusterNameInvalidError,
  csiRpcSubject,
  driverStateKey,
  lockstepSubject,
  escapeToken,
  logStreamName,
  logSubject,
  logSubjectFilter,
  recordStreamOf,
  redactCredentials,
  unescapeToken,
} from '@pvsim/nats';

test('tokens: names with dots, wildcards, spaces and unicode become one safe token', () => {
  const table: [string, string][] = [
    ['nas', 'nas'],
    ['data.v1', 'data%2Ev1'],
    ['a*b>c', 'a%2Ab%3Ec'],
    ['with space\ttab', 'with%20space%09tab'],
    ['ü', '%C3%BC'],
    ['50%', '50%25'],
    ['', '%'],
    ['kube-system_x', 'kube-system_x'],
  ];
  for (const [text, token] of table) {
    assert.is(escapeToken(text), token, text);
    assert.is(unescapeToken(token), text, token);
  }
});

test('subjects: one token per segment of the record stream, under the cluster log prefix', () => {
  assert.is(logSubject('c1', 'pv/nas'), 'pvsim.c1.log.pv.nas');
  assert.is(logSubject('c1', 'pvc/default/data.v1'), 'pvsim.c1.log.pvc.default.data%2Ev1');
  assert.is(logSubject('c1', 'cluster'), 'pvsim.c1.log.cluster');
  assert.is(logSubjectFilter('c1'), 'pvsim.c1.log.>');
  assert.is(logStreamName('c1'), 'PVSIM_c1');
  assert.is(recordStreamOf('c1', 'pvsim.c1.log.pvc.default.data%2Ev1'), 'pvc/default/data.v1');
});

test('cluster names that would need escaping are refused with a clear error', () => {
  for (const bad of ['', 'a.b', 'a b', 'x*', 'x'.repeat(65)]) {
    assert.throws(() => logSubject(bad, 'pv/a'), (e: unknown) => e instanceof ClusterNameInvalidError && /must be 1 to 64 characters/.test(e.message));
  }
});

test('tokens that escaping cannot produce are refused', () => {
  for (const bad of ['a.b', '%2', '%zz', '%2e', 'a b', '%%']) assert.throws(() => unescapeToken(bad), undefined, bad);
});

test('property: every escaped token is a valid NATS token, and escaping is injective and inverted', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.string({ maxLength: 30 }), (a, b) => {
      const ta = escapeToken(a);
      assert.ok(/^[A-Za-z0-9_%-]+$/.test(ta), ta);
      assert.is(unescapeToken(ta), a);
      if (a !== b) assert.is.not(ta, escapeToken(b));
    }),
  );
});

test('property: record streams round-trip through their subject', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ maxLength: 12 }), { minLength: 1, maxLength: 4 }), (segments) => {
      const stream = segments.join('/');
      assert.is(recordStreamOf('c', logSubject('c', stream)), stream);
    }),
  );
});

test('a CSI driver answers on one subject per cluster and driver, its name one escaped token, outside the log', () => {
  const table: [string, string, string][] = [
    ['c1', 'disk.csi.pvsim.dev', 'pvsim.c1.csi.disk%2Ecsi%2Epvsim%2Edev.rpc'],
    ['c1', 'nas', 'pvsim.c1.csi.nas.rpc'],
    ['c-2', 'a*b>c d', 'pvsim.c-2.csi.a%2Ab%3Ec%20d.rpc'],
  ];
  for (const [cluster, driver, subject] of table) assert.is(csiRpcSubject(cluster, driver), subject);
  assert.throws(() => csiRpcSubject('bad.cluster', 'nas'), (e: unknown) => e instanceof ClusterNameInvalidError);
  fc.assert(
    fc.property(fc.string({ maxLength: 20 }), (driver) => {
      const tokens = csiRpcSubject('c', driver).split('.');
      assert.is(tokens.length, 5);
      assert.is(unescapeToken(tokens[3]!), driver);
      assert.not.ok(csiRpcSubject('c', driver).startsWith(logSubjectFilter('c').slice(0, -1)));
    }),
  );
});

test('credentials in a server URL are hidden in messages', () => {
  assert.is(redactCredentials('nats://pvsim:s3cret@127.0.0.1:4222'), 'nats://***@127.0.0.1:4222');
  assert.is(redactCredentials('tls://tok@host:4222'), 'tls://***@host:4222');
  assert.is(redactCredentials('nats://127.0.0.1:4222'), 'nats://127.0.0.1:4222');
});

test('a driver module\'s memory is one object per cluster and driver: CLUSTER/DRIVER (ADR 0029)', () => {
  assert.is(driverStateKey('c1', 'disk.csi.pvsim.dev'), 'c1/disk.csi.pvsim.dev');
  assert.throws(() => driverStateKey('a/b', 'nas'), (e: unknown) => e instanceof ClusterNameInvalidError);
  // A cluster name has no '/', so two clusters' objects never share a name.
  fc.assert(fc.property(fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/), fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/), fc.string({ maxLength: 12 }), (a, b, d) => {
    if (a !== b) assert.is.not(driverStateKey(a, d), driverStateKey(b, d));
  }));
});

test.run();

test('a lockstep grant goes to one subject per cluster and component, the component one escaped token, outside the log', () => {
  const table: [string, string, string][] = [
    ['c1', 'pv-controller', 'pvsim.c1.lockstep.pv-controller'],
    ['c1', 'kubelet/node-1', 'pvsim.c1.lockstep.kubelet%2Fnode-1'],
    ['c1', 'attacher/disk.csi.pvsim.dev', 'pvsim.c1.lockstep.attacher%2Fdisk%2Ecsi%2Epvsim%2Edev'],
  ];
  for (const [cluster, component, subject] of table) assert.is(lockstepSubject(cluster, component), subject);
  assert.throws(() => lockstepSubject('bad.cluster', 'pv-controller'), (e: unknown) => e instanceof ClusterNameInvalidError);
  fc.assert(
    fc.property(fc.string({ maxLength: 20 }), (component) => {
      const tokens = lockstepSubject('c', component).split('.');
      assert.is(tokens.length, 4);
      assert.is(tokens[2], 'lockstep');
      assert.is(unescapeToken(tokens[3]!), component);
    }),
  );
});
