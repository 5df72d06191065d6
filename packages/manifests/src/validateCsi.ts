/**
 * Design: the API server's validation and defaults of the two CSI registration objects
 * (storage.k8s.io/v1), as Kubernetes v1.34 has them in K/pkg/apis/storage/validation/validation.go
 * (ValidateCSIDriver, ValidateCSIDriverUpdate, ValidateCSINode, ValidateCSINodeUpdate) and
 * K/pkg/apis/storage/v1/defaults.go (SetDefaults_CSIDriver). Kept apart from validate.ts so the
 * kinds pvsim gained for attach limits do not touch the PV/PVC rules.
 */
import { duplicate, invalid, notSupported, required, tooLong, type FieldError } from './errors.ts';
import { csiDriverNameErrors, deepEqual, isObj, obj, str, type Obj } from './fieldChecks.ts';

const LIFECYCLE_MODES = ['Persistent', 'Ephemeral'] as const;
const FS_GROUP_POLICIES = ['ReadWriteOnceWithFSType', 'File', 'None'] as const;
/** csiNodeIDMaxLength (the CSI spec's 192 bytes for NodeGetInfo's node_id). */
const NODE_ID_MAX = 192;

/** SetDefaults_CSIDriver: every optional switch gets its v1 default. */
export function defaultCsiDriver(spec: Obj): void {
  if (spec['attachRequired'] === undefined || spec['attachRequired'] === null) spec['attachRequired'] = true;
  if (spec['podInfoOnMount'] === undefined || spec['podInfoOnMount'] === null) spec['podInfoOnMount'] = false;
  if (spec['storageCapacity'] === undefined || spec['storageCapacity'] === null) spec['storageCapacity'] = false;
  if (spec['fsGroupPolicy'] === undefined || spec['fsGroupPolicy'] === null) spec['fsGroupPolicy'] = 'ReadWriteOnceWithFSType';
  if (spec['requiresRepublish'] === undefined || spec['requiresRepublish'] === null) spec['requiresRepublish'] = false;
  if (!Array.isArray(spec['volumeLifecycleModes']) || spec['volumeLifecycleModes'].length === 0) spec['volumeLifecycleModes'] = ['Persistent'];
  if (spec['seLinuxMount'] === undefined || spec['seLinuxMount'] === null) spec['seLinuxMount'] = false;
}

export function validateCsiDriver(d: Obj): FieldError[] {
  const errs = csiDriverNameErrors(str(obj(d['metadata'])['name']), 'metadata.name');
  const spec = obj(d['spec']);
  for (const f of ['attachRequired', 'podInfoOnMount', 'storageCapacity', 'requiresRepublish'] as const) {
    if (typeof spec[f] !== 'boolean') errs.push(required(`spec.${f}`));
  }
  const policy = spec['fsGroupPolicy'];
  if (!(FS_GROUP_POLICIES as readonly unknown[]).includes(policy)) errs.push(notSupported('spec.fsGroupPolicy', policy, FS_GROUP_POLICIES));
  const modes = Array.isArray(spec['volumeLifecycleModes']) ? spec['volumeLifecycleModes'] : [];
  modes.forEach((m, i) => {
    if (!(LIFECYCLE_MODES as readonly unknown[]).includes(m)) errs.push(notSupported(`spec.volumeLifecycleModes[${i}]`, m, LIFECYCLE_MODES));
  });
  return errs;
}

/** ValidateCSIDriverUpdate: attachRequired, fsGroupPolicy and volumeLifecycleModes are immutable. */
export function validateCsiDriverUpdate(d: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const [spec, prev] = [obj(d['spec']), obj(old['spec'])];
  for (const f of ['attachRequired', 'fsGroupPolicy', 'volumeLifecycleModes'] as const) {
    if (!deepEqual(spec[f] ?? null, prev[f] ?? null)) errs.push(invalid(`spec.${f}`, spec[f], 'field is immutable'));
  }
  return errs;
}

export function validateCsiNode(n: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const drivers = Array.isArray(obj(n['spec'])['drivers']) ? (obj(n['spec'])['drivers'] as unknown[]) : undefined;
  if (drivers === undefined) return [required('spec.drivers')];
  const seen = new Set<string>();
  drivers.forEach((raw, i) => {
    const d = isObj(raw) ? raw : {};
    const path = `spec.drivers[${i}]`;
    const name = str(d['name']);
    errs.push(...csiDriverNameErrors(name, `${path}.name`));
    if (seen.has(name)) errs.push(duplicate(`${path}.name`, name));
    seen.add(name);
    const nodeID = str(d['nodeID']);
    if (nodeID === '') errs.push(required(`${path}.nodeID`));
    else if (Buffer.byteLength(nodeID) > NODE_ID_MAX) errs.push(tooLong(`${path}.nodeID`, NODE_ID_MAX));
    const count = obj(d['allocatable'])['count'];
    if (count !== undefined && count !== null && (typeof count !== 'number' || !Number.isInteger(count) || count < 0)) {
      errs.push(invalid(`${path}.allocatable.count`, count, 'must be greater than or equal to 0'));
    }
  });
  return errs;
}

/** ValidateCSINodeUpdate: a driver's nodeID and topologyKeys do not change while it is registered. */
export function validateCsiNodeUpdate(n: Obj, old: Obj): FieldError[] {
  const errs: FieldError[] = [];
  const list = (o: Obj) => (Array.isArray(obj(o['spec'])['drivers']) ? (obj(o['spec'])['drivers'] as unknown[]).map((d) => obj(d)) : []);
  const before = new Map(list(old).map((d) => [str(d['name']), d]));
  list(n).forEach((d, i) => {
    const was = before.get(str(d['name']));
    if (!was) return;
    if (str(d['nodeID']) !== str(was['nodeID'])) errs.push(invalid(`spec.drivers[${i}].nodeID`, d['nodeID'], 'field is immutable'));
    if (!deepEqual(d['topologyKeys'] ?? null, was['topologyKeys'] ?? null)) errs.push(invalid(`spec.drivers[${i}].topologyKeys`, d['topologyKeys'], 'field is immutable'));
  });
  return errs;
}
