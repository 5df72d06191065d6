/**
 * Design: a fresh cluster looks like a fresh cluster. The first command on an empty log records a
 * `ClusterInitRequested` input before its own — the system namespaces, the nodes and the profile's
 * StorageClasses (services/world/src/profiles.ts) — so `get nodes`, `get ns` and `get sc` answer
 * before the first pod, and `log verify` re-creates them like any input. `pvsim init` records the
 * same input with a shape of the user's choosing, and only on an empty log (like `kind create
 * cluster`, it does not reshape a cluster that exists). A read on an empty log sees the default
 * cluster without writing anything.
 */
import { CLUSTER_PROFILES, DEFAULT_CLUSTER_SHAPE, type ClusterProfileName, type ClusterShape } from '@pvsim/world';
import { runInput } from './inputs.ts';
import { openSession } from './session.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';

export function parseShape(o: { profile?: string; nodes?: string; zones?: string }): ClusterShape {
  const profile = (o.profile ?? DEFAULT_CLUSTER_SHAPE.profile) as ClusterProfileName;
  if (!CLUSTER_PROFILES.includes(profile)) throw new UsageError(`error: unknown profile "${o.profile}"; pvsim knows ${CLUSTER_PROFILES.join(', ')}`);
  const count = (flag: string, text: string | undefined, dflt: number, max: number): number => {
    if (text === undefined) return dflt;
    const n = Number(text);
    if (!Number.isSafeInteger(n) || n < 0 || n > max) throw new UsageError(`error: invalid argument "${text}" for "--${flag}" flag: must be an integer from 0 to ${max}`);
    return n;
  };
  const nodes = count('nodes', o.nodes, DEFAULT_CLUSTER_SHAPE.nodes, 500);
  const zones = count('zones', o.zones, Math.min(DEFAULT_CLUSTER_SHAPE.zones, Math.max(nodes, 1)), 26);
  return { profile, nodes, zones };
}

/** `pvsim init`: a new cluster of the given shape; refused on a cluster that has a history. */
export function init(io: CliIO, g: GlobalOptions, shape: ClusterShape): number {
  const s = openSession(g, undefined, { init: false });
  if (!s.isFresh) throw new UsageError(`error: the cluster in ${g.clusterDir} already exists (its log has ${s.basePosition} records); pvsim init only starts a new one (use another --cluster, or remove the directory)`);
  runInput(s, { type: 'ClusterInitRequested', data: { seed: g.seed, ...shape } });
  s.commit();
  const classes = s.store.listClasses();
  const dflt = classes.find((c) => c.metadata.annotations?.['storageclass.kubernetes.io/is-default-class'] === 'true');
  io.stdout(`cluster initialized (profile ${shape.profile}): ${shape.nodes} node${shape.nodes === 1 ? '' : 's'} in ${shape.zones} zone${shape.zones === 1 ? '' : 's'}, `
    + `${dflt ? `default StorageClass ${dflt.metadata.name}` : 'no default StorageClass'}\n`);
  return 0;
}
