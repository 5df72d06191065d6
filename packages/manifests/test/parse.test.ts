import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManifestError, parseFieldPath, parseManifests, parseManifestsSettled } from '../src/index.ts';

const MULTI = `# a volume
apiVersion: v1
kind: PersistentVolume
metadata:
  name: nas
spec:
  capacity:
    storage: 5Gi
  accessModes:
    - ReadWriteOnce
    - ReadOnlyMany
  nfs: {server: 10.0.0.1, path: /exports}
---
---
# only a comment
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
  namespace: team-a
spec:
  resources:
    requests:
      storage: 1Gi
`;

test('multi-document YAML: empty documents are skipped, each object keeps its first line', () => {
  const objects = parseManifests(MULTI, 'multi.yaml');
  assert.equal(objects.map((o) => [o.object['kind'], o.line, o.file]), [
    ['PersistentVolume', 2, 'multi.yaml'],
    ['PersistentVolumeClaim', 17, 'multi.yaml'],
  ]);
  assert.equal((objects[0]!.object['spec'] as Record<string, unknown>)['accessModes'], ['ReadWriteOnce', 'ReadOnlyMany']);
});

const lineCases: Array<{ name: string; doc: number; path: string; line: number | undefined }> = [
  { name: 'top-level key', doc: 0, path: 'kind', line: 3 },
  { name: 'nested map key (dot path)', doc: 0, path: 'spec.capacity.storage', line: 8 },
  { name: 'nested map key (Kubernetes bracket path)', doc: 0, path: 'spec.capacity[storage]', line: 8 },
  { name: 'list item by index', doc: 0, path: 'spec.accessModes[1]', line: 11 },
  { name: 'flow mapping key', doc: 0, path: 'spec.nfs.path', line: 12 },
  { name: 'missing field', doc: 0, path: 'spec.hostPath', line: undefined },
  { name: 'index past the end', doc: 0, path: 'spec.accessModes[5]', line: undefined },
  { name: 'second document', doc: 1, path: 'spec.resources.requests.storage', line: 25 },
  { name: 'second document namespace', doc: 1, path: 'metadata.namespace', line: 21 },
];
for (const c of lineCases) {
  test(`lineOf: ${c.name}`, () => {
    const objects = parseManifests(MULTI, 'multi.yaml');
    assert.is(objects[c.doc]!.lineOf(c.path), c.line);
  });
}

test('JSON input is parsed with line numbers', () => {
  const text = '{\n  "apiVersion": "v1",\n  "kind": "PersistentVolume",\n  "metadata": {\n    "name": "j"\n  },\n  "spec": {"accessModes": ["ReadWriteOnce"]}\n}\n';
  const [o] = parseManifests(text, 'pv.json');
  assert.is(o!.line, 1);
  assert.is(o!.lineOf('metadata.name'), 5);
  assert.is(o!.lineOf('spec.accessModes[0]'), 7);
  assert.equal(o!.object['metadata'], { name: 'j' });
});

test('kind: List is flattened and each item keeps its own line', () => {
  const text = `apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: PersistentVolumeClaim
  metadata:
    name: a
- apiVersion: storage.k8s.io/v1
  kind: StorageClass
  metadata:
    name: fast
  provisioner: csi.example.com
`;
  const objects = parseManifests(text, 'list.yaml');
  assert.equal(objects.map((o) => [o.object['kind'], o.line]), [['PersistentVolumeClaim', 4], ['StorageClass', 8]]);
  assert.is(objects[1]!.lineOf('provisioner'), 12);
  assert.is(objects[0]!.lineOf('metadata.name'), 7);
});

test('an empty List and an empty file give no objects', () => {
  assert.equal(parseManifests('apiVersion: v1\nkind: List\nitems: []\n', 'l.yaml'), []);
  assert.equal(parseManifests('', 'e.yaml'), []);
  assert.equal(parseManifests('---\n# nothing\n---\n', 'e.yaml'), []);
});

const errorCases: Array<{ name: string; text: string; code: string; line: number | undefined; message: string }> = [
  {
    name: 'mapping value inside a scalar',
    text: 'apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: nas\nspec:\n  capacity:\n    storage: 5Gi: x\n',
    code: 'InvalidYAML', line: 7,
    message: 'error: error parsing bad.yaml: error converting YAML to JSON: yaml: line 7: mapping values are not allowed in this context',
  },
  {
    name: 'bad indentation',
    text: 'a: 1\n b: 2\n',
    code: 'InvalidYAML', line: 2,
    message: 'error: error parsing bad.yaml: error converting YAML to JSON: yaml: line 2: mapping values are not allowed in this context',
  },
  {
    name: 'line without a colon',
    text: 'a: 1\nfoo\nb: 2\n',
    code: 'InvalidYAML', line: 3,
    message: "error: error parsing bad.yaml: error converting YAML to JSON: yaml: line 3: could not find expected ':'",
  },
  {
    name: 'tab indentation',
    text: 'a:\n\tb: 1\n',
    code: 'InvalidYAML', line: 2,
    message: 'error: error parsing bad.yaml: error converting YAML to JSON: yaml: line 2: found character that cannot start any token',
  },
  {
    name: 'unknown alias',
    text: 'apiVersion: v1\nkind: PersistentVolume\nmetadata: *meta\n',
    code: 'InvalidYAML', line: 3,
    message: "error: error parsing bad.yaml: error converting YAML to JSON: yaml: line 3: unknown anchor 'meta' referenced",
  },
  {
    name: 'unknown kind',
    text: 'apiVersion: v1\nkind: Foo\nmetadata:\n  name: x\n',
    code: 'UnknownKind', line: 2,
    message: 'bad.yaml:2: error: resource mapping not found for name: "x" namespace: "" from "bad.yaml": no matches for kind "Foo" in version "v1"\nensure CRDs are installed first',
  },
  {
    name: 'known kind in the wrong group',
    text: 'apiVersion: storage.k8s.io/v1\nkind: PersistentVolume\nmetadata:\n  name: nas\n',
    code: 'UnknownKind', line: 2,
    message: 'bad.yaml:2: error: resource mapping not found for name: "nas" namespace: "" from "bad.yaml": no matches for kind "PersistentVolume" in version "storage.k8s.io/v1"\nensure CRDs are installed first',
  },
  {
    name: 'kind names are case-sensitive',
    text: 'apiVersion: v1\nkind: persistentvolume\nmetadata:\n  name: nas\n',
    code: 'UnknownKind', line: 2,
    message: 'bad.yaml:2: error: resource mapping not found for name: "nas" namespace: "" from "bad.yaml": no matches for kind "persistentvolume" in version "v1"\nensure CRDs are installed first',
  },
  {
    name: 'an internal kind pvsim never serves (CSIVolume)',
    text: 'apiVersion: csi.pvsim.dev/v1\nkind: CSIVolume\nmetadata:\n  name: va\n',
    code: 'UnknownKind', line: 2,
    message: 'bad.yaml:2: error: resource mapping not found for name: "va" namespace: "" from "bad.yaml": no matches for kind "CSIVolume" in version "csi.pvsim.dev/v1"\nensure CRDs are installed first',
  },
  {
    name: 'missing kind',
    text: 'apiVersion: v1\nmetadata:\n  name: x\n',
    code: 'InvalidObject', line: 1,
    message: `bad.yaml:1: error: unable to decode "bad.yaml": Object 'Kind' is missing in '{"apiVersion":"v1","metadata":{"name":"x"}}'`,
  },
  {
    name: 'missing apiVersion',
    text: 'kind: PersistentVolume\nmetadata:\n  name: x\n',
    code: 'InvalidObject', line: 1,
    message: `bad.yaml:1: error: unable to decode "bad.yaml": Object 'apiVersion' is missing in '{"kind":"PersistentVolume","metadata":{"name":"x"}}'`,
  },
  {
    name: 'a document that is a list',
    text: '- a\n- b\n',
    code: 'InvalidObject', line: 1,
    message: 'bad.yaml:1: error: error parsing bad.yaml: error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}',
  },
];
for (const c of errorCases) {
  test(`error: ${c.name}`, () => {
    try {
      parseManifests(c.text, 'bad.yaml');
      assert.unreachable('should have thrown');
    } catch (e) {
      assert.instance(e, ManifestError);
      const err = e as ManifestError;
      assert.is(err.code, c.code);
      assert.is(err.file, 'bad.yaml');
      assert.is(err.line, c.line);
      assert.is(err.message, c.message);
      assert.is(err.name, 'ManifestError');
    }
  });
}

test('parseManifestsSettled keeps the good documents next to the errors', () => {
  const text = 'apiVersion: v1\nkind: Foo\nmetadata: {name: x}\n---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {name: ok}\n---\na: [1\n';
  const { objects, errors } = parseManifestsSettled(text, 'mixed.yaml');
  assert.equal(objects.map((o) => o.object['metadata']), [{ name: 'ok' }]);
  assert.equal(errors.map((e) => [e.code, e.line]), [['UnknownKind', 2], ['InvalidYAML', 10]]);
});

const pathCases: Array<{ name: string; path: string; segments: Array<string | number> }> = [
  { name: 'dots', path: 'spec.capacity.storage', segments: ['spec', 'capacity', 'storage'] },
  { name: 'index', path: 'spec.accessModes[1]', segments: ['spec', 'accessModes', 1] },
  { name: 'bracket key', path: 'spec.capacity[storage]', segments: ['spec', 'capacity', 'storage'] },
  { name: 'bracket key with dots and slashes', path: 'metadata.annotations[volume.beta.kubernetes.io/storage-class]', segments: ['metadata', 'annotations', 'volume.beta.kubernetes.io/storage-class'] },
  { name: 'nested indexes', path: 'spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[2].key', segments: ['spec', 'nodeAffinity', 'required', 'nodeSelectorTerms', 0, 'matchExpressions', 2, 'key'] },
];
for (const c of pathCases) {
  test(`parseFieldPath: ${c.name}`, () => {
    assert.equal(parseFieldPath(c.path), c.segments);
  });
}

test.run();
