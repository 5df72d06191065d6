/**
 * Design: the driver's side of ADR 0022's request/reply (csiRpc.ts has the caller's): `pvsim
 * csi-driver NAME --rpc` follows the log as a component host does and answers each request with
 * the simulated driver run on the backend at the caller's position, its writes captured, not made.
 * Apart from csiRpc.ts because it opens sessions, and the sessions' own wiring calls csiRpc.ts.
 */
import { CsiError, ExpectedVersionConflict } from '@pvsim/domain';
import { DriverStateStore, connectNats, csiRpcSubject, redactCredentials } from '@pvsim/nats';
import { ModuleCsiDriver, answerRpc, answerSimRpc, type RpcAnswer } from '@pvsim/world';
import { loadCsiDriverModules, parseCsiDriverFlags } from './csiDriverModules.ts';
import { natsConnectOf, openClusterLog } from './clusterDir.ts';
import { openSession } from './session.ts';
import { FollowingSessions } from './componentHost.ts';
import { fullDriverName, type RpcRequest } from './csiRpc.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';

/** `pvsim csi-driver NAME --rpc`: answers the driver's RPCs until SIGINT or SIGTERM; resolves with the exit code. */
export async function answerDriverRpcs(io: CliIO, g: GlobalOptions, name: string): Promise<number> {
  if (!g.nats) throw new UsageError('error: csi-driver --rpc answers a driver\'s RPCs over NATS: give --nats URL (or PVSIM_NATS)');
  if (name.includes('=')) return answerModuleRpcs(io, g, g.nats, name);
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
  return serveRpcs(io, nc, subject, driver, `answering ${driver}'s RPCs on ${subject} for ${redactCredentials(g.nats.url)} cluster ${g.nats.cluster}`,
    (request) => answerOne(sessions, driver, request));
}

/**
 * Answers the requests on `subject` until SIGINT/SIGTERM, one at a time: `answer` decides, a
 * throw (other than a usage error) is an INTERNAL answer, `afterAnswer` runs before the reply
 * goes out (a module saves its memory there), and each request gets one line on stdout.
 */
async function serveRpcs(
  io: CliIO, nc: Awaited<ReturnType<typeof connectNats>>, subject: string, driver: string, announce: string,
  answer: (request: RpcRequest) => RpcAnswer, afterAnswer?: () => Promise<void>,
): Promise<number> {
  const sub = nc.subscribe(subject);
  // The subscription is registered with the server before the process says it answers.
  await nc.flush();
  io.stdout(`pvsim csi-driver: ${announce}\n`);
  const stop = (): void => { sub.unsubscribe(); };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    for await (const m of sub) {
      let answered: RpcAnswer;
      let request: RpcRequest | undefined;
      try {
        request = JSON.parse(m.string()) as RpcRequest;
        answered = answer(request);
      } catch (e) {
        if (e instanceof UsageError) throw e;
        answered = { error: { code: 'INTERNAL', message: `the driver process failed: ${(e as Error).message}` }, writes: [] };
      }
      await afterAnswer?.();
      io.stdout(`${driver}: ${request?.rpc ?? '(unreadable request)'} at log position ${request?.pos ?? '?'}: ${answered.error ? answered.error.code : 'OK'}${answered.writes.length > 0 ? `, ${answered.writes.length} backend write(s)` : ''}\n`);
      m.respond(JSON.stringify(answered));
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

/**
 * `pvsim csi-driver NAME=./driver.mjs`: a user's driver module as a process (ADR 0029). It
 * answers the RPCs the callers given `--csi-rpc NAME` send (as `--rpc` does for a simulated
 * driver), from its own memory, which it saves to the object store after every answer that
 * changed it and before replying, and loads at start: a restarted process resumes. Its answers
 * carry no backend writes (the module's backend is its memory, not the cluster's store); the
 * callers record them, so `log verify` needs no module process. It answers from its memory, not
 * from the caller's log position (a module has no view of the log): a retry after a lost reply or
 * a refused append meets the state the first call left, as a real driver's would, and CSI's
 * idempotency (CreateVolume by name, the others by id) makes it the same answer.
 */
async function answerModuleRpcs(io: CliIO, g: GlobalOptions, nats: NonNullable<GlobalOptions['nats']>, flag: string): Promise<number> {
  let driver: string;
  let mod: ModuleCsiDriver;
  try {
    const paths = parseCsiDriverFlags(io.cwd, [flag]);
    const [given] = Object.keys(paths);
    driver = fullDriverName(given!);
    const factory = loadCsiDriverModules({ [driver]: paths[given!]! })[driver]!;
    mod = new ModuleCsiDriver(driver, factory({ name: driver }));
  } catch (e) {
    throw new UsageError(`error: csi-driver ${flag}: ${(e as Error).message.replace(/^--csi-driver [^:]*: /, '')}`);
  }
  const nc = await connectNats(natsConnectOf(g));
  const states = await DriverStateStore.open(nc, nats.cluster, driver);
  const saved = await states.load();
  if (saved !== undefined) mod.loadState(saved);
  let memory = JSON.stringify(mod.saveState() ?? null);
  const subject = csiRpcSubject(nats.cluster, driver);
  const nothing = { get: () => undefined, list: () => [] };
  return serveRpcs(io, nc, subject, driver,
    `answering ${driver}'s RPCs (module ${flag.slice(flag.indexOf('=') + 1)}, memory ${saved === undefined ? 'new' : 'restored'}) on ${subject} for ${redactCredentials(nats.url)} cluster ${nats.cluster}`,
    (request) => answerRpc(nothing, [], () => mod, request.rpc, request.args ?? undefined),
    // The memory is saved before the reply: a process killed in between never answered, and
    // the caller's retry meets the saved memory.
    async () => {
      const now = JSON.stringify(mod.saveState() ?? null);
      if (now !== memory) { await states.save(JSON.parse(now)); memory = now; }
    });
}
