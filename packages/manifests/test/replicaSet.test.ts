/**
 * Design: ReplicaSet (apps/v1) as the v1.34 API server validates and defaults it
 * (K/pkg/apis/apps/validation ValidateReplicaSetSpec, v1 defaults) and as kubectl prints it
 * (printReplicaSet: NAME DESIRED CURRENT READY AGE; wide CONTAINERS IMAGES SELECTOR).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyDefaults, formatFieldError, printTable, resolveResource, validationErrors } from '../src/index.ts';

type Obj = Record<string, unknown>;

const rs = (spec: Obj = {}): Obj => ({
  apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: 'web-abc', namespace: 'default', creationTimestamp: '2026-01-01T00:00:00Z' },
  spec: {
    replicas: 2, selector: { matchLabels: { app: 'web', 'pod-template-hash': 'abc' } },
    template: { metadata: { labels: { app: 'web', 'pod-template-hash': 'abc' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } },
    ...spec,
  },
  status: { replicas: 2, readyReplicas: 1 },
});

const messages = (o: Obj): string[] => [...new Set(validationErrors(o, 'create').map(formatFieldError))];

test('rs, replicaset, replicasets.apps resolve to ReplicaSet', () => {
  for (const n of ['rs', 'replicaset', 'replicasets', 'replicasets.apps']) assert.is(resolveResource(n).kind, 'ReplicaSet');
});

test('a valid ReplicaSet; defaults give replicas 1', () => {
  assert.equal(messages(rs()), []);
  const { replicas: _r, ...rest } = rs().spec as Obj;
  assert.is(((applyDefaults({ ...rs(), spec: rest }) as Obj)['spec'] as Obj)['replicas'], 1);
});

test('replicas is not negative; the selector must match the template labels', () => {
  assert.equal(messages(rs({ replicas: -1 })), ['spec.replicas: Invalid value: -1: must be greater than or equal to 0']);
  const bad = messages(rs({ selector: { matchLabels: { app: 'other' } } }));
  assert.ok(bad.some((m) => m.startsWith('spec.template.metadata.labels: Invalid value')), bad.join('\n'));
});

test('kubectl columns', () => {
  const now = '2026-01-01T00:01:00Z';
  assert.is(printTable('ReplicaSet', [rs()], { now }), ['NAME      DESIRED   CURRENT   READY   AGE', 'web-abc   2         2         1       60s', ''].join('\n'));
  assert.is(printTable('ReplicaSet', [rs()], { now, wide: true }), [
    'NAME      DESIRED   CURRENT   READY   AGE   CONTAINERS   IMAGES       SELECTOR',
    'web-abc   2         2         1       60s   app          nginx:1.27   app=web,pod-template-hash=abc',
    '',
  ].join('\n'));
});

test.run();
