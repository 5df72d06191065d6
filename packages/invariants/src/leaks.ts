/**
 * Design: a backend volume nobody can reach is storage paid for and lost. Once the controllers
 * have converged, every simulated driver volume (CSIVolume) is the volume of some PV — by driver
 * and volumeHandle, whatever the PV's phase — and every CSI volume's files (Filesystem
 * `csi.<driver>.<id>`) belong to a backend volume that still exists. Mid-run neither holds: the
 * external provisioner creates the backend volume before its PV, and deletes it before the PV.
 * A PV deleted under Retain leaves its backend volume to the administrator on purpose (spec §7);
 * the caller names those in `retained`.
 */
import { csiSourceOf, csiVolumeObjectName } from '@pvsim/domain';
import { backendVolumesOf, filesystemsOf, volumesOf, type ClusterView } from './view.ts';

export interface BackendLeakOptions {
  /** CSIVolume names that may outlive their PV: the volumes of PVs deleted under Retain. */
  retained?: readonly string[];
}

export function backendLeaks(view: ClusterView, options: BackendLeakOptions = {}): string[] {
  const out: string[] = [];
  const retained = new Set(options.retained ?? []);
  const referenced = new Set(volumesOf(view).map((v) => csiSourceOf(v)).filter((c) => c !== undefined).map((c) => csiVolumeObjectName(c.driver, c.volumeHandle)));
  const backends = backendVolumesOf(view);
  for (const cv of backends) {
    const name = csiVolumeObjectName(cv.spec.driver, cv.spec.volumeId);
    if (!referenced.has(name) && !retained.has(cv.metadata.name)) out.push(`backend volume ${cv.metadata.name} is leaked: no PV has volumeHandle ${cv.spec.volumeId}`);
  }
  const backendNames = new Set(backends.map((cv) => cv.metadata.name));
  for (const fs of filesystemsOf(view)) {
    const name = fs.metadata.name;
    if (name.startsWith('csi.') && !backendNames.has(name.slice('csi.'.length))) out.push(`Filesystem ${name} outlived its backend volume`);
  }
  return out;
}
