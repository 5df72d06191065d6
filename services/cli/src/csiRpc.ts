/**
 * Design: a CSI driver's controller RPCs over NATS request/reply (ADR 0022, issue 8 item 3). Two
 * composition roots:
 * - the caller: any process given `--csi-rpc DRIVER` (env PVSIM_CSI_RPC) calls that driver's
 *   CreateVolume, DeleteVolume, ControllerPublish/Unpublish with a NATS request on
 *   `pvsim.CLUSTER.csi.DRIVER.rpc` carrying its log position, the arguments and the backend
 *   objects its transaction already changed, and waits up to the deadline (`--csi-rpc-deadline`,
 *   default 10 s, external-provisioner's `--timeout`). The outcome is recorded in its transaction
 *   (services/world driverRpc.ts), so `log verify` re-executes it without the driver process.
 * - the driver: `pvsim csi-driver NAME --rpc` follows the log (continued sessions, as a component
 *   host) and answers each request with the simulated driver run on the backend at the caller's
 *   position, its writes captured rather than made: a backend change exists only once the caller's
 *   transaction that records it is appended, so a request whose reply is lost (a timeout) leaks
 *   nothing. A caller whose position is not the log's end is stale — its append will be refused —
 *   and is answered ABORTED without running anything.
 * Both block on the sync NATS bridge inside their work: the caller's components are synchronous,
 * and the driver answers one request at a time, in the order they arrive.
 */
import { CsiError, ExpectedVersionConflict } from '@pvsim/domain';
import { NatsCallError, connectNats, csiRpcSubject, natsRequest, redactCredentials } from '@pvsim/nats';
import { RPC_RECORD_TYPES, answerSimRpc, recordedTransport, type RpcAnswer, type RpcOutcome, type RpcTransport, type TouchedObject } from '@pvsim/world';
import type { LogRecord } from '@pvsim/domain';
import { natsConnectOf, openClusterLog } from './clusterDir.ts';
import { openSession } from './session.ts';
import { FollowingSessions } from './componentHost.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';

/** external-provisioner's default `--timeout`. */
export const CSI_RPC_DEADLINE_MS = 10_000;

/** A request on the driver's subject. */
interface RpcRequest { pos: number; rpc: string; args: unknown; touched: TouchedObject[] }

/** A driver's full name: `disk` stands for `disk.csi.pvsim.dev`. */
export function fullDriverName(name: string): string {
  return name.includes('.') ? name : `${name}.csi.pvsim.dev`;
}

/** `--csi-rpc disk,nas`: the drivers' full names; an empty list is a usage error. */
export function parseCsiRpc(list: string, deadline: string | undefined): NonNullable<GlobalOptions['csiRpc']> {
  const drivers = list.split(',').map((d) => d.trim()).filter((d) => d !== '').map(fullDriverName);
  if (drivers.length === 0) throw new UsageError('error: --csi-rpc needs at least one driver, e.g. --csi-rpc disk');
  const deadlineMs = deadline === undefined ? CSI_RPC_DEADLINE_MS : Number(deadline);
  if (!Number.isSafeInteger(deadlineMs) || deadlineMs < 1) throw new UsageError(`error: invalid argument "${deadline}" for "--csi-rpc-deadline" flag: must be a positive number of milliseconds`);
  return { drivers: [...new Set(drivers)], deadlineMs };
}

/** The caller's transports (a session at log position `pos`), for the drivers `--csi-rpc` names. */
export function natsDriverRpc(g: GlobalOptions): ((driver: string, pos: number) => RpcTransport | undefined) | undefined {
  const rpc = g.csiRpc;
  if (!rpc) return undefined;
  if (!g.nats) throw new UsageError('error: --csi-rpc calls a driver over NATS: give --nats URL (or PVSIM_NATS)');
  const connect = natsConnectOf(g);
  const cluster = g.nats.cluster;
  return (driver, pos) => {
    if (!rpc.drivers.includes(driver)) return undefined;
    const subject = csiRpcSubject(cluster, driver);
    return (call) => {
      const base = { driver, rpc: call.rpc, request: call.request };
      const request: RpcRequest = { pos, rpc: call.rpc, args: call.args ?? null, touched: call.touched };
      let text: string;
      try {
        text = natsRequest(connect, subject, JSON.stringify(request), rpc.deadlineMs);
      } catch (e) {
        if (e instanceof NatsCallError && e.code === 'RequestTimeout') return { type: 'CsiRpcTimedOut', data: { ...base, deadlineMs: rpc.deadlineMs } };
        if (e instanceof NatsCallError && e.code === 'NoResponders') return { type: 'CsiRpcUnavailable', data: { ...base, message: `no driver process answers on ${subject}` } };
        throw e;
      }
      const answer = JSON.parse(text) as RpcAnswer;
      return { type: 'CsiRpcAnswered', data: { ...base, ...answer } };
    };
  };
}

/**
 * The recorded RPC outcomes of each input of a log, by the input's position: what `log verify`
 * hands back to the re-executed calls instead of calling a driver.
 */
export class RecordedRpcs {
  private readonly byInput = new Map<number, RpcOutcome[]>();
  private input = 0;

  /** Told every record of the log in order. */
  see(r: LogRecord): void {
    if (r.stream === 'cluster') { this.input = r.pos; return; }
    if (!RPC_RECORD_TYPES.includes(r.type)) return;
    let list = this.byInput.get(this.input);
    if (!list) this.byInput.set(this.input, (list = []));
    list.push({ type: r.type, data: r.data } as RpcOutcome);
  }

  /** The session option for re-executing the input at `inputPos` (none when it called no driver remotely). */
  transportsFor(inputPos: number): ((driver: string) => RpcTransport | undefined) | undefined {
    const outcomes = this.byInput.get(inputPos);
    if (!outcomes) return undefined;
    const transport = recordedTransport(outcomes);
    const drivers = new Set(outcomes.map((o) => o.data.driver));
    return (driver) => (drivers.has(driver) ? transport : undefined);
  }
}

/** `pvsim csi-driver NAME --rpc`: answers the driver's RPCs until SIGINT or SIGTERM; resolves with the exit code. */
export async function answerDriverRpcs(io: CliIO, g: GlobalOptions, name: string): Promise<number> {
  if (!g.nats) throw new UsageError('error: csi-driver --rpc answers a driver\'s RPCs over NATS: give --nats URL (or PVSIM_NATS)');
  if (name.includes('=')) throw new UsageError(`error: csi-driver ${name} --rpc: a driver module of your own cannot answer over NATS yet — its memory is the module's, not the log's (docs/decisions/0022-kubelet-and-csi-driver-processes.md); run it in-process with --csi-driver`);
  // The driver's own sessions call no driver remotely.
  const { csiRpc: _calls, ...own } = g;
  // A new cluster is started first (its own objects, one batch), as serve starts it.
  if (openClusterLog(own).lastPos() === 0) {
    try {
      openSession(own).commit();
    } catch (e) {
      if (!(e instanceof ExpectedVersionConflict)) throw e;
    }
  }
  const sessions = new FollowingSessions(own);
  const first = sessions.open();
  const drivers = [...first.parts.drivers.keys()].sort();
  const driver = drivers.find((d) => d === name || d === fullDriverName(name));
  sessions.keep(first);
  if (!driver) throw new UsageError(`error: the cluster has no CSI driver "${name}" (its drivers: ${drivers.join(', ')})`);
  const subject = csiRpcSubject(g.nats.cluster, driver);
  const nc = await connectNats(natsConnectOf(g));
  const sub = nc.subscribe(subject);
  // The subscription is registered with the server before the process says it answers.
  await nc.flush();
  io.stdout(`pvsim csi-driver: answering ${driver}'s RPCs on ${subject} for ${redactCredentials(g.nats.url)} cluster ${g.nats.cluster}\n`);
  const stop = (): void => { sub.unsubscribe(); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for await (const m of sub) {
      let answer: RpcAnswer;
      let request: RpcRequest | undefined;
      try {
        request = JSON.parse(m.string()) as RpcRequest;
        answer = answerOne(sessions, driver, request);
      } catch (e) {
        if (e instanceof UsageError) throw e;
        answer = { error: { code: 'INTERNAL', message: `the driver process failed: ${(e as Error).message}` }, writes: [] };
      }
      io.stdout(`${driver}: ${request?.rpc ?? '(unreadable request)'} at log position ${request?.pos ?? '?'}: ${answer.error ? answer.error.code : 'OK'}${answer.writes.length > 0 ? `, ${answer.writes.length} backend write(s)` : ''}\n`);
      m.respond(JSON.stringify(answer));
    }
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await nc.drain().catch(() => undefined);
  }
  io.stdout('pvsim csi-driver: stopped\n');
  return 0;
}

/** One request answered on the log as it now is. */
function answerOne(sessions: FollowingSessions, driver: string, request: RpcRequest): RpcAnswer {
  const s = sessions.open();
  // Nothing is written to the session: it is continued by the next request.
  sessions.keep(s);
  if (s.endPosition !== request.pos) {
    return { error: { code: 'ABORTED', message: `the caller's log position ${request.pos} is not the log's end ${s.endPosition}: its transaction cannot be appended; it runs again on the new log` }, writes: [] };
  }
  const sim = s.parts.drivers.get(driver);
  if (!sim) return { error: { code: 'INTERNAL', message: `the cluster has no driver ${driver}` }, writes: [] };
  try {
    return answerSimRpc(s.store, request.touched ?? [], sim.profile, s.clock, request.pos, request.rpc, request.args ?? undefined);
  } catch (e) {
    if (e instanceof CsiError) return { error: { code: e.code, message: e.message }, writes: [] };
    throw e;
  }
}
