import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { LogRecord } from '@pvsim/domain';
import { annotate, buildTimeline, renderTimelineHtml } from '../src/index.ts';

let pos = 0;
const rec = (time: string, stream: string, type: string, data: unknown, extra: Partial<LogRecord> = {}): LogRecord => ({ pos: ++pos, time, stream, type, data, sum: '0', ...extra });
const pv = (phase: string) => ({ kind: 'PersistentVolume', metadata: { name: 'v' }, spec: {}, status: { phase } });

test('buildTimeline: phase segments per object, inputs and events as marks, ticks where time moves', () => {
  pos = 0;
  const t0 = '2026-01-01T00:00:00.000Z';
  const t1 = '2026-01-01T00:00:01.500Z';
  const log = [
    rec(t0, 'cluster', 'ApplyRequested', {}),
    rec(t0, 'pv/v', 'PersistentVolumeCreated', pv('Pending')),
    rec(t0, 'scheduler', 'WorkDelivered', { queue: 'volumes', key: 'v' }, { component: 'pv-controller' }),
    rec(t0, 'pv/v', 'PersistentVolumeUpdated', pv('Available'), { component: 'pv-controller', end: true }),
    rec(t1, 'cluster', 'DeleteRequested', {}),
    rec(t1, 'event/default/v.1', 'EventRecorded', { reason: 'Gone', involvedObject: { kind: 'PersistentVolume', name: 'v' } }),
    rec(t1, 'pv/v', 'PersistentVolumeDeleted', { kind: 'PersistentVolume', metadata: { name: 'v' } }, { end: true }),
  ];
  const t = buildTimeline(annotate(log), 'test');
  assert.equal(t.lanes.map((l) => l.id), ['inputs', 'model:pv/v']);
  assert.equal(t.lanes[1]!.segments, [{ from: 2, to: 4, phase: 'Pending', pos: 2 }, { from: 4, to: 7, phase: 'Available', pos: 4 }]);
  assert.equal(t.lanes[1]!.marks.map((m) => m.label), ['Gone']);
  assert.equal(t.lanes[0]!.marks.map((m) => [m.kind, m.label]), [['input', 'ApplyRequested'], ['input', 'DeleteRequested']]);
  assert.equal(t.ticks, [{ at: 1, time: t0 }, { at: 5, time: t1 }]);
  assert.is(t.records.find((r) => r.pos === 4)!.cause?.pos, 3);
});

test('renderTimelineHtml: one self-contained page; data cannot close its script element', () => {
  pos = 0;
  const html = renderTimelineHtml(buildTimeline(annotate([rec('2026-01-01T00:00:00.000Z', 'pv/v', 'PersistentVolumeCreated', { ...pv('Pending'), metadata: { name: '</script><b>x' } })]), 'a <title>'));
  assert.not.match(html, /<script[^>]*\ssrc=/);
  assert.not.match(html, /<link\b/);
  assert.not.match(html, /https?:\/\//);
  assert.is(html.split('</script>').length - 1, 3, 'only the three script elements close');
  assert.match(html, '<title>a &lt;title&gt;</title>');
});

test.run();
