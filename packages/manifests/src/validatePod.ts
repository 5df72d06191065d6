/**
 * Design: the API server's pod validation, ported rule by rule in the order of
 * K/pkg/apis/core/validation/validation.go — ValidatePodSpec, ValidateVolumes / validateVolumeSource,
 * validateContainers / validateContainerCommon, ValidateVolumeMounts, ValidateVolumeDevices,
 * validateAffinity, ValidateTolerations, ValidatePodCreate, ValidatePodUpdate and
 * ValidatePodTemplateSpec — so that a Pod, and the pod template of a Deployment or StatefulSet, get
 * the error list kubectl would print. One spec validator serves all three, with the field path as
 * a parameter (`spec`, `spec.template.spec`).
 * Kubernetes' path quirks are kept: a subPath error is reported on
 * `spec.containers[0].volumeMounts.subPath` (no index), a projected token path on
 * `…projected.path`, a CSI secret name on `…csi.name`; the `at` locator of each error still points
 * at the exact line.
 * What is not ported: container env/probes/lifecycle/securityContext checks, resource names, the
 * service-account admission (so a projected serviceAccountToken is accepted without
 * serviceAccountName), topology spread constraints, scheduling gates and resource claims. Volume
 * sources that pvsim does not model (gcePersistentDisk, iscsi, rbd, …) are counted for the "more
 * than 1 volume type" rule and kept as given. pvsim additions: a value the JSON decoder would refuse
 * (a string where a bool is expected, a volume field that does not exist) is a field error rather
 * than a bare "cannot be handled as a Pod" decode error.
 */

import { compareQuantities, formatQuantity, isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, type Quantity } from '@pvsim/domain';
import { GoLiteral, duplicate, forbidden, invalid, notFound, notSupported, required, type FieldError } from './errors.ts';
import {
  HOST_PATH_TYPES, IS_NEGATIVE_MSG, csiDriverNameErrors, decodeQuantity, deepEqual, fileMode, isObj, jsonType, labelSelectorErrors, list,
  localDescendingPath, localNonReservedPath, noBacksteps, nodeSelectorErrors, nodeSelectorTermErrors, obj, present, setOrDelete, readableStruct, sortedSet, str, validateAnnotations,
  validateLabels, type Obj,
} from './fieldChecks.ts';

export interface PodValidationContext {
  /** ValidatePersistentVolumeClaimSpec (validate.ts), for ephemeral volumes' claim templates. */
  claimSpec(spec: Obj, base: string): FieldError[];
}

export interface PodSpecOptions {
  /** The pod's name, when the spec belongs to a Pod (ephemeral volume claim names derive from it). */
  podName?: string;
  /** Volume names mounts may refer to besides `volumes` (a StatefulSet's volumeClaimTemplates). */
  extraVolumes?: readonly string[];
}

/** Every field of core/v1 VolumeSource, in the order validateVolumeSource checks them. */
const VOLUME_SOURCES: ReadonlyArray<{ key: string; forbidPath: string }> = [
  { key: 'emptyDir', forbidPath: 'emptyDir' },
  { key: 'hostPath', forbidPath: 'hostPath' },
  { key: 'gitRepo', forbidPath: 'gitRepo' },
  { key: 'gcePersistentDisk', forbidPath: 'gcePersistentDisk' },
  { key: 'awsElasticBlockStore', forbidPath: 'awsElasticBlockStore' },
  { key: 'secret', forbidPath: 'secret' },
  { key: 'nfs', forbidPath: 'nfs' },
  { key: 'iscsi', forbidPath: 'iscsi' },
  { key: 'glusterfs', forbidPath: 'glusterfs' },
  { key: 'flocker', forbidPath: 'flocker' },
  { key: 'persistentVolumeClaim', forbidPath: 'persistentVolumeClaim' },
  { key: 'rbd', forbidPath: 'rbd' },
  { key: 'cinder', forbidPath: 'cinder' },
  { key: 'cephfs', forbidPath: 'cephFS' },
  { key: 'quobyte', forbidPath: 'quobyte' },
  // Kubernetes' own typo, kept so the message matches.
  { key: 'downwardAPI', forbidPath: 'downwarAPI' },
  { key: 'fc', forbidPath: 'fc' },
  { key: 'flexVolume', forbidPath: 'flexVolume' },
  { key: 'configMap', forbidPath: 'configMap' },
  { key: 'azureFile', forbidPath: 'azureFile' },
  { key: 'vsphereVolume', forbidPath: 'vsphereVolume' },
  { key: 'photonPersistentDisk', forbidPath: 'photonPersistentDisk' },
  { key: 'portworxVolume', forbidPath: 'portworxVolume' },
  { key: 'azureDisk', forbidPath: 'azureDisk' },
  { key: 'storageos', forbidPath: 'storageos' },
  { key: 'projected', forbidPath: 'projected' },
  { key: 'scaleIO', forbidPath: 'scaleIO' },
  { key: 'csi', forbidPath: 'csi' },
  { key: 'ephemeral', forbidPath: 'ephemeral' },
  { key: 'image', forbidPath: 'image' },
];

export const POD_VOLUME_SOURCE_KEYS: readonly string[] = VOLUME_SOURCES.map((s) => s.key);

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PULL_POLICIES = sortedSet(['Always', 'IfNotPresent', 'Never']);
const TERMINATION_MESSAGE_POLICIES = ['File', 'FallbackToLogsOnError'];
const PORT_PROTOCOLS = sortedSet(['TCP', 'UDP', 'SCTP']);
const MOUNT_PROPAGATIONS = sortedSet(['Bidirectional', 'HostToContainer', 'None']);
const RECURSIVE_READ_ONLY = sortedSet(['Disabled', 'IfPossible', 'Enabled']);
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const MAX_INT32 = 2147483647;

/** The Go struct path the JSON decoder names in a type error: `spec.containers[0].x` → `spec.containers.x`. */
const goPath = (path: string): string => path.replace(/\[[^\]]*\]/g, '');

/** A field the decoder would only accept as a bool. */
function boolField(value: unknown, path: string, goStruct: string): FieldError[] {
  if (!present(value) || typeof value === 'boolean') return [];
  return [invalid(path, value, `json: cannot unmarshal ${jsonType(value)} into Go struct field ${goStruct}.${goPath(path)} of type bool`)];
}

// ---------------------------------------------------------------------------------------------
// Pod (validatePodMetadataAndSpec + ValidatePodCreate) and pod templates (ValidatePodTemplateSpec)

/** A Pod's spec on create or update; metadata is checked by the caller (ValidateObjectMeta). */
export function validatePod(pod: Obj, ctx: PodValidationContext, mode: 'create' | 'update' = 'create'): FieldError[] {
  const spec = obj(pod['spec']);
  const errs = validatePodSpec(spec, 'spec', ctx, { podName: str(obj(pod['metadata'])['name']) });
  // validateContainersOnlyForPod: templates may carry a blank image placeholder, pods may not.
  for (const key of ['containers', 'initContainers']) {
    list(spec[key]).forEach((c, i) => {
      const image = str(obj(c)['image']);
      if (image !== image.trim()) errs.push(invalid(`spec.${key}[${i}].image`, image, 'must not have leading or trailing whitespace'));
    });
  }
  if (mode === 'create') {
    if (list(spec['ephemeralContainers']).length > 0) errs.push(forbidden('spec.ephemeralContainers', 'cannot be set on create'));
    if (str(spec['nodeName']) !== '' && list(spec['schedulingGates']).length > 0) {
      errs.push(forbidden('spec.nodeName', 'cannot be set until all schedulingGates have been cleared'));
    }
  }
  return errs;
}

/** ValidatePodTemplateSpec at `path` (`spec.template`). */
export function validatePodTemplate(template: Obj, path: string, ctx: PodValidationContext, extraVolumes: readonly string[] = []): FieldError[] {
  const meta = obj(template['metadata']);
  const errs: FieldError[] = [];
  errs.push(...validateLabels(meta['labels'], `${path}.labels`));
  errs.push(...validateAnnotations(meta['annotations'], `${path}.annotations`));
  const spec = obj(template['spec']);
  errs.push(...validatePodSpec(spec, `${path}.spec`, ctx, { extraVolumes }));
  if (list(spec['ephemeralContainers']).length > 0) {
    errs.push(forbidden(`${path}.spec.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  }
  return errs;
}

/** ValidatePodSpec. */
export function validatePodSpec(spec: Obj, path: string, ctx: PodValidationContext, opts: PodSpecOptions = {}): FieldError[] {
  const errs: FieldError[] = [];
  if (!present(spec['terminationGracePeriodSeconds'])) errs.push(required(`${path}.terminationGracePeriodSeconds`));

  const volumes = validateVolumes(list(spec['volumes']), `${path}.volumes`, ctx, opts.podName);
  errs.push(...volumes.errors);
  const known = new Map(volumes.sources);
  for (const name of opts.extraVolumes ?? []) if (!known.has(name)) known.set(name, { persistentVolumeClaim: { claimName: name } });

  errs.push(...validateContainers(list(spec['containers']), known, `${path}.containers`));
  errs.push(...validateInitContainers(list(spec['initContainers']), list(spec['containers']), known, `${path}.initContainers`));

  const restartPolicy = str(spec['restartPolicy']);
  if (restartPolicy === '') errs.push(required(`${path}.restartPolicy`));
  else if (!RESTART_POLICIES.includes(restartPolicy)) errs.push(notSupported(`${path}.restartPolicy`, restartPolicy, RESTART_POLICIES));
  const dnsPolicy = str(spec['dnsPolicy']);
  if (dnsPolicy === '') errs.push(required(`${path}.dnsPolicy`));
  else if (!DNS_POLICIES.includes(dnsPolicy)) errs.push(notSupported(`${path}.dnsPolicy`, dnsPolicy, DNS_POLICIES));
  errs.push(...validateLabels(spec['nodeSelector'], `${path}.nodeSelector`, 'PodSpec.spec.nodeSelector'));
  errs.push(...validateAffinity(spec['affinity'], `${path}.affinity`));
  if (dnsPolicy === 'None') {
    const dnsConfig = spec['dnsConfig'];
    if (!isObj(dnsConfig)) errs.push(required(`${path}.dnsConfig`, 'must provide `dnsConfig` when `dnsPolicy` is None'));
    else if (list(dnsConfig['nameservers']).length === 0) errs.push(required(`${path}.dnsConfig.nameservers`, 'must provide at least one DNS nameserver when `dnsPolicy` is None'));
  }
  list(spec['readinessGates']).forEach((g, i) => {
    const type = str(obj(g)['conditionType']);
    for (const msg of isQualifiedName(type)) errs.push(invalid(`${path}.readinessGates[${i}].conditionType`, type, msg));
  });
  const serviceAccount = str(spec['serviceAccountName']);
  if (serviceAccount !== '') for (const msg of isDNS1123Subdomain(serviceAccount)) errs.push(invalid(`${path}.serviceAccountName`, serviceAccount, msg));
  const nodeName = str(spec['nodeName']);
  if (nodeName !== '') for (const msg of isDNS1123Subdomain(nodeName)) errs.push(invalid(`${path}.nodeName`, nodeName, msg));
  const deadline = spec['activeDeadlineSeconds'];
  if (typeof deadline === 'number' && (deadline < 1 || deadline > MAX_INT32)) {
    errs.push(invalid(`${path}.activeDeadlineSeconds`, deadline, `must be between 1 and ${MAX_INT32}, inclusive`));
  }
  for (const key of ['hostname', 'subdomain']) {
    const value = str(spec[key]);
    if (value !== '') for (const msg of isDNS1123Label(value)) errs.push(invalid(`${path}.${key}`, value, msg));
  }
  errs.push(...validateTolerations(list(spec['tolerations']), `${path}.tolerations`));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Volumes (ValidateVolumes, validateVolumeSource)

interface VolumesResult {
  errors: FieldError[];
  /** The volumes that passed, by name: what mounts may refer to. */
  sources: Array<[string, Obj]>;
}

function validateVolumes(volumes: unknown[], path: string, ctx: PodValidationContext, podName?: string): VolumesResult {
  const errors: FieldError[] = [];
  const sources: Array<[string, Obj]> = [];
  const names = new Set<string>();
  const ephemeralClaims = new Set<string>();
  if (podName) for (const v of volumes) if (isObj(obj(v)['ephemeral'])) ephemeralClaims.add(`${podName}-${str(obj(v)['name'])}`);
  volumes.forEach((v, i) => {
    const vol = obj(v);
    const idx = `${path}[${i}]`;
    const name = str(vol['name']);
    const el = [...unknownVolumeFields(vol, idx), ...validateVolumeSource(vol, idx, name, ctx, podName)];
    if (name.length === 0) el.push(required(`${idx}.name`));
    else for (const msg of isDNS1123Label(name)) el.push(invalid(`${idx}.name`, name, msg));
    if (names.has(name)) el.push(duplicate(`${idx}.name`, name));
    if (el.length === 0) {
      names.add(name);
      sources.push([name, vol]);
    } else {
      errors.push(...el);
    }
    const claimName = str(obj(vol['persistentVolumeClaim'])['claimName']);
    if (isObj(vol['persistentVolumeClaim']) && ephemeralClaims.has(claimName)) {
      errors.push(invalid(`${idx}.persistentVolumeClaim.claimName`, claimName, 'must not reference a PVC that gets created for an ephemeral volume'));
    }
  });
  return { errors, sources };
}

/**
 * Strict decoding (kubectl's default `--validate=strict`) refuses a field the API does not have; a
 * misspelt `persistentVolumeClaim` would otherwise leave the volume with no source, which
 * SetDefaults_Volume turns into an emptyDir.
 */
function unknownVolumeFields(vol: Obj, idx: string): FieldError[] {
  return Object.keys(vol).filter((k) => k !== 'name' && !POD_VOLUME_SOURCE_KEYS.includes(k))
    .map((k) => ({ type: 'Raw' as const, field: `${idx}.${k}`, detail: `strict decoding error: unknown field "${idx}.${k}"` }));
}

function validateVolumeSource(vol: Obj, idx: string, volName: string, ctx: PodValidationContext, podName?: string): FieldError[] {
  const errs: FieldError[] = [];
  let numVolumes = 0;
  for (const source of VOLUME_SOURCES) {
    const value = vol[source.key];
    if (!present(value)) continue;
    if (numVolumes > 0) {
      errs.push(forbidden(`${idx}.${source.forbidPath}`, 'may not specify more than 1 volume type', `${idx}.${source.key}`));
      continue;
    }
    numVolumes++;
    errs.push(...validateOneSource(source.key, obj(value), idx, volName, ctx, podName));
  }
  if (numVolumes === 0) errs.push(required(idx, 'must specify a volume type'));
  return errs;
}

function validateOneSource(key: string, src: Obj, idx: string, volName: string, ctx: PodValidationContext, podName?: string): FieldError[] {
  const errs: FieldError[] = [];
  const at = `${idx}.${key}`;
  switch (key) {
    case 'emptyDir': {
      // The medium is not checked by the API server; the kubelet refuses one it does not know.
      if (present(src['sizeLimit'])) {
        const decoded = decodeQuantity(src['sizeLimit'], `${at}.sizeLimit`);
        if (!decoded.ok) errs.push(...decoded.errors);
        else if (decoded.q.num < 0n) errs.push(forbidden(`${at}.sizeLimit`, 'SizeLimit field must be a valid resource quantity'));
      }
      break;
    }
    case 'hostPath': {
      const p = str(src['path']);
      if (p.length === 0) {
        errs.push(required(`${at}.path`));
        break;
      }
      errs.push(...noBacksteps(p, `${at}.path`));
      if (present(src['type']) && !HOST_PATH_TYPES.includes(str(src['type']))) errs.push(notSupported(`${at}.type`, str(src['type']), HOST_PATH_TYPES));
      break;
    }
    case 'gitRepo':
      if (str(src['repository']) === '') errs.push(required(`${at}.repository`));
      errs.push(...localDescendingPath(str(src['directory']), `${at}.directory`));
      break;
    case 'gcePersistentDisk':
      if (str(src['pdName']) === '') errs.push(required(`${idx}.persistentDisk.pdName`, '', `${at}.pdName`));
      break;
    case 'awsElasticBlockStore':
      if (str(src['volumeID']) === '') errs.push(required(`${at}.volumeID`));
      break;
    case 'secret':
      if (str(src['secretName']) === '') errs.push(required(`${at}.secretName`));
      errs.push(...fileMode(src['defaultMode'], `${at}.defaultMode`));
      list(src['items']).forEach((item, i) => errs.push(...validateKeyToPath(obj(item), `${at}.items[${i}]`)));
      break;
    case 'nfs': {
      if (str(src['server']) === '') errs.push(required(`${at}.server`));
      const p = str(src['path']);
      if (p === '') errs.push(required(`${at}.path`));
      if (!p.startsWith('/')) errs.push(invalid(`${at}.path`, p, 'must be an absolute path'));
      break;
    }
    case 'persistentVolumeClaim':
      if (str(src['claimName']) === '') errs.push(required(`${at}.claimName`));
      errs.push(...boolField(src['readOnly'], `${at}.readOnly`, 'PersistentVolumeClaimVolumeSource'));
      break;
    case 'downwardAPI':
      errs.push(...fileMode(src['defaultMode'], `${at}.defaultMode`));
      for (const item of list(src['items'])) errs.push(...validateDownwardAPIFile(obj(item), at));
      break;
    case 'configMap':
      if (str(src['name']) === '') errs.push(required(`${at}.name`));
      errs.push(...fileMode(src['defaultMode'], `${at}.defaultMode`));
      list(src['items']).forEach((item, i) => errs.push(...validateKeyToPath(obj(item), `${at}.items[${i}]`)));
      break;
    case 'projected':
      errs.push(...fileMode(src['defaultMode'], `${at}.defaultMode`));
      errs.push(...validateProjectionSources(list(src['sources']), at));
      break;
    case 'csi': {
      errs.push(...csiDriverNameErrors(str(src['driver']), `${at}.driver`));
      const ref = src['nodePublishSecretRef'];
      if (isObj(ref)) {
        const name = str(ref['name']);
        if (name === '') errs.push(required(`${at}.nodePublishSecretRef.name`));
        else for (const msg of isDNS1123Subdomain(name)) errs.push(invalid(`${at}.name`, name, msg, `${at}.nodePublishSecretRef.name`));
      }
      break;
    }
    case 'ephemeral': {
      const template = src['volumeClaimTemplate'];
      if (!isObj(template)) {
        errs.push(required(`${at}.volumeClaimTemplate`));
      } else {
        // ValidatePersistentVolumeClaimTemplate: only labels and annotations may be set in its metadata.
        const meta = obj(template['metadata']);
        errs.push(...validateAnnotations(meta['annotations'], `${at}.volumeClaimTemplate.metadata.annotations`));
        errs.push(...validateLabels(meta['labels'], `${at}.volumeClaimTemplate.metadata.labels`));
        for (const field of Object.keys(meta).filter((k) => k !== 'labels' && k !== 'annotations').sort()) {
          errs.push(forbidden(`${at}.volumeClaimTemplate.metadata.${field}`, 'cannot be set'));
        }
        errs.push(...ctx.claimSpec(obj(template['spec']), `${at}.volumeClaimTemplate.spec`));
      }
      if (podName && volName !== '') {
        const pvcName = `${podName}-${volName}`;
        for (const msg of isDNS1123Subdomain(pvcName)) errs.push(invalid(`${idx}.name`, volName, `PVC name ${JSON.stringify(pvcName)}: ${msg}`));
      }
      break;
    }
    default:
      // Sources pvsim does not model are kept as given.
      break;
  }
  return errs;
}

/** validateKeyToPath: an item of a configMap/secret volume (or projection). */
function validateKeyToPath(item: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (str(item['key']) === '') errs.push(required(`${path}.key`));
  const p = str(item['path']);
  if (p === '') errs.push(required(`${path}.path`));
  errs.push(...localNonReservedPath(p, `${path}.path`));
  errs.push(...fileMode(item['mode'], `${path}.mode`));
  return errs;
}

/** validateDownwardAPIVolumeFile, without the fieldRef/resourceFieldRef expression checks. */
function validateDownwardAPIFile(file: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const p = str(file['path']);
  if (p === '') errs.push(required(`${path}.path`));
  errs.push(...localNonReservedPath(p, `${path}.path`));
  if (!isObj(file['fieldRef']) && !isObj(file['resourceFieldRef'])) errs.push(required(path, 'one of fieldRef and resourceFieldRef is required'));
  if (isObj(file['fieldRef']) && isObj(file['resourceFieldRef'])) errs.push(invalid(path, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously'));
  errs.push(...fileMode(file['mode'], `${path}.mode`));
  return errs;
}

/** validateProjectionSources. A source with none of the four kinds is accepted, as in Kubernetes. */
function validateProjectionSources(sources: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const allPaths = new Set<string>();
  const claim = (p: string, name: unknown): void => {
    if (p.length === 0) return;
    if (allPaths.has(p)) errs.push(invalid(path, name, 'conflicting duplicate paths'));
    else allPaths.add(p);
  };
  sources.forEach((s, i) => {
    const source = obj(s);
    const srcPath = `${path}.sources[${i}]`;
    let numSources = 0;
    for (const kind of ['secret', 'configMap'] as const) {
      const ref = source[kind];
      if (!isObj(ref)) continue;
      numSources++;
      if (str(ref['name']) === '') errs.push(required(`${srcPath}.${kind}.name`));
      list(ref['items']).forEach((item, j) => {
        errs.push(...validateKeyToPath(obj(item), `${srcPath}.${kind}.items[${j}]`));
        claim(str(obj(item)['path']), str(ref['name']));
      });
    }
    const downward = source['downwardAPI'];
    if (isObj(downward)) {
      numSources++;
      for (const item of list(downward['items'])) {
        errs.push(...validateDownwardAPIFile(obj(item), `${srcPath}.downwardAPI`));
        claim(str(obj(item)['path']), str(obj(item)['path']));
      }
    }
    const token = source['serviceAccountToken'];
    if (isObj(token)) {
      numSources++;
      const seconds = token['expirationSeconds'];
      if (typeof seconds === 'number' && seconds < 600) errs.push(invalid(`${srcPath}.serviceAccountToken.expirationSeconds`, seconds, 'may not specify a duration less than 10 minutes'));
      if (typeof seconds === 'number' && seconds > 2 ** 32) errs.push(invalid(`${srcPath}.serviceAccountToken.expirationSeconds`, seconds, 'may not specify a duration larger than 2^32 seconds'));
      const p = str(token['path']);
      // Kubernetes names the projected volume's path here, not the token's.
      if (p === '') errs.push(required(`${path}.path`, '', `${srcPath}.serviceAccountToken`));
      else errs.push(...localNonReservedPath(p, `${path}.path`));
    }
    if (isObj(source['clusterTrustBundle'])) numSources++;
    if (numSources > 1) errs.push(forbidden(srcPath, 'may not specify more than 1 volume type'));
  });
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Containers (validateContainers, validateInitContainers, validateContainerCommon)

function validateContainers(containers: unknown[], volumes: Map<string, Obj>, path: string): FieldError[] {
  if (containers.length === 0) return [required(path)];
  const errs: FieldError[] = [];
  const names = new Set<string>();
  containers.forEach((c, i) => {
    const ctr = obj(c);
    const cPath = `${path}[${i}]`;
    errs.push(...validateContainerCommon(ctr, volumes, cPath));
    const name = str(ctr['name']);
    if (names.has(name)) errs.push(duplicate(`${cPath}.name`, name));
    else names.add(name);
    if (present(ctr['restartPolicy'])) errs.push(forbidden(`${cPath}.restartPolicy`, 'may not be set for non-init containers'));
  });
  return errs;
}

function validateInitContainers(containers: unknown[], regular: unknown[], volumes: Map<string, Obj>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set(regular.map((c) => str(obj(c)['name'])));
  containers.forEach((c, i) => {
    const ctr = obj(c);
    const cPath = `${path}[${i}]`;
    errs.push(...validateContainerCommon(ctr, volumes, cPath));
    if (present(ctr['restartPolicy']) && str(ctr['restartPolicy']) !== 'Always') {
      errs.push(notSupported(`${cPath}.restartPolicy`, str(ctr['restartPolicy']), ['Always']));
    }
    const name = str(ctr['name']);
    if (names.has(name)) errs.push(duplicate(`${cPath}.name`, name));
    else if (name.length > 0) names.add(name);
  });
  return errs;
}

function validateContainerCommon(ctr: Obj, volumes: Map<string, Obj>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const name = str(ctr['name']);
  if (name.length === 0) errs.push(required(`${path}.name`));
  else for (const msg of isDNS1123Label(name)) errs.push(invalid(`${path}.name`, name, msg));
  if (str(ctr['image']).length === 0) errs.push(required(`${path}.image`));
  const tmp = str(ctr['terminationMessagePolicy']);
  if (tmp === '') errs.push(required(`${path}.terminationMessagePolicy`));
  else if (!TERMINATION_MESSAGE_POLICIES.includes(tmp)) errs.push(notSupported(`${path}.terminationMessagePolicy`, tmp, TERMINATION_MESSAGE_POLICIES));
  errs.push(...validateContainerPorts(list(ctr['ports']), `${path}.ports`));
  const mounts = list(ctr['volumeMounts']).map(obj);
  const devices = list(ctr['volumeDevices']).map(obj);
  errs.push(...validateVolumeMounts(mounts, devices, volumes, ctr, `${path}.volumeMounts`));
  errs.push(...validateVolumeDevices(devices, mounts, volumes, `${path}.volumeDevices`));
  const pull = str(ctr['imagePullPolicy']);
  if (pull === '') errs.push(required(`${path}.imagePullPolicy`));
  else if (!PULL_POLICIES.includes(pull)) errs.push(notSupported(`${path}.imagePullPolicy`, pull, PULL_POLICIES));
  errs.push(...validateResources(obj(ctr['resources']), `${path}.resources`));
  return errs;
}

/**
 * ValidateResourceRequirements' quantity rules: limits, then requests, not negative, a request no
 * more than its limit. Resource names are not checked. A value that does not parse is reported on
 * its JSON path (pvsim addition, as for a PV's capacity).
 */
function validateResources(resources: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const decoded: Record<'limits' | 'requests', Map<string, Quantity>> = { limits: new Map(), requests: new Map() };
  for (const part of ['limits', 'requests'] as const) {
    for (const [name, value] of Object.entries(obj(resources[part]))) {
      const q = decodeQuantity(value, `${path}.${part}.${name}`);
      if (!q.ok) {
        errs.push(...q.errors);
        continue;
      }
      decoded[part].set(name, q.q);
      if (q.q.num < 0n) errs.push(invalid(`${path}.${part}[${name}]`, formatQuantity(q.q), IS_NEGATIVE_MSG, `${path}.${part}.${name}`));
      const limit = decoded.limits.get(name);
      if (part === 'requests' && limit !== undefined && compareQuantities(q.q, limit) > 0) {
        errs.push(invalid(`${path}.requests[${name}]`, formatQuantity(q.q), `must be less than or equal to ${name} limit of ${formatQuantity(limit)}`, `${path}.requests.${name}`));
      }
    }
  }
  return errs;
}

function validateContainerPorts(ports: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  const names = new Set<string>();
  ports.forEach((p, i) => {
    const port = obj(p);
    const idx = `${path}[${i}]`;
    const name = str(port['name']);
    if (name !== '') {
      if (names.has(name)) errs.push(duplicate(`${idx}.name`, name));
      else names.add(name);
    }
    const containerPort = port['containerPort'];
    if (!present(containerPort) || containerPort === 0) errs.push(required(`${idx}.containerPort`));
    else if (typeof containerPort === 'number' && (containerPort < 1 || containerPort > 65535)) {
      errs.push(invalid(`${idx}.containerPort`, containerPort, 'must be between 1 and 65535, inclusive'));
    }
    const protocol = str(port['protocol']);
    if (protocol === '') errs.push(required(`${idx}.protocol`));
    else if (!PORT_PROTOCOLS.includes(protocol)) errs.push(notSupported(`${idx}.protocol`, protocol, PORT_PROTOCOLS));
  });
  return errs;
}

/** ValidateVolumeMounts. Path quirk kept: subPath, mountPropagation and recursiveReadOnly name the list, not the item. */
function validateVolumeMounts(mounts: Obj[], devices: Obj[], volumes: Map<string, Obj>, ctr: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const mountPoints = new Set<string>();
  const deviceNames = new Set(devices.map((d) => str(d['name'])));
  const devicePaths = new Set(devices.map((d) => str(d['devicePath'])));
  mounts.forEach((mnt, i) => {
    const idx = `${path}[${i}]`;
    const name = str(mnt['name']);
    const mountPath = str(mnt['mountPath']);
    if (name.length === 0) errs.push(required(`${idx}.name`));
    if (!volumes.has(name)) errs.push(notFound(`${idx}.name`, name));
    if (mountPath.length === 0) errs.push(required(`${idx}.mountPath`));
    if (mountPoints.has(mountPath)) errs.push(invalid(`${idx}.mountPath`, mountPath, 'must be unique'));
    mountPoints.add(mountPath);
    if (deviceNames.has(name)) errs.push(invalid(`${idx}.name`, name, 'must not already exist in volumeDevices'));
    if (devicePaths.has(mountPath)) errs.push(invalid(`${idx}.mountPath`, mountPath, 'must not already exist as a path in volumeDevices'));
    const subPath = str(mnt['subPath']);
    if (subPath.length > 0) errs.push(...localDescendingPath(subPath, `${path}.subPath`, `${idx}.subPath`));
    const subPathExpr = str(mnt['subPathExpr']);
    if (subPathExpr.length > 0) {
      if (subPath.length > 0) errs.push(invalid(`${idx}.subPathExpr`, subPathExpr, 'subPathExpr and subPath are mutually exclusive'));
      errs.push(...localDescendingPath(subPathExpr, `${path}.subPathExpr`, `${idx}.subPathExpr`));
    }
    const propagation = mnt['mountPropagation'];
    if (present(propagation)) {
      if (!MOUNT_PROPAGATIONS.includes(str(propagation))) errs.push(notSupported(`${path}.mountPropagation`, str(propagation), MOUNT_PROPAGATIONS, `${idx}.mountPropagation`));
      const privileged = obj(ctr['securityContext'])['privileged'] === true;
      if (str(propagation) === 'Bidirectional' && !privileged) {
        errs.push(forbidden(`${path}.mountPropagation`, 'Bidirectional mount propagation is available only to privileged containers', `${idx}.mountPropagation`));
      }
    }
    const rro = mnt['recursiveReadOnly'];
    if (present(rro) && str(rro) !== 'Disabled') {
      if (!RECURSIVE_READ_ONLY.includes(str(rro))) {
        errs.push(notSupported(`${path}.recursiveReadOnly`, str(rro), RECURSIVE_READ_ONLY, `${idx}.recursiveReadOnly`));
      } else {
        if (mnt['readOnly'] !== true) errs.push(forbidden(`${path}.recursiveReadOnly`, 'may only be specified when readOnly is true', `${idx}.recursiveReadOnly`));
        if (present(propagation) && str(propagation) !== 'None') {
          errs.push(forbidden(`${path}.recursiveReadOnly`, 'may only be specified when mountPropagation is None or not specified', `${idx}.recursiveReadOnly`));
        }
      }
    }
    errs.push(...boolField(mnt['readOnly'], `${idx}.readOnly`, 'VolumeMount'));
  });
  return errs;
}

/** ValidateVolumeDevices: raw block devices come only from claims (or ephemeral volumes). */
function validateVolumeDevices(devices: Obj[], mounts: Obj[], volumes: Map<string, Obj>, path: string): FieldError[] {
  const errs: FieldError[] = [];
  const devicePaths = new Set<string>();
  const deviceNames = new Set<string>();
  const mountNames = new Set(mounts.map((m) => str(m['name'])));
  const mountPaths = new Set(mounts.map((m) => str(m['mountPath'])));
  devices.forEach((dev, i) => {
    const idx = `${path}[${i}]`;
    const name = str(dev['name']);
    const devicePath = str(dev['devicePath']);
    const source = volumes.get(name);
    const isPvc = source !== undefined && (isObj(source['persistentVolumeClaim']) || isObj(source['ephemeral']));
    if (name.length === 0) errs.push(required(`${idx}.name`));
    if (deviceNames.has(name)) errs.push(invalid(`${idx}.name`, name, 'must be unique'));
    if (source !== undefined && !isPvc) errs.push(invalid(`${idx}.name`, name, 'can only use volume source type of PersistentVolumeClaim or Ephemeral for block mode'));
    if (source === undefined) errs.push(notFound(`${idx}.name`, name));
    if (devicePath.length === 0) errs.push(required(`${idx}.devicePath`));
    if (devicePaths.has(devicePath)) errs.push(invalid(`${idx}.devicePath`, devicePath, 'must be unique'));
    if (devicePath.length > 0 && noBacksteps(devicePath, '').length > 0) errs.push(invalid(`${idx}.devicePath`, devicePath, "can not contain backsteps ('..')"));
    else devicePaths.add(devicePath);
    if (mountNames.has(name)) errs.push(invalid(`${idx}.name`, name, 'must not already exist in volumeMounts'));
    if (mountPaths.has(devicePath)) errs.push(invalid(`${idx}.devicePath`, devicePath, 'must not already exist as a path in volumeMounts'));
    if (name.length > 0) deviceNames.add(name);
  });
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Affinity and tolerations

function validateAffinity(affinity: unknown, path: string): FieldError[] {
  if (!isObj(affinity)) return [];
  const errs: FieldError[] = [];
  const node = affinity['nodeAffinity'];
  if (isObj(node)) {
    const req = node['requiredDuringSchedulingIgnoredDuringExecution'];
    // Required terms' values must be label values (allowInvalidLabelValueInRequiredNodeAffinity
    // is set only when the old object already had invalid ones, which validation here never lets in).
    if (present(req)) errs.push(...nodeSelectorErrors(obj(req), `${path}.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution`, false));
    list(node['preferredDuringSchedulingIgnoredDuringExecution']).forEach((t, i) => {
      const term = obj(t);
      const tPath = `${path}.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      errs.push(...weight(term['weight'], `${tPath}.weight`));
      // ValidatePreferredSchedulingTerms never checks values as label values.
      errs.push(...nodeSelectorTermErrors(obj(term['preference']), `${tPath}.preference`, true));
    });
  }
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const pa = affinity[kind];
    if (!isObj(pa)) continue;
    list(pa['requiredDuringSchedulingIgnoredDuringExecution']).forEach((t, i) => {
      errs.push(...validatePodAffinityTerm(obj(t), `${path}.${kind}.requiredDuringSchedulingIgnoredDuringExecution[${i}]`));
    });
    list(pa['preferredDuringSchedulingIgnoredDuringExecution']).forEach((t, i) => {
      const term = obj(t);
      const tPath = `${path}.${kind}.preferredDuringSchedulingIgnoredDuringExecution[${i}]`;
      errs.push(...weight(term['weight'], `${tPath}.weight`));
      errs.push(...validatePodAffinityTerm(obj(term['podAffinityTerm']), `${tPath}.podAffinityTerm`));
    });
  }
  return errs;
}

function weight(value: unknown, path: string): FieldError[] {
  const w = typeof value === 'number' ? value : 0;
  return w <= 0 || w > 100 ? [invalid(path, w, 'must be in the range 1-100')] : [];
}

/** validatePodAffinityTerm: selectors, namespaces, then the topology key. */
function validatePodAffinityTerm(term: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...labelSelectorErrors(term['labelSelector'], `${path}.labelSelector`, `PodAffinityTerm.${goPath(path)}.labelSelector`));
  errs.push(...labelSelectorErrors(term['namespaceSelector'], `${path}.namespaceSelector`, `PodAffinityTerm.${goPath(path)}.namespaceSelector`));
  list(term['namespaces']).forEach((n, i) => {
    for (const msg of isDNS1123Label(str(n))) errs.push(invalid(`${path}.namespace`, str(n), msg, `${path}.namespaces[${i}]`));
  });
  const key = str(term['topologyKey']);
  if (key.length === 0) errs.push(required(`${path}.topologyKey`, 'can not be empty'));
  for (const msg of isQualifiedName(key)) errs.push(invalid(`${path}.topologyKey`, key, msg));
  return errs;
}

/** ValidateTolerations. */
function validateTolerations(tolerations: unknown[], path: string): FieldError[] {
  const errs: FieldError[] = [];
  tolerations.forEach((t, i) => {
    const tol = obj(t);
    const idx = `${path}[${i}]`;
    const key = str(tol['key']);
    const op = str(tol['operator']);
    const effect = str(tol['effect']);
    const value = str(tol['value']);
    if (key.length > 0) for (const msg of isQualifiedName(key)) errs.push(invalid(`${idx}.key`, key, msg));
    if (key.length === 0 && op !== 'Exists') {
      errs.push(invalid(`${idx}.operator`, op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (present(tol['tolerationSeconds']) && effect !== 'NoExecute') {
      errs.push(invalid(`${idx}.effect`, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    if (op === 'Equal' || op === '') {
      const msgs = isValidLabelValue(value);
      if (msgs.length > 0) errs.push(invalid(`${idx}.operator`, value, msgs.join(';')));
    } else if (op === 'Exists') {
      if (value.length > 0) errs.push(invalid(`${idx}.operator`, new GoLiteral(readableStruct(tol)), "value must be empty when `operator` is 'Exists'"));
    } else {
      errs.push(notSupported(`${idx}.operator`, op, ['Equal', 'Exists']));
    }
    if (effect.length > 0 && !TAINT_EFFECTS.includes(effect)) errs.push(notSupported(`${idx}.effect`, effect, TAINT_EFFECTS));
  });
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Update (ValidatePodUpdate)

const UPDATABLE_POD_SPEC_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
];

/**
 * ValidatePodUpdate after the create-time checks: only images, activeDeadlineSeconds (down),
 * added tolerations and removed scheduling gates may change. The message is Kubernetes' wording
 * from 1.32 on, where resources change through the `resize` subresource and are not listed.
 */
export function validatePodUpdate(pod: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = obj(pod['spec']);
  const oldSpec = obj(old['spec']);
  for (const key of ['containers', 'initContainers']) {
    const now = list(spec[key]);
    const before = list(oldSpec[key]);
    if (now.length !== before.length) {
      errs.push(forbidden(`spec.${key}`, 'pod updates may not add or remove containers'));
      return errs;
    }
    now.forEach((c, i) => {
      if (str(obj(c)['image']).length === 0) errs.push(required(`spec.${key}[${i}].image`));
    });
  }

  const deadline = spec['activeDeadlineSeconds'];
  const oldDeadline = oldSpec['activeDeadlineSeconds'];
  if (present(deadline)) {
    const n = Number(deadline);
    if (n < 0 || n > MAX_INT32) {
      errs.push(invalid('spec.activeDeadlineSeconds', n, `must be between 0 and ${MAX_INT32}, inclusive`));
      return errs;
    }
    if (present(oldDeadline) && Number(oldDeadline) < n) {
      errs.push(invalid('spec.activeDeadlineSeconds', n, 'must be less than or equal to previous value'));
      return errs;
    }
  } else if (present(oldDeadline)) {
    errs.push(invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }

  // validateOnlyAddedTolerations: every old toleration must still be there, tolerationSeconds aside.
  const newTolerations = list(spec['tolerations']).map(obj);
  for (const t of list(oldSpec['tolerations']).map(obj)) {
    const found = newTolerations.some((n) => deepEqual({ ...t, tolerationSeconds: n['tolerationSeconds'] }, n));
    if (!found) {
      errs.push(forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
      break;
    }
  }

  if (deepEqual(spec, oldSpec)) return errs;

  const munged = structuredClone(spec);
  for (const key of ['containers', 'initContainers']) {
    const before = list(oldSpec[key]).map(obj);
    list(munged[key]).forEach((c, i) => {
      if (isObj(c)) c['image'] = before[i]?.['image'];
    });
  }
  setOrDelete(munged, 'activeDeadlineSeconds', oldSpec['activeDeadlineSeconds']);
  setOrDelete(munged, 'schedulingGates', oldSpec['schedulingGates']);
  setOrDelete(munged, 'tolerations', oldSpec['tolerations']);
  const oldGrace = oldSpec['terminationGracePeriodSeconds'];
  if (typeof oldGrace === 'number' && oldGrace < 0 && munged['terminationGracePeriodSeconds'] === 1) munged['terminationGracePeriodSeconds'] = oldGrace;
  if (!deepEqual(munged, oldSpec)) {
    errs.push(forbidden('spec', `pod updates may not change fields other than ${UPDATABLE_POD_SPEC_FIELDS.join(',')}`));
  }
  return errs;
}
