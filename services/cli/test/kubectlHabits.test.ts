import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { logBytes, pvsim, tempCluster } from './support.ts';

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
    assert.is(v.stdout, 'Client Version: v0.1.0-pvsim\nServer Version: v1.32.0-pvsim\n');
    assert.is(JSON.parse((await pvsim(c, ['version', '-o', 'json'])).stdout).serverVersion.minor, '32');
    const r = await pvsim(c, ['api-resources']);
    assert.match(r.stdout, /^NAME\s+SHORTNAMES\s+APIVERSION\s+NAMESPACED\s+KIND$/m);
    assert.match(r.stdout, /^persistentvolumeclaims\s+pvc\s+v1\s+true\s+PersistentVolumeClaim$/m);
    const cluster = await pvsim(c, ['api-resources', '--namespaced=false', '-o', 'name']);
    assert.is(cluster.stdout, 'nodes\npersistentvolumes\nstorageclasses.storage.k8s.io\nvolumeattachments.storage.k8s.io\n');
  } finally {
    rmSync(dirname(c), { recursive: true, force: true });
  }
});

test.run();
