/**
 * Design: `pvsim rollout status|restart|undo|history`, as kubectl rollout does them.
 * - status: kubectl's verdict (rolloutStatus.ts); while not done, it waits in simulated time
 *   (a WaitRequested input with the `rollout` condition, --timeout at most) and prints the
 *   waiting message, then the final one. A progress deadline exceeded is an error.
 * - restart: the pod template's `kubectl.kubernetes.io/restartedAt` annotation (simulated now),
 *   so the controller rolls every pod; written like `pvsim patch` (patchVerbs.changeObject).
 * - history / undo (Deployments): the revisions are the ReplicaSets' `deployment.kubernetes.io/revision`
 *   annotations; undo copies the chosen revision's template back (without its pod-template-hash).
 * - history / undo (StatefulSets): the ControllerRevisions the StatefulSet controller keeps
 *   (`revision`, data = the template with `$patch: replace`); undo sets the template to the
 *   chosen revision's, as kubectl's statefulset rollbacker's strategic merge patch does.
 */
import { resolveResource, formatTabbed, type ResourceType } from '@pvsim/manifests';
import type { StoredKind } from '@pvsim/runtime';
import { openSession, unsettledNotice } from './session.ts';
import { runInput, type Obj } from './inputs.ts';
import { changeObject, splitTarget } from './patchVerbs.ts';
import { rolloutStatus } from './rolloutStatus.ts';
import { parseDuration } from './simVerbs.ts';
import { kindName } from './verbs.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';

const ANN_REVISION = 'deployment.kubernetes.io/revision';
const ANN_CHANGE_CAUSE = 'kubernetes.io/change-cause';
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt';

function target(args: string[], namespace: string): { type: ResourceType; name: string; key: string } {
  const { target: t, rest } = splitTarget(args, namespace);
  if (rest.length > 0) throw new UsageError(`error: unexpected arguments: ${rest.join(' ')}`);
  const type = resolveResource(t.kind);
  if (type.kind !== 'Deployment' && type.kind !== 'StatefulSet') throw new UsageError(`error: no rollout for ${type.plural}: pvsim rolls out deployments and statefulsets`);
  return { type, name: t.name, key: `${namespace}/${t.name}` };
}

const notFound = (io: CliIO, type: ResourceType, name: string): number => {
  io.stderr(`Error from server (NotFound): ${type.plural}.${type.group} "${name}" not found\n`);
  return 1;
};

export function status(io: CliIO, g: GlobalOptions, args: string[], o: { namespace: string; timeout: string }): number {
  const t = target(args, o.namespace);
  const timeoutMs = parseDuration(o.timeout);
  if (timeoutMs === undefined) throw new UsageError(`error: invalid argument "${o.timeout}" for "--timeout" flag: time: invalid duration "${o.timeout}"`);
  const s = openSession(g);
  const live = s.store.get(t.type.kind as StoredKind, t.key) as Obj | undefined;
  if (!live) return notFound(io, t.type, t.name);
  let verdict = rolloutStatus({ ...live, kind: t.type.kind });
  if (verdict.error) { io.stderr(`error: ${verdict.error}\n`); return 1; }
  if (!verdict.done) {
    io.stdout(`${verdict.message}\n`);
    runInput(s, { type: 'WaitRequested', data: { seed: g.seed, kind: t.type.kind as StoredKind, key: t.key, condition: 'rollout', timeoutMs } });
    s.commit();
    io.stderr(unsettledNotice(s));
    const now = s.store.get(t.type.kind as StoredKind, t.key) as Obj | undefined;
    if (!now) return notFound(io, t.type, t.name);
    verdict = rolloutStatus({ ...now, kind: t.type.kind });
    if (verdict.error) { io.stderr(`error: ${verdict.error}\n`); return 1; }
    if (!verdict.done) { io.stdout(`${verdict.message}\n`); io.stderr('error: timed out waiting for the condition\n'); return 1; }
  }
  io.stdout(`${verdict.message}\n`);
  return 0;
}

export function restart(io: CliIO, g: GlobalOptions, args: string[], o: { namespace: string }): number {
  const t = target(args, o.namespace);
  const now = openSession(g).now;
  return changeObject(io, g, { kind: t.type.plural, name: t.name, namespace: o.namespace }, 'restarted', (live) => {
    const spec = structuredClone((live['spec'] ?? {}) as { template?: { metadata?: { annotations?: Record<string, string> } } });
    spec.template ??= {};
    spec.template.metadata ??= {};
    spec.template.metadata.annotations = { ...(spec.template.metadata.annotations ?? {}), [RESTARTED_AT]: now };
    return { ...live, spec };
  }, false);
}

interface Revision { revision: number; template: unknown; annotations: Record<string, string> }

/**
 * The workload's revisions, oldest first: a Deployment's ReplicaSets (their revision
 * annotation; the template without its pod-template-hash), a StatefulSet's ControllerRevisions
 * (their `revision`; the template of their data patch).
 */
function revisions(g: GlobalOptions, t: { type: ResourceType; name: string; key: string }, namespace: string): { owner: Obj; revisions: Revision[] } | undefined {
  const s = openSession(g);
  const owner = s.store.get(t.type.kind as StoredKind, t.key) as Obj | undefined;
  if (!owner) return undefined;
  const uid = owner.metadata['uid'];
  const owned = (kind: StoredKind) => (s.store.list(kind) as unknown as Obj[])
    .filter((o) => o.metadata.namespace === namespace && ((o.metadata['ownerReferences'] as { uid?: string }[] | undefined) ?? []).some((r) => r.uid === uid));
  const annotations = (o: Obj) => (o.metadata['annotations'] as Record<string, string> | undefined) ?? {};
  const list: Revision[] = t.type.kind === 'StatefulSet'
    ? owned('ControllerRevision').map((cr) => {
      const { $patch: _replace, ...template } = ((cr['data'] as { spec?: { template?: Record<string, unknown> } } | undefined)?.spec?.template ?? {});
      return { revision: Number(cr['revision'] ?? 0), template, annotations: annotations(cr) };
    })
    : owned('ReplicaSet').map((rs) => {
      const template = structuredClone((rs['spec'] as { template?: { metadata?: { labels?: Record<string, string> } } } | undefined)?.template ?? {});
      if (template.metadata?.labels) {
        const { ['pod-template-hash']: _hash, ...labels } = template.metadata.labels;
        template.metadata.labels = labels;
      }
      return { revision: Number(annotations(rs)[ANN_REVISION] ?? 0), template, annotations: annotations(rs) };
    });
  return { owner, revisions: list.sort((a, b) => a.revision - b.revision) };
}

export function history(io: CliIO, g: GlobalOptions, args: string[], o: { namespace: string; revision?: string | undefined }): number {
  const t = target(args, o.namespace);
  const r = revisions(g, t, o.namespace);
  if (!r) return notFound(io, t.type, t.name);
  if (o.revision !== undefined && o.revision !== '0') {
    const found = r.revisions.find((x) => String(x.revision) === o.revision);
    if (!found) { io.stderr(`error: unable to find the specified revision\n`); return 1; }
    io.stdout(`${kindName(t.type)}/${t.name} with revision #${found.revision}\nPod Template:\n${JSON.stringify(found.template, null, 2).split('\n').map((l) => `  ${l}`).join('\n')}\n`);
    return 0;
  }
  if (r.revisions.length === 0) { io.stdout(`${kindName(t.type)}/${t.name} \nNo rollout history found.\n`); return 0; }
  const rows = ['REVISION\tCHANGE-CAUSE', ...r.revisions.map((x) => `${x.revision}\t${x.annotations[ANN_CHANGE_CAUSE] ?? '<none>'}`)];
  io.stdout(`${kindName(t.type)}/${t.name} \n${formatTabbed(rows.join('\n') + '\n', { minwidth: 0, padding: 2 })}\n`);
  return 0;
}

/**
 * kubectl's deployment and statefulset rollbackers: --to-revision N, or the revision before
 * the newest. A StatefulSet's revision data is its template with `$patch: replace`, so the
 * strategic merge patch kubectl applies sets the template to the revision's.
 */
export function undo(io: CliIO, g: GlobalOptions, args: string[], o: { namespace: string; toRevision?: string | undefined; dryRun: boolean }): number {
  const t = target(args, o.namespace);
  const r = revisions(g, t, o.namespace);
  if (!r) return notFound(io, t.type, t.name);
  const wanted = o.toRevision !== undefined && o.toRevision !== '0' ? Number(o.toRevision) : undefined;
  const chosen = wanted !== undefined ? r.revisions.find((x) => x.revision === wanted) : r.revisions[r.revisions.length - 2];
  if (!chosen) {
    const none = t.type.kind === 'StatefulSet' ? 'no last revision to roll back to' : `no rollout history found for deployment "${t.name}"`;
    io.stderr(wanted !== undefined ? `error: unable to find specified revision ${wanted} in history\n` : `error: ${none}\n`);
    return 1;
  }
  const current = JSON.stringify((r.owner['spec'] as { template?: unknown }).template);
  if (JSON.stringify(chosen.template) === current) {
    io.stdout(`${kindName(t.type)}/${t.name} skipped rollback (current template already matches revision ${chosen.revision})\n`);
    return 0;
  }
  const template = chosen.template;
  return changeObject(io, g, { kind: t.type.plural, name: t.name, namespace: o.namespace }, 'rolled back', (live) => ({ ...live, spec: { ...(live['spec'] as object), template } }), o.dryRun);
}
