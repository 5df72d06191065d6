/**
 * Design: the verbs that read a cluster's past from its log — `log -o json` (every record with its
 * position, cause and component), `history KIND/NAME` (one line per change of one object) and
 * `events --since/--until` (the events recorded between two positions). They only read: causes
 * are derived from the log's order and the component each record names (packages/replay
 * causes.ts, ADR 0006).
 */
import type { KubeEvent, LogRecord } from '@pvsim/domain';
import { printTable, resolveResource } from '@pvsim/manifests';
import { STREAM_PREFIX, objectKey, type StoredKind } from '@pvsim/runtime';
import { ReadPointError, annotate, objectHistory, parsePosition, summariseChanges, type Annotated, type HistoryEntry } from '@pvsim/replay';
import { openClusterLog } from './clusterDir.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';

/** The log's records annotated with cause and component. */
export function annotatedLog(g: GlobalOptions): { records: LogRecord[]; annotated: Annotated[] } {
  const records = openClusterLog(g).read();
  return { records, annotated: annotate(records) };
}

/** The annotated records up to the read point (`--at` past the end is refused, as every read verb does). */
export function upToReadPoint(g: GlobalOptions, annotated: Annotated[]): Annotated[] {
  if (g.atPos === undefined) return annotated;
  const end = annotated.length > 0 ? annotated[annotated.length - 1]!.record.pos : 0;
  if (g.atPos > end) throw new ReadPointError(`error: --at ${g.atPos}: the log ends at position ${end}`);
  return annotated.filter((a) => a.record.pos <= g.atPos!);
}

/** `pvsim log -o json`: one JSON object per line with position, time, stream, type, component, cause and data. */
export function printLogJson(io: CliIO, g: GlobalOptions, o: { since: number; until?: number | undefined; stream?: string | undefined }): number {
  const { annotated } = annotatedLog(g);
  const out: string[] = [];
  for (const a of annotated) {
    const r = a.record;
    if (r.pos <= o.since || (o.until !== undefined && r.pos > o.until)) continue;
    if (o.stream && !r.stream.startsWith(o.stream)) continue;
    out.push(JSON.stringify({
      position: r.pos, time: r.time, stream: r.stream, type: r.type, component: a.component,
      ...(a.cause ? { cause: { position: a.cause.pos, type: a.cause.type, what: a.cause.what } } : {}),
      data: r.data, ...(r.end ? { end: true } : {}),
    }));
  }
  if (out.length) io.stdout(out.join('\n') + '\n');
  return 0;
}

/** A position flag, or undefined when not given. */
export function optionalPosition(text: string | undefined, flag: string): number | undefined {
  return text === undefined ? undefined : parsePosition(text, flag);
}

/** `KIND/NAME` (or KIND NAME) as the stream its facts are written to: `pvc/data` → `pvc/default/data`. */
export function streamOf(target: string, name: string | undefined, namespace: string): { stream: string; label: string } {
  const [kindText, objName] = name !== undefined ? [target, name] : target.includes('/') ? [target.slice(0, target.indexOf('/')), target.slice(target.indexOf('/') + 1)] : [target, ''];
  if (!objName) throw new UsageError(`error: history needs KIND/NAME (e.g. pvc/data, pv/nas-5g), got "${target}"`);
  const type = resolveResource(kindText);
  const kind = type.kind as StoredKind;
  if (!(kind in STREAM_PREFIX)) throw new UsageError(`error: pvsim keeps no history of ${type.plural}`);
  const key = objectKey(kind, { metadata: { name: objName, ...(type.namespaced ? { namespace } : {}) } });
  return { stream: `${STREAM_PREFIX[kind]}/${key}`, label: `${type.singular}/${objName}` };
}

function causeText(e: HistoryEntry): string {
  const via = e.cause ? (e.cause.type === 'WorkDelivered' ? e.cause.what.replace(/^work /, '') : e.cause.what) : '';
  const trigger = e.trigger ? `, caused by ${e.trigger.what} at ${e.trigger.pos}` : '';
  return e.cause ? `${via} at ${e.cause.pos}${trigger}` : '';
}

/** `pvsim history KIND/NAME`: one line per change of the object. */
export function history(io: CliIO, g: GlobalOptions, target: string, name: string | undefined, o: { namespace: string; output?: string | undefined }): number {
  const { stream, label } = streamOf(target, name, o.namespace);
  const { annotated } = annotatedLog(g);
  const entries = objectHistory(upToReadPoint(g, annotated), stream);
  if (entries.length === 0) {
    io.stderr(`Error from server (NotFound): ${label} has no history in this cluster's log\n`);
    return 1;
  }
  if (o.output === 'json') {
    io.stdout(entries.map((e) => JSON.stringify({
      position: e.pos, time: e.time, change: e.change, ...(e.phase !== undefined ? { phase: e.phase } : {}), component: e.component,
      ...(e.cause ? { cause: { position: e.cause.pos, type: e.cause.type, what: e.cause.what } } : {}),
      ...(e.trigger ? { trigger: { position: e.trigger.pos, type: e.trigger.type, what: e.trigger.what } } : {}),
      changes: e.changes,
    })).join('\n') + '\n');
    return 0;
  }
  const rows = entries.map((e) => [String(e.pos), e.time, e.change === 'Updated' ? (e.phase ?? '-') : `${e.change}${e.phase ? ` ${e.phase}` : ''}`, e.component, causeText(e), e.change === 'Created' ? `${e.changes.length} fields` : summariseChanges(e.changes)]);
  const head = ['POS', 'TIME', 'PHASE', 'BY', 'CAUSE', 'CHANGES'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('   ').trimEnd();
  io.stdout([line(head), ...rows.map(line)].join('\n') + '\n');
  return 0;
}

/** `pvsim events --since POS --until POS`: the events recorded in (since, until], each as last recorded in that range. */
export function eventsBetween(io: CliIO, g: GlobalOptions, o: { namespace: string; allNamespaces: boolean; since?: number | undefined; until?: number | undefined }): number {
  const latest = new Map<string, KubeEvent>();
  let now = '';
  for (const r of openClusterLog(g).read()) {
    if (o.until !== undefined && r.pos > o.until) break;
    now = r.time;
    if (r.type !== 'EventRecorded' || (o.since !== undefined && r.pos <= o.since)) continue;
    latest.set(r.stream, r.data as KubeEvent);
  }
  let evs = [...latest.values()];
  if (!o.allNamespaces) evs = evs.filter((e) => (e.metadata.namespace ?? 'default') === o.namespace);
  evs.sort((a, b) => (a.lastTimestamp < b.lastTimestamp ? -1 : a.lastTimestamp > b.lastTimestamp ? 1 : 0));
  if (evs.length === 0) {
    io.stderr(o.allNamespaces ? 'No events found.\n' : `No events found in ${o.namespace} namespace.\n`);
    return 0;
  }
  const text = printTable('Event', evs as never, { wide: false, allNamespaces: o.allNamespaces, now, withKind: false });
  io.stdout(text.endsWith('\n') ? text : text + '\n');
  return 0;
}
