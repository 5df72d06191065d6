// What a component remembers between passes is in the log (ADR 0026): a component process's pass
// records the memory that changed (`ComponentMemorySaved`), the next fold restores it — so a
// provisioner's backoff survives into another process — `log verify` reproduces it, and a
// command never writes one. On a file cluster, with the passes run as the processes run them.
import * as assert from 'uvu/assert';
import { test } from 'uvu';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runComponentPass } from '../src/componentHost.ts';
import { openSession } from '../src/session.ts';
import { logBytes, pvsim, tempCluster } from './support.ts';

const PROVISIONER = 'external-provisioner/disk.csi.pvsim.dev';
// More than the disk backend holds: every CreateVolume fails RESOURCE_EXHAUSTED and is retried with backoff.
const MANIFEST = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: disk-now}
provisioner: disk.csi.pvsim.dev
volumeBindingMode: Immediate
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: big}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: disk-now
  resources: {requests: {storage: 2000Gi}}
`;

test('a failed provisioning\'s backoff is saved by the pass and restored by the next fold; verify reproduces it; commands write none', async () => {
  const cluster = tempCluster();
  const file = join(mkdtempSync(join(tmpdir(), 'pvsim-memory-')), 'big.yaml');
  writeFileSync(file, MANIFEST);
  assert.is((await pvsim(cluster, ['apply', '-f', file, '--wait=false'])).code, 0);
  assert.not.match(logBytes(cluster), /ComponentMemorySaved/, 'a command writes no memory');
  const g = { clusterDir: cluster, seed: 1 };
  // Every component's waiting work, one pass each and appended, as the processes would, until the provisioner failed.
  let saved: { component: string; memory: any } | undefined;
  for (let round = 0; round < 10 && !saved; round++) {
    for (const component of openSession(g).world.manager.controllers.map((c) => c.name)) {
      const s = openSession(g);
      if (s.world.waitingWorkOf(component) === undefined) continue;
      if (runComponentPass(s, 1, component).changedNothing) { s.takeBatch(); continue; }
      const stored = s.commit();
      const record = stored.find((r) => r.type === 'ComponentMemorySaved' && (r.data as { component: string }).component === PROVISIONER);
      if (record && component === PROVISIONER) saved = record.data as typeof saved;
    }
  }
  assert.ok(saved, 'the provisioner\'s pass saved its memory');
  assert.is(saved!.memory.claimOps['default/big'].phase, 'backoff');
  assert.ok(saved!.memory.claimOps['default/big'].failures >= 1);
  // A new fold (another process, a restart) starts from it.
  const again = openSession(g);
  const restored = again.world.manager.controllers.find((c) => c.name === PROVISIONER)!.saveState!() as any;
  assert.equal(restored.claimOps['default/big'], saved!.memory.claimOps['default/big']);
  const memories = logBytes(cluster).split('\n').filter((l) => l.includes('"type":"ComponentMemorySaved"'));
  assert.ok(memories.length > 0);
  assert.not.ok(memories.some((l) => l.includes('"component":"kubelet/')), 'kubelets rebuild from objects: no memory of theirs');
  const v = await pvsim(cluster, ['log', 'verify']);
  assert.is(v.code, 0, v.stdout + v.stderr);
});

test.run();
