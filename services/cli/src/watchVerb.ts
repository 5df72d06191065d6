/**
 * Design: `pvsim get KIND -w` as kubectl get --watch: the list first (unless --watch-only), then
 * one line per change as it is committed to the log — by this CLI, another terminal, or
 * `pvsim serve --api` serving kubectl and client libraries, since all of them write the same
 * log. It follows the log file (the wall port's waitForChange), folds the log again when it
 * grows, and prints the objects whose resourceVersion moved and those that went (their last
 * state, as kubectl prints a DELETED event). `--request-timeout` bounds the whole watch in wall
 * time (kubectl's flag; 0 or absent: until interrupted).
 */
import { join } from 'node:path';
import { printJson, printYaml, resolveResource, type ResourceType } from '@pvsim/manifests';
import { openSession } from './session.ts';
import { get, selectObjects } from './verbs.ts';
import { printFormatted, printTableWithLabels, type PrintFlags } from './outputFormats.ts';
import { parseDuration } from './simVerbs.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';
import type { Obj } from './inputs.ts';

export interface WatchFlags extends Partial<PrintFlags> {
  namespace: string;
  allNamespaces: boolean;
  output?: string | undefined;
  selector?: string | undefined;
  fieldSelector?: string | undefined;
  watchOnly?: boolean;
  outputWatchEvents?: boolean;
  requestTimeout?: string | undefined;
}

type Seen = Map<string, { type: ResourceType; object: Obj }>;
type Print = WatchFlags & { now: string; withKind: boolean; header: boolean };

export async function getWatch(io: CliIO, g: GlobalOptions, kinds: string, names: string[], o: WatchFlags): Promise<number> {
  const wall = io.wall;
  if (!wall) throw new UsageError('error: get --watch needs the process\'s clock (run pvsim as a command)');
  if (g.nats) throw new UsageError('error: get --watch follows a file log; it does not watch a log in NATS yet');
  if (g.atPos !== undefined) throw new UsageError('error: --watch shows changes from now on; it cannot be combined with --at/--at-time');
  const timeoutMs = o.requestTimeout === undefined || o.requestTimeout === '0' ? Infinity : parseDuration(/^\d+$/.test(o.requestTimeout) ? `${o.requestTimeout}s` : o.requestTimeout);
  if (timeoutMs === undefined) throw new UsageError(`error: invalid argument "${o.requestTimeout}" for "--request-timeout" flag: must be a duration such as 5s, 1m`);
  const types = kinds.split(',').filter(Boolean).map((k) => resolveResource(k));
  const deadline = wall.nowMs() + timeoutMs;
  let now = '';
  const snapshot = (): Seen => {
    const session = openSession(g);
    const store = session.store;
    now = session.now;
    const seen: Seen = new Map();
    for (const type of types) {
      for (const x of selectObjects(store, type, o)) {
        if (names.length > 0 && !names.includes(x.metadata.name)) continue;
        seen.set(`${type.kind}/${x.metadata.namespace ?? ''}/${x.metadata.name}`, { type, object: x });
      }
    }
    return seen;
  };
  let seen = snapshot();
  let code = 0;
  // kubectl prints the header with the first row, whether it comes from the list or a change.
  let headerShown = o.watchOnly ? false : seen.size > 0;
  if (!o.watchOnly) {
    if (o.outputWatchEvents) for (const v of seen.values()) print(io, v.type, v.object, 'ADDED', { ...o, now, withKind: types.length > 1, header: false });
    else code = get(io, g, kinds, names, o);
  }
  const log = join(g.clusterDir, 'log.jsonl');
  for (;;) {
    const left = deadline - wall.nowMs();
    if (left <= 0 || !(await wall.waitForChange(log, left))) return code;
    const next = snapshot();
    for (const [key, v] of next) {
      const before = seen.get(key);
      if (before && before.object.metadata['resourceVersion'] === v.object.metadata['resourceVersion']) continue;
      print(io, v.type, v.object, before ? 'MODIFIED' : 'ADDED', { ...o, now, withKind: types.length > 1, header: !headerShown });
      headerShown = true;
    }
    for (const [key, v] of seen) if (!next.has(key)) { print(io, v.type, v.object, 'DELETED', { ...o, now, withKind: types.length > 1, header: !headerShown }); headerShown = true; }
    seen = next;
  }
}

/** One watch event as kubectl prints it: a table row (no header), or the object in the output format. */
function print(io: CliIO, type: ResourceType, object: Obj, event: 'ADDED' | 'MODIFIED' | 'DELETED', o: Print): void {
  if (o.outputWatchEvents && (o.output === 'json' || o.output === 'yaml')) {
    const e = { type: event, object };
    io.stdout(o.output === 'json' ? JSON.stringify(e, null, 4) + '\n' : printYaml([e] as never, { single: true }));
    return;
  }
  const formatted = printFormatted(o, [object], true);
  if (formatted !== undefined) { io.stdout(formatted); return; }
  if (o.output === 'json') { io.stdout(printJson([object] as never, { single: true }).replace(/\n?$/, '\n')); return; }
  if (o.output === 'yaml') { io.stdout('---\n' + printYaml([object] as never, { single: true }).replace(/\n?$/, '\n')); return; }
  if (o.output === 'name') { io.stdout(`${type.group ? `${type.kind.toLowerCase()}.${type.group}` : type.kind.toLowerCase()}/${object.metadata.name}\n`); return; }
  const row = printTableWithLabels(type, [object], {
    wide: o.output === 'wide', allNamespaces: o.allNamespaces, now: o.now, withKind: o.withKind, noHeaders: !o.header || !!o.noHeaders,
    showLabels: !!o.showLabels, labelColumns: o.labelColumns ?? [],
  });
  io.stdout(o.outputWatchEvents ? `${event}   ${row.replace(/\n?$/, '\n')}` : row.replace(/\n?$/, '\n'));
}
