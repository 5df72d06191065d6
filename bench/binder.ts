/**
 * Design: benchmark 1 — the binder alone, no actors. A run binds every claim of a fixture in
 * order: find the best volume, then mark it taken by replacing it with a bound copy (claimRef set,
 * phase Bound), exactly what the PV controller's first write does to the matcher's view. Two
 * matchers do the same run:
 *   - baseline: Kubernetes' own findBestMatchForClaim (index.go) — the mode groups that cover the
 *     claim, fewest modes first, and `findMatchingVolume` scanning every volume of a group — which
 *     is O(volumes) per claim, so O(N·M) per run; it is measured only at the smaller sizes;
 *   - VolumeIndex.findBestMatchForClaim + index.set, measured at the same sizes (apples to apples)
 *     and then alone at the large size.
 * At the smaller sizes every choice of the two is compared and the bench fails on the first
 * disagreement: a fast matcher that picks a different volume is not a result.
 * The linear baseline sees each group's volumes in name order, because the index breaks capacity
 * ties by name (Kubernetes by informer order, which is not reproducible).
 */
import {
  VolumeIndex, accessModesKey, claimSelectorMatches, containsAllAccessModes, findMatchingVolume,
  type AccessMode, type PersistentVolume, type PersistentVolumeClaim,
} from '../packages/domain/src/index.ts';
import { binderFixture } from './fixtures.ts';
import { emit, fmtMs, fmtN, fmtSpread, fmtUs, median, table, time } from './measure.ts';

/** The bound copy both matchers put back in place of the chosen volume. */
export function boundCopy(volume: PersistentVolume, claim: PersistentVolumeClaim): PersistentVolume {
  return {
    ...volume,
    spec: {
      ...volume.spec,
      claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: claim.metadata.namespace ?? '', name: claim.metadata.name, uid: `uid-${claim.metadata.name}` },
    },
    status: { ...volume.status, phase: 'Bound' },
  };
}

interface ModeGroup { key: string; modes: readonly AccessMode[]; volumes: PersistentVolume[]; position: Map<string, number> }

/** index.go's persistentVolumeOrderedIndex + findByClaim, with FindMatchingVolume's full scan. */
export class LinearMatcher {
  private readonly groups: ModeGroup[];
  private readonly byName = new Map<string, ModeGroup>();

  constructor(volumes: readonly PersistentVolume[]) {
    const groups = new Map<string, ModeGroup>();
    const sorted = [...volumes].sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
    for (const v of sorted) {
      const key = accessModesKey(v.spec.accessModes);
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { key, modes: v.spec.accessModes ?? [], volumes: [], position: new Map() }));
      g.position.set(v.metadata.name, g.volumes.length);
      g.volumes.push(v);
      this.byName.set(v.metadata.name, g);
    }
    // allPossibleMatchingAccessModes sorts by number of modes; equal counts by key, as the index does.
    this.groups = [...groups.values()].sort((a, b) => a.modes.length - b.modes.length || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  find(claim: PersistentVolumeClaim): PersistentVolume | undefined {
    const wanted = claim.spec.accessModes ?? [];
    const selector = claim.spec.selector;
    const opts = { delayBinding: false, vacEnabled: true, selectorMatches: (labels: Record<string, string> | undefined) => claimSelectorMatches(selector, labels) };
    for (const g of this.groups) {
      if (!containsAllAccessModes(g.modes, wanted)) continue;
      const found = findMatchingVolume(claim, g.volumes, opts);
      if (found) return found;
    }
    return undefined;
  }

  /** Replaces a volume in place (its access modes, hence its group, do not change). */
  set(volume: PersistentVolume): void {
    const g = this.byName.get(volume.metadata.name)!;
    g.volumes[g.position.get(volume.metadata.name)!] = volume;
  }
}

type Choices = (string | null)[];

export function runLinear(volumes: readonly PersistentVolume[], claims: readonly PersistentVolumeClaim[], out?: Choices): void {
  const m = new LinearMatcher(volumes);
  for (const c of claims) {
    const v = m.find(c);
    out?.push(v?.metadata.name ?? null);
    if (v) m.set(boundCopy(v, c));
  }
}

export function buildIndex(volumes: readonly PersistentVolume[]): VolumeIndex {
  const index = new VolumeIndex();
  for (const v of volumes) index.set(v);
  return index;
}

export function runIndexed(index: VolumeIndex, claims: readonly PersistentVolumeClaim[], out?: Choices): number {
  let bound = 0;
  for (const c of claims) {
    const v = index.findBestMatchForClaim(c, false, true);
    out?.push(v?.metadata.name ?? null);
    if (v) { index.set(boundCopy(v, c)); bound++; }
  }
  return bound;
}

function verify(n: number, volumes: readonly PersistentVolume[], claims: readonly PersistentVolumeClaim[]): number {
  const linear: Choices = [];
  const indexed: Choices = [];
  runLinear(volumes, claims, linear);
  runIndexed(buildIndex(volumes), claims, indexed);
  for (let i = 0; i < claims.length; i++) {
    if (linear[i] !== indexed[i]) {
      const c = claims[i]!;
      process.stderr.write(`binder bench FAILED at N=${n}: claim #${i} ${c.metadata.namespace}/${c.metadata.name} ${JSON.stringify(c.spec)}\n  linear scan chose ${linear[i]}, VolumeIndex chose ${indexed[i]}\n`);
      process.exit(1);
    }
  }
  return linear.filter((x) => x !== null).length;
}

interface Row { n: number; bound: number; linearMs: number[]; indexMs: number[]; buildMs: number[] }

function main(): void {
  const quick = process.argv.includes('--quick');
  const small = quick ? [1000, 2000] : [2000, 5000, 10_000];
  const large = quick ? [20_000] : [50_000, 100_000];
  // Repetitions: the linear scan is quadratic, so fewer at its largest size.
  const repsFor = (n: number) => (n <= 2000 ? 7 : n <= 5000 ? 5 : 3);
  const largeReps = 5;

  // Warm-up: both code paths compiled before anything is timed.
  {
    const f = binderFixture(500, 1);
    for (let i = 0; i < 3; i++) { runLinear(f.volumes, f.claims); runIndexed(buildIndex(f.volumes), f.claims); }
  }

  const rows: Row[] = [];
  for (const n of small) {
    const { volumes, claims } = binderFixture(n);
    const bound = verify(n, volumes, claims);
    const row: Row = { n, bound, linearMs: [], indexMs: [], buildMs: [] };
    for (let r = 0; r < repsFor(n); r++) {
      row.linearMs.push(time(() => runLinear(volumes, claims)));
      let index!: VolumeIndex;
      row.buildMs.push(time(() => { index = buildIndex(volumes); }));
      row.indexMs.push(time(() => runIndexed(index, claims)));
    }
    rows.push(row);
  }
  for (const n of large) {
    const { volumes, claims } = binderFixture(n);
    const row: Row = { n, bound: 0, linearMs: [], indexMs: [], buildMs: [] };
    for (let r = 0; r < largeReps; r++) {
      let index!: VolumeIndex;
      row.buildMs.push(time(() => { index = buildIndex(volumes); }));
      row.indexMs.push(time(() => { row.bound = runIndexed(index, claims); }));
    }
    rows.push(row);
  }

  const base = rows[0]!;
  const perClaimIndex0 = median(base.indexMs) / base.n;
  const perClaimLinear0 = median(base.linearMs) / base.n;
  const out = rows.map((r) => {
    const lin = r.linearMs.length ? median(r.linearMs) : undefined;
    const idx = median(r.indexMs);
    const build = median(r.buildMs);
    return [
      fmtN(r.n),
      `${((r.bound / r.n) * 100).toFixed(0)}%`,
      lin === undefined ? '—' : fmtSpread(r.linearMs),
      fmtSpread(r.indexMs),
      fmtMs(build),
      lin === undefined ? '—' : `${(lin / idx).toFixed(0)}×`,
      lin === undefined ? '—' : `${(lin / (idx + build)).toFixed(0)}×`,
      lin === undefined ? '—' : fmtUs((lin / r.n) * 1000),
      fmtUs((idx / r.n) * 1000),
      lin === undefined ? '—' : `${(lin / r.n / perClaimLinear0).toFixed(2)}`,
      `${(idx / r.n / perClaimIndex0).toFixed(2)}`,
    ];
  });
  console.log(`Binder: N claims bound one by one against N volumes (seeded mix; medians, min–max in brackets)`);
  console.log(table(
    ['N', 'bound', 'linear scan (k8s)', 'VolumeIndex bind', 'index build', 'linear/index', 'lin/(idx+build)', 'linear/claim', 'index/claim', `lin/claim vs ${fmtN(base.n)}`, `idx/claim vs ${fmtN(base.n)}`],
    out,
  ));
  console.log(`Both matchers chose the same volume for every claim at N = ${small.map(fmtN).join(', ')}.`);
  console.log(`Flat "idx/claim vs ${fmtN(base.n)}" = the index costs the same per claim at any N (O(log N)); the linear column grows with N (O(N)).`);
  emit('binder', rows.map((r) => ({
    n: r.n, bound: r.bound,
    linearMedianMs: r.linearMs.length ? median(r.linearMs) : null,
    indexMedianMs: median(r.indexMs), buildMedianMs: median(r.buildMs),
    linearMs: r.linearMs, indexMs: r.indexMs, buildMs: r.buildMs,
  })));
}

if (import.meta.url === `file://${process.argv[1]}`) main();
