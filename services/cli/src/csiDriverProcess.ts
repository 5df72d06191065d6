/**
 * Design: the driver's side of ADR 0022's request/reply (csiRpc.ts has the caller's): `pvsim
 * csi-driver NAME --rpc` follows the log as a component host does and answers each request with
 * the simulated driver run on the backend at the caller's position, its writes captured, not made.
 * Apart from csiRpc.ts because it opens sessions, and the sessions' own wiring calls csiRpc.ts.
 */
import { CsiError, ExpectedVersionConflict } from '@pvsim/domain';
import { connectNats, csiRpcSubject, redactCredentials } from '@pvsim/nats';
import { answerSimRpc, type RpcAnswer } from '@pvsim/world';
import { natsConnectOf, openClusterLog } from './clusterDir.ts';
import { openSession } from './session.ts';
import { FollowingSessions } from './componentHost.ts';
import { fullDriverName, type RpcRequest } from './csiRpc.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';

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
