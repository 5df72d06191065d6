/**
 * Design: the composition root of the API server — the only file here that opens sockets and
 * uses wall-clock timers. It reads each request whole, hands it to the ApiHandler and writes the
 * answer; a watch stays open and receives the handler's events as JSON lines (chunked), with a
 * bookmark and a look at the cluster (for writers other than this server) every `pollMs`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiHandler, type WatchEvent, type WatchSpec } from './handler.ts';
import type { ApiCluster } from './types.ts';

export interface ApiServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** How often open watches see changes made by other writers, and get a bookmark. */
  pollMs?: number;
  /** Each request, after it is answered (for a verbose log). */
  onRequest?: (method: string, url: string, status: number) => void;
}

export interface RunningApiServer {
  url: string;
  port: number;
  handler: ApiHandler;
  close(): Promise<void>;
}

/** Largest request body accepted (the API server's limit is 3 MiB). */
export const BODY_BYTES_MAX = 3 * 1024 * 1024;

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > BODY_BYTES_MAX) { reject(new Error('request entity too large')); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startApiServer(cluster: ApiCluster, options: ApiServerOptions = {}): Promise<RunningApiServer> {
  const handler = new ApiHandler(cluster);
  const open = new Set<ServerResponse>();
  const pollMs = options.pollMs ?? 1_000;
  let tick: ReturnType<typeof setInterval> | undefined;

  const startTicking = (): void => {
    if (tick || open.size === 0) return;
    tick = setInterval(() => {
      try { handler.observe(); handler.bookmark(); } catch { /* the next tick tries again */ }
      if (open.size === 0 && tick) { clearInterval(tick); tick = undefined; }
    }, pollMs);
  };

  const serveWatch = (res: ServerResponse, spec: WatchSpec): void => {
    res.writeHead(200, { 'Content-Type': 'application/json', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
    // The client waits for the headers before it counts the watch as started.
    res.flushHeaders();
    const send = (e: WatchEvent): void => { res.write(JSON.stringify(e) + '\n'); };
    for (const e of spec.initial) send(e);
    if (spec.initial.some((e) => e.type === 'ERROR')) { res.end(); return; }
    const stop = handler.subscribe(spec, send);
    open.add(res);
    const timer = spec.timeoutSeconds !== undefined ? setTimeout(() => res.end(), spec.timeoutSeconds * 1000) : undefined;
    res.on('close', () => { stop(); open.delete(res); if (timer) clearTimeout(timer); });
    startTicking();
  };

  const server: Server = createServer((req, res) => {
    readBody(req).then((body) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const headers: Record<string, string | undefined> = {};
      for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(',') : v;
      const result = handler.handle({ method: req.method ?? 'GET', path: url.pathname, query: url.searchParams, headers, body });
      if ('watch' in result) {
        serveWatch(res, result.watch);
        options.onRequest?.(req.method ?? 'GET', req.url ?? '/', 200);
        return;
      }
      const r = result.response;
      res.writeHead(r.status, { 'Content-Type': r.contentType, 'Content-Length': Buffer.byteLength(r.body) });
      res.end(r.body);
      options.onRequest?.(req.method ?? 'GET', req.url ?? '/', r.status);
    }).catch((e: unknown) => {
      const message = e instanceof Error ? e.message : String(e);
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'InternalError', code: 500 }));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    handler,
    close: () => new Promise<void>((resolve) => {
      if (tick) clearInterval(tick);
      for (const r of open) r.end();
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

/** A kubeconfig that points kubectl at the server (plain HTTP on loopback, no credentials). */
export function kubeconfigFor(url: string, namespace = 'default'): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: pvsim',
    '  cluster:',
    `    server: ${url}`,
    // Plain HTTP on loopback; client libraries (client-node) accept http:// only with this set.
    '    insecure-skip-tls-verify: true',
    'contexts:',
    '- name: pvsim',
    '  context:',
    '    cluster: pvsim',
    '    user: pvsim',
    `    namespace: ${namespace}`,
    'current-context: pvsim',
    'users:',
    '- name: pvsim',
    '  user: {}',
    '',
  ].join('\n');
}
