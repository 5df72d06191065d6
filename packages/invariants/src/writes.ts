/**
 * Design: "what was written to a Retain volume can be read again" needs to know what was
 * written, which no snapshot of the cluster says; so the harness that performs the writes tells
 * a tracker (`noteWrite`), and `check` compares the volumes' Filesystem objects with it. A Retain
 * volume's backend outlives its claim and even its PV (spec §7), so its files must be there
 * whatever has happened since. A Delete volume's files are only owed while its PV exists and is
 * not yet being reclaimed (not Released or Failed). The tracker's memory is plain JSON.
 */
import { csiFilesystemName, csiSourceOf, csiVolumeObjectName, isFile, readFile, type PersistentVolume } from '@pvsim/domain';
import { filesystemsOf, phaseOf, volumesOf, type ClusterView } from './view.ts';

export interface WrittenVolume {
  driver: string;
  volumeHandle: string;
  /** The PV the writes went through. */
  pv: string;
  /** The PV's reclaim policy at the last write was Retain. */
  retain: boolean;
  /** Path inside the volume -> contents of the last write there. */
  files: Record<string, string>;
}

export interface WriteTrackerState {
  /** By CSIVolume name (`csiVolumeObjectName(driver, volumeHandle)`). */
  volumes: Record<string, WrittenVolume>;
}

export interface WriteTracker {
  /** A write that succeeded: `contents` is now at `path` (absolute, inside the volume) of the PV's CSI volume. */
  noteWrite(pv: PersistentVolume, path: string, contents: string): void;
  /** What of the noted writes can no longer be read back. */
  check(view: ClusterView): string[];
  readonly state: WriteTrackerState;
}

export function createWriteTracker(options: { state?: WriteTrackerState } = {}): WriteTracker {
  const state: WriteTrackerState = options.state ? structuredClone(options.state) : { volumes: {} };
  return {
    state,
    noteWrite(pv, path, contents) {
      const csi = csiSourceOf(pv);
      if (!csi) throw new Error(`noteWrite: PV ${pv.metadata.name} is not a CSI volume`);
      const key = csiVolumeObjectName(csi.driver, csi.volumeHandle);
      const w = state.volumes[key] ?? { driver: csi.driver, volumeHandle: csi.volumeHandle, pv: pv.metadata.name, retain: false, files: {} };
      w.pv = pv.metadata.name;
      w.retain = pv.spec.persistentVolumeReclaimPolicy === 'Retain';
      w.files[path] = contents;
      state.volumes[key] = w;
    },
    check(view) {
      const out: string[] = [];
      const filesystems = new Map(filesystemsOf(view).map((f) => [f.metadata.name, f]));
      const volumes = new Map(volumesOf(view).map((v) => [v.metadata.name, v]));
      for (const w of Object.values(state.volumes)) {
        const what = `${w.retain ? 'Retain' : 'Delete'} volume ${w.pv} (${w.volumeHandle})`;
        if (!w.retain) {
          const pv = volumes.get(w.pv);
          const same = csiSourceOf(pv);
          if (!pv || same?.driver !== w.driver || same.volumeHandle !== w.volumeHandle || ['Released', 'Failed'].includes(phaseOf(pv))) continue;
        }
        const fs = filesystems.get(csiFilesystemName(w.driver, w.volumeHandle));
        for (const [path, contents] of Object.entries(w.files)) {
          if (!fs) { out.push(`data lost: ${path} on ${what}: its Filesystem is gone`); continue; }
          const now = isFile(fs.status, path) ? readFile(fs.status, path) : undefined;
          if (now !== contents) out.push(`data lost: ${path} on ${what} holds ${JSON.stringify(now)}, ${JSON.stringify(contents)} was written`);
        }
      }
      return out;
    },
  };
}
