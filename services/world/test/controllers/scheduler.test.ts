/**
 * Design: the scheduler against the real store and controller manager (PV controller and
 * protection controllers running), table-driven: each row builds a cluster (`given`), creates
 * the pod under test and settles, then checks where the pod went — bound to a node, or Pending
 * with kube-scheduler's exact FitError message — and what the PreBind wrote on claims and PVs.
 * Sequences (a claim appearing later, a RWOP user going away, spreading replicas) follow as
 * their own tests; pure message formatting has its own rows.
 */
import { schedulingControllers, testCluster } from './support/testCluster.ts';
import type { World } from '../../src/index.ts';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ANN_BIND_COMPLETED, ANN_BOUND_BY_CONTROLLER, ANN_SELECTED_NODE, FINALIZER_PVC_PROTECTION, FINALIZER_PV_PROTECTION,
  type AccessMode, type KubeEvent, type Node, type PersistentVolume, type PersistentVolumeClaim, type Pod, type StorageClass,
} from '@pvsim/domain';
import type { AnyObject, ObjectStore } from '@pvsim/runtime';
import { ControllerManager, type Deployment } from '@pvsim/controller-manager';
import { SchedulingReason, checkBindings, fitErrorMessage, preBindFailureMessage, type PodBinding } from '@pvsim/scheduler';


// ------------------------------------------------------------------ cluster

interface Cluster {
  store: ObjectStore;
  manager: ControllerManager;
  world: World;
  settle(): void;
  create(kind: 'Node' | 'Pod' | 'PersistentVolume' | 'PersistentVolumeClaim' | 'StorageClass' | 'Deployment', obj: object): void;
  pod(name: string): Pod;
  claim(name: string): PersistentVolumeClaim;
  volume(name: string): PersistentVolume;
  events(reason: string): KubeEvent[];
}

function cluster(seed = 1): Cluster {
  const { world, store, manager: m, clock } = testCluster({
    seed,
    controllers: schedulingControllers,
  });
  return {
    world, store, manager: m,
    settle: () => { clock.advance(1_000); world.settle(); },
    create: (kind, obj) => { store.create(kind, obj as AnyObject); },
    pod: (name) => store.get('Pod', `default/${name}`) as unknown as Pod,
    claim: (name) => store.getClaim('default', name)!,
    volume: (name) => store.getVolume(name)!,
    events: (reason) => store.events().filter((e) => e.reason === reason),
  };
}

// ------------------------------------------------------------------ objects

function node(name: string, zone: string, opts: { ready?: 'True' | 'False' | 'Unknown'; unschedulable?: boolean; taints?: object[]; labels?: Record<string, string> } = {}): Node {
  return {
    apiVersion: 'v1', kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, 'topology.kubernetes.io/zone': zone, 'kubernetes.io/os': 'linux', ...(opts.labels ?? {}) } },
    spec: { ...(opts.unschedulable ? { unschedulable: true } : {}), ...(opts.taints ? { taints: opts.taints } : {}) },
    status: { conditions: [{ type: 'Ready', status: opts.ready ?? 'True' }] },
  };
}

const twoNodes = (c: Cluster) => { c.create('Node', node('node-a', 'zone-a')); c.create('Node', node('node-b', 'zone-b')); };

function pod(name: string, opts: {
  labels?: Record<string, string>; claims?: string[]; nodeSelector?: Record<string, string>; antiAffinity?: { app: string; topologyKey: string };
  nodeName?: string; schedulerName?: string; tolerations?: object[];
} = {}): Pod {
  return {
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name, namespace: 'default', labels: opts.labels ?? { app: name } },
    spec: {
      containers: [{ name: 'app', image: 'busybox' }],
      ...(opts.claims ? { volumes: opts.claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })) } : {}),
      ...(opts.nodeSelector ? { nodeSelector: opts.nodeSelector } : {}),
      ...(opts.nodeName ? { nodeName: opts.nodeName } : {}),
      ...(opts.schedulerName ? { schedulerName: opts.schedulerName } : {}),
      ...(opts.tolerations ? { tolerations: opts.tolerations } : {}),
      ...(opts.antiAffinity ? {
        affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: opts.antiAffinity.app } }, topologyKey: opts.antiAffinity.topologyKey }] } },
      } : {}),
    },
    status: { phase: 'Pending' },
  };
}

function withRequests(p: Pod, requests: Record<string, string>): Pod {
  const spec = p.spec as { containers: { resources?: object }[] };
  return { ...p, spec: { ...p.spec, containers: spec.containers.map((c) => ({ ...c, resources: { requests } })) } } as Pod;
}

function withAffinity(p: Pod, affinity: object): Pod {
  return { ...p, spec: { ...p.spec, affinity } } as Pod;
}

function storageClass(name: string, provisioner: string, mode: 'Immediate' | 'WaitForFirstConsumer', allowedTopologies?: object[]): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name }, provisioner, reclaimPolicy: 'Delete', volumeBindingMode: mode,
    ...(allowedTopologies ? { allowedTopologies } : {}),
  };
}

function pv(name: string, opts: { className?: string; hostname?: string; modes?: AccessMode[]; size?: string } = {}): PersistentVolume {
  return {
    apiVersion: 'v1', kind: 'PersistentVolume',
    metadata: { name, finalizers: [FINALIZER_PV_PROTECTION] },
    spec: {
      capacity: { storage: opts.size ?? '1Gi' }, accessModes: opts.modes ?? ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain',
      storageClassName: opts.className ?? '',
      ...(opts.hostname ? {
        local: { path: `/mnt/disks/${name}` },
        nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [opts.hostname] }] }] } },
      } : { hostPath: { path: `/tmp/${name}` } }),
    },
    status: { phase: 'Pending' },
  };
}

function pvc(name: string, opts: { className?: string; modes?: AccessMode[]; size?: string } = {}): PersistentVolumeClaim {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'default', finalizers: [FINALIZER_PVC_PROTECTION] },
    spec: { accessModes: opts.modes ?? ['ReadWriteOnce'], resources: { requests: { storage: opts.size ?? '1Gi' } }, storageClassName: opts.className ?? '', volumeMode: 'Filesystem' },
    status: { phase: 'Pending' },
  };
}

function scheduledCondition(p: Pod) {
  type Condition = { type: string; status: string; reason?: string; message?: string; lastProbeTime?: null; lastTransitionTime?: string };
  return ((p.status?.['conditions'] as Condition[] | undefined) ?? []).find((c) => c.type === 'PodScheduled');
}

// ------------------------------------------------------------------ filters, one row each

interface Row {
  name: string;
  given: (c: Cluster) => void;
  pod: Pod;
  /** The node the pod is bound to, or undefined for Pending. */
  expectedNode?: string;
  expectedMessage?: string;
  then?: (c: Cluster) => void;
}

const rows: Row[] = [
  {
    name: 'no node at all: the two default nodes are created and the pod goes to node-a',
    given: () => {},
    pod: pod('web'),
    expectedNode: 'node-a',
    then: (c) => {
      const nodes = c.store.list('Node') as unknown as Node[];
      assert.equal(nodes.map((n) => n.metadata.name), ['node-a', 'node-b']);
      assert.equal(nodes[1]!.metadata.labels, { 'kubernetes.io/hostname': 'node-b', 'topology.kubernetes.io/zone': 'zone-b', 'kubernetes.io/os': 'linux' });
      assert.equal((nodes[0]!.status!['conditions'] as { type: string; status: string }[])[0]!.status, 'True');
      assert.equal((nodes[0]!.status!['nodeInfo'] as { kubeletVersion: string }).kubeletVersion, 'v1.34.0-pvsim');
    },
  },
  {
    name: 'Ready=False node skipped',
    given: (c) => { c.create('Node', node('node-a', 'zone-a', { ready: 'False' })); c.create('Node', node('node-b', 'zone-b')); },
    pod: pod('web'),
    expectedNode: 'node-b',
  },
  {
    name: 'no Ready node: not-ready taint',
    given: (c) => { c.create('Node', node('node-a', 'zone-a', { ready: 'False' })); c.create('Node', node('node-b', 'zone-b', { ready: 'False' })); },
    pod: pod('web'),
    expectedMessage: '0/2 nodes are available: 2 node(s) had untolerated taint {node.kubernetes.io/not-ready: }. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
  },
  {
    name: 'node down (Ready=Unknown + unreachable taint) and a cordoned node',
    given: (c) => {
      c.create('Node', node('node-a', 'zone-a', { ready: 'Unknown', taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' }] }));
      c.create('Node', node('node-b', 'zone-b', { unschedulable: true }));
    },
    pod: pod('web'),
    expectedMessage: '0/2 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unreachable: }, 1 node(s) were unschedulable. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
  },
  {
    name: 'a toleration lets the pod onto a tainted node',
    given: (c) => { c.create('Node', node('node-a', 'zone-a', { taints: [{ key: 'dedicated', value: 'db', effect: 'NoSchedule' }] })); },
    pod: pod('web', { tolerations: [{ key: 'dedicated', operator: 'Equal', value: 'db', effect: 'NoSchedule' }] }),
    expectedNode: 'node-a',
  },
  {
    name: 'nodeSelector picks the zone',
    given: twoNodes,
    pod: pod('web', { nodeSelector: { 'topology.kubernetes.io/zone': 'zone-b' } }),
    expectedNode: 'node-b',
  },
  {
    name: 'nodeSelector matches no node',
    given: twoNodes,
    pod: pod('web', { nodeSelector: { disktype: 'ssd' } }),
    expectedMessage: "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
  },
  {
    name: 'anti-affinity on hostname avoids the node of a matching pod',
    given: (c) => { twoNodes(c); c.create('Pod', pod('web-1', { labels: { app: 'web' }, nodeName: 'node-a' })); },
    pod: pod('web-2', { labels: { app: 'web' }, antiAffinity: { app: 'web', topologyKey: 'kubernetes.io/hostname' } }),
    expectedNode: 'node-b',
  },
  {
    name: 'anti-affinity on zone with both zones taken',
    given: (c) => {
      twoNodes(c);
      c.create('Pod', pod('web-1', { labels: { app: 'web' }, nodeName: 'node-a' }));
      c.create('Pod', pod('web-2', { labels: { app: 'web' }, nodeName: 'node-b' }));
    },
    pod: pod('web-3', { labels: { app: 'web' }, antiAffinity: { app: 'web', topologyKey: 'topology.kubernetes.io/zone' } }),
    expectedMessage: "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.",
  },
  {
    name: "an existing pod's anti-affinity keeps the new pod away",
    given: (c) => {
      twoNodes(c);
      const p = pod('db-1', { labels: { app: 'db' }, nodeName: 'node-a', antiAffinity: { app: 'web', topologyKey: 'kubernetes.io/hostname' } });
      c.create('Pod', p);
    },
    pod: pod('web', { labels: { app: 'web' }, nodeSelector: { 'kubernetes.io/hostname': 'node-a' } }),
    expectedMessage: "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) didn't satisfy existing pods anti-affinity rules. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
  },
  {
    name: 'anti-affinity on one node, volume node affinity on the other (the brief example)',
    given: (c) => {
      twoNodes(c);
      c.create('PersistentVolume', pv('local-a', { hostname: 'node-a' }));
      c.create('PersistentVolumeClaim', pvc('data'));
      c.settle();
      c.create('Pod', pod('web-1', { labels: { app: 'web' }, nodeName: 'node-a' }));
    },
    pod: pod('web-2', { labels: { app: 'web' }, claims: ['data'], antiAffinity: { app: 'web', topologyKey: 'kubernetes.io/hostname' } }),
    expectedMessage: "0/2 nodes are available: 1 node(s) didn't match pod anti-affinity rules, 1 node(s) had volume node affinity conflict. preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
  },
  {
    name: 'bound claim: the PV node affinity chooses the node',
    given: (c) => {
      twoNodes(c);
      c.create('PersistentVolume', pv('local-b', { hostname: 'node-b' }));
      c.create('PersistentVolumeClaim', pvc('data'));
      c.settle();
    },
    pod: pod('web', { claims: ['data'] }),
    expectedNode: 'node-b',
  },
  {
    name: 'bound claim whose PV fits no node',
    given: (c) => {
      twoNodes(c);
      c.create('PersistentVolume', pv('local-c', { hostname: 'node-c' }));
      c.create('PersistentVolumeClaim', pvc('data'));
      c.settle();
    },
    pod: pod('web', { claims: ['data'] }),
    expectedMessage: '0/2 nodes are available: 2 node(s) had volume node affinity conflict. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
  },
  {
    name: 'claim not found',
    given: twoNodes,
    pod: pod('web', { claims: ['data'] }),
    expectedMessage: '0/2 nodes are available: persistentvolumeclaim "data" not found. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
  },
  {
    name: 'unbound Immediate claim',
    given: (c) => { twoNodes(c); c.create('PersistentVolumeClaim', pvc('data')); },
    pod: pod('web', { claims: ['data'] }),
    expectedMessage: '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
  },
  {
    name: 'RWOP claim used by another pod',
    given: (c) => {
      twoNodes(c);
      c.create('PersistentVolume', pv('pv-rwop', { modes: ['ReadWriteOncePod'] }));
      c.create('PersistentVolumeClaim', pvc('data', { modes: ['ReadWriteOncePod'] }));
      c.settle();
      c.create('Pod', pod('first', { claims: ['data'] }));
      c.settle();
    },
    pod: pod('second', { claims: ['data'] }),
    expectedMessage: '0/2 nodes are available: 2 node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.',
    then: (c) => assert.is(c.pod('first').spec.nodeName, 'node-a'),
  },
  // NodeResourcesFit (noderesources/fit.go fitsRequest): requests against status.allocatable.
  {
    name: 'NodeResourcesFit: a pod asking more cpu than any node has left is Insufficient cpu; preemption finds no victims',
    given: (c) => {
      for (const n of ['node-a', 'node-b']) c.create('Node', { ...node(n, 'zone-a'), status: { conditions: [{ type: 'Ready', status: 'True' }], allocatable: { cpu: '2', memory: '4Gi', pods: '110' } } });
      c.create('Pod', withRequests(pod('big-1'), { cpu: '1500m' }));
      c.settle();
    },
    pod: withRequests(pod('big-2'), { cpu: '1', memory: '5Gi' }),
    expectedMessage: '0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.',
  },
  {
    name: 'NodeResourcesFit: the pod goes where it fits',
    given: (c) => {
      for (const n of ['node-a', 'node-b']) c.create('Node', { ...node(n, 'zone-a'), status: { conditions: [{ type: 'Ready', status: 'True' }], allocatable: { cpu: '2', memory: '4Gi', pods: '110' } } });
      c.create('Pod', withRequests(pod('big-1', { nodeSelector: { 'kubernetes.io/hostname': 'node-a' } }), { cpu: '1500m' }));
      c.settle();
    },
    pod: withRequests(pod('big-2'), { cpu: '1' }),
    expectedNode: 'node-b',
  },
  // VolumeZone (volumezone/volume_zone.go): a bound PV's zone label must be the node's.
  {
    name: 'VolumeZone: a bound PV labelled zone-b keeps the pod off zone-a',
    given: (c) => {
      twoNodes(c);
      c.create('PersistentVolume', { ...pv('pv-zonal'), metadata: { name: 'pv-zonal', labels: { 'topology.kubernetes.io/zone': 'zone-b' } } });
      c.create('PersistentVolumeClaim', pvc('data'));
      c.settle();
    },
    pod: pod('web', { claims: ['data'], nodeSelector: { 'topology.kubernetes.io/zone': 'zone-a' } }),
    expectedMessage: "0/2 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 1 node(s) had no available volume zone. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
  },
  {
    name: 'VolumeZone: a PV in zone-a__zone-b fits both zones',
    given: (c) => {
      twoNodes(c);
      c.create('PersistentVolume', { ...pv('pv-zonal'), metadata: { name: 'pv-zonal', labels: { 'topology.kubernetes.io/zone': 'zone-a__zone-b' } } });
      c.create('PersistentVolumeClaim', pvc('data'));
      c.settle();
    },
    pod: pod('web', { claims: ['data'], nodeSelector: { 'topology.kubernetes.io/zone': 'zone-b' } }),
    expectedNode: 'node-b',
  },
  // Scores (NodeAffinity and InterPodAffinity, weight 2 each in the default profile): the best node wins.
  {
    name: 'preferred node affinity: zone-b preferred, the pod goes to node-b though node-a sorts first',
    given: twoNodes,
    pod: withAffinity(pod('web'), { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 50, preference: { matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['zone-b'] }] } }] } }),
    expectedNode: 'node-b',
  },
  {
    name: 'preferred pod affinity: next to the cache pod, although that node has more pods',
    given: (c) => {
      twoNodes(c);
      c.create('Pod', pod('cache', { nodeSelector: { 'kubernetes.io/hostname': 'node-b' } }));
      c.settle();
    },
    pod: withAffinity(pod('web'), { podAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'cache' } }, topologyKey: 'kubernetes.io/hostname' } }] } }),
    expectedNode: 'node-b',
  },
  {
    name: 'preferred pod anti-affinity: away from the other replica',
    given: (c) => {
      twoNodes(c);
      c.create('Pod', pod('web-1', { labels: { app: 'web' }, nodeSelector: { 'kubernetes.io/hostname': 'node-a' } }));
      c.create('Pod', pod('other', { nodeSelector: { 'kubernetes.io/hostname': 'node-b' } }));
      c.create('Pod', pod('other-2', { nodeSelector: { 'kubernetes.io/hostname': 'node-b' } }));
      c.settle();
    },
    pod: withAffinity(pod('web-2', { labels: { app: 'web' } }), { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' } }] } }),
    expectedNode: 'node-b',
  },
  {
    name: 'WFFC with a preferred zone: the claim gets the preferred node, so the disk is made in zone-b',
    given: (c) => { twoNodes(c); c.create('StorageClass', storageClass('fast', 'block.csi.pvsim.dev', 'WaitForFirstConsumer')); c.create('PersistentVolumeClaim', pvc('data', { className: 'fast' })); },
    pod: withAffinity(pod('web', { claims: ['data'] }), { nodeAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 10, preference: { matchExpressions: [{ key: 'topology.kubernetes.io/zone', operator: 'In', values: ['zone-b'] }] } }] } }),
    then: (c) => assert.is(c.claim('data').metadata.annotations?.[ANN_SELECTED_NODE], 'node-b'),
  },
  {
    name: 'RWO claim may be shared by two pods',
    given: (c) => {
      twoNodes(c);
      c.create('PersistentVolume', pv('pv-rwo'));
      c.create('PersistentVolumeClaim', pvc('data'));
      c.settle();
      c.create('Pod', pod('first', { claims: ['data'] }));
      c.settle();
    },
    pod: pod('second', { claims: ['data'] }),
    expectedNode: 'node-b',
  },
  {
    // binder.go BindPodVolumes: the pod is bound only once its claims are; until then it has no
    // node, no PodScheduled condition and no event (no provisioner runs in this cluster).
    name: 'WFFC with a provisioner: selected-node set on the claim, the pod not bound until the claim is',
    given: (c) => { twoNodes(c); c.create('StorageClass', storageClass('fast', 'block.csi.pvsim.dev', 'WaitForFirstConsumer')); c.create('PersistentVolumeClaim', pvc('data', { className: 'fast' })); },
    pod: pod('web', { claims: ['data'] }),
    then: (c) => {
      assert.is(c.claim('data').metadata.annotations?.[ANN_SELECTED_NODE], 'node-a');
      assert.is(c.claim('data').status?.phase, 'Pending');
      assert.is(scheduledCondition(c.pod('web')), undefined);
      assert.equal(c.events('Scheduled'), []);
      assert.equal(c.events('FailedScheduling'), []);
    },
  },
  {
    name: 'WFFC allowedTopologies restricts the node',
    given: (c) => {
      twoNodes(c);
      c.create('StorageClass', storageClass('zonal', 'block.csi.pvsim.dev', 'WaitForFirstConsumer', [{ matchLabelExpressions: [{ key: 'topology.kubernetes.io/zone', values: ['zone-b'] }] }]));
      c.create('PersistentVolumeClaim', pvc('data', { className: 'zonal' }));
    },
    pod: pod('web', { claims: ['data'] }),
    then: (c) => assert.is(c.claim('data').metadata.annotations?.[ANN_SELECTED_NODE], 'node-b'),
  },
  {
    name: 'WFFC local PV with node affinity: that node, PV prebound, then Bound by the PV controller',
    given: (c) => {
      twoNodes(c);
      c.create('StorageClass', storageClass('local', 'kubernetes.io/no-provisioner', 'WaitForFirstConsumer'));
      c.create('PersistentVolume', pv('local-b', { className: 'local', hostname: 'node-b' }));
      c.create('PersistentVolumeClaim', pvc('data', { className: 'local' }));
    },
    pod: pod('web', { claims: ['data'] }),
    expectedNode: 'node-b',
    then: (c) => {
      const v = c.volume('local-b');
      assert.is(v.spec.claimRef?.name, 'data');
      assert.is(v.spec.claimRef?.uid, c.claim('data').metadata.uid);
      assert.is(v.metadata.annotations?.[ANN_BOUND_BY_CONTROLLER], 'yes');
      assert.is(c.claim('data').status?.phase, 'Bound');
      assert.is(c.claim('data').spec.volumeName, 'local-b');
      assert.is(c.claim('data').metadata.annotations?.[ANN_BIND_COMPLETED], 'yes');
      assert.is(c.claim('data').metadata.annotations?.[ANN_SELECTED_NODE], undefined);
    },
  },
  {
    name: 'WFFC without PV and no provisioner',
    given: (c) => {
      twoNodes(c);
      c.create('StorageClass', storageClass('local', 'kubernetes.io/no-provisioner', 'WaitForFirstConsumer'));
      c.create('PersistentVolumeClaim', pvc('data', { className: 'local' }));
    },
    pod: pod('web', { claims: ['data'] }),
    expectedMessage: "0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
  },
  {
    name: 'WFFC claim whose selected-node is another node',
    given: (c) => {
      twoNodes(c);
      c.create('StorageClass', storageClass('fast', 'block.csi.pvsim.dev', 'WaitForFirstConsumer'));
      const claim = pvc('data', { className: 'fast' });
      claim.metadata.annotations = { [ANN_SELECTED_NODE]: 'node-b' };
      c.create('PersistentVolumeClaim', claim);
    },
    pod: pod('web', { claims: ['data'], nodeSelector: { 'kubernetes.io/hostname': 'node-a' } }),
    expectedMessage: "0/2 nodes are available: 1 node(s) didn't find available persistent volumes to bind, 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.",
  },
  {
    name: 'scoring: the node with fewer pods wins',
    given: (c) => { twoNodes(c); c.create('Pod', pod('other', { nodeName: 'node-a' })); },
    pod: pod('web'),
    expectedNode: 'node-b',
  },
  {
    name: 'a pod for another scheduler is left alone',
    given: twoNodes,
    pod: pod('web', { schedulerName: 'my-scheduler' }),
    then: (c) => assert.is(scheduledCondition(c.pod('web')), undefined),
  },
];

for (const row of rows) {
  test(`filter: ${row.name}`, () => {
    const c = cluster();
    row.given(c);
    c.create('Pod', row.pod);
    c.settle();
    const p = c.pod(row.pod.metadata.name);
    assert.is(p.spec.nodeName, row.expectedNode);
    const cond = scheduledCondition(p);
    if (row.expectedNode) {
      assert.is(cond?.status, 'True');
      const scheduled = c.events('Scheduled').filter((e) => e.involvedObject.name === row.pod.metadata.name);
      assert.equal(scheduled.map((e) => [e.message, e.source.component]), [[`Successfully assigned default/${row.pod.metadata.name} to ${row.expectedNode}`, 'default-scheduler']]);
    }
    if (row.expectedMessage !== undefined) {
      const { lastTransitionTime, ...rest } = cond ?? {};
      assert.equal(rest, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: row.expectedMessage, lastProbeTime: null });
      assert.type(lastTransitionTime, 'string');
      assert.is(p.status?.phase, 'Pending');
      const failed = c.events('FailedScheduling').filter((e) => e.involvedObject.name === row.pod.metadata.name);
      assert.equal(failed.map((e) => [e.type, e.message, e.source.component]), [['Warning', row.expectedMessage, 'default-scheduler']]);
    }
    row.then?.(c);
  });
}

// ------------------------------------------------------------------ sequences

test('a missing claim, then an unbound one, then a bound one: the pod follows each step', () => {
  const c = cluster();
  twoNodes(c);
  c.create('Pod', pod('web', { claims: ['data'] }));
  c.settle();
  assert.is(scheduledCondition(c.pod('web'))?.message, '0/2 nodes are available: persistentvolumeclaim "data" not found. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.');
  c.create('PersistentVolumeClaim', pvc('data'));
  c.settle();
  assert.is(scheduledCondition(c.pod('web'))?.message, '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.');
  c.create('PersistentVolume', pv('local-b', { hostname: 'node-b' }));
  c.settle();
  assert.is(c.pod('web').spec.nodeName, 'node-b');
  assert.equal(c.events('FailedScheduling').map((e) => e.message), [
    '0/2 nodes are available: persistentvolumeclaim "data" not found. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
    '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.',
  ]);
});

test('FailedScheduling is recorded once per distinct message across resyncs', () => {
  const c = cluster();
  twoNodes(c);
  c.create('Pod', pod('web', { nodeSelector: { disktype: 'ssd' } }));
  for (let i = 0; i < 3; i++) { c.settle(); c.world.resyncAll(); c.world.drain(); }
  const failed = c.events('FailedScheduling');
  assert.is(failed.length, 1);
  assert.is(failed[0]!.count, 1);
});

test('RWOP: the second pod is scheduled once the first is deleted', () => {
  const c = cluster();
  twoNodes(c);
  c.create('PersistentVolume', pv('pv-rwop', { modes: ['ReadWriteOncePod'] }));
  c.create('PersistentVolumeClaim', pvc('data', { modes: ['ReadWriteOncePod'] }));
  c.settle();
  c.create('Pod', pod('first', { claims: ['data'] }));
  c.settle();
  c.create('Pod', pod('second', { claims: ['data'] }));
  c.settle();
  assert.is(c.pod('second').spec.nodeName, undefined);
  c.store.delete('Pod', 'default/first');
  c.settle();
  assert.is(c.pod('second').spec.nodeName, 'node-a');
});

test('a node that comes back Ready takes the pending pod', () => {
  const c = cluster();
  c.create('Node', node('node-a', 'zone-a', { ready: 'False' }));
  c.create('Pod', pod('web'));
  c.settle();
  assert.is(c.pod('web').spec.nodeName, undefined);
  const n = c.store.get('Node', 'node-a')!;
  c.store.update('Node', { ...n, status: { conditions: [{ type: 'Ready', status: 'True' }] } } as AnyObject, 'status');
  c.settle();
  assert.is(c.pod('web').spec.nodeName, 'node-a');
});

test('a provisioner removing selected-node fails PreBind: FailedScheduling (SchedulerError), no node, retried after the backoff', () => {
  // volumebinding binder.go checkBindings ("provisioning failed for PVC"), runPreBindPlugins'
  // wrapping, schedule_one.go handleSchedulingFailure, podInitialBackoffSeconds = 1.
  const c = cluster();
  twoNodes(c);
  c.create('StorageClass', storageClass('fast', 'block.csi.pvsim.dev', 'WaitForFirstConsumer'));
  c.create('PersistentVolumeClaim', pvc('data', { className: 'fast' }));
  c.create('Pod', pod('web', { claims: ['data'] }));
  c.world.settle();
  assert.is(c.claim('data').metadata.annotations?.[ANN_SELECTED_NODE], 'node-a');
  const claim = structuredClone(c.claim('data'));
  delete claim.metadata.annotations![ANN_SELECTED_NODE];
  c.store.updateClaim(claim);
  c.world.drain();
  const message = 'running PreBind plugin "VolumeBinding": binding volumes: provisioning failed for PVC "data"';
  assert.is(c.pod('web').spec.nodeName, undefined);
  assert.equal(c.events('FailedScheduling').map((e) => [e.type, e.message]), [['Warning', message]]);
  const { lastTransitionTime: _t, ...cond } = scheduledCondition(c.pod('web'))!;
  assert.equal(cond, { type: 'PodScheduled', status: 'False', reason: 'SchedulerError', message, lastProbeTime: null });
  // Backing off: not before a second of simulated time.
  assert.is(c.claim('data').metadata.annotations?.[ANN_SELECTED_NODE], undefined);
  c.world.clock.advance(999);
  c.world.drain();
  assert.is(c.claim('data').metadata.annotations?.[ANN_SELECTED_NODE], undefined);
  c.world.clock.advance(1);
  c.world.runUntil(() => c.claim('data').metadata.annotations?.[ANN_SELECTED_NODE] !== undefined, 5_000);
  assert.is(c.claim('data').metadata.annotations?.[ANN_SELECTED_NODE], 'node-a');
  assert.is(c.pod('web').spec.nodeName, undefined);
});

test('a static WFFC binding: the pod is bound only after the PV controller completes the claim\'s binding, Scheduled last', () => {
  const c = cluster();
  twoNodes(c);
  c.create('StorageClass', storageClass('local', 'kubernetes.io/no-provisioner', 'WaitForFirstConsumer'));
  c.create('PersistentVolume', pv('local-b', { className: 'local', hostname: 'node-b' }));
  c.create('PersistentVolumeClaim', pvc('data', { className: 'local' }));
  c.create('Pod', pod('web', { claims: ['data'] }));
  c.settle();
  assert.is(c.pod('web').spec.nodeName, 'node-b');
  const order = c.store.events().map((e) => e.reason).filter((r) => r === 'Scheduled');
  assert.equal(order, ['Scheduled']);
  const bound = c.store.get('PersistentVolumeClaim', 'default/data')!;
  const podObj = c.store.get('Pod', 'default/web')!;
  assert.ok(Number(bound.metadata.resourceVersion) < Number(podObj.metadata.resourceVersion), 'the claim was bound before the pod');
});

test('two WFFC claims and two local PVs on node-b: each claim gets its own PV (smallest request first)', () => {
  const c = cluster();
  twoNodes(c);
  c.create('StorageClass', storageClass('local', 'kubernetes.io/no-provisioner', 'WaitForFirstConsumer'));
  c.create('PersistentVolume', pv('local-small', { className: 'local', hostname: 'node-b', size: '1Gi' }));
  c.create('PersistentVolume', pv('local-big', { className: 'local', hostname: 'node-b', size: '5Gi' }));
  c.create('PersistentVolumeClaim', pvc('big', { className: 'local', size: '2Gi' }));
  c.create('PersistentVolumeClaim', pvc('small', { className: 'local', size: '1Gi' }));
  c.create('Pod', pod('web', { claims: ['big', 'small'] }));
  c.settle();
  assert.is(c.pod('web').spec.nodeName, 'node-b');
  assert.is(c.claim('small').spec.volumeName, 'local-small');
  assert.is(c.claim('big').spec.volumeName, 'local-big');
});

test('anti-affinity spreads two replicas over two nodes and leaves the third Pending', () => {
  const c = cluster();
  const d: Deployment = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas: 3, selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [{ name: 'app', image: 'nginx' }],
          affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' }] } },
        },
      },
    },
  };
  c.create('Deployment', d);
  c.settle();
  const pods = c.store.listPods('default');
  assert.is(pods.length, 3);
  const nodes = pods.map((p) => p.spec.nodeName).filter((n) => n !== undefined).sort();
  assert.equal(nodes, ['node-a', 'node-b']);
  const pending = pods.filter((p) => !p.spec.nodeName);
  assert.is(pending.length, 1);
  assert.is(scheduledCondition(pending[0]!)?.message, "0/2 nodes are available: 2 node(s) didn't match pod anti-affinity rules. preemption: 0/2 nodes are available: 2 No preemption victims found for incoming pod.");
});

// ------------------------------------------------------------------ message formatting

const messageRows: { name: string; nodes: number; reasons: Parameters<typeof fitErrorMessage>[1]; expected: string }[] = [
  { name: 'pre-filter message, no histogram', nodes: 2, reasons: { preFilter: SchedulingReason.unboundImmediateClaims }, expected: '0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.' },
  {
    name: 'histogram sorted as strings',
    nodes: 3,
    reasons: { perNode: [[SchedulingReason.volumeNodeAffinityConflict], [SchedulingReason.podAntiAffinityMismatch], [SchedulingReason.volumeNodeAffinityConflict]] },
    expected: "0/3 nodes are available: 1 node(s) didn't match pod anti-affinity rules, 2 node(s) had volume node affinity conflict. preemption: 0/3 nodes are available: 1 No preemption victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
  },
  {
    name: 'two reasons from one node both count',
    nodes: 1,
    reasons: { perNode: [[SchedulingReason.volumeNodeAffinityConflict, SchedulingReason.volumeBindConflict]] },
    expected: "0/1 nodes are available: 1 node(s) didn't find available persistent volumes to bind, 1 node(s) had volume node affinity conflict. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
  },
];

for (const row of messageRows) {
  test(`message: ${row.name}`, () => {
    assert.is(fitErrorMessage(row.nodes, row.reasons), row.expected);
  });
}

// ------------------------------------------------------------------ checkBindings, one row each

/** volumebinding binder.go checkBindings: each way a binding cycle ends or keeps waiting. */
{
  const nodeA = node('node-a', 'zone-a');
  const claimOf = (rv: string, ann: Record<string, string> | undefined, volumeName?: string): PersistentVolumeClaim => {
    const c = pvc('data', { className: 'fast' });
    c.metadata.resourceVersion = rv;
    if (ann) c.metadata.annotations = ann;
    if (volumeName) c.spec.volumeName = volumeName;
    return c;
  };
  const boundPv = (uid: string | undefined): PersistentVolume => {
    const v = pv('pv-1');
    v.metadata.resourceVersion = '10';
    if (uid !== undefined) v.spec.claimRef = { name: 'data', namespace: 'default', uid };
    return v;
  };
  const provisionBinding: PodBinding = { uid: 'p', node: 'node-a', volumes: [], provisions: [{ namespace: 'default', name: 'data', resourceVersion: '5' }], deadlineMs: 0 };
  const staticBinding: PodBinding = { uid: 'p', node: 'node-a', volumes: [{ volume: 'pv-1', claim: { namespace: 'default', name: 'data' }, resourceVersion: '10' }], provisions: [], deadlineMs: 0 };
  const checkRows: { name: string; binding: PodBinding; claim?: PersistentVolumeClaim; volume?: PersistentVolume; nodes?: Node[]; expected: ReturnType<typeof checkBindings> }[] = [
    { name: 'selected, not yet provisioned: waiting', binding: provisionBinding, claim: claimOf('5', { [ANN_SELECTED_NODE]: 'node-a' }), expected: { kind: 'waiting' } },
    { name: 'the informer has not seen our write yet: waiting', binding: provisionBinding, claim: claimOf('4', {}), expected: { kind: 'waiting' } },
    { name: 'a provisioner removed selected-node: failed', binding: provisionBinding, claim: claimOf('6', { other: 'x' }), expected: { kind: 'failed', message: 'provisioning failed for PVC "data"' } },
    { name: 'no annotations at all: reset', binding: provisionBinding, claim: claimOf('6', undefined), expected: { kind: 'failed', message: 'selectedNode annotation reset for PVC "data"' } },
    { name: 'provisioned and fully bound: bound', binding: provisionBinding, claim: claimOf('7', { [ANN_SELECTED_NODE]: 'node-a', [ANN_BIND_COMPLETED]: 'yes' }, 'pv-1'), volume: boundPv('u'), expected: { kind: 'bound' } },
    { name: 'volumeName set but not bind-completed: waiting', binding: provisionBinding, claim: claimOf('7', { [ANN_SELECTED_NODE]: 'node-a' }, 'pv-1'), volume: boundPv('u'), expected: { kind: 'waiting' } },
    { name: 'static: claimRef reset by the PV controller: failed', binding: staticBinding, claim: claimOf('7', {}), volume: boundPv(undefined), expected: { kind: 'failed', message: 'ClaimRef got reset for pv "pv-1"' } },
    { name: 'static: prebound, claim not bound yet: waiting', binding: staticBinding, claim: claimOf('7', {}), volume: boundPv('u'), expected: { kind: 'waiting' } },
    { name: 'the node went away: failed', binding: provisionBinding, claim: claimOf('5', { [ANN_SELECTED_NODE]: 'node-a' }), nodes: [], expected: { kind: 'failed', message: 'failed to get node "node-a": node "node-a" not found' } },
  ];
  for (const row of checkRows) {
    test(`checkBindings: ${row.name}`, () => {
      const got = checkBindings(row.binding, {
        nodes: row.nodes ?? [nodeA],
        getClaim: (_ns, name) => (row.claim?.metadata.name === name ? row.claim : undefined),
        getVolume: (name) => (row.volume?.metadata.name === name ? row.volume : undefined),
      });
      assert.equal(got, row.expected);
    });
  }
  test('checkBindings: the FailedScheduling text wraps the error as runPreBindPlugins and BindPodVolumes do', () => {
    assert.is(preBindFailureMessage('provisioning failed for PVC "data"'), 'running PreBind plugin "VolumeBinding": binding volumes: provisioning failed for PVC "data"');
  });
}

// ------------------------------------------------------------------ NodeVolumeLimits

/** nodevolumelimits csi.go: CSINode allocatable.count per driver against the volumes on the node. */
{
  const csiNode = (name: string, count?: number) => ({
    apiVersion: 'storage.k8s.io/v1', kind: 'CSINode', metadata: { name },
    spec: { drivers: [{ name: 'disk.csi.pvsim.dev', nodeID: name, topologyKeys: null, ...(count !== undefined ? { allocatable: { count } } : {}) }] },
  });
  const csiPv = (name: string, handle: string): PersistentVolume => {
    const v = pv(name);
    delete (v.spec as { hostPath?: unknown }).hostPath;
    v.spec.csi = { driver: 'disk.csi.pvsim.dev', volumeHandle: handle } as never;
    return v;
  };
  const limitRows: { name: string; count?: number; existing: string[]; shared?: boolean; expectedMessage?: string }[] = [
    { name: 'one slot left: scheduled', count: 2, existing: ['a'] },
    { name: 'limit reached: exceed max volume count', count: 1, existing: ['a'], expectedMessage: '0/1 nodes are available: 1 node(s) exceed max volume count. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.' },
    { name: 'no allocatable count: no limit', existing: ['a', 'b', 'c'] },
    { name: 'the same volume as a pod already there is not counted twice', count: 1, existing: ['a'], shared: true },
  ];
  for (const row of limitRows) {
    test(`NodeVolumeLimits: ${row.name}`, () => {
      const c = cluster();
      c.create('Node', node('node-a', 'zone-a'));
      c.store.create('CSINode', csiNode('node-a', row.count) as unknown as AnyObject);
      for (const id of row.existing) {
        c.create('PersistentVolume', csiPv(`pv-${id}`, `vol-${id}`));
        c.create('PersistentVolumeClaim', pvc(`c-${id}`));
      }
      if (!row.shared) { c.create('PersistentVolume', csiPv('pv-new', 'vol-new')); c.create('PersistentVolumeClaim', pvc('c-new')); }
      c.settle();
      for (const id of row.existing) c.create('Pod', pod(`p-${id}`, { claims: [`c-${id}`], nodeName: 'node-a' }));
      c.settle();
      c.create('Pod', pod('web', { claims: [row.shared ? `c-${row.existing[0]}` : 'c-new'] }));
      c.settle();
      const p = c.pod('web');
      if (row.expectedMessage) {
        assert.is(p.spec.nodeName, undefined);
        assert.is(scheduledCondition(p)?.message, row.expectedMessage);
      } else {
        assert.is(p.spec.nodeName, 'node-a');
      }
    });
  }
}

test.run();
