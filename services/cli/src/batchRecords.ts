/**
 * Design: what a command's batch looks like just before it is appended, decided in one place.
 *
 * - Quiet resyncs leave one record. The controllers resync every 15 s of simulated time; on an
 *   idle cluster a resync delivers work that changes nothing, and recording each delivery made
 *   `advance 24h` write ~50k records. A resync round — `ResyncStarted` and the deliveries after it
 *   — that is followed by nothing but another round or the end of the batch changed no object
 *   (any change would have recorded a fact), so a run of such rounds becomes one
 *   `ResyncsWithoutChange` record with their count. Replay does not need them: `log verify`
 *   re-executes the inputs through this same function, and folding reads only facts.
 * - A request id (`--request-id`) is written into the input record, so a retry of a command that
 *   reached the log is recognised (retry.ts) instead of applied twice.
 */
import type { NewLogRecord } from '@pvsim/domain';

const isDelivery = (r: NewLogRecord): boolean => r.stream === 'scheduler' && r.type === 'WorkDelivered';
const isResync = (r: NewLogRecord): boolean => r.stream === 'scheduler' && r.type === 'ResyncStarted';
/** Records that may follow a quiet round: another round, or the batch's closing records. */
const endsRound = (r: NewLogRecord | undefined): boolean =>
  r === undefined || isResync(r) || (r.stream === 'clock' && r.type === 'ClockAdvanced') || (r.stream === 'scheduler' && r.type === 'WorkPending');

export function summariseQuietResyncs(batch: NewLogRecord[]): NewLogRecord[] {
  const out: NewLogRecord[] = [];
  let quiet: { count: number; from: string; to: string } | undefined;
  const flush = (): void => {
    if (!quiet) return;
    out.push({ time: quiet.to, stream: 'scheduler', type: 'ResyncsWithoutChange', data: quiet });
    quiet = undefined;
  };
  for (let i = 0; i < batch.length;) {
    const r = batch[i]!;
    if (isResync(r)) {
      let j = i + 1;
      while (j < batch.length && isDelivery(batch[j]!)) j++;
      if (endsRound(batch[j])) {
        const to = batch[j - 1]!.time;
        quiet = quiet ? { ...quiet, count: quiet.count + 1, to } : { count: 1, from: r.time, to };
        i = j;
        continue;
      }
    }
    flush();
    out.push(r);
    i++;
  }
  flush();
  return out;
}

/** Marks the batch's input records with `requestId`. */
export function tagRequest(batch: NewLogRecord[], requestId: string): void {
  for (const [i, r] of batch.entries()) {
    if (r.stream === 'cluster' && typeof r.data === 'object' && r.data !== null) batch[i] = { ...r, data: { ...r.data, requestId } };
  }
}
