/**
 * Design: a component that says `loadStateCopies` (Controller) is given a snapshot's state itself
 * on restore, not a copy — snapshots share their component states with each other and with every
 * world restored from them, so such a component must neither change what it is given nor keep a
 * part of it that it changes later. Held here two ways, over random scenario prefixes (inputs,
 * random actions, faults — CSI latency included — crashes and nodes):
 * - a world restored from a snapshot whose component states are deep-frozen goes on for random
 *   steps: a component that changed a frozen part would throw (modules are strict code);
 * - restoring the same snapshot twice, after the first restored world has been driven on, gives
 *   the same world as restoring a JSON copy of the snapshot taken before: the same fingerprint
 *   and component memories, the snapshot's text unchanged.
 * And every built-in component with a `loadState` says `loadStateCopies`, so a new one is held to it.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Random } from '@pvsim/runtime';
import { FAULT_KINDS, createWorld, fifoChooser, type Action, type World, type WorldOptions, type WorldSnapshot } from '../src/index.ts';
import { APPLY_THEN_DELETE, DEMO_INPUTS, applyUserInput } from './fixtures/exampleInputs.ts';

const EPOCH_MS = Date.UTC(2026, 0, 1);

const progress = (a: Action) => a.type === 'deliver' || a.type === 'watch' || a.type === 'timer';

/** Inputs and random steps, `steps` in all: mostly progress, sometimes anything the world offers. */
function driveFor(w: World, r: Random, inputs: { next: number }, steps: number): void {
  for (let i = 0; i < steps; i++) {
    if (inputs.next < APPLY_THEN_DELETE.length && (r.int(5) === 0 || !w.enabled().some(progress))) { applyUserInput(w, APPLY_THEN_DELETE[inputs.next++]!); continue; }
    const all = w.enabled();
    const moving = all.filter(progress);
    const pool = moving.length > 0 && r.int(6) > 0 ? moving : all;
    if (pool.length === 0) return;
    w.step(pool[r.int(pool.length)]!, true);
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

const optionsFor = (seed: number, faults: boolean): WorldOptions => ({
  seed, startMs: EPOCH_MS, cluster: 'full', chooser: fifoChooser(),
  ...(faults ? { explore: { faults: FAULT_KINDS, crash: true, nodes: true } } : {}),
});

const counts = { loaded: 0 };

function holds(seed: number, faults: boolean, before: number, after: number, inPlace: boolean): void {
  const options = optionsFor(seed, faults);
  const origin = createWorld(options);
  const r = new Random(seed);
  const inputs = { next: 0 };
  driveFor(origin, r, inputs, before);
  const snap: WorldSnapshot = origin.snapshot();
  const text = JSON.stringify(snap);
  // A restore from the snapshot's JSON: what any restore of it must give.
  const reference = createWorld(options);
  reference.restore(JSON.parse(text) as WorldSnapshot);
  // Frozen: a component that changes a part of its loaded state it kept throws on the way.
  for (const c of origin.manager.controllers) if (c.loadStateCopies && snap.controllers[c.name] !== undefined) { deepFreeze(snap.controllers[c.name]); counts.loaded++; }
  const first = inPlace && origin.inPlaceRefusal(snap) === undefined ? origin : createWorld(options);
  if (first === origin) first.restoreInPlace(snap); else first.restore(snap);
  assert.is(first.fingerprint(), reference.fingerprint(), `seed ${seed}: the first restore`);
  driveFor(first, new Random(seed + 1), { next: inputs.next }, after);
  assert.is(JSON.stringify(snap), text, `seed ${seed}: the snapshot is as it was taken`);
  const second = createWorld(options);
  second.restore(snap);
  assert.is(second.fingerprint(), reference.fingerprint(), `seed ${seed}: the second restore, fingerprint`);
  assert.equal(second.memories(), reference.memories(), `seed ${seed}: the second restore, component memories`);
  // The same again in place, into the world driven on from the first restore (unless it runs a
  // kubelet of a node the snapshot lacks).
  if (first.inPlaceRefusal(snap) !== undefined) return;
  first.restoreInPlace(snap);
  assert.is(first.fingerprint(), reference.fingerprint(), `seed ${seed}: restored again in place, fingerprint`);
  assert.equal(first.memories(), reference.memories(), `seed ${seed}: restored again in place, component memories`);
}

test('a loaded state is neither changed nor kept to be changed: the same snapshot restores the same world twice', () => {
  fc.assert(fc.property(
    fc.integer({ min: 1, max: 1_000_000 }), fc.boolean(), fc.integer({ min: 0, max: 80 }), fc.integer({ min: 1, max: 60 }), fc.boolean(),
    (seed, faults, before, after, inPlace) => holds(seed, faults, before, after, inPlace)), { numRuns: 80 });
  // Not vacuous: component states were loaded frozen.
  assert.ok(counts.loaded >= 200, `only ${counts.loaded} component states loaded`);
});

test('every built-in component with a loadState says loadStateCopies', () => {
  const w = createWorld(optionsFor(1, true));
  for (const input of APPLY_THEN_DELETE.slice(0, DEMO_INPUTS.length)) applyUserInput(w, input);
  w.drain();
  const loading = w.manager.controllers.filter((c) => c.loadState);
  assert.ok(loading.length >= 8, `${loading.length} components with a loadState`);
  for (const c of loading) assert.ok(c.loadStateCopies === true, `${c.name} does not say loadStateCopies`);
});

if (process.env.CASE) { const [a, b, c, d, e] = JSON.parse(process.env.CASE) as [number, boolean, number, number, boolean]; holds(a, b, c, d, e); } else test.run();
