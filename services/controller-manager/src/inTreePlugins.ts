/**
 * Design: pvsim's simulated in-tree volume plugins, for what the PV controller reclaims itself.
 * They follow Kubernetes' real plugins: hostPath deletes only under /tmp (its deleter refuses any
 * other path) and can recycle; nfs can recycle but not delete. Anything else with policy Delete
 * and no plugin goes Failed, as on a real cluster; CSI volumes wait for their external deleter.
 */
import type { PersistentVolume } from '@pvsim/domain';
import type { VolumePlugin } from './plugins.ts';

const hostPath: VolumePlugin = {
  name: 'kubernetes.io/host-path',
  supportsMountOption: false,
  canSupport: (pv) => pv.spec['hostPath'] !== undefined,
  newDeleter(pv: PersistentVolume) {
    const path = String((pv.spec['hostPath'] as { path?: string } | undefined)?.path ?? '');
    if (!/^\/tmp\/.+/.test(path)) throw new Error(`host_path deleter only supports /tmp/.+ but received provided ${path}`);
    return () => undefined;
  },
  recycle: () => undefined,
};

const nfs: VolumePlugin = {
  name: 'kubernetes.io/nfs',
  supportsMountOption: true,
  canSupport: (pv) => pv.spec['nfs'] !== undefined,
  recycle: () => undefined,
};

export function inTreePlugins(): VolumePlugin[] {
  return [hostPath, nfs];
}
