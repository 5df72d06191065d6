/**
 * Design: `pvsim scale KIND/NAME --replicas N`, as kubectl scale: it writes `spec.replicas` of a
 * Deployment, ReplicaSet or StatefulSet (the scale subresource) and lets the controllers settle,
 * so a scale-down is a scale — the StatefulSet controller removes the highest ordinals and applies
 * the claims' whenScaled policy — not a delete. The change is an input of its own in the log
 * (`ScaleRequested`), so `log verify` re-executes it.
 */
import { resolveResource } from '@pvsim/manifests';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';
import { openSession, unsettledNotice } from './session.ts';
import { runInput, type ScalableKind } from './inputs.ts';

const SCALABLE: readonly ScalableKind[] = ['Deployment', 'ReplicaSet', 'StatefulSet'];

export function scale(io: CliIO, g: GlobalOptions, target: string, o: { replicas?: string; namespace: string }): number {
  const replicas = o.replicas === undefined ? NaN : Number(o.replicas);
  if (!Number.isSafeInteger(replicas) || replicas < 0 || !/^\d+$/.test(o.replicas ?? '')) {
    throw new UsageError('error: The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0');
  }
  const slash = target.indexOf('/');
  if (slash <= 0 || slash === target.length - 1) throw new UsageError(`error: arguments in resource/name form must have a single resource and name: "${target}"`);
  const type = resolveResource(target.slice(0, slash));
  const name = target.slice(slash + 1);
  if (!(SCALABLE as readonly string[]).includes(type.kind)) throw new UsageError(`error: cannot scale ${type.plural}: only deployments, replicasets and statefulsets`);
  const kind = type.kind as ScalableKind;
  const s = openSession(g);
  const key = `${o.namespace}/${name}`;
  if (!s.store.get(kind, key)) { io.stderr(`Error from server (NotFound): ${type.plural}.${type.group} "${name}" not found\n`); return 1; }
  runInput(s, { type: 'ScaleRequested', data: { seed: g.seed, kind, key, replicas } });
  s.commit();
  io.stderr(unsettledNotice(s));
  io.stdout(`${type.singular}.${type.group}/${name} scaled\n`);
  return 0;
}
