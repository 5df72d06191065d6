/**
 * Design: attach, mount and pods end to end (spec §10, §11, §14.2) on one store with the storage
 * controllers, the attach/detach controller, an external-attacher and a kubelet per node, and a
 * small fake CSI driver that keeps its state where the contract says (CSIVolume
 * `<driver>.<volumeId>`, Filesystem `csi.<driver>.<volumeId>`). Pods get `spec.nodeName` directly
 * (no scheduler). The fake checks the CSI ordering rules itself (stage after publish, unstage
 * after every unpublish, controller-unpublish after unstage) and lists every violation, so each
 * test also proves that nothing was detached under a mount.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CsiError, csiVolumeObjectName, FINALIZER_PVC_PROTECTION, emptyFs, isFile, readFile, KUBELET_FINALIZER, csiTargetPath, uniqueVolumeName, type AccessMode,
  type ControllerCapability, type ControllerPublishRequest, type CreateVolumeRequest, type CsiDriverPort, type CsiVolume, type NodeCapability,
  type NodePublishRequest, type NodeStageRequest, type Pod, type PodVolume, type ContainerSpec, type ContainerStatus, type CsiCall, type CsiVolumeObject,
  type FilesystemObject, type VolumeAttachment,
} from '@pvsim/domain';
import type { AnyObject, Client } from '@pvsim/runtime';
import { AttachDetachController } from '@pvsim/controller-manager';
import { ExecError, Kubelet, csiStagingPath, execInContainer } from '@pvsim/kubelet';
import { ExternalAttacher, attacherFinalizer } from '@pvsim/csi-sidecars';
import { volumeAttachmentName } from '@pvsim/component';
import { createWorld, fifoChooser } from '../../src/index.ts';

const EPOCH_MS = Date.UTC(2026, 0, 1);
const DISK = 'disk.csi.pvsim.dev';
const NAS = 'nas.csi.pvsim.dev';
const NODES = ['node-a', 'node-b'];

// ------------------------------------------------------------------ fake driver

interface FakeOptions {
  attachable: boolean;
  /** Simulated latency of every backend call (the optional `latencyMs` of SimCsiDriver). */
  latencyMs?: number;
  /** ControllerPublishVolume fails this many times first. */
  failPublish?: number;
}

class FakeDriver implements CsiDriverPort {
  readonly violations: string[] = [];
  private failuresLeft: number;

  constructor(private readonly store: Client, readonly name: string, private readonly opts: FakeOptions) {
    this.failuresLeft = opts.failPublish ?? 0;
    if (opts.latencyMs !== undefined) (this as unknown as { latencyMs: (rpc: string) => number }).latencyMs = () => opts.latencyMs!;
  }

  private volume(id: string): CsiVolumeObject {
    const v = this.store.get('CSIVolume', `${this.name}.${id}`) as unknown as CsiVolumeObject | undefined;
    if (!v) throw new CsiError('NOT_FOUND', `volume ${id} does not exist`);
    return v;
  }

  private setStatus(v: CsiVolumeObject, change: (s: CsiVolumeObject['status']) => void): void {
    const s = structuredClone(v.status);
    change(s);
    this.store.update('CSIVolume', { ...v, status: s } as unknown as AnyObject);
  }

  getPluginInfo() { return { name: this.name, vendorVersion: 'test' }; }
  getPluginCapabilities(): ('CONTROLLER_SERVICE' | 'VOLUME_ACCESSIBILITY_CONSTRAINTS')[] { return ['CONTROLLER_SERVICE']; }
  probe() { return { ready: true }; }
  controllerGetCapabilities(): ControllerCapability[] {
    return this.opts.attachable ? ['CREATE_DELETE_VOLUME', 'PUBLISH_UNPUBLISH_VOLUME'] : ['CREATE_DELETE_VOLUME'];
  }
  nodeGetCapabilities(): NodeCapability[] { return this.opts.attachable ? ['STAGE_UNSTAGE_VOLUME'] : []; }

  createVolume(req: CreateVolumeRequest): { volume: CsiVolume } {
    const volumeId = `vol-${req.name}`;
    this.store.create('CSIVolume', {
      apiVersion: 'csi.pvsim.dev/v1', kind: 'CSIVolume', metadata: { name: `${this.name}.${volumeId}` },
      spec: { driver: this.name, volumeId, name: req.name, capacityBytes: '1073741824', parameters: {}, accessibleTopology: [], accessMode: req.volumeCapabilities[0]!.accessMode },
      status: { publishedNodes: {}, staged: {}, published: {} },
    } as unknown as AnyObject);
    this.store.create('Filesystem', { apiVersion: 'csi.pvsim.dev/v1', kind: 'Filesystem', metadata: { name: `csi.${this.name}.${volumeId}` }, status: emptyFs() } as unknown as AnyObject);
    return { volume: { volumeId, capacityBytes: '1073741824', volumeContext: {}, accessibleTopology: [] } };
  }
  deleteVolume(): void {}

  controllerPublishVolume(req: ControllerPublishRequest): { publishContext: Record<string, string> } {
    if (this.failuresLeft > 0) { this.failuresLeft--; throw new CsiError('UNAVAILABLE', 'backend busy'); }
    const v = this.volume(req.volumeId);
    const others = Object.keys(v.status?.publishedNodes ?? {}).filter((n) => n !== req.nodeId);
    if (others.length > 0 && !req.volumeCapability.accessMode.startsWith('MULTI_NODE')) {
      throw new CsiError('FAILED_PRECONDITION', `volume ${req.volumeId} is published to node ${others[0]}`);
    }
    const publishContext = { devicePath: `/dev/${req.volumeId}` };
    this.setStatus(v, (s) => { s.publishedNodes[req.nodeId] = { readonly: req.readonly, publishContext }; });
    return { publishContext };
  }

  controllerUnpublishVolume(req: { volumeId: string; nodeId: string }): void {
    const v = this.volume(req.volumeId);
    if (v.status?.staged?.[req.nodeId] || Object.values(v.status?.published ?? {}).some((p) => p.node === req.nodeId)) {
      this.violations.push(`ControllerUnpublishVolume ${req.volumeId} while still mounted on ${req.nodeId}`);
    }
    this.setStatus(v, (s) => { delete s.publishedNodes[req.nodeId]; });
  }

  validateVolumeCapabilities() { return { confirmed: true, message: '' }; }
  listVolumes() { return { entries: [], nextToken: '' }; }
  getCapacity() { return { availableCapacity: '0' }; }
  nodeGetInfo(req: { node: string }) { return { nodeId: req.node, maxVolumesPerNode: 0, accessibleTopology: {} }; }

  nodeStageVolume(req: NodeStageRequest & { node: string }): void {
    const v = this.volume(req.volumeId);
    if (!v.status?.publishedNodes?.[req.node]) this.violations.push(`NodeStageVolume ${req.volumeId} on ${req.node} before ControllerPublishVolume`);
    this.setStatus(v, (s) => { s.staged[req.node] = req.stagingTargetPath; });
  }

  nodeUnstageVolume(req: { node: string; volumeId: string; stagingTargetPath: string }): void {
    const v = this.volume(req.volumeId);
    if (Object.values(v.status?.published ?? {}).some((p) => p.node === req.node)) {
      throw new CsiError('FAILED_PRECONDITION', `volume ${req.volumeId} is still published on ${req.node}`);
    }
    this.setStatus(v, (s) => { delete s.staged[req.node]; });
  }

  nodePublishVolume(req: NodePublishRequest & { node: string }): void {
    const v = this.volume(req.volumeId);
    if (this.opts.attachable && v.status?.staged?.[req.node] !== req.stagingTargetPath) this.violations.push(`NodePublishVolume ${req.volumeId} before NodeStageVolume`);
    this.setStatus(v, (s) => { s.published[req.targetPath] = { node: req.node, readonly: req.readonly }; });
  }

  nodeUnpublishVolume(req: { node: string; volumeId: string; targetPath: string }): void {
    const v = this.volume(req.volumeId);
    this.setStatus(v, (s) => { delete s.published[req.targetPath]; });
  }
}

// ------------------------------------------------------------------ cluster

type Volume = PodVolume;

interface PodInput {
  name: string;
  node: string;
  volumes?: Volume[];
  containers?: ContainerSpec[];
}

function createCluster(options: { disk?: Partial<FakeOptions> } = {}) {
  let uidSeq = 0;
  const world = createWorld({ startMs: EPOCH_MS, chooser: fifoChooser(), newUid: () => `uid-${++uidSeq}` });
  const { store, clock, client, manager: m } = world;
  const disk = new FakeDriver(client, DISK, { attachable: true, ...options.disk });
  const nas = new FakeDriver(client, NAS, { attachable: false });
  const drivers = new Map<string, CsiDriverPort>([[DISK, disk], [NAS, nas]]);
  const csiCalls: CsiCall[] = [];
  const kubelets = new Map<string, Kubelet>();
  // Not the full cluster: the storage controllers, attach/detach, one external-attacher and a kubelet per node.
  const queue = m.workQueue;
  for (const n of NODES) kubelets.set(n, new Kubelet(client, queue, n, drivers, { clock, csiCalls }));
  for (const c of [new AttachDetachController(client, drivers, { clock }), new ExternalAttacher(client, queue, DISK, disk, { clock, csiCalls }), ...kubelets.values()]) m.addController(c);
  for (const n of NODES) {
    store.create('Node', {
      apiVersion: 'v1', kind: 'Node', metadata: { name: n, labels: { 'kubernetes.io/hostname': n } },
      status: { conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastTransitionTime: clock.iso() }] },
    } as unknown as AnyObject);
  }

  const c = {
    world, store, clock, manager: m, disk, nas, csiCalls, kubelets,
    settle: () => world.settle(),
    /** Lets simulated time pass: due work fires, and resyncs run as a running cluster's would. */
    advance(ms: number) {
      const end = clock.now() + ms;
      while (clock.now() < end) {
        clock.set(Math.min(end, clock.now() + 15_000));
        world.resyncAll();
        world.settle();
      }
    },
    /** A CSI volume, a PV for it pre-bound to `claim`, and the claim. */
    volume(name: string, driver: typeof DISK | typeof NAS, modes: AccessMode[], claim = `${name}-claim`): { volumeId: string } {
      const d = driver === DISK ? disk : nas;
      const { volume } = d.createVolume({ name, volumeCapabilities: [{ accessMode: 'SINGLE_NODE_WRITER', mount: {} }] });
      store.createVolume({
        apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
        spec: {
          capacity: { storage: '1Gi' }, accessModes: modes, persistentVolumeReclaimPolicy: 'Retain', storageClassName: '', volumeMode: 'Filesystem',
          claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'default', name: claim },
          csi: { driver, volumeHandle: volume.volumeId, fsType: 'ext4' },
        },
      });
      store.create('PersistentVolumeClaim', {
        apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: claim, namespace: 'default' },
        spec: { accessModes: modes, resources: { requests: { storage: '1Gi' } }, storageClassName: '', volumeName: name, volumeMode: 'Filesystem' },
      } as unknown as AnyObject);
      return { volumeId: volume.volumeId };
    },
    pod(input: PodInput): void {
      store.create('Pod', {
        apiVersion: 'v1', kind: 'Pod', metadata: { name: input.name, namespace: 'default' },
        spec: {
          nodeName: input.node,
          containers: input.containers ?? [{ name: 'app', image: 'busybox:1.36', volumeMounts: (input.volumes ?? []).map((v) => ({ name: v.name, mountPath: `/${v.name}` })) }],
          volumes: input.volumes ?? [],
        },
      } as unknown as AnyObject);
    },
    getPod: (name: string) => store.get('Pod', `default/${name}`) as unknown as Pod | undefined,
    exec(pod: string, container: string | undefined, ...argv: string[]) {
      return execInContainer(store, c.getPod(pod)!, container, argv);
    },
    events: (object: string) => store.events().filter((e) => e.involvedObject.name === object).map((e) => `${e.type} ${e.reason} ${e.message}`),
    va: (volumeId: string, node: string) => store.get('VolumeAttachment', volumeAttachmentName(volumeId, DISK, node)) as unknown as VolumeAttachment | undefined,
    fs: (name: string) => (store.get('Filesystem', name) as unknown as FilesystemObject | undefined)?.status,
    node: (name: string) => store.getNode(name)!,
  };
  return c;
}

type Cluster = ReturnType<typeof createCluster>;

function containerState(pod: Pod | undefined, name = 'app'): string {
  const s = ((pod?.status?.['containerStatuses'] as { name: string; state: Record<string, { reason?: string }> }[] | undefined) ?? []).find((x) => x.name === name);
  if (!s) return 'none';
  const [k, v] = Object.entries(s.state)[0]!;
  return v?.reason ? `${k}:${v.reason}` : k;
}

function claimVolume(name: string, claimName: string, readOnly?: boolean): Volume {
  return { name, persistentVolumeClaim: { claimName, ...(readOnly ? { readOnly } : {}) } };
}

function runningPod(c: Cluster, name: string, node: string, volumes: Volume[], containers?: ContainerSpec[]): void {
  c.pod({ name, node, volumes, ...(containers ? { containers } : {}) });
  c.settle();
  assert.is(c.getPod(name)?.status?.phase, 'Running', `${name} should be Running; events: ${c.events(name).join(' | ')}`);
}

// ------------------------------------------------------------------ tests

test('a pod with an RWO disk claim runs: VA attached, staged, published, containers started', () => {
  const c = createCluster();
  const { volumeId } = c.volume('pv-disk', DISK, ['ReadWriteOnce'], 'data');
  c.settle();
  c.pod({ name: 'web', node: 'node-a', volumes: [claimVolume('data', 'data')] });
  c.settle();

  const pod = c.getPod('web')!;
  assert.is(pod.status?.phase, 'Running');
  assert.is(containerState(pod), 'running');
  assert.ok(pod.metadata.finalizers?.includes(KUBELET_FINALIZER));
  assert.equal((pod.status?.['conditions'] as { type: string; status: string }[]).find((x) => x.type === 'Ready')?.status, 'True');
  const va = c.va(volumeId, 'node-a')!;
  assert.equal(va.spec, { attacher: DISK, nodeName: 'node-a', source: { persistentVolumeName: 'pv-disk' } });
  assert.equal(va.status, { attached: true, attachmentMetadata: { devicePath: `/dev/${volumeId}` } });
  assert.equal(va.metadata.finalizers, [attacherFinalizer(DISK)]);
  assert.is(attacherFinalizer(DISK), 'external-attacher/disk-csi-pvsim-dev');
  assert.ok(c.store.getVolume('pv-disk')!.metadata.finalizers?.includes(attacherFinalizer(DISK)));
  const unique = uniqueVolumeName(DISK, volumeId);
  assert.equal(c.node('node-a').status?.['volumesInUse'], [unique]);
  assert.equal(c.node('node-a').status?.['volumesAttached'], [{ name: unique, devicePath: '' }]);
  const cv = c.store.get('CSIVolume', `${DISK}.${volumeId}`) as unknown as CsiVolumeObject;
  assert.equal(cv.status?.staged, { 'node-a': csiStagingPath(DISK, volumeId) });
  assert.equal(cv.status?.published, { [csiTargetPath(pod.metadata.uid!, 'pv-disk')]: { node: 'node-a', readonly: false } });
  assert.equal(c.events('web'), [
    'Normal SuccessfulAttachVolume AttachVolume.Attach succeeded for volume "pv-disk"',
    'Normal Pulled Container image "busybox:1.36" already present on machine',
    'Normal Created Created container app',
    'Normal Started Started container app',
  ]);
  assert.equal(c.disk.violations, []);
});

test('CSIDriver attachRequired: false — no VolumeAttachment, the kubelet does not wait for one (csi_plugin.go skipAttach)', () => {
  const c = createCluster();
  c.store.create('CSIDriver', { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: DISK }, spec: { attachRequired: false } } as unknown as AnyObject);
  const { volumeId } = c.volume('pv-disk', DISK, ['ReadWriteOnce'], 'data');
  c.settle();
  c.pod({ name: 'web', node: 'node-a', volumes: [claimVolume('data', 'data')] });
  c.settle();
  assert.is(c.va(volumeId, 'node-a'), undefined);
  assert.equal(c.store.list('VolumeAttachment'), []);
  assert.equal(c.node('node-a').status?.['volumesInUse'] ?? [], []);
  assert.equal(c.events('web').filter((e) => e.includes('AttachVolume')), []);
  // The mount went ahead without an attachment (the fake driver, which wants one, says so).
  assert.is(c.getPod('web')?.status?.phase, 'Running');
  assert.equal(c.disk.violations, [`NodeStageVolume ${volumeId} on node-a before ControllerPublishVolume`]);
});

test('CSIDriver podInfoOnMount: NodePublishVolume gets the pod in its volume context (csi_mounter.go getPodInfoAttrs); without it, not', () => {
  for (const podInfoOnMount of [true, false]) {
    const c = createCluster();
    c.store.create('CSIDriver', { apiVersion: 'storage.k8s.io/v1', kind: 'CSIDriver', metadata: { name: NAS }, spec: { attachRequired: false, podInfoOnMount } } as unknown as AnyObject);
    const contexts: (Record<string, string> | undefined)[] = [];
    const publish = c.nas.nodePublishVolume.bind(c.nas);
    c.nas.nodePublishVolume = (req) => { contexts.push(req.volumeContext); publish(req); };
    c.volume('pv-nas', NAS, ['ReadWriteMany'], 'shared');
    c.settle();
    runningPod(c, 'web', 'node-a', [claimVolume('shared', 'shared')]);
    const uid = c.getPod('web')!.metadata.uid!;
    assert.equal(contexts, [podInfoOnMount ? {
      'csi.storage.k8s.io/pod.name': 'web', 'csi.storage.k8s.io/pod.namespace': 'default', 'csi.storage.k8s.io/pod.uid': uid,
      'csi.storage.k8s.io/serviceAccount.name': 'default', 'csi.storage.k8s.io/ephemeral': 'false',
    } : undefined]);
  }
});

test('CSI calls of a pod life, in order; detach only after unmount; everything goes away', () => {
  const c = createCluster();
  const { volumeId } = c.volume('pv-disk', DISK, ['ReadWriteOnce'], 'data');
  runningPod(c, 'web', 'node-a', [claimVolume('data', 'data')]);
  const uid = c.getPod('web')!.metadata.uid!;
  c.store.delete('Pod', 'default/web');
  assert.ok(c.getPod('web')?.metadata.deletionTimestamp, 'Terminating while volumes unmount');
  c.settle();

  const staging = csiStagingPath(DISK, volumeId);
  const target = csiTargetPath(uid, 'pv-disk');
  assert.equal(c.csiCalls, [
    { rpc: 'ControllerPublishVolume', volumeId, node: 'node-a' },
    { rpc: 'NodeStageVolume', volumeId, node: 'node-a', target: staging },
    { rpc: 'NodePublishVolume', volumeId, node: 'node-a', target },
    { rpc: 'NodeUnpublishVolume', volumeId, node: 'node-a', target },
    { rpc: 'NodeUnstageVolume', volumeId, node: 'node-a', target: staging },
    { rpc: 'ControllerUnpublishVolume', volumeId, node: 'node-a' },
  ]);
  assert.equal(c.disk.violations, []);
  assert.is(c.getPod('web'), undefined);
  assert.is(c.va(volumeId, 'node-a'), undefined);
  assert.not.ok(c.store.getVolume('pv-disk')!.metadata.finalizers?.includes(attacherFinalizer(DISK)), 'PV finalizer gone with the last VA');
  assert.is(c.node('node-a').status?.['volumesInUse'], undefined);
  assert.is(c.node('node-a').status?.['volumesAttached'], undefined);
  assert.ok(c.events('web').includes('Normal Killing Stopping container app'));
});

test('two pods on one node share a staged volume: one stage, unstage after the last unpublish', () => {
  const c = createCluster();
  const { volumeId } = c.volume('pv-disk', DISK, ['ReadWriteOnce'], 'data');
  runningPod(c, 'one', 'node-a', [claimVolume('data', 'data')]);
  runningPod(c, 'two', 'node-a', [claimVolume('data', 'data')]);
  c.store.delete('Pod', 'default/one');
  c.settle();
  assert.ok(c.va(volumeId, 'node-a')?.status?.attached, 'still attached for the second pod');
  c.store.delete('Pod', 'default/two');
  c.settle();
  assert.equal(c.csiCalls.map((x) => x.rpc), [
    'ControllerPublishVolume', 'NodeStageVolume', 'NodePublishVolume', 'NodePublishVolume',
    'NodeUnpublishVolume', 'NodeUnpublishVolume', 'NodeUnstageVolume', 'ControllerUnpublishVolume',
  ]);
  assert.equal(c.disk.violations, []);
});

test('Multi-Attach: an RWO volume attached to node-a is not attached to node-b; the pod waits', () => {
  const c = createCluster();
  const { volumeId } = c.volume('pv-disk', DISK, ['ReadWriteOnce'], 'data');
  runningPod(c, 'first', 'node-a', [claimVolume('data', 'data')]);
  c.pod({ name: 'second', node: 'node-b', volumes: [claimVolume('data', 'data')] });
  c.settle();
  c.advance(60_000);

  assert.is(c.getPod('second')?.status?.phase, 'Pending');
  assert.is(containerState(c.getPod('second')), 'waiting:ContainerCreating');
  assert.is(c.va(volumeId, 'node-b'), undefined);
  const multi = c.store.events().filter((e) => e.involvedObject.name === 'second' && e.reason === 'FailedAttachVolume');
  assert.equal(multi.map((e) => [e.type, e.message, e.count]), [
    ['Warning', 'Multi-Attach error for volume "pv-disk" Volume is already used by pod(s) first', 1],
  ]);
  // The volume manager gives up waiting after 2 min 3 s and says what it waited for.
  c.advance(90_000);
  assert.ok(c.events('second').includes(
    'Warning FailedMount Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data]: timed out waiting for the condition'));
  assert.equal(c.node('node-b').status?.['volumesInUse'], [uniqueVolumeName(DISK, volumeId)], 'reported in use before WaitForAttach');

  // Once the first pod is gone, the volume moves: detach from node-a, attach to node-b.
  c.store.delete('Pod', 'default/first');
  c.settle();
  assert.is(c.getPod('second')?.status?.phase, 'Running');
  assert.is(c.va(volumeId, 'node-a'), undefined);
  assert.ok(c.va(volumeId, 'node-b')?.status?.attached);
  assert.equal(c.disk.violations, []);
});

test('RWX nas volume on two nodes: both run, no VolumeAttachment, files shared, findmnt shows one share', () => {
  const c = createCluster();
  const { volumeId } = c.volume('pv-nas', NAS, ['ReadWriteMany'], 'shared');
  runningPod(c, 'writer', 'node-a', [claimVolume('shared', 'shared')]);
  runningPod(c, 'reader', 'node-b', [claimVolume('shared', 'shared')]);
  assert.equal(c.store.list('VolumeAttachment'), []);
  assert.is(c.node('node-a').status?.['volumesInUse'], undefined, 'nothing attachable in use');
  assert.equal(c.csiCalls.map((x) => `${x.rpc} ${x.node}`), ['NodePublishVolume node-a', 'NodePublishVolume node-b']);

  assert.equal(c.exec('writer', 'app', 'write', '/shared/hello.txt', 'hello', 'from', 'node-a'), { stdout: '', stderr: '', exitCode: 0 });
  assert.equal(c.exec('reader', 'app', 'cat', '/shared/hello.txt'), { stdout: 'hello from node-a\n', stderr: '', exitCode: 0 });
  assert.is(c.exec('reader', 'app', 'ls', '/shared').stdout, 'hello.txt\n');
  const mountLine = (pod: string) => c.exec(pod, 'app', 'findmnt', '/shared').stdout.split('\n')[1]!.split(/\s+/);
  assert.equal(mountLine('writer'), ['/shared', `${NAS}:/${volumeId}`, 'nfs4', 'rw,relatime']);
  assert.equal(mountLine('reader'), mountLine('writer'));
  assert.equal(c.exec('writer', 'app', 'findmnt').stdout.split('\n'), [
    'TARGET    SOURCE                        FSTYPE  OPTIONS',
    '/         overlay                       overlay rw,relatime',
    `└─/shared ${NAS}:/${volumeId} nfs4    rw,relatime`,
    '',
  ]);
});

test('emptyDir survives a container restart; the writable layer does not; pod deletion wipes the emptyDir', () => {
  const c = createCluster();
  runningPod(c, 'cache', 'node-a', [{ name: 'scratch', emptyDir: {} }]);
  const uid = c.getPod('cache')!.metadata.uid!;
  assert.is(c.exec('cache', 'app', 'write', '/scratch/kept.txt', 'kept').exitCode, 0);
  assert.is(c.exec('cache', 'app', 'write', '/tmp/lost.txt', 'lost').exitCode, 0);
  assert.is(c.exec('cache', 'app', 'cat', '/tmp/lost.txt').stdout, 'lost\n');

  c.kubelets.get('node-a')!.restartContainer('default/cache', 'app');
  const status = (c.getPod('cache')!.status!['containerStatuses'] as { restartCount: number }[])[0]!;
  assert.is(status.restartCount, 1);
  assert.is(c.exec('cache', 'app', 'cat', '/scratch/kept.txt').stdout, 'kept\n');
  assert.equal(c.exec('cache', 'app', 'cat', '/tmp/lost.txt'), { stdout: '', stderr: 'cat: /tmp/lost.txt: No such file or directory\n', exitCode: 1 });

  c.store.delete('Pod', 'default/cache');
  c.settle();
  assert.is(c.getPod('cache'), undefined);
  assert.is(c.fs(`emptydir.${uid}.scratch`), undefined, 'emptyDir data is gone with the pod');
  assert.is(c.fs(`container.${uid}.app`), undefined);
});

test('hostPath data stays on its node after the pod is deleted and is absent on another node', () => {
  const c = createCluster();
  const host: Volume = { name: 'host', hostPath: { path: '/srv/data', type: 'DirectoryOrCreate' } };
  runningPod(c, 'logger', 'node-a', [host]);
  assert.is(c.exec('logger', 'app', 'write', '/host/log.txt', 'line 1').exitCode, 0);
  c.store.delete('Pod', 'default/logger');
  c.settle();
  assert.is(readFile(c.fs('node.node-a')!, '/srv/data/log.txt'), 'line 1\n');

  runningPod(c, 'again', 'node-a', [host]);
  assert.is(c.exec('again', 'app', 'cat', '/host/log.txt').stdout, 'line 1\n');
  runningPod(c, 'elsewhere', 'node-b', [host]);
  assert.equal(c.exec('elsewhere', 'app', 'cat', '/host/log.txt'), { stdout: '', stderr: 'cat: /host/log.txt: No such file or directory\n', exitCode: 1 });
  assert.equal(c.exec('elsewhere', 'app', 'findmnt', '/host').stdout.split('\n')[1]!.split(/\s+/), ['/host', '/dev/sda1[/srv/data]', 'ext4', 'rw,relatime']);
});

test('hostPath type Directory that does not exist: FailedMount, the pod stays ContainerCreating', () => {
  const c = createCluster();
  c.pod({ name: 'strict', node: 'node-a', volumes: [{ name: 'x', hostPath: { path: '/missing', type: 'Directory' } }] });
  c.settle();
  assert.is(containerState(c.getPod('strict')), 'waiting:ContainerCreating');
  assert.ok(c.events('strict').includes('Warning FailedMount MountVolume.SetUp failed for volume "x" : hostPath type check failed: /missing is not a directory'));
});

test('subPath: two containers share one volume, each sees only its own sub-directory', () => {
  const c = createCluster();
  c.volume('pv-disk', DISK, ['ReadWriteOnce'], 'data');
  runningPod(c, 'split', 'node-a', [claimVolume('data', 'data')], [
    { name: 'a', image: 'busybox:1.36', volumeMounts: [{ name: 'data', mountPath: '/work', subPath: 'a' }] },
    { name: 'b', image: 'busybox:1.36', volumeMounts: [{ name: 'data', mountPath: '/work', subPath: 'b' }] },
  ]);
  assert.is(c.exec('split', 'a', 'write', '/work/own.txt', 'from a').exitCode, 0);
  assert.is(c.exec('split', 'a', 'cat', '/work/own.txt').stdout, 'from a\n');
  assert.is(c.exec('split', 'b', 'cat', '/work/own.txt').exitCode, 1);
  assert.is(c.exec('split', 'b', 'ls', '/work').stdout, '');
  const cv = c.store.get('CSIVolume', `${DISK}.vol-pv-disk`) as unknown as CsiVolumeObject;
  assert.ok(cv);
  const volumeFs = c.fs(`csi.${DISK}.vol-pv-disk`)!;
  assert.ok(isFile(volumeFs, '/a/own.txt'));
  assert.ok(volumeFs.dirs.includes('/b'), 'the kubelet creates each subPath directory before the container starts');
  assert.is(c.exec('split', 'a', 'findmnt', '/work').stdout.split('\n')[1]!.split(/\s+/)[1], '/dev/vol-pv-disk[/a]');
});

test('read-only mounts refuse writes like a shell: volumeMount.readOnly and persistentVolumeClaim.readOnly', () => {
  const c = createCluster();
  c.volume('pv-nas', NAS, ['ReadWriteMany'], 'shared');
  runningPod(c, 'ro-mount', 'node-a', [claimVolume('shared', 'shared')], [
    { name: 'app', image: 'busybox:1.36', volumeMounts: [{ name: 'shared', mountPath: '/data', readOnly: true }] },
  ]);
  assert.equal(c.exec('ro-mount', 'app', 'touch', '/data/x'), { stdout: '', stderr: "touch: cannot touch '/data/x': Read-only file system\n", exitCode: 1 });
  assert.is(c.exec('ro-mount', 'app', 'findmnt', '/data').stdout.split('\n')[1]!.split(/\s+/)[3], 'ro,relatime');

  runningPod(c, 'ro-claim', 'node-b', [claimVolume('shared', 'shared', true)]);
  assert.equal(c.exec('ro-claim', 'app', 'touch', '/shared/x'), { stdout: '', stderr: "touch: cannot touch '/shared/x': Read-only file system\n", exitCode: 1 });
  const uid = c.getPod('ro-claim')!.metadata.uid!;
  const cv = c.store.get('CSIVolume', `${NAS}.vol-pv-nas`) as unknown as CsiVolumeObject;
  assert.equal(cv.status?.published?.[csiTargetPath(uid, 'pv-nas')], { node: 'node-b', readonly: true }, 'NodePublishVolume readonly');
  assert.is(c.exec('ro-claim', 'app', 'write', '/elsewhere.txt', 'ok').exitCode, 0, 'the container layer is writable');
});

test('configMap, secret and projected volumes show their keys as read-only files', () => {
  const c = createCluster();
  c.store.create('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { 'app.conf': 'debug=true\n', mode: 'fast' } } as unknown as AnyObject);
  c.store.create('Secret', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'default' }, data: { password: Buffer.from('s3cret').toString('base64') } } as unknown as AnyObject);
  runningPod(c, 'configured', 'node-a', [
    { name: 'config', configMap: { name: 'settings' } },
    { name: 'secret', secret: { secretName: 'creds' } },
    { name: 'all', projected: { sources: [{ configMap: { name: 'settings', items: [{ key: 'mode', path: 'cfg/mode' }] } }, { secret: { name: 'creds' } }] } },
  ]);
  assert.is(c.exec('configured', 'app', 'ls', '/config').stdout, 'app.conf\nmode\n');
  assert.is(c.exec('configured', 'app', 'cat', '/config/app.conf').stdout, 'debug=true\n');
  assert.is(c.exec('configured', 'app', 'cat', '/secret/password').stdout, 's3cret');
  assert.is(c.exec('configured', 'app', 'cat', '/all/cfg/mode').stdout, 'fast');
  assert.is(c.exec('configured', 'app', 'cat', '/all/password').stdout, 's3cret');
  assert.is(c.exec('configured', 'app', 'rm', '/config/mode').stderr, "rm: cannot remove '/config/mode': Read-only file system\n");
  assert.equal(c.exec('configured', 'app', 'findmnt', '/secret').stdout.split('\n')[1]!.split(/\s+/), ['/secret', 'tmpfs', 'tmpfs', 'ro,relatime']);
});

test('a configMap update reaches a whole-volume mount; a subPath mount keeps the file it started with until the container restarts', () => {
  // Kubernetes: the kubelet's configmap volume plugin rewrites the volume through the atomic
  // writer (pkg/volume/util/atomic_writer.go swaps the `..data` link); a subPath is a bind mount of
  // the file as it was when the container started (pkg/kubelet/kubelet_pods.go makeMounts,
  // pkg/volume/util/subpath), which the swap does not reach — "A container using a ConfigMap as a
  // subPath volume mount will not receive ConfigMap updates" (the ConfigMap concept page).
  const c = createCluster();
  const settings = (mode: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'default' }, data: { mode } });
  c.store.create('ConfigMap', settings('fast') as unknown as AnyObject);
  runningPod(c, 'configured', 'node-a', [{ name: 'config', configMap: { name: 'settings' } }], [{
    name: 'app', image: 'busybox:1.36',
    volumeMounts: [{ name: 'config', mountPath: '/config' }, { name: 'config', mountPath: '/etc/mode', subPath: 'mode' }],
  } as ContainerSpec]);
  assert.is(c.exec('configured', 'app', 'cat', '/config/mode').stdout, 'fast');
  assert.is(c.exec('configured', 'app', 'cat', '/etc/mode').stdout, 'fast');
  const cm = c.store.get('ConfigMap', 'default/settings')!;
  c.store.update('ConfigMap', { ...cm, data: { mode: 'safe' } } as unknown as AnyObject);
  c.settle();
  assert.is(c.exec('configured', 'app', 'cat', '/config/mode').stdout, 'safe', 'the whole-volume mount is updated');
  assert.is(c.exec('configured', 'app', 'cat', '/etc/mode').stdout, 'fast', 'the subPath mount is not');
  assert.match(c.exec('configured', 'app', 'write', '/etc/mode', 'x').stderr, /Read-only file system/);
  // A restarted container binds the file afresh.
  c.kubelets.get('node-a')!.restartContainer('default/configured', 'app');
  c.settle();
  assert.is(c.exec('configured', 'app', 'cat', '/etc/mode').stdout, 'safe');
  // The frozen copy goes with the pod.
  const uid = c.getPod('configured')!.metadata.uid!;
  assert.ok(c.fs(`subpath.${uid}.app.1`));
  c.store.delete('Pod', 'default/configured');
  c.settle();
  assert.is(c.fs(`subpath.${uid}.app.1`), undefined);
});

test('an emptyDir written beyond its sizeLimit evicts the pod with the eviction manager\'s message', () => {
  // pkg/kubelet/eviction/eviction_manager.go emptyDirLimitEviction and evictPod; helpers.go
  // emptyDirMessageFmt = "Usage of EmptyDir volume %q exceeds the limit %q. ".
  const c = createCluster();
  runningPod(c, 'scratch', 'node-a', [{ name: 'tmp', emptyDir: { sizeLimit: '1Ki' } }, { name: 'big', emptyDir: { sizeLimit: '1Mi' } }]);
  assert.is(c.exec('scratch', 'app', 'write', '/tmp/a', 'x'.repeat(1000)).exitCode, 0);
  c.settle();
  assert.is(c.getPod('scratch')?.status?.phase, 'Running', 'within the limit');
  assert.is(c.exec('scratch', 'app', 'write', '/tmp/b', 'y'.repeat(100)).exitCode, 0);
  c.settle();
  const pod = c.getPod('scratch')!;
  const message = 'Usage of EmptyDir volume "tmp" exceeds the limit "1Ki". ';
  assert.equal([pod.status?.phase, pod.status?.['reason'], pod.status?.['message']], ['Failed', 'Evicted', message]);
  assert.ok(c.events('scratch').includes(`Warning Evicted ${message}`));
  const app = (pod.status?.['containerStatuses'] as ContainerStatus[])[0]!;
  assert.equal([app.ready, Object.keys(app.state ?? {})], [false, ['terminated']]);
});

test('a memory-backed emptyDir is a tmpfs as large as the pod\'s memory limit or its sizeLimit: a write beyond fails with ENOSPC', () => {
  // pkg/volume/emptydir/empty_dir.go calculateEmptyDirMemorySize (SizeMemoryBackedVolumes, GA
  // 1.32): node allocatable, lowered to the pod's memory limit, then to sizeLimit.
  const c = createCluster();
  const app = (limit?: string): ContainerSpec => ({
    name: 'app', image: 'busybox:1.36', volumeMounts: [{ name: 'shm', mountPath: '/shm' }],
    ...(limit ? { resources: { limits: { memory: limit } } } : {}),
  } as ContainerSpec);
  runningPod(c, 'by-limit', 'node-a', [{ name: 'shm', emptyDir: { medium: 'Memory' } }], [app('2Ki')]);
  runningPod(c, 'by-size', 'node-a', [{ name: 'shm', emptyDir: { medium: 'Memory', sizeLimit: '1k' } }], [app('2Ki')]);
  assert.is(c.exec('by-limit', 'app', 'write', '/shm/a', 'x'.repeat(2000)).exitCode, 0);
  assert.equal(c.exec('by-limit', 'app', 'write', '/shm/b', 'y'.repeat(100)), { stdout: '', stderr: "write: cannot create '/shm/b': No space left on device\n", exitCode: 1 });
  assert.is(c.exec('by-limit', 'app', 'ls', '/shm').stdout, 'a\n', 'nothing of the failed write is kept');
  assert.is(c.exec('by-size', 'app', 'write', '/shm/a', 'x'.repeat(1001)).stderr, "write: cannot create '/shm/a': No space left on device\n");
  c.settle();
  assert.equal([c.getPod('by-limit')?.status?.phase, c.getPod('by-size')?.status?.phase], ['Running', 'Running'], 'a full tmpfs evicts nothing');
  // Without a memory limit on every container and without sizeLimit only the node's memory bounds it.
  runningPod(c, 'unbounded', 'node-a', [{ name: 'shm', emptyDir: { medium: 'Memory' } }], [app()]);
  assert.is(c.exec('unbounded', 'app', 'write', '/shm/a', 'x'.repeat(4096)).exitCode, 0);
});

test('a missing configMap or secret keeps the pod waiting with the kubelet message; optional ones do not', () => {
  const c = createCluster();
  c.pod({ name: 'needs-config', node: 'node-a', volumes: [{ name: 'cfg', configMap: { name: 'absent' } }] });
  c.pod({ name: 'needs-secret', node: 'node-a', volumes: [{ name: 'sec', secret: { secretName: 'absent' } }] });
  c.pod({ name: 'optional', node: 'node-a', volumes: [{ name: 'cfg', configMap: { name: 'absent', optional: true } }] });
  c.settle();
  assert.ok(c.events('needs-config').includes('Warning FailedMount MountVolume.SetUp failed for volume "cfg" : configmap "absent" not found'));
  assert.ok(c.events('needs-secret').includes('Warning FailedMount MountVolume.SetUp failed for volume "sec" : secret "absent" not found'));
  assert.is(c.getPod('needs-config')?.status?.phase, 'Pending');
  assert.is(c.getPod('optional')?.status?.phase, 'Running');
  // Creating it lets the pod start.
  c.store.create('ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'absent', namespace: 'default' }, data: { k: 'v' } } as unknown as AnyObject);
  c.settle();
  assert.is(c.getPod('needs-config')?.status?.phase, 'Running');
});

test('exec refuses a container that is not running, an unknown container and a completed pod, with kubectl words', () => {
  const c = createCluster();
  c.store.create('PersistentVolumeClaim', {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'unbound', namespace: 'default' },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: '' },
  } as unknown as AnyObject);
  c.pod({ name: 'stuck', node: 'node-a', volumes: [claimVolume('data', 'unbound')] });
  c.settle();
  assert.is(containerState(c.getPod('stuck')), 'waiting:ContainerCreating');
  const refusal = (fn: () => unknown): string => {
    try { fn(); } catch (e) { assert.instance(e, ExecError); return (e as Error).message; }
    return 'no error';
  };
  assert.is(refusal(() => c.exec('stuck', 'app', 'ls')), 'error: unable to upgrade connection: container not found ("app")');
  assert.is(refusal(() => c.exec('stuck', 'nope', 'ls')), 'Error from server (BadRequest): container nope is not valid for pod stuck');
  const done = c.getPod('stuck')!;
  c.store.update('Pod', { ...done, status: { ...done.status, phase: 'Succeeded' } } as unknown as AnyObject, 'status');
  assert.is(refusal(() => c.exec('stuck', 'app', 'ls')), 'error: cannot exec into a container in a completed pod; current phase is Succeeded');
  runningPod(c, 'fine', 'node-b', []);
  assert.equal(c.exec('fine', undefined, 'frobnicate').exitCode, 126);
});

test('a down node: its kubelet does nothing, the volume stays attached until 6 minutes after the detach was wanted', () => {
  const c = createCluster();
  const { volumeId } = c.volume('pv-disk', DISK, ['ReadWriteOnce'], 'data');
  runningPod(c, 'web', 'node-a', [claimVolume('data', 'data')]);
  const node = c.node('node-a');
  c.store.update('Node', { ...node, status: { ...node.status, conditions: [{ type: 'Ready', status: 'Unknown', reason: 'NodeStatusUnknown', lastTransitionTime: c.clock.iso() }] } } as unknown as AnyObject, 'status');
  c.store.delete('Pod', 'default/web');
  c.settle();
  assert.ok(c.getPod('web')?.metadata.deletionTimestamp, 'nobody unwinds the pod on a dead node');
  assert.is(containerState(c.getPod('web')), 'running', 'status stays as last reported');
  // The pod object is removed by force (as `kubectl delete --force` plus a finalizer edit would).
  const stuck = c.getPod('web')!;
  c.store.update('Pod', { ...stuck, metadata: { ...stuck.metadata, finalizers: [] } } as unknown as AnyObject);
  c.settle();
  assert.ok(c.va(volumeId, 'node-a'), 'still in use on the node: no detach yet');
  c.advance(5 * 60_000);
  assert.ok(c.va(volumeId, 'node-a'));
  c.advance(2 * 60_000);
  assert.is(c.va(volumeId, 'node-a'), undefined, 'forced detach after maxWaitForUnmountDuration');
  assert.equal(c.csiCalls.map((x) => x.rpc).slice(-1), ['ControllerUnpublishVolume']);
});

test('out-of-service taint: detach at once, without waiting for the unmount', () => {
  const c = createCluster();
  const { volumeId } = c.volume('pv-disk', DISK, ['ReadWriteOnce'], 'data');
  runningPod(c, 'web', 'node-a', [claimVolume('data', 'data')]);
  const node = c.node('node-a');
  c.store.update('Node', { ...node, status: { ...node.status, conditions: [{ type: 'Ready', status: 'Unknown', lastTransitionTime: c.clock.iso() }] } } as unknown as AnyObject, 'status');
  const down = c.node('node-a');
  c.store.update('Node', { ...down, spec: { taints: [{ key: 'node.kubernetes.io/out-of-service', value: 'nodeshutdown', effect: 'NoExecute' }] } } as unknown as AnyObject);
  c.store.delete('Pod', 'default/web');
  const terminating = c.getPod('web')!;
  c.store.update('Pod', { ...terminating, metadata: { ...terminating.metadata, finalizers: [] } } as unknown as AnyObject);
  c.settle();
  assert.is(c.va(volumeId, 'node-a'), undefined);
});

test('ControllerPublishVolume failure: attachError on the VA, retried with backoff until it works', () => {
  const c = createCluster({ disk: { failPublish: 2 } });
  const { volumeId } = c.volume('pv-disk', DISK, ['ReadWriteOnce'], 'data');
  c.pod({ name: 'web', node: 'node-a', volumes: [claimVolume('data', 'data')] });
  c.world.drain();
  const va = c.va(volumeId, 'node-a')!;
  assert.is(va.status?.attached, false);
  assert.match(va.status?.attachError?.message ?? '', 'rpc error: code = Unavailable desc = backend busy');
  assert.ok(c.events('web').includes('Warning FailedAttachVolume AttachVolume.Attach failed for volume "pv-disk" : rpc error: code = Unavailable desc = backend busy'));
  const start = c.clock.now();
  c.settle();
  assert.is(c.getPod('web')?.status?.phase, 'Running');
  assert.ok(c.va(volumeId, 'node-a')?.status?.attached);
  assert.is(c.va(volumeId, 'node-a')?.status?.attachError, undefined);
  const elapsed = c.clock.now() - start;
  assert.ok(elapsed >= 1_000 && elapsed <= 3_000, `retried with backoff (1 s, 2 s), took ${elapsed} ms`);
  assert.is(c.csiCalls.filter((x) => x.rpc === 'ControllerPublishVolume').length, 3);
});

test('driver latency is applied by the callers, in simulated time', () => {
  const c = createCluster({ disk: { latencyMs: 500 } });
  c.volume('pv-disk', DISK, ['ReadWriteOnce'], 'data');
  c.settle();
  const start = c.clock.now();
  c.pod({ name: 'web', node: 'node-a', volumes: [claimVolume('data', 'data')] });
  c.world.drain();
  assert.is(containerState(c.getPod('web')), 'waiting:ContainerCreating');
  c.settle();
  assert.is(c.getPod('web')?.status?.phase, 'Running');
  assert.is(c.clock.now() - start, 1_500, 'ControllerPublish, NodeStage, NodePublish: 500 ms each');
  assert.equal(c.csiCalls.map((x) => x.rpc), ['ControllerPublishVolume', 'NodeStageVolume', 'NodePublishVolume']);
});

test('PVC protection: a claim deleted while a pod uses it stays Terminating until the pod is gone', () => {
  const c = createCluster();
  c.volume('pv-disk', DISK, ['ReadWriteOnce'], 'data');
  runningPod(c, 'web', 'node-a', [claimVolume('data', 'data')]);
  c.store.delete('PersistentVolumeClaim', 'default/data');
  c.settle();
  const claim = c.store.getClaim('default', 'data');
  assert.ok(claim?.metadata.deletionTimestamp, 'Terminating');
  assert.equal(claim?.metadata.finalizers, [FINALIZER_PVC_PROTECTION]);
  assert.is(c.getPod('web')?.status?.phase, 'Running', 'the pod keeps running on its claim');
  c.store.delete('Pod', 'default/web');
  c.settle();
  assert.is(c.getPod('web'), undefined);
  assert.is(c.store.getClaim('default', 'data'), undefined, 'the claim goes once the pod is gone');
  assert.is(c.store.getVolume('pv-disk')?.status?.phase, 'Released');
});

/** A kubelet's client that lists every read of a driver's backend (CSIVolume) it makes. */
function watchedClient(client: Client, reads: string[]): Client {
  return new Proxy(client, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver) as unknown;
      if (prop !== 'get' && prop !== 'list' && prop !== 'byIndex') return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
      return (kind: string, ...rest: unknown[]) => {
        // A read of the backend: by kind, or through an index of backend volumes.
        if (kind === 'CSIVolume' || kind === 'csiVolumesByNode') reads.push(`${String(prop)} ${kind}`);
        return (value as (...a: unknown[]) => unknown).call(target, kind, ...rest);
      };
    },
  });
}

test('a restarted kubelet rebuilds a volume without backend objects (a driver module\'s, ADR 0029) from its Running pod', () => {
  const c = createCluster();
  const { volumeId } = c.volume('pv-disk', DISK, ['ReadWriteOnce'], 'data');
  runningPod(c, 'web', 'node-a', [claimVolume('data', 'data')]);
  const before = c.kubelets.get('node-a')!.saveState().actual;
  // A module keeps its backend in its own memory: the store holds no CSIVolume for its volumes.
  c.store.delete('CSIVolume', csiVolumeObjectName(DISK, volumeId));
  const reads: string[] = [];
  const fresh = new Kubelet(watchedClient(c.world.client, reads), c.manager.workQueue, 'node-a', new Map<string, CsiDriverPort>([[DISK, c.disk], [NAS, c.nas]]), { clock: c.clock, csiCalls: c.csiCalls });
  c.manager.restartController('kubelet/node-a', fresh);
  const callsBefore = c.csiCalls.length;
  c.settle();
  assert.equal(fresh.saveState().actual, before, 'staged and published, as the pod shows');
  assert.equal(c.csiCalls.slice(callsBefore).filter((x) => x.rpc.startsWith('Node')), [], 'nothing mounted again');
  assert.equal(reads, ['byIndex csiVolumesByNode', 'get CSIVolume'], 'the node\'s backend, then the one volume it lacks');
});

test('a restarted kubelet rebuilds its actual state from the node once, then unpublishes, unstages and tears down on its own', () => {
  const c = createCluster();
  const { volumeId } = c.volume('pv-disk', DISK, ['ReadWriteOnce'], 'data');
  const { volumeId: shareId } = c.volume('pv-nas', NAS, ['ReadWriteMany'], 'share');
  runningPod(c, 'web', 'node-a', [claimVolume('data', 'data'), claimVolume('share', 'share'), { name: 'scratch', emptyDir: {} }]);
  const uid = c.getPod('web')!.metadata.uid!;
  assert.is(c.exec('web', undefined, 'write', '/scratch/f', 'x').exitCode, 0);
  const before = c.kubelets.get('node-a')!.saveState().actual;
  assert.equal(before, {
    staged: [{ driver: DISK, volumeId, stagingTargetPath: csiStagingPath(DISK, volumeId) }],
    published: [
      { driver: DISK, volumeId, targetPath: csiTargetPath(uid, 'pv-disk'), readonly: false },
      { driver: NAS, volumeId: shareId, targetPath: csiTargetPath(uid, 'pv-nas'), readonly: false },
    ],
    emptyDirs: [{ podUid: uid, volume: 'scratch' }],
  });

  // The crash: a fresh kubelet with empty memory in its place.
  const reads: string[] = [];
  const fresh = new Kubelet(watchedClient(c.world.client, reads), c.manager.workQueue, 'node-a', new Map<string, CsiDriverPort>([[DISK, c.disk], [NAS, c.nas]]), { clock: c.clock, csiCalls: c.csiCalls });
  assert.is(fresh.saveState().actual, undefined, 'nothing known before it looked');
  c.manager.restartController('kubelet/node-a', fresh);
  c.settle();
  assert.equal(fresh.saveState().actual, before, 'rebuilt from the node: what the old one knew');
  assert.equal(reads, ['byIndex csiVolumesByNode'], 'the backend is read once, at start-up (the volumes on this node)');

  const callsBefore = c.csiCalls.length;
  c.store.delete('Pod', 'default/web');
  c.settle();
  assert.equal(c.csiCalls.slice(callsBefore), [
    { rpc: 'NodeUnpublishVolume', volumeId, node: 'node-a', target: csiTargetPath(uid, 'pv-disk') },
    { rpc: 'NodeUnpublishVolume', volumeId: shareId, node: 'node-a', target: csiTargetPath(uid, 'pv-nas') },
    { rpc: 'NodeUnstageVolume', volumeId, node: 'node-a', target: csiStagingPath(DISK, volumeId) },
    { rpc: 'ControllerUnpublishVolume', volumeId, node: 'node-a' },
  ]);
  assert.equal(reads, ['byIndex csiVolumesByNode'], 'no backend read while unwinding');
  assert.equal(c.disk.violations, []);
  assert.is(c.getPod('web'), undefined);
  assert.is(c.fs(`emptydir.${uid}.scratch`), undefined, 'emptyDir data deleted');
  const cv = c.store.get('CSIVolume', `${DISK}.${volumeId}`) as unknown as CsiVolumeObject;
  assert.equal([cv.status?.staged, cv.status?.published], [{}, {}]);
  assert.is(c.node('node-a').status?.['volumesInUse'], undefined);
  assert.equal(fresh.saveState().actual, { staged: [], published: [], emptyDirs: [] });
});

test('a kubelet restored from a snapshot of its memory does not rebuild: it carries on from what it saved', () => {
  const c = createCluster();
  const { volumeId } = c.volume('pv-disk', DISK, ['ReadWriteOnce'], 'data');
  runningPod(c, 'web', 'node-a', [claimVolume('data', 'data')]);
  const saved = JSON.parse(JSON.stringify(c.kubelets.get('node-a')!.saveState()));
  const reads: string[] = [];
  const fresh = new Kubelet(watchedClient(c.world.client, reads), c.manager.workQueue, 'node-a', new Map<string, CsiDriverPort>([[DISK, c.disk], [NAS, c.nas]]), { clock: c.clock, csiCalls: c.csiCalls });
  fresh.loadState(saved);
  c.manager.restartController('kubelet/node-a', fresh);
  c.store.delete('Pod', 'default/web');
  c.settle();
  assert.equal(reads, []);
  assert.equal(c.csiCalls.map((x) => x.rpc).slice(-3), ['NodeUnpublishVolume', 'NodeUnstageVolume', 'ControllerUnpublishVolume']);
  assert.is(c.va(volumeId, 'node-a'), undefined);
  assert.equal(c.disk.violations, []);
});

test.run();
