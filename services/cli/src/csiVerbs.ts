/**
 * Design: `pvsim csi ls` shows what the simulated drivers hold — every backend volume with its
 * size, topology, where it is published, staged and mounted, how much data it has, and the PV
 * that refers to it. A volume no PV refers to is a leak on a real cluster, so it is flagged.
 */
import { csiFilesystemName, formatQuantity, usedBytes, type FsState } from '@pvsim/domain';
import { formatTabbed } from '@pvsim/manifests';
import type { CliIO, GlobalOptions } from './verbTypes.ts';
import { openSession } from './session.ts';

interface CsiVolumeObj {
  metadata: { name: string };
  spec: { driver: string; volumeId: string; name?: string; capacityBytes?: string; accessibleTopology?: Record<string, string>[] };
  status?: { publishedNodes?: Record<string, unknown>; staged?: Record<string, unknown>; published?: Record<string, { node?: string }> };
}

function bytesText(bytes: string | undefined): string {
  if (!bytes || bytes === '0') return '<unknown>';
  const b = BigInt(bytes);
  const gib = 1024n ** 3n;
  return b % gib === 0n ? `${b / gib}Gi` : formatQuantity({ num: b, den: 1n, format: 'BinarySI' });
}

export function csiLs(io: CliIO, g: GlobalOptions, driver: string | undefined): number {
  const s = openSession(g);
  const vols = (s.store.list('CSIVolume') as unknown as CsiVolumeObj[]).filter((v) => !driver || v.spec.driver === driver);
  if (vols.length === 0) {
    io.stderr(driver ? `No volumes found for driver ${driver}.\n` : 'No CSI volumes found.\n');
    return 0;
  }
  const pvs = s.store.listVolumes();
  const rows = [['DRIVER', 'VOLUME ID', 'NAME', 'SIZE', 'TOPOLOGY', 'PUBLISHED TO', 'STAGED ON', 'MOUNTS', 'USED', 'PV']];
  for (const v of vols) {
    const pv = pvs.find((p) => {
      const csi = p.spec['csi'] as { driver?: string; volumeHandle?: string } | undefined;
      return csi?.driver === v.spec.driver && csi.volumeHandle === v.spec.volumeId;
    });
    const fs = s.store.get('Filesystem', csiFilesystemName(v.spec.driver, v.spec.volumeId)) as { status?: FsState } | undefined;
    const topo = (v.spec.accessibleTopology ?? []).map((t) => Object.values(t).join('/')).join(',') || '<none>';
    const list = (o: Record<string, unknown> | undefined) => Object.keys(o ?? {}).sort().join(',') || '<none>';
    const mounts = Object.keys(v.status?.published ?? {}).length;
    rows.push([
      v.spec.driver, v.spec.volumeId, v.spec.name ?? '', bytesText(v.spec.capacityBytes), topo,
      list(v.status?.publishedNodes), list(v.status?.staged), String(mounts),
      fs?.status ? `${usedBytes(fs.status)}B` : '0B', pv ? pv.metadata.name : '<none> (leaked)',
    ]);
  }
  io.stdout(formatTabbed(rows.map((r) => r.join('\t')).join('\n') + '\n', { minwidth: 6, padding: 3 }));
  return 0;
}
