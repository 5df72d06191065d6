// Simulated time in a free-running distributed run (ADR 0026), against a real nats-server started
// by the one launcher: the clock owner (`pvsim serve --only clock`, in `--only all`) moves time to
// the next timer once every component is quiet, so a retry with backoff fires in processes — the
// resizer's ControllerExpand refused while the volume is in use, retried after the pod goes — and
// the resizer's memory of its failures is in the log (`ComponentMemorySaved`); two clock owners
// make one advance per log position; a clock owner stops at its bound and prints what is still in
// flight, and keeps serving. Every child is killed in `finally`, so a failure leaves none behind.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { startNatsServer } from '@pvsim/nats';
import { processHarness, type Proc } from './fixtures/processes.ts';

const server = await startNatsServer();
process.on('exit', () => { void server.stop(); });
const { nats, ok, start, until, stop, killAll } = processHarness(server.url);

type LogLine = { pos: number; stream: string; type: string; data: any };
const records = async (cluster: string): Promise<LogLine[]> =>
  (await ok([...nats(cluster), 'log'])).stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as LogLine);

async function object(cluster: string, kind: string, name: string): Promise<any | undefined> {
  const items = JSON.parse((await ok([...nats(cluster), 'get', kind, '-o', 'json'])).stdout).items as any[];
  return items.find((o) => o.metadata.name === name);
}

/** Every process a pod with a disk claim needs: the controllers (and the clock owner), the disk driver, both nodes' kubelets. */
function startAll(cluster: string, controllers: string[]): Proc[] {
  return [
    start(cluster, ['serve', '--only', controllers.join(',')]),
    start(cluster, ['csi-driver', 'disk']),
    ...['node-a', 'node-b'].map((n) => start(cluster, ['kubelet', '--node', n])),
  ];
}

test('a backoff retry fires in processes: the resizer grows the disk once the pod is gone; two clock owners make one advance per position', async () => {
  const cluster = 'offline';
  try {
    // The cluster first (its nodes), then the processes: `all` and a second clock owner.
    await ok([...nats(cluster), 'init']);
    const procs = [...startAll(cluster, ['all']), start(cluster, ['serve', '--only', 'clock'])];
    for (const p of procs) await p.waitFor(/following the log from/);
    await ok([...nats(cluster), 'apply', '-f', 'examples/expansion/offline/01-class-claim-pod.yaml', '-f', 'examples/expansion/offline/02-pod.yaml', '--wait=false']);
    await until('pod archiver Running', async () => (await object(cluster, 'pods', 'archiver'))?.status?.phase === 'Running');
    await ok([...nats(cluster), 'apply', '-f', 'examples/expansion/offline/03-grow.yaml', '--wait=false']);
    await until('the resizer refused while the pod uses the volume', async () => (await ok([...nats(cluster), 'get', 'events'])).stdout.includes('can only be expanded offline'));
    await ok([...nats(cluster), 'delete', 'pod', 'archiver', '--wait=false']);
    // Only a timer brings the resizer back: without the clock owner the PV stayed at 10Gi.
    await until('the PV grown to 20Gi', async () => {
      const pv = (JSON.parse((await ok([...nats(cluster), 'get', 'pv', '-o', 'json'])).stdout).items as any[])[0];
      return pv?.spec?.capacity?.storage === '20Gi';
    });
    const log = await records(cluster);
    const advances = log.filter((r) => r.type === 'ClockAdvanceRequested');
    // Which path brings the resizer back is the interleaving's: a pod event requeues the claim
    // (external-resizer's in-use tracking), and its retry succeeds at once when the detach has
    // already landed, or fails once more while the volume is still published and then waits on a
    // backoff timer that only the clock owner fires. Free-running, either happens (one CI run in
    // six took the first), so the advance is required only when a resize failed after the pod
    // was gone. That the clock owner does fire timers is also what node-deleted's pod GC
    // quarantine needs in natsEquivalence.
    const podGone = log.findIndex((r) => r.type === 'PodDeleted' || (r.stream === 'pod/default/archiver' && /Deleted$/.test(r.type)));
    const failedAfter = podGone >= 0 && log.slice(podGone).some((r) => JSON.stringify(r.data ?? '').includes('can only be expanded offline'));
    if (failedAfter) assert.ok(advances.length > 0, 'the clock owner advanced simulated time for the resizer\'s backoff retry');
    // Each advance was appended exactly where its owner expected the log to end: one per position.
    for (const a of advances) {
      const batchStart = log.findIndex((r) => r.pos === a.pos);
      assert.is(a.data.expectedPos, log[batchStart - 1]!.pos, `advance at ${a.pos} expected the log to end right before it`);
    }
    assert.is(new Set(advances.map((a) => a.data.expectedPos)).size, advances.length, 'no two advances at one position');
    const memories = log.filter((r) => r.type === 'ComponentMemorySaved');
    assert.ok(memories.some((r) => String(r.data.component).startsWith('external-resizer/')), 'the resizer saved its memory of the failure');
    assert.not.ok(memories.some((r) => String(r.data.component).startsWith('kubelet/')), 'kubelets rebuild from objects and save nothing');
    // Both clock owners looked at the log; the log still verifies byte for byte.
    for (const p of [procs[0]!, procs.at(-1)!]) assert.match(p.out(), /^clock: /m);
    assert.match((await ok([...nats(cluster), 'log', 'verify'])).stdout, /^log verified: /m);
    for (const p of procs) await stop(p);
  } finally {
    killAll();
  }
});

test('a clock owner stops at --settle-time, prints what is in flight, and keeps serving', async () => {
  const cluster = 'bounded';
  try {
    await ok([...nats(cluster), 'init']);
    const clock = start(cluster, ['--settle-time', '1m', 'serve', '--only', 'clock']);
    const procs = [clock, ...startAll(cluster, ['pv-controller', 'pvc-protection', 'scheduler'])];
    for (const p of procs) await p.waitFor(/following the log from/);
    // A claim the disk backend cannot hold: provisioning fails and is retried with backoff for ever.
    await ok([...nats(cluster), 'apply', '-f', 'examples/wffc-provisioning-failure/01-class.yaml', '-f', 'examples/wffc-provisioning-failure/02-too-big.yaml', '--wait=false']);
    await clock.waitFor(/^clock: stopped advancing simulated time \(the next timer is more than 60 s of simulated time after the last command/);
    await clock.waitFor(/^Warning: the cluster has not settled \(the simulated-time budget ran out\); still in flight:\n(  .*\n)*  persistentvolumeclaim default\/big: /m);
    assert.ok((await records(cluster)).some((r) => r.type === 'ClockAdvanceRequested'), 'it advanced before it stopped');
    assert.is(clock.child.exitCode, null, 'still serving');
    for (const p of procs) await stop(p);
  } finally {
    killAll();
  }
});

test.run();
