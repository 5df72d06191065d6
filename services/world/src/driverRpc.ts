/**
 * Design: a CSI driver's RPCs answered by another process (ADR 0022, "driver RPCs over
 * NATS request/reply"). The components keep holding the driver through its port; for a driver
 * reached this way the port's backend-changing RPCs go through a *transport* instead of the in-process
 * driver, and every outcome becomes a record of the caller's transaction:
 * - `CsiRpcAnswered {driver, rpc, request, reply | error, writes}` — the answer and the backend
 *   writes the driver made for it (its CSIVolume and Filesystem objects live in the cluster's
 *   store, so the caller applies them in its own transaction, right after the record);
 * - `CsiRpcTimedOut {driver, rpc, request, deadlineMs}` — no answer within the deadline: the
 *   caller sees DEADLINE_EXCEEDED and retries at its next sync with the same arguments (CSI
 *   §"Timeouts"; CreateVolume is idempotent by name, the others by id);
 * - `CsiRpcUnavailable {driver, rpc, request, message}` — nobody answers on the subject:
 *   UNAVAILABLE, retried as any transient failure.
 * `request` is a sha256 of the call's arguments. `log verify` re-executes the transaction with a
 * transport that hands back the recorded outcomes in order (`recordedTransport`), after checking
 * the request digest: the answer is a recorded fact, as the input is, so the re-execution needs
 * no driver process. The RPCs that change the backend are remote (`REMOTE_RPCS`: controller,
 * node, expansion and snapshot RPCs); the read-only ones (identity, capabilities, NodeGetInfo,
 * listings, capacity) and latency stay with the in-process driver. A driver process that does not
 * implement an RPC answers UNIMPLEMENTED, which the caller treats as CSI says (csi-lib-utils: a
 * permanent failure of that call, no retry with the same arguments changes it).
 */
import { createHash } from 'node:crypto';
import { CsiError, type CsiCode, type CsiDriverPort } from '@pvsim/domain';
import type { AnyObject, SimClock, StoredKind } from '@pvsim/runtime';
import { SimCsiDriver, type CsiProfile, type CsiStore } from '@pvsim/csi-drivers';
import { RandomStreams } from '@pvsim/runtime';

/**
 * The RPCs a driver answers over the transport (method name -> RPC name): every one that changes
 * the driver's backend (volumes, publications, staging and target mounts, sizes, snapshots).
 * Identity, capabilities, NodeGetInfo, ValidateVolumeCapabilities, ListVolumes, GetCapacity and
 * ListSnapshots read only and stay with the in-process driver.
 */
export const REMOTE_RPCS: Readonly<Record<string, string>> = {
  createVolume: 'CreateVolume', deleteVolume: 'DeleteVolume',
  controllerPublishVolume: 'ControllerPublishVolume', controllerUnpublishVolume: 'ControllerUnpublishVolume',
  nodeStageVolume: 'NodeStageVolume', nodeUnstageVolume: 'NodeUnstageVolume',
  nodePublishVolume: 'NodePublishVolume', nodeUnpublishVolume: 'NodeUnpublishVolume',
  controllerExpandVolume: 'ControllerExpandVolume', nodeExpandVolume: 'NodeExpandVolume',
  createSnapshot: 'CreateSnapshot', deleteSnapshot: 'DeleteSnapshot',
};

/** One change the driver made to its backend, applied by the caller as it was made. */
export type BackendWrite =
  | { op: 'create' | 'update'; kind: StoredKind; object: AnyObject }
  | { op: 'delete'; kind: StoredKind; key: string };

/** A backend object as the caller's transaction has it after earlier answers in it (null: deleted). */
export interface TouchedObject { kind: StoredKind; key: string; object: AnyObject | null }

export interface RpcCall {
  driver: string;
  rpc: string;
  /** The method's one argument (or undefined). */
  args: unknown;
  /** sha256 of `{driver, rpc, args}` (hex). */
  request: string;
  /** The backend objects earlier answers of this transaction wrote, as the caller holds them now. */
  touched: TouchedObject[];
}

export interface RpcAnswer { reply?: unknown; error?: { code: CsiCode; message: string }; writes: BackendWrite[] }

export type RpcOutcome =
  | { type: 'CsiRpcAnswered'; data: { driver: string; rpc: string; request: string } & RpcAnswer }
  | { type: 'CsiRpcTimedOut'; data: { driver: string; rpc: string; request: string; deadlineMs: number } }
  | { type: 'CsiRpcUnavailable'; data: { driver: string; rpc: string; request: string; message: string } };

export const RPC_RECORD_TYPES: readonly string[] = ['CsiRpcAnswered', 'CsiRpcTimedOut', 'CsiRpcUnavailable'];

/** Carries one call to the driver and brings its outcome back (NATS request/reply, or the log). */
export type RpcTransport = (call: RpcCall) => RpcOutcome;

/** The digest that ties a recorded outcome to the call it answered. */
export function requestDigest(driver: string, rpc: string, args: unknown): string {
  return createHash('sha256').update(JSON.stringify({ driver, rpc, args: args ?? null })).digest('hex');
}

/**
 * `local` with its controller RPCs sent through `transport`: each outcome is recorded, the
 * answer's writes applied to `backend`, and the reply returned (or its error thrown).
 */
export function remoteDriverPort(driver: string, local: CsiDriverPort, backend: CsiStore, record: (outcome: RpcOutcome) => void, transport: RpcTransport): CsiDriverPort {
  const touched = new Map<string, TouchedObject>();
  return new Proxy(local, {
    get(target, prop) {
      const value = Reflect.get(target, prop, target) as unknown;
      if (typeof value !== 'function') return value;
      const rpc = typeof prop === 'string' ? REMOTE_RPCS[prop] : undefined;
      if (!rpc) return (value as (...a: unknown[]) => unknown).bind(target);
      return (args: unknown) => {
        const outcome = transport({ driver, rpc, args, request: requestDigest(driver, rpc, args), touched: [...touched.values()] });
        record(outcome);
        if (outcome.type === 'CsiRpcTimedOut') throw new CsiError('DEADLINE_EXCEEDED', `${rpc}: the driver did not answer within ${outcome.data.deadlineMs} ms`);
        if (outcome.type === 'CsiRpcUnavailable') throw new CsiError('UNAVAILABLE', `${rpc}: ${outcome.data.message}`);
        for (const w of outcome.data.writes) {
          const key = w.op === 'delete' ? w.key : keyOf(w.object);
          try {
            if (w.op === 'create') backend.create(w.kind, structuredClone(w.object));
            else if (w.op === 'update') backend.update(w.kind, structuredClone(w.object));
            else backend.delete(w.kind, key);
          } catch (e) {
            throw new CsiError('UNAVAILABLE', `${rpc}: applying the driver's ${w.op} of ${w.kind} ${key} failed: ${(e as Error).message}`);
          }
          touched.set(`${w.kind}\n${key}`, { kind: w.kind, key, object: backend.get(w.kind, key) ?? null });
        }
        if (outcome.data.error) throw new CsiError(outcome.data.error.code, outcome.data.error.message.replace(/^rpc error: code = \w+ desc = /, ''));
        // A copy: the record holds the reply, and the caller may change what it is given.
        return structuredClone(outcome.data.reply);
      };
    },
  });
}

/** The backend objects are cluster-scoped: their key is their name. */
function keyOf(o: AnyObject): string {
  return o.metadata.name;
}

/** Thrown by `recordedTransport` when a re-executed call is not the one the log answered. */
export class RecordedRpcMismatchError extends Error {
  readonly code = 'RecordedRpcMismatch';
  constructor(message: string) {
    super(message);
    this.name = 'RecordedRpcMismatchError';
  }
}

/** Hands back `outcomes` in order, each only to the call (driver, RPC, arguments) it answered. */
export function recordedTransport(outcomes: readonly RpcOutcome[]): RpcTransport & { left(): number } {
  let next = 0;
  const transport = (call: RpcCall): RpcOutcome => {
    const o = outcomes[next];
    if (!o) throw new RecordedRpcMismatchError(`${call.driver} ${call.rpc}: called more often than the log recorded an answer`);
    if (o.data.driver !== call.driver || o.data.rpc !== call.rpc || o.data.request !== call.request) {
      throw new RecordedRpcMismatchError(`${call.driver} ${call.rpc} (request ${call.request.slice(0, 12)}): the log's next answer is to ${o.data.driver} ${o.data.rpc} (request ${o.data.request.slice(0, 12)})`);
    }
    next++;
    return o;
  };
  return Object.assign(transport, { left: () => outcomes.length - next });
}

/**
 * What a driver process answers to one call: the driver run on the cluster's backend objects as
 * the caller has them (the log at its position, `base`, with the caller's `touched` objects over
 * it), every write captured instead of made. `makeDriver` builds the driver on the store it is given.
 */
export function answerRpc(base: Pick<CsiStore, 'get' | 'list'>, touched: readonly TouchedObject[], makeDriver: (store: CsiStore) => CsiDriverPort, rpc: string, args: unknown): RpcAnswer {
  const method = Object.keys(REMOTE_RPCS).find((m) => REMOTE_RPCS[m] === rpc);
  if (!method) return { error: { code: 'UNIMPLEMENTED', message: `${rpc} is not answered over NATS` }, writes: [] };
  const over = new Map<string, AnyObject | null>(touched.map((t) => [`${t.kind}\n${t.key}`, t.object]));
  const writes: BackendWrite[] = [];
  const store: CsiStore = {
    get: (kind, key) => { const k = `${kind}\n${key}`; return over.has(k) ? over.get(k) ?? undefined : base.get(kind, key); },
    list: (kind) => {
      const listed = base.list(kind).filter((o) => !over.has(`${kind}\n${keyOf(o)}`));
      for (const [k, o] of over) if (o && k.startsWith(`${kind}\n`)) listed.push(o);
      return listed.sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
    },
    create: (kind, object) => { writes.push({ op: 'create', kind, object }); over.set(`${kind}\n${keyOf(object)}`, object); return object; },
    update: (kind, object) => { writes.push({ op: 'update', kind, object }); over.set(`${kind}\n${keyOf(object)}`, object); return object; },
    delete: (kind, key) => { writes.push({ op: 'delete', kind, key }); over.set(`${kind}\n${key}`, null); },
  };
  const driver = makeDriver(store);
  const fn = driver[method as keyof CsiDriverPort] as ((a: unknown) => unknown) | undefined;
  // A driver without the RPC (expansion and snapshots are optional): the gRPC server's answer.
  if (typeof fn !== 'function') return { error: { code: 'UNIMPLEMENTED', message: `unknown method ${rpc} for service csi.v1.${rpc.startsWith('Node') ? 'Node' : 'Controller'}` }, writes: [] };
  try {
    const reply = fn.call(driver, args);
    return { ...(reply === undefined ? {} : { reply }), writes };
  } catch (e) {
    const code: CsiCode = e instanceof CsiError ? e.code : 'INTERNAL';
    return { error: { code, message: (e as Error).message }, writes };
  }
}

/**
 * `answerRpc` with the simulated driver of `profile` (a driver process's answer): its random
 * draws (failure rates a class's parameters may set) from streams seeded by `seed`.
 */
export function answerSimRpc(base: Pick<CsiStore, 'get' | 'list'>, touched: readonly TouchedObject[], profile: CsiProfile, clock: SimClock, seed: number, rpc: string, args: unknown): RpcAnswer {
  const streams = new RandomStreams(seed);
  return answerRpc(base, touched, (store) => new SimCsiDriver({
    profile, client: store, random: streams.for(`latency/${profile.name}`), faultRandom: streams.for(`faults/${profile.name}`), clock,
  }), rpc, args);
}
