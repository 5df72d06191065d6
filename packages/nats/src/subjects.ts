/**
 * Design: the one place NATS subjects and stream names are built (STYLE §5: never concatenated
 * at call sites). A subject is dot-separated tokens, and a token may not contain `.`, `*`, `>`
 * or whitespace, nor be empty — but Kubernetes names contain dots (`pv/data.v1`). Every token
 * therefore goes through `escapeToken`, which keeps `[A-Za-z0-9_-]` and writes every other
 * UTF-8 byte as `%XX` (upper-case hex); the empty string is the lone token `%`, which no
 * escaped string can produce (an escape is always three characters). Escaping is injective and
 * `unescapeToken` inverts it, so a subject names exactly one record stream.
 *
 * Layout: `pvsim.<cluster>.log.<segment>.<segment>…` where the segments are the record's
 * `stream` (`pv/nas` → `pv.nas`, `pvc/default/data` → `pvc.default.data`) split on `/`. The
 * cluster's JetStream stream is `PVSIM_<cluster>` over `pvsim.<cluster>.log.>`; cluster names
 * are restricted to `[A-Za-z0-9_-]{1,64}` so they need no escaping in either place.
 */

const PLAIN = /^[A-Za-z0-9_-]$/;
/** A token with nothing to escape (most names), returned as is without a walk of its characters. */
const ALL_PLAIN = /^[A-Za-z0-9_-]+$/;
const CLUSTER_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** A cluster name that cannot name a stream. */
export class ClusterNameInvalidError extends Error {
  readonly code = 'ClusterNameInvalid';
  constructor(readonly cluster: string) {
    super(`cluster name "${cluster}" must be 1 to 64 characters from A-Z, a-z, 0-9, "_" and "-"`);
    this.name = 'ClusterNameInvalidError';
  }
}

/** Throws ClusterNameInvalidError unless `cluster` can name a stream and a subject token as is. */
export function checkClusterName(cluster: string): string {
  if (!CLUSTER_NAME.test(cluster)) throw new ClusterNameInvalidError(cluster);
  return cluster;
}

/** One subject token for any string (see the module comment). */
export function escapeToken(text: string): string {
  if (text === '') return '%';
  if (ALL_PLAIN.test(text)) return text;
  return text.replace(NOT_PLAIN, escapeChar);
}

/** Every character (code point) outside PLAIN. */
const NOT_PLAIN = /[^A-Za-z0-9_-]/gu;

function escapeChar(ch: string): string {
  let out = '';
  for (const byte of Buffer.from(ch, 'utf8')) out += `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  return out;
}

/** The string `escapeToken` made `token` from; throws on a token it cannot have made. */
export function unescapeToken(token: string): string {
  if (token === '%') return '';
  const bytes: number[] = [];
  for (let i = 0; i < token.length; ) {
    const ch = token[i]!;
    if (ch === '%') {
      const hex = token.slice(i + 1, i + 3);
      if (!/^[0-9A-F]{2}$/.test(hex)) throw new Error(`subject token "${token}" has a bad escape at ${i}`);
      bytes.push(Number.parseInt(hex, 16));
      i += 3;
    } else if (PLAIN.test(ch)) {
      bytes.push(ch.charCodeAt(0));
      i += 1;
    } else {
      throw new Error(`subject token "${token}" has an unescaped "${ch}" at ${i}`);
    }
  }
  const text = Buffer.from(bytes).toString('utf8');
  if (escapeToken(text) !== token) throw new Error(`subject token "${token}" is not in canonical form`);
  return text;
}

/** The JetStream stream that holds `cluster`'s log. */
export function logStreamName(cluster: string): string {
  return `PVSIM_${checkClusterName(cluster)}`;
}

/** Every subject of `cluster`'s log (the stream's subject filter). */
export function logSubjectFilter(cluster: string): string {
  return `pvsim.${checkClusterName(cluster)}.log.>`;
}

/** The subject of one record stream (`pv/nas`, `pvc/default/data`, `cluster`) in `cluster`'s log. */
export function logSubject(cluster: string, recordStream: string): string {
  return `pvsim.${checkClusterName(cluster)}.log.${recordStream.split('/').map(escapeToken).join('.')}`;
}

/** The record stream a log subject of `cluster` belongs to; inverse of `logSubject`. */
export function recordStreamOf(cluster: string, subject: string): string {
  const prefix = `pvsim.${checkClusterName(cluster)}.log.`;
  if (!subject.startsWith(prefix)) throw new Error(`subject "${subject}" is not in cluster ${cluster}'s log`);
  return subject.slice(prefix.length).split('.').map(unescapeToken).join('/');
}

/**
 * The subject a CSI driver of `cluster` answers its RPCs on (ADR 0022): `pvsim.<cluster>.csi.<driver>.rpc`,
 * the driver's name one escaped token (`disk.csi.pvsim.dev` → `disk%2Ecsi%2Epvsim%2Edev`). Outside
 * the log's `pvsim.<cluster>.log.>`, so no stream stores a request.
 */
export function csiRpcSubject(cluster: string, driver: string): string {
  return `pvsim.${checkClusterName(cluster)}.csi.${escapeToken(driver)}.rpc`;
}

/**
 * The subject the process hosting `component` of `cluster` is granted its deliveries on in a
 * lockstep run (ADR 0025): `pvsim.<cluster>.lockstep.<component>`, the component one escaped token
 * (`kubelet/node-1` → `kubelet%2Fnode-1`). Outside the log's subjects, so no stream stores it.
 */
export function lockstepSubject(cluster: string, component: string): string {
  return `pvsim.${checkClusterName(cluster)}.lockstep.${escapeToken(component)}`;
}

/** A server URL fit for a message: credentials in it (`nats://user:pass@…`) become `***`. */
export function redactCredentials(url: string): string {
  return url.replace(/^([a-z]+:\/\/)[^@/]*@/, '$1***@');
}

// ------------------------------------------------------------------ exploration over workers (ADR 0014)

/** The work-queue stream every `pvsim worker` pulls from, over `pvsim.tasks.>`. */
export const TASK_STREAM = 'PVSIM_TASKS';
/** The stream results are gathered from, over `pvsim.results.>`. */
export const RESULT_STREAM = 'PVSIM_RESULTS';
/** The object store bucket that holds job specs and counterexamples. */
export const CHECK_BUCKET = 'pvsim-check';
/** The object store bucket of driver modules' memories (driverStateStore.ts, ADR 0029). */
export const DRIVER_STATE_BUCKET = 'pvsim-csi-drivers';

/** The object name of `driver`'s memory in `cluster`: `CLUSTER/DRIVER` (a cluster name has no `/`). */
export function driverStateKey(cluster: string, driver: string): string {
  return `${checkClusterName(cluster)}/${driver}`;
}
/** The durable consumer all workers share on TASK_STREAM (one queue, each task to one worker). */
export const WORKER_CONSUMER = 'pvsim-workers';

/** Every subject of the task stream. */
export function taskSubjectFilter(): string { return 'pvsim.tasks.>'; }
/** Every subject of the result stream. */
export function resultSubjectFilter(): string { return 'pvsim.results.>'; }
/** The subject a job's tasks are published on. */
export function taskSubject(job: string): string { return `pvsim.tasks.${escapeToken(job)}`; }
/** The subject a job's results are published on. */
export function resultSubject(job: string): string { return `pvsim.results.${escapeToken(job)}`; }
