// Objects as the API server would return them, shared by the printer tests.
export const NOW = '2026-03-01T12:00:00Z';

export const nasPv = {
  apiVersion: 'v1', kind: 'PersistentVolume',
  metadata: {
    name: 'nas', creationTimestamp: '2026-03-01T11:55:00Z', uid: 'u-1',
    labels: { tier: 'gold', app: 'web' },
    annotations: { 'pv.kubernetes.io/bound-by-controller': 'yes', 'kubectl.kubernetes.io/last-applied-configuration': '{"big":"json"}\n' },
    finalizers: ['kubernetes.io/pv-protection'],
  },
  spec: {
    capacity: { storage: '10Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain',
    storageClassName: 'fast', volumeMode: 'Filesystem', claimRef: { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data', uid: 'c-1' },
    nfs: { server: '10.0.0.1', path: '/exports/nas' },
  },
  status: { phase: 'Bound' },
};

export const localPv = {
  apiVersion: 'v1', kind: 'PersistentVolume',
  metadata: { name: 'local-ssd-node-1', creationTimestamp: '2026-02-27T09:30:00Z' },
  spec: {
    capacity: { storage: '100Gi' }, accessModes: ['ReadWriteOncePod'], persistentVolumeReclaimPolicy: 'Delete',
    storageClassName: 'local', volumeMode: 'Block',
    local: { path: '/mnt/disks/ssd1' },
    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['node-1', 'node-2'] }, { key: 'disk', operator: 'Exists' }] }] } },
  },
  status: { phase: 'Released', reason: 'Gone', message: 'claim default/old was deleted' },
};

export const dataPvc = {
  apiVersion: 'v1', kind: 'PersistentVolumeClaim',
  metadata: { name: 'data', namespace: 'default', creationTimestamp: '2026-03-01T11:57:30Z', finalizers: ['kubernetes.io/pvc-protection'] },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '5Gi' } }, storageClassName: 'fast', volumeName: 'nas', volumeMode: 'Filesystem' },
  status: { phase: 'Bound', capacity: { storage: '10Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce'] },
};

export const logsPvc = {
  apiVersion: 'v1', kind: 'PersistentVolumeClaim',
  metadata: { name: 'logs', namespace: 'team-a', creationTimestamp: '2026-03-01T09:30:00Z', labels: { app: 'logger' } },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: '', volumeMode: 'Block', volumeAttributesClassName: 'silver' },
  status: { phase: 'Pending' },
};

export const standardSc = {
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
  metadata: { name: 'standard', creationTimestamp: '2026-01-01T00:00:00Z', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
  provisioner: 'rancher.io/local-path', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
};

export const fastSc = {
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass',
  metadata: { name: 'fast', creationTimestamp: '2026-02-28T12:00:00Z' },
  provisioner: 'ebs.csi.aws.com', parameters: { type: 'gp3', iops: '3000' }, reclaimPolicy: 'Retain', volumeBindingMode: 'Immediate',
  allowVolumeExpansion: true, mountOptions: ['debug'],
  allowedTopologies: [{ matchLabelExpressions: [{ key: 'topology.kubernetes.io/zone', values: ['eu-1a', 'eu-1b'] }] }],
};

export const events = [
  {
    apiVersion: 'v1', kind: 'Event', metadata: { name: 'data.1', namespace: 'default' },
    involvedObject: { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data' },
    type: 'Normal', reason: 'ExternalProvisioning', message: "Waiting for a volume to be created either by the external provisioner 'ebs.csi.aws.com' or manually by the system administrator. ",
    count: 3, firstTimestamp: '2026-03-01T11:57:30Z', lastTimestamp: '2026-03-01T11:58:00Z', source: { component: 'persistentvolume-controller' },
  },
  {
    apiVersion: 'v1', kind: 'Event', metadata: { name: 'data.2', namespace: 'default' },
    involvedObject: { kind: 'PersistentVolumeClaim', namespace: 'default', name: 'data' },
    type: 'Normal', reason: 'ProvisioningSucceeded', message: 'Successfully provisioned volume nas',
    count: 1, firstTimestamp: '2026-03-01T11:58:40Z', lastTimestamp: '2026-03-01T11:58:40Z', source: { component: 'ebs.csi.aws.com_csi-controller', host: 'node-1' },
  },
  {
    apiVersion: 'v1', kind: 'Event', metadata: { name: 'nas.1', namespace: 'default' },
    involvedObject: { kind: 'PersistentVolume', name: 'nas' },
    type: 'Warning', reason: 'VolumeFailedDelete', message: 'error getting deleter volume plugin for volume "nas": no volume plugin matched',
    count: 1, firstTimestamp: '2026-02-28T12:00:00Z', lastTimestamp: '2026-02-28T12:00:00Z', source: { component: 'persistentvolume-controller' },
  },
];

export const pods = [
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'default' }, spec: { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'other', namespace: 'default' }, spec: { volumes: [{ name: 'x', emptyDir: {} }] } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-0', namespace: 'default' }, spec: { volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] } },
];
