/**
 * Design: `pvsim record …`, the bridge between pvsim's log and what a user captures on a real
 * cluster. `record export` writes a cluster's history (up to a read point) in the real formats —
 * a watch stream, an audit log, an events list — from the annotated log (packages/replay
 * exportFormats.ts), so a pvsim run can be read by the same tools as a real incident.
 * `record import` reads a real recording (packages/replay importFormats.ts: refused whole, with
 * file and line, when bad), replays its inputs — the changes people made — through pvsim's own
 * controllers at the recorded times, and writes a new cluster directory atomically (clusterDir.ts)
 * holding that log and the recording; `record compare` holds the model's log to the real
 * controllers' changes and events (packages/replay compare.ts).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { resourceTypeForKind } from '@pvsim/manifests';
import type { FileEventLog } from '@pvsim/log-file';
import { objectKey, type StoredKind } from '@pvsim/runtime';
import { buildTimeline, compareRecording, exportAudit, exportEvents, exportWatch, parseRecording, renderTimelineHtml, type RecObj, type Recording, type ResourceOf } from '@pvsim/replay';
import { lockClusterForWrite, openClusterLog, openFileLog, writeClusterAtomically } from './clusterDir.ts';
import { annotatedLog, upToReadPoint } from './historyVerbs.ts';
import { runInput, stripServerFields, type Input, type Obj } from './inputs.ts';
import { COMMAND_GAP_MS, Session } from './session.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';

/** The API resource of a kind pvsim stores, from the manifests package's table. */
export const resourceOf: ResourceOf = (kind) => {
  const t = resourceTypeForKind(kind);
  return t ? { resource: t.plural, group: t.group, version: t.version, namespaced: t.namespaced } : undefined;
};

/** `pvsim record export --format watch|audit|events [--at POS | --at-time T]`. */
export function recordExport(io: CliIO, g: GlobalOptions, format: string): number {
  const { annotated } = annotatedLog(g);
  const upTo = upToReadPoint(g, annotated);
  if (format === 'watch') io.stdout(exportWatch(upTo));
  else if (format === 'audit') io.stdout(exportAudit(upTo, resourceOf));
  else if (format === 'events') io.stdout(exportEvents(upTo));
  else throw new UsageError(`error: unknown --format "${format}": watch, audit or events`);
  return 0;
}

// ------------------------------------------------------------------ import and compare

/** What `record import` keeps beside the replayed cluster's log, for `record compare`. */
export const RECORDING_FILE = 'recording.json';

interface RecordingFile extends Recording { format: 1; files: string[] }

/** Changes of these kinds are replayed; others (attachments, events) are only observed. */
const REPLAYED_KINDS = new Set(['PersistentVolume', 'PersistentVolumeClaim', 'StorageClass', 'Pod', 'Node', 'Deployment', 'StatefulSet', 'ConfigMap', 'Secret']);

/**
 * Every input of the recording, as pvsim inputs, with simulated time advanced to each one's
 * recorded time. One object per input, as kubectl sends them (the controllers react in between;
 * one import of many objects at once would let them race differently). Each input is its own
 * session and batch, as `log verify` re-executes them, but the sessions run one after the other
 * in memory: each continues after the previous one (Session `after`), its new world adopting the
 * previous world's API server instead of reading and folding the log again, so the log is
 * byte for byte what one command per input would write. The log lives in the new cluster's
 * private directory, which writeClusterAtomically fsyncs whole before publishing it: its appends
 * are not fsynced one by one, and the log's lock is held once for the whole replay.
 */
function replay(g: GlobalOptions, dir: string, seed: number, rec: Recording): number {
  const gd: GlobalOptions = { ...g, clusterDir: dir };
  const log = openFileLog(gd, { syncEachAppend: false });
  const release = lockClusterForWrite(gd);
  try {
    return replayInputs(dir, seed, rec, log);
  } finally {
    release?.();
  }
}

function replayInputs(dir: string, seed: number, rec: Recording, log: FileEventLog): number {
  let previous: Session | undefined;
  const session = (): Session => {
    // Only the last snapshot's objects file is written (at the end): every earlier one would be
    // overwritten unread. Nothing fingerprints these worlds: their work queues hash nothing.
    previous = new Session({ clusterDir: dir, seed, log, objectsFileAtEnd: true, world: { fingerprints: false }, ...(previous ? { after: previous } : {}) });
    return previous;
  };
  const exists = (s: Session, o: RecObj): boolean => {
    const kind = o.kind as StoredKind;
    return s.store.get(kind, objectKey(kind, o as never)) !== undefined;
  };
  /** Runs `input` at recorded `time`: first lets simulated time reach it (its own input), then the input. */
  const runAt = (time: string | undefined, build: (s: Session) => Input | undefined): boolean => {
    let s = session();
    const input = build(s);
    if (!input) return false;
    // The advance is an input of its own, and so is the change: each starts a command gap after
    // the one before, so the change's input lands at the recorded time itself.
    const delta = time === undefined ? 0 : Date.parse(time) - s.clock.now() - 2 * COMMAND_GAP_MS;
    if (delta > 0) {
      runInput(s, { type: 'AdvanceRequested', data: { seed, durationMs: delta } });
      s.commit();
      s = session();
    }
    runInput(s, input);
    s.commit();
    return true;
  };
  let inputs = 0;
  const initial = rec.initial.filter((o) => o.kind !== 'Event');
  if (initial.length > 0 && runAt(undefined, () => ({ type: 'ImportRequested', data: { seed, wait: true, objects: initial as Obj[] } }))) inputs++;
  const changes = rec.changes.filter((c) => c.role === 'input' && REPLAYED_KINDS.has(c.object.kind));
  for (const c of changes) {
    const o = c.object;
    const kind = o.kind as StoredKind;
    let ran: boolean;
    if (c.verb === 'create') {
      ran = runAt(c.time, (s) => (exists(s, o) ? undefined : { type: 'ImportRequested', data: { seed, wait: true, objects: [o as Obj] } }));
    } else if (c.verb === 'delete') {
      ran = runAt(c.time, (s) => (exists(s, o) ? { type: 'DeleteRequested', data: { seed, wait: true, objects: [{ kind, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) }] } } : undefined));
    } else if (c.verb === 'update') {
      const { status: _status, ...spec } = o;
      ran = runAt(c.time, (s) => (exists(s, o) ? { type: 'ApplyRequested', data: { seed, wait: true, objects: [stripServerFields(spec as Obj)] } } : undefined));
    } else {
      ran = runAt(c.time, () => ({ type: c.verb === 'node-down' ? 'NodeDownRequested' : 'NodeUpRequested', data: { seed, name: o.metadata.name } }));
    }
    if (ran) inputs++;
  }
  const end = rec.changes[rec.changes.length - 1]?.time;
  if (end && log.lastPos() > 0) {
    const s = session();
    const delta = Date.parse(end) - s.clock.now() - COMMAND_GAP_MS;
    if (delta > 0) { runInput(s, { type: 'AdvanceRequested', data: { seed, durationMs: delta } }); s.commit(); }
  }
  previous?.writeDueObjectsFile();
  return inputs;
}

/** `pvsim record import FILE… --to DIR`: a new cluster holding the recording's inputs replayed through pvsim, and the recording itself. */
export function recordImport(io: CliIO, g: GlobalOptions, files: string[], o: { to: string }): number {
  const texts = files.map((f) => {
    const path = resolve(io.cwd, f);
    if (!existsSync(path)) throw new UsageError(`error: ${f}: no such file`);
    return { name: f, text: readFileSync(path, 'utf8') };
  });
  const rec = parseRecording(texts);
  const target = resolve(io.cwd, o.to);
  let inputs = 0;
  const names = sourceNames(files);
  writeClusterAtomically(g, target, (dir) => {
    inputs = replay(g, dir, g.seed, rec);
    const saved: RecordingFile = { format: 1, files: names, ...rec };
    writeFileSync(join(dir, RECORDING_FILE), `${JSON.stringify(saved)}\n`, { flag: 'wx' });
    // The files as captured, byte for byte, so `record save` can keep the incident as a test.
    mkdirSync(join(dir, SOURCE_DIR));
    texts.forEach((t, i) => writeFileSync(join(dir, SOURCE_DIR, names[i]!), t.text, { flag: 'wx' }));
  });
  const observations = rec.changes.filter((c) => c.role === 'observation').length;
  io.stdout(`imported ${rec.formats.map((f) => `${f.file} (${f.format})`).join(', ')} into ${target}\n`
    + `  ${rec.initial.length} objects at the start, ${inputs} inputs replayed through pvsim, ${observations} changes by the real controllers and ${rec.events.length} events kept for \`pvsim record compare\`\n`
    + (rec.skippedKinds.length > 0 ? `  not modelled by pvsim, skipped: ${rec.skippedKinds.join(', ')}\n` : ''));
  return 0;
}

/** Where `record import` keeps the recording's files as captured. */
export const SOURCE_DIR = 'recording';
/** The report `record save` keeps beside an incident's files. */
export const EXPECTED_REPORT = 'expected-report.txt';

/** The files' base names, made unique (`2-watch.json` for a second `watch.json`). */
function sourceNames(files: string[]): string[] {
  const seen = new Set<string>();
  return files.map((f, i) => {
    let name = basename(f);
    if (seen.has(name) || name === EXPECTED_REPORT || name === 'README.md') name = `${i + 1}-${name}`;
    seen.add(name);
    return name;
  });
}

/** The human comparison report and whether everything agreed. */
function compareText(g: GlobalOptions, dir: string): { text: string; agree: boolean } {
  const io = { out: '' };
  const code = recordCompare({ stdout: (t) => { io.out += t; }, stderr: () => {}, readStdin: () => '', env: {}, cwd: dir, isTTY: false }, g, dir, {});
  return { text: io.out, agree: code === 0 };
}

/**
 * `pvsim record save DIR --as PATH`: keeps an imported recording as a regression test — its files
 * as captured and its comparison report now — in a new directory (written atomically). The test
 * suite replays every incident under examples/incidents/ and test/incidents/ and expects the same report.
 */
export function recordSave(io: CliIO, g: GlobalOptions, dirArg: string, o: { as: string }): number {
  const dir = resolve(io.cwd, dirArg);
  const rec = readRecording(dir);
  const source = join(dir, SOURCE_DIR);
  if (!existsSync(source)) throw new UsageError(`error: ${dir} keeps no recorded files (${SOURCE_DIR}/); import it again with this pvsim`);
  const report = compareText(g, dir);
  const target = resolve(io.cwd, o.as);
  writeClusterAtomically(g, target, (into) => {
    for (const name of rec.files) writeFileSync(join(into, name), readFileSync(join(source, name)), { flag: 'wx' });
    writeFileSync(join(into, EXPECTED_REPORT), report.text, { flag: 'wx' });
  });
  io.stdout(`saved ${rec.files.join(', ')} and ${EXPECTED_REPORT} (${report.agree ? 'the model agrees' : 'with its disagreements'}) into ${o.as}\n`);
  return 0;
}

function readRecording(dir: string): RecordingFile {
  const path = join(dir, RECORDING_FILE);
  if (!existsSync(path)) throw new UsageError(`error: ${dir} is not an imported recording (no ${RECORDING_FILE}); make one with \`pvsim record import FILE… --to DIR\``);
  const r = JSON.parse(readFileSync(path, 'utf8')) as RecordingFile;
  if (r.format !== 1) throw new UsageError(`error: ${path}: unknown format ${String(r.format)}`);
  return r;
}

const objRef = (o: { kind: string; namespace?: string; name: string }): string => `${o.kind.toLowerCase()}/${o.namespace ? `${o.namespace}/` : ''}${o.name}`;

/** `pvsim record compare DIR [-o json]`: where the real cluster and the model disagree; exit 1 on a disagreement. */
export function recordCompare(io: CliIO, g: GlobalOptions, dirArg: string, o: { output?: string | undefined }): number {
  const dir = resolve(io.cwd, dirArg);
  const rec = readRecording(dir);
  const report = compareRecording(rec, openClusterLog({ ...g, clusterDir: dir }).read());
  if (o.output === 'json') {
    io.stdout(`${JSON.stringify(report)}\n`);
    return report.agree ? 0 : 1;
  }
  const lines: string[] = [];
  for (const c of report.objects) {
    if (c.agree) lines.push(`agree     ${objRef(c)}: ${c.real.join(', ')}`);
    else {
      lines.push(`DISAGREE  ${objRef(c)} at step ${c.step}: ${c.detail}`);
      lines.push(`            real:  ${c.real.join(', ') || '(none)'}`);
      lines.push(`            model: ${c.model.join(', ') || '(none)'}`);
    }
  }
  for (const e of report.missingEvents) lines.push(`DISAGREE  event ${e.reason} on ${objRef(e)}: the real cluster recorded it, the model never emits it ("${e.message}")`);
  const bad = report.objects.filter((c) => !c.agree).length + report.missingEvents.length;
  lines.push(bad === 0 ? `the model agrees with the recording: ${report.objects.length} objects` : `${bad} disagreement${bad === 1 ? '' : 's'}; ${report.objects.filter((c) => c.agree).length} of ${report.objects.length} objects agree`);
  io.stdout(`${lines.join('\n')}\n`);
  return bad === 0 ? 0 : 1;
}

/** `pvsim timeline [--at POS | --at-time T] -o FILE`: one self-contained HTML page; real lanes too for an imported recording. */
export function timeline(io: CliIO, g: GlobalOptions, o: { output: string }): number {
  const { annotated } = annotatedLog(g);
  const upTo = upToReadPoint(g, annotated);
  const real = existsSync(join(g.clusterDir, RECORDING_FILE)) ? readRecording(g.clusterDir) : undefined;
  const title = `pvsim timeline: ${basename(g.clusterDir)}${g.atPos !== undefined ? ` up to record ${g.atPos}` : ''}${real ? ' — model and real cluster' : ''}`;
  const html = renderTimelineHtml(buildTimeline(upTo, title, real));
  const path = resolve(io.cwd, o.output);
  const temp = `${path}.tmp-${process.pid}`;
  writeFileSync(temp, html);
  renameSync(temp, path);
  io.stdout(`wrote ${o.output}: ${upTo.length} records; open it in a browser (it needs no network)\n`);
  return 0;
}
