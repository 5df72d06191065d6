/**
 * `pvsim serve --api --tls --token`: HTTPS with a generated CA and a bearer token, checked through
 * the real kubectl and @kubernetes/client-node with the kubeconfig serve writes, and through a raw
 * request for the 401 Status. Plain HTTP without a token stays the default (apiServer.test.ts).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parse } from 'yaml';
import { serveApi } from '../src/serveVerb.ts';
import type { RunningApiServer } from '@pvsim/api-server';
import { repoRoot } from './support.ts';

const root = mkdtempSync(join(tmpdir(), 'pvsim-auth-'));
const cluster = join(root, 'cluster');
const kubeconfig = join(root, 'kubeconfig');
let server: RunningApiServer;
const printed: string[] = [];

interface Run { code: number; stdout: string; stderr: string }
function kubectl(config: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('kubectl', ['--kubeconfig', config, '--cache-dir', join(root, 'cache'), ...args],
      { cwd: repoRoot, timeout: 60_000, env: { ...process.env, KUBECONFIG: config } },
      (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }));
  });
}

test.before(async () => {
  server = await serveApi({ stdout: (t) => { printed.push(t); }, stderr: () => {}, readStdin: () => '', env: {}, cwd: repoRoot, isTTY: false },
    { clusterDir: cluster, seed: 1 }, { port: 0, host: '127.0.0.1', kubeconfig, token: true, tls: true, wallMs: () => Date.now() });
});

test.after(async () => {
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

test('the kubeconfig trusts the generated CA, carries the generated token and is its owner\'s only', () => {
  assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const config = parse(readFileSync(kubeconfig, 'utf8'));
  const ca = Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString('utf8');
  assert.match(ca, /^-----BEGIN CERTIFICATE-----/);
  assert.is(config.clusters[0].cluster['insecure-skip-tls-verify'], undefined);
  assert.match(config.users[0].user.token, /^[A-Za-z0-9_-]{43}$/);
  assert.is(statSync(kubeconfig).mode & 0o777, 0o600);
  assert.match(printed.join(''), /bearer token in the kubeconfig \(generated\)/);
});

test('kubectl over verified TLS with the token reads and writes; a wrong token gets Unauthorized', async () => {
  const applied = await kubectl(kubeconfig, ['apply', '-f', 'examples/lecture/static-nas/01-pv.yaml']);
  assert.is(applied.code, 0, applied.stderr);
  const pvs = await kubectl(kubeconfig, ['get', 'pv']);
  assert.is(pvs.code, 0, pvs.stderr);
  assert.match(pvs.stdout, /^nas-csi-pv\s/m);
  const wrong = join(root, 'wrong-kubeconfig');
  writeFileSync(wrong, readFileSync(kubeconfig, 'utf8').replace(/token: .*/, 'token: not-the-token'));
  const refused = await kubectl(wrong, ['get', 'pv']);
  assert.is(refused.code, 1);
  assert.match(refused.stderr, /error: You must be logged in to the server \(Unauthorized\)/);
});

test('a request without the token gets the API server\'s 401 Status', async () => {
  const config = parse(readFileSync(kubeconfig, 'utf8'));
  const ca = Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64');
  const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    request(`${server.url}/api/v1/persistentvolumes`, { ca }, (res) => {
      let body = '';
      res.on('data', (c) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject).end();
  });
  assert.is(answer.status, 401);
  assert.equal(JSON.parse(answer.body), { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
});

test('@kubernetes/client-node with the kubeconfig lists over TLS; with a wrong token it gets 401', async () => {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  const list = await kc.makeApiClient(k8s.CoreV1Api).listPersistentVolume();
  assert.ok(list.items.some((pv) => pv.metadata?.name === 'nas-csi-pv'));
  const bad = new k8s.KubeConfig();
  bad.loadFromString(readFileSync(kubeconfig, 'utf8').replace(/token: .*/, 'token: not-the-token'));
  let code: number | undefined;
  try { await bad.makeApiClient(k8s.CoreV1Api).listPersistentVolume(); } catch (e) { code = (e as { code?: number }).code; }
  assert.is(code, 401);
});

test.run();
