/**
 * Design: validation of the snapshot.storage.k8s.io/v1 CRDs as their OpenAPI schema and
 * x-kubernetes-validations rules (external-snapshotter client/config/crd) word it: required
 * fields, the deletionPolicy enum, exactly one source, and a source that never changes.
 */
import { GoLiteral, invalid, notSupported, required, type FieldError } from './errors.ts';
import { deepEqual, isObj, obj, present, str, type Obj } from './fieldChecks.ts';

const POLICIES = ['Delete', 'Retain'];

function policy(v: unknown, path: string): FieldError[] {
  if (!present(v) || str(v) === '') return [required(path)];
  return POLICIES.includes(str(v)) ? [] : [notSupported(path, v, POLICIES)];
}

const object = new GoLiteral('"object"');

export function validateVolumeSnapshotClass(c: Obj): FieldError[] {
  const errs: FieldError[] = [];
  if (str(c['driver']) === '') errs.push(required('driver'));
  errs.push(...policy(c['deletionPolicy'], 'deletionPolicy'));
  return errs;
}

export function validateVolumeSnapshot(vs: Obj, old?: Obj): FieldError[] {
  if (!isObj(vs['spec'])) return [required('spec')];
  const source = obj(vs['spec']['source']);
  if (!isObj(vs['spec']['source'])) return [required('spec.source')];
  const errs: FieldError[] = [];
  if (present(source['persistentVolumeClaimName']) === present(source['volumeSnapshotContentName'])) {
    errs.push(invalid('spec.source', object, 'Exactly one of volumeSnapshotContentName and persistentVolumeClaimName must be set'));
  }
  if (old) {
    const was = obj(obj(old['spec'])['source']);
    if (!deepEqual(source['persistentVolumeClaimName'] ?? null, was['persistentVolumeClaimName'] ?? null)) {
      errs.push(invalid('spec.source.persistentVolumeClaimName', source['persistentVolumeClaimName'] ?? null, 'persistentVolumeClaimName is immutable'));
    }
    if (!deepEqual(source['volumeSnapshotContentName'] ?? null, was['volumeSnapshotContentName'] ?? null)) {
      errs.push(invalid('spec.source.volumeSnapshotContentName', source['volumeSnapshotContentName'] ?? null, 'volumeSnapshotContentName is immutable'));
    }
  }
  return errs;
}

export function validateVolumeSnapshotContent(c: Obj, old?: Obj): FieldError[] {
  if (!isObj(c['spec'])) return [required('spec')];
  const spec = c['spec'];
  const errs: FieldError[] = [];
  if (str(spec['driver']) === '') errs.push(required('spec.driver'));
  errs.push(...policy(spec['deletionPolicy'], 'spec.deletionPolicy'));
  const source = obj(spec['source']);
  if (!isObj(spec['source'])) errs.push(required('spec.source'));
  else if (present(source['volumeHandle']) === present(source['snapshotHandle'])) {
    errs.push(invalid('spec.source', object, 'exactly one of volumeHandle and snapshotHandle must be set'));
  }
  const ref = obj(spec['volumeSnapshotRef']);
  if (!isObj(spec['volumeSnapshotRef'])) errs.push(required('spec.volumeSnapshotRef'));
  else if (str(ref['name']) === '' || str(ref['namespace']) === '') {
    errs.push(invalid('spec.volumeSnapshotRef', object, 'both spec.volumeSnapshotRef.name and spec.volumeSnapshotRef.namespace must be set'));
  }
  if (old && !deepEqual(spec['source'] ?? null, obj(old['spec'])['source'] ?? null)) errs.push(invalid('spec.source', object, 'source is immutable'));
  return errs;
}
