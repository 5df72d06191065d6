/**
 * Design: a `pvsim check` path as an input the event log can hold. The scenario's inputs are the
 * CLI's own inputs (an object applied, deleted, a container's write, time advanced) or a world
 * action (a node going down or up); a path is those inputs and the explored actions in order. A
 * counterexample's cluster directory holds ONE `CheckPathRequested` record whose data is the path;
 * its session re-runs the path (`runCheckPath`) and the batch keeps every record it produced, so
 * `pvsim log verify` re-executes it byte for byte and every read verb shows where it ended.
 * The same `performStep` takes the inputs while the checker explores, on a bare world.
 */
import { livenessOf, type CheckInput, type Move } from '@pvsim/check';
import type { Action, World } from '@pvsim/world';
import { performInput, type Input } from './inputs.ts';
import type { Session, SessionWorld } from './session.ts';

/** One scenario input: a CLI input performed without settling, or a world action (a node down or up). */
export type PathStep = { label: string; input: Input } | { label: string; action: Action };

export interface CheckPathData {
  seed: number;
  world: SessionWorld;
  /** The scenario's inputs, in order (moves name them by index). */
  inputs: PathStep[];
  moves: Move[];
  /** The path ends with the liveness phase (faults healed, remaining inputs, a bounded settle). */
  liveness: boolean;
  settleMs?: number;
}

type Performer = Pick<Session, 'store' | 'world' | 'parts' | 'settle' | 'now'>;

/** What `performInput` needs, over a bare world (the checker's states have no session). */
function performerOf(w: World): Performer {
  return {
    store: w.store, world: w, parts: w.parts,
    settle: () => w.settle(),
    get now() { return w.clock.iso(); },
  } as Performer;
}

export function performStep(p: Performer, step: PathStep): void {
  if ('action' in step) { p.world.step(step.action, true); return; }
  try {
    performInput(p, step.input);
  } catch (e) {
    // A command the cluster refuses (exec on a dead node, a write the API rejects) changes nothing: the path goes on.
    if (!(e instanceof Error && 'code' in e)) throw e;
  }
}

/** The checker's inputs: each step performed on the world it is given. */
export function checkInputsOf(steps: readonly PathStep[]): CheckInput[] {
  return steps.map((step) => ({
    label: step.label, apply: (w: World) => performStep(performerOf(w), step),
    ...('action' in step && step.action.type === 'node' ? { node: { name: step.action.node, down: step.action.down } } : {}),
  }));
}

/**
 * Re-runs a path in a session: every move taken as recorded (a shrunk path holds only moves that
 * were taken), then the liveness phase if the path ends with one.
 */
export function runCheckPath(s: Session, data: CheckPathData): void {
  const inputs = checkInputsOf(data.inputs);
  let inputsDone = 0;
  for (const move of data.moves) {
    if (move.type === 'input') { inputs[move.index]!.apply(s.world); inputsDone = move.index + 1; }
    else s.world.step(move.action, true);
  }
  if (data.liveness) livenessOf(s.world, inputsDone, { inputs, ...(data.settleMs ? { settleMs: data.settleMs } : {}) });
}

