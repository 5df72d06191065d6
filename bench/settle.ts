/**
 * Design: benchmark 2 — what one bind costs once it goes through everything `pvsim apply` runs:
 * ObjectStore (a PV or PVC actor per object, the VolumeIndex inside), informer notifications,
 * the seeded scheduler, the PV controller's four-write bind and the protection controllers.
 * Built by `createWorld` as services/cli/src/session.ts builds it (seeded streams, the informer
 * cache, a record sink), without the file log, so the number is the in-process cost only.
 *
 * One run = create N PVs through `store.create` and `world.settle()` (they become Available),
 * then create N PVCs and settle again (they bind); the second phase is "the binds". Every claim
 * must end Bound (the fixture gives each a fitting volume); otherwise the bench fails rather than
 * report a cheaper non-bind.
 *
 * Baselines measured in the same process, interleaved with the runs:
 *   - N raw XState `actor.send` transitions on a trivial two-state machine, so the result reads
 *     "a settled bind costs X raw actor transitions";
 *   - the pure binder (VolumeIndex build + N × findBestMatchForClaim/set) on the same objects,
 *     so it also reads "the binder is Y% of a settled bind".
 */
import { createActor, setup } from 'xstate';
import { type PersistentVolume, type PersistentVolumeClaim } from '../packages/domain/src/index.ts';
import type { ObjectStore } from '../packages/runtime/src/index.ts';
import { createWorld, type SettleReport } from '../services/world/src/index.ts';
import { boundCopy, buildIndex } from './binder.ts';
import { SEED, settleFixture } from './fixtures.ts';
import { emit, fmtMs, fmtN, fmtSpread, fmtUs, median, table, time } from './measure.ts';

type AnyObject = Parameters<ObjectStore['create']>[1];

interface SettleRun {
  /** Deliveries, object writes and log records of the claim phase (the binds) alone. */
  deliveries: number; writes: number; records: number; resyncs: number; bound: number;
  /** Deliveries of the volume phase (N PVs made Available and protected). */
  volumeDeliveries: number;
}

/**
 * Two phases, each a `kubectl apply` followed by settle: the N PVs (they become Available), then
 * the N PVCs (they bind). Applying both at once lets a claim delivered before its own volume is
 * Available take a bigger one that another claim needed, so a few percent of claims stay Pending
 * (a property of a greedy binder, Kubernetes' included), and the run would time failure handling.
 */
function settleOnce(volumes: readonly PersistentVolume[], claims: readonly PersistentVolumeClaim[]): { volumeMs: number; claimMs: number; run: SettleRun } {
  let records = 0;
  // As services/cli/src/session.ts builds it (storage controllers only: no drivers are needed).
  const world = createWorld({ seed: SEED, startMs: Date.UTC(2026, 0, 1), record: () => { records++; } });
  const { store } = world;
  let volumeReport!: SettleReport;
  const volumeMs = time(() => {
    for (const v of volumes) store.create('PersistentVolume', v as unknown as AnyObject);
    volumeReport = world.settle();
  });
  const writesBefore = store.writes;
  const recordsBefore = records;
  let report!: SettleReport;
  const claimMs = time(() => {
    for (const c of claims) store.create('PersistentVolumeClaim', c as unknown as AnyObject);
    report = world.settle();
  });
  const bound = store.listClaims().filter((c) => c.status?.phase === 'Bound').length;
  return {
    volumeMs, claimMs,
    run: {
      deliveries: report.deliveries, writes: store.writes - writesBefore, records: records - recordsBefore,
      resyncs: report.resyncs, bound, volumeDeliveries: volumeReport.deliveries,
    },
  };
}

const toggle = setup({ types: { events: {} as { type: 'T' } } }).createMachine({
  id: 'toggle',
  initial: 'a',
  states: { a: { on: { T: 'b' } }, b: { on: { T: 'a' } } },
});

/** N raw sends; the median of 5 back-to-back batches, since a batch is only milliseconds long. */
function rawSends(n: number): number {
  const actor = createActor(toggle);
  actor.start();
  const batches: number[] = [];
  for (let k = 0; k < 5; k++) batches.push(time(() => { for (let i = 0; i < n; i++) actor.send({ type: 'T' }); }));
  actor.stop();
  return median(batches);
}

/** The pure binder on the same objects (as Available volumes), build included; short runs repeated. */
function pureBinder(volumes: readonly PersistentVolume[], claims: readonly PersistentVolumeClaim[]): number {
  const available = volumes.map((v) => ({ ...v, status: { phase: 'Available' } }));
  const named = claims.map((c) => ({ ...c, metadata: { ...c.metadata, uid: `uid-${c.metadata.name}` } }));
  const runs: number[] = [];
  for (let k = 0; k < (claims.length <= 2000 ? 5 : 1); k++) {
    runs.push(time(() => {
      const index = buildIndex(available);
      for (const c of named) {
        const v = index.findBestMatchForClaim(c, false, true);
        if (v) index.set(boundCopy(v, c));
      }
    }));
  }
  return median(runs);
}

interface Row { n: number; volumeMs: number[]; settleMs: number[]; rawMs: number[]; binderMs: number[]; run: SettleRun }

function main(): void {
  const quick = process.argv.includes('--quick');
  const budgetMs = Number(process.env['BENCH_SETTLE_BUDGET_MS'] ?? 35_000);
  const plan: { n: number; reps: number; optional?: boolean }[] = quick
    ? [{ n: 1000, reps: 3 }]
    : [{ n: 1000, reps: 5 }, { n: 10_000, reps: 3 }, { n: 20_000, reps: 3, optional: true }];

  // Warm-up: compile the controller, store and machine paths before timing.
  { const f = settleFixture(300, 7); settleOnce(f.volumes, f.claims); rawSends(50_000); pureBinder(f.volumes, f.claims); }

  const rows: Row[] = [];
  let spentMs = 0;
  const runMs = (r: Row) => median(r.volumeMs) + median(r.settleMs);
  for (const { n, reps, optional } of plan) {
    const { volumes, claims } = settleFixture(n);
    const row: Row = { n, volumeMs: [], settleMs: [], rawMs: [], binderMs: [], run: undefined as unknown as SettleRun };
    const last = rows[rows.length - 1];
    for (let r = 0; r < reps; r++) {
      // Stay within the budget (~35 s for all the actor runs): an optional size is run only if its
      // estimate fits, and a size stops repeating once the budget is clearly gone.
      const estimate = row.settleMs.length ? runMs(row) : last ? (runMs(last) * n * 1.25) / last.n : 0;
      if (optional && spentMs + estimate > budgetMs) break;
      if (r > 0 && spentMs + estimate > budgetMs * 1.5) break;
      const { volumeMs, claimMs, run } = settleOnce(volumes, claims);
      spentMs += volumeMs + claimMs;
      if (run.bound !== n) {
        process.stderr.write(`settle bench FAILED at N=${n}: ${run.bound} of ${n} claims Bound after settle (deliveries ${run.deliveries}, resyncs ${run.resyncs})\n`);
        process.exit(1);
      }
      row.volumeMs.push(volumeMs);
      row.settleMs.push(claimMs);
      row.run = run;
      row.rawMs.push(rawSends(n));
      row.binderMs.push(pureBinder(volumes, claims));
    }
    if (row.settleMs.length === 0) {
      console.log(`(N = ${fmtN(n)} skipped: it would not fit in the ${fmtMs(budgetMs)} budget of this benchmark)`);
      continue;
    }
    rows.push(row);
  }

  console.log('Settled binds through actors: apply N PVs + settle, then apply N PVCs + settle (medians, min–max in brackets)');
  console.log(table(
    ['N', 'reps', 'PVs: apply+settle', 'PVCs: apply+settle', 'per bind', 'deliv/bind', 'writes/bind', 'N raw sends', 'bind = raw sends', 'pure binder', 'binder share'],
    rows.map((r) => {
      const settle = median(r.settleMs);
      const raw = median(r.rawMs);
      const binder = median(r.binderMs);
      return [
        fmtN(r.n), String(r.settleMs.length), fmtSpread(r.volumeMs), fmtSpread(r.settleMs), fmtUs((settle / r.n) * 1000),
        (r.run.deliveries / r.n).toFixed(2), (r.run.writes / r.n).toFixed(2),
        fmtSpread(r.rawMs), `${(settle / raw).toFixed(0)}×`, fmtSpread(r.binderMs), `${((binder / settle) * 100).toFixed(1)}%`,
      ];
    }),
  ));
  const base = rows[0]!;
  console.log([
    'per bind, deliv/bind, writes/bind: the PVC phase (create + bind + protection) divided by N.',
    '"bind = raw sends": one settled bind takes as long as this many raw actor.send transitions on a trivial machine.',
    '"binder share": the pure binder (index build + N finds/sets, no actors) as a fraction of the PVC phase.',
    `Scaling: per bind at N = ${rows.map((r) => `${fmtN(r.n)}: ${fmtUs((median(r.settleMs) / r.n) * 1000)}`).join(', ')}`
      + ` (×${rows.map((r) => ((median(r.settleMs) / r.n) / (median(base.settleMs) / base.n)).toFixed(2)).join(', ×')} of N = ${fmtN(base.n)}).`,
  ].join('\n'));
  emit('settle', rows.map((r) => ({
    n: r.n, volumePhaseMedianMs: median(r.volumeMs), claimPhaseMedianMs: median(r.settleMs),
    rawSendsMedianMs: median(r.rawMs), pureBinderMedianMs: median(r.binderMs),
    volumeMs: r.volumeMs, claimMs: r.settleMs, rawMs: r.rawMs, binderMs: r.binderMs, ...r.run,
  })));
}

if (import.meta.url === `file://${process.argv[1]}`) main();
