/**
 * Design: fast-check over random sequences of what a user does to a database volume — write,
 * grow the claim (admission's rules: only larger), snapshot it, restore a snapshot into a new
 * claim, delete a snapshot — on the full cluster, every work item delivered one at a time with
 * the history tracker checked after each (capacities never shrink, snapshots never change,
 * restores start as their snapshot). A model remembers what the database held when each snapshot
 * was taken: every restore reads exactly that — data written before a snapshot is in every
 * restore of it, data written after is not — and the claim ends at the largest size asked.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { PersistentVolumeClaim, Pod, VolumeSnapshot } from '@pvsim/domain';
import { applyDefaults, prepareForCreate } from '@pvsim/manifests';
import type { AnyObject, StoredKind } from '@pvsim/runtime';
import { execInContainer } from '@pvsim/kubelet';
import { createHistoryTracker } from '@pvsim/invariants';
import { createWorld, type World } from '../../src/index.ts';

const EPOCH_MS = Date.UTC(2026, 0, 1);
const A = (o: unknown) => o as AnyObject;

type Op =
  | { op: 'write'; text: string }
  | { op: 'grow'; byGi: number }
  | { op: 'snapshot' }
  | { op: 'restore'; pick: number }
  | { op: 'deleteSnapshot'; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.stringMatching(/^[a-z]{1,6}$/).map((text) => ({ op: 'write' as const, text })),
  fc.integer({ min: 1, max: 3 }).map((byGi) => ({ op: 'grow' as const, byGi })),
  fc.constant({ op: 'snapshot' as const }),
  fc.nat(5).map((pick) => ({ op: 'restore' as const, pick })),
  fc.nat(5).map((pick) => ({ op: 'deleteSnapshot' as const, pick })),
);

function create(w: World, o: AnyObject): void {
  w.store.create(o.kind as StoredKind, prepareForCreate(applyDefaults(structuredClone(o)) as never, w.clock.iso()) as AnyObject);
}

const claim = (name: string, size: string, dataSource?: object) => A({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' },
  spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'disk', resources: { requests: { storage: size } }, ...(dataSource ? { dataSource } : {}) },
});
const pod = (name: string, claimName: string) => A({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] },
});

test('random writes, growths, snapshots, restores and deletions: restores hold the data of their snapshot, capacities only grow', () => {
  fc.assert(fc.property(fc.array(opArb, { minLength: 1, maxLength: 10 }), (ops) => {
    const w = createWorld({ seed: 1, startMs: EPOCH_MS, cluster: 'full' });
    const history = createHistoryTracker();
    // Every work item one at a time, the tracker after each; then timers until quiet.
    const run = () => {
      for (let i = 0; i < 5_000 && w.scheduler.size > 0; i++) {
        w.drain(1);
        assert.equal(history.observe(w.store), []);
      }
      w.settle();
      assert.equal(history.observe(w.store), []);
    };
    for (const o of [
      A({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', labels: { 'kubernetes.io/hostname': 'node-a', 'topology.kubernetes.io/zone': 'zone-a' } } }),
      A({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'disk' }, provisioner: 'nas.csi.pvsim.dev', reclaimPolicy: 'Delete', allowVolumeExpansion: true }),
      A({ apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshotClass', metadata: { name: 'snaps', annotations: { 'snapshot.storage.kubernetes.io/is-default-class': 'true' } }, driver: 'nas.csi.pvsim.dev', deletionPolicy: 'Delete' }),
      claim('db', '1Gi'), pod('db', 'db'),
    ]) { create(w, o); run(); }
    let sizeGi = 1;
    let current = '';
    let snapshots = 0;
    let restores = 0;
    const taken = new Map<string, string>();
    const exec = (p: string, argv: string[]) => execInContainer(w.store, w.store.get('Pod', `default/${p}`) as never, 'c', argv);
    for (const o of ops) {
      switch (o.op) {
        case 'write':
          assert.is(exec('db', ['write', '/data/rows', o.text]).exitCode, 0);
          current = o.text;
          break;
        case 'grow': {
          sizeGi += o.byGi;
          const live = w.store.get('PersistentVolumeClaim', 'default/db') as unknown as PersistentVolumeClaim;
          w.store.update('PersistentVolumeClaim', A({ ...live, spec: { ...live.spec, resources: { requests: { storage: `${sizeGi}Gi` } } } }));
          break;
        }
        case 'snapshot': {
          const name = `snap-${++snapshots}`;
          create(w, A({ apiVersion: 'snapshot.storage.k8s.io/v1', kind: 'VolumeSnapshot', metadata: { name, namespace: 'default' }, spec: { source: { persistentVolumeClaimName: 'db' } } }));
          taken.set(name, current);
          break;
        }
        case 'restore': {
          const names = [...taken.keys()];
          if (names.length === 0) break;
          const from = names[o.pick % names.length]!;
          const name = `restore-${++restores}`;
          create(w, claim(name, `${sizeGi}Gi`, { apiGroup: 'snapshot.storage.k8s.io', kind: 'VolumeSnapshot', name: from }));
          create(w, pod(name, name));
          run();
          assert.is((w.store.get('Pod', `default/${name}`) as unknown as Pod).status?.phase, 'Running', `${name} from ${from}`);
          const read = exec(name, ['cat', '/data/rows']);
          if (taken.get(from) === '') assert.is.not(read.exitCode, 0, `${name}: the snapshot had no file`);
          else assert.is(read.stdout, `${taken.get(from)}\n`, `${name} from ${from}`);
          break;
        }
        case 'deleteSnapshot': {
          const names = [...taken.keys()];
          if (names.length === 0) break;
          const name = names[o.pick % names.length]!;
          w.store.delete('VolumeSnapshot', `default/${name}`);
          taken.delete(name);
          break;
        }
      }
      run();
      for (const name of taken.keys()) assert.is((w.store.get('VolumeSnapshot', `default/${name}`) as unknown as VolumeSnapshot).status?.readyToUse, true, name);
    }
    const db = w.store.get('PersistentVolumeClaim', 'default/db') as unknown as PersistentVolumeClaim;
    assert.is(db.status?.capacity?.['storage'], `${sizeGi}Gi`);
    assert.is(w.store.list('VolumeSnapshotContent').length, taken.size);
  }), { numRuns: Number(process.env['PVSIM_STORAGE_OPS_RUNS'] ?? 12) });
});

test.run();
