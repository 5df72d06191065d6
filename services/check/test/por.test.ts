/**
 * Partial-order reduction (ADR 0018): the independence relation as a table; a step's footprint on
 * a real world; and on the examples/check scenario, with and without faults, bfs and dfs visit
 * exactly the same set of distinct states with reduction as without (it saves transitions only)
 * and reach the same verdict. (Equal keys stand for states equal up to uids and absolute time,
 * and whichever the search meets first stands for all: at larger depths dfs may, with or without
 * reduction, meet a different stand-in and so one state more or fewer. The cases here are ones
 * where the stand-ins do not matter; bfs meets every state first by a shortest path either way.)
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { prepareForCreate } from '@pvsim/manifests';
import { Footprint, type AnyObject } from '@pvsim/runtime';
import { createWorld, fifoChooser } from '@pvsim/world';
import { check, explorationFor, independent, type CheckFault, type CheckInput, type CheckOptions, type Strategy } from '../src/index.ts';

import { IMMEDIATE, WFFC } from './fixtures/inputs.ts';

function fp(reads: string[], writes: string[] = []): Footprint {
  const f = new Footprint();
  for (const r of reads) f.read(r);
  for (const w of writes) f.write(w);
  return f;
}

test('independence: two moves commute unless one wrote what the other read or wrote (key, wildcard, queue, stream, memory, informer queue)', () => {
  const rows: [string, Footprint, Footprint, boolean][] = [
    ['reads of the same object', fp(['o:PersistentVolume|pv1']), fp(['o:PersistentVolume|pv1']), true],
    ['a write and a read of the same object', fp([], ['o:PersistentVolumeClaim|default/data']), fp(['o:PersistentVolumeClaim|default/data']), false],
    ['writes of two objects', fp([], ['o:PersistentVolume|pv1']), fp([], ['o:PersistentVolumeClaim|default/data']), true],
    ['a list of a kind and a write of one of its objects', fp(['o:PersistentVolume|*']), fp([], ['o:PersistentVolume|pv1']), false],
    ['a list of a kind and a write of another kind', fp(['o:PersistentVolume|*']), fp([], ['o:Pod|default/app']), true],
    ['a wildcard write and a read of one key', fp([], ['o:Event|*']), fp(['o:Event|default/e1']), false],
    ['the same work item queued by both', fp([], ['q:claims|default/data']), fp([], ['q:claims|default/data']), false],
    ['two keys of one queue', fp([], ['q:claims|default/a']), fp([], ['q:claims|default/b']), true],
    ['a waiting and a delayed item of the same key', fp([], ['q:claims|default/a']), fp([], ['t:claims|default/a']), true],
    ['draws from one random stream', fp([], ['r|uids']), fp([], ['r|uids']), false],
    ['draws from two streams', fp([], ['r|uids']), fp([], ['r|latency/disk']), true],
    ['a memory written and every memory read (informer handlers)', fp([], ['m|kubelet/node-a']), fp(['m|*']), false],
    ['a memory read and every memory read', fp(['m|kubelet/node-a']), fp(['m|*']), true],
    ['two components\' memories written', fp(['m|scheduler'], ['m|scheduler']), fp(['m|kubelet/node-a'], ['m|kubelet/node-a']), true],
    ['an informer\'s next watch event and an event appended to it', fp([], ['p:kube-scheduler|head']), fp([], ['p:kube-scheduler|tail']), true],
    ['two events appended to one informer', fp([], ['p:kube-scheduler|tail']), fp([], ['p:kube-scheduler|tail']), false],
    ['a lagging cache and the API server', fp([], ['c:kube-scheduler:Pod|default/app']), fp(['o:Pod|default/app']), true],
    ['armed faults taken by both', fp([], ['f|armed']), fp([], ['f|armed']), false],
  ];
  for (const [what, a, b, commute] of rows) {
    assert.is(independent({ id: 'a', fp: a }, { id: 'b', fp: b }), commute, what);
    assert.is(independent({ id: 'b', fp: b }, { id: 'a', fp: a }), commute, `${what} (the other way round)`);
  }
  // A move is never independent of itself, nor is a move without a footprint (input, time, fault) of anything.
  assert.is(independent({ id: 'a', fp: fp([]) }, { id: 'a', fp: fp([]) }), false);
  assert.is(independent({ id: 'a', fp: undefined }, { id: 'b', fp: fp([]) }), false);
});

test('a delivery\'s footprint: the owner\'s memory, its work item, the objects it read and wrote, the informer handlers', () => {
  const w = createWorld({ seed: 3, startMs: Date.UTC(2026, 0, 1), cluster: 'full', chooser: fifoChooser() });
  for (const input of WFFC) { input.apply(w); w.drain(); }
  const tail = createWorld({ seed: 3, startMs: Date.UTC(2026, 0, 1), cluster: 'full', chooser: fifoChooser() });
  tail.restore(w.snapshot());
  tail.store.create('PersistentVolumeClaim', prepareForCreate({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'more', namespace: 'default' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'zonal-wffc' } } as never, tail.clock.iso()) as AnyObject);
  const action = tail.enabled().find((a) => a.type === 'deliver' && a.item.queue === 'claims' && a.item.key === 'default/more')!;
  assert.ok(action, JSON.stringify(tail.enabled().slice(0, 5)));
  const f = tail.stepTracked(action);
  assert.ok(f.written.has('q:claims|default/more'), [...f.written].join(' '));
  assert.ok(f.touched.has('m|pv-controller'));
  assert.ok(f.touched.has('o:PersistentVolumeClaim|default/more'), [...f.touched].join(' '));
  // Tracking stops with the step.
  const before = f.touched.size;
  tail.store.get('Node', 'node-a');
  assert.is(f.touched.size, before);
});

function keysOf(o: CheckOptions): { keys: Set<string>; verdict: string; transitions: number; slept: number } {
  const keys = new Set<string>();
  // Sleep sets alone: the no-op reduction (ADR 0021, tested in noops.test.ts) does drop states.
  const r = check({ ...o, noops: false, onState: (k) => keys.add(k) });
  return { keys, verdict: r.verdict, transitions: r.transitions, slept: r.reduction.slept };
}

function options(inputs: CheckInput[], strategy: Strategy, depth: number, faults: CheckFault[]): CheckOptions {
  const { explore, informerLag } = explorationFor(faults);
  return {
    newWorld: () => createWorld({ seed: 3, startMs: Date.UTC(2026, 0, 1), cluster: 'full', chooser: fifoChooser(), explore, informerLag }),
    inputs, strategy, depth, maxFaults: faults.length > 0 ? 1 : 0, seed: 1, outOfTime: () => false, shrink: false,
  };
}

const CASES: [string, CheckInput[], Strategy, number, CheckFault[], string][] = [
  ['WaitForFirstConsumer, no faults', WFFC, 'bfs', 16, [], 'pass'],
  ['WaitForFirstConsumer, no faults, dfs', WFFC, 'dfs', 14, [], 'pass'],
  ['WaitForFirstConsumer, conflicts', WFFC, 'bfs', 8, ['conflict'], 'pass'],
  ['WaitForFirstConsumer, a CSI timeout', WFFC, 'bfs', 8, ['csi-timeout'], 'pass'],
  ['WaitForFirstConsumer, a node down', WFFC, 'bfs', 8, ['node-down'], 'pass'],
  ['WaitForFirstConsumer, a node down, dfs', WFFC, 'dfs', 8, ['node-down'], 'pass'],
  ['WaitForFirstConsumer, stale informers', WFFC, 'bfs', 3, ['stale-read'], 'pass'],
  ['Immediate binding (the known failure)', IMMEDIATE, 'bfs', 12, [], 'violation'],
];

for (const [what, inputs, strategy, depth, faults, verdict] of CASES) {
  test(`reduction visits the same distinct states as none, with fewer transitions: ${what}, depth ${depth}`, () => {
    const o = options(inputs, strategy, depth, faults);
    const off = keysOf({ ...o, por: false });
    const on = keysOf({ ...o, por: true });
    assert.is(off.verdict, verdict);
    assert.is(on.verdict, off.verdict);
    if (verdict === 'pass') {
      assert.equal([...on.keys].filter((k) => !off.keys.has(k)), []);
      assert.equal([...off.keys].filter((k) => !on.keys.has(k)), []);
      assert.ok(on.slept > 0 && on.transitions < off.transitions, `${on.transitions} vs ${off.transitions}`);
    }
  });
}

test('a delay bound turns reduction off (it counts the moves a reordering changes)', () => {
  const r = check({ ...options(WFFC, 'bfs', 12, []), maxDelays: 1 });
  const { por, slept, reexpanded } = r.reduction;
  assert.equal({ por, slept, reexpanded }, { por: false, slept: 0, reexpanded: 0 });
});

test.run();
