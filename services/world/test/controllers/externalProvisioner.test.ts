/**
 * Design: the external-provisioner runs next to the PV controller and the protection controllers
 * in one ControllerManager over one ObjectStore, exactly as on a cluster: a claim of a CSI class
 * is annotated by the PV controller, provisioned by the sidecar, bound by the PV controller. The
 * driver is a tiny in-test fake of `CsiDriverPort` that records each call with the simulated time
 * it happened at and plays a script of answers, so retries and latencies are asserted as clock
 * times. Tables have named rows (Kubernetes' controller_test.go style).
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  ANN_DYNAMICALLY_PROVISIONED, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, CsiError, FINALIZER_PV_EXTERNAL_DELETION,
  FINALIZER_PV_PROTECTION,
  type ControllerCapability, type CreateVolumeRequest, type CsiCode, type CsiDriverPort, type CsiVolume, type KubeEvent,
  type NewLogRecord, type NodeCapability, type PersistentVolume, type PersistentVolumeClaim, type StorageClass, type Topology,
  type VolumeCapability,
} from '@pvsim/domain';
import { Random, type AnyObject, type ObjectStore, type SimClock } from '@pvsim/runtime';
import {
  ANN_PROVISIONER_IDENTITY, ExternalProvisioner, checkProvisioningError, type ExternalProvisionerOptions, type ProvisioningState,
} from '@pvsim/csi-sidecars';
import { ControllerManager } from '@pvsim/controller-manager';
import { createWorld, fifoChooser, seededChooser, type World } from '../../src/index.ts';

const EPOCH_MS = Date.UTC(2026, 0, 1);
const DRIVER = 'fake.csi.pvsim.dev';
const ZONE = 'topology.kubernetes.io/zone';
const GI = 1024 ** 3;

// ------------------------------------------------------------------ the fake driver

interface Call { rpc: 'CreateVolume' | 'DeleteVolume'; at: number; req: CreateVolumeRequest | { volumeId: string } }

type CreateAnswer = Error | { capacityBytes?: string; accessibleTopology?: Topology[] };

interface DriverOptions {
  /** VOLUME_ACCESSIBILITY_CONSTRAINTS; nodes report their zone label. */
  topology?: boolean;
  /** PUBLISH_UNPUBLISH_VOLUME. */
  publish?: boolean;
  /** Answers of successive CreateVolume calls; after the script, success. */
  create?: CreateAnswer[];
  /** Errors of successive DeleteVolume calls (undefined = success); after the script, success. */
  delete?: (Error | undefined)[];
  /** When set, the driver has `latencyMs` (the provisioner must schedule its calls). */
  latency?: { CreateVolume?: number; DeleteVolume?: number };
}

class FakeDriver implements CsiDriverPort {
  readonly calls: Call[] = [];
  /** Backend volumes by id. */
  readonly volumes = new Map<string, CsiVolume & { name: string }>();
  private createScript: CreateAnswer[];
  private deleteScript: (Error | undefined)[];

  constructor(private readonly clock: SimClock, private readonly store: () => ObjectStore, protected readonly opts: DriverOptions) {
    this.createScript = [...(opts.create ?? [])];
    this.deleteScript = [...(opts.delete ?? [])];
  }

  getPluginInfo() { return { name: DRIVER, vendorVersion: 'test' }; }
  getPluginCapabilities(): ('CONTROLLER_SERVICE' | 'VOLUME_ACCESSIBILITY_CONSTRAINTS')[] {
    return this.opts.topology ? ['CONTROLLER_SERVICE', 'VOLUME_ACCESSIBILITY_CONSTRAINTS'] : ['CONTROLLER_SERVICE'];
  }
  probe() { return { ready: true }; }
  controllerGetCapabilities(): ControllerCapability[] {
    return this.opts.publish ? ['CREATE_DELETE_VOLUME', 'PUBLISH_UNPUBLISH_VOLUME'] : ['CREATE_DELETE_VOLUME'];
  }

  createVolume(req: CreateVolumeRequest): { volume: CsiVolume } {
    this.calls.push({ rpc: 'CreateVolume', at: this.clock.now(), req: structuredClone(req) });
    const answer = this.createScript.shift();
    if (answer instanceof Error) throw answer;
    const volumeId = `vol-${req.name}`;
    const placed = req.accessibilityRequirements?.preferred?.[0] ?? req.accessibilityRequirements?.requisite?.[0];
    const volume = {
      name: req.name,
      volumeId,
      capacityBytes: answer?.capacityBytes ?? req.capacityRange?.requiredBytes ?? '0',
      volumeContext: { share: req.name },
      accessibleTopology: answer?.accessibleTopology ?? (placed ? [placed] : []),
    };
    this.volumes.set(volumeId, volume);
    return { volume: structuredClone(volume) };
  }

  deleteVolume(req: { volumeId: string }): void {
    this.calls.push({ rpc: 'DeleteVolume', at: this.clock.now(), req: { ...req } });
    const err = this.deleteScript.shift();
    if (err) throw err;
    this.volumes.delete(req.volumeId);
  }

  controllerPublishVolume(): { publishContext: Record<string, string> } { throw new CsiError('UNIMPLEMENTED', 'not in this fake'); }
  controllerUnpublishVolume(): void { throw new CsiError('UNIMPLEMENTED', 'not in this fake'); }
  validateVolumeCapabilities(_req: { volumeId: string; volumeCapabilities: VolumeCapability[] }) { return { confirmed: true, message: '' }; }
  listVolumes() { return { entries: [], nextToken: '' }; }
  getCapacity() { return { availableCapacity: '0' }; }
  nodeGetCapabilities(): NodeCapability[] { return []; }
  nodeGetInfo(req: { node: string }): { nodeId: string; maxVolumesPerNode: number; accessibleTopology: Topology } {
    const zone = this.store().getNode(req.node)?.metadata.labels?.[ZONE];
    const accessibleTopology: Topology = {};
    if (this.opts.topology && zone !== undefined) accessibleTopology[ZONE] = zone;
    return { nodeId: req.node, maxVolumesPerNode: 0, accessibleTopology };
  }
  nodeStageVolume(): void {}
  nodeUnstageVolume(): void {}
  nodePublishVolume(): void {}
  nodeUnpublishVolume(): void {}

  /** Times of the calls of one RPC, relative to `t0`. */
  offsets(rpc: Call['rpc'], t0: number): number[] {
    return this.calls.filter((c) => c.rpc === rpc).map((c) => c.at - t0);
  }
}

/** The concrete driver of a simulation also tells how long a call takes. */
class SlowFakeDriver extends FakeDriver {
  latencyMs(rpc: 'CreateVolume' | 'DeleteVolume'): number {
    return this.opts.latency?.[rpc] ?? 0;
  }
}

// ------------------------------------------------------------------ objects and harness

function storageClass(name: string, extra: Partial<StorageClass> = {}): StorageClass {
  return {
    apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name },
    provisioner: DRIVER, reclaimPolicy: 'Delete', volumeBindingMode: 'Immediate', ...extra,
  };
}

function claim(name: string, extra: { size?: string; className?: string; annotations?: Record<string, string>; spec?: Partial<PersistentVolumeClaim['spec']> } = {}): PersistentVolumeClaim {
  return {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim',
    metadata: { name, namespace: 'default', ...(extra.annotations ? { annotations: extra.annotations } : {}) },
    spec: {
      accessModes: ['ReadWriteOnce'], resources: { requests: { storage: extra.size ?? '10Gi' } },
      storageClassName: extra.className ?? 'fast', volumeMode: 'Filesystem', ...extra.spec,
    },
  };
}

function node(name: string, zone: string | undefined): AnyObject {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'kubernetes.io/hostname': name, ...(zone ? { [ZONE]: zone } : {}) } } };
}

interface Harness {
  world: World;
  clock: SimClock;
  store: ObjectStore;
  manager: ControllerManager;
  driver: FakeDriver;
  provisioner: ExternalProvisioner;
  records: NewLogRecord[];
  t0: number;
  addClass(c: StorageClass): void;
  addClaim(c: PersistentVolumeClaim): PersistentVolumeClaim;
  getClaim(name: string): PersistentVolumeClaim | undefined;
  deleteClaim(name: string): void;
  /** The provisioner's events of one object, "Type Reason message" (×count when aggregated), in order. */
  events(name: string): string[];
}

function setup(o: { driver?: DriverOptions; provisioner?: ExternalProvisionerOptions; seed?: number } = {}): Harness {
  const uids = new Random(o.seed ?? 7);
  const records: NewLogRecord[] = [];
  const record = (r: NewLogRecord) => { records.push(structuredClone(r)); };
  const world = createWorld({
    startMs: EPOCH_MS, record, newUid: () => uids.uuid(),
    chooser: o.seed === undefined ? fifoChooser() : seededChooser(new Random(o.seed)),
  });
  const { store, clock, client, manager } = world;
  const driverOpts = o.driver ?? {};
  const driver = driverOpts.latency ? new SlowFakeDriver(clock, () => store, driverOpts) : new FakeDriver(clock, () => store, driverOpts);
  const provisioner = new ExternalProvisioner(client, manager.workQueue, driver, { random: new Random(42), ...o.provisioner });
  manager.addController(provisioner);
  return {
    world, clock, store, manager, driver, provisioner, records, t0: clock.now(),
    addClass: (c) => { store.create('StorageClass', c as unknown as AnyObject); },
    addClaim: (c) => store.create('PersistentVolumeClaim', c as unknown as AnyObject) as unknown as PersistentVolumeClaim,
    getClaim: (name) => store.getClaim('default', name),
    deleteClaim: (name) => store.delete('PersistentVolumeClaim', `default/${name}`),
    events: (name) => store.events()
      .filter((e: KubeEvent) => e.involvedObject.name === name && e.source.component === provisioner.eventSource)
      .map((e) => `${e.type} ${e.reason} ${e.message}${e.count > 1 ? ` ×${e.count}` : ''}`),
  };
}

/** A missing phase is Pending (the API server's default). */
const phaseOf = (o: { status?: { phase?: string } } | undefined) => (o ? o.status?.phase || 'Pending' : '');
const wrap = (cls: string, msg: string) => `failed to provision volume with StorageClass "${cls}": ${msg}`;

// ------------------------------------------------------------------ happy path

test('happy path: Pending while CreateVolume runs, then a PV of the exact shape, then Bound', () => {
  const h = setup({ driver: { latency: { CreateVolume: 2_000 } } });
  h.addClass(storageClass('fast', { parameters: { type: 'ssd', 'csi.storage.k8s.io/fstype': 'xfs' }, mountOptions: ['noatime'] }));
  const created = h.addClaim(claim('data'));
  const uid = created.metadata.uid!;
  const pvName = `pvc-${uid}`;

  h.world.drain();
  // OBSERVATION: annotated by the PV controller, the call is in flight, nothing exists yet.
  assert.is(h.getClaim('data')!.metadata.annotations?.[ANN_STORAGE_PROVISIONER], DRIVER);
  assert.is(phaseOf(h.getClaim('data')), 'Pending');
  assert.is(h.store.getVolume(pvName), undefined);
  assert.equal(h.driver.calls, []);
  assert.ok(h.provisioner.unsettled());
  assert.equal(h.events('data'), [`Normal Provisioning External provisioner is provisioning volume for claim "default/data"`]);
  // The source is `<driver>_<id>` (sig-storage-lib-external-provisioner controller.go,
  // NewProvisionController: component := provisionerName + "_" + id), the claim carries both
  // provisioner annotations (pv_controller.go setClaimProvisioner).
  const source = h.store.events().find((e: KubeEvent) => e.reason === 'Provisioning')!.source.component;
  assert.is(source, `${DRIVER}_${h.provisioner.identity}`);
  assert.is(h.getClaim('data')!.metadata.annotations?.['volume.beta.kubernetes.io/storage-provisioner'], DRIVER);

  h.world.settle();
  assert.equal(h.driver.offsets('CreateVolume', h.t0), [2_000]);
  assert.equal(h.driver.calls[0]!.req, {
    name: pvName,
    capacityRange: { requiredBytes: String(10 * GI) },
    volumeCapabilities: [{ accessMode: 'SINGLE_NODE_WRITER', mount: { fsType: 'xfs', mountFlags: ['noatime'] } }],
    parameters: { type: 'ssd' },
  });

  // The PV exactly as the provisioner created it (the log's creation fact).
  const createdPv = h.records.find((r) => r.type === 'PersistentVolumeCreated')!.data as PersistentVolume;
  assert.match(h.provisioner.identity, /^\d+-fake\.csi\.pvsim\.dev$/);
  assert.equal(createdPv.metadata.annotations, { [ANN_DYNAMICALLY_PROVISIONED]: DRIVER });
  assert.equal(createdPv.metadata.finalizers, [FINALIZER_PV_EXTERNAL_DELETION]);
  const rv = createdPv.spec.claimRef?.resourceVersion;
  assert.type(rv, 'string');
  assert.equal(createdPv.spec, {
    capacity: { storage: '10Gi' },
    csi: {
      driver: DRIVER, volumeHandle: `vol-${pvName}`, fsType: 'xfs',
      volumeAttributes: { [ANN_PROVISIONER_IDENTITY]: h.provisioner.identity, share: pvName },
    },
    accessModes: ['ReadWriteOnce'],
    claimRef: { kind: 'PersistentVolumeClaim', apiVersion: 'v1', namespace: 'default', name: 'data', uid, resourceVersion: rv },
    persistentVolumeReclaimPolicy: 'Delete',
    storageClassName: 'fast',
    mountOptions: ['noatime'],
    volumeMode: 'Filesystem',
  });
  // PrepareForCreate of the PV strategy: a new PV starts Pending, with lastPhaseTransitionTime (GA 1.31).
  assert.equal(createdPv.status, { phase: 'Pending', lastPhaseTransitionTime: createdPv.metadata.creationTimestamp });

  // The PV controller bound them.
  const pv = h.store.getVolume(pvName)!;
  assert.is(phaseOf(pv), 'Bound');
  assert.is(phaseOf(h.getClaim('data')), 'Bound');
  assert.is(h.getClaim('data')!.spec.volumeName, pvName);
  assert.equal([...(pv.metadata.finalizers ?? [])].sort(), [FINALIZER_PV_EXTERNAL_DELETION, FINALIZER_PV_PROTECTION].sort());
  assert.equal(h.events('data'), [
    `Normal Provisioning External provisioner is provisioning volume for claim "default/data"`,
    `Normal ProvisioningSucceeded Successfully provisioned volume ${pvName}`,
  ]);
  assert.not.ok(h.provisioner.unsettled());
});

test('a CreateVolume in flight is not started twice by claim updates or resyncs', () => {
  const h = setup({ driver: { latency: { CreateVolume: 5_000 } } });
  h.addClass(storageClass('fast'));
  h.addClaim(claim('data'));
  h.world.drain();
  const c = structuredClone(h.getClaim('data')!);
  c.metadata.labels = { touched: 'yes' };
  h.store.updateClaim(c);
  h.world.resyncAll();
  h.world.drain();
  assert.equal(h.driver.calls, []);
  h.world.settle();
  assert.equal(h.driver.offsets('CreateVolume', h.t0), [5_000]);
  assert.is(phaseOf(h.getClaim('data')), 'Bound');
  assert.is(h.events('data').filter((e) => e.includes('Normal Provisioning ')).length, 1);
});

// ------------------------------------------------------------------ WaitForFirstConsumer and topology

test('WaitForFirstConsumer: nothing is provisioned without volume.kubernetes.io/selected-node', () => {
  const h = setup();
  h.addClass(storageClass('late', { volumeBindingMode: 'WaitForFirstConsumer' }));
  h.store.create('Node', node('node-a', undefined));
  // Annotated for us, but the selected node was taken away again (a reschedule).
  h.addClaim(claim('data', { className: 'late', annotations: { [ANN_STORAGE_PROVISIONER]: DRIVER } }));
  h.world.settle();
  assert.equal(h.driver.calls, []);
  assert.is(phaseOf(h.getClaim('data')), 'Pending');

  const c = structuredClone(h.getClaim('data')!);
  c.metadata.annotations = { ...c.metadata.annotations, [ANN_SELECTED_NODE]: 'node-a' };
  h.store.updateClaim(c);
  h.world.settle();
  assert.is(h.driver.offsets('CreateVolume', h.t0).length, 1);
  assert.is(phaseOf(h.getClaim('data')), 'Bound');
});

test('topology: requirements from the selected node and the nodes of the cluster; node affinity from the answer', () => {
  const h = setup({ driver: { topology: true } });
  h.addClass(storageClass('late', { volumeBindingMode: 'WaitForFirstConsumer' }));
  h.store.create('Node', node('node-a', 'zone-a'));
  h.store.create('Node', node('node-b', 'zone-b'));
  h.store.create('Node', node('node-c', 'zone-a'));
  const created = h.addClaim(claim('data', { className: 'late', annotations: { [ANN_SELECTED_NODE]: 'node-b' } }));
  h.world.settle();
  const req = h.driver.calls[0]!.req as CreateVolumeRequest;
  assert.equal(req.accessibilityRequirements, {
    requisite: [{ [ZONE]: 'zone-a' }, { [ZONE]: 'zone-b' }],
    preferred: [{ [ZONE]: 'zone-b' }, { [ZONE]: 'zone-a' }],
  });
  const pv = h.store.getVolume(`pvc-${created.metadata.uid}`)!;
  assert.equal(pv.spec.nodeAffinity, {
    required: { nodeSelectorTerms: [{ matchExpressions: [{ key: ZONE, operator: 'In', values: ['zone-b'] }] }] },
  });
  assert.is(phaseOf(h.getClaim('data')), 'Bound');
});

test('topology: allowedTopologies give the requisite terms of an Immediate claim', () => {
  const h = setup({ driver: { topology: true } });
  h.addClass(storageClass('fast', { allowedTopologies: [{ matchLabelExpressions: [{ key: ZONE, values: ['zone-c', 'zone-a'] }] }] }));
  h.store.create('Node', node('node-a', 'zone-a'));
  h.addClaim(claim('data'));
  h.world.settle();
  const req = h.driver.calls[0]!.req as CreateVolumeRequest;
  assert.equal(req.accessibilityRequirements!.requisite, [{ [ZONE]: 'zone-a' }, { [ZONE]: 'zone-c' }]);
  // Preferred is the requisite list rotated by the claim name's hash (StatefulSet spreading).
  const preferred = req.accessibilityRequirements!.preferred!.map((t) => t[ZONE]);
  assert.ok(JSON.stringify(preferred) === '["zone-a","zone-c"]' || JSON.stringify(preferred) === '["zone-c","zone-a"]', String(preferred));
});

test('a driver without VOLUME_ACCESSIBILITY_CONSTRAINTS gets no requirements and its PVs no node affinity', () => {
  const h = setup();
  h.addClass(storageClass('fast'));
  h.store.create('Node', node('node-a', 'zone-a'));
  const created = h.addClaim(claim('data'));
  h.world.settle();
  assert.is((h.driver.calls[0]!.req as CreateVolumeRequest).accessibilityRequirements, undefined);
  assert.is(h.store.getVolume(`pvc-${created.metadata.uid}`)!.spec.nodeAffinity, undefined);
});

// ------------------------------------------------------------------ errors

test('checkProvisioningError: gRPC code -> what the next attempt may do', () => {
  const rows: { name: string; err: unknown; mayReschedule: boolean; expected: ProvisioningState }[] = [
    { name: 'RESOURCE_EXHAUSTED with topology and a selected node', err: new CsiError('RESOURCE_EXHAUSTED', 'full'), mayReschedule: true, expected: 'reschedule' },
    { name: 'RESOURCE_EXHAUSTED otherwise', err: new CsiError('RESOURCE_EXHAUSTED', 'full'), mayReschedule: false, expected: 'finished' },
    { name: 'CANCELED', err: new CsiError('CANCELED', 'x'), mayReschedule: true, expected: 'inBackground' },
    { name: 'DEADLINE_EXCEEDED', err: new CsiError('DEADLINE_EXCEEDED', 'x'), mayReschedule: true, expected: 'inBackground' },
    { name: 'UNAVAILABLE', err: new CsiError('UNAVAILABLE', 'x'), mayReschedule: false, expected: 'inBackground' },
    { name: 'ABORTED', err: new CsiError('ABORTED', 'x'), mayReschedule: false, expected: 'inBackground' },
    { name: 'not a gRPC error', err: new Error('connection reset'), mayReschedule: true, expected: 'inBackground' },
    { name: 'INVALID_ARGUMENT', err: new CsiError('INVALID_ARGUMENT', 'x'), mayReschedule: true, expected: 'finished' },
    { name: 'INTERNAL', err: new CsiError('INTERNAL', 'x'), mayReschedule: true, expected: 'finished' },
    { name: 'NOT_FOUND', err: new CsiError('NOT_FOUND', 'x'), mayReschedule: true, expected: 'finished' },
    { name: 'ALREADY_EXISTS', err: new CsiError('ALREADY_EXISTS', 'x'), mayReschedule: true, expected: 'finished' },
    { name: 'FAILED_PRECONDITION', err: new CsiError('FAILED_PRECONDITION', 'x'), mayReschedule: true, expected: 'finished' },
    { name: 'OUT_OF_RANGE', err: new CsiError('OUT_OF_RANGE', 'x'), mayReschedule: true, expected: 'finished' },
    { name: 'UNIMPLEMENTED', err: new CsiError('UNIMPLEMENTED', 'x'), mayReschedule: true, expected: 'finished' },
    { name: 'PERMISSION_DENIED', err: new CsiError('PERMISSION_DENIED', 'x'), mayReschedule: true, expected: 'finished' },
    { name: 'UNAUTHENTICATED', err: new CsiError('UNAUTHENTICATED', 'x'), mayReschedule: true, expected: 'finished' },
  ];
  for (const row of rows) assert.is(checkProvisioningError(row.err, row.mayReschedule), row.expected, row.name);
});

test('a failed CreateVolume: event, then a retry at the backoff time (or a reschedule)', () => {
  const rows: {
    name: string; error: Error; wffc?: boolean; expectedOffsetsMs: number[]; expectedPhase: string; selectedNodeAfter?: string;
  }[] = [
    { name: 'UNAVAILABLE (in background) retried after retryBaseMs', error: new CsiError('UNAVAILABLE', 'backend down'), expectedOffsetsMs: [0, 1_000], expectedPhase: 'Bound' },
    { name: 'INTERNAL (final) retried after retryBaseMs too', error: new CsiError('INTERNAL', 'boom'), expectedOffsetsMs: [0, 1_000], expectedPhase: 'Bound' },
    { name: 'RESOURCE_EXHAUSTED without a selected node: final, retried', error: new CsiError('RESOURCE_EXHAUSTED', 'no space'), expectedOffsetsMs: [0, 1_000], expectedPhase: 'Bound' },
    { name: 'INVALID_ARGUMENT is infeasible: retried only after retryMaxMs', error: new CsiError('INVALID_ARGUMENT', 'bad parameter'), expectedOffsetsMs: [0, 300_000], expectedPhase: 'Bound' },
    { name: 'not a gRPC error: in background, retried', error: new Error('connection reset'), expectedOffsetsMs: [0, 1_000], expectedPhase: 'Bound' },
    {
      name: 'RESOURCE_EXHAUSTED on a selected node: reschedule, no retry', error: new CsiError('RESOURCE_EXHAUSTED', 'zone full'),
      wffc: true, expectedOffsetsMs: [0], expectedPhase: 'Pending', selectedNodeAfter: undefined,
    },
  ];
  for (const row of rows) {
    const h = setup({ driver: { topology: true, create: [row.error] } });
    h.addClass(storageClass('fast', row.wffc ? { volumeBindingMode: 'WaitForFirstConsumer' } : {}));
    h.store.create('Node', node('node-a', 'zone-a'));
    h.addClaim(claim('data', row.wffc ? { annotations: { [ANN_SELECTED_NODE]: 'node-a' } } : {}));
    const report = h.world.settle();
    // A settle does not fast-forward a long backoff that nothing else waits for: the infeasible
    // retry comes only when simulated time is let run (as `pvsim advance` does).
    if (report.stoppedBy === 'retrying') assert.ok(row.expectedOffsetsMs.some((t) => t >= 120_000), `${row.name}: ${report.inFlight.join('; ')}`);
    h.world.runUntil(() => h.driver.offsets('CreateVolume', h.t0).length >= row.expectedOffsetsMs.length, 600_000);
    h.world.settle();
    assert.equal(h.driver.offsets('CreateVolume', h.t0), row.expectedOffsetsMs, row.name);
    assert.is(phaseOf(h.getClaim('data')), row.expectedPhase, row.name);
    const failed = h.events('data').filter((e) => e.startsWith('Warning'));
    assert.equal(failed, [`Warning ProvisioningFailed ${wrap('fast', row.error.message)}`], row.name);
    if (row.wffc) assert.is(h.getClaim('data')!.metadata.annotations?.[ANN_SELECTED_NODE], row.selectedNodeAfter, row.name);
    // Every attempt names the same volume.
    const names = new Set(h.driver.calls.filter((c) => c.rpc === 'CreateVolume').map((c) => (c.req as CreateVolumeRequest).name));
    assert.is(names.size, 1, row.name);
  }
});

test('after the claim is deleted: an attempt in background goes on (and its volume is cleaned up), a final one stops', () => {
  const rows: { name: string; code?: CsiCode; expected: 'background' | 'final' }[] = [
    { name: 'CANCELED', code: 'CANCELED', expected: 'background' },
    { name: 'DEADLINE_EXCEEDED', code: 'DEADLINE_EXCEEDED', expected: 'background' },
    { name: 'UNAVAILABLE', code: 'UNAVAILABLE', expected: 'background' },
    { name: 'ABORTED', code: 'ABORTED', expected: 'background' },
    { name: 'non-CSI error', expected: 'background' },
    { name: 'INTERNAL', code: 'INTERNAL', expected: 'final' },
    { name: 'RESOURCE_EXHAUSTED', code: 'RESOURCE_EXHAUSTED', expected: 'final' },
    { name: 'INVALID_ARGUMENT', code: 'INVALID_ARGUMENT', expected: 'final' },
    { name: 'FAILED_PRECONDITION', code: 'FAILED_PRECONDITION', expected: 'final' },
    { name: 'ALREADY_EXISTS', code: 'ALREADY_EXISTS', expected: 'final' },
  ];
  for (const row of rows) {
    const error = row.code ? new CsiError(row.code, 'failed') : new Error('socket closed');
    const h = setup({ driver: { create: [error] } });
    h.addClass(storageClass('fast'));
    const created = h.addClaim(claim('data'));
    h.world.drain();
    assert.equal(h.driver.offsets('CreateVolume', h.t0), [0], row.name);
    h.deleteClaim('data');
    h.world.settle();
    // A final error's retry comes at its backoff time, which a settle does not fast-forward.
    h.world.runUntil(() => !h.provisioner.unsettled(), 600_000);
    const pvName = `pvc-${created.metadata.uid}`;
    if (row.expected === 'background') {
      // The same CreateVolume again at the backoff time; the PV it yields is Released at once
      // (its claim is gone) and deleted with its backend volume.
      assert.equal(h.driver.offsets('CreateVolume', h.t0), [0, 1_000], row.name);
      assert.equal(h.driver.calls.filter((c) => c.rpc === 'DeleteVolume').map((c) => c.req), [{ volumeId: `vol-${pvName}` }], row.name);
      assert.ok(h.records.some((r) => r.type === 'PersistentVolumeCreated'), row.name);
    } else {
      assert.equal(h.driver.offsets('CreateVolume', h.t0), [0], row.name);
      assert.not.ok(h.records.some((r) => r.type === 'PersistentVolumeCreated'), row.name);
    }
    assert.is(h.store.getVolume(pvName), undefined, row.name);
    assert.is(h.driver.volumes.size, 0, row.name);
    assert.not.ok(h.provisioner.unsettled(), row.name);
  }
});

test('backoff doubles from retryBaseMs up to retryMaxMs; failedProvisionThreshold gives up', () => {
  const always = Array.from({ length: 50 }, () => new CsiError('INTERNAL', 'boom'));
  const h = setup({ driver: { create: always }, provisioner: { failedProvisionThreshold: 3, retryBaseMs: 1_000, retryMaxMs: 5_000 } });
  h.addClass(storageClass('fast'));
  h.addClaim(claim('data'));
  h.world.settle();
  // Three retries (1 s, 2 s, 4 s later), then the fourth failure gives up.
  assert.equal(h.driver.offsets('CreateVolume', h.t0), [0, 1_000, 3_000, 7_000]);
  assert.equal(h.events('data'), [
    `Normal Provisioning External provisioner is provisioning volume for claim "default/data" ×4`,
    `Warning ProvisioningFailed ${wrap('fast', 'rpc error: code = Internal desc = boom')} ×4`,
    'Warning ProvisioningFailed giving up on provisioning after 4 failed attempts (failedProvisionThreshold 3); the claim is retried only when it changes',
  ]);
  assert.not.ok(h.provisioner.unsettled());
  // Resyncs do not bring it back...
  h.clock.advance(60_000);
  h.world.resyncAll();
  h.world.settle();
  assert.is(h.driver.offsets('CreateVolume', h.t0).length, 4);
  // ...a change of the claim does, once.
  const c = structuredClone(h.getClaim('data')!);
  c.metadata.labels = { poke: '1' };
  h.store.updateClaim(c);
  h.world.settle();
  assert.is(h.driver.offsets('CreateVolume', h.t0).length, 5);
  assert.is(phaseOf(h.getClaim('data')), 'Pending');

  // failedProvisionThreshold 0: never give up; delays capped at retryMaxMs.
  const h2 = setup({ driver: { create: always.slice(0, 6) }, provisioner: { failedProvisionThreshold: 0, retryMaxMs: 4_000 } });
  h2.addClass(storageClass('fast'));
  h2.addClaim(claim('data'));
  h2.world.settle();
  assert.equal(h2.driver.offsets('CreateVolume', h2.t0), [0, 1_000, 3_000, 7_000, 11_000, 15_000, 19_000]);
  assert.is(phaseOf(h2.getClaim('data')), 'Bound');
});

test('the sidecar never gives up by default (csi-provisioner.go: FailedProvisionThreshold(0)): 30 failures, backoff capped at 5 min, then it provisions', () => {
  const failures = Array.from({ length: 30 }, () => new CsiError('RESOURCE_EXHAUSTED', 'out of capacity'));
  const h = setup({ driver: { create: failures } });
  h.addClass(storageClass('fast'));
  h.addClaim(claim('data'));
  // A settle stops when only failing retries are left; simulated time goes on until the claim is bound.
  assert.ok(h.world.runUntil(() => phaseOf(h.getClaim('data')) === 'Bound', 3 * 3_600_000));
  const offsets = h.driver.offsets('CreateVolume', h.t0);
  assert.is(offsets.length, 31);
  const gaps = offsets.slice(1).map((t, i) => t - offsets[i]!);
  assert.equal(gaps.slice(0, 9), [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 64_000, 128_000, 256_000]);
  assert.ok(gaps.slice(9).every((g) => g === 300_000), 'retryIntervalMax 5m');
  assert.not.ok(h.events('data').some((e) => e.includes('giving up')));
  assert.is(phaseOf(h.getClaim('data')), 'Bound');
});

// ------------------------------------------------------------------ responses

test('CreateVolume answers: capacity 0 means the request, a too small volume is deleted and retried', () => {
  const rows: { name: string; size: string; answers: CreateAnswer[]; expectedCapacity: string; expectedOffsetsMs: number[]; expectedDeletes: number; expectedWarnings: string[] }[] = [
    { name: 'capacity 0 (unknown) -> the requested size', size: '10Gi', answers: [{ capacityBytes: '0' }], expectedCapacity: '10Gi', expectedOffsetsMs: [0], expectedDeletes: 0, expectedWarnings: [] },
    { name: 'larger than asked -> what the driver made', size: '1G', answers: [{ capacityBytes: String(GI) }], expectedCapacity: '1Gi', expectedOffsetsMs: [0], expectedDeletes: 0, expectedWarnings: [] },
    { name: 'not a whole GiB -> plain bytes', size: '1G', answers: [{ capacityBytes: '1000000000' }], expectedCapacity: '1000000000', expectedOffsetsMs: [0], expectedDeletes: 0, expectedWarnings: [] },
    {
      name: 'smaller than asked -> DeleteVolume, retried in background', size: '10Gi', answers: [{ capacityBytes: String(GI) }],
      expectedCapacity: '10Gi', expectedOffsetsMs: [0, 1_000], expectedDeletes: 1,
      expectedWarnings: [`Warning ProvisioningFailed ${wrap('fast', `created volume capacity ${GI} less than requested capacity ${10 * GI}`)}`],
    },
  ];
  for (const row of rows) {
    const h = setup({ driver: { create: row.answers } });
    h.addClass(storageClass('fast'));
    const created = h.addClaim(claim('data', { size: row.size }));
    h.world.settle();
    const pv = h.store.getVolume(`pvc-${created.metadata.uid}`)!;
    assert.ok(pv, row.name);
    assert.is(pv.spec.capacity?.['storage'], row.expectedCapacity, row.name);
    assert.equal(h.driver.offsets('CreateVolume', h.t0), row.expectedOffsetsMs, row.name);
    assert.is(h.driver.offsets('DeleteVolume', h.t0).length, row.expectedDeletes, row.name);
    assert.equal(h.events('data').filter((e) => e.startsWith('Warning')), row.expectedWarnings, row.name);
    assert.is(phaseOf(h.getClaim('data')), 'Bound', row.name);
  }
});

test('a claim with a selector is refused: "claim Selector is not supported"', () => {
  const h = setup({ provisioner: { failedProvisionThreshold: 1 } });
  h.addClass(storageClass('fast'));
  h.addClaim(claim('data', { spec: { selector: { matchLabels: { tier: 'gold' } } } }));
  h.world.settle();
  assert.equal(h.driver.calls, []);
  assert.equal(h.events('data'), [
    `Normal Provisioning External provisioner is provisioning volume for claim "default/data" ×2`,
    `Warning ProvisioningFailed ${wrap('fast', 'claim Selector is not supported')} ×2`,
    'Warning ProvisioningFailed giving up on provisioning after 2 failed attempts (failedProvisionThreshold 1); the claim is retried only when it changes',
  ]);
  assert.is(phaseOf(h.getClaim('data')), 'Pending');
});

test('class parameters: reserved keys are stripped; an unknown reserved key is an error', () => {
  const h = setup({ provisioner: { failedProvisionThreshold: 1 } });
  h.addClass(storageClass('fast', { parameters: { 'csi.storage.k8s.io/provisioner-secret-name': 's', 'csi.pvsim.dev/latency-ms': '5', zone: 'a' } }));
  h.addClass(storageClass('typo', { parameters: { 'csi.storage.k8s.io/fsype': 'xfs' } }));
  h.addClaim(claim('good'));
  h.addClaim(claim('bad', { className: 'typo' }));
  h.world.settle();
  const creates = h.driver.calls.filter((c) => c.rpc === 'CreateVolume').map((c) => c.req as CreateVolumeRequest);
  assert.is(creates.length, 1);
  assert.equal(creates[0]!.parameters, { 'csi.pvsim.dev/latency-ms': '5', zone: 'a' });
  assert.equal(creates[0]!.volumeCapabilities, [{ accessMode: 'SINGLE_NODE_WRITER', mount: { fsType: 'ext4' } }]);
  assert.ok(h.events('bad').includes(
    `Warning ProvisioningFailed ${wrap('typo', 'failed to strip CSI Parameters of prefixed keys: found unknown parameter key "csi.storage.k8s.io/fsype" with reserved namespace csi.storage.k8s.io/')} ×2`,
  ));
});

// ------------------------------------------------------------------ deletion

test('Released Delete PV: DeleteVolume after its latency, then the PV is gone', () => {
  const h = setup({ driver: { latency: { DeleteVolume: 3_000 } } });
  h.addClass(storageClass('fast'));
  const created = h.addClaim(claim('data'));
  h.world.settle();
  const pvName = `pvc-${created.metadata.uid}`;
  assert.is(phaseOf(h.store.getVolume(pvName)), 'Bound');
  const deletedAt = h.clock.now();
  h.deleteClaim('data');
  h.world.drain();
  // OBSERVATION: Released, DeleteVolume in flight.
  assert.is(phaseOf(h.store.getVolume(pvName)), 'Released');
  assert.equal(h.driver.offsets('DeleteVolume', deletedAt), []);
  h.world.settle();
  assert.equal(h.driver.offsets('DeleteVolume', deletedAt), [3_000]);
  assert.equal(h.driver.calls.filter((c) => c.rpc === 'DeleteVolume')[0]!.req, { volumeId: `vol-${pvName}` });
  assert.is(h.store.getVolume(pvName), undefined);
  assert.is(h.driver.volumes.size, 0);
  assert.not.ok(h.provisioner.unsettled());
});

test('DeleteVolume failures: VolumeFailedDelete, retried with backoff until it works', () => {
  const h = setup({ driver: { delete: [new CsiError('FAILED_PRECONDITION', 'volume is in use'), new CsiError('FAILED_PRECONDITION', 'volume is in use')] } });
  h.addClass(storageClass('fast'));
  const created = h.addClaim(claim('data'));
  h.world.settle();
  const pvName = `pvc-${created.metadata.uid}`;
  const deletedAt = h.clock.now();
  h.deleteClaim('data');
  h.world.settle();
  assert.equal(h.driver.offsets('DeleteVolume', deletedAt), [0, 1_000, 3_000]);
  assert.equal(h.events(pvName), ['Warning VolumeFailedDelete rpc error: code = FailedPrecondition desc = volume is in use ×2']);
  assert.is(h.store.getVolume(pvName), undefined);
});

test('a Retain PV is never deleted', () => {
  const h = setup();
  h.addClass(storageClass('keep', { reclaimPolicy: 'Retain' }));
  const created = h.addClaim(claim('data', { className: 'keep' }));
  h.world.settle();
  const pvName = `pvc-${created.metadata.uid}`;
  assert.equal(h.store.getVolume(pvName)!.metadata.finalizers, [FINALIZER_PV_PROTECTION]);
  assert.is(h.store.getVolume(pvName)!.spec.persistentVolumeReclaimPolicy, 'Retain');
  h.deleteClaim('data');
  h.world.settle({ untilQuiet: true });
  h.clock.advance(120_000);
  h.world.settle({ untilQuiet: true });
  assert.is(phaseOf(h.store.getVolume(pvName)), 'Released');
  assert.equal(h.driver.offsets('DeleteVolume', h.t0), []);
  assert.is(h.driver.volumes.size, 1);
});

test('a Bound PV deleted by a user keeps its backend volume until it is Released', () => {
  const h = setup();
  h.addClass(storageClass('fast'));
  const created = h.addClaim(claim('data'));
  h.world.settle();
  const pvName = `pvc-${created.metadata.uid}`;
  h.store.deleteVolume(pvName);
  h.world.settle({ untilQuiet: true });
  const terminating = h.store.getVolume(pvName)!;
  assert.ok(terminating.metadata.deletionTimestamp);
  assert.is(phaseOf(terminating), 'Bound');
  assert.equal(h.driver.offsets('DeleteVolume', h.t0), []);
  h.deleteClaim('data');
  h.world.settle();
  assert.is(h.driver.offsets('DeleteVolume', h.t0).length, 1);
  assert.is(h.store.getVolume(pvName), undefined);
  assert.is(h.driver.volumes.size, 0);
});

test('static CSI PVs: this driver\'s get the finalizer when Bound and are deleted; another driver\'s are left alone', () => {
  const h = setup();
  h.addClass(storageClass('fast'));
  for (const [name, driver] of [['static-ours', DRIVER], ['static-theirs', 'other.csi.example.com']] as const) {
    h.store.createVolume({
      apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name },
      spec: {
        capacity: { storage: '5Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete', storageClassName: '',
        csi: { driver, volumeHandle: `handle-${name}` },
      },
    });
    h.addClaim(claim(`claim-${name}`, { size: '5Gi', className: '', spec: { volumeName: name } }));
  }
  h.world.settle();
  assert.ok(h.store.getVolume('static-ours')!.metadata.finalizers?.includes(FINALIZER_PV_EXTERNAL_DELETION));
  assert.not.ok(h.store.getVolume('static-theirs')!.metadata.finalizers?.includes(FINALIZER_PV_EXTERNAL_DELETION));
  h.deleteClaim('claim-static-ours');
  h.deleteClaim('claim-static-theirs');
  h.world.settle();
  assert.equal(h.driver.calls.map((c) => c.req), [{ volumeId: 'handle-static-ours' }]);
  assert.is(h.store.getVolume('static-ours'), undefined);
  assert.is(phaseOf(h.store.getVolume('static-theirs')), 'Released');
});

test('a volume still attached (VolumeAttachment) is not deleted', () => {
  const h = setup({ driver: { publish: true } });
  h.addClass(storageClass('fast'));
  const created = h.addClaim(claim('data'));
  h.world.settle();
  const pvName = `pvc-${created.metadata.uid}`;
  h.store.create('VolumeAttachment', {
    apiVersion: 'storage.k8s.io/v1', kind: 'VolumeAttachment', metadata: { name: 'csi-1' },
    spec: { attacher: DRIVER, nodeName: 'node-a', source: { persistentVolumeName: pvName } },
  });
  h.deleteClaim('data');
  h.world.drain();
  assert.equal(h.events(pvName), [`Warning VolumeFailedDelete persistentvolume ${pvName} is still attached to node node-a`]);
  assert.equal(h.driver.offsets('DeleteVolume', h.t0), []);
  h.store.delete('VolumeAttachment', 'csi-1');
  h.world.settle();
  assert.is(h.driver.offsets('DeleteVolume', h.t0).length, 1);
  assert.is(h.store.getVolume(pvName), undefined);
});

// ------------------------------------------------------------------ determinism

function scenario(seed: number) {
  const h = setup({
    seed,
    driver: {
      topology: true,
      latency: { CreateVolume: 1_500, DeleteVolume: 700 },
      create: [new CsiError('UNAVAILABLE', 'flaky'), { capacityBytes: '0' }, new CsiError('ABORTED', 'busy')],
      delete: [new CsiError('INTERNAL', 'oops')],
    },
  });
  h.addClass(storageClass('fast'));
  h.addClass(storageClass('late', { volumeBindingMode: 'WaitForFirstConsumer', reclaimPolicy: 'Retain' }));
  h.store.create('Node', node('node-a', 'zone-a'));
  h.store.create('Node', node('node-b', 'zone-b'));
  for (const name of ['a-0', 'a-1', 'a-2']) h.addClaim(claim(name));
  h.addClaim(claim('w-0', { className: 'late', annotations: { [ANN_SELECTED_NODE]: 'node-b' } }));
  h.world.settle();
  h.deleteClaim('a-1');
  h.deleteClaim('w-0');
  h.world.settle();
  return h;
}

test('determinism: one seed, the same records byte for byte; another seed, the same outcome', () => {
  const text = (h: Harness) => h.records.map((r) => JSON.stringify(r)).join('\n');
  const outcome = (h: Harness) => ({
    claims: h.store.listClaims().map((c) => `${c.metadata.name}:${phaseOf(c)}`),
    volumes: h.store.listVolumes().map((v) => `${v.spec.claimRef?.name}:${phaseOf(v)}`).sort(),
    backend: h.driver.volumes.size,
  });
  const a = scenario(11);
  const b = scenario(11);
  assert.ok(a.records.length > 50);
  assert.is(text(a), text(b));
  assert.equal(a.driver.calls, b.driver.calls);
  const c = scenario(12);
  assert.equal(outcome(c), outcome(a));
  assert.equal(outcome(a), {
    claims: ['a-0:Bound', 'a-2:Bound'],
    volumes: ['a-0:Bound', 'a-2:Bound', 'w-0:Released'],
    backend: 3,
  });
});

test.run();
