/**
 * Design: `pvsim log export` and `pvsim log import`, which move a cluster between the two log
 * stores (a log.jsonl file and a JetStream stream, ADR 0007). Both stores hold the same lines
 * (`sealBatch` in @pvsim/domain), so an export is the file's bytes, and an import re-appends
 * each batch at its own position and checks that the store sealed it to the very same line
 * (same checksum): a moved cluster replays — and `log verify`s — exactly as before. An import
 * goes only into an empty cluster, is checked whole before anything is written (bad input names
 * its file and line, and nothing is applied), and refuses an unfinished last batch.
 */

import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkLine, type LogRecord } from '@pvsim/domain';
import { sha256Hex } from '@pvsim/log-file';
import { JetStreamEventLog, checkClusterName, redactCredentials } from '@pvsim/nats';
import type { NatsClientOptions } from './verbTypes.ts';
import { openClusterLog } from './clusterDir.ts';
import { UsageError, type CliIO, type GlobalOptions } from './verbTypes.ts';

/** The `nats` global option from --nats and --cluster (the cluster name there; `default` if none). */
export function natsGlobal(url: string, cluster: string | undefined): { url: string; cluster: string } {
  if (!/^(nats|tls|wss?):\/\/./.test(url) && !/^[^\s/]+:\d+$/.test(url)) {
    throw new UsageError(`error: --nats "${redactCredentials(url)}" is not a NATS server URL such as nats://127.0.0.1:4222`);
  }
  const name = cluster ?? 'default';
  try {
    return { url, cluster: checkClusterName(name) };
  } catch (error) {
    throw new UsageError(`error: --cluster: ${(error as Error).message} when the log is in NATS`);
  }
}

/**
 * `--nats-creds`, `--nats-nkey` and `--nats-tls-*` (or their PVSIM_NATS_* variables): files the
 * NATS client reads when it connects (file paths only here; nothing secret is held or printed).
 */
export function natsCredentials(o: { natsCreds?: string; natsNkey?: string; natsTlsCa?: string; natsTlsCert?: string; natsTlsKey?: string }, env: Record<string, string | undefined>): { options?: NatsClientOptions } {
  const credsFile = o.natsCreds ?? env['PVSIM_NATS_CREDS'];
  const nkeyFile = o.natsNkey ?? env['PVSIM_NATS_NKEY'];
  const tls = {
    ...((o.natsTlsCa ?? env['PVSIM_NATS_TLS_CA']) ? { caFile: o.natsTlsCa ?? env['PVSIM_NATS_TLS_CA'] } : {}),
    ...((o.natsTlsCert ?? env['PVSIM_NATS_TLS_CERT']) ? { certFile: o.natsTlsCert ?? env['PVSIM_NATS_TLS_CERT'] } : {}),
    ...((o.natsTlsKey ?? env['PVSIM_NATS_TLS_KEY']) ? { keyFile: o.natsTlsKey ?? env['PVSIM_NATS_TLS_KEY'] } : {}),
  };
  if (credsFile && nkeyFile) throw new UsageError('error: --nats-creds and --nats-nkey name two ways to authenticate; give one');
  if ((tls.certFile === undefined) !== (tls.keyFile === undefined)) throw new UsageError('error: --nats-tls-cert and --nats-tls-key go together');
  const options: NatsClientOptions = {
    ...(credsFile ? { credsFile } : {}),
    ...(nkeyFile ? { nkeyFile } : {}),
    ...(Object.keys(tls).length > 0 ? { tls } : {}),
  };
  return Object.keys(options).length > 0 ? { options } : {};
}

function where(g: GlobalOptions): string {
  return g.nats ? `cluster ${g.nats.cluster} in NATS at ${redactCredentials(g.nats.url)}` : `cluster ${g.clusterDir}`;
}

export function exportLog(io: CliIO, g: GlobalOptions): number {
  const records = openClusterLog(g).read();
  if (records.length) io.stdout(records.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return 0;
}

/** The batches of a log.jsonl text, every line checked; a bad one is a UsageError naming it. */
function parseBatches(text: string, name: string): LogRecord[][] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const batches: LogRecord[][] = [];
  let current: LogRecord[] = [];
  lines.forEach((line, index) => {
    const checked = checkLine(line, sha256Hex);
    const at = `${name}:${index + 1}`;
    if (!checked.ok) throw new UsageError(`error: ${at}: record ${index + 1} is ${checked.detail}; nothing imported`);
    if (checked.record.pos !== index + 1) {
      throw new UsageError(`error: ${at}: field "pos" is ${checked.record.pos}, expected ${index + 1} (records must be numbered from 1 without gaps); nothing imported`);
    }
    current.push(checked.record);
    if (checked.record.end === true) {
      batches.push(current);
      current = [];
    }
  });
  if (current.length) {
    throw new UsageError(`error: ${name}:${lines.length}: the last batch (from record ${current[0]!.pos}) never finished (no "end": true); run \`pvsim log repair\` on the source first; nothing imported`);
  }
  return batches;
}

export function importLog(io: CliIO, g: GlobalOptions, file: string): number {
  const name = file === '-' ? 'stdin' : file;
  let text: string;
  try {
    text = file === '-' ? io.readStdin() : readFileSync(resolve(io.cwd, file), 'utf8');
  } catch (error) {
    throw new UsageError(`error: ${name}: cannot read it (${(error as { code?: string }).code ?? (error as Error).message})`);
  }
  const batches = parseBatches(text, name);
  const log = openClusterLog(g);
  const existing = log.lastPos();
  if (existing !== 0) throw new UsageError(`error: ${where(g)} already holds ${existing} records; import only into an empty cluster`);
  let pos = 0;
  for (const batch of batches) {
    const stored = log.append(batch.map(({ time, stream, type, data, component }) => ({ time, stream, type, data, ...(component !== undefined ? { component } : {}) })), pos);
    stored.forEach((r, k) => {
      if (r.sum !== batch[k]!.sum) throw new UsageError(`error: ${name}:${r.pos}: record ${r.pos} was stored with checksum ${r.sum}, not its own ${batch[k]!.sum}`);
    });
    pos = stored.at(-1)!.pos;
  }
  io.stdout(`imported ${pos} records in ${batches.length} batches into ${where(g)}\n`);
  return 0;
}

/**
 * `pvsim log repair` of a cluster in NATS (ADR 0022): removes an unfinished last batch — lines a
 * writer stopped in the middle of publishing, never acknowledged, never read, and the reason
 * every later append is refused. JetStream cannot cut a stream's tail and keep its sequences, so
 * the kept records (every complete batch) are first written to a file as `log export` writes
 * them, then the stream is deleted and they are appended again to a new one from position 1. A
 * failure in between leaves the file, which `log import` puts back. Damage in acknowledged
 * records is not cut: it is reported, and the stream is left as it is.
 */
export function repairNatsLog(io: CliIO, g: GlobalOptions, o: { backup?: string } = {}): number {
  const log = openClusterLog(g);
  if (!(log instanceof JetStreamEventLog) || !g.nats) throw new Error('repairNatsLog needs a cluster in NATS');
  const where = `cluster ${g.nats.cluster} at ${redactCredentials(g.nats.url)}`;
  const { kept, tail } = log.inspectTail();
  if (tail.length === 0) {
    io.stdout(`${where}: intact (${kept.length} records); nothing to repair\n`);
    return 0;
  }
  let backup = resolve(io.cwd, o.backup ?? `pvsim-${g.nats.cluster}-before-repair.jsonl`);
  if (o.backup === undefined) for (let n = 1; existsSync(backup); n++) backup = resolve(io.cwd, `pvsim-${g.nats.cluster}-before-repair-${n}.jsonl`);
  else if (existsSync(backup)) throw new UsageError(`error: --backup ${o.backup}: the file exists; name a new one`);
  writeFileSync(backup, kept.map((s) => `${s.line}\n`).join(''), { flag: 'wx' });
  log.rewrite(kept);
  io.stdout(`${where}: removed an unfinished last batch (a write that a stopped process never finished; it was never acknowledged)\n`);
  io.stdout(`kept ${kept.length} records (a copy is in ${backup}); dropped ${tail.length}:\n`);
  for (const s of tail) {
    const checked = checkLine(s.line, (text) => sha256Hex(text));
    io.stdout(`  stream sequence ${s.seq}: ${checked.ok ? `record ${checked.record.pos} ${checked.record.type} ${checked.record.stream}` : `unreadable (${checked.detail})`}\n`);
  }
  return 0;
}
