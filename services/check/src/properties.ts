/**
 * Design: what `pvsim check` judges, by name. Safety holds on every explored state; liveness is
 * judged once faults stopped and the cluster was given a bounded settle. The checks come from the
 * invariants library (written from Kubernetes' rules, not by calling the code they judge) plus two
 * of the checker's own: a settle that stops making progress, and a pod that never runs. Every
 * check returns problems as lines; a state's first problem becomes the violation.
 */
import {
  attachSafety, backendLeaks, bindingConverged, bindingSafety, claimReasons, exclusiveUseSafety, podsOf, phaseOf,
  type ClusterView,
} from '@pvsim/invariants';
import type { World } from '@pvsim/world';

export type PropertyKind = 'safety' | 'liveness';

export interface Property {
  name: string;
  kind: PropertyKind;
  check: (w: World) => string[];
}

const view = (w: World): ClusterView => w.store as unknown as ClusterView;

export const SAFETY: readonly Property[] = [
  { name: 'binding', kind: 'safety', check: (w) => bindingSafety(view(w)) },
  { name: 'attach-exclusive', kind: 'safety', check: (w) => attachSafety(view(w)) },
  { name: 'exclusive-use', kind: 'safety', check: (w) => exclusiveUseSafety(view(w)) },
];

/**
 * Every pod that is not being deleted runs. A pod Pending after the settle waits for something
 * that will not come (a volume node affinity conflict, a Multi-Attach, a claim never bound).
 */
export function podsRunning(w: World): string[] {
  const out: string[] = [];
  for (const p of podsOf(view(w))) {
    if ((p.metadata as { deletionTimestamp?: string }).deletionTimestamp !== undefined) continue;
    const phase = phaseOf(p as { status?: { phase?: string } });
    if (phase !== 'Running' && phase !== 'Succeeded') out.push(`pod ${p.metadata.namespace ?? 'default'}/${p.metadata.name} is ${phase} after the cluster settled`);
  }
  return out;
}

export const LIVENESS: readonly Property[] = [
  { name: 'binding-converged', kind: 'liveness', check: (w) => bindingConverged(view(w)) },
  { name: 'claim-reasons', kind: 'liveness', check: (w) => claimReasons(view(w)) },
  { name: 'backend-leak', kind: 'liveness', check: (w) => backendLeaks(view(w)) },
  { name: 'pod-running', kind: 'liveness', check: podsRunning },
];

/** A user's extra check on a final state (a scenario's `expect` steps, a `--invariant` module). */
export interface FinalCheck {
  name: string;
  check: (w: World) => string[];
}

export interface Violation {
  invariant: string;
  kind: PropertyKind;
  message: string;
}

export function firstViolation(w: World, properties: readonly { name: string; kind: PropertyKind; check: (w: World) => string[] }[]): Violation | undefined {
  for (const p of properties) {
    const problems = p.check(w);
    if (problems.length > 0) return { invariant: p.name, kind: p.kind, message: problems[0]! };
  }
  return undefined;
}
