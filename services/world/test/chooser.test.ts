/**
 * The choosers: seeded picks are a function of the seed; FIFO takes the first; the recorded chooser
 * follows a log's choices in order and says so when the run diverges from them.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Random } from '@pvsim/runtime';
import { ReplayDivergedError, fifoChooser, recordedChooser, seededChooser, type Action } from '../src/index.ts';

const items = [{ queue: 'claims', key: 'default/a' }, { queue: 'volumes', key: 'pv-1' }, { queue: 'claims', key: 'default/b' }];

test('seeded: the same seed picks the same; FIFO picks the first', () => {
  const a = seededChooser(new Random(9));
  const b = seededChooser(new Random(9));
  const picks = (c: ReturnType<typeof seededChooser>) => Array.from({ length: 20 }, () => c.pickWork(items));
  assert.equal(picks(a), picks(b));
  assert.is(fifoChooser().pickWork(items), 0);
});

test('recorded: deliveries in the recorded order; a delivery that is not waiting is a divergence', () => {
  const c = recordedChooser([
    { type: 'WorkDelivered', data: items[2] },
    { type: 'ResyncStarted', data: {} },
    { type: 'WorkDelivered', data: items[0] },
  ]);
  assert.is(c.pickWork(items), 2);
  assert.is(c.pickWork(items), 0);
  assert.is(c.remainingDeliveries(), 0);
  assert.throws(() => c.pickWork(items), (e: unknown) => e instanceof ReplayDivergedError);
  const d = recordedChooser([{ type: 'WorkDelivered', data: { queue: 'claims', key: 'default/zzz' } }]);
  assert.throws(() => d.pickWork(items), /delivery 1 \(claims default\/zzz\) is not waiting/);
});

test('recorded: every kind of action, matched against what is enabled', () => {
  const enabled: Action[] = [
    { type: 'deliver', item: items[0]! },
    { type: 'watch', informer: 'kcm' },
    { type: 'timer', atMs: 5_000 },
    { type: 'resync', atMs: 15_000 },
    { type: 'fault', fault: { kind: 'csi-timeout', driver: 'disk' } },
    { type: 'crash', component: 'kubelet/node-a' },
    { type: 'node', node: 'node-a', down: true },
  ];
  const c = recordedChooser([
    { type: 'NodeWentDown', data: { node: 'node-a' } },
    { type: 'FaultInjected', data: { driver: 'disk', kind: 'csi-timeout' } },
    { type: 'ComponentRestarted', data: { component: 'kubelet/node-a' } },
    { type: 'TimerFired', data: { atMs: 5_000 } },
    { type: 'WatchDelivered', data: { informer: 'kcm', kind: 'Pod', key: 'default/p' } },
    { type: 'ResyncStarted', data: {} },
    { type: 'WorkDelivered', data: items[0] },
  ]);
  assert.equal(Array.from({ length: 7 }, () => c.choose(enabled)), [6, 4, 5, 2, 1, 3, 0]);
  assert.is(c.remainingActions(), 0);
});

test.run();
