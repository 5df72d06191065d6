/**
 * Design: which NATS failures a reconnect explains, and running an idempotent call again while it
 * fails for one — shared by the log's worker thread (natsWorker.mjs) and the work queue
 * (workQueue.ts). A call is retried only where repeating it is harmless (reads, publishes with a
 * `Nats-Msg-Id`, acks). Backoff 100 ms × attempt, at most RETRIES_MAX attempts (~5.5 s of waiting
 * in all), so a server that stays away is an error, never a hang. Plain JavaScript so the worker
 * thread imports it without a loader; typed in transient.d.mts.
 */
export const RETRIES_MAX = 10;

export function isTransient(error) {
  const name = error?.name ?? "";
  const message = String(error?.message ?? "");
  // A pull that was open when the server stopped ends with the status "server shutdown" (409).
  return /Timeout|NoResponders|ConnectionClosed|RequestError/i.test(name) || /timeout|no responders|disconnect|server shutdown/i.test(message);
}

export const pause = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs an idempotent call again while it fails for a reason a reconnect explains. */
export async function retrying(fn) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= RETRIES_MAX || !isTransient(error)) throw error;
      await pause(100 * attempt);
    }
  }
}
