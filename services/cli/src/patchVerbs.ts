/**
 * Design: the verbs that change an object in place — patch, label, annotate, cordon, uncordon —
 * as kubectl does them: read the live object, compute the new one with the API server's patch
 * functions (@pvsim/api-server's JSON, merge and strategic merge patch, so `pvsim patch` and
 * `kubectl patch` through `pvsim serve --api` behave the same), and write it as the same
 * `ApiWriteRequested` update input the server records. One input per object; the controllers
 * settle after it; `--dry-run` records nothing.
 */
import { applyPatch, PATCH_TYPES, StatusError } from '@pvsim/api-server';
import { resolveResource, type ResourceType } from '@pvsim/manifests';
import type { StoredKind } from '@pvsim/runtime';
import { openSession } from './session.ts';
import { runInput, type Obj } from './inputs.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';

function kindName(type: ResourceType): string {
  return type.group ? `${type.kind.toLowerCase()}.${type.group}` : type.kind.toLowerCase();
}

interface Target { kind: string; name: string; namespace: string }

/** Changes one object with `change`; prints kubectl's `KIND/NAME VERB` (or `(no change)`). */
export function changeObject(io: CliIO, g: GlobalOptions, t: Target, verb: string, change: (live: Obj) => Obj, dryRun: boolean, unchanged = `${verb} (no change)`): number {
  const type = resolveResource(t.kind);
  const key = type.namespaced ? `${t.namespace}/${t.name}` : t.name;
  const session = openSession(g);
  const live = session.store.get(type.kind as StoredKind, key) as Obj | undefined;
  if (!live) {
    io.stderr(`Error from server (NotFound): ${type.plural}${type.group ? `.${type.group}` : ''} "${t.name}" not found\n`);
    return 1;
  }
  const next = change(structuredClone(live));
  if (JSON.stringify(next) === JSON.stringify(live)) {
    io.stdout(`${kindName(type)}/${t.name} ${unchanged}\n`);
    return 0;
  }
  runInput(session, { type: 'ApiWriteRequested', data: { seed: g.seed, verb: 'update', kind: type.kind as StoredKind, object: next } });
  if (!dryRun) session.commit();
  io.stdout(`${kindName(type)}/${t.name} ${verb}${dryRun ? ' (dry run)' : ''}\n`);
  return 0;
}

export function patch(io: CliIO, g: GlobalOptions, t: Target, o: { type: string; patch: string; dryRun: boolean }): number {
  const contentType = o.type === 'json' ? PATCH_TYPES.json : o.type === 'merge' ? PATCH_TYPES.merge : o.type === 'strategic' ? PATCH_TYPES.strategic : undefined;
  if (!contentType) throw new UsageError(`error: --type must be one of [json merge strategic], not "${o.type}"`);
  try { JSON.parse(o.patch); } catch (e) { throw new UsageError(`error: unable to parse "${o.patch}": ${(e as Error).message}`); }
  return changeObject(io, g, t, 'patched', (live) => {
    try {
      return applyPatch(live, contentType, o.patch) as Obj;
    } catch (e) {
      // A patch that does not apply is the user's input, said in one line (the API server's words).
      if (e instanceof StatusError) throw new UsageError(`error: ${e.message}`);
      throw e;
    }
  }, o.dryRun);
}

/** `label`/`annotate`: KEY=VALUE sets (an existing key only with --overwrite), KEY- removes. */
export function setMetadataMap(io: CliIO, g: GlobalOptions, t: Target, field: 'labels' | 'annotations', changes: string[], o: { overwrite: boolean; dryRun: boolean }): number {
  if (changes.length === 0) throw new UsageError(`error: at least one ${field === 'labels' ? 'label' : 'annotation'} update is required`);
  const parsed = changes.map((c) => {
    if (c.endsWith('-') && !c.includes('=')) return { key: c.slice(0, -1), remove: true as const };
    const at = c.indexOf('=');
    if (at <= 0) throw new UsageError(`error: invalid ${field === 'labels' ? 'label' : 'annotation'} spec: ${c}`);
    return { key: c.slice(0, at), value: c.slice(at + 1), remove: false as const };
  });
  return changeObject(io, g, t, field === 'labels' ? 'labeled' : 'annotated', (live) => {
    const map = { ...((live.metadata[field] as Record<string, string> | undefined) ?? {}) };
    for (const p of parsed) {
      if (p.remove) { delete map[p.key]; continue; }
      if (map[p.key] !== undefined && map[p.key] !== p.value && !o.overwrite) {
        throw new UsageError(`error: '${p.key}' already has a value (${map[p.key]}), and --overwrite is false`);
      }
      map[p.key] = p.value;
    }
    const metadata = { ...live.metadata };
    if (Object.keys(map).length > 0) metadata[field] = map; else delete metadata[field];
    return { ...live, metadata };
  }, o.dryRun);
}

/** `cordon`/`uncordon`: the node's spec.unschedulable. */
export function cordon(io: CliIO, g: GlobalOptions, name: string, unschedulable: boolean, dryRun: boolean): number {
  return changeObject(io, g, { kind: 'node', name, namespace: '' }, unschedulable ? 'cordoned' : 'uncordoned', (live) => {
    const spec = { ...((live['spec'] as Record<string, unknown> | undefined) ?? {}) };
    if (unschedulable) spec['unschedulable'] = true; else delete spec['unschedulable'];
    return { ...live, spec };
  }, dryRun, unschedulable ? 'already cordoned' : 'already uncordoned');
}

/** kubectl's `KIND NAME` or `KIND/NAME` at the start of the arguments; returns the rest. */
export function splitTarget(args: string[], namespace: string): { target: Target; rest: string[] } {
  const [first, ...rest] = args;
  if (!first) throw new UsageError('error: you must specify the type of resource and a name');
  if (first.includes('/')) return { target: { kind: first.slice(0, first.indexOf('/')), name: first.slice(first.indexOf('/') + 1), namespace }, rest };
  const [name, ...more] = rest;
  if (!name) throw new UsageError('error: you must specify the type of resource and a name');
  return { target: { kind: first, name, namespace }, rest: more };
}

