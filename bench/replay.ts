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
 * Every row has its wall time and its CPU time (user + system, every thread) side by side: the
 * machine is shared, so wall time also measures the neighbours, and CPU time is the figure to
 * compare between runs (the goal itself is wall time on a quiet machine, where the two agree).
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

async function pvsim(cluster: string, args: string[]): Promise<{ ms: number; cpuMs: number; stdout: string }> {
  let stdout = '';
  let stderr = '';
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const code = await runCli(['--cluster', cluster, ...args], {
    stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, readStdin: () => '',
    env: { PVSIM_SNAPSHOT_EVERY: String(SNAPSHOT_EVERY) }, cwd: root, isTTY: false,
  });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  if (code !== 0 && !args.includes('compare')) throw new Error(`pvsim ${args.join(' ')} failed: ${stderr}`);
  return { ms, cpuMs: (cpu.user + cpu.system) / 1000, stdout };
}

const rssMiB = () => `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`;
const rows: string[][] = [];
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const row = (what: string, r: { ms: number; cpuMs: number }, extra: string) => { rows.push([what, seconds(r.ms), seconds(r.cpuMs), extra, rssMiB()]); };

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
row(`apply ${N} PVs + ${N} claims (the producing run)`, produce, `${records} records, ${(records / produce.ms * 1000).toFixed(0)} records/s`);
const verify = await pvsim(cluster, ['log', 'verify']);
row('log verify (replay from the seed, checked)', verify, `${(records / verify.ms * 1000).toFixed(0)} records/s = ${(produce.ms / verify.ms).toFixed(2)}× the producing run`);

const bare = join(root, 'bare');
cpSync(cluster, bare, { recursive: true });
rmSync(join(bare, 'snapshots'), { recursive: true, force: true });
rmSync(join(bare, 'snapshot.json'), { force: true });
for (const [label, pos] of [['last', records], ['middle', Math.floor(records / 2)]] as const) {
  const withS = await pvsim(cluster, ['get', 'pv', '--at', String(pos), '-o', 'name']);
  const without = await pvsim(bare, ['get', 'pv', '--at', String(pos), '-o', 'name']);
  if (withS.stdout !== without.stdout) throw new Error('snapshots changed an answer');
  row(`get pv --at ${pos} (${label}) with snapshots`, withS, `${(without.ms / withS.ms).toFixed(1)}× faster than without`);
  row(`get pv --at ${pos} (${label}) without snapshots`, without, 'folds every record up to the position');
}
const watch = await pvsim(cluster, ['record', 'export', '--format', 'watch']);
writeFileSync(join(root, 'watch.json'), watch.stdout);
const imp = await pvsim(root, ['record', 'import', 'watch.json', '--to', 'imported']);
const cmp = await pvsim(root, ['record', 'compare', 'imported']);
if (!cmp.stdout.includes('the model agrees')) throw new Error(`the exported run does not compare clean: ${cmp.stdout.slice(-300)}`);
row(`record export watch + import + compare (${watch.stdout.split('\n').length - 1} changes)`, { ms: watch.ms + imp.ms + cmp.ms, cpuMs: watch.cpuMs + imp.cpuMs + cmp.cpuMs }, `export ${watch.ms.toFixed(0)} + import ${imp.ms.toFixed(0)} + compare ${cmp.ms.toFixed(0)} ms; compares clean`);

// The recorded incident: each command in a child process of its own (time inside the command, its own peak RSS).
const child = (args: string[]): { code: number; ms: number; cpuMs: number; processCpuMs: number; rssMiB: number; stdout: string; stderr: string } => {
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
row(`4-hour incident played on pvsim (the producing run, CPU with the export): ${TEAMS} teams`, { ms: p.ms, cpuMs: pCpuMs }, `${incident.objects} PVs, claims and pods; ${p.inputs} commands, ${p.records} records, ${(p.records / p.ms * 1000).toFixed(0)} records/s`);
/** A child's row: the command's own wall and CPU time, and the whole child process's CPU (start-up and module loading included). */
const childRow = (what: string, r: ReturnType<typeof child>, extra: string) => {
  rows.push([what, seconds(r.ms), seconds(r.cpuMs), `${extra}; whole process CPU ${seconds(r.processCpuMs)}`, `${r.rssMiB} MiB`]);
};
const goals: string[] = [];
for (const [label, file] of [['watch', incident.files.watch], ['audit', incident.files.audit]] as const) {
  const to = join(root, `imported-${label}`);
  const imp = child(['record', 'import', file, incident.files.events, '--to', to]);
  if (imp.code !== 0) throw new Error(`record import ${label}: ${imp.stderr}`);
  const inputs = /(\d+) inputs replayed/.exec(imp.stdout)?.[1] ?? '?';
  const records = readFileSync(join(to, 'log.jsonl'), 'utf8').trim().split('\n').length;
  childRow(`record import ${label} + events (${(readFileSync(file).length / 1024 / 1024).toFixed(1)} MiB)`, imp, `${inputs} inputs replayed, ${records} records, ${(records / imp.ms * 1000).toFixed(0)} records/s = ${((records / imp.ms) / (p.records / p.ms)).toFixed(2)}× the producing run's`);
  const cmp = child(['record', 'compare', to]);
  if (cmp.code !== 0) throw new Error(`the incident (${label}) does not compare clean: ${cmp.stdout.slice(-600)}`);
  childRow(`record compare (${label})`, cmp, `${cmp.stdout.trim().split('\n').pop()}`);
  goals.push(`import + compare (${label}): wall ${seconds(imp.ms + cmp.ms)}, CPU ${seconds(imp.cpuMs + cmp.cpuMs)} (goal: under 10 s)`);
  if (label === 'watch') {
    const v = child(['--cluster', to, 'log', 'verify']);
    if (v.code !== 0) throw new Error(`log verify of the imported incident: ${v.stderr}`);
    childRow(`log verify of the imported incident (${inputs} commands)`, v, `${(records / v.ms * 1000).toFixed(0)} records/s = ${((records / v.ms) / (p.records / p.ms)).toFixed(2)}× the producing run's records/s`);
  }
}

console.log(`replay (issue 9): N=${N}, snapshots every ${SNAPSHOT_EVERY} records, incident ${TEAMS} teams over 4 h${quick ? ' (--quick)' : ''}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const header = ['what', 'wall', 'CPU', 'result', 'peak RSS'];
const widths = header.map((h, i) => Math.max(...rows.map((r) => r[i]!.length), h.length));
const line = (r: string[]) => `  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`;
console.log(line(header));
for (const r of rows) console.log(line(r));
for (const g of goals) console.log(`  ${g}`);
rmSync(root, { recursive: true, force: true });
}

main().catch((e) => { console.error(e); process.exit(1); });
