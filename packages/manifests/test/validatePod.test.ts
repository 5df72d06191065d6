import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ManifestError, formatFieldError, parseManifests, validateObject, validationErrors } from '../src/index.ts';

type Obj = Record<string, unknown>;

const SUBDOMAIN = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const KEY_NAME = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const HOST_PATH_TYPES = 'supported values: "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate", "Socket"';
const MODE = 'must be a number between 0 and 0777 (octal), both inclusive';

const app = (extra: Obj = {}): Obj => ({ name: 'app', image: 'nginx:1.27', ...extra });
const pod = (spec: Obj = {}, metadata: Obj = {}): Obj => ({
  apiVersion: 'v1', kind: 'Pod',
  metadata: { name: 'web', namespace: 'default', ...metadata },
  spec: { containers: [app()], ...spec },
});
/** A pod whose one container mounts the given volumes' mounts. */
const withVolumes = (volumes: unknown[], mounts: unknown[] = []): Obj => pod({ volumes, containers: [app({ volumeMounts: mounts })] });
const anti = (terms: unknown[]): Obj => pod({ affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: terms } } });

const messages = (o: Obj, mode: 'create' | 'update' = 'create', old?: Obj): string[] =>
  [...new Set(validationErrors(o, mode, old).map(formatFieldError))];

interface Row { name: string; object: Obj; expected: string[] }

const createRows: Row[] = [
  // ---- metadata and containers
  { name: 'valid', object: pod(), expected: [] },
  { name: 'name is a DNS subdomain', object: pod({}, { name: 'Web_1' }), expected: [`metadata.name: Invalid value: "Web_1": ${SUBDOMAIN}`] },
  { name: 'containers required', object: pod({ containers: [] }), expected: ['spec.containers: Required value'] },
  { name: 'container name required', object: pod({ containers: [{ image: 'nginx' }] }), expected: ['spec.containers[0].name: Required value'] },
  { name: 'container name is a DNS label', object: pod({ containers: [app({ name: 'app.1' })] }), expected: ['spec.containers[0].name: Invalid value: "app.1": must not contain dots'] },
  { name: 'container names unique', object: pod({ containers: [app(), app({ image: 'busybox' })] }), expected: ['spec.containers[1].name: Duplicate value: "app"'] },
  { name: 'image required', object: pod({ containers: [{ name: 'app' }] }), expected: ['spec.containers[0].image: Required value'] },
  { name: 'image without surrounding spaces (pods only)', object: pod({ containers: [app({ image: ' nginx' })] }), expected: ['spec.containers[0].image: Invalid value: " nginx": must not have leading or trailing whitespace'] },
  { name: 'imagePullPolicy values', object: pod({ containers: [app({ imagePullPolicy: 'Sometimes' })] }), expected: ['spec.containers[0].imagePullPolicy: Unsupported value: "Sometimes": supported values: "Always", "IfNotPresent", "Never"'] },
  { name: 'container port range', object: pod({ containers: [app({ ports: [{ containerPort: 70000 }] })] }), expected: ['spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive'] },
  { name: 'resources: a request above its limit', object: pod({ containers: [app({ resources: { limits: { cpu: '500m' }, requests: { cpu: '1' } } })] }), expected: ['spec.containers[0].resources.requests[cpu]: Invalid value: "1": must be less than or equal to cpu limit of 500m'] },
  { name: 'resources: quantities parse', object: pod({ containers: [app({ resources: { requests: { memory: '1Gb' } } })] }), expected: ["spec.containers[0].resources.requests.memory: Invalid value: \"1Gb\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"] },
  { name: 'resources: not negative', object: pod({ containers: [app({ resources: { limits: { cpu: '-1' } } })] }), expected: ['spec.containers[0].resources.limits[cpu]: Invalid value: "-1": must be greater than or equal to 0', 'spec.containers[0].resources.requests[cpu]: Invalid value: "-1": must be greater than or equal to 0'] },
  { name: 'restartPolicy on a regular container', object: pod({ containers: [app({ restartPolicy: 'Always' })] }), expected: ['spec.containers[0].restartPolicy: Forbidden: may not be set for non-init containers'] },
  { name: 'init and regular container names are unique together', object: pod({ initContainers: [app()] }), expected: ['spec.initContainers[0].name: Duplicate value: "app"'] },
  { name: 'restartPolicy values', object: pod({ restartPolicy: 'Sometimes' }), expected: ['spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"'] },
  { name: 'dnsPolicy values', object: pod({ dnsPolicy: 'Cluster' }), expected: ['spec.dnsPolicy: Unsupported value: "Cluster": supported values: "ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"'] },
  { name: 'nodeName is a DNS subdomain', object: pod({ nodeName: 'Node_A' }), expected: [`spec.nodeName: Invalid value: "Node_A": ${SUBDOMAIN}`] },
  { name: 'ephemeral containers cannot be set on create', object: pod({ ephemeralContainers: [{ name: 'debug', image: 'busybox' }] }), expected: ['spec.ephemeralContainers: Forbidden: cannot be set on create'] },

  // ---- volumes
  { name: 'volume names are DNS labels', object: withVolumes([{ name: 'Cache', emptyDir: {} }]), expected: [`spec.volumes[0].name: Invalid value: "Cache": ${LABEL}`] },
  { name: 'volume names unique', object: withVolumes([{ name: 'cache', emptyDir: {} }, { name: 'cache', emptyDir: {} }]), expected: ['spec.volumes[1].name: Duplicate value: "cache"'] },
  { name: 'a volume with only a name becomes an emptyDir (SetDefaults_Volume)', object: withVolumes([{ name: 'scratch' }], [{ name: 'scratch', mountPath: '/s' }]), expected: [] },
  { name: 'one source per volume', object: withVolumes([{ name: 'data', emptyDir: {}, persistentVolumeClaim: { claimName: 'c' } }]), expected: ['spec.volumes[0].persistentVolumeClaim: Forbidden: may not specify more than 1 volume type'] },
  { name: 'the second source in Kubernetes order is the one named', object: withVolumes([{ name: 'data', persistentVolumeClaim: { claimName: 'c' }, hostPath: { path: '/d' } }]), expected: ['spec.volumes[0].persistentVolumeClaim: Forbidden: may not specify more than 1 volume type'] },
  { name: 'downwardAPI keeps Kubernetes\' typo', object: withVolumes([{ name: 'info', persistentVolumeClaim: { claimName: 'c' }, downwardAPI: {} }]), expected: ['spec.volumes[0].downwarAPI: Forbidden: may not specify more than 1 volume type'] },
  { name: 'a misspelt source is refused (strict decoding)', object: withVolumes([{ name: 'data', persistentVolumeClam: { claimName: 'c' } }]), expected: ['strict decoding error: unknown field "spec.volumes[0].persistentVolumeClam"'] },
  { name: 'claimName required', object: withVolumes([{ name: 'data', persistentVolumeClaim: {} }]), expected: ['spec.volumes[0].persistentVolumeClaim.claimName: Required value'] },
  { name: 'claim readOnly is a bool', object: withVolumes([{ name: 'data', persistentVolumeClaim: { claimName: 'c', readOnly: 'yes' } }]), expected: ['spec.volumes[0].persistentVolumeClaim.readOnly: Invalid value: "yes": json: cannot unmarshal string into Go struct field PersistentVolumeClaimVolumeSource.spec.volumes.persistentVolumeClaim.readOnly of type bool'] },
  { name: 'emptyDir sizeLimit is a quantity', object: withVolumes([{ name: 'cache', emptyDir: { sizeLimit: '1Gb' } }]), expected: ["spec.volumes[0].emptyDir.sizeLimit: Invalid value: \"1Gb\": quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"] },
  { name: 'emptyDir sizeLimit not negative', object: withVolumes([{ name: 'cache', emptyDir: { sizeLimit: '-1Gi' } }]), expected: ['spec.volumes[0].emptyDir.sizeLimit: Forbidden: SizeLimit field must be a valid resource quantity'] },
  { name: 'emptyDir medium is left to the kubelet', object: withVolumes([{ name: 'cache', emptyDir: { medium: 'Memory' } }]), expected: [] },
  { name: 'hostPath path required', object: withVolumes([{ name: 'host', hostPath: {} }]), expected: ['spec.volumes[0].hostPath.path: Required value'] },
  { name: 'hostPath path without ..', object: withVolumes([{ name: 'host', hostPath: { path: '/var/../etc' } }]), expected: ["spec.volumes[0].hostPath.path: Invalid value: \"/var/../etc\": must not contain '..'"] },
  { name: 'hostPath type values', object: withVolumes([{ name: 'host', hostPath: { path: '/d', type: 'Folder' } }]), expected: [`spec.volumes[0].hostPath.type: Unsupported value: "Folder": ${HOST_PATH_TYPES}`] },
  { name: 'configMap name required, mode range', object: withVolumes([{ name: 'cfg', configMap: { defaultMode: 1000 } }]), expected: ['spec.volumes[0].configMap.name: Required value', `spec.volumes[0].configMap.defaultMode: Invalid value: 1000: ${MODE}`] },
  { name: 'configMap item paths are local', object: withVolumes([{ name: 'cfg', configMap: { name: 'c', items: [{ key: 'a', path: '/etc/a' }, { key: 'b', path: '..b' }] } }]), expected: ['spec.volumes[0].configMap.items[0].path: Invalid value: "/etc/a": must be a relative path', "spec.volumes[0].configMap.items[1].path: Invalid value: \"..b\": must not start with '..'"] },
  { name: 'secret secretName required', object: withVolumes([{ name: 'creds', secret: {} }]), expected: ['spec.volumes[0].secret.secretName: Required value'] },
  { name: 'projected: one kind per source', object: withVolumes([{ name: 'all', projected: { sources: [{ configMap: { name: 'a' }, secret: { name: 'b' } }] } }]), expected: ['spec.volumes[0].projected.sources[0]: Forbidden: may not specify more than 1 volume type'] },
  { name: 'projected: names required', object: withVolumes([{ name: 'all', projected: { sources: [{ secret: {} }, { configMap: {} }] } }]), expected: ['spec.volumes[0].projected.sources[0].secret.name: Required value', 'spec.volumes[0].projected.sources[1].configMap.name: Required value'] },
  { name: 'projected: no duplicate paths', object: withVolumes([{ name: 'all', projected: { sources: [{ secret: { name: 's', items: [{ key: 'k', path: 'p' }] } }, { configMap: { name: 'c', items: [{ key: 'k', path: 'p' }] } }] } }]), expected: ['spec.volumes[0].projected: Invalid value: "c": conflicting duplicate paths'] },
  { name: 'projected: token lifetime at least 10 minutes, path named on the volume', object: withVolumes([{ name: 'all', projected: { sources: [{ serviceAccountToken: { expirationSeconds: 60 } }] } }]), expected: ['spec.volumes[0].projected.sources[0].serviceAccountToken.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes', 'spec.volumes[0].projected.path: Required value'] },
  { name: 'projected: an empty source is accepted', object: withVolumes([{ name: 'all', projected: { sources: [{}] } }]), expected: [] },
  { name: 'csi driver required', object: withVolumes([{ name: 'inline', csi: {} }]), expected: ['spec.volumes[0].csi.driver: Required value', `spec.volumes[0].csi.driver: Invalid value: "": ${SUBDOMAIN}`] },
  { name: 'csi secret name (Kubernetes names csi.name)', object: withVolumes([{ name: 'inline', csi: { driver: 'nfs.csi.k8s.io', nodePublishSecretRef: { name: 'Bad_Name' } } }]), expected: [`spec.volumes[0].csi.name: Invalid value: "Bad_Name": ${SUBDOMAIN}`] },
  { name: 'other sources are kept as given', object: withVolumes([{ name: 'legacy', rbd: { monitors: [] } }]), expected: [] },
  { name: 'nfs path absolute', object: withVolumes([{ name: 'share', nfs: { server: 'nas', path: 'exports' } }]), expected: ['spec.volumes[0].nfs.path: Invalid value: "exports": must be an absolute path'] },
  { name: 'ephemeral claim template is a claim spec', object: withVolumes([{ name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: { resources: { requests: { storage: '1Gi' } } } } } }]), expected: ['spec.volumes[0].ephemeral.volumeClaimTemplate.spec.accessModes: Required value: at least 1 access mode is required'] },
  { name: 'ephemeral claim template metadata: labels and annotations only', object: withVolumes([{ name: 'scratch', ephemeral: { volumeClaimTemplate: { metadata: { name: 'x' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } } }]), expected: ['spec.volumes[0].ephemeral.volumeClaimTemplate.metadata.name: Forbidden: cannot be set'] },
  { name: 'a claim created for an ephemeral volume may not be mounted by name', object: withVolumes([{ name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } } }, { name: 'again', persistentVolumeClaim: { claimName: 'web-scratch' } }]), expected: ['spec.volumes[1].persistentVolumeClaim.claimName: Invalid value: "web-scratch": must not reference a PVC that gets created for an ephemeral volume'] },

  // ---- volume mounts
  { name: 'mount name must be a volume', object: withVolumes([], [{ name: 'x', mountPath: '/x' }]), expected: ['spec.containers[0].volumeMounts[0].name: Not found: "x"'] },
  { name: 'mount name required', object: withVolumes([], [{ mountPath: '/x' }]), expected: ['spec.containers[0].volumeMounts[0].name: Required value', 'spec.containers[0].volumeMounts[0].name: Not found: ""'] },
  { name: 'a mount of an invalid volume is not found either', object: withVolumes([{ name: 'data', persistentVolumeClaim: {} }], [{ name: 'data', mountPath: '/d' }]), expected: ['spec.volumes[0].persistentVolumeClaim.claimName: Required value', 'spec.containers[0].volumeMounts[0].name: Not found: "data"'] },
  { name: 'mountPath required', object: withVolumes([{ name: 'cache', emptyDir: {} }], [{ name: 'cache' }]), expected: ['spec.containers[0].volumeMounts[0].mountPath: Required value'] },
  { name: 'mountPath unique per container', object: withVolumes([{ name: 'a', emptyDir: {} }, { name: 'b', emptyDir: {} }], [{ name: 'a', mountPath: '/d' }, { name: 'b', mountPath: '/d' }]), expected: ['spec.containers[0].volumeMounts[1].mountPath: Invalid value: "/d": must be unique'] },
  { name: 'the same path in two containers is fine', object: pod({ volumes: [{ name: 'a', emptyDir: {} }], containers: [app({ volumeMounts: [{ name: 'a', mountPath: '/d' }] }), app({ name: 'side', volumeMounts: [{ name: 'a', mountPath: '/d' }] })] }), expected: [] },
  { name: 'subPath must not be absolute', object: withVolumes([{ name: 'cache', emptyDir: {} }], [{ name: 'cache', mountPath: '/d', subPath: '/etc' }]), expected: ['spec.containers[0].volumeMounts.subPath: Invalid value: "/etc": must be a relative path'] },
  { name: 'subPath must not contain ..', object: withVolumes([{ name: 'cache', emptyDir: {} }], [{ name: 'cache', mountPath: '/d', subPath: 'a/../../etc' }]), expected: ["spec.containers[0].volumeMounts.subPath: Invalid value: \"a/../../etc\": must not contain '..'"] },
  { name: 'subPath .. alone', object: withVolumes([{ name: 'cache', emptyDir: {} }], [{ name: 'cache', mountPath: '/d', subPath: '..' }]), expected: ["spec.containers[0].volumeMounts.subPath: Invalid value: \"..\": must not contain '..'"] },
  { name: 'subPath absolute and with ..: both', object: withVolumes([{ name: 'cache', emptyDir: {} }], [{ name: 'cache', mountPath: '/d', subPath: '/../x' }]), expected: ['spec.containers[0].volumeMounts.subPath: Invalid value: "/../x": must be a relative path', "spec.containers[0].volumeMounts.subPath: Invalid value: \"/../x\": must not contain '..'"] },
  { name: 'subPath with dots in a name is fine', object: withVolumes([{ name: 'cache', emptyDir: {} }], [{ name: 'cache', mountPath: '/d', subPath: 'a..b/..c' }]), expected: [] },
  { name: 'subPath and subPathExpr exclusive', object: withVolumes([{ name: 'cache', emptyDir: {} }], [{ name: 'cache', mountPath: '/d', subPath: 'a', subPathExpr: '$(POD)' }]), expected: ['spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: "$(POD)": subPathExpr and subPath are mutually exclusive'] },
  { name: 'readOnly is a bool', object: withVolumes([{ name: 'cache', emptyDir: {} }], [{ name: 'cache', mountPath: '/d', readOnly: 'true' }]), expected: ['spec.containers[0].volumeMounts[0].readOnly: Invalid value: "true": json: cannot unmarshal string into Go struct field VolumeMount.spec.containers.volumeMounts.readOnly of type bool'] },
  { name: 'Bidirectional propagation needs privilege', object: withVolumes([{ name: 'cache', emptyDir: {} }], [{ name: 'cache', mountPath: '/d', mountPropagation: 'Bidirectional' }]), expected: ['spec.containers[0].volumeMounts.mountPropagation: Forbidden: Bidirectional mount propagation is available only to privileged containers'] },
  { name: 'recursiveReadOnly needs readOnly', object: withVolumes([{ name: 'cache', emptyDir: {} }], [{ name: 'cache', mountPath: '/d', recursiveReadOnly: 'Enabled' }]), expected: ['spec.containers[0].volumeMounts.recursiveReadOnly: Forbidden: may only be specified when readOnly is true'] },
  { name: 'block devices only from claims', object: pod({ volumes: [{ name: 'cache', emptyDir: {} }, { name: 'raw', persistentVolumeClaim: { claimName: 'r' } }], containers: [app({ volumeDevices: [{ name: 'cache', devicePath: '/dev/a' }, { name: 'raw', devicePath: '/dev/b' }] })] }), expected: ['spec.containers[0].volumeDevices[0].name: Invalid value: "cache": can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode'] },
  { name: 'a volume is either mounted or a device', object: pod({ volumes: [{ name: 'raw', persistentVolumeClaim: { claimName: 'r' } }], containers: [app({ volumeMounts: [{ name: 'raw', mountPath: '/d' }], volumeDevices: [{ name: 'raw', devicePath: '/dev/b' }] })] }), expected: ['spec.containers[0].volumeMounts[0].name: Invalid value: "raw": must not already exist in volumeDevices', 'spec.containers[0].volumeDevices[0].name: Invalid value: "raw": must not already exist in volumeMounts'] },

  // ---- scheduling constraints
  { name: 'nodeSelector keys and values are labels', object: pod({ nodeSelector: { 'bad key': 'x', disk: '-ssd' } }), expected: [`spec.nodeSelector: Invalid value: "bad key": ${KEY_NAME}`, `spec.nodeSelector: Invalid value: "-ssd": ${LABEL_VALUE}`] },
  { name: 'nodeSelector values are strings', object: pod({ nodeSelector: { gpu: true } }), expected: ['spec.nodeSelector.gpu: Invalid value: true: json: cannot unmarshal bool into Go struct field PodSpec.spec.nodeSelector of type string'] },
  { name: 'anti-affinity: topologyKey required', object: anti([{ labelSelector: { matchLabels: { app: 'web' } } }]), expected: [
    'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Required value: can not be empty',
    'spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Invalid value: "": name part must be non-empty',
    `spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey: Invalid value: "": ${KEY_NAME}`,
  ] },
  { name: 'anti-affinity: valid term', object: anti([{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }]), expected: [] },
  { name: 'anti-affinity: label selector checked', object: anti([{ labelSelector: { matchExpressions: [{ key: 'app', operator: 'In' }] }, topologyKey: 'kubernetes.io/hostname' }]), expected: ["spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].labelSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'"] },
  { name: 'anti-affinity: preferred weight 1-100', object: pod({ affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 0, podAffinityTerm: { topologyKey: 'zone' } }] } } }), expected: ['spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].weight: Invalid value: 0: must be in the range 1-100'] },
  { name: 'node affinity needs a term', object: pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [] } } } }), expected: ['spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms: Required value: must have at least one node selector term'] },
  { name: 'required node affinity: values must be label values (create)', object: pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['-a'] }] }] } } } }), expected: [`spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].values[0]: Invalid value: "-a": ${LABEL_VALUE}`] },
  { name: 'preferred node affinity: values are not checked as label values', object: pod({ affinity: { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchExpressions: [{ key: 'zone', operator: 'In', values: ['-a'] }] } }] } } }), expected: [] },
  { name: 'node affinity operators', object: pod({ affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'Near', values: ['a'] }] }] } } } }), expected: ['spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms[0].matchExpressions[0].operator: Invalid value: "Near": not a valid selector operator'] },
  { name: 'tolerations: empty key needs Exists', object: pod({ tolerations: [{ operator: 'Equal', value: 'x' }] }), expected: ['spec.tolerations[0].operator: Invalid value: "Equal": operator must be Exists when `key` is empty, which means "match all values and all keys"'] },
  { name: 'tolerations: tolerationSeconds needs NoExecute', object: pod({ tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 }] }), expected: ["spec.tolerations[0].effect: Invalid value: \"NoSchedule\": effect must be 'NoExecute' when `tolerationSeconds` is set"] },
];

for (const row of createRows) {
  test(`Pod create: ${row.name}`, () => {
    assert.equal(messages(row.object), row.expected);
  });
}

const POD_UPDATE = 'spec: Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)';
const base = pod({ volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data' } }], containers: [app({ volumeMounts: [{ name: 'data', mountPath: '/data' }] })], tolerations: [{ key: 'a', operator: 'Exists' }] });
const change = (spec: Obj): Obj => ({ ...base, spec: { ...(base['spec'] as Obj), ...spec } });

const updateRows: Array<{ name: string; old: Obj; object: Obj; expected: string[] }> = [
  { name: 'no change', old: base, object: base, expected: [] },
  { name: 'the image may change', old: base, object: change({ containers: [app({ image: 'nginx:1.28', volumeMounts: [{ name: 'data', mountPath: '/data' }] })] }), expected: [] },
  { name: 'a toleration may be added', old: base, object: change({ tolerations: [{ key: 'a', operator: 'Exists' }, { key: 'b', operator: 'Exists' }] }), expected: [] },
  { name: 'a toleration may not be removed', old: base, object: change({ tolerations: [] }), expected: ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds'] },
  { name: 'activeDeadlineSeconds may go down, not up', old: change({ activeDeadlineSeconds: 60 }), object: change({ activeDeadlineSeconds: 120 }), expected: ['spec.activeDeadlineSeconds: Invalid value: 120: must be less than or equal to previous value'] },
  { name: 'volumes are immutable', old: base, object: change({ volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'other' } }] }), expected: [POD_UPDATE] },
  { name: 'mounts are immutable', old: base, object: change({ containers: [app({ volumeMounts: [{ name: 'data', mountPath: '/data', readOnly: true }] })] }), expected: [POD_UPDATE] },
  { name: 'nodeName is immutable through an update', old: change({ nodeName: 'node-a' }), object: change({ nodeName: 'node-b' }), expected: [POD_UPDATE] },
  { name: 'containers may not be added', old: base, object: change({ containers: [app({ volumeMounts: [{ name: 'data', mountPath: '/data' }] }), app({ name: 'side' })] }), expected: ['spec.containers: Forbidden: pod updates may not add or remove containers'] },
  { name: 'defaults are not changes', old: base, object: change({ restartPolicy: 'Always', dnsPolicy: 'ClusterFirst' }), expected: [] },
];

for (const row of updateRows) {
  test(`Pod update: ${row.name}`, () => {
    assert.equal(messages(row.object, 'update', row.old), row.expected);
  });
}

const SUBPATH = `apiVersion: v1
kind: Pod
metadata:
  name: web
spec:
  containers:
  - name: app
    image: nginx
    volumeMounts:
    - name: cache
      mountPath: /cache
    - name: cache
      mountPath: /etc/app
      subPath: /etc/passwd
  volumes:
  - name: cache
    emptyDir: {}
`;

test('validateObject: a subPath error points at the subPath line, under Kubernetes\' index-less path', () => {
  const [parsed] = parseManifests(SUBPATH, 'pod.yaml');
  const object = { ...parsed!.object, metadata: { name: 'web', namespace: 'default' } };
  try {
    validateObject({ ...parsed!, object }, 'create');
    assert.unreachable('should have thrown');
  } catch (e) {
    assert.instance(e, ManifestError);
    const err = e as ManifestError;
    assert.is(err.line, 14);
    assert.is(err.field, 'spec.containers[0].volumeMounts.subPath');
    assert.is(err.message, 'pod.yaml:14: The Pod "web" is invalid: spec.containers[0].volumeMounts.subPath: Invalid value: "/etc/passwd": must be a relative path');
  }
});

test('validateObject: a missing volume points at the mount name', () => {
  const [parsed] = parseManifests(SUBPATH.replace('  - name: cache\n    emptyDir: {}\n', '  - name: other\n    emptyDir: {}\n').replace('      subPath: /etc/passwd\n', ''), 'pod.yaml');
  const object = { ...parsed!.object, metadata: { name: 'web', namespace: 'default' } };
  try {
    validateObject({ ...parsed!, object }, 'create');
    assert.unreachable('should have thrown');
  } catch (e) {
    const err = e as ManifestError;
    assert.is(err.line, 10);
    assert.equal(err.causes, ['spec.containers[0].volumeMounts[0].name: Not found: "cache"', 'spec.containers[0].volumeMounts[1].name: Not found: "cache"']);
  }
});

test.run();
