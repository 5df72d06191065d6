/**
 * Design: what the API server does to an object between decoding it and storing it, as pure
 * functions that return a new object and never touch their input:
 *  - `applyDefaults` = the defaulting functions run on every decode (K/pkg/apis/core/v1/defaults.go
 *    `SetDefaults_PersistentVolume`, `…Claim`, `…ClaimSpec`, `…HostPathVolumeSource`, storage/v1
 *    `SetDefaults_StorageClass`; spec §1), plus two decode-time normalisations a user sees in
 *    `get -o yaml`: quantities come back in canonical form (`5120Mi` → `5Gi`, as `resource.Quantity`
 *    re-serialises) and a namespace written on a cluster-scoped object is dropped (apiserver
 *    `rest.BeforeCreate` clears it rather than rejecting it).
 *  - `prepareForCreate` = the registry strategies' `PrepareForCreate`: client-written status is
 *    discarded, so a provisioner's "already Bound" PV starts Pending (spec §1, §15.8).
 */

import { formatQuantity, parseQuantity } from '@pvsim/domain';
import { resourceTypeForKind } from './kinds.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

function child(parent: Obj, key: string): Obj {
  const existing = parent[key];
  if (isObj(existing)) return existing;
  const created: Obj = {};
  parent[key] = created;
  return created;
}

const unset = (v: unknown): boolean => v === undefined || v === null || v === '';

/** Canonical form of every quantity in a resource list; values that do not parse are left for validation. */
function canonicalQuantities(list: unknown): void {
  if (!isObj(list)) return;
  for (const [k, v] of Object.entries(list)) {
    if (typeof v !== 'string' && typeof v !== 'number') continue;
    try {
      list[k] = formatQuantity(parseQuantity(String(v)));
    } catch {
      // invalid quantity: validation reports it with the file and line
    }
  }
}

function defaultVolumeSources(spec: Obj): void {
  const hostPath = spec['hostPath'];
  if (isObj(hostPath) && hostPath['type'] === undefined) hostPath['type'] = '';
  const iscsi = spec['iscsi'];
  if (isObj(iscsi) && unset(iscsi['iscsiInterface'])) iscsi['iscsiInterface'] = 'default';
  const rbd = spec['rbd'];
  if (isObj(rbd)) {
    if (unset(rbd['pool'])) rbd['pool'] = 'rbd';
    if (unset(rbd['user'])) rbd['user'] = 'admin';
    if (unset(rbd['keyring'])) rbd['keyring'] = '/etc/ceph/keyring';
  }
  const azureDisk = spec['azureDisk'];
  if (isObj(azureDisk)) {
    if (azureDisk['cachingMode'] === undefined) azureDisk['cachingMode'] = 'ReadWrite';
    if (azureDisk['kind'] === undefined) azureDisk['kind'] = 'Shared';
    if (azureDisk['fsType'] === undefined) azureDisk['fsType'] = 'ext4';
    if (azureDisk['readOnly'] === undefined) azureDisk['readOnly'] = false;
  }
}

/** Returns a copy of `object` with the API server's defaults applied. */
export function applyDefaults<T extends object>(object: T): T {
  const out = structuredClone(object) as Obj;
  const kind = out['kind'];
  const type = typeof kind === 'string' ? resourceTypeForKind(kind) : undefined;
  const meta = out['metadata'];
  if (type && !type.namespaced && isObj(meta) && 'namespace' in meta) delete meta['namespace'];

  switch (kind) {
    case 'PersistentVolume': {
      const spec = child(out, 'spec');
      if (unset(spec['persistentVolumeReclaimPolicy'])) spec['persistentVolumeReclaimPolicy'] = 'Retain';
      if (unset(spec['volumeMode'])) spec['volumeMode'] = 'Filesystem';
      canonicalQuantities(spec['capacity']);
      defaultVolumeSources(spec);
      const status = child(out, 'status');
      if (unset(status['phase'])) status['phase'] = 'Pending';
      break;
    }
    case 'PersistentVolumeClaim': {
      const spec = child(out, 'spec');
      if (unset(spec['volumeMode'])) spec['volumeMode'] = 'Filesystem';
      const resources = spec['resources'];
      if (isObj(resources)) {
        canonicalQuantities(resources['requests']);
        canonicalQuantities(resources['limits']);
      }
      const status = child(out, 'status');
      if (unset(status['phase'])) status['phase'] = 'Pending';
      canonicalQuantities(status['capacity']);
      break;
    }
    case 'StorageClass': {
      if (unset(out['reclaimPolicy'])) out['reclaimPolicy'] = 'Delete';
      if (unset(out['volumeBindingMode'])) out['volumeBindingMode'] = 'Immediate';
      break;
    }
    default:
      break;
  }
  return out as T;
}

/**
 * The registry's `PrepareForCreate`: status written by the client is dropped. A PV then starts
 * `Pending` (with `lastPhaseTransitionTime` = `now` when given, PersistentVolumeLastPhaseTransitionTime
 * being GA); a PVC starts `Pending`. Other kinds are returned as a plain copy.
 */
export function prepareForCreate<T extends object>(object: T, now?: string): T {
  const out = structuredClone(object) as Obj;
  switch (out['kind']) {
    case 'PersistentVolume':
      out['status'] = now === undefined ? { phase: 'Pending' } : { phase: 'Pending', lastPhaseTransitionTime: now };
      break;
    case 'PersistentVolumeClaim':
      out['status'] = { phase: 'Pending' };
      break;
    default:
      break;
  }
  return out as T;
}
