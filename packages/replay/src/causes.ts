/**
 * Design: what caused each record and which component wrote it, read off the log's own order
 * (ADR 0006). The world records every choice before its effects: an input (`stream: cluster`)
 * before the objects the user's command wrote, `WorkDelivered {queue, key}` before whatever the
 * sync of that item wrote, `WatchDelivered` before an informer's reaction, `NodeWentDown` before
 * the node's change. So a fact's cause is the nearest choice record before it in its batch, and
 * its component is the owner of that choice (the queue's controller, `kubectl` for an input, the
 * informer's process for a watch delivery). A delivery's own cause is the last fact about the
 * object its key names (the change that queued it), or the batch's input. Nothing is stored twice:
 * the log stays as it is and every reader derives the same answer.
 */
import type { LogRecord } from '@pvsim/domain';

export interface CauseRef {
  /** Position of the causing record. */
  pos: number;
  type: string;
  /** One phrase: `input ApplyRequested`, `work claims default/data`, `pvc/default/data created`. */
  what: string;
}

export interface Annotated {
  record: LogRecord;
  cause?: CauseRef;
  /** Who wrote it: `kubectl` (a user's command), a controller (`pv-controller`, `kubelet/node-1`), `pvsim` (an injected fault or a node taken down). */
  component: string;
}

const FACT = /^(.*?)(Created|Updated|Deleted)$/;

/** The object a fact or event stream is about, as a work item's key: `pv/x` → `x`, `pvc/ns/x` → `ns/x`. */
export function streamKey(stream: string): string {
  const i = stream.indexOf('/');
  return i < 0 ? stream : stream.slice(i + 1);
}

/** `pvc/default/data created` for a fact, the type otherwise. */
export function describeRecord(r: Pick<LogRecord, 'stream' | 'type' | 'data'>): string {
  if (r.stream === 'cluster') return `input ${r.type}`;
  if (r.type === 'WorkDelivered' || r.type === 'SyncFailed') {
    const d = r.data as { queue: string; key: string };
    return `work ${d.queue} ${d.key}`;
  }
  if (r.type === 'WatchDelivered') {
    const d = r.data as { informer: string; kind: string; key: string };
    return `watch ${d.informer} ${d.kind} ${d.key}`;
  }
  if (r.type === 'NodeWentDown' || r.type === 'NodeCameUp') return `node ${(r.data as { node: string }).node} ${r.type === 'NodeWentDown' ? 'down' : 'up'}`;
  if (r.type === 'EventRecorded') {
    const e = r.data as { reason?: string; involvedObject?: { kind?: string; name?: string } };
    return `event ${e.reason ?? ''} on ${e.involvedObject?.kind ?? ''} ${e.involvedObject?.name ?? ''}`.trim();
  }
  const m = FACT.exec(r.type);
  if (m && r.stream.includes('/')) return `${r.stream} ${m[2]!.toLowerCase()}`;
  return r.type;
}

const CHOICES = new Set(['WorkDelivered', 'WatchDelivered', 'TimerFired', 'ResyncStarted', 'FaultInjected', 'ComponentRestarted', 'NodeWentDown', 'NodeCameUp']);

/** The last fact about the object a work item's key names (`ns/name`, `claim:ns/name`, `pv/name`). */
function triggerOf(lastFact: ReadonlyMap<string, CauseRef>, key: string): CauseRef | undefined {
  const bare = key.includes(':') ? key.slice(key.indexOf(':') + 1) : key;
  return lastFact.get(key) ?? lastFact.get(bare) ?? (bare.startsWith('pv/') ? lastFact.get(bare.slice(3)) : undefined);
}

/** Every record with its cause and component, in log order. */
export function annotate(records: readonly LogRecord[]): Annotated[] {
  const out: Annotated[] = [];
  let choice: CauseRef | undefined;
  let input: CauseRef | undefined;
  /** The last fact about each object key (what queued a work item for it). */
  const lastFact = new Map<string, CauseRef>();
  const ref = (r: LogRecord): CauseRef => ({ pos: r.pos, type: r.type, what: describeRecord(r) });
  for (const r of records) {
    if (r.stream === 'cluster') {
      input = ref(r);
      choice = undefined;
      out.push({ record: r, component: 'kubectl' });
    } else if (r.stream === 'scheduler' && CHOICES.has(r.type)) {
      let cause = input;
      if (r.type === 'WorkDelivered') cause = triggerOf(lastFact, (r.data as { key: string }).key) ?? input;
      if (r.type === 'WatchDelivered') cause = lastFact.get((r.data as { key: string }).key) ?? input;
      choice = ref(r);
      out.push({ record: r, ...(cause ? { cause } : {}), component: r.component ?? (r.type === 'TimerFired' || r.type === 'ResyncStarted' ? 'clock' : 'pvsim') });
    } else if (r.stream === 'scheduler' || r.stream === 'clock') {
      const cause = r.type === 'SyncFailed' ? choice : undefined;
      out.push({ record: r, ...(cause ? { cause } : {}), component: r.component ?? (r.stream === 'clock' ? 'clock' : 'pvsim') });
    } else {
      // A fact or an event: a component's when the world was acting for one (then the choice
      // before it caused it), else the user's command's.
      const cause = r.component !== undefined ? choice ?? input : input;
      out.push({ record: r, ...(cause ? { cause } : {}), component: r.component ?? 'kubectl' });
      if (r.type !== 'EventRecorded') lastFact.set(streamKey(r.stream), ref(r));
    }
    if (r.end) { choice = undefined; input = undefined; }
  }
  return out;
}
