/**
 * Design: the composition root of the API server — the only file here that opens sockets and
 * uses wall-clock timers. It reads each request whole, hands it to the ApiHandler and writes the
 * answer; a watch stays open and receives the handler's events as JSON lines (chunked), with a
 * bookmark and a look at the cluster (for writers other than this server) every `pollMs`.
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { statusBody, toStatusError } from './status.ts';
import type { AddressInfo } from 'node:net';
import { ApiHandler, type WatchEvent, type WatchSpec } from './handler.ts';
import type { ApiCluster } from './types.ts';
import { StdinExec } from './execSession.ts';

export interface ApiServerOptions {
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  /** How often open watches see changes made by other writers, and get a bookmark. */
  pollMs?: number;
  /** Each request, after it is answered (for a verbose log). */
  onRequest?: (method: string, url: string, status: number) => void;
  /** Serve HTTPS with this certificate and key (PEM; tls.ts makes them); plain HTTP without. */
  tls?: { cert: string; key: string };
  /** Answer 401 Unauthorized to every request without `Authorization: Bearer TOKEN`. */
  token?: string;
}

/** The Status a request without the right bearer token gets (the API server's authentication failure). */
export const UNAUTHORIZED_BODY = JSON.stringify(statusBody(401, 'Unauthorized', 'Unauthorized'));

/**
 * Whether the request's Authorization header carries `token` (compared in constant time), read as
 * the API server's bearertoken authenticator reads it: trimmed, split on the first two spaces, the
 * scheme `bearer` in any case, the token the second part.
 */
export function bearerMatches(header: string | string[] | undefined, token: string): boolean {
  const parts = (Array.isArray(header) ? header[0] ?? '' : header ?? '').trim().split(' ');
  if (parts.length < 2 || parts[0]!.toLowerCase() !== 'bearer' || parts[1] === '') return false;
  const given = Buffer.from(parts[1]!, 'utf8');
  const want = Buffer.from(token, 'utf8');
  return given.length === want.length && timingSafeEqual(given, want);
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

/** One client-to-server WebSocket frame (masked) from the start of `b`, or undefined until it is whole. */
function readFrame(b: Buffer): { opcode: number; payload: Buffer; size: number } | undefined {
  if (b.length < 2) return undefined;
  const opcode = b[0]! & 0x0f;
  const masked = (b[1]! & 0x80) !== 0;
  let length = b[1]! & 0x7f;
  let at = 2;
  if (length === 126) { if (b.length < 4) return undefined; length = b.readUInt16BE(2); at = 4; }
  else if (length === 127) { if (b.length < 10) return undefined; length = Number(b.readBigUInt64BE(2)); at = 10; }
  const mask = masked ? b.subarray(at, at + 4) : undefined;
  if (masked) at += 4;
  if (b.length < at + length) return undefined;
  const payload = Buffer.from(b.subarray(at, at + length));
  if (mask) for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
  return { opcode, payload, size: at + length };
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

  const authorized = (req: IncomingMessage): boolean => options.token === undefined || bearerMatches(req.headers.authorization, options.token);
  const listener: RequestListener = (req, res) => {
    if (!authorized(req)) {
      req.resume();
      res.writeHead(401, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(UNAUTHORIZED_BODY) });
      res.end(UNAUTHORIZED_BODY);
      options.onRequest?.(req.method ?? 'GET', req.url ?? '/', 401);
      return;
    }
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
  };
  const server: Server = options.tls ? createTlsServer({ cert: options.tls.cert, key: options.tls.key }, listener) : createServer(listener);
  const upgraded = new Set<Duplex>();

  /** The Status frame (channel 3) kubectl reads the exit code from. */
  const exitStatus = (argv: string[], exitCode: number): object => (exitCode === 0
    ? { metadata: {}, status: 'Success' }
    : { metadata: {}, status: 'Failure', message: `command terminated with non-zero exit code: error executing command [${argv.join(' ')}], exit code ${exitCode}`, reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: String(exitCode) }] } });

  /**
   * pods/exec with stdin=true: the client's frames on channel 0 feed a StdinExec (execSession.ts,
   * as `pvsim exec -i`): a shell runs each line as it arrives. The session ends on `exit`, on the
   * client's close of stdin (v5: channel 255) or of the socket; then the Status frame and a close.
   */
  const execWithStdin = (socket: Duplex, url: URL, namespace: string, pod: string): void => {
    const argv = url.searchParams.getAll('command');
    const container = url.searchParams.get('container') ?? undefined;
    let failure: object | undefined;
    const shell = new StdinExec(argv, (words) => {
      try {
        return cluster.exec(decodeURIComponent(namespace), decodeURIComponent(pod), container, words);
      } catch (e) {
        const err = toStatusError(e);
        failure = statusBody(err.code, err.reason, err.message, err.details);
        return { stdout: '', stderr: '', exitCode: 1 };
      }
    }, (stream, text) => { socket.write(frame(stream === 'stdout' ? 1 : 2, text)); }, { prompt: url.searchParams.get('tty') === 'true' });
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      const code = shell.end();
      socket.write(frame(3, JSON.stringify(failure ?? exitStatus(argv, code))));
      socket.end(Buffer.from([0x88, 0x02, 0x03, 0xe8]));
    };
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      for (;;) {
        const f = readFrame(pending);
        if (!f) break;
        pending = pending.subarray(f.size);
        if (f.opcode === 0x8) { finish(); return; }
        if (f.opcode !== 0x1 && f.opcode !== 0x2 && f.opcode !== 0x0) continue;
        const channel = f.payload[0];
        if (channel === 0) shell.feed(f.payload.subarray(1).toString('utf8'));
        else if (channel === 255 && f.payload[1] === 0) finish();
        if (shell.done || failure) finish();
        if (finished) return;
      }
    });
    socket.on('end', finish);
  };
  server.on('upgrade', (req: IncomingMessage, socket: Duplex) => {
    upgraded.add(socket);
    socket.on('close', () => upgraded.delete(socket));
    if (!authorized(req)) {
      socket.end(`HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(UNAUTHORIZED_BODY)}\r\nConnection: close\r\n\r\n${UNAUTHORIZED_BODY}`);
      options.onRequest?.(req.method ?? 'GET', req.url ?? '/', 401);
      return;
    }
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
    if (url.searchParams.get('stdin') === 'true') {
      execWithStdin(socket, url, m[1]!, m[2]!);
      options.onRequest?.('GET', req.url ?? '/', 101);
      return;
    }
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
    url: `${options.tls ? 'https' : 'http'}://${host}:${address.port}`,
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

export interface KubeconfigAuth {
  /** The bearer token the server wants (written as the user's token). */
  token?: string | undefined;
  /** PEM of the CA that signed the server's certificate (written as certificate-authority-data). */
  caCert?: string | undefined;
}

/**
 * A kubeconfig that points kubectl at the server: with a CA, verified HTTPS; without, plain HTTP
 * on loopback (client-node accepts http:// only with insecure-skip-tls-verify). The user carries
 * the bearer token when there is one.
 */
export function kubeconfigFor(url: string, namespace = 'default', auth: KubeconfigAuth = {}): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: pvsim',
    '  cluster:',
    `    server: ${url}`,
    auth.caCert
      ? `    certificate-authority-data: ${Buffer.from(auth.caCert, 'utf8').toString('base64')}`
      : '    insecure-skip-tls-verify: true',
    'contexts:',
    '- name: pvsim',
    '  context:',
    '    cluster: pvsim',
    '    user: pvsim',
    `    namespace: ${namespace}`,
    'current-context: pvsim',
    'users:',
    '- name: pvsim',
    auth.token ? `  user:\n    token: ${auth.token}` : '  user: {}',
    '',
  ].join('\n');
}
