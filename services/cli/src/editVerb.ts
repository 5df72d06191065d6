/**
 * Design: `pvsim edit KIND/NAME` as kubectl edit: the live object (without managedFields) as
 * YAML (or JSON with -o json) under kubectl's comment header in a file of a temporary directory,
 * opened with $KUBE_EDITOR, else $EDITOR, else vi; what comes back (comment lines dropped) is the
 * update, written like `pvsim patch` (patchVerbs.changeObject: the API server's update input,
 * its validation and texts). An empty or unchanged file cancels; a file that does not parse, or
 * that changes the kind or name, is refused in one line — nothing is written, and the temporary
 * directory is always removed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { printJson, printYaml, resolveResource } from '@pvsim/manifests';
import type { StoredKind } from '@pvsim/runtime';
import { openSession } from './session.ts';
import { changeObject, splitTarget } from './patchVerbs.ts';
import type { Obj } from './inputs.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';

const HEADER = [
  '# Please edit the object below. Lines beginning with a \'#\' will be ignored,',
  '# and an empty file will abort the edit. If an error occurs while saving this file will be',
  '# reopened with the relevant failures.',
  '#',
].join('\n') + '\n';

export function edit(io: CliIO, g: GlobalOptions, args: string[], o: { namespace: string; output?: string | undefined }): number {
  const { target, rest } = splitTarget(args, o.namespace);
  if (rest.length > 0) throw new UsageError(`error: unexpected arguments: ${rest.join(' ')}`);
  if (o.output !== undefined && o.output !== 'yaml' && o.output !== 'json') throw new UsageError(`error: the edit mode must be one of yaml or json, not "${o.output}"`);
  const type = resolveResource(target.kind);
  const key = type.namespaced ? `${o.namespace}/${target.name}` : target.name;
  const live = openSession(g).store.get(type.kind as StoredKind, key) as Obj | undefined;
  if (!live) {
    io.stderr(`Error from server (NotFound): ${type.plural}${type.group ? `.${type.group}` : ''} "${target.name}" not found\n`);
    return 1;
  }
  const shown = structuredClone(live);
  delete shown.metadata['managedFields'];
  const json = o.output === 'json';
  const original = json ? printJson([shown] as never, { single: true }) : printYaml([shown] as never, { single: true });
  const editor = io.env['KUBE_EDITOR'] || io.env['EDITOR'] || 'vi';
  const dir = mkdtempSync(join(tmpdir(), 'pvsim-edit-'));
  let edited: string;
  try {
    const file = join(dir, `${type.plural}-${target.name}.${json ? 'json' : 'yaml'}`);
    writeFileSync(file, HEADER + original);
    // As kubectl does: the editor is a shell command line, the file its last argument.
    const r = spawnSync('sh', ['-c', `${editor} "$1"`, 'pvsim-edit', file], { stdio: 'inherit', env: io.env as NodeJS.ProcessEnv, cwd: io.cwd });
    if (r.error || r.status !== 0) throw new UsageError(`error: there was a problem with the editor "${editor}"`);
    edited = readFileSync(file, 'utf8');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const text = edited.split('\n').filter((l) => !l.startsWith('#')).join('\n');
  if (text.trim() === '' || text.trim() === original.trim()) { io.stdout('Edit cancelled, no changes made.\n'); return 0; }
  let next: Obj;
  try { next = parseYaml(text) as Obj; } catch (e) { throw new UsageError(`error: the edited file could not be parsed: ${(e as Error).message.split('\n')[0]}`); }
  if (!next || typeof next !== 'object' || !next.metadata) throw new UsageError('error: the edited file is not an object');
  if (next.apiVersion !== live.apiVersion || next.kind !== live.kind || next.metadata.name !== live.metadata.name) {
    throw new UsageError('error: At least one of apiVersion, kind and name was changed');
  }
  // What the editor did not show stays as it is.
  if (live.metadata['managedFields'] !== undefined) next.metadata['managedFields'] = live.metadata['managedFields'];
  return changeObject(io, g, { kind: type.plural, name: target.name, namespace: o.namespace }, 'edited', () => next, false);
}
