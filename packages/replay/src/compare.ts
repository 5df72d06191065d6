/**
 * Design: reality vs the model. For every PV, claim and pod a recording mentions, both sides are
 * reduced to the same steps: the object's phase runs, each with what it is bound to at the end of
 * the run (a PV's claim, a claim's volume, a pod's node), and `Deleted`. Transient writes inside a
 * run (the binder sets claimRef, then the phase) are not steps, so a faithful model matches a real
 * cluster write for write without having to match its exact interleaving. The first step where the
 * two differ is the disagreement; an object only one side has, and an event the real cluster
 * recorded that the model never emitted (same object, same reason), are disagreements too. Pure:
 * the recording and the model's log in, a report out.
 */
import type { LogRecord } from '@pvsim/domain';
import type { Recording, RecObj } from './importFormats.ts';

export const COMPARED_KINDS = ['PersistentVolume', 'PersistentVolumeClaim', 'Pod'] as const;

export interface ObjectComparison {
  kind: string;
  namespace?: string;
  name: string;
  agree: boolean;
  real: string[];
  model: string[];
  /** 1-based step of the first difference. */
  step?: number;
  /** One line: why they differ. */
  detail?: string;
}

export interface EventComparison { kind: string; namespace?: string; name: string; reason: string; message: string }

export interface ComparisonReport {
  agree: boolean;
  objects: ObjectComparison[];
  /** Real events the model never emitted for the same object. */
  missingEvents: EventComparison[];
}

type Obj = RecObj;

function binding(o: Obj): string {
  if (o.kind === 'PersistentVolume') {
    const ref = o.spec?.['claimRef'] as { namespace?: string; name?: string } | undefined;
    return ref?.name ? ` → ${ref.namespace ?? 'default'}/${ref.name}` : '';
  }
  if (o.kind === 'PersistentVolumeClaim') return o.spec?.['volumeName'] ? ` → ${String(o.spec['volumeName'])}` : '';
  if (o.kind === 'Pod') return o.spec?.['nodeName'] ? ` on ${String(o.spec['nodeName'])}` : '';
  return '';
}

/** An object's states (undefined: deleted) as steps. */
export function steps(states: readonly (Obj | undefined)[]): string[] {
  const out: string[] = [];
  let phase: string | undefined;
  for (const s of states) {
    if (!s) {
      if (out[out.length - 1] !== 'Deleted') out.push('Deleted');
      phase = 'Deleted';
      continue;
    }
    const p = String((s.status as { phase?: string } | undefined)?.phase ?? 'Pending');
    const text = `${p}${binding(s)}`;
    if (p === phase) out[out.length - 1] = text; else out.push(text);
    phase = p;
  }
  return out;
}

const keyOf = (kind: string, ns: string | undefined, name: string): string => `${kind}/${ns ?? ''}/${name}`;
const nsOf = (o: Obj): string | undefined => (o.kind === 'PersistentVolume' ? undefined : o.metadata.namespace ?? 'default');

/** Compares the recording with the model's log (the cluster `record import` replayed its inputs into). */
export function compareRecording(rec: Recording, modelLog: readonly LogRecord[]): ComparisonReport {
  const compared = new Set<string>(COMPARED_KINDS);
  const real = new Map<string, { kind: string; ns: string | undefined; name: string; states: (Obj | undefined)[] }>();
  const touch = (o: Obj) => {
    const k = keyOf(o.kind, nsOf(o), o.metadata.name);
    let e = real.get(k);
    if (!e) { e = { kind: o.kind, ns: nsOf(o), name: o.metadata.name, states: [] }; real.set(k, e); }
    return e;
  };
  for (const o of rec.initial) if (compared.has(o.kind)) touch(o).states.push(o);
  for (const c of rec.changes) {
    if (!compared.has(c.object.kind) || c.verb === 'node-down' || c.verb === 'node-up') continue;
    // A deletion that only set deletionTimestamp (finalizers pending) keeps the object until it is gone.
    const e = touch(c.object);
    if (c.gone) e.states.push(c.object.metadata['deletionTimestamp'] ? c.object : undefined, undefined);
    else e.states.push(c.object);
  }

  const model = new Map<string, (Obj | undefined)[]>();
  const modelEvents = new Set<string>();
  for (const r of modelLog) {
    if (r.type === 'EventRecorded') {
      const e = r.data as { reason?: string; involvedObject?: { kind?: string; name?: string; namespace?: string } };
      modelEvents.add(`${e.involvedObject?.kind}/${e.involvedObject?.name}/${e.reason}`);
      continue;
    }
    const m = /^(PersistentVolumeClaim|PersistentVolume|Pod)(Created|Updated|Deleted)$/.exec(r.type);
    if (!m) continue;
    const o = r.data as Obj;
    const k = keyOf(m[1]!, m[1] === 'PersistentVolume' ? undefined : o.metadata.namespace ?? 'default', o.metadata.name);
    const list = model.get(k) ?? [];
    list.push(m[2] === 'Deleted' ? undefined : o);
    model.set(k, list);
  }

  const objects: ObjectComparison[] = [];
  for (const [k, e] of [...real.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const r = steps(e.states);
    const mStates = model.get(k);
    const base = { kind: e.kind, ...(e.ns !== undefined ? { namespace: e.ns } : {}), name: e.name };
    if (!mStates) {
      objects.push({ ...base, agree: false, real: r, model: [], step: 1, detail: 'the real cluster had it; the model never did' });
      continue;
    }
    const m = steps(mStates);
    let step = -1;
    for (let i = 0; i < Math.max(r.length, m.length); i++) if (r[i] !== m[i]) { step = i; break; }
    if (step < 0) { objects.push({ ...base, agree: true, real: r, model: m }); continue; }
    const detail = r[step] === undefined ? `the model went on to ${m[step]}; the real cluster stayed at ${r[step - 1] ?? 'nothing'}`
      : m[step] === undefined ? `the real cluster went on to ${r[step]}; the model stayed at ${m[step - 1] ?? 'nothing'}`
      : `real ${r[step]}, model ${m[step]}`;
    objects.push({ ...base, agree: false, real: r, model: m, step: step + 1, detail });
  }

  const missingEvents: EventComparison[] = [];
  const seen = new Set<string>();
  for (const ev of rec.events) {
    const e = ev as unknown as { reason?: string; message?: string; involvedObject?: { kind?: string; name?: string; namespace?: string } };
    const k = `${e.involvedObject?.kind}/${e.involvedObject?.name}/${e.reason}`;
    if (modelEvents.has(k) || seen.has(k)) continue;
    seen.add(k);
    missingEvents.push({ kind: String(e.involvedObject?.kind), ...(e.involvedObject?.namespace ? { namespace: e.involvedObject.namespace } : {}), name: String(e.involvedObject?.name), reason: String(e.reason), message: String(e.message ?? '') });
  }
  return { agree: objects.every((o) => o.agree) && missingEvents.length === 0, objects, missingEvents };
}
