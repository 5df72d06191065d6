/**
 * Design: the timeline page (`pvsim timeline -o timeline.html`): one self-contained HTML file —
 * data, styles and script inline, no network — that a browser opens offline. Pure: annotated
 * records (and, for an imported recording, the real cluster's changes) in, a string out.
 *
 * One lane per object (PV, claim, pod, attachment, node), its phases as coloured segments; events,
 * inputs, faults and nodes going down as marks. The x axis is the log's order — a command's
 * records share one instant of simulated time, so a time-scaled axis would draw them on top of
 * each other — labelled with simulated time wherever it moves. Clicking a segment or a mark shows
 * its record, the component and cause (a link to the causing record), and the object as it was
 * then (a fact carries the whole object). For a recording, the real cluster's lanes sit under the
 * model's, on the recording's own clock mapped onto the same axis by time.
 */
import type { Annotated } from './causes.ts';
import type { RecObj, Recording } from './importFormats.ts';

export interface TimelineSegment { from: number; to: number; phase: string; pos: number }
export interface TimelineMark { at: number; pos: number; kind: 'event' | 'input' | 'fault'; label: string }
export interface TimelineLane { id: string; label: string; source: 'model' | 'real'; segments: TimelineSegment[]; marks: TimelineMark[] }
export interface TimelineRecord { pos: number; time: string; stream: string; type: string; component: string; cause?: { pos: number; what: string }; data: unknown }
export interface TimelineData { title: string; first: number; last: number; ticks: { at: number; time: string }[]; lanes: TimelineLane[]; records: TimelineRecord[] }

const LANE_KINDS: Record<string, string> = { PersistentVolume: 'pv', PersistentVolumeClaim: 'pvc', Pod: 'pod', VolumeAttachment: 'va', Node: 'node' };

function phaseOf(kind: string, o: RecObj | undefined): string {
  if (!o) return 'Deleted';
  if (o.metadata['deletionTimestamp']) return 'Terminating';
  const s = o.status as { phase?: string; attached?: boolean; conditions?: { type: string; status: string }[] } | undefined;
  if (kind === 'VolumeAttachment') return s?.attached ? 'Attached' : 'Attaching';
  if (kind === 'Node') return s?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' ? 'Ready' : 'NotReady';
  return s?.phase ?? 'Pending';
}

/** The timeline of a cluster's log up to its last record (and of a recording's real changes). */
export function buildTimeline(annotated: readonly Annotated[], title: string, real?: Recording): TimelineData {
  const lanes = new Map<string, TimelineLane>();
  const records: TimelineRecord[] = [];
  const ticks: { at: number; time: string }[] = [];
  const first = annotated[0]?.record.pos ?? 0;
  const last = annotated[annotated.length - 1]?.record.pos ?? 0;
  const open = new Map<string, TimelineSegment>();
  let lastTime = '';
  const lane = (id: string, label: string, source: 'model' | 'real'): TimelineLane => {
    let l = lanes.get(id);
    if (!l) { l = { id, label, source, segments: [], marks: [] }; lanes.set(id, l); }
    return l;
  };
  const setPhase = (l: TimelineLane, at: number, phase: string, pos: number): void => {
    const cur = open.get(l.id);
    if (cur && cur.phase === phase) return;
    if (cur) cur.to = at;
    if (phase === 'Deleted') { open.delete(l.id); return; }
    const seg = { from: at, to: last + 1, phase, pos };
    l.segments.push(seg);
    open.set(l.id, seg);
  };
  const eventLane = new Map<string, string>();
  for (const a of annotated) {
    const r = a.record;
    const time = r.time;
    if (time !== lastTime) { ticks.push({ at: r.pos, time }); lastTime = time; }
    records.push({ pos: r.pos, time, stream: r.stream, type: r.type, component: a.component, ...(a.cause ? { cause: { pos: a.cause.pos, what: a.cause.what } } : {}), data: r.data });
    const m = /^(\w+?)(Created|Updated|Deleted)$/.exec(r.type);
    const kind = m?.[1];
    if (m && kind && LANE_KINDS[kind]) {
      const key = r.stream.slice(r.stream.indexOf('/') + 1);
      const id = `model:${r.stream}`;
      const l = lane(id, `${LANE_KINDS[kind]}/${key}`, 'model');
      eventLane.set(`${kind}/${key}`, id);
      setPhase(l, r.pos, phaseOf(kind, m[2] === 'Deleted' ? undefined : r.data as RecObj), r.pos);
    } else if (r.type === 'EventRecorded') {
      const e = r.data as { reason?: string; involvedObject?: { kind?: string; name?: string; namespace?: string } };
      const io = e.involvedObject ?? {};
      const id = eventLane.get(`${io.kind}/${io.namespace && io.kind !== 'PersistentVolume' && io.kind !== 'Node' ? `${io.namespace}/` : ''}${io.name}`);
      if (id) lanes.get(id)!.marks.push({ at: r.pos, pos: r.pos, kind: 'event', label: e.reason ?? 'event' });
    } else if (r.stream === 'cluster' || r.type === 'NodeWentDown' || r.type === 'NodeCameUp' || r.type === 'FaultInjected' || r.type === 'ComponentRestarted') {
      const l = lane('inputs', 'inputs and faults', 'model');
      l.marks.push({ at: r.pos, pos: r.pos, kind: r.stream === 'cluster' ? 'input' : 'fault', label: r.type });
    }
  }
  if (real) {
    // The real cluster's changes, placed on the model's axis by time: at the first model record at or after each change's time.
    const times = records.map((x) => Date.parse(x.time));
    const atTime = (t: string): number => {
      const ms = Date.parse(t);
      const i = times.findIndex((x) => x >= ms);
      return i < 0 ? last : records[i]!.pos;
    };
    const states: { at: number; o: RecObj | undefined; kind: string; key: string }[] = [];
    for (const o of real.initial) states.push({ at: first, o, kind: o.kind, key: `${o.metadata.namespace && o.kind !== 'PersistentVolume' && o.kind !== 'Node' ? `${o.metadata.namespace}/` : ''}${o.metadata.name}` });
    for (const c of real.changes) {
      if (c.verb === 'node-down' || c.verb === 'node-up') continue;
      const key = `${c.object.metadata.namespace && c.object.kind !== 'PersistentVolume' && c.object.kind !== 'Node' ? `${c.object.metadata.namespace}/` : ''}${c.object.metadata.name}`;
      states.push({ at: atTime(c.time), o: c.gone ? undefined : c.object, kind: c.object.kind, key });
    }
    for (const s of states) {
      if (!LANE_KINDS[s.kind]) continue;
      const l = lane(`real:${s.kind}/${s.key}`, `${LANE_KINDS[s.kind]}/${s.key} (real)`, 'real');
      setPhase(l, s.at, phaseOf(s.kind, s.o), s.at);
    }
    for (const ev of real.events) {
      const e = ev as unknown as { reason?: string; involvedObject?: { kind?: string; name?: string; namespace?: string }; lastTimestamp?: string };
      const io = e.involvedObject ?? {};
      const l = lanes.get(`real:${io.kind}/${io.namespace && io.kind !== 'PersistentVolume' && io.kind !== 'Node' ? `${io.namespace}/` : ''}${io.name}`);
      if (l) l.marks.push({ at: e.lastTimestamp ? atTime(e.lastTimestamp) : last, pos: 0, kind: 'event', label: e.reason ?? 'event' });
    }
  }
  // Model lanes first, each real lane right under its model twin.
  const ordered = [...lanes.values()].sort((a, b) => {
    const ka = a.id === 'inputs' ? '' : a.label.replace(/ \(real\)$/, '') + (a.source === 'real' ? '~' : '');
    const kb = b.id === 'inputs' ? '' : b.label.replace(/ \(real\)$/, '') + (b.source === 'real' ? '~' : '');
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  return { title, first, last, ticks, lanes: ordered, records };
}

const STYLE = `
body{font:13px system-ui,sans-serif;margin:0;color:#222}
header{padding:8px 12px;background:#f4f4f4;border-bottom:1px solid #ddd}
h1{font-size:15px;margin:0}
#legend span{display:inline-block;margin-right:10px}
#legend i{display:inline-block;width:12px;height:12px;margin-right:3px;vertical-align:middle}
main{display:flex;height:calc(100vh - 58px)}
#lanes{flex:3;overflow:auto;padding:6px 12px}
#details{flex:2;overflow:auto;border-left:1px solid #ddd;padding:8px 12px;background:#fcfcfc}
.lane{display:flex;align-items:center;height:24px;border-bottom:1px solid #f0f0f0}
.lane.real{background:#fff8ec}
.label{width:260px;flex:none;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-family:monospace;font-size:12px}
.track{position:relative;flex:1;height:18px}
.seg{position:absolute;top:2px;height:14px;border-radius:2px;cursor:pointer;min-width:2px;opacity:.85}
.seg.sel,.mark.sel{outline:2px solid #000}
.mark{position:absolute;top:0;width:6px;height:18px;margin-left:-3px;cursor:pointer;border-radius:3px}
.mark.event{background:#7b3fbf}.mark.input{background:#111}.mark.fault{background:#d11}
#axis{position:relative;height:20px;margin-left:260px;font-size:10px;color:#666}
#axis span{position:absolute;white-space:nowrap;border-left:1px solid #bbb;padding-left:2px}
pre{white-space:pre-wrap;word-break:break-all;font-size:11px;background:#fff;border:1px solid #eee;padding:6px}
a{color:#0645ad;cursor:pointer}
`;

const COLORS: Record<string, string> = {
  Pending: '#b0b0b0', Available: '#3a9d4a', Bound: '#2f6fd0', Released: '#e08a1e', Failed: '#d33', Lost: '#a00', Terminating: '#777',
  Running: '#2f6fd0', Succeeded: '#3a9d4a', Attached: '#2f6fd0', Attaching: '#b0b0b0', Ready: '#3a9d4a', NotReady: '#d33',
};

const SCRIPT = `
const D = JSON.parse(document.getElementById('timeline-data').textContent);
const C = JSON.parse(document.getElementById('timeline-colors').textContent);
const byPos = new Map(D.records.map((r) => [r.pos, r]));
const span = Math.max(1, D.last + 1 - D.first);
const x = (at) => ((at - D.first) / span * 100) + '%';
const w = (a, b) => (Math.max(0.2, (b - a) / span * 100)) + '%';
const lanesEl = document.getElementById('lanes');
const axis = document.getElementById('axis');
let lastLeft = -100;
for (const t of D.ticks) {
  const left = (t.at - D.first) / span * 100;
  if (left - lastLeft < 12) continue;
  lastLeft = left;
  const s = document.createElement('span'); s.style.left = left + '%'; s.textContent = t.time.slice(11, 23); axis.appendChild(s);
}
function el(tag, cls, text) { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
function select(node) { document.querySelectorAll('.sel').forEach((n) => n.classList.remove('sel')); if (node) node.classList.add('sel'); }
function show(pos, title, node) {
  select(node);
  const d = document.getElementById('details'); d.textContent = '';
  const r = byPos.get(pos);
  d.appendChild(el('h2', '', title));
  if (!r) { d.appendChild(el('p', '', 'From the real recording (no model record).')); return; }
  const p = el('p'); p.id = 'record-head';
  p.appendChild(document.createTextNode('record ' + r.pos + ' · ' + r.time + ' · ' + r.type + ' · by ' + r.component));
  d.appendChild(p);
  if (r.cause) {
    const c = el('p'); c.appendChild(document.createTextNode('caused by '));
    const a = el('a', 'cause', r.cause.what + ' (record ' + r.cause.pos + ')'); a.dataset.pos = String(r.cause.pos);
    a.onclick = () => show(r.cause.pos, 'record ' + r.cause.pos, null);
    c.appendChild(a); d.appendChild(c);
  }
  d.appendChild(el('h3', '', /(Created|Updated|Deleted)$/.test(r.type) ? 'the object as it was then' : 'the record'));
  const pre = el('pre'); pre.id = 'record-data'; pre.textContent = JSON.stringify(r.data, null, 2); d.appendChild(pre);
}
for (const l of D.lanes) {
  const row = el('div', 'lane' + (l.source === 'real' ? ' real' : '')); row.dataset.lane = l.id;
  row.appendChild(el('div', 'label', l.label));
  const track = el('div', 'track');
  for (const s of l.segments) {
    const seg = el('div', 'seg'); seg.style.left = x(s.from); seg.style.width = w(s.from, s.to);
    seg.style.background = C[s.phase] || '#999'; seg.title = s.phase; seg.dataset.phase = s.phase; seg.dataset.pos = String(s.pos);
    seg.onclick = () => show(s.pos, l.label + ': ' + s.phase, seg);
    track.appendChild(seg);
  }
  for (const m of l.marks) {
    const mk = el('div', 'mark ' + m.kind); mk.style.left = x(m.at); mk.title = m.label; mk.dataset.pos = String(m.pos);
    mk.onclick = () => show(m.pos, l.label + ': ' + m.label, mk);
    track.appendChild(mk);
  }
  row.appendChild(track); lanesEl.appendChild(row);
}
const legend = document.getElementById('legend');
for (const [k, v] of Object.entries(C)) { const s = el('span'); const i = el('i'); i.style.background = v; s.appendChild(i); s.appendChild(document.createTextNode(k)); legend.appendChild(s); }
document.body.dataset.ready = 'true';
`;

const escapeJson = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c');
const escapeHtml = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

/** The page: one HTML file with everything inline. */
export function renderTimelineHtml(data: TimelineData): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(data.title)}</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<style>${STYLE}</style></head>
<body>
<header><h1>${escapeHtml(data.title)}</h1><div id="legend"><span><i style="background:#111"></i>input</span><span><i style="background:#d11"></i>fault</span><span><i style="background:#7b3fbf"></i>event</span></div></header>
<main><section id="lanes"><div id="axis"></div></section><aside id="details"><p>Click a phase or a mark to see its record, what caused it, and the object as it was then.</p></aside></main>
<script type="application/json" id="timeline-data">${escapeJson(data)}</script>
<script type="application/json" id="timeline-colors">${escapeJson(COLORS)}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
