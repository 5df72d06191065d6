/**
 * Design: invariants over time, which one snapshot of the cluster cannot state, kept by a tracker
 * that the harness shows the cluster after every step (`observe`), as the write tracker is told
 * of writes. Its memory is plain JSON.
 *
 * - **Capacity never shrinks**: a claim's `status.capacity`, a PV's `spec.capacity` and a backend
 *   volume's size only grow (expansion); and a claim never shows more than its PV has.
 * - **A snapshot's contents never change**: a driver's snapshot (`csisnap.<driver>.<id>`
 *   Filesystem) keeps the files it was cut with.
 * - **A restored volume holds exactly the snapshot's contents**: when a PV first appears for a
 *   claim whose dataSource is a VolumeSnapshot, its volume's files are the snapshot's.
 */
import { compareQuantities, csiFilesystemName, csiSnapshotObjectName, csiSourceOf, parseQuantity, type Quantity } from '@pvsim/domain';
import { backendVolumesOf, claimsOf, filesystemsOf, namespacedKey, volumesOf, type ClusterView, type ViewObject } from './view.ts';

export interface HistoryTrackerState {
  /** `pvc/<ns>/<name>`, `pv/<name>`, `csi/<object name>` -> last size seen (a quantity text or bytes). */
  sizes: Record<string, string>;
  /** Snapshot Filesystem name -> its files as JSON when first seen. */
  snapshots: Record<string, string>;
  /** PVs already checked against the snapshot they were restored from. */
  restoresSeen: string[];
}

export interface HistoryTracker {
  /** What went wrong since the last observation (empty: nothing). */
  observe(view: ClusterView): string[];
  readonly state: HistoryTrackerState;
}

function quantity(v: string | undefined): Quantity | undefined {
  if (v === undefined) return undefined;
  try { return parseQuantity(v); } catch { return undefined; }
}

interface SnapshotView extends ViewObject { status?: { boundVolumeSnapshotContentName?: string } }
interface ContentView extends ViewObject { spec: { driver: string }; status?: { snapshotHandle?: string } }

export function createHistoryTracker(options: { state?: HistoryTrackerState } = {}): HistoryTracker {
  const state: HistoryTrackerState = options.state ? structuredClone(options.state) : { sizes: {}, snapshots: {}, restoresSeen: [] };
  return {
    state,
    observe(view) {
      const problems: string[] = [];
      const sizes: [string, string | undefined][] = [];
      for (const c of claimsOf(view)) sizes.push([`pvc/${namespacedKey(c)}`, c.status?.capacity?.['storage']]);
      for (const v of volumesOf(view)) sizes.push([`pv/${v.metadata.name}`, v.spec.capacity?.['storage']]);
      for (const b of backendVolumesOf(view)) sizes.push([`csi/${b.metadata.name}`, (b.spec as { capacityBytes?: string }).capacityBytes]);
      for (const [key, now] of sizes) {
        const q = quantity(now);
        const before = quantity(state.sizes[key]);
        if (q && before && compareQuantities(q, before) < 0) problems.push(`${key}: capacity shrank from ${state.sizes[key]} to ${now}`);
        if (now !== undefined && q) state.sizes[key] = now;
      }
      const pvs = new Map(volumesOf(view).map((v) => [v.metadata.name, v]));
      for (const c of claimsOf(view)) {
        const pv = c.spec.volumeName ? pvs.get(c.spec.volumeName) : undefined;
        const shown = quantity(c.status?.capacity?.['storage']);
        const has = quantity(pv?.spec.capacity?.['storage']);
        if (c.status?.phase === 'Bound' && shown && has && compareQuantities(shown, has) > 0) {
          problems.push(`pvc/${namespacedKey(c)}: shows ${c.status.capacity!['storage']}, more than its PV's ${pv!.spec.capacity!['storage']}`);
        }
      }
      const files = new Map(filesystemsOf(view).map((f) => [f.metadata.name, f]));
      for (const [name, f] of files) {
        if (!name.startsWith('csisnap.')) continue;
        const now = JSON.stringify(f.status);
        const was = state.snapshots[name];
        if (was !== undefined && was !== now) problems.push(`snapshot ${name}: its files changed`);
        state.snapshots[name] = was ?? now;
      }
      const snapshots = new Map((view.list('VolumeSnapshot') as readonly SnapshotView[]).map((s) => [namespacedKey(s), s]));
      const contents = new Map((view.list('VolumeSnapshotContent') as readonly ContentView[]).map((c) => [c.metadata.name, c]));
      for (const c of claimsOf(view)) {
        const ds = c.spec.dataSource ?? c.spec.dataSourceRef;
        const pv = c.spec.volumeName ? pvs.get(c.spec.volumeName) : undefined;
        if (!pv || ds?.kind !== 'VolumeSnapshot' || state.restoresSeen.includes(pv.metadata.name)) continue;
        state.restoresSeen.push(pv.metadata.name);
        const vs = snapshots.get(`${c.metadata.namespace ?? 'default'}/${ds.name}`);
        const content = vs?.status?.boundVolumeSnapshotContentName ? contents.get(vs.status.boundVolumeSnapshotContentName) : undefined;
        const csi = csiSourceOf(pv);
        if (!content?.status?.snapshotHandle || !csi) continue;
        const snap = state.snapshots[csiSnapshotObjectName(content.spec.driver, content.status.snapshotHandle)];
        const restored = files.get(csiFilesystemName(csi.driver, csi.volumeHandle));
        if (snap !== undefined && restored && JSON.stringify(restored.status) !== snap) {
          problems.push(`pv/${pv.metadata.name}: restored from ${ds.name} but its files differ from the snapshot's`);
        }
      }
      state.restoresSeen.sort();
      return problems;
    },
  };
}
