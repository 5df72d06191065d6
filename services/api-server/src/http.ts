/**
 * Design: the composition root of the API server — the only file here that opens sockets and
 * uses wall-clock timers. It reads each request whole, hands it to the ApiHandler and writes the
 * answer; a watch stays open and receives the handler's events as JSON lines (chunked), with a
 * bookmark and a look at the cluster (for writers other than this server) every `pollMs`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createHash } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { statusBody, toStatusError } from './status.ts';
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

/** The remote-command subprotocols spoken for pods/exec: data frames carry the channel in their first byte. */
const EXEC_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

/** One unmasked binary WebSocket frame (server to client) on a stream channel (1 stdout, 2 stderr, 3 error). */
function frame(channel: number, text: string): Buffer {
  const payload = Buffer.concat([Buffer.from([channel]), Buffer.from(text, 'utf8')]);
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x82, n]) : n < 65_536 ? Buffer.from([0x82, 126, n >> 8, n & 0xff]) : Buffer.concat([Buffer.from([0x82, 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(n)); return b; })()]);
  return Buffer.concat([head, payload]);
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
  const upgraded = new Set<Duplex>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    const url = new URL(req.url ?? '/', 'http://localhost');
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/.exec(url.pathname);
    const key = req.headers['sec-websocket-key'];
    const protocols = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((p) => p.trim());
    const protocol = EXEC_PROTOCOLS.find((p) => protocols.includes(p));
    if (!m || typeof key !== 'string' || !protocol) {
      socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nexec needs a WebSocket upgrade with the v5.channel.k8s.io or v4.channel.k8s.io protocol\n');
      return;
    }
    socket.on('error', () => {});
    const accept = createHash('sha1').update(key + '258EAFA5-E914-47DA-95CA-C5AB0DC85B11').digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`);
    let status: object;
    try {
      const r = cluster.exec(decodeURIComponent(m[1]!), decodeURIComponent(m[2]!), url.searchParams.get('container') ?? undefined, url.searchParams.getAll('command'));
      if (r.stdout) socket.write(frame(1, r.stdout));
      if (r.stderr) socket.write(frame(2, r.stderr));
      status = r.exitCode === 0
        ? { metadata: {}, status: 'Success' }
        : { metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: error executing command [${url.searchParams.getAll('command').join(' ')}], exit code ${r.exitCode}`, reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(r.exitCode) }] } };
    } catch (e) {
      const err = toStatusError(e);
      status = statusBody(err.code, err.reason, err.message, err.details);
    }
    socket.write(frame(3, JSON.stringify(status)));
    // A close frame (1000, normal), then the connection ends.
    socket.end(Buffer.from([0x88, 0x02, 0x03, 0xe8]));
    options.onRequest?.('GET', req.url ?? '/', 101);
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
      for (const socket of upgraded) socket.destroy();
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
