/**
 * Design: the one way pvsim starts a nats-server of its own — the tests, `pvsim up` and the
 * benchmarks all come here (in the manner of nats.js's `nst/src/launcher.ts`). The server
 * listens on 127.0.0.1 on a port the kernel picks (`-p -1`), with JetStream on and its store in
 * a fresh temporary directory; the port is read from the server's own "Listening for client
 * connections" line, so there is no race over a port chosen beforehand. A missing binary is a
 * NatsServerMissingError that says how to install one, never a bare ENOENT. `restart()` starts
 * the server again on the same port and store (for the reconnect fault tests); `stop()` ends it
 * and removes the directory. This is a composition-root helper: it spawns processes and keeps
 * wall-clock timeouts, which the deterministic packages never do.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

const INSTALL_HINT =
  'install it with `apt-get install nats-server` (Debian/Ubuntu) or from https://github.com/nats-io/nats-server/releases, or set PVSIM_NATS_SERVER to its path';

export class NatsServerMissingError extends Error {
  readonly code = 'NatsServerMissing';
  constructor(readonly searched: string[]) {
    super(`nats-server not found (looked in ${searched.join(', ')}); ${INSTALL_HINT}`);
    this.name = 'NatsServerMissingError';
  }
}

export class NatsServerStartError extends Error {
  readonly code = 'NatsServerStart';
  constructor(detail: string, readonly output: string) {
    super(`nats-server did not start: ${detail}${output ? `\n${output.trim().split('\n').slice(-5).join('\n')}` : ''}`);
    this.name = 'NatsServerStartError';
  }
}

export interface NatsServerOptions {
  /** The binary; default $PVSIM_NATS_SERVER, else `nats-server` on PATH, /usr/sbin, /usr/local/bin. */
  binary?: string;
  /** Extra command-line arguments (e.g. `['-c', config]` for authorization). */
  args?: string[];
  /** How long to wait for the server to listen. */
  startTimeoutMs?: number;
}

export interface NatsServer {
  /** `nats://127.0.0.1:PORT`. */
  readonly url: string;
  readonly port: number;
  /** The temporary directory holding the JetStream store. */
  readonly storeDir: string;
  readonly pid: number;
  /** Stops the server (SIGTERM, then waits for it to exit) and keeps the store. */
  kill(): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
  /** Stops the server and removes its directory. Safe to call twice; also run at process exit. */
  stop(): Promise<void>;
}

/** The nats-server binary to run, or NatsServerMissingError. */
export function findNatsServer(binary = process.env['PVSIM_NATS_SERVER']): string {
  const candidates = binary
    ? [binary]
    : [...(process.env['PATH'] ?? '').split(delimiter).filter(Boolean), '/usr/sbin', '/usr/local/bin', '/usr/local/sbin'].map((dir) =>
        join(dir, 'nats-server'),
      );
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // next candidate
    }
  }
  throw new NatsServerMissingError(binary ? [binary] : ['PATH', '/usr/sbin', '/usr/local/bin', '/usr/local/sbin']);
}

const LISTENING = /Listening for client connections on [^\s]*:(\d+)/;
const READY = /Server is ready/;

function launch(binary: string, args: string[], timeoutMs: number): Promise<{ child: ChildProcess; port: number }> {
  return new Promise((resolve, reject) => {
    const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let output = '';
    let port: number | undefined;
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const timer = setTimeout(() => fail(new NatsServerStartError(`no "Server is ready" within ${timeoutMs} ms`, output)), timeoutMs);
    child.on('error', (error) => fail(new NatsServerStartError(error.message, output)));
    child.on('exit', (code, signal) => {
      if (port === undefined || !READY.test(output)) fail(new NatsServerStartError(`exited with ${signal ?? `code ${code}`}`, output));
    });
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      if (output.length < 64_000) output += chunk;
      port ??= Number(LISTENING.exec(output)?.[1]) || undefined;
      if (port !== undefined && READY.test(output)) {
        clearTimeout(timer);
        child.stderr!.removeAllListeners('data');
        child.stderr!.resume();
        // The pipe would keep a finished test process alive; the exit hook stops the server.
        (child.stderr as unknown as { unref?: () => void }).unref?.();
        resolve({ child, port });
      }
    });
  });
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts a nats-server with JetStream on 127.0.0.1 on an ephemeral port, its store in a temp dir. */
export async function startNatsServer(options: NatsServerOptions = {}): Promise<NatsServer> {
  const binary = findNatsServer(options.binary);
  const timeoutMs = options.startTimeoutMs ?? 10_000;
  const storeDir = mkdtempSync(join(tmpdir(), 'pvsim-nats-'));
  const argsFor = (port: number) => ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir, ...(options.args ?? [])];
  let current: { child: ChildProcess; port: number };
  try {
    current = await launch(binary, argsFor(-1), timeoutMs);
  } catch (error) {
    rmSync(storeDir, { recursive: true, force: true });
    throw error;
  }
  const port = current.port;
  let stopped = false;
  const onExit = () => {
    current.child.kill('SIGKILL');
    rmSync(storeDir, { recursive: true, force: true });
  };
  process.once('exit', onExit);
  current.child.unref();
  const server: NatsServer = {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    get pid() {
      return current.child.pid!;
    },
    async kill() {
      // Unref'd so a finished process can exit; waiting for the exit must hold the loop open.
      current.child.ref();
      current.child.kill('SIGTERM');
      await waitExit(current.child);
    },
    async restart() {
      await server.kill();
      current = await launch(binary, argsFor(port), timeoutMs);
      current.child.unref();
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      process.removeListener('exit', onExit);
      await server.kill();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
  return server;
}
