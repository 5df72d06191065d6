/**
 * The lecture's two demos and the kubectl verbs of issue 11 through the real kubectl against
 * `pvsim serve --api` (in this process, an ephemeral port): apply, get in every output format,
 * describe, wait, exec, delete; rollout status/history/restart, edit, drain, explain — each
 * compared with what pvsim's own CLI prints for the same cluster where both print.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serveApi } from '../src/serveVerb.ts';
import type { RunningApiServer } from '@pvsim/api-server';
import { pvsim, repoRoot } from './support.ts';

const root = mkdtempSync(join(tmpdir(), 'pvsim-demos-'));
const cluster = join(root, 'cluster');
const kubeconfig = join(root, 'kubeconfig');
let server: RunningApiServer;

interface Run { code: number; stdout: string; stderr: string }

function kubectl(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile('kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(root, 'cache'), ...args],
      { cwd: repoRoot, timeout: 120_000, env: { ...process.env, KUBECONFIG: kubeconfig, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}
const ok = async (args: string[], env: Record<string, string> = {}): Promise<string> => {
  const r = await kubectl(args, env);
  assert.is(r.code, 0, `kubectl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};

test.before(async () => {
  server = await serveApi({ stdout: () => {}, stderr: () => {}, readStdin: () => '', env: {}, cwd: repoRoot, isTTY: false },
    { clusterDir: cluster, seed: 1 }, { port: 0, host: '127.0.0.1', kubeconfig });
});

test.after(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

test('dynamic disk: apply, wait, get (table, wide, yaml, json, name, jsonpath, custom-columns), describe, exec, delete', async () => {
  assert.is(await ok(['apply', '-f', 'examples/lecture/dynamic-disk/']), 'storageclass.storage.k8s.io/csi-disk created\npersistentvolumeclaim/disk-pvc created\npod/disk-pod created\n');
  assert.is(await ok(['wait', 'pod/disk-pod', '--for=condition=Ready', '--timeout=30s']), 'pod/disk-pod condition met\n');
  for (const flags of [['pv,pvc,pods'], ['pvc', '-o', 'wide'], ['pods', '-o', 'wide'], ['pvc', '-o', 'name'], ['sc', '--show-labels'],
    ['pv', '-o', 'jsonpath={.items[0].spec.capacity.storage}'], ['pvc', '-o', 'custom-columns=NAME:.metadata.name,CLASS:.spec.storageClassName']]) {
    assert.is(await ok(['get', ...flags]), (await pvsim(cluster, ['get', ...flags])).stdout, flags.join(' '));
  }
  const json = JSON.parse(await ok(['get', 'pvc', 'disk-pvc', '-o', 'json']));
  assert.equal(json, JSON.parse((await pvsim(cluster, ['get', 'pvc', 'disk-pvc', '-o', 'json'])).stdout));
  assert.match(await ok(['get', 'pvc', 'disk-pvc', '-o', 'yaml']), /^  phase: Bound$/m);
  assert.match(await ok(['describe', 'pvc', 'disk-pvc']), /^StorageClass:\s+csi-disk$/m);
  assert.match(await ok(['get', 'volumeattachments']), /disk\.csi\.pvsim\.dev\s+pvc-[0-9a-f-]+\s+node-a\s+true/);
  assert.match(await ok(['exec', 'disk-pod', '--', 'findmnt', '/data']), /ext4/);
  assert.is(await ok(['exec', 'disk-pod', '--', 'write', '/data/db.txt', 'important']), '');
  assert.is(await ok(['exec', 'disk-pod', '--', 'cat', '/data/db.txt']), 'important\n');
  assert.is(await ok(['delete', 'pod', 'disk-pod']), 'pod "disk-pod" deleted\n');
  assert.is(await ok(['get', 'volumeattachments']), '');
  assert.is(await ok(['delete', 'pvc', 'disk-pvc']), 'persistentvolumeclaim "disk-pvc" deleted\n');
  const pvs = await kubectl(['get', 'pv']);
  assert.match(pvs.stderr, /No resources found/);
});

test('static NAS: apply, two pods share the files, scale, patch, label, rollout status/history/restart', async () => {
  assert.match(await ok(['apply', '-f', 'examples/lecture/static-nas/']), /deployment\.apps\/nas-app created/);
  assert.is(await ok(['rollout', 'status', 'deploy/nas-app', '--timeout=30s']), 'deployment "nas-app" successfully rolled out\n');
  assert.is(await ok(['rollout', 'status', 'deploy/nas-app']), (await pvsim(cluster, ['rollout', 'status', 'deploy/nas-app'])).stdout);
  assert.is(await ok(['rollout', 'history', 'deploy/nas-app']), (await pvsim(cluster, ['rollout', 'history', 'deploy/nas-app'])).stdout);
  const pods = (await ok(['get', 'pods', '-l', 'app=nas-app', '-o', 'jsonpath={.items[*].metadata.name}'])).split(' ');
  assert.is(pods.length, 2);
  await ok(['exec', pods[0]!, '--', 'touch', '/data/test.test.test']);
  assert.match(await ok(['exec', pods[1]!, '--', 'ls', '/data']), /test\.test\.test/);
  assert.is(await ok(['label', 'pvc', 'nas-pvc', 'tier=gold']), 'persistentvolumeclaim/nas-pvc labeled\n');
  assert.is(await ok(['patch', 'pv', 'nas-csi-pv', '-p', '{"metadata":{"annotations":{"note":"lecture"}}}']), 'persistentvolume/nas-csi-pv patched\n');
  assert.is(await ok(['rollout', 'restart', 'deploy/nas-app']), 'deployment.apps/nas-app restarted\n');
  assert.match(await ok(['rollout', 'history', 'deploy/nas-app']), /^2\s+<none>$/m);
});

test('kubectl exec -i: a shell reads its commands from stdin, write takes the file from stdin, exit N is the exit code', async () => {
  const sh = await kubectl(['exec', '-i', 'deploy/nas-app', '--', 'sh'], {}, 'write /data/b "two words"\ncat /data/b\nls /data\n');
  assert.is(sh.code, 0, sh.stderr);
  assert.is(sh.stdout, 'two words\nb\ntest.test.test\n');
  const fromStdin = await kubectl(['exec', '-i', 'deploy/nas-app', '--', 'write', '/data/msg'], {}, 'hello\n');
  assert.is(fromStdin.code, 0, fromStdin.stderr);
  assert.is(await ok(['exec', 'deploy/nas-app', '--', 'cat', '/data/msg']), 'hello\n');
  const exit = await kubectl(['exec', '-i', 'deploy/nas-app', '--', 'sh'], {}, 'cat /nope\nexit 3\nrm /data/msg\n');
  assert.is(exit.code, 3);
  assert.match(exit.stderr, 'cat: /nope: No such file or directory\ncommand terminated with exit code 3');
  // The same session through pvsim's own CLI prints the same.
  const viaPvsim = await pvsim(cluster, ['exec', '-i', 'deploy/nas-app', '--', 'sh'], 'cat /data/b\n');
  assert.is(viaPvsim.stdout, 'two words\n');
});

test('kubectl edit with a scripted editor goes through the server', async () => {
  assert.is(await ok(['edit', 'pv', 'nas-csi-pv'], { KUBE_EDITOR: 'sed -i s/persistentVolumeReclaimPolicy:.Retain/persistentVolumeReclaimPolicy:\\ Delete/' }), 'persistentvolume/nas-csi-pv edited\n');
  assert.is((await pvsim(cluster, ['get', 'pv', 'nas-csi-pv', '-o', 'jsonpath={.spec.persistentVolumeReclaimPolicy}'])).stdout, 'Delete');
});

test('kubectl explain prints exactly what pvsim explain prints', async () => {
  for (const path of ['pvc', 'pvc.spec', 'pv.spec.csi', 'pod.spec.containers', 'sc', 'sts.spec.volumeClaimTemplates', 'volumeattachment.spec.source']) {
    const p = await pvsim(cluster, ['explain', path]);
    assert.is(p.code, 0, p.stderr);
    assert.is(await ok(['explain', path]), p.stdout, path);
  }
});

test('kubectl drain evicts through pods/eviction, as pvsim drain does', async () => {
  const onA = (await ok(['get', 'pods', '--field-selector', 'spec.nodeName=node-a', '-o', 'name'])).trim().split('\n').filter(Boolean);
  assert.ok(onA.length > 0 && onA.every((p) => p.startsWith('pod/nas-app-')), onA.join(' '));
  const drained = await ok(['drain', 'node-a', '--timeout=30s']);
  assert.is(drained.split('\n')[0], 'node/node-a cordoned');
  for (const p of onA) assert.match(drained, `evicting pod default/${p.slice(4)}\n`);
  assert.match(drained, /node\/node-a drained\n$/);
  assert.is(await ok(['get', 'pods', '--field-selector', 'spec.nodeName=node-a', '-o', 'name']), '');
  assert.is(await ok(['uncordon', 'node-a']), 'node/node-a uncordoned\n');
});

test('everything kubectl did re-executes byte for byte', async () => {
  const v = await pvsim(cluster, ['log', 'verify']);
  assert.is(v.code, 0, v.stderr);
});

test.run();
