/**
 * Design: the clock owner of a free-running distributed run (`pvsim serve --only clock`, ADR 0026).
 * Component processes take waiting work only and never move simulated time (ADR 0019), so a
 * retry with backoff, the pod garbage collector's quarantine or a FailedMount timeout never fired
 * in processes. Embedded, a settle moves time to the next timer once nothing waits; here one
 * process does that for the cluster, as one more transaction on the log:
 *
 * - *Quiet first.* It advances only when no component's waiting work would change anything — the
 *   same test a process applies before it appends (`runComponentPass`'s `changedNothing`), run for
 *   every component on the log as it is — and the log has not moved while it looked (no process
 *   appended meanwhile). Then no process will append before time moves: nothing is lost by
 *   moving it.
 * - *One advance per position.* The advance is the input `ClockAdvanceRequested {expectedPos, …}`
 *   appended expecting the stream to end at `expectedPos`; two clock owners racing make one
 *   advance, the other's append is the ExpectedVersionConflict every writer meets, and it looks
 *   again on the new log. `log verify` re-executes the input through the same `runInput`.
 * - *Bounded, as a settle is.* It stops when `IDLE_TIME_STEPS_MAX` advances in a row found the
 *   objects as they were at an advance since the last user input (only time moved: a retry, or a
 *   cycle of retries, that keeps failing), or when the next timer is
 *   more than `--settle-time` after the last user input; the counters are in the input record,
 *   so a restarted owner goes on counting. Stopped, it prints what is still in flight in the
 *   CLI's own words, and starts again after the next user input. With no timer pending it waits.
 *
 * A composition root's helper: it reads the log and the world, and decides nothing itself about
 * Kubernetes — the timers are the world's, what fires is what a settle would fire.
 */
import { ExpectedVersionConflict } from '@pvsim/domain';
import { DEFAULT_SETTLE_BUDGET, IDLE_TIME_STEPS_MAX } from '@pvsim/world';
import { openClusterLog } from './clusterDir.ts';
import { runInput, type ClockAdvanceData } from './inputs.ts';
import type { ClockHistory, Session } from './session.ts';
import type { CliIO, GlobalOptions } from './verbTypes.ts';

/** The name `serve --only` knows the clock owner by. */
export const CLOCK_OWNER = 'clock';

/** What the clock owner decided on the log as it is now. */
export type ClockDecision =
  | { kind: 'noTimer' }
  | { kind: 'busy'; component: string }
  | { kind: 'stopped'; why: 'idle' | 'time'; inFlight: string[] }
  | { kind: 'advance'; data: ClockAdvanceData; dueMs: number };

/** The sessions the clock owner opens: continued while it appended nothing (componentHost's FollowingSessions). */
export interface SessionSource {
  open(): Session;
  keep(s: Session): void;
}

/**
 * The clock owner's bounds, from what the log says (`history`) and the objects' fingerprint now:
 * the counters the next advance records, and `stop` when it must not advance to `dueMs`. Pure, so
 * a restarted or second owner, reading the same log, counts on exactly where the last one was.
 */
export function clockBounds(history: ClockHistory, fingerprint: string, dueMs: number, settleTimeMs: number): { idleAdvances: number; sinceCommandMs: number; fingerprint: string; stop?: 'idle' | 'time' } {
  const { lastUserInput, lastAdvance, advancedAt } = history;
  const advanceAfterInput = lastAdvance !== undefined && (lastUserInput === undefined || lastAdvance.pos > lastUserInput.pos);
  // Only time moved: the objects are as they were at an advance since the last user input — the
  // last one (a retry that failed the same way), or an earlier one (a retry cycle through several
  // components, each waiting on its own backoff: the scheduler's PreBind and a provisioner that
  // keeps failing, two quiet points per round with different objects at each). Embedded, a settle
  // counts that round as one timer step that changed nothing (World.settle).
  const idleAdvances = advanceAfterInput && advancedAt.has(fingerprint) ? Number(lastAdvance.data['idleAdvances'] ?? 0) + 1 : 0;
  const sinceCommandMs = lastUserInput ? dueMs - Date.parse(lastUserInput.time) : 0;
  const stop = idleAdvances >= IDLE_TIME_STEPS_MAX ? 'idle' as const : sinceCommandMs > settleTimeMs ? 'time' as const : undefined;
  return { idleAdvances, sinceCommandMs, fingerprint, ...(stop ? { stop } : {}) };
}

/**
 * Decides on `s` (a session on the log as it is now) whether the clock owner advances. Runs the
 * waiting work of every component in `s` to see whether it would change anything, so `s` is not
 * fit to continue unless the answer is `noTimer` or `stopped` (`ran` says whether it ran any).
 */
export function decideClock(s: Session, seed: number, settleTimeMs: number, runPass: (s: Session, component: string) => boolean): { decision: ClockDecision; ran: boolean } {
  const dueMs = s.world.scheduler.nextDue();
  if (dueMs === undefined) return { decision: { kind: 'noTimer' }, ran: false };
  const b = clockBounds(s.clockHistory, s.store.fingerprint(), dueMs, settleTimeMs);
  if (b.stop) return { decision: { kind: 'stopped', why: b.stop, inFlight: s.world.inFlight() }, ran: false };
  let ran = false;
  for (const component of s.world.manager.controllers.map((c) => c.name)) {
    if (s.world.waitingWorkOf(component) === undefined) continue;
    ran = true;
    if (runPass(s, component)) return { decision: { kind: 'busy', component }, ran };
    s.takeBatch();
  }
  const data: ClockAdvanceData = { seed, expectedPos: s.basePosition, idleAdvances: b.idleAdvances, sinceCommandMs: b.sinceCommandMs, fingerprint: b.fingerprint };
  return { decision: { kind: 'advance', data, dueMs }, ran };
}

/** What a stopped clock owner prints: why, and what is in flight, as a command that stopped settling says it (session.ts unsettledNotice). */
export function clockStoppedNotice(why: 'idle' | 'time', inFlight: string[], settleTimeMs: number): string {
  const reason = why === 'idle'
    ? `${IDLE_TIME_STEPS_MAX} advances in a row changed nothing but time`
    : `the next timer is more than ${settleTimeMs / 1000} s of simulated time after the last command (--settle-time)`;
  const settle = why === 'idle' ? 'only failing retries are left' : 'the simulated-time budget ran out';
  return `clock: stopped advancing simulated time (${reason}); it starts again after the next command\n`
    + `Warning: the cluster has not settled (${settle}); still in flight:\n${inFlight.map((l) => `  ${l}\n`).join('')}`;
}

/**
 * One look of the clock owner at the log as it is now: advances simulated time to the next
 * timer when every component is quiet (one transaction), or says why not. `runPass` runs one
 * component's waiting work in a session and says whether it would change anything.
 */
export class ClockOwner {
  /** What was last printed about a decision that did not advance, so it is printed once per log position. */
  private lastSaid = '';
  private readonly settleTimeMs: number;

  constructor(private readonly io: CliIO, private readonly g: GlobalOptions, private readonly sessions: SessionSource, private readonly runPass: (s: Session, component: string) => boolean) {
    this.settleTimeMs = g.budget?.simulatedMsMax ?? DEFAULT_SETTLE_BUDGET.simulatedMsMax;
  }

  /** Returns whether it appended an advance. */
  look(): boolean {
    const s = this.sessions.open();
    const { decision, ran } = decideClock(s, this.g.seed, this.settleTimeMs, this.runPass);
    if (!ran) this.sessions.keep(s);
    const at = s.basePosition;
    if (decision.kind === 'noTimer') {
      this.say(`noTimer ${at}`, `clock: quiet at ${at}, no timer pending\n`);
      return false;
    }
    if (decision.kind === 'stopped') {
      this.say(`stopped ${s.clockHistory.lastUserInput?.pos ?? 0}`, clockStoppedNotice(decision.why, decision.inFlight, this.settleTimeMs));
      return false;
    }
    if (decision.kind === 'busy') return false;
    // Quiet — unless a process appended while it looked: then the new batch brings another look.
    if (openClusterLog(this.g).lastPos() !== at) return false;
    const next = this.sessions.open();
    if (next.basePosition !== at) { this.sessions.keep(next); return false; }
    runInput(next, { type: 'ClockAdvanceRequested', data: decision.data });
    try {
      const stored = next.commit();
      this.sessions.keep(next);
      this.io.stdout(`clock: every component quiet at ${at}; advanced simulated time to ${next.now} (idle advances ${decision.data.idleAdvances}), appended records ${stored[0]!.pos}-${stored.at(-1)!.pos}\n`);
      return true;
    } catch (e) {
      if (!(e instanceof ExpectedVersionConflict)) throw e;
      // Another writer (a process, a command, another clock owner) came first: look again on its batch.
      this.io.stdout(`clock: the log moved (${e.message}); looking again on the new log\n`);
      return false;
    }
  }

  private say(key: string, text: string): void {
    if (key === this.lastSaid) return;
    this.lastSaid = key;
    this.io.stdout(text);
  }
}
