/**
 * Design: `pvsim drain NODE` as kubectl drain: cordon (patchVerbs.cordon), then evict the node's
 * pods one at a time — each a graceful delete the controllers settle after, so a workload's
 * replacement can come up elsewhere before the next goes. Which pods go, which stop the drain,
 * and which disruption budget refuses an eviction are the API server's own rules
 * (@pvsim/api-server drainFilter / evictionRefusal, also behind its pods/eviction). A refused
 * eviction is retried every 5 s of simulated time (kubectl's interval) up to --timeout.
 */
import { drainFilter, evictionRefusal, type Obj as ApiObj } from '@pvsim/api-server';
import type { StoredKind } from '@pvsim/runtime';
import { openSession, type Session, unsettledNotice } from './session.ts';
import { runInput } from './inputs.ts';
import { cordon } from './patchVerbs.ts';
import { parseDuration } from './simVerbs.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';

const RETRY_MS = 5_000;

function budgets(s: Session): ApiObj[] {
  // PodDisruptionBudgets, when this cluster's store holds the kind.
  try { return s.store.list('PodDisruptionBudget' as StoredKind) as unknown as ApiObj[]; } catch { return []; }
}

export function drain(io: CliIO, g: GlobalOptions, node: string, o: { force: boolean; deleteEmptyDirData: boolean; timeout: string; dryRun: boolean }): number {
  const timeoutMs = parseDuration(o.timeout);
  if (timeoutMs === undefined) throw new UsageError(`error: invalid argument "${o.timeout}" for "--timeout" flag: time: invalid duration "${o.timeout}"`);
  const first = openSession(g);
  if (!first.store.get('Node', node)) { io.stderr(`Error from server (NotFound): nodes "${node}" not found\n`); return 1; }
  const plan = drainFilter(first.store.listPods() as unknown as ApiObj[], node, { force: o.force, deleteEmptyDirData: o.deleteEmptyDirData });
  const cordoned = cordon(io, g, node, true, o.dryRun);
  if (cordoned !== 0) return cordoned;
  if (plan.errors.length > 0) {
    io.stderr(`error: unable to drain node "${node}" due to error: ${plan.errors.join(', ')}, continuing command...\nThere are pending nodes to be drained:\n ${node}\n${plan.errors.map((e) => `${e}\n`).join('')}`);
    return 1;
  }
  for (const w of plan.warnings) io.stderr(`Warning: ${w}\n`);
  const dry = o.dryRun ? ' (dry run)' : '';
  if (o.dryRun) {
    for (const p of plan.evict) io.stdout(`evicting pod ${p.metadata.namespace}/${p.metadata.name}${dry}\n`);
    io.stdout(`node/${node} drained${dry}\n`);
    return 0;
  }
  let pending = plan.evict.map((p) => ({ key: `${p.metadata.namespace}/${p.metadata.name}`, name: p.metadata.name, uid: p.metadata.uid }));
  let waitedMs = 0;
  const told = new Set<string>();
  for (;;) {
    const refused: string[] = [];
    for (const p of pending) {
      const s = openSession(g);
      const live = s.store.get('Pod', p.key) as unknown as ApiObj | undefined;
      if (!live || live.metadata.uid !== p.uid) continue;
      const refusal = evictionRefusal(live, budgets(s), s.store.listPods() as unknown as ApiObj[]);
      if (refusal) {
        refused.push(p.key);
        if (!told.has(p.key)) io.stderr(`error when evicting pods/"${p.name}" -n "${p.key.split('/')[0]}" (will retry after 5s): ${refusal.message}\n`);
        told.add(p.key);
        continue;
      }
      io.stdout(`evicting pod ${p.key}\n`);
      runInput(s, { type: 'DeleteRequested', data: { seed: g.seed, wait: true, objects: [{ kind: 'Pod', name: p.name, namespace: p.key.split('/')[0]! }] } });
      s.commit();
      io.stderr(unsettledNotice(s));
      io.stdout(`pod/${p.name} evicted\n`);
    }
    if (refused.length === 0) break;
    if (waitedMs + RETRY_MS > timeoutMs) {
      io.stderr(`error: unable to drain node "${node}" due to error: error when evicting pods: ${refused.map((k) => `"${k}"`).join(', ')}: global timeout reached: ${o.timeout}, continuing command...\nThere are pending nodes to be drained:\n ${node}\n`);
      return 1;
    }
    const s = openSession(g);
    runInput(s, { type: 'AdvanceRequested', data: { seed: g.seed, durationMs: RETRY_MS } });
    s.commit();
    waitedMs += RETRY_MS;
    pending = pending.filter((p) => refused.includes(p.key));
  }
  io.stdout(`node/${node} drained\n`);
  return 0;
}
