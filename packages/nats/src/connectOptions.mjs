/**
 * Design: how a pvsim process turns `--nats URL` into nats.js connect options, shared by the log's
 * worker thread (natsWorker.mjs) and the async processes (workQueue.ts). Credentials may come in
 * the URL, as most NATS tools take them: `nats://user:pass@host:port`, or `nats://token@host:port`.
 * They are moved into the connect options (nats.js does not read them from the URL) and never
 * appear in a message. Plain JavaScript so the worker thread can import it without a loader;
 * typed in connectOptions.d.mts.
 */
export function withUrlCredentials(options) {
  const out = { ...options };
  const servers = (Array.isArray(options.servers) ? options.servers : [options.servers]).map((server) => {
    const m = /^([a-z]+:\/\/)([^@/]*)@(.*)$/.exec(server);
    if (!m) return server;
    const [user, pass] = m[2].split(":").map(decodeURIComponent);
    if (pass === undefined) out.token ??= user;
    else {
      out.user ??= user;
      out.pass ??= pass;
    }
    return m[1] + m[3];
  });
  out.servers = servers;
  return out;
}
