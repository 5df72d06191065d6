/**
 * Design: what keeping the log in JetStream costs (issue 8 item 10, ADR 0007). Against a
 * nats-server started by the one launcher, in the same process and the same run:
 *
 * - **Appends.** `JetStreamEventLog.append` (synchronous, through the worker thread, with the
 *   expected-sequence and msg-id headers) against the baseline, what a careful user writes with
 *   nats.js on the main thread: `await js.publish(subject, line)` of the very same bytes (the
 *   sealed lines, built before the clock starts) on the same subjects, into a stream configured
 *   the same way (file storage, two-minute duplicate window), a batch published together and its
 *   acks awaited together — without headers or the thread hop, and connected without async
 *   traces as pvsim's connections are (nats.js builds two Errors per publish otherwise). A second raw loop adds the same
 *   headers (`msgID`, `expect`) to show what the server's checks cost apart from the hop.
 *   Batches of 1 and of 100 records; goal ≥ 80 % of the plain raw loop.
 * - **Awaited appends.** `JetStreamEventLog.appendAsync` (ADR 0032), the path component processes
 *   append by: the same protocol on this thread's event loop, no hop. The goal is measured here.
 * - **The hop.** `pingBridge()`: one blocking round trip to the worker thread with no NATS call.
 * - **Replay.** `read()` of the whole log from JetStream against `FileEventLog.read()` of the
 *   same records, in records per second.
 *
 * A warm-up round of each case, then rounds in rotating order (measure.ts), each on a fresh
 * cluster/stream; a ratio is the median of the rounds' own ratios (the four cases of a round run
 * back to back), rates are medians.
 */
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { NewLogRecord } from '../packages/domain/src/index.ts';
import { FileEventLog } from '../packages/log-file/src/index.ts';
import { createHash } from 'node:crypto';
import { sealBatch } from '../packages/domain/src/index.ts';
import { JetStreamEventLog, closeAsyncCalls, closeBridge, pingBridge, logStreamName, logSubject, logSubjectFilter, startNatsServer } from '../packages/nats/src/index.ts';
import { emit, fmtMs, median, table } from './measure.ts';

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 6;
const RECORDS = quick ? 2_000 : 10_000;
const REPLAY_RECORDS = quick ? 10_000 : 50_000;

// nats.js lives in packages/nats's node_modules (the root has no link to it).
const natsRequire = createRequire(resolve('packages/nats/package.json'));
const { connect } = natsRequire('@nats-io/transport-node') as typeof import('@nats-io/transport-node');
const { StorageType, jetstream, jetstreamManager } = natsRequire('@nats-io/jetstream') as typeof import('@nats-io/jetstream');

function record(i: number): NewLogRecord {
  return { time: '2026-01-01T00:00:00Z', stream: `pvc/default/claim-${i % 500}.data`, type: 'PersistentVolumeClaimUpdated', data: { i, phase: 'Bound', volumeName: `pv-${i}` } };
}

let clusterCount = 0;

async function main(): Promise<void> {
  const server = await startNatsServer();
  // Without async traces, as pvsim connects (connectOptions.mjs): the baseline gets every
  // free option the log takes, so the ratio is the protocol's cost, not a setting's.
  const nc = await connect({ servers: server.url, noAsyncTraces: true });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);

  function appendLoop(batchSize: number): number {
    const log = new JetStreamEventLog({ connect: { servers: server.url }, cluster: `bench-${++clusterCount}` });
    const t0 = performance.now();
    for (let pos = 0; pos < RECORDS; pos += batchSize) {
      log.append(Array.from({ length: batchSize }, (_, k) => record(pos + k + 1)), pos);
    }
    return performance.now() - t0;
  }

  /** The path component processes append by (ADR 0032): awaited on this thread, no hop. */
  async function appendAsyncLoop(batchSize: number): Promise<number> {
    const log = new JetStreamEventLog({ connect: { servers: server.url }, cluster: `bench-${++clusterCount}` });
    const t0 = performance.now();
    for (let pos = 0; pos < RECORDS; pos += batchSize) {
      await log.appendAsync(Array.from({ length: batchSize }, (_, k) => record(pos + k + 1)), pos);
    }
    return performance.now() - t0;
  }

  const hash = (text: string) => createHash('sha256').update(text).digest('hex');
  async function rawLoop(batchSize: number, headers: boolean): Promise<number> {
    const cluster = `raw-${++clusterCount}`;
    const stream = logStreamName(cluster);
    await jsm.streams.add({ name: stream, subjects: [logSubjectFilter(cluster)], storage: StorageType.File, duplicate_window: 120_000_000_000 });
    // The bytes the log stores: each batch sealed at its position, as append() seals it.
    const lines: { subject: string; line: string }[] = [];
    for (let pos = 0; pos < RECORDS; pos += batchSize) {
      const batch = Array.from({ length: batchSize }, (_, k) => record(pos + k + 1));
      sealBatch(batch, pos + 1, hash).lines.forEach((line, k) => lines.push({ subject: logSubject(cluster, batch[k]!.stream), line }));
    }
    const t0 = performance.now();
    for (let pos = 0; pos < RECORDS; pos += batchSize) {
      await Promise.all(
        lines.slice(pos, pos + batchSize).map((l, j) =>
          headers
            ? js.publish(l.subject, l.line, { msgID: `${stream}:${pos + j + 1}`, expect: { lastSequence: pos + j, ...(j > 0 ? { lastMsgID: `${stream}:${pos + j}` } : {}) } })
            : js.publish(l.subject, l.line),
        ),
      );
    }
    return performance.now() - t0;
  }

  const rows: string[][] = [];
  const data: Record<string, unknown> = {};
  for (const batchSize of [1, 100]) {
    const measured: number[] = [];
    const awaited: number[] = [];
    const baseline: number[] = [];
    const withHeaders: number[] = [];
    // One warm-up round of each (not counted: the first loop of each kind ran ~2x slower, JIT and
    // connection warming, which billed whichever case came first), then rounds in rotating order.
    await rawLoop(batchSize, false);
    appendLoop(batchSize);
    await appendAsyncLoop(batchSize);
    await rawLoop(batchSize, true);
    const cases = [
      async () => void baseline.push(await rawLoop(batchSize, false)),
      async () => void measured.push(appendLoop(batchSize)),
      async () => void awaited.push(await appendAsyncLoop(batchSize)),
      async () => void withHeaders.push(await rawLoop(batchSize, true)),
    ];
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < cases.length; k++) await cases[(round + k) % cases.length]!();
    }
    const rate = (ms: number) => (RECORDS / ms) * 1000;
    // Each round runs the four cases back to back: a ratio is the median of the rounds' own
    // ratios, so load that drifts between rounds moves both sides of each ratio alike.
    const paired = (xs: number[]) => median(xs.map((ms, round) => baseline[round]! / ms));
    const ratio = paired(measured);
    const asyncRatio = paired(awaited);
    const headersRatio = paired(withHeaders);
    const headersCell = `${rate(median(withHeaders)).toFixed(0)}/s (${(headersRatio * 100).toFixed(0)} %)`;
    rows.push(
      [`appendAsync (component processes), batches of ${batchSize}`, `${rate(median(awaited)).toFixed(0)}/s`, `${rate(median(baseline)).toFixed(0)}/s (raw publish)`, `${(asyncRatio * 100).toFixed(0)} %`, headersCell],
      [`append (blocking, commands), batches of ${batchSize}`, `${rate(median(measured)).toFixed(0)}/s`, `${rate(median(baseline)).toFixed(0)}/s (raw publish)`, `${(ratio * 100).toFixed(0)} %`, headersCell],
    );
    data[`append${batchSize}`] = { records: RECORDS, measuredMs: measured, asyncMs: awaited, baselineMs: baseline, withHeadersMs: withHeaders, ratio, asyncRatio, headersRatio };
  }
  {
    const HOPS = quick ? 2_000 : 10_000;
    const rounds: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const t0 = performance.now();
      for (let k = 0; k < HOPS; k++) pingBridge();
      rounds.push(((performance.now() - t0) / HOPS) * 1000);
    }
    data['hopUs'] = rounds;
    console.log(`one blocking hop to the worker thread and back: ${median(rounds).toFixed(1)} µs (median of ${ROUNDS} rounds of ${HOPS})`);
  }

  {
    const cluster = `replay-${++clusterCount}`;
    const log = new JetStreamEventLog({ connect: { servers: server.url }, cluster });
    const dir = mkdtempSync(join(tmpdir(), 'pvsim-bench-'));
    const file = new FileEventLog(join(dir, 'log.jsonl'));
    for (let pos = 0; pos < REPLAY_RECORDS; pos += 1_000) {
      const batch = Array.from({ length: 1_000 }, (_, k) => record(pos + k + 1));
      log.append(batch, pos);
      file.append(batch, pos);
    }
    const measured: number[] = [];
    const baseline: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      let t0 = performance.now();
      if (file.read().length !== REPLAY_RECORDS) throw new Error('file replay lost records');
      baseline.push(performance.now() - t0);
      t0 = performance.now();
      if (log.read().length !== REPLAY_RECORDS) throw new Error('JetStream replay lost records');
      measured.push(performance.now() - t0);
    }
    const rate = (ms: number) => (REPLAY_RECORDS / ms) * 1000;
    rows.push([`replay ${REPLAY_RECORDS} records`, `${rate(median(measured)).toFixed(0)}/s`, `${rate(median(baseline)).toFixed(0)}/s (file)`, `${((rate(median(measured)) / rate(median(baseline))) * 100).toFixed(0)} %`, '']);
    data['replay'] = { records: REPLAY_RECORDS, measuredMs: measured, baselineMs: baseline };
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(`JetStream event log (nats-server on loopback, ${ROUNDS} rounds, medians; baseline: raw nats.js publish loop / file log)`);
  console.log(table(['case', 'JetStreamEventLog', 'baseline', 'ratio', 'raw + same headers'], rows));
  console.log(`(median append round: ${fmtMs(median((data['append100'] as { measuredMs: number[] }).measuredMs))} for ${RECORDS} records in batches of 100)`);
  emit('natsLog', data);
  closeBridge();
  await closeAsyncCalls();
  await nc.close();
  await server.stop();

}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
