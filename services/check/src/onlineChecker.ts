/**
 * Design: the invariants judged online, batch by batch, over a cluster's log as a process
 * consuming it sees it (issue 8 item 5; `pvsim check online`). Each complete batch (one command's
 * transaction) is folded into an API server's objects and the safety invariants are judged on
 * the result; each broken one is reported once, with the batch that broke it. The convergence
 * invariants are judged on demand (the final state). Pure: records in, findings out.
 */
import type { LogRecord } from '@pvsim/domain';
import { checkAll } from '@pvsim/invariants';
import { foldRecords } from '@pvsim/runtime';
import { createWorld } from '@pvsim/world';

export interface OnlineFinding {
  /** The batch whose records broke it. */
  first: LogRecord;
  last: LogRecord;
  message: string;
}

export class OnlineChecker {
  private readonly world = createWorld({ seed: 0 });
  private readonly seen = new Set<string>();
  private batch: LogRecord[] = [];
  batches = 0;
  records = 0;
  violations = 0;
  lastPos = 0;

  /** One record; when it ends a batch, the batch is folded and the safety invariants judged. */
  add(record: LogRecord): OnlineFinding[] {
    this.batch.push(record);
    this.lastPos = record.pos;
    if (record.end !== true) return [];
    const batch = this.batch.splice(0);
    foldRecords(this.world.store, batch);
    this.batches++;
    this.records += batch.length;
    const found: OnlineFinding[] = [];
    for (const message of checkAll(this.world.store, { phase: 'safety' })) {
      if (this.seen.has(message)) continue;
      this.seen.add(message);
      this.violations++;
      found.push({ first: batch[0]!, last: record, message });
    }
    return found;
  }

  /** The convergence invariants not already reported, on the state reached so far. */
  notConverged(): string[] {
    return checkAll(this.world.store, { phase: 'converged' }).filter((m) => !this.seen.has(m));
  }
}
