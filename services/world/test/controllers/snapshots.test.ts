/**
 * Design: snapshots on the full cluster (snapshot-controller, csi-snapshotter, external-provisioner
 * restoring from a dataSource), driven action by action with lagging informers, API and CSI
 * faults, crashes and node loss explored. Safety after every step: a backend snapshot's files,
 * once cut, never change. Liveness (faults off, nodes up): the snapshot becomes ready with the
 * data written before it and without the data written after; a claim restored from it holds
 * exactly the snapshot's files; deleting a Delete snapshot removes its content and the backend
 * snapshot, deleting a Retain one keeps both.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ANN_NODE_DOWN, isKubeletAlive, type FilesystemObject, type PersistentVolume, type PersistentVolumeClaim, type Pod, type VolumeSnapshot } from '@pvsim/domain';
import { applyDefaults, prepareForCreate } from '@pvsim/manifests';
import { Random, type AnyObject, type StoredKind } from '@pvsim/runtime';
import { execInContainer } from '@pvsim/kubelet';
import { createHistoryTracker } from '@pvsim/invariants';
import { FAULT_KINDS, createWorld, seededChooser, type World } from '../../src/index.ts';

const EPOCH_MS = Date.UTC(2026, 0, 1);
const A = (o: unknown) => o as AnyObject;

const node = (name: string) => A({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': 'zone-a' } } });
const pod = (name: string, claimName: string) => A({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] },
});
const claim = (name: string, dataSource?: object) => A({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'disk', resources: { requests: { storage: '1Gi' } }, ...(dataSource ? { dataSource } : {}) },
});
const snapshotClass = (name: string, deletionPolicy: string, isDefault: boolean) => A({
  apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', driver: 'disk.csi.pvsim.dev', deletionPolicy,
  metadata: { name, ...(isDefault ? { annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' } } : {}) },
});
const snapshot = (name: string, className?: string) => A({
  apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name, namespace: 'default' },
  spec: { source: { persistentVolumeClaimName: 'db' }, ...(className ? { volumeSnapshotClassName: className } : {}) },
});

function create(w: World, o: AnyObject): void {
  w.store.create(o.kind as StoredKind, prepareForCreate(applyDefaults(structuredClone(o)) as never, w.clock.iso()) as AnyObject);
}

const snapshotsOnBackend = (w: World) => (w.store.list('Filesystem') as unknown as FilesystemObject[]).filter((f) => f.metadata.name.startsWith('csisnap.'));
const vs = (w: World, name: string) => w.store.get('VolumeSnapshot', `default/${name}`) as unknown as VolumeSnapshot | undefined;
const pvc = (w: World, name: string) => w.store.get('PersistentVolumeClaim', `default/${name}`) as unknown as PersistentVolumeClaim | undefined;
const running = (w: World, name: string) => (w.store.get('Pod', `default/${name}`) as unknown as Pod | undefined)?.status?.phase === 'Running'
  && isKubeletAlive(w.store.get('Node', 'node-a') as never);

function exec(w: World, podName: string, argv: string[]): string {
  const r = execInContainer(w.store, w.store.get('Pod', `default/${podName}`) as never, 'c', argv);
  assert.is(r.exitCode, 0, r.stderr);
  return r.stdout;
}

function liveness(w: World, done: () => boolean): boolean {
  for (const n of w.store.list('Node')) if ((n.metadata['annotations'] as Record<string, string> | undefined)?.[ANN_NODE_DOWN]) w.step({ type: 'node', node: n.metadata.name, down: false });
  return w.runUntil(done, 60 * 60_000);
}

test('explored: snapshots never change, restores hold exactly the snapshot, Delete and Retain do what they say', () => {
  const seeds = Number(process.env['PVSIM_SNAPSHOT_SEEDS'] ?? 3);
  for (let seed = 1; seed <= seeds; seed++) {
    const w = createWorld({ seed, startMs: EPOCH_MS, cluster: 'full', informerLag: true, explore: { faults: FAULT_KINDS, crash: true, nodes: true }, chooser: seededChooser(new Random(seed)) });
    const cut = new Map<string, string>();
    const history = createHistoryTracker();
    const steps = (n: number) => {
      for (let i = 0; i < n; i++) {
        w.stepChosen(i % 8 === 0 ? undefined : (a) => a.type !== 'fault');
        assert.equal(history.observe(w.store), [], `seed ${seed}`);
        for (const f of snapshotsOnBackend(w)) {
          const files = JSON.stringify(f.status);
          const was = cut.get(f.metadata.name);
          if (was !== undefined) assert.is(files, was, `seed ${seed}: snapshot ${f.metadata.name} changed`);
          cut.set(f.metadata.name, files);
        }
      }
    };
    for (const o of [node('node-a'), A({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'disk' }, provisioner: 'disk.csi.pvsim.dev', reclaimPolicy: 'Delete' }),
      snapshotClass('delete', 'Delete', true), snapshotClass('retain', 'Retain', false), claim('db'), pod('db-pod', 'db')]) { create(w, o); steps(20); }
    assert.ok(liveness(w, () => running(w, 'db-pod')), `seed ${seed}: the database runs`);
    exec(w, 'db-pod', ['write', '/data/rows', 'before']);
    create(w, snapshot('snap'));
    create(w, snapshot('kept', 'retain'));
    steps(80);
    assert.ok(liveness(w, () => vs(w, 'snap')?.status?.readyToUse === true && vs(w, 'kept')?.status?.readyToUse === true && running(w, 'db-pod')), `seed ${seed}: ${JSON.stringify(vs(w, 'snap')?.status)}`);
    exec(w, 'db-pod', ['write', '/data/rows', 'after']);
    create(w, claim('restored', { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap' }));
    steps(80);
    assert.ok(liveness(w, () => pvc(w, 'restored')?.status?.phase === 'Bound'), `seed ${seed}: the restore binds`);
    const restoredPv = w.store.get('PersistentVolume', pvc(w, 'restored')!.spec.volumeName!) as unknown as PersistentVolume;
    const handle = (restoredPv.spec['csi'] as { volumeHandle: string }).volumeHandle;
    const restoredFs = w.store.get('Filesystem', `csi.disk.csi.pvsim.dev.${handle}`) as unknown as FilesystemObject;
    const content = w.store.get('VolumeSnapshotContent', vs(w, 'snap')!.status!.boundVolumeSnapshotContentName!) as unknown as { status: { snapshotHandle: string } };
    const snapFs = w.store.get('Filesystem', `csisnap.disk.csi.pvsim.dev.${content.status.snapshotHandle}`) as unknown as FilesystemObject;
    assert.equal(restoredFs.status, snapFs.status, `seed ${seed}: the restore holds exactly the snapshot`);
    assert.ok(JSON.stringify(snapFs.status).includes('before') && !JSON.stringify(snapFs.status).includes('after'), `seed ${seed}`);
    // Deletion: Delete takes content and backend snapshot; Retain keeps both.
    w.store.delete('VolumeSnapshot' as StoredKind, 'default/snap');
    w.store.delete('VolumeSnapshot' as StoredKind, 'default/kept');
    steps(60);
    assert.ok(liveness(w, () => !vs(w, 'snap') && !vs(w, 'kept')), `seed ${seed}: both snapshots go`);
    assert.ok(liveness(w, () => snapshotsOnBackend(w).length === 1), `seed ${seed}: ${snapshotsOnBackend(w).map((f) => f.metadata.name).join(', ')}`);
    const contents = w.store.list('VolumeSnapshotContent') as unknown as { spec: { deletionPolicy: string } }[];
    assert.equal(contents.map((c) => c.spec.deletionPolicy), ['Retain'], `seed ${seed}`);
    assert.not.ok((pvc(w, 'db')!.metadata.finalizers ?? []).includes('snapshot.storage.kubernetes.io/pvc-as-source-protection'), `seed ${seed}`);
  }
});

test('a restore waits, with Kubernetes\' words, while its snapshot is missing and while it is not ready', () => {
  const w = createWorld({ seed: 1, startMs: EPOCH_MS, cluster: 'full' });
  const messages = () => w.store.events().filter((e) => e.involvedObject.name === 'restored').map((e) => e.message);
  for (const o of [node('node-a'), A({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'disk' }, provisioner: 'disk.csi.pvsim.dev', reclaimPolicy: 'Delete' }),
    snapshotClass('delete', 'Delete', true)]) create(w, o);
  create(w, claim('restored', { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: 'snap' }));
  w.runUntil(() => false, 10_000);
  const prefix = 'failed to provision volume with StorageClass "disk": error getting handle for DataSource Type VolumeSnapshot by Name snap: ';
  assert.ok(messages().includes(`${prefix}error getting snapshot snap from api server: volumesnapshots.snapshot.storage.k8s.io "snap" not found`), messages().join('\n'));
  // The snapshot of a claim that does not exist yet: not ready, with its own error.
  create(w, snapshot('snap'));
  w.runUntil(() => false, 10_000);
  assert.ok(messages().includes(`${prefix}snapshot snap is not Ready`), messages().join('\n'));
  assert.is(vs(w, 'snap')?.status?.readyToUse, false);
  assert.match(vs(w, 'snap')?.status?.error?.message ?? '', 'persistentvolumeclaim "db" not found');
  assert.is(pvc(w, 'restored')?.status?.phase, 'Pending');
  // The source appears: the snapshot is cut and the restore goes through.
  create(w, claim('db'));
  assert.ok(w.runUntil(() => pvc(w, 'restored')?.status?.phase === 'Bound', 10 * 60_000));
  assert.is(vs(w, 'snap')?.status?.readyToUse, true);
});

test.run();
