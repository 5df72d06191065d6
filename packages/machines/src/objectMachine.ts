/**
 * Design: a PV or PVC actor is the single owner of one object's stored state, the way the API
 * server's storage is. Controllers never mutate objects; they send `WRITE` (the whole new object,
 * as an Update/UpdateStatus call carries it) and `REMOVE`. The actor's state is the object's
 * phase, so the lifecycle of §3/§4 of the spec is explicit: a write that would move the phase
 * along an edge the table does not have is not accepted (the host turns that into an invariant
 * failure), and guards carry the rules an edge depends on (e.g. a Released PV becomes Available
 * only once its claimRef is gone or reduced to a reservation).
 *
 * Machines have no side effects and no timers; snapshots are plain JSON (context = the object).
 * The store relies on it: it keeps an object at rest as its object and a shared state template and
 * runs the pure `transition` for one write (a passivated actor, ADR 0009), so no `after`, `invoke`,
 * `spawn`, `emit` or custom action may be added here.
 */
import { setup, assign } from 'xstate';

export interface StoredObject {
  metadata: { name: string };
  status?: { phase?: string };
}

export type ObjectEvent<T> = { type: 'WRITE'; object: T } | { type: 'REMOVE' };

export function phaseOf(object: StoredObject | undefined): string {
  return object?.status?.phase ?? '';
}

/** Builds a phase machine for one kind from its edge table. */
export function createPhaseMachine<T extends StoredObject>(options: {
  id: string;
  phases: readonly string[];
  /** Phase written by a fresh object without one (API server default). */
  initialPhase: string;
  edges: Record<string, readonly string[]>;
  /** Extra condition for an edge, keyed `From->To`. */
  edgeGuards?: Record<string, (next: T) => boolean>;
  /** The phase an object is in (default: status.phase). */
  phaseOf?: (object: T) => string;
}) {
  const read = options.phaseOf ?? ((o: T) => phaseOf(o));
  const norm = (o: T | undefined) => (o ? read(o) : '') || options.initialPhase;
  const phaseState = (phase: string) => {
    const write = [
      // Same phase: spec/metadata/status details change, state stays.
      { guard: ({ event }: { event: ObjectEvent<T> }) => event.type === 'WRITE' && norm(event.object) === phase, actions: 'store' as const },
      ...(options.edges[phase] ?? []).map((to) => ({
        target: to,
        guard: ({ event }: { event: ObjectEvent<T> }) => {
          if (event.type !== 'WRITE' || norm(event.object) !== to) return false;
          const extra = options.edgeGuards?.[`${phase}->${to}`];
          return extra ? extra(event.object) : true;
        },
        actions: 'store' as const,
      })),
    ];
    return { on: { WRITE: write, REMOVE: { target: 'Deleted' } } };
  };
  const states: Record<string, unknown> = {};
  for (const p of options.phases) states[p] = phaseState(p);
  states['Deleted'] = { type: 'final' };
  const machine = setup({
    types: {
      context: {} as { object: T },
      events: {} as ObjectEvent<T>,
      input: {} as { object: T },
    },
    actions: {
      store: assign(({ event, context }) => (event.type === 'WRITE' ? { object: event.object } : context)),
    },
  }).createMachine({
    id: options.id,
    context: ({ input }) => ({ object: input.object }),
    initial: 'Restoring',
    states: {
      // A new or restored object enters the state of the phase it carries.
      Restoring: {
        always: [
          ...options.phases.map((p) => ({ target: p, guard: ({ context }: { context: { object: T } }) => norm(context.object) === p })),
          { target: options.initialPhase },
        ],
      },
      ...(states as object),
    } as never,
  });
  // What decides the state a new or restored object enters (`Restoring` reads nothing else): a
  // store that creates many actors (a snapshot loaded, a world restored per explored transition)
  // computes that state once per phase and shares it.
  return Object.assign(machine, { restingPhase: (object: T): string => norm(object) });
}

/** The phase a phase machine's `Restoring` state reads from an object, when the machine says. */
export function restingPhaseOf(machine: unknown): ((object: never) => string) | undefined {
  const f = (machine as { restingPhase?: unknown }).restingPhase;
  return typeof f === 'function' ? (f as (object: never) => string) : undefined;
}
