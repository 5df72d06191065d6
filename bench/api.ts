/**
 * Design: what the Kubernetes API costs over pvsim's own paths, on one cluster in one process:
 * (1) list/get requests per second through `pvsim serve --api` (HTTP, JSON, keep-alive) against
 * the same reads done in process (the ApiCluster view the server uses, and the CLI's
 * `get -o json` verb); (2) whole commands, `kubectl get pv` against the server vs the bundled
 * `pvsim get pv` (medians of repeated runs, interleaved); (3) watch latency: a write through the
 * server until a watching client has the event. Medians; the machine is shared.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { runCli } from '../services/cli/src/cli.ts';
import { clusterForApi, serveApi } from '../services/cli/src/serveVerb.ts';
import { median } from './measure.ts';

const quick = process.argv.includes('--quick');
const repoRoot = resolve(process.cwd());
const root = mkdtempSync(join(tmpdir(), 'pvsim-bench-api-'));
const cluster = join(root, 'cluster');
const io = { stdout: () => {}, stderr: () => {}, readStdin: () => '', env: {}, cwd: repoRoot, isTTY: false };
const g = { clusterDir: cluster, seed: 1 };
const volumes = quick ? 50 : 200;

function pvYaml(n: number): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) {
    docs.push(`apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: bench-${String(i).padStart(4, '0')}\n  labels: {bench: "yes"}\nspec:\n  capacity: {storage: ${1 + (i % 50)}Gi}\n  accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: Retain\n  hostPath: {path: /tmp/bench-${i}}\n`);
  }
  return docs.join('---\n');
}

const agent = new Agent({ keepAlive: true });
function get(url: string, headers: Record<string, string> = {}): Promise<string> {
  return new Promise((ok, fail) => {
    const req = request(url, { agent, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => { body += d.toString(); });
      res.on('end', () => ok(body));
    });
    req.on('error', fail);
    req.end();
  });
}

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<number> {
  const t0 = performance.now();
  return new Promise((ok, fail) => {
    execFile(cmd, args, { cwd: repoRoot, env: { ...process.env, ...env }, timeout: 60_000 }, (e) => (e ? fail(e) : ok(performance.now() - t0)));
  });
}

/** Requests (or calls) per second of `fn` over `ms` of wall time. */
async function rate(fn: () => Promise<unknown> | unknown, ms: number): Promise<number> {
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) { await fn(); n++; }
  return n / ((performance.now() - t0) / 1000);
}

async function main(): Promise<void> {
  await runCli(['--cluster', cluster, 'apply', '-f', 'examples/static/'], io);
  writeFileSync(join(root, 'pvs.yaml'), pvYaml(volumes));
  await runCli(['--cluster', cluster, 'apply', '-f', join(root, 'pvs.yaml')], io);
  const kubeconfig = join(root, 'kubeconfig');
  const server = await serveApi(io, g, { port: 0, host: '127.0.0.1', kubeconfig });
  const window = quick ? 500 : 2_000;
  const local = clusterForApi(g);
  const rows: [string, string][] = [];
  const list = await rate(() => get(`${server.url}/api/v1/persistentvolumes`), window);
  const listLocal = await rate(() => JSON.stringify(local.view().list('PersistentVolume')), window);
  const listCli = await rate(() => runCli(['--cluster', cluster, 'get', 'pv', '-o', 'json'], io), window);
  const table = await rate(() => get(`${server.url}/api/v1/persistentvolumes`, { accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' }), window);
  const one = await rate(() => get(`${server.url}/api/v1/persistentvolumes/bench-0007`), window);
  const oneLocal = await rate(() => JSON.stringify(local.view().list('PersistentVolume').find((o) => o.metadata.name === 'bench-0007')), window);
  rows.push([`list ${volumes + 4} PVs, HTTP (JSON)`, `${list.toFixed(0)} req/s`]);
  rows.push(['list, HTTP (Table, as kubectl get)', `${table.toFixed(0)} req/s`]);
  rows.push(['list, in process (the server\'s view, JSON text)', `${listLocal.toFixed(0)} /s (${(listLocal / list).toFixed(1)}× HTTP)`]);
  rows.push(['list, CLI verb in process (`get pv -o json`)', `${listCli.toFixed(1)} /s (${(list / listCli).toFixed(1)}× slower than HTTP)`]);
  rows.push(['get one PV, HTTP', `${one.toFixed(0)} req/s`]);
  rows.push(['get one PV, in process', `${oneLocal.toFixed(0)} /s`]);

  // Whole commands, interleaved: kubectl against the server vs the bundled CLI.
  const reps = quick ? 3 : 7;
  const kubectlMs: number[] = [];
  const pvsimMs: number[] = [];
  for (let i = 0; i < reps; i++) {
    kubectlMs.push(await run('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(root, 'cache'), 'get', 'pv']));
    pvsimMs.push(await run(process.execPath, ['services/cli/dist/pvsim.js', '--cluster', cluster, 'get', 'pv']));
  }
  rows.push(['`kubectl get pv` via the server, whole command (median)', `${median(kubectlMs).toFixed(0)} ms`]);
  rows.push(['`pvsim get pv`, whole command (median)', `${median(pvsimMs).toFixed(0)} ms`]);

  // Watch latency: a create through the server until the watcher has the ADDED event.
  const latencies: number[] = [];
  const body = (name: string) => JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/tmp/${name}` } } });
  for (let i = 0; i < (quick ? 3 : 10); i++) {
    const name = `watched-${i}`;
    const latency = await new Promise<number>((ok, fail) => {
      let t0 = 0;
      const watch = request(`${server.url}/api/v1/persistentvolumes?watch=true&resourceVersion=${server.handler.resourceVersion}&fieldSelector=metadata.name%3D${name}`, (res) => {
        res.on('data', (d: Buffer) => { if (d.toString().includes(name)) { ok(performance.now() - t0); watch.destroy(); } });
        t0 = performance.now();
        const post = request(`${server.url}/api/v1/persistentvolumes`, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (r) => r.resume());
        post.on('error', fail);
        post.end(body(name));
      });
      watch.on('error', (e) => { if (!String(e).includes('socket hang up')) fail(e); });
      watch.end();
    });
    latencies.push(latency);
  }
  rows.push(['watch latency: POST until the watcher has ADDED (median, includes the write + settle)', `${median(latencies).toFixed(1)} ms`]);

  // Server-side apply against a merge PATCH doing the same change (field ownership on top).
  const patchOnce = (contentType: string, path: string, text: string) => new Promise<number>((ok, fail) => {
    const t0 = performance.now();
    const req = request(`${server.url}/api/v1/persistentvolumes/bench-0000${path}`, { method: 'PATCH', agent, headers: { 'content-type': contentType } }, (r) => { r.resume(); r.on('end', () => (r.statusCode === 200 ? ok(performance.now() - t0) : fail(new Error(`PATCH ${r.statusCode}`)))); });
    req.on('error', fail);
    req.end(text);
  });
  const applyMs: number[] = [];
  const mergeMs: number[] = [];
  for (let i = 0; i < (quick ? 4 : 12); i++) {
    const value = i % 2 === 0 ? 'a' : 'b';
    applyMs.push(await patchOnce('application/apply-patch+yaml', '?fieldManager=bench&force=true', JSON.stringify({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'bench-0000', labels: { ssa: value } } })));
    mergeMs.push(await patchOnce('application/merge-patch+json', '', JSON.stringify({ metadata: { labels: { merge: value } } })));
  }
  rows.push(['server-side apply of one label (PATCH apply-patch+yaml, median)', `${median(applyMs).toFixed(1)} ms — ${(median(applyMs) / median(mergeMs)).toFixed(2)}× a merge PATCH of one label (${median(mergeMs).toFixed(1)} ms)`]);

  // Another writer (the CLI, in process) until `pvsim get -w` (following the log) prints it.
  const { getWatch } = await import('../services/cli/src/watchVerb.ts');
  const { processWall } = await import('../services/cli/src/wall.ts');
  const cliLatencies: number[] = [];
  for (let i = 0; i < (quick ? 3 : 8); i++) {
    const name = `cli-watched-${i}`;
    let stop = false;
    let seenAt = 0;
    let t0 = 0;
    const wall = { nowMs: processWall.nowMs, waitForChange: async (f: string, ms: number) => (stop ? false : processWall.waitForChange(f, Math.min(ms, 10_000))) };
    const watching = getWatch({ ...io, wall, stdout: (t: string) => { if (!seenAt && t.includes(name)) { seenAt = performance.now(); stop = true; } } }, g, 'pv', [], { namespace: 'default', allNamespaces: false, watchOnly: true, requestTimeout: '30s' });
    const file = join(root, `${name}.yaml`);
    writeFileSync(file, `apiVersion: v1\nkind: PersistentVolume\nmetadata: {name: ${name}}\nspec: {capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce], hostPath: {path: /tmp/${name}}}\n`);
    t0 = performance.now();
    await runCli(['--cluster', cluster, 'apply', '-f', file], io);
    await watching;
    cliLatencies.push(seenAt - t0);
  }
  rows.push(['`pvsim get -w` latency: a CLI apply until the watcher prints it (median; the write, then a 50 ms poll of the log)', `${median(cliLatencies).toFixed(1)} ms`]);
  await server.close();
  agent.destroy();
  const width = Math.max(...rows.map((r) => r[0].length));
  console.log(`api — pvsim serve --api vs in-process reads (${volumes + 4} PVs)`);
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
}

main().finally(() => rmSync(root, { recursive: true, force: true })).catch((e: unknown) => { console.error(e); process.exitCode = 1; });
