import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManifestError, formatFieldError, parseManifests, validateObject, validationErrors, warningsFor } from '../src/index.ts';

type Obj = Record<string, unknown>;

const SUBDOMAIN = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const KEY_NAME = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const QUANTITY = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const MODES = 'supported values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"';

const pv = (spec: Obj = {}, metadata: Obj = {}): Obj => ({
  apiVersion: 'v1', kind: 'PersistentVolume',
  metadata: { name: 'nas', ...metadata },
  spec: { capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], nfs: { server: '10.0.0.1', path: '/exports' }, ...spec },
});
const pvc = (spec: Obj = {}, metadata: Obj = {}, status?: Obj): Obj => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace: 'default', ...metadata },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
  ...(status ? { status } : {}),
});
const sc = (fields: Obj = {}, metadata: Obj = {}): Obj => ({
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast', ...metadata }, provisioner: 'csi.example.com', ...fields,
});
const affinity = (expressions: unknown[]): Obj => ({ required: { nodeSelectorTerms: [{ matchExpressions: expressions }] } });
const onNode1 = affinity([{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-1'] }]);

const messages = (o: Obj, mode: 'create' | 'update' = 'create', old?: Obj): string[] =>
  [...new Set(validationErrors(o, mode, old).map(formatFieldError))];

interface Row { name: string; object: Obj; expected: string[] }

const createRows: Row[] = [
  // ---- metadata
  { name: 'PV: valid', object: pv(), expected: [] },
  { name: 'PV: name required', object: pv({}, { name: '' }), expected: ['metadata.name: Required value: name or generateName is required'] },
  { name: 'PV: name must be a DNS subdomain', object: pv({}, { name: 'NAS_1' }), expected: [`metadata.name: Invalid value: "NAS_1": ${SUBDOMAIN}`] },
  { name: 'PV: a namespace is dropped, not an error', object: pv({}, { namespace: 'default' }), expected: [] },
  { name: 'PV: label key syntax', object: pv({}, { labels: { 'bad key': 'x' } }), expected: [`metadata.labels: Invalid value: "bad key": ${KEY_NAME}`] },
  { name: 'PV: label value syntax', object: pv({}, { labels: { tier: '-gold' } }), expected: [`metadata.labels: Invalid value: "-gold": ${LABEL_VALUE}`] },
  { name: 'PV: label key prefix must be a subdomain', object: pv({}, { labels: { 'Example.com/tier': 'x' } }), expected: [`metadata.labels: Invalid value: "Example.com/tier": prefix part ${SUBDOMAIN}`] },
  { name: 'PV: label values must be strings', object: pv({}, { labels: { version: 1.5 } }), expected: ['metadata.labels.version: Invalid value: 1.5: json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string'] },
  { name: 'PV: annotation keys are checked case-insensitively', object: pv({}, { annotations: { 'Example.com/Note': 'x' } }), expected: [] },
  { name: 'PV: annotation key syntax', object: pv({}, { annotations: { 'a/b/c': 'x' } }), expected: [`metadata.annotations: Invalid value: "a/b/c": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`] },
  { name: 'PV: annotations limited to 256 KiB', object: pv({}, { annotations: { big: 'x'.repeat(256 * 1024) } }), expected: ['metadata.annotations: Too long: must have at most 262144 bytes'] },
  { name: 'PV: finalizer must be standard or qualified', object: pv({}, { finalizers: ['custom', 'kubernetes', 'example.com/x'] }), expected: ['metadata.finalizers[0]: Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified'] },
  // ---- access modes
  { name: 'PV: accessModes required', object: pv({ accessModes: [] }), expected: ['spec.accessModes: Required value'] },
  { name: 'PV: accessModes values', object: pv({ accessModes: ['ReadWriteSometimes'] }), expected: [`spec.accessModes: Unsupported value: "ReadWriteSometimes": ${MODES}`] },
  { name: 'PV: ReadWriteOncePod must be alone', object: pv({ accessModes: ['ReadWriteOncePod', 'ReadWriteOnce'] }), expected: ['spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes'] },
  { name: 'PV: ReadWriteOncePod alone is fine', object: pv({ accessModes: ['ReadWriteOncePod'] }), expected: [] },
  // ---- capacity
  { name: 'PV: capacity required', object: pv({ capacity: undefined }), expected: ['spec.capacity: Required value', 'spec.capacity: Unsupported value: core.ResourceList{}: supported values: "storage"'] },
  { name: 'PV: capacity only storage', object: pv({ capacity: { storage: '5Gi', cpu: '1' } }), expected: ['spec.capacity: Unsupported value: core.ResourceList{"cpu":"1", "storage":"5Gi"}: supported values: "storage"'] },
  { name: 'PV: capacity must be a quantity', object: pv({ capacity: { storage: '5Gb' } }), expected: [`spec.capacity.storage: Invalid value: "5Gb": ${QUANTITY}`] },
  { name: 'PV: capacity suffix must exist', object: pv({ capacity: { storage: '5iG' } }), expected: ['spec.capacity.storage: Invalid value: "5iG": unable to parse quantity\'s suffix'] },
  { name: 'PV: capacity must be > 0', object: pv({ capacity: { storage: '0Gi' } }), expected: ['spec.capacity[storage]: Invalid value: "0": must be greater than zero'] },
  { name: 'PV: negative capacity', object: pv({ capacity: { storage: '-1Gi' } }), expected: ['spec.capacity[storage]: Invalid value: -1073741824: must be a valid resource quantity', 'spec.capacity[storage]: Invalid value: "-1Gi": must be greater than zero'] },
  { name: 'PV: numeric capacity is a quantity', object: pv({ capacity: { storage: 1073741824 } }), expected: [] },
  // ---- reclaim policy, volume mode, class
  { name: 'PV: reclaim policy values', object: pv({ persistentVolumeReclaimPolicy: 'Keep' }), expected: ['spec.persistentVolumeReclaimPolicy: Unsupported value: "Keep": supported values: "Delete", "Recycle", "Retain"'] },
  { name: 'PV: Recycle is allowed (with a warning)', object: pv({ persistentVolumeReclaimPolicy: 'Recycle' }), expected: [] },
  { name: 'PV: volumeMode values', object: pv({ volumeMode: 'Raw' }), expected: ['spec.volumeMode: Unsupported value: "Raw": supported values: "Block", "Filesystem"'] },
  { name: 'PV: storageClassName is a DNS subdomain', object: pv({ storageClassName: 'Fast_SSD' }), expected: [`spec.storageClassName: Invalid value: "Fast_SSD": ${SUBDOMAIN}`] },
  { name: 'PV: empty storageClassName is fine', object: pv({ storageClassName: '' }), expected: [] },
  // ---- volume sources
  { name: 'PV: a volume source is required', object: pv({ nfs: undefined }), expected: ['spec: Required value: must specify a volume type'] },
  { name: 'PV: only one volume source', object: pv({ hostPath: { path: '/data' } }), expected: ['spec.nfs: Forbidden: may not specify more than 1 volume type'] },
  { name: 'PV: hostPath.path required', object: pv({ nfs: undefined, hostPath: {} }), expected: ['spec.hostPath.path: Required value'] },
  { name: 'PV: hostPath.path without ..', object: pv({ nfs: undefined, hostPath: { path: '/a/../b' } }), expected: ['spec.hostPath.path: Invalid value: "/a/../b": must not contain \'..\''] },
  { name: 'PV: hostPath.type values', object: pv({ nfs: undefined, hostPath: { path: '/a', type: 'Folder' } }), expected: ['spec.hostPath.type: Unsupported value: "Folder": supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"'] },
  { name: 'PV: hostPath / cannot be recycled', object: pv({ nfs: undefined, hostPath: { path: '//' }, persistentVolumeReclaimPolicy: 'Recycle' }), expected: ["spec.persistentVolumeReclaimPolicy: Forbidden: may not be 'recycle' for a hostPath mount of '/'"] },
  { name: 'PV: nfs server and path required', object: pv({ nfs: {} }), expected: ['spec.nfs.server: Required value', 'spec.nfs.path: Required value', 'spec.nfs.path: Invalid value: "": must be an absolute path'] },
  { name: 'PV: nfs path absolute', object: pv({ nfs: { server: 'nas', path: 'exports' } }), expected: ['spec.nfs.path: Invalid value: "exports": must be an absolute path'] },
  { name: 'PV: local requires nodeAffinity', object: pv({ nfs: undefined, local: { path: '/mnt/disks/ssd1' } }), expected: ['spec.nodeAffinity: Required value: Local volume requires node affinity'] },
  { name: 'PV: local with nodeAffinity', object: pv({ nfs: undefined, local: { path: '/mnt/disks/ssd1' }, nodeAffinity: onNode1 }), expected: [] },
  { name: 'PV: local.path required', object: pv({ nfs: undefined, local: {}, nodeAffinity: onNode1 }), expected: ['spec.local.path: Required value'] },
  { name: 'PV: csi driver and volumeHandle required', object: pv({ nfs: undefined, csi: {} }), expected: ['spec.csi.driver: Required value', `spec.csi.driver: Invalid value: "": ${SUBDOMAIN}`, 'spec.csi.volumeHandle: Required value'] },
  { name: 'PV: csi driver is a DNS subdomain (any case)', object: pv({ nfs: undefined, csi: { driver: 'Hostpath.CSI.k8s.io', volumeHandle: 'v1' } }), expected: [] },
  { name: 'PV: csi secret refs need name and namespace', object: pv({ nfs: undefined, csi: { driver: 'x.csi', volumeHandle: 'v', nodePublishSecretRef: { name: 's' } } }), expected: ['spec.csi.nodePublishSecretRef.namespace: Required value'] },
  { name: 'PV: gcePersistentDisk (Kubernetes names it persistentDisk)', object: pv({ nfs: undefined, gcePersistentDisk: {} }), expected: ['spec.persistentDisk.pdName: Required value'] },
  { name: 'PV: awsElasticBlockStore volumeID', object: pv({ nfs: undefined, awsElasticBlockStore: { volumeID: 'vol-1', partition: 300 } }), expected: ['spec.awsElasticBlockStore.partition: Invalid value: 300: must be between 1 and 255, inclusive'] },
  { name: 'PV: iscsi target and iqn', object: pv({ nfs: undefined, iscsi: { iqn: 'bad' } }), expected: ['spec.iscsi.targetPortal: Required value', 'spec.iscsi.iqn: Invalid value: "bad": must be valid format'] },
  { name: 'PV: cephfs monitors (more-than-one check says cephFS)', object: pv({ cephfs: {} }), expected: ['spec.cephFS: Forbidden: may not specify more than 1 volume type'] },
  { name: 'PV: flexVolume is never "more than 1"', object: pv({ flexVolume: { driver: 'x/y' } }), expected: [] },
  { name: 'PV: azureDisk names', object: pv({ nfs: undefined, azureDisk: { cachingMode: 'Fast' } }), expected: ['spec.azureDisk.diskName: Required value', 'spec.azureDisk.diskURI: Required value', 'spec.azureDisk.cachingMode: Unsupported value: "Fast": supported values: "None", "ReadOnly", "ReadWrite"'] },
  // ---- node affinity
  { name: 'PV: nodeAffinity.required required', object: pv({ nodeAffinity: {} }), expected: ['spec.nodeAffinity.required: Required value: must specify required node constraints'] },
  { name: 'PV: at least one node selector term', object: pv({ nodeAffinity: { required: { nodeSelectorTerms: [] } } }), expected: ['spec.nodeAffinity.required.nodeSelectorTerms: Required value: must have at least one node selector term'] },
  { name: 'PV: node selector operator', object: pv({ nodeAffinity: affinity([{ key: 'zone', operator: 'Equals', values: ['a'] }]) }), expected: ['spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator'] },
  { name: 'PV: In needs values', object: pv({ nodeAffinity: affinity([{ key: 'zone', operator: 'In' }]) }), expected: ["spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"] },
  { name: 'PV: Exists takes no values', object: pv({ nodeAffinity: affinity([{ key: 'zone', operator: 'Exists', values: ['a'] }]) }), expected: ["spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"] },
  { name: 'PV: Gt takes one value', object: pv({ nodeAffinity: affinity([{ key: 'cores', operator: 'Gt', values: ['1', '2'] }]) }), expected: ["spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values: Required value: must be specified single value when `operator` is 'Lt' or 'Gt'"] },
  { name: 'PV: node selector key and values syntax', object: pv({ nodeAffinity: affinity([{ key: 'bad key', operator: 'In', values: ['ok', 'not ok'] }]) }), expected: [`spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].key: Invalid value: "bad key": ${KEY_NAME}`, `spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].values[1]: Invalid value: "not ok": ${LABEL_VALUE}`] },
  { name: 'PV: matchFields only metadata.name', object: pv({ nodeAffinity: { required: { nodeSelectorTerms: [{ matchFields: [{ key: 'spec.nodeName', operator: 'In', values: ['a', 'b'] }] }] } } }), expected: ["spec.nodeAffinity.required.nodeSelectorTerms[0].matchFields[0].values: Required value: must be only one value when `operator` is 'In' or 'NotIn' for node field selector", 'spec.nodeAffinity.required.nodeSelectorTerms[0].matchFields[0].key: Invalid value: "spec.nodeName": not a valid field selector key'] },

  // ---- PVC
  { name: 'PVC: valid', object: pvc(), expected: [] },
  { name: 'PVC: namespace required', object: pvc({}, { namespace: undefined }), expected: ['metadata.namespace: Required value'] },
  { name: 'PVC: namespace is a DNS label', object: pvc({}, { namespace: 'team.a' }), expected: ['metadata.namespace: Invalid value: "team.a": must not contain dots'] },
  { name: 'PVC: namespace syntax', object: pvc({}, { namespace: 'Team_A' }), expected: [`metadata.namespace: Invalid value: "Team_A": ${LABEL}`] },
  { name: 'PVC: name is a DNS subdomain', object: pvc({}, { name: 'data.v1' }), expected: [] },
  { name: 'PVC: accessModes required', object: pvc({ accessModes: undefined }), expected: ['spec.accessModes: Required value: at least 1 access mode is required'] },
  { name: 'PVC: accessModes values', object: pvc({ accessModes: ['RWO'] }), expected: [`spec.accessModes: Unsupported value: "RWO": ${MODES}`] },
  { name: 'PVC: ReadWriteOncePod must be alone', object: pvc({ accessModes: ['ReadWriteOncePod', 'ReadOnlyMany'] }), expected: ['spec.accessModes: Forbidden: may not use ReadWriteOncePod with other access modes'] },
  { name: 'PVC: storage request required', object: pvc({ resources: {} }), expected: ['spec.resources[storage]: Required value'] },
  { name: 'PVC: storage request > 0', object: pvc({ resources: { requests: { storage: '0' } } }), expected: ['spec.resources[storage]: Invalid value: "0": must be greater than zero'] },
  { name: 'PVC: storage request is a quantity', object: pvc({ resources: { requests: { storage: '1 Gi' } } }), expected: [`spec.resources.requests.storage: Invalid value: "1 Gi": ${QUANTITY}`] },
  { name: 'PVC: selector operator (domain validateLabelSelector)', object: pvc({ selector: { matchExpressions: [{ key: 'tier', operator: 'Equals', values: ['gold'] }] } }), expected: ['spec.selector.matchExpressions[0].operator: Invalid value: "Equals": not a valid selector operator'] },
  { name: 'PVC: selector matchLabels', object: pvc({ selector: { matchLabels: { tier: 'gold!' } } }), expected: [`spec.selector.matchLabels: Invalid value: "gold!": ${LABEL_VALUE}`] },
  { name: 'PVC: volumeMode values', object: pvc({ volumeMode: 'block' }), expected: ['spec.volumeMode: Unsupported value: "block": supported values: "Block", "Filesystem"'] },
  { name: 'PVC: storageClassName syntax', object: pvc({ storageClassName: 'Gold' }), expected: [`spec.storageClassName: Invalid value: "Gold": ${SUBDOMAIN}`] },
  { name: 'PVC: storageClassName "" disables provisioning and is valid', object: pvc({ storageClassName: '' }), expected: [] },
  { name: 'PVC: dataSource without apiGroup must be a claim', object: pvc({ dataSource: { kind: 'VolumeSnapshot', name: 'snap' } }), expected: ['spec.dataSource: Invalid value: "VolumeSnapshot": must be \'PersistentVolumeClaim\' when referencing the default apiGroup'] },
  { name: 'PVC: dataSource and dataSourceRef must match', object: pvc({ dataSource: { kind: 'PersistentVolumeClaim', name: 'a' }, dataSourceRef: { kind: 'PersistentVolumeClaim', name: 'b' } }), expected: ['spec: Invalid value: spec.dataSource: must match dataSourceRef'] },

  // ---- StorageClass
  { name: 'SC: valid', object: sc(), expected: [] },
  { name: 'SC: provisioner required', object: sc({ provisioner: '' }), expected: ['provisioner: Required value'] },
  { name: 'SC: provisioner is a qualified name (checked lower-cased)', object: sc({ provisioner: 'Example.com/Fast/SSD' }), expected: [`provisioner: Invalid value: "example.com/fast/ssd": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`] },
  { name: 'SC: name is a DNS subdomain', object: sc({}, { name: 'Fast' }), expected: [`metadata.name: Invalid value: "Fast": ${SUBDOMAIN}`] },
  { name: 'SC: Recycle is not a class reclaim policy', object: sc({ reclaimPolicy: 'Recycle' }), expected: ['reclaimPolicy: Unsupported value: "Recycle": supported values: "Delete", "Retain"'] },
  { name: 'SC: volumeBindingMode values', object: sc({ volumeBindingMode: 'Later' }), expected: ['volumeBindingMode: Unsupported value: "Later": supported values: "Immediate", "WaitForFirstConsumer"'] },
  { name: 'SC: 512 parameters are fine', object: sc({ parameters: Object.fromEntries(Array.from({ length: 512 }, (_, i) => [`k${i}`, 'v'])) }), expected: [] },
  { name: 'SC: at most 512 parameters', object: sc({ parameters: Object.fromEntries(Array.from({ length: 513 }, (_, i) => [`k${i}`, 'v'])) }), expected: ['parameters: Too long: must have at most 512 bytes'] },
  { name: 'SC: parameter keys not empty', object: sc({ parameters: { '': 'x' } }), expected: ['parameters: Invalid value: "": field can not be empty.'] },
  { name: 'SC: parameters at most 256 KiB', object: sc({ parameters: { blob: 'x'.repeat(256 * 1024) } }), expected: ['parameters: Too long: must have at most 262144 bytes'] },
  { name: 'SC: parameter values are strings', object: sc({ parameters: { replicas: 3 } }), expected: ['parameters.replicas: Invalid value: 3: json: cannot unmarshal number into Go struct field StorageClass.parameters of type string'] },
  { name: 'SC: allowedTopologies need values', object: sc({ allowedTopologies: [{ matchLabelExpressions: [{ key: 'topology.kubernetes.io/zone', values: [] }] }] }), expected: ['allowedTopologies[0].matchLabelExpressions[0].values: Required value'] },
  { name: 'SC: a namespace is dropped, not an error', object: sc({}, { namespace: 'kube-system' }), expected: [] },
];

for (const row of createRows) {
  test(`create: ${row.name}`, () => {
    assert.equal(messages(row.object), row.expected);
  });
}

interface UpdateRow { name: string; old: Obj; object: Obj; expected: string[] }

const nfsPv = pv({ persistentVolumeReclaimPolicy: 'Retain' });
const csiPv = pv({ nfs: undefined, csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-1' } });
const boundStatus = { phase: 'Bound', capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'] };
const boundClaim = pvc({ resources: { requests: { storage: '10Gi' } }, volumeName: 'pv-1', storageClassName: 'fast' }, {}, boundStatus);
const withSpec = (o: Obj, spec: Obj): Obj => ({ ...o, spec: { ...(o['spec'] as Obj), ...spec } });

const updateRows: UpdateRow[] = [
  { name: 'PV: no change', old: nfsPv, object: nfsPv, expected: [] },
  { name: 'PV: reclaim policy may change', old: nfsPv, object: withSpec(nfsPv, { persistentVolumeReclaimPolicy: 'Delete' }), expected: [] },
  { name: 'PV: capacity may change', old: nfsPv, object: withSpec(nfsPv, { capacity: { storage: '10Gi' } }), expected: [] },
  { name: 'PV: claimRef may be set', old: nfsPv, object: withSpec(nfsPv, { claimRef: { namespace: 'default', name: 'data' } }), expected: [] },
  { name: 'PV: volume source is immutable', old: nfsPv, object: withSpec(nfsPv, { nfs: { server: '10.0.0.2', path: '/exports' } }), expected: ['spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation'] },
  { name: 'PV: source type is immutable', old: nfsPv, object: withSpec(nfsPv, { nfs: undefined, hostPath: { path: '/data' } }), expected: ['spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation'] },
  { name: 'PV: CSI controllerExpandSecretRef may be added', old: csiPv, object: withSpec(csiPv, { csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-1', controllerExpandSecretRef: { name: 's', namespace: 'kube-system' } } }), expected: [] },
  { name: 'PV: volumeMode is immutable', old: nfsPv, object: withSpec(nfsPv, { volumeMode: 'Block' }), expected: ['volumeMode: Invalid value: "Block": field is immutable'] },
  { name: 'PV: nodeAffinity may be set once', old: nfsPv, object: withSpec(nfsPv, { nodeAffinity: onNode1 }), expected: [] },
  { name: 'PV: nodeAffinity is then immutable', old: withSpec(nfsPv, { nodeAffinity: onNode1 }), object: withSpec(nfsPv, { nodeAffinity: affinity([{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-2'] }]) }), expected: ['nodeAffinity: Invalid value: {required:{nodeSelectorTerms:[{matchExpressions:[{key:kubernetes.io/hostname operator:In values:[node-2]}]}]}}: field is immutable'] },
  { name: 'PV: update is validated like a create too', old: nfsPv, object: withSpec(nfsPv, { accessModes: [] }), expected: ['spec.accessModes: Required value'] },

  { name: 'PVC: a bound claim may grow', old: boundClaim, object: withSpec(boundClaim, { resources: { requests: { storage: '20Gi' } } }), expected: [] },
  { name: 'PVC: a bound claim may not shrink below its capacity', old: boundClaim, object: withSpec(boundClaim, { resources: { requests: { storage: '5Gi' } } }), expected: ['spec.resources.requests.storage: Forbidden: field can not be less than status.capacity'] },
  { name: 'PVC: other spec fields are immutable', old: boundClaim, object: withSpec(boundClaim, { accessModes: ['ReadWriteMany'] }), expected: ['spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'] },
  { name: 'PVC: requests of a pending claim are immutable', old: pvc(), object: withSpec(pvc(), { resources: { requests: { storage: '2Gi' } } }), expected: ['spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'] },
  { name: 'PVC: volumeName may be set once', old: pvc(), object: withSpec(pvc(), { volumeName: 'pv-1' }), expected: [] },
  { name: 'PVC: volumeName may not change', old: boundClaim, object: withSpec(boundClaim, { volumeName: 'pv-2' }), expected: ['spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'] },
  { name: 'PVC: storageClassName may be set when it was nil (default class)', old: pvc(), object: withSpec(pvc(), { storageClassName: 'standard' }), expected: [] },
  { name: 'PVC: storageClassName may not change', old: boundClaim, object: withSpec(boundClaim, { storageClassName: 'slow' }), expected: ['spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'] },
  { name: 'PVC: storageClassName may replace the beta annotation', old: pvc({}, { annotations: { 'volume.beta.kubernetes.io/storage-class': 'gold' } }), object: pvc({ storageClassName: 'gold' }, { annotations: { 'volume.beta.kubernetes.io/storage-class': 'gold' } }), expected: [] },
  { name: 'PVC: the beta annotation is immutable', old: pvc({}, { annotations: { 'volume.beta.kubernetes.io/storage-class': 'gold' } }), object: pvc({}, { annotations: { 'volume.beta.kubernetes.io/storage-class': 'silver' } }), expected: ['metadata.annotations.volume.beta.kubernetes.io/storage-class: Invalid value: "silver": field is immutable'] },
  { name: 'PVC: volumeMode is immutable', old: pvc(), object: withSpec(pvc(), { volumeMode: 'Block' }), expected: ['spec: Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims', 'volumeMode: Invalid value: "Block": field is immutable'] },

  { name: 'SC: allowVolumeExpansion may change', old: sc(), object: sc({ allowVolumeExpansion: true }), expected: [] },
  { name: 'SC: parameters are immutable', old: sc({ parameters: { type: 'gp2' } }), object: sc({ parameters: { type: 'gp3' } }), expected: ['parameters: Forbidden: updates to parameters are forbidden.'] },
  { name: 'SC: provisioner is immutable', old: sc(), object: sc({ provisioner: 'other.example.com' }), expected: ['provisioner: Forbidden: updates to provisioner are forbidden.'] },
  { name: 'SC: reclaimPolicy is immutable', old: sc(), object: sc({ reclaimPolicy: 'Retain' }), expected: ['reclaimPolicy: Forbidden: updates to reclaimPolicy are forbidden.'] },
  { name: 'SC: defaulted reclaimPolicy equals the explicit default', old: sc(), object: sc({ reclaimPolicy: 'Delete' }), expected: [] },
  { name: 'SC: volumeBindingMode is immutable', old: sc(), object: sc({ volumeBindingMode: 'WaitForFirstConsumer' }), expected: ['volumeBindingMode: Invalid value: "WaitForFirstConsumer": field is immutable'] },
];

for (const row of updateRows) {
  test(`update: ${row.name}`, () => {
    assert.equal(messages(row.object, 'update', row.old), row.expected);
  });
}

// ---- validateObject: the whole message, with file and line

const MISSING = `apiVersion: v1
kind: PersistentVolume
metadata:
  name: nas
spec:
  hostPath:
    path: /data
`;

const BAD_QUANTITY = `apiVersion: v1
kind: PersistentVolume
metadata:
  name: nas
spec:
  accessModes: [ReadWriteOnce]
  capacity:
    storage: 5Gb
  nfs: {server: nas, path: /exports}
`;

const objectRows: Array<{ name: string; text: string; mode?: 'create' | 'update'; old?: Obj; line: number; field: string; message: string }> = [
  {
    name: 'several errors are bracketed; the line is the nearest existing ancestor of the first',
    text: MISSING, line: 5, field: 'spec.accessModes',
    message: 'pv.yaml:5: The PersistentVolume "nas" is invalid: [spec.accessModes: Required value, spec.capacity: Required value, spec.capacity: Unsupported value: core.ResourceList{}: supported values: "storage"]',
  },
  {
    name: 'a single error is bare and points at its own line',
    text: BAD_QUANTITY, line: 8, field: 'spec.capacity.storage',
    message: `pv.yaml:8: The PersistentVolume "nas" is invalid: spec.capacity.storage: Invalid value: "5Gb": ${QUANTITY}`,
  },
  {
    name: 'update errors point at the field too',
    text: BAD_QUANTITY.replace('5Gb', '5Gi').replace('server: nas', 'server: nas2'), mode: 'update',
    old: pv({ nfs: { server: 'nas', path: '/exports' } }), line: 9, field: 'spec.persistentvolumesource',
    message: 'pv.yaml:9: The PersistentVolume "nas" is invalid: spec.persistentvolumesource: Forbidden: spec.persistentvolumesource is immutable after creation',
  },
];

for (const row of objectRows) {
  test(`validateObject: ${row.name}`, () => {
    const [parsed] = parseManifests(row.text, 'pv.yaml');
    try {
      validateObject(parsed!, row.mode ?? 'create', row.old);
      assert.unreachable('should have thrown');
    } catch (e) {
      assert.instance(e, ManifestError);
      const err = e as ManifestError;
      assert.is(err.code, 'Invalid');
      assert.is(err.file, 'pv.yaml');
      assert.is(err.line, row.line);
      assert.is(err.field, row.field);
      assert.is(err.message, row.message);
    }
  });
}

test('validateObject: a valid object passes silently', () => {
  const [parsed] = parseManifests(BAD_QUANTITY.replace('5Gb', '5Gi'), 'pv.yaml');
  validateObject(parsed!, 'create');
});

test('validateObject: the causes list every field error once', () => {
  const [parsed] = parseManifests(MISSING, 'pv.yaml');
  try {
    validateObject(parsed!, 'create');
  } catch (e) {
    assert.equal((e as ManifestError).causes, ['spec.accessModes: Required value', 'spec.capacity: Required value', 'spec.capacity: Unsupported value: core.ResourceList{}: supported values: "storage"']);
  }
});

// ---- warnings

const warningRows: Array<{ name: string; object: Obj; expected: string[] }> = [
  { name: 'none for a plain PV', object: pv(), expected: [] },
  { name: 'Recycle is deprecated', object: pv({ persistentVolumeReclaimPolicy: 'Recycle' }), expected: ['Warning: spec.persistentVolumeReclaimPolicy: The Recycle reclaim policy is deprecated. Instead, the recommended approach is to use dynamic provisioning.'] },
  { name: 'beta annotations and node labels', object: pv({ nodeAffinity: affinity([{ key: 'beta.kubernetes.io/os', operator: 'In', values: ['linux'] }]) }, { annotations: { 'volume.beta.kubernetes.io/storage-class': 'x', 'volume.beta.kubernetes.io/mount-options': 'ro' } }), expected: [
    'Warning: metadata.annotations[volume.beta.kubernetes.io/storage-class]: deprecated since v1.8; use "storageClassName" attribute instead',
    'Warning: metadata.annotations[volume.beta.kubernetes.io/mount-options]: deprecated since v1.31; use "mountOptions" attribute instead',
    'Warning: spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].key: beta.kubernetes.io/os is deprecated since v1.14; use "kubernetes.io/os" instead',
  ] },
  { name: 'deprecated volume plugins', object: pv({ nfs: undefined, glusterfs: { endpoints: 'e', path: 'p' } }), expected: ['Warning: spec.glusterfs: deprecated in v1.25, non-functional in v1.26+'] },
  { name: 'PVC: beta storage class annotation', object: pvc({}, { annotations: { 'volume.beta.kubernetes.io/storage-class': 'gold' } }), expected: ['Warning: metadata.annotations[volume.beta.kubernetes.io/storage-class]: deprecated since v1.8; use "storageClassName" attribute instead'] },
  { name: 'PVC: fractional bytes', object: pvc({ resources: { requests: { storage: '1500m' } } }), expected: ['Warning: spec.resources.requests[storage]: fractional byte value "1500m" is invalid, must be an integer'] },
  { name: 'SC: deprecated topology labels', object: sc({ allowedTopologies: [{ matchLabelExpressions: [{ key: 'failure-domain.beta.kubernetes.io/zone', values: ['a'] }] }] }), expected: ['Warning: allowedTopologies[0].matchLabelExpressions[0].key: failure-domain.beta.kubernetes.io/zone is deprecated since v1.17; use "topology.kubernetes.io/zone" instead'] },
];
for (const row of warningRows) {
  test(`warningsFor: ${row.name}`, () => {
    assert.equal(warningsFor(row.object), row.expected);
  });
}

test.run();
