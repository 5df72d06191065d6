import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { applyDefaults, podQOSClass, prepareForCreate } from '../src/index.ts';

type Obj = Record<string, unknown>;

const rows: Array<{ name: string; input: Obj; expected: Obj }> = [
  {
    name: 'PV: reclaim policy Retain, volumeMode Filesystem, phase Pending',
    input: { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'nas' }, spec: { capacity: { storage: '5Gi' }, nfs: { server: 's', path: '/p' } } },
    expected: { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'nas' }, spec: { capacity: { storage: '5Gi' }, nfs: { server: 's', path: '/p' }, persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' }, status: { phase: 'Pending' } },
  },
  {
    name: 'PV: explicit values are kept',
    input: { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'nas' }, spec: { persistentVolumeReclaimPolicy: 'Delete', volumeMode: 'Block' }, status: { phase: 'Available' } },
    expected: { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'nas' }, spec: { persistentVolumeReclaimPolicy: 'Delete', volumeMode: 'Block' }, status: { phase: 'Available' } },
  },
  {
    name: 'PV: hostPath type defaults to "", quantities are canonical, namespace is dropped',
    input: { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'nas', namespace: 'default' }, spec: { capacity: { storage: '5120Mi' }, hostPath: { path: '/d' } } },
    expected: { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'nas' }, spec: { capacity: { storage: '5Gi' }, hostPath: { path: '/d', type: '' }, persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' }, status: { phase: 'Pending' } },
  },
  {
    name: 'PV: an invalid quantity is left for validation',
    input: { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'nas' }, spec: { capacity: { storage: '5Gb' } } },
    expected: { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'nas' }, spec: { capacity: { storage: '5Gb' }, persistentVolumeReclaimPolicy: 'Retain', volumeMode: 'Filesystem' }, status: { phase: 'Pending' } },
  },
  {
    name: 'PVC: phase Pending, volumeMode Filesystem, no storage class invented, quantities canonical',
    input: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { resources: { requests: { storage: '1024Mi' }, limits: { storage: 1073741824 } } } },
    expected: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data', namespace: 'default' }, spec: { resources: { requests: { storage: '1Gi' }, limits: { storage: '1073741824' } }, volumeMode: 'Filesystem' }, status: { phase: 'Pending' } },
  },
  {
    name: 'StorageClass: reclaimPolicy Delete, volumeBindingMode Immediate',
    input: { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'x' },
    expected: { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'x', reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate' },
  },
  {
    name: 'StorageClass: explicit values are kept',
    input: { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'x', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' },
    expected: { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' }, provisioner: 'x', reclaimPolicy: 'Retain', volumeBindingMode: 'WaitForFirstConsumer' },
  },
  {
    name: 'Pod: SetDefaults_Pod/_PodSpec/_Container; pull policy Always for :latest or no tag',
    input: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'a', image: 'nginx' }, { name: 'b', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] } },
    expected: {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' },
      spec: {
        containers: [
          { name: 'a', image: 'nginx', imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' },
          { name: 'b', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }], imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' },
        ],
        enableServiceLinks: true, dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', securityContext: {}, terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler',
      },
    },
  },
  {
    name: 'Pod: a digest pins the image (IfNotPresent); a registry port is not a tag; explicit values kept',
    input: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { restartPolicy: 'Never', dnsPolicy: 'Default', terminationGracePeriodSeconds: 0, containers: [
      { name: 'a', image: 'nginx@sha256:abc', terminationMessagePolicy: 'FallbackToLogsOnError' }, { name: 'b', image: 'registry:5000/nginx' }, { name: 'c', image: 'nginx:latest', imagePullPolicy: 'Never' }] } },
    expected: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: {
      restartPolicy: 'Never', dnsPolicy: 'Default', terminationGracePeriodSeconds: 0,
      containers: [
        { name: 'a', image: 'nginx@sha256:abc', terminationMessagePolicy: 'FallbackToLogsOnError', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log' },
        { name: 'b', image: 'registry:5000/nginx', imagePullPolicy: 'Always', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' },
        { name: 'c', image: 'nginx:latest', imagePullPolicy: 'Never', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' },
      ],
      enableServiceLinks: true, securityContext: {}, schedulerName: 'default-scheduler',
    } },
  },
  {
    name: 'Pod volumes: modes 0644 (420), token lifetime 3600, hostPath type "", a bare volume becomes an emptyDir, sizeLimit canonical',
    input: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [], volumes: [
      { name: 'cfg', configMap: { name: 'c' } }, { name: 'sec', secret: { secretName: 's', defaultMode: 256 } },
      { name: 'all', projected: { sources: [{ serviceAccountToken: { path: 't' } }] } }, { name: 'info', downwardAPI: {} },
      { name: 'host', hostPath: { path: '/d' } }, { name: 'bare' }, { name: 'cache', emptyDir: { sizeLimit: '1024Mi' } },
    ] } },
    expected: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: {
      containers: [],
      volumes: [
        { name: 'cfg', configMap: { name: 'c', defaultMode: 420 } }, { name: 'sec', secret: { secretName: 's', defaultMode: 256 } },
        { name: 'all', projected: { sources: [{ serviceAccountToken: { path: 't', expirationSeconds: 3600 } }], defaultMode: 420 } }, { name: 'info', downwardAPI: { defaultMode: 420 } },
        { name: 'host', hostPath: { path: '/d', type: '' } }, { name: 'bare', emptyDir: {} }, { name: 'cache', emptyDir: { sizeLimit: '1Gi' } },
      ],
      enableServiceLinks: true, dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', securityContext: {}, terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler',
    } },
  },
  {
    name: 'Pod: requests default to limits (canonical quantities)',
    input: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { containers: [{ name: 'a', image: 'x:1', resources: { limits: { cpu: '500m', memory: '1024Mi' }, requests: { cpu: '250m' } } }] } },
    expected: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: {
      containers: [{ name: 'a', image: 'x:1', resources: { limits: { cpu: '500m', memory: '1Gi' }, requests: { cpu: '250m', memory: '1Gi' } }, imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }],
      enableServiceLinks: true, dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', securityContext: {}, terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler',
    } },
  },
  {
    name: 'Deployment: replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10, progressDeadlineSeconds 600, template pod defaults (no enableServiceLinks)',
    input: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'a', image: 'nginx:1' }] } } } },
    expected: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: {
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: {
        containers: [{ name: 'a', image: 'nginx:1', imagePullPolicy: 'IfNotPresent', terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File' }],
        dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', securityContext: {}, terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler',
      } },
      replicas: 1, strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600,
    } },
  },
  {
    name: 'Deployment: Recreate gets no rollingUpdate; replicas 0 kept',
    input: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 0, strategy: { type: 'Recreate' }, template: {} } },
    expected: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' }, spec: {
      replicas: 0, strategy: { type: 'Recreate' },
      template: { spec: { dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', securityContext: {}, terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler' } },
      revisionHistoryLimit: 10, progressDeadlineSeconds: 600,
    } },
  },
  {
    name: 'StatefulSet: OrderedReady, RollingUpdate partition 0, Retain/Retain, replicas 1; claim templates get claim defaults and phase Pending',
    input: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'default' }, spec: { template: {}, volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1024Mi' } } } }] } },
    expected: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'default' }, spec: {
      template: { spec: { dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', securityContext: {}, terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler' } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' }, status: { phase: 'Pending' } }],
      podManagementPolicy: 'OrderedReady', updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' }, replicas: 1, revisionHistoryLimit: 10,
    } },
  },
  {
    name: 'StatefulSet: an explicit RollingUpdate without rollingUpdate stays so; OnDelete kept',
    input: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'default' }, spec: { updateStrategy: { type: 'RollingUpdate' }, podManagementPolicy: 'Parallel', replicas: 3 } },
    expected: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'default' }, spec: {
      updateStrategy: { type: 'RollingUpdate' }, podManagementPolicy: 'Parallel', replicas: 3,
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' }, revisionHistoryLimit: 10,
      template: { spec: { dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', securityContext: {}, terminationGracePeriodSeconds: 30, schedulerName: 'default-scheduler' } },
    } },
  },
  {
    name: 'Secret: type Opaque; stringData folded into data (base64, overriding)',
    input: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { user: 'b2xk', keep: 'eA==' }, stringData: { user: 'admin', password: 'hunter2' } },
    expected: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, data: { user: 'YWRtaW4=', keep: 'eA==', password: 'aHVudGVyMg==' }, type: 'Opaque' },
  },
  {
    name: 'Secret: explicit type kept; stringData that is not all strings is left for validation',
    input: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, type: 'kubernetes.io/tls', stringData: { n: 1 } },
    expected: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' }, type: 'kubernetes.io/tls', stringData: { n: 1 } },
  },
  {
    name: 'Node and VolumeAttachment: no defaults; a namespace on them is dropped',
    input: { apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name: 'va', namespace: 'default' }, spec: { attacher: 'a' } },
    expected: { apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name: 'va' }, spec: { attacher: 'a' } },
  },
  {
    name: 'other kinds are copied unchanged',
    input: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { a: 'b' } },
    expected: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', namespace: 'default' }, data: { a: 'b' } },
  },
];

for (const row of rows) {
  test(`applyDefaults: ${row.name}`, () => {
    const before = structuredClone(row.input);
    const out = applyDefaults(row.input);
    assert.equal(out, row.expected);
    assert.equal(row.input, before, 'input must not be mutated');
    assert.is.not(out, row.input);
  });
}

test('applyDefaults is idempotent', () => {
  const once = applyDefaults(rows[0]!.input);
  assert.equal(applyDefaults(once), once);
});

const bound = { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'pvc-1' }, spec: {}, status: { phase: 'Bound', message: 'x' } };

test('prepareForCreate: a PV starts Pending whatever status the client sent', () => {
  assert.equal(prepareForCreate(bound), { ...bound, status: { phase: 'Pending' } });
  assert.equal(bound.status, { phase: 'Bound', message: 'x' }, 'input must not be mutated');
});

test('prepareForCreate: lastPhaseTransitionTime is set when a time is given', () => {
  assert.equal(prepareForCreate(bound, '2026-01-01T00:00:00Z').status, { phase: 'Pending', lastPhaseTransitionTime: '2026-01-01T00:00:00Z' });
});

test('prepareForCreate: a PVC starts Pending too; a StorageClass is unchanged', () => {
  const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'c' }, spec: {}, status: { phase: 'Bound', capacity: { storage: '1Gi' } } };
  assert.equal(prepareForCreate(claim).status, { phase: 'Pending' });
  const cls = { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'f' }, provisioner: 'x' };
  assert.equal(prepareForCreate(cls), cls);
});

test('applyDefaults is idempotent for the workload kinds', () => {
  for (const row of rows.filter((r) => ['Pod', 'Deployment', 'StatefulSet', 'Secret'].includes(String(r.input['kind'])))) {
    const once = applyDefaults(row.input);
    assert.equal(applyDefaults(once), once, row.name);
  }
});

const createRows: Array<{ name: string; input: Obj; status: unknown; generation?: number }> = [
  { name: 'a Pod starts Pending with its QoS class', input: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { containers: [{ name: 'a' }] }, status: { phase: 'Running', podIP: '10.0.0.9' } }, status: { phase: 'Pending', qosClass: 'BestEffort' } },
  { name: 'a Deployment starts with an empty status, generation 1', input: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: {}, status: { readyReplicas: 3 } }, status: {}, generation: 1 },
  { name: 'a StatefulSet likewise', input: { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's', generation: 7 }, spec: {} }, status: {}, generation: 1 },
  { name: 'a VolumeAttachment starts unattached', input: { apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name: 'va' }, spec: {}, status: { attached: true } }, status: { attached: false } },
  { name: 'a Node keeps the status its kubelet registers', input: { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, status: { conditions: [{ type: 'Ready', status: 'True' }] } }, status: { conditions: [{ type: 'Ready', status: 'True' }] } },
];
for (const row of createRows) {
  test(`prepareForCreate: ${row.name}`, () => {
    const out = prepareForCreate(row.input) as Obj;
    assert.equal(out['status'], row.status);
    if (row.generation !== undefined) assert.is((out['metadata'] as Obj)['generation'], row.generation);
  });
}

const qosRows: Array<{ name: string; containers: unknown[]; expected: string }> = [
  { name: 'no requests or limits', containers: [{ name: 'a' }], expected: 'BestEffort' },
  { name: 'only other resources', containers: [{ name: 'a', resources: { requests: { 'ephemeral-storage': '1Gi' } } }], expected: 'BestEffort' },
  { name: 'requests only', containers: [{ name: 'a', resources: { requests: { cpu: '100m' } } }], expected: 'Burstable' },
  { name: 'limits equal requests for cpu and memory', containers: [{ name: 'a', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1000m', memory: '1024Mi' } } }], expected: 'Guaranteed' },
  { name: 'limits only (requests default to them on a Pod)', containers: [{ name: 'a', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } } }], expected: 'Guaranteed' },
  { name: 'a container without memory limit', containers: [{ name: 'a', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1', memory: '1Gi' } } }, { name: 'b', resources: { limits: { cpu: '1' }, requests: { cpu: '1' } } }], expected: 'Burstable' },
  { name: 'requests below limits', containers: [{ name: 'a', resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m', memory: '1Gi' } } }], expected: 'Burstable' },
];
for (const row of qosRows) {
  test(`podQOSClass: ${row.name}`, () => {
    assert.is(podQOSClass({ containers: row.containers }), row.expected);
  });
}

test.run();
