/**
 * The kubectl habits pvsim's own CLI keeps, in process: wait -l/--all, get events
 * --field-selector, rollout status|restart|history|undo, edit with a scripted editor, drain,
 * get -w. Each with kubectl's words; everything written is a recorded input (log verify).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync, writeFileSync, chmodSync, mkdtempSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { runCli } from '../src/cli.ts';
import type { Wall } from '../src/verbTypes.ts';
import { logBytes, pvsim, repoRoot, tempCluster } from './support.ts';

const run = async (c: string, args: string[], env: Record<string, string> = {}) => { const r = await pvsim(c, args, '', env); return `${r.code} ${r.stdout}${r.stderr}`; };

test('wait -l and --all wait for every matching object; none matching is an error', async () => {
  const c = tempCluster();
  try {
    assert.is((await pvsim(c, ['apply', '-f', 'examples/lecture/static-nas/'])).code, 0);
    const pods = (await pvsim(c, ['get', 'pods', '-o', 'name'])).stdout.trim().split('\n');
    assert.is(await run(c, ['wait', 'pods', '-l', 'app=nas-app', '--for=condition=Ready']), `0 ${pods.map((p) => `${p} condition met\n`).join('')}`);
    assert.is(await run(c, ['wait', 'pvc', '--all', "--for=jsonpath={.status.phase}=Bound"]), '0 persistentvolumeclaim/nas-pvc condition met\n');
    assert.is(await run(c, ['wait', 'pvc', 'nas-pvc', "--for=jsonpath={.status.phase}=Bound"]), '0 persistentvolumeclaim/nas-pvc condition met\n');
    assert.is(await run(c, ['wait', 'pods', '-l', 'app=none', '--for=condition=Ready']), '1 error: no matching resources found\n');
    assert.is(await run(c, ['wait', 'pvc', '--for=delete']), '1 error: resource(s) were provided, but no name was specified\n');
    assert.is(await run(c, ['wait', 'pvc/nas-pvc', "--for=jsonpath={.status.phase}=Lost", '--timeout=10s']), '1 error: timed out waiting for the condition on persistentvolumeclaims/nas-pvc\n');
    assert.is((await pvsim(c, ['log', 'verify'])).code, 0);
  } finally {
    rmSync(dirname(c), { recursive: true, force: true });
  }
});

test('get events lists the recorder\'s events; --field-selector picks by reason, type and object', async () => {
  const c = tempCluster();
  try {
    assert.is((await pvsim(c, ['apply', '-f', 'examples/static/'])).code, 0);
    assert.is((await pvsim(c, ['delete', 'pvc', 'scratch'])).code, 0);
    const all = await pvsim(c, ['get', 'events']);
    assert.match(all.stdout, /^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$/m);
    const failed = await pvsim(c, ['get', 'events', '--field-selector', 'reason=VolumeFailedDelete,involvedObject.kind=PersistentVolume', '-o', 'jsonpath={.items[*].involvedObject.name}']);
    assert.is(failed.stdout, 'disk-50g');
    assert.is(await run(c, ['get', 'events', '--field-selector', 'involvedObject.name=nope']), '0 No resources found in default namespace.\n');
  } finally {
    rmSync(dirname(c), { recursive: true, force: true });
  }
});

test('rollout status, restart, history and undo of a Deployment', async () => {
  const c = tempCluster();
  try {
    assert.is((await pvsim(c, ['apply', '-f', 'examples/lecture/static-nas/'])).code, 0);
    assert.is(await run(c, ['rollout', 'status', 'deploy/nas-app']), '0 deployment "nas-app" successfully rolled out\n');
    assert.is(await run(c, ['rollout', 'history', 'deploy/nas-app']), '0 deployment.apps/nas-app \nREVISION  CHANGE-CAUSE\n1         <none>\n\n');
    assert.is(await run(c, ['rollout', 'restart', 'deployment', 'nas-app']), '0 deployment.apps/nas-app restarted\n');
    const stamped = JSON.parse((await pvsim(c, ['get', 'deploy', 'nas-app', '-o', 'jsonpath={.spec.template.metadata.annotations}'])).stdout);
    assert.match(stamped['kubectl.kubernetes.io/restartedAt'], /^2026-01-01T\d\d:\d\d:\d\dZ$/);
    assert.match(await run(c, ['rollout', 'history', 'deploy/nas-app']), /^0 deployment\.apps\/nas-app \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n$/);
    // Two anti-affine replicas on two nodes: the surge pod has nowhere to go (as on a real cluster).
    const stuck = await run(c, ['rollout', 'status', 'deploy/nas-app', '--timeout=15m']);
    assert.match(stuck, /^1 Waiting for deployment "nas-app" rollout to finish: 1 out of 2 new replicas have been updated\.\.\.\nerror: deployment "nas-app" exceeded its progress deadline\n$/);
    assert.is(await run(c, ['rollout', 'undo', 'deploy/nas-app']), '0 deployment.apps/nas-app rolled back\n');
    const template = await pvsim(c, ['get', 'deploy', 'nas-app', '-o', 'jsonpath={.spec.template.metadata.annotations}']);
    assert.is(template.stdout, '');
    // As Kubernetes numbers a rollback: the ReplicaSet rolled back to takes the newest revision (3),
    // its old number moves to revision-history, and the Deployment's revision follows.
    assert.is(await run(c, ['rollout', 'history', 'deploy/nas-app']), '0 deployment.apps/nas-app \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n');
    const sets = JSON.parse((await pvsim(c, ['get', 'rs', '-o', 'json'])).stdout).items as { metadata: { annotations: Record<string, string> } }[];
    const rolledBack = sets.find((rs) => rs.metadata.annotations['deployment.kubernetes.io/revision'] === '3')!;
    assert.is(rolledBack.metadata.annotations['deployment.kubernetes.io/revision-history'], '1');
    assert.is((await pvsim(c, ['get', 'deploy', 'nas-app', '-o', 'jsonpath={.metadata.annotations.deployment\\.kubernetes\\.io/revision}'])).stdout, '3');
    assert.is(await run(c, ['rollout', 'undo', 'deploy/nas-app', '--to-revision=9']), '1 error: unable to find specified revision 9 in history\n');
    assert.is((await pvsim(c, ['log', 'verify'])).code, 0);
  } finally {
    rmSync(dirname(c), { recursive: true, force: true });
  }
});

test('rollout history and undo of a StatefulSet: its ControllerRevisions, renumbered on a rollback', async () => {
  const c = tempCluster();
  try {
    assert.is((await pvsim(c, ['apply', '-f', 'examples/statefulset/'])).code, 0);
    const revisions = async () => (await run(c, ['get', 'controllerrevisions', '--no-headers', '-o', 'custom-columns=NAME:.metadata.name,CONTROLLER:.metadata.ownerReferences[0].name,REVISION:.revision'])).replace(/ +/g, ' ');
    const [first] = (await revisions()).slice(2).trim().split(' ');
    assert.match(first!, /^web-[bcdfghjklmnpqrstvwxz2456789]+$/);
    assert.match(await run(c, ['get', 'controllerrevisions']), /^0 NAME +CONTROLLER +REVISION +AGE\nweb-\S+ +statefulset\.apps\/web +1 +\S+\n$/);
    assert.is(await run(c, ['rollout', 'history', 'sts/web']), '0 statefulset.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n\n');
    assert.is(await run(c, ['rollout', 'undo', 'sts/web']), '1 error: no last revision to roll back to\n');
    assert.is(await run(c, ['annotate', 'sts', 'web', 'kubernetes.io/change-cause=not on the revision']), '0 statefulset.apps/web annotated\n');
    assert.is((await pvsim(c, ['patch', 'sts', 'web', '-p', '{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:1.27"}]}}}}'])).code, 0);
    assert.match(await run(c, ['rollout', 'status', 'sts/web']), /statefulset rolling update complete 2 pods at revision web-\S+\.\.\.\n$/);
    assert.is(await run(c, ['rollout', 'history', 'sts/web']), '0 statefulset.apps/web \nREVISION  CHANGE-CAUSE\n1         <none>\n2         <none>\n\n');
    assert.match(await run(c, ['rollout', 'history', 'sts/web', '--revision=2']), /^0 statefulset\.apps\/web with revision #2\nPod Template:\n[^]*"image": "nginx:1\.27"/);
    assert.is(await run(c, ['rollout', 'undo', 'sts/web']), '0 statefulset.apps/web rolled back\n');
    assert.is((await pvsim(c, ['get', 'sts', 'web', '-o', 'jsonpath={.spec.template.spec.containers[0].image}'])).stdout, 'nginx');
    // The revision rolled back to is reused under the next number (history.go), not copied.
    assert.is(await run(c, ['rollout', 'history', 'sts/web']), '0 statefulset.apps/web \nREVISION  CHANGE-CAUSE\n2         <none>\n3         <none>\n\n');
    assert.match(await revisions(), new RegExp(`${first} web 3\\n`));
    assert.match(await run(c, ['rollout', 'status', 'sts/web']), new RegExp(`statefulset rolling update complete 2 pods at revision ${first}\\.\\.\\.\\n$`));
    assert.is(await run(c, ['rollout', 'undo', 'sts/web', '--to-revision=3']), '0 statefulset.apps/web skipped rollback (current template already matches revision 3)\n');
    assert.is(await run(c, ['rollout', 'undo', 'sts/web', '--to-revision=9']), '1 error: unable to find specified revision 9 in history\n');
    // Deleting the set collects its revisions.
    assert.is((await pvsim(c, ['delete', 'sts', 'web'])).code, 0);
    assert.is(await run(c, ['get', 'controllerrevisions']), '0 No resources found in default namespace.\n');
    assert.is((await pvsim(c, ['log', 'verify'])).code, 0);
  } finally {
    rmSync(dirname(c), { recursive: true, force: true });
  }
});

test('edit with a scripted $KUBE_EDITOR: edited, cancelled, refused; no temp file left', async () => {
  const c = tempCluster();
  const dir = mkdtempSync(join(tmpdir(), 'pvsim-editor-'));
  try {
    assert.is((await pvsim(c, ['apply', '-f', 'examples/static/01-volumes.yaml'])).code, 0);
    const editor = (name: string, js: string): string => {
      const p = join(dir, name);
      writeFileSync(p, `#!/usr/bin/env node\nconst fs = require('fs'); const f = process.argv[2]; let t = fs.readFileSync(f, 'utf8');\n${js}\nfs.writeFileSync(f, t);\n`);
      chmodSync(p, 0o755);
      return p;
    };
    const retain = editor('retain.js', "t = t.replace('persistentVolumeReclaimPolicy: Retain', 'persistentVolumeReclaimPolicy: Delete');");
    assert.is(await run(c, ['edit', 'pv/nas-5g'], { KUBE_EDITOR: retain }), '0 persistentvolume/nas-5g edited\n');
    assert.is((await pvsim(c, ['get', 'pv', 'nas-5g', '-o', 'jsonpath={.spec.persistentVolumeReclaimPolicy}'])).stdout, 'Delete');
    assert.is(await run(c, ['edit', 'pv', 'nas-5g'], { EDITOR: 'true' }), '0 Edit cancelled, no changes made.\n');
    assert.is(await run(c, ['edit', 'pv', 'nas-5g'], { EDITOR: editor('empty.js', "t = '';") }), '0 Edit cancelled, no changes made.\n');
    const before = logBytes(c);
    assert.is(await run(c, ['edit', 'pv', 'nas-5g'], { EDITOR: editor('rename.js', "t = t.replace('name: nas-5g', 'name: other');") }), '1 error: At least one of apiVersion, kind and name was changed\n');
    assert.is(await run(c, ['edit', 'pv', 'nas-5g'], { EDITOR: editor('bad.js', "t = t.replace('storage: 5Gi', 'storage: 5Gb');") }),
      '1 The PersistentVolume "nas-5g" is invalid: spec.capacity.storage: Invalid value: "5Gb": quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'\n');
    assert.is(logBytes(c), before, 'refused edits write nothing');
    assert.is(await run(c, ['edit', 'pv', 'nope'], { EDITOR: 'true' }), '1 Error from server (NotFound): persistentvolumes "nope" not found\n');
    assert.is((await pvsim(c, ['log', 'verify'])).code, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    rmSync(dirname(c), { recursive: true, force: true });
  }
});

test('drain: cordons, refuses pods with no controller unless --force, evicts one at a time', async () => {
  const c = tempCluster();
  try {
    assert.is((await pvsim(c, ['apply', '-f', 'examples/lecture/dynamic-disk/'])).code, 0);
    assert.is(await run(c, ['drain', 'node-a']), [
      '1 node/node-a cordoned\n',
      'error: unable to drain node "node-a" due to error: cannot delete Pods that declare no controller (use --force to override): default/disk-pod, continuing command...\n',
      'There are pending nodes to be drained:\n node-a\n',
      'cannot delete Pods that declare no controller (use --force to override): default/disk-pod\n',
    ].join(''));
    assert.is(await run(c, ['drain', 'node-a', '--force']), '0 node/node-a already cordoned\nevicting pod default/disk-pod\npod/disk-pod evicted\nnode/node-a drained\nWarning: deleting Pods that declare no controller: default/disk-pod\n');
    assert.is(await run(c, ['get', 'pods']), '0 No resources found in default namespace.\n');
    const nas = tempCluster();
    assert.is((await pvsim(nas, ['apply', '-f', 'examples/lecture/static-nas/'])).code, 0);
    const onA = (await pvsim(nas, ['get', 'pods', '--field-selector', 'spec.nodeName=node-a', '-o', 'name'])).stdout.trim();
    assert.is(await run(nas, ['drain', 'node-a']), `0 node/node-a cordoned\nevicting pod default/${onA.slice(4)}\n${onA} evicted\nnode/node-a drained\n`);
    assert.is((await pvsim(nas, ['log', 'verify'])).code, 0);
    rmSync(dirname(nas), { recursive: true, force: true });
  } finally {
    rmSync(dirname(c), { recursive: true, force: true });
  }
});

test('get -w prints the list, then each committed change (another writer\'s too), until --request-timeout', async () => {
  const c = tempCluster();
  try {
    assert.is((await pvsim(c, ['apply', '-f', 'examples/static/01-volumes.yaml'])).code, 0);
    // A wall whose log "changes" after each scripted write, then runs out of time.
    const writes: (() => Promise<unknown>)[] = [
      () => pvsim(c, ['apply', '-f', 'examples/static/02-claims.yaml']),
      () => pvsim(c, ['delete', 'pvc', 'scratch']),
    ];
    let clock = 0;
    const wall: Wall = {
      nowMs: () => clock,
      waitForChange: async (_file, timeoutMs) => {
        const next = writes.shift();
        if (!next) { clock += timeoutMs; return false; }
        await next();
        clock += 1;
        return true;
      },
    };
    let stdout = '';
    const code = await runCli(['--cluster', c, 'get', 'pvc', '-w', '--request-timeout', '30s'], { stdout: (s) => { stdout += s; }, stderr: () => {}, readStdin: () => '', env: {}, cwd: repoRoot, isTTY: false, wall });
    assert.is(code, 0);
    const lines = stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^NAME\s+STATUS\s+VOLUME/, 'the list starts: no claims yet, so only its header once they come');
    assert.ok(lines.some((l) => /^db-data\s+Bound\s+disk-10g/.test(l)), stdout);
    assert.ok(lines.some((l) => /^scratch\s+Bound\s+disk-50g/.test(l)), stdout);
    assert.is(lines.filter((l) => l.startsWith('scratch')).length, 2, 'added, then its last state when deleted');
  } finally {
    rmSync(dirname(c), { recursive: true, force: true });
  }
});

test.run();
