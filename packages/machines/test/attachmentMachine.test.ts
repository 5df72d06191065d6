/**
 * Model-based tests of the VolumeAttachment machine (xstate/graph), in the manner of
 * machines.test.ts: the machine's structural edges must equal the table written here from spec
 * §10, the sample writes must reach every edge, every other write must be refused, and snapshots
 * survive a JSON round trip.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createActor, initialTransition, transition, type AnyStateMachine } from 'xstate';
import { adjacencyMapToArray, createTestModel, toDirectedGraph } from 'xstate/graph';
import { attachmentMachine, attachmentPhase, type VolumeAttachmentLike } from '../src/index.ts';

const EDGES: Record<string, readonly string[]> = {
  Attaching: ['Attached', 'Detaching'],
  Attached: ['Attaching', 'Detaching'],
  Detaching: [],
};

function expected(): string[] {
  const out: string[] = [];
  for (const [from, tos] of Object.entries(EDGES)) {
    out.push(`${from}->${from}`, `${from}->Deleted`);
    for (const to of tos) out.push(`${from}->${to}`);
  }
  return out.sort();
}

const va = (attached: boolean, deleting = false): VolumeAttachmentLike => ({
  metadata: { name: 'csi-abc', ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
  status: { attached },
});

const samples = [
  { type: 'WRITE', object: va(false) },
  { type: 'WRITE', object: va(true) },
  { type: 'WRITE', object: va(true, true) },
  { type: 'WRITE', object: va(false, true) },
  { type: 'REMOVE' },
] as const;

const logic = attachmentMachine as unknown as AnyStateMachine;

function traversal(): { accepted: string[]; refused: string[] } {
  const model = createTestModel(logic, {
    events: samples as never,
    serializeState: (s: { value: unknown }) => JSON.stringify(s.value),
    input: { object: va(false) } as never,
  });
  const accepted = new Set<string>();
  const refused = new Set<string>();
  for (const { state, event, nextState } of adjacencyMapToArray(model.getAdjacencyMap())) {
    const from = String(state.value);
    const e = event as { type: string; object?: VolumeAttachmentLike };
    const to = e.type === 'REMOVE' ? 'Deleted' : attachmentPhase(e.object!);
    if (nextState === state) refused.add(`${from}->${to}`); else accepted.add(`${from}->${String(nextState.value)}`);
  }
  return { accepted: [...accepted].sort(), refused: [...refused].sort() };
}

test('VolumeAttachment: structural edges are exactly the table', () => {
  const edges: string[] = [];
  for (const node of toDirectedGraph(logic).children) {
    if (node.stateNode.key === 'Restoring') continue;
    for (const e of node.edges) edges.push(`${node.stateNode.key}->${e.target.key}`);
  }
  assert.equal(edges.sort(), expected());
});

test('VolumeAttachment: the sample writes cover every edge, and every other write is refused', () => {
  const { accepted, refused } = traversal();
  assert.equal(accepted, expected());
  for (const from of Object.keys(EDGES)) {
    for (const to of Object.keys(EDGES)) {
      const key = `${from}->${to}`;
      if (!accepted.includes(key)) assert.ok(refused.includes(key), `${key} is neither accepted nor tried`);
    }
  }
  assert.ok(refused.includes('Detaching->Attached'), 'a VA being deleted never becomes attached again');
});

test('VolumeAttachment: a restored object enters the state its fields say; snapshots round-trip as JSON', () => {
  for (const [object, state] of [[va(false), 'Attaching'], [va(true), 'Attached'], [va(true, true), 'Detaching']] as const) {
    const [snap] = initialTransition(logic, { object } as never);
    assert.is(String(snap.value), state);
    const actor = createActor(logic, { input: { object } });
    actor.start();
    const persisted = JSON.parse(JSON.stringify(actor.getPersistedSnapshot()));
    const restored = createActor(logic, { snapshot: persisted });
    restored.start();
    assert.is(String(restored.getSnapshot().value), state);
    assert.equal(restored.getSnapshot().context, actor.getSnapshot().context);
    const [next] = transition(logic, restored.getSnapshot(), { type: 'REMOVE' });
    assert.is(String(next.value), 'Deleted');
  }
});

test.run();
