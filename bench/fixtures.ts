/**
 * Design: the objects every benchmark binds, drawn from one seeded generator (STYLE §7) so two
 * runs on two machines bind exactly the same claims to exactly the same volumes. The mix is what a
 * storage admin's cluster looks like rather than a best case for the index: several access-mode
 * sets (so claims search more than one mode group), two classes ('' and 'gold'), a few Block
 * volumes, sizes in Gi and Mi, zone/tier labels and a minority of claims with selectors.
 *
 * Imports go to the packages' `src/index.ts` by path: the repository root has no node_modules link
 * to the workspace packages (see test/contract/eventLog.ts), and bench/ is not a package.
 */
import type { AccessMode, LabelSelector, PersistentVolume, PersistentVolumeClaim } from '../packages/domain/src/index.ts';
import { Random } from '../packages/runtime/src/index.ts';

export const SEED = 20261127;

const RWO: AccessMode = 'ReadWriteOnce';
const ROX: AccessMode = 'ReadOnlyMany';
const RWX: AccessMode = 'ReadWriteMany';
const RWOP: AccessMode = 'ReadWriteOncePod';

/** Picks from `[weight, value]` rows; weights are integers (STYLE §7: no float probabilities). */
function pick<T>(random: Random, rows: readonly (readonly [number, T])[]): T {
  const total = rows.reduce((s, [w]) => s + w, 0);
  let r = random.int(total);
  for (const [w, v] of rows) {
    if (r < w) return v;
    r -= w;
  }
  return rows[rows.length - 1]![1];
}

const VOLUME_MODES: readonly (readonly [number, AccessMode[]])[] = [
  [50, [RWO]], [20, [RWO, ROX]], [15, [RWX]], [10, [RWO, ROX, RWX]], [5, [RWOP]],
];
const CLAIM_MODES: readonly (readonly [number, AccessMode[]])[] = [
  [60, [RWO]], [10, [ROX]], [20, [RWX]], [10, [RWOP]],
];
const ZONES = ['zone-a', 'zone-b', 'zone-c'] as const;

/** Mostly whole Gi, one in ten in Mi (512Mi steps), so quantities of mixed units are compared. */
function size(random: Random, giMax: number): string {
  if (random.chance(1, 10)) return `${512 * (1 + random.int(giMax * 2))}Mi`;
  return `${1 + random.int(giMax)}Gi`;
}

function volumeName(i: number): string {
  return `pv-${String(i).padStart(7, '0')}`;
}

export function makeVolume(i: number, modes: AccessMode[], storageClass: string, block: boolean, capacity: string, labels: Record<string, string>): PersistentVolume {
  return {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name: volumeName(i), labels },
    spec: {
      capacity: { storage: capacity },
      accessModes: modes,
      persistentVolumeReclaimPolicy: 'Retain',
      ...(storageClass !== '' ? { storageClassName: storageClass } : {}),
      ...(block ? { volumeMode: 'Block' } : {}),
      nfs: { server: 'nfs.example.com', path: `/exports/${volumeName(i)}` },
    },
  };
}

function makeClaim(i: number, modes: AccessMode[], storageClass: string, block: boolean, request: string, selector: LabelSelector | undefined): PersistentVolumeClaim {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: { name: `claim-${String(i).padStart(7, '0')}`, namespace: `ns-${i % 16}` },
    spec: {
      accessModes: modes,
      resources: { requests: { storage: request } },
      storageClassName: storageClass,
      ...(block ? { volumeMode: 'Block' } : {}),
      ...(selector ? { selector } : {}),
    },
  };
}

function claimSelector(random: Random, zones: readonly string[] = ZONES): LabelSelector | undefined {
  return pick<LabelSelector | undefined>(random, [
    [85, undefined],
    [10, { matchLabels: { zone: zones[random.int(zones.length)]! } }],
    [5, { matchExpressions: [{ key: 'tier', operator: 'In', values: ['fast'] }] }],
  ]);
}

/**
 * Independent draws of volumes and claims (benchmark 1): volumes up to 200Gi, claims up to 100Gi,
 * so most claims find a volume and some (wrong modes/class left, selector too narrow) do not.
 * Volumes are Available and unbound, as the binder sees them after the PV controller's first sync.
 */
export function binderFixture(n: number, seed = SEED): { volumes: PersistentVolume[]; claims: PersistentVolumeClaim[] } {
  const random = new Random(seed);
  const volumes: PersistentVolume[] = [];
  for (let i = 0; i < n; i++) {
    const labels: Record<string, string> = { zone: ZONES[random.int(ZONES.length)]! };
    if (random.chance(1, 5)) labels['tier'] = 'fast';
    const v = makeVolume(i, [...pick(random, VOLUME_MODES)], random.chance(1, 2) ? 'gold' : '', random.chance(1, 20), size(random, 200), labels);
    v.status = { phase: 'Available' };
    volumes.push(v);
  }
  const claims: PersistentVolumeClaim[] = [];
  for (let i = 0; i < n; i++) {
    claims.push(makeClaim(i, [...pick(random, CLAIM_MODES)], random.chance(1, 2) ? 'gold' : '', random.chance(1, 20), size(random, 100), claimSelector(random)));
  }
  return { volumes, claims };
}

/**
 * One volume made for each claim (benchmark 2): same access modes (one mode each, so a claim
 * searches one mode group), class and volume mode, labels every selector accepts, capacity at
 * least the request. Volumes come without status, as a user's manifest does; the PV controller
 * makes them Available. Once all of them are Available, every claim binds whatever order the
 * scheduler delivers claims in: smallest-fit may give a claim another claim's volume, but only
 * one no larger than its own, so the owner of that one still fits the first one's (exchange
 * argument). A claim delivered while its own volume is still Pending can break that argument.
 */
export function settleFixture(n: number, seed = SEED + 1): { volumes: PersistentVolume[]; claims: PersistentVolumeClaim[] } {
  const random = new Random(seed);
  const volumes: PersistentVolume[] = [];
  const claims: PersistentVolumeClaim[] = [];
  for (let i = 0; i < n; i++) {
    const modes = pick(random, CLAIM_MODES);
    const cls = random.chance(1, 2) ? 'gold' : '';
    const block = random.chance(1, 20);
    const gi = 1 + random.int(100);
    claims.push(makeClaim(i, [...modes], cls, block, `${gi}Gi`, claimSelector(random, ['zone-a'])));
    volumes.push(makeVolume(i, [...modes], cls, block, `${gi + random.int(10)}Gi`, { zone: 'zone-a', tier: 'fast' }));
  }
  return { volumes, claims };
}
