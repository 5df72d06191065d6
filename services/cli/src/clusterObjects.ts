/**
 * Design: creating a fresh cluster's own objects (services/world/src/profiles.ts) in a session's
 * store, with the API server's defaults, then letting the controllers settle — shared by the
 * session that starts a cluster on an empty log and by `log verify`, which re-executes the
 * recorded ClusterInitRequested input. It imports neither the session nor the inputs, so both can
 * use it.
 */
import { applyDefaults, prepareForCreate, resolveKind } from '@pvsim/manifests';
import { clusterInitObjects, DEFAULT_CLUSTER_SHAPE, type ClusterShape } from '@pvsim/world';
import type { AnyObject, ObjectStore, StoredKind } from '@pvsim/runtime';

export const CLUSTER_INIT_INPUT = 'ClusterInitRequested';

export interface ClusterInitData extends ClusterShape { seed: number }

export function defaultClusterInit(seed: number): ClusterInitData {
  return { seed, ...DEFAULT_CLUSTER_SHAPE };
}

export function performClusterInit(s: { store: ObjectStore; now: string; settle(): unknown }, shape: ClusterShape): void {
  for (const o of clusterInitObjects(shape, s.now) as AnyObject[]) {
    const kind = resolveKind(o.apiVersion, o.kind)!.kind as StoredKind;
    s.store.create(kind, prepareForCreate(applyDefaults(o), s.now) as AnyObject);
  }
  s.settle();
}
