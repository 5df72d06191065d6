/**
 * Design: model-based tests of the PV and PVC phase machines, generated with `xstate/graph`.
 * The edge tables below are written out by hand from spec §3/§4 on purpose: the machine's own
 * structure (`toDirectedGraph`) must equal them, and the traversal must exercise every one of
 * them, so an edge added to (or dropped from) a machine without a matching change here fails.
 * The traversal explores state *values* only (`serializeState`), because a machine's guards read
 * the event's object and never the stored context; each (state, sample event) pair is then
 * replayed from the machine's initial state on a live actor by `TestModel` paths, which checks
 * the actor against the model step by step. Disallowed writes, the persisted-snapshot round trip
 * and JSON-serialisability use the pure `transition`/`initialTransition`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, initialTransition, transition, type AnyStateMachine, type SnapshotFrom } from 'xstate';
import { adjacencyMapToArray, createTestModel, getShortestPaths, getSimplePaths, toDirectedGraph } from 'xstate/graph';
import type { ObjectReference, PersistentVolume, PersistentVolumeClaim } from '@pvsim/domain';
import { claimMachine, phaseOf, volumeMachine, type ObjectEvent } from '../src/index.ts';

// ------------------------------------------------------------------ edge tables (spec §3, §4)

/** PV: which phase a stored PV may move to by a write (besides staying, and REMOVE to Deleted). */
const VOLUME_EDGES: Record<string, readonly string[]> = {
  Pending: ['Available', 'Bound', 'Released', 'Failed'],
  Available: ['Bound', 'Released', 'Failed'],
  Bound: ['Available', 'Released', 'Failed'],
  // Released -> Available only once claimRef is gone or a bare reservation (guard, tested below).
  Released: ['Available', 'Bound', 'Failed'],
  // "A Failed/Released phase is never overwritten by Released again"; Failed -> Available guarded.
  Failed: ['Available', 'Bound'],
};

/** PVC: Lost is terminal for the controller except through a re-bind. */
const CLAIM_EDGES: Record<string, readonly string[]> = {
  Pending: ['Bound', 'Lost'],
  Bound: ['Pending', 'Lost'],
  Lost: ['Bound'],
};

/** Every (from, to) pair a machine must have: each listed edge, a same-phase write, and REMOVE. */
function expectedEdges(table: Record<string, readonly string[]>): string[] {
  const edges: string[] = [];
  for (const [from, tos] of Object.entries(table)) {
    edges.push(`${from}->${from}`, `${from}->Deleted`);
    for (const to of tos) edges.push(`${from}->${to}`);
  }
  return edges.sort();
}

// ------------------------------------------------------------------ sample objects (the `events` option)

const ref = (uid?: string): ObjectReference => ({
  kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'default', name: 'claim-1', ...(uid !== undefined ? { uid } : {}),
});

function volume(phase: string | undefined, claimRef?: ObjectReference): PersistentVolume {
  return {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name: 'pv-1' },
    spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], ...(claimRef ? { claimRef } : {}) },
    ...(phase !== undefined ? { status: { phase } } : {}),
  };
}

function claim(phase: string | undefined, volumeName?: string): PersistentVolumeClaim {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: { name: 'claim-1', namespace: 'default', uid: 'uid-claim-1' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...(volumeName ? { volumeName } : {}) },
    ...(phase !== undefined ? { status: { phase } } : {}),
  };
}

/**
 * The phase machines' state types are built from a runtime table, so TypeScript sees their state
 * value as `never`; the tests handle them as any machine and check values at run time.
 */
const volumeLogic = volumeMachine as unknown as AnyStateMachine;
const claimLogic = claimMachine as unknown as AnyStateMachine;

type VolumeEvent = ObjectEvent<PersistentVolume>;
type ClaimEvent = ObjectEvent<PersistentVolumeClaim>;
const write = <T>(object: T): ObjectEvent<T> => ({ type: 'WRITE', object });

/** One sample per phase, plus the claimRef shapes the Released/Failed -> Available guard reads. */
const VOLUME_EVENTS: VolumeEvent[] = [
  write(volume(undefined)), // no phase: the API server's default, Pending
  write(volume('Pending')),
  write(volume('Available')), // claimRef removed (admin edit, recycle, rollback)
  write(volume('Available', ref(''))), // only a reservation left (user pre-binding, uid cleared)
  write(volume('Available', ref('uid-claim-1'))), // still linked to the old claim: not from Released/Failed
  write(volume('Bound', ref('uid-claim-1'))),
  write(volume('Released', ref('uid-claim-1'))),
  write(volume('Failed', ref('uid-claim-1'))),
  { type: 'REMOVE' },
];

const CLAIM_EVENTS: ClaimEvent[] = [
  write(claim(undefined)),
  write(claim('Pending')),
  write(claim('Bound', 'pv-1')),
  write(claim('Lost', 'pv-1')),
  { type: 'REMOVE' },
];

interface Subject {
  kind: string;
  machine: AnyStateMachine;
  table: Record<string, readonly string[]>;
  events: ObjectEvent<unknown>[];
  initialObject: unknown;
  initialPhase: string;
}

const SUBJECTS: Subject[] = [
  { kind: 'PV', machine: volumeLogic, table: VOLUME_EDGES, events: VOLUME_EVENTS as ObjectEvent<unknown>[], initialObject: volume(undefined), initialPhase: 'Pending' },
  { kind: 'PVC', machine: claimLogic, table: CLAIM_EDGES, events: CLAIM_EVENTS as ObjectEvent<unknown>[], initialObject: claim(undefined), initialPhase: 'Pending' },
];

type Snap = SnapshotFrom<AnyStateMachine>;

function targetPhase(subject: Subject, event: ObjectEvent<unknown>): string {
  return event.type === 'REMOVE' ? 'Deleted' : phaseOf(event.object as never) || subject.initialPhase;
}

function describeEvent(event: ObjectEvent<unknown>): string {
  if (event.type === 'REMOVE') return 'REMOVE';
  const o = event.object as { status?: { phase?: string }; spec: { claimRef?: ObjectReference; volumeName?: string } };
  const r = o.spec.claimRef;
  const link = r === undefined ? '' : r.uid === undefined || r.uid === '' ? ', reserved claimRef' : ', claimRef with uid';
  return `WRITE ${o.status?.phase ?? '(no phase)'}${o.spec.volumeName ? ', volumeName' : ''}${link}`;
}

/** The test model: traversal by state value, the sample events, the machine's initial input. */
function modelOf(subject: Subject) {
  return createTestModel(subject.machine, {
    events: subject.events as never,
    serializeState: (s: Snap) => JSON.stringify(s.value),
    input: { object: subject.initialObject } as never,
  });
}

interface Step {
  from: string;
  event: ObjectEvent<unknown>;
  next: Snap;
  state: Snap;
}

function adjacency(subject: Subject): Step[] {
  const model = modelOf(subject);
  return adjacencyMapToArray(model.getAdjacencyMap()).map(({ state, event, nextState }) => ({
    from: String(state.value), event: event as ObjectEvent<unknown>, next: nextState as Snap, state: state as Snap,
  }));
}

/** Splits the traversal into accepted (from -> to) edges and rejected writes. */
function classify(subject: Subject) {
  const accepted = new Set<string>();
  const rejected = new Set<string>();
  for (const { from, event, next, state } of adjacency(subject)) {
    const to = targetPhase(subject, event);
    if (String(next.value) === from && next === state) rejected.add(`${from}->${to}`);
    else accepted.add(`${from}->${String(next.value)}`);
  }
  return { accepted: [...accepted].sort(), rejected: [...rejected].sort() };
}

// ------------------------------------------------------------------ structure and coverage

for (const subject of SUBJECTS) {
  test(`${subject.kind}: the machine's structural edges are exactly the spec's edge table`, () => {
    const graph = toDirectedGraph(subject.machine);
    const edges: string[] = [];
    for (const node of graph.children) {
      const from = node.stateNode.key;
      if (from === 'Restoring') continue; // eventless entry, covered by the restore test below
      for (const e of node.edges) edges.push(`${from}->${e.target.key}`);
    }
    assert.equal(edges.sort(), expectedEdges(subject.table));
  });

  test(`${subject.kind}: the sample events cover every edge of the table, and nothing else is accepted`, () => {
    const { accepted } = classify(subject);
    assert.equal(accepted, expectedEdges(subject.table));
  });

  test(`${subject.kind}: every other phase-to-phase write is tried and refused`, () => {
    const { accepted, rejected } = classify(subject);
    const phases = Object.keys(subject.table);
    for (const from of phases) {
      for (const to of phases) {
        const key = `${from}->${to}`;
        if (!accepted.includes(key)) assert.ok(rejected.includes(key), `${key} is neither accepted nor tried`);
      }
    }
  });

  test(`${subject.kind}: a new or restored object enters the state of the phase it carries`, () => {
    for (const event of subject.events) {
      if (event.type !== 'WRITE') continue;
      const [snapshot] = initialTransition(subject.machine, { object: event.object });
      assert.is(snapshot.value, targetPhase(subject, event), describeEvent(event));
      assert.is(snapshot.context.object, event.object);
    }
  });

  test(`${subject.kind}: along every simple path the state is the stored object's phase`, () => {
    const paths = getSimplePaths(subject.machine, {
      events: subject.events as never,
      serializeState: (s: Snap) => JSON.stringify(s.value),
      input: { object: subject.initialObject } as never,
    });
    assert.ok(paths.length > Object.keys(subject.table).length, `only ${paths.length} simple paths`);
    for (const path of paths) {
      for (const step of path.steps) {
        const s = step.state as Snap;
        if (s.value === 'Deleted') { assert.is(s.status, 'done'); continue; }
        assert.is(s.value, phaseOf(s.context.object) || subject.initialPhase, JSON.stringify(path.steps.map((x) => x.event)));
      }
    }
  });

  // Each (state, sample event) pair, replayed on a live actor along a TestModel path: the
  // shortest way to the source state, then the event.
  const model = modelOf(subject);
  const shortest = new Map<string, ObjectEvent<unknown>[]>();
  for (const p of getShortestPaths(subject.machine, {
    events: subject.events as never,
    serializeState: (s: Snap) => JSON.stringify(s.value),
    input: { object: subject.initialObject } as never,
  })) {
    shortest.set(String(p.state.value), p.steps.slice(1).map((s) => s.event as ObjectEvent<unknown>));
  }
  for (const { from, event, next } of adjacency(subject)) {
    const to = String(next.value);
    const verdict = to === from && targetPhase(subject, event) !== from ? `refused (stays ${from})` : `${from} -> ${to}`;
    test(`${subject.kind} ${from}: ${describeEvent(event)} => ${verdict} on a live actor`, async () => {
      const prefix = shortest.get(from);
      assert.ok(prefix, `${from} is unreachable`);
      // getPathsFromEvents does not read the model's options: give it the input's initial state.
      const [initial] = initialTransition(subject.machine, { object: subject.initialObject });
      const [path] = model.getPathsFromEvents([...prefix!, event] as never, {
        fromState: initial as never,
        serializeState: (s: Snap) => JSON.stringify(s.value),
      });
      assert.ok(path);
      const actor = createActor(subject.machine, { input: { object: subject.initialObject } }).start();
      await path!.test({
        events: {
          WRITE: (step: { event: unknown }) => { actor.send(step.event as never); },
          REMOVE: (step: { event: unknown }) => { actor.send(step.event as never); },
        } as never,
        states: {
          '*': (expected: Snap) => {
            const got = actor.getSnapshot();
            assert.is(got.value, expected.value);
            assert.equal(got.context, expected.context);
            assert.is(got.status, expected.status);
          },
        },
      });
      assert.is(actor.getSnapshot().value, to);
    });
  }
}

// ------------------------------------------------------------------ disallowed edges (pure transition)

function reach(machine: AnyStateMachine, objects: unknown[]): Snap {
  let [snapshot] = initialTransition(machine, { object: objects[0] });
  for (const object of objects.slice(1)) {
    const [next] = transition(machine, snapshot, { type: 'WRITE', object });
    assert.is.not(next, snapshot, `setup write to ${phaseOf(object as never)} was refused`);
    snapshot = next;
  }
  return snapshot;
}

test('PV Released -> Available is refused while claimRef keeps the old claim uid', () => {
  const released = reach(volumeLogic, [volume(undefined), volume('Available'), volume('Bound', ref('uid-claim-1')), volume('Released', ref('uid-claim-1'))]);
  const [next, actions] = transition(volumeLogic, released, write(volume('Available', ref('uid-claim-1'))));
  assert.is(next, released);
  assert.is(next.value, 'Released');
  assert.equal(next.context.object, volume('Released', ref('uid-claim-1')));
  assert.equal(actions, []);
});

test('PV Released -> Available is accepted once claimRef is removed or only reserves the name', () => {
  const released = reach(volumeLogic, [volume('Released', ref('uid-claim-1'))]);
  for (const object of [volume('Available'), volume('Available', ref('')), volume('Available', ref())]) {
    const [next] = transition(volumeLogic, released, write(object));
    assert.is(next.value, 'Available');
    assert.is(next.context.object, object);
  }
});

test('PV Failed -> Available is refused while claimRef keeps the old claim uid; Failed -> Released is not an edge', () => {
  const failed = reach(volumeLogic, [volume('Failed', ref('uid-claim-1'))]);
  for (const object of [volume('Available', ref('uid-claim-1')), volume('Released', ref('uid-claim-1')), volume('Pending')]) {
    const [next] = transition(volumeLogic, failed, write(object));
    assert.is(next, failed, describeEvent(write(object)));
  }
});

test('PVC Bound -> Lost is accepted, Lost -> Pending is refused', () => {
  const bound = reach(claimLogic, [claim(undefined), claim('Bound', 'pv-1')]);
  const [lost] = transition(claimLogic, bound, write(claim('Lost', 'pv-1')));
  assert.is(lost.value, 'Lost');
  const [next, actions] = transition(claimLogic, lost, write(claim('Pending')));
  assert.is(next, lost);
  assert.is(next.value, 'Lost');
  assert.equal(next.context.object, claim('Lost', 'pv-1'));
  assert.equal(actions, []);
});

test('a removed object is final: later writes change nothing', () => {
  for (const subject of SUBJECTS) {
    const [initial] = initialTransition(subject.machine, { object: subject.initialObject });
    const [deleted] = transition(subject.machine, initial, { type: 'REMOVE' });
    assert.is(deleted.value, 'Deleted');
    assert.is(deleted.status, 'done');
    for (const event of subject.events) {
      const [next] = transition(subject.machine, deleted, event as never);
      assert.is(next, deleted, `${subject.kind} ${describeEvent(event)}`);
    }
  }
});

test('a same-phase write stores the new object and takes no edge', () => {
  const bound = reach(volumeLogic, [volume('Bound', ref('uid-claim-1'))]);
  const changed = { ...volume('Bound', ref('uid-claim-1')), metadata: { name: 'pv-1', annotations: { 'pv.kubernetes.io/bound-by-controller': 'yes' } } };
  const [next] = transition(volumeLogic, bound, write(changed as PersistentVolume));
  assert.is(next.value, 'Bound');
  assert.is(next.context.object, changed);
});

// ------------------------------------------------------------------ persisted snapshots

/**
 * JSON-serialisable without loss: only plain objects, arrays, strings, finite numbers, booleans
 * and null (undefined-valued keys, which JSON drops, are the only thing tolerated).
 */
function assertPlainData(value: unknown, path: string): void {
  if (value === null || value === undefined || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') { assert.ok(Number.isFinite(value), `${path} is ${value}`); return; }
  assert.is(typeof value, 'object', `${path} is a ${typeof value}`);
  if (Array.isArray(value)) { value.forEach((v, i) => assertPlainData(v, `${path}[${i}]`)); return; }
  const proto = Object.getPrototypeOf(value);
  assert.ok(proto === Object.prototype || proto === null, `${path} is a ${proto?.constructor?.name}`);
  for (const [k, v] of Object.entries(value as object)) assertPlainData(v, `${path}.${k}`);
}

for (const subject of SUBJECTS) {
  test(`${subject.kind}: persisted snapshots are JSON and restore to the same state and context in every state`, () => {
    const paths = getShortestPaths(subject.machine, {
      events: subject.events as never,
      serializeState: (s: Snap) => JSON.stringify(s.value),
      input: { object: subject.initialObject } as never,
    });
    const seen = new Set<string>();
    for (const path of paths) {
      const actor = createActor(subject.machine, { input: { object: subject.initialObject } }).start();
      for (const step of path.steps.slice(1)) actor.send(step.event as never);
      const persisted = actor.getPersistedSnapshot();
      assertPlainData(persisted, 'snapshot');
      const text = JSON.stringify(persisted);
      const json = JSON.parse(text) as typeof persisted;
      assert.is(JSON.stringify(json), text, 'persisted snapshot survives JSON unchanged');
      const restored = createActor(subject.machine, { snapshot: json }).start();
      const a = actor.getSnapshot();
      const b = restored.getSnapshot();
      assert.is(b.value, a.value);
      assert.equal(b.context, a.context);
      assert.is(b.status, a.status);
      // The restored actor answers every sample event as the original's snapshot does.
      for (const event of subject.events) {
        const [fromOriginal] = transition(subject.machine, a, event as never);
        const [fromRestored] = transition(subject.machine, b, event as never);
        assert.is(fromRestored.value, fromOriginal.value, `${String(a.value)} ${describeEvent(event)}`);
        assert.equal(fromRestored.context, fromOriginal.context);
      }
      seen.add(String(a.value));
    }
    assert.equal([...seen].sort(), [...Object.keys(subject.table), 'Deleted'].sort());
  });
}

test.run();
