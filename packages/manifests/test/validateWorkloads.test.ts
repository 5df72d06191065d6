import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { formatFieldError, validationErrors } from '../src/index.ts';

type Obj = Record<string, unknown>;

const LABEL = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const MISMATCH = '`selector` does not match template `labels`';

const template = (spec: Obj = {}, labels: Obj | null = { app: 'web' }): Obj => ({
  metadata: labels === null ? {} : { labels },
  spec: { containers: [{ name: 'app', image: 'nginx' }], ...spec },
});
const deployment = (spec: Obj = {}, metadata: Obj = {}): Obj => ({
  apiVersion: 'apps/v1', kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', ...metadata },
  spec: { selector: { matchLabels: { app: 'web' } }, template: template(), ...spec },
});
const claimTemplate = (name = 'data', spec: Obj = {}): Obj => ({
  metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec },
});
const statefulSet = (spec: Obj = {}, metadata: Obj = {}): Obj => ({
  apiVersion: 'apps/v1', kind: 'StatefulSet',
  metadata: { name: 'db', namespace: 'default', ...metadata },
  spec: {
    serviceName: 'db', selector: { matchLabels: { app: 'db' } },
    template: template({ containers: [{ name: 'pg', image: 'postgres:16', volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql' }] }] }, { app: 'db' }),
    volumeClaimTemplates: [claimTemplate()],
    ...spec,
  },
});

const messages = (o: Obj, mode: 'create' | 'update' = 'create', old?: Obj): string[] =>
  [...new Set(validationErrors(o, mode, old).map(formatFieldError))];

interface Row { name: string; object: Obj; expected: string[] }

const createRows: Row[] = [
  // ---- Deployment
  { name: 'Deployment: valid', object: deployment(), expected: [] },
  { name: 'Deployment: selector required (and then nothing matches)', object: deployment({ selector: undefined }), expected: ['spec.selector: Required value', `spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: ${MISMATCH}`] },
  { name: 'Deployment: selector must match the template labels', object: deployment({ selector: { matchLabels: { app: 'api' } } }), expected: [`spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: ${MISMATCH}`] },
  { name: 'Deployment: a template without labels', object: deployment({ template: template({}, null) }), expected: [`spec.template.metadata.labels: Invalid value: map[string]string(nil): ${MISMATCH}`] },
  { name: 'Deployment: expressions may select the template', object: deployment({ selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web', 'api'] }] } }), expected: [] },
  { name: 'Deployment: empty selector', object: deployment({ selector: {} }), expected: ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for deployment'] },
  { name: 'Deployment: invalid selector', object: deployment({ selector: { matchLabels: { 'bad key': 'x' } } }), expected: [
    "spec.selector.matchLabels: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    'spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"bad key":"x"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: invalid label selector',
  ] },
  { name: 'Deployment: replicas not negative', object: deployment({ replicas: -1 }), expected: ['spec.replicas: Invalid value: -1: must be greater than or equal to 0'] },
  { name: 'Deployment: replicas 0 is fine', object: deployment({ replicas: 0 }), expected: [] },
  { name: 'Deployment: the template is a pod spec (paths under spec.template.spec)', object: deployment({ template: template({ containers: [{ name: 'app', volumeMounts: [{ name: 'x', mountPath: '/x', subPath: '../x' }] }] }) }), expected: [
    'spec.template.spec.containers[0].image: Required value',
    'spec.template.spec.containers[0].volumeMounts[0].name: Not found: "x"',
    "spec.template.spec.containers[0].volumeMounts.subPath: Invalid value: \"../x\": must not contain '..'",
  ] },
  { name: 'Deployment: a template may have a blank image placeholder', object: deployment({ template: template({ containers: [{ name: 'app', image: ' ' }] }) }), expected: [] },
  { name: 'Deployment: restartPolicy Always only', object: deployment({ template: template({ restartPolicy: 'Never' }) }), expected: ['spec.template.spec.restartPolicy: Unsupported value: "Never": supported values: "Always"'] },
  { name: 'Deployment: no activeDeadlineSeconds', object: deployment({ template: template({ activeDeadlineSeconds: 60 }) }), expected: ['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in ReplicaSet is not Supported'] },
  { name: 'Deployment: template label syntax', object: deployment({ selector: { matchLabels: { app: 'web' } }, template: template({}, { app: 'web', tier: '-x' }) }), expected: ["spec.template.labels: Invalid value: \"-x\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"] },
  { name: 'Deployment: strategy type', object: deployment({ strategy: { type: 'BlueGreen' } }), expected: ['spec.strategy: Unsupported value: {type:BlueGreen}: supported values: "Recreate", "RollingUpdate"'] },
  { name: 'Deployment: Recreate takes no rollingUpdate', object: deployment({ strategy: { type: 'Recreate', rollingUpdate: { maxSurge: 1 } } }), expected: ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"] },
  { name: 'Deployment: maxUnavailable and maxSurge not both 0', object: deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '0%' } } }), expected: ['spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0'] },
  { name: 'Deployment: percentages', object: deployment({ strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '150%', maxSurge: 'half' } } }), expected: [
    "spec.strategy.rollingUpdate.maxSurge: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:\"half\"}: a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')",
    'spec.strategy.rollingUpdate.maxUnavailable: Invalid value: intstr.IntOrString{Type:1, IntVal:0, StrVal:"150%"}: must not be greater than 100%',
  ] },
  { name: 'Deployment: progressDeadlineSeconds above minReadySeconds', object: deployment({ minReadySeconds: 30, progressDeadlineSeconds: 30 }), expected: ['spec.progressDeadlineSeconds: Invalid value: 30: must be greater than minReadySeconds'] },

  // ---- StatefulSet
  { name: 'StatefulSet: valid (mounts may name a claim template)', object: statefulSet(), expected: [] },
  { name: 'StatefulSet: name is a DNS label', object: statefulSet({}, { name: 'db.primary' }), expected: ['metadata.name: Invalid value: "db.primary": must not contain dots'] },
  { name: 'StatefulSet: serviceName is optional', object: statefulSet({ serviceName: undefined }), expected: [] },
  { name: 'StatefulSet: selector required', object: statefulSet({ selector: undefined }), expected: ['spec.selector: Required value', `spec.template.metadata.labels: Invalid value: map[string]string{"app":"db"}: ${MISMATCH}`] },
  { name: 'StatefulSet: selector must match', object: statefulSet({ selector: { matchLabels: { app: 'web' } } }), expected: [`spec.template.metadata.labels: Invalid value: map[string]string{"app":"db"}: ${MISMATCH}`] },
  { name: 'StatefulSet: empty selector', object: statefulSet({ selector: { matchLabels: {} } }), expected: ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for statefulset'] },
  { name: 'StatefulSet: podManagementPolicy values', object: statefulSet({ podManagementPolicy: 'Sequential' }), expected: ["spec.podManagementPolicy: Invalid value: \"Sequential\": must be 'OrderedReady' or 'Parallel'"] },
  { name: 'StatefulSet: Parallel is fine', object: statefulSet({ podManagementPolicy: 'Parallel' }), expected: [] },
  { name: 'StatefulSet: updateStrategy values', object: statefulSet({ updateStrategy: { type: 'Canary' } }), expected: ["spec.updateStrategy: Invalid value: {type:Canary}: must be 'RollingUpdate' or 'OnDelete'"] },
  { name: 'StatefulSet: partition not negative', object: statefulSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: -1 } } }), expected: ['spec.updateStrategy.rollingUpdate.partition: Invalid value: -1: must be greater than or equal to 0'] },
  { name: 'StatefulSet: replicas not negative', object: statefulSet({ replicas: -2 }), expected: ['spec.replicas: Invalid value: -2: must be greater than or equal to 0'] },
  { name: 'StatefulSet: retention policy values', object: statefulSet({ persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Keep' } }), expected: ['spec.persistentVolumeClaimRetentionPolicy.whenDeleted: Unsupported value: "Keep": supported values: "Retain", "Delete"'] },
  { name: 'StatefulSet: claim template name required', object: statefulSet({ volumeClaimTemplates: [claimTemplate('')] }), expected: ['spec.volumeClaimTemplates[0].metadata.name: Required value', 'spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"'] },
  { name: 'StatefulSet: claim template name is a DNS label', object: statefulSet({ volumeClaimTemplates: [claimTemplate('Data')] }), expected: [`spec.volumeClaimTemplates[0].metadata.name: Invalid value: "Data": ${LABEL}`, 'spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"'] },
  { name: 'StatefulSet: claim template names unique', object: statefulSet({ volumeClaimTemplates: [claimTemplate(), claimTemplate()] }), expected: ['spec.volumeClaimTemplates[1].metadata.name: Duplicate value: "data"'] },
  { name: 'StatefulSet: claim templates are claim specs', object: statefulSet({ volumeClaimTemplates: [claimTemplate('data', { accessModes: [], resources: { requests: { storage: '0' } } })] }), expected: [
    'spec.volumeClaimTemplates[0].spec.accessModes: Required value: at least 1 access mode is required',
    'spec.volumeClaimTemplates[0].spec.resources[storage]: Invalid value: "0": must be greater than zero',
  ] },
  { name: 'StatefulSet: claim template storage required', object: statefulSet({ volumeClaimTemplates: [claimTemplate('data', { resources: {} })] }), expected: ['spec.volumeClaimTemplates[0].spec.resources[storage]: Required value'] },
  { name: 'StatefulSet: claim template class is a DNS subdomain', object: statefulSet({ volumeClaimTemplates: [claimTemplate('data', { storageClassName: 'Fast_SSD' })] }), expected: ["spec.volumeClaimTemplates[0].spec.storageClassName: Invalid value: \"Fast_SSD\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"] },
  { name: 'StatefulSet: a mount must name a volume or a claim template', object: statefulSet({ volumeClaimTemplates: [claimTemplate('logs')] }), expected: ['spec.template.spec.containers[0].volumeMounts[0].name: Not found: "data"'] },
  { name: 'StatefulSet: claim templates can back block devices', object: statefulSet({ template: template({ containers: [{ name: 'pg', image: 'postgres', volumeDevices: [{ name: 'data', devicePath: '/dev/data' }] }] }, { app: 'db' }) }), expected: [] },
  { name: 'StatefulSet: no activeDeadlineSeconds', object: statefulSet({ template: { ...template({ activeDeadlineSeconds: 5, containers: [{ name: 'pg', image: 'pg' }] }, { app: 'db' }) } }), expected: ['spec.template.spec.activeDeadlineSeconds: Forbidden: activeDeadlineSeconds in StatefulSet is not Supported'] },
];

for (const row of createRows) {
  test(`create: ${row.name}`, () => {
    assert.equal(messages(row.object), row.expected);
  });
}

const STS_FORBIDDEN = "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden";

const updateRows: Array<{ name: string; old: Obj; object: Obj; expected: string[] }> = [
  { name: 'Deployment: replicas and template may change', old: deployment(), object: deployment({ replicas: 5, template: template({ containers: [{ name: 'app', image: 'nginx:2' }] }) }), expected: [] },
  { name: 'Deployment: the selector is immutable', old: deployment(), object: deployment({ selector: { matchLabels: { app: 'web', tier: 'front' } }, template: template({}, { app: 'web', tier: 'front' }) }), expected: ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web", "tier":"front"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable'] },
  { name: 'Deployment: immutable selector with expressions', old: deployment(), object: deployment({ selector: { matchExpressions: [{ key: 'app', operator: 'In', values: ['web'] }] } }), expected: ['spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement{v1.LabelSelectorRequirement{Key:"app", Operator:"In", Values:[]string{"web"}}}}: field is immutable'] },
  { name: 'StatefulSet: replicas, template, updateStrategy may change', old: statefulSet(), object: statefulSet({ replicas: 3, updateStrategy: { type: 'OnDelete' }, template: template({ containers: [{ name: 'pg', image: 'postgres:17', volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql' }] }] }, { app: 'db' }) }), expected: [] },
  { name: 'StatefulSet: volumeClaimTemplates are immutable', old: statefulSet(), object: statefulSet({ volumeClaimTemplates: [claimTemplate('data', { resources: { requests: { storage: '2Gi' } } })] }), expected: [STS_FORBIDDEN] },
  { name: 'StatefulSet: serviceName is immutable', old: statefulSet(), object: statefulSet({ serviceName: 'db-headless' }), expected: [STS_FORBIDDEN] },
  { name: 'StatefulSet: podManagementPolicy is immutable', old: statefulSet(), object: statefulSet({ podManagementPolicy: 'Parallel' }), expected: [STS_FORBIDDEN] },
  { name: 'StatefulSet: defaults are not changes', old: statefulSet(), object: statefulSet({ podManagementPolicy: 'OrderedReady', revisionHistoryLimit: 10 }), expected: [] },
];

for (const row of updateRows) {
  test(`update: ${row.name}`, () => {
    assert.equal(messages(row.object, 'update', row.old), row.expected);
  });
}

test.run();
