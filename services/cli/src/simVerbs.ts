/**
 * Design: verbs that act on the simulated world rather than on API objects alone: node loss and
 * waiting in simulated time (`kubectl wait`). Same shape as verbs.ts: validate, run the input,
 * commit one batch.
 */
import { resolveResource, type ResourceType } from '@pvsim/manifests';
import { selectorFilter } from './selectors.ts';
import type { StoredKind } from '@pvsim/runtime';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';
import { openSession, type Session, unsettledNotice } from './session.ts';
import { runInput, waitCondition, type TaintChange } from './inputs.ts';
import { kindName } from './verbs.ts';

const session = (g: GlobalOptions): Session => openSession(g);

/** Go's time.ParseDuration subset kubectl accepts for --timeout: "90s", "5m", "1h30m", "500ms". */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  let total = 0;
  let consumed = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)) {
    if (m.index !== consumed) return undefined;
    total += Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
    consumed += m[0].length;
  }
  return consumed === text.length && consumed > 0 ? Math.round(total) : undefined;
}

export function node(io: CliIO, g: GlobalOptions, action: string, name: string): number {
  if (action !== 'down' && action !== 'up') throw new UsageError(`error: unknown node action "${action}": use "down" or "up"`);
  const s = session(g);
  if (!s.store.get('Node', name)) { io.stderr(`Error from server (NotFound): nodes "${name}" not found\n`); return 1; }
  runInput(s, { type: action === 'down' ? 'NodeDownRequested' : 'NodeUpRequested', data: { seed: g.seed, name } });
  s.commit();
  io.stderr(unsettledNotice(s));
  io.stdout(`node/${name} ${action === 'up' ? 'is up (Ready)' : 'is down (NotReady)'}\n`);
  return 0;
}

/**
 * kubectl wait: `KIND/NAME…`, `KIND NAME…`, or every object of KIND matching `-l SELECTOR` /
 * `--all`. One WaitRequested input per object, in order, each with what is left of the
 * (simulated) timeout; the first that times out ends the command.
 */
export function wait(io: CliIO, g: GlobalOptions, targets: string[], o: { for: string; timeout: string; namespace: string; selector?: string | undefined; all?: boolean; fieldSelector?: string | undefined }): number {
  const timeoutMs = parseDuration(o.timeout);
  if (timeoutMs === undefined) throw new UsageError(`error: invalid argument "${o.timeout}" for "--timeout" flag: time: invalid duration "${o.timeout}"`);
  try { waitCondition(o.for); } catch { throw new UsageError(`error: unrecognized condition: "${o.for}"`); }
  const bySelector = o.selector !== undefined || o.fieldSelector !== undefined || !!o.all;
  const named: { type: ResourceType; name: string }[] = [];
  let kindOnly: ResourceType | undefined;
  if (targets.length === 0) throw new UsageError('error: resource(s) were provided, but no name was specified');
  if (targets.every((t) => t.includes('/'))) {
    for (const t of targets) named.push({ type: resolveResource(t.slice(0, t.indexOf('/'))), name: t.slice(t.indexOf('/') + 1) });
  } else {
    const [kind, ...names] = targets;
    kindOnly = resolveResource(kind!);
    for (const n of names) named.push({ type: kindOnly, name: n });
  }
  if (bySelector && named.length > 0) throw new UsageError('error: name cannot be provided when a selector is specified');
  if (!bySelector && named.length === 0) throw new UsageError('error: resource(s) were provided, but no name was specified');
  const s = session(g);
  const keyOf = (type: ResourceType, name: string) => (type.namespaced ? `${o.namespace}/${name}` : name);
  if (bySelector) {
    const keep = selectorFilter(kindOnly!.kind, o.selector, o.fieldSelector) as (x: { metadata: { name: string; namespace?: string } }) => boolean;
    for (const x of s.store.list(kindOnly!.kind as StoredKind)) {
      if (kindOnly!.namespaced && (x.metadata.namespace ?? 'default') !== o.namespace) continue;
      if (keep(x as never)) named.push({ type: kindOnly!, name: x.metadata.name });
    }
    if (named.length === 0) { io.stderr('error: no matching resources found\n'); return 1; }
  }
  for (const t of named) {
    if (!s.store.get(t.type.kind as StoredKind, keyOf(t.type, t.name)) && o.for !== 'delete') {
      io.stderr(`Error from server (NotFound): ${t.type.plural} "${t.name}" not found\n`);
      return 1;
    }
  }
  const startMs = Date.parse(s.now);
  const lines: string[] = [];
  let failed: { type: ResourceType; name: string } | undefined;
  // One input per batch (log verify re-executes each input as its own command).
  let current = s;
  for (const [i, t] of named.entries()) {
    if (i > 0) current = session(g);
    const left = Math.max(0, timeoutMs - (Date.parse(current.now) - startMs));
    const { ok } = runInput(current, { type: 'WaitRequested', data: { seed: g.seed, kind: t.type.kind as StoredKind, key: keyOf(t.type, t.name), condition: o.for, timeoutMs: left } });
    current.commit();
    io.stderr(unsettledNotice(current));
    if (!ok) { failed = t; break; }
    lines.push(o.for === 'delete' ? `${kindName(t.type)}/${t.name} deleted\n` : `${kindName(t.type)}/${t.name} condition met\n`);
  }
  io.stdout(lines.join(''));
  if (failed) { io.stderr(`error: timed out waiting for the condition on ${failed.type.plural}/${failed.name}\n`); return 1; }
  return 0;
}

export function advance(io: CliIO, g: GlobalOptions, duration: string): number {
  const ms = parseDuration(duration);
  if (ms === undefined) throw new UsageError(`error: invalid duration "${duration}"`);
  const s = session(g);
  runInput(s, { type: 'AdvanceRequested', data: { seed: g.seed, durationMs: ms } });
  s.commit();
  io.stderr(unsettledNotice(s));
  io.stdout(`simulated time is now ${s.now}\n`);
  return 0;
}

const EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** kubectl taint's KEY[=VALUE]:EFFECT (add) and KEY[:EFFECT]- (remove). */
export function parseTaintSpecs(specs: string[]): TaintChange[] {
  return specs.map((spec) => {
    const remove = spec.endsWith('-');
    const body = remove ? spec.slice(0, -1) : spec;
    const m = /^([^=:]+)(?:=([^:]*))?(?::(.+))?$/.exec(body);
    if (!m || (!remove && !m[3]) || (m[3] !== undefined && !EFFECTS.includes(m[3]))) {
      throw new UsageError(`error: invalid taint spec: ${spec}, unknown taint effect or missing effect (use one of ${EFFECTS.join(', ')})`);
    }
    return { key: m[1]!, ...(m[2] ? { value: m[2] } : {}), ...(m[3] ? { effect: m[3] } : {}), remove };
  });
}

/** kubectl taint nodes NAME KEY[=VALUE]:EFFECT … and KEY[:EFFECT]- to remove. */
export function taint(io: CliIO, g: GlobalOptions, kind: string, name: string, specs: string[]): number {
  if (!['node', 'nodes', 'no'].includes(kind.toLowerCase())) throw new UsageError(`error: taint applies to nodes, not "${kind}"`);
  if (specs.length === 0) throw new UsageError('error: at least one taint update is required');
  const taints = parseTaintSpecs(specs);
  const s = session(g);
  if (!s.store.get('Node', name)) { io.stderr(`Error from server (NotFound): nodes "${name}" not found\n`); return 1; }
  runInput(s, { type: 'TaintRequested', data: { seed: g.seed, node: name, taints } });
  s.commit();
  io.stderr(unsettledNotice(s));
  io.stdout(`node/${name} ${taints.every((t) => t.remove) ? 'untainted' : 'tainted'}\n`);
  return 0;
}
