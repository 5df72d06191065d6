/**
 * Design: volume expansion on the full cluster (expand controller, external-resizer, kubelet,
 * simulated drivers), driven action by action by the world's chooser with lagging informers, API
 * and CSI faults, component crashes and node loss explored. Safety after every step: a claim's
 * `status.capacity`, a PV's capacity and a backend volume's size never shrink, and a claim never
 * shows more capacity than its PV has. Liveness: with faults off, nodes up and informers caught
 * up, every grown claim ends with `status.capacity` = its request, no resize status or condition,
 * and the mounted disk's data is still there.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ANN_NODE_DOWN, compareQuantities, parseQuantity, type PersistentVolume, type PersistentVolumeClaim, type Quantity } from '@pvsim/domain';
import { applyDefaults, prepareForCreate } from '@pvsim/manifests';
import { Random, type AnyObject, type StoredKind } from '@pvsim/runtime';
import { execInContainer } from '@pvsim/kubelet';
import { createHistoryTracker } from '@pvsim/invariants';
import { FAULT_KINDS, createWorld, seededChooser, type World } from '../../src/index.ts';

const EPOCH_MS = Date.UTC(2026, 0, 1);

const node = (name: string): AnyObject => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': 'zone-a' } } });
const cls = (name: string, provisioner: string): AnyObject => ({
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner, allowVolumeExpansion: true, reclaimPolicy: 'Delete',
} as unknown as AnyObject);
const claim = (name: string, className: string, size: string, mode = 'ReadWriteOnce'): AnyObject => ({
  apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name, namespace: 'default' },
  spec: { accessModes: [mode], storageClassName: className, resources: { requests: { storage: size } } },
} as unknown as AnyObject);
const pod = (name: string, claimName: string): AnyObject => ({
  apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' },
  spec: { containers: [{ name: 'c', image: 'busybox', volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', persistentVolumeClaim: { claimName } }] },
} as unknown as AnyObject);

const INPUTS = [
  node('node-a'), node('node-b'), cls('disk', 'disk.csi.pvsim.dev'), cls('nas', 'nas.csi.pvsim.dev'),
  claim('db', 'disk', '10Gi'), claim('share', 'nas', '10Gi', 'ReadWriteMany'), pod('db-pod', 'db'),
];

function create(w: World, o: AnyObject): void {
  w.store.create(o.kind as StoredKind, prepareForCreate(applyDefaults(structuredClone(o)) as never, w.clock.iso()) as AnyObject);
}

function grow(w: World, name: string, size: string): void {
  const live = w.store.get('PersistentVolumeClaim', `default/${name}`) as unknown as PersistentVolumeClaim;
  w.store.update('PersistentVolumeClaim', { ...live, spec: { ...live.spec, resources: { requests: { storage: size } } } } as unknown as AnyObject);
}

const q = (v: string | undefined): Quantity => parseQuantity(v ?? '0');

/** Sizes by object, to compare step to step. */
function sizes(w: World): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  for (const c of w.store.list('PersistentVolumeClaim') as unknown as PersistentVolumeClaim[]) out.set(`pvc/${c.metadata.name}`, q(c.status?.capacity?.['storage']));
  for (const v of w.store.list('PersistentVolume') as unknown as PersistentVolume[]) out.set(`pv/${v.metadata.name}`, q(v.spec.capacity?.['storage']));
  for (const v of w.store.list('CSIVolume')) out.set(`csi/${v.metadata.name}`, parseQuantity(String((v as unknown as { spec: { capacityBytes: string } }).spec.capacityBytes)));
  return out;
}

function safety(w: World, before: Map<string, Quantity>): string[] {
  const problems: string[] = [];
  const now = sizes(w);
  for (const [k, was] of before) {
    const is = now.get(k);
    if (is && compareQuantities(is, was) < 0) problems.push(`${k} shrank`);
  }
  for (const c of w.store.list('PersistentVolumeClaim') as unknown as PersistentVolumeClaim[]) {
    const pv = c.spec.volumeName ? w.store.get('PersistentVolume', c.spec.volumeName) as unknown as PersistentVolume | undefined : undefined;
    if (pv && c.status?.capacity && compareQuantities(q(c.status.capacity['storage']), q(pv.spec.capacity?.['storage'])) > 0) problems.push(`pvc/${c.metadata.name} shows more than its PV`);
  }
  return problems;
}

/** Liveness: every node up, then time runs (retries and their backoff included) until `done`, at most an hour. */
function settled(w: World, done: () => boolean): boolean {
  for (const n of w.store.list('Node')) if ((n.metadata['annotations'] as Record<string, string> | undefined)?.[ANN_NODE_DOWN]) w.step({ type: 'node', node: n.metadata.name, down: false });
  return w.runUntil(done, 60 * 60_000);
}

function claimOf(w: World, name: string): PersistentVolumeClaim {
  return w.store.get('PersistentVolumeClaim', `default/${name}`) as unknown as PersistentVolumeClaim;
}

const running = (w: World) => ['db', 'share'].every((n) => claimOf(w, n).status?.phase === 'Bound')
  && (w.store.get('Pod', 'default/db-pod') as { status?: { phase?: string } }).status?.phase === 'Running';

test('in order: a mounted disk grows online, a share grows without a node step', () => {
  const w = createWorld({ seed: 1, startMs: EPOCH_MS, cluster: 'full' });
  for (const o of INPUTS) { create(w, o); w.settle(); }
  const p = w.store.get('Pod', 'default/db-pod') as never;
  assert.is(execInContainer(w.store, p, 'c', ['write', '/data/x', 'kept']).exitCode, 0);
  grow(w, 'db', '20Gi');
  grow(w, 'share', '15Gi');
  w.settle();
  for (const name of ['db', 'share']) {
    const c = w.store.get('PersistentVolumeClaim', `default/${name}`) as unknown as PersistentVolumeClaim;
    assert.is(c.status?.capacity?.['storage'], name === 'db' ? '20Gi' : '15Gi');
    assert.is(c.status?.conditions, undefined);
    assert.is(c.status?.['allocatedResourceStatuses'], undefined);
  }
  const reasons = w.store.events().map((e) => `${e.involvedObject.name}:${e.reason}`);
  for (const r of ['db:ExternalExpanding', 'db:Resizing', 'db:FileSystemResizeRequired', 'db:FileSystemResizeSuccessful', 'db-pod:FileSystemResizeSuccessful', 'share:Resizing', 'share:VolumeResizeSuccessful']) {
    assert.ok(reasons.includes(r), r);
  }
  assert.not.ok(reasons.includes('share:FileSystemResizeRequired'));
  assert.is(execInContainer(w.store, p, 'c', ['cat', '/data/x']).stdout, 'kept\n');
});

test('explored (lagging informers, faults, crashes, node loss): capacities never shrink, and every growth completes', () => {
  const seeds = Number(process.env['PVSIM_EXPANSION_SEEDS'] ?? 6);
  for (let seed = 1; seed <= seeds; seed++) {
    const w = createWorld({ seed, startMs: EPOCH_MS, cluster: 'full', informerLag: true, explore: { faults: FAULT_KINDS, crash: true, nodes: true }, chooser: seededChooser(new Random(seed)) });
    let before = sizes(w);
    const history = createHistoryTracker();
    const steps = (n: number) => {
      for (let i = 0; i < n; i++) {
        // Faults are most of the enabled actions; one step in eight may arm one, so retries can win.
        w.stepChosen(i % 8 === 0 ? undefined : (a) => a.type !== 'fault');
        assert.equal(safety(w, before), [], `seed ${seed}`);
        assert.equal(history.observe(w.store), [], `seed ${seed}`);
        before = sizes(w);
      }
    };
    for (const o of INPUTS) { create(w, o); steps(30); }
    assert.ok(settled(w, () => running(w)), `seed ${seed}: the claims bind and the pod runs`);
    grow(w, 'db', '20Gi');
    grow(w, 'share', '15Gi');
    steps(60);
    grow(w, 'db', '25Gi');
    steps(60);
    const grown = () => ['db', 'share'].every((n) => {
      const c = claimOf(w, n);
      return c.status?.capacity?.['storage'] === c.spec.resources?.requests?.['storage'] && c.status?.['allocatedResourceStatuses'] === undefined;
    });
    assert.ok(settled(w, grown), `seed ${seed}: ${JSON.stringify([claimOf(w, 'db').status, claimOf(w, 'share').status])}`);
    assert.equal(safety(w, before), [], `seed ${seed}`);
    for (const [name, want] of [['db', '25Gi'], ['share', '15Gi']] as const) {
      const c = w.store.get('PersistentVolumeClaim', `default/${name}`) as unknown as PersistentVolumeClaim;
      assert.is(c.status?.capacity?.['storage'], want, `seed ${seed} ${name}: ${JSON.stringify(c.status)}`);
      assert.is(c.status?.['allocatedResourceStatuses'], undefined, `seed ${seed} ${name}`);
    }
  }
});

test.run();
