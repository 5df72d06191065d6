/**
 * Design: benchmark of replay (issue 9 item 10), through the real CLI in-process on a real
 * cluster directory:
 *   - the run that produced the log: one `apply` of N PVs and N claims (they all bind), records/s;
 *   - replay: `log verify` re-executes the same input from its seed and checks every record, records/s
 *     (baseline: the producing run, same process, same log);
 *   - time travel: `get pv --at P` for the last and the middle position, with the snapshots the
 *     log's commands wrote (every PVSIM_SNAPSHOT_EVERY records) and with all of them deleted;
 *   - the incident workflow: `record export` (watch) + `record import` + `record compare` of that run;
 *   - a realistic 4-hour recorded incident with hundreds of objects (bench/incidentFixture.ts),
 *     captured as watch + events and as audit + events: `record import` and `record compare`,
 *     each in its own process so each has its own time and peak memory (goal: both under 10 s),
 *     against the run that produced the recording; and `log verify` of the imported cluster (a
 *     log of many commands), records/s against that producing run.
 * Peak memory is the process's maximum RSS after each phase (it only grows), or the child's.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { runCli } from '../services/cli/src/cli.ts';
import { generateIncident } from './incidentFixture.ts';

const quick = process.argv.includes('--quick');
const N = quick ? 300 : 2_000;
/** Teams of the recorded incident (a claim and a pod each; a node per eight teams); PVSIM_BENCH_INCIDENT_TEAMS overrides. */
const TEAMS = Number(process.env['PVSIM_BENCH_INCIDENT_TEAMS'] ?? (quick ? 60 : 200));
const SNAPSHOT_EVERY = quick ? 500 : 2_000;
const root = mkdtempSync(join(tmpdir(), 'pvsim-bench-replay-'));

async function pvsim(cluster: string, args: string[]): Promise<{ ms: number; stdout: string }> {
  let stdout = '';
  let stderr = '';
  const t0 = performance.now();
  const code = await runCli(['--cluster', cluster, ...args], {
    stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, readStdin: () => '',
    env: { PVSIM_SNAPSHOT_EVERY: String(SNAPSHOT_EVERY) }, cwd: root, isTTY: false,
  });
  const ms = performance.now() - t0;
  if (code !== 0 && !args.includes('compare')) throw new Error(`pvsim ${args.join(' ')} failed: ${stderr}`);
  return { ms, stdout };
}

const rssMiB = () => `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`;
const rows: string[][] = [];
const row = (what: string, ms: number, extra: string) => { rows.push([what, `${ms.toFixed(0)} ms`, extra, rssMiB()]); };

const docs: string[] = [];
for (let i = 0; i < N; i++) {
  docs.push(`apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: pv-${i}}\nspec: {capacity: {storage: ${1 + (i % 50)}Gi}, accessModes: [ReadWriteOnce], persistentVolumeReclaimPolicy: Retain, nfs: {server: nas, path: /e/${i}}}`);
  docs.push(`apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c-${i}, namespace: default}\nspec: {accessModes: [ReadWriteOnce], storageClassName: "", resources: {requests: {storage: ${1 + (i % 50)}Gi}}}`);
}
writeFileSync(join(root, 'objects.yaml'), docs.join('\n---\n'));
const cluster = join(root, 'cluster');

async function main(): Promise<void> {
const produce = await pvsim(cluster, ['apply', '-f', 'objects.yaml']);
const records = readFileSync(join(cluster, 'log.jsonl'), 'utf8').trim().split('\n').length;
row(`apply ${N} PVs + ${N} claims (the producing run)`, produce.ms, `${records} records, ${(records / produce.ms * 1000).toFixed(0)} records/s`);
const verify = await pvsim(cluster, ['log', 'verify']);
row('log verify (replay from the seed, checked)', verify.ms, `${(records / verify.ms * 1000).toFixed(0)} records/s = ${(produce.ms / verify.ms).toFixed(2)}× the producing run`);

const bare = join(root, 'bare');
cpSync(cluster, bare, { recursive: true });
rmSync(join(bare, 'snapshots'), { recursive: true, force: true });
rmSync(join(bare, 'snapshot.json'), { force: true });
for (const [label, pos] of [['last', records], ['middle', Math.floor(records / 2)]] as const) {
  const withS = await pvsim(cluster, ['get', 'pv', '--at', String(pos), '-o', 'name']);
  const without = await pvsim(bare, ['get', 'pv', '--at', String(pos), '-o', 'name']);
  if (withS.stdout !== without.stdout) throw new Error('snapshots changed an answer');
  row(`get pv --at ${pos} (${label}) with snapshots`, withS.ms, `${(without.ms / withS.ms).toFixed(1)}× faster than without`);
  row(`get pv --at ${pos} (${label}) without snapshots`, without.ms, 'folds every record up to the position');
}
const watch = await pvsim(cluster, ['record', 'export', '--format', 'watch']);
writeFileSync(join(root, 'watch.json'), watch.stdout);
const imp = await pvsim(root, ['record', 'import', 'watch.json', '--to', 'imported']);
const cmp = await pvsim(root, ['record', 'compare', 'imported']);
if (!cmp.stdout.includes('the model agrees')) throw new Error(`the exported run does not compare clean: ${cmp.stdout.slice(-300)}`);
row(`record export watch + import + compare (${watch.stdout.split('\n').length - 1} changes)`, watch.ms + imp.ms + cmp.ms, `export ${watch.ms.toFixed(0)} + import ${imp.ms.toFixed(0)} + compare ${cmp.ms.toFixed(0)} ms; compares clean`);

// The recorded incident: each command in a child process of its own (time inside the command, its own peak RSS).
const child = (args: string[]): { code: number; ms: number; cpuMs: number; rssMiB: number; stdout: string; stderr: string } => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', resolve('bench/cliChild.ts'), root, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`pvsim ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop()!);
};
const incidentRoot = join(root, 'incident');
const cpuBefore = process.cpuUsage();
const incident = await generateIncident(incidentRoot, { teams: TEAMS, hours: 4 });
const producingCpu = process.cpuUsage(cpuBefore);
const p = incident.producing;
const pCpuMs = (producingCpu.user + producingCpu.system) / 1000;
row(`4-hour incident played on pvsim (the producing run): ${TEAMS} teams`, p.ms, `${incident.objects} PVs, claims and pods; ${p.inputs} commands, ${p.records} records, ${(p.records / p.ms * 1000).toFixed(0)} records/s; CPU ${(pCpuMs / 1000).toFixed(1)} s (with the export)`);
for (const [label, file] of [['watch', incident.files.watch], ['audit', incident.files.audit]] as const) {
  const to = join(root, `imported-${label}`);
  const imp = child(['record', 'import', file, incident.files.events, '--to', to]);
  if (imp.code !== 0) throw new Error(`record import ${label}: ${imp.stderr}`);
  const inputs = /(\d+) inputs replayed/.exec(imp.stdout)?.[1] ?? '?';
  const records = readFileSync(join(to, 'log.jsonl'), 'utf8').trim().split('\n').length;
  rows.push([`record import ${label} + events (${(readFileSync(file).length / 1024 / 1024).toFixed(1)} MiB)`, `${imp.ms.toFixed(0)} ms`, `${inputs} inputs replayed, ${records} records, ${(records / imp.ms * 1000).toFixed(0)} records/s = ${((records / imp.ms) / (p.records / p.ms)).toFixed(2)}× the producing run's; CPU ${(imp.cpuMs / 1000).toFixed(1)} s`, `${imp.rssMiB} MiB`]);
  const cmp = child(['record', 'compare', to]);
  if (cmp.code !== 0) throw new Error(`the incident (${label}) does not compare clean: ${cmp.stdout.slice(-600)}`);
  rows.push([`record compare (${label})`, `${cmp.ms.toFixed(0)} ms`, `${cmp.stdout.trim().split('\n').pop()}; import + compare ${((imp.ms + cmp.ms) / 1000).toFixed(1)} s, CPU ${((imp.cpuMs + cmp.cpuMs) / 1000).toFixed(1)} s (goal < 10 s)`, `${cmp.rssMiB} MiB`]);
  if (label === 'watch') {
    const v = child(['--cluster', to, 'log', 'verify']);
    if (v.code !== 0) throw new Error(`log verify of the imported incident: ${v.stderr}`);
    rows.push([`log verify of the imported incident (${inputs} commands)`, `${v.ms.toFixed(0)} ms`, `${(records / v.ms * 1000).toFixed(0)} records/s = ${((records / v.ms) / (p.records / p.ms)).toFixed(2)}× the producing run's records/s; CPU ${(v.cpuMs / 1000).toFixed(1)} s`, `${v.rssMiB} MiB`]);
  }
}

console.log(`replay (issue 9): N=${N}, snapshots every ${SNAPSHOT_EVERY} records, incident ${TEAMS} teams over 4 h${quick ? ' (--quick)' : ''}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => r[i]!.length), ['what', 'time', 'result', 'peak RSS'][i]!.length));
const line = (r: string[]) => `  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`;
console.log(line(['what', 'time', 'result', 'peak RSS']));
for (const r of rows) console.log(line(r));
rmSync(root, { recursive: true, force: true });
}

main().catch((e) => { console.error(e); process.exit(1); });
