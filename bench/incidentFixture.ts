/**
 * Design: a realistic recorded incident for the replay benchmark (issue 9 item 10: "a 4-hour
 * recorded incident, hundreds of objects, replayed and compared in under 10 s"), generated rather
 * than shipped, so its size is a parameter and the repository stays small.
 *
 * The incident is played on pvsim itself — the only cluster this machine has — and captured in the
 * real formats with `pvsim record export` (a watch stream, the API server's audit log, the events
 * list), so it must compare clean: a recording made by pvsim is the one case where the right
 * answer is known. What makes it a realistic capture rather than a pvsim log in disguise:
 *   - four hours of simulated time: teams arrive spread over the first three hours (a claim, then a
 *     pod using it, minutes apart), a third of them leave again (pod deleted, then its claim),
 *     a node goes down for twenty minutes in the middle (its pods are evicted), and the capture
 *     runs to the end;
 *   - dynamic provisioning on two CSI classes (a zonal disk and NAS), static NFS volumes with
 *     Retain, pods scheduled across a node per eight teams: hundreds of PVs, claims and pods;
 *   - the audit log carries what a real one does besides writes: the controllers' leader-election
 *     lease renewals every 10 s (a resource pvsim does not model), their get/list/watch calls
 *     (read verbs, skipped on import), and the people's writes at Request level (the request
 *     body only, as many audit policies log them) rather than RequestResponse.
 * Deterministic: no randomness, every choice is a function of the team's index.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runCli } from '../services/cli/src/cli.ts';
import { lockClusterForWrite, openFileLog } from '../services/cli/src/clusterDir.ts';
import { runInput, type Input, type Obj } from '../services/cli/src/inputs.ts';
import { COMMAND_GAP_MS, EPOCH_MS, Session } from '../services/cli/src/session.ts';
import type { GlobalOptions } from '../services/cli/src/verbTypes.ts';

export interface IncidentOptions {
  /** Teams that arrive (a claim and a pod each). */
  teams: number;
  /** Simulated hours the capture covers. */
  hours: number;
  seed?: number;
}

export interface Incident {
  /** The cluster the incident was played on. */
  cluster: string;
  files: { watch: string; audit: string; events: string };
  /** The run that produced it: wall time, records written, inputs (commands). */
  producing: { ms: number; records: number; inputs: number };
  /** PVs, claims and pods the recording mentions. */
  objects: number;
}

const MINUTE = 60_000;
const NAMESPACES = ['payments', 'search', 'ml', 'web', 'batch'];

const node = (i: number): Obj => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}`, 'topology.kubernetes.io/zone': 'zone-a' } } as Obj['metadata'] });
const storageClass = (name: string, provisioner: string): Obj => ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner, reclaimPolicy: 'Delete' });
const staticVolume = (i: number): Obj => ({
  apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `nfs-${i}` },
  spec: { capacity: { storage: `${5 + (i % 3) * 5}Gi` }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', nfs: { server: 'filer', path: `/exports/${i}` } },
});
const namespaceOf = (i: number): string => NAMESPACES[i % NAMESPACES.length]!;
/**
 * Team i's claim: a zonal disk for every eighth (the disk driver attaches two volumes per node at
 * most, so the cluster has a node per eight teams and is never short of attach slots), a static
 * NFS volume for every fourth, NAS (shared) for the rest.
 */
function claim(i: number): Obj {
  const kind = i % 8 === 2 ? 2 : i % 4 === 3 ? 3 : 1;
  const spec = kind === 1
    ? { accessModes: ['ReadWriteMany'], storageClassName: 'nas', resources: { requests: { storage: '10Gi' } } }
    : kind === 3
      ? { accessModes: ['ReadWriteOnce'], storageClassName: '', resources: { requests: { storage: `${5 + (i % 3) * 5}Gi` } } }
      : { accessModes: ['ReadWriteOnce'], storageClassName: 'disk', resources: { requests: { storage: `${1 + (i % 8)}Gi` } } };
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: `data-${i}`, namespace: namespaceOf(i) }, spec };
}
const pod = (i: number): Obj => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name: `app-${i}`, namespace: namespaceOf(i), labels: { team: `t${i}` } } as Obj['metadata'],
  spec: {
    containers: [{ name: 'app', image: 'registry.local/app:1.4', volumeMounts: [{ name: 'data', mountPath: '/data' }] }],
    volumes: [{ name: 'data', persistentVolumeClaim: { claimName: `data-${i}` } }],
  },
});
const ref = (o: Obj) => ({ kind: o.kind as never, name: o.metadata.name, ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}) });

/** The people's actions, at simulated milliseconds since the start. */
function script(o: IncidentOptions): { atMs: number; input: (seed: number) => Input }[] {
  const hours = o.hours * 60 * MINUTE;
  const steps: { atMs: number; order: number; input: (seed: number) => Input }[] = [];
  const at = (atMs: number, input: (seed: number) => Input) => steps.push({ atMs, order: steps.length, input });
  const statics = Math.ceil(o.teams / 4);
  const nodes = Math.max(4, Math.ceil(o.teams / 8));
  at(0, (seed) => ({ type: 'ApplyRequested', data: { seed, wait: true, objects: [...Array.from({ length: nodes }, (_, i) => node(i + 1)), storageClass('disk', 'disk.csi.pvsim.dev'), storageClass('nas', 'nas.csi.pvsim.dev')] } }));
  at(MINUTE, (seed) => ({ type: 'ApplyRequested', data: { seed, wait: true, objects: Array.from({ length: statics }, (_, i) => staticVolume(i)) } }));
  const arrivals = hours * 0.75;
  for (let i = 0; i < o.teams; i++) {
    const t = 2 * MINUTE + Math.floor((arrivals * i) / o.teams);
    at(t, (seed) => ({ type: 'ApplyRequested', data: { seed, wait: true, objects: [claim(i)] } }));
    at(t + 3 * MINUTE, (seed) => ({ type: 'ApplyRequested', data: { seed, wait: true, objects: [pod(i)] } }));
    if (i % 3 === 0) {
      at(t + 40 * MINUTE, (seed) => ({ type: 'DeleteRequested', data: { seed, wait: true, objects: [ref(pod(i))] } }));
      at(t + 45 * MINUTE, (seed) => ({ type: 'DeleteRequested', data: { seed, wait: true, objects: [ref(claim(i))] } }));
    }
  }
  at(hours / 2, (seed) => ({ type: 'NodeDownRequested', data: { seed, name: 'node-3' } }));
  at(hours / 2 + 20 * MINUTE, (seed) => ({ type: 'NodeUpRequested', data: { seed, name: 'node-3' } }));
  at(hours, (seed) => ({ type: 'AdvanceRequested', data: { seed, durationMs: 0 } }));
  return steps.sort((a, b) => a.atMs - b.atMs || a.order - b.order);
}

/** Plays the incident on a new pvsim cluster under `root` and captures it in the real formats. */
export async function generateIncident(root: string, o: IncidentOptions): Promise<Incident> {
  const seed = o.seed ?? 1;
  const cluster = join(root, 'incident-cluster');
  mkdirSync(cluster, { recursive: true });
  const g: GlobalOptions = { clusterDir: cluster, seed } as GlobalOptions;
  // Written as record import writes its log: one lock for the run, no fsync per command.
  const log = openFileLog(g, { syncEachAppend: false });
  const release = lockClusterForWrite(g);
  const t0 = performance.now();
  let inputs = 0;
  let previous: Session | undefined;
  const session = (): Session => (previous = new Session({ clusterDir: cluster, seed, log, ...(previous ? { after: previous } : {}) }));
  try {
    for (const step of script(o)) {
      let s = session();
      // A pod evicted from the node that went down is gone already: its team's delete would get NotFound.
      const input = step.input(seed);
      if (input.type === 'DeleteRequested' && input.data.objects.some((x) => !s.store.get(x.kind, x.namespace ? `${x.namespace}/${x.name}` : x.name))) continue;
      const wait = EPOCH_MS + step.atMs - s.clock.now() - COMMAND_GAP_MS;
      if (wait > 0) {
        runInput(s, { type: 'AdvanceRequested', data: { seed, durationMs: wait } });
        s.commit();
        inputs++;
        s = session();
      }
      runInput(s, input);
      s.commit();
      inputs++;
    }
  } finally {
    release?.();
  }
  const ms = performance.now() - t0;
  const records = log.lastPos();
  const capture = async (format: string): Promise<string> => {
    let out = '';
    let err = '';
    const code = await runCli(['--cluster', cluster, 'record', 'export', '--format', format], { stdout: (t) => { out += t; }, stderr: (t) => { err += t; }, readStdin: () => '', env: {}, cwd: root, isTTY: false });
    if (code !== 0) throw new Error(`record export --format ${format}: ${err}`);
    return out;
  };
  const watch = await capture('watch');
  const audit = realisticAudit(await capture('audit'), o.hours);
  const files = { watch: join(root, 'watch.json'), audit: join(root, 'audit.jsonl'), events: join(root, 'events.json') };
  writeFileSync(files.watch, watch);
  writeFileSync(files.audit, audit);
  writeFileSync(files.events, await capture('events'));
  const names = new Set<string>();
  for (const line of watch.split('\n')) {
    const m = /"kind":"(PersistentVolume|PersistentVolumeClaim|Pod)","apiVersion":"[^"]*","metadata":\{"name":"([^"]+)"(?:,"namespace":"([^"]+)")?/.exec(line);
    if (m) names.add(`${m[1]}/${m[3] ?? ''}/${m[2]}`);
  }
  return { cluster, files, producing: { ms, records, inputs }, objects: names.size || countObjects(watch) };
}

/** Distinct PVs, claims and pods in a watch stream (parsed; the fast path above may not match pvsim's key order). */
function countObjects(watch: string): number {
  const names = new Set<string>();
  for (const line of watch.split('\n')) {
    if (!line) continue;
    const o = (JSON.parse(line) as { object: { kind: string; metadata: { name: string; namespace?: string } } }).object;
    if (['PersistentVolume', 'PersistentVolumeClaim', 'Pod'].includes(o.kind)) names.add(`${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`);
  }
  return names.size;
}

/**
 * What a real audit log holds besides the writes pvsim exported: lease renewals every 10 s by
 * the controller manager and the scheduler, a get before each controller write and the
 * informers' list/watch calls, and people's writes at Request level (request body only).
 */
function realisticAudit(exported: string, hours: number): string {
  type Line = { time: string; text: string };
  const lines: Line[] = [];
  let id = 0;
  const meta = (time: string, verb: string, user: string, objectRef: Record<string, string>, extra: Record<string, unknown> = {}): string => JSON.stringify({
    kind: 'Event', apiVersion: 'audit.k8s.io/v1', level: 'Metadata', auditID: `noise-${++id}`, stage: 'ResponseComplete',
    requestURI: `/apis/${objectRef['apiGroup'] ?? ''}`, verb, user: { username: user }, objectRef,
    responseStatus: { metadata: {}, code: 200 }, requestReceivedTimestamp: time, stageTimestamp: time, ...extra,
  });
  for (const text of exported.split('\n')) {
    if (!text) continue;
    const e = JSON.parse(text) as { user: { username: string }; objectRef: Record<string, string>; stageTimestamp: string; responseObject?: unknown; level: string };
    if (e.user.username.startsWith('system:')) {
      lines.push({ time: e.stageTimestamp, text: meta(e.stageTimestamp, 'get', e.user.username, e.objectRef) });
      lines.push({ time: e.stageTimestamp, text });
    } else {
      // A person's write, logged at Request level: the request body, no response.
      delete e.responseObject;
      e.level = 'Request';
      lines.push({ time: e.stageTimestamp, text: JSON.stringify(e) });
    }
  }
  const start = Date.parse(lines[0]?.time ?? new Date(EPOCH_MS).toISOString());
  for (let t = 0; t <= hours * 3_600_000; t += 10_000) {
    const time = new Date(start + t).toISOString();
    for (const holder of ['kube-controller-manager', 'kube-scheduler']) {
      lines.push({ time, text: meta(time, 'update', `system:${holder}`, { resource: 'leases', namespace: 'kube-system', name: holder, apiGroup: 'coordination.k8s.io', apiVersion: 'v1' }) });
    }
    if (t % 300_000 === 0) {
      for (const resource of ['persistentvolumes', 'persistentvolumeclaims', 'pods']) {
        lines.push({ time, text: meta(time, 'watch', 'system:kube-controller-manager', { resource, apiVersion: 'v1' }) });
      }
    }
  }
  // Stable sort by time: the log is in the order the API server completed the requests.
  return lines.map((l, i) => ({ l, i })).sort((a, b) => (a.l.time < b.l.time ? -1 : a.l.time > b.l.time ? 1 : a.i - b.i)).map(({ l }) => `${l.text}\n`).join('');
}

/** `node --import tsx bench/incidentFixture.ts DIR [teams] [hours]`: writes the fixture's files into DIR. */
if (process.argv[1]?.endsWith('incidentFixture.ts')) {
  const dir = process.argv[2] ?? 'incident';
  const teams = Number(process.argv[3] ?? 200);
  const hours = Number(process.argv[4] ?? 4);
  void generateIncident(dir, { teams, hours }).then((i) => {
    console.log(`${i.objects} PVs, claims and pods; ${i.producing.inputs} inputs, ${i.producing.records} records in ${i.producing.ms.toFixed(0)} ms; files: ${Object.values(i.files).join(', ')}`);
    console.log(`sizes: ${Object.entries(i.files).map(([k, f]) => `${k} ${(readFileSync(f).length / 1024).toFixed(0)} KiB`).join(', ')}`);
  });
}
