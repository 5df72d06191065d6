/**
 * Design: one call for a harness that only wants "is the cluster sound?": the stateless
 * invariants of the phase asked for. Safety checks hold after every write; a converged cluster
 * must pass those and the convergence checks too. The trackers (release history, writes) need
 * feeding and are not run here.
 */
import { bindingConverged, bindingSafety } from './binding.ts';
import { claimReasons } from './claimReasons.ts';
import { attachSafety, exclusiveUseSafety } from './exclusiveUse.ts';
import { backendLeaks, type BackendLeakOptions } from './leaks.ts';
import type { ClusterView } from './view.ts';

export type CheckPhase = 'safety' | 'converged';

export interface CheckAllOptions extends BackendLeakOptions {
  phase: CheckPhase;
}

export function checkAll(view: ClusterView, options: CheckAllOptions): string[] {
  const safety = [...bindingSafety(view), ...attachSafety(view), ...exclusiveUseSafety(view)];
  if (options.phase === 'safety') return safety;
  return [...safety, ...bindingConverged(view), ...backendLeaks(view, options), ...claimReasons(view)];
}
