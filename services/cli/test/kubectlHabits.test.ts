import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { getJson, logBytes, pvsim, tempCluster } from './support.ts';

test('delete --dry-run records nothing; --all deletes every object of the kind; --ignore-not-found', async () => {
  const c = tempCluster();
  try {
    assert.is((await pvsim(c, ['apply', '-f', 'examples/static/'])).code, 0);
    const before = logBytes(c);
    const dry = await pvsim(c, ['delete', 'pvc', '--all', '--dry-run']);
    assert.is(dry.stdout, 'persistentvolumeclaim "db-data" deleted (dry run)\npersistentvolumeclaim "scratch" deleted (dry run)\npersistentvolumeclaim "shared-data" deleted (dry run)\n');
    const server = await pvsim(c, ['delete', 'pv', 'nas-5g', '--dry-run=server']);
    assert.is(server.stdout, 'persistentvolume "nas-5g" deleted (server dry run)\n');
    assert.is(logBytes(c), before, 'a dry run writes nothing');
    const missing = await pvsim(c, ['delete', 'pvc', 'nope']);
    assert.is(missing.code, 1);
    const ignored = await pvsim(c, ['delete', 'pvc', 'nope', '--ignore-not-found']);
    assert.equal([ignored.code, ignored.stdout, ignored.stderr], [0, '', '']);
    const all = await pvsim(c, ['delete', 'pvc', '--all']);
    assert.is(all.code, 0, all.stderr);
    assert.is(all.stdout.split('\n').filter(Boolean).length, 3);
    const left = await pvsim(c, ['get', 'pvc']);
    assert.is(left.stderr, 'No resources found in default namespace.\n');
    const both = await pvsim(c, ['delete', 'pvc', 'x', '--all']);
    assert.is(both.code, 1);
    assert.is((await pvsim(c, ['log', 'verify'])).code, 0);
  } finally {
    rmSync(dirname(c), { recursive: true, force: true });
  }
});

test('version and api-resources', async () => {
  const c = tempCluster();
  try {
    const v = await pvsim(c, ['version']);
    assert.is(v.stdout, 'Client Version: v0.1.0-pvsim\nServer Version: v1.34.0-pvsim\n');
    assert.is(JSON.parse((await pvsim(c, ['version', '-o', 'json'])).stdout).serverVersion.minor, '34');
    const r = await pvsim(c, ['api-resources']);
    assert.match(r.stdout, /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/m);
    assert.match(r.stdout, /^persistentvolumeclaims\s+pvc\s+v1\s+true\s+PersistentVolumeClaim$/m);
    const cluster = await pvsim(c, ['api-resources', '--namespaced=false', '-o', 'name']);
    assert.is(cluster.stdout, [
      'namespaces', 'nodes', 'persistentvolumes', 'volumesnapshotclasses.snapshot.storage.k8s.io', 'volumesnapshotcontents.snapshot.storage.k8s.io',
      'csidrivers.storage.k8s.io', 'csinodes.storage.k8s.io', 'storageclasses.storage.k8s.io', 'volumeattachments.storage.k8s.io',
    ].join('\n') + '\n');
  } finally {
    rmSync(dirname(c), { recursive: true, force: true });
  }
});

test('patch, label, annotate, cordon and uncordon: kubectl\'s words, recorded inputs, dry runs write nothing', async () => {
  const c = tempCluster();
  try {
    assert.is((await pvsim(c, ['apply', '-f', 'examples/lecture/static-nas/'])).code, 0);
    const run = async (args: string[]) => { const r = await pvsim(c, args); return `${r.code} ${r.stdout}${r.stderr}`; };
    assert.is(await run(['label', 'pv', 'nas-csi-pv', 'tier=gold']), '0 persistentvolume/nas-csi-pv labeled\n');
    assert.is(await run(['label', 'pv/nas-csi-pv', 'tier=silver']), "1 error: 'tier' already has a value (gold), and --overwrite is false\n");
    assert.is(await run(['label', 'pv/nas-csi-pv', 'tier=silver', '--overwrite']), '0 persistentvolume/nas-csi-pv labeled\n');
    assert.is(await run(['annotate', 'pvc', 'nas-pvc', 'owner=team-a']), '0 persistentvolumeclaim/nas-pvc annotated\n');
    assert.is(await run(['patch', 'pv', 'nas-csi-pv', '--type', 'merge', '-p', '{"metadata":{"labels":{"zone":"a"}}}']), '0 persistentvolume/nas-csi-pv patched\n');
    assert.is(await run(['patch', 'pv', 'nas-csi-pv', '--type=json', '-p', '[{"op":"remove","path":"/metadata/labels/tier"}]']), '0 persistentvolume/nas-csi-pv patched\n');
    assert.is(await run(['patch', 'pv', 'nas-csi-pv', '--type=json', '-p', '[{"op":"remove","path":"/nope"}]']), '1 error: doc is missing path: "/nope": missing value\n');
    assert.is(await run(['patch', 'pv', 'nope', '-p', '{}']), '1 Error from server (NotFound): persistentvolumes "nope" not found\n');
    assert.is(await run(['get', 'pv', 'nas-csi-pv', '-o', 'jsonpath={.metadata.labels}']), '0 {"zone":"a"}');
    assert.is(await run(['get', 'pvc', 'nas-pvc', '-o', 'jsonpath={.metadata.annotations.owner}']), '0 team-a');
    const before = logBytes(c);
    assert.is(await run(['label', 'pv', 'nas-csi-pv', 'ghost=yes', '--dry-run']), '0 persistentvolume/nas-csi-pv labeled (dry run)\n');
    assert.is(await run(['cordon', 'node-a', '--dry-run']), '0 node/node-a cordoned (dry run)\n');
    assert.is(logBytes(c), before);
    assert.is(await run(['cordon', 'node-a']), '0 node/node-a cordoned\n');
    assert.is(await run(['cordon', 'node-a']), '0 node/node-a already cordoned\n');
    assert.match(await run(['get', 'nodes', 'node-a']), /node-a\s+Ready,SchedulingDisabled/);
    assert.is(await run(['uncordon', 'node-a']), '0 node/node-a uncordoned\n');
    assert.is((await pvsim(c, ['log', 'verify'])).code, 0);
  } finally {
    rmSync(dirname(c), { recursive: true, force: true });
  }
});

test.run();

test('pvsim exec writing beyond an emptyDir sizeLimit: the pod is evicted with the eviction manager\'s message', async () => {
  // pkg/kubelet/eviction/eviction_manager.go emptyDirLimitEviction; helpers.go emptyDirMessageFmt.
  const c = tempCluster();
  try {
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: scratch}\nspec:\n  containers:\n  - {name: app, image: "busybox:1.36", volumeMounts: [{name: tmp, mountPath: /scratch}]}\n  volumes:\n  - {name: tmp, emptyDir: {sizeLimit: 1Ki}}\n';
    assert.is((await pvsim(c, ['apply', '-f', '-'], pod)).code, 0);
    assert.is((await pvsim(c, ['exec', 'scratch', '--', 'write', '/scratch/a', 'x'.repeat(1000)])).code, 0);
    assert.is((await getJson(c, 'pod/scratch') as unknown as { status: { phase: string } }).status.phase, 'Running');
    assert.is((await pvsim(c, ['exec', 'scratch', '--', 'write', '/scratch/b', 'y'.repeat(100)])).code, 0);
    const got = await getJson(c, 'pod/scratch') as unknown as { status: { phase: string; reason: string; message: string } };
    assert.equal([got.status.phase, got.status.reason, got.status.message], ['Failed', 'Evicted', 'Usage of EmptyDir volume "tmp" exceeds the limit "1Ki". ']);
    assert.match((await pvsim(c, ['describe', 'pod', 'scratch'])).stdout, /Warning\s+Evicted\s+\S+\s+kubelet\s+Usage of EmptyDir volume "tmp" exceeds the limit "1Ki"\./);
    assert.is((await pvsim(c, ['log', 'verify'])).code, 0);
  } finally {
    rmSync(dirname(c), { recursive: true, force: true });
  }
});

test('init --profile gke / eks: CSINode reports the clouds\' attach limits for the default machine types', async () => {
  // gcp-compute-persistent-disk-csi-driver node.go volumeLimitSmall (e2-medium is shared-core);
  // pkg/volume/util/attach_limit.go DefaultMaxEBSNitroVolumeLimit (m5.large is Nitro).
  for (const [profile, count] of [['gke', 15], ['eks', 25], ['pvsim', 2]] as const) {
    const c = tempCluster();
    try {
      assert.is((await pvsim(c, ['init', '--profile', profile, '--nodes', '1', '--zones', '1'])).code, 0);
      const nodes = (await getJson(c, 'csinodes')).items;
      const disk = nodes[0].spec.drivers.find((d: { name: string }) => d.name === 'disk.csi.pvsim.dev');
      assert.is(disk.allocatable.count, count, profile);
    } finally {
      rmSync(dirname(c), { recursive: true, force: true });
    }
  }
});

test('import refuses an object whose namespace does not exist (NamespaceLifecycle), nothing imported; one created earlier in the files counts', async () => {
  const c = tempCluster();
  try {
    const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n  namespace: nowhere\ndata: {a: b}\n';
    const refused = await pvsim(c, ['import', '-f', '-'], `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: first}\n---\n${cm}`);
    assert.is(refused.code, 1);
    assert.match(refused.stderr, /:9: Error from server \(NotFound\): error when creating "[^"]*": namespaces "nowhere" not found/);
    assert.is((await pvsim(c, ['get', 'cm', 'first'])).code, 1, 'nothing applied partially');
    const both = await pvsim(c, ['import', '-f', '-'], `apiVersion: v1\nkind: Namespace\nmetadata: {name: nowhere}\n---\n${cm}`);
    assert.is(both.code, 0, both.stderr);
  } finally {
    rmSync(dirname(c), { recursive: true, force: true });
  }
});
