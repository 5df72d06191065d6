/**
 * Design: the Deployment and StatefulSet controllers against the real store, controller manager
 * and scheduler. No kubelet runs here, so pods never start by themselves: where a test needs a
 * Running and Ready pod (OrderedReady), it writes that status itself, as a kubelet would.
 * Scale and deletion steps are table rows (`steps` applied in order, `expected` after each
 * settle); the properties the lecture relies on — a StatefulSet's claims outlive its pods and
 * are reused by the same ordinal, and the same inputs give the same names — have their own tests.
 */
import { schedulingControllers, testCluster } from './support/testCluster.ts';
import type { World } from '../../src/index.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ANN_SELECTED_NODE, type PersistentVolumeClaim, type Pod, type StorageClass } from '@pvsim/domain';
import type { AnyObject, ObjectStore } from '@pvsim/runtime';
import { ANN_POD_NAME_COUNTER, ControllerManager, podTemplateHash, type ControllerRevision, type Deployment, type ReplicaSet, type StatefulSet } from '@pvsim/controller-manager';


// ------------------------------------------------------------------ cluster

interface Cluster {
  store: ObjectStore;
  manager: ControllerManager;
  world: World;
  settle(): void;
  pods(): Pod[];
  podNames(): string[];
  claims(): PersistentVolumeClaim[];
  deployment(name: string): Deployment;
  statefulSet(name: string): StatefulSet;
  markReady(name: string): void;
}

function cluster(seed = 1): Cluster {
  const { world, store, manager: m, clock } = testCluster({
    seed,
    controllers: schedulingControllers,
  });
  return {
    world, store, manager: m,
    settle: () => { clock.advance(1_000); world.settle(); },
    pods: () => store.listPods('default'),
    podNames: () => store.listPods('default').map((p) => p.metadata.name),
    claims: () => store.listClaims(),
    deployment: (name) => store.get('Deployment', `default/${name}`) as unknown as Deployment,
    statefulSet: (name) => store.get('StatefulSet', `default/${name}`) as unknown as StatefulSet,
    // What a kubelet writes once the containers run and the readiness probe passes.
    markReady: (name) => {
      const p = store.get('Pod', `default/${name}`)!;
      store.update('Pod', { ...p, status: { ...(p['status'] as object), phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } } as AnyObject, 'status');
    },
  };
}

function deployment(replicas: number, image = 'nginx:1.27', strategy?: 'Recreate'): Deployment {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas, selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image }] } },
      ...(strategy ? { strategy: { type: strategy } } : {}),
    },
  };
}

function statefulSet(replicas: number, policy: 'OrderedReady' | 'Parallel' = 'OrderedReady', className?: string): StatefulSet {
  return {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'default' },
    spec: {
      replicas, serviceName: 'db', podManagementPolicy: policy, selector: { matchLabels: { app: 'db' } },
      template: {
        metadata: { labels: { app: 'db' } },
        spec: { containers: [{ name: 'db', image: 'postgres:17' }], volumes: [{ name: 'scratch', emptyDir: {} }] },
      },
      volumeClaimTemplates: [{
        metadata: { name: 'data', labels: { tier: 'storage' } },
        spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...(className ? { storageClassName: className } : {}) },
      }],
    },
  };
}

function setReplicas(store: ObjectStore, kind: 'Deployment' | 'StatefulSet', replicas: number): void {
  const o = structuredClone(store.get(kind, 'default/' + (kind === 'Deployment' ? 'web' : 'db'))!) as AnyObject & { spec: { replicas: number } };
  o.spec.replicas = replicas;
  store.update(kind, o);
}

const claimNames = (c: Cluster) => c.claims().map((x) => x.metadata.name);
const NAME_RE = /^web-[bcdfghjklmnpqrstvwxz2456789]{1,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/;

// ------------------------------------------------------------------ Deployment

const rsOf = (c: Cluster, hash: string) => c.store.get('ReplicaSet', `default/web-${hash}`) as unknown as ReplicaSet | undefined;
const readyAll = (c: Cluster) => { for (const p of c.pods()) if (!p.metadata.deletionTimestamp) c.markReady(p.metadata.name); };

test('deployment: a ReplicaSet <deployment>-<hash> owns the pods; named, labelled, scheduled (pkg/controller/deployment sync.go)', () => {
  const c = cluster();
  c.store.create('Deployment', deployment(2) as unknown as AnyObject);
  c.settle();
  const d = c.deployment('web');
  const hash = podTemplateHash(d.spec.template);
  const rs = rsOf(c, hash)!;
  assert.equal(rs.metadata.labels, { app: 'web', 'pod-template-hash': hash });
  assert.equal(rs.metadata['ownerReferences'], [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid, controller: true, blockOwnerDeletion: true }]);
  assert.equal(rs.spec.selector, { matchLabels: { app: 'web', 'pod-template-hash': hash } });
  assert.is(rs.spec.replicas, 2);
  assert.is(rs.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  assert.is(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas'], '2');
  assert.is(rs.metadata.annotations?.['deployment.kubernetes.io/max-replicas'], '3');
  assert.is(d.metadata.annotations?.['deployment.kubernetes.io/revision'], '1');
  const pods = c.pods();
  assert.is(pods.length, 2);
  for (const p of pods) {
    assert.ok(NAME_RE.test(p.metadata.name), p.metadata.name);
    assert.ok(p.metadata.name.startsWith(`web-${hash}-`));
    assert.equal(p.metadata.labels, { app: 'web', 'pod-template-hash': hash });
    assert.equal(p.metadata['ownerReferences'], [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `web-${hash}`, uid: rs.metadata.uid, controller: true, blockOwnerDeletion: true }]);
    assert.equal(p.spec['containers'], [{ name: 'app', image: 'nginx:1.27' }]);
  }
  assert.equal(pods.map((p) => p.spec.nodeName).sort(), ['node-a', 'node-b']);
  assert.is(rs.metadata.annotations?.[ANN_POD_NAME_COUNTER], '2');
  const { conditions, ...counts } = d.status!;
  assert.equal(counts, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 0, availableReplicas: 0, unavailableReplicas: 2 });
  assert.equal((conditions as { type: string; status: string; reason: string }[]).map((x) => [x.type, x.status, x.reason]), [
    ['Available', 'False', 'MinimumReplicasUnavailable'], ['Progressing', 'True', 'ReplicaSetUpdated'],
  ]);
  assert.equal(c.store.events().filter((e) => e.reason === 'ScalingReplicaSet').map((e) => [e.message, e.source.component]), [[`Scaled up replica set web-${hash} from 0 to 2`, 'deployment-controller']]);
  assert.equal(c.store.events().filter((e) => e.reason === 'SuccessfulCreate').map((e) => e.source.component), ['replicaset-controller', 'replicaset-controller']);
  readyAll(c);
  c.settle();
  assert.equal((c.deployment('web').status!['conditions'] as { type: string; reason: string }[]).map((x) => [x.type, x.reason]), [
    ['Available', 'MinimumReplicasAvailable'], ['Progressing', 'NewReplicaSetAvailable'],
  ]);
});

interface ScaleRow {
  name: string;
  replicas: number;
  steps: { scaleTo?: number; deleteLowest?: boolean; readyAll?: boolean; expectedPods: number; check?: (c: Cluster, before: string[]) => void }[];
}

const deploymentRows: ScaleRow[] = [
  {
    name: 'scale up 2 -> 4 keeps the first two',
    replicas: 2,
    steps: [{ scaleTo: 4, expectedPods: 4, check: (c, before) => { for (const n of before) assert.ok(c.podNames().includes(n)); } }],
  },
  {
    name: 'scale down 4 -> 1 deletes the highest names first',
    replicas: 4,
    steps: [{ scaleTo: 1, expectedPods: 1, check: (c, before) => assert.equal(c.podNames(), [before[0]!]) }],
  },
  {
    name: 'a deleted pod is replaced by a new name',
    replicas: 2,
    steps: [{
      deleteLowest: true, expectedPods: 2,
      check: (c, before) => {
        assert.not.ok(c.podNames().includes(before[0]!));
        assert.ok(c.podNames().includes(before[1]!));
        assert.is(rsOf(c, podTemplateHash(c.deployment('web').spec.template))!.metadata.annotations?.[ANN_POD_NAME_COUNTER], '3');
      },
    }],
  },
  {
    name: 'ready pods are counted in status',
    replicas: 2,
    steps: [{
      readyAll: true, expectedPods: 2,
      check: (c) => {
        const { conditions: _conditions, ...counts } = c.deployment('web').status!;
        assert.equal(counts, { observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
      },
    }],
  },
  {
    name: 'scale to zero and back',
    replicas: 2,
    steps: [
      { scaleTo: 0, expectedPods: 0 },
      { scaleTo: 1, expectedPods: 1, check: (c, before) => assert.not.ok(before.includes(c.podNames()[0]!)) },
    ],
  },
];

for (const row of deploymentRows) {
  test(`deployment: ${row.name}`, () => {
    const c = cluster();
    c.store.create('Deployment', deployment(row.replicas) as unknown as AnyObject);
    c.settle();
    const initial = c.podNames();
    assert.is(initial.length, row.replicas);
    for (const step of row.steps) {
      const before = c.podNames();
      if (step.scaleTo !== undefined) setReplicas(c.store, 'Deployment', step.scaleTo);
      if (step.deleteLowest) c.store.delete('Pod', `default/${before[0]}`);
      if (step.readyAll) for (const n of before) c.markReady(n);
      c.settle();
      assert.is(c.pods().length, step.expectedPods);
      step.check?.(c, before);
    }
  });
}

test('deployment: a terminating pod does not count; its replacement is created at once', () => {
  const c = cluster();
  c.store.create('Deployment', deployment(1) as unknown as AnyObject);
  c.settle();
  const [first] = c.podNames();
  // A kubelet's finalizer keeps the deleted pod Terminating while its volumes unmount.
  const p = structuredClone(c.store.get('Pod', `default/${first}`)!);
  p.metadata['finalizers'] = ['pvsim.dev/kubelet'];
  c.store.update('Pod', p);
  c.store.delete('Pod', `default/${first}`);
  c.settle();
  assert.is(c.pods().length, 2);
  assert.ok(c.pods().find((x) => x.metadata.name === first)?.metadata.deletionTimestamp);
  assert.is(c.deployment('web').status?.replicas, 1);
});

test('deployment: RollingUpdate with one replica starts the new pod before the old one stops (25% surge rounds up, unavailable down)', () => {
  const c = cluster();
  c.store.create('Deployment', { ...deployment(1), metadata: { name: 'web', namespace: 'default', generation: 1 } } as unknown as AnyObject);
  c.settle();
  readyAll(c);
  c.settle();
  const [oldPod] = c.podNames();
  const oldHash = podTemplateHash(c.deployment('web').spec.template);
  const d = structuredClone(c.deployment('web'));
  d.spec.template.spec['containers'] = [{ name: 'app', image: 'nginx:1.28' }];
  c.store.update('Deployment', d as unknown as AnyObject);
  c.settle();
  const newHash = podTemplateHash(c.deployment('web').spec.template);
  assert.is(c.deployment('web').metadata.generation, 2);
  assert.is(c.deployment('web').status?.observedGeneration, 2);
  // Both run: the old one until the new one is available.
  assert.equal(c.pods().map((p) => p.metadata.labels?.['pod-template-hash']).sort(), [oldHash, newHash].sort());
  assert.is(rsOf(c, newHash)!.metadata.annotations?.['deployment.kubernetes.io/revision'], '2');
  readyAll(c);
  c.settle();
  assert.equal(c.pods().map((p) => p.metadata.labels?.['pod-template-hash']), [newHash]);
  assert.not.ok(c.podNames().includes(oldPod!));
  assert.is(rsOf(c, oldHash)!.spec.replicas, 0);
  assert.equal(c.store.events().filter((e) => e.reason === 'ScalingReplicaSet').map((e) => e.message), [
    `Scaled up replica set web-${oldHash} from 0 to 1`, `Scaled up replica set web-${newHash} from 0 to 1`, `Scaled down replica set web-${oldHash} from 1 to 0`,
  ]);
});

test('deployment: Recreate scales the old ReplicaSet to 0 and creates the new one only when its pods are gone', () => {
  const c = cluster();
  c.store.create('Deployment', deployment(2, 'nginx:1.27', 'Recreate') as unknown as AnyObject);
  c.settle();
  const oldHash = podTemplateHash(c.deployment('web').spec.template);
  // A kubelet's finalizer keeps the old pods Terminating.
  for (const n of c.podNames()) {
    const p = structuredClone(c.store.get('Pod', `default/${n}`)!);
    p.metadata['finalizers'] = ['pvsim.dev/kubelet'];
    c.store.update('Pod', p);
  }
  const d = structuredClone(c.deployment('web'));
  d.spec.template.spec['containers'] = [{ name: 'app', image: 'nginx:1.28' }];
  c.store.update('Deployment', d as unknown as AnyObject);
  c.settle();
  const newHash = podTemplateHash(c.deployment('web').spec.template);
  assert.is(rsOf(c, oldHash)!.spec.replicas, 0);
  assert.is(rsOf(c, newHash), undefined);
  assert.ok(c.pods().every((p) => p.metadata.deletionTimestamp));
  for (const n of c.podNames()) {
    const p = structuredClone(c.store.get('Pod', `default/${n}`)!);
    p.metadata['finalizers'] = [];
    c.store.update('Pod', p);
  }
  c.settle();
  assert.equal(c.pods().map((p) => p.metadata.labels?.['pod-template-hash']), [newHash, newHash]);
  assert.is(c.deployment('web').status?.updatedReplicas, 2);
});

test('deployment: a rollout that makes no progress for progressDeadlineSeconds is ProgressDeadlineExceeded (progress.go)', () => {
  const c = cluster();
  c.store.create('Deployment', { ...deployment(1), spec: { ...deployment(1).spec, progressDeadlineSeconds: 60 } } as unknown as AnyObject);
  c.settle();
  readyAll(c);
  c.settle();
  const d = structuredClone(c.deployment('web'));
  d.spec.template.spec['containers'] = [{ name: 'app', image: 'nginx:1.28' }];
  c.store.update('Deployment', d as unknown as AnyObject);
  c.settle();
  const newHash = podTemplateHash(c.deployment('web').spec.template);
  const progressing = () => (c.deployment('web').status!['conditions'] as { type: string; status: string; reason: string; message: string }[]).find((x) => x.type === 'Progressing')!;
  assert.is(progressing().status, 'True');
  c.world.runUntil(() => progressing().status === 'False', 120_000);
  assert.equal([progressing().status, progressing().reason, progressing().message], ['False', 'ProgressDeadlineExceeded', `ReplicaSet "web-${newHash}" has timed out progressing.`]);
  // The old pod still serves: the rollout stalls, it does not roll back.
  assert.is(c.pods().length, 2);
});

test('deployment: deleting it deletes its pods; a new one of the same name starts afresh', () => {
  const c = cluster();
  c.store.create('Deployment', deployment(2) as unknown as AnyObject);
  c.settle();
  const before = c.pods().map((p) => p.metadata.uid);
  c.store.delete('Deployment', 'default/web');
  c.settle();
  assert.equal(c.podNames(), []);
  c.store.create('Deployment', deployment(1) as unknown as AnyObject);
  c.settle();
  assert.is(c.pods().length, 1);
  // Names come from the ReplicaSet's name and counter (ADR 0028), so the new pod may reuse a
  // gone pod's name; it is a new object all the same.
  assert.not.ok(before.includes(c.pods()[0]!.metadata.uid));
});

test('deployment: orphans of a deployment re-created under a new uid are collected', () => {
  const c = cluster();
  c.store.create('Deployment', deployment(1) as unknown as AnyObject);
  c.settle();
  const old = c.pods()[0]!.metadata.uid;
  // Delete and re-create without letting the controllers see the gap.
  const d = c.store.get('Deployment', 'default/web')!;
  c.store.delete('Deployment', 'default/web');
  c.store.create('Deployment', { ...deployment(1), metadata: { name: 'web', namespace: 'default' } } as unknown as AnyObject);
  assert.is.not(c.store.get('Deployment', 'default/web')!.metadata['uid'], d.metadata['uid']);
  c.settle();
  assert.is(c.pods().length, 1);
  assert.is.not(c.pods()[0]!.metadata.uid, old);
});

test('deployment: same inputs and seed give the same pod names and nodes; another seed other uids', () => {
  const run = (seed: number) => {
    const c = cluster(seed);
    c.store.create('Deployment', deployment(3) as unknown as AnyObject);
    c.settle();
    setReplicas(c.store, 'Deployment', 5);
    c.settle();
    c.store.delete('Pod', `default/${c.podNames()[0]}`);
    c.settle();
    return c.pods().map((p) => `${p.metadata.name}@${p.spec.nodeName}`);
  };
  assert.equal(run(7), run(7));
  assert.is.not(run(7).join(), run(8).join());
});

test('deployment: pod names do not depend on uids, so another seed (other uids, another order of draws) gives the same names', () => {
  const names = (seed: number) => {
    const c = cluster(seed);
    c.store.create('Deployment', deployment(3) as unknown as AnyObject);
    c.settle();
    setReplicas(c.store, 'Deployment', 5);
    c.settle();
    return { names: c.podNames(), uids: c.pods().map((p) => p.metadata.uid) };
  };
  const [a, b] = [names(7), names(8)];
  assert.equal(a.names, b.names);
  assert.is.not(a.uids.join(), b.uids.join());
});

// ------------------------------------------------------------------ StatefulSet

test('statefulset: OrderedReady creates ordinal i only after i-1 is Running and Ready', () => {
  const c = cluster();
  c.store.create('StatefulSet', statefulSet(3) as unknown as AnyObject);
  c.settle();
  assert.equal(c.podNames(), ['db-0']);
  assert.equal(claimNames(c), ['data-db-0']);
  // Pending, or Running but not Ready, is not enough.
  const p = c.store.get('Pod', 'default/db-0')!;
  c.store.update('Pod', { ...p, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] } } as AnyObject, 'status');
  c.settle();
  assert.equal(c.podNames(), ['db-0']);
  c.markReady('db-0');
  c.settle();
  assert.equal(c.podNames(), ['db-0', 'db-1']);
  c.markReady('db-1');
  c.settle();
  assert.equal(c.podNames(), ['db-0', 'db-1', 'db-2']);
  assert.equal(claimNames(c), ['data-db-0', 'data-db-1', 'data-db-2']);
  c.markReady('db-2');
  c.settle();
  assert.equal(c.statefulSet('db').status?.replicas, 3);
  assert.equal(c.statefulSet('db').status?.readyReplicas, 3);
});

test('statefulset: pod identity, volumes and claim shape', () => {
  const c = cluster();
  c.store.create('StorageClass', {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'standard', annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'block.csi.pvsim.dev', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
  } satisfies StorageClass as unknown as AnyObject);
  c.store.create('StatefulSet', statefulSet(1) as unknown as AnyObject);
  c.settle();
  const set = c.statefulSet('db');
  const p = c.store.get('Pod', 'default/db-0') as unknown as Pod;
  assert.equal(p.metadata.labels, {
    app: 'db', 'controller-revision-hash': `db-${podTemplateHash(set.spec.template)}`,
    'statefulset.kubernetes.io/pod-name': 'db-0', 'apps.kubernetes.io/pod-index': '0',
  });
  assert.is(p.spec['hostname'], 'db-0');
  assert.is(p.spec['subdomain'], 'db');
  assert.equal(p.spec.volumes, [{ name: 'data', persistentVolumeClaim: { claimName: 'data-db-0' } }, { name: 'scratch', emptyDir: {} }]);
  const claim = c.store.getClaim('default', 'data-db-0')!;
  assert.equal(claim.metadata.labels, { tier: 'storage', app: 'db' });
  assert.is(claim.metadata['ownerReferences'], undefined);
  assert.is(claim.spec.storageClassName, 'standard');
  assert.is(claim.spec.volumeMode, 'Filesystem');
  assert.equal(claim.metadata.finalizers, ['kubernetes.io/pvc-protection']);
  // WaitForFirstConsumer: the scheduler picked node-a for provisioning; the pod is bound to it only
  // once the claim is (volumebinding PreBind), and no provisioner runs here.
  assert.is(claim.metadata.annotations?.[ANN_SELECTED_NODE], 'node-a');
  assert.is(p.spec.nodeName, undefined);
});

test('statefulset: Parallel creates every pod and claim at once', () => {
  const c = cluster();
  c.store.create('StatefulSet', statefulSet(3, 'Parallel') as unknown as AnyObject);
  c.settle();
  assert.equal(c.podNames(), ['db-0', 'db-1', 'db-2']);
  assert.equal(claimNames(c), ['data-db-0', 'data-db-1', 'data-db-2']);
  assert.equal(c.statefulSet('db').status?.replicas, 3);
  assert.equal(c.statefulSet('db').status?.readyReplicas, 0);
});

interface StsRow {
  name: string;
  policy: 'OrderedReady' | 'Parallel';
  /** Applied after three replicas are up and Ready. */
  when: (c: Cluster) => void;
  expectedPods: string[];
  expectedClaims: string[];
  /** Claims whose uid must be unchanged (the same claim, reused). */
  sameClaims: string[];
}

const stsRows: StsRow[] = [
  {
    name: 'a deleted pod comes back with the same name and the same claim',
    policy: 'OrderedReady',
    when: (c) => c.store.delete('Pod', 'default/db-1'),
    expectedPods: ['db-0', 'db-1', 'db-2'],
    expectedClaims: ['data-db-0', 'data-db-1', 'data-db-2'],
    sameClaims: ['data-db-0', 'data-db-1', 'data-db-2'],
  },
  {
    name: 'scale down 3 -> 1 (OrderedReady, one at a time) keeps every claim',
    policy: 'OrderedReady',
    when: (c) => setReplicas(c.store, 'StatefulSet', 1),
    expectedPods: ['db-0'],
    expectedClaims: ['data-db-0', 'data-db-1', 'data-db-2'],
    sameClaims: ['data-db-0', 'data-db-1', 'data-db-2'],
  },
  {
    name: 'scale down 3 -> 1 (Parallel) keeps every claim',
    policy: 'Parallel',
    when: (c) => setReplicas(c.store, 'StatefulSet', 1),
    expectedPods: ['db-0'],
    expectedClaims: ['data-db-0', 'data-db-1', 'data-db-2'],
    sameClaims: ['data-db-0', 'data-db-1', 'data-db-2'],
  },
  {
    name: 'scale down and up again: the returning ordinals reuse their claims',
    policy: 'OrderedReady',
    when: (c) => {
      setReplicas(c.store, 'StatefulSet', 1);
      c.settle();
      setReplicas(c.store, 'StatefulSet', 3);
      c.settle();
      c.markReady('db-1');
    },
    expectedPods: ['db-0', 'db-1', 'db-2'],
    expectedClaims: ['data-db-0', 'data-db-1', 'data-db-2'],
    sameClaims: ['data-db-0', 'data-db-1', 'data-db-2'],
  },
  {
    name: 'deleting the StatefulSet deletes its pods and keeps its claims',
    policy: 'OrderedReady',
    when: (c) => c.store.delete('StatefulSet', 'default/db'),
    expectedPods: [],
    expectedClaims: ['data-db-0', 'data-db-1', 'data-db-2'],
    sameClaims: ['data-db-0', 'data-db-1', 'data-db-2'],
  },
  {
    name: 'a deleted claim of a scheduled pod stays Terminating (pvc-protection), the same object',
    policy: 'Parallel',
    when: (c) => { c.store.delete('PersistentVolumeClaim', 'default/data-db-2'); },
    expectedPods: ['db-0', 'db-1', 'db-2'],
    expectedClaims: ['data-db-0', 'data-db-1', 'data-db-2'],
    sameClaims: ['data-db-0', 'data-db-1', 'data-db-2'],
  },
];

const fastClass: StorageClass = {
  apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'fast' },
  provisioner: 'kubernetes.io/no-provisioner', reclaimPolicy: 'Delete', volumeBindingMode: 'WaitForFirstConsumer',
};

/** Pre-made volumes of the class, one per replica: the scheduler's PreBind reserves them. */
function fastVolumes(store: ObjectStore): void {
  for (const n of [1, 2, 3]) {
    store.create('PersistentVolume', {
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: `fast-${n}` },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', storageClassName: 'fast', hostPath: { path: `/tmp/fast-${n}` } },
    } as unknown as AnyObject);
  }
}

for (const row of stsRows) {
  test(`statefulset: ${row.name}`, () => {
    const c = cluster();
    // WaitForFirstConsumer claims bound to pre-made volumes at scheduling (no provisioner runs here).
    c.store.create('StorageClass', fastClass as unknown as AnyObject);
    fastVolumes(c.store);
    c.store.create('StatefulSet', statefulSet(3, row.policy, 'fast') as unknown as AnyObject);
    for (let i = 0; i < 3; i++) {
      c.settle();
      for (const n of c.podNames()) c.markReady(n);
    }
    c.settle();
    assert.equal(c.podNames(), ['db-0', 'db-1', 'db-2']);
    const uids = new Map(c.claims().map((x) => [x.metadata.name, x.metadata.uid]));
    row.when(c);
    c.settle();
    assert.equal(c.podNames(), row.expectedPods);
    assert.equal(claimNames(c), row.expectedClaims);
    for (const n of row.sameClaims) assert.is(c.store.getClaim('default', n)?.metadata.uid, uids.get(n), n);
    for (const p of c.pods()) {
      assert.ok(p.spec.nodeName, p.metadata.name);
      const ordinal = p.metadata.name.split('-')[1];
      assert.equal(p.spec.volumes?.[0], { name: 'data', persistentVolumeClaim: { claimName: `data-db-${ordinal}` } });
    }
  });
}

test('statefulset: persistentVolumeClaimRetentionPolicy Delete/Delete — scaled-away claims go after their pods, the rest with the set', () => {
  const c = cluster();
  c.store.create('StorageClass', fastClass as unknown as AnyObject);
  fastVolumes(c.store);
  const set = statefulSet(3, 'Parallel', 'fast');
  set.spec['persistentVolumeClaimRetentionPolicy'] = { whenDeleted: 'Delete', whenScaled: 'Delete' };
  c.store.create('StatefulSet', set as unknown as AnyObject);
  c.settle();
  const uid = c.statefulSet('db').metadata.uid;
  assert.equal(claimNames(c), ['data-db-0', 'data-db-1', 'data-db-2']);
  for (const claim of c.claims()) {
    assert.equal(claim.metadata['ownerReferences'], [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid, controller: true, blockOwnerDeletion: true }]);
  }
  setReplicas(c.store, 'StatefulSet', 1);
  c.settle();
  assert.equal(c.podNames(), ['db-0']);
  assert.equal(claimNames(c), ['data-db-0']);
  c.store.delete('StatefulSet', 'default/db');
  c.settle();
  assert.equal(c.podNames(), []);
  assert.equal(claimNames(c), []);
});

test('statefulset: switching whenDeleted to Retain takes the set off its claims; deleting the set keeps them', () => {
  const c = cluster();
  c.store.create('StorageClass', fastClass as unknown as AnyObject);
  fastVolumes(c.store);
  const set = statefulSet(1, 'Parallel', 'fast');
  set.spec['persistentVolumeClaimRetentionPolicy'] = { whenDeleted: 'Delete', whenScaled: 'Retain' };
  c.store.create('StatefulSet', set as unknown as AnyObject);
  c.settle();
  assert.is((c.claims()[0]!.metadata['ownerReferences'] as unknown[]).length, 1);
  const next = structuredClone(c.statefulSet('db'));
  next.spec['persistentVolumeClaimRetentionPolicy'] = { whenDeleted: 'Retain', whenScaled: 'Retain' };
  c.store.update('StatefulSet', next as unknown as AnyObject);
  c.settle();
  assert.is(c.claims()[0]!.metadata['ownerReferences'], undefined);
  c.store.delete('StatefulSet', 'default/db');
  c.settle();
  assert.equal(claimNames(c), ['data-db-0']);
});

/** Three Ready replicas, then a new image under `updateStrategy`; returns the revision of each pod after every settle. */
function rollStatefulSet(updateStrategy: object, rounds: number): { revisions: string[][]; status: NonNullable<StatefulSet['status']>; oldRev: string; newRev: string } {
  const c = cluster();
  const set = statefulSet(3, 'OrderedReady');
  set.spec['updateStrategy'] = updateStrategy;
  c.store.create('StatefulSet', set as unknown as AnyObject);
  for (let i = 0; i < 3; i++) { c.settle(); for (const n of c.podNames()) c.markReady(n); }
  c.settle();
  const oldRev = `db-${podTemplateHash(c.statefulSet('db').spec.template)}`;
  const next = structuredClone(c.statefulSet('db'));
  next.spec.template.spec['containers'] = [{ name: 'db', image: 'postgres:18' }];
  c.store.update('StatefulSet', next as unknown as AnyObject);
  const newRev = `db-${podTemplateHash(next.spec.template)}`;
  const short = (r: string | undefined) => (r === oldRev ? 'old' : r === newRev ? 'new' : String(r));
  const revisions: string[][] = [];
  for (let i = 0; i < rounds; i++) {
    c.settle();
    revisions.push(c.pods().map((p) => `${p.metadata.name}:${short(p.metadata.labels?.['controller-revision-hash'])}`));
    for (const n of c.podNames()) c.markReady(n);
  }
  c.settle();
  return { revisions, status: c.statefulSet('db').status!, oldRev, newRev };
}

test('statefulset: RollingUpdate replaces one pod at a time, highest ordinal first, each after the previous is Ready', () => {
  const { revisions, status, newRev } = rollStatefulSet({ type: 'RollingUpdate', rollingUpdate: { partition: 0 } }, 3);
  assert.equal(revisions, [
    ['db-0:old', 'db-1:old', 'db-2:new'],
    ['db-0:old', 'db-1:new', 'db-2:new'],
    ['db-0:new', 'db-1:new', 'db-2:new'],
  ]);
  assert.equal([status.currentRevision, status.updateRevision, status.updatedReplicas, status.currentReplicas], [newRev, newRev, 3, 3]);
});

test('statefulset: a partition keeps the ordinals below it on the current revision', () => {
  const { revisions, status, oldRev, newRev } = rollStatefulSet({ type: 'RollingUpdate', rollingUpdate: { partition: 2 } }, 2);
  assert.equal(revisions.at(-1), ['db-0:old', 'db-1:old', 'db-2:new']);
  assert.equal([status.currentRevision, status.updateRevision, status.updatedReplicas, status.currentReplicas], [oldRev, newRev, 1, 2]);
});

test('statefulset: OnDelete replaces nothing by itself', () => {
  const { revisions, status, oldRev, newRev } = rollStatefulSet({ type: 'OnDelete' }, 2);
  assert.equal(revisions.at(-1), ['db-0:old', 'db-1:old', 'db-2:old']);
  assert.equal([status.currentRevision, status.updateRevision, status.updatedReplicas], [oldRev, newRev, 0]);
});

/** One replica rolled through `images` in turn (each fully, the pod Ready); the ControllerRevisions then (image: revision). */
function revisionHistory(limit: number | undefined, images: string[]): string[] {
  const c = cluster();
  const set = statefulSet(1, 'OrderedReady');
  if (limit !== undefined) set.spec.revisionHistoryLimit = limit;
  set.spec.template.spec['containers'] = [{ name: 'db', image: images[0] }];
  c.store.create('StatefulSet', set as unknown as AnyObject);
  for (const image of images) {
    const next = structuredClone(c.statefulSet('db'));
    next.spec.template.spec['containers'] = [{ name: 'db', image }];
    c.store.update('StatefulSet', next as unknown as AnyObject);
    for (let i = 0; i < 4; i++) { c.settle(); readyAll(c); }
    c.settle();
    assert.is(c.statefulSet('db').status?.currentRevision, `db-${podTemplateHash(next.spec.template)}`);
  }
  return (c.store.list('ControllerRevision') as unknown as ControllerRevision[])
    .sort((a, b) => a.revision - b.revision)
    .map((cr) => {
      assert.is(cr.metadata.name, `db-${cr.metadata.labels?.['controller.kubernetes.io/hash']}`);
      assert.equal((cr.metadata['ownerReferences'] as { kind: string; name: string; controller?: boolean }[]).map((r) => [r.kind, r.name, r.controller]), [['StatefulSet', 'db', true]]);
      return `${(cr.data.spec.template.spec['containers'] as { image: string }[])[0]!.image}:${cr.revision}`;
    });
}

// getStatefulSetRevisions / truncateHistory (stateful_set_control.go): one revision per distinct
// template; a template seen before takes the next number; old revisions beyond the limit go.
const historyRows: { name: string; limit: number | undefined; images: string[]; want: string[] }[] = [
  { name: 'one revision per template', limit: undefined, images: ['v1', 'v2', 'v3'], want: ['v1:1', 'v2:2', 'v3:3'] },
  { name: 'a template seen before is renumbered, not copied', limit: undefined, images: ['v1', 'v2', 'v1'], want: ['v2:2', 'v1:3'] },
  { name: 'revisionHistoryLimit 2 keeps the live one and two old', limit: 2, images: ['v1', 'v2', 'v3', 'v4', 'v5'], want: ['v3:3', 'v4:4', 'v5:5'] },
  { name: 'revisionHistoryLimit 0 keeps only the live one', limit: 0, images: ['v1', 'v2', 'v3'], want: ['v3:3'] },
  { name: 'default limit is 10', limit: undefined, images: Array.from({ length: 12 }, (_, i) => `v${i + 1}`), want: Array.from({ length: 11 }, (_, i) => `v${i + 2}:${i + 2}`) },
];
for (const row of historyRows) {
  test(`statefulset revisions: ${row.name}`, () => assert.equal(revisionHistory(row.limit, row.images), row.want));
}

test('statefulset revisions: deleting the set collects its ControllerRevisions', () => {
  const c = cluster();
  c.store.create('StatefulSet', statefulSet(1) as unknown as AnyObject);
  c.settle();
  assert.is(c.store.list('ControllerRevision').length, 1);
  c.store.delete('StatefulSet', 'default/db');
  c.settle();
  assert.is(c.store.list('ControllerRevision').length, 0);
});

test('statefulset: the claim of a Pending pod, deleted, is created again (a new claim)', () => {
  const c = cluster();
  c.store.create('StatefulSet', statefulSet(1, 'Parallel') as unknown as AnyObject);
  c.settle();
  const uid = c.store.getClaim('default', 'data-db-0')!.metadata.uid;
  // The pod is unscheduled (its Immediate claim is unbound), so nothing protects the claim.
  c.store.delete('PersistentVolumeClaim', 'default/data-db-0');
  c.settle();
  assert.equal(claimNames(c), ['data-db-0']);
  assert.is.not(c.store.getClaim('default', 'data-db-0')!.metadata.uid, uid);
});

test('statefulset: OrderedReady scale-down waits until the remaining replicas are Running and Ready', () => {
  const c = cluster();
  c.store.create('StatefulSet', statefulSet(3, 'Parallel') as unknown as AnyObject);
  c.settle();
  const s = structuredClone(c.statefulSet('db'));
  s.spec.podManagementPolicy = 'OrderedReady';
  s.spec.replicas = 2;
  c.store.update('StatefulSet', s as unknown as AnyObject);
  c.settle();
  assert.equal(c.podNames(), ['db-0', 'db-1', 'db-2']);
  c.markReady('db-0');
  c.settle();
  assert.equal(c.podNames(), ['db-0', 'db-1', 'db-2']);
  // db-2 is not Ready itself, but it is the first unhealthy pod, so it may go.
  c.markReady('db-1');
  c.settle();
  assert.equal(c.podNames(), ['db-0', 'db-1']);
});

test('statefulset: the same inputs give the same pods, claims and nodes', () => {
  const run = () => {
    const c = cluster(3);
    c.store.create('StatefulSet', statefulSet(3, 'Parallel') as unknown as AnyObject);
    c.settle();
    c.store.delete('Pod', 'default/db-0');
    c.settle();
    return [...c.pods().map((p) => `${p.metadata.name}@${p.spec.nodeName}`), ...c.claims().map((x) => `${x.metadata.name}:${x.metadata.uid}`)];
  };
  assert.equal(run(), run());
});

test.run();
