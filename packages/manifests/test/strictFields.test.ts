/**
 * Server-side field validation as the API server does it (kubectl ≥1.27 sends fieldValidation
 * Strict by default). Expected texts from kubernetes `test/integration/apiserver/field_validation_test.go`
 * (testFieldValidationPost: `strict decoding error: duplicate field "metadata.name", unknown field
 * "metadata.unknownMeta", …` in document order; a field both unknown and repeated is reported once, as
 * unknown; Warn returns the same texts as warnings) and kubectl `pkg/cmd/util/helpers.go`
 * (GetValidationDirective).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { ManifestError, applyFieldValidation, parseManifests, validationDirective } from '../src/index.ts';

// The Deployment of field_validation_test.go's invalidBodyYAML, with a name.
const INVALID_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: dupename
  name: web
  unknownMeta: metaVal
  labels:
    app: nginx
spec:
  unknown1: val1
  unknownDupe: valDupe
  unknownDupe: valDupe2
  paused: true
  paused: false
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:latest
        unknownNested: val1
        imagePullPolicy: Always
        imagePullPolicy: Never
`;

const MISSPELT_PVC = `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: data
spec:
  accessModes: [ReadWriteOnce]
  storageClassNam: fast
  resources:
    requests:
      storage: 1Gi
`;

test('Strict: a misspelt field is refused with the API server words, the file and the line', () => {
  const [parsed] = parseManifests(MISSPELT_PVC, 'pvc.yaml');
  try {
    applyFieldValidation(parsed!, 'Strict');
    assert.unreachable('strict must refuse');
  } catch (e) {
    assert.instance(e, ManifestError);
    const err = e as ManifestError;
    assert.is(err.line, 7);
    assert.is(err.message, 'pvc.yaml:7: Error from server (BadRequest): error when creating "pvc.yaml": PersistentVolumeClaim in version "v1" cannot be handled as a PersistentVolumeClaim: strict decoding error: unknown field "spec.storageClassNam"');
  }
});

test('Strict: unknown and duplicate fields in document order, unknown-and-repeated once (field_validation_test.go)', () => {
  const [parsed] = parseManifests(INVALID_DEPLOYMENT, 'web.yaml');
  assert.throws(() => applyFieldValidation(parsed!, 'Strict', 'patching'), (e: ManifestError) =>
    e.line === 5 && e.message === 'web.yaml:5: Error from server (BadRequest): error when patching "web.yaml": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
      + 'duplicate field "metadata.name", unknown field "metadata.unknownMeta", unknown field "spec.unknown1", unknown field "spec.unknownDupe", duplicate field "spec.paused", '
      + 'unknown field "spec.template.spec.containers[0].unknownNested", duplicate field "spec.template.spec.containers[0].imagePullPolicy"');
});

test('Warn: the same problems as warnings; the object keeps the last value of a duplicate and loses the unknown fields', () => {
  const [parsed] = parseManifests(INVALID_DEPLOYMENT, 'web.yaml');
  const { parsed: out, warnings } = applyFieldValidation(parsed!, 'Warn');
  assert.equal(warnings, [
    'duplicate field "metadata.name"', 'unknown field "metadata.unknownMeta"', 'unknown field "spec.unknown1"', 'unknown field "spec.unknownDupe"',
    'duplicate field "spec.paused"', 'unknown field "spec.template.spec.containers[0].unknownNested"', 'duplicate field "spec.template.spec.containers[0].imagePullPolicy"',
  ]);
  const o = out.object as any;
  assert.is(o.metadata.name, 'web');
  assert.is(o.spec.paused, false);
  assert.is(o.metadata.unknownMeta, undefined);
  assert.is(o.spec.unknown1, undefined);
  assert.is(o.spec.template.spec.containers[0].unknownNested, undefined);
  assert.is(o.spec.template.spec.containers[0].imagePullPolicy, 'Never');
  assert.is((parsed!.object as any).spec.unknown1, 'val1', 'the parsed input is not changed');
});

test('Ignore: dropped silently', () => {
  const [parsed] = parseManifests(MISSPELT_PVC, 'pvc.yaml');
  const { parsed: out, warnings } = applyFieldValidation(parsed!, 'Ignore');
  assert.equal(warnings, []);
  assert.is((out.object as any).spec.storageClassNam, undefined);
});

test('a clean manifest has no issues; maps (labels, annotations, data) and free-form fields take any key', () => {
  const text = `apiVersion: v1
kind: Pod
metadata:
  name: p
  labels: {a.b/c: d}
  annotations: {anything: goes}
spec:
  containers:
  - name: c
    image: busybox
    resources: {requests: {cpu: 100m, memory: 1Gi}}
    volumeMounts: [{name: d, mountPath: /data, subPathExpr: $(POD_NAME)}]
  volumes:
  - name: d
    ephemeral:
      volumeClaimTemplate:
        spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`;
  const [parsed] = parseManifests(text, 'pod.yaml');
  assert.is(parsed!.fieldIssues, undefined);
  const { parsed: out } = applyFieldValidation(parsed!, 'Strict');
  assert.is(out, parsed);
});

test('kubectl --validate values (GetValidationDirective)', () => {
  const table: [string, string][] = [['strict', 'Strict'], ['true', 'Strict'], ['warn', 'Warn'], ['ignore', 'Ignore'], ['false', 'Ignore']];
  for (const [flag, want] of table) assert.is(validationDirective(flag), want, flag);
  assert.throws(() => validationDirective('yes'), /invalid - validate option "yes"; must be one of: strict \(or true\), warn, ignore \(or false\)/);
});

test('k8sFields.ts is what scripts/gen-k8s-fields.mjs writes from the installed @kubernetes/client-node', async () => {
  const script = fileURLToPath(new URL('../../../scripts/gen-k8s-fields.mjs', import.meta.url));
  const { generate } = await import(script) as { generate: (from: string) => Promise<string> };
  const generated = await generate(fileURLToPath(new URL('../package.json', import.meta.url)));
  assert.ok(generated === readFileSync(new URL('../src/k8sFields.ts', import.meta.url), 'utf8'), 'run node scripts/gen-k8s-fields.mjs');
});

test.run();
