/**
 * Design: one object's history, read from the log: one entry per fact about its stream, with the
 * phase after the change, the fields that changed, the component that wrote it and why — the
 * choice it followed (a delivered work item, a user's command) and, for a work item, the change
 * that queued it. Pure over annotated records (causes.ts), so `history`, the timeline and tests
 * agree.
 */
import type { Annotated, CauseRef } from './causes.ts';
import { fieldChanges, type FieldChange } from './objectDiff.ts';

export interface HistoryEntry {
  pos: number;
  time: string;
  /** `Created`, `Updated` or `Deleted`. */
  change: 'Created' | 'Updated' | 'Deleted';
  /** status.phase after the change, when the kind has one. */
  phase?: string;
  changes: FieldChange[];
  component: string;
  /** The choice this change followed: a work item's delivery or a user's input. */
  cause?: CauseRef;
  /** For a work item: the change that queued it. */
  trigger?: CauseRef;
}

/** The history of the object whose facts are written to `stream` (e.g. `pv/nas`, `pvc/default/data`). */
export function objectHistory(annotated: readonly Annotated[], stream: string): HistoryEntry[] {
  const byPos = new Map<number, Annotated>();
  for (const a of annotated) byPos.set(a.record.pos, a);
  const out: HistoryEntry[] = [];
  let previous: unknown;
  for (const a of annotated) {
    const r = a.record;
    if (r.stream !== stream) continue;
    const m = /(Created|Updated|Deleted)$/.exec(r.type);
    if (!m) continue;
    const change = m[1] as HistoryEntry['change'];
    const next = change === 'Deleted' ? undefined : r.data;
    const phase = (next as { status?: { phase?: unknown } } | undefined)?.status?.phase;
    const via = a.cause ? byPos.get(a.cause.pos) : undefined;
    const trigger = via && via.record.stream === 'scheduler' ? via.cause : undefined;
    out.push({
      pos: r.pos, time: r.time, change,
      ...(typeof phase === 'string' ? { phase } : {}),
      changes: change === 'Deleted' ? [] : fieldChanges(previous, next),
      component: a.component,
      ...(a.cause ? { cause: a.cause } : {}),
      ...(trigger ? { trigger } : {}),
    });
    previous = next;
  }
  return out;
}
