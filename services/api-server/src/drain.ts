/**
 * Design: what `kubectl drain` and the eviction API decide, as pure functions of objects, shared
 * by `pvsim drain` and the API server's `pods/eviction` subresource so both behave the same.
 * - `drainFilter`: which pods of a node go, and which stop the drain (kubectl's drain filters,
 *   k8s.io/kubectl/pkg/drain/filters.go, with their texts): finished pods are deleted; pods with
 *   no controller need --force; pods with emptyDir volumes need --delete-emptydir-data.
 * - `evictionRefusal`: the disruption budgets (policy/v1 PodDisruptionBudget, when the cluster
 *   has any) that forbid evicting a pod now: a budget selecting the pod whose healthy pods would
 *   fall below minAvailable, or above maxUnavailable unavailable (integers or percentages of the
 *   pods it selects), refuses with the eviction API's 429 text.
 */
import type { Obj } from './types.ts';

type Pod = Obj & { spec?: { nodeName?: string; volumes?: { emptyDir?: unknown }[] }; status?: { phase?: string; conditions?: { type: string; status: string }[] } };

export interface DrainFlags { force: boolean; deleteEmptyDirData: boolean }

export interface DrainPlan {
  /** Pods to evict, in name order. */
  evict: Obj[];
  /** Lines kubectl prints as warnings (pods that go because of --force / --delete-emptydir-data). */
  warnings: string[];
  /** What stops the drain (kubectl's "cannot delete …" lines); empty when it may go on. */
  errors: string[];
}

const ref = (p: Obj): string => `${p.metadata.namespace ?? 'default'}/${p.metadata.name}`;

export function drainFilter(pods: readonly Obj[], node: string, flags: DrainFlags): DrainPlan {
  const onNode = (pods as Pod[]).filter((p) => p.spec?.nodeName === node).sort((a, b) => (ref(a) < ref(b) ? -1 : 1));
  const unmanaged: string[] = [];
  const local: string[] = [];
  const evict: Obj[] = [];
  for (const p of onNode) {
    const finished = p.status?.phase === 'Succeeded' || p.status?.phase === 'Failed';
    const controlled = ((p.metadata['ownerReferences'] as { controller?: boolean }[] | undefined) ?? []).some((o) => o.controller);
    if (!finished && !controlled) unmanaged.push(ref(p));
    if (!finished && (p.spec?.volumes ?? []).some((v) => v.emptyDir !== undefined)) local.push(ref(p));
    evict.push(p);
  }
  const errors: string[] = [];
  const warnings: string[] = [];
  if (unmanaged.length > 0) {
    if (flags.force) warnings.push(`deleting Pods that declare no controller: ${unmanaged.join(', ')}`);
    else errors.push(`cannot delete Pods that declare no controller (use --force to override): ${unmanaged.join(', ')}`);
  }
  if (local.length > 0) {
    if (flags.deleteEmptyDirData) warnings.push(`deleting Pods with local storage: ${local.join(', ')}`);
    else errors.push(`cannot delete Pods with local storage (use --delete-emptydir-data to override): ${local.join(', ')}`);
  }
  return { evict: errors.length > 0 ? [] : evict, warnings, errors };
}

function ready(p: Pod): boolean {
  return p.status?.phase === 'Running' && (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

function selects(pdb: Obj, pod: Obj): boolean {
  const sel = (pdb['spec'] as { selector?: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } } | undefined)?.selector;
  if (!sel) return false;
  const labels = (pod.metadata['labels'] as Record<string, string> | undefined) ?? {};
  if (!Object.entries(sel.matchLabels ?? {}).every(([k, v]) => labels[k] === v)) return false;
  return (sel.matchExpressions ?? []).every((e) => {
    const has = Object.hasOwn(labels, e.key);
    if (e.operator === 'In') return has && (e.values ?? []).includes(labels[e.key]!);
    if (e.operator === 'NotIn') return !has || !(e.values ?? []).includes(labels[e.key]!);
    if (e.operator === 'Exists') return has;
    if (e.operator === 'DoesNotExist') return !has;
    return false;
  });
}

function count(v: number | string | undefined, of: number, roundUp: boolean): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(v);
  if (!m) return Number(v);
  const exact = (Number(m[1]) * of) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** Why evicting `pod` now would break a disruption budget (the eviction API's 429), or undefined. */
export function evictionRefusal(pod: Obj, pdbs: readonly Obj[], pods: readonly Obj[]): { message: string; cause: string } | undefined {
  if (!ready(pod as Pod)) return undefined;
  for (const pdb of pdbs) {
    if (pdb.metadata.namespace !== pod.metadata.namespace || !selects(pdb, pod)) continue;
    const selected = pods.filter((p) => p.metadata.namespace === pod.metadata.namespace && selects(pdb, p) && !p.metadata['deletionTimestamp']);
    const healthy = selected.filter((p) => ready(p as Pod)).length;
    const spec = (pdb['spec'] ?? {}) as { minAvailable?: number | string; maxUnavailable?: number | string };
    const min = count(spec.minAvailable, selected.length, true);
    const maxUnavailable = count(spec.maxUnavailable, selected.length, true);
    const desired = min ?? (maxUnavailable !== undefined ? Math.max(0, selected.length - maxUnavailable) : 0);
    if (healthy - 1 < desired) {
      return { message: 'Cannot evict pod as it would violate the pod\'s disruption budget.', cause: `The disruption budget ${pdb.metadata.name} needs ${desired} healthy pods and has ${healthy} currently` };
    }
  }
  return undefined;
}
