/**
 * Design: "a Released PV never becomes Available again while its claimRef keeps the old uid"
 * (spec §3) is about history, which a snapshot cannot show, so it is a small tracker fed every
 * change of a PV. Its whole memory is plain JSON (`state`), so a simulation can snapshot, fork
 * and restore it with the rest of the world. PVs are keyed by name and uid: a PV deleted and
 * created again under the same name starts a new history.
 */
import type { PersistentVolume } from '@pvsim/domain';
import { phaseOf, type ViewObject } from './view.ts';

export interface ReleaseTrackerState {
  /** `pvName|pvUid` -> uid of the claim the PV was Released from (Retain or Delete). */
  releasedFrom: Record<string, string>;
  /** How many PVs were ever seen Released (a coverage count; deletions do not lower it). */
  releases: number;
}

export interface ReleaseTrackerOptions {
  /**
   * No administrator edits PVs in this run, so more is known: under Retain, Released is final
   * until the PV is deleted; under Delete the PV only goes Failed (no deleter) or away (spec §7).
   * Off by default: an administrator may clear claimRef to make a Released PV Available.
   */
  strict?: boolean;
  /** A state to resume from (a previous tracker's `state`). */
  state?: ReleaseTrackerState;
}

export interface ReleaseTracker {
  /**
   * One change of a stored object (`old` before, `next` after; undefined when created / deleted).
   * Kinds other than PersistentVolume are ignored. Returns what the change broke.
   */
  observe(kind: string, old: ViewObject | undefined, next: ViewObject | undefined): string[];
  /** The tracker's memory, as JSON. */
  readonly state: ReleaseTrackerState;
}

const keyOf = (pv: PersistentVolume) => `${pv.metadata.name}|${pv.metadata.uid ?? ''}`;

/** The claim uid a PV in this state counts as Released from, if it counts as Released at all. */
function releasedUid(pv: PersistentVolume): string | undefined {
  const uid = pv.spec.claimRef?.uid ?? '';
  const policy = pv.spec.persistentVolumeReclaimPolicy ?? 'Retain';
  return phaseOf(pv) === 'Released' && (policy === 'Retain' || policy === 'Delete') && uid !== '' ? uid : undefined;
}

export function createReleaseTracker(options: ReleaseTrackerOptions = {}): ReleaseTracker {
  const state: ReleaseTrackerState = options.state ? structuredClone(options.state) : { releasedFrom: {}, releases: 0 };
  const strict = options.strict ?? false;
  return {
    state,
    observe(kind, old, next) {
      if (kind !== 'PersistentVolume') return [];
      if (!next) {
        if (old) delete state.releasedFrom[keyOf(old as PersistentVolume)];
        return [];
      }
      const pv = next as PersistentVolume;
      const key = keyOf(pv);
      // A tracker started late still learns a release from the change's `old` side.
      const known = state.releasedFrom[key] ?? (old ? releasedUid(old as PersistentVolume) : undefined);
      if (known === undefined) {
        const uid = releasedUid(pv);
        if (uid !== undefined) { state.releasedFrom[key] = uid; state.releases++; }
        return [];
      }
      if (state.releasedFrom[key] === undefined) { state.releasedFrom[key] = known; state.releases++; }
      const phase = phaseOf(pv);
      const uid = pv.spec.claimRef?.uid ?? '';
      const policy = pv.spec.persistentVolumeReclaimPolicy ?? 'Retain';
      if (phase === 'Available' && uid === known) {
        return [`PV ${pv.metadata.name} became Available again with the claimRef uid ${uid} it was Released from`];
      }
      if (strict && (policy === 'Retain' ? phase !== 'Released' : phase !== 'Released' && phase !== 'Failed')) {
        return [`PV ${pv.metadata.name} (${policy}) went from Released to ${phase} (claimRef ${JSON.stringify(pv.spec.claimRef)})`];
      }
      return [];
    },
  };
}
