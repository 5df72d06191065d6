import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManifestError, applyRequestNamespace, parseManifests } from '../src/index.ts';

const pvc = (ns?: string): string => `apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\n${ns ? `  namespace: ${ns}\n` : ''}`;
const pv = 'apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: nas\n';

const cases: Array<{ name: string; text: string; namespace: string; explicit: boolean; expected: string | undefined }> = [
  { name: 'namespaced object without one gets the request namespace', text: pvc(), namespace: 'default', explicit: false, expected: 'default' },
  { name: 'explicit -n fills it too', text: pvc(), namespace: 'team-a', explicit: true, expected: 'team-a' },
  { name: 'the object keeps its own namespace without -n', text: pvc('team-b'), namespace: 'default', explicit: false, expected: 'team-b' },
  { name: 'same namespace as -n', text: pvc('team-b'), namespace: 'team-b', explicit: true, expected: 'team-b' },
  { name: 'cluster-scoped objects are left alone', text: pv, namespace: 'team-a', explicit: true, expected: undefined },
];
for (const c of cases) {
  test(`applyRequestNamespace: ${c.name}`, () => {
    const [parsed] = parseManifests(c.text, 'x.yaml');
    const out = applyRequestNamespace(parsed!, { namespace: c.namespace, explicit: c.explicit });
    assert.is((out.object['metadata'] as Record<string, unknown>)['namespace'], c.expected);
    assert.is(out.lineOf('metadata.name'), 4);
  });
}

test('applyRequestNamespace: -n that contradicts the manifest is refused like kubectl', () => {
  const [parsed] = parseManifests(pvc('team-b'), 'x.yaml');
  try {
    applyRequestNamespace(parsed!, { namespace: 'team-a', explicit: true });
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.instance(e, ManifestError);
    assert.is((e as ManifestError).message,
      `x.yaml:5: error: the namespace from the provided object "team-b" does not match the namespace "team-a". You must pass '--namespace=team-b' to perform this operation.`);
  }
});

test('applyRequestNamespace does not mutate its input', () => {
  const [parsed] = parseManifests(pvc(), 'x.yaml');
  applyRequestNamespace(parsed!, { namespace: 'default', explicit: false });
  assert.equal(parsed!.object['metadata'], { name: 'data' });
});

test.run();
