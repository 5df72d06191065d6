import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeBase64, formatFieldError, validationErrors } from '../src/index.ts';

type Obj = Record<string, unknown>;

const SUBDOMAIN = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const CONFIG_KEY = "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";

const configMap = (fields: Obj = {}, metadata: Obj = {}): Obj => ({
  apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-config', namespace: 'default', ...metadata }, data: { 'index.html': 'hello' }, ...fields,
});
const secret = (fields: Obj = {}, metadata: Obj = {}): Obj => ({
  apiVersion: 'v1', kind: 'Secret', metadata: { name: 'web-creds', namespace: 'default', ...metadata }, data: { user: 'YWRtaW4=' }, ...fields,
});
const attachment = (spec: Obj = {}, metadata: Obj = {}): Obj => ({
  apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name: 'csi-0123abcd', ...metadata },
  spec: { attacher: 'block.csi.pvsim.dev', nodeName: 'node-a', source: { persistentVolumeName: 'pvc-1' }, ...spec },
});
const node = (metadata: Obj = {}): Obj => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', ...metadata } });

const messages = (o: Obj, mode: 'create' | 'update' = 'create', old?: Obj): string[] =>
  [...new Set(validationErrors(o, mode, old).map(formatFieldError))];

interface Row { name: string; object: Obj; expected: string[] }

const createRows: Row[] = [
  { name: 'ConfigMap: valid', object: configMap(), expected: [] },
  { name: 'ConfigMap: keys are config keys', object: configMap({ data: { 'a/b': 'x', '..data': 'y' } }), expected: [`data[..data]: Invalid value: "..data": must not start with '..'`, `data[a/b]: Invalid value: "a/b": ${CONFIG_KEY}`] },
  { name: 'ConfigMap: . is not a key', object: configMap({ data: { '.': 'x' } }), expected: ["data[.]: Invalid value: \".\": must not be '.'"] },
  { name: 'ConfigMap: values are strings', object: configMap({ data: { port: 8080 } }), expected: ['data.port: Invalid value: 8080: json: cannot unmarshal number into Go struct field ConfigMap.data of type string'] },
  { name: 'ConfigMap: a key in data and binaryData', object: configMap({ data: { a: 'x' }, binaryData: { a: 'eA==' } }), expected: ['data[a]: Invalid value: "a": duplicate of key present in binaryData'] },
  { name: 'ConfigMap: binaryData is base64', object: configMap({ binaryData: { logo: 'not base64!' } }), expected: ['binaryData.logo: Invalid value: "not base64!": illegal base64 data at input byte 3'] },
  { name: 'ConfigMap: at most 1 MiB', object: configMap({ data: { big: 'x'.repeat(1024 * 1024 + 1) } }), expected: [': Too long: must have at most 1048576 bytes'] },
  { name: 'ConfigMap: namespace required', object: configMap({}, { namespace: '' }), expected: ['metadata.namespace: Required value'] },

  { name: 'Secret: valid', object: secret(), expected: [] },
  { name: 'Secret: stringData is plain text', object: secret({ stringData: { password: 'not base64!' } }), expected: [] },
  { name: 'Secret: data is base64', object: secret({ data: { password: 'hunter2' } }), expected: ['data.password: Invalid value: "hunter2": illegal base64 data at input byte 4'] },
  { name: 'Secret: stringData keys are reported as data keys', object: secret({ stringData: { 'a b': 'x' } }), expected: [`data[a b]: Invalid value: "a b": ${CONFIG_KEY}`] },
  { name: 'Secret: data values are strings', object: secret({ data: { n: 1 } }), expected: ['data.n: Invalid value: 1: json: cannot unmarshal number into Go struct field Secret.data of type string'] },
  { name: 'Secret: at most 1 MiB decoded', object: secret({ data: { big: Buffer.alloc(1024 * 1024 + 3).toString('base64') } }), expected: ['data: Too long: must have at most 1048576 bytes'] },
  { name: 'Secret: name is a DNS subdomain', object: secret({}, { name: 'Creds' }), expected: [`metadata.name: Invalid value: "Creds": ${SUBDOMAIN}`] },

  { name: 'VolumeAttachment: valid', object: attachment(), expected: [] },
  { name: 'VolumeAttachment: attacher required', object: attachment({ attacher: '' }), expected: ['spec.attacher: Required value', `spec.attacher: Invalid value: "": ${SUBDOMAIN}`] },
  { name: 'VolumeAttachment: nodeName is a DNS subdomain (so required)', object: attachment({ nodeName: '' }), expected: [`spec.nodeName: Invalid value: "": ${SUBDOMAIN}`] },
  { name: 'VolumeAttachment: a source required', object: attachment({ source: {} }), expected: ['spec.source: Required value: must specify exactly one of inlineVolumeSpec and persistentVolumeName'] },
  { name: 'VolumeAttachment: persistentVolumeName not empty', object: attachment({ source: { persistentVolumeName: '' } }), expected: ['spec.source.persistentVolumeName: Required value: must specify non empty persistentVolumeName', `spec.source.persistentVolumeName: Invalid value: "": ${SUBDOMAIN}`] },
  { name: 'VolumeAttachment: one source only', object: attachment({ source: { persistentVolumeName: 'pv', inlineVolumeSpec: { csi: { driver: 'd', volumeHandle: 'h' } } } }), expected: ['spec.source: Forbidden: must specify exactly one of inlineVolumeSpec and persistentVolumeName'] },
  { name: 'VolumeAttachment: a namespace is dropped', object: attachment({}, { namespace: 'default' }), expected: [] },

  { name: 'Node: valid', object: node({ labels: { 'topology.kubernetes.io/zone': 'zone-a' } }), expected: [] },
  { name: 'Node: label values', object: node({ labels: { 'topology.kubernetes.io/zone': 'zone a' } }), expected: ["metadata.labels: Invalid value: \"zone a\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"] },
  { name: 'Node: name is a DNS subdomain', object: node({ name: 'Node_A' }), expected: [`metadata.name: Invalid value: "Node_A": ${SUBDOMAIN}`] },
];

for (const row of createRows) {
  test(`create: ${row.name}`, () => {
    assert.equal(messages(row.object), row.expected);
  });
}

const IMMUTABLE = 'field is immutable when `immutable` is set';

const updateRows: Array<{ name: string; old: Obj; object: Obj; expected: string[] }> = [
  { name: 'ConfigMap: data may change', old: configMap(), object: configMap({ data: { 'index.html': 'bye' } }), expected: [] },
  { name: 'ConfigMap: immutable data', old: configMap({ immutable: true }), object: configMap({ immutable: true, data: { 'index.html': 'bye' } }), expected: [`data: Forbidden: ${IMMUTABLE}`] },
  { name: 'ConfigMap: immutable stays set', old: configMap({ immutable: true }), object: configMap({ immutable: false }), expected: [`immutable: Forbidden: ${IMMUTABLE}`] },
  { name: 'Secret: type is immutable', old: secret(), object: secret({ type: 'kubernetes.io/tls' }), expected: ['type: Invalid value: "kubernetes.io/tls": field is immutable'] },
  { name: 'Secret: immutable data (stringData folds into it)', old: secret({ immutable: true }), object: secret({ immutable: true, stringData: { more: 'x' } }), expected: [`data: Forbidden: ${IMMUTABLE}`] },
  { name: 'VolumeAttachment: status may change', old: attachment(), object: { ...attachment(), status: { attached: true } }, expected: [] },
  { name: 'VolumeAttachment: spec is immutable', old: attachment(), object: attachment({ nodeName: 'node-b' }), expected: ['spec: Invalid value: {attacher:block.csi.pvsim.dev nodeName:node-b source:{persistentVolumeName:pvc-1}}: field is immutable'] },
];

for (const row of updateRows) {
  test(`update: ${row.name}`, () => {
    assert.equal(messages(row.object, 'update', row.old), row.expected);
  });
}

// encoding/base64 StdEncoding, as encoding/json decodes []byte: the byte offsets Go reports.
const base64Rows: Array<{ name: string; input: string; expected: ReturnType<typeof decodeBase64> }> = [
  { name: 'empty', input: '', expected: { ok: true, bytes: 0 } },
  { name: 'padded', input: 'YWRtaW4=', expected: { ok: true, bytes: 5 } },
  { name: 'two pad characters', input: 'YQ==', expected: { ok: true, bytes: 1 } },
  { name: 'no padding needed', input: 'YWJj', expected: { ok: true, bytes: 3 } },
  { name: 'newlines are skipped', input: 'YWJj\nZGVm\n', expected: { ok: true, bytes: 6 } },
  { name: 'missing padding', input: 'YWRtaW4', expected: { ok: false, error: 'illegal base64 data at input byte 4' } },
  { name: 'a character outside the alphabet', input: 'ab$d', expected: { ok: false, error: 'illegal base64 data at input byte 2' } },
  { name: 'URL alphabet is not standard', input: 'a-_b', expected: { ok: false, error: 'illegal base64 data at input byte 1' } },
  { name: 'padding too early', input: 'a===', expected: { ok: false, error: 'illegal base64 data at input byte 1' } },
  { name: 'one pad where two are needed', input: 'YQ=', expected: { ok: false, error: 'illegal base64 data at input byte 3' } },
  { name: 'data after padding', input: 'YQ==YQ==', expected: { ok: false, error: 'illegal base64 data at input byte 4' } },
  { name: 'plain text', input: 'hunter2', expected: { ok: false, error: 'illegal base64 data at input byte 4' } },
];
for (const row of base64Rows) {
  test(`decodeBase64: ${row.name}`, () => {
    assert.equal(decodeBase64(row.input), row.expected);
  });
}

test.run();
