/**
 * Design: the NATS calls behind the JetStream event log (ADR 0007), in one place for both of its
 * callers: the worker thread of the synchronous bridge (natsWorker.mjs) and the asynchronous
 * path of composition roots that can await (asyncCalls.ts, ADR 0032). One connection per distinct
 * set of connect options, kept until `closeConnections`.
 *
 * An append publishes the batch's lines in order, each with `Nats-Msg-Id` (so a retried publish
 * is stored once), `Nats-Expected-Last-Sequence` = the position before it, and — from the second
 * line on — `Nats-Expected-Last-Msg-Id` = the previous line's id: a foreign record slipping in
 * between two of ours breaks the chain, so a batch is never interleaved with another writer's, and
 * a stale writer's later lines never land after a shorter batch that won (the ids name records,
 * not positions: JetStreamEventLog.ts `logMsgId`). The chain also lets one ack per window of
 * lines stand for all of them (the rest go without a reply): the window's last line is stored
 * only if every line before it was.
 * A read is an ordered consumer from `fromSeq` up to the stream's last sequence at the start.
 *
 * Plain JavaScript so the worker thread imports it without a loader; typed in natsOps.d.mts.
 */

import { connect, headers } from "@nats-io/transport-node";
import { jetstream, jetstreamManager, JetStreamApiError, DeliverPolicy } from "@nats-io/jetstream";
import { natsConnectOptions } from "./connectOptions.mjs";
import { RETRIES_MAX, isTransient, pause, retrying } from "./transient.mjs";
const WRONG_LAST_SEQUENCE = 10071;
const WRONG_LAST_MSG_ID = 10070;
const STREAM_NOT_FOUND = 10059;
const decoder = new TextDecoder();
/** One JetStream API call's deadline; a call lost to a reconnect is retried (idempotent ones). */
const API_TIMEOUT_MS = 2_000;
/** One publish's deadline for its ack. */
const PUBLISH_TIMEOUT_MS = 5_000;
/** Lines of one append whose last carries an ack for them all. */
const PUBLISH_WINDOW = 1_024;
/** The ack of a window's last line waits for the server to store the lines before it too. */
const ACK_MS_PER_LINE = 5;
const connections = new Map();
/** The same connections once open, looked up without waiting a turn of the event loop. */
const opened = new Map();
export function open(given) {
  const key = JSON.stringify(given);
  const ready = opened.get(key);
  if (ready) return ready;
  let entry = connections.get(key);
  if (!entry) {
    const options = natsConnectOptions(given);
    entry = (async () => {
      let nc;
      try {
        nc = await connect({ ...options, timeout: options.timeout ?? 5_000, maxReconnectAttempts: -1, reconnectTimeWait: 250 });
      } catch (error) {
        throw Object.assign(new Error(`cannot connect to NATS at ${options.servers.join(",")}: ${error.message}`), { code: "Connect" });
      }
      const jsm = await jetstreamManager(nc, { timeout: API_TIMEOUT_MS });
      // One publishing client per connection (it is stateless; nats.js reconnects under it).
      const js = jetstream(nc, { timeout: PUBLISH_TIMEOUT_MS });
      return { nc, jsm, js };
    })();
    entry.then((value) => opened.set(key, value), () => connections.delete(key));
    connections.set(key, entry);
  }
  return entry;
}

/** The headers nats.js's `publish` options `msgID` and `expect` would set, for a publish without a reply. */
function chainHeaders(msgID, expect) {
  const h = headers();
  h.set("Nats-Msg-Id", msgID);
  h.set("Nats-Expected-Last-Sequence", String(expect.lastSequence));
  if (expect.lastMsgID !== void 0) h.set("Nats-Expected-Last-Msg-Id", expect.lastMsgID);
  return h;
}

function apiCode(error) {
  return error instanceof JetStreamApiError ? error.code : void 0;
}
async function lastSeq(jsm, stream) {
  return retrying(async () => {
    try {
      return (await jsm.streams.info(stream)).state.last_seq;
    } catch (error) {
      if (apiCode(error) === STREAM_NOT_FOUND) return 0;
      throw error;
    }
  });
}
async function readFrom(nc, jsm, stream, fromSeq) {
  const last = await lastSeq(jsm, stream);
  if (last < fromSeq) return [];
  return retrying(async () => {
    const out = [];
    const js = jetstream(nc, { timeout: API_TIMEOUT_MS });
    const consumer = await js.consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: fromSeq });
    const messages = await consumer.consume({ max_messages: 1_000, expires: API_TIMEOUT_MS });
    try {
      for await (const m of messages) {
        out.push({ seq: m.seq, subject: m.subject, line: decoder.decode(m.data) });
        if (m.seq >= last) break;
      }
    } finally {
      messages.stop();
    }
    if ((out.at(-1)?.seq ?? 0) < last) throw new Error(`read timeout: the stream ended before sequence ${last}`);
    return out;
  });
}
/** Drains and forgets every connection this thread opened. */
export async function closeConnections() {
  for (const entry of connections.values()) await (await entry).nc.drain().catch(() => void 0);
  connections.clear();
  opened.clear();
}

/** What a failed call reports to its caller: a code, a message, and where a lost race left the stream. */
export function callErrorFields(error) {
  return {
    code: typeof error?.code === "string" ? error.code : String(error?.name ?? "Error"),
    message: String(error?.message ?? error),
    ...typeof error?.actualSeq === "number" ? { actualSeq: error.actualSeq } : {},
    ...typeof error?.storedCount === "number" ? { storedCount: error.storedCount } : {}
  };
}

/** Runs one NATS request of the bridge protocol (bridgeProtocol.ts) on this thread's connection. */
export async function runNatsOp(request) {
  if (request.op === "pause") return pause(request.ms).then(() => null);
  const conn = open(request.connect);
  const { nc, jsm, js } = conn instanceof Promise ? await conn : conn;
  switch (request.op) {
    case "lastSeq":
      return lastSeq(jsm, request.stream);
    case "lastLine": {
      const last = await lastSeq(jsm, request.stream);
      if (last === 0) return null;
      const msg = await retrying(() => jsm.streams.getMessage(request.stream, { seq: last }));
      return msg ? { seq: msg.seq, subject: msg.subject, line: decoder.decode(msg.data) } : null;
    }
    case "read":
      return readFrom(nc, jsm, request.stream, request.fromSeq);
    case "request":
      try {
        return decoder.decode((await nc.request(request.subject, request.data, { timeout: request.timeoutMs })).data);
      } catch (error) {
        // nats.js 3: a RequestError whose cause is NoRespondersError, or a TimeoutError.
        if (error?.cause?.name === "NoResponders" || error?.name === "NoResponders") throw Object.assign(new Error(`no responders on ${request.subject}`), { code: "NoResponders" });
        if (error?.name === "TimeoutError" || error?.cause?.name === "TimeoutError") throw Object.assign(new Error(`no reply on ${request.subject} within ${request.timeoutMs} ms`), { code: "RequestTimeout" });
        throw error;
      }
    case "deleteStream":
      return retrying(async () => {
        try {
          return await jsm.streams.delete(request.stream);
        } catch (error) {
          if (apiCode(error) === STREAM_NOT_FOUND) return false;
          throw error;
        }
      });
    case "append": {
      const conflict = async (message, storedCount) => Object.assign(new Error(message), { code: "Conflict", actualSeq: await lastSeq(jsm, request.stream), storedCount });
      // The server (2.9) skips an expected last sequence of 0, so the empty case is checked here
      // (one extra request, on the first append only); the race it leaves is closed by the fixed
      // message id of position 1 (a duplicate below). Past 0 the server checks every line itself.
      const before = request.expectedSeq === 0 ? await lastSeq(jsm, request.stream) : request.expectedSeq;
      if (before !== request.expectedSeq) throw await conflict(`the stream ends at ${before}`, 0);
      if (before === 0) {
        try {
          await jsm.streams.add({ name: request.stream, subjects: request.subjects, storage: "file", duplicate_window: 120_000_000_000 });
        } catch (error) {
          // Another writer created it first: fine, the sequence checks below decide.
          if (!(error instanceof JetStreamApiError)) throw error;
        }
      }
      // Chained in windows: every line but a window's last is published without a reply (no
      // request, no inbox, no timer: a third of an acked publish's cost), the last with its ack.
      // The chain makes that one ack speak for the window: a line is stored only when the line
      // before it is the stream's last (its id and position), so the last line's ack means every
      // line of the window was stored in order — and any refused line refuses all after it.
      const lines = request.lines;
      const n = lines.length;
      const expectFor = (k) => ({ lastSequence: request.expectedSeq + k, ...k > 0 ? { lastMsgID: lines[k - 1].msgID } : {} });
      // A duplicate past position 1 is our very record (its id names position and checksum)
      // stored by another writer that computed the same batch — two component processes on the
      // same log run the same transaction — or by our own publish retried: it is ours, at its
      // place. At position 1 the id is fixed, and a duplicate is someone else's first record.
      const ours = (ack, pos) => !ack.duplicate || pos > 1 && ack.seq === pos;
      let done = 0;
      // On an empty stream the first line goes alone: its fixed id is the only check the server
      // makes there, and the lines after it must not be sent before it is ours. After a refusal
      // the first line not stored goes alone too, so its own error is the one reported.
      let alone = before === 0;
      for (let attempt = 1; done < n; ) {
        // Every line not stored yet, at once: the server stores one window while the next is
        // still being sent. The acks are read in order; the first that failed says what did.
        const until = alone ? done + 1 : n;
        const windows = [];
        for (let from = done; from < until; from += PUBLISH_WINDOW) {
          const end = Math.min(until, from + PUBLISH_WINDOW);
          for (let k = from; k < end - 1; k++) nc.publish(lines[k].subject, lines[k].line, { headers: chainHeaders(lines[k].msgID, expectFor(k)) });
          const last = lines[end - 1];
          const ack = js.publish(last.subject, last.line, { msgID: last.msgID, expect: expectFor(end - 1), timeout: PUBLISH_TIMEOUT_MS + ACK_MS_PER_LINE * (end - done) })
            .then((ack) => ({ ack }), (error) => ({ error }));
          windows.push({ end, ack });
        }
        let error;
        for (const w of windows) {
          const outcome = await w.ack;
          if (!outcome.ack) {
            error = outcome.error;
            break;
          }
          if (!ours(outcome.ack, request.expectedSeq + w.end)) throw await conflict(`position ${request.expectedSeq + w.end} was already written`, done);
          done = w.end;
          alone = false;
        }
        if (error === void 0) continue;
        const retry = isTransient(error) && attempt < RETRIES_MAX;
        if (retry) {
          attempt++;
          await pause(100 * attempt);
        }
        // What the stream took of ours, read back: a refused line without a reply says nothing.
        // No stream (no responders), or one that ends before our position: a lost race.
        if (await lastSeq(jsm, request.stream) < request.expectedSeq + done) throw await conflict("the stream ends before the expected position", done);
        const stored = await readFrom(nc, jsm, request.stream, request.expectedSeq + 1);
        let held = 0;
        while (held < stored.length && held < n && stored[held].line === lines[held].line) held++;
        if (held < stored.length) throw await conflict(retry ? "another writer appended while the connection was down" : String(error?.message ?? error), held);
        done = held;
        if (done === n) return done;
        // Lost to a reconnect (publish the rest; an empty stream's first line still alone), or
        // refused without a word (find out why).
        if (retry || !alone) {
          alone = !retry || before === 0 && done === 0;
          continue;
        }
        const code = apiCode(error);
        // No stream takes the subject (nats.js reports no responders as JetStreamNotEnabled).
        const noStream = error?.name === "JetStreamNotEnabled" && await lastSeq(jsm, request.stream) === 0;
        if (noStream || code === WRONG_LAST_SEQUENCE || code === WRONG_LAST_MSG_ID || code === STREAM_NOT_FOUND) {
          throw await conflict(String(error?.message ?? error), done);
        }
        throw Object.assign(error instanceof Error ? error : new Error(String(error)), { storedCount: done });
      }
      return done;
    }
  }
  throw Object.assign(new Error(`unknown NATS operation ${request.op}`), { code: "Bridge" });
}
