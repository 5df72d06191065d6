/**
 * Design: CSIDriver and CSINode (storage.k8s.io/v1) as the v1.34 API server validates and
 * defaults them (K/pkg/apis/storage/validation ValidateCSIDriver/ValidateCSINode and their
 * updates, K/pkg/apis/storage/v1/defaults.go), and as kubectl prints them (printCSIDriver,
 * printCSINode), one table row each.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyDefaults, formatFieldError, printTable, validationErrors } from '../src/index.ts';

type Obj = Record<string, unknown>;

const driver = (spec: Obj = {}, name = 'disk.csi.example.com'): Obj => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name }, spec });
const csiNode = (drivers: unknown): Obj => ({ apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name: 'node-a' }, spec: { drivers } });
const entry = (fields: Obj = {}): Obj => ({ name: 'disk.csi.example.com', nodeID: 'node-a', topologyKeys: null, ...fields });

const messages = (o: Obj, mode: 'create' | 'update' = 'create', old?: Obj): string[] =>
  [...new Set(validationErrors(o, mode, old).map(formatFieldError))];

const rows: { name: string; object: Obj; mode?: 'update'; old?: Obj; expected: string[] }[] = [
  { name: 'CSIDriver: defaults make an empty spec valid', object: driver(), expected: [] },
  { name: 'CSIDriver: name is a CSI driver name', object: driver({}, 'Not_A_Name'), expected: [`metadata.name: Invalid value: "Not_A_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`] },
  { name: 'CSIDriver: fsGroupPolicy values', object: driver({ fsGroupPolicy: 'Always' }), expected: ['spec.fsGroupPolicy: Unsupported value: "Always": supported values: "ReadWriteOnceWithFSType", "File", "None"'] },
  { name: 'CSIDriver: lifecycle modes', object: driver({ volumeLifecycleModes: ['Persistent', 'Inline'] }), expected: ['spec.volumeLifecycleModes[1]: Unsupported value: "Inline": supported values: "Persistent", "Ephemeral"'] },
  { name: 'CSIDriver: attachRequired is immutable', object: driver({ attachRequired: false }), mode: 'update', old: driver({ attachRequired: true }), expected: ['spec.attachRequired: Invalid value: false: field is immutable'] },
  { name: 'CSIDriver: podInfoOnMount may change', object: driver({ podInfoOnMount: true }), mode: 'update', old: driver(), expected: [] },
  { name: 'CSINode: valid', object: csiNode([entry({ allocatable: { count: 2 } })]), expected: [] },
  { name: 'CSINode: drivers required', object: { ...csiNode([]), spec: {} }, expected: ['spec.drivers: Required value'] },
  { name: 'CSINode: nodeID required', object: csiNode([entry({ nodeID: '' })]), expected: ['spec.drivers[0].nodeID: Required value'] },
  { name: 'CSINode: a driver once', object: csiNode([entry(), entry()]), expected: ['spec.drivers[1].name: Duplicate value: "disk.csi.example.com"'] },
  { name: 'CSINode: count is not negative', object: csiNode([entry({ allocatable: { count: -1 } })]), expected: ['spec.drivers[0].allocatable.count: Invalid value: -1: must be greater than or equal to 0'] },
  { name: 'CSINode: nodeID is immutable', object: csiNode([entry({ nodeID: 'other' })]), mode: 'update', old: csiNode([entry()]), expected: ['spec.drivers[0].nodeID: Invalid value: "other": field is immutable'] },
];
for (const row of rows) {
  test(`validate ${row.name}`, () => assert.equal(messages(row.object, row.mode ?? 'create', row.old), row.expected));
}

test('CSIDriver defaults (SetDefaults_CSIDriver)', () => {
  assert.equal((applyDefaults(driver()) as { spec: Obj }).spec, {
    attachRequired: true, podInfoOnMount: false, storageCapacity: false, fsGroupPolicy: 'ReadWriteOnceWithFSType',
    requiresRepublish: false, volumeLifecycleModes: ['Persistent'], seLinuxMount: false,
  });
});

test('kubectl columns of csidrivers and csinodes', () => {
  const now = '2026-01-01T00:01:00Z';
  const meta = { creationTimestamp: '2026-01-01T00:00:00Z' };
  const d = { ...driver({ attachRequired: false, volumeLifecycleModes: ['Persistent', 'Ephemeral'], tokenRequests: [{ audience: 'vault' }] }), metadata: { name: 'x.example.com', ...meta } };
  assert.is(printTable('CSIDriver', [d], { now }), [
    'NAME            ATTACHREQUIRED   PODINFOONMOUNT   STORAGECAPACITY   TOKENREQUESTS   REQUIRESREPUBLISH   MODES                  AGE',
    'x.example.com   false            false            false             vault           false               Persistent,Ephemeral   60s',
    '',
  ].join('\n'));
  const n = { ...csiNode([entry(), entry({ name: 'b.example.com' })]), metadata: { name: 'node-a', ...meta } };
  assert.is(printTable('CSINode', [n], { now }), ['NAME     DRIVERS   AGE', 'node-a   2         60s', ''].join('\n'));
});

test.run();
