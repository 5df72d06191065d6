/**
 * Design: how a pvsim process turns `--nats URL` into nats.js connect options, shared by the log's
 * worker thread (natsWorker.mjs) and the async processes (workQueue.ts). Credentials may come in
 * the URL, as most NATS tools take them: `nats://user:pass@host:port`, or `nats://token@host:port`.
 * They are moved into the connect options (nats.js does not read them from the URL) and never
 * appear in a message. Plain JavaScript so the worker thread can import it without a loader;
 * typed in connectOptions.d.mts. `natsConnectOptions` also reads the credential files named.
 */
import { readFileSync } from "node:fs";
import { credsAuthenticator, nkeyAuthenticator } from "@nats-io/transport-node";

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

function readCredential(flag, file) {
  try {
    return readFileSync(file);
  } catch (error) {
    throw Object.assign(new Error(`${flag} ${file}: cannot read it (${error.code ?? error.message})`), { code: "Credentials" });
  }
}

/**
 * nats.js connect options for pvsim's: URL credentials moved out of the URL, a `.creds` file or
 * an nkey seed file turned into nats.js's authenticator (read here, so neither crosses a thread
 * boundary nor appears in a message), TLS files passed as nats.js takes them. Without async
 * traces: nats.js would otherwise build two Error objects (stack captured) for every request and
 * publish, in case it fails — half the cost of a JetStream publish (2,000 pipelined publishes:
 * 150 → 78 ms). pvsim turns every NATS failure into its own error with a code and message, so
 * the stack of where nats.js was called adds nothing.
 */
export function natsConnectOptions(given) {
  const { credsFile, nkeyFile, ...rest } = withUrlCredentials(given);
  const authenticator = [];
  if (credsFile) authenticator.push(credsAuthenticator(readCredential("--nats-creds", credsFile)));
  if (nkeyFile) authenticator.push(nkeyAuthenticator(new TextEncoder().encode(readCredential("--nats-nkey", nkeyFile).toString("utf8").trim())));
  return { noAsyncTraces: true, ...rest, ...(authenticator.length > 0 ? { authenticator } : {}) };
}
