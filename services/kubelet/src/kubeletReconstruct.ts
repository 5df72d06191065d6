/**
 * Design: how a kubelet that starts (a fresh instance: a crash and restart, or a CLI process that
 * folded the log) rebuilds its actual state of the world — K/pkg/kubelet/volumemanager/reconciler
 * `reconstructVolumes`, which scans the pod directories and the node's mount table instead of
 * trusting any memory. This is the ONLY place the kubelet reads the CSI drivers' backend objects
 * (CSIVolume) or the Filesystem objects to learn what is set up; during syncs it knows that from
 * the results of its own calls (kubeletDecisions.ts, `mark*`).
 *
 * Why it reads store objects rather than a CSI call: pvsim's nodes have no mount table of their
 * own — the drivers' backend (`CSIVolume.status.staged` / `.published`, per node) is the only
 * record of what is mounted on a node — and neither CSI nor the `CsiDriverPort` offers a node-side
 * listing RPC (ListVolumes reports controller publications only, NodeGetVolumeStats needs a path
 * one already knows). So the observation of "the node's mounts" is a read of that record, made
 * once at start-up and never during a sync. A `NodeListMounts`-style call on the port would let
 * this function ask the driver instead; nothing else would change. emptyDir directories are
 * found, as the real kubelet finds `kubernetes.io~empty-dir` directories, by their Filesystem
 * objects (`emptydir.<podUid>.<volume>`, `spec.node` this node).
 */
import type { Client } from '@pvsim/runtime';
import { canonicalActualState, type KubeletActualState } from './kubeletDecisions.ts';
import type { CsiVolumeObject, FilesystemObject } from '@pvsim/domain';

export function reconstructActualState(client: Pick<Client, 'byIndex'>, nodeName: string): KubeletActualState {
  const state: KubeletActualState = { staged: [], published: [], emptyDirs: [] };
  // Backend objects in name order (those on this node: an index, not a scan of every volume); a
  // volume's targets in the order they were published.
  for (const cv of client.byIndex('csiVolumesByNode', nodeName) as unknown as CsiVolumeObject[]) {
    const { driver, volumeId } = cv.spec;
    const staged = cv.status?.staged?.[nodeName];
    if (staged !== undefined) state.staged.push({ driver, volumeId, stagingTargetPath: staged });
    for (const [targetPath, p] of Object.entries(cv.status?.published ?? {})) {
      if (p.node === nodeName) state.published.push({ driver, volumeId, targetPath, readonly: p.readonly === true });
    }
  }
  for (const fs of client.byIndex('filesystemsByNode', nodeName) as unknown as FilesystemObject[]) {
    const spec = fs.spec ?? {};
    if (spec['type'] === 'emptyDir' && spec['node'] === nodeName && typeof spec['pod'] === 'string' && typeof spec['volume'] === 'string') {
      state.emptyDirs.push({ podUid: spec['pod'], volume: spec['volume'] });
    }
  }
  return canonicalActualState(state);
}
