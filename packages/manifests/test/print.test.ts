import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { describe, printJson, printNames, printTable, printTables, printYaml } from '../src/index.ts';
import * as f from './fixtures.ts';

// Golden outputs. Trailing spaces are kubectl's (Go's tabwriter pads every tab-terminated cell).
const golden: Array<{ name: string; actual: () => string; expected: string[] }> = [
  {
    name: "get pv",
    actual: () => printTable('pv', [f.nasPv, f.localPv], { now: f.NOW }),
    expected: [
      "NAME               CAPACITY   ACCESS MODES   RECLAIM POLICY   STATUS     CLAIM          STORAGECLASS   VOLUMEATTRIBUTESCLASS   REASON   AGE",
      "nas                10Gi       RWO,RWX        Retain           Bound      default/data   fast           <unset>                          5m",
      "local-ssd-node-1   100Gi      RWOP           Delete           Released                  local          <unset>                 Gone     2d2h",
    ],
  },
  {
    name: "get pv -o wide",
    actual: () => printTable('pv', [f.nasPv, f.localPv], { now: f.NOW, wide: true }),
    expected: [
      "NAME               CAPACITY   ACCESS MODES   RECLAIM POLICY   STATUS     CLAIM          STORAGECLASS   VOLUMEATTRIBUTESCLASS   REASON   AGE    VOLUMEMODE",
      "nas                10Gi       RWO,RWX        Retain           Bound      default/data   fast           <unset>                          5m     Filesystem",
      "local-ssd-node-1   100Gi      RWOP           Delete           Released                  local          <unset>                 Gone     2d2h   Block",
    ],
  },
  {
    name: "get pvc",
    actual: () => printTable('pvc', [f.dataPvc], { now: f.NOW }),
    expected: [
      "NAME   STATUS   VOLUME   CAPACITY   ACCESS MODES   STORAGECLASS   VOLUMEATTRIBUTESCLASS   AGE",
      "data   Bound    nas      10Gi       RWO,RWX        fast           <unset>                 2m30s",
    ],
  },
  {
    name: "get pvc -A -o wide",
    actual: () => printTable('pvc', [f.dataPvc, f.logsPvc], { now: f.NOW, allNamespaces: true, wide: true }),
    expected: [
      "NAMESPACE   NAME   STATUS    VOLUME   CAPACITY   ACCESS MODES   STORAGECLASS   VOLUMEATTRIBUTESCLASS   AGE     VOLUMEMODE",
      "default     data   Bound     nas      10Gi       RWO,RWX        fast           <unset>                 2m30s   Filesystem",
      "team-a      logs   Pending                                                     silver                  150m    Block",
    ],
  },
  {
    name: "get sc (default class marked)",
    actual: () => printTable('sc', [f.fastSc, f.standardSc], { now: f.NOW }),
    expected: [
      "NAME                 PROVISIONER             RECLAIMPOLICY   VOLUMEBINDINGMODE      ALLOWVOLUMEEXPANSION   AGE",
      "fast                 ebs.csi.aws.com         Retain          Immediate              true                   24h",
      "standard (default)   rancher.io/local-path   Delete          WaitForFirstConsumer   false                  59d",
    ],
  },
  {
    name: "get events",
    actual: () => printTable('events', f.events, { now: f.NOW }),
    expected: [
      "LAST SEEN   TYPE      REASON                  OBJECT                       MESSAGE",
      "2m          Normal    ExternalProvisioning    persistentvolumeclaim/data   Waiting for a volume to be created either by the external provisioner 'ebs.csi.aws.com' or manually by the system administrator.",
      "80s         Normal    ProvisioningSucceeded   persistentvolumeclaim/data   Successfully provisioned volume nas",
      "24h         Warning   VolumeFailedDelete      persistentvolume/nas         error getting deleter volume plugin for volume \"nas\": no volume plugin matched",
    ],
  },
  {
    name: "get events -o wide",
    actual: () => printTable('events', f.events, { now: f.NOW, wide: true }),
    expected: [
      "LAST SEEN   TYPE      REASON                  OBJECT                       SUBOBJECT   SOURCE                                   MESSAGE                                                                                                                            FIRST SEEN   COUNT   NAME",
      "2m          Normal    ExternalProvisioning    persistentvolumeclaim/data               persistentvolume-controller              Waiting for a volume to be created either by the external provisioner 'ebs.csi.aws.com' or manually by the system administrator.   2m30s        3       data.1",
      "80s         Normal    ProvisioningSucceeded   persistentvolumeclaim/data               ebs.csi.aws.com_csi-controller, node-1   Successfully provisioned volume nas                                                                                                80s          1       data.2",
      "24h         Warning   VolumeFailedDelete      persistentvolume/nas                     persistentvolume-controller              error getting deleter volume plugin for volume \"nas\": no volume plugin matched                                                     24h          1       nas.1",
    ],
  },
  {
    name: "get events -A",
    actual: () => printTable('events', f.events, { now: f.NOW, allNamespaces: true }),
    expected: [
      "NAMESPACE   LAST SEEN   TYPE      REASON                  OBJECT                       MESSAGE",
      "default     2m          Normal    ExternalProvisioning    persistentvolumeclaim/data   Waiting for a volume to be created either by the external provisioner 'ebs.csi.aws.com' or manually by the system administrator.",
      "default     80s         Normal    ProvisioningSucceeded   persistentvolumeclaim/data   Successfully provisioned volume nas",
      "default     24h         Warning   VolumeFailedDelete      persistentvolume/nas         error getting deleter volume plugin for volume \"nas\": no volume plugin matched",
    ],
  },
  {
    name: "get pv,pvc (kind prefixes, blank line between tables)",
    actual: () => printTables([printTable('pv', [f.nasPv], { now: f.NOW, withKind: true }), printTable('pvc', [f.dataPvc], { now: f.NOW, withKind: true })]),
    expected: [
      "NAME                   CAPACITY   ACCESS MODES   RECLAIM POLICY   STATUS   CLAIM          STORAGECLASS   VOLUMEATTRIBUTESCLASS   REASON   AGE",
      "persistentvolume/nas   10Gi       RWO,RWX        Retain           Bound    default/data   fast           <unset>                          5m",
      "",
      "NAME                         STATUS   VOLUME   CAPACITY   ACCESS MODES   STORAGECLASS   VOLUMEATTRIBUTESCLASS   AGE",
      "persistentvolumeclaim/data   Bound    nas      10Gi       RWO,RWX        fast           <unset>                 2m30s",
    ],
  },
  {
    name: "get sc with kind (group in the prefix)",
    actual: () => printTable('sc', [f.standardSc], { now: f.NOW, withKind: true }),
    expected: [
      "NAME                                             PROVISIONER             RECLAIMPOLICY   VOLUMEBINDINGMODE      ALLOWVOLUMEEXPANSION   AGE",
      "storageclass.storage.k8s.io/standard (default)   rancher.io/local-path   Delete          WaitForFirstConsumer   false                  59d",
    ],
  },
  {
    name: "describe pv (nfs, events)",
    actual: () => describe('pv', f.nasPv, [f.events[2]!], f.NOW),
    expected: [
      "Name:            nas",
      "Labels:          app=web",
      "                 tier=gold",
      "Annotations:     pv.kubernetes.io/bound-by-controller: yes",
      "Finalizers:      [kubernetes.io/pv-protection]",
      "StorageClass:    fast",
      "Status:          Bound",
      "Claim:           default/data",
      "Reclaim Policy:  Retain",
      "Access Modes:    RWO,RWX",
      "VolumeMode:      Filesystem",
      "Capacity:        10Gi",
      "Node Affinity:   <none>",
      "Message:         ",
      "Source:",
      "    Type:      NFS (an NFS mount that lasts the lifetime of a pod)",
      "    Server:    10.0.0.1",
      "    Path:      /exports/nas",
      "    ReadOnly:  false",
      "Events:",
      "  Type     Reason              Age   From                         Message",
      "  ----     ------              ----  ----                         -------",
      "  Warning  VolumeFailedDelete  24h   persistentvolume-controller  error getting deleter volume plugin for volume \"nas\": no volume plugin matched",
    ],
  },
  {
    name: "describe pv (local, node affinity, no events)",
    actual: () => describe('pv', f.localPv, [], f.NOW),
    expected: [
      "Name:              local-ssd-node-1",
      "Labels:            <none>",
      "Annotations:       <none>",
      "Finalizers:        []",
      "StorageClass:      local",
      "Status:            Released",
      "Claim:             ",
      "Reclaim Policy:    Delete",
      "Access Modes:      RWOP",
      "VolumeMode:        Block",
      "Capacity:          100Gi",
      "Node Affinity:     ",
      "  Required Terms:  ",
      "    Term 0:        kubernetes.io/hostname in [node-1, node-2]",
      "                   disk exists",
      "Message:           claim default/old was deleted",
      "Source:",
      "    Type:  LocalVolume (a persistent volume backed by local storage on a node)",
      "    Path:  /mnt/disks/ssd1",
      "Events:    <none>",
    ],
  },
  {
    name: "describe pvc (bound, used by, repeated event)",
    actual: () => describe('pvc', f.dataPvc, f.events.slice(0, 2), f.NOW, { pods: f.pods }),
    expected: [
      "Name:          data",
      "Namespace:     default",
      "StorageClass:  fast",
      "Status:        Bound",
      "Volume:        nas",
      "Labels:        <none>",
      "Annotations:   <none>",
      "Finalizers:    [kubernetes.io/pvc-protection]",
      "Capacity:      10Gi",
      "Access Modes:  RWO,RWX",
      "VolumeMode:    Filesystem",
      "Used By:       web-0",
      "               web-1",
      "Events:",
      "  Type    Reason                 Age                 From                            Message",
      "  ----    ------                 ----                ----                            -------",
      "  Normal  ExternalProvisioning   2m (x3 over 2m30s)  persistentvolume-controller     Waiting for a volume to be created either by the external provisioner 'ebs.csi.aws.com' or manually by the system administrator.",
      "  Normal  ProvisioningSucceeded  80s                 ebs.csi.aws.com_csi-controller  Successfully provisioned volume nas",
    ],
  },
  {
    name: "describe pvc (pending)",
    actual: () => describe('pvc', f.logsPvc, [], f.NOW),
    expected: [
      "Name:          logs",
      "Namespace:     team-a",
      "StorageClass:  ",
      "Status:        Pending",
      "Volume:        ",
      "Labels:        app=logger",
      "Annotations:   <none>",
      "Finalizers:    []",
      "Capacity:      ",
      "Access Modes:  ",
      "VolumeMode:    Block",
      "Used By:       <none>",
      "Events:        <none>",
    ],
  },
  {
    name: "describe sc (topologies, mount options)",
    actual: () => describe('sc', f.fastSc, undefined, f.NOW),
    expected: [
      "Name:                  fast",
      "IsDefaultClass:        No",
      "Annotations:           <none>",
      "Provisioner:           ebs.csi.aws.com",
      "Parameters:            iops=3000,type=gp3",
      "AllowVolumeExpansion:  True",
      "MountOptions:",
      "  debug",
      "ReclaimPolicy:      Retain",
      "VolumeBindingMode:  Immediate",
      "AllowedTopologies:  ",
      "  Term 0:           topology.kubernetes.io/zone in [eu-1a, eu-1b]",
      "Events:             <none>",
    ],
  },
  {
    name: "describe sc --show-events=false",
    actual: () => describe('sc', f.standardSc, [], f.NOW, { showEvents: false }),
    expected: [
      "Name:                  standard",
      "IsDefaultClass:        Yes",
      "Annotations:           storageclass.kubernetes.io/is-default-class=true",
      "Provisioner:           rancher.io/local-path",
      "Parameters:            <none>",
      "AllowVolumeExpansion:  <unset>",
      "MountOptions:          <none>",
      "ReclaimPolicy:         Delete",
      "VolumeBindingMode:     WaitForFirstConsumer",
    ],
  },

];

for (const g of golden) {
  test(`golden: ${g.name}`, () => {
    assert.fixture(g.actual(), g.expected.join('\n') + '\n');
  });
}

test('a PV table exactly as kubectl 1.31 printed it (output captured from a real cluster)', () => {
  const pv = {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name: 'safari-pv', creationTimestamp: '2026-03-01T11:59:28Z' },
    spec: { capacity: { storage: '2Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Recycle', storageClassName: '', hostPath: { path: '/Volumes/Data' } },
    status: { phase: 'Available' },
  };
  assert.fixture(printTable('persistentvolume', [pv], { now: f.NOW }), [
    'NAME        CAPACITY   ACCESS MODES   RECLAIM POLICY   STATUS      CLAIM   STORAGECLASS   VOLUMEATTRIBUTESCLASS   REASON   AGE',
    'safari-pv   2Gi        RWO            Recycle          Available                          <unset>                          32s',
  ].join('\n') + '\n');
});

const emptyRows: Array<{ name: string; kind: string; options: { allNamespaces?: boolean; namespace?: string }; expected: string }> = [
  { name: 'cluster-scoped', kind: 'pv', options: {}, expected: 'No resources found' },
  { name: 'namespaced, default namespace', kind: 'pvc', options: {}, expected: 'No resources found in default namespace.' },
  { name: 'namespaced, -n team-a', kind: 'pvc', options: { namespace: 'team-a' }, expected: 'No resources found in team-a namespace.' },
  { name: 'namespaced, -A', kind: 'events', options: { allNamespaces: true }, expected: 'No resources found' },
  { name: 'storage classes', kind: 'sc', options: { namespace: 'team-a' }, expected: 'No resources found' },
];
for (const row of emptyRows) {
  test(`empty table: ${row.name}`, () => {
    assert.is(printTable(row.kind, [], { now: f.NOW, ...row.options }), row.expected);
  });
}

test('-o json: a List with sorted keys and 4-space indent', () => {
  assert.fixture(printJson([f.standardSc]), `{
    "apiVersion": "v1",
    "items": [
        {
            "apiVersion": "storage.k8s.io/v1",
            "kind": "StorageClass",
            "metadata": {
                "annotations": {
                    "storageclass.kubernetes.io/is-default-class": "true"
                },
                "creationTimestamp": "2026-01-01T00:00:00Z",
                "name": "standard"
            },
            "provisioner": "rancher.io/local-path",
            "reclaimPolicy": "Delete",
            "volumeBindingMode": "WaitForFirstConsumer"
        }
    ],
    "kind": "List",
    "metadata": {
        "resourceVersion": ""
    }
}
`);
});

test('-o json: an empty List', () => {
  assert.fixture(printJson([]), '{\n    "apiVersion": "v1",\n    "items": [],\n    "kind": "List",\n    "metadata": {\n        "resourceVersion": ""\n    }\n}\n');
});

test('-o json: one object asked for by name is printed bare; HTML characters are escaped like Go', () => {
  const o = { kind: 'PersistentVolume', apiVersion: 'v1', metadata: { name: 'x', annotations: { note: '<a & b>' } } };
  assert.fixture(printJson([o], { single: true }), `{
    "apiVersion": "v1",
    "kind": "PersistentVolume",
    "metadata": {
        "annotations": {
            "note": "\\u003ca \\u0026 b\\u003e"
        },
        "name": "x"
    }
}
`);
});

test('-o yaml: one object, sorted keys, sequences not indented, timestamps and empty strings quoted', () => {
  assert.fixture(printYaml([f.dataPvc, f.logsPvc].slice(0, 1), { single: true }), `apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  creationTimestamp: "2026-03-01T11:57:30Z"
  finalizers:
  - kubernetes.io/pvc-protection
  name: data
  namespace: default
spec:
  accessModes:
  - ReadWriteOnce
  resources:
    requests:
      storage: 5Gi
  storageClassName: fast
  volumeMode: Filesystem
  volumeName: nas
status:
  accessModes:
  - ReadWriteMany
  - ReadWriteOnce
  capacity:
    storage: 10Gi
  phase: Bound
`);
});

test('-o yaml: a List', () => {
  const sc = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'x' }, provisioner: 'p', parameters: { replicas: '3', enabled: 'true' } };
  assert.fixture(printYaml([sc]), `apiVersion: v1
items:
- apiVersion: storage.k8s.io/v1
  kind: StorageClass
  metadata:
    name: x
  parameters:
    enabled: "true"
    replicas: "3"
  provisioner: p
kind: List
metadata:
  resourceVersion: ""
`);
});

test('-o name', () => {
  assert.fixture(printNames([f.nasPv, f.dataPvc, f.standardSc, f.events[0]!]),
    'persistentvolume/nas\npersistentvolumeclaim/data\nstorageclass.storage.k8s.io/standard\nevent/data.1\n');
});

test('a terminating PV and PVC print Terminating', () => {
  const pv = { ...f.nasPv, metadata: { ...f.nasPv.metadata, deletionTimestamp: '2026-03-01T11:59:00Z' } };
  assert.match(printTable('pv', [pv], { now: f.NOW }), /Retain           Terminating/);
  assert.match(describe('pv', pv, [], f.NOW), /Status:\s+Terminating \(lasts 60s\)/);
});

test.run();
