/**
 * Design: `pvsim serve --api`, the Kubernetes API over the same cluster directory and event log
 * as every CLI command. The API server package speaks HTTP; this file is the cluster it serves
 * (an ApiCluster): a read folds the log into a Session (kept while the log has not moved), a
 * write is one CLI-style transaction — take the writers' lock, fold the log afresh, turn the
 * request into an `ApiWriteRequested` input, perform it, let the controllers settle, commit the
 * batch (or, with dryRun=All, drop it). So only one writer holds the cluster at a time, the CLI
 * and the server see each other's writes, and `pvsim log verify` re-executes the server's.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ApiError, ExpectedVersionConflict } from '@pvsim/domain';
import { ExecError } from '@pvsim/kubelet';
import { createServingCertificates, kubeconfigFor, startApiServer, type ApiCluster, type ClusterView, type Obj as ApiObj, type RunningApiServer, type WriteRequest } from '@pvsim/api-server';
import { objectKey, type StoredKind } from '@pvsim/runtime';
import { lockClusterForWrite } from './clusterDir.ts';
import { CONFLICT_ATTEMPTS_MAX } from './retry.ts';
import { COMMAND_GAP_MS, openSession, type Session } from './session.ts';
import { runInput, type Obj } from './inputs.ts';
import { selectorFilter } from './selectors.ts';
import type { CliIO, GlobalOptions } from './verbTypes.ts';

function logSize(g: GlobalOptions): number {
  try { return statSync(join(g.clusterDir, 'log.jsonl')).size; } catch { return -1; }
}

/** The cluster under `g.clusterDir` as the API server sees it. */
export function clusterForApi(g: GlobalOptions): ApiCluster {
  let cached: { size: number; session: Session } | undefined;
  const session = (): Session => {
    const size = logSize(g);
    if (!cached || cached.size !== size) cached = { size, session: openSession(g) };
    return cached.session;
  };
  const view = (): ClusterView => {
    const s = session();
    return {
      now: s.now,
      list: (kind) => s.store.list(kind as StoredKind) as unknown as ApiObj[],
    };
  };
  const write = (request: WriteRequest): { object: ApiObj | undefined; created?: boolean } => {
    for (let attempt = 1; ; attempt++) {
      const release = lockClusterForWrite(g);
      try {
        const s = openSession(g);
        const kind = request.kind as StoredKind;
        let data;
        let created = false;
        if (request.verb === 'create') {
          data = { seed: g.seed, verb: 'create' as const, kind, object: request.object as Obj };
        } else if (request.verb === 'update') {
          const live = s.store.get(kind, request.key) as ApiObj | undefined;
          const object = request.next(live ? structuredClone(live) : undefined, s.now) as Obj;
          if (objectKey(kind, object as never) !== request.key) throw new Error(`the object's key ${objectKey(kind, object as never)} is not ${request.key}`);
          created = !live && !!request.upsert;
          data = created
            ? { seed: g.seed, verb: 'create' as const, kind, object }
            : { seed: g.seed, verb: 'update' as const, kind, object, ...(request.subresource ? { subresource: request.subresource } : {}) };
        } else {
          data = { seed: g.seed, verb: 'delete' as const, kind, key: request.key, ...(request.preconditions ? { preconditions: request.preconditions } : {}) };
        }
        const result = runInput(s, { type: 'ApiWriteRequested', data });
        if (!request.dryRun) {
          s.commit();
          cached = undefined;
        }
        return { object: result.object as ApiObj | undefined, ...(created ? { created } : {}) };
      } catch (e) {
        if (e instanceof ExpectedVersionConflict && attempt < CONFLICT_ATTEMPTS_MAX) continue;
        throw e;
      } finally {
        release?.();
      }
    }
  };
  const exec = (namespace: string, pod: string, container: string | undefined, argv: string[]) => {
    if (argv.length === 0) throw new ApiError('Invalid', 'you must specify at least one command for the container');
    const release = lockClusterForWrite(g);
    try {
      const s = openSession(g);
      const key = `${namespace}/${pod}`;
      if (!s.store.get('Pod', key)) throw new ApiError('NotFound', `pods "${pod}" not found`);
      let result;
      try {
        result = runInput(s, { type: 'ExecRequested', data: { seed: g.seed, pod: key, ...(container ? { container } : {}), argv } }).exec!;
      } catch (e) {
        if (e instanceof ExecError) throw new ApiError('Invalid', e.message);
        throw e;
      }
      s.commit();
      cached = undefined;
      return result;
    } finally {
      release?.();
    }
  };
  return {
    view,
    write,
    exec,
    selector: (kind, labels, fields) => selectorFilter(kind, labels, fields) as unknown as (o: ApiObj) => boolean,
  };
}

/**
 * Lets simulated time pass by `durationMs` as one `AdvanceRequested` input (what `pvsim advance`
 * records), under the writers' lock like any other write.
 */
export function advanceCluster(g: GlobalOptions, durationMs: number): string {
  for (let attempt = 1; ; attempt++) {
    const release = lockClusterForWrite(g);
    try {
      const s = openSession(g);
      runInput(s, { type: 'AdvanceRequested', data: { seed: g.seed, durationMs } });
      s.commit();
      return s.now;
    } catch (e) {
      if (e instanceof ExpectedVersionConflict && attempt < CONFLICT_ATTEMPTS_MAX) continue;
      throw e;
    } finally {
      release?.();
    }
  }
}

/**
 * `--speed X`: simulated time follows wall time times X. Every `tickMs` of wall time the cluster
 * advances by the wall time since the last tick (read from `wallMs`) times the speed, carrying
 * what is too little for one input (each input is a command gap after the last); watches then see what the controllers did. Returns how to stop.
 * The caller is a composition root (the wall clock and the timer are its).
 */
export function followWallClock(g: GlobalOptions, server: RunningApiServer, o: { speed: number; tickMs: number; wallMs: () => number; onError?: (e: unknown) => void; onAdvance?: (now: string) => void }): () => void {
  let last = o.wallMs();
  let carried = 0;
  const timer = setInterval(() => {
    const now = o.wallMs();
    const exact = (now - last) * o.speed + carried;
    last = now;
    // Every input is itself one COMMAND_GAP_MS after the previous one: the advance is the rest.
    if (exact < COMMAND_GAP_MS + 1) { carried = exact; return; }
    const ms = Math.floor(exact - COMMAND_GAP_MS);
    carried = exact - COMMAND_GAP_MS - ms;
    try {
      const simulated = advanceCluster(g, ms);
      server.handler.observe();
      o.onAdvance?.(simulated);
    } catch (e) {
      o.onError?.(e);
    }
  }, o.tickMs);
  return () => clearInterval(timer);
}

export interface ServeOptions {
  port: number;
  host: string;
  kubeconfig?: string | undefined;
  /** Simulated time per wall time (`--speed`); undefined: paused, time moves only on `pvsim advance`. */
  speed?: number | undefined;
  /** Each request once answered (`--verbose`). */
  onRequest?: (method: string, url: string, status: number) => void;
  /** `--token`: a bearer token every request must carry; `true` generates one. */
  token?: string | true | undefined;
  /** `--tls`: serve HTTPS with a generated self-signed CA (written into the kubeconfig). */
  tls?: boolean | undefined;
  /** The wall clock the certificates start at (the composition root's Date.now). */
  wallMs?: () => number;
}

/** A generated bearer token: 32 random bytes, base64url (as long as a kubeadm bootstrap token's secret and more). */
function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Starts the server and writes the kubeconfig; the caller keeps the process alive. */
export async function serveApi(io: CliIO, g: GlobalOptions, o: ServeOptions): Promise<RunningApiServer> {
  mkdirSync(g.clusterDir, { recursive: true });
  const token = o.token === true ? generateToken() : o.token;
  const certificates = o.tls ? await createServingCertificates(o.host, (o.wallMs ?? Date.now)()) : undefined;
  const server = await startApiServer(clusterForApi(g), {
    host: o.host,
    port: o.port,
    ...(o.onRequest ? { onRequest: o.onRequest } : {}),
    ...(token !== undefined ? { token } : {}),
    ...(certificates ? { tls: { cert: certificates.cert, key: certificates.key } } : {}),
  });
  const kubeconfig = resolve(io.cwd, o.kubeconfig ?? join(g.clusterDir, 'kubeconfig'));
  mkdirSync(dirname(kubeconfig), { recursive: true });
  // The kubeconfig holds the token: readable by its owner only, as kubectl writes its own.
  writeFileSync(kubeconfig, kubeconfigFor(server.url, 'default', { token, caCert: certificates?.caCert }), { mode: 0o600 });
  io.stdout(`pvsim serves the Kubernetes API of ${g.clusterDir} at ${server.url}\n`);
  if (certificates) io.stdout('TLS: a self-signed CA signed the serving certificate; the kubeconfig trusts it\n');
  if (token !== undefined) io.stdout(`requests need the bearer token in the kubeconfig${o.token === true ? ' (generated)' : ''}\n`);
  io.stdout(`kubeconfig: ${kubeconfig}\n`);
  io.stdout(`  export KUBECONFIG=${kubeconfig}\n  kubectl get pv,pvc\n`);
  return server;
}

/** `pvsim serve --api`: serves until SIGINT or SIGTERM (the process is the composition root here). */
export async function serveUntilStopped(io: CliIO, g: GlobalOptions, o: ServeOptions): Promise<number> {
  const server = await serveApi(io, g, o);
  const stopClock = o.speed !== undefined
    ? followWallClock(g, server, { speed: o.speed, tickMs: 1_000, wallMs: () => Date.now(), onError: (e) => io.stderr(`error: advancing simulated time: ${e instanceof Error ? e.message : String(e)}\n`) })
    : undefined;
  io.stdout(o.speed !== undefined ? `simulated time follows wall time × ${o.speed}\n` : 'simulated time is paused: it moves only on `pvsim advance`\n');
  await new Promise<void>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  stopClock?.();
  await server.close();
  return 0;
}
