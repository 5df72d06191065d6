/**
 * Design: the worker thread behind the synchronous JetStream event log. The EventLog port is
 * synchronous (ADR 0002: components and the CLI keep one synchronous shape) and nats.js is not,
 * so the async client lives here, on its own thread with its own event loop, and a caller blocks
 * on `Atomics.wait` until this thread answers (syncBridge.ts). One connection per distinct set of
 * connect options, kept for the life of the thread.
 *
 * The NATS calls themselves are natsOps.mjs's, shared with the asynchronous callers of the main
 * thread (asyncCalls.ts, ADR 0032); what is this thread's own is the bridge: ping, and the
 * lockstep replica's subscription with its requests held until answered.
 *
 * Plain JavaScript on purpose: Node 20 does not give a worker thread the parent's `--import tsx`
 * loader, and registering tsx inside the worker costs seconds on a loaded machine; as .mjs the
 * worker starts in milliseconds from source and bundles unchanged for the built CLI. The messages
 * it answers are typed in bridgeProtocol.ts.
 */

import { workerData } from "node:worker_threads";
import { callErrorFields, closeConnections, open, runNatsOp } from "./natsOps.mjs";
const { flag, port } = workerData;
const decoder = new TextDecoder();
/**
 * Requests that arrived on the subjects this thread serves (`serve`: a lockstep replica, ADR 0025),
 * oldest first, each kept under an id until it is answered; and the `nextRequest` waiting for one.
 */
const inbox = [];
const held = new Map();
let nextHeldId = 1;
let inboxWaiter;
function nextRequest(timeoutMs) {
  return new Promise((resolve) => {
    const take = () => {
      const msg = inbox.shift();
      const id = nextHeldId++;
      held.set(id, msg);
      return { id, subject: msg.subject, data: decoder.decode(msg.data) };
    };
    if (inbox.length > 0) return resolve(take());
    // A waiter left by a call whose caller stopped waiting gives way (answering null, so it
    // takes no request), and a timer clears only its own waiter.
    inboxWaiter?.(false);
    const waiter = (taking = true) => {
      clearTimeout(timer);
      if (inboxWaiter === waiter) inboxWaiter = void 0;
      resolve(taking ? take() : null);
    };
    const timer = setTimeout(() => waiter(false), timeoutMs);
    inboxWaiter = waiter;
  });
}
async function handle(request) {
  if (request.op === "ping") return request.echo ?? null;
  if (request.op === "nextRequest") return nextRequest(request.timeoutMs);
  if (request.op === "respond") {
    const msg = held.get(request.id);
    held.delete(request.id);
    if (!msg) throw Object.assign(new Error(`no request ${request.id} to answer`), { code: "Bridge" });
    msg.respond(request.data);
    return null;
  }
  if (request.op === "close") {
    await closeConnections();
    return null;
  }
  if (request.op === "serve") {
    const conn = open(request.connect);
    const { nc } = conn instanceof Promise ? await conn : conn;
    for (const subject of request.subjects) {
      nc.subscribe(subject, { callback: (error, msg) => {
        if (error) return;
        inbox.push(msg);
        inboxWaiter?.();
      } });
    }
    // The subscriptions are on the server before the caller says it serves.
    await nc.flush();
    return null;
  }
  return runNatsOp(request);
}
// Each answer carries its call's number, and is posted before the number is written to the flag
// (the caller reads the flag, then the port: bridgeProtocol.ts BridgeCall).
port.on("message", ({ call, request }) => {
  handle(request).then(
    (value) => ({ call, ok: true, value }),
    (error) => ({ call, ok: false, error: callErrorFields(error) })
  ).then((answer) => {
    port.postMessage(answer);
    Atomics.store(flag, 0, call);
    Atomics.notify(flag, 0);
  });
});
// Ready (BRIDGE_READY, bridgeProtocol.ts): the caller blocked in start() (syncBridge.ts) wakes up.
Atomics.store(flag, 0, -1);
Atomics.notify(flag, 0);
