/**
 * Design: a CSI driver's RPCs over NATS request/reply (ADR 0022, issue 8 item 3). Two
 * composition roots:
 * - the caller: any process given `--csi-rpc DRIVER` (env PVSIM_CSI_RPC) calls that driver's
 *   RPCs that change its backend (`REMOTE_RPCS`: controller, node, expansion, snapshot) with a NATS request on
 *   `pvsim.CLUSTER.csi.DRIVER.rpc` carrying its log position, the arguments and the backend
 *   objects its transaction already changed, and waits up to the deadline (`--csi-rpc-deadline`,
 *   default 10 s, external-provisioner's `--timeout`). The outcome is recorded in its transaction
 *   (services/world driverRpc.ts), so `log verify` re-executes it without the driver process.
 * - the driver (csiDriverProcess.ts): `pvsim csi-driver NAME --rpc` follows the log (continued sessions, as a component
 *   host) and answers each request with the simulated driver run on the backend at the caller's
 *   position, its writes captured rather than made: a backend change exists only once the caller's
 *   transaction that records it is appended, so a request whose reply is lost (a timeout) leaks
 *   nothing. A caller whose position is not the log's end is stale — its append will be refused —
 *   and is answered ABORTED without running anything.
 * Both block on the sync NATS bridge inside their work: the caller's components are synchronous,
 * and the driver answers one request at a time, in the order they arrive.
 */
import { NatsCallError, csiRpcSubject, natsRequest } from '@pvsim/nats';
import { RPC_RECORD_TYPES, recordedTransport, type RpcAnswer, type RpcOutcome, type RpcTransport, type TouchedObject } from '@pvsim/world';
import type { LogRecord } from '@pvsim/domain';
import { natsConnectOf } from './clusterDir.ts';
import { UsageError, type GlobalOptions } from './verbTypes.ts';

/** external-provisioner's default `--timeout`. */
export const CSI_RPC_DEADLINE_MS = 10_000;

/** A request on the driver's subject. */
export interface RpcRequest { pos: number; rpc: string; args: unknown; touched: TouchedObject[] }

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
