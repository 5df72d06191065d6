/**
 * Design: the API server's validation, ported rule by rule and in the same order, so that the list of
 * errors — and therefore the message — is the one kubectl would print. This file holds the entry
 * points and the storage kinds; the pod spec (validatePod.ts), the apps/v1 workloads
 * (validateApps.ts) and ConfigMap/Secret/VolumeAttachment (validateConfig.ts) have their own files,
 * and the checks they share are in fieldChecks.ts. Sources of this file:
 *   K/pkg/apis/core/validation/validation.go  ValidatePersistentVolume(Spec|Update),
 *                                             ValidatePersistentVolumeClaim(Spec|Update)
 *   K/pkg/apis/storage/validation/validation.go ValidateStorageClass(Update)
 *   apimachinery ValidateObjectMeta, ValidateLabels, ValidateAnnotations
 *   K/pkg/api/persistentvolume(claim)/util.go  GetWarningsFor… (warnings, not errors)
 * Objects are validated after decoding and defaulting (`applyDefaults`), as the API server does.
 * Field paths keep Kubernetes' own spelling, quirks included (`spec.resources[storage]`,
 * `spec.persistentDisk.pdName`, `volumeMode` for the immutability check); a separate locator path is
 * kept for finding the line. One pvsim addition: a quantity that does not parse is reported as a
 * field error (`spec.capacity.storage: Invalid value: "5Gb": quantities must match …`, JSON-decoder
 * dot path) instead of Kubernetes' bare "cannot be handled as a PersistentVolume" decode error.
 * The `cmp.Diff` Kubernetes appends to its "immutable after creation" messages is left out.
 */

import { compareQuantities, formatQuantity, parseQuantity, type Quantity } from '@pvsim/domain';
import {
  GoLiteral, ManifestError, aggregateMessages, forbidden, invalid, notSupported, required, tooLong, uniqueMessages,
  type FieldError,
} from './errors.ts';
import { applyDefaults } from './defaults.ts';
import { resourceTypeForKind } from './kinds.ts';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName } from '@pvsim/domain';
import { parseFieldPath, type ParsedObject } from './parse.ts';
import {
  HOST_PATH_TYPES, readableStruct, cleanPath, decodeQuantity, deepEqual, isObj, labelSelectorErrors, list, noBacksteps, present, quantityValue,
  nodeSelectorErrors, obj, setOrDelete, sortedSet, str, stringMapErrors, validateObjectMeta, type Obj,
} from './fieldChecks.ts';
import { validateVolumeSnapshot, validateVolumeSnapshotClass, validateVolumeSnapshotContent } from './validateSnapshots.ts';
import { validateCsiDriver, validateCsiDriverUpdate, validateCsiNode, validateCsiNodeUpdate } from './validateCsi.ts';
import { validateConfigMap, validateConfigMapUpdate, validateSecret, validateSecretUpdate, validateVolumeAttachment, validateVolumeAttachmentUpdate } from './validateConfig.ts';
import { validatePod, validatePodUpdate } from './validatePod.ts';
import { validateDeployment, validateReplicaSet, validateDeploymentUpdate, validateStatefulSet, validateStatefulSetUpdate } from './validateApps.ts';

export { deepEqual } from './fieldChecks.ts';

const ACCESS_MODES = sortedSet(['ReadWriteOnce', 'ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOncePod']);
const PV_RECLAIM_POLICIES = sortedSet(['Delete', 'Recycle', 'Retain']);
const SC_RECLAIM_POLICIES = sortedSet(['Delete', 'Retain']);
const VOLUME_MODES = sortedSet(['Block', 'Filesystem']);
const BINDING_MODES = sortedSet(['Immediate', 'WaitForFirstConsumer']);
const BETA_STORAGE_CLASS = 'volume.beta.kubernetes.io/storage-class';
const MOUNT_OPTIONS_ANNOTATION = 'volume.beta.kubernetes.io/mount-options';
const ZERO: Quantity = { num: 0n, den: 1n, format: 'DecimalSI' };

/** PV volume sources in the order ValidatePersistentVolumeSpec looks at them, with the path it names. */
const PV_SOURCES: ReadonlyArray<{ key: string; forbidPath: string; checkMultiple: boolean }> = [
  { key: 'hostPath', forbidPath: 'hostPath', checkMultiple: true },
  { key: 'gcePersistentDisk', forbidPath: 'gcePersistentDisk', checkMultiple: true },
  { key: 'awsElasticBlockStore', forbidPath: 'awsElasticBlockStore', checkMultiple: true },
  { key: 'glusterfs', forbidPath: 'glusterfs', checkMultiple: true },
  { key: 'flocker', forbidPath: 'flocker', checkMultiple: true },
  { key: 'nfs', forbidPath: 'nfs', checkMultiple: true },
  { key: 'rbd', forbidPath: 'rbd', checkMultiple: true },
  { key: 'quobyte', forbidPath: 'quobyte', checkMultiple: true },
  { key: 'cephfs', forbidPath: 'cephFS', checkMultiple: true },
  { key: 'iscsi', forbidPath: 'iscsi', checkMultiple: true },
  { key: 'cinder', forbidPath: 'cinder', checkMultiple: true },
  { key: 'fc', forbidPath: 'fc', checkMultiple: true },
  // Kubernetes counts flexVolume but never rejects it as "more than 1".
  { key: 'flexVolume', forbidPath: 'flexVolume', checkMultiple: false },
  { key: 'azureFile', forbidPath: 'azureFile', checkMultiple: true },
  { key: 'vsphereVolume', forbidPath: 'vsphereVolume', checkMultiple: true },
  { key: 'photonPersistentDisk', forbidPath: 'photonPersistentDisk', checkMultiple: true },
  { key: 'portworxVolume', forbidPath: 'portworxVolume', checkMultiple: true },
  { key: 'azureDisk', forbidPath: 'azureDisk', checkMultiple: true },
  { key: 'scaleIO', forbidPath: 'scaleIO', checkMultiple: true },
  { key: 'local', forbidPath: 'local', checkMultiple: true },
  { key: 'storageos', forbidPath: 'storageos', checkMultiple: true },
  { key: 'csi', forbidPath: 'csi', checkMultiple: true },
];

export const PV_SOURCE_KEYS: readonly string[] = PV_SOURCES.map((s) => s.key);

// ---------------------------------------------------------------------------------------------
// Entry points

/**
 * Validates a parsed object as the API server would on create or update (`old` = stored object).
 * Throws a ManifestError (code 'Invalid') listing every field error:
 * `pv.yaml:9: The PersistentVolume "nas" is invalid: [spec.accessModes: Required value, …]`.
 */
export function validateObject(parsed: ParsedObject, mode: 'create' | 'update', old?: object): void {
  const errors = validationErrors(parsed.object, mode, old);
  if (errors.length === 0) return;
  const object = parsed.object;
  const kind = str(object['kind']);
  const meta = isObj(object['metadata']) ? object['metadata'] : {};
  const first = errors[0]!;
  const line = nearestLine(parsed, first.at ?? first.field);
  const causes = uniqueMessages(errors);
  throw new ManifestError('Invalid',
    `${parsed.file}:${line}: The ${kind} ${JSON.stringify(str(meta['name']))} is invalid: ${aggregateMessages(causes)}`,
    { file: parsed.file, line, field: first.field, causes });
}

/** The field errors of an object (after defaulting), in the API server's order; empty when valid. */
export function validationErrors(object: object, mode: 'create' | 'update', old?: object): FieldError[] {
  const obj = applyDefaults(object) as Obj;
  const prev = mode === 'update' && old !== undefined ? (applyDefaults(old) as Obj) : undefined;
  const errs: FieldError[] = [];
  const kind = str(obj['kind']);
  const type = resourceTypeForKind(kind);
  // StatefulSet names become pod host names, so they must be DNS labels (NameIsDNSLabel since 1.27).
  errs.push(...validateObjectMeta(obj['metadata'], type?.namespaced ?? false, kind === 'StatefulSet' ? isDNS1123Label : isDNS1123Subdomain));
  const spec = isObj(obj['spec']) ? obj['spec'] : {};
  switch (kind) {
    case 'PersistentVolume':
      errs.push(...validatePersistentVolumeSpec(spec));
      if (prev) errs.push(...validatePersistentVolumeUpdate(obj, prev));
      break;
    case 'PersistentVolumeClaim':
      errs.push(...validatePersistentVolumeClaimSpec(spec));
      if (prev) errs.push(...validatePersistentVolumeClaimUpdate(obj, prev));
      break;
    case 'StorageClass':
      errs.push(...validateStorageClass(obj));
      if (prev) errs.push(...validateStorageClassUpdate(obj, prev));
      break;
    case 'Pod':
      errs.push(...validatePod(obj, { claimSpec: validatePersistentVolumeClaimSpec }, mode));
      if (prev) errs.push(...validatePodUpdate(obj, prev));
      break;
    case 'Deployment':
      errs.push(...validateDeployment(obj, { claimSpec: validatePersistentVolumeClaimSpec }));
      if (prev) errs.push(...validateDeploymentUpdate(obj, prev));
      break;
    case 'StatefulSet':
      errs.push(...validateStatefulSet(obj, { claimSpec: validatePersistentVolumeClaimSpec }));
      if (prev) errs.push(...validateStatefulSetUpdate(obj, prev));
      break;
    case 'ConfigMap':
      if (prev) errs.push(...validateConfigMapUpdate(obj, prev));
      errs.push(...validateConfigMap(obj));
      break;
    case 'Secret':
      if (prev) errs.push(...validateSecretUpdate(obj, prev));
      errs.push(...validateSecret(obj));
      break;
    case 'ReplicaSet':
      errs.push(...validateReplicaSet(obj, { claimSpec: validatePersistentVolumeClaimSpec }));
      break;
    case 'CSIDriver':
      errs.push(...validateCsiDriver(obj));
      if (prev) errs.push(...validateCsiDriverUpdate(obj, prev));
      break;
    case 'CSINode':
      errs.push(...validateCsiNode(obj));
      if (prev) errs.push(...validateCsiNodeUpdate(obj, prev));
      break;
    case 'VolumeAttachment':
      errs.push(...validateVolumeAttachment(obj));
      if (prev) errs.push(...validateVolumeAttachmentUpdate(obj, prev));
      break;
    case 'VolumeSnapshotClass':
      errs.push(...validateVolumeSnapshotClass(obj));
      break;
    case 'VolumeSnapshot':
      errs.push(...validateVolumeSnapshot(obj, prev));
      break;
    case 'VolumeSnapshotContent':
      errs.push(...validateVolumeSnapshotContent(obj, prev));
      break;
    default:
      // Node: ValidateNode checks the metadata above and fields pvsim does not model (podCIDR, taints).
      break;
  }
  return errs;
}

function nearestLine(parsed: ParsedObject, path: string): number {
  const segs = parseFieldPath(path);
  for (let n = segs.length; n > 0; n--) {
    const p = segs.slice(0, n).map((s, i) => (typeof s === 'number' || s.includes('.') ? `[${s}]` : i === 0 ? s : `.${s}`)).join('');
    const line = parsed.lineOf(p);
    if (line !== undefined) return line;
  }
  return parsed.line;
}

// ---------------------------------------------------------------------------------------------
// Quantities

/** validateBasicResource + ValidatePositiveQuantityValue. */
function positiveQuantity(q: Quantity, path: string, at: string): FieldError[] {
  const errs: FieldError[] = [];
  const value = quantityValue(q);
  if (value < 0n) errs.push(invalid(path, value, 'must be a valid resource quantity', at));
  if (compareQuantities(q, ZERO) <= 0) errs.push(invalid(path, formatQuantity(q), 'must be greater than zero', at));
  return errs;
}

// ---------------------------------------------------------------------------------------------
// PersistentVolume

function validateAccessModes(modes: unknown, path: string, requiredDetail: string): FieldError[] {
  const errs: FieldError[] = [];
  const values = list(modes);
  if (values.length === 0) errs.push(required(path, requiredDetail));
  let rwop = false;
  let other = false;
  values.forEach((m, i) => {
    const mode = str(m);
    if (!ACCESS_MODES.includes(mode)) errs.push(notSupported(path, m, ACCESS_MODES, `${path}[${i}]`));
    if (mode === 'ReadWriteOncePod') rwop = true;
    else if (ACCESS_MODES.includes(mode)) other = true;
  });
  if (rwop && other) errs.push(forbidden(path, 'may not use ReadWriteOncePod with other access modes'));
  return errs;
}

function validatePersistentVolumeSpec(spec: Obj): FieldError[] {
  const errs: FieldError[] = [];
  errs.push(...validateAccessModes(spec['accessModes'], 'spec.accessModes', ''));

  const capacity = isObj(spec['capacity']) ? spec['capacity'] : {};
  const capKeys = Object.keys(capacity);
  if (capKeys.length === 0) errs.push(required('spec.capacity'));
  if (!('storage' in capacity) || capKeys.length > 1) {
    errs.push(notSupported('spec.capacity', new GoLiteral(resourceListLiteral(capacity)), ['storage']));
  }
  for (const [r, v] of Object.entries(capacity)) {
    const decoded = decodeQuantity(v, `spec.capacity.${r}`);
    if (!decoded.ok) errs.push(...decoded.errors);
    else errs.push(...positiveQuantity(decoded.q, `spec.capacity[${r}]`, `spec.capacity.${r}`));
  }

  const policy = str(spec['persistentVolumeReclaimPolicy']);
  if (policy.length > 0 && !PV_RECLAIM_POLICIES.includes(policy)) {
    errs.push(notSupported('spec.persistentVolumeReclaimPolicy', policy, PV_RECLAIM_POLICIES));
  }

  let nodeAffinitySpecified = false;
  if (present(spec['nodeAffinity'])) {
    nodeAffinitySpecified = true;
    errs.push(...validateVolumeNodeAffinity(spec['nodeAffinity'], 'spec.nodeAffinity'));
  }

  let numVolumes = 0;
  for (const source of PV_SOURCES) {
    const value = spec[source.key];
    if (!present(value)) continue;
    if (numVolumes > 0 && source.checkMultiple) {
      errs.push(forbidden(`spec.${source.forbidPath}`, 'may not specify more than 1 volume type', `spec.${source.key}`));
      continue;
    }
    numVolumes++;
    errs.push(...validatePvSource(source.key, isObj(value) ? value : {}, nodeAffinitySpecified));
  }
  if (numVolumes === 0) errs.push(required('spec', 'must specify a volume type'));

  const hostPath = spec['hostPath'];
  if (isObj(hostPath) && cleanPath(str(hostPath['path'])) === '/' && policy === 'Recycle') {
    errs.push(forbidden('spec.persistentVolumeReclaimPolicy', "may not be 'recycle' for a hostPath mount of '/'"));
  }

  const className = str(spec['storageClassName']);
  if (className.length > 0) {
    for (const msg of isDNS1123Subdomain(className)) errs.push(invalid('spec.storageClassName', className, msg));
  }
  if (present(spec['volumeMode'])) {
    const mode = str(spec['volumeMode']);
    if (!VOLUME_MODES.includes(mode)) errs.push(notSupported('spec.volumeMode', mode, VOLUME_MODES));
  }
  if (present(spec['volumeAttributesClassName'])) {
    const vac = str(spec['volumeAttributesClassName']);
    if (vac.length === 0) errs.push(required('spec.volumeAttributesClassName', 'an empty string is disallowed'));
    else for (const msg of isDNS1123Subdomain(vac)) errs.push(invalid('spec.volumeAttributesClassName', vac, msg));
    if (!present(spec['csi'])) errs.push(required('spec.csi', 'has to be specified when using volumeAttributesClassName'));
  }
  return errs;
}

/** Prints a capacity map the way `%#v` prints a `core.ResourceList`, keeping only the quantity text. */
function resourceListLiteral(capacity: Obj): string {
  const keys = Object.keys(capacity).sort();
  return 'core.ResourceList{' + keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(str(capacity[k]))}`).join(', ') + '}';
}

function validatePvSource(key: string, src: Obj, nodeAffinitySpecified: boolean): FieldError[] {
  const errs: FieldError[] = [];
  const need = (field: string, path: string, detail = ''): void => {
    if (str(src[field]).length === 0) errs.push(required(path, detail));
  };
  const partition = (path: string): void => {
    const p = Number(src['partition'] ?? 0);
    if (p < 0 || p > 255) errs.push(invalid(path, p, 'must be between 1 and 255, inclusive'));
  };
  switch (key) {
    case 'hostPath': {
      const p = str(src['path']);
      if (p.length === 0) {
        errs.push(required('spec.hostPath.path'));
        break;
      }
      errs.push(...noBacksteps(p, 'spec.hostPath.path'));
      if (present(src['type']) && !HOST_PATH_TYPES.includes(str(src['type']))) {
        errs.push(notSupported('spec.hostPath.type', str(src['type']), HOST_PATH_TYPES));
      }
      break;
    }
    case 'gcePersistentDisk':
      need('pdName', 'spec.persistentDisk.pdName');
      partition('spec.persistentDisk.partition');
      break;
    case 'awsElasticBlockStore':
      need('volumeID', 'spec.awsElasticBlockStore.volumeID');
      partition('spec.awsElasticBlockStore.partition');
      break;
    case 'glusterfs': {
      need('endpoints', 'spec.glusterfs.endpoints');
      need('path', 'spec.glusterfs.path');
      if (present(src['endpointsNamespace'])) {
        const ns = str(src['endpointsNamespace']);
        if (ns === '') errs.push(invalid('spec.glusterfs.endpointsNamespace', ns, 'if the endpointnamespace is set, it must be a valid namespace name'));
        else for (const msg of isDNS1123Label(ns)) errs.push(invalid('spec.glusterfs.endpointsNamespace', ns, msg));
      }
      break;
    }
    case 'flocker': {
      const name = str(src['datasetName']);
      const uuid = str(src['datasetUUID']);
      if (name === '' && uuid === '') errs.push(required('spec.flocker', 'one of datasetName and datasetUUID is required'));
      if (name !== '' && uuid !== '') errs.push(invalid('spec.flocker', 'resource', 'datasetName and datasetUUID can not be specified simultaneously'));
      if (name.includes('/')) errs.push(invalid('spec.flocker.datasetName', name, "must not contain '/'"));
      break;
    }
    case 'nfs': {
      need('server', 'spec.nfs.server');
      need('path', 'spec.nfs.path');
      const p = str(src['path']);
      if (!p.startsWith('/')) errs.push(invalid('spec.nfs.path', p, 'must be an absolute path'));
      break;
    }
    case 'rbd':
      if (list(src['monitors']).length === 0) errs.push(required('spec.rbd.monitors'));
      need('image', 'spec.rbd.image');
      break;
    case 'quobyte':
      need('registry', 'spec.quobyte.registry', 'must be a host:port pair or multiple pairs separated by commas');
      need('volume', 'spec.quobyte.volume');
      break;
    case 'cephfs':
      if (list(src['monitors']).length === 0) errs.push(required('spec.cephfs.monitors'));
      break;
    case 'iscsi': {
      need('targetPortal', 'spec.iscsi.targetPortal');
      const iqn = str(src['iqn']);
      if (iqn === '') errs.push(required('spec.iscsi.iqn'));
      else if (!/^(iqn|eui|naa)/.test(iqn)) errs.push(invalid('spec.iscsi.iqn', iqn, 'must be valid format'));
      else if (iqn.startsWith('iqn') && !/iqn\.\d{4}-\d{2}\.([A-Za-z0-9-.]+)(:[^,;*&$|\s]+)$/.test(iqn)) errs.push(invalid('spec.iscsi.iqn', iqn, 'must be valid format'));
      else if (iqn.startsWith('eui') && !/^eui.[A-Za-z0-9]{16}$/.test(iqn)) errs.push(invalid('spec.iscsi.iqn', iqn, 'must be valid format'));
      else if (iqn.startsWith('naa') && !/^naa.[A-Za-z0-9]{32}$/.test(iqn)) errs.push(invalid('spec.iscsi.iqn', iqn, 'must be valid format'));
      const lun = Number(src['lun'] ?? 0);
      if (lun < 0 || lun > 255) errs.push(invalid('spec.iscsi.lun', lun, 'must be between 0 and 255, inclusive'));
      if ((src['discoveryCHAPAuth'] === true || src['sessionCHAPAuth'] === true) && !present(src['secretRef'])) {
        errs.push(required('spec.iscsi.secretRef'));
      }
      break;
    }
    case 'cinder': {
      need('volumeID', 'spec.cinder.volumeID');
      const ref = src['secretRef'];
      if (isObj(ref)) {
        if (str(ref['name']) === '') errs.push(required('spec.cinder.secretRef.name'));
        if (str(ref['namespace']) === '') errs.push(required('spec.cinder.secretRef.namespace'));
      }
      break;
    }
    case 'fc': {
      const wwns = list(src['targetWWNs']);
      const wwids = list(src['wwids']);
      if (wwns.length < 1 && wwids.length < 1) errs.push(required('spec.fc.targetWWNs', 'must specify either targetWWNs or wwids, but not both'));
      if (wwns.length !== 0 && wwids.length !== 0) errs.push(invalid('spec.fc.targetWWNs', wwns, 'targetWWNs and wwids can not be specified simultaneously'));
      if (wwns.length !== 0) {
        if (!present(src['lun'])) errs.push(required('spec.fc.lun', 'lun is required if targetWWNs is specified'));
        else {
          const lun = Number(src['lun']);
          if (lun < 0 || lun > 255) errs.push(invalid('spec.fc.lun', lun, 'must be between 0 and 255, inclusive'));
        }
      }
      break;
    }
    case 'flexVolume':
      need('driver', 'spec.flexVolume.driver');
      break;
    case 'azureFile':
      need('secretName', 'spec.azureFile.secretName');
      need('shareName', 'spec.azureFile.shareName');
      if (present(src['secretNamespace']) && str(src['secretNamespace']) === '') errs.push(required('spec.azureFile.secretNamespace'));
      break;
    case 'vsphereVolume':
      need('volumePath', 'spec.vsphereVolume.volumePath');
      break;
    case 'photonPersistentDisk':
      need('pdID', 'spec.photonPersistentDisk.pdID');
      break;
    case 'portworxVolume':
      need('volumeID', 'spec.portworxVolume.volumeID');
      break;
    case 'azureDisk': {
      need('diskName', 'spec.azureDisk.diskName');
      need('diskURI', 'spec.azureDisk.diskURI');
      const caching = ['None', 'ReadOnly', 'ReadWrite'];
      const kinds = ['Dedicated', 'Managed', 'Shared'];
      if (present(src['cachingMode']) && !caching.includes(str(src['cachingMode']))) errs.push(notSupported('spec.azureDisk.cachingMode', str(src['cachingMode']), caching));
      if (present(src['kind']) && !kinds.includes(str(src['kind']))) errs.push(notSupported('spec.azureDisk.kind', str(src['kind']), kinds));
      break;
    }
    case 'scaleIO':
      need('gateway', 'spec.scaleIO.gateway');
      need('system', 'spec.scaleIO.system');
      need('volumeName', 'spec.scaleIO.volumeName');
      break;
    case 'local': {
      const p = str(src['path']);
      if (p.length === 0) errs.push(required('spec.local.path'));
      else errs.push(...noBacksteps(p, 'spec.local.path'));
      if (!nodeAffinitySpecified) errs.push(required('spec.nodeAffinity', 'Local volume requires node affinity', 'spec.local'));
      break;
    }
    case 'storageos': {
      const name = str(src['volumeName']);
      if (name === '') errs.push(required('spec.storageos.volumeName'));
      else for (const msg of isDNS1123Label(name)) errs.push(invalid('spec.storageos.volumeName', name, msg));
      const ns = str(src['volumeNamespace']);
      if (ns !== '') for (const msg of isDNS1123Label(ns)) errs.push(invalid('spec.storageos.volumeNamespace', ns, msg));
      const ref = src['secretRef'];
      if (isObj(ref)) {
        if (str(ref['name']) === '') errs.push(required('spec.storageos.secretRef.name'));
        if (str(ref['namespace']) === '') errs.push(required('spec.storageos.secretRef.namespace'));
      }
      break;
    }
    case 'csi': {
      const driver = str(src['driver']);
      if (driver.length === 0) errs.push(required('spec.csi.driver'));
      if (Buffer.byteLength(driver) > 63) errs.push(tooLong('spec.csi.driver', 63));
      for (const msg of isDNS1123Subdomain(driver.toLowerCase())) errs.push(invalid('spec.csi.driver', driver, msg));
      need('volumeHandle', 'spec.csi.volumeHandle');
      for (const ref of ['controllerPublishSecretRef', 'controllerExpandSecretRef', 'nodePublishSecretRef', 'nodeExpandSecretRef']) {
        const r = src[ref];
        if (!isObj(r)) continue;
        const base = `spec.csi.${ref}`;
        const name = str(r['name']);
        if (name === '') errs.push(required(`${base}.name`));
        else for (const msg of isDNS1123Subdomain(name)) errs.push(invalid(`${base}.name`, name, msg));
        const ns = str(r['namespace']);
        if (ns === '') errs.push(required(`${base}.namespace`));
        else for (const msg of isDNS1123Label(ns)) errs.push(invalid(`${base}.namespace`, ns, msg));
      }
      break;
    }
    default:
      break;
  }
  return errs;
}

/** validateVolumeNodeAffinity: required node constraints, whose label values must be valid. */
function validateVolumeNodeAffinity(affinity: unknown, path: string): FieldError[] {
  const req = isObj(affinity) ? affinity['required'] : undefined;
  if (!present(req)) return [required(`${path}.required`, 'must specify required node constraints')];
  return nodeSelectorErrors(obj(req), `${path}.required`, false);
}

function validatePersistentVolumeUpdate(pv: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const spec = isObj(pv['spec']) ? pv['spec'] : {};
  const oldSpec = isObj(old['spec']) ? old['spec'] : {};
  const source = (s: Obj): Obj => {
    const out: Obj = {};
    for (const k of PV_SOURCE_KEYS) if (present(s[k])) out[k] = s[k];
    return out;
  };
  const newSource = source(spec);
  const oldSource = source(oldSpec);
  // A CSI controllerExpandSecretRef may be added to a PV that had none.
  const oldCsi = oldSource['csi'];
  const newCsi = newSource['csi'];
  if (isObj(oldCsi) && !present(oldCsi['controllerExpandSecretRef']) && isObj(newCsi) && present(newCsi['controllerExpandSecretRef'])) {
    const { controllerExpandSecretRef: _dropped, ...rest } = newCsi;
    newSource['csi'] = rest;
  }
  if (!deepEqual(newSource, oldSource)) {
    errs.push(forbidden('spec.persistentvolumesource', 'spec.persistentvolumesource is immutable after creation', firstSourcePath(spec)));
  }
  if (!deepEqual(spec['volumeMode'] ?? null, oldSpec['volumeMode'] ?? null)) {
    errs.push(invalid('volumeMode', spec['volumeMode'] ?? null, 'field is immutable', 'spec.volumeMode'));
  }
  if (present(oldSpec['nodeAffinity']) && !deepEqual(spec['nodeAffinity'] ?? null, oldSpec['nodeAffinity'])) {
    errs.push(invalid('nodeAffinity', new GoLiteral(readableStruct(spec['nodeAffinity'])), 'field is immutable', 'spec.nodeAffinity'));
  }
  if (present(oldSpec['volumeAttributesClassName']) && !present(spec['volumeAttributesClassName'])) {
    errs.push(forbidden('spec.volumeAttributesClassName', 'update from non-nil value to nil is forbidden'));
  }
  return errs;
}

function firstSourcePath(spec: Obj): string {
  const key = PV_SOURCE_KEYS.find((k) => present(spec[k]));
  return key ? `spec.${key}` : 'spec';
}

// ---------------------------------------------------------------------------------------------
// PersistentVolumeClaim

/**
 * ValidatePersistentVolumeClaimSpec. `base` is the spec's field path: `spec` for a claim,
 * `spec.volumeClaimTemplates[0].spec` for a StatefulSet's template, and so on.
 */
export function validatePersistentVolumeClaimSpec(spec: Obj, base = 'spec'): FieldError[] {
  const errs: FieldError[] = [];
  const modes = list(spec['accessModes']);
  if (modes.length === 0) errs.push(required(`${base}.accessModes`, 'at least 1 access mode is required'));
  if (present(spec['selector'])) {
    errs.push(...labelSelectorErrors(spec['selector'], `${base}.selector`, `PersistentVolumeClaimSpec.${base.replace(/\[\d+\]/g, '')}.selector`));
  }
  // The claim reports a missing list itself (with its own detail), before the selector, as Kubernetes does.
  errs.push(...validateAccessModes(modes, `${base}.accessModes`, '').filter((e) => e.type !== 'Required'));

  const resources = isObj(spec['resources']) ? spec['resources'] : {};
  const requests = isObj(resources['requests']) ? resources['requests'] : {};
  if (!('storage' in requests) || !present(requests['storage'])) {
    errs.push(required(`${base}.resources[storage]`, '', `${base}.resources.requests`));
  } else {
    const decoded = decodeQuantity(requests['storage'], `${base}.resources.requests.storage`);
    if (!decoded.ok) errs.push(...decoded.errors);
    else errs.push(...positiveQuantity(decoded.q, `${base}.resources[storage]`, `${base}.resources.requests.storage`));
  }

  if (present(spec['storageClassName'])) {
    const className = str(spec['storageClassName']);
    if (className.length > 0) for (const msg of isDNS1123Subdomain(className)) errs.push(invalid(`${base}.storageClassName`, className, msg));
  }
  if (present(spec['volumeMode'])) {
    const mode = str(spec['volumeMode']);
    if (!VOLUME_MODES.includes(mode)) errs.push(notSupported(`${base}.volumeMode`, mode, VOLUME_MODES));
  }
  const dataSource = spec['dataSource'];
  const dataSourceRef = spec['dataSourceRef'];
  if (isObj(dataSource)) errs.push(...validateDataSource(dataSource, `${base}.dataSource`));
  if (isObj(dataSourceRef)) {
    errs.push(...validateDataSource(dataSourceRef, `${base}.dataSourceRef`));
    const ns = str(dataSourceRef['namespace']);
    if (ns !== '') for (const msg of isDNS1123Label(ns)) errs.push(invalid(`${base}.dataSourceRef.namespace`, ns, msg));
  }
  if (isObj(dataSourceRef) && str(dataSourceRef['namespace']) !== '') {
    if (isObj(dataSource)) errs.push(invalid(base, new GoLiteral(`${base}.dataSource`), 'may not be specified when dataSourceRef.namespace is specified', `${base}.dataSource`));
  } else if (isObj(dataSource) && isObj(dataSourceRef)) {
    const same = (dataSource['apiGroup'] ?? null) === (dataSourceRef['apiGroup'] ?? null)
      && str(dataSource['kind']) === str(dataSourceRef['kind']) && str(dataSource['name']) === str(dataSourceRef['name']);
    if (!same) errs.push(invalid(base, new GoLiteral(`${base}.dataSource`), 'must match dataSourceRef', `${base}.dataSource`));
  }
  const vac = str(spec['volumeAttributesClassName']);
  if (vac.length > 0) for (const msg of isDNS1123Subdomain(vac)) errs.push(invalid(`${base}.volumeAttributesClassName`, vac, msg));
  return errs;
}

function validateDataSource(ds: Obj, path: string): FieldError[] {
  const errs: FieldError[] = [];
  if (str(ds['name']) === '') errs.push(required(`${path}.name`));
  const kind = str(ds['kind']);
  if (kind === '') errs.push(required(`${path}.kind`));
  const group = str(ds['apiGroup']);
  if (group === '' && kind !== 'PersistentVolumeClaim') errs.push(invalid(path, kind, "must be 'PersistentVolumeClaim' when referencing the default apiGroup"));
  if (group !== '') for (const msg of isDNS1123Subdomain(group)) errs.push(invalid(`${path}.apiGroup`, group, msg));
  return errs;
}

function validatePersistentVolumeClaimUpdate(pvc: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const newSpec = structuredClone(isObj(pvc['spec']) ? pvc['spec'] : {});
  const oldSpec = structuredClone(isObj(old['spec']) ? old['spec'] : {});
  const newAnn = annotationsOf(pvc);
  const oldAnn = annotationsOf(old);
  // volumeName may be set once, by the binder.
  if (str(oldSpec['volumeName']) === '') setOrDelete(oldSpec, 'volumeName', newSpec['volumeName']);

  const oldSc = oldSpec['storageClassName'];
  const newSc = newSpec['storageClassName'];
  const oldAnnSc = oldAnn[BETA_STORAGE_CLASS];
  const newAnnSc = newAnn[BETA_STORAGE_CLASS];
  const upgradeFromAnnotation = oldAnnSc !== undefined && !present(oldSc) && present(newSc) && newSc === oldAnnSc
    && (newAnnSc === undefined || newAnnSc === oldAnnSc);
  if (upgradeFromAnnotation) {
    delete newSpec['storageClassName'];
  } else {
    if ((newAnnSc ?? '') !== (oldAnnSc ?? '')) {
      errs.push(invalid(`metadata.annotations.${BETA_STORAGE_CLASS}`, newAnnSc ?? '', 'field is immutable', `metadata.annotations[${BETA_STORAGE_CLASS}]`));
    }
    // The default StorageClass may be written into a claim created without one.
    const upgradeFromNil = present(newSc) && !present(oldSc) && (oldAnnSc === undefined || newSc === oldAnnSc);
    if (upgradeFromNil) setOrDelete(newSpec, 'storageClassName', oldSpec['storageClassName']);
  }

  // Kubernetes looks at the new object's phase, and status updates never come through this path:
  // PrepareForUpdate copies the stored status over the submitted one.
  const phase = str((isObj(old['status']) ? old['status'] : {})['phase']);
  const newRequests = isObj(newSpec['resources']) && isObj((newSpec['resources'] as Obj)['requests']) ? (newSpec['resources'] as Obj)['requests'] as Obj : undefined;
  const oldRequests = isObj(oldSpec['resources']) && isObj((oldSpec['resources'] as Obj)['requests']) ? (oldSpec['resources'] as Obj)['requests'] as Obj : {};
  if (phase === 'Bound' && newRequests) setOrDelete(newRequests, 'storage', oldRequests['storage']);
  if (phase === 'Bound' && present(newSpec['volumeAttributesClassName'])) setOrDelete(newSpec, 'volumeAttributesClassName', oldSpec['volumeAttributesClassName']);

  if (!deepEqual(newSpec, oldSpec)) {
    errs.push(forbidden('spec', 'spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims'));
  }

  const newSize = quantityOrZero(requestOf(pvc));
  const oldSize = quantityOrZero(requestOf(old));
  const statusCapacity = isObj(old['status']) && isObj((old['status'] as Obj)['capacity']) ? ((old['status'] as Obj)['capacity'] as Obj)['storage'] : undefined;
  const statusSize = quantityOrZero(statusCapacity);
  // RecoverVolumeExpansionFailure is GA: shrinking is allowed down to, but not to or below, status.capacity.
  if (compareQuantities(newSize, oldSize) < 0 && compareQuantities(newSize, statusSize) <= 0) {
    errs.push(forbidden('spec.resources.requests.storage', 'field can not be less than status.capacity'));
  }

  const newPvcSpec = isObj(pvc['spec']) ? pvc['spec'] : {};
  const oldPvcSpec = isObj(old['spec']) ? old['spec'] : {};
  if (!deepEqual(newPvcSpec['volumeMode'] ?? null, oldPvcSpec['volumeMode'] ?? null)) {
    errs.push(invalid('volumeMode', newPvcSpec['volumeMode'] ?? null, 'field is immutable', 'spec.volumeMode'));
  }
  if (present(oldPvcSpec['volumeAttributesClassName'])) {
    if (!present(newPvcSpec['volumeAttributesClassName'])) errs.push(forbidden('spec.volumeAttributesClassName', 'update from non-nil value to nil is forbidden'));
    else if (str(newPvcSpec['volumeAttributesClassName']) === '') errs.push(forbidden('spec.volumeAttributesClassName', 'update from non-nil value to an empty string is forbidden'));
  }
  return errs;
}

function annotationsOf(o: Obj): Record<string, string> {
  const meta = isObj(o['metadata']) ? o['metadata'] : {};
  return isObj(meta['annotations']) ? (meta['annotations'] as Record<string, string>) : {};
}

function requestOf(o: Obj): unknown {
  const spec = isObj(o['spec']) ? o['spec'] : {};
  const resources = isObj(spec['resources']) ? spec['resources'] : {};
  return isObj(resources['requests']) ? resources['requests']['storage'] : undefined;
}

function quantityOrZero(v: unknown): Quantity {
  if (typeof v !== 'string' && typeof v !== 'number') return ZERO;
  try {
    return parseQuantity(String(v));
  } catch {
    return ZERO;
  }
}

// ---------------------------------------------------------------------------------------------
// StorageClass

function validateStorageClass(sc: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const provisioner = str(sc['provisioner']);
  if (provisioner.length === 0) errs.push(required('provisioner'));
  else for (const msg of isQualifiedName(provisioner.toLowerCase())) errs.push(invalid('provisioner', provisioner.toLowerCase(), msg));

  const params = sc['parameters'];
  const typeErrs = stringMapErrors(params, 'parameters', 'StorageClass.parameters');
  errs.push(...typeErrs);
  if (typeErrs.length === 0 && isObj(params)) {
    const keys = Object.keys(params);
    if (keys.length > 512) errs.push(tooLong('parameters', 512));
    else {
      let size = 0;
      for (const k of keys) {
        if (k.length < 1) errs.push(invalid('parameters', k, 'field can not be empty.'));
        size += Buffer.byteLength(k) + Buffer.byteLength(str(params[k]));
      }
      if (size > 256 * 1024) errs.push(tooLong('parameters', 256 * 1024));
    }
  }

  const policy = str(sc['reclaimPolicy']);
  if (policy.length > 0 && !SC_RECLAIM_POLICIES.includes(policy)) errs.push(notSupported('reclaimPolicy', policy, SC_RECLAIM_POLICIES));

  if (!present(sc['volumeBindingMode'])) errs.push(required('volumeBindingMode'));
  else if (!BINDING_MODES.includes(str(sc['volumeBindingMode']))) errs.push(notSupported('volumeBindingMode', str(sc['volumeBindingMode']), BINDING_MODES));

  const topologies = list(sc['allowedTopologies']);
  const seen: string[] = [];
  topologies.forEach((term, i) => {
    const exprs = list(isObj(term) ? term['matchLabelExpressions'] : undefined);
    const exprPath = `allowedTopologies[${i}].matchLabelExpressions`;
    const keys = new Set<string>();
    const canonical: string[] = [];
    exprs.forEach((e, j) => {
      const r = isObj(e) ? e : {};
      const values = list(r['values']).map(str);
      if (values.length === 0) errs.push(required(`${exprPath}[${j}].values`));
      values.forEach((v, k) => {
        if (values.indexOf(v) !== k) errs.push({ type: 'Duplicate', field: `${exprPath}[${j}].values[${k}]`, value: v, detail: '' });
      });
      const key = str(r['key']);
      for (const msg of isQualifiedName(key)) errs.push(invalid(`${exprPath}[${j}].key`, key, msg));
      if (keys.has(key)) errs.push({ type: 'Duplicate', field: `${exprPath}[${j}].key`, value: key, detail: '' });
      keys.add(key);
      canonical.push(key + '=' + [...new Set(values)].sort().join(','));
    });
    const signature = canonical.sort().join(';');
    if (seen.includes(signature)) errs.push({ type: 'Duplicate', field: exprPath, value: '', detail: '' });
    seen.push(signature);
  });
  return errs;
}

function validateStorageClassUpdate(sc: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const params = (o: Obj): Obj => (isObj(o['parameters']) ? o['parameters'] : {});
  if (!deepEqual(params(sc), params(old))) errs.push(forbidden('parameters', 'updates to parameters are forbidden.'));
  if (str(sc['provisioner']) !== str(old['provisioner'])) errs.push(forbidden('provisioner', 'updates to provisioner are forbidden.'));
  if (str(sc['reclaimPolicy']) !== str(old['reclaimPolicy'])) errs.push(forbidden('reclaimPolicy', 'updates to reclaimPolicy are forbidden.'));
  if (str(sc['volumeBindingMode']) !== str(old['volumeBindingMode'])) {
    errs.push(invalid('volumeBindingMode', sc['volumeBindingMode'] ?? null, 'field is immutable'));
  }
  return errs;
}

// ---------------------------------------------------------------------------------------------
// Warnings (GetWarningsForPersistentVolume / …Claim / StorageClass)

const DEPRECATED_NODE_LABELS: Record<string, string> = {
  'beta.kubernetes.io/arch': 'deprecated since v1.14; use "kubernetes.io/arch" instead',
  'beta.kubernetes.io/os': 'deprecated since v1.14; use "kubernetes.io/os" instead',
  'failure-domain.beta.kubernetes.io/region': 'deprecated since v1.17; use "topology.kubernetes.io/region" instead',
  'failure-domain.beta.kubernetes.io/zone': 'deprecated since v1.17; use "topology.kubernetes.io/zone" instead',
  'beta.kubernetes.io/instance-type': 'deprecated since v1.17; use "node.kubernetes.io/instance-type" instead',
};

const DEPRECATED_PV_SOURCES: ReadonlyArray<[string, string]> = [
  ['cephfs', 'spec.cephfs: deprecated in v1.28, non-functional in v1.31+'],
  ['photonPersistentDisk', 'spec.photonPersistentDisk: deprecated in v1.11, non-functional in v1.16+'],
  ['rbd', 'spec.rbd: deprecated in v1.28, non-functional in v1.31+'],
  ['scaleIO', 'spec.scaleIO: deprecated in v1.16, non-functional in v1.22+'],
  ['storageos', 'spec.storageOS: deprecated in v1.22, non-functional in v1.25+'],
  ['glusterfs', 'spec.glusterfs: deprecated in v1.25, non-functional in v1.26+'],
];

/** The API server's warnings for an object, as kubectl prints them (`Warning: …`). */
export function warningsFor(object: object): string[] {
  const obj = object as Obj;
  const warnings: string[] = [];
  const ann = annotationsOf(obj);
  const spec = isObj(obj['spec']) ? obj['spec'] : {};
  switch (obj['kind']) {
    case 'PersistentVolume': {
      if (BETA_STORAGE_CLASS in ann) warnings.push(`metadata.annotations[${BETA_STORAGE_CLASS}]: deprecated since v1.8; use "storageClassName" attribute instead`);
      if (MOUNT_OPTIONS_ANNOTATION in ann) warnings.push(`metadata.annotations[${MOUNT_OPTIONS_ANNOTATION}]: deprecated since v1.31; use "mountOptions" attribute instead`);
      if (spec['persistentVolumeReclaimPolicy'] === 'Recycle') {
        warnings.push('spec.persistentVolumeReclaimPolicy: The Recycle reclaim policy is deprecated. Instead, the recommended approach is to use dynamic provisioning.');
      }
      const affinity = spec['nodeAffinity'];
      const req = isObj(affinity) ? affinity['required'] : undefined;
      list(isObj(req) ? req['nodeSelectorTerms'] : undefined).forEach((term, i) => {
        list(isObj(term) ? term['matchExpressions'] : undefined).forEach((e, j) => {
          const key = str(isObj(e) ? e['key'] : '');
          const msg = DEPRECATED_NODE_LABELS[key];
          if (msg) warnings.push(`spec.nodeAffinity.required.nodeSelectorTerms[${i}].matchExpressions[${j}].key: ${key} is ${msg}`);
        });
      });
      for (const [key, text] of DEPRECATED_PV_SOURCES) if (present(spec[key])) warnings.push(text);
      break;
    }
    case 'PersistentVolumeClaim': {
      if (BETA_STORAGE_CLASS in ann) warnings.push(`metadata.annotations[${BETA_STORAGE_CLASS}]: deprecated since v1.8; use "storageClassName" attribute instead`);
      const resources = isObj(spec['resources']) ? spec['resources'] : {};
      for (const part of ['requests', 'limits']) {
        const rl = resources[part];
        if (!isObj(rl) || !present(rl['storage'])) continue;
        const q = quantityOrZero(rl['storage']);
        if (q.num % q.den !== 0n) {
          warnings.push(`spec.resources.${part}[storage]: fractional byte value ${JSON.stringify(formatQuantity(q))} is invalid, must be an integer`);
        }
      }
      break;
    }
    case 'StorageClass': {
      list(obj['allowedTopologies']).forEach((term, i) => {
        list(isObj(term) ? term['matchLabelExpressions'] : undefined).forEach((e, j) => {
          const key = str(isObj(e) ? e['key'] : '');
          const msg = DEPRECATED_NODE_LABELS[key];
          if (msg) warnings.push(`allowedTopologies[${i}].matchLabelExpressions[${j}].key: ${key} is ${msg}`);
        });
      });
      break;
    }
    default:
      break;
  }
  return warnings.map((w) => `Warning: ${w}`);
}
