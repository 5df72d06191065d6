/**
 * Design: the two explorations whose cost issue 7 item 10 compares with the world's raw step —
 * one on the full cluster, one on the PV-only cluster — written once for bench/check.ts,
 * bench/exploreRounds.ts and bench/exploreAB.ts. Everything is loaded from a checkout's root
 * (`root`), so exploreAB can hold two checkouts' code in one process.
 *
 *   - `zonal` (full cluster: drivers, kubelets, scheduler): examples/check/zonal-immediate's two
 *     nodes, WaitForFirstConsumer class, claim and pod — 5 inputs.
 *   - `pv` (PV-only cluster: the PV controller and the protection controllers): three volumes and
 *     three claims from the bench fixtures (access-mode sets, classes, sizes and a selector, so
 *     binding searches) — 6 inputs, static binding.
 *
 * Raw step: the inputs applied one by one to a world, each followed by FIFO steps until nothing
 * waits (what a settle does without time). Its time covers applying the inputs and the steps, not
 * building the worlds (an exploration builds a few worlds and applies inputs as moves: a raw input
 * is counted, a world build is not — it was until session 10, ≈ 6 % of the full cluster's raw step).
 * Exploration: `check` bfs, exhausted, `--max-delays 1` unless said otherwise.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { cpuMs } from './measure.ts';

export type ExplorationName = 'zonal' | 'pv';

export interface Exploration {
  label: string;
  /** The scenario's inputs (`CheckInput`s of the checkout's checker) and its worlds' factory. */
  inputs: unknown[];
  newWorld(): unknown;
  /** CPU ms (and wall ms) of `worlds` raw runs (builds not counted) and the steps they took. */
  raw(worlds: number): { steps: number; ms: number; wallMs: number };
  /** CPU ms (and wall ms) of one exhaustive bfs under `maxDelays` (and its report). */
  explore(maxDelays: number): { ms: number; wallMs: number; distinct: number; states: number; transitions: number; verdict: string };
}

interface W {
  store: { create(kind: string, obj: unknown): void };
  clock: { iso(): string };
  enabled(): { type: string }[];
  scheduler: { size: number };
  step(action: unknown, chosen: boolean): void;
}

/** What an exploration needs from a checkout: its manifests, world and checker packages and the bench fixtures. */
export interface CheckoutModules {
  manifests: any;
  world: any;
  checker: any;
  fixtures: any;
  /** The checkout's root, where examples/ is. */
  root: string;
}

/** A checkout's modules, loaded from its root (two checkouts can be loaded into one process). */
export async function modulesAt(root: string): Promise<CheckoutModules> {
  return {
    manifests: await import(`${root}/packages/manifests/src/index.ts`),
    world: await import(`${root}/services/world/src/index.ts`),
    checker: await import(`${root}/services/check/src/index.ts`),
    fixtures: await import(`${root}/bench/fixtures.ts`),
    root,
  };
}

export interface ExplorationOptions {
  /** Informers lag (the raw run delivers watch events as they come). */
  stale?: boolean;
  /** Called with every stored state of an exploration (a check of its own). */
  onState?: (key: string, w: never) => void;
}

export async function loadExploration(root: string, name: ExplorationName, opts: ExplorationOptions = {}): Promise<Exploration> {
  return explorationOf(await modulesAt(root), name, opts);
}

/** The exploration `name` built from a checkout's modules (bench/exploreInstructions.ts bundles them statically). */
export function explorationOf({ manifests, world, checker, fixtures, root }: CheckoutModules, name: ExplorationName, opts: ExplorationOptions = {}): Exploration {
  const lag = opts.stale ? checker.explorationFor(['stale-read']) : {};
  let objects: { kind: string; metadata: { name: string } }[];
  let prepare: (o: unknown, w: W) => unknown;
  let cluster: Record<string, unknown>;
  if (name === 'zonal') {
    const dir = `${root}/examples/check/zonal-immediate/`;
    objects = ['01-nodes.yaml', '02-class-wffc.yaml', '03-claim-and-pod.yaml']
      .flatMap((f) => manifests.parseManifests(readFileSync(dir + f, 'utf8'), f).map((p: { object: unknown }) => manifests.applyDefaults(p.object)));
    prepare = (o, w) => manifests.prepareForCreate(structuredClone(o), w.clock.iso());
    cluster = { cluster: 'full' };
  } else {
    const { volumes, claims } = fixtures.settleFixture(3);
    objects = [...volumes, ...claims];
    prepare = (o) => structuredClone(o);
    cluster = {};
  }
  const inputs = objects.map((o) => ({ label: o.metadata.name, apply: (w: W) => { w.store.create(o.kind, prepare(o, w)); } }));
  const newWorld = (): W => world.createWorld({ seed: 1, startMs: Date.UTC(2026, 0, 1), chooser: world.fifoChooser(), ...cluster, ...lag });
  return {
    label: name === 'zonal' ? 'full cluster: zonal WaitForFirstConsumer scenario (5 inputs)' : 'PV-only cluster: 3 volumes, 3 claims (6 inputs)',
    inputs,
    newWorld,
    raw(worlds) {
      let ms = 0;
      let wallMs = 0;
      let steps = 0;
      for (let r = 0; r < worlds; r++) {
        const w = newWorld();
        const wall = performance.now();
        const t = cpuMs();
        for (const input of inputs) {
          input.apply(w);
          for (;;) {
            // Watch events wait only where informers lag: they are delivered as they come.
            const a = w.enabled().find((x) => x.type === 'deliver' || x.type === 'watch' || (x.type === 'timer' && w.scheduler.size === 0));
            if (!a) break;
            w.step(a, true);
            steps++;
          }
        }
        ms += cpuMs() - t;
        wallMs += performance.now() - wall;
      }
      return { steps, ms, wallMs };
    },
    explore(maxDelays) {
      const wall = performance.now();
      const t = cpuMs();
      const e = opts.stale
        ? checker.check({ newWorld, inputs, strategy: 'bfs', depth: 5, maxFaults: 1, seed: 1, outOfTime: () => false, shrink: false, por: false })
        : checker.check({ newWorld, inputs, strategy: 'bfs', depth: 500, maxFaults: 0, maxDelays, seed: 1, outOfTime: () => false, ...(opts.onState ? { onState: opts.onState } : {}) });
      return { ms: cpuMs() - t, wallMs: performance.now() - wall, distinct: e.distinctStates, states: e.states, transitions: e.transitions, verdict: e.verdict };
    },
  };
}
