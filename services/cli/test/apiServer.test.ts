/**
 * `pvsim serve --api` driven by the real kubectl (1.32, a kubeconfig in a temp directory) and by
 * @kubernetes/client-node: the server runs in this process on 127.0.0.1 with an ephemeral port;
 * kubectl runs as a child process with a time limit (no sleeps: every wait is for an answer).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, spawn } from 'node:child_process';
import { get as httpGet } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { serveApi } from '../src/serveVerb.ts';
import type { RunningApiServer } from '@pvsim/api-server';
import { pvsim, repoRoot } from './support.ts';

const root = mkdtempSync(join(tmpdir(), 'pvsim-api-'));
const cluster = join(root, 'cluster');
const kubeconfig = join(root, 'kubeconfig');
let server: RunningApiServer;

interface Run { code: number; stdout: string; stderr: string }

/** Runs kubectl against the server; at most 120 s (a budget for a loaded machine, never a wait). */
function kubectl(args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(root, 'cache'), ...args],
      { cwd: repoRoot, timeout: 120_000, env: { ...process.env, KUBECONFIG: kubeconfig } },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}

test.before(async () => {
  server = await serveApi({ stdout: () => {}, stderr: () => {}, readStdin: () => '', env: {}, cwd: repoRoot, isTTY: false },
    { clusterDir: cluster, seed: 1 }, { port: 0, host: '127.0.0.1', kubeconfig, ...(process.env['PVSIM_API_DEBUG'] ? { onRequest: (m: string, u: string, st: number) => console.error(m, u, st) } : {}) });
});

test.after(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

test('kubectl version and api-resources read discovery', async () => {
  const v = await kubectl(['version', '-o', 'json']);
  assert.is(v.code, 0, v.stderr);
  assert.is(JSON.parse(v.stdout).serverVersion.gitVersion, 'v1.34.0-pvsim');
  const r = await kubectl(['api-resources', '--no-headers']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stdout, /^persistentvolumeclaims\s+pvc\s+v1\s+true\s+PersistentVolumeClaim$/m);
  assert.match(r.stdout, /^storageclasses\s+sc\s+storage\.k8s\.io\/v1\s+false\s+StorageClass$/m);
});

test('kubectl apply -f examples/static/ creates, a second apply is unchanged', async () => {
  const a = await kubectl(['apply', '-f', 'examples/static/']);
  assert.is(a.code, 0, a.stderr);
  assert.is(a.stdout, [
    'persistentvolume/nas-5g created', 'persistentvolume/disk-10g created', 'persistentvolume/disk-50g created', 'persistentvolume/disk-100g created',
    'persistentvolumeclaim/shared-data created', 'persistentvolumeclaim/db-data created', 'persistentvolumeclaim/scratch created', '',
  ].join('\n'));
  const again = await kubectl(['apply', '-f', 'examples/static/02-claims.yaml']);
  assert.is(again.code, 0, again.stderr);
  assert.is(again.stdout, 'persistentvolumeclaim/shared-data unchanged\npersistentvolumeclaim/db-data unchanged\npersistentvolumeclaim/scratch unchanged\n');
});

test('kubectl apply --server-side: field managers, a 409 conflict with the API server\'s message, --force-conflicts', async () => {
  const manifest = (policy: string, label = '  labels: {owner: alice}\n') => `apiVersion: v1\nkind: PersistentVolume\nmetadata:\n  name: ssa-pv\n${label}spec:\n  capacity: {storage: 3Gi}\n  accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: ${policy}\n  storageClassName: ssa\n  hostPath: {path: /tmp/ssa}\n`;
  const a = await kubectl(['apply', '--server-side', '--field-manager=alice', '-f', '-'], manifest('Retain'));
  assert.is(a.code, 0, a.stderr);
  assert.is(a.stdout, 'persistentvolume/ssa-pv serverside-applied\n');
  const conflict = await kubectl(['apply', '--server-side', '--field-manager=bob', '-f', '-'], manifest('Delete', ''));
  assert.is(conflict.code, 1);
  assert.match(conflict.stderr, 'Apply failed with 1 conflict: conflict with "alice": .spec.persistentVolumeReclaimPolicy');
  assert.match(conflict.stderr, '--force-conflicts');
  const forced = await kubectl(['apply', '--server-side', '--field-manager=bob', '--force-conflicts', '-f', '-'], manifest('Delete', ''));
  assert.is(forced.code, 0, forced.stderr);
  const o = JSON.parse((await kubectl(['get', 'pv', 'ssa-pv', '-o', 'json', '--show-managed-fields'])).stdout);
  assert.is(o.spec.persistentVolumeReclaimPolicy, 'Delete');
  assert.equal(o.metadata.managedFields.map((e: { manager: string; operation: string }) => `${e.manager}/${e.operation}`), ['alice/Apply', 'bob/Apply']);
  assert.ok(!('f:persistentVolumeReclaimPolicy' in o.metadata.managedFields[0].fieldsV1['f:spec']), 'alice no longer owns the policy');
  // alice leaves her label out: it goes (no one else applied it).
  const dropped = await kubectl(['apply', '--server-side', '--field-manager=alice', '-f', '-'], manifest('Delete', ''));
  assert.is(dropped.code, 0, dropped.stderr);
  assert.is((await kubectl(['get', 'pv', 'ssa-pv', '-o', 'jsonpath={.metadata.labels}'])).stdout, '');
  assert.is((await kubectl(['delete', 'pv', 'ssa-pv'])).code, 0);
});

test('kubectl get pv,pvc prints exactly what pvsim get pv,pvc prints', async () => {
  const k = await kubectl(['get', 'pv,pvc']);
  assert.is(k.code, 0, k.stderr);
  const p = await pvsim(cluster, ['get', 'pv,pvc']);
  assert.is(k.stdout, p.stdout);
  assert.match(k.stdout, /persistentvolumeclaim\/db-data\s+Bound\s+disk-10g/);
  const wide = await kubectl(['get', 'pvc', '-o', 'wide']);
  assert.is(wide.stdout, (await pvsim(cluster, ['get', 'pvc', '-o', 'wide'])).stdout);
  // The printing flags pvsim's own CLI shares with kubectl.
  for (const flags of [['pv', '--show-labels', '-L', 'type'], ['pv', '--no-headers', '--sort-by=.spec.capacity.storage'],
    ['pvc', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.spec.volumeName}{"\\n"}{end}'], ['pv', '-o', 'custom-columns=NAME:.metadata.name,MODES:.spec.accessModes']]) {
    const viaKubectl = await kubectl(['get', ...flags]);
    assert.is(viaKubectl.code, 0, viaKubectl.stderr);
    assert.is(viaKubectl.stdout, (await pvsim(cluster, ['get', ...flags])).stdout, flags.join(' '));
  }
});

test('label and field selectors, -o json, -o name', async () => {
  const byName = await kubectl(['get', 'pv', '--field-selector', 'metadata.name=nas-5g', '-o', 'name']);
  assert.is(byName.stdout, 'persistentvolume/nas-5g\n');
  const none = await kubectl(['get', 'pv', '-l', 'tier=none']);
  assert.is(none.stdout, '');
  assert.match(none.stderr, /No resources found/);
  const j = await kubectl(['get', 'pvc', 'db-data', '-o', 'json']);
  assert.is(JSON.parse(j.stdout).status.phase, 'Bound');
  const bad = await kubectl(['get', 'pv', '--field-selector', 'spec.nodeName=x']);
  assert.is.not(bad.code, 0);
  assert.match(bad.stderr, /field label not supported: spec\.nodeName/);
});

test('kubectl describe pvc shows the claim', async () => {
  const d = await kubectl(['describe', 'pvc', 'db-data']);
  assert.is(d.code, 0, d.stderr);
  assert.match(d.stdout, /^Status:\s+Bound$/m);
  assert.match(d.stdout, /^Volume:\s+disk-10g$/m);
  assert.match(d.stdout, /^Finalizers:\s+\[kubernetes\.io\/pvc-protection\]$/m);
});

test('an invalid object is rejected with the CLI\'s validation text and nothing is written', async () => {
  const bad = 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: broken\nspec:\n  accessModes: [ReadWriteOnce]\n';
  const k = await kubectl(['apply', '-f', '-'], bad);
  assert.is(k.code, 1);
  const cliRoot = mkdtempSync(join(tmpdir(), 'pvsim-api-cli-'));
  const p = await pvsim(join(cliRoot, 'c'), ['apply', '-f', '-'], bad);
  rmSync(cliRoot, { recursive: true, force: true });
  // The CLI names the file and line; the API has neither.
  assert.is(k.stderr.trim(), p.stderr.trim().replace(/^STDIN:\d+: /, ''));
  assert.is(k.stderr.trim(), 'The PersistentVolumeClaim "broken" is invalid: spec.resources[storage]: Required value');
  const get = await kubectl(['get', 'pvc', 'broken']);
  assert.match(get.stderr, /Error from server \(NotFound\): persistentvolumeclaims "broken" not found/);
});

test('NamespaceLifecycle: creating into a namespace that does not exist is NotFound and writes nothing', async () => {
  // plugin/pkg/admission/namespace/lifecycle/admission.go
  const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: orphan, namespace: nowhere}\ndata: {a: b}\n';
  const r = await kubectl(['create', '-f', '-'], cm);
  assert.is(r.code, 1);
  assert.match(r.stderr, /Error from server \(NotFound\): error when creating "STDIN": namespaces "nowhere" not found/, r.stderr);
  assert.is((await kubectl(['create', '-f', '-'], 'apiVersion: v1\nkind: Namespace\nmetadata: {name: nowhere}\n')).code, 0);
  const ok = await kubectl(['create', '-f', '-'], cm);
  assert.is(ok.code, 0, ok.stderr);
});

test('kubectl patch, label and annotate change the object; dry-run changes nothing', async () => {
  const m = await kubectl(['patch', 'pv', 'disk-100g', '--type=merge', '-p', '{"metadata":{"labels":{"tier":"cold"}}}']);
  assert.is(m.code, 0, m.stderr);
  assert.is(m.stdout, 'persistentvolume/disk-100g patched\n');
  const j = await kubectl(['patch', 'pv', 'disk-100g', '--type=json', '-p', '[{"op":"add","path":"/metadata/labels/zone","value":"a"}]']);
  assert.is(j.code, 0, j.stderr);
  const l = await kubectl(['label', 'pv', 'disk-100g', 'speed=slow']);
  assert.is(l.stdout, 'persistentvolume/disk-100g labeled\n');
  const a = await kubectl(['annotate', 'pv', 'disk-100g', 'note=spare']);
  assert.is(a.stdout, 'persistentvolume/disk-100g annotated\n');
  const sel = await kubectl(['get', 'pv', '-l', 'tier=cold,zone=a,speed=slow', '-o', 'name']);
  assert.is(sel.stdout, 'persistentvolume/disk-100g\n');
  const dry = await kubectl(['label', 'pv', 'disk-100g', 'ghost=yes', '--dry-run=server']);
  assert.is(dry.code, 0, dry.stderr);
  const after = await kubectl(['get', 'pv', '-l', 'ghost=yes', '-o', 'name']);
  assert.is(after.stdout, '');
});

test('kubectl delete pvc: the claim goes; a second delete is NotFound unless --ignore-not-found', async () => {
  const d = await kubectl(['delete', 'pvc', 'scratch']);
  assert.is(d.code, 0, d.stderr);
  assert.is(d.stdout, 'persistentvolumeclaim "scratch" deleted\n');
  const gone = await kubectl(['get', 'pvc', 'scratch']);
  assert.match(gone.stderr, /Error from server \(NotFound\): persistentvolumeclaims "scratch" not found/);
  const missing = await kubectl(['delete', 'pvc', 'scratch']);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /Error from server \(NotFound\): persistentvolumeclaims "scratch" not found/);
  const ignored = await kubectl(['delete', 'pvc', 'scratch', '--ignore-not-found']);
  assert.is(ignored.code, 0, ignored.stderr);
});

test('kubectl wait sees the claim bound', async () => {
  const w = await kubectl(['wait', 'pvc/db-data', '--for=jsonpath={.status.phase}=Bound', '--timeout=20s']);
  assert.is(w.code, 0, w.stderr);
  assert.is(w.stdout, 'persistentvolumeclaim/db-data condition met\n');
});

test('an operator written with @kubernetes/client-node watches claims and labels them', async () => {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const pvs = await core.listPersistentVolume();
  assert.equal(pvs.items.map((p) => p.metadata!.name).sort(), ['disk-100g', 'disk-10g', 'disk-50g', 'nas-5g']);
  let abort: AbortController | undefined;
  const labelled = new Promise<string>((resolve, reject) => {
    const watch = new k8s.Watch(kc);
    watch.watch('/api/v1/namespaces/default/persistentvolumeclaims', { resourceVersion: pvs.metadata!.resourceVersion! }, (type, obj: k8s.V1PersistentVolumeClaim) => {
      if (type !== 'ADDED' && type !== 'MODIFIED') return;
      const name = obj.metadata!.name!;
      if (obj.metadata!.labels?.['seen-by'] === 'operator') { abort?.abort(); resolve(name); return; }
      void core.patchNamespacedPersistentVolumeClaim({ name, namespace: 'default', body: { metadata: { labels: { 'seen-by': 'operator' } } } },
        k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch)).catch(reject);
    }, (err) => { if (err && (err as Error).name !== 'AbortError') reject(err); }).then((c) => { abort = c; }, reject);
  });
  await core.createNamespacedPersistentVolumeClaim({
    namespace: 'default',
    body: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'fresh' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', resources: { requests: { storage: '1Gi' } } } },
  });
  try {
    assert.is(await labelled, 'fresh');
  } finally {
    abort?.abort();
  }
  const fresh = await core.readNamespacedPersistentVolumeClaim({ name: 'fresh', namespace: 'default' });
  assert.is(fresh.metadata!.labels!['seen-by'], 'operator');
  assert.is(fresh.status!.phase, 'Bound');
  assert.is(fresh.spec!.volumeName, 'disk-100g');
  let conflict: unknown;
  try {
    await core.replaceNamespacedPersistentVolumeClaim({ name: 'fresh', namespace: 'default', body: { ...fresh, metadata: { ...fresh.metadata, resourceVersion: '1' } } });
  } catch (e) { conflict = e; }
  assert.is((conflict as { code?: number }).code, 409);
});

test('kubectl get -w prints the table, then each change: its own writes and the CLI\'s', async () => {
  const child = spawn('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(root, 'cache'), 'get', 'pvc', '-w'], { cwd: repoRoot });
  let out = '';
  let err = '';
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  // One listener for the whole run (data that arrives while no one waits is kept), and a check per chunk.
  let check = (): void => {};
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); check(); });
  const seen = (re: RegExp): Promise<void> => new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kubectl get -w did not print ${re} within 20 s; it printed:\n${out}\nstderr:\n${err}`)), 20_000);
    check = () => { if (re.test(out)) { clearTimeout(timer); check = () => {}; resolve(); } };
    check();
  });
  try {
    await seen(/^db-data\s+Bound\s+disk-10g/m);
    const a = await kubectl(['apply', '-f', '-'], 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: watched\nspec:\n  accessModes: [ReadWriteOnce]\n  storageClassName: ""\n  resources: {requests: {storage: 1Gi}}\n');
    assert.is(a.code, 0, a.stderr);
    await seen(/^watched\s+Pending/m);
    // Another writer on the same log: the server sees it on its next look.
    const p = await pvsim(cluster, ['delete', 'pvc', 'watched']);
    assert.is(p.code, 0, p.stderr);
    await seen(/^watched\s+Terminating|^watched\s+Pending[^\n]*\n[^]*^watched\s+Pending/m);
  } finally {
    child.kill();
  }
});

test('a watch from a resourceVersion older than the server is 410 Gone', async () => {
  // A second server on the same cluster starts with no history: version 1 is older than it.
  const second = await serveApi({ stdout: () => {}, stderr: () => {}, readStdin: () => '', env: {}, cwd: repoRoot, isTTY: false },
    { clusterDir: cluster, seed: 1 }, { port: 0, host: '127.0.0.1', kubeconfig: join(root, 'kubeconfig-2') });
  try {
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpGet(`${second.url}/api/v1/persistentvolumes?watch=true&resourceVersion=1`, { timeout: 10_000 }, (res) => {
        let text = '';
        res.on('data', (d: Buffer) => { text += d.toString(); });
        res.on('end', () => resolve(text));
      });
      req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
      req.on('error', reject);
    });
    const event = JSON.parse(body.trim().split('\n')[0]!);
    assert.is(event.type, 'ERROR');
    assert.is(event.object.code, 410);
    assert.is(event.object.reason, 'Expired');
  } finally {
    await second.close();
  }
});

test('kubectl scale goes through the scale subresource; pvsim scale does the same', async () => {
  const a = await kubectl(['apply', '-f', 'examples/lecture/static-nas/']);
  assert.is(a.code, 0, a.stderr);
  const s = await kubectl(['scale', 'deploy', 'nas-app', '--replicas=3']);
  assert.is(s.code, 0, s.stderr);
  assert.is(s.stdout, 'deployment.apps/nas-app scaled\n');
  const replicas = async () => (await pvsim(cluster, ['get', 'deploy', 'nas-app', '-o', 'jsonpath={.spec.replicas}'])).stdout;
  assert.is(await replicas(), '3');
  const p = await pvsim(cluster, ['scale', 'deploy/nas-app', '--replicas', '1']);
  assert.is(p.stdout, 'deployment.apps/nas-app scaled\n');
  assert.is(await replicas(), '1');
  const bad = await kubectl(['scale', 'deploy', 'nas-app', '--replicas=3', '--resource-version=1']);
  assert.is(bad.code, 1);
  // kubectl reads the Scale first and checks the version itself.
  assert.match(bad.stderr, /^error: Expected resource version to be 1, was \d+/);
});

test('kubectl exec runs pvsim\'s exec commands over WebSocket (v5.channel.k8s.io); pvsim exec sees the same files', async () => {
  const pod = (await kubectl(['get', 'pods', '-l', 'app=nas-app', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout;
  assert.match(pod, /^nas-app-/);
  const w = await kubectl(['exec', pod, '--', 'write', '/data/hello', 'hi']);
  assert.is(w.code, 0, w.stderr);
  const viaDeploy = await kubectl(['exec', 'deploy/nas-app', '--', 'cat', '/data/hello']);
  assert.is(viaDeploy.code, 0, viaDeploy.stderr);
  assert.match(viaDeploy.stdout, /^hi\n?$/);
  assert.is((await pvsim(cluster, ['exec', pod, '--', 'cat', '/data/hello'])).stdout, viaDeploy.stdout);
  const missing = await kubectl(['exec', pod, '--', 'cat', '/data/nope']);
  assert.is(missing.code, 1);
  assert.match(missing.stderr, /cat: \/data\/nope: No such file or directory\ncommand terminated with exit code 1/);
  const noPod = await kubectl(['exec', 'nope', '--', 'ls']);
  assert.is(noPod.code, 1);
  assert.match(noPod.stderr, /Error from server \(NotFound\): pods "nope" not found/);
});

test('everything the clients did is in the log and re-executes byte for byte', async () => {
  const v = await pvsim(cluster, ['log', 'verify']);
  assert.is(v.code, 0, v.stderr);
  assert.match(v.stdout, /^log verified: \d+ inputs re-executed/);
});

test.run();
