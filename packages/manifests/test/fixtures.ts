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

// ---- issue 3 kinds

/** A StatefulSet pod on node-a, one container running with a claim and a cache mounted. */
export const webPod = {
  apiVersion: 'v1', kind: 'Pod',
  metadata: {
    name: 'web-0', namespace: 'default', uid: 'pod-1', creationTimestamp: '2026-03-01T11:50:00Z', labels: { app: 'web' },
    ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web', uid: 'sts-1', controller: true }],
  },
  spec: {
    nodeName: 'node-a', serviceAccountName: 'default', restartPolicy: 'Always', dnsPolicy: 'ClusterFirst', terminationGracePeriodSeconds: 30,
    containers: [{
      name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP', name: 'http' }],
      env: [{ name: 'MODE', value: 'prod' }, { name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } }, { name: 'PASSWORD', valueFrom: { secretKeyRef: { name: 'web-creds', key: 'password' } } }],
      resources: { requests: { cpu: '100m', memory: '128Mi' } },
      volumeMounts: [
        { name: 'data', mountPath: '/usr/share/nginx/html' },
        { name: 'cache', mountPath: '/data', readOnly: true, subPath: 'cache1' },
        { name: 'config', mountPath: '/etc/nginx/conf.d' },
      ],
    }],
    volumes: [
      { name: 'data', persistentVolumeClaim: { claimName: 'data-web-0' } },
      { name: 'cache', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
      { name: 'config', configMap: { name: 'web-config', defaultMode: 420 } },
      { name: 'creds', secret: { secretName: 'web-creds', defaultMode: 420, optional: true } },
      { name: 'logs', hostPath: { path: '/var/log/web', type: 'DirectoryOrCreate' } },
      { name: 'bundle', projected: { defaultMode: 420, sources: [{ serviceAccountToken: { expirationSeconds: 3607, path: 'token' } }, { configMap: { name: 'kube-root-ca.crt' } }, { downwardAPI: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } }] } },
      { name: 'inline', csi: { driver: 'nfs.csi.k8s.io', volumeAttributes: { server: 'nas', share: '/exports' } } },
    ],
    tolerations: [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }],
  },
  status: {
    phase: 'Running', qosClass: 'Burstable', hostIP: '10.0.0.11', podIP: '10.244.0.7', podIPs: [{ ip: '10.244.0.7' }], startTime: '2026-03-01T11:50:02Z',
    conditions: [
      { type: 'PodScheduled', status: 'True' }, { type: 'Initialized', status: 'True' }, { type: 'ContainersReady', status: 'True' }, { type: 'Ready', status: 'True' },
    ],
    containerStatuses: [{
      name: 'nginx', ready: true, restartCount: 1, image: 'nginx:1.27', imageID: 'docker.io/library/nginx@sha256:1234', containerID: 'containerd://abc',
      state: { running: { startedAt: '2026-03-01T11:55:00Z' } },
      lastState: { terminated: { exitCode: 137, reason: 'OOMKilled', startedAt: '2026-03-01T11:50:05Z', finishedAt: '2026-03-01T11:54:59Z' } },
    }],
  },
};

/** A pod the scheduler has not placed yet. */
export const pendingPod = {
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'db-1', namespace: 'default', creationTimestamp: '2026-03-01T11:59:30Z' },
  spec: { containers: [{ name: 'pg', image: 'postgres:16', volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql' }] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-1', readOnly: true } }] },
  status: { phase: 'Pending', qosClass: 'BestEffort', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' }] },
};

export const nodeA = {
  apiVersion: 'v1', kind: 'Node',
  metadata: {
    name: 'node-a', creationTimestamp: '2026-03-01T10:00:00Z',
    labels: { 'kubernetes.io/hostname': 'node-a', 'topology.kubernetes.io/zone': 'zone-a', 'node-role.kubernetes.io/worker': '' },
  },
  spec: {},
  status: {
    conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-03-01T11:59:00Z', lastTransitionTime: '2026-03-01T10:00:10Z', reason: 'KubeletReady', message: 'kubelet is posting ready status' }],
    addresses: [{ type: 'InternalIP', address: '10.0.0.11' }, { type: 'Hostname', address: 'node-a' }],
    capacity: { cpu: '4', memory: '8Gi', pods: '110' },
    nodeInfo: { kubeletVersion: 'v1.34.0', osImage: 'pvsim', kernelVersion: '6.1.0', containerRuntimeVersion: 'pvsim://1', architecture: 'amd64', operatingSystem: 'linux' },
    volumesInUse: ['kubernetes.io/csi/block.csi.pvsim.dev^vol-1'],
    volumesAttached: [{ name: 'kubernetes.io/csi/block.csi.pvsim.dev^vol-1', devicePath: '/dev/vdb' }],
  },
};

export const nodeB = {
  apiVersion: 'v1', kind: 'Node',
  metadata: { name: 'node-b', creationTimestamp: '2026-02-28T12:00:00Z', labels: { 'kubernetes.io/hostname': 'node-b' } },
  spec: { unschedulable: true, taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }] },
  status: { conditions: [{ type: 'Ready', status: 'Unknown', lastHeartbeatTime: '2026-03-01T11:00:00Z', lastTransitionTime: '2026-03-01T11:00:40Z', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' }], nodeInfo: { kubeletVersion: 'v1.34.0' } },
};

export const webDeployment = {
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', creationTimestamp: '2026-03-01T11:00:00Z', labels: { app: 'web' }, generation: 2 },
  spec: {
    replicas: 3, selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['front', 'edge'] }] },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: 1 } }, revisionHistoryLimit: 10, progressDeadlineSeconds: 600,
    template: {
      metadata: { labels: { app: 'web', tier: 'front' } },
      spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', volumeMounts: [{ name: 'shared', mountPath: '/srv' }] }, { name: 'sidecar', image: 'busybox' }], volumes: [{ name: 'shared', persistentVolumeClaim: { claimName: 'shared' } }] },
    },
  },
  status: {
    replicas: 3, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2, unavailableReplicas: 1,
    conditions: [{ type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable' }, { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated' }],
  },
};

export const dbStatefulSet = {
  apiVersion: 'apps/v1', kind: 'StatefulSet',
  metadata: { name: 'db', namespace: 'default', uid: 'sts-db', creationTimestamp: '2026-03-01T09:00:00Z' },
  spec: {
    replicas: 2, serviceName: 'db', podManagementPolicy: 'OrderedReady', selector: { matchLabels: { app: 'db' } },
    updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
    template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'pg', image: 'postgres:16', volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql' }] }] } },
    volumeClaimTemplates: [{ metadata: { name: 'data', labels: { backup: 'daily' } }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'fast', resources: { requests: { storage: '5Gi' } } } }],
  },
  status: { replicas: 2, readyReplicas: 1 },
};

export const dbPods = [
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db-0', namespace: 'default', ownerReferences: [{ kind: 'StatefulSet', name: 'db', uid: 'sts-db', controller: true }] }, spec: {}, status: { phase: 'Running' } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'db-1', namespace: 'default', ownerReferences: [{ kind: 'StatefulSet', name: 'db', uid: 'sts-db', controller: true }] }, spec: {}, status: { phase: 'Pending' } },
  { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'other', namespace: 'default', ownerReferences: [{ kind: 'StatefulSet', name: 'db', uid: 'sts-older', controller: true }] }, spec: {}, status: { phase: 'Running' } },
];

export const webConfig = {
  apiVersion: 'v1', kind: 'ConfigMap',
  metadata: { name: 'web-config', namespace: 'default', creationTimestamp: '2026-03-01T11:00:00Z' },
  data: { 'default.conf': 'server {\n  listen 80;\n}\n', mode: 'prod' },
  binaryData: { 'logo.png': 'iVBORw0KGgo=' },
};

export const webCreds = {
  apiVersion: 'v1', kind: 'Secret',
  metadata: { name: 'web-creds', namespace: 'default', creationTimestamp: '2026-03-01T11:00:00Z' },
  type: 'Opaque', data: { user: 'YWRtaW4=', password: 'aHVudGVyMg==' },
};

export const attachment = {
  apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment',
  metadata: { name: 'csi-6b1f0d4e', creationTimestamp: '2026-03-01T11:59:00Z', uid: 'va-1', resourceVersion: '42', finalizers: ['external-attacher/block-csi-pvsim-dev'] },
  spec: { attacher: 'block.csi.pvsim.dev', nodeName: 'node-a', source: { persistentVolumeName: 'pvc-1' } },
  status: { attached: true, attachmentMetadata: { devicePath: '/dev/vdb' } },
};
