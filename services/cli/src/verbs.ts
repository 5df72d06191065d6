/**
 * Design: one function per verb. A mutating verb opens a Session (fold the log), validates ALL
 * its input before changing anything, applies, settles, and commits one batch; a reading verb
 * folds and prints. Output follows kubectl's words so habits carry over.
 */
import { existsSync, lstatSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { ApiError, type EventLog, type KubeEvent, type LogRecord } from '@pvsim/domain';
import {
  ManifestError, applyDefaults, applyRequestNamespace, describe as describeObject, parseManifests, printJson, printNames,
  printTable, printYaml, readManifestSources, resolveKind, resolveResource, validateObject, warningsFor, applyFieldValidation,
  type FieldValidation, type ParsedObject, type ResourceType,
} from '@pvsim/manifests';
import { DROPPED_LINES_MAX, FileEventLog, acquireLogLock, describeOwner, repairLog } from '@pvsim/log-file';
import { LOCK_TIMEOUT_MS, openClusterLog, wallClock } from './clusterDir.ts';
import { objectKey, type StoredKind } from '@pvsim/runtime';
import type { SettleBudget } from '@pvsim/world';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';
import { Session, openObjectsView, openSession, unsettledNotice } from './session.ts';
import { RecordedRpcs } from './csiRpc.ts';
import { ObjectsFileMismatch, type ObjectsView } from './objectsFile.ts';
import { applyAction, desiredForApply, runInput, stripServerFields, type Input, type Obj } from './inputs.ts';
import { namespaceLifecycleRefusal, resizeRefusal } from './admission.ts';
import { selectorFilter } from './selectors.ts';
import { runCheckPath, type CheckPathData } from './checkPath.ts';
import { printFormatted, printTableWithLabels, sortBy, type PrintFlags } from './outputFormats.ts';


/** Kinds users create, change and delete (events are the controllers'). */
const STORAGE_KINDS = new Set(['PersistentVolume', 'PersistentVolumeClaim', 'StorageClass', 'Pod', 'Node', 'ConfigMap', 'Secret', 'Deployment', 'StatefulSet', 'VolumeAttachment',
  'VolumeSnapshotClass', 'VolumeSnapshot', 'VolumeSnapshotContent', 'CSIDriver', 'CSINode', 'ReplicaSet',
  'Namespace', 'Service', 'ServiceAccount', 'PodDisruptionBudget']);

function open(g: GlobalOptions): Session {
  return openSession(g);
}

interface Loaded { parsed: ParsedObject; type: ResourceType; object: Obj }

/** Reads and parses every source, resolving kinds; throws before anything is applied. */
function load(io: CliIO, files: string[], namespace: string, explicitNamespace = false): Loaded[] {
  const sources = readManifestSources(files.map((f) => (f === '-' ? f : resolve(io.cwd, f))), io.readStdin);
  const out: Loaded[] = [];
  for (const src of sources) {
    const display = src.file.startsWith(io.cwd + '/') ? src.file.slice(io.cwd.length + 1) : src.file;
    for (const raw of parseManifests(src.text, display)) {
      const parsed = applyRequestNamespace(raw, { namespace, explicit: explicitNamespace });
      const o = parsed.object as Obj;
      const type = resolveKind(String(o.apiVersion ?? ''), String(o.kind ?? ''));
      if (!type || !type.served || !STORAGE_KINDS.has(type.kind)) {
        throw new ManifestError('UnknownKind', `${display}:${parsed.line}: pvsim does not serve kind "${o.kind}" (${o.apiVersion}) yet; it serves ${[...STORAGE_KINDS].join(', ')}`, { file: display, line: parsed.line });
      }
      const object = structuredClone(o);
      out.push({ parsed, type, object });
    }
  }
  return out;
}

/** kubectl's name for a kind in messages: `deployment.apps`, `storageclass.storage.k8s.io`, `pod`. */
export function kindName(type: { kind: string; group: string }): string {
  return type.group ? `${type.kind.toLowerCase()}.${type.group}` : type.kind.toLowerCase();
}

function ref(type: ResourceType, name: string): string {
  return `${kindName(type)}/${name}`;
}

/**
 * Server-side field validation of one loaded object (strictFields.ts): Strict throws, Warn and
 * Ignore leave the object without its unknown fields; warnings are added to `warnings`.
 */
function validateFields(l: Loaded, directive: FieldValidation, exists: boolean, warnings: string[]): void {
  const checked = applyFieldValidation(l.parsed, directive, exists ? 'patching' : 'creating');
  if (checked.parsed === l.parsed) return;
  l.parsed = checked.parsed;
  l.object = structuredClone(checked.parsed.object) as Obj;
  for (const w of checked.warnings.map((x) => `Warning: ${x}`)) if (!warnings.includes(w)) warnings.push(w);
}

export function apply(io: CliIO, g: GlobalOptions, files: string[], opts: { namespace: string; explicitNamespace: boolean; wait: boolean; validate?: FieldValidation }): number {
  const loaded = load(io, files, opts.namespace, opts.explicitNamespace);
  const session = open(g);
  const store = session.store;
  // Validate everything against the state it will meet, before touching the store.
  const lines: string[] = [];
  const warnings: string[] = [];
  const seen = new Map<string, Obj>();
  for (const l of loaded) {
    const kind = l.type.kind as StoredKind;
    const id = `${kind}/${objectKey(kind, l.object as never)}`;
    const live = seen.get(id) ?? (store.get(kind, objectKey(kind, l.object as never)) as Obj | undefined);
    validateFields(l, opts.validate ?? 'Strict', live !== undefined, warnings);
    const next = desiredForApply(live, l.object);
    // The namespace lifecycle admission plugin: no object goes into a namespace that does not exist
    // (one created earlier in the same apply does, as kubectl sends the objects in order).
    const missing = namespaceLifecycleRefusal(kind, next.metadata.namespace, (ns) => store.get('Namespace', ns) !== undefined || seen.has(`Namespace/${ns}`));
    if (missing) {
      const line = l.parsed.lineOf('metadata.namespace') ?? l.parsed.line;
      throw new ApiError('NotFound', `${l.parsed.file}:${line}: Error from server (NotFound): error when creating ${JSON.stringify(l.parsed.file)}: ${missing}`);
    }
    if (live) validateObject({ ...l.parsed, object: next }, 'update', live); else validateObject({ ...l.parsed, object: next }, 'create');
    const refused = live && kind === 'PersistentVolumeClaim' ? resizeRefusal(next as never, live as never, store.listClasses()) : undefined;
    if (refused) throw new ApiError('Forbidden', `Error from server (Forbidden): ${l.parsed.file}:${l.parsed.line}: ${refused}`);
    for (const w of warningsFor(next)) if (!warnings.includes(w)) warnings.push(w);
    lines.push(`${ref(l.type, next.metadata.name)} ${applyAction(live, next)}`);
    seen.set(id, next);
  }
  runInput(session, { type: 'ApplyRequested', data: { seed: g.seed, wait: opts.wait, objects: loaded.map((l) => l.object) } });
  session.commit();
  g.progress?.stop();
  for (const w of warnings) io.stderr(`${w}\n`);
  io.stdout(lines.map((l) => l + '\n').join(''));
  io.stderr(unsettledNotice(session));
  return 0;
}

export function importObjects(io: CliIO, g: GlobalOptions, files: string[], opts: { wait: boolean; validate?: FieldValidation }): number {
  const loaded = load(io, files, 'default');
  const session = open(g);
  const store = session.store;
  const names = new Set<string>();
  const warnings: string[] = [];
  for (const l of loaded) {
    validateFields(l, opts.validate ?? 'Strict', false, warnings);
    const kind = l.type.kind as StoredKind;
    const key = objectKey(kind, l.object as never);
    if (store.get(kind, key) || names.has(`${kind}/${key}`)) {
      throw new ApiError('AlreadyExists', `Error from server (AlreadyExists): ${l.parsed.file}:${l.parsed.line}: ${l.type.plural} "${l.object.metadata.name}" already exists`);
    }
    const missing = namespaceLifecycleRefusal(kind, l.object.metadata.namespace, (ns) => store.get('Namespace', ns) !== undefined || names.has(`Namespace/${ns}`));
    if (missing) {
      const line = l.parsed.lineOf('metadata.namespace') ?? l.parsed.line;
      throw new ApiError('NotFound', `${l.parsed.file}:${line}: Error from server (NotFound): error when creating ${JSON.stringify(l.parsed.file)}: ${missing}`);
    }
    names.add(`${kind}/${key}`);
    validateObject({ ...l.parsed, object: applyDefaults(stripServerFields(l.object)) }, 'create');
  }
  runInput(session, { type: 'ImportRequested', data: { seed: g.seed, wait: opts.wait, objects: loaded.map((l) => l.object) } });
  session.commit();
  const lines = loaded.map((l) => `${ref(l.type, l.object.metadata.name)} imported`);
  g.progress?.stop();
  for (const w of warnings) io.stderr(`${w}\n`);
  io.stdout(lines.map((l) => l + '\n').join(''));
  io.stderr(unsettledNotice(session));
  return 0;
}

export function del(io: CliIO, g: GlobalOptions, o: { kind?: string | undefined; names: string[]; files?: string[] | undefined; namespace: string; explicitNamespace: boolean; wait: boolean; force?: boolean; selector?: string | undefined; fieldSelector?: string | undefined; all?: boolean; ignoreNotFound?: boolean; dryRun?: 'client' | 'server' | undefined }): number {
  if (o.all && o.selector === undefined) o = { ...o, selector: '' };
  const targets: { type: ResourceType; name: string; namespace: string }[] = [];
  if (o.files && o.files.length > 0) {
    for (const l of load(io, o.files, o.namespace, o.explicitNamespace)) targets.push({ type: l.type, name: l.object.metadata.name, namespace: l.object.metadata.namespace ?? o.namespace });
  } else {
    if (!o.kind) throw new UsageError('error: You must provide one or more resources by argument or filename.');
    const bySelector = o.selector !== undefined || o.fieldSelector !== undefined;
    if (o.names.length === 0 && !bySelector) throw new UsageError(`error: resource(s) were provided, but no name was specified`);
    for (const kind of o.kind.split(',')) {
      const type = resolveResource(kind);
      if (!STORAGE_KINDS.has(type.kind)) throw new UsageError(`error: pvsim cannot delete ${type.plural} yet`);
      for (const name of o.names) targets.push({ type, name, namespace: o.namespace });
    }
  }
  const session = open(g);
  const store = session.store;
  if (o.kind && o.names.length === 0 && (o.selector !== undefined || o.fieldSelector !== undefined)) {
    for (const kind of o.kind.split(',')) {
      const type = resolveResource(kind);
      const keep = selectorFilter(type.kind, o.selector, o.fieldSelector) as (x: Obj) => boolean;
      for (const x of store.list(type.kind as StoredKind) as Obj[]) {
        if (type.namespaced && (x.metadata.namespace ?? 'default') !== o.namespace) continue;
        if (keep(x)) targets.push({ type, name: x.metadata.name, namespace: x.metadata.namespace ?? o.namespace });
      }
    }
    if (targets.length === 0) { io.stderr('No resources found\n'); return 0; }
  }
  const found = targets.filter((t) => store.get(t.type.kind as StoredKind, t.type.namespaced ? `${t.namespace}/${t.name}` : t.name));
  const missing = targets.filter((t) => !found.includes(t));
  if (found.length > 0 && o.dryRun) {
    // Nothing is recorded: kubectl's `--dry-run` says what would go.
    for (const t of found) io.stdout(`${kindName(t.type)} "${t.name}" deleted (${o.dryRun === 'server' ? 'server dry run' : 'dry run'})\n`);
  } else if (found.length > 0) {
    if (o.force) io.stderr('Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.\n');
    runInput(session, { type: 'DeleteRequested', data: { seed: g.seed, wait: o.wait, ...(o.force ? { force: true } : {}), objects: found.map((t) => ({ kind: t.type.kind as StoredKind, name: t.name, ...(t.type.namespaced ? { namespace: t.namespace } : {}) })) } });
    session.commit();
    g.progress?.stop();
    for (const t of found) io.stdout(`${kindName(t.type)} "${t.name}" ${o.force ? 'force deleted' : 'deleted'}\n`);
    io.stderr(unsettledNotice(session));
  }
  if (o.ignoreNotFound) return 0;
  for (const t of missing) io.stderr(`Error from server (NotFound): ${t.type.plural} "${t.name}" not found\n`);
  return missing.length > 0 ? 1 : 0;
}

function readOnly(g: GlobalOptions): Session {
  return openSession(g);
}

/** kubectl's TYPE/NAME form (`pvc/data pv/x`): one call per type, names in order. */
function splitTypeNames(args: string[]): { kind: string; names: string[] }[] | undefined {
  if (!args.every((a) => a.includes('/'))) return undefined;
  const groups: { kind: string; names: string[] }[] = [];
  for (const a of args) {
    const [kind, name] = [a.slice(0, a.indexOf('/')), a.slice(a.indexOf('/') + 1)];
    const g = groups.find((x) => x.kind === kind);
    if (g) g.names.push(name); else groups.push({ kind, names: [name] });
  }
  return groups;
}

/** The objects of a type `get` lists: in the namespace (or all), matching the selectors. */
export function selectObjects(store: Pick<Session['store'], 'list'> & Partial<Pick<Session['store'], 'events'>>, type: ResourceType, o: { namespace: string; allNamespaces: boolean; selector?: string | undefined; fieldSelector?: string | undefined }): Obj[] {
  // Events are the recorder's (pvsim events), listed as kubectl get events lists them.
  let objects = type.kind === 'Event' && store.events ? store.events() as unknown as Obj[] : store.list(type.kind as StoredKind) as Obj[];
  if (type.namespaced && !o.allNamespaces) objects = objects.filter((x) => (x.metadata.namespace ?? 'default') === o.namespace);
  if (o.selector !== undefined || o.fieldSelector !== undefined) objects = objects.filter(selectorFilter(type.kind, o.selector, o.fieldSelector) as (x: Obj) => boolean);
  return objects;
}

export function get(io: CliIO, g: GlobalOptions, kinds: string, names: string[], o: { namespace: string; allNamespaces: boolean; output?: string | undefined; selector?: string | undefined; fieldSelector?: string | undefined; withKind?: boolean; showManagedFields?: boolean } & Partial<PrintFlags>): number {
  const typed = splitTypeNames([kinds, ...names]);
  if (typed) {
    let code = 0;
    typed.forEach((t, i) => {
      if (i > 0 && !o.output) io.stdout('\n');
      code = Math.max(code, get(io, g, t.kind, t.names, { ...o, withKind: typed.length > 1 }));
    });
    return code;
  }
  // kubectl's "all" category, as far as pvsim has those kinds.
  const expanded = kinds.split(',').filter(Boolean).flatMap((k) => (k.toLowerCase() === 'all' ? ['pods', 'deployments', 'statefulsets'] : [k]));
  const types = expanded.map((k) => resolveResource(k));
  // A few objects of a large cluster are read from the objects file, without building the world.
  let view: ObjectsView | undefined;
  // Events are the recorder's, read from the session (selectObjects).
  if (!types.some((t) => t.kind === 'Event')) {
    try { view = openObjectsView(g); } catch { view = undefined; }
  }
  if (view) {
    // Held back until the view has answered: a damaged objects file falls back with nothing printed.
    const held: [(text: string) => void, string][] = [];
    try {
      const code = printGet({ ...io, stdout: (t) => { held.push([io.stdout, t]); }, stderr: (t) => { held.push([io.stderr, t]); } }, view, view.now, types, names, o);
      for (const [write, text] of held) write(text);
      return code;
    } catch (error) {
      if (!(error instanceof ObjectsFileMismatch)) throw error;
    }
  }
  const session = readOnly(g);
  return printGet(io, session.store, session.now, types, names, o);
}

type GetOptions = Parameters<typeof get>[4];

function printGet(io: CliIO, store: Pick<Session['store'], 'get' | 'list'>, now: string, types: ResourceType[], names: string[], o: GetOptions): number {
  const collected: { type: ResourceType; objects: Obj[] }[] = [];
  let missing = 0;
  // By name in one namespace: only those objects are read.
  const byKey = names.length > 0 && o.selector === undefined && o.fieldSelector === undefined;
  for (const type of types) {
    let objects = byKey && type.kind !== 'Event' && (!type.namespaced || !o.allNamespaces)
      ? [...new Set(names)].flatMap((n) => { const x = store.get(type.kind as StoredKind, type.namespaced ? `${o.namespace}/${n}` : n) as Obj | undefined; return x ? [x] : []; })
        .filter((x) => !type.namespaced || o.allNamespaces || (x.metadata.namespace ?? 'default') === o.namespace)
      : selectObjects(store, type, o);
    if (names.length > 0) {
      const byName = objects.filter((x) => names.includes(x.metadata.name));
      for (const n of names) {
        if (!byName.some((x) => x.metadata.name === n)) {
          io.stderr(`Error from server (NotFound): ${type.plural} "${n}" not found\n`);
          missing++;
        }
      }
      objects = names.flatMap((n) => byName.filter((x) => x.metadata.name === n));
    }
    collected.push({ type, objects: o.sortBy ? sortBy(objects, o.sortBy) : objects });
  }
  const all = collected.flatMap((c) => c.objects);
  const formatted = printFormatted(o, all, names.length === 1 && types.length === 1 && all.length === 1);
  if (formatted !== undefined) {
    io.stdout(formatted);
    return missing > 0 ? 1 : 0;
  }
  if (o.output === 'json' || o.output === 'yaml') {
    const single = names.length === 1 && types.length === 1 && all.length === 1;
    // As kubectl: managedFields only with --show-managed-fields.
    const shown = o.showManagedFields ? all : all.map((x) => (x.metadata['managedFields'] === undefined ? x : { ...x, metadata: Object.fromEntries(Object.entries(x.metadata).filter(([k]) => k !== 'managedFields')) as Obj['metadata'] }));
    const text = o.output === 'json' ? printJson(shown as never, { single }) : printYaml(shown as never, { single });
    io.stdout(text.endsWith('\n') ? text : text + '\n');
    return missing > 0 ? 1 : 0;
  }
  if (o.output === 'name') {
    const text = printNames(all as never);
    if (text) io.stdout(text.endsWith('\n') ? text : text + '\n');
    return missing > 0 ? 1 : 0;
  }
  const withKind = types.length > 1 || !!o.withKind;
  const blocks: string[] = [];
  for (const c of collected) {
    if (c.objects.length === 0) continue;
    blocks.push(printTableWithLabels(c.type, c.objects, { wide: o.output === 'wide', allNamespaces: o.allNamespaces, now, withKind, noHeaders: !!o.noHeaders, showLabels: !!o.showLabels, labelColumns: o.labelColumns ?? [] }));
  }
  if (blocks.length === 0 && missing === 0) {
    const namespaced = types.some((t) => t.namespaced) && !o.allNamespaces;
    io.stderr(namespaced ? `No resources found in ${o.namespace} namespace.\n` : 'No resources found\n');
    return 0;
  }
  io.stdout(blocks.map((b) => (b.endsWith('\n') ? b : b + '\n')).join('\n'));
  return missing > 0 ? 1 : 0;
}

function eventsFor(store: Session['store'], obj: Obj): KubeEvent[] {
  return store.events().filter((e) => e.involvedObject.kind === obj.kind && e.involvedObject.name === obj.metadata.name
    && (e.involvedObject.namespace ?? '') === (obj.metadata.namespace ?? '') && (e.involvedObject.uid === undefined || e.involvedObject.uid === obj.metadata['uid']));
}

export function describe(io: CliIO, g: GlobalOptions, kind: string, names: string[], namespace: string): number {
  const typed = splitTypeNames([kind, ...names]);
  if (typed) {
    let code = 0;
    for (const t of typed) code = Math.max(code, describe(io, g, t.kind, t.names, namespace));
    return code;
  }
  const type = resolveResource(kind);
  const session = readOnly(g);
  const store = session.store;
  let objects = store.list(type.kind as StoredKind) as Obj[];
  if (type.namespaced) objects = objects.filter((x) => (x.metadata.namespace ?? 'default') === namespace);
  if (names.length > 0) {
    for (const n of names) {
      if (!objects.some((x) => x.metadata.name === n)) {
        io.stderr(`Error from server (NotFound): ${type.plural} "${n}" not found\n`);
        return 1;
      }
    }
    objects = names.map((n) => objects.find((x) => x.metadata.name === n)!);
  }
  const texts = objects.map((x) => describeObject(type.kind, x as never, eventsFor(store, x), session.now, { pods: store.listPods(x.metadata.namespace ?? namespace) as never }));
  io.stdout(texts.map((t) => (t.endsWith('\n') ? t : t + '\n')).join('\n\n'));
  return 0;
}

export function events(io: CliIO, g: GlobalOptions, namespace: string, allNamespaces: boolean): number {
  const session = readOnly(g);
  let evs = session.store.events();
  if (!allNamespaces) evs = evs.filter((e) => (e.metadata.namespace ?? 'default') === namespace);
  evs = [...evs].sort((a, b) => (a.lastTimestamp < b.lastTimestamp ? -1 : a.lastTimestamp > b.lastTimestamp ? 1 : 0));
  if (evs.length === 0) {
    io.stderr(allNamespaces ? 'No events found.\n' : `No events found in ${namespace} namespace.\n`);
    return 0;
  }
  const text = printTable('Event', evs as never, { wide: false, allNamespaces, now: session.now, withKind: false });
  io.stdout(text.endsWith('\n') ? text : text + '\n');
  return 0;
}

export function printLog(io: CliIO, g: GlobalOptions, since: number, stream?: string, until?: number): number {
  const log = openClusterLog(g);
  // Printed as read, a thousand lines at a time: the log is never held whole.
  let out: string[] = [];
  const flush = () => { if (out.length) io.stdout(out.join('\n') + '\n'); out = []; };
  forEachRecord(log, (r) => {
    if (until !== undefined && r.pos > until) return false;
    if (r.pos <= since || (stream && !r.stream.startsWith(stream))) return true;
    out.push(JSON.stringify(r));
    if (out.length >= 1000) flush();
    return true;
  });
  flush();
  return 0;
}

export function repair(io: CliIO, g: GlobalOptions, o: { force: boolean } = { force: false }): number {
  const path = join(g.clusterDir, 'log.jsonl');
  if (!existsSync(path) && !isLink(path)) { io.stdout(`${path}: no log; nothing to repair\n`); return 0; }
  const r = repairLog(path, { force: o.force, lock: { timeoutMs: g.lockTimeoutMs ?? LOCK_TIMEOUT_MS, clock: wallClock } });
  if (r.staleLock) io.stdout(`cleared the lock left by ${describeOwner(r.staleLock)}, which has exited\n`);
  const listDropped = (): void => {
    for (const d of r.dropped) {
      io.stdout(`  byte ${d.byteOffset}, ${d.byteLength} bytes: ${d.pos !== undefined ? `record ${d.pos} ${d.type ?? ''} ${d.stream ?? ''}`.trim() : `unreadable (${d.detail})`}${d.detail !== 'intact' && d.pos !== undefined ? ` — ${d.detail}` : ''}\n`);
    }
    if (r.dropped.length >= DROPPED_LINES_MAX) io.stdout('  …\n');
  };
  if (r.tail) {
    io.stdout(`${path}: removed an unfinished last batch (a write that a stopped process never finished; it was never acknowledged)\n`);
    io.stdout(`kept ${r.keptRecords} records (${r.keptBytes} bytes); dropped ${r.droppedBytes} bytes:\n`);
    listDropped();
    return 0;
  }
  if (!r.problem) { io.stdout(`${path}: intact (${r.keptRecords} records); nothing to repair\n`); return 0; }
  const p = r.problem;
  if (!r.changed) {
    io.stderr(`error: ${path}: record ${p.pos} (byte ${p.byteOffset}) is ${p.detail}. The log was NOT changed.\n` +
      `  Cutting it there keeps ${r.keptRecords} records and loses ${r.droppedBytes} bytes, including ${r.acknowledgedLost} intact acknowledged record${r.acknowledgedLost === 1 ? '' : 's'}:\n`);
    for (const d of r.dropped) io.stderr(`  byte ${d.byteOffset}: ${d.pos !== undefined ? `record ${d.pos} ${d.type ?? ''}`.trim() : 'unreadable'} (${d.detail})\n`);
    io.stderr(`  To cut it anyway, run \`pvsim log repair --force\` (it first copies the log to ${path}.damaged-N).\n`);
    return 1;
  }
  io.stdout(`${path}: record ${p.pos} (byte ${p.byteOffset}) was ${p.detail}\n`);
  io.stdout(`backup of the damaged log: ${r.backupPath}\n`);
  io.stdout(`kept ${r.keptRecords} records (${r.keptBytes} bytes); dropped ${r.droppedBytes} bytes, ${r.acknowledgedLost} of them intact acknowledged records:\n`);
  listDropped();
  return 0;
}

function isLink(path: string): boolean {
  try { return lstatSync(path).isSymbolicLink(); } catch { return false; }
}

/**
 * Calls `fn` with every record of `log` in order. A file log is streamed batch by batch, so a
 * log of any size is read in the memory of its largest batch; other logs are read whole.
 */
function forEachRecord(log: EventLog, fn: (r: LogRecord) => boolean | void): void {
  if (log instanceof FileEventLog) {
    log.forEachBatch((batch) => { for (const r of batch) if (fn(r) === false) return false; return true; });
    return;
  }
  for (const r of log.read()) if (fn(r) === false) return;
}

/**
 * sha256 digests of a log's records, 32 bytes each, packed in one buffer that doubles as it
 * fills: a Buffer per record costs about 180 bytes of heap (object, ArrayBuffer, backing store),
 * which at a million records is 170 MiB for 32 MiB of digests.
 */
class DigestList {
  private bytes = Buffer.alloc(32 * 1024);
  length = 0;
  push(digest: Buffer): void {
    if ((this.length + 1) * 32 > this.bytes.length) {
      const grown = Buffer.alloc(this.bytes.length * 2);
      this.bytes.copy(grown);
      this.bytes = grown;
    }
    digest.copy(this.bytes, this.length * 32);
    this.length++;
  }
  equalsAt(i: number, digest: Buffer): boolean {
    return this.bytes.subarray(i * 32, i * 32 + 32).equals(digest);
  }
}

/** sha256 of a record's canonical JSON line, 32 bytes. */
const digestOf = (r: LogRecord): Buffer => createHash('sha256').update(JSON.stringify(r)).digest();

/**
 * Re-executes every recorded input in a scratch directory and compares the logs. Only the inputs
 * and a sha256 per record (32 bytes) are held, not the records, so a log of a million records
 * verifies in a few hundred MiB; the scratch cluster keeps snapshots as any cluster does, so each
 * input starts from the nearest one instead of folding the replayed log from its start.
 */
export function verify(io: CliIO, g: GlobalOptions): number {
  const log = openClusterLog(g);
  const inputs: LogRecord[] = [];
  const digests = new DigestList();
  // A driver's answers another process gave (ADR 0022) are handed back to the re-executed calls.
  const rpcs = new RecordedRpcs();
  forEachRecord(log, (r) => {
    digests.push(digestOf(r));
    if (r.stream === 'cluster') inputs.push(r);
    rpcs.see(r);
  });
  const scratch = mkdtempSync(join(tmpdir(), 'pvsim-verify-'));
  try {
    // The scratch log is private to this command: not fsynced append by append.
    const replayLog = new FileEventLog(join(scratch, 'log.jsonl'), { syncEachAppend: false });
    const scratchLock = acquireLogLock(replayLog.path);
    // Each input runs in its own session and world, as the command that wrote it did; each
    // session continues in memory after the previous one (Session `after`) instead of folding
    // the scratch log again, so a log of many commands re-executes in time linear in its length.
    // Any difference between that and a fresh fold would show here as a differing record.
    let previous: Session | undefined;
    for (const input of inputs) {
      const data = input.data as { seed: number; budget?: Partial<SettleBudget> };
      const after = previous ? { after: previous } : {};
      if (input.type === 'CheckPathRequested') {
        // A `pvsim check` counterexample: its path re-runs in a session built as it was.
        const path = input.data as CheckPathData;
        const s = new Session({ clusterDir: scratch, seed: path.seed, log: replayLog, snapshotEveryRecords: 0, world: path.world, ...after });
        s.input(input.type, path);
        runCheckPath(s, path);
        s.commit();
        previous = s;
        continue;
      }
      const recorded = rpcs.transportsFor(input.pos);
      const s = new Session({
        clusterDir: scratch, seed: data.seed, log: replayLog, snapshotEveryRecords: 0, ...(data.budget ? { budget: data.budget } : {}), ...after,
        ...(recorded ? { driverRpc: recorded } : {}),
      });
      runInput(s, { type: input.type, data: input.data } as Input);
      s.commit();
      previous = s;
    }
    scratchLock.release();
    let replayed = 0;
    let differsAt = -1;
    forEachRecord(replayLog, (r) => {
      const i = replayed++;
      if (i >= digests.length || !digests.equalsAt(i, digestOf(r))) { differsAt = i; return false; }
      return true;
    });
    if (differsAt < 0 && replayed === digests.length) {
      io.stdout(`log verified: ${inputs.length} inputs re-executed, ${digests.length} records reproduced byte for byte\n`);
      return 0;
    }
    const at = differsAt < 0 ? Math.min(replayed, digests.length) : differsAt;
    const lineAt = (l: EventLog): string | undefined => {
      let found: string | undefined;
      let n = 0;
      forEachRecord(l, (r) => { if (n++ === at) { found = JSON.stringify(r); return false; } return true; });
      return found;
    };
    io.stderr(`log differs at record ${at + 1}:\n  recorded: ${lineAt(log) ?? '(none)'}\n  replayed: ${lineAt(replayLog) ?? '(none)'}\n`);
    return 1;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
